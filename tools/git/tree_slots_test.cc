#include "tools/git/tree_slots.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tools/core/fs.h"
#include "tools/core/process.h"
#include "tools/core/test_util.h"
#include "tools/git/test_repo.h"

namespace ltskit::git {
namespace {

namespace fs = std::filesystem;
using ltskit::testing::GitRepoBuilder;
using ltskit::testing::TempDir;

ino_t inode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_ino;
}

bool is_link(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

bool is_executable(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && (st.st_mode & S_IXUSR);
}

// Two commits whose difference is every kind of move: a rename, a deletion,
// a file that becomes a folder, a folder that becomes a symlink, an
// executable bit dropped, a symlink retargeted, a symlink that points out
// of the tree and becomes a folder, and a file in an unchanged folder.
struct Moves {
  TempDir tmp;
  GitRepoBuilder b{tmp / "repo"};
  fs::path outside = tmp / "outside";
  std::string a, c;
  Moves() {
    fs::create_directories(outside);
    b.write("pkgs/old-name.nix", "{ version = \"1\"; }\n");
    b.write("gone.txt", "bye\n");
    b.write("f", "a file\n");
    b.write("d/x.txt", "in a folder\n");
    b.write("keep/big.txt", std::string(4096, 'k'));
    b.write("keep/sub/deep.txt", "deep\n");
    b.write("run.sh", "#!/bin/sh\n");
    fs::permissions(b.dir() / "run.sh", fs::perms::owner_exec, fs::perm_options::add);
    fs::create_symlink("pkgs/old-name.nix", b.dir() / "link");
    fs::create_symlink(outside, b.dir() / "out");
    a = b.commit("A");
    b.git({"mv", "pkgs/old-name.nix", "pkgs/new-name.nix"});
    fs::remove(b.dir() / "gone.txt");
    fs::remove(b.dir() / "f");
    b.write("f/inner.txt", "now a folder\n");
    fs::remove_all(b.dir() / "d");
    fs::create_symlink("keep", b.dir() / "d");
    fs::permissions(b.dir() / "run.sh", fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::remove);
    fs::remove(b.dir() / "link");
    fs::create_symlink("pkgs/new-name.nix", b.dir() / "link");
    fs::remove(b.dir() / "out");
    b.write("out/evil.txt", "must not land outside\n");
    b.write("keep/sub/new.txt", "new\n");
    c = b.commit("C: every kind of move");
  }
};

TEST(TreeSlots, MovesATreeWritingOnlyWhatChanged) {
  Moves m;
  auto repo = Repository::open(m.b.dir());
  ASSERT_TRUE(repo.ok());
  auto slots = TreeSlots::open(m.tmp / "cache", m.b.dir(), 1);
  ASSERT_TRUE(slots.ok()) << slots.error().describe();
  auto lease = slots->acquire();
  ASSERT_TRUE(lease.ok()) << lease.error().describe();
  auto dir = lease->checkout(m.a);
  ASSERT_TRUE(dir.ok()) << dir.error().describe();
  ASSERT_TRUE(repo->verify_tree(*dir, *repo->tree_of(m.a)).ok());
  EXPECT_EQ(lease->stats().rebuilds, 1u);
  ino_t big = inode_of(*dir / "keep/big.txt");
  ino_t deep = inode_of(*dir / "keep/sub/deep.txt");

  auto moved = lease->checkout(m.c);
  ASSERT_TRUE(moved.ok()) << moved.error().describe();
  EXPECT_EQ(*moved, *dir);
  Status v = repo->verify_tree(*moved, *repo->tree_of(m.c));
  EXPECT_TRUE(v.ok()) << v.error().describe();
  EXPECT_EQ(lease->stats().moves, 1u);
  EXPECT_EQ(lease->stats().rebuilds, 1u);
  // What did not change was not written again.
  EXPECT_EQ(inode_of(*dir / "keep/big.txt"), big);
  EXPECT_EQ(inode_of(*dir / "keep/sub/deep.txt"), deep);
  // Removed: gone.txt, old-name.nix, f (file), d (folder), out (link);
  // written: new-name.nix, f/, f/inner.txt, d (link), run.sh, link, out/,
  // out/evil.txt, keep/sub/new.txt.
  EXPECT_EQ(lease->stats().removed, 5u);
  EXPECT_EQ(lease->stats().written, 9u);
  EXPECT_FALSE(fs::exists(*dir / "pkgs/old-name.nix"));
  EXPECT_EQ(*read_file(*dir / "pkgs/new-name.nix"), "{ version = \"1\"; }\n");
  EXPECT_FALSE(fs::exists(*dir / "gone.txt"));
  EXPECT_EQ(*read_file(*dir / "f/inner.txt"), "now a folder\n");
  EXPECT_TRUE(is_link(*dir / "d"));
  EXPECT_EQ(fs::read_symlink(*dir / "d"), "keep");
  EXPECT_FALSE(is_executable(*dir / "run.sh"));
  EXPECT_EQ(fs::read_symlink(*dir / "link"), "pkgs/new-name.nix");
  // The link that pointed out of the tree was replaced, not written through.
  EXPECT_FALSE(is_link(*dir / "out"));
  EXPECT_TRUE(fs::is_empty(m.outside));
  // And back: the same folder holds A again, exactly.
  auto back = lease->checkout(m.a);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  v = repo->verify_tree(*back, *repo->tree_of(m.a));
  EXPECT_TRUE(v.ok()) << v.error().describe();
  EXPECT_TRUE(is_link(*dir / "out"));
  EXPECT_TRUE(fs::is_directory(*dir / "d") && !is_link(*dir / "d"));
  EXPECT_TRUE(is_executable(*dir / "run.sh"));
  EXPECT_EQ(lease->stats().rebuilds, 1u);
  // The slot says what it holds.
  EXPECT_EQ(*read_file(lease->slot_dir() / "state"), "tree " + *repo->tree_of(m.a) + "\n");
}

TEST(TreeSlots, VerifyNamesTheFirstDifference) {
  Moves m;
  auto repo = Repository::open(m.b.dir());
  auto slots = TreeSlots::open(m.tmp / "cache", m.b.dir(), 1);
  auto lease = slots->acquire();
  auto dir = lease->checkout(m.a);
  ASSERT_TRUE(dir.ok());
  std::string tree = *repo->tree_of(m.a);
  fs::permissions(*dir / "gone.txt", fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(*dir / "gone.txt") << "changed\n";
  Status v = repo->verify_tree(*dir, tree);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("'gone.txt' has other contents"), std::string::npos) << v.error().message();
  std::ofstream(*dir / "gone.txt") << "bye\n";
  EXPECT_TRUE(repo->verify_tree(*dir, tree).ok());
  std::ofstream(*dir / "keep/sub/extra") << "x";
  v = repo->verify_tree(*dir, tree);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("'keep/sub/extra' is not in the tree"), std::string::npos);
  fs::remove(*dir / "keep/sub/extra");
  // A symlink where a folder belongs is seen as such, not followed.
  fs::rename(*dir / "d", m.tmp / "d-moved");
  fs::create_symlink(m.tmp / "d-moved", *dir / "d");
  v = repo->verify_tree(*dir, tree);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("'d' is not a folder"), std::string::npos);
}

