// A new user's first command meets a brand-new Nix state: `track` evaluates
// commits in parallel, and parallel Nix processes must never race to create
// that state. Evaluation only (builds need the real store).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tools/core/process.h"
#include "tools/core/test_util.h"

namespace ltskit {
namespace {

using testing::TempDir;

ProcessResult run_ok(const std::vector<std::string>& argv, const ProcessOptions& opt = {}) {
  auto r = run_process(argv, opt);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? *r : ProcessResult{};
}

TEST(FreshNixState, ParallelTrackSucceedsEveryTimeOnANewStateFolder) {
  TempDir tmp;
  ProcessResult demo =
      run_ok({"bash", std::string(LTSKIT_SOURCE_DIR) + "/examples/demo/make-demo-repo.sh", (tmp / "pkgs").string()});
  ASSERT_TRUE(demo.success()) << demo.err;
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::filesystem::path ws = tmp / ("ws" + std::to_string(round));
    std::filesystem::path state = tmp / ("nix-state" + std::to_string(round));
    std::filesystem::create_directories(state);  // empty: Nix has never run here
    ProcessOptions opt;
    opt.env["NIX_STATE_DIR"] = state.string();
    auto ltskit = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {LTSKIT_BINARY, "-C", ws.string()});
      return run_ok(args, opt);
    };
    ASSERT_TRUE(ltskit({"init", "--repo", (tmp / "pkgs").string()}).success());
    // Four evaluations at once, on two cores.
    std::ifstream in(ws / "ltskit.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string toml = std::regex_replace(text.str(), std::regex("eval_jobs = [^\\n]+"), "eval_jobs = 4");
    ASSERT_NE(toml, text.str());
    std::ofstream(ws / "ltskit.toml") << toml;
    ASSERT_TRUE(ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", "2026-01-15"}).success());

    ProcessResult tr = ltskit({"track", "--history", "12", "--json"});
    EXPECT_EQ(tr.exit_code, 0) << tr.err;
    auto j = nlohmann::json::parse(tr.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << tr.out << tr.err;
    EXPECT_TRUE(j["failures"].empty()) << j["failures"].dump(2);
    size_t evaluated = 0;
    for (const auto& b : j["branches"]) evaluated += b["evaluated"].get<size_t>();
    EXPECT_GE(evaluated, 4u) << "too few evaluations to run in parallel";
    // Nix made its state where it was told to, and only there.
    EXPECT_TRUE(std::filesystem::exists(state / "db" / "db.sqlite"));
    EXPECT_TRUE(std::filesystem::is_symlink(state / "gcroots" / "profiles"));
  }
}

}  // namespace
}  // namespace ltskit
