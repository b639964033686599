#include "tools/track/tracker.h"

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tools/core/crash_point.h"
#include "tools/core/events.h"
#include "tools/core/fs.h"
#include "tools/nix/evaluator.h"
#include "tools/nix/state.h"
#include "tools/track/channels.h"

namespace ltskit {

namespace {

struct Job {
  git::CommitInfo commit;
  std::string branch;
  std::filesystem::path dir;
  Result<std::vector<nix::Package>> result = internal("not evaluated");
};

// The id of the first snapshot whose `column` (commit_id or tree_id) is `value`.
Result<std::optional<int64_t>> snapshot_by(Database& db, const char* column, const std::string& value) {
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare(std::string("SELECT id FROM snapshots WHERE ") + column + " = ? LIMIT 1"));
  q.bind(1, value);
  LTS_ASSIGN_OR_RETURN(bool row, q.step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(q.integer(0));
}

Status insert_snapshot(Database& db, const git::CommitInfo& c, const std::vector<nix::Package>& pkgs) {
  LTS_ASSIGN_OR_RETURN(Statement ins, db.prepare("INSERT INTO snapshots(commit_id, tree_id, commit_time, evaluated_at, "
                                                 "package_count) VALUES (?, ?, ?, ?, ?)"));
  ins.bind(1, c.id).bind(2, c.tree_id).bind(3, c.time).bind(4, now_utc()).bind(5, static_cast<int64_t>(pkgs.size()));
  LTS_RETURN_IF_ERROR(ins.run());
  int64_t id = db.last_insert_rowid();
  LTS_ASSIGN_OR_RETURN(
      Statement p,
      db.prepare("INSERT INTO packages(snapshot_id, attr, pname, version, name, outputs) VALUES (?, ?, ?, ?, ?, ?)"));
  for (const auto& pk : pkgs) {
    nlohmann::json outs = pk.outputs;
    p.bind(1, id)
        .bind(2, pk.attr)
        .bind(3, pk.pname)
        .bind(4, pk.version)
        .bind(5, pk.name)
        .bind(6, outs.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    LTS_RETURN_IF_ERROR(p.run());
  }
  return ok_status();
}

Status copy_snapshot(Database& db, const git::CommitInfo& c, int64_t from) {
  LTS_ASSIGN_OR_RETURN(Statement ins,
                       db.prepare("INSERT INTO snapshots(commit_id, tree_id, commit_time, evaluated_at, package_count) "
                                  "SELECT ?, tree_id, ?, ?, package_count FROM snapshots WHERE id = ?"));
  ins.bind(1, c.id).bind(2, c.time).bind(3, now_utc()).bind(4, from);
  LTS_RETURN_IF_ERROR(ins.run());
  int64_t id = db.last_insert_rowid();
  LTS_ASSIGN_OR_RETURN(Statement cp,
                       db.prepare("INSERT INTO packages(snapshot_id, attr, pname, version, name, outputs) "
                                  "SELECT ?, attr, pname, version, name, outputs FROM packages WHERE snapshot_id = ?"));
  cp.bind(1, id).bind(2, from);
  return cp.run();
}

Status record_branch_commit(Database& db, const std::string& branch, const git::CommitInfo& c) {
  LTS_ASSIGN_OR_RETURN(
      Statement ins,
      db.prepare("INSERT OR IGNORE INTO branch_commits(branch, commit_id, commit_time) VALUES (?, ?, ?)"));
  ins.bind(1, branch).bind(2, c.id).bind(3, c.time);
  return ins.run();
}

// When a branch was rewritten (its old head is no longer in its history), its
// recorded commits no longer describe it: they are forgotten, and the old
// head is returned so that the rewrite is reported and logged.
Result<std::optional<std::string>> forget_rewritten_branch(Database& db, git::Repository& repo,
                                                           const std::string& branch, const std::string& head) {
  std::string old;
  {
    LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT head FROM tracked_branches WHERE branch = ?"));
    q.bind(1, branch);
    LTS_ASSIGN_OR_RETURN(bool row, q.step());
    if (!row) return std::optional<std::string>();
    old = q.text(0);
  }
  auto anc = repo.is_ancestor(old, head);
  if (anc.ok() && *anc) return std::optional<std::string>();
  LTS_ASSIGN_OR_RETURN(Statement del, db.prepare("DELETE FROM branch_commits WHERE branch = ?"));
  del.bind(1, branch);
  LTS_RETURN_IF_ERROR(del.run());
  return std::optional<std::string>(old);
}

}  // namespace

Status record_snapshot(Database& db, const git::CommitInfo& commit, const std::vector<nix::Package>& packages) {
  return db.transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(auto have, snapshot_by(db, "commit_id", commit.id));
    if (have) return ok_status();
    return insert_snapshot(db, commit, packages);
  });
}

