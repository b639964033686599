// Version ranges over Nix's version ordering.
//
// Grammar:  range  := clause ( "||" clause )*
//           clause := "*" | constraint ( WS constraint )*
//           constraint := op? version      op := "=" | "==" | "!=" | ">=" | ">" | "<=" | "<"
// A clause is the intersection of its constraints; the range is the union of
// its clauses. A version without an operator means "=". Examples:
//   ">=1.2 <2.0"    "=1.2.3"    "<1.0.1 || >=2.0 <2.0.3"    "*"
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tools/core/error.h"

namespace ltskit {

class VersionRange {
 public:
  enum class Op { kEq, kNe, kGe, kGt, kLe, kLt };
  struct Constraint {
    Op op;
    std::string version;
  };
  using Clause = std::vector<Constraint>;  // empty clause: any version

  // Parses `text`; errors name the offending token.
  static Result<VersionRange> parse(std::string_view text);

  bool contains(std::string_view version) const;
  // The canonical text form (single spaces, explicit operators).
  std::string to_string() const;
  const std::vector<Clause>& clauses() const { return clauses_; }

 private:
  std::vector<Clause> clauses_;
};

}  // namespace ltskit
