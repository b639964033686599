// Channels, tracking and the version index on real git repositories
// evaluated by the real nix-env.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "tools/core/events.h"
#include "tools/core/fs.h"
#include "tools/core/process.h"
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

using nlohmann::json;
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

  // The failure is recorded, with Nix's message, as a refusal.
  {
    auto q = f.ws->db().prepare("SELECT refusal, message FROM evaluation_failures WHERE commit_id = ?");
    ASSERT_TRUE(q.ok());
    q->bind(1, bad);
    ASSERT_TRUE(*q->step());
    EXPECT_EQ(q->integer(0), 1);
    EXPECT_NE(q->text(1).find("undefinedVar"), std::string::npos);
  }
  // A later run does not evaluate it again, and says so without failing.
  auto again = track(*f.ws, *f.repo, t, f.progress);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->failures.empty());
  EXPECT_EQ(again->branches[1].failed_before, 1u);
  EXPECT_EQ(again->branches[1].evaluated, 0u);
  ASSERT_EQ(again->failed_before.size(), 1u);
  EXPECT_EQ(again->failed_before[0].commit, bad);
  EXPECT_EQ(again->outcome.count(OutcomeKind::kFailed), 0u);
  EXPECT_EQ(again->outcome.count(OutcomeKind::kDoneWithWarnings), 1u);
  // --retry-failed evaluates it again (and it fails again).
  t.retry_failed = true;
  auto retried = track(*f.ws, *f.repo, t, f.progress);
  ASSERT_TRUE(retried.ok());
  ASSERT_EQ(retried->failures.size(), 1u);
  EXPECT_EQ(retried->branches[1].evaluated, 1u);
}

// A progress that keeps the lines it is given.
struct LineProgress : NullProgress {
  std::vector<std::string> lines;
  void line(const std::string& text) override { lines.push_back(text); }
};

// Issue 13: every commit of a history with renames, deletions, a file that
// becomes a folder and a folder that becomes a symlink is evaluated in one
// of eval_jobs tree slots moved from commit to commit, and gives the packages
// its own tree gives; the cache holds the slots and nothing else.
TEST(Track, HistoryIsEvaluatedInABoundedSetOfMovingTrees) {
  Fixture f;
  f.ws->mutable_config().nix.eval_jobs = 2;
  namespace fs = std::filesystem;
  fs::path cache = f.ws->config().cache_dir();
  fs::create_directories(cache / "trees" / "0123456789abcdef0123456789abcdef01234567" / "pkgs");
  // alpha's version lives in a file that moves around.
  auto set_with = [](const std::string& alpha_file) {
    return testing::test_package_set("  alpha = mk \"alpha\" (builtins.readFile ./" + alpha_file +
                                     ");\n  beta = mk \"beta\" \"0.5\";");
  };
  std::vector<std::pair<std::string, std::string>> expected;  // commit, alpha's version
  auto step = [&](const std::string& file, const std::string& version) {
    f.b.write("default.nix", set_with(file));
    f.b.write(file, version);
    expected.emplace_back(f.b.commit("alpha " + version), version);
  };
  step("versions/alpha", "3.0");
  f.b.git({"mv", "versions/alpha", "versions/alpha-renamed"});  // a rename
  step("versions/alpha-renamed", "3.1");
  fs::remove_all(f.b.dir() / "versions");  // a deletion; `meta` file becomes a folder
  f.b.write("meta", "a file\n");
  step("alpha-version", "3.2");
  fs::remove(f.b.dir() / "meta");
  f.b.write("meta/alpha", "x");
  step("meta/alpha", "3.3");
  fs::rename(f.b.dir() / "meta", f.b.dir() / "meta-real");  // folder -> symlink
  fs::create_symlink("meta-real", f.b.dir() / "meta");
  step("meta-real/alpha", "3.4");
  for (int i = 5; i < 9; ++i) step("meta-real/alpha", "3." + std::to_string(i));
  LineProgress lines;
  TrackOptions t;
  t.history = 20;
  auto r = track(*f.ws, *f.repo, t, lines);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->failures.empty());
  EXPECT_EQ(r->eval_jobs, 2u);
  size_t evaluated = 0;
  for (const auto& b : r->branches) evaluated += b.evaluated;
  EXPECT_EQ(evaluated, 12u);  // 3 + 9 commits on main; lts/1.0 is not cut
  EXPECT_EQ(lines.lines.size(), evaluated);
  EXPECT_NE(lines.lines.back().find("packages in"), std::string::npos) << lines.lines.back();
  // Two slots, each written once, then moved.
  EXPECT_EQ(r->trees.rebuilds, 2u);
  EXPECT_EQ(r->trees.moves, evaluated - 2);
  EXPECT_EQ(r->trees.verified, 0u);
  std::set<std::string> slots;
  for (const auto& e : fs::directory_iterator(cache / "worktrees")) slots.insert(e.path().filename().string());
  EXPECT_EQ(slots, (std::set<std::string>{"0", "1", "lock"}));
  EXPECT_FALSE(fs::exists(cache / "trees"));
  // Every commit gave its own alpha.
  for (const auto& [commit, version] : expected) {
    auto q = f.ws->db().prepare(
        "SELECT p.version FROM packages p JOIN snapshots s ON s.id = p.snapshot_id WHERE s.commit_id = ? AND "
        "p.attr = 'alpha'");
    ASSERT_TRUE(q.ok());
    q->bind(1, commit);
    ASSERT_TRUE(*q->step()) << commit;
    EXPECT_EQ(q->text(0), version) << commit;
  }
}

