// Reading what a published generation's manifest.json says it publishes
// (docs/formats/publish.md), for the ABI gate and for `build`.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace ltskit::publish {

// attr -> output name -> store path, from GEN/manifest.json. Entries that
// are not well formed are left out, and a manifest that cannot be read
// gives none: a hand-edited manifest never throws.
std::map<std::string, std::map<std::string, std::string>> manifest_packages(const std::filesystem::path& gen);

}  // namespace ltskit::publish
