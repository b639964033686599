// Matching advisories to each channel's packages, and triage: the state of
// every channel x advisory x package, set automatically and overridden by
// humans. Human decisions survive re-ingest and re-evaluation; every state
// change is kept in triage_history.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/core/error.h"
#include "tools/core/outcome.h"
#include "tools/core/progress.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"

namespace ltskit::advisories {

// The state of a channel x advisory x package: OpenVEX's statuses.
enum class TriageState { kUnderInvestigation, kAffected, kNotAffected, kFixed };
const char* triage_state_name(TriageState state);  // "under_investigation", "affected", …
std::optional<TriageState> parse_triage_state(std::string_view name);

// Why a package is not affected: OpenVEX's justifications.
enum class VexJustification {
  kComponentNotPresent,
  kVulnerableCodeNotPresent,
  kVulnerableCodeNotInExecutePath,
  kVulnerableCodeCannotBeControlledByAdversary,
  kInlineMitigationsAlreadyExist,
};
const char* vex_justification_name(VexJustification justification);  // "component_not_present", …
std::optional<VexJustification> parse_vex_justification(std::string_view name);
// Every name, for messages: "a, b, c".
std::string triage_state_names();
std::string vex_justification_names();

struct TriageRefreshReport {
  size_t channels = 0;
  size_t untracked_channels = 0;  // no snapshot of their head yet
  size_t added = 0, changed = 0, removed = 0, unchanged = 0;
  Outcome outcome{"triage refresh"};  // a warning per untracked channel
};

// Refreshes triage: judges every channel (with a tracked head) against every
// advisory. Per channel, the matching reads and the patch evaluation (Nix)
// run first, with no transaction open; the channel's triage is then written
// in one short transaction. `ltskit triage refresh`, and after `track` and
// `advisories sync`.
Result<TriageRefreshReport> refresh_triage(Workspace& ws, git::Repository& repo, Progress& progress);

// Why triage no longer matches the stored state, or nullopt when it does:
// advisories changed since the last refresh (a sync, even one killed or
// failed after its ingest committed), or a channel's head is not the one its
// triage was judged at (a track that did not get to refresh), or a channel
// was never judged.
Result<std::optional<std::string>> triage_staleness(Database& db);

// Records, inside the caller's transaction, that advisories changed and
// triage must be refreshed.
Status mark_triage_pending(Database& db, const std::string& reason);

struct TriageRow {
  std::string channel, advisory, pname, attr, version;
  TriageState state = TriageState::kUnderInvestigation;
  std::optional<VexJustification> justification;
  TriageState auto_state = TriageState::kUnderInvestigation;
  std::optional<VexJustification> auto_justification;
  std::string auto_reason;
  std::string match_reason;
  bool human = false;
  std::optional<std::string> decided_by, decided_at, decision_reason;
  std::string updated_at;
  // From the advisory:
  std::string severity;
  double score = -1;
  std::string summary;
  std::vector<std::string> aliases;
};

struct TriageFilter {
  std::optional<std::string> channel;
  std::optional<TriageState> state;
  std::optional<std::string> advisory;
};
Result<std::vector<TriageRow>> list_triage(Database& db, const TriageFilter& filter);

struct TriageHistoryEntry {
  std::optional<TriageState> old_state, new_state;  // nullopt: no row before / after
  std::optional<VexJustification> justification;
  std::string by, at, reason;
};
Result<std::vector<TriageHistoryEntry>> triage_history(Database& db, const std::string& channel,
                                                       const std::string& advisory, const std::string& pname);

// How many advisories were open (affected or under investigation for at
// least one package) on `channel` after each change of its triage, oldest
// first: one point per distinct time, replayed from the triage history.
struct OpenCount {
  std::string at;
  size_t open = 0;
};
Result<std::vector<OpenCount>> open_advisories_over_time(Database& db, const std::string& channel);

struct TriageDecision {
  std::string channel, advisory, pname;
  TriageState state = TriageState::kUnderInvestigation;
  std::string reason;
  std::optional<VexJustification> justification;
  std::string who;
};
// Records a human decision and returns the rows it set. `advisory` may be an
// alias; `pname` names an attribute or a pname (then every attribute with
// that pname: triage rows are per attribute). not_affected needs a
// justification; a justification is only for not_affected. The package must
// be in the channel's tracked head.
Result<std::vector<TriageRow>> set_triage(Workspace& ws, const TriageDecision& decision);

// Who is deciding: $LTSKIT_USER, else $USER, else the login name.
std::string current_user();

}  // namespace ltskit::advisories
