#include "tools/backport/backport.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tools/advisories/ranges.h"
#include "tools/advisories/schema.h"
#include "tools/advisories/store.h"
#include "tools/advisories/triage.h"
#include "tools/backport/history.h"
#include "tools/core/events.h"
#include "tools/core/fs.h"
#include "tools/core/version.h"
#include "tools/nix/evaluator.h"
#include "tools/nix/state.h"
#include "tools/track/channels.h"
#include "tools/track/snapshots.h"
#include "tools/track/tracker.h"
#include "tools/track/version_index.h"

namespace ltskit::backport {

const Schema& backport_schema() {
  static const Schema kSchema = {"backport",
                                 {
                                     {1, R"sql(
-- Every backport attempt, whatever came of it.
CREATE TABLE backports (
  id             INTEGER PRIMARY KEY,
  advisory_id    TEXT NOT NULL,
  channel        TEXT NOT NULL,
  source_commits TEXT NOT NULL,  -- space-separated, in the order picked
  onto_commit    TEXT NOT NULL,  -- the branch head it was applied onto
  result_commit  TEXT,           -- the new head (applied) or the commit made (dry run)
  outcome        TEXT NOT NULL CHECK (outcome IN ('applied', 'no-op', 'conflict', 'refused', 'failed', 'dry-run')),
  detail         TEXT NOT NULL,
  paths          TEXT NOT NULL,  -- JSON: conflicting paths and their sides
  by             TEXT NOT NULL,
  at             TEXT NOT NULL
);
CREATE INDEX backports_channel ON backports(channel, advisory_id);
)sql"},
                                 },
                                 {&advisories::advisories_schema()}};
  return kSchema;
}

const char* pick_outcome_name(PickOutcome o) {
  switch (o) {
    case PickOutcome::kApplied: return "applied";
    case PickOutcome::kNoOp: return "no-op";
    case PickOutcome::kConflict: return "conflict";
    case PickOutcome::kRefused: return "refused";
    case PickOutcome::kFailed: return "failed";
    case PickOutcome::kDryRun: return "dry-run";
  }
  return "failed";
}

namespace {

PickOutcome parse_outcome(const std::string& s) {
  for (PickOutcome o : {PickOutcome::kApplied, PickOutcome::kNoOp, PickOutcome::kConflict, PickOutcome::kRefused,
                        PickOutcome::kFailed, PickOutcome::kDryRun})
    if (s == pick_outcome_name(o)) return o;
  return PickOutcome::kFailed;
}

Result<PolicyConfig> channel_policy(Workspace& ws, const ChannelState& ch) {
  return load_named_policy(ws.config().policies_dir, ch.config.policy);
}

std::string upstream_head_or(git::Repository& repo, const std::string& branch, std::string& error) {
  auto head = repo.branch_target(branch);
  if (!head.ok() || !*head) {
    error = "upstream branch '" + branch + "' does not exist";
    return "";
  }
  return **head;
}

}  // namespace

int version_change_level(const std::string& from, const std::string& to) {
  int cmp = compare_versions(from, to);
  if (cmp == 0) return 0;
  if (cmp > 0) return 3;  // a downgrade
  auto a = split_version(from), b = split_version(to);
  if (a.empty() || b.empty() || a[0] != b[0]) return 3;
  if (a.size() < 2 || b.size() < 2 || a[1] != b[1]) return 2;
  return 1;
}

namespace {

struct Narrowed {
  std::string commit;
  std::string version;
  size_t evaluated = 0;
};

// `first_fixed` is the first tracked commit of `branch` whose version of
// `pname` is fixed. Between it and the tracked commit before it (or the
// channel's cut) the index knows nothing: bisect that stretch of its
// first-parent history by evaluating commits, and when the first fixed one
// is a merge, the first-parent history of the branch it merged.
Result<Narrowed> narrow_first_fixed(Workspace& ws, git::Repository& repo, const std::string& branch,
                                    const std::string& cut, const std::string& first_fixed, const std::string& pname,
                                    const std::function<bool(const std::string&)>& is_fixed, Progress& progress) {
  Narrowed out;
  out.commit = first_fixed;
  // The newest commit known not to be fixed: a tracked one, or the cut.
  std::set<std::string> known_unfixed = {cut};
  {
    LTS_ASSIGN_OR_RETURN(Statement q, ws.db().prepare("SELECT bc.commit_id FROM branch_commits bc JOIN snapshots s ON "
                                                      "s.commit_id = bc.commit_id WHERE bc.branch = ?"));
    q.bind(1, branch);
    LTS_RETURN_IF_ERROR(q.each_row([&] { known_unfixed.insert(q.text(0)); }));
  }
  known_unfixed.erase(first_fixed);
  // One tree slot, moved from commit to commit as the search narrows.
  std::optional<git::TreeSlots::Lease> tree;
  auto fixed_at = [&](const std::string& commit) -> Result<std::optional<std::string>> {
    if (!tree) {
      LTS_RETURN_IF_ERROR(nix::ensure_state_ready(ws.config().nix));
      LTS_ASSIGN_OR_RETURN(git::TreeSlots slots, open_tree_slots(ws, repo));
      LTS_ASSIGN_OR_RETURN(auto lease, slots.acquire());
      tree.emplace(std::move(lease));
    }
    progress.update(out.evaluated, "evaluating " + commit.substr(0, 12));
    ++out.evaluated;
    LTS_ASSIGN_OR_RETURN(auto dir, tree->checkout(commit));
    auto pkgs = nix::evaluate_package_set(dir, ws.config().nix);
    if (!pkgs.ok()) return std::move(pkgs).error().add_context("while evaluating " + commit.substr(0, 12));
    std::optional<std::string> version;
    for (const auto& p : *pkgs) {
      if (p.pname != pname) continue;
      if (!is_fixed(p.version)) return std::optional<std::string>();
      version = p.version;
    }
    return version;  // nullopt: absent or not fixed
  };
  // Bisects chain[0..n): chain[0] fixed, the commit after chain[n-1] not.
  auto bisect = [&](const std::vector<git::CommitInfo>& chain, size_t hi, size_t lo) -> Status {
    while (lo - hi > 1) {
      size_t mid = hi + (lo - hi) / 2;
      LTS_ASSIGN_OR_RETURN(auto v, fixed_at(chain[mid].id));
      if (v) {
        hi = mid;
        out.version = *v;
      } else {
        lo = mid;
      }
    }
    out.commit = chain[hi].id;
    return ok_status();
  };
  constexpr size_t kLimit = 20000;
  auto chain_to_unfixed =
      [&](const std::string& from,
          const std::function<bool(const std::string&)>& stop) -> Result<std::optional<std::vector<git::CommitInfo>>> {
    LTS_ASSIGN_OR_RETURN(auto walked, repo.walk(from, git::WalkMode::kFirstParent, kLimit));
    for (size_t i = 0; i < walked.size(); ++i)
      if (stop(walked[i].id)) {
        walked.resize(i);
        return std::optional<std::vector<git::CommitInfo>>(std::move(walked));
      }
    return std::optional<std::vector<git::CommitInfo>>();
  };
  LTS_ASSIGN_OR_RETURN(
      auto chain, chain_to_unfixed(first_fixed, [&](const std::string& id) { return known_unfixed.count(id) > 0; }));
  if (!chain || chain->size() <= 1) return out;  // no gap, or the tracked commit before is not on this line
  progress.begin("narrowing the first fixed " + pname + " on " + branch, 0);
  LTS_RETURN_IF_ERROR(bisect(*chain, 0, chain->size()));
  // A merge brought it: look along the branch it merged.
  LTS_ASSIGN_OR_RETURN(git::CommitInfo found, repo.commit(out.commit));
  if (found.parents.size() == 2) {
    LTS_ASSIGN_OR_RETURN(auto side, fixed_at(found.parents[1]));
    if (side) {
      std::string v = *side;
      LTS_ASSIGN_OR_RETURN(auto merged, repo.walk_since(found.parents[1], found.parents[0]));
      std::set<std::string> on_side;
      for (const auto& c : merged) on_side.insert(c.id);
      LTS_ASSIGN_OR_RETURN(auto side_chain, chain_to_unfixed(found.parents[1], [&](const std::string& id) {
                             return on_side.count(id) == 0;
                           }));
      if (side_chain && !side_chain->empty()) {
        out.version = v;
        LTS_RETURN_IF_ERROR(bisect(*side_chain, 0, side_chain->size()));
      }
    }
  }
  progress.end();
  if (out.version.empty() && out.commit != first_fixed) {
    LTS_ASSIGN_OR_RETURN(auto v, fixed_at(out.commit));
    out.version = v.value_or("?");
  }
  return out;
}

}  // namespace

Result<FindResult> find_fixes(Workspace& ws, git::Repository& repo, const FindOptions& o) {
  NullProgress quiet;
  Progress& progress = o.progress ? *o.progress : quiet;
  LTS_ASSIGN_OR_RETURN(advisories::AdvisoryDetail adv, advisories::get_advisory(ws.db(), o.advisory));
  FindResult out;
  out.advisory = adv.summary.id;
  out.aliases = adv.summary.aliases;
  std::vector<std::string> ids = {adv.summary.id};
  ids.insert(ids.end(), adv.summary.aliases.begin(), adv.summary.aliases.end());
  std::set<std::string> listed_fixes(adv.fix_commits.begin(), adv.fix_commits.end());

  LTS_ASSIGN_OR_RETURN(auto channels, list_channels(ws, repo));
  std::vector<ChannelState> chosen;
  for (const auto& ch : channels) {
    if (o.channel && ch.config.name != *o.channel) continue;
    if (!o.channel && ch.status != ChannelStatus::kActive) continue;
    chosen.push_back(ch);
  }
  if (o.channel && chosen.empty()) return not_found("no channel '" + *o.channel + "'");

  std::map<std::string, Candidate> found;  // by commit
  auto add = [&](const git::CommitInfo& c, const std::string& branch, int score, const std::string& why) {
    Candidate& cand = found[c.id];
    if (cand.commit.empty()) {
      cand.commit = c.id;
      cand.branch = branch;
      cand.summary = c.summary;
      cand.time = c.time;
    }
    cand.score += score;
    cand.reasons.push_back(why);
  };
  std::set<std::pair<std::string, std::string>> walked;  // (upstream, cut)
  for (const auto& ch : chosen) {
    out.channels.push_back(ch.config.name);
    std::string err;
    std::string head = upstream_head_or(repo, ch.config.upstream, err);
    if (head.empty()) return not_found(err);
    if (!walked.insert({ch.config.upstream, ch.cut_commit}).second) continue;
    HistoryQuery hq;
    hq.upstream = ch.config.upstream;
    hq.head = head;
    hq.cut = ch.cut_commit;
    hq.ids = ids;
    hq.listed.assign(listed_fixes.begin(), listed_fixes.end());
    LTS_ASSIGN_OR_RETURN(HistorySearch hs, search_history(repo, ws.config().cache_dir() / "history.db", hq, progress));
    out.searched_commits += hs.range_commits;
    out.read_commits += hs.read_commits;
    for (const auto& l : hs.listed_present) {
      auto c = repo.commit(l);
      if (c.ok()) add(*c, ch.config.upstream, 120, "the advisory lists it as a fix");
    }
    for (const auto& m : hs.matches) {
      if (m.message_names) add(m.commit, ch.config.upstream, 100, "its message names the advisory");
      if (!m.patches.empty()) add(m.commit, ch.config.upstream, 90, "it adds the patch " + m.patches[0]);
    }
  }

  // The first upstream commit whose version of an affected package is
  // fixed: from the version index, then narrowed by evaluating the commits
  // between it and the tracked (or cut) commit before it, when tracking
  // left a gap there.
  auto is_fixed = [&](const std::string& version) {
    bool fixed = false;
    for (const auto& e : adv.affected) {
      auto d = advisories::decide(e, version);
      if (d.state == advisories::Decision::State::kAffected) return false;
      if (d.state == advisories::Decision::State::kFixed) fixed = true;
    }
    return fixed;
  };
  std::set<std::string> pnames;
  LTS_ASSIGN_OR_RETURN(auto rows, advisories::list_triage(ws.db(), {std::nullopt, std::nullopt, out.advisory}));
  for (const auto& r : rows)
    if (std::find(out.channels.begin(), out.channels.end(), r.channel) != out.channels.end()) pnames.insert(r.pname);
  for (const auto& pname : pnames) {
    auto answer = query_versions(ws, {pname, std::nullopt});
    if (!answer.ok()) continue;
    for (const auto& ch : chosen) {
      for (const auto& b : answer->branches) {
        if (b.branch != ch.config.upstream) continue;
        const VersionSeen* first = nullptr;
        for (const auto& v : b.versions)
          if (is_fixed(v.version) && (!first || v.first_time < first->first_time)) first = &v;
        if (!first) continue;
        // Only commits after the cut can be picked.
        auto before = repo.is_ancestor(first->first_commit, ch.cut_commit);
        if (before.ok() && *before) continue;
        std::string why = "first tracked upstream commit with " + pname + " " + first->version + ", a fixed version";
        std::string commit = first->first_commit;
        if (o.narrow) {
          auto narrowed =
              narrow_first_fixed(ws, repo, b.branch, ch.cut_commit, first->first_commit, pname, is_fixed, progress);
          if (!narrowed.ok()) {
            why += " (not narrowed: " + narrowed.error().message() + ")";
          } else if (narrowed->commit != commit) {
            commit = narrowed->commit;
            why = "first upstream commit with " + pname + " " + narrowed->version +
                  ", a fixed version (the version index had a gap before " + first->first_commit.substr(0, 12) +
                  "; found by evaluating " + std::to_string(narrowed->evaluated) + " commit(s))";
          }
        }
        auto c = repo.commit(commit);
        if (c.ok()) add(*c, b.branch, 80, why);
      }
    }
  }

  // Newer channels that already carry one of these fixes: their pick is
  // the better source.
  std::vector<Candidate> upstream;
  for (auto& [id, c] : found) upstream.push_back(c);
  for (const auto& ch : channels) {
    if (std::find(out.channels.begin(), out.channels.end(), ch.config.name) != out.channels.end() && o.channel)
      continue;
    if (!ch.branch_head) continue;
    auto commits = repo.walk_since(*ch.branch_head, ch.cut_commit);
    if (!commits.ok()) continue;
    for (const auto& c : *commits) {
      for (const auto& from : git::picked_from(c.message)) {
        auto it = found.find(from);
        if (it == found.end()) continue;
        Candidate pick;
        pick.commit = c.id;
        pick.branch = ch.config.branch;
        pick.summary = c.summary;
        pick.time = c.time;
        pick.score = it->second.score + 10;
        pick.upstream_commit = from;
        pick.reasons = {"channel " + ch.config.name + " already carries upstream " + from.substr(0, 12) +
                        " (cherry picked); picking from the nearest newer line conflicts less"};
        found.emplace(c.id, pick);
      }
    }
  }
  for (auto& [id, c] : found) out.candidates.push_back(std::move(c));
  std::sort(out.candidates.begin(), out.candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.time != b.time) return a.time < b.time;
    return a.commit < b.commit;
  });
  return out;
}

