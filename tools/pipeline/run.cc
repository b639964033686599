#include "tools/pipeline/run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
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
  if (channels.empty()) {  // (an empty list would mean every channel, end-of-life ones too)
    w.summary = "no active channel";
    return w;
  }
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

// One pass of the backport stage over the run's channels. `only`, when
// set, limits it to those (channel, advisory) pairs. Fills `items` (one
// per channel and advisory: the last pass's word wins), `moved` (channels
// whose branch moved), `refused`; counts what it tried.
struct BackportPass {
  std::map<std::pair<std::string, std::string>, OutcomeItem> items;
  std::set<std::pair<std::string, std::string>> refused;
  std::vector<std::string> moved;
  size_t applied = 0, attempted = 0;
};

Status backport_pass(Run& run, const std::optional<std::set<std::pair<std::string, std::string>>>& only,
                     BackportPass& pass) {
  LTS_ASSIGN_OR_RETURN(auto channels, list_channels(run.ws, run.repo));
  // A refused attempt is tried again once any backport landed after it (on
  // any channel): the newer channel it waited for may have its fix now.
  LTS_ASSIGN_OR_RETURN(auto every_attempt, backport::list_backports(run.ws.db(), std::nullopt));
  int64_t last_applied_id = 0;
  for (const auto& a : every_attempt)
    if (a.outcome == backport::PickOutcome::kApplied) last_applied_id = std::max(last_applied_id, a.id);
  auto item = [&](const std::string& channel, const std::string& advisory, OutcomeItem i) {
    pass.items[{channel, advisory}] = std::move(i);
  };
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
      if (affected.count(advisory) || (only && !only->count({name, advisory}))) continue;
      item(name, advisory,
           {OutcomeKind::kNeedsHuman, name + ": " + advisory + " (" + r->pname + ", " + r->severity + ")",
            "under investigation: decide whether the channel is affected",
            "ltskit triage set " + name + " " + advisory + " " + r->pname +
                " affected|not_affected --reason WHY [--justification J]"});
    }
    LTS_ASSIGN_OR_RETURN(auto attempts, backport::list_backports(run.ws.db(), name));
    std::map<std::string, const backport::Attempt*> last;
    for (const auto& a : attempts)
      if (a.outcome != backport::PickOutcome::kDryRun) last[a.advisory] = &a;
    std::string head = *ch->branch_head;
    for (const auto& [advisory, r] : affected) {
      if (only && !only->count({name, advisory})) continue;
      std::string sev = r->severity.empty() ? "unknown" : r->severity;
      std::string subject = name + ": " + advisory + " (" + r->pname + ", " + sev + ")";
      int rank = advisories::severity_rank(sev);
      if (rank == 0 || rank < threshold) {
        item(name, advisory,
             {OutcomeKind::kNeedsHuman, subject,
              policy.auto_apply == "none" ? "the policy applies no fix without a human (auto_apply = \"none\")"
              : rank == 0                 ? "its severity is unknown: a human decides"
                          : "severity " + sev + " is below the policy's auto_apply (" + policy.auto_apply +
                                "): a human applies it",
              apply_command(advisory, name)});
        continue;
      }
      // An attempt that did not land is not repeated until the branch moves
      // (a refusal: until another backport landed).
      auto it = last.find(advisory);
      bool retry_refusal = it != last.end() && it->second->outcome == backport::PickOutcome::kRefused &&
                           it->second->id < last_applied_id;
      if (it != last.end() && it->second->onto == head && !retry_refusal && !only) {
        const auto& a = *it->second;
        if (a.outcome == backport::PickOutcome::kApplied || a.outcome == backport::PickOutcome::kNoOp)
          item(name, advisory,
               {OutcomeKind::kNeedsHuman, subject, "the fix is on the branch, but triage still says affected",
                "ltskit triage set " + name + " " + advisory + " " + r->pname + " fixed --reason WHY"});
        else
          item(name, advisory,
               {OutcomeKind::kNeedsHuman, subject,
                std::string(backport::pick_outcome_name(a.outcome)) + " (attempt of " + a.at + "): " + a.detail,
                a.outcome == backport::PickOutcome::kConflict  ? apply_command(advisory, name) + " --candidate"
                : a.outcome == backport::PickOutcome::kRefused ? apply_command(advisory, name) + " --force REASON"
                                                               : apply_command(advisory, name)});
        continue;
      }
      // No candidate fix upstream yet (common, and read from the history
      // cache): a human's to find; not an attempt, so a run stays idle.
      backport::FindOptions fo{advisory, name};
      fo.narrow = false;
      LTS_ASSIGN_OR_RETURN(backport::FindResult found, backport::find_fixes(run.ws, run.repo, fo));
      if (found.candidates.empty()) {
        item(name, advisory,
             {OutcomeKind::kNeedsHuman, subject,
              "no fix found on the upstream since the channel's cut (" + std::to_string(found.searched_commits) +
                  " commits searched)",
              apply_command(advisory, name) + " --commit COMMIT"});
        continue;
      }
      backport::ApplyOptions ao;
      ao.advisory = advisory;
      ao.channel = name;
      ao.committer = run.options.committer;
      ao.by = run.options.by;
      ++pass.attempted;
      run.observer.progress().begin("backport " + advisory + " to " + name, 0);
      auto result = backport::apply_backport(run.ws, run.repo, ao);
      run.observer.progress().end();
      if (!result.ok()) {
        // No fix upstream yet is the common case, and a human's to solve.
        bool none = result.error().kind() == ErrorKind::kNotFound;
        item(name, advisory,
             {none ? OutcomeKind::kNeedsHuman : OutcomeKind::kFailed, subject,
              none ? "no fix found: " + result.error().message() : result.error().describe(),
              none ? apply_command(advisory, name) + " --commit COMMIT" : apply_command(advisory, name)});
        continue;
      }
      const backport::ApplyResult& a = *result;
      switch (a.outcome) {
        case backport::PickOutcome::kApplied:
          ++pass.applied;
          pass.items.erase({name, advisory});
          head = a.result.value_or(head);
          if (std::find(pass.moved.begin(), pass.moved.end(), name) == pass.moved.end()) pass.moved.push_back(name);
          break;
        case backport::PickOutcome::kNoOp:
        case backport::PickOutcome::kDryRun: pass.items.erase({name, advisory}); break;
        case backport::PickOutcome::kConflict:
          item(name, advisory,
               {OutcomeKind::kNeedsHuman, subject, "conflict: " + a.detail,
                apply_command(advisory, name) + " --candidate"});
          break;
        case backport::PickOutcome::kRefused:
          pass.refused.insert({name, advisory});
          item(name, advisory,
               {OutcomeKind::kNeedsHuman, subject, "refused by the policy: " + a.detail,
                apply_command(advisory, name) + " --force REASON"});
          break;
        case backport::PickOutcome::kFailed:
          item(name, advisory, {OutcomeKind::kFailed, subject, a.detail, apply_command(advisory, name)});
          break;
      }
    }
  }
  return ok_status();
}

