// ltskit status
#include <iostream>

#include "tools/cli/command.h"
#include "tools/cli/output.h"
#include "tools/core/fs.h"
#include "tools/pipeline/status.h"

namespace ltskit::cli {

void define_status(CLI::App& app, CommandContext& ctx) {
  struct Opts {
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("status", "Every channel at a glance: generation, advisories, backports, ABI");
  cmd->add_flag("--json", o->json, "JSON output");
  attach_help(*cmd, "status");
  cmd->callback([&ctx, o]() {
    ctx.action = [&ctx, o]() -> Status {
      LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit status"));
      LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
      LTS_ASSIGN_OR_RETURN(auto all, pipeline::channel_summaries(ws, repo, now_utc().substr(0, 10)));
      if (o->json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& s : all) arr.push_back(pipeline::summary_json(s));
        print_json(arr);
        return ok_status();
      }
      std::vector<std::vector<std::string>> rows = {
          {"CHANNEL", "STATUS", "SUPPORT UNTIL", "GEN", "COMMIT", "OPEN C/H/M/L/?", "FIXED", "WAITING", "ABI"}};
      std::vector<std::string> todo;
      for (const auto& s : all) {
        auto n = [&](const char* sev) {
          auto it = s.open_by_severity.find(sev);
          return std::to_string(it == s.open_by_severity.end() ? 0 : it->second);
        };
        size_t other = 0;
        for (const auto& [sev, count] : s.open_by_severity)
          if (sev != "critical" && sev != "high" && sev != "medium" && sev != "low") other += count;
        size_t blocked = 0, breaks = 0;
        for (const auto& v : s.abi) {
          blocked += v.blocked;
          breaks += v.verdict == "incompatible";
        }
        std::string abi = s.abi.empty() ? "-"
                          : blocked     ? std::to_string(blocked) + " blocked"
                                        : std::to_string(s.abi.size()) + " libs" +
                                          (breaks ? ", " + std::to_string(breaks) + " allowed breaks" : "");
        auto fixed = s.advisories_by_state.find("fixed");
        rows.push_back(
            {s.name, s.status,
             s.support_until
                 ? *s.support_until + (s.days_left ? " (" + std::to_string(*s.days_left) + " d)" : std::string())
                 : "-",
             s.generation ? std::to_string(*s.generation) : "-",
             s.generation_commit ? short_id(*s.generation_commit) : "-",
             n("critical") + "/" + n("high") + "/" + n("medium") + "/" + n("low") + "/" + std::to_string(other),
             std::to_string(fixed == s.advisories_by_state.end() ? 0 : fixed->second), std::to_string(s.pending.size()),
             abi});
        if (!s.head) todo.push_back(s.name + ": branch " + s.branch + " is gone");
        else if (!s.head_tracked) todo.push_back(s.name + ": head not tracked yet (ltskit track " + s.name + ")");
        else if (!s.head_published && s.status == "active")
          todo.push_back(s.name + ": head " + short_id(*s.head) + " not published (ltskit build " + s.name +
                         " && ltskit publish " + s.name + ")");
        for (const auto& p : s.pending)
          todo.push_back(s.name + ": " + p.advisory + ": " + p.why + " (" + p.action + ")");
        if (blocked) todo.push_back(s.name + ": the ABI gate held back the last publish (ltskit abi " + s.name + ")");
      }
      std::cout << format_table(rows);
      if (!todo.empty()) {
        std::cout << "\nwaiting:\n";
        for (const auto& t : todo) std::cout << "  " << t << "\n";
      }
      return ok_status();
    };
  });
}

}  // namespace ltskit::cli
