// Suppressions: a TOML file of symbol-name, type-name and SONAME patterns
// (shell globs), each with a reason. Suppressed changes are counted in the
// report, never silently dropped.
//
//   [[suppress]]
//   symbol = "_ZN6detail*"          # or type = "struct internal_*", or soname = "libfoo.so.*"
//   reason = "internal namespace, not part of the public API"
#pragma once

#include <string>
#include <vector>

#include "abi-check/abi_model.h"

namespace ltskit::abi {

struct Suppression {
  std::string symbol, type, soname;
  std::string reason;
};

struct Suppressions {
  std::vector<Suppression> entries;
  // The reason of the first entry matching, or "".
  std::string match_symbol(const std::string& mangled, const std::string& demangled) const;
  std::string match_type(const std::string& type_name) const;
  std::string match_soname(const std::string& soname) const;
};

Expected<Suppressions> load_suppressions(const std::string& path);

}  // namespace ltskit::abi
