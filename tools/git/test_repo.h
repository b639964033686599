// Tests only: builds real git repositories with the git CLI, with fixed
// identities and dates so that commit ids are stable.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tools/core/process.h"

namespace ltskit::testing {

class GitRepoBuilder {
 public:
  explicit GitRepoBuilder(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    git({"init", "-q", "-b", "main"});
  }

  // Runs git in the repository; fails the test when git fails.
  std::string git(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {
        "git", "-C", dir_.string(), "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions opt;
    std::string date = std::to_string(time_) + " +0000";
    opt.env = {{"GIT_AUTHOR_NAME", "Test Author"},
               {"GIT_AUTHOR_EMAIL", "author@example.org"},
               {"GIT_COMMITTER_NAME", "Test Committer"},
               {"GIT_COMMITTER_EMAIL", "committer@example.org"},
               {"GIT_AUTHOR_DATE", date},
               {"GIT_COMMITTER_DATE", date},
               {"GIT_CONFIG_NOSYSTEM", "1"},
               {"HOME", dir_.string()}};
    auto r = run_process(argv, opt);
    EXPECT_TRUE(r.ok() && r->success()) << "git " << args[0] << ": " << (r.ok() ? r->err : r.error().message());
    std::string out = r.ok() ? r->out : "";
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  void write(const std::string& rel, const std::string& text) {
    auto p = dir_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }

  // Stages everything and commits at the builder's clock, which then advances a day.
  std::string commit(const std::string& message) {
    git({"add", "-A"});
    git({"commit", "-q", "--allow-empty", "-m", message});
    time_ += 86400;
    return git({"rev-parse", "HEAD"});
  }

  void set_time(int64_t unix_seconds) { time_ = unix_seconds; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  int64_t time_ = 1767225600;  // 2026-01-01T00:00:00Z
};

}  // namespace ltskit::testing