// A move that was interrupted leaves the state "moving": the next use
// checks the tree against both ends of the move, and writes it again from
// scratch when it holds neither.
TEST(TreeSlots, AnInterruptedMoveIsVerifiedThenRebuilt) {
  Moves m;
  auto repo = Repository::open(m.b.dir());
  std::string ta = *repo->tree_of(m.a), tc = *repo->tree_of(m.c);
  auto slots = TreeSlots::open(m.tmp / "cache", m.b.dir(), 1);
  fs::path slot;
  {
    auto lease = slots->acquire();
    auto dir = lease->checkout(m.a);
    ASSERT_TRUE(dir.ok());
    slot = lease->slot_dir();
    // Half a move: one file of C written, the rest still A.
    fs::remove(*dir / "gone.txt");
  }
  ASSERT_TRUE(atomic_write_file(slot / "state", "moving " + ta + " " + tc + "\n").ok());
  {
    auto lease = slots->acquire();
    auto dir = lease->checkout(m.c);
    ASSERT_TRUE(dir.ok()) << dir.error().describe();
    EXPECT_EQ(lease->stats().verified, 2u);  // neither C nor A
    EXPECT_EQ(lease->stats().rebuilds, 1u);
    EXPECT_EQ(lease->stats().moves, 0u);
    EXPECT_TRUE(repo->verify_tree(*dir, tc).ok());
  }
  // A move that finished but was not recorded: the tree is C, and is kept.
  ASSERT_TRUE(atomic_write_file(slot / "state", "moving " + ta + " " + tc + "\n").ok());
  {
    auto lease = slots->acquire();
    auto dir = lease->checkout(m.c);
    ASSERT_TRUE(dir.ok());
    EXPECT_EQ(lease->stats().verified, 1u);
    EXPECT_EQ(lease->stats().rebuilds, 0u);
    EXPECT_EQ(*read_file(slot / "state"), "tree " + tc + "\n");
  }
  // No state at all (or garbage): rebuilt, never trusted.
  ASSERT_TRUE(atomic_write_file(slot / "state", "what\n").ok());
  {
    auto lease = slots->acquire();
    auto dir = lease->checkout(m.c);
    ASSERT_TRUE(dir.ok());
    EXPECT_EQ(lease->stats().rebuilds, 1u);
  }
}