Result<StageWork> stage_backport(Run& run) {
  StageWork w;
  BackportPass pass;
  LTS_RETURN_IF_ERROR(backport_pass(run, std::nullopt, pass));
  std::vector<std::string> moved = pass.moved;
  if (!moved.empty()) {
    // The fixed heads: evaluated, and judged again (so that they say fixed).
    LTS_ASSIGN_OR_RETURN(StageWork t, track_channels(run, moved));
    w.outcome.merge(t.outcome);
    LTS_ASSIGN_OR_RETURN(StageWork r, refresh_if_stale(run));
    w.outcome.merge(r.outcome);
    // A fix refused because a newer channel lacked it may go in now that
    // the newer channel has it.
    if (!pass.refused.empty()) {
      BackportPass again;
      again.items = pass.items;
      LTS_RETURN_IF_ERROR(backport_pass(run, pass.refused, again));
      pass.items = again.items;
      pass.applied += again.applied;
      pass.attempted += again.attempted;
      if (!again.moved.empty()) {
        LTS_ASSIGN_OR_RETURN(StageWork t2, track_channels(run, again.moved));
        w.outcome.merge(t2.outcome);
        LTS_ASSIGN_OR_RETURN(StageWork r2, refresh_if_stale(run));
        w.outcome.merge(r2.outcome);
      }
    }
  }
  size_t waiting = 0;
  for (const auto& [key, i] : pass.items) {
    waiting += i.kind == OutcomeKind::kNeedsHuman;
    w.outcome.add(i);
  }
  w.idle = pass.attempted == 0;
  w.summary = std::to_string(pass.applied) + " applied of " + std::to_string(pass.attempted) + " attempted, " +
              std::to_string(waiting) + " waiting for a human";
  return w;
}

