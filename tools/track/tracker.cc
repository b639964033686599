#include "tools/track/tracker.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
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

// The message of a refusal recorded for `commit`, if any.
Result<std::optional<std::string>> recorded_refusal(Database& db, const std::string& commit) {
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare("SELECT message FROM evaluation_failures WHERE commit_id = ? AND refusal = 1"));
  q.bind(1, commit);
  LTS_ASSIGN_OR_RETURN(bool row, q.step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(q.text(0));
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.size() > 200 ? line.substr(0, 200) + "…" : line;
}

// Stores what one evaluation gave: its snapshot, or its failure.
Status record_result(Workspace& ws, const Job& job, TrackReport& report) {
  if (!job.result.ok()) {
    const Error& e = job.result.error();
    report.failures.push_back({job.commit.id, job.branch, e.describe()});
    return ws.db().transaction([&]() -> Status {
      LTS_ASSIGN_OR_RETURN(Statement ins,
                           ws.db().prepare("INSERT OR REPLACE INTO evaluation_failures(commit_id, tree_id, branch, "
                                           "refusal, message, failed_at) VALUES (?, ?, ?, ?, ?, ?)"));
      ins.bind(1, job.commit.id)
          .bind(2, job.commit.tree_id)
          .bind(3, job.branch)
          .bind(4, static_cast<int64_t>(nix::is_refusal(e) ? 1 : 0))
          .bind(5, e.describe())
          .bind(6, now_utc());
      LTS_RETURN_IF_ERROR(ins.run());
      return record_event(ws.db(), ws.command(), "snapshot.failed", job.commit.id, first_line(e.describe()));
    });
  }
  LTS_RETURN_IF_ERROR(ws.db().transaction([&]() -> Status {
    LTS_RETURN_IF_ERROR(insert_snapshot(ws.db(), job.commit, *job.result));
    LTS_ASSIGN_OR_RETURN(Statement del, ws.db().prepare("DELETE FROM evaluation_failures WHERE commit_id = ?"));
    del.bind(1, job.commit.id);
    LTS_RETURN_IF_ERROR(del.run());
    return record_event(ws.db(), ws.command(), "snapshot.add", job.commit.id,
                        std::to_string(job.result->size()) + " packages");
  }));
  crash_point("track.snapshot");
  ++report.snapshots_added;
  return ok_status();
}

// Jobs split into one run of consecutive jobs per worker. A worker that
// finishes its run takes the second half of the longest run left, so the
// runs stay long (a tree moves one commit at a time) and no worker idles
// while another has a queue.
class WorkRanges {
 public:
  WorkRanges(size_t jobs, size_t workers) {
    for (size_t w = 0; w < workers; ++w) ranges_.emplace_back(jobs * w / workers, jobs * (w + 1) / workers);
  }
  std::optional<size_t> next(size_t worker) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& own = ranges_[worker];
    if (own.first < own.second) return own.first++;
    size_t victim = ranges_.size(), most = 0;
    for (size_t v = 0; v < ranges_.size(); ++v)
      if (ranges_[v].second - ranges_[v].first > most) {
        most = ranges_[v].second - ranges_[v].first;
        victim = v;
      }
    if (most == 0) return std::nullopt;
    auto& from = ranges_[victim];
    size_t mid = from.first + most / 2;
    own = {mid + 1, from.second};
    from.second = mid;
    return mid;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<size_t, size_t>> ranges_;
};

}  // namespace

Status record_snapshot(Database& db, const git::CommitInfo& commit, const std::vector<nix::Package>& packages) {
  return db.transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(auto have, snapshot_by(db, "commit_id", commit.id));
    if (have) return ok_status();
    return insert_snapshot(db, commit, packages);
  });
}

