// The state of every channel at a glance: what `ltskit status` prints, and
// what the reports and `run`'s summary are made of. Reads only: the
// workspace's state database, the channels' branches and the publish root.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tools/core/error.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"
#include "tools/publish/abi_gate.h"

namespace ltskit::pipeline {

struct OpenAdvisory {
  std::string advisory, pname, state, severity, summary;
};

struct PendingBackport {
  std::string advisory;
  std::string why;     // "no fix applied yet", or the last attempt's outcome and detail
  std::string action;  // the command that handles it
};

struct ChannelSummary {
  std::string name, branch, status;  // status: active | eol
  std::optional<std::string> support_until;
  std::optional<int64_t> days_left;  // until support_until (negative: past it)
  std::optional<std::string> head;   // the branch's commit; nullopt when the branch is gone
  bool head_tracked = false;         // the head has been evaluated by `track`
  // The published tree.
  std::optional<int64_t> generation;
  std::optional<std::string> generation_commit, generation_created_at;
  size_t generations_kept = 0;
  bool head_published = false;  // the current generation is the head
  // Advisories: counts by triage state; the open ones (affected or under
  // investigation) by severity, and listed.
  std::map<std::string, size_t> advisories_by_state;
  std::map<std::string, size_t> open_by_severity;
  std::vector<OpenAdvisory> open;
  // Backports: applied, and what still waits.
  size_t backports_applied = 0;
  std::vector<PendingBackport> pending;
  // The ABI gate's last run.
  std::vector<publish::StoredVerdict> abi;
};

// Every registered channel, by name. `today` (YYYY-MM-DD) dates the
// support windows.
Result<std::vector<ChannelSummary>> channel_summaries(Workspace& ws, git::Repository& repo, const std::string& today);

// A summary as `status --json` prints it (and the report carries it).
nlohmann::json summary_json(const ChannelSummary& s);

// One library's last verdict of the ABI gate, as `abi --json` and the
// report give it (without abi-check's report, which each adds its way).
nlohmann::json verdict_json(const publish::StoredVerdict& v);

}  // namespace ltskit::pipeline