// Whether the policy file changed after `checked_at` (a verdict's time).
bool policy_changed_since(const Workspace& ws, const ChannelState& ch, const std::string& checked_at) {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(ws.config().policies_dir / (ch.config.policy + ".toml"), ec);
  auto at = parse_utc(checked_at);
  if (ec || !at) return false;
  auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::file_clock::to_sys(mtime).time_since_epoch())
          .count();
  return secs >= *at;
}

// The channels whose head is not their current generation's commit. Not
// those the ABI gate held back at that head (until the policy changes),
// nor those rolled back from it: a head that is a kept generation's commit
// was published, and a rollback away from it is the operator's decision.
Result<std::vector<std::string>> channels_to_publish(Run& run, Outcome& outcome) {
  LTS_ASSIGN_OR_RETURN(auto channels, list_channels(run.ws, run.repo));
  std::filesystem::path root = publish::publish_root(run.ws, std::nullopt);
  std::vector<std::string> out;
  for (const auto& name : run.channels) {
    auto ch =
        std::find_if(channels.begin(), channels.end(), [&](const ChannelState& c) { return c.config.name == name; });
    if (ch == channels.end() || !ch->branch_head || ch->config.publish.empty()) continue;
    const std::string& head = *ch->branch_head;
    LTS_ASSIGN_OR_RETURN(auto gens, publish::list_generations(root, name));
    const publish::Generation* current = nullptr;
    const publish::Generation* of_head = nullptr;
    for (const auto& g : gens) {
      if (g.current) current = &g;
      if (g.commit == head) of_head = &g;
    }
    if (current && current->commit == head) continue;
    if (of_head) {
      outcome.needs_human(name,
                          "rolled back to generation " + (current ? std::to_string(current->number) : "?") +
                              "; the branch head is generation " + std::to_string(of_head->number) +
                              "'s commit, which run does not publish again",
                          "ltskit rollback " + name + " --to " + std::to_string(of_head->number) +
                              " to roll forward, or move the branch " + ch->config.branch);
      continue;
    }
    LTS_ASSIGN_OR_RETURN(auto verdicts, publish::last_abi_verdicts(run.ws.db(), name));
    const publish::StoredVerdict* held = nullptr;
    for (const auto& v : verdicts)
      if (v.blocked && v.commit == head) held = &v;
    if (held && !policy_changed_since(run.ws, *ch, held->checked_at)) {
      outcome.block(name, "the ABI gate held head " + head.substr(0, 12) + " back (" + held->soname + ")",
                    "ltskit abi " + name + " shows why; fix the package, or allow or suppress the change in policy " +
                        ch->config.policy + " and run again");
      continue;
    }
    out.push_back(name);
  }
  return out;
}

