// The ABI model as a versioned JSON document (`ltsabi dump`), and back.
#pragma once

#include <string>

#include "abi-check/abi_model.h"

namespace ltskit::abi {

std::string model_to_json(const Model& model);
// Loads a dump; a document written by a newer format version is an error.
Expected<Model> model_from_json(const std::string& text, const std::string& source);
// True when `bytes` look like a JSON dump rather than an ELF file.
bool looks_like_dump(const std::string& bytes);

}  // namespace ltskit::abi
