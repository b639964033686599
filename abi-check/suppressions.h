// Suppressions: symbol-name, type-name and SONAME patterns (shell globs),
// each with a reason. Suppressed changes are counted in the report, never
// silently dropped.
//
// One format serves `ltsabi diff --suppressions FILE`, a TOML file of
// [[suppress]] tables:
//
//   [[suppress]]
//   symbol = "_ZN6detail*"          # or type = "struct internal_*", or soname = "libfoo.so.*"
//   reason = "internal namespace, not part of the public API"
//
// and a policy's `[abi] suppressions = [ { symbol = "...", reason = "..." } ]`,
// which its loader parses itself and hands to make_suppression entry by
// entry, so both get the same rules and the same messages.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi-check/abi_model.h"

namespace ltskit::abi {

// Exactly one of symbol, type, soname is set.
struct Suppression {
  std::string symbol, type, soname;
  std::string reason;
};

struct Suppressions {
  std::vector<Suppression> entries;
  // The first entry matching, or nullptr.
  const Suppression* find_symbol(const std::string& mangled, const std::string& demangled) const;
  const Suppression* find_type(const std::string& type_name) const;
  const Suppression* find_soname(const std::string& soname) const;
  // The reason of the first entry matching, or "".
  std::string match_symbol(const std::string& mangled, const std::string& demangled) const;
  std::string match_type(const std::string& type_name) const;
  std::string match_soname(const std::string& soname) const;
};

// How an entry reads in a report: `type = "struct foo" (reason)`.
std::string describe_suppression(const Suppression& s);

// Builds one suppression from its keys and their string values. `where`
// names the entry in errors ("sup.toml:4: suppress[0]",
// "policies/lts-strict.toml:12: abi.suppressions[1]"); every error is
// kInvalid and reads "<where>: <problem>", naming the key when one is at
// fault: an unknown or repeated key, an empty pattern, a missing or empty
// reason, not exactly one of symbol, type, soname. Values that are not
// strings are the caller's to reject.
Expected<Suppression> make_suppression(const std::vector<std::pair<std::string, std::string>>& fields,
                                       const std::string& where);

// Parses a suppressions file's text; `origin` (its path) starts every error
// message, with the line. Only [[suppress]] tables are allowed; no text, or
// no tables, gives no suppressions.
Expected<Suppressions> parse_suppressions(std::string_view toml_text, const std::string& origin);

// Reads and parses the file at `path`: kNotFound or kIo when it cannot be
// read, kInvalid when it is malformed.
Expected<Suppressions> load_suppressions(const std::string& path);

}  // namespace ltskit::abi
