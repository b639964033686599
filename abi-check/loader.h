// Loading the ABI model of "a shared library or a dump of one": what
// `ltsabi diff OLD NEW` and ltskit's ABI gate take.
#pragma once

#include <string>

#include "abi-check/abi_model.h"
#include "abi-check/reader.h"

namespace ltskit::abi {

// The model in the file at `path`, told apart by its content: a JSON dump
// (model_to_json, `ltsabi dump`) is loaded as such, an ELF file is read with
// read_library and `options`. A dump compares exactly like the library it
// came from. Errors name `path`: kNotFound or kIo when it cannot be read,
// kUnsupported when it is neither ELF nor JSON (or a dump of a newer format),
// kInvalid when it is malformed, kUsage for an empty path.
Expected<Model> load_abi(const std::string& path, const ReadOptions& options = {});

}  // namespace ltskit::abi
