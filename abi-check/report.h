// Reports of a diff: text for people, JSON for machines.
#pragma once

#include <string>

#include "abi-check/abi_diff.h"

namespace ltskit::abi {

struct TextOptions {
  // Also list harmless changes and changes of private types (abidiff's
  // --harmless); they are always counted.
  bool harmless = false;
};

std::string report_text(const Diff& diff, const TextOptions& options = {});
std::string report_json(const Diff& diff);
// abidiff's exit status bits: 4 ABI change, 8 incompatible change.
int exit_status(Verdict verdict);
int exit_status(const Diff& diff);

}  // namespace ltskit::abi
