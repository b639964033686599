// abi-check's errors as ltskit's: abi-check depends on nothing of ltskit, so
// its Error carries its own code, which maps one to one onto ErrorKind.
#pragma once

#include "abi-check/abi_model.h"
#include "tools/core/error.h"

namespace ltskit {

Error from_abi_error(const abi::Error& error);

}  // namespace ltskit
