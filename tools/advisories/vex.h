// OpenVEX 0.2.0 documents for a channel, built from its triage rows.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/core/error.h"
#include "tools/core/state.h"

namespace ltskit::advisories {

// One statement per advisory x package of the channel. Products are
// identified by the package and the channel: "pkg:nix/PNAME@VERSION?channel=NAME".
Result<nlohmann::json> build_vex(Database& db, const std::string& channel, const std::string& author);

// The spec's rules a consumer relies on; returns the problems, empty when valid.
std::vector<std::string> validate_openvex(const nlohmann::json& doc);

}  // namespace ltskit::advisories
