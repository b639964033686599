// ltskit build|publish|generations|rollback|verify|abi
#include <cmath>
#include <iostream>

#include "tools/advisories/triage.h"
#include "tools/cli/command.h"
#include "tools/cli/output.h"
#include "tools/core/events.h"
#include "tools/core/workspace.h"
#include "tools/pipeline/status.h"
#include "tools/publish/publish.h"
#include "tools/track/channels.h"

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

nlohmann::json gate_json(const publish::GateResult& g) {
  nlohmann::json libs = nlohmann::json::array();
  for (const auto& l : g.libraries)
    libs.push_back({{"attr", l.attr},
                    {"soname", l.soname},
                    {"verdict", l.verdict_text()},
                    {"blocked", l.blocked()},
                    {"blocking", l.blocking},
                    {"rule", l.rule},
                    {"old", l.old_file},
                    {"new", l.new_file},
                    {"notes", l.notes}});
  return {{"against", g.against ? nlohmann::json(*g.against) : nlohmann::json()},
          {"blocked", g.blocked()},
          {"libraries", libs}};
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
                           {"message", a.message},
                           {"changed", a.changed ? nlohmann::json(*a.changed) : nlohmann::json()}});
          print_json({{"channel", r.channel},
                      {"commit", r.commit},
                      {"generation", r.generation ? nlohmann::json(*r.generation) : nlohmann::json()},
                      {"attrs", arr}});
        } else {
          std::string since = r.generation ? "SINCE GEN " + std::to_string(*r.generation) : "SINCE";
          std::vector<std::vector<std::string>> rows = {{"ATTR", "STATE", since, "OUT"}};
          for (const auto& a : r.attrs)
            rows.push_back({a.attr, publish::built_state_name(a.state),
                            !a.changed   ? "-"
                            : *a.changed ? "changed"
                                         : "unchanged",
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
        LTS_ASSIGN_OR_RETURN(publish::PublishResult r, publish::publish_channel(ws, repo, po, progress));
        std::filesystem::path link = publish::publish_root(ws, po.root) / o->channel;
        Outcome outcome("publish " + o->channel);
        for (const auto& l : r.gate.libraries) {
          if (!l.blocked()) continue;
          std::string why;
          for (const auto& b : l.blocking) why += (why.empty() ? "" : "\n  ") + b;
          outcome.block(l.soname + " (package " + l.attr + ")", why + "\n  held back by: " + l.rule,
                        "fix the package, or allow the change or suppress it with a reason in the policy; "
                        "'ltskit abi " +
                            o->channel + "' shows every verdict");
        }
        if (o->json) {
          nlohmann::json j = r.generation ? generation_json(*r.generation) : nlohmann::json::object();
          j["channel"] = o->channel;
          j["link"] = link.string();
          j["published"] = r.generation.has_value() && !r.unchanged;
          j["unchanged"] = r.unchanged;
          j["abi"] = gate_json(r.gate);
          nlohmann::json t = nlohmann::json::object();
          for (const auto& [phase, ms] : r.timings_ms) t[phase] = std::round(ms * 10) / 10;
          j["timings_ms"] = t;
          print_json(j);
        } else if (!r.generation) {
          std::cout << o->channel << ": not published; the ABI gate held it back\n";
        } else {
          std::cout << link.string() << " -> generation " << r.generation->number << " ("
                    << short_id(r.generation->commit) << ")" << (r.unchanged ? ", unchanged" : "") << "\n";
          size_t checked = 0, breaks = 0;
          for (const auto& l : r.gate.libraries) {
            checked += l.checked && !l.unchanged ? 1 : 0;
            breaks += l.verdict == abi::Verdict::kIncompatible ? 1 : 0;
          }
          if (!r.gate.libraries.empty())
            std::cout << "ABI: " << r.gate.libraries.size() << " librar" << (r.gate.libraries.size() == 1 ? "y" : "ies")
                      << (!r.gate.against ? std::string(" recorded as the baseline")
                                          : ", " + std::to_string(checked) + " compared with generation " +
                                                std::to_string(*r.gate.against))
                      << (breaks ? ", " + std::to_string(breaks) + " incompatible (allowed by policy)" : "") << "\n";
        }
        ctx.report(outcome);
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
  {
    struct Opts {
      std::string channel;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand("abi", "Show the ABI gate's last verdict for every library of a channel");
    cmd->add_option("channel", o->channel, "Channel")->required();
    cmd->add_flag("--json", o->json, "JSON output");
    attach_help(*cmd, "abi");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_RETURN_IF_ERROR(validate_channel_name(o->channel));
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit abi"));
        LTS_RETURN_IF_ERROR(require_registered_channel(ws.db(), o->channel));
        LTS_ASSIGN_OR_RETURN(auto rows, publish::last_abi_verdicts(ws.db(), o->channel));
        if (o->json) {
          nlohmann::json arr = nlohmann::json::array();
          for (const auto& v : rows) {
            nlohmann::json report = nlohmann::json::parse(v.report, nullptr, false);
            nlohmann::json j = pipeline::verdict_json(v);
            j["report"] = report.is_discarded() ? nlohmann::json() : report;
            arr.push_back(std::move(j));
          }
          print_json(arr);
          return ok_status();
        }
        std::vector<std::vector<std::string>> rows_out = {{"PACKAGE", "LIBRARY", "VERDICT", "GEN", "COMMIT", "NOTE"}};
        for (const auto& v : rows)
          rows_out.push_back({v.attr, v.soname, v.blocked ? v.verdict + " (blocked)" : v.verdict,
                              v.generation ? std::to_string(*v.generation) : "held back", short_id(v.commit),
                              v.blocking.empty() ? (v.notes.empty() ? "" : v.notes.front()) : v.blocking.front()});
        std::cout << format_table(rows_out);
        return ok_status();
      };
    });
  }
}

}  // namespace ltskit::cli
