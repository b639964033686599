// Crash points: named places in long work where a `kill -9` matters most
// (just after a transaction committed, inside an open one). Tests set
// LTSKIT_CRASH_AT=NAME or NAME:N and the process kills itself with SIGKILL
// the Nth time (default the first) it reaches NAME: a real kill -9, at a
// point that timing alone hits only by luck. Unset, a crash point costs one
// relaxed atomic load.
#pragma once

#include <string_view>

namespace ltskit {

void crash_point(std::string_view name);

}  // namespace ltskit
