// ltskit run [CHANNEL…], ltskit report [--html DIR]
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "tools/advisories/triage.h"
#include "tools/cli/command.h"
#include "tools/cli/output.h"
#include "tools/core/fs.h"
#include "tools/pipeline/report.h"
#include "tools/pipeline/run.h"
#include "tools/track/channels.h"

namespace ltskit::cli {

namespace {

// One line per stage when it ends (on stdout, terminal or pipe); on a
// terminal, the stage's name and its progress on stderr while it runs.
class RunPrinter : public pipeline::RunObserver {
 public:
  RunPrinter(bool quiet, bool json)
      : progress_(quiet || json), lines_(!json), terminal_(!quiet && !json && ::isatty(STDERR_FILENO)) {}

  void stage_begin(const std::string& stage) override {
    if (terminal_) std::fprintf(stderr, "\r\033[K%s …", stage.c_str());
  }
  void stage_end(const pipeline::StageResult& r) override {
    if (terminal_) std::fprintf(stderr, "\r\033[K");
    if (!lines_) return;
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f s", r.ms / 1000);
    std::cout << r.stage << std::string(r.stage.size() < 9 ? 9 - r.stage.size() : 1, ' ') << r.state
              << std::string(r.state.size() < 8 ? 8 - r.state.size() : 1, ' ') << r.summary
              << (r.state == "resumed" ? "" : " (" + std::string(ms) + ")") << "\n";
    std::cout.flush();
  }
  Progress& progress() override { return progress_; }

 private:
  TerminalProgress progress_;
  bool lines_;
  bool terminal_;
};

}  // namespace

void define_run(CLI::App& app, CommandContext& ctx) {
  {
    struct Opts {
      std::vector<std::string> channels;
      std::string report;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand(
        "run", "The whole pipeline: sync, track, triage, backport, build, ABI gate, publish, report");
    cmd->add_option("channels", o->channels, "Channels (default: every active channel)");
    cmd->add_option("--report", o->report, "Folder of the dashboard (default: WORKSPACE/report)");
    cmd->add_flag("--json", o->json, "JSON output: the whole run's result");
    attach_help(*cmd, "run");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        for (const auto& c : o->channels) LTS_RETURN_IF_ERROR(validate_channel_name(c));
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit run"));
        LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
        pipeline::RunOptions ro;
        ro.channels = o->channels;
        ro.report_dir = o->report.empty() ? std::filesystem::absolute(ctx.global.workspace) / "report"
                                          : std::filesystem::absolute(o->report);
        ro.report_dir = ro.report_dir.lexically_normal();
        ro.committer = backport_committer();
        ro.by = advisories::current_user();
        ro.sync = sync_options_from_env();
        RunPrinter printer(ctx.global.quiet, o->json);
        LTS_ASSIGN_OR_RETURN(pipeline::RunResult r, pipeline::run_pipeline(ws, repo, ro, printer));
        if (o->json) {
          nlohmann::json stages = nlohmann::json::array();
          for (const auto& s : r.stages)
            stages.push_back({{"stage", s.stage},
                              {"state", s.state},
                              {"summary", s.summary},
                              {"ms", s.ms},
                              {"items", pipeline::outcome_items_json(s.outcome)}});
          nlohmann::json published = nlohmann::json::array();
          for (const auto& p : r.published)
            published.push_back({{"channel", p.channel},
                                 {"generation", p.generation},
                                 {"commit", p.commit},
                                 {"link", p.link.string()}});
          print_json({{"run", r.run_id},
                      {"resumed", r.resumed},
                      {"state", r.state},
                      {"nothing_new", r.nothing_new},
                      {"ms", r.ms},
                      {"stages", stages},
                      {"published", published},
                      {"dashboard", r.dashboard.empty() ? nlohmann::json() : nlohmann::json(r.dashboard.string())},
                      {"items", pipeline::outcome_items_json(r.outcome)}});
        } else {
          if (r.resumed) std::cout << "(run " << r.run_id << " had not finished: resumed where it stopped)\n";
          for (const auto& p : r.published)
            std::cout << "published: " << p.link.string() << " -> generation " << p.generation << " ("
                      << short_id(p.commit) << ")\n";
          if (!r.dashboard.empty()) std::cout << "dashboard: " << r.dashboard.string() << "\n";
          char secs[32];
          std::snprintf(secs, sizeof secs, "%.2f s", r.ms / 1000);
          if (r.nothing_new) std::cout << "nothing new: no stage had work to do (" << secs << ")\n";
          else std::cout << "run " << r.run_id << ": " << r.state << " in " << secs << "\n";
        }
        ctx.report(r.outcome);
        return ok_status();
      };
    });
  }
  {
    struct Opts {
      std::string html;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = app.add_subcommand("report", "The state of every channel: JSON, or a static HTML dashboard");
    cmd->add_option("--html", o->html, "Write the dashboard (index.html, report.json) into this folder");
    cmd->add_flag("--json", o->json, "JSON output (the report itself, or where the dashboard went)");
    attach_help(*cmd, "report");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit report"));
        LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
        if (o->html.empty()) {
          LTS_ASSIGN_OR_RETURN(auto report, pipeline::report_json(ws, repo, now_utc()));
          print_json(report);
          return ok_status();
        }
        std::filesystem::path dir = std::filesystem::absolute(o->html).lexically_normal();
        LTS_ASSIGN_OR_RETURN(auto index, pipeline::write_dashboard(ws, repo, dir, now_utc()));
        if (o->json) print_json({{"dashboard", index.string()}, {"data", (dir / "report.json").string()}});
        else std::cout << index.string() << "\n";
        return ok_status();
      };
    });
  }
}

}  // namespace ltskit::cli
