#include "tools/advisories/schema.h"
#include "tools/backport/backport.h"
#include "tools/cli/command.h"
#include "tools/pipeline/run.h"
#include "tools/publish/abi_gate.h"

namespace ltskit::cli {

const std::vector<CommandGroup>& command_groups() {
  static const std::vector<CommandGroup> kGroups = {
      {"init", define_init},         {"channel", define_channel}, {"track", define_track},
      {"versions", define_versions}, {"vercmp", define_vercmp},   {"advisories", define_advisories},
      {"triage", define_triage},     {"vex", define_vex},         {"backport", define_backport},
      {"publish", define_publish},   {"status", define_status},   {"run", define_run},
  };
  return kGroups;
}

const std::vector<const Schema*>& workspace_schemas() {
  static const std::vector<const Schema*> kSchemas = {&advisories::advisories_schema(), &backport::backport_schema(),
                                                      &publish::publish_schema(), &pipeline::pipeline_schema()};
  return kSchemas;
}

Result<Workspace> open_workspace(const CommandContext& ctx, Access access, const std::string& command) {
  return Workspace::open(ctx.global.workspace, access, command, workspace_schemas());
}

void attach_help(CLI::App& app, const std::string& name) {
  std::string text = help_text(name);
  if (!text.empty()) app.footer("\n" + text);
}

}  // namespace ltskit::cli
