#include "abi-check/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace ltskit::abi {

namespace {

Error errno_error(int err, const std::string& what) {
  return Error{error_code_from_errno(err), what + ": " + std::strerror(err)};
}

// The process's umask, read without changing it (umask(2) can only set it,
// which would race with other threads creating files).
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("Umask:")) return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8) & 0777);
  return 022;
}

struct FileCloser {
  int fd;
  ~FileCloser() { ::close(fd); }
};

// An open temporary file, closed (fd >= 0) and removed (path not empty) when
// it goes out of scope.
struct TempFile {
  int fd = -1;
  std::string path;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

Expected<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return errno_error(err, path);
  }
  FileCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    return errno_error(err, path);
  }
  if (!S_ISREG(st.st_mode)) return Error{ErrorCode::kInvalid, path + ": not a regular file"};
  std::string out;
  out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      return errno_error(err, path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Expected<bool> write_file_atomically(const std::string& path, std::string_view contents) {
  namespace fs = std::filesystem;
  fs::path target(path);
  if (target.filename().empty()) return Error{ErrorCode::kUsage, path + ": not a file name"};
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";

  // Each step's errno is taken at once: building the message may change it.
  int err = 0;
  std::string templ = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkostemp(templ.data(), O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return errno_error(err, path + ": cannot create a temporary file in '" + dir.string() + "'");
  }
  TempFile tmp{fd, templ};

  struct stat old {};
  mode_t mode = ::stat(path.c_str(), &old) == 0 ? (old.st_mode & 07777) : (0666 & ~current_umask());
  if (::fchmod(tmp.fd, mode) != 0) {
    err = errno;
    return errno_error(err, path + ": cannot set the mode of '" + tmp.path + "'");
  }
  const char* p = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    ssize_t n = ::write(tmp.fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      return errno_error(err, path + ": cannot write '" + tmp.path + "'");
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(tmp.fd) != 0) {
    err = errno;
    return errno_error(err, path + ": cannot sync '" + tmp.path + "'");
  }
  int rc = ::close(tmp.fd);
  tmp.fd = -1;
  if (rc != 0) {
    err = errno;
    return errno_error(err, path + ": cannot close '" + tmp.path + "'");
  }
  if (::rename(tmp.path.c_str(), path.c_str()) != 0) {
    err = errno;
    return errno_error(err, path + ": cannot rename '" + tmp.path + "' over it");
  }
  tmp.path.clear();  // it is `path` now

  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    err = errno;
    return errno_error(err, path + ": written, but its folder cannot be opened to sync it");
  }
  FileCloser dir_closer{dfd};
  // EINVAL: the file system cannot sync folders; there is nothing more to do.
  if (::fsync(dfd) != 0 && errno != EINVAL) {
    err = errno;
    return errno_error(err, path + ": written, but syncing its folder failed");
  }
  return true;
}

}  // namespace ltskit::abi
