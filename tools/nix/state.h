// Nix's own state (NIX_STATE_DIR: its database, profiles and GC-root folders).
#pragma once

#include "tools/core/config.h"
#include "tools/core/error.h"

namespace ltskit::nix {

// Makes sure Nix's state exists before Nix runs, so that parallel work never
// meets a brand-new state. Nix creates it lazily on first use, and two Nix
// processes starting together on a new state race ("creating symlink from
// '…/gcroots/profiles' … File exists", "SQLite database … is busy"). The
// first call for a state folder runs `nix-store --init` (with the
// workspace's Nix options) while other callers wait; later calls return at
// once. Thread-safe. Every function of tools/nix calls it before starting
// Nix, so callers that run Nix in parallel need do nothing more; calling it
// up front only moves the cost out of the parallel part.
Status ensure_state_ready(const NixConfig& config);

}  // namespace ltskit::nix
