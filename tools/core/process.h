// Running other programs: argv lists only, never a shell. This is the only
// seam through which ltskit starts a process; process.cc is the only
// translation unit that includes Boost.Process.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/core/error.h"

namespace ltskit {

struct ProcessOptions {
  // Working folder; empty means the current one.
  std::filesystem::path cwd;
  // Variables set (or, with an empty optional, removed) on top of the parent's
  // environment, unless `clear_env` starts from an empty one.
  std::map<std::string, std::optional<std::string>> env;
  bool clear_env = false;
  // Written to the child's stdin, which is then closed. Without it stdin is /dev/null.
  std::optional<std::string> stdin_data;
  // The child is killed (SIGKILL) when it runs longer; zero means no limit.
  std::chrono::milliseconds timeout{0};
  // Output beyond this many bytes per stream is dropped (the flag below says so).
  size_t max_output = size_t{256} << 20;
};

struct ProcessResult {
  int exit_code = -1;  // valid when neither timed_out nor signalled
  bool timed_out = false;
  int signal = 0;  // the signal that ended the child, or 0
  bool output_truncated = false;
  std::string out;
  std::string err;

  bool success() const { return !timed_out && signal == 0 && exit_code == 0; }
  // "exited with status 3" / "was killed by signal 9" / "timed out after 2s".
  std::string describe_status(std::chrono::milliseconds timeout) const;
};

// Runs argv[0] (looked up in PATH unless it contains a '/') with argv[1..].
// An error means the program could not be started at all; a program that ran
// and failed is a successful Result whose `success()` is false.
Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// The full path of `program` found in PATH, or nullopt.
std::optional<std::filesystem::path> find_program(const std::string& program);

}  // namespace ltskit
