// Channels, tracking and the version index on real git repositories
// evaluated by the real nix-env.
#include <gtest/gtest.h>

#include <algorithm>

#include "tools/core/events.h"
#include "tools/core/test_util.h"
#include "tools/core/workspace.h"
#include "tools/git/test_repo.h"
#include "tools/nix/test_package_set.h"
#include "tools/track/channels.h"
#include "tools/track/schema.h"
#include "tools/track/tracker.h"
#include "tools/track/version_index.h"

namespace ltskit {
namespace {

using testing::GitRepoBuilder;
using testing::TempDir;

std::string package_set(const std::string& alpha_version, const std::string& extra = "") {
  return testing::test_package_set("  alpha = mk \"alpha\" \"" + alpha_version +
                                   "\";\n  beta = mk \"beta\" \"0.5\";\n  " + extra);
}

// Given an upstream where alpha goes 1.0 -> 1.1 -> 2.0 and a workspace whose
// channel 1.0 is cut at the first commit.
struct Fixture {
  TempDir tmp;
  GitRepoBuilder b{tmp / "repo"};
  std::string c1, c2, c3;
  std::optional<Workspace> ws;
  std::optional<git::Repository> repo;
  NullProgress progress;

  Fixture() {
    b.write("default.nix", package_set("1.0"));
    c1 = b.commit("alpha 1.0");  // 2026-01-01
    b.write("default.nix", package_set("1.1"));
    c2 = b.commit("alpha 1.1");  // 2026-01-02
    b.write("default.nix", package_set("2.0"));
    c3 = b.commit("alpha 2.0");  // 2026-01-03
    Workspace::InitOptions opt;
    opt.repo = b.dir();
    auto w = Workspace::init(tmp / "ws", opt, {&track_schema()});
    EXPECT_TRUE(w.ok()) << w.error().describe();
    auto opened = Workspace::open(tmp / "ws", Access::kWrite, "test", {&track_schema()});
    EXPECT_TRUE(opened.ok());
    ws.emplace(std::move(*opened));
    auto r = git::Repository::open(b.dir());
    EXPECT_TRUE(r.ok());
    repo.emplace(std::move(*r));
  }

  ChannelState cut(const std::string& from = "2026-01-01") {
    CreateChannelOptions o;
    o.name = "1.0";
    o.branch = "lts/1.0";
    o.from = from;
    o.publish = {"alpha"};
    auto c = create_channel(*ws, *repo, o);
    EXPECT_TRUE(c.ok()) << c.error().describe();
    return *c;
  }

  TrackReport run_track(size_t history) {
    TrackOptions t;
    t.history = history;
    auto r = track(*ws, *repo, t, progress);
    EXPECT_TRUE(r.ok()) << r.error().describe();
    return r.ok() ? *r : TrackReport{};
  }

  const BranchVersions* branch(const VersionsAnswer& a, const std::string& name) {
    for (const auto& b : a.branches)
      if (b.branch == name) return &b;
    return nullptr;
  }
};

TEST(Channels, CutFromADateCreatesBranchAndFile) {
  Fixture f;
  ChannelState c = f.cut("2026-01-02");
  EXPECT_EQ(c.cut_commit, f.c2);  // the last commit on or before that day
  EXPECT_EQ(c.branch_head, f.c2);
  EXPECT_EQ(c.config.cut, "2026-01-02");
  EXPECT_TRUE(std::filesystem::exists(f.tmp / "ws/channels/1.0.toml"));
  auto reloaded = load_channel_config(f.tmp / "ws/channels/1.0.toml");
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().describe();
  EXPECT_EQ(reloaded->cut_commit, f.c2);
  EXPECT_EQ(reloaded->publish, std::vector<std::string>{"alpha"});
}

TEST(Channels, RefusesDuplicatesAndBranchesWithoutTheCut) {
  Fixture f;
  f.cut(f.c1);
  CreateChannelOptions o;
  o.name = "1.0";
  o.branch = "lts/other";
  o.from = f.c1;
  auto dup = create_channel(*f.ws, *f.repo, o);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind(), ErrorKind::kConflict);

