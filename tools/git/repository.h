// libgit2 behind one seam: this header and repository.cc are the only places
// that know libgit2. Object ids cross it as 40-character hex strings.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
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
  Result<std::vector<CommitInfo>> walk(const std::string& from, WalkMode mode, size_t limit = 0) const;
  // The newest commit on the first-parent history of `from` whose committer
  // time is at most `unix_time`; kNotFound if every commit is newer.
  Result<std::string> last_commit_at_or_before(const std::string& from, int64_t unix_time) const;
  // True when `ancestor` is `descendant` or one of its ancestors.
  Result<bool> is_ancestor(const std::string& ancestor, const std::string& descendant) const;

  // The contents of the file at `path` in commit `commit_id`; kNotFound if absent.
  Result<std::string> read_file(const std::string& commit_id, const std::string& path) const;

  // Writes the tree of `commit_id` into `cache_root`/TREE-ID and returns that
  // folder. A tree already exported is reused, never written twice; a new one
  // is written under a temporary name and renamed into place, so a crash
  // leaves no partial export behind. Entry names that could escape the folder
  // ("..", "/", ".git") are refused.
  struct Export {
    std::filesystem::path dir;
    std::string tree_id;
    bool reused = false;
  };
  Result<Export> export_tree(const std::string& commit_id, const std::filesystem::path& cache_root) const;

 private:
  Repository(git_repository* repo, std::filesystem::path path);
  git_repository* repo_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace ltskit::git
