#include "tools/advisories/advisory.h"

#include <cmath>
#include <map>

namespace ltskit::advisories {

int severity_rank(const std::string& s) {
  if (s == "none") return 1;
  if (s == "low") return 2;
  if (s == "medium") return 3;
  if (s == "high") return 4;
  if (s == "critical") return 5;
  return 0;
}

std::string severity_from_score(double score) {
  if (score < 0) return "unknown";
  if (score == 0) return "none";
  if (score < 4.0) return "low";
  if (score < 7.0) return "medium";
  if (score < 9.0) return "high";
  return "critical";
}

namespace {

// CVSS v3.1 "round up to one decimal", as the specification defines it.
double roundup(double x) {
  long long i = std::llround(x * 100000);
  if (i % 10000 == 0) return i / 100000.0;
  return (std::floor(i / 10000.0) + 1) / 10.0;
}

}  // namespace

std::optional<double> cvss3_base_score(const std::string& vector) {
  if (!vector.starts_with("CVSS:3.0/") && !vector.starts_with("CVSS:3.1/")) return std::nullopt;
  std::map<std::string, std::string> m;
  size_t pos = 9;
  while (pos < vector.size()) {
    size_t slash = vector.find('/', pos);
    std::string part = vector.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    size_t colon = part.find(':');
    if (colon == std::string::npos) return std::nullopt;
    m[part.substr(0, colon)] = part.substr(colon + 1);
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  auto get = [&](const char* k) -> std::string {
    auto it = m.find(k);
    return it == m.end() ? "" : it->second;
  };
  std::string av = get("AV"), ac = get("AC"), pr = get("PR"), ui = get("UI"), s = get("S"), c = get("C"), i = get("I"),
              a = get("A");
  std::map<std::string, double> AV = {{"N", 0.85}, {"A", 0.62}, {"L", 0.55}, {"P", 0.2}};
  std::map<std::string, double> AC = {{"L", 0.77}, {"H", 0.44}};
  std::map<std::string, double> UI = {{"N", 0.85}, {"R", 0.62}};
  std::map<std::string, double> CIA = {{"H", 0.56}, {"L", 0.22}, {"N", 0}};
  if (!AV.count(av) || !AC.count(ac) || !UI.count(ui) || !CIA.count(c) || !CIA.count(i) || !CIA.count(a) ||
      (s != "U" && s != "C"))
    return std::nullopt;
  bool changed = s == "C";
  double prv;
  if (pr == "N") prv = 0.85;
  else if (pr == "L") prv = changed ? 0.68 : 0.62;
  else if (pr == "H") prv = changed ? 0.5 : 0.27;
  else return std::nullopt;
  double iss = 1 - (1 - CIA[c]) * (1 - CIA[i]) * (1 - CIA[a]);
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  double exploit = 8.22 * AV[av] * AC[ac] * prv * UI[ui];
  if (impact <= 0) return 0.0;
  if (changed) return roundup(std::min(1.08 * (impact + exploit), 10.0));
  return roundup(std::min(impact + exploit, 10.0));
}

}  // namespace ltskit::advisories
