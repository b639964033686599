// The kinds of change a diff reports. Each kind has exactly one name, used in
// reports, in `ltsabi diff --json` ("kind") and in a policy's
// `[abi] allow = [...]` list, and a fixed class: every change of a kind is
// incompatible or none is.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ltskit::abi {

enum class ChangeKind {
  kSonameChanged,
  kFunctionRemoved,
  kVariableRemoved,
  kSymbolTypeChanged,
  kSymbolVersionRemoved,
  kObjectSizeChanged,
  kFunctionTypeChanged,
  kVariableTypeChanged,
  kFunctionAdded,
  kVariableAdded,
  kSymbolVersionAdded,
  kDefaultVersionChanged,
  kHarmless,
  kPrivateTypeChanged,
  kLibraryRemoved,
  kLibraryAdded,
  kMemberAddedInPadding,
};

struct ChangeKindInfo {
  ChangeKind kind;
  const char* name;     // "function-removed"
  bool incompatible;    // programs built against the old library may break
  bool addition;        // something new is exported; nothing existing changed
  const char* meaning;  // one sentence, for docs and error messages
};

// Every kind, in enum order (change_kinds()[i].kind == ChangeKind(i)).
std::span<const ChangeKindInfo> change_kinds();
const ChangeKindInfo& change_kind_info(ChangeKind kind);
const char* change_kind_name(ChangeKind kind);
// The kind named exactly `name` (case-sensitive); nullopt for anything else,
// group names included.
std::optional<ChangeKind> parse_change_kind(std::string_view name);

// A name a policy's allow list may use for several kinds at once. Group names
// never collide with kind names.
struct ChangeKindGroup {
  const char* name;  // "added-symbols"
  std::span<const ChangeKind> kinds;
  const char* meaning;
};
std::span<const ChangeKindGroup> change_kind_groups();

// What one entry of a policy's `[abi] allow` list stands for: a kind's name
// gives that kind, a group's name the group's kinds; nullopt for an unknown
// name.
std::optional<std::vector<ChangeKind>> parse_allowed_kinds(std::string_view name);

}  // namespace ltskit::abi
