// ltskit: the command line. One handler at the top prints `ltskit: error: …`
// and maps error kinds to exit codes (docs/exit-codes.md):
//   0 success, 1 failure, 2 usage error.
#include <cstdio>
#include <exception>
#include <iostream>

#include "tools/cli/command.h"

namespace {

int exit_code_for(ltskit::ErrorKind kind) { return kind == ltskit::ErrorKind::kUsage ? 2 : 1; }

}  // namespace

int main(int argc, char** argv) {
  using namespace ltskit::cli;
  CLI::App app{"ltskit: run long-term-support channels of a Nix package set"};
  app.set_help_all_flag("--help-all", "Show help for every command");
  app.require_subcommand(1);
  app.fallthrough();
  CommandContext ctx;
  app.add_option("-C,--workspace", ctx.global.workspace, "Workspace folder (default: the current folder), like git -C");
  app.add_flag("-q,--quiet", ctx.global.quiet, "No progress output");
  app.set_version_flag("--version", "ltskit 0.1.0");
  attach_help(app, "ltskit");
  for (const auto& group : command_groups()) group.define(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "ltskit: error: %s\nRun 'ltskit --help' for usage.\n", e.what());
    return 2;
  }
  if (!ctx.action) {
    std::fprintf(stderr, "ltskit: error: no command given\n");
    return 2;
  }
  ltskit::Status s = ltskit::ok_status();
  try {
    s = ctx.action();
  } catch (const std::exception& e) {
    // Libraries return errors as values; anything thrown is a bug.
    std::fprintf(stderr, "ltskit: error: internal error: %s\n", e.what());
    return 1;
  }
  std::cout.flush();
  if (!s.ok()) {
    std::fprintf(stderr, "ltskit: error: %s\n", s.error().describe().c_str());
    return exit_code_for(s.error().kind());
  }
  return 0;
}
