// ltskit: the command line. One handler at the top prints `ltskit: error: …`
// and maps error kinds and outcomes to exit codes (docs/exit-codes.md):
//   0 success (done, or done with warnings), 1 failure, 2 usage error,
//   3 done as far as possible; items need a human (or a gate blocked them).
#include <cstdio>
#include <exception>
#include <iostream>

#include "tools/cli/command.h"
#include "tools/core/build_info.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNeedsHuman = 3;

int exit_code_for(ltskit::ErrorKind kind) { return kind == ltskit::ErrorKind::kUsage ? kExitUsage : kExitFailure; }

// Prints every item of a command's outcome on stderr and returns its exit status.
int finish(const ltskit::Outcome& outcome) {
  using ltskit::OutcomeKind;
  for (const auto& item : outcome.items()) {
    const char* label = item.kind == OutcomeKind::kFailed       ? "error"
                        : item.kind == OutcomeKind::kBlocked    ? "blocked"
                        : item.kind == OutcomeKind::kNeedsHuman ? "needs a human"
                                                                : "warning";
    std::string text = item.subject.empty() ? item.message : item.subject + ": " + item.message;
    std::fprintf(stderr, "ltskit: %s: %s\n", label, text.c_str());
    if (!item.action.empty()) std::fprintf(stderr, "    (next: %s)\n", item.action.c_str());
  }
  switch (outcome.kind()) {
    case OutcomeKind::kDone:
    case OutcomeKind::kDoneWithWarnings: return 0;
    case OutcomeKind::kNeedsHuman:
    case OutcomeKind::kBlocked: return kExitNeedsHuman;
    case OutcomeKind::kFailed:
      std::fprintf(stderr, "ltskit: error: %s\n", outcome.summary().c_str());
      return kExitFailure;
  }
  return kExitFailure;
}

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
  app.set_version_flag("--version", std::string("ltskit ") + ltskit::ltskit_version());
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
    std::string what = e.what();
    // `ltskit nope`: name the word, not "A subcommand is required".
    if (app.get_subcommands().empty() && argc > 1) {
      for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-C" || a == "--workspace") {
          ++i;
          continue;
        }
        if (a.starts_with("-")) continue;
        what = "unknown command '" + a + "'";
        break;
      }
    }
    std::fprintf(stderr, "ltskit: error: %s\nRun 'ltskit --help' for usage.\n", what.c_str());
    return kExitUsage;
  }
  if (!ctx.action) {
    std::fprintf(stderr, "ltskit: error: no command given\n");
    return kExitUsage;
  }
  ltskit::Status s = ltskit::ok_status();
  try {
    s = ctx.action();
  } catch (const std::exception& e) {
    // Libraries return errors as values; anything thrown is a bug.
    std::fprintf(stderr, "ltskit: error: internal error: %s\n", e.what());
    return kExitFailure;
  }
  std::cout.flush();
  if (!s.ok()) {
    std::fprintf(stderr, "ltskit: error: %s\n", s.error().describe().c_str());
    return exit_code_for(s.error().kind());
  }
  return ctx.outcome ? finish(*ctx.outcome) : 0;
}