// A tree with an entry named ".." cannot be checked out; the slot keeps the
// tree it had, exactly, and says so.
TEST(TreeSlots, AnEscapingNameIsRefusedBeforeAnythingIsWritten) {
  Moves m;
  std::string blob = m.b.git({"rev-parse", m.a + ":gone.txt"});
  std::string raw = "100644 ..";
  raw += '\0';
  for (size_t i = 0; i < 40; i += 2) raw += static_cast<char>(std::stoi(blob.substr(i, 2), nullptr, 16));
  std::ofstream(m.tmp / "tree.bin", std::ios::binary) << raw;
  std::string evil_tree = m.b.git({"hash-object", "-t", "tree", "-w", "--literally", (m.tmp / "tree.bin").string()});
  std::string evil = m.b.git({"commit-tree", evil_tree, "-p", m.a, "-m", "evil"});
  auto repo = Repository::open(m.b.dir());
  auto slots = TreeSlots::open(m.tmp / "cache", m.b.dir(), 1);
  auto lease = slots->acquire();
  auto dir = lease->checkout(m.a);
  ASSERT_TRUE(dir.ok());
  auto bad = lease->checkout(evil);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalid);
  EXPECT_NE(bad.error().describe().find("could escape"), std::string::npos) << bad.error().describe();
  EXPECT_TRUE(repo->verify_tree(*dir, *repo->tree_of(m.a)).ok());
  EXPECT_EQ(*read_file(lease->slot_dir() / "state"), "tree " + *repo->tree_of(m.a) + "\n");
  EXPECT_FALSE(fs::exists(m.tmp / "cache" / "gone.txt"));
  // A fresh slot refuses it too, and leaves no half tree.
  auto slots2 = TreeSlots::open(m.tmp / "cache2", m.b.dir(), 1);
  auto lease2 = slots2->acquire();
  EXPECT_FALSE(lease2->checkout(evil).ok());
  EXPECT_FALSE(fs::exists(lease2->slot_dir() / "tree"));
}

