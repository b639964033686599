// Tracking: evaluates the commits of channel branches and their upstreams and
// records one snapshot (attr, pname, version, out paths) per commit.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/core/error.h"
#include "tools/core/outcome.h"
#include "tools/core/progress.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"
#include "tools/git/tree_slots.h"
#include "tools/nix/evaluator.h"

namespace ltskit {

// Which commits of each branch are evaluated: its first-parent history,
// newest first, cut by `history` and `since` (with neither: the head alone),
// then every `every`th of those counting from the oldest (so that a fixed
// `since` chooses the same commits as the head moves on), and the head.
struct TrackOptions {
  std::vector<std::string> channels;  // empty: every channel
  // The last N commits of each branch's first-parent history (N includes
  // the head). 0 or 1 without `since`: the head only; 0 with `since`: no cap.
  size_t history = 0;
  // Only commits whose committer time is at least this (Unix seconds).
  std::optional<int64_t> since;
  // Every Nth commit of that window, from its oldest (0 or 1: all of them).
  size_t every = 0;
  // Evaluate again commits whose evaluation Nix refused in an earlier run
  // (otherwise they are reported and skipped).
  bool retry_failed = false;
};

struct TrackedBranch {
  std::string branch;
  std::string role;  // "channel 1.0", "upstream of 1.0, 2.0"
  std::string head;
  size_t commits = 0;        // commits in the window
  size_t evaluated = 0;      // evaluated by nix-env in this run
  size_t reused = 0;         // same tree as an evaluated commit: packages copied
  size_t known = 0;          // already had a snapshot
  size_t failed_before = 0;  // refused by Nix in an earlier run, not retried
  // Set when the branch was rewritten since it was last tracked: the head it
  // had then is no longer in its history (a reset, a force-push, an orphan).
  // Its recorded commits were forgotten, which is reported, never silent.
  std::optional<std::string> rewritten_from;
};

struct TrackFailure {
  std::string commit;
  std::string branch;
  std::string message;
};

struct TrackReport {
  std::vector<TrackedBranch> branches;
  std::vector<TrackFailure> failures;
  std::vector<TrackFailure> failed_before;  // recorded refusals that were skipped
  size_t snapshots_added = 0;
  size_t eval_jobs = 0;      // evaluations run at once
  git::SlotStats trees;      // how the evaluated trees were brought to their commits
  Outcome outcome{"track"};  // a failure per commit that did not evaluate
};

// Evaluates what is not evaluated yet, `effective_eval_jobs` commits at
// once. Each worker holds one tree slot (git::TreeSlots) and moves it along
// a run of consecutive commits, so that a commit costs the files it changed.
// A commit that fails to evaluate is recorded (evaluation_failures),
// reported in `failures` with Nix's message, and the others still land; each
// snapshot is written in its own transaction as soon as it is evaluated, so
// an interrupted run keeps everything it finished. `progress.line` gets one
// line per evaluated commit.
Result<TrackReport> track(Workspace& ws, git::Repository& repo, const TrackOptions& options, Progress& progress);

// Keeps an evaluation made elsewhere (the backport policy gate) as the
// snapshot of `commit`, as track would have recorded it; a commit that
// already has one is left alone.
Status record_snapshot(Database& db, const git::CommitInfo& commit, const std::vector<nix::Package>& packages);

// The workspace's tree slots (cache/worktrees), one per evaluation job: what
// every command that needs a commit's files on disk checks it out in.
Result<git::TreeSlots> open_tree_slots(const Workspace& ws, const git::Repository& repo);

}  // namespace ltskit