Result<TrackReport> track(Workspace& ws, git::Repository& repo, const TrackOptions& options, Progress& progress) {
  // Which branches, and why.
  std::vector<ChannelState> channels;
  if (options.channels.empty()) {
    LTS_ASSIGN_OR_RETURN(channels, list_channels(ws, repo));
  } else {
    for (const auto& name : options.channels) {
      LTS_ASSIGN_OR_RETURN(ChannelState c, get_channel(ws, repo, name));
      channels.push_back(std::move(c));
    }
  }
  std::map<std::string, std::pair<std::string, std::string>> channel_cuts;  // branch -> (channel, cut)
  for (const auto& c : channels) channel_cuts[c.config.branch] = {c.config.name, c.cut_commit};
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> roles;
  auto add = [&](const std::string& branch, const std::string& role) {
    if (!roles.count(branch)) order.push_back(branch);
    roles[branch].push_back(role);
  };
  for (const auto& c : channels) add(c.config.branch, "channel " + c.config.name);
  for (const auto& c : channels) add(c.config.upstream, "upstream of " + c.config.name);
  if (channels.empty()) add(ws.config().upstream, "upstream");

  TrackReport report;
  std::vector<Job> jobs;
  std::set<std::string> queued_trees;
  std::set<std::string> queued_commits;
  std::vector<std::pair<git::CommitInfo, std::string>> reuse;  // commit, branch: same tree as a queued job
  size_t window = options.history > 1 ? options.history : 1;
  std::filesystem::path tree_cache = ws.config().cache_dir() / "trees";

  progress.begin("exporting trees", 0);
  for (const auto& branch : order) {
    TrackedBranch tb;
    tb.branch = branch;
    for (size_t i = 0; i < roles[branch].size(); ++i) tb.role += (i ? ", " : "") + roles[branch][i];
    LTS_ASSIGN_OR_RETURN(auto head, repo.branch_target(branch));
    if (!head) {
      // One missing branch (a deleted branch, a create that was killed)
      // does not stop the others from being tracked.
      report.failures.push_back(
          {"", branch, "branch '" + branch + "' (" + tb.role + ") not found in '" + repo.path().string() + "'"});
      continue;
    }
    tb.head = *head;
    LTS_ASSIGN_OR_RETURN(auto commits, repo.walk(*head, git::WalkMode::kFirstParent, window));
    tb.commits = commits.size();
    // A channel's branch must still hold its cut.
    if (auto cut = channel_cuts.find(branch); cut != channel_cuts.end()) {
      LTS_ASSIGN_OR_RETURN(bool holds_cut, repo.is_ancestor(cut->second.second, *head));
      if (!holds_cut) {
        report.failures.push_back({"", branch,
                                   "branch '" + branch + "' of channel '" + cut->second.first + "' (at " +
                                       head->substr(0, 12) + ") no longer contains its cut commit " +
                                       cut->second.second.substr(0, 12) +
                                       "; it was reset behind the cut or rewritten"});
        continue;
      }
    }
    LTS_RETURN_IF_ERROR(ws.db().transaction([&]() -> Status {
      LTS_ASSIGN_OR_RETURN(tb.rewritten_from, forget_rewritten_branch(ws.db(), repo, branch, *head));
      if (tb.rewritten_from)
        LTS_RETURN_IF_ERROR(record_event(
            ws.db(), ws.command(), "branch.rewritten", branch,
            "head was " + *tb.rewritten_from + ", now " + *head + "; its recorded commits were forgotten"));
      for (const auto& c : commits) LTS_RETURN_IF_ERROR(record_branch_commit(ws.db(), branch, c));
      LTS_ASSIGN_OR_RETURN(
          Statement up,
          ws.db().prepare("INSERT INTO tracked_branches(branch, head, tracked_at) VALUES (?, ?, ?) "
                          "ON CONFLICT(branch) DO UPDATE SET head = excluded.head, tracked_at = excluded.tracked_at"));
      up.bind(1, branch).bind(2, *head).bind(3, now_utc());
      return up.run();
    }));
    crash_point("track.branch");
    for (const auto& c : commits) {
      LTS_ASSIGN_OR_RETURN(auto have, snapshot_by(ws.db(), "commit_id", c.id));
      if (have || queued_commits.count(c.id)) {
        ++tb.known;
        continue;
      }
      queued_commits.insert(c.id);
      LTS_ASSIGN_OR_RETURN(auto same_tree, snapshot_by(ws.db(), "tree_id", c.tree_id));
      if (same_tree) {
        LTS_RETURN_IF_ERROR(ws.db().transaction([&]() { return copy_snapshot(ws.db(), c, *same_tree); }));
        ++tb.reused;
        ++report.snapshots_added;
        continue;
      }
      if (queued_trees.count(c.tree_id)) {
        reuse.emplace_back(c, branch);
        ++tb.reused;
        continue;
      }
      auto ex = repo.export_tree(c.id, tree_cache);
      if (!ex.ok()) {
        report.failures.push_back({c.id, branch, ex.error().describe()});
        continue;
      }
      queued_trees.insert(c.tree_id);
      Job job;
      job.commit = c;
      job.branch = branch;
      job.dir = ex->dir;
      jobs.push_back(std::move(job));
      ++tb.evaluated;
      progress.update(jobs.size(), c.id.substr(0, 12));
    }
    report.branches.push_back(std::move(tb));
  }
  progress.end();

  // Evaluate in parallel: each nix-env is its own process. Nix's state is
  // made ready first, so that parallel evaluations never race to create it.
  if (!jobs.empty()) LTS_RETURN_IF_ERROR(nix::ensure_state_ready(ws.config().nix));
  progress.begin("evaluating", jobs.size());
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex progress_mu;
  size_t nthreads = std::min<size_t>(static_cast<size_t>(ws.config().nix.eval_jobs), jobs.size());
  auto worker = [&]() {
    while (true) {
      size_t i = next++;
      if (i >= jobs.size()) return;
      jobs[i].result = nix::evaluate_package_set(jobs[i].dir, ws.config().nix);
      size_t d = ++done;
      std::lock_guard<std::mutex> lock(progress_mu);
      progress.update(d, jobs[i].commit.id.substr(0, 12));
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < nthreads; ++t) threads.emplace_back(worker);
  if (nthreads > 0) worker();
  for (auto& th : threads) th.join();
  progress.end();

  std::set<std::string> failed_trees;
  for (auto& job : jobs) {
    if (!job.result.ok()) {
      failed_trees.insert(job.commit.tree_id);
      report.failures.push_back({job.commit.id, job.branch, job.result.error().describe()});
      continue;
    }
    LTS_RETURN_IF_ERROR(ws.db().transaction([&]() -> Status {
      LTS_RETURN_IF_ERROR(insert_snapshot(ws.db(), job.commit, *job.result));
      return record_event(ws.db(), ws.command(), "snapshot.add", job.commit.id,
                          std::to_string(job.result->size()) + " packages");
    }));
    crash_point("track.snapshot");
    ++report.snapshots_added;
  }
  for (const auto& [c, branch] : reuse) {
    if (failed_trees.count(c.tree_id)) {
      report.failures.push_back({c.id, branch, "same tree as a commit that failed to evaluate"});
      continue;
    }
    LTS_ASSIGN_OR_RETURN(auto same_tree, snapshot_by(ws.db(), "tree_id", c.tree_id));
    if (!same_tree) continue;
    LTS_RETURN_IF_ERROR(ws.db().transaction([&]() { return copy_snapshot(ws.db(), c, *same_tree); }));
    ++report.snapshots_added;
  }
  for (const auto& b : report.branches)
    if (b.rewritten_from)
      report.outcome.warn("branch " + b.branch,
                          "was rewritten: its head was " + b.rewritten_from->substr(0, 12) +
                              ", which is no longer in its history; the commits recorded for it were forgotten");
  for (const auto& f : report.failures) {
    if (f.commit.empty()) report.outcome.fail("branch " + f.branch, f.message);
    else
      report.outcome.fail("commit " + f.commit.substr(0, 12) + " on " + f.branch, "failed to evaluate:\n" + f.message);
  }
  return report;
}

}  // namespace ltskit
