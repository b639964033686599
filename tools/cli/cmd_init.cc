// ltskit init --repo PATH [--publish-root DIR] [--upstream BRANCH]
#include <iostream>

#include "tools/cli/command.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"

namespace ltskit::cli {

void define_init(CLI::App& app, CommandContext& ctx) {
  struct Opts {
    std::string repo;
    std::string publish_root;
    std::string upstream = "main";
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("init", "Create a workspace for a package-set repository");
  cmd->add_option("--repo", o->repo, "The package-set git repository")->required();
  cmd->add_option("--publish-root", o->publish_root, "Where channels are published (default /lts)");
  cmd->add_option("--upstream", o->upstream, "The upstream branch channels are cut from (default main)");
  attach_help(*cmd, "init");
  cmd->callback([&ctx, o]() {
    ctx.action = [&ctx, o]() -> Status {
      // Check the repository before writing anything.
      auto repo = git::Repository::open(o->repo);
      if (!repo.ok()) return std::move(repo).error().add_context("while checking --repo");
      auto up = repo->branch_target(o->upstream);
      if (!up.ok()) return up.error();
      if (!*up)
        return not_found("the repository '" + o->repo + "' has no branch '" + o->upstream +
                         "' (choose one with --upstream)");
      Workspace::InitOptions opt;
      opt.repo = o->repo;
      opt.publish_root = o->publish_root;
      opt.upstream = o->upstream;
      LTS_ASSIGN_OR_RETURN(Workspace ws, Workspace::init(ctx.global.workspace, opt, workspace_schemas()));
      std::cout << "Initialized workspace " << ws.config().root.string() << "\n"
                << "  repo          " << ws.config().repo.string() << "\n"
                << "  upstream      " << ws.config().upstream << "\n"
                << "  publish root  " << ws.config().publish_root.string() << "\n";
      return ok_status();
    };
  });
}

}  // namespace ltskit::cli
