// Reading exported dynamic symbols, SONAME and NEEDED of an open ELF file.
#pragma once

#include <libelf.h>

#include "abi-check/abi_model.h"

namespace ltskit::abi {

Expected<bool> read_elf_symbols(Elf* elf, const std::string& path, Model& model);

}  // namespace ltskit::abi