Result<StageWork> stage_build(Run& run, std::set<std::string>& build_failed) {
  StageWork w;
  // Heads that moved since the track stage (a human's push, a resumed run)
  // are evaluated first: a build needs its head tracked.
  LTS_ASSIGN_OR_RETURN(StageWork t, track_channels(run, run.channels));
  w.outcome.merge(t.outcome);
  LTS_ASSIGN_OR_RETURN(auto todo, channels_to_publish(run, w.outcome));
  size_t built = 0, present = 0, failed = 0;
  for (const auto& name : todo) {
    crash_point("run:build");
    auto r = publish::build_channel(run.ws, run.repo, name, run.observer.progress());
    if (!r.ok()) {
      build_failed.insert(name);
      ++failed;
      w.outcome.fail(name, r.error().describe(), "ltskit build " + name);
      continue;
    }
    for (const auto& a : r->attrs) {
      built += a.state == publish::BuiltAttr::State::kBuilt;
      present += a.state == publish::BuiltAttr::State::kPresent;
      if (a.state == publish::BuiltAttr::State::kFailed) {
        ++failed;
        build_failed.insert(name);
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

Result<StageWork> stage_publish(Run& run, const std::set<std::string>& build_failed,
                                std::vector<PublishedChannel>& published) {
  StageWork w;
  Outcome held("publish");  // the build stage already reported these
  LTS_ASSIGN_OR_RETURN(auto todo, channels_to_publish(run, held));
  for (const auto& name : todo) {
    if (build_failed.count(name)) continue;  // reported by the build stage
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

// The dashboard is rewritten by every run: the state may have changed
// outside `run` (a triage decision, a rollback, an end of life), and the
// support windows count days. It counts as work only when another stage did.
Result<StageWork> stage_report(Run& run, bool others_idle, std::filesystem::path& dashboard) {
  StageWork w;
  LTS_ASSIGN_OR_RETURN(dashboard, write_dashboard(run.ws, run.repo, run.options.report_dir, now_utc()));
  w.idle = others_idle;
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
  q.bind(6, r.ms)
      .bind(7, r.summary)
      .bind(8, outcome_items_json(r.outcome).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return q.run();
}

}  // namespace

nlohmann::json outcome_items_json(const Outcome& o) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& i : o.items())
    arr.push_back({{"kind", kind_name(i.kind)}, {"subject", i.subject}, {"message", i.message}, {"action", i.action}});
  return arr;
}

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

  // Resume the last run when it did not get through its stages: it was
  // killed (still "running": we hold the lock, so nobody runs it), or a
  // stage could not run at all. Only once, so that a stage that fails every
  // time (or kills the process every time) does not keep the stages before
  // it from running; and only for the same channels.
  LTS_ASSIGN_OR_RETURN(auto last, last_run(db));
  std::map<std::string, std::pair<std::string, std::string>> finished;  // stage -> (state, summary)
  std::map<std::string, std::string> finished_items;
  if (last && (last->state == "running" || last->state == "failed")) {
    LTS_ASSIGN_OR_RETURN(Statement q,
                         db.prepare("SELECT stage, state, summary, items FROM run_stages WHERE run_id = ?1"));
    q.bind(1, last->id);
    LTS_RETURN_IF_ERROR(q.each_row([&] {
      finished[q.text(0)] = {q.text(1), q.text(2)};
      finished_items[q.text(0)] = q.text(3);
    }));
    auto report = finished.find(run_stages().back());
    bool completed = report != finished.end() && report->second.first != "running";
    if (!completed && last->attempts == 1 && last->channels == asked_json) {
      result.run_id = last->id;
      result.resumed = true;
    } else {
      finished.clear();
      finished_items.clear();
    }
    if (last->state == "running" && !result.resumed) {
      // Killed, and not resumed: it is over.
      LTS_ASSIGN_OR_RETURN(Statement u, db.prepare("UPDATE runs SET state = 'failed' WHERE id = ?1"));
      LTS_RETURN_IF_ERROR(u.bind(1, last->id).run());
    }
  }
  if (result.resumed) {
    LTS_ASSIGN_OR_RETURN(Statement u, db.prepare("UPDATE runs SET state = 'running', finished_at = NULL, "
                                                 "attempts = attempts + 1 WHERE id = ?1"));
    LTS_RETURN_IF_ERROR(u.bind(1, result.run_id).run());
  } else {
    LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("INSERT INTO runs(channels, started_at, state, attempts, by) "
                                                 "VALUES (?1, ?2, 'running', 1, ?3)"));
    LTS_RETURN_IF_ERROR(q.bind(1, asked_json).bind(2, now_utc()).bind(3, options.by).run());
    result.run_id = db.last_insert_rowid();
  }

  Run run{ws, repo, options, observer, channels};
  std::set<std::string> build_failed;  // channels the build stage could not build
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
    if (in_prefix) {
      // The interrupted attempt's rows from here on are replaced by this one's.
      LTS_ASSIGN_OR_RETURN(Statement del, db.prepare("DELETE FROM run_stages WHERE run_id = ?1 AND stage = ?2"));
      for (auto it = std::find(run_stages().begin(), run_stages().end(), stage); it != run_stages().end(); ++it)
        LTS_RETURN_IF_ERROR(del.bind(1, result.run_id).bind(2, *it).run());
      in_prefix = false;
    }
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
    else if (stage == "build") work = stage_build(run, build_failed);
    else if (stage == "publish") work = stage_publish(run, build_failed, result.published);
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
  std::string order = "CASE stage";
  for (size_t i = 0; i < run_stages().size(); ++i) order += " WHEN '" + run_stages()[i] + "' THEN " + std::to_string(i);
  LTS_ASSIGN_OR_RETURN(Statement s, db.prepare("SELECT stage, state, summary, started_at, ms FROM run_stages "
                                               "WHERE run_id = ?1 ORDER BY " +
                                               order + " END"));
  for (auto& r : out) {
    s.bind(1, r.id);
    LTS_RETURN_IF_ERROR(s.each_row([&] {
      r.stages.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.real(4)});
    }));
  }
  return out;
}

}  // namespace ltskit::pipeline