// Names a file system cannot hold are refused like escaping ones, before
// the slot is touched (else every run would write the tree again); trees
// with no file at any depth are not written, as git writes no folder.
TEST(TreeSlots, UnwritableNamesAreRefusedAndEmptyTreesAreNotWritten) {
  Moves m;
  auto repo = Repository::open(m.b.dir());
  auto mktree = [&](const std::string& entries) {
    ProcessOptions opt;
    opt.stdin_data = entries;
    auto r = run_process({"git", "-C", m.b.dir().string(), "mktree", "--missing"}, opt);
    EXPECT_TRUE(r.ok() && r->success());
    std::string out = r.ok() ? r->out : "";
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  };
  std::string listing = m.b.git({"ls-tree", m.a + "^{tree}"}) + "\n";
  std::string blob = m.b.git({"rev-parse", m.a + ":gone.txt"});
  auto commit_of = [&](const std::string& tree) { return m.b.git({"commit-tree", tree, "-p", m.a, "-m", "t"}); };

  auto slots = TreeSlots::open(m.tmp / "cache", m.b.dir(), 1);
  auto lease = slots->acquire();
  auto dir = lease->checkout(m.a);
  ASSERT_TRUE(dir.ok());
  // A 300-byte name: git allows it, ext4 does not.
  std::string too_long = commit_of(mktree(listing + "100644 blob " + blob + "\t" + std::string(300, 'n') + "\n"));
  auto bad = lease->checkout(too_long);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::kInvalid);
  EXPECT_EQ(lease->stats().rebuilds, 1u);  // only the first checkout
  EXPECT_TRUE(repo->verify_tree(*dir, *repo->tree_of(m.a)).ok());

  // An empty tree, and a tree holding only an empty tree: no folders.
  std::string empty = mktree("");
  std::string only_empty = mktree("040000 tree " + empty + "\tinner\n");
  std::string with_void =
      commit_of(mktree(listing + "040000 tree " + empty + "\tvoid\n040000 tree " + only_empty + "\tvoid2\n"));
  auto moved = lease->checkout(with_void);
  ASSERT_TRUE(moved.ok()) << moved.error().describe();
  EXPECT_FALSE(fs::exists(*dir / "void"));
  EXPECT_FALSE(fs::exists(*dir / "void2"));
  Status v = repo->verify_tree(*dir, *repo->tree_of(with_void));
  EXPECT_TRUE(v.ok()) << v.error().describe();
  // A folder whose files all go (only an empty tree is left) goes too.
  std::string emptied_listing;
  for (size_t start = 0; start < listing.size();) {
    size_t end = listing.find('\n', start);
    std::string line = listing.substr(start, end - start);
    if (line.ends_with("\tkeep")) line = "040000 tree " + only_empty + "\tkeep";
    if (!line.empty()) emptied_listing += line + "\n";
    start = end + 1;
  }
  std::string emptied = commit_of(mktree(emptied_listing));
  moved = lease->checkout(emptied);
  ASSERT_TRUE(moved.ok()) << moved.error().describe();
  EXPECT_FALSE(fs::exists(*dir / "keep"));
  v = repo->verify_tree(*dir, *repo->tree_of(emptied));
  EXPECT_TRUE(v.ok()) << v.error().describe();
  // And back, by moves only.
  ASSERT_TRUE(lease->checkout(m.a).ok());
  EXPECT_TRUE(repo->verify_tree(*dir, *repo->tree_of(m.a)).ok());
  EXPECT_EQ(*read_file(*dir / "keep/sub/deep.txt"), "deep\n");
  EXPECT_EQ(lease->stats().rebuilds, 1u);
}

// The cache is bounded: slots beyond the configured count, temporary slots
// and the whole-tree cache of earlier versions go when no one holds them.
TEST(TreeSlots, OpeningRemovesWhatIsNoLongerConfigured) {
  Moves m;
  fs::path cache = m.tmp / "cache";
  fs::create_directories(cache / "trees" / "0123456789012345678901234567890123456789");
  {
    auto slots = TreeSlots::open(cache, m.b.dir(), 3);
    ASSERT_TRUE(slots.ok());
    EXPECT_FALSE(fs::exists(cache / "trees"));
    std::vector<TreeSlots::Lease> held;
    for (int i = 0; i < 3; ++i) {
      auto l = slots->acquire(static_cast<size_t>(i));
      ASSERT_TRUE(l.ok());
      ASSERT_TRUE(l->checkout(m.a).ok());
      EXPECT_EQ(l->slot_dir(), cache / "worktrees" / std::to_string(i));
      held.push_back(std::move(*l));
    }
    // Every slot held: a temporary one, gone once released.
    fs::path tmp_slot;
    {
      auto extra = slots->acquire();
      ASSERT_TRUE(extra.ok());
      tmp_slot = extra->slot_dir();
      EXPECT_EQ(tmp_slot.filename().string().rfind("tmp-", 0), 0u);
      ASSERT_TRUE(extra->checkout(m.c).ok());
    }
    EXPECT_FALSE(fs::exists(tmp_slot));
    // Slot 2 is held while the count drops to 2: it stays until released.
    held.erase(held.begin(), held.begin() + 2);
    ASSERT_TRUE(TreeSlots::open(cache, m.b.dir(), 2).ok());
    EXPECT_TRUE(fs::exists(cache / "worktrees" / "2" / "tree"));
  }
  ASSERT_TRUE(TreeSlots::open(cache, m.b.dir(), 2).ok());
  EXPECT_FALSE(fs::exists(cache / "worktrees" / "2"));
  EXPECT_TRUE(fs::exists(cache / "worktrees" / "0" / "tree"));
  EXPECT_TRUE(fs::exists(cache / "worktrees" / "1" / "tree"));
}

}  // namespace
}  // namespace ltskit::git
