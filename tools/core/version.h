// Nix's version ordering, bit for bit: builtins.compareVersions and
// builtins.splitVersion (libexpr/names.cc), including their quirks:
//   - components are maximal runs of digits or of non-digit, non-separator
//     characters; '.' and '-' separate and are never part of a component;
//   - two numeric components compare as numbers, unless one does not fit a
//     32-bit int, in which case it is not a number at all;
//   - "pre" sorts before every other component, even a missing one;
//   - a missing component ("") sorts before a number but after words,
//     so 1.0 < 1.0.1 but 1.0a < 1.0;
//   - other words compare bytewise, and words sort before numbers (2.3a < 2.3.1).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ltskit {

// -1 if a is older than b, 0 if they are equal, 1 if a is newer.
int compare_versions(std::string_view a, std::string_view b);

// The components, as builtins.splitVersion returns them.
std::vector<std::string> split_version(std::string_view version);

// Orders by compare_versions; for sorting.
struct VersionLess {
  bool operator()(std::string_view a, std::string_view b) const { return compare_versions(a, b) < 0; }
};

}  // namespace ltskit
