#include "tools/core/lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/core/test_util.h"

namespace ltskit {
namespace {

using testing::TempDir;

TEST(WorkspaceLock, SecondHolderIsRefusedAndToldWhoHoldsIt) {
  TempDir dir;
  auto first = WorkspaceLock::acquire(dir / "lock", "ltskit track");
  ASSERT_TRUE(first.ok()) << first.error().describe();
  // flock is per open file description, so a second open in this process conflicts too;
  // check from a real second process as well.
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto second = WorkspaceLock::acquire(dir / "lock", "ltskit publish");
    bool named =
        !second.ok() &&
        second.error().message().find("pid " + std::to_string(getppid()) + " (ltskit track)") != std::string::npos &&
        second.error().kind() == ErrorKind::kConflict;
    _exit(named ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(WorkspaceLock, ReleasedWhenDestroyed) {
  TempDir dir;
  {
    auto first = WorkspaceLock::acquire(dir / "lock", "one");
    ASSERT_TRUE(first.ok());
    auto second = WorkspaceLock::acquire(dir / "lock", "two");
    EXPECT_FALSE(second.ok());
  }
  auto third = WorkspaceLock::acquire(dir / "lock", "three");
  EXPECT_TRUE(third.ok());
}

TEST(WorkspaceLock, ReleasedWhenTheHolderDies) {
  TempDir dir;
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    auto held = WorkspaceLock::acquire(dir / "lock", "doomed");
    char c = held.ok() ? 'y' : 'n';
    (void)!write(pipefd[1], &c, 1);
    pause();
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(pipefd[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  EXPECT_FALSE(WorkspaceLock::acquire(dir / "lock", "me").ok());
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  EXPECT_TRUE(WorkspaceLock::acquire(dir / "lock", "me").ok());
}

}  // namespace
}  // namespace ltskit
