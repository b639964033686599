#include "tools/git/repository.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <random>
#include <set>

#include "tools/core/fs.h"
#include "tools/core/process.h"
#include "tools/core/test_util.h"
#include "tools/git/test_repo.h"

namespace ltskit::git {
namespace {

using ltskit::testing::GitRepoBuilder;
using ltskit::testing::TempDir;

// Given a small history with a side branch and a merge:
//   main:  A - B - M - D
//               \ /
//   topic:       C
struct History {
  TempDir tmp;
  GitRepoBuilder b{tmp / "repo"};
  std::string a, bc, c, m, d;
  History() {
    b.write("default.nix", "{ }\n");
    b.write("pkgs/x/src/x.c", "int x;\n");
    a = b.commit("A: initial");
    b.write("README", "hello\n");
    bc = b.commit("B: readme");
    b.git({"checkout", "-q", "-b", "topic"});
    b.write("topic.txt", "t\n");
    c = b.commit("C: topic work");
    b.git({"checkout", "-q", "main"});
    b.git({"merge", "-q", "--no-ff", "-m", "M: merge topic", "topic"});
    m = b.git({"rev-parse", "HEAD"});
    b.set_time(1767225600 + 10 * 86400);
    b.write("README", "hello again\n");
    d = b.commit("D: readme again");
  }
};

TEST(Repository, OpensWorkTreesAndBareRepositories) {
  History h;
  EXPECT_TRUE(Repository::open(h.b.dir()).ok());
  auto bare = run_process({"git", "clone", "-q", "--bare", h.b.dir().string(), (h.tmp / "bare.git").string()});
  ASSERT_TRUE(bare.ok() && bare->success());
  auto r = Repository::open(h.tmp / "bare.git");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  auto head = r->resolve_commit("main");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, h.d);
  auto none = Repository::open(h.tmp.path());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind(), ErrorKind::kNotFound);
}

TEST(Repository, ResolvesRevisions) {
  History h;
  auto repo = Repository::open(h.b.dir());
  ASSERT_TRUE(repo.ok());
  EXPECT_EQ(*repo->resolve_commit("main~1"), h.m);
  EXPECT_EQ(*repo->resolve_commit(h.a.substr(0, 10)), h.a);
  EXPECT_EQ(*repo->resolve_commit("topic"), h.c);
  auto missing = repo->resolve_commit("no-such-branch");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
  EXPECT_FALSE(repo->resolve_commit("--upload-pack=evil").ok());
}

TEST(Repository, ListsAndCreatesBranches) {
  History h;
  auto repo = Repository::open(h.b.dir());
  ASSERT_TRUE(repo.ok());
  auto branches = repo->branches();
  ASSERT_TRUE(branches.ok());
  ASSERT_EQ(branches->size(), 2u);
  ASSERT_TRUE(repo->create_branch("lts/1.0", h.bc).ok());
  EXPECT_EQ(**repo->branch_target("lts/1.0"), h.bc);
  EXPECT_FALSE(repo->branch_target("lts/2.0")->has_value());
  auto again = repo->create_branch("lts/1.0", h.a);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind(), ErrorKind::kConflict);
  EXPECT_FALSE(repo->create_branch("bad..name", h.a).ok());
}

TEST(Repository, WalksFirstParentAndFullHistory) {
  History h;
  auto repo = Repository::open(h.b.dir());
  ASSERT_TRUE(repo.ok());
  auto fp = repo->walk("main", WalkMode::kFirstParent);
  ASSERT_TRUE(fp.ok());
  std::vector<std::string> ids;
  for (const auto& c : *fp) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{h.d, h.m, h.bc, h.a}));
  EXPECT_EQ((*fp)[1].parents.size(), 2u);
  EXPECT_EQ((*fp)[0].summary, "D: readme again");
  auto full = repo->walk("main", WalkMode::kFull);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->size(), 5u);
  auto limited = repo->walk("main", WalkMode::kFirstParent, 2);
  EXPECT_EQ(limited->size(), 2u);
}

