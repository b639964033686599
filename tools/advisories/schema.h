// The tables the advisories module owns: advisories with their aliases and
// affected ranges, what each source last delivered, triage and its history.
#pragma once

#include "tools/core/state.h"

namespace ltskit::advisories {

const Schema& advisories_schema();

}  // namespace ltskit::advisories
