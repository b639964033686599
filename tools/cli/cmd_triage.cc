// ltskit triage [CHANNEL] [--state S] [--json]; ltskit triage set …
#include <iostream>

#include "tools/advisories/store.h"
#include "tools/advisories/triage.h"
#include "tools/cli/command.h"
#include "tools/cli/output.h"
#include "tools/core/workspace.h"
#include "tools/track/channels.h"

namespace ltskit::cli {

using namespace ltskit::advisories;

namespace {

nlohmann::json opt(const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(); }
nlohmann::json opt(const std::optional<TriageState>& s) {
  return s ? nlohmann::json(triage_state_name(*s)) : nlohmann::json();
}
nlohmann::json opt(const std::optional<VexJustification>& j) {
  return j ? nlohmann::json(vex_justification_name(*j)) : nlohmann::json();
}

// "not_affected (vulnerable_code_not_present)"
std::string state_text(std::optional<TriageState> state, std::optional<VexJustification> j, const char* none) {
  return (state ? triage_state_name(*state) : none) + (j ? " (" + std::string(vex_justification_name(*j)) + ")" : "");
}

nlohmann::json row_json(const TriageRow& r) {
  return {{"channel", r.channel},
          {"advisory", r.advisory},
          {"aliases", r.aliases},
          {"pname", r.pname},
          {"attr", r.attr},
          {"version", r.version},
          {"state", triage_state_name(r.state)},
          {"justification", opt(r.justification)},
          {"severity", r.severity},
          {"score", r.score >= 0 ? nlohmann::json(r.score) : nlohmann::json()},
          {"auto_state", triage_state_name(r.auto_state)},
          {"auto_reason", r.auto_reason},
          {"match_reason", r.match_reason},
          {"human", r.human},
          {"decided_by", opt(r.decided_by)},
          {"decided_at", opt(r.decided_at)},
          {"decision_reason", opt(r.decision_reason)},
          {"summary", r.summary}};
}

}  // namespace

void define_triage(CLI::App& app, CommandContext& ctx) {
  struct ListOpts {
    std::string channel, state;
    bool json = false;
  };
  auto lo = std::make_shared<ListOpts>();
  CLI::App* cmd = app.add_subcommand("triage", "List triage states, or record a decision with 'triage set'");
  cmd->add_option("channel", lo->channel, "Only this channel");
  cmd->add_option("--state", lo->state, "Only this state (under_investigation, affected, not_affected, fixed)");
  cmd->add_flag("--json", lo->json, "JSON output");
  attach_help(*cmd, "triage");
  cmd->callback([&ctx, lo, cmd]() {
    if (cmd->get_subcommands().size() > 0) return;  // `triage set` runs instead
    ctx.action = [&ctx, lo]() -> Status {
      std::optional<TriageState> state;
      if (!lo->state.empty() && !(state = parse_triage_state(lo->state)))
        return usage_error("--state must be one of " + triage_state_names());
      LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit triage"));
      TriageFilter f;
      if (!lo->channel.empty()) {
        LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
        LTS_RETURN_IF_ERROR(require_tracked_head(ws.db(), repo, lo->channel));
        f.channel = lo->channel;
      }
      f.state = state;
      LTS_ASSIGN_OR_RETURN(auto rows, list_triage(ws.db(), f));
      LTS_ASSIGN_OR_RETURN(auto stale, triage_staleness(ws.db()));
      if (stale)
        std::cerr << "ltskit: warning: triage is out of date (" << *stale << "); run 'ltskit triage refresh'\n";
      if (lo->json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& r : rows) arr.push_back(row_json(r));
        print_json(arr);
        return ok_status();
      }
      if (rows.empty()) {
        std::cout << "No triage entries.\n";
        return ok_status();
      }
      std::vector<std::vector<std::string>> t = {
          {"CHANNEL", "ADVISORY", "PACKAGE", "ATTR", "VERSION", "SEVERITY", "STATE", "WHY"}};
      for (const auto& r : rows) {
        std::string state = state_text(r.state, r.justification, "") + (r.human ? " [human]" : "");
        std::string why = r.human ? r.decided_by.value_or("?") + ": " + r.decision_reason.value_or("") : r.auto_reason;
        t.push_back({r.channel, r.advisory, r.pname, r.attr, r.version, r.severity, state, why});
      }
      std::cout << format_table(t);
      return ok_status();
    };
  });

