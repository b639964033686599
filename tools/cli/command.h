// The command table of `ltskit`: each command group lives in one cmd_*.cc
// file with its help text in help/NAME.md, and registers itself in
// commands.cc. Commands parse and print; the work happens in the libraries.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tools/core/error.h"
#include "tools/core/outcome.h"
#include "tools/core/workspace.h"

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
  // What the command's long operations came to; main() prints its items and
  // maps it to the exit status (docs/exit-codes.md).
  std::optional<Outcome> outcome;

  // Adds `o`'s items to the command's outcome.
  void report(const Outcome& o) {
    if (!outcome) outcome.emplace(o.step());
    outcome->merge(o);
  }
};

struct CommandGroup {
  const char* name;
  void (*define)(CLI::App& app, CommandContext& ctx);
};

const std::vector<CommandGroup>& command_groups();

}  // namespace ltskit::cli

#include "tools/advisories/sync.h"
#include "tools/git/repository.h"

namespace ltskit {
class Progress;
}  // namespace ltskit

namespace ltskit::cli {

// The tables of every module the commands use (each with what it depends on).
const std::vector<const Schema*>& workspace_schemas();

// Opens the workspace named by -C with workspace_schemas(); `command` names
// the command in the lock and the events ("ltskit track").
Result<Workspace> open_workspace(const CommandContext& ctx, Access access, const std::string& command);

// Refreshes triage (after `track` or `advisories sync`), reports its outcome
// to `ctx` and prints a summary line when `print` and anything changed.
Status refresh_triage_and_report(CommandContext& ctx, Workspace& ws, git::Repository& repo, Progress& progress,
                                 bool print);

// Sync options, with the HTTP timeout and backoff from LTSKIT_HTTP_TIMEOUT_MS
// and LTSKIT_HTTP_BACKOFF_MS when set (the tests shorten them).
advisories::SyncOptions sync_options_from_env();

// The committer of backports: LTSKIT_COMMITTER_NAME / _EMAIL, else git's
// usual variables, else "ltskit <ltskit@localhost>"; now.
git::Signature backport_committer();

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
void define_backport(CLI::App& app, CommandContext& ctx);
void define_publish(CLI::App& app, CommandContext& ctx);  // build, publish, generations, rollback, verify, abi
void define_status(CLI::App& app, CommandContext& ctx);   // status
void define_run(CLI::App& app, CommandContext& ctx);      // run, report

}  // namespace ltskit::cli
