// Comparing two ABI models and classifying every change.
#pragma once

#include <optional>
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

// A type whose layout changed, and the exported functions and variables
// that reach it (abidiff's --impacted-interfaces).
struct TypeImpact {
  std::string type;      // "struct foo"
  std::string location;  // "foo.h:12"; "" when debug info does not say
  size_t changes = 0;    // changes of its own (not of the types inside it)
  bool incompatible = false;
  bool harmless = false;                // every change of it is harmless (or private)
  std::vector<std::string> interfaces;  // declarations, sorted
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
  // Changes that change nothing a program built against the old library
  // relies on (kinds harmless and private-type-changed): they do not make
  // the verdict, and text reports show them only when asked (--harmless).
  size_t harmless = 0;
  std::vector<TypeImpact> impacts;
  // Suppressions that matched no change of this pair (describe_suppression):
  // a stale one hides nothing today and may hide the wrong thing tomorrow.
  std::vector<std::string> unused_suppressions;
  bool old_has_debug_info = false, new_has_debug_info = false;
  // What could not be used of each side's debug info (Model::debug_notes).
  std::vector<std::string> old_debug_notes, new_debug_notes;
  // Public headers were given for both sides, so types private to the
  // library could be told apart (see DiffOptions).
  bool private_types_filtered = false;
  size_t private_type_changes = 0;
  std::string old_path, new_path;
};

// The public headers of each side, as paths relative to an include folder
// ("foo.h", "foo/bar.h"; list_public_headers gives them). A struct, class
// or union whose definition is in none of them (by its DW_AT_decl_file, on
// both sides) and that no exported function or variable reaches by value,
// nor any public type's layout, is private to the library: callers only
// hold pointers to it, so its layout changes are reported as
// private-type-changed, not as breaks. With no headers for a side, every
// type counts as public, as before.
struct DiffOptions {
  std::optional<std::vector<std::string>> old_headers, new_headers;
};

Diff diff_models(const Model& old_model, const Model& new_model, const Suppressions& suppressions,
                 const DiffOptions& options = {});

// The header files under each of `paths` (a folder, walked recursively and
// through symbolic links, each folder once, or one file), relative to that
// folder (a file given alone is its file name), and the files they
// #include, as "#include/NAME": what a public header includes is public. Errors name the path: kNotFound when it
// does not exist, kIo when it cannot be read.
Expected<std::vector<std::string>> list_public_headers(const std::vector<std::string>& paths);

}  // namespace ltskit::abi
