// ltskit backport find|apply|list
#include <ctime>
#include <iostream>

#include "tools/advisories/triage.h"
#include "tools/backport/backport.h"
#include "tools/cli/command.h"
#include "tools/cli/output.h"
#include "tools/core/workspace.h"
#include "tools/track/tracker.h"

namespace ltskit::cli {

namespace {

nlohmann::json result_json(const backport::ApplyResult& r) {
  nlohmann::json conflicts = nlohmann::json::array();
  for (const auto& c : r.conflicts)
    conflicts.push_back({{"path", c.path}, {"ancestor", c.ancestor}, {"ours", c.ours}, {"theirs", c.theirs}});
  return {{"advisory", r.advisory},
          {"channel", r.channel},
          {"branch", r.branch},
          {"outcome", backport::pick_outcome_name(r.outcome)},
          {"onto", r.onto},
          {"sources", r.sources},
          {"result", r.result ? nlohmann::json(*r.result) : nlohmann::json()},
          {"rule", r.rule.empty() ? nlohmann::json() : nlohmann::json(r.rule)},
          {"conflicts", conflicts},
          {"candidate_branch", r.candidate_branch ? nlohmann::json(*r.candidate_branch) : nlohmann::json()},
          {"detail", r.detail}};
}

// Prints the result, reports its outcome and, when the branch moved, tracks
// the channel and judges it again, so that triage and VEX say `fixed` now.
Status report_result(CommandContext& ctx, Workspace& ws, git::Repository& repo, const backport::ApplyResult& r,
                     bool json) {
  Outcome outcome("backport " + r.advisory + " to " + r.channel);
  switch (r.outcome) {
    case backport::PickOutcome::kApplied:
    case backport::PickOutcome::kNoOp:
    case backport::PickOutcome::kDryRun: break;
    case backport::PickOutcome::kConflict:
      outcome.needs_human("channel " + r.channel, r.detail,
                          r.candidate_branch
                              ? "ltskit backport land " + r.channel + " " + r.advisory
                              : "ltskit backport apply " + r.advisory + " --channel " + r.channel + " --candidate");
      break;
    case backport::PickOutcome::kRefused: outcome.needs_human("channel " + r.channel, r.detail); break;
    case backport::PickOutcome::kFailed: outcome.fail("channel " + r.channel, r.detail); break;
  }
  ctx.report(outcome);
  if (json) print_json(result_json(r));
  else {
    std::cout << backport::pick_outcome_name(r.outcome) << ": " << r.detail << "\n";
    for (const auto& c : r.conflicts)
      std::cout << "  conflict: " << c.path << " (ancestor " << (c.ancestor ? "yes" : "no") << ", ours "
                << (c.ours ? "yes" : "no") << ", theirs " << (c.theirs ? "yes" : "no") << ")\n";
  }
  if (r.outcome != backport::PickOutcome::kApplied) return ok_status();
  TerminalProgress progress(ctx.global.quiet || json);
  TrackOptions topt;
  topt.channels = {r.channel};
  LTS_ASSIGN_OR_RETURN(TrackReport tr, track(ws, repo, topt, progress));
  ctx.report(tr.outcome);
  return refresh_triage_and_report(ctx, ws, repo, progress, !json);
}

}  // namespace

void define_backport(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = app.add_subcommand("backport", "Find upstream fixes and apply them to channel branches");
  group->require_subcommand(1);
  attach_help(*group, "backport");
  {
    struct Opts {
      std::string advisory, channel;
      bool json = false, no_evaluate = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = group->add_subcommand("find", "List candidate fix commits for an advisory, ranked");
    cmd->add_option("advisory", o->advisory, "Advisory id or alias")->required();
    cmd->add_option("--channel", o->channel, "Only for this channel");
    cmd->add_flag("--no-evaluate", o->no_evaluate,
                  "Do not evaluate commits to narrow a gap in the version index before the first fixed version");
    cmd->add_flag("--json", o->json, "JSON output");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit backport find"));
        LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
        backport::FindOptions fo;
        fo.advisory = o->advisory;
        if (!o->channel.empty()) fo.channel = o->channel;
        TerminalProgress progress(ctx.global.quiet || o->json);
        fo.progress = &progress;
        fo.narrow = !o->no_evaluate;
        LTS_ASSIGN_OR_RETURN(backport::FindResult r, backport::find_fixes(ws, repo, fo));
        if (o->json) {
          nlohmann::json arr = nlohmann::json::array();
          for (const auto& c : r.candidates)
            arr.push_back(
                {{"commit", c.commit},
                 {"branch", c.branch},
                 {"summary", c.summary},
                 {"time", c.time},
                 {"score", c.score},
                 {"reasons", c.reasons},
                 {"upstream_commit", c.upstream_commit ? nlohmann::json(*c.upstream_commit) : nlohmann::json()}});
          print_json({{"advisory", r.advisory},
                      {"aliases", r.aliases},
                      {"channels", r.channels},
                      {"searched_commits", r.searched_commits},
                      {"read_commits", r.read_commits},
                      {"candidates", arr}});
          return ok_status();
        }
        if (r.candidates.empty()) {
          std::cout << "no candidate fix for " << r.advisory << " since the cut of the channel(s)\n";
          return ok_status();
        }
        std::vector<std::vector<std::string>> rows = {{"COMMIT", "BRANCH", "SCORE", "SUMMARY", "WHY"}};
        for (const auto& c : r.candidates) {
          std::string why;
          for (const auto& w : c.reasons) why += (why.empty() ? "" : "; ") + w;
          rows.push_back({short_id(c.commit), c.branch, std::to_string(c.score), c.summary, why});
        }
        std::cout << format_table(rows);
        return ok_status();
      };
    });
  }
  {
    struct Opts {
      std::string advisory, channel, force;
      std::vector<std::string> commits;
      bool dry_run = false, candidate = false, json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = group->add_subcommand("apply", "Cherry-pick an advisory's fix onto a channel branch, in memory");
    cmd->add_option("advisory", o->advisory, "Advisory id or alias")->required();
    cmd->add_option("--channel", o->channel, "Channel")->required();
    cmd->add_option("--commit", o->commits, "Commit(s) to pick, in order (default: the best found)");
    cmd->add_flag("--dry-run", o->dry_run, "Pick and check, move nothing");
    cmd->add_flag("--candidate", o->candidate,
                  "On a conflict, write the conflicted result to branch backport/CHANNEL/ADVISORY");
    cmd->add_option("--force", o->force, "Land even though a newer channel still lacks the fix (give the reason)");
    cmd->add_flag("--json", o->json, "JSON output");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit backport apply"));
        LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
        backport::ApplyOptions ao;
        ao.advisory = o->advisory;
        ao.channel = o->channel;
        ao.commits = o->commits;
        ao.dry_run = o->dry_run;
        ao.candidate = o->candidate;
        if (!o->force.empty()) ao.force_reason = o->force;
        ao.committer = backport_committer();
        ao.by = advisories::current_user();
        LTS_ASSIGN_OR_RETURN(backport::ApplyResult r, backport::apply_backport(ws, repo, ao));
        return report_result(ctx, ws, repo, r, o->json);
      };
    });
  }
  {
    struct Opts {
      std::string channel, advisory, force;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd =
        group->add_subcommand("land", "Land a finished candidate branch backport/CHANNEL/ADVISORY on the channel");
    cmd->add_option("channel", o->channel, "Channel")->required();
    cmd->add_option("advisory", o->advisory, "Advisory id or alias")->required();
    cmd->add_option("--force", o->force, "Land even though a newer channel still lacks the fix (give the reason)");
    cmd->add_flag("--json", o->json, "JSON output");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit backport land"));
        LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
        backport::LandOptions lo;
        lo.channel = o->channel;
        lo.advisory = o->advisory;
        if (!o->force.empty()) lo.force_reason = o->force;
        lo.by = advisories::current_user();
        LTS_ASSIGN_OR_RETURN(backport::ApplyResult r, backport::land_backport(ws, repo, lo));
        return report_result(ctx, ws, repo, r, o->json);
      };
    });
  }
  {
    struct Opts {
      std::string channel;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = group->add_subcommand("list", "List backport attempts");
    cmd->add_option("channel", o->channel, "Only this channel");
    cmd->add_flag("--json", o->json, "JSON output");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit backport list"));
        std::optional<std::string> ch;
        if (!o->channel.empty()) ch = o->channel;
        LTS_ASSIGN_OR_RETURN(auto list, backport::list_backports(ws.db(), ch));
        if (o->json) {
          nlohmann::json arr = nlohmann::json::array();
          for (const auto& a : list)
            arr.push_back({{"id", a.id},
                           {"advisory", a.advisory},
                           {"channel", a.channel},
                           {"outcome", backport::pick_outcome_name(a.outcome)},
                           {"sources", a.source_commits},
                           {"onto", a.onto},
                           {"result", a.result ? nlohmann::json(*a.result) : nlohmann::json()},
                           {"detail", a.detail},
                           {"conflicts", nlohmann::json::parse(a.paths, nullptr, false)},
                           {"by", a.by},
                           {"at", a.at}});
          print_json(arr);
          return ok_status();
        }
        std::vector<std::vector<std::string>> rows = {{"WHEN", "CHANNEL", "ADVISORY", "OUTCOME", "RESULT", "DETAIL"}};
        for (const auto& a : list)
          rows.push_back({a.at, a.channel, a.advisory, backport::pick_outcome_name(a.outcome),
                          a.result ? short_id(*a.result) : "-", a.detail});
        std::cout << format_table(rows);
        return ok_status();
      };
    });
  }
}

}  // namespace ltskit::cli
