// Trees on disk for evaluation, bounded: a few slots, each one folder that
// is moved from commit to commit by writing only what changed.
//
// Layout under the root (the workspace's cache/worktrees):
//   N/lock    flock(2)ed by whoever holds slot N
//   N/state   "tree TREE-ID" once the tree is exactly TREE-ID, or
//             "moving FROM TO" while a move is under way (FROM "-": none)
//   N/tree    the tree
//   tmp-*     a slot made when every numbered slot was held (by other
//             ltskit processes), removed when released
//   lock      held shared while a slot is taken, exclusively while slots
//             that are no longer configured are removed
// A slot whose state is not "tree …" (a move failed or was interrupted) is
// verified against both trees of its last move before it is used, and
// written again from scratch when it holds neither.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "tools/core/error.h"
#include "tools/git/repository.h"

namespace ltskit::git {

// What the slots did, for reports and benchmarks.
struct SlotStats {
  size_t moves = 0;     // moves from one tree to another
  size_t rebuilds = 0;  // trees written whole (a new slot, or one that could not be trusted)
  size_t verified = 0;  // trees checked file by file after an interrupted or failed move
  size_t written = 0;   // files, links and folders written by moves
  size_t removed = 0;   // entries removed by moves
  SlotStats& operator+=(const SlotStats& o);
};

class TreeSlots {
 public:
  // The slots of `cache_dir` (cache_dir/worktrees) for the repository at
  // `repo_path`, `count` (at least 1) of them. Slots numbered `count` or
  // more and temporary ones that no process holds are removed, and so is
  // cache_dir/trees, where earlier versions exported every commit whole.
  static Result<TreeSlots> open(const std::filesystem::path& cache_dir, const std::filesystem::path& repo_path,
                                size_t count);

  class Lease {
   public:
    Lease(Lease&&) noexcept;
    Lease& operator=(Lease&&) noexcept;
    ~Lease();
    // Brings the slot to the tree of `commit_id` and returns the folder that
    // holds it (the same folder every time). A commit whose tree cannot be
    // written safely (an entry name that could escape) fails with kInvalid
    // and leaves the slot as it was.
    Result<std::filesystem::path> checkout(const std::string& commit_id);
    const SlotStats& stats() const { return stats_; }
    const std::filesystem::path& slot_dir() const { return slot_; }

   private:
    friend class TreeSlots;
    Lease(std::filesystem::path slot, int lock_fd, bool temporary, Repository repo);
    Status load_state();
    Status write_state(const std::string& text);
    Status rebuild(const std::string& tree_id);
    void release();

    std::filesystem::path slot_;
    int lock_fd_ = -1;
    bool temporary_ = false;
    Repository repo_;
    bool loaded_ = false;
    std::optional<std::string> tree_;  // what the slot holds, when known
    SlotStats stats_;
  };

  // A slot that no one holds, `preferred` first (a worker keeps its own
  // slot from run to run, and with it a tree close to the next commit);
  // when every slot is held, a temporary slot. Each lease opens its own
  // repository handle, so leases can be used from different threads.
  Result<Lease> acquire(size_t preferred = 0) const;

  const std::filesystem::path& root() const { return root_; }
  size_t count() const { return count_; }

 private:
  TreeSlots(std::filesystem::path root, std::filesystem::path repo_path, size_t count)
      : root_(std::move(root)), repo_path_(std::move(repo_path)), count_(count) {}
  std::filesystem::path root_;
  std::filesystem::path repo_path_;
  size_t count_;
};

}  // namespace ltskit::git
