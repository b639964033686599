// ltskit channel create|list|show|eol
#include <iostream>

#include "tools/cli/command.h"
#include "tools/cli/output.h"
#include "tools/core/workspace.h"
#include "tools/track/channels.h"

namespace ltskit::cli {
namespace {

nlohmann::json to_json(const ChannelState& c) {
  nlohmann::json j;
  j["name"] = c.config.name;
  j["branch"] = c.config.branch;
  j["upstream"] = c.config.upstream;
  j["cut"] = c.config.cut;
  j["cut_commit"] = c.cut_commit;
  j["support_until"] = c.config.support_until ? nlohmann::json(*c.config.support_until) : nlohmann::json();
  j["policy"] = c.config.policy;
  j["publish"] = c.config.publish;
  j["status"] = channel_status_name(c.status);
  j["eol_at"] = c.eol_at ? nlohmann::json(*c.eol_at) : nlohmann::json();
  j["branch_head"] = c.branch_head ? nlohmann::json(*c.branch_head) : nlohmann::json();
  j["file"] = c.config.file.string();
  return j;
}

void print_channel(const ChannelState& c) {
  std::cout << "channel " << c.config.name << (c.status == ChannelStatus::kEol ? "  (end of life)" : "") << "\n";
  std::cout << format_table({
      {"  branch", c.config.branch},
      {"  upstream", c.config.upstream},
      {"  cut",
       c.config.cut == c.cut_commit ? short_id(c.cut_commit) : c.config.cut + " (" + short_id(c.cut_commit) + ")"},
      {"  head", c.branch_head ? short_id(*c.branch_head) : "(branch missing)"},
      {"  support until", c.config.support_until.value_or("-")},
      {"  policy", c.config.policy},
      {"  publish",
       [&] {
         std::string s;
         for (size_t i = 0; i < c.config.publish.size(); ++i) s += (i ? ", " : "") + c.config.publish[i];
         return s.empty() ? std::string("-") : s;
       }()},
      {"  status", std::string(channel_status_name(c.status)) + (c.eol_at ? " since " + *c.eol_at : "")},
  });
}

template <typename F>
Status with_repo(CommandContext& ctx, Access access, const std::string& cmd, F f) {
  LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, access, cmd));
  LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
  return f(ws, repo);
}

// `channel SUB NAME [--json]`: `run` acts on the named channel; the result is
// printed as JSON or by `print_text`.
void add_channel_command(CLI::App& group, CommandContext& ctx, const std::string& sub, const std::string& help,
                         Access access, Result<ChannelState> (*run)(Workspace&, git::Repository&, const std::string&),
                         std::function<void(const ChannelState&)> print_text) {
  struct Opts {
    std::string name;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = group.add_subcommand(sub, help);
  cmd->add_option("name", o->name, "Channel name")->required();
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->callback([&ctx, o, sub, access, run, print_text]() {
    ctx.action = [&ctx, o, sub, access, run, print_text]() -> Status {
      return with_repo(ctx, access, "ltskit channel " + sub, [&](Workspace& ws, git::Repository& repo) -> Status {
        LTS_ASSIGN_OR_RETURN(ChannelState c, run(ws, repo, o->name));
        if (o->json) print_json(to_json(c));
        else print_text(c);
        return ok_status();
      });
    };
  });
}

}  // namespace

void define_channel(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = app.add_subcommand("channel", "Create, list, show and end channels");
  group->require_subcommand(1);
  attach_help(*group, "channel");

  {
    struct Opts {
      std::string name, branch, from, upstream, support_until, policy = "lts-strict";
      std::vector<std::string> publish;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = group->add_subcommand("create", "Cut a long-lived branch from an upstream commit");
    cmd->add_option("name", o->name, "Channel name, e.g. 1.0")->required();
    cmd->add_option("--branch", o->branch, "The channel's branch, e.g. lts/1.0")->required();
    cmd->add_option("--from", o->from, "Cut point: a commit, branch, tag or date YYYY-MM-DD")->required();
    cmd->add_option("--upstream", o->upstream, "Upstream branch (default: the workspace's)");
    cmd->add_option("--support-until", o->support_until, "End of support, YYYY-MM-DD");
    cmd->add_option("--policy", o->policy, "Policy name in policies/ (default lts-strict)");
    cmd->add_option("--publish", o->publish, "Attributes exposed under the publish root")->delimiter(',');
    cmd->add_flag("--json", o->json, "Print the new channel as JSON");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        return with_repo(ctx, Access::kWrite, "ltskit channel create",
                         [&](Workspace& ws, git::Repository& repo) -> Status {
                           CreateChannelOptions opt;
                           opt.name = o->name;
                           opt.branch = o->branch;
                           opt.from = o->from;
                           if (!o->upstream.empty()) opt.upstream = o->upstream;
                           if (!o->support_until.empty()) opt.support_until = o->support_until;
                           opt.policy = o->policy;
                           opt.publish = o->publish;
                           LTS_ASSIGN_OR_RETURN(ChannelState c, create_channel(ws, repo, opt));
                           if (o->json) {
                             print_json(to_json(c));
                           } else {
                             std::cout << "Created channel " << c.config.name << " on branch " << c.config.branch
                                       << " at " << short_id(c.cut_commit) << " (" << c.config.file.string() << ")\n";
                           }
                           return ok_status();
                         });
      };
    });
  }
  {
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = group->add_subcommand("list", "List channels");
    cmd->add_flag("--json", *json, "JSON output");
    cmd->callback([&ctx, json]() {
      ctx.action = [&ctx, json]() -> Status {
        return with_repo(ctx, Access::kRead, "ltskit channel list",
                         [&](Workspace& ws, git::Repository& repo) -> Status {
                           LTS_ASSIGN_OR_RETURN(auto channels, list_channels(ws, repo));
                           if (*json) {
                             nlohmann::json arr = nlohmann::json::array();
                             for (const auto& c : channels) arr.push_back(to_json(c));
                             print_json(arr);
                             return ok_status();
                           }
                           if (channels.empty()) {
                             std::cout << "No channels yet (create one with 'ltskit channel create').\n";
                             return ok_status();
                           }
                           std::vector<std::vector<std::string>> rows = {
                               {"NAME", "BRANCH", "UPSTREAM", "CUT", "HEAD", "SUPPORT UNTIL", "STATUS"}};
                           for (const auto& c : channels)
                             rows.push_back({c.config.name, c.config.branch, c.config.upstream, short_id(c.cut_commit),
                                             c.branch_head ? short_id(*c.branch_head) : "(missing)",
                                             c.config.support_until.value_or("-"), channel_status_name(c.status)});
                           std::cout << format_table(rows);
                           return ok_status();
                         });
      };
    });
  }
  add_channel_command(*group, ctx, "show", "Show one channel", Access::kRead, get_channel, print_channel);
  add_channel_command(*group, ctx, "eol", "Mark a channel end-of-life: no more backports or publishing", Access::kWrite,
                      eol_channel, [](const ChannelState& c) {
                        std::cout << "Channel " << c.config.name
                                  << " is now end-of-life; it refuses further backports and publishing.\n";
                      });
}

}  // namespace ltskit::cli
