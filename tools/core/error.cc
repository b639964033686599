#include "tools/core/error.h"

#include <cstring>

namespace ltskit {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage: return "usage";
    case ErrorKind::kNotFound: return "not-found";
    case ErrorKind::kInvalid: return "invalid";
    case ErrorKind::kIo: return "io";
    case ErrorKind::kConflict: return "conflict";
    case ErrorKind::kExternal: return "external";
    case ErrorKind::kUnsupported: return "unsupported";
    case ErrorKind::kInternal: return "internal";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string out = message_;
  for (const auto& line : context_) {
    out += "\n  ";
    out += line;
  }
  return out;
}

Error usage_error(std::string message) { return {ErrorKind::kUsage, std::move(message)}; }
Error not_found(std::string message) { return {ErrorKind::kNotFound, std::move(message)}; }
Error invalid(std::string message) { return {ErrorKind::kInvalid, std::move(message)}; }
Error io_error(std::string message) { return {ErrorKind::kIo, std::move(message)}; }
Error errno_error(std::string what, int errno_value) {
  return {ErrorKind::kIo, what + ": " + std::strerror(errno_value)};
}
Error conflict(std::string message) { return {ErrorKind::kConflict, std::move(message)}; }
Error external(std::string message) { return {ErrorKind::kExternal, std::move(message)}; }
Error unsupported(std::string message) { return {ErrorKind::kUnsupported, std::move(message)}; }
Error internal(std::string message) { return {ErrorKind::kInternal, std::move(message)}; }

}  // namespace ltskit
