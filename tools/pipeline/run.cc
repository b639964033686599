#include "tools/pipeline/run.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tools/advisories/advisory.h"
#include "tools/advisories/triage.h"
#include "tools/backport/backport.h"
#include "tools/core/crash_point.h"
#include "tools/core/fs.h"
#include "tools/pipeline/report.h"
#include "tools/publish/publish.h"
#include "tools/track/channels.h"
#include "tools/track/snapshots.h"
#include "tools/track/tracker.h"

namespace ltskit::pipeline {

const Schema& pipeline_schema() {
  static const Schema kSchema = {"pipeline",
                                 {
                                     {1, R"sql(
-- One row per `ltskit run` (a resumed run keeps its row).
CREATE TABLE runs (
  id           INTEGER PRIMARY KEY,
  channels     TEXT NOT NULL,     -- JSON array as asked; [] for every active channel
  started_at   TEXT NOT NULL,
  finished_at  TEXT,              -- NULL while running, or when it was killed
  state        TEXT NOT NULL CHECK (state IN ('running', 'done', 'needs-human', 'failed')),
  attempts     INTEGER NOT NULL,  -- 2 once resumed
  by           TEXT NOT NULL,
  ms           REAL NOT NULL DEFAULT 0
);
-- One row per stage a run started.
CREATE TABLE run_stages (
  run_id       INTEGER NOT NULL REFERENCES runs(id),
  stage        TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('running', 'done', 'idle', 'failed')),
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  ms           REAL NOT NULL DEFAULT 0,
  summary      TEXT NOT NULL DEFAULT '',
  items        TEXT NOT NULL DEFAULT '[]',  -- JSON: the stage's outcome items
  PRIMARY KEY (run_id, stage)
);
)sql"},
                                 },
                                 {}};
  return kSchema;
}

const std::vector<std::string>& run_stages() {
  static const std::vector<std::string> kStages = {"sync", "track", "triage", "backport", "build", "publish", "report"};
  return kStages;
}

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

const char* kind_name(OutcomeKind k) {
  switch (k) {
    case OutcomeKind::kDone: return "done";
    case OutcomeKind::kDoneWithWarnings: return "warning";
    case OutcomeKind::kNeedsHuman: return "needs-human";
    case OutcomeKind::kBlocked: return "blocked";
    case OutcomeKind::kFailed: return "failed";
  }
  return "failed";
}

OutcomeKind kind_of(const std::string& s) {
  if (s == "warning") return OutcomeKind::kDoneWithWarnings;
  if (s == "needs-human") return OutcomeKind::kNeedsHuman;
  if (s == "blocked") return OutcomeKind::kBlocked;
  if (s == "failed") return OutcomeKind::kFailed;
  return OutcomeKind::kDone;
}

std::string items_json(const Outcome& o) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& i : o.items())
    arr.push_back({{"kind", kind_name(i.kind)}, {"subject", i.subject}, {"message", i.message}, {"action", i.action}});
  return arr.dump();
}

Outcome outcome_of(const std::string& stage, const std::string& json) {
  Outcome o(stage);
  auto arr = nlohmann::json::parse(json, nullptr, false);
  if (!arr.is_array()) return o;
  for (const auto& i : arr)
    if (i.is_object())
      o.add({kind_of(i.value("kind", "")), i.value("subject", ""), i.value("message", ""), i.value("action", "")});
  return o;
}