  {
    auto json = std::make_shared<bool>(false);
    CLI::App* refresh = cmd->add_subcommand("refresh", "Re-evaluate every channel against every advisory now");
    refresh->add_flag("--json", *json, "JSON output");
    refresh->callback([&ctx, json]() {
      ctx.action = [&ctx, json]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit triage refresh"));
        LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
        TerminalProgress progress(ctx.global.quiet || *json);
        LTS_ASSIGN_OR_RETURN(TriageRefreshReport r, refresh_triage(ws, repo, progress));
        ctx.report(r.outcome);
        if (*json)
          print_json({{"channels", r.channels},
                      {"untracked_channels", r.untracked_channels},
                      {"added", r.added},
                      {"changed", r.changed},
                      {"removed", r.removed},
                      {"unchanged", r.unchanged}});
        else
          std::cout << "triage: " << r.added << " new, " << r.changed << " changed, " << r.removed << " removed, "
                    << r.unchanged << " unchanged across " << r.channels << " channel(s)\n";
        return ok_status();
      };
    });
  }

  {
    struct Opts {
      std::string channel, advisory, pname;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* hist = cmd->add_subcommand("history", "Every state change of one channel x advisory x package");
    hist->add_option("channel", o->channel, "Channel")->required();
    hist->add_option("advisory", o->advisory, "Advisory id or alias")->required();
    hist->add_option("pname", o->pname, "Package name")->required();
    hist->add_flag("--json", o->json, "JSON output");
    hist->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit triage history"));
        LTS_ASSIGN_OR_RETURN(auto adv, advisories::get_advisory(ws.db(), o->advisory));
        LTS_ASSIGN_OR_RETURN(auto entries, triage_history(ws.db(), o->channel, adv.summary.id, o->pname));
        if (entries.empty())
          return not_found("no triage history for " + o->channel + " " + adv.summary.id + " " + o->pname);
        if (o->json) {
          nlohmann::json arr = nlohmann::json::array();
          for (const auto& e : entries)
            arr.push_back({{"at", e.at},
                           {"by", e.by},
                           {"old_state", opt(e.old_state)},
                           {"new_state", opt(e.new_state)},
                           {"justification", opt(e.justification)},
                           {"reason", e.reason}});
          print_json(arr);
          return ok_status();
        }
        std::vector<std::vector<std::string>> rows = {{"WHEN", "WHO", "CHANGE", "WHY"}};
        for (const auto& e : entries)
          rows.push_back({e.at, e.by,
                          state_text(e.old_state, std::nullopt, "(none)") + " -> " +
                              state_text(e.new_state, e.justification, "(removed)"),
                          e.reason});
        std::cout << format_table(rows);
        return ok_status();
      };
    });
  }

  struct SetOpts {
    std::string channel, advisory, pname, state, reason, justification;
    bool json = false;
  };
  auto so = std::make_shared<SetOpts>();
  CLI::App* set = cmd->add_subcommand("set", "Record a human decision (kept across re-syncs and re-evaluation)");
  set->add_option("channel", so->channel, "Channel")->required();
  set->add_option("advisory", so->advisory, "Advisory id or alias")->required();
  set->add_option("package", so->pname, "Attribute, or package name (then every attribute with it)")->required();
  set->add_option("state", so->state, "under_investigation | affected | not_affected | fixed")->required();
  set->add_option("--reason", so->reason, "Why (recorded with who and when)")->required();
  set->add_option("--justification", so->justification, "OpenVEX justification (not_affected only)");
  set->add_flag("--json", so->json, "Print the resulting entries (one per attribute) as a JSON array");
  set->callback([&ctx, so]() {
    ctx.action = [&ctx, so]() -> Status {
      TriageDecision d;
      d.channel = so->channel;
      d.advisory = so->advisory;
      d.pname = so->pname;
      auto state = parse_triage_state(so->state);
      if (!state) return usage_error("state '" + so->state + "' must be one of " + triage_state_names());
      d.state = *state;
      d.reason = so->reason;
      if (!so->justification.empty()) {
        d.justification = parse_vex_justification(so->justification);
        if (!d.justification)
          return usage_error("'" + so->justification + "' is not an OpenVEX justification (" +
                             vex_justification_names() + ")");
      }
      d.who = current_user();
      LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit triage set"));
      LTS_ASSIGN_OR_RETURN(auto rows, set_triage(ws, d));
      if (so->json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& r : rows) arr.push_back(row_json(r));
        print_json(arr);
      } else {
        for (const auto& r : rows)
          std::cout << r.channel << " " << r.advisory << " " << r.attr << " (" << r.pname << " " << r.version
                    << "): " << triage_state_name(r.state) << " (by " << d.who << ")\n";
      }
      return ok_status();
    };
  });
}

}  // namespace ltskit::cli
