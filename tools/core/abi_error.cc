#include "tools/core/abi_error.h"

namespace ltskit {

Error from_abi_error(const abi::Error& error) {
  switch (error.code) {
    case abi::ErrorCode::kNotFound: return not_found(error.message);
    case abi::ErrorCode::kIo: return io_error(error.message);
    case abi::ErrorCode::kInvalid: return invalid(error.message);
    case abi::ErrorCode::kUnsupported: return unsupported(error.message);
    case abi::ErrorCode::kUsage: return usage_error(error.message);
  }
  return internal(error.message);
}

}  // namespace ltskit
