#include "tools/core/workspace.h"

#include <unistd.h>

#include "tools/core/events.h"
#include "tools/core/fs.h"

namespace ltskit {
namespace fs = std::filesystem;

Result<Workspace> Workspace::open(const fs::path& root, Access access, const std::string& command,
                                  const std::vector<const Schema*>& schemas) {
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec).lexically_normal();
  if (!fs::exists(abs / "ltskit.toml", ec))
    return not_found("no workspace at '" + abs.string() + "' (ltskit.toml not found; create one with 'ltskit init')");
  std::optional<WorkspaceLock> lock;
  fs::path state_dir = abs / ".ltskit";
  LTS_RETURN_IF_ERROR(make_dirs(state_dir));
  if (access == Access::kWrite) {
    LTS_ASSIGN_OR_RETURN(WorkspaceLock l, WorkspaceLock::acquire(state_dir / "lock", command));
    lock.emplace(std::move(l));
  }
  LTS_ASSIGN_OR_RETURN(WorkspaceConfig config, load_workspace_config(abs));
  if (access == Access::kWrite) {
    LTS_ASSIGN_OR_RETURN(Database db, Database::open(config.database_path(), schemas));
    return Workspace(std::move(config), std::move(db), std::move(lock), command);
  }
  LTS_ASSIGN_OR_RETURN(Database db, Database::open(config.database_path(), schemas, OpenMode::kReadOnly));
  if (db.needs_migration()) {
    // The tables are older than this ltskit: upgrade them once, under the lock.
    if (::access(state_dir.c_str(), W_OK) != 0)
      return io_error("the state database '" + config.database_path().string() +
                      "' was written by an older ltskit and must be upgraded before it can be read, which needs "
                      "write access to '" +
                      state_dir.string() +
                      "'; run any ltskit command once with write access, or read it with the ltskit that wrote it");
    {
      LTS_ASSIGN_OR_RETURN(WorkspaceLock l, WorkspaceLock::acquire(state_dir / "lock", command));
      LTS_ASSIGN_OR_RETURN(Database rw, Database::open(config.database_path(), schemas));
    }
    LTS_ASSIGN_OR_RETURN(db, Database::open(config.database_path(), schemas, OpenMode::kReadOnly));
  }
  return Workspace(std::move(config), std::move(db), std::nullopt, command);
}

Result<Workspace> Workspace::init(const fs::path& root, const InitOptions& options,
                                  const std::vector<const Schema*>& schemas) {
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec).lexically_normal();
  if (fs::exists(abs / "ltskit.toml", ec))
    return conflict("'" + abs.string() + "' already holds a workspace (ltskit.toml exists)");
  bool created_root = !fs::exists(abs, ec);
  LTS_RETURN_IF_ERROR(make_dirs(abs));

  WorkspaceConfig config;
  config.root = abs;
  config.file = abs / "ltskit.toml";
  config.repo = fs::absolute(options.repo, ec).lexically_normal();
  config.upstream = options.upstream;
  config.channels_dir = abs / "channels";
  config.policies_dir = abs / "policies";
  if (!options.publish_root.empty()) config.publish_root = fs::absolute(options.publish_root, ec).lexically_normal();

  std::vector<fs::path> made;
  auto undo = [&]() {
    for (auto it = made.rbegin(); it != made.rend(); ++it) fs::remove_all(*it, ec);
    if (created_root) fs::remove(abs, ec);
  };
  auto step = [&](Status s) -> Status {
    if (!s.ok()) undo();
    return s;
  };
  for (const fs::path& dir : {config.state_dir(), config.channels_dir, config.policies_dir}) {
    bool existed = fs::exists(dir, ec);
    LTS_RETURN_IF_ERROR(step(make_dirs(dir)));
    if (!existed) made.push_back(dir);
  }
  fs::path policy = config.policies_dir / "lts-strict.toml";
  if (!fs::exists(policy, ec)) {
    LTS_RETURN_IF_ERROR(step(atomic_write_file(policy, default_policy_text())));
    made.push_back(policy);
  }
  auto db = Database::open(config.database_path(), schemas);
  if (!db.ok()) {
    undo();
    return std::move(db).error();
  }
  if (auto s = record_event(*db, "ltskit init", "workspace.init", abs.string(), "repo=" + config.repo.string());
      !s.ok()) {
    undo();
    return s.error();
  }
  // ltskit.toml comes last: its presence is what makes the folder a workspace.
  LTS_RETURN_IF_ERROR(step(atomic_write_file(config.file, render_workspace_config(config))));
  return Workspace(std::move(config), std::move(*db), std::nullopt, "ltskit init");
}

Status Workspace::save_config() { return atomic_write_file(config_.file, render_workspace_config(config_)); }

}  // namespace ltskit
