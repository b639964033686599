#include "abi-check/change_kind.h"

#include <iterator>

namespace ltskit::abi {

namespace {

constexpr ChangeKindInfo kKinds[] = {
    {ChangeKind::kSonameChanged, "soname-changed", true, false, "the library's SONAME changed"},
    {ChangeKind::kFunctionRemoved, "function-removed", true, false, "an exported function is gone"},
    {ChangeKind::kVariableRemoved, "variable-removed", true, false,
     "an exported variable (object or thread-local) is gone"},
    {ChangeKind::kSymbolTypeChanged, "symbol-type-changed", true, false,
     "a symbol changed between function, object and thread-local object"},
    {ChangeKind::kSymbolVersionRemoved, "symbol-version-removed", true, false,
     "a symbol lost a version that programs may be bound to"},
    {ChangeKind::kObjectSizeChanged, "object-size-changed", true, false, "an exported variable changed size"},
    {ChangeKind::kFunctionTypeChanged, "function-type-changed", true, false,
     "a function's parameters or return type changed, or the layout of a type they reach"},
    {ChangeKind::kVariableTypeChanged, "variable-type-changed", true, false,
     "a variable's type changed, or the layout of a type it reaches"},
    {ChangeKind::kFunctionAdded, "function-added", false, true, "a function is newly exported"},
    {ChangeKind::kVariableAdded, "variable-added", false, true, "a variable is newly exported"},
    {ChangeKind::kSymbolVersionAdded, "symbol-version-added", false, true,
     "an unversioned symbol became versioned, or a symbol gained a version"},
    {ChangeKind::kDefaultVersionChanged, "default-version-changed", false, false,
     "the default version of a symbol moved (f@@V1 became f@V1 beside f@@V2, or back)"},
    {ChangeKind::kHarmless, "harmless", false, false,
     "a change no program built against the old library can notice: typedef renamed or replaced by its type, "
     "qualifiers changed, member renamed at the same offset and type, members regrouped into anonymous structs or "
     "unions at the same offsets, union member added at the same size, enumerator added without moving a value, "
     "enum replaced by an integer of its size, void * replaced by another pointer, a name given to an anonymous "
     "type, declaration-only became defined"},
    {ChangeKind::kPrivateTypeChanged, "private-type-changed", false, false,
     "the layout of a type changed that is defined outside the public headers and that callers reach only through "
     "pointers"},
    {ChangeKind::kLibraryRemoved, "library-removed", true, false,
     "a shared library (a SONAME) is gone from the package, with no successor of the same name"},
    {ChangeKind::kLibraryAdded, "library-added", false, true, "a shared library (a SONAME) is new in the package"},
    {ChangeKind::kMemberAddedInPadding, "member-added-in-padding", false, false,
     "a struct kept its size and every member's offset and gained a member in what was padding or a reserved "
     "member: old callers leave it unset"},
};

constexpr ChangeKind kAddedSymbols[] = {ChangeKind::kFunctionAdded, ChangeKind::kVariableAdded,
                                        ChangeKind::kLibraryAdded};
constexpr ChangeKind kSymbolVersions[] = {ChangeKind::kSymbolVersionAdded, ChangeKind::kDefaultVersionChanged};
constexpr ChangeKind kSoname[] = {ChangeKind::kSonameChanged};

const ChangeKindGroup kGroups[] = {
    {"added-symbols", kAddedSymbols, "function-added, variable-added and library-added"},
    {"symbol-versions", kSymbolVersions,
     "symbol-version-added and default-version-changed (not symbol-version-removed)"},
    {"soname", kSoname, "soname-changed"},
};

}  // namespace

std::span<const ChangeKindInfo> change_kinds() { return kKinds; }

const ChangeKindInfo& change_kind_info(ChangeKind kind) { return kKinds[static_cast<size_t>(kind)]; }

const char* change_kind_name(ChangeKind kind) { return change_kind_info(kind).name; }

std::optional<ChangeKind> parse_change_kind(std::string_view name) {
  for (const auto& k : kKinds)
    if (name == k.name) return k.kind;
  return std::nullopt;
}

std::span<const ChangeKindGroup> change_kind_groups() { return kGroups; }

std::optional<std::vector<ChangeKind>> parse_allowed_kinds(std::string_view name) {
  if (auto kind = parse_change_kind(name)) return std::vector<ChangeKind>{*kind};
  for (const auto& g : kGroups)
    if (name == g.name) return std::vector<ChangeKind>(g.kinds.begin(), g.kinds.end());
  return std::nullopt;
}

}  // namespace ltskit::abi
