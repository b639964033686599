#include "abi-check/loader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "abi-check/file_io.h"
#include "abi-check/model_json.h"

namespace ltskit::abi {

namespace {

// The first bytes of the file, enough to tell ELF from JSON; nullopt when the
// file opens but cannot be read (a folder), which read_library then reports.
Expected<std::optional<std::string>> read_head(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return Error{error_code_from_errno(err), path + ": " + std::strerror(err)};
  }
  char buf[64];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n < 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(buf, static_cast<size_t>(n)));
}

}  // namespace

Expected<Model> load_abi(const std::string& path, const ReadOptions& options) {
  if (path.empty()) return Error{ErrorCode::kUsage, "no file given for an ABI (empty path)"};
  auto head = read_head(path);
  if (!head.ok()) return head.error();
  if (*head) {
    const std::string& bytes = **head;
    if (bytes.empty()) return Error{ErrorCode::kInvalid, path + ": empty file"};
    if (looks_like_dump(bytes)) {
      auto text = read_file(path);
      if (!text.ok()) return text.error();
      return model_from_json(*text, path);
    }
    if (!bytes.starts_with("\177ELF"))
      return Error{ErrorCode::kUnsupported, path + ": neither an ELF file nor an ltsabi dump"};
  }
  return read_library(path, options);
}

}  // namespace ltskit::abi
