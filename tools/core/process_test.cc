#include "tools/core/process.h"

#include <gtest/gtest.h>

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
