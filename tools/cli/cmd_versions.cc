// ltskit versions PNAME [--range RANGE] [--json]
#include <iostream>

#include "tools/cli/command.h"
#include "tools/cli/output.h"
#include "tools/core/workspace.h"
#include "tools/track/version_index.h"

namespace ltskit::cli {
namespace {

std::string branch_label(const BranchVersions& b) {
  std::string label = b.branch;
  std::string roles;
  for (const auto& c : b.channels) roles += (roles.empty() ? "" : ", ") + std::string("channel ") + c;
  if (!b.upstream_of.empty()) {
    roles += (roles.empty() ? "" : "; ") + std::string("upstream of ");
    for (size_t i = 0; i < b.upstream_of.size(); ++i) roles += (i ? ", " : "") + b.upstream_of[i];
  }
  return roles.empty() ? label : label + " (" + roles + ")";
}

nlohmann::json to_json(const VersionsAnswer& a) {
  nlohmann::json j;
  j["pname"] = a.pname;
  j["range"] = a.range ? nlohmann::json(*a.range) : nlohmann::json();
  j["branches"] = nlohmann::json::array();
  for (const auto& b : a.branches) {
    nlohmann::json jb = {
        {"branch", b.branch}, {"channels", b.channels}, {"upstream_of", b.upstream_of}, {"head", b.head}};
    jb["versions"] = nlohmann::json::array();
    for (const auto& v : b.versions) {
      nlohmann::json jv = {{"version", v.version},           {"attrs", v.attrs},
                           {"first_commit", v.first_commit}, {"first_time", v.first_time},
                           {"last_commit", v.last_commit},   {"last_time", v.last_time},
                           {"commits", v.commits},           {"at_head", v.at_head}};
      if (v.in_range) jv["in_range"] = *v.in_range;
      jb["versions"].push_back(jv);
    }
    j["branches"].push_back(jb);
  }
  if (a.range) {
    j["channels_in_range"] = a.channels_in_range;
    j["matches"] = nlohmann::json::array();
    for (const auto& m : a.matches)
      j["matches"].push_back({{"branch", m.branch}, {"commit", m.commit}, {"time", m.time}, {"version", m.version}});
  }
  return j;
}

}  // namespace

void define_versions(CLI::App& app, CommandContext& ctx) {
  struct Opts {
    std::string pname, range;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("versions", "Every version of a package on each tracked branch");
  cmd->add_option("pname", o->pname, "Package name (pname)")->required();
  cmd->add_option("--range", o->range, "Version range, e.g. '>=1.2 <2.0 || =3.0.1'");
  cmd->add_flag("--json", o->json, "JSON output");
  attach_help(*cmd, "versions");
  cmd->callback([&ctx, o]() {
    ctx.action = [&ctx, o]() -> Status {
      VersionQuery q;
      q.pname = o->pname;
      if (!o->range.empty()) {
        LTS_ASSIGN_OR_RETURN(VersionRange r, VersionRange::parse(o->range));
        q.range = std::move(r);
      }
      LTS_ASSIGN_OR_RETURN(Workspace ws, open_workspace(ctx, Access::kRead, "ltskit versions"));
      LTS_ASSIGN_OR_RETURN(VersionsAnswer a, query_versions(ws, q));
      if (o->json) {
        print_json(to_json(a));
        return ok_status();
      }
      std::cout << a.pname << "\n";
      for (const auto& b : a.branches) {
        std::cout << "  " << branch_label(b) << "\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& v : b.versions) {
          std::string mark = v.in_range ? (*v.in_range ? "* " : "  ") : "";
          rows.push_back({"    " + mark + v.version, "first " + short_id(v.first_commit) + " " + date_of(v.first_time),
                          "last " + short_id(v.last_commit) + " " + date_of(v.last_time),
                          std::to_string(v.commits) + (v.commits == 1 ? " commit" : " commits"),
                          v.at_head ? "head" : ""});
        }
        std::cout << format_table(rows);
      }
      if (a.range) {
        std::cout << "\nrange " << *a.range << " (versions marked *)\n";
        std::string chans;
        for (size_t i = 0; i < a.channels_in_range.size(); ++i) chans += (i ? ", " : "") + a.channels_in_range[i];
        std::cout << "  channels whose head satisfies it: " << (chans.empty() ? "none" : chans) << "\n";
        std::cout << "  evaluated commits that satisfy it: " << a.matches.size() << "\n";
        for (const auto& m : a.matches)
          std::cout << "    " << m.branch << "  " << short_id(m.commit) << "  " << date_of(m.time) << "  " << m.version
                    << "\n";
      }
      return ok_status();
    };
  });
}

}  // namespace ltskit::cli
