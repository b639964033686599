// The workspace's Nix settings on a Nix command line.
#pragma once

#include <string>
#include <vector>

#include "tools/core/config.h"

namespace ltskit::nix {

// Appends `--option NAME VALUE` for each of the workspace's Nix options, so
// that every Nix command ltskit runs sees the same settings.
void append_options(std::vector<std::string>& argv, const NixConfig& config);

}  // namespace ltskit::nix
