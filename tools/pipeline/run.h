// `ltskit run`: the whole pipeline in one command, for a scheduler.
//
//   sync → track → triage → backport → build → publish → report
//
// Each stage is one call into the module that does the work (advisories,
// track, backport, publish, the reports here); this file only chains them,
// records each run and each stage in the state database (tables `runs` and
// `run_stages`), and decides what a stage has to do:
//
// - sync: every advisory source (incremental: unchanged files and HTTP 304
//   are not read again);
// - track: the channels' heads and their upstreams (a commit already
//   evaluated is not evaluated again);
// - triage: refreshed when advisories or heads changed;
// - backport: every advisory affecting a channel with a severity at or above
//   the policy's `auto_apply` is applied in memory under the policy; what
//   conflicts, is refused, or is below the threshold waits for a human. An
//   attempt that did not land is not repeated until the branch moves;
// - build and publish: channels whose head is not their current generation's
//   commit; a head the ABI gate already held back waits for a human;
// - report: the dashboard (report.h), rewritten whole.
//
// A run that was killed or failed is resumed by the next one: the stages it
// finished are not run again, the next begins where it stopped. A resumed run
// that fails again is not resumed a second time: the next run starts from the
// first stage, so that advisories keep flowing while, say, a build stays
// broken. No stage leaves partial state: each is made of steps that land
// whole (a source in one transaction, a snapshot per commit, a backport by a
// compare-and-swap of the branch, a generation by an atomic switch).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tools/advisories/sync.h"
#include "tools/core/error.h"
#include "tools/core/outcome.h"
#include "tools/core/progress.h"
#include "tools/core/state.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"

namespace ltskit::pipeline {

// Tables `runs` and `run_stages`.
const Schema& pipeline_schema();

// The stages, in order.
const std::vector<std::string>& run_stages();

struct StageResult {
  std::string stage;
  // done: it ran; idle: it ran and found nothing to do; resumed: finished
  // earlier in this run (before it was interrupted), not run again; failed.
  std::string state;
  std::string summary;  // one line: "2 sources, 1 advisory added"
  double ms = 0;
  Outcome outcome;
};

struct RunOptions {
  std::vector<std::string> channels;  // empty: every active channel
  std::filesystem::path report_dir;   // the dashboard's folder
  git::Signature committer;           // of the backport commits
  std::string by;                     // who runs it (recorded)
  advisories::SyncOptions sync;
};

// What a run tells the person or program watching it.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void stage_begin(const std::string& stage) = 0;
  virtual void stage_end(const StageResult& result) = 0;
  // Progress inside a stage (evaluations, builds).
  virtual Progress& progress() = 0;
};

struct PublishedChannel {
  std::string channel;
  int64_t generation = 0;
  std::string commit;
  std::filesystem::path link;  // ROOT/CHANNEL
};

struct RunResult {
  int64_t run_id = 0;
  bool resumed = false;  // continued an interrupted run
  std::vector<StageResult> stages;
  std::vector<PublishedChannel> published;  // generations this run published
  bool nothing_new = false;                 // no stage found anything to do
  std::filesystem::path dashboard;          // report_dir/index.html
  // Every stage's items: what needs a human (with the command that handles
  // it) and what failed.
  Outcome outcome{"run"};
  std::string state;  // done | needs-human | failed
  double ms = 0;
};

// Runs the pipeline. The workspace must be open for writing (it holds the
// lock for the whole run). An Error means the run could not start or its
// record could not be written; everything else is in the result.
Result<RunResult> run_pipeline(Workspace& ws, git::Repository& repo, const RunOptions& options, RunObserver& observer);

// An outcome's items as JSON, as a stage's record and `run --json` keep
// them: [{kind (warning, needs-human, blocked, failed), subject, message, action}].
nlohmann::json outcome_items_json(const Outcome& outcome);

// The recorded runs, newest first.
struct RunRecord {
  int64_t id = 0;
  std::string started_at;
  std::optional<std::string> finished_at;
  std::string state;  // running | done | needs-human | failed
  std::string channels;
  int attempts = 1;  // 2 when it was resumed
  double ms = 0;
  struct Stage {
    std::string stage, state, summary, started_at;
    double ms = 0;
  };
  std::vector<Stage> stages;
};
Result<std::vector<RunRecord>> list_runs(Database& db, size_t limit);

}  // namespace ltskit::pipeline
