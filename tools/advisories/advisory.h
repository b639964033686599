// The normalized advisory model shared by the OSV and CVE JSON 5 parsers,
// the store, the matcher and VEX export.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/core/config.h"

namespace ltskit::advisories {

using Format = AdvisoryFormat;  // tools/core/config.h

// An OSV range event.
struct RangeEvent {
  enum class Kind { kIntroduced, kFixed, kLastAffected, kLimit };
  Kind kind;
  std::string value;
};

struct OsvRange {
  std::string type;  // SEMVER, ECOSYSTEM or GIT
  std::string repo;  // GIT only
  std::vector<RangeEvent> events;
};

// One entry of a CVE 5 `versions[]` array.
struct Cve5Version {
  std::string version;
  std::string status;  // affected | unaffected | unknown
  std::string version_type;
  std::optional<std::string> less_than;
  std::optional<std::string> less_than_or_equal;
  struct Change {
    std::string at;
    std::string status;
  };
  std::vector<Change> changes;
};

struct AffectedPackage {
  // OSV: package.ecosystem / package.name. CVE 5: collectionURL / packageName
  // when given, else vendor / product.
  std::string ecosystem;
  std::string name;
  std::string vendor;
  std::string product;
  // OSV
  std::vector<std::string> versions;
  std::vector<OsvRange> ranges;
  // CVE 5
  bool cve5 = false;
  std::vector<Cve5Version> cve_versions;
  std::string default_status = "unknown";
  // Ranges (OSV) or version entries (CVE 5) left out because a version in
  // them was malformed (empty, control characters), each as "field 'PATH':
  // why". While any was left out, nothing is judged better than unknown:
  // garbage never means fixed.
  std::vector<std::string> skipped;
};

struct Advisory {
  std::string id;
  Format format = Format::kOsv;
  std::string modified;
  std::string published;
  std::optional<std::string> withdrawn;
  std::vector<std::string> aliases;
  std::vector<std::string> upstream;
  std::string summary;
  std::string details;
  std::string severity = "unknown";  // unknown | none | low | medium | high | critical
  double score = -1;                 // CVSS base score when known
  std::string severity_vector;
  std::vector<AffectedPackage> affected;
  std::vector<std::string> references;
  // Commits that fix it, from GIT ranges (`fixed` events) and fix references.
  std::vector<std::string> fix_commits;
};

// Severity ranks for ordering and policy thresholds: unknown 0 … critical 5.
int severity_rank(const std::string& severity);
std::string severity_from_score(double score);

// The CVSS v3.x base score of a vector such as
// "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", or nullopt when malformed.
std::optional<double> cvss3_base_score(const std::string& vector);

}  // namespace ltskit::advisories
