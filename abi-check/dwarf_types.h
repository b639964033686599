// Reading the types of exported functions and variables from DWARF (4 and 5).
#pragma once

#include <elfutils/libdw.h>

#include "abi-check/abi_model.h"

namespace ltskit::abi {

// Fills model.functions, model.variables and model.types for the symbols
// already in model.symbols. Cycles in the type graph are cut by naming
// aggregates by key; recursion depth and type counts are bounded.
Expected<bool> read_dwarf_types(Dwarf* dwarf, const std::string& path, Model& model);

}  // namespace ltskit::abi
