// The version index: which version of a package each tracked branch carried,
// from which commit to which commit, answered from the recorded snapshots.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/core/error.h"
#include "tools/core/version_range.h"
#include "tools/core/workspace.h"

namespace ltskit {

struct VersionSeen {
  std::string version;
  std::vector<std::string> attrs;
  std::string first_commit;
  int64_t first_time = 0;
  std::string last_commit;
  int64_t last_time = 0;
  size_t commits = 0;            // evaluated commits of the branch that carried it
  bool at_head = false;          // the branch's head carries it
  std::optional<bool> in_range;  // set when a range was given
};

struct BranchVersions {
  std::string branch;
  std::vector<std::string> channels;     // channels whose branch this is
  std::vector<std::string> upstream_of;  // channels whose upstream this is
  std::string head;
  std::vector<VersionSeen> versions;  // in Nix version order
};

struct VersionQuery {
  std::string pname;
  std::optional<VersionRange> range;
};

struct VersionsAnswer {
  std::string pname;
  std::optional<std::string> range;
  std::vector<BranchVersions> branches;
  // With a range: the channels whose head satisfies it.
  std::vector<std::string> channels_in_range;
  // With a range: every evaluated (branch, commit) whose version satisfies it.
  struct Match {
    std::string branch;
    std::string commit;
    int64_t time;
    std::string version;
  };
  std::vector<Match> matches;
};

// kNotFound when no tracked commit carries a package named `pname`.
Result<VersionsAnswer> query_versions(Workspace& ws, const VersionQuery& query);

}  // namespace ltskit
