// A workspace: its configuration, its state database and, for commands that
// change it, its lock. Every command starts by opening one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tools/core/config.h"
#include "tools/core/error.h"
#include "tools/core/lock.h"
#include "tools/core/state.h"

namespace ltskit {

enum class Access { kRead, kWrite };

class Workspace {
 public:
  // Opens the workspace at `root` with the tables of `schemas` (and what they
  // depend on) migrated. With Access::kWrite the workspace lock is taken
  // first, so that `command` (e.g. "ltskit track") runs alone. With
  // Access::kRead the state database is opened read-only: a reading command
  // cannot write, and needs no lock (when the tables need an upgrade, the
  // lock is taken just for the migration).
  static Result<Workspace> open(const std::filesystem::path& root, Access access, const std::string& command,
                                const std::vector<const Schema*>& schemas);

  struct InitOptions {
    std::filesystem::path repo;          // the package-set repository
    std::filesystem::path publish_root;  // empty: /lts
    std::string upstream = "main";
  };
  // Creates a workspace at `root` (ltskit.toml, channels/, policies/ with the
  // default policy, the state database). Refuses a folder that already has a
  // workspace. Nothing is left behind when it fails.
  static Result<Workspace> init(const std::filesystem::path& root, const InitOptions& options,
                                const std::vector<const Schema*>& schemas);

  const WorkspaceConfig& config() const { return config_; }
  WorkspaceConfig& mutable_config() { return config_; }
  Database& db() { return db_; }
  const std::string& command() const { return command_; }
  // Whether this command may change the workspace (it holds the lock).
  bool writable() const { return !db_.read_only(); }
  // Rewrites ltskit.toml from the current config, atomically.
  Status save_config();

 private:
  Workspace(WorkspaceConfig config, Database db, std::optional<WorkspaceLock> lock, std::string command)
      : config_(std::move(config)), db_(std::move(db)), lock_(std::move(lock)), command_(std::move(command)) {}
  WorkspaceConfig config_;
  Database db_;
  std::optional<WorkspaceLock> lock_;
  std::string command_;
};

}  // namespace ltskit
