#include "abi-check/suppressions.h"

#include <fnmatch.h>

#include <toml++/toml.h>

namespace ltskit::abi {

namespace {
bool glob(const std::string& pattern, const std::string& s) {
  return !pattern.empty() && fnmatch(pattern.c_str(), s.c_str(), 0) == 0;
}
}  // namespace

std::string Suppressions::match_symbol(const std::string& mangled, const std::string& demangled) const {
  for (const auto& e : entries)
    if (glob(e.symbol, mangled) || glob(e.symbol, demangled)) return e.reason;
  return "";
}

std::string Suppressions::match_type(const std::string& type_name) const {
  for (const auto& e : entries)
    if (glob(e.type, type_name)) return e.reason;
  return "";
}

std::string Suppressions::match_soname(const std::string& soname) const {
  for (const auto& e : entries)
    if (glob(e.soname, soname)) return e.reason;
  return "";
}

Expected<Suppressions> load_suppressions(const std::string& path) {
  Suppressions out;
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Error{path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description())};
  }
  for (const auto& [k, v] : root) {
    if (k.str() != "suppress")
      return Error{path + ":" + std::to_string(k.source().begin.line) + ": key '" + std::string(k.str()) + "': unknown key"};
  }
  const toml::array* arr = root["suppress"].as_array();
  if (!arr) return out;
  size_t i = 0;
  for (const auto& node : *arr) {
    const toml::table* t = node.as_table();
    std::string where = path + ":" + std::to_string(node.source().begin.line) + ": suppress[" + std::to_string(i++) + "]";
    if (!t) return Error{where + ": expected a table"};
    Suppression s;
    for (const auto& [k, v] : *t) {
      std::string key(k.str());
      const auto* sv = v.as_string();
      if (!sv) return Error{where + ": key '" + key + "': expected a string"};
      if (key == "symbol") s.symbol = sv->get();
      else if (key == "type") s.type = sv->get();
      else if (key == "soname") s.soname = sv->get();
      else if (key == "reason") s.reason = sv->get();
      else return Error{where + ": key '" + key + "': unknown key"};
    }
    if (s.reason.empty()) return Error{where + ": every suppression needs a reason"};
    if (s.symbol.empty() + s.type.empty() + s.soname.empty() != 2)
      return Error{where + ": give exactly one of symbol, type, soname"};
    out.entries.push_back(std::move(s));
  }
  return out;
}

}  // namespace ltskit::abi