// A random history of `n` commits on four branches with merges, committer
// times that go backwards now and then (clock skew), added and moved files,
// written with git fast-import. Returns the commit ids in creation order.
std::vector<std::string> random_history(GitRepoBuilder& b, int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string stream;
  std::vector<int> tip(4, 0);  // mark of each branch's tip (0: none yet)
  for (int i = 1; i <= n; ++i) {
    int branch = i == 1 ? 0 : static_cast<int>(rng() % 4);
    if (tip[branch] == 0) tip[branch] = tip[0];
    int64_t t = 1767225600 + i * 600 - (rng() % 10 == 0 ? 86400 : 0);  // some commits predate their parents
    std::string msg = "commit " + std::to_string(i) + "\n";
    stream += "commit refs/heads/b" + std::to_string(branch) + "\nmark :" + std::to_string(i) + "\n";
    stream += "committer C <c@example.org> " + std::to_string(t) + " +0000\n";
    stream += "data " + std::to_string(msg.size()) + "\n" + msg;
    if (tip[branch]) stream += "from :" + std::to_string(tip[branch]) + "\n";
    int other = static_cast<int>(rng() % 4);
    if (i > 1 && other != branch && tip[other] && tip[other] != tip[branch] && rng() % 5 == 0)
      stream += "merge :" + std::to_string(tip[other]) + "\n";
    std::string body = "v" + std::to_string(i) + "\n";
    stream += "M 100644 inline f" + std::to_string(rng() % 7) + "/x" + std::to_string(rng() % 5) + "\ndata " +
              std::to_string(body.size()) + "\n" + body;
    tip[branch] = i;
  }
  stream += "done\n";
  ProcessOptions opt;
  opt.stdin_data = stream;
  auto r = run_process({"git", "-C", b.dir().string(), "fast-import", "--quiet", "--done",
                        "--export-marks=" + (b.dir() / ".git" / "marks").string()},
                       opt);
  EXPECT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : r.error().message());
  std::vector<std::string> ids(n + 1);
  std::ifstream marks(b.dir() / ".git" / "marks");
  std::string mark, id;
  while (marks >> mark >> id) ids[std::stoi(mark.substr(1))] = id;
  ids.erase(ids.begin());
  return ids;
}

TEST(Repository, ScanRangeReadsTheReachableCommitsThroughMergesAndClockSkew) {
  TempDir tmp;
  GitRepoBuilder b(tmp / "repo");
  auto ids = random_history(b, 400, 11);
  auto repo = Repository::open(b.dir());
  ASSERT_TRUE(repo.ok());
  std::mt19937 rng(11);
  for (int round = 0; round < 25; ++round) {
    std::string from = ids[200 + rng() % 200];
    std::vector<std::string> hide;
    for (int k = 0; k < round % 3; ++k) hide.push_back(ids[rng() % 300]);
    // Exactly what is reachable from `from` and from none of `hide`.
    // (`git rev-list FROM ^HIDE` itself stops early on skewed times and
    // can list a few commits too many, as libgit2's revwalk can.)
    auto reachable = [&](const std::string& tip) {
      std::set<std::string> out;
      std::string text = b.git({"rev-list", tip});
      for (size_t pos = 0; pos < text.size();) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        out.insert(text.substr(pos, eol - pos));
        pos = eol + 1;
      }
      return out;
    };
    std::set<std::string> expected = reachable(from);
    for (const auto& h : hide)
      for (const auto& id : reachable(h)) expected.erase(id);
    auto scanned = repo->scan_range(from, hide);
    ASSERT_TRUE(scanned.ok()) << scanned.error().message();
    std::set<std::string> got;
    for (const auto& c : *scanned) {
      EXPECT_TRUE(got.insert(c.id).second) << "read twice: " << c.id;
      EXPECT_FALSE(c.tree_id.empty());
    }
    EXPECT_EQ(got, expected) << "round " << round;
    // What libgit2 reads of each commit: the same message, parents, time, tree.
    if (hide.size() == 1) {
      auto walked = repo->walk_since(from, hide[0]);
      ASSERT_TRUE(walked.ok());
      std::map<std::string, CommitInfo> by_id;
      for (const auto& c : *walked) by_id[c.id] = c;
      for (const auto& c : *scanned) {
        if (!by_id.count(c.id)) continue;
        EXPECT_EQ(c.message, by_id[c.id].message);
        EXPECT_EQ(c.parents, by_id[c.id].parents);
        EXPECT_EQ(c.time, by_id[c.id].time);
        EXPECT_EQ(c.tree_id, by_id[c.id].tree_id);
      }
    }
  }
}

