#include "abi-check/abi_model.h"

#include <cerrno>

namespace ltskit::abi {

namespace {
const char* kKindNames[] = {"void",     "base",    "pointer",        "reference", "rvalue-reference", "const",
                            "volatile", "typedef", "array",          "function",  "struct",           "class",
                            "union",    "enum",    "member-pointer", "unknown"};
}

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kInvalid: return "invalid";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kUsage: return "usage";
  }
  return "?";
}

ErrorCode error_code_from_errno(int err) {
  return err == ENOENT || err == ENOTDIR ? ErrorCode::kNotFound : ErrorCode::kIo;
}

const char* type_kind_name(TypeKind k) { return kKindNames[static_cast<int>(k)]; }

std::optional<TypeKind> type_kind_from_name(const std::string& s) {
  for (int i = 0; i < static_cast<int>(std::size(kKindNames)); ++i)
    if (s == kKindNames[i]) return static_cast<TypeKind>(i);
  return std::nullopt;
}

}  // namespace ltskit::abi
