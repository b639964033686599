// Channels: long-lived branches cut from the upstream of a package set.
// A channel is defined by channels/NAME.toml (which users may edit) and has a
// row in the state database that carries its status (active / eol).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/core/config.h"
#include "tools/core/error.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"

namespace ltskit {

enum class ChannelStatus { kActive, kEol };
const char* channel_status_name(ChannelStatus status);  // "active", "eol"

struct ChannelState {
  ChannelConfig config;
  std::string cut_commit;
  ChannelStatus status = ChannelStatus::kActive;
  std::optional<std::string> eol_at;
  std::string created_at;
  std::optional<std::string> branch_head;  // nullopt when the branch is missing
};

struct CreateChannelOptions {
  std::string name;
  std::string branch;
  // A commit, branch, tag or a date YYYY-MM-DD (the last upstream commit
  // committed on or before that day, UTC).
  std::string from;
  std::optional<std::string> upstream;  // default: the workspace's upstream
  std::optional<std::string> support_until;
  std::string policy = "lts-strict";
  std::vector<std::string> publish;
};

// Cuts the channel: creates the branch at the cut commit (or adopts an
// existing branch that contains it), writes channels/NAME.toml and records the
// channel. On failure nothing is left: no file, no row, no branch.
Result<ChannelState> create_channel(Workspace& ws, git::Repository& repo, const CreateChannelOptions& options);

// Every channel of the workspace, sorted by name. In a writable workspace, a
// channel whose TOML file was written by hand is registered on first sight
// and hand edits of a file are recorded; a read-only workspace reports the
// files as they are and writes nothing (an unregistered channel then has an
// empty `created_at`, and its cut is resolved without being recorded).
Result<std::vector<ChannelState>> list_channels(Workspace& ws, git::Repository& repo);
Result<ChannelState> get_channel(Workspace& ws, git::Repository& repo, const std::string& name);

// Marks the channel end-of-life. Already EOL is a kConflict.
Result<ChannelState> eol_channel(Workspace& ws, git::Repository& repo, const std::string& name);

// kConflict naming the channel and the date when it is EOL; for stages that
// change a channel (backports, publishing).
Status require_active(const ChannelState& channel, const std::string& what);

// A registered channel as the state database records it.
struct ChannelRecord {
  std::string name, branch, upstream;
  ChannelStatus status = ChannelStatus::kActive;
};
// Every registered channel, by name; for readers that need no repository.
Result<std::vector<ChannelRecord>> channel_records(Database& db);
// kConflict unless the channel's branch still points where `track` last
// found it: a branch that was deleted, or moved or rewritten since, makes
// everything recorded about its head (triage, VEX) stale until `track` runs.
Status require_tracked_head(Database& db, git::Repository& repo, const std::string& channel);

// kNotFound "no channel 'NAME'" unless the channel is registered.
Status require_registered_channel(Database& db, const std::string& name);

}  // namespace ltskit