Result<git::TreeSlots> open_tree_slots(const Workspace& ws, const git::Repository& repo) {
  return git::TreeSlots::open(ws.config().cache_dir(), repo.path(),
                              static_cast<size_t>(effective_eval_jobs(ws.config().nix)));
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
  // --history N caps the window (1: the head); without it, --since alone
  // sets it, and with neither it is the head.
  size_t window = options.history >= 1 ? options.history : options.since ? 0 : 1;
  size_t every = std::max<size_t>(options.every, 1);

  progress.begin("reading history", 0);
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
    int64_t not_before = options.since.value_or(INT64_MIN);
    LTS_ASSIGN_OR_RETURN(auto history, repo.walk(*head, git::WalkMode::kFirstParent, window, not_before));
    // The head is always tracked, even when it is older than --since.
    if (history.empty()) {
      LTS_ASSIGN_OR_RETURN(history, repo.walk(*head, git::WalkMode::kFirstParent, 1));
    }
    // Every Nth counted from the oldest end of the window, so that with a
    // fixed --since the same commits are chosen run after run as the head
    // moves on; and the head.
    std::vector<git::CommitInfo> commits;
    for (size_t i = 0; i < history.size(); ++i)
      if (i == 0 || (history.size() - 1 - i) % every == 0) commits.push_back(std::move(history[i]));
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
    std::vector<Job> branch_jobs;
    for (const auto& c : commits) {
      LTS_ASSIGN_OR_RETURN(auto have, snapshot_by(ws.db(), "commit_id", c.id));
      if (have || queued_commits.count(c.id)) {
        ++tb.known;
        continue;
      }
      if (!options.retry_failed) {
        LTS_ASSIGN_OR_RETURN(auto refused, recorded_refusal(ws.db(), c.id));
        if (refused) {
          ++tb.failed_before;
          report.failed_before.push_back({c.id, branch, *refused});
          continue;
        }
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
      queued_trees.insert(c.tree_id);
      Job job;
      job.commit = c;
      job.branch = branch;
      branch_jobs.push_back(std::move(job));
      ++tb.evaluated;
    }
    // Oldest first along each branch: consecutive jobs differ by one
    // commit's changes, which is what moving a tree costs.
    jobs.insert(jobs.end(), std::make_move_iterator(branch_jobs.rbegin()), std::make_move_iterator(branch_jobs.rend()));
    report.branches.push_back(std::move(tb));
  }
  progress.end();

  // The slots are opened even with nothing to evaluate: that is what
  // removes the cache of earlier versions and slots no longer configured.
  LTS_ASSIGN_OR_RETURN(git::TreeSlots slots, open_tree_slots(ws, repo));
  report.eval_jobs = slots.count();
  if (!jobs.empty()) {
    // Each nix-env is its own process. Nix's state is made ready first, so
    // that parallel evaluations never race to create it.
    LTS_RETURN_IF_ERROR(nix::ensure_state_ready(ws.config().nix));
    size_t workers = std::min(report.eval_jobs, jobs.size());
    std::vector<git::TreeSlots::Lease> leases;
    for (size_t w = 0; w < workers; ++w) {
      LTS_ASSIGN_OR_RETURN(auto lease, slots.acquire(w));
      leases.push_back(std::move(lease));
    }
    WorkRanges ranges(jobs.size(), workers);
    std::mutex mu;  // guards the database, the report and progress
    Status fatal = ok_status();
    std::atomic<bool> stop{false};
    size_t done = 0;
    progress.begin("evaluating", jobs.size());
    auto worker = [&](size_t w) {
      while (!stop) {
        auto i = ranges.next(w);
        if (!i) return;
        Job& job = jobs[*i];
        auto t0 = std::chrono::steady_clock::now();
        auto dir = leases[w].checkout(job.commit.id);
        auto t1 = std::chrono::steady_clock::now();
        if (dir.ok()) job.result = nix::evaluate_package_set(*dir, ws.config().nix);
        else job.result = std::move(dir).error();
        double checkout_secs = std::chrono::duration<double>(t1 - t0).count();
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::lock_guard<std::mutex> lock(mu);
        Status s = record_result(ws, job, report);
        if (!s.ok()) {
          if (fatal.ok()) fatal = std::move(s);
          stop = true;
          return;
        }
        ++done;
        progress.update(done, job.commit.id.substr(0, 12));
        char took[64];
        std::snprintf(took, sizeof took, "%.2f s (checkout %.2f s)", secs, checkout_secs);
        std::string where =
            job.commit.id.substr(0, 12) + " (" + job.branch + ", " + format_utc(job.commit.time).substr(0, 10) + ")";
        std::string count = "[" + std::to_string(done) + "/" + std::to_string(jobs.size()) + "] ";
        if (job.result.ok()) {
          progress.line(count + "evaluated " + where + ": " + std::to_string(job.result->size()) + " packages in " +
                        took);
          // Recorded: a run over thousands of commits keeps none of their packages in memory.
          job.result = std::vector<nix::Package>();
        } else {
          progress.line(count + "failed " + where + " after " + took + ": " + first_line(job.result.error().message()));
        }
      }
    };
    std::vector<std::thread> threads;
    for (size_t w = 1; w < workers; ++w) threads.emplace_back(worker, w);
    worker(0);
    for (auto& th : threads) th.join();
    progress.end();
    for (const auto& l : leases) report.trees += l.stats();
    LTS_RETURN_IF_ERROR(fatal);
  }

  std::set<std::string> failed_trees;
  for (auto& job : jobs)
    if (!job.result.ok()) failed_trees.insert(job.commit.tree_id);
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
  // A refusal recorded earlier: a branch's head without packages is a
  // failure; older commits that Nix refused (nixpkgs history has many) are
  // said once per branch.
  std::map<std::string, size_t> older_refusals;
  for (const auto& f : report.failed_before) {
    bool is_head = false;
    for (const auto& b : report.branches) is_head |= b.branch == f.branch && b.head == f.commit;
    if (is_head)
      report.outcome.fail("commit " + f.commit.substr(0, 12) + " on " + f.branch,
                          "failed to evaluate in an earlier run (track --retry-failed tries again):\n" + f.message);
    else ++older_refusals[f.branch];
  }
  for (const auto& [branch, n] : older_refusals)
    report.outcome.warn("branch " + branch, std::to_string(n) +
                                                " commit(s) that Nix refused in an earlier run were skipped "
                                                "(track --retry-failed tries them again)");
  return report;
}

}  // namespace ltskit
