#include "tools/core/version_range.h"

#include "tools/core/version.h"

namespace ltskit {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

const char* op_text(VersionRange::Op op) {
  switch (op) {
    case VersionRange::Op::kEq: return "=";
    case VersionRange::Op::kNe: return "!=";
    case VersionRange::Op::kGe: return ">=";
    case VersionRange::Op::kGt: return ">";
    case VersionRange::Op::kLe: return "<=";
    case VersionRange::Op::kLt: return "<";
  }
  return "?";
}

bool satisfies(const VersionRange::Constraint& c, std::string_view v) {
  int cmp = compare_versions(v, c.version);
  switch (c.op) {
    case VersionRange::Op::kEq: return cmp == 0;
    case VersionRange::Op::kNe: return cmp != 0;
    case VersionRange::Op::kGe: return cmp >= 0;
    case VersionRange::Op::kGt: return cmp > 0;
    case VersionRange::Op::kLe: return cmp <= 0;
    case VersionRange::Op::kLt: return cmp < 0;
  }
  return false;
}

Result<VersionRange::Clause> parse_clause(std::string_view text, std::string_view whole) {
  VersionRange::Clause clause;
  size_t i = 0;
  bool star = false;
  while (true) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size()) break;
    if (star) return usage_error("version range '" + std::string(whole) + "': '*' must stand alone");
    size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    std::string_view tok = text.substr(start, i - start);
    if (tok == "*") {
      if (!clause.empty()) return usage_error("version range '" + std::string(whole) + "': '*' must stand alone");
      star = true;
      continue;
    }
    VersionRange::Op op = VersionRange::Op::kEq;
    size_t oplen = 0;
    if (tok.starts_with(">=")) op = VersionRange::Op::kGe, oplen = 2;
    else if (tok.starts_with("<=")) op = VersionRange::Op::kLe, oplen = 2;
    else if (tok.starts_with("==")) op = VersionRange::Op::kEq, oplen = 2;
    else if (tok.starts_with("!=")) op = VersionRange::Op::kNe, oplen = 2;
    else if (tok.starts_with(">")) op = VersionRange::Op::kGt, oplen = 1;
    else if (tok.starts_with("<")) op = VersionRange::Op::kLt, oplen = 1;
    else if (tok.starts_with("=")) op = VersionRange::Op::kEq, oplen = 1;
    std::string_view ver = tok.substr(oplen);
    if (ver.empty()) {
      // Allow a space between operator and version: ">= 1.2".
      while (i < text.size() && is_space(text[i])) ++i;
      size_t vstart = i;
      while (i < text.size() && !is_space(text[i])) ++i;
      ver = text.substr(vstart, i - vstart);
    }
    if (ver.empty())
      return usage_error("version range '" + std::string(whole) + "': operator '" + std::string(tok) +
                         "' has no version");
    for (char c : ver) {
      if (c == '<' || c == '>' || c == '=' || c == '!' || c == '|' || c == '*' || c == '~' || c == '^')
        return usage_error("version range '" + std::string(whole) + "': bad version '" + std::string(ver) +
                           "' (operators: = != < <= > >=, '||' between alternatives; no ~ or ^)");
    }
    clause.push_back({op, std::string(ver)});
  }
  if (!star && clause.empty()) return usage_error("version range '" + std::string(whole) + "': empty alternative");
  return clause;
}

}  // namespace

Result<VersionRange> VersionRange::parse(std::string_view text) {
  VersionRange range;
  size_t start = 0;
  while (true) {
    size_t bar = text.find("||", start);
    std::string_view part = text.substr(start, bar == std::string_view::npos ? bar : bar - start);
    LTS_ASSIGN_OR_RETURN(Clause clause, parse_clause(part, text));
    range.clauses_.push_back(std::move(clause));
    if (bar == std::string_view::npos) break;
    start = bar + 2;
  }
  return range;
}

bool VersionRange::contains(std::string_view version) const {
  for (const auto& clause : clauses_) {
    bool all = true;
    for (const auto& c : clause) {
      if (!satisfies(c, version)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

std::string VersionRange::to_string() const {
  std::string out;
  for (size_t i = 0; i < clauses_.size(); ++i) {
    if (i) out += " || ";
    if (clauses_[i].empty()) out += "*";
    for (size_t j = 0; j < clauses_[i].size(); ++j) {
      if (j) out += ' ';
      out += op_text(clauses_[i][j].op);
      out += clauses_[i][j].version;
    }
  }
  return out;
}

}  // namespace ltskit
