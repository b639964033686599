// The workspace lock: an advisory flock(2) on WORKSPACE/.ltskit/lock, so that
// two commands that change a workspace never run at once. The holder writes
// its pid, command and start time into the file, and a refused second command
// reports them. The lock is released when the WorkspaceLock is destroyed or the
// process dies (the kernel drops flocks with the file descriptor).
#pragma once

#include <filesystem>
#include <string>

#include "tools/core/error.h"

namespace ltskit {

class WorkspaceLock {
 public:
  // Takes the lock without waiting. When another process holds it, fails with
  // a kConflict error naming the holder ("held by pid 123 (ltskit track) since …").
  static Result<WorkspaceLock> acquire(const std::filesystem::path& lock_file, const std::string& command);

  WorkspaceLock(WorkspaceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  WorkspaceLock& operator=(WorkspaceLock&& other) noexcept;
  WorkspaceLock(const WorkspaceLock&) = delete;
  WorkspaceLock& operator=(const WorkspaceLock&) = delete;
  ~WorkspaceLock();

 private:
  explicit WorkspaceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace ltskit
