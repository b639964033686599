// ltskit advisories source add|list, advisories sync, advisories list|show
#include <ctime>
#include <filesystem>
#include <iostream>

#include "tools/advisories/store.h"
#include "tools/advisories/sync.h"
#include "tools/advisories/triage.h"
#include "tools/cli/command.h"
#include "tools/cli/output.h"
#include "tools/core/workspace.h"

namespace ltskit::cli {

using namespace ltskit::advisories;

namespace {

nlohmann::json summary_json(const AdvisorySummary& s) {
  return {{"id", s.id},
          {"source", s.source},
          {"format", advisory_format_name(s.format)},
          {"modified", s.modified},
          {"withdrawn", s.withdrawn ? nlohmann::json(*s.withdrawn) : nlohmann::json()},
          {"summary", s.summary},
          {"severity", s.severity},
          {"score", s.score >= 0 ? nlohmann::json(s.score) : nlohmann::json()},
          {"aliases", s.aliases},
          {"sources", s.sources},
          {"severity_source", s.severity_source},
          {"affected_channels", s.affected_channels}};
}

// One affected entry in a line: "ltskit-demo/libsafe: introduced 0, fixed 1.0.1".
std::string describe_affected(const AffectedPackage& p) {
  std::string out = p.cve5 ? p.vendor + "/" + p.product : p.ecosystem + "/" + p.name;
  if (p.cve5 && !p.name.empty()) out = p.name;
  std::string what;
  auto add = [&](const std::string& part) { what += (what.empty() ? "" : ", ") + part; };
  if (!p.cve5) {
    for (const auto& r : p.ranges) {
      if (r.type == "GIT") continue;
      for (const auto& e : r.events) {
        const char* kind = e.kind == RangeEvent::Kind::kIntroduced     ? "introduced"
                           : e.kind == RangeEvent::Kind::kFixed        ? "fixed"
                           : e.kind == RangeEvent::Kind::kLastAffected ? "last_affected"
                                                                       : "limit";
        add(std::string(kind) + " " + e.value);
      }
    }
    for (const auto& v : p.versions) add("version " + v);
  } else {
    for (const auto& v : p.cve_versions) {
      std::string range = v.version;
      if (v.less_than) range += " to <" + *v.less_than;
      if (v.less_than_or_equal) range += " to <=" + *v.less_than_or_equal;
      add(range + " " + v.status);
    }
    add("otherwise " + p.default_status);
  }
  if (!p.skipped.empty()) add(std::to_string(p.skipped.size()) + " malformed range(s) skipped");
  return out + ": " + (what.empty() ? "no versions" : what);
}

}  // namespace

advisories::SyncOptions sync_options_from_env() {
  advisories::SyncOptions so;
  if (const char* t = std::getenv("LTSKIT_HTTP_TIMEOUT_MS")) so.http_timeout_ms = std::atoi(t);
  if (const char* b = std::getenv("LTSKIT_HTTP_BACKOFF_MS")) so.http_backoff_ms = std::atoi(b);
  return so;
}

git::Signature backport_committer() {
  auto env = [](const char* a, const char* b, const char* fallback) {
    if (const char* v = std::getenv(a); v && *v) return std::string(v);
    if (const char* v = std::getenv(b); v && *v) return std::string(v);
    return std::string(fallback);
  };
  git::Signature s;
  s.name = env("LTSKIT_COMMITTER_NAME", "GIT_COMMITTER_NAME", "ltskit");
  s.email = env("LTSKIT_COMMITTER_EMAIL", "GIT_COMMITTER_EMAIL", "ltskit@localhost");
  s.time = static_cast<int64_t>(std::time(nullptr));
  return s;
}

Status refresh_triage_and_report(CommandContext& ctx, Workspace& ws, git::Repository& repo, Progress& progress,
                                 bool print) {
  LTS_ASSIGN_OR_RETURN(TriageRefreshReport r, refresh_triage(ws, repo, progress));
  ctx.report(r.outcome);
  if (print && (r.added || r.changed || r.removed))
    std::cout << "triage: " << r.added << " new, " << r.changed << " changed, " << r.removed << " removed across "
              << r.channels << " channel(s)\n";
  return ok_status();
}

void define_advisories(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = app.add_subcommand("advisories", "Advisory sources, sync, and the advisories themselves");
  group->require_subcommand(1);
  attach_help(*group, "advisories");

  CLI::App* source = group->add_subcommand("source", "Manage advisory sources");
  source->require_subcommand(1);
  {
    struct Opts {
      std::string name, location, format = "osv";
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = source->add_subcommand("add", "Add a source: a file, a folder or an http(s) URL");
    cmd->add_option("name", o->name, "Source name")->required();
    cmd->add_option("location", o->location, "File, folder or URL")->required();
    cmd->add_option("--format", o->format, "osv or cve5 (default osv)");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit advisories source add"));
        auto format = parse_advisory_format(o->format);
        if (!format) return usage_error("--format must be osv or cve5, not '" + o->format + "'");
        LTS_RETURN_IF_ERROR(add_source(ws, {o->name, o->location, *format}));
        std::cout << "Added " << o->format << " source '" << o->name << "' (" << o->location << ")\n";
        return ok_status();
      };
    });
  }
  {
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = source->add_subcommand("list", "List sources");
    cmd->add_flag("--json", *json, "JSON output");
    cmd->callback([&ctx, json]() {
      ctx.action = [&ctx, json]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit advisories source list"));
        nlohmann::json arr = nlohmann::json::array();
        std::vector<std::vector<std::string>> rows = {{"NAME", "FORMAT", "LOCATION", "RECORDS", "SYNCED"}};
        LTS_ASSIGN_OR_RETURN(auto states, source_states(ws.db()));
        for (const auto& s : ws.config().advisory_sources) {
          auto st = states.find(s.name);
          bool row = st != states.end() && st->second.synced_at;
          int64_t records = st != states.end() ? st->second.records : 0;
          std::string synced = row ? *st->second.synced_at : "never";
          arr.push_back({{"name", s.name},
                         {"format", advisory_format_name(s.format)},
                         {"location", s.location},
                         {"resolved", describe_location(ws.config(), s)},
                         {"records", records},
                         {"synced_at", row ? nlohmann::json(synced) : nlohmann::json()}});
          rows.push_back({s.name, advisory_format_name(s.format), s.location, std::to_string(records), synced});
        }
        if (*json) print_json(arr);
        else if (rows.size() == 1) std::cout << "No advisory sources (add one with 'ltskit advisories source add').\n";
        else std::cout << format_table(rows);
        return ok_status();
      };
    });
  }
  {
    struct Opts {
      std::string source;
      bool json = false;
      bool skip_triage = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = group->add_subcommand("sync", "Ingest sources incrementally and re-evaluate triage");
    cmd->add_option("--source", o->source, "Only this source");
    cmd->add_flag("--skip-triage", o->skip_triage, "Only ingest; re-evaluate later with 'ltskit triage refresh'");
    cmd->add_flag("--json", o->json, "JSON output");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kWrite, "ltskit advisories sync"));
        TerminalProgress progress(ctx.global.quiet || o->json);
        SyncOptions so = sync_options_from_env();
        if (!o->source.empty()) so.source = o->source;
        if (ws.config().advisory_sources.empty())
          return not_found("no advisory sources (add one with 'ltskit advisories source add NAME LOCATION')");
        LTS_ASSIGN_OR_RETURN(SyncReport sync, sync_sources(ws, so, progress));
        const auto& reports = sync.sources;
        ctx.report(sync.outcome);
        TriageRefreshReport m;
        // Triage follows the stored state: refreshed when this sync changed
        // advisories, and also when an earlier sync or track changed state
        // but did not get to refresh (it failed, or was killed).
        LTS_ASSIGN_OR_RETURN(auto stale, triage_staleness(ws.db()));
        bool refreshed = !o->skip_triage && stale;
        if (refreshed) {
          LTS_ASSIGN_OR_RETURN(git::Repository repo, git::Repository::open(ws.config().repo));
          LTS_ASSIGN_OR_RETURN(m, refresh_triage(ws, repo, progress));
          ctx.report(m.outcome);
        }
        if (o->json) {
          nlohmann::json j;
          j["sources"] = nlohmann::json::array();
          for (const auto& r : reports) {
            j["sources"].push_back({{"name", r.name},
                                    {"failure", r.failure ? nlohmann::json(*r.failure) : nlohmann::json()},
                                    {"not_modified", r.not_modified},
                                    {"documents", r.documents},
                                    {"files_unchanged", r.files_unchanged},
                                    {"records", r.records},
                                    {"unchanged", r.unchanged},
                                    {"added", r.added},
                                    {"updated", r.updated},
                                    {"withdrawn", r.withdrawn},
                                    {"malformed", r.malformed},
                                    {"superseded", r.superseded},
                                    {"skipped_ranges", r.skipped_ranges}});
          }
          j["triage"] = {{"channels", m.channels}, {"added", m.added}, {"changed", m.changed}, {"removed", m.removed}};
          print_json(j);
        } else {
          std::vector<std::vector<std::string>> rows = {
              {"SOURCE", "RECORDS", "ADDED", "UPDATED", "UNCHANGED", "WITHDRAWN", "MALFORMED"}};
          for (const auto& r : reports) {
            if (r.failure) rows.push_back({r.name, "FAILED (see below)", "", "", "", "", ""});
            else if (r.not_modified) rows.push_back({r.name, "not modified (HTTP 304)", "", "", "", "", ""});
            else
              rows.push_back({r.name, std::to_string(r.records), std::to_string(r.added), std::to_string(r.updated),
                              std::to_string(r.unchanged + r.files_unchanged) + (r.files_unchanged ? "+" : ""),
                              std::to_string(r.withdrawn), std::to_string(r.malformed)});
          }
          std::cout << format_table(rows);
          if (!o->skip_triage && !refreshed) std::cout << "triage: up to date\n";
          else if (refreshed)
            std::cout << "triage: " << m.added << " new, " << m.changed << " changed, " << m.removed
                      << " removed across " << m.channels << " channel(s)\n";
        }
        return ok_status();
      };
    });
  }
  {
    auto json = std::make_shared<bool>(false);
    CLI::App* cmd = group->add_subcommand("list", "List advisories");
    cmd->add_flag("--json", *json, "JSON output");
    cmd->callback([&ctx, json]() {
      ctx.action = [&ctx, json]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit advisories list"));
        LTS_ASSIGN_OR_RETURN(auto list, list_advisories(ws.db()));
        if (*json) {
          nlohmann::json arr = nlohmann::json::array();
          for (const auto& s : list) arr.push_back(summary_json(s));
          print_json(arr);
          return ok_status();
        }
        std::vector<std::vector<std::string>> rows = {{"ID", "SEVERITY", "ALIASES", "AFFECTS", "SUMMARY"}};
        for (const auto& s : list) {
          std::string aliases;
          for (size_t i = 0; i < s.aliases.size(); ++i) aliases += (i ? "," : "") + s.aliases[i];
          std::string sum = s.withdrawn ? "(withdrawn) " + s.summary : s.summary;
          if (sum.size() > 60) sum = sum.substr(0, 57) + "...";
          rows.push_back({s.id, s.severity, aliases.empty() ? "-" : aliases,
                          std::to_string(s.affected_channels) + " channel(s)", sum});
        }
        std::cout << format_table(rows);
        return ok_status();
      };
    });
  }
  {
    struct Opts {
      std::string id;
      bool json = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* cmd = group->add_subcommand("show", "Show one advisory (by id or alias) and its triage");
    cmd->add_option("id", o->id, "Advisory id or alias")->required();
    cmd->add_flag("--json", o->json, "JSON output");
    cmd->callback([&ctx, o]() {
      ctx.action = [&ctx, o]() -> Status {
        LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit advisories show"));
        LTS_ASSIGN_OR_RETURN(AdvisoryDetail d, get_advisory(ws.db(), o->id));
        LTS_ASSIGN_OR_RETURN(auto rows, list_triage(ws.db(), {std::nullopt, std::nullopt, d.summary.id}));
        if (o->json) {
          nlohmann::json j = summary_json(d.summary);
          j["published"] = d.published;
          j["details"] = d.details;
          j["severity_vector"] = d.severity_vector;
          j["references"] = d.references;
          j["fix_commits"] = d.fix_commits;
          j["raw"] = nlohmann::json::parse(d.raw, nullptr, false);
          j["records"] = nlohmann::json::array();
          for (const auto& r : d.records) {
            nlohmann::json affected = nlohmann::json::array();
            for (const auto& a : r.affected) affected.push_back(nlohmann::json::parse(affected_to_json(a)));
            j["records"].push_back({{"source", r.source},
                                    {"format", advisory_format_name(r.format)},
                                    {"modified", r.modified},
                                    {"withdrawn", r.withdrawn ? nlohmann::json(*r.withdrawn) : nlohmann::json()},
                                    {"summary", r.summary},
                                    {"severity", r.severity},
                                    {"score", r.score >= 0 ? nlohmann::json(r.score) : nlohmann::json()},
                                    {"fix_commits", r.fix_commits},
                                    {"affected", affected},
                                    {"decides_metadata", r.source == d.summary.source},
                                    {"decides_severity", r.source == d.summary.severity_source}});
          }
          j["triage"] = nlohmann::json::array();
          for (const auto& r : rows)
            j["triage"].push_back({{"channel", r.channel},
                                   {"pname", r.pname},
                                   {"version", r.version},
                                   {"state", triage_state_name(r.state)},
                                   {"reason", r.human ? r.decision_reason.value_or("") : r.auto_reason}});
          print_json(j);
          return ok_status();
        }
        const auto& s = d.summary;
        std::cout << s.id << (s.withdrawn ? "  (withdrawn " + *s.withdrawn + ")" : "") << "\n";
        std::string aliases;
        for (size_t i = 0; i < s.aliases.size(); ++i) aliases += (i ? ", " : "") + s.aliases[i];
        std::cout << format_table(
            {{"  summary", s.summary},
             {"  severity", s.severity + (s.score >= 0 ? " (" + fmt_score(s.score) + ")" : "")},
             {"  aliases", aliases.empty() ? "-" : aliases},
             {"  source",
              s.source + " (" + advisory_format_name(s.format) + "), modified " + s.modified +
                  (d.records.size() > 1 ? " (newest of " + std::to_string(d.records.size()) + " sources)" : "")},
             {"  fix commits", d.fix_commits.empty() ? "-" : [&] {
                std::string f;
                for (size_t i = 0; i < d.fix_commits.size(); ++i) f += (i ? ", " : "") + short_id(d.fix_commits[i]);
                return f;
              }()}});
        if (d.records.size() > 1) {
          // Each source's view; matching judges every one of them and the
          // gravest verdict wins (the triage reasons name the deciding source).
          std::cout << "  sources (each judged; the gravest verdict wins):\n";
          std::vector<std::vector<std::string>> t;
          for (const auto& r : d.records) {
            std::string head = r.source + " (" + advisory_format_name(r.format) + ")";
            std::string sev = r.severity + (r.score >= 0 ? " (" + fmt_score(r.score) + ")" : "");
            if (r.source == s.severity_source) sev += ", decides severity";
            t.push_back({"    " + head, "modified " + r.modified + (r.withdrawn ? ", withdrawn" : ""), sev});
            for (const auto& a : r.affected) t.push_back({"", "  " + describe_affected(a), ""});
          }
          std::cout << format_table(t);
        }
        if (!rows.empty()) {
          std::cout << "  triage:\n";
          std::vector<std::vector<std::string>> t;
          for (const auto& r : rows)
            t.push_back({"    " + r.channel, r.pname + " " + r.version,
                         triage_state_name(r.state) + std::string(r.human ? " (human)" : ""),
                         r.human ? r.decision_reason.value_or("") : r.auto_reason});
          std::cout << format_table(t);
        }
        return ok_status();
      };
    });
  }
}

}  // namespace ltskit::cli
