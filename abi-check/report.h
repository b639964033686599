// Reports of a diff: text for people, JSON for machines.
#pragma once

#include <string>

#include "abi-check/abi_diff.h"

namespace ltskit::abi {

std::string report_text(const Diff& diff);
std::string report_json(const Diff& diff);
// abidiff's exit status bits: 4 ABI change, 8 incompatible change.
int exit_status(Verdict verdict);
int exit_status(const Diff& diff);

}  // namespace ltskit::abi
