// policies/package-map.toml: explicit mappings from advisory package names
// (OSV ecosystem/name, CVE 5 collectionURL/packageName or vendor/product) to
// package-set pnames, and explicit non-matches. See docs/formats/package-map.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tools/core/error.h"

namespace ltskit::advisories {

struct PackageMapEntry {
  std::string ecosystem, name;  // OSV / CVE 5 collection
  std::string vendor, product;  // CVE 5
  std::string pname;            // map: the target; ignore: optional restriction
  std::string reason;
  int line = 0;
  std::string describe() const;  // "package-map.toml:12 (vendor/product demo/libsafe)"
  std::string file;
  // True when an affected entry with these names is the one this entry names.
  bool names(const std::string& eco, const std::string& nm, const std::string& ven, const std::string& prod) const;
};

struct PackageMap {
  std::vector<PackageMapEntry> maps;
  std::vector<PackageMapEntry> ignores;
};

// A missing file is an empty map.
Result<PackageMap> load_package_map(const std::filesystem::path& file);

}  // namespace ltskit::advisories