std::string plural(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// The context one run shares between its stages.
struct Run {
  Workspace& ws;
  git::Repository& repo;
  const RunOptions& options;
  RunObserver& observer;
  std::vector<std::string> channels;  // the active channels this run works on
};

// What a stage did: whether it found work, its summary and items.
struct StageWork {
  bool idle = true;
  std::string summary;
  Outcome outcome;
};

Result<std::vector<std::string>> selected_channels(Workspace& ws, git::Repository& repo,
                                                   const std::vector<std::string>& asked) {
  LTS_ASSIGN_OR_RETURN(auto all, list_channels(ws, repo));
  std::vector<std::string> out;
  for (const auto& name : asked) {
    auto it = std::find_if(all.begin(), all.end(), [&](const ChannelState& c) { return c.config.name == name; });
    if (it == all.end()) return not_found("no channel '" + name + "' (ltskit channel list shows them)");
    LTS_RETURN_IF_ERROR(require_active(*it, "run"));
    out.push_back(name);
  }
  if (asked.empty())
    for (const auto& c : all)
      if (c.status == ChannelStatus::kActive) out.push_back(c.config.name);
  return out;
}

// ---- the stages ----

Result<StageWork> stage_sync(Run& run) {
  StageWork w;
  if (run.ws.config().advisory_sources.empty()) {
    w.summary = "no advisory sources";
    w.outcome.warn("advisories", "no advisory sources: nothing is matched against the channels",
                   "ltskit advisories source add NAME LOCATION");
    return w;
  }
  LTS_ASSIGN_OR_RETURN(advisories::SyncReport r,
                       advisories::sync_sources(run.ws, run.options.sync, run.observer.progress()));
  size_t added = 0, updated = 0, withdrawn = 0, failed = 0;
  for (const auto& s : r.sources) {
    added += s.added;
    updated += s.updated;
    withdrawn += s.withdrawn;
    failed += s.failure ? 1 : 0;
  }
  w.outcome.merge(r.outcome);
  w.idle = added + updated + withdrawn == 0;
  w.summary = plural(r.sources.size(), "source", "sources") + ": " + std::to_string(added) + " added, " +
              std::to_string(updated) + " updated, " + std::to_string(withdrawn) + " withdrawn" +
              (failed ? ", " + std::to_string(failed) + " failed" : "");
  return w;
}

// Tracks the channels' heads (and their upstreams), and keeps the upstream
// history `backport find` searches current.
Result<StageWork> track_channels(Run& run, const std::vector<std::string>& channels) {
  StageWork w;
  TrackOptions opt;
  opt.channels = channels;
  LTS_ASSIGN_OR_RETURN(TrackReport r, track(run.ws, run.repo, opt, run.observer.progress()));
  w.outcome.merge(r.outcome);
  auto indexed = backport::index_upstream_history(run.ws, run.repo, channels, run.observer.progress());
  if (!indexed.ok())
    w.outcome.warn("backport history", "the upstream history was not indexed: " + indexed.error().message());
  w.idle = r.snapshots_added == 0 && r.failures.empty();
  w.summary = plural(r.branches.size(), "branch", "branches") + ", " + std::to_string(r.snapshots_added) +
              " new snapshot(s)" + (r.failures.empty() ? "" : ", " + std::to_string(r.failures.size()) + " failed");
  return w;
}

Result<StageWork> refresh_if_stale(Run& run) {
  StageWork w;
  LTS_ASSIGN_OR_RETURN(auto stale, advisories::triage_staleness(run.ws.db()));
  if (!stale) {
    w.summary = "up to date";
    return w;
  }
  LTS_ASSIGN_OR_RETURN(advisories::TriageRefreshReport r,
                       advisories::refresh_triage(run.ws, run.repo, run.observer.progress()));
  w.outcome.merge(r.outcome);
  w.idle = r.added + r.changed + r.removed == 0;
  w.summary = std::to_string(r.added) + " new, " + std::to_string(r.changed) + " changed, " +
              std::to_string(r.removed) + " removed across " + plural(r.channels, "channel", "channels");
  return w;
}

std::string apply_command(const std::string& advisory, const std::string& channel) {
  return "ltskit backport apply " + advisory + " --channel " + channel;
}

Result<StageWork> stage_backport(Run& run) {
  StageWork w;
  size_t applied = 0, attempted = 0, waiting = 0;
  std::vector<std::string> moved;
  LTS_ASSIGN_OR_RETURN(auto channels, list_channels(run.ws, run.repo));
  for (const auto& name : run.channels) {
    auto ch =
        std::find_if(channels.begin(), channels.end(), [&](const ChannelState& c) { return c.config.name == name; });
    if (ch == channels.end() || !ch->branch_head) continue;
    LTS_ASSIGN_OR_RETURN(PolicyConfig policy, load_named_policy(run.ws.config().policies_dir, ch->config.policy));
    int threshold = policy.auto_apply == "none" ? 99 : advisories::severity_rank(policy.auto_apply);
    LTS_ASSIGN_OR_RETURN(auto rows, advisories::list_triage(run.ws.db(), {name, std::nullopt, std::nullopt}));
    // One decision per advisory (rows are per package).
    std::map<std::string, const advisories::TriageRow*> affected, investigating;
    for (const auto& r : rows) {
      if (r.state == advisories::TriageState::kAffected) affected.emplace(r.advisory, &r);
      else if (r.state == advisories::TriageState::kUnderInvestigation) investigating.emplace(r.advisory, &r);
    }
    for (const auto& [advisory, r] : investigating) {
      if (affected.count(advisory)) continue;
      ++waiting;
      w.outcome.needs_human(name + ": " + advisory + " (" + r->pname + ", " + r->severity + ")",
                            "under investigation: decide whether the channel is affected",
                            "ltskit triage set " + name + " " + advisory + " " + r->pname + " affected|not_affected");
    }
    LTS_ASSIGN_OR_RETURN(auto attempts, backport::list_backports(run.ws.db(), name));
    std::map<std::string, const backport::Attempt*> last;
    for (const auto& a : attempts)
      if (a.outcome != backport::PickOutcome::kDryRun) last[a.advisory] = &a;
    std::string head = *ch->branch_head;
    for (const auto& [advisory, r] : affected) {
      std::string subject = name + ": " + advisory + " (" + r->pname + ", " + r->severity + ")";
      int rank = advisories::severity_rank(r->severity);
      if (rank < threshold || rank == 0) {
        ++waiting;
        w.outcome.needs_human(subject,
                              "severity " + r->severity + " is below the policy's auto_apply (" + policy.auto_apply +
                                  "): a human applies it",
                              apply_command(advisory, name));
        continue;
      }
      // An attempt that did not land is not repeated until the branch moves.
      auto it = last.find(advisory);
      if (it != last.end() && it->second->onto == head) {
        const auto& a = *it->second;
        ++waiting;
        if (a.outcome == backport::PickOutcome::kApplied || a.outcome == backport::PickOutcome::kNoOp)
          w.outcome.needs_human(subject, "the fix is on the branch, but triage still says affected",
                                "ltskit triage set " + name + " " + advisory + " " + r->pname + " fixed");
        else
          w.outcome.needs_human(
              subject, std::string(backport::pick_outcome_name(a.outcome)) + " (attempt of " + a.at + "): " + a.detail,
              a.outcome == backport::PickOutcome::kConflict ? apply_command(advisory, name) + " --candidate"
                                                            : apply_command(advisory, name));
        continue;
      }
      backport::ApplyOptions ao;
      ao.advisory = advisory;
      ao.channel = name;
      ao.committer = run.options.committer;
      ao.by = run.options.by;
      ++attempted;
      run.observer.progress().begin("backport " + advisory + " to " + name, 0);
      auto result = backport::apply_backport(run.ws, run.repo, ao);
      run.observer.progress().end();
      if (!result.ok()) {
        w.outcome.fail(subject, result.error().describe(), apply_command(advisory, name));
        continue;
      }
      const backport::ApplyResult& a = *result;
      switch (a.outcome) {
        case backport::PickOutcome::kApplied:
          ++applied;
          head = a.result.value_or(head);
          if (std::find(moved.begin(), moved.end(), name) == moved.end()) moved.push_back(name);
          break;
        case backport::PickOutcome::kNoOp:
        case backport::PickOutcome::kDryRun: break;
        case backport::PickOutcome::kConflict:
          ++waiting;
          w.outcome.needs_human(subject, "conflict: " + a.detail, apply_command(advisory, name) + " --candidate");
          break;
        case backport::PickOutcome::kRefused:
          ++waiting;
          w.outcome.needs_human(subject, "refused by the policy: " + a.detail,
                                apply_command(advisory, name) + " --force REASON");
          break;
        case backport::PickOutcome::kFailed: w.outcome.fail(subject, a.detail, apply_command(advisory, name)); break;
      }
    }
  }
  if (!moved.empty()) {
    // The fixed heads: evaluated, and judged again (so that they say fixed).
    LTS_ASSIGN_OR_RETURN(StageWork t, track_channels(run, moved));
    w.outcome.merge(t.outcome);
    LTS_ASSIGN_OR_RETURN(StageWork r, refresh_if_stale(run));
    w.outcome.merge(r.outcome);
  }
  w.idle = attempted == 0;
  w.summary = std::to_string(applied) + " applied of " + std::to_string(attempted) + " attempted, " +
              std::to_string(waiting) + " waiting for a human";
  return w;
}

// The channels whose head is not their current generation's commit, and
// that the ABI gate did not already hold back at that head.
Result<std::vector<std::string>> channels_to_publish(Run& run, Outcome& outcome) {
  LTS_ASSIGN_OR_RETURN(auto channels, list_channels(run.ws, run.repo));
  std::filesystem::path root = publish::publish_root(run.ws, std::nullopt);
  std::vector<std::string> out;
  for (const auto& name : run.channels) {
    auto ch =
        std::find_if(channels.begin(), channels.end(), [&](const ChannelState& c) { return c.config.name == name; });
    if (ch == channels.end() || !ch->branch_head || ch->config.publish.empty()) continue;
    LTS_ASSIGN_OR_RETURN(auto gens, publish::list_generations(root, name));
    bool current = false;
    for (const auto& g : gens) current = current || (g.current && g.commit == *ch->branch_head);
    if (current) continue;
    LTS_ASSIGN_OR_RETURN(auto verdicts, publish::last_abi_verdicts(run.ws.db(), name));
    bool held = false;
    for (const auto& v : verdicts) held = held || (v.blocked && v.commit == *ch->branch_head);
    if (held) {
      outcome.block(name, "the ABI gate held head " + ch->branch_head->substr(0, 12) + " back",
                    "ltskit abi " + name + " shows why; fix the package or allow the change in the policy");
      continue;
    }
    out.push_back(name);
  }
  return out;
}

Result<StageWork> stage_build(Run& run) {
  StageWork w;
  LTS_ASSIGN_OR_RETURN(auto todo, channels_to_publish(run, w.outcome));
  size_t built = 0, present = 0, failed = 0;
  for (const auto& name : todo) {
    crash_point("run:build");
    LTS_ASSIGN_OR_RETURN(publish::BuildResult r,
                         publish::build_channel(run.ws, run.repo, name, run.observer.progress()));
    for (const auto& a : r.attrs) {
      built += a.state == publish::BuiltAttr::State::kBuilt;
      present += a.state == publish::BuiltAttr::State::kPresent;
      if (a.state == publish::BuiltAttr::State::kFailed) {
        ++failed;
        w.outcome.fail(name + ": " + a.attr, a.message + (a.log.empty() ? "" : "; log: " + a.log.string()),
                       "fix the package, then 'ltskit run' again");
      }
    }
  }
  w.idle = todo.empty();
  w.summary = todo.empty() ? "every channel's head is published"
                           : plural(todo.size(), "channel", "channels") + ": " + std::to_string(built) + " built, " +
                                 std::to_string(present) + " already in the store" +
                                 (failed ? ", " + std::to_string(failed) + " failed" : "");
  return w;
}

Result<StageWork> stage_publish(Run& run, std::vector<PublishedChannel>& published) {
  StageWork w;
  Outcome held("publish");  // the build stage already reported these
  LTS_ASSIGN_OR_RETURN(auto todo, channels_to_publish(run, held));
  for (const auto& name : todo) {
    publish::PublishOptions po;
    po.channel = name;
    po.by = run.options.by;
    auto r = publish::publish_channel(run.ws, run.repo, po, run.observer.progress());
    if (!r.ok()) {
      w.outcome.fail(name, r.error().describe(), "ltskit publish " + name);
      continue;
    }
    for (const auto& l : r->gate.libraries) {
      if (!l.blocked()) continue;
      std::string why;
      for (const auto& b : l.blocking) why += (why.empty() ? "" : "\n  ") + b;
      w.outcome.block(name + ": " + l.soname + " (package " + l.attr + ")", why + "\n  held back by: " + l.rule,
                      "ltskit abi " + name + "; fix the package, or allow or suppress the change in the policy");
    }
    if (r->generation && !r->unchanged)
      published.push_back(
          {name, r->generation->number, r->generation->commit, publish::publish_root(run.ws, std::nullopt) / name});
  }
  w.idle = todo.empty();
  std::string list;
  for (const auto& p : published)
    list += (list.empty() ? "" : ", ") + p.channel + " generation " + std::to_string(p.generation);
  w.summary = todo.empty() ? "nothing to publish" : list.empty() ? "nothing published" : list;
  return w;
}

Result<StageWork> stage_report(Run& run, bool others_idle, std::filesystem::path& dashboard) {
  StageWork w;
  dashboard = run.options.report_dir / "index.html";
  std::error_code ec;
  if (others_idle && std::filesystem::exists(dashboard, ec)) {
    w.summary = "dashboard up to date: " + dashboard.string();
    return w;
  }
  LTS_ASSIGN_OR_RETURN(auto written, write_dashboard(run.ws, run.repo, run.options.report_dir, now_utc()));
  dashboard = written;
  w.idle = false;
  w.summary = "dashboard: " + dashboard.string();
  return w;
}

// ---- the record ----

struct RunRow {
  int64_t id = 0;
  std::string state, channels;
  int attempts = 0;
};

Result<std::optional<RunRow>> last_run(Database& db) {
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare("SELECT id, state, channels, attempts FROM runs ORDER BY id DESC LIMIT 1"));
  std::optional<RunRow> out;
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    out = RunRow{q.integer(0), q.text(1), q.text(2), static_cast<int>(q.integer(3))};
  }));
  return out;
}

