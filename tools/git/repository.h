// libgit2 behind one seam: this header and repository.cc are the only places
// that know libgit2. Object ids cross it as 40-character hex strings.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/core/error.h"

struct git_repository;

namespace ltskit::git {

struct CommitInfo {
  std::string id;
  std::string tree_id;
  int64_t time = 0;  // committer time, Unix seconds
  std::string author;
  std::string summary;
  std::string message;
  std::vector<std::string> parents;
};

struct Branch {
  std::string name;    // "main", "lts/1.0"
  std::string target;  // commit id
};

enum class WalkMode { kFirstParent, kFull };

struct Signature {
  std::string name;
  std::string email;
  int64_t time = 0;        // Unix seconds
  int offset_minutes = 0;  // from UTC
};

// A path left conflicted by a cherry-pick, with the sides that hold it.
struct PickConflict {
  std::string path;
  bool ancestor = false, ours = false, theirs = false;
};

struct PickResult {
  std::optional<std::string> tree_id;   // set when the pick merged cleanly
  std::vector<PickConflict> conflicts;  // otherwise, every conflicted path, sorted
};

// The message `git cherry-pick -x` gives a pick of a commit with `message`
// and id `picked`: the message, completed to end with a newline, then
// "(cherry picked from commit <picked>)", after a blank line unless the
// message already ends with a trailer block (git's trailer rules).
std::string cherry_pick_message(const std::string& message, const std::string& picked);

// The ids of the commits `message` says it was cherry-picked from (its
// "(cherry picked from commit <id>)" lines), in order.
std::vector<std::string> picked_from(const std::string& message);

// The trailers (key, value) of the last paragraph of `message`, by git's rules.
std::vector<std::pair<std::string, std::string>> message_trailers(const std::string& message);

class Repository {
 public:
  // Opens the repository at `path` (a work tree, its .git, or a bare
  // repository). Fails with kNotFound when there is none.
  static Result<Repository> open(const std::filesystem::path& path);

  Repository(Repository&&) noexcept;
  Repository& operator=(Repository&&) noexcept;
  ~Repository();

  const std::filesystem::path& path() const { return path_; }

  // Resolves anything `git rev-parse REV^{commit}` accepts (branch, tag,
  // abbreviated id, "main~3") to a full commit id. kNotFound when nothing
  // matches, kInvalid when it is ambiguous or not a commit.
  Result<std::string> resolve_commit(const std::string& rev) const;
  Result<CommitInfo> commit(const std::string& id) const;

  Result<std::vector<Branch>> branches() const;
  // The commit a local branch points to, or nullopt when there is no such branch.
  Result<std::optional<std::string>> branch_target(const std::string& name) const;
  // Creates local branch `name` at `commit_id`; kConflict if it exists.
  Status create_branch(const std::string& name, const std::string& commit_id);
  // Deletes local branch `name` (to undo a create_branch); kNotFound if absent.
  Status delete_branch(const std::string& name);

  // Commits reachable from `from`, newest first; at most `limit` (0: all).
  // kFirstParent follows only first parents, as `git log --first-parent`.
  // In kFirstParent mode the walk also stops at the first commit older than
  // `not_before` (committer time, Unix seconds), which is left out.
  Result<std::vector<CommitInfo>> walk(const std::string& from, WalkMode mode, size_t limit = 0,
                                       int64_t not_before = INT64_MIN) const;
  // The commits reachable from `from` but not from `since` (git log since..from), newest first.
  Result<std::vector<CommitInfo>> walk_since(const std::string& from, const std::string& since) const;
  // The commits reachable from `from` and from none of `hide` (git rev-list
  // FROM ^HIDE...), each commit object read once straight from the object
  // database, without libgit2's revwalk: the walk for long ranges. Like
  // git, it stops once the hidden side is older than what it took, with a
  // margin for committer times that go backwards (the largest backwards
  // step seen), so it lists fewer commits a hidden one reaches than git
  // does where times are skewed. Newest committer time first; `author` and
  // `summary` are empty.
  Result<std::vector<CommitInfo>> scan_range(const std::string& from, const std::vector<std::string>& hide) const;
  // The newest commit on the first-parent history of `from` whose committer
  // time is at most `unix_time`; kNotFound if every commit is newer.
  Result<std::string> last_commit_at_or_before(const std::string& from, int64_t unix_time) const;
  // True when `ancestor` is `descendant` or one of its ancestors.
  Result<bool> is_ancestor(const std::string& ancestor, const std::string& descendant) const;

