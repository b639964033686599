// ltskit vex CHANNEL [-o FILE]
#include <iostream>

#include "tools/advisories/triage.h"
#include "tools/advisories/vex.h"
#include "tools/cli/command.h"
#include "tools/core/fs.h"
#include "tools/core/workspace.h"
#include "tools/track/channels.h"

namespace ltskit::cli {

void define_vex(CLI::App& app, CommandContext& ctx) {
  struct Opts {
    std::string channel, output, author;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("vex", "Write an OpenVEX 0.2.0 document for a channel");
  cmd->add_option("channel", o->channel, "Channel")->required();
  cmd->add_option("-o,--output", o->output, "Write to FILE (atomically) instead of stdout");
  cmd->add_option("--author", o->author, "Document author (default: the current user)");
  attach_help(*cmd, "vex");
  cmd->callback([&ctx, o]() {
    ctx.action = [&ctx, o]() -> Status {
      LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit vex"));
      std::string author = o->author.empty() ? advisories::current_user() + " (via ltskit)" : o->author;
      // A VEX document is published: never about a head that is gone or
      // moved, nor from triage that lags the state.
      LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
      LTS_RETURN_IF_ERROR(require_tracked_head(ws.db(), repo, o->channel));
      LTS_ASSIGN_OR_RETURN(auto stale, advisories::triage_staleness(ws.db()));
      if (stale)
        return conflict("triage is out of date (" + *stale +
                        "); run 'ltskit triage refresh' (or 'ltskit advisories sync') before writing VEX");
      LTS_ASSIGN_OR_RETURN(nlohmann::json doc, advisories::build_vex(ws.db(), o->channel, author));
      std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
      if (o->output.empty() || o->output == "-") {
        std::cout << text;
        return ok_status();
      }
      LTS_RETURN_IF_ERROR(write_output_file(o->output, text));
      std::cerr << "Wrote " << doc["statements"].size() << " statement(s) to " << o->output << "\n";
      return ok_status();
    };
  });
}

}  // namespace ltskit::cli
