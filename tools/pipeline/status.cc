#include "tools/pipeline/status.h"

#include <chrono>
#include <map>

#include "tools/advisories/triage.h"
#include "tools/backport/backport.h"
#include "tools/publish/publish.h"
#include "tools/track/channels.h"
#include "tools/track/snapshots.h"

namespace ltskit::pipeline {

namespace {

// Days since 1970-01-01 of a date YYYY-MM-DD; nullopt when malformed.
std::optional<int64_t> day_number(const std::string& date) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (date.size() < 10 || std::sscanf(date.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd).time_since_epoch().count();
}

}  // namespace

Result<std::vector<ChannelSummary>> channel_summaries(Workspace& ws, git::Repository& repo, const std::string& today) {
  LTS_ASSIGN_OR_RETURN(auto channels, list_channels(ws, repo));
  LTS_ASSIGN_OR_RETURN(auto heads, channel_heads(ws.db()));
  std::filesystem::path root = publish::publish_root(ws, std::nullopt);
  std::vector<ChannelSummary> out;
  for (const auto& ch : channels) {
    ChannelSummary s;
    s.name = ch.config.name;
    s.branch = ch.config.branch;
    s.status = channel_status_name(ch.status);
    s.support_until = ch.config.support_until;
    if (s.support_until) {
      auto until = day_number(*s.support_until), now = day_number(today);
      if (until && now) s.days_left = *until - *now;
    }
    s.head = ch.branch_head;
    for (const auto& h : heads)
      if (h.channel == s.name && h.snapshot && s.head && h.snapshot->commit == *s.head) s.head_tracked = true;

    LTS_ASSIGN_OR_RETURN(auto gens, publish::list_generations(root, s.name));
    s.generations_kept = gens.size();
    for (const auto& g : gens)
      if (g.current) {
        s.generation = g.number;
        s.generation_commit = g.commit;
        s.generation_created_at = g.created_at;
        s.head_published = s.head && *s.head == g.commit;
      }

    LTS_ASSIGN_OR_RETURN(auto rows, advisories::list_triage(ws.db(), {s.name, std::nullopt, std::nullopt}));
    std::map<std::string, bool> fixed_or_open;  // advisory -> has an open row
    for (const auto& r : rows) {
      std::string state = advisories::triage_state_name(r.state);
      ++s.advisories_by_state[state];
      bool open =
          r.state == advisories::TriageState::kAffected || r.state == advisories::TriageState::kUnderInvestigation;
      if (!open) continue;
      std::string severity = r.severity.empty() ? "unknown" : r.severity;
      ++s.open_by_severity[severity];
      s.open.push_back({r.advisory, r.pname, state, severity, r.summary});
      if (r.state == advisories::TriageState::kAffected) fixed_or_open[r.advisory] = true;
    }

    // Backports: the last attempt per advisory says what waits.
    LTS_ASSIGN_OR_RETURN(auto attempts, backport::list_backports(ws.db(), s.name));
    std::map<std::string, const backport::Attempt*> last;
    for (const auto& a : attempts) {
      if (a.outcome == backport::PickOutcome::kApplied) ++s.backports_applied;
      if (a.outcome != backport::PickOutcome::kDryRun) last[a.advisory] = &a;
    }
    for (const auto& [advisory, open] : fixed_or_open) {
      auto it = last.find(advisory);
      PendingBackport p;
      p.advisory = advisory;
      p.action = "ltskit backport apply " + advisory + " --channel " + s.name;
      if (it == last.end()) {
        p.why = "no fix applied yet";
      } else {
        const auto& a = *it->second;
        if (a.outcome == backport::PickOutcome::kApplied || a.outcome == backport::PickOutcome::kNoOp) continue;
        p.why = std::string(backport::pick_outcome_name(a.outcome)) + ": " + a.detail;
      }
      s.pending.push_back(std::move(p));
    }

    LTS_ASSIGN_OR_RETURN(s.abi, publish::last_abi_verdicts(ws.db(), s.name));
    out.push_back(std::move(s));
  }
  return out;
}

nlohmann::json summary_json(const pipeline::ChannelSummary& s) {
  auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  nlohmann::json open = nlohmann::json::array();
  for (const auto& a : s.open)
    open.push_back({{"advisory", a.advisory},
                    {"pname", a.pname},
                    {"state", a.state},
                    {"severity", a.severity},
                    {"summary", a.summary}});
  nlohmann::json pending = nlohmann::json::array();
  for (const auto& p : s.pending) pending.push_back({{"advisory", p.advisory}, {"why", p.why}, {"action", p.action}});
  nlohmann::json abi = nlohmann::json::array();
  for (const auto& v : s.abi)
    abi.push_back({{"attr", v.attr},
                   {"soname", v.soname},
                   {"verdict", v.verdict},
                   {"blocked", v.blocked},
                   {"generation", opt(v.generation)},
                   {"commit", v.commit}});
  return {{"channel", s.name},
          {"branch", s.branch},
          {"status", s.status},
          {"support_until", opt(s.support_until)},
          {"days_left", opt(s.days_left)},
          {"head", opt(s.head)},
          {"head_tracked", s.head_tracked},
          {"generation", opt(s.generation)},
          {"generation_commit", opt(s.generation_commit)},
          {"generation_created_at", opt(s.generation_created_at)},
          {"generations_kept", s.generations_kept},
          {"head_published", s.head_published},
          {"advisories_by_state", s.advisories_by_state},
          {"open_by_severity", s.open_by_severity},
          {"open", open},
          {"backports_applied", s.backports_applied},
          {"pending_backports", pending},
          {"abi", abi}};
}

nlohmann::json verdict_json(const publish::StoredVerdict& v) {
  return {{"attr", v.attr},
          {"soname", v.soname},
          {"verdict", v.verdict},
          {"blocked", v.blocked},
          {"blocking", v.blocking},
          {"rule", v.rule},
          {"notes", v.notes},
          {"commit", v.commit},
          {"generation", v.generation ? nlohmann::json(*v.generation) : nlohmann::json()},
          {"checked_at", v.checked_at}};
}

}  // namespace ltskit::pipeline
