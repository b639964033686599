// ltskit track [CHANNEL…] [--history N] [--since DATE] [--every N] [--retry-failed] [--json]
#include <iostream>

#include "tools/backport/backport.h"
#include "tools/cli/command.h"
#include "tools/cli/output.h"
#include "tools/core/fs.h"
#include "tools/core/workspace.h"
#include "tools/track/tracker.h"

namespace ltskit::cli {

void define_track(CLI::App& app, CommandContext& ctx) {
  struct Opts {
    std::vector<std::string> channels;
    size_t history = 0;
    std::string since;
    size_t every = 0;
    bool retry_failed = false;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("track", "Evaluate channel branches and their upstreams");
  cmd->add_option("channels", o->channels, "Channels to track (default: all)");
  // A whole number, MIN to 1,000,000: CLI11 alone would wrap "-1" into a huge size_t.
  auto whole_number = [](CLI::Option* opt, size_t min) {
    opt->check(CLI::Range(min, size_t{1000000}))
        ->check(CLI::Validator(
            [](const std::string& v) {
              return v.find_first_not_of("0123456789") == std::string::npos ? "" : "must be a whole number";
            },
            "N", "whole number"));
  };
  whole_number(
      cmd->add_option("--history", o->history, "Also evaluate the last N commits of each branch (0 to 1000000)"), 0);
  cmd->add_option("--since", o->since,
                  "Only commits of each branch committed on or after DATE (YYYY-MM-DD, UTC), the head always");
  whole_number(cmd->add_option("--every", o->every,
                               "Of those commits, every Nth, counting from the oldest; and the head (1 to 1000000)"),
               1);
  cmd->add_flag("--retry-failed", o->retry_failed,
                "Evaluate again the commits Nix refused in an earlier run (skipped otherwise)");
  cmd->add_flag("--json", o->json, "JSON output");
  attach_help(*cmd, "track");
  cmd->callback([&ctx, o]() {
    ctx.action = [&ctx, o]() -> Status {
      LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit track"));
      LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
      TerminalProgress progress(ctx.global.quiet || o->json);
      TrackOptions opt;
      opt.channels = o->channels;
      opt.history = o->history;
      opt.every = o->every;
      opt.retry_failed = o->retry_failed;
      if (!o->since.empty()) {
        auto t = parse_date(o->since);
        if (!t.ok()) return usage_error("--since: " + t.error().message());
        opt.since = *t;
      }
      LTS_ASSIGN_OR_RETURN(TrackReport report, track(ws, repo, opt, progress));
      // The upstream history `backport find` searches, kept current here so
      // that a search reads nothing new. A failure costs find time, not
      // the tracking.
      size_t indexed = 0;
      auto idx = backport::index_upstream_history(ws, repo, o->channels, progress);
      if (idx.ok()) indexed = *idx;
      else progress.warn("the upstream history for backport find was not indexed: " + idx.error().message());
      if (o->json) {
        nlohmann::json j;
        j["snapshots_added"] = report.snapshots_added;
        j["history_indexed"] = indexed;
        j["eval_jobs"] = report.eval_jobs;
        j["trees"] = {{"moves", report.trees.moves},
                      {"rebuilds", report.trees.rebuilds},
                      {"verified", report.trees.verified},
                      {"written", report.trees.written},
                      {"removed", report.trees.removed}};
        j["branches"] = nlohmann::json::array();
        for (const auto& b : report.branches)
          j["branches"].push_back(
              {{"branch", b.branch},
               {"role", b.role},
               {"head", b.head},
               {"commits", b.commits},
               {"evaluated", b.evaluated},
               {"reused", b.reused},
               {"known", b.known},
               {"failed_before", b.failed_before},
               {"rewritten_from", b.rewritten_from ? nlohmann::json(*b.rewritten_from) : nlohmann::json()}});
        j["failures"] = nlohmann::json::array();
        for (const auto& f : report.failures)
          j["failures"].push_back({{"commit", f.commit}, {"branch", f.branch}, {"message", f.message}});
        j["failed_before"] = nlohmann::json::array();
        for (const auto& f : report.failed_before)
          j["failed_before"].push_back({{"commit", f.commit}, {"branch", f.branch}, {"message", f.message}});
        print_json(j);
      } else {
        std::vector<std::vector<std::string>> rows = {
            {"BRANCH", "ROLE", "HEAD", "COMMITS", "EVALUATED", "REUSED", "KNOWN", "FAILED BEFORE"}};
        for (const auto& b : report.branches)
          rows.push_back({b.branch, b.role, short_id(b.head), std::to_string(b.commits), std::to_string(b.evaluated),
                          std::to_string(b.reused), std::to_string(b.known), std::to_string(b.failed_before)});
        std::cout << format_table(rows);
        std::cout << report.snapshots_added << " new snapshot(s)\n";
        if (indexed) std::cout << indexed << " new upstream commit(s) indexed for backport find\n";
      }
      // A moved head (even to an already evaluated commit) may change which
      // advisories affect which channel; re-evaluating unchanged state is cheap.
      ctx.report(report.outcome);
      return refresh_triage_and_report(ctx, ws, repo, progress, !o->json);
    };
  });
}

}  // namespace ltskit::cli
