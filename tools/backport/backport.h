// Backports: finding the upstream commits that fix an advisory and landing
// them on an LTS branch in memory (libgit2), under the channel's policy,
// with git's own `-x` provenance and a compare-and-swap ref move.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/core/error.h"
#include "tools/core/progress.h"
#include "tools/core/state.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"

namespace ltskit::backport {

const Schema& backport_schema();

// The trailer ltskit adds to every backport commit, after git's -x line.
inline constexpr const char* kAdvisoryTrailer = "Advisory";

// A commit that may fix the advisory, with why it was chosen.
struct Candidate {
  std::string commit;
  std::string branch;  // where it was found: the upstream, or a newer channel's branch
  std::string summary;
  int64_t time = 0;
  int score = 0;  // higher is better
  std::vector<std::string> reasons;
  // Picked from a newer channel: the upstream commit it carries.
  std::optional<std::string> upstream_commit;
};

struct FindOptions {
  std::string advisory;                // id or alias
  std::optional<std::string> channel;  // default: every active channel
  Progress* progress = nullptr;        // reading a long history for the first time
  // Evaluate commits with Nix where the version index has a gap before the
  // first fixed version, to name the commit that brought it.
  bool narrow = true;
};

struct FindResult {
  std::string advisory;  // the id
  std::vector<std::string> aliases;
  std::vector<std::string> channels;
  std::vector<Candidate> candidates;  // best first
  size_t searched_commits = 0;        // upstream commits since the cut(s)
  size_t read_commits = 0;            // of those, read by this search (the rest came from the history cache)
};

// Ranks candidate fix commits: commits on the upstream since the channel's cut
// whose message names the advisory or an alias, commits the advisory lists
// as fixes, commits adding a patch file named after it, the first upstream
// commit whose tracked version of an affected package is fixed, and picks of
// any of those already on a newer channel's branch (picking from the nearest
// newer line conflicts less).
Result<FindResult> find_fixes(Workspace& ws, git::Repository& repo, const FindOptions& options);

// Brings the history cache (history.h) up to date with the upstream of each
// of `channels` (empty: every active channel), so that `find` answers from
// it: `track` runs this, reading only the upstream commits new since the
// last time. Returns how many commits were read.
Result<size_t> index_upstream_history(Workspace& ws, git::Repository& repo, const std::vector<std::string>& channels,
                                      Progress& progress);

enum class PickOutcome { kApplied, kNoOp, kConflict, kRefused, kFailed, kDryRun };
const char* pick_outcome_name(PickOutcome outcome);

struct ApplyOptions {
  std::string advisory;
  std::string channel;
  std::vector<std::string> commits;  // empty: the best candidates of find_fixes
  bool dry_run = false;
  // On a conflict, write the conflicted result (with markers) to branch
  // backport/CHANNEL/ADVISORY for a human to finish, then `land` it.
  bool candidate = false;
  std::optional<std::string> force_reason;  // overrides never_skip_newer_channels
  git::Signature committer;
  std::string by;  // who asked (recorded)
};

struct ApplyResult {
  PickOutcome outcome = PickOutcome::kFailed;
  std::string advisory;
  std::string channel;
  std::string branch;
  std::string onto;                             // the branch head it was applied onto
  std::vector<std::string> sources;             // the commits picked (or found already there)
  std::optional<std::string> result;            // the new head (kApplied), or the commit made (kDryRun)
  std::vector<git::PickConflict> conflicts;     // kConflict
  std::string detail;                           // why: the rule, the conflict, the error
  std::string rule;                             // kRefused: which rule
  std::optional<std::string> candidate_branch;  // kConflict with `candidate`
};

// The branch a conflicted backport is finished on.
std::string candidate_branch(const std::string& channel, const std::string& advisory);

struct LandOptions {
  std::string advisory;
  std::string channel;
  std::optional<std::string> force_reason;
  std::string by;
};

// Lands a candidate branch a human finished: it must build on the channel
// head (fast-forward), hold no conflict marker, and pass the policy gate;
// then the channel branch moves to it (compare-and-swap) and the candidate
// branch is deleted.
Result<ApplyResult> land_backport(Workspace& ws, git::Repository& repo, const LandOptions& options);

// Applies the fix to the channel's branch. Every outcome except a usage
// error is recorded (backport list) and returned; nothing lands unless the
// outcome is kApplied, and then the branch moved from `onto` to `result` in
// one compare-and-swap.
Result<ApplyResult> apply_backport(Workspace& ws, git::Repository& repo, const ApplyOptions& options);

struct Attempt {
  int64_t id = 0;
  std::string advisory, channel, source_commits, onto, at, by;
  std::optional<std::string> result;
  PickOutcome outcome = PickOutcome::kFailed;
  std::string detail;
  std::string paths;  // JSON array of conflicts
};
Result<std::vector<Attempt>> list_backports(Database& db, const std::optional<std::string>& channel);

// How far a version moved: 0 none, 1 patch, 2 minor, 3 major (first component
// changed), by Nix's version components; a downgrade counts as major.
int version_change_level(const std::string& from, const std::string& to);

}  // namespace ltskit::backport