  // A branch that exists but does not contain the cut commit is refused, and
  // nothing is left behind.
  f.b.git({"branch", "stale", f.c1});
  o.name = "2.0";
  o.branch = "stale";
  o.from = f.c3;
  auto bad = create_channel(*f.ws, *f.repo, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("does not contain the cut commit"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(f.tmp / "ws/channels/2.0.toml"));

  // A branch that contains it is adopted.
  o.from = f.c1;
  auto adopted = create_channel(*f.ws, *f.repo, o);
  ASSERT_TRUE(adopted.ok()) << adopted.error().describe();
  EXPECT_EQ(adopted->branch_head, f.c1);
}

TEST(Channels, EndOfLifeIsRecordedAndRefusesChanges) {
  Fixture f;
  f.cut();
  auto c = get_channel(*f.ws, *f.repo, "1.0");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(require_active(*c, "backports").ok());
  auto eol = eol_channel(*f.ws, *f.repo, "1.0");
  ASSERT_TRUE(eol.ok());
  auto again = get_channel(*f.ws, *f.repo, "1.0");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, ChannelStatus::kEol);
  Status s = require_active(*again, "backports");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("channel '1.0' reached end of life"), std::string::npos);
  EXPECT_FALSE(eol_channel(*f.ws, *f.repo, "1.0").ok());
}

TEST(Channels, HandWrittenChannelFilesAreRegistered) {
  Fixture f;
  f.b.git({"branch", "lts/2.0", f.c2});
  std::ofstream(f.tmp / "ws/channels/2.0.toml")
      << "name = \"2.0\"\nbranch = \"lts/2.0\"\nupstream = \"main\"\ncut = \"" << f.c2 << "\"\n";
  auto list = list_channels(*f.ws, *f.repo);
  ASSERT_TRUE(list.ok()) << list.error().describe();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].cut_commit, f.c2);
  EXPECT_EQ((*list)[0].status, ChannelStatus::kActive);
}

TEST(Track, HeadsOnlyByDefaultThenHistory) {
  Fixture f;
  f.cut();
  TrackReport first = f.run_track(0);
  ASSERT_EQ(first.branches.size(), 2u);
  EXPECT_EQ(first.branches[0].branch, "lts/1.0");
  EXPECT_EQ(first.branches[0].evaluated, 1u);
  EXPECT_EQ(first.branches[1].branch, "main");
  EXPECT_EQ(first.branches[1].evaluated, 1u);
  EXPECT_EQ(first.snapshots_added, 2u);
  EXPECT_TRUE(first.failures.empty());

  // History covers the middle commit; the two known ones are skipped.
  TrackReport second = f.run_track(10);
  EXPECT_EQ(second.branches[1].commits, 3u);
  EXPECT_EQ(second.branches[1].evaluated, 1u);
  EXPECT_EQ(second.branches[1].known, 2u);

  // Nothing changed: nothing is evaluated.
  TrackReport third = f.run_track(10);
  EXPECT_EQ(third.snapshots_added, 0u);
  for (const auto& b : third.branches) EXPECT_EQ(b.evaluated, 0u);
}

TEST(Track, ACommitWithAnUnchangedTreeReusesTheSnapshot) {
  Fixture f;
  f.cut();
  f.run_track(10);
  f.b.write("README", "docs only\n");
  f.b.commit("docs");                                         // different tree: evaluated
  f.b.git({"commit", "-q", "--allow-empty", "-m", "empty"});  // same tree as docs
  TrackReport r = f.run_track(10);
  EXPECT_EQ(r.branches[1].evaluated, 1u);
  EXPECT_EQ(r.branches[1].reused, 1u);
  auto a = query_versions(*f.ws, {"alpha", std::nullopt});
  ASSERT_TRUE(a.ok());
  const BranchVersions* main = f.branch(*a, "main");
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->versions.back().version, "2.0");
  EXPECT_EQ(main->versions.back().commits, 3u);  // alpha 2.0, docs, empty
  EXPECT_TRUE(main->versions.back().at_head);
}

TEST(Track, EvaluationFailuresAreReportedAndTheRestLands) {
  Fixture f;
  f.cut();
  f.b.write("default.nix",
            package_set("3.0", "broken = derivation { name = \"x\"; builder = undefinedVar; system = system; };"));
  std::string bad = f.b.commit("break evaluation");
  f.b.write("default.nix", package_set("3.1"));
  std::string fixed = f.b.commit("fix evaluation");
  TrackOptions t;
  t.history = 10;
  auto r = track(*f.ws, *f.repo, t, f.progress);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->failures.size(), 1u);
  EXPECT_EQ(r->failures[0].commit, bad);
  EXPECT_NE(r->failures[0].message.find("undefined variable 'undefinedVar'"), std::string::npos)
      << r->failures[0].message;
  auto a = query_versions(*f.ws, {"alpha", std::nullopt});
  ASSERT_TRUE(a.ok());
  const BranchVersions* main = f.branch(*a, "main");
  ASSERT_NE(main, nullptr);
  EXPECT_EQ(main->versions.back().version, "3.1");
  EXPECT_EQ(main->versions.back().first_commit, fixed);
}

