// Deciding whether a package version is affected by an advisory, with Nix's
// version ordering:
//  - OSV: the schema's algorithm. A version is affected if it is listed in
//    `versions` or some SEMVER/ECOSYSTEM range affects it: events are sorted
//    by version ("0" first, ties keep their order), `introduced` opens,
//    `fixed` and `last_affected` close, and a range with `limit` events only
//    covers versions below some limit ("*" is no limit).
//  - CVE 5: `versions[]` entries are single versions or ranges
//    [version, lessThan) / [version, lessThanOrEqual], "*" meaning unbounded,
//    "0"/"*" as a start meaning the beginning; `changes` switch the status
//    inside a range from `at` on; exact entries win over ranges, an affected
//    range wins over an unaffected one; otherwise `defaultStatus`.
#pragma once

#include <string>
#include <string_view>

#include "tools/advisories/advisory.h"

namespace ltskit::advisories {

struct Decision {
  enum class State { kAffected, kFixed, kNotAffected, kUnknown };
  State state = State::kUnknown;
  std::string why;  // "1.0.0 < fixed 1.0.1", "1.0.0 is before introduced 1.1.0"
};
const char* decision_state_name(Decision::State s);

// The OSV algorithm on one range (GIT ranges never match a version).
bool osv_range_affects(const OsvRange& range, std::string_view version);

Decision decide(const AffectedPackage& package, std::string_view version);

}  // namespace ltskit::advisories
