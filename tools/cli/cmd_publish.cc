// ltskit build|publish|generations|rollback|verify
#include <iostream>

#include "tools/advisories/triage.h"
#include "tools/cli/command.h"
#include "tools/cli/output.h"
#include "tools/core/events.h"
#include "tools/core/workspace.h"
#include "tools/publish/publish.h"

namespace ltskit::cli {

namespace {

nlohmann::json generation_json(const publish::Generation& g) {
  return {{"generation", g.number}, {"commit", g.commit},   {"created_at", g.created_at},
          {"digest", g.digest},     {"current", g.current}, {"path", g.path.string()}};
}

// The root a command works on: --root, else the workspace's publish_root.
Result<std::filesystem::path> root_for(CommandContext& ctx, const std::string& root, const std::string& command) {
  if (!root.empty()) return std::filesystem::absolute(root).lexically_normal();
  LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, command));
  return publish::publish_root(ws, std::nullopt);
}

}  // namespace

void define_publish(CLI::App& app, CommandContext& ctx) {
  {
    struct Opts {
      std::string channel;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand("build", "Build a channel's published packages at its head with nix-build");
    cmd->add_option("channel", o->channel, "Channel")->required();
    cmd->add_flag("--json", o->json, "JSON output");
    attach_help(*cmd, "build");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit build"));
        LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
        TerminalProgress progress(ctx.global.quiet || o->json);
        LTS_ASSIGN_OR_RETURN(publish::BuildResult r, publish::build_channel(ws, repo, o->channel, progress));
        Outcome outcome("build " + o->channel);
        for (const auto& a : r.attrs)
          if (a.state == publish::BuiltAttr::State::kFailed)
            outcome.fail(a.attr, a.message + (a.log.empty() ? "" : "; log: " + a.log.string()),
                         "fix the package, then 'ltskit build " + o->channel + "' again");
        if (o->json) {
          nlohmann::json arr = nlohmann::json::array();
          for (const auto& a : r.attrs)
            arr.push_back({{"attr", a.attr},
                           {"state", publish::built_state_name(a.state)},
                           {"outputs", a.outputs},
                           {"log", a.log.empty() ? nlohmann::json() : nlohmann::json(a.log.string())},
                           {"message", a.message}});
          print_json({{"channel", r.channel}, {"commit", r.commit}, {"attrs", arr}});
        } else {
          std::vector<std::vector<std::string>> rows = {{"ATTR", "STATE", "OUT"}};
          for (const auto& a : r.attrs)
            rows.push_back({a.attr, publish::built_state_name(a.state),
                            a.outputs.count("out") ? a.outputs.at("out") : std::string()});
          std::cout << format_table(rows);
        }
        ctx.report(outcome);
        return ok_status();
      };
    });
  }
  {
    struct Opts {
      std::string channel, root, force;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand("publish", "Publish the channel's built head as a new generation");
    cmd->add_option("channel", o->channel, "Channel")->required();
    cmd->add_option("--root", o->root, "Publish root (default: publish_root of ltskit.toml, /lts)");
    cmd->add_option("--force", o->force, "Publish a commit that does not descend from the current generation's");
    cmd->add_flag("--json", o->json, "JSON output");
    attach_help(*cmd, "publish");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit publish"));
        LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
        TerminalProgress progress(ctx.global.quiet || o->json);
        publish::PublishOptions po;
        po.channel = o->channel;
        if (!o->root.empty()) po.root = o->root;
        if (!o->force.empty()) po.force_reason = o->force;
        po.by = advisories::current_user();
        LTS_ASSIGN_OR_RETURN(publish::Generation g, publish::publish_channel(ws, repo, po, progress));
        std::filesystem::path link = publish::publish_root(ws, po.root) / o->channel;
        if (o->json) {
          nlohmann::json j = generation_json(g);
          j["channel"] = o->channel;
          j["link"] = link.string();
          print_json(j);
        } else {
          std::cout << link.string() << " -> generation " << g.number << " (" << short_id(g.commit) << ")\n";
        }
        return ok_status();
      };
    });
  }
  {
    struct Opts {
      std::string channel, root;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand("generations", "List a channel's published generations");
    cmd->add_option("channel", o->channel, "Channel")->required();
    cmd->add_option("--root", o->root, "Publish root");
    cmd->add_flag("--json", o->json, "JSON output");
    attach_help(*cmd, "generations");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(auto root, root_for(ctx, o->root, "ltskit generations"));
        LTS_ASSIGN_OR_RETURN(auto gens, publish::list_generations(root, o->channel));
        if (o->json) {
          nlohmann::json arr = nlohmann::json::array();
          for (const auto& g : gens) arr.push_back(generation_json(g));
          print_json(arr);
          return ok_status();
        }
        std::vector<std::vector<std::string>> rows = {{"GEN", "COMMIT", "CREATED", ""}};
        for (const auto& g : gens)
          rows.push_back({std::to_string(g.number), short_id(g.commit), g.created_at, g.current ? "current" : ""});
        std::cout << format_table(rows);
        return ok_status();
      };
    });
  }
  {
    struct Opts {
      std::string channel, root;
      int64_t to = 0;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand("rollback", "Point the channel back at an earlier generation");
    cmd->add_option("channel", o->channel, "Channel")->required();
    cmd->add_option("--to", o->to, "Generation number (default: the one before the current)")
        ->check(CLI::Range(int64_t{1}, int64_t{999999999}));
    cmd->add_option("--root", o->root, "Publish root");
    cmd->add_flag("--json", o->json, "JSON output");
    attach_help(*cmd, "rollback");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        // The lock keeps a rollback and a publish apart.
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit rollback"));
        std::filesystem::path root =
            o->root.empty() ? publish::publish_root(ws, std::nullopt) : std::filesystem::absolute(o->root);
        LTS_ASSIGN_OR_RETURN(publish::Generation g,
                             publish::rollback(root, o->channel, o->to ? std::optional<int64_t>(o->to) : std::nullopt));
        LTS_RETURN_IF_ERROR(record_event(ws.db(), ws.command(), "rollback", o->channel + " " + std::to_string(g.number),
                                         "rolled back to " + short_id(g.commit)));
        if (o->json) print_json(generation_json(g));
        else
          std::cout << (root / o->channel).string() << " -> generation " << g.number << " (" << short_id(g.commit)
                    << ")\n";
        return ok_status();
      };
    });
  }
  {
    struct Opts {
      std::string channel, root;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand("verify", "Check the channel's current generation");
    cmd->add_option("channel", o->channel, "Channel")->required();
    cmd->add_option("--root", o->root, "Publish root");
    cmd->add_flag("--json", o->json, "JSON output");
    attach_help(*cmd, "verify");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(auto root, root_for(ctx, o->root, "ltskit verify"));
        LTS_ASSIGN_OR_RETURN(auto problems, publish::verify_channel(root, o->channel));
        Outcome outcome("verify " + o->channel);
        for (const auto& p : problems) outcome.fail(o->channel, p);
        if (o->json) print_json({{"channel", o->channel}, {"ok", problems.empty()}, {"problems", problems}});
        else if (problems.empty()) std::cout << (root / o->channel).string() << ": ok\n";
        ctx.report(outcome);
        return ok_status();
      };
    });
  }
}

}  // namespace ltskit::cli