  // Cherry-picks `commit` onto `onto` in memory: no work tree, no index file,
  // no ref is touched. Renames are detected as git does, up to git's default
  // limit of 7000 candidates (libgit2's own default is 1000).
  Result<PickResult> cherry_pick(const std::string& commit, const std::string& onto) const;
  // The tree a conflicted pick leaves for a human: every conflicted file
  // holds git's conflict markers (labels "ours_label" and "theirs_label"),
  // a file that one side deleted holds the other side's text.
  Result<std::string> conflicted_pick_tree(const std::string& commit, const std::string& onto,
                                           const std::string& ours_label, const std::string& theirs_label);
  // Writes a commit object; no ref moves.
  Result<std::string> create_commit(const std::string& tree_id, const std::vector<std::string>& parents,
                                    const Signature& author, const Signature& committer, const std::string& message);
  Result<Signature> author(const std::string& commit_id) const;
  // Moves local branch `name` to `target` if it still points to `expected`
  // (compare-and-swap): kConflict when it moved meanwhile or is gone.
  Status update_branch(const std::string& name, const std::string& target, const std::string& expected,
                       const std::string& reflog_message);
  // Moves or creates local branch `name` at `target` (force), for branches
  // ltskit owns (backport candidates).
  Status set_branch(const std::string& name, const std::string& target, const std::string& reflog_message);
  // The added lines of the diff from `from` to `to` (no context), for checks
  // such as "no conflict markers left".
  Result<std::vector<std::string>> added_lines(const std::string& from, const std::string& to) const;
  // The paths of files `commit_id` adds (relative to its first parent) whose
  // file name satisfies `wanted`. Only subtrees whose ids differ are read, so
  // a commit costs what it changed, not the size of its tree.
  Result<std::vector<std::string>> added_files_named(const std::string& commit_id,
                                                     const std::function<bool(std::string_view)>& wanted) const;

  // The same for many pairs of trees by id (`before` empty: the empty
  // tree), best given newest commit first, each pair's `before` being the
  // next pair's `tree`: recent trees are kept, so each is read once.
  // `done(n)` is called after each pair.
  struct TreePair {
    std::string before, tree;
  };
  Result<std::vector<std::vector<std::string>>> added_files_each(
      const std::vector<TreePair>& pairs, const std::function<bool(std::string_view)>& wanted,
      const std::function<void(size_t)>& done = nullptr) const;

  // The contents of the file at `path` in commit `commit_id`; kNotFound if absent.
  Result<std::string> read_file(const std::string& commit_id, const std::string& path) const;

  // The tree id of commit `commit_id`.
  Result<std::string> tree_of(const std::string& commit_id) const;
  // Writes tree `tree_id` into the new folder `dir` (its parent must exist).
  // Entry names that could escape the folder ("..", "/", ".git") are
  // refused; symlinks are written as links; a submodule is an empty folder.
  Status write_tree_into(const std::filesystem::path& dir, const std::string& tree_id) const;
  // Brings folder `dir`, which holds tree `from_tree` as written by
  // write_tree_into or move_tree, to tree `to_tree`, touching only what
  // differs: subtrees with equal ids are not read, so a move costs the
  // changed paths, not the size of the tree. Removals come first (a file may
  // become a folder, a folder a symlink), then every new or changed entry,
  // each file written under a temporary name and renamed into place.
  // Folders are opened one component at a time and never through a symlink.
  // A kInvalid error (an entry name that could escape, such as "..", ".git"
  // or one with '/') is found before anything is written, so `dir` still
  // holds `from_tree`; after any other error it holds neither tree.
  struct MoveStats {
    size_t removed = 0;  // entries removed (a folder with what it holds counts once)
    size_t written = 0;  // files, links and folders written
  };
  Result<MoveStats> move_tree(const std::filesystem::path& dir, const std::string& from_tree,
                              const std::string& to_tree) const;
  // OK when `dir` holds exactly tree `tree_id`: the same names, file
  // contents, executable bits, symlink targets (links are read, never
  // followed) and nothing more; otherwise kConflict naming the first
  // difference. Reads every file: O(tree).
  Status verify_tree(const std::filesystem::path& dir, const std::string& tree_id) const;

 private:
  Repository(git_repository* repo, std::filesystem::path path);
  git_repository* repo_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace ltskit::git
