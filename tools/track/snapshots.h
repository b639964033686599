// Reading what `track` recorded: the evaluated snapshot at each channel's
// head, a snapshot's packages and their patch names. Other modules (triage,
// backports, publishing) read track's tables only through these.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tools/core/error.h"
#include "tools/core/state.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"

namespace ltskit {

struct SnapshotRef {
  int64_t id = 0;
  std::string commit;
  std::string tree;
};

struct ChannelHead {
  std::string channel;
  std::string branch;
  std::string cut_commit;
  // The snapshot of the head the branch had when it was last tracked;
  // nullopt when the branch was never tracked or its head failed to evaluate.
  std::optional<SnapshotRef> snapshot;
};

// Every registered channel, by name.
Result<std::vector<ChannelHead>> channel_heads(Database& db);

struct SnapshotPackage {
  std::string attr, pname, version;
  std::map<std::string, std::string> outputs;  // output name -> store path
};

// The packages of a snapshot, by attr.
Result<std::vector<SnapshotPackage>> snapshot_packages(Database& db, int64_t snapshot_id);

// The patch file names each of `attrs` applies at `snapshot`. Names recorded
// earlier are read; the missing ones are evaluated with Nix (no transaction
// is open meanwhile) and then recorded in one short transaction, which needs
// a writable workspace. An attr that does not evaluate maps to no patches.
Result<std::map<std::string, std::vector<std::string>>> package_patches(Workspace& ws, git::Repository& repo,
                                                                        const SnapshotRef& snapshot,
                                                                        const std::set<std::string>& attrs);

}  // namespace ltskit
