// Comparing two ABI models and classifying every change.
#pragma once

#include <string>
#include <vector>

#include "abi-check/abi_model.h"
#include "abi-check/change_kind.h"
#include "abi-check/suppressions.h"

namespace ltskit::abi {

enum class Verdict { kNoChange, kCompatible, kIncompatible };
const char* verdict_name(Verdict v);

struct Change {
  ChangeKind kind = ChangeKind::kHarmless;
  std::string subject;  // the symbol (mangled) the change is about; the old SONAME for kSonameChanged
  std::string detail;   // the path of the change, "struct session → member flags: offset 64 → 128 bits"
  // Both copied from change_kind_info(kind).
  bool incompatible = false;
  bool addition = false;  // an added symbol or symbol version
  bool suppressed = false;
  std::string suppressed_by;  // the suppression's reason
};

struct Diff {
  Verdict verdict = Verdict::kNoChange;
  std::vector<Change> changes;
  size_t functions_removed = 0, functions_added = 0, functions_changed = 0;
  size_t variables_removed = 0, variables_added = 0, variables_changed = 0;
  // Symbols that debug info does not describe (all of them without DWARF),
  // counted apart as abidiff does.
  size_t function_symbols_removed = 0, function_symbols_added = 0;
  size_t variable_symbols_removed = 0, variable_symbols_added = 0;
  size_t suppressed = 0;
  bool old_has_debug_info = false, new_has_debug_info = false;
  std::string old_path, new_path;
};

Diff diff_models(const Model& old_model, const Model& new_model, const Suppressions& suppressions);

}  // namespace ltskit::abi
