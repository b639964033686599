#include "tools/core/version.h"

#include <climits>
#include <optional>

namespace ltskit {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The next component starting at `p`, advancing `p` past it. Separators before
// the component are skipped; an empty view means the end was reached.
std::string_view next_component(std::string_view s, size_t& p) {
  while (p < s.size() && (s[p] == '.' || s[p] == '-')) ++p;
  if (p == s.size()) return {};
  size_t start = p;
  if (is_digit(s[p])) {
    while (p < s.size() && is_digit(s[p])) ++p;
  } else {
    while (p < s.size() && !is_digit(s[p]) && s[p] != '.' && s[p] != '-') ++p;
  }
  return s.substr(start, p - start);
}

// Nix parses numeric components with string2Int<int>: all digits, and the
// value must fit an int. Anything else is "not a number".
std::optional<int> as_int(std::string_view c) {
  if (c.empty()) return std::nullopt;
  long long v = 0;
  for (char ch : c) {
    if (!is_digit(ch)) return std::nullopt;
    v = v * 10 + (ch - '0');
    if (v > INT_MAX) return std::nullopt;
  }
  return static_cast<int>(v);
}

bool components_less(std::string_view c1, std::string_view c2) {
  auto n1 = as_int(c1);
  auto n2 = as_int(c2);
  if (n1 && n2) return *n1 < *n2;
  if (c1.empty() && n2) return true;
  if (c1 == "pre" && c2 != "pre") return true;
  if (c2 == "pre") return false;
  // Assume that 2.3a < 2.3.1.
  if (n2) return true;
  if (n1) return false;
  return c1 < c2;
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  size_t p1 = 0, p2 = 0;
  while (p1 < a.size() || p2 < b.size()) {
    std::string_view c1 = next_component(a, p1);
    std::string_view c2 = next_component(b, p2);
    if (components_less(c1, c2)) return -1;
    if (components_less(c2, c1)) return 1;
  }
  return 0;
}

std::vector<std::string> split_version(std::string_view version) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p < version.size()) {
    std::string_view c = next_component(version, p);
    if (c.empty()) break;
    out.emplace_back(c);
  }
  return out;
}

}  // namespace ltskit
