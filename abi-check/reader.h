// Reading a shared library into an ABI model: ELF symbols through libelf,
// types through libdw. Untrusted input: malformed files give an Error naming
// the file, never a crash, a hang or unbounded memory.
#pragma once

#include <string>

#include "abi-check/abi_model.h"

namespace ltskit::abi {

struct ReadOptions {
  // Where separate debug info is looked for (.gnu_debuglink names and
  // .build-id/xx/yyyy.debug); the library's own folder and its .debug/ are
  // always tried.
  std::string debug_dir;
};

Expected<Model> read_library(const std::string& path, const ReadOptions& options = {});

}  // namespace ltskit::abi
