#include "tools/core/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "tools/core/test_util.h"

namespace ltskit {
namespace {

using namespace std::chrono_literals;

TEST(RunProcess, CapturesStdoutStderrAndExitCode) {
  auto r = run_process({"sh", "-c", "printf out; printf err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->out, "out");
  EXPECT_EQ(r->err, "err");
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->success());
}

TEST(RunProcess, ArgumentsAreNeverInterpretedByAShell) {
  auto r = run_process({"printf", "%s|", "$(touch /tmp/ltskit-pwned)", "a b", "*"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "$(touch /tmp/ltskit-pwned)|a b|*|");
  EXPECT_FALSE(std::filesystem::exists("/tmp/ltskit-pwned"));
}

TEST(RunProcess, FeedsStdinAndSetsEnvironmentAndFolder) {
  testing::TempDir dir;
  ProcessOptions opt;
  opt.stdin_data = std::string(1 << 20, 'x');  // larger than a pipe buffer
  opt.env["LTSKIT_TEST_VAR"] = "hello";
  opt.cwd = dir.path();
  auto r = run_process({"sh", "-c", "wc -c; echo $LTSKIT_TEST_VAR; pwd"}, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, std::to_string(1 << 20) + "\nhello\n" + std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST(RunProcess, KillsAProgramThatOutlivesItsTimeout) {
  ProcessOptions opt;
  opt.timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = run_process({"sleep", "30"}, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_FALSE(r->success());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(RunProcess, ReportsASignal) {
  auto r = run_process({"sh", "-c", "kill -TERM $$"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->signal, SIGTERM);
}

// True while `pid` runs (a zombie waiting for its reaper counts as gone).
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  if (!(stat >> pid_field >> comm >> state)) return false;
  return state != "Z" && state != "X";
}

// Issue 8, point 15: a killed ltskit left its nix-env running under pid 1.
TEST(RunProcess, AChildDiesWithTheProcessThatStartedIt) {
  testing::TempDir dir;
  auto pid_file = dir / "child.pid";
  pid_t runner = ::fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    // Stands for ltskit: starts a long child and waits for it.
    (void)run_process({"sh", "-c", "echo $$ > '" + pid_file.string() + "'; exec sleep 60"});
    ::_exit(0);
  }
  pid_t child = 0;
  for (int i = 0; i < 500 && child == 0; ++i) {
    std::ifstream in(pid_file);
    if (!(in >> child)) child = 0;
    if (child == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(child, 0) << "the child never started";
  ASSERT_TRUE(running(child));
  ::kill(runner, SIGKILL);
  ::waitpid(runner, nullptr, 0);
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = !running(child);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!gone) ::kill(child, SIGKILL);  // leave nothing behind
  EXPECT_TRUE(gone) << "the child outlived its killed parent";
}

TEST(RunProcess, MissingProgramIsNotFound) {
  auto r = run_process({"ltskit-no-such-program"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kNotFound);
}

TEST(RunProcess, BoundsCapturedOutput) {
  ProcessOptions opt;
  opt.max_output = 1000;
  auto r = run_process({"head", "-c", "100000", "/dev/zero"}, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_TRUE(r->output_truncated);
  EXPECT_TRUE(r->success());
}

}  // namespace
}  // namespace ltskit