TEST(Repository, AddedFilesFollowGitTreeOrderAcrossFilesAndFoldersOfOneName) {
  // Names that sort differently as files and as folders ("a" < "a-b" <
  // "a.c" < "a/" < "a0"), a file replaced by a folder of the same name, a
  // moved file: the files each commit adds are those git diff-tree names.
  History h;
  GitRepoBuilder& b = h.b;
  b.write("a", "file\n");
  b.write("a-b/x.patch", "1\n");
  b.write("a.c", "c\n");
  b.write("a0/y.patch", "2\n");
  b.write("z/keep.patch", "3\n");
  std::string c1 = b.commit("files and folders");
  std::filesystem::remove(b.dir() / "a");
  b.write("a/new.patch", "4\n");
  b.write("a-b/more.patch", "5\n");
  std::filesystem::remove(b.dir() / "a.c");
  b.write("a.c/inner.patch", "6\n");
  b.git({"mv", "z/keep.patch", "z/moved.patch"});
  b.write("a0/y.diff", "7\n");
  std::string c2 = b.commit("a file becomes a folder");
  auto repo = Repository::open(b.dir());
  ASSERT_TRUE(repo.ok());
  auto patch = [](std::string_view n) { return n.ends_with(".patch") || n.ends_with(".diff"); };
  std::vector<Repository::TreePair> pairs;
  for (const auto& [commit, parent] : {std::pair{c2, c1}, std::pair{c1, h.d}}) {
    Repository::TreePair p;
    p.before = repo->commit(parent)->tree_id;
    p.tree = repo->commit(commit)->tree_id;
    pairs.push_back(p);
  }
  auto each = repo->added_files_each(pairs, patch);
  ASSERT_TRUE(each.ok()) << each.error().message();
  for (size_t i = 0; i < pairs.size(); ++i) {
    std::string out =
        b.git({"diff-tree", "-r", "--no-renames", "--diff-filter=A", "--name-only", pairs[i].before, pairs[i].tree});
    std::set<std::string> expected;
    for (size_t pos = 0; pos < out.size();) {
      size_t eol = out.find('\n', pos);
      if (eol == std::string::npos) eol = out.size();
      std::string path = out.substr(pos, eol - pos);
      if (patch(path)) expected.insert(path);
      pos = eol + 1;
    }
    std::set<std::string> got((*each)[i].begin(), (*each)[i].end());
    EXPECT_EQ(got, expected) << "pair " << i;
    EXPECT_FALSE(expected.empty());
  }
  auto named = repo->added_files_named(c2, patch);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(std::set<std::string>(named->begin(), named->end()),
            std::set<std::string>((*each)[0].begin(), (*each)[0].end()));
}

TEST(Repository, FindsTheLastCommitBeforeADate) {
  History h;
  auto repo = Repository::open(h.b.dir());
  ASSERT_TRUE(repo.ok());
  // B was committed on 2026-01-02, D on 2026-01-11.
  auto cut = repo->last_commit_at_or_before("main", 1767225600 + 86400 + 3600);
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(*cut, h.bc);
  EXPECT_FALSE(repo->last_commit_at_or_before("main", 0).ok());
  EXPECT_TRUE(*repo->is_ancestor(h.a, h.d));
  EXPECT_FALSE(*repo->is_ancestor(h.d, h.a));
  EXPECT_TRUE(*repo->is_ancestor(h.c, h.d));
}

TEST(Repository, ReadsFilesAtCommits) {
  History h;
  auto repo = Repository::open(h.b.dir());
  ASSERT_TRUE(repo.ok());
  EXPECT_EQ(*repo->read_file(h.bc, "README"), "hello\n");
  EXPECT_EQ(*repo->read_file(h.d, "README"), "hello again\n");
  auto missing = repo->read_file(h.a, "README");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind(), ErrorKind::kNotFound);
  EXPECT_FALSE(repo->read_file(h.a, "pkgs").ok());
}

// The message of what `git cherry-pick -x` made at HEAD of `b`.
std::string head_message(GitRepoBuilder& b) {
  std::string raw = b.git({"cat-file", "commit", "HEAD"}) + "\n";
  return raw.substr(raw.find("\n\n") + 2);
}

// Issue 9: the -x line is written exactly as git writes it, blank-line rules
// included, for every shape of message.
TEST(CherryPick, MessageIsByteIdenticalToGitCherryPickX) {
  TempDir tmp;
  GitRepoBuilder b(tmp / "repo");
  b.write("f.txt", "0\n");
  std::string base = b.commit("base");
  auto repo = Repository::open(b.dir());
  ASSERT_TRUE(repo.ok());
  int n = 0;
  for (std::string message : {
           std::string("subject only"),
           std::string("subject\n\nbody line\nmore body"),
           std::string("fix it\n\nlong text\n\nSigned-off-by: A U Thor <a@example.org>"),
           std::string("fix it\n\nReviewed-by: R <r@example.org>\nFixes: CVE-2026-1"),
           std::string("picked before\n\nbody\n\n(cherry picked from commit 0123456789012345678901234567890123456789)"),
           std::string("mixed\n\nnot a trailer line here\nSigned-off-by: A <a@example.org>"),
           std::string("subject\n\nKey: value but\nthis is prose, not trailers at all"),
       }) {
    SCOPED_TRACE(message);
    b.git({"checkout", "-q", "main"});
    b.write("f" + std::to_string(++n) + ".txt", "x\n");
    std::string c = b.commit(message);
    b.git({"checkout", "-q", "-B", "pick", base});
    b.git({"cherry-pick", "-x", c});
    auto info = repo->commit(c);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(cherry_pick_message(info->message, c), head_message(b));
  }
}