Status record_stage(Database& db, int64_t run_id, const StageResult& r, const std::string& started_at) {
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare("INSERT OR REPLACE INTO run_stages(run_id, stage, state, started_at, "
                                  "finished_at, ms, summary, items) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  q.bind(1, run_id).bind(2, r.stage).bind(3, r.state).bind(4, started_at);
  if (r.state == "running") q.bind_null(5);
  else q.bind(5, now_utc());
  q.bind(6, r.ms).bind(7, r.summary).bind(8, items_json(r.outcome));
  return q.run();
}

}  // namespace

Result<RunResult> run_pipeline(Workspace& ws, git::Repository& repo, const RunOptions& options, RunObserver& observer) {
  if (!ws.writable()) return conflict("ltskit run needs the workspace open for writing");
  auto t0 = Clock::now();
  RunResult result;
  std::vector<std::string> asked = options.channels;
  std::sort(asked.begin(), asked.end());
  asked.erase(std::unique(asked.begin(), asked.end()), asked.end());
  LTS_ASSIGN_OR_RETURN(auto channels, selected_channels(ws, repo, asked));
  std::string asked_json = nlohmann::json(asked).dump();
  Database& db = ws.db();

  // Resume the last run when it was killed (still "running": we hold the
  // lock, so nobody runs it) or failed on its first attempt, and asked for
  // the same channels.
  LTS_ASSIGN_OR_RETURN(auto last, last_run(db));
  std::map<std::string, std::pair<std::string, std::string>> finished;  // stage -> (state, summary) + items below
  std::map<std::string, std::string> finished_items;
  if (last && last->channels == asked_json &&
      (last->state == "running" || (last->state == "failed" && last->attempts == 1))) {
    result.run_id = last->id;
    result.resumed = true;
    LTS_ASSIGN_OR_RETURN(Statement q,
                         db.prepare("SELECT stage, state, summary, items FROM run_stages WHERE run_id = ?1"));
    q.bind(1, last->id);
    LTS_RETURN_IF_ERROR(q.each_row([&] {
      finished[q.text(0)] = {q.text(1), q.text(2)};
      finished_items[q.text(0)] = q.text(3);
    }));
    LTS_ASSIGN_OR_RETURN(Statement u, db.prepare("UPDATE runs SET state = 'running', finished_at = NULL, "
                                                 "attempts = attempts + 1 WHERE id = ?1"));
    LTS_RETURN_IF_ERROR(u.bind(1, last->id).run());
  } else {
    LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("INSERT INTO runs(channels, started_at, state, attempts, by) "
                                                 "VALUES (?1, ?2, 'running', 1, ?3)"));
    LTS_RETURN_IF_ERROR(q.bind(1, asked_json).bind(2, now_utc()).bind(3, options.by).run());
    result.run_id = db.last_insert_rowid();
  }

  Run run{ws, repo, options, observer, channels};
  // Stages resume in order: the finished prefix of an interrupted run is kept.
  bool in_prefix = result.resumed;
  bool others_idle = true;
  bool stopped = false;
  for (const auto& stage : run_stages()) {
    StageResult r;
    r.stage = stage;
    r.outcome = Outcome(stage);
    auto f = finished.find(stage);
    if (in_prefix && f != finished.end() && (f->second.first == "done" || f->second.first == "idle")) {
      r.state = "resumed";
      r.summary = f->second.second + " (before the interruption)";
      r.outcome = outcome_of(stage, finished_items[stage]);
      others_idle = others_idle && f->second.first == "idle";
      observer.stage_begin(stage);
      observer.stage_end(r);
      result.stages.push_back(r);
      result.outcome.merge(r.outcome);
      continue;
    }
    in_prefix = false;
    if (stopped) break;
    observer.stage_begin(stage);
    std::string started_at = now_utc();
    r.state = "running";
    LTS_RETURN_IF_ERROR(record_stage(db, result.run_id, r, started_at));
    auto ts = Clock::now();
    Result<StageWork> work = StageWork{};
    if (stage == "sync") work = stage_sync(run);
    else if (stage == "track") work = track_channels(run, channels);
    else if (stage == "triage") work = refresh_if_stale(run);
    else if (stage == "backport") work = stage_backport(run);
    else if (stage == "build") work = stage_build(run);
    else if (stage == "publish") work = stage_publish(run, result.published);
    else if (stage == "report") work = stage_report(run, others_idle, result.dashboard);
    r.ms = ms_since(ts);
    if (!work.ok()) {
      // The stage could not run at all: the run stops here, and the next
      // one resumes from this stage.
      r.state = "failed";
      r.summary = work.error().message();
      r.outcome.fail(stage, work.error().describe());
      stopped = true;
    } else {
      r.outcome.merge(work->outcome);
      r.summary = work->summary;
      r.state = r.outcome.kind() == OutcomeKind::kFailed ? "failed" : work->idle ? "idle" : "done";
      if (stage != "report") others_idle = others_idle && work->idle;
    }
    LTS_RETURN_IF_ERROR(record_stage(db, result.run_id, r, started_at));
    observer.stage_end(r);
    result.stages.push_back(r);
    result.outcome.merge(r.outcome);
  }

  result.nothing_new =
      std::all_of(result.stages.begin(), result.stages.end(), [](const StageResult& s) { return s.state == "idle"; });
  switch (result.outcome.kind()) {
    case OutcomeKind::kDone:
    case OutcomeKind::kDoneWithWarnings: result.state = "done"; break;
    case OutcomeKind::kNeedsHuman:
    case OutcomeKind::kBlocked: result.state = "needs-human"; break;
    case OutcomeKind::kFailed: result.state = "failed"; break;
  }
  result.ms = ms_since(t0);
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare("UPDATE runs SET state = ?1, finished_at = ?2, ms = ms + ?3 WHERE id = ?4"));
  LTS_RETURN_IF_ERROR(q.bind(1, result.state).bind(2, now_utc()).bind(3, result.ms).bind(4, result.run_id).run());
  return result;
}

Result<std::vector<RunRecord>> list_runs(Database& db, size_t limit) {
  std::vector<RunRecord> out;
  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT id, started_at, finished_at, state, channels, attempts, ms "
                                               "FROM runs ORDER BY id DESC LIMIT ?1"));
  q.bind(1, static_cast<int64_t>(limit));
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    RunRecord r;
    r.id = q.integer(0);
    r.started_at = q.text(1);
    r.finished_at = q.opt_text(2);
    r.state = q.text(3);
    r.channels = q.text(4);
    r.attempts = static_cast<int>(q.integer(5));
    r.ms = q.real(6);
    out.push_back(std::move(r));
  }));
  LTS_ASSIGN_OR_RETURN(Statement s, db.prepare("SELECT stage, state, summary, started_at, ms FROM run_stages "
                                               "WHERE run_id = ?1 ORDER BY rowid"));
  for (auto& r : out) {
    s.bind(1, r.id);
    LTS_RETURN_IF_ERROR(s.each_row([&] {
      r.stages.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.real(4)});
    }));
  }
  return out;
}

}  // namespace ltskit::pipeline