Result<size_t> index_upstream_history(Workspace& ws, git::Repository& repo, const std::vector<std::string>& channels,
                                      Progress& progress) {
  LTS_ASSIGN_OR_RETURN(auto all, list_channels(ws, repo));
  std::set<std::pair<std::string, std::string>> done;  // (upstream, cut)
  size_t read = 0;
  for (const auto& ch : all) {
    bool named = std::find(channels.begin(), channels.end(), ch.config.name) != channels.end();
    if (channels.empty() ? ch.status != ChannelStatus::kActive : !named) continue;
    if (!done.insert({ch.config.upstream, ch.cut_commit}).second) continue;
    LTS_ASSIGN_OR_RETURN(auto head, repo.branch_target(ch.config.upstream));
    if (!head) continue;
    HistoryQuery q;
    q.upstream = ch.config.upstream;
    q.head = *head;
    q.cut = ch.cut_commit;
    LTS_ASSIGN_OR_RETURN(HistorySearch s, search_history(repo, ws.config().cache_dir() / "history.db", q, progress));
    read += s.read_commits;
  }
  return read;
}

namespace {

struct Gate {
  bool ok = true;
  std::string rule, detail;
};

// The policy gate: the packages of `candidate` against those of `head`.
Result<Gate> policy_gate(Workspace& ws, git::Repository& repo, const PolicyConfig& policy, const std::string& head,
                         const std::string& candidate) {
  LTS_RETURN_IF_ERROR(nix::ensure_state_ready(ws.config().nix));
  LTS_ASSIGN_OR_RETURN(git::TreeSlots slots, open_tree_slots(ws, repo));
  LTS_ASSIGN_OR_RETURN(git::TreeSlots::Lease tree, slots.acquire());
  // Each evaluation is kept as the commit's snapshot (when the workspace is
  // writable), so tracking the branch after a landing evaluates nothing.
  auto evaluate = [&](const std::string& commit) -> Result<std::map<std::string, nix::Package>> {
    LTS_ASSIGN_OR_RETURN(auto dir, tree.checkout(commit));
    auto pkgs = nix::evaluate_package_set(dir, ws.config().nix);
    if (!pkgs.ok()) return std::move(pkgs).error().add_context("while evaluating " + commit.substr(0, 12));
    if (ws.writable()) {
      LTS_ASSIGN_OR_RETURN(git::CommitInfo info, repo.commit(commit));
      LTS_RETURN_IF_ERROR(record_snapshot(ws.db(), info, *pkgs));
    }
    std::map<std::string, nix::Package> out;
    for (auto& p : *pkgs) out.emplace(p.attr, std::move(p));
    return out;
  };
  // The head as tracked, when it is: one evaluation instead of two.
  std::map<std::string, nix::Package> before;
  bool from_snapshot = false;
  LTS_ASSIGN_OR_RETURN(auto heads, channel_heads(ws.db()));
  for (const auto& h : heads) {
    if (!h.snapshot || h.snapshot->commit != head) continue;
    LTS_ASSIGN_OR_RETURN(auto pkgs, snapshot_packages(ws.db(), h.snapshot->id));
    for (auto& p : pkgs) {
      nix::Package n;
      n.attr = p.attr;
      n.pname = p.pname;
      n.version = p.version;
      n.name = p.pname + "-" + p.version;
      before.emplace(p.attr, std::move(n));
    }
    from_snapshot = true;
    break;
  }
  if (!from_snapshot) {
    LTS_ASSIGN_OR_RETURN(before, evaluate(head));
  }
  LTS_ASSIGN_OR_RETURN(auto after, evaluate(candidate));
  int allowed = 0;
  switch (policy.version_changes) {
    case VersionChangePolicy::kNone: allowed = 0; break;
    case VersionChangePolicy::kPatch: allowed = 1; break;
    case VersionChangePolicy::kMinor: allowed = 2; break;
    case VersionChangePolicy::kAny: allowed = 3; break;
  }
  static const char* kLevel[] = {"no", "a patch-level", "a minor", "a major"};
  for (const auto& [attr, p] : before) {
    auto it = after.find(attr);
    if (it == after.end()) {
      if (!policy.packages_removed)
        return Gate{false, "packages_removed", "it removes package " + attr + " (" + p.name + ")"};
      continue;
    }
    int level = version_change_level(p.version, it->second.version);
    if (level > allowed)
      return Gate{false, "version_changes",
                  attr + " " + p.version + " -> " + it->second.version + " is " + kLevel[level] + " change; policy '" +
                      policy.name + "' allows version_changes = \"" +
                      version_change_policy_name(policy.version_changes) + "\""};
  }
  for (const auto& [attr, p] : after)
    if (!before.count(attr) && !policy.packages_added)
      return Gate{false, "packages_added", "it adds package " + attr + " (" + p.name + ")"};
  return Gate{};
}

// A newer active channel (cut after this one's) still affected by the
// advisory: the refusal, naming it; nullopt when there is none.
Result<std::optional<std::string>> newer_channel_lacking_fix(Workspace& ws, git::Repository& repo,
                                                             const ChannelState& ch, const std::string& advisory) {
  LTS_ASSIGN_OR_RETURN(auto channels, list_channels(ws, repo));
  LTS_ASSIGN_OR_RETURN(auto rows, advisories::list_triage(ws.db(), {std::nullopt, std::nullopt, advisory}));
  for (const auto& other : channels) {
    if (other.config.name == ch.config.name || other.status != ChannelStatus::kActive) continue;
    auto newer = repo.is_ancestor(ch.cut_commit, other.cut_commit);
    if (!newer.ok() || !*newer || other.cut_commit == ch.cut_commit) continue;
    for (const auto& row : rows)
      if (row.channel == other.config.name && (row.state == advisories::TriageState::kAffected ||
                                               row.state == advisories::TriageState::kUnderInvestigation))
        return std::optional<std::string>("newer channel " + other.config.name + " is still " +
                                          triage_state_name(row.state) + " by " + advisory + " (" + row.pname + " " +
                                          row.version + "); fix it there first, or pass --force with a reason");
  }
  return std::optional<std::string>();
}

// Sets the outcome of `r`, records the attempt (a row and an event) and returns `r`.
Result<ApplyResult> conclude(Workspace& ws, ApplyResult& r, const std::string& by, PickOutcome outcome,
                             std::string detail, std::string rule) {
  r.outcome = outcome;
  r.detail = std::move(detail);
  r.rule = std::move(rule);
  nlohmann::json paths = nlohmann::json::array();
  for (const auto& c : r.conflicts)
    paths.push_back({{"path", c.path}, {"ancestor", c.ancestor}, {"ours", c.ours}, {"theirs", c.theirs}});
  std::string sources;
  for (const auto& s : r.sources) sources += (sources.empty() ? "" : " ") + s;
  Status s = ws.db().transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(
        Statement ins,
        ws.db().prepare("INSERT INTO backports(advisory_id, channel, source_commits, onto_commit, result_commit, "
                        "outcome, detail, paths, by, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    ins.bind(1, r.advisory)
        .bind(2, r.channel)
        .bind(3, sources)
        .bind(4, r.onto)
        .bind(5, r.result)
        .bind(6, pick_outcome_name(r.outcome))
        .bind(7, r.detail)
        .bind(8, paths.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .bind(9, by)
        .bind(10, now_utc());
    LTS_RETURN_IF_ERROR(ins.run());
    return record_event(ws.db(), ws.command(), std::string("backport.") + pick_outcome_name(r.outcome),
                        r.channel + " " + r.advisory, r.detail);
  });
  if (!s.ok()) return std::move(s).error();
  return r;
}

}  // namespace

Result<ApplyResult> apply_backport(Workspace& ws, git::Repository& repo, const ApplyOptions& o) {
  LTS_ASSIGN_OR_RETURN(advisories::AdvisoryDetail adv, advisories::get_advisory(ws.db(), o.advisory));
  LTS_ASSIGN_OR_RETURN(ChannelState ch, get_channel(ws, repo, o.channel));
  ApplyResult r;
  r.advisory = adv.summary.id;
  r.channel = ch.config.name;
  r.branch = ch.config.branch;
  auto done = [&](PickOutcome outcome, std::string detail, std::string rule = "") {
    return conclude(ws, r, o.by, outcome, std::move(detail), std::move(rule));
  };
  if (!ch.branch_head)
    return not_found("branch '" + ch.config.branch + "' of channel '" + ch.config.name + "' is gone");
  r.onto = *ch.branch_head;
  if (ch.status == ChannelStatus::kEol)
    return done(PickOutcome::kRefused,
                "channel " + ch.config.name + " reached end of life on " + ch.eol_at.value_or("?") +
                    "; it takes no more backports",
                "eol");
  LTS_ASSIGN_OR_RETURN(PolicyConfig policy, channel_policy(ws, ch));

  // What to pick: the given commits, or the best candidates found.
  std::vector<std::string> commits;
  for (const auto& c : o.commits) {
    auto id = repo.resolve_commit(c);
    if (!id.ok()) return usage_error("--commit " + c + ": " + id.error().message());
    commits.push_back(*id);
  }
  if (commits.empty()) {
    // Evaluating to narrow the version index is only worth it when nothing
    // better (a commit naming the advisory, or adding its patch) is found.
    FindOptions fo{r.advisory, ch.config.name};
    fo.narrow = false;
    LTS_ASSIGN_OR_RETURN(FindResult found, find_fixes(ws, repo, fo));
    if (!found.candidates.empty() && found.candidates[0].score <= 80) {
      fo.narrow = true;
      LTS_ASSIGN_OR_RETURN(found, find_fixes(ws, repo, fo));
    }
    if (found.candidates.empty())
      return not_found("no fix found for " + r.advisory + " on the upstream of channel " + ch.config.name +
                       " since its cut; name the commit with --commit");
    // The best candidate, and every other one as good from the same branch
    // (a fix in several commits), oldest first.
    const Candidate& best = found.candidates[0];
    std::vector<const Candidate*> chosen;
    for (const auto& c : found.candidates)
      if (c.score == best.score && c.branch == best.branch) chosen.push_back(&c);
    std::sort(chosen.begin(), chosen.end(), [](const Candidate* a, const Candidate* b) { return a->time < b->time; });
    for (const Candidate* c : chosen) commits.push_back(c->commit);
  }
  r.sources = commits;

  // Users upgrading from this channel to a newer one must not regress.
  if (policy.never_skip_newer_channels && !o.force_reason) {
    LTS_ASSIGN_OR_RETURN(auto refusal, newer_channel_lacking_fix(ws, repo, ch, r.advisory));
    if (refusal) return done(PickOutcome::kRefused, *refusal, "never_skip_newer_channels");
  }

  // Already there: the commit itself, or a pick of it (its -x line).
  LTS_ASSIGN_OR_RETURN(auto on_branch, repo.walk_since(r.onto, ch.cut_commit));
  std::set<std::string> present;
  for (const auto& c : on_branch) {
    present.insert(c.id);
    for (const auto& from : git::picked_from(c.message)) present.insert(from);
  }
  std::vector<std::string> todo;
  for (const auto& c : commits) {
    auto anc = repo.is_ancestor(c, r.onto);
    if (present.count(c) || (anc.ok() && *anc)) continue;
    // A pick from a newer channel carries the upstream commit it picked.
    auto info = repo.commit(c);
    bool via = false;
    if (info.ok())
      for (const auto& from : git::picked_from(info->message)) via = via || present.count(from);
    if (!via) todo.push_back(c);
  }
  if (todo.empty()) return done(PickOutcome::kNoOp, "the fix is already on " + r.branch);

  // Pick in memory, one commit onto the other.
  std::string head = r.onto;
  for (const auto& c : todo) {
    LTS_ASSIGN_OR_RETURN(git::PickResult pick, repo.cherry_pick(c, head));
    LTS_ASSIGN_OR_RETURN(git::CommitInfo info, repo.commit(c));
    LTS_ASSIGN_OR_RETURN(git::Signature author, repo.author(c));
    std::string message = git::cherry_pick_message(info.message, c) + kAdvisoryTrailer + ": " + r.advisory + "\n";
    if (!pick.tree_id) {
      r.conflicts = pick.conflicts;
      std::string paths;
      for (const auto& p : pick.conflicts) paths += (paths.empty() ? "" : ", ") + p.path;
      std::string detail =
          "picking " + c.substr(0, 12) + " onto " + r.branch + " conflicts in " + paths + "; nothing landed";
      if (o.candidate && !o.dry_run) {
        LTS_ASSIGN_OR_RETURN(std::string tree,
                             repo.conflicted_pick_tree(c, head, r.branch, c.substr(0, 12) + " " + info.summary));
        LTS_ASSIGN_OR_RETURN(std::string made, repo.create_commit(tree, {head}, author, o.committer, message));
        std::string name = candidate_branch(r.channel, r.advisory);
        LTS_RETURN_IF_ERROR(repo.set_branch(name, made, "ltskit backport candidate " + r.advisory));
        r.candidate_branch = name;
        detail += "; the conflicted result is on branch " + name +
                  ": resolve the markers there, commit, then run "
                  "'ltskit backport land " +
                  r.channel + " " + r.advisory + "'";
      }
      return done(PickOutcome::kConflict, detail);
    }
    LTS_ASSIGN_OR_RETURN(head, repo.create_commit(*pick.tree_id, {head}, author, o.committer, message));
  }
  r.result = head;

  LTS_ASSIGN_OR_RETURN(Gate gate, policy_gate(ws, repo, policy, r.onto, head));
  if (!gate.ok) {
    r.result.reset();
    return done(PickOutcome::kRefused, "refused by policy '" + policy.name + "': " + gate.detail, gate.rule);
  }
  if (o.dry_run) return done(PickOutcome::kDryRun, "would move " + r.branch + " to " + head.substr(0, 12));
  Status moved = repo.update_branch(
      r.branch, head, r.onto, "ltskit backport " + r.advisory + " (" + std::to_string(todo.size()) + " commit(s))");
  if (!moved.ok()) {
    r.result.reset();
    return done(PickOutcome::kFailed, moved.error().message());
  }
  std::string detail = "backported in " + head.substr(0, 12) + " from " + todo.back().substr(0, 12);
  if (o.force_reason) detail += " (forced: " + *o.force_reason + ")";
  return done(PickOutcome::kApplied, detail);
}

std::string candidate_branch(const std::string& channel, const std::string& advisory) {
  return "backport/" + channel + "/" + advisory;
}

Result<ApplyResult> land_backport(Workspace& ws, git::Repository& repo, const LandOptions& o) {
  LTS_ASSIGN_OR_RETURN(advisories::AdvisoryDetail adv, advisories::get_advisory(ws.db(), o.advisory));
  LTS_ASSIGN_OR_RETURN(ChannelState ch, get_channel(ws, repo, o.channel));
  ApplyResult r;
  r.advisory = adv.summary.id;
  r.channel = ch.config.name;
  r.branch = ch.config.branch;
  std::string name = candidate_branch(r.channel, r.advisory);
  LTS_ASSIGN_OR_RETURN(auto cand, repo.branch_target(name));
  if (!cand) return not_found("no candidate branch '" + name + "'; run 'ltskit backport apply --candidate' first");
  if (!ch.branch_head) return not_found("branch '" + r.branch + "' of channel '" + r.channel + "' is gone");
  r.onto = *ch.branch_head;
  r.candidate_branch = name;
  auto done = [&](PickOutcome outcome, std::string detail, std::string rule = "") {
    return conclude(ws, r, o.by, outcome, std::move(detail), std::move(rule));
  };
  if (ch.status == ChannelStatus::kEol)
    return done(PickOutcome::kRefused, "channel " + r.channel + " reached end of life; it takes no more backports",
                "eol");
  LTS_ASSIGN_OR_RETURN(auto commits, repo.walk_since(*cand, r.onto));
  for (const auto& c : commits) r.sources.push_back(c.id);
  LTS_ASSIGN_OR_RETURN(bool ff, repo.is_ancestor(r.onto, *cand));
  if (!ff)
    return done(PickOutcome::kRefused,
                name + " does not build on the head of " + r.branch +
                    " (it moved since); run 'ltskit backport apply --candidate' again",
                "fast-forward");
  if (commits.empty()) return done(PickOutcome::kNoOp, name + " holds nothing new");
  LTS_ASSIGN_OR_RETURN(auto lines, repo.added_lines(r.onto, *cand));
  for (const auto& l : lines)
    if (l.rfind("<<<<<<< ", 0) == 0 || l.rfind(">>>>>>> ", 0) == 0 || l == "=======\n" || l == "=======")
      return done(PickOutcome::kRefused, name + " still holds conflict markers", "conflict-markers");
  LTS_ASSIGN_OR_RETURN(PolicyConfig policy, channel_policy(ws, ch));
  if (policy.never_skip_newer_channels && !o.force_reason) {
    LTS_ASSIGN_OR_RETURN(auto refusal, newer_channel_lacking_fix(ws, repo, ch, r.advisory));
    if (refusal) return done(PickOutcome::kRefused, *refusal, "never_skip_newer_channels");
  }
  LTS_ASSIGN_OR_RETURN(Gate gate, policy_gate(ws, repo, policy, r.onto, *cand));
  if (!gate.ok)
    return done(PickOutcome::kRefused, "refused by policy '" + policy.name + "': " + gate.detail, gate.rule);
  Status moved = repo.update_branch(r.branch, *cand, r.onto, "ltskit backport land " + r.advisory);
  if (!moved.ok()) return done(PickOutcome::kFailed, moved.error().message());
  r.result = *cand;
  (void)repo.delete_branch(name);
  return done(PickOutcome::kApplied, "backported in " + cand->substr(0, 12) + " (landed from " + name + ")");
}

Result<std::vector<Attempt>> list_backports(Database& db, const std::optional<std::string>& channel) {
  std::vector<Attempt> out;
  LTS_ASSIGN_OR_RETURN(
      Statement q, db.prepare("SELECT id, advisory_id, channel, source_commits, onto_commit, result_commit, outcome, "
                              "detail, paths, by, at FROM backports WHERE ?1 IS NULL OR channel = ?1 ORDER BY id"));
  q.bind(1, channel);
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    Attempt a;
    a.id = q.integer(0);
    a.advisory = q.text(1);
    a.channel = q.text(2);
    a.source_commits = q.text(3);
    a.onto = q.text(4);
    a.result = q.opt_text(5);
    a.outcome = parse_outcome(q.text(6));
    a.detail = q.text(7);
    a.paths = q.text(8);
    a.by = q.text(9);
    a.at = q.text(10);
    out.push_back(std::move(a));
  }));
  return out;
}

}  // namespace ltskit::backport
