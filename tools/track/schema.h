// The tables the track module owns: channels, snapshots and their packages
// (with their patch names), which commits belong to which tracked branch.
// Other modules read them only through track's functions.
#pragma once

#include "tools/core/state.h"

namespace ltskit {

const Schema& track_schema();

}  // namespace ltskit
