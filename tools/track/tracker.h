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
#include "tools/nix/evaluator.h"

namespace ltskit {

struct TrackOptions {
  std::vector<std::string> channels;  // empty: every channel
  // Also evaluate the last N commits of each branch's first-parent history
  // (N includes the head). 0 or 1: heads only.
  size_t history = 0;
};

struct TrackedBranch {
  std::string branch;
  std::string role;  // "channel 1.0", "upstream of 1.0, 2.0"
  std::string head;
  size_t commits = 0;    // commits in the window
  size_t evaluated = 0;  // evaluated by nix-env in this run
  size_t reused = 0;     // same tree as an evaluated commit: packages copied
  size_t known = 0;      // already had a snapshot
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
  size_t snapshots_added = 0;
  Outcome outcome{"track"};  // a failure per commit that did not evaluate
};

// Evaluates what is not evaluated yet. A commit that fails to evaluate is
// reported in `failures` (with Nix's message) and the others still land; each
// snapshot is written in its own transaction, so an interrupted run keeps
// everything it finished.
Result<TrackReport> track(Workspace& ws, git::Repository& repo, const TrackOptions& options, Progress& progress);

// Keeps an evaluation made elsewhere (the backport policy gate) as the
// snapshot of `commit`, as track would have recorded it; a commit that
// already has one is left alone.
Status record_snapshot(Database& db, const git::CommitInfo& commit, const std::vector<nix::Package>& packages);

}  // namespace ltskit
