// The command table of `ltskit`: each command group lives in one cmd_*.cc
// file with its help text in help/NAME.md, and registers itself in
// commands.cc. Commands parse and print; the work happens in the libraries.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "tools/core/error.h"

namespace ltskit::cli {

struct GlobalOptions {
  std::string workspace = ".";
  bool quiet = false;
};

// Set by the subcommand that was chosen; run after parsing succeeded.
using Action = std::function<Status()>;

struct CommandContext {
  GlobalOptions global;
  Action action;
  std::string command_line;  // "ltskit track" for locks and events
};

struct CommandGroup {
  const char* name;
  void (*define)(CLI::App& app, CommandContext& ctx);
};

const std::vector<CommandGroup>& command_groups();

}  // namespace ltskit::cli

namespace ltskit {
class Workspace;
class Progress;
namespace git {
class Repository;
}
}  // namespace ltskit

namespace ltskit::cli {

// Re-evaluates triage (after `track` or `advisories sync`); prints a summary
// line when `print` and anything changed.
Status rematch_and_report(Workspace& ws, git::Repository& repo, Progress& progress, bool print);

// The Markdown help text of `name` (help/NAME.md), or "".
std::string help_text(const std::string& name);

// Adds help/NAME.md as the footer of `app`'s --help.
void attach_help(CLI::App& app, const std::string& name);

void define_init(CLI::App& app, CommandContext& ctx);
void define_channel(CLI::App& app, CommandContext& ctx);
void define_track(CLI::App& app, CommandContext& ctx);
void define_versions(CLI::App& app, CommandContext& ctx);
void define_vercmp(CLI::App& app, CommandContext& ctx);
void define_advisories(CLI::App& app, CommandContext& ctx);
void define_triage(CLI::App& app, CommandContext& ctx);
void define_vex(CLI::App& app, CommandContext& ctx);

}  // namespace ltskit::cli