TEST(Track, SinceAndEveryChooseTheCommits) {
  Fixture f;  // c1, c2, c3 on 2026-01-01, -02, -03
  std::vector<std::string> more;
  for (int i = 0; i < 5; ++i) {
    f.b.write("default.nix", package_set("2." + std::to_string(i + 1)));
    more.push_back(f.b.commit("alpha 2." + std::to_string(i + 1)));  // 2026-01-04 .. 08
  }
  TrackOptions t;
  t.since = 1767225600 + 3 * 86400;  // 2026-01-04: the five new commits
  t.every = 2;                       // of which the oldest, the third and the fifth (the head)
  auto r = track(*f.ws, *f.repo, t, f.progress);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->branches.size(), 1u);
  EXPECT_EQ(r->branches[0].commits, 3u);
  EXPECT_EQ(r->snapshots_added, 3u);
  for (const auto& [commit, want] : std::vector<std::pair<std::string, bool>>{
           {more[4], true}, {more[3], false}, {more[2], true}, {more[1], false}, {more[0], true}, {f.c3, false}}) {
    auto q = f.ws->db().prepare("SELECT 1 FROM snapshots WHERE commit_id = ?");
    q->bind(1, commit);
    EXPECT_EQ(*q->step(), want) << commit;
  }
  // The head moves on: the same commits are chosen, and the new head.
  f.b.write("default.nix", package_set("2.6"));
  std::string newest = f.b.commit("alpha 2.6");
  auto next = track(*f.ws, *f.repo, t, f.progress);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->branches[0].commits, 4u);
  EXPECT_EQ(next->branches[0].known, 3u);
  EXPECT_EQ(next->branches[0].evaluated, 1u);
  EXPECT_EQ(next->branches[0].head, newest);
  // --history 1 caps --since's window at the head.
  TrackOptions capped = t;
  capped.every = 0;
  capped.history = 1;
  auto c = track(*f.ws, *f.repo, capped, f.progress);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->branches[0].commits, 1u);
  // A head older than --since is still tracked.
  TrackOptions later;
  later.since = 1767225600 + 30 * 86400;
  auto h = track(*f.ws, *f.repo, later, f.progress);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->branches[0].commits, 1u);
  EXPECT_EQ(h->branches[0].known, 1u);
}

// A track killed (kill -9) while moving a tree: the next run finds the slot
// half moved, checks it against both trees, writes it again, and records
// exactly the packages each commit has.
TEST(Track, KilledInTheMiddleOfAMoveTheNextRunRebuildsTheTree) {
  Fixture f;
  for (int i = 0; i < 4; ++i) {
    f.b.write("pkgs/file-" + std::to_string(i), "x");
    f.b.write("default.nix", package_set("5." + std::to_string(i)));
    f.b.commit("alpha 5." + std::to_string(i));
  }
  std::string ws = (f.tmp / "ws").string();
  f.ws.reset();  // the command line takes the workspace's lock
  std::string toml = *read_file(f.tmp / "ws" / "ltskit.toml");
  toml.replace(toml.find("eval_jobs = "), std::string("eval_jobs = \"auto\"").size(), "eval_jobs = 1");
  ASSERT_TRUE(atomic_write_file(f.tmp / "ws" / "ltskit.toml", toml).ok());
  auto run = [&](const std::string& crash_at) {
    ProcessOptions opt;
    if (!crash_at.empty()) opt.env["LTSKIT_CRASH_AT"] = crash_at;
    auto r = run_process({LTSKIT_BINARY, "-q", "-C", ws, "track", "--history", "7", "--json"}, opt);
    EXPECT_TRUE(r.ok());
    return *r;
  };
  // Killed during the second move, after its state said "moving", before
  // the tree was touched.
  ProcessResult first = run("tree.move:2");
  EXPECT_EQ(first.signal, SIGKILL);
  std::filesystem::path slot = f.tmp / "ws" / ".ltskit" / "cache" / "worktrees" / "0";
  EXPECT_EQ(read_file(slot / "state")->rfind("moving ", 0), 0u);
  // Half a move, by hand: the slot now holds neither tree.
  std::filesystem::remove(slot / "tree" / "default.nix");
  ProcessResult second = run("");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  json report = json::parse(second.out);
  EXPECT_GE(report["trees"]["verified"].get<int>(), 1);
  EXPECT_GE(report["trees"]["rebuilds"].get<int>(), 1);
  EXPECT_EQ(read_file(slot / "state")->rfind("tree ", 0), 0u);
  auto opened = Workspace::open(f.tmp / "ws", Access::kRead, "test", {&track_schema()});
  ASSERT_TRUE(opened.ok());
  f.ws.emplace(std::move(*opened));
  auto a = query_versions(*f.ws, {"alpha", std::nullopt});
  ASSERT_TRUE(a.ok());
  const BranchVersions* main = f.branch(*a, "main");
  ASSERT_NE(main, nullptr);
  std::vector<std::string> seen;
  for (const auto& v : main->versions) seen.push_back(v.version + "x" + std::to_string(v.commits));
  EXPECT_EQ(seen, (std::vector<std::string>{"1.0x1", "1.1x1", "2.0x1", "5.0x1", "5.1x1", "5.2x1", "5.3x1"}));
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