TEST(Versions, AnswersFirstAndLastCommitPerBranch) {
  Fixture f;
  f.cut();
  f.run_track(10);
  auto a = query_versions(*f.ws, {"alpha", std::nullopt});
  ASSERT_TRUE(a.ok()) << a.error().describe();
  ASSERT_EQ(a->branches.size(), 2u);
  EXPECT_EQ(a->branches[0].branch, "lts/1.0");  // channels first
  EXPECT_EQ(a->branches[0].channels, std::vector<std::string>{"1.0"});
  ASSERT_EQ(a->branches[0].versions.size(), 1u);
  EXPECT_EQ(a->branches[0].versions[0].version, "1.0");
  EXPECT_TRUE(a->branches[0].versions[0].at_head);
  const BranchVersions& main = a->branches[1];
  EXPECT_EQ(main.upstream_of, std::vector<std::string>{"1.0"});
  ASSERT_EQ(main.versions.size(), 3u);
  EXPECT_EQ(main.versions[0].version, "1.0");
  EXPECT_EQ(main.versions[0].first_commit, f.c1);
  EXPECT_EQ(main.versions[1].version, "1.1");
  EXPECT_EQ(main.versions[1].last_commit, f.c2);
  EXPECT_EQ(main.versions[2].version, "2.0");
  EXPECT_TRUE(main.versions[2].at_head);
  EXPECT_FALSE(main.versions[0].at_head);
}

TEST(Versions, RangesSelectChannelsAndCommits) {
  Fixture f;
  f.cut();
  f.run_track(10);
  auto range = VersionRange::parse(">=1.1 <2.0");
  ASSERT_TRUE(range.ok());
  auto a = query_versions(*f.ws, {"alpha", *range});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->channels_in_range.empty());
  ASSERT_EQ(a->matches.size(), 1u);
  EXPECT_EQ(a->matches[0].commit, f.c2);
  EXPECT_EQ(a->matches[0].branch, "main");

  auto old = VersionRange::parse("<1.1");
  auto b = query_versions(*f.ws, {"alpha", *old});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->channels_in_range, std::vector<std::string>{"1.0"});
  EXPECT_EQ(b->matches.size(), 2u);  // c1 on lts/1.0 and on main
}

TEST(Versions, UnknownPackageIsNotFound) {
  Fixture f;
  f.cut();
  f.run_track(0);
  auto a = query_versions(*f.ws, {"gamma", std::nullopt});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind(), ErrorKind::kNotFound);
}

TEST(Track, ARewrittenBranchForgetsItsOldCommitsAndSaysSo) {
  Fixture f;
  f.cut(f.c1);
  f.b.git({"branch", "-f", "lts/1.0", f.c2});  // a backport landed
  f.run_track(10);
  // Rewrite lts/1.0 back to c1 (a force-push that dropped c2).
  f.b.git({"branch", "-f", "lts/1.0", f.c1});
  TrackReport r = f.run_track(10);
  auto lts_report =
      std::find_if(r.branches.begin(), r.branches.end(), [](const TrackedBranch& b) { return b.branch == "lts/1.0"; });
  ASSERT_NE(lts_report, r.branches.end());
  EXPECT_EQ(lts_report->rewritten_from, f.c2);
  EXPECT_EQ(r.outcome.kind(), OutcomeKind::kDoneWithWarnings);
  auto a = query_versions(*f.ws, {"alpha", std::nullopt});
  ASSERT_TRUE(a.ok());
  const BranchVersions* lts = f.branch(*a, "lts/1.0");
  ASSERT_NE(lts, nullptr);
  ASSERT_EQ(lts->versions.size(), 1u);
  EXPECT_EQ(lts->versions[0].version, "1.0");
}

TEST(Track, AChannelBranchBehindItsCutIsAnError) {
  Fixture f;
  f.cut(f.c2);
  f.run_track(10);
  f.b.git({"branch", "-f", "lts/1.0", f.c1});  // behind the cut
  TrackReport r = f.run_track(10);
  EXPECT_EQ(r.outcome.kind(), OutcomeKind::kFailed);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].message.find("no longer contains its cut commit"), std::string::npos);
}

}  // namespace
}  // namespace ltskit