// A pick in memory gives the tree `git cherry-pick` gives, follows a rename
// made on the target branch, keeps the author, and moves the branch only by
// compare-and-swap.
TEST(CherryPick, InMemoryPickFollowsRenamesAndMovesTheBranchByCompareAndSwap) {
  TempDir tmp;
  GitRepoBuilder b(tmp / "repo");
  b.write("lib/a.c", "int a(void) {\n  return 1;\n}\n/* padding so that the rename is detected */\n/* 1 */\n/* 2 */\n");
  b.write("other.c", "int o;\n");
  std::string base = b.commit("base");
  b.git({"checkout", "-q", "-b", "lts", base});
  b.write("src/a.c", "int a(void) {\n  return 1;\n}\n/* padding so that the rename is detected */\n/* 1 */\n/* 2 */\n");
  b.git({"rm", "-q", "lib/a.c"});
  std::string lts = b.commit("lts: move a.c");
  b.git({"checkout", "-q", "main"});
  b.write("lib/a.c", "int a(void) {\n  return 2;\n}\n/* padding so that the rename is detected */\n/* 1 */\n/* 2 */\n");
  std::string fix = b.commit("a: return 2");
  auto repo = Repository::open(b.dir());
  ASSERT_TRUE(repo.ok());
  auto pick = repo->cherry_pick(fix, lts);
  ASSERT_TRUE(pick.ok()) << pick.error().describe();
  ASSERT_TRUE(pick->tree_id.has_value());
  // git, in a work tree, agrees.
  b.git({"checkout", "-q", "-b", "gitpick", lts});
  b.git({"cherry-pick", "-x", fix});
  EXPECT_EQ(*pick->tree_id, b.git({"rev-parse", "HEAD^{tree}"}));
  EXPECT_EQ(b.git({"show", "HEAD:src/a.c"}).substr(0, 25), "int a(void) {\n  return 2;");
  auto author = repo->author(fix);
  ASSERT_TRUE(author.ok());
  EXPECT_EQ(author->email, "author@example.org");
  Signature committer{"LTS Bot", "lts@example.org", 1800000000, 60};
  auto info = repo->commit(fix);
  ASSERT_TRUE(info.ok());
  auto made = repo->create_commit(*pick->tree_id, {lts}, *author, committer, cherry_pick_message(info->message, fix));
  ASSERT_TRUE(made.ok()) << made.error().describe();
  EXPECT_EQ(b.git({"log", "-1", "--format=%an <%ae>|%cn <%ce>|%P", *made}),
            "Test Author <author@example.org>|LTS Bot <lts@example.org>|" + lts);
  // Compare-and-swap: a stale expectation changes nothing.
  Status stale = repo->update_branch("lts", *made, base, "backport");
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind(), ErrorKind::kConflict);
  EXPECT_EQ(b.git({"rev-parse", "lts"}), lts);
  ASSERT_TRUE(repo->update_branch("lts", *made, lts, "backport").ok());
  EXPECT_EQ(b.git({"rev-parse", "lts"}), *made);
  auto added = repo->added_files_named(lts, [](std::string_view) { return true; });
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, std::vector<std::string>{"src/a.c"});
}

TEST(CherryPick, AConflictNamesEveryPathAndItsSidesAndWritesNothing) {
  TempDir tmp;
  GitRepoBuilder b(tmp / "repo");
  b.write("a.c", "int a = 0;\n");
  b.write("gone.c", "int g = 0;\n");
  std::string base = b.commit("base");
  b.git({"checkout", "-q", "-b", "lts", base});
  b.write("a.c", "int a = 1; /* lts */\n");
  b.git({"rm", "-q", "gone.c"});
  std::string lts = b.commit("lts edits");
  b.git({"checkout", "-q", "main"});
  b.write("a.c", "int a = 2; /* main */\n");
  b.write("gone.c", "int g = 2;\n");
  std::string fix = b.commit("main edits");
  auto repo = Repository::open(b.dir());
  ASSERT_TRUE(repo.ok());
  auto pick = repo->cherry_pick(fix, lts);
  ASSERT_TRUE(pick.ok()) << pick.error().describe();
  EXPECT_FALSE(pick->tree_id.has_value());
  ASSERT_EQ(pick->conflicts.size(), 2u);
  EXPECT_EQ(pick->conflicts[0].path, "a.c");
  EXPECT_TRUE(pick->conflicts[0].ancestor && pick->conflicts[0].ours && pick->conflicts[0].theirs);
  EXPECT_EQ(pick->conflicts[1].path, "gone.c");
  EXPECT_TRUE(pick->conflicts[1].ancestor && !pick->conflicts[1].ours && pick->conflicts[1].theirs);
  EXPECT_EQ(b.git({"rev-parse", "lts"}), lts);
  EXPECT_EQ(b.git({"status", "--porcelain"}), "");
}

}  // namespace
}  // namespace ltskit::git
