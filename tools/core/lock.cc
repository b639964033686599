#include "tools/core/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "tools/core/fs.h"

namespace ltskit {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[512];
  if (::lseek(fd, 0, SEEK_SET) < 0) return out;
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && out.size() < 4096) out.append(buf, n);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\0')) out.pop_back();
  return out;
}

}  // namespace

Result<WorkspaceLock> WorkspaceLock::acquire(const std::filesystem::path& lock_file, const std::string& command) {
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    if (err == EACCES || err == EROFS || err == EPERM)
      return errno_error("this command changes the workspace, which is read-only here (cannot open lock file '" +
                             lock_file.string() + "'); commands that only read it still work",
                         err);
    return errno_error("cannot open lock file '" + lock_file.string() + "'", err);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err == EWOULDBLOCK) {
      std::string holder = read_all(fd);
      ::close(fd);
      return conflict("workspace is locked by another ltskit command: " +
                      (holder.empty() ? std::string("unknown holder") : holder) + " (lock file '" + lock_file.string() +
                      "')");
    }
    ::close(fd);
    return errno_error("cannot lock '" + lock_file.string() + "'", err);
  }
  std::string info = "pid " + std::to_string(::getpid()) + " (" + command + ") since " + now_utc() + "\n";
  if (::ftruncate(fd, 0) == 0) {
    ssize_t ignored = ::pwrite(fd, info.data(), info.size(), 0);
    (void)ignored;
  }
  return WorkspaceLock(fd);
}

WorkspaceLock& WorkspaceLock::operator=(WorkspaceLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

WorkspaceLock::~WorkspaceLock() {
  if (fd_ >= 0) {
    // Leave an empty file: a later reader must not see a stale holder.
    (void)!::ftruncate(fd_, 0);
    ::close(fd_);
  }
}

}  // namespace ltskit
