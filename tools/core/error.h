// Errors as values. Every fallible function of ltskit returns a Result<T> (or a
// Status, which is Result<void>). An Error carries a kind, which the CLI maps to
// an exit code, and a message; each layer it travels through may add context
// ("while evaluating commit 1a2b3c"), the innermost first.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ltskit {

enum class ErrorKind {
  kUsage,        // the user asked for something malformed (exit 2)
  kNotFound,     // a named thing (channel, branch, file, package) does not exist
  kInvalid,      // malformed input: config, record, file contents
  kIo,           // the file system or the network failed
  kConflict,     // the request contradicts the current state (exists, EOL, locked)
  kExternal,     // another program (nix, git) failed
  kUnsupported,  // a newer format or a feature this build does not have
  kInternal,     // a bug: an invariant did not hold
};

const char* error_kind_name(ErrorKind kind);

class Error {
 public:
  Error(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  ErrorKind kind() const { return kind_; }
  // The innermost message, without context.
  const std::string& message() const { return message_; }
  // Context lines, innermost first.
  const std::vector<std::string>& context() const { return context_; }

  // Adds a line of context that only the caller knows ("while tracking channel 1.0").
  Error& add_context(std::string line) & {
    context_.push_back(std::move(line));
    return *this;
  }
  Error&& add_context(std::string line) && {
    context_.push_back(std::move(line));
    return std::move(*this);
  }

  // The message followed by its context, one line each, outermost last.
  std::string describe() const;

 private:
  ErrorKind kind_;
  std::string message_;
  std::vector<std::string> context_;
};

Error usage_error(std::string message);
Error not_found(std::string message);
Error invalid(std::string message);
Error io_error(std::string message);
// An io_error whose message ends with strerror(errno_value).
Error errno_error(std::string what, int errno_value);
Error conflict(std::string message);
Error external(std::string message);
Error unsupported(std::string message);
Error internal(std::string message);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    assert(failed_);
    return error_;
  }
  Error&& error() && {
    assert(failed_);
    return std::move(error_);
  }

 private:
  Error error_{ErrorKind::kInternal, ""};
  bool failed_ = false;
};

using Status = Result<void>;

inline Status ok_status() { return Status(); }

}  // namespace ltskit

#define LTS_CONCAT_INNER_(a, b) a##b
#define LTS_CONCAT_(a, b) LTS_CONCAT_INNER_(a, b)

// Returns the error of a failed Status/Result from the enclosing function.
#define LTS_RETURN_IF_ERROR(expr)                                 \
  do {                                                            \
    auto&& lts_status_ = (expr);                                  \
    if (!lts_status_.ok()) return std::move(lts_status_).error(); \
  } while (0)

// `LTS_ASSIGN_OR_RETURN(auto x, f());` binds the value or returns the error.
#define LTS_ASSIGN_OR_RETURN(lhs, expr) LTS_ASSIGN_OR_RETURN_IMPL_(LTS_CONCAT_(lts_result_, __LINE__), lhs, expr)
#define LTS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).error();    \
  lhs = std::move(tmp).value()
