#include "tools/core/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

namespace ltskit {
namespace fs = std::filesystem;

Status write_all(int fd, std::string_view data, const fs::path& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("cannot write '" + path.string() + "'", errno);
    }
    done += static_cast<size_t>(n);
  }
  return ok_status();
}

Status atomic_write_file(const fs::path& path, std::string_view contents, unsigned mode) {
  fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::random_device rd;
  fs::path tmp =
      dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return errno_error("cannot create '" + tmp.string() + "'", errno);
  auto fail = [&](const std::string& what) -> Status {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return errno_error(what + " '" + path.string() + "'", err);
  };
  if (Status w = write_all(fd, contents, path); !w.ok()) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return w;
  }
  if (::fchmod(fd, mode) != 0) return fail("cannot chmod");
  if (::fsync(fd) != 0) return fail("cannot sync");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return errno_error("cannot write '" + path.string() + "'", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return errno_error("cannot replace '" + path.string() + "'", err);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return ok_status();
}

Status write_output_file(const fs::path& path, std::string_view contents) {
  std::error_code ec;
  fs::path target = path;
  if (fs::is_symlink(path, ec)) {
    target = fs::canonical(path, ec);
    if (ec) return io_error("cannot follow the link '" + path.string() + "': " + ec.message());
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) {
    if (errno != ENOENT) return errno_error("cannot write '" + path.string() + "'", errno);
    return atomic_write_file(target, contents);
  }
  if (S_ISREG(st.st_mode)) return atomic_write_file(target, contents, st.st_mode & 07777);
  if (S_ISDIR(st.st_mode)) return usage_error("'" + path.string() + "' is a folder");
  int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return errno_error("cannot write '" + path.string() + "'", errno);
  if (Status w = write_all(fd, contents, path); !w.ok()) {
    ::close(fd);
    return w;
  }
  if (::close(fd) != 0) return errno_error("cannot write '" + path.string() + "'", errno);
  return ok_status();
}

Result<std::string> read_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("cannot read '" + path.string() + "'", errno);
  struct stat st {};
  std::string out;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return errno_error("cannot read '" + path.string() + "'", err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status make_dirs(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return io_error("cannot create folder '" + path.string() + "': " + ec.message());
  return ok_status();
}

std::string format_utc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<int64_t> parse_utc(std::string_view timestamp) {
  std::string t(timestamp);
  std::tm tm{};
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec) != 6)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

std::string now_utc() { return format_utc(static_cast<int64_t>(std::time(nullptr))); }

bool looks_like_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

Result<int64_t> parse_date(std::string_view date) {
  if (!looks_like_date(date)) return invalid("'" + std::string(date) + "' is not a date of the form YYYY-MM-DD");
  std::tm tm{};
  tm.tm_year = std::stoi(std::string(date.substr(0, 4))) - 1900;
  tm.tm_mon = std::stoi(std::string(date.substr(5, 2))) - 1;
  tm.tm_mday = std::stoi(std::string(date.substr(8, 2)));
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
    return invalid("'" + std::string(date) + "' is not a valid date");
  int mday = tm.tm_mday, mon = tm.tm_mon;
  std::time_t t = timegm(&tm);
  if (tm.tm_mday != mday || tm.tm_mon != mon) return invalid("'" + std::string(date) + "' is not a valid date");
  return static_cast<int64_t>(t);
}

}  // namespace ltskit
