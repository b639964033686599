#include "abi-check/suppressions.h"

#include <fnmatch.h>
#include <toml++/toml.h>

#include <set>

#include "abi-check/file_io.h"

namespace ltskit::abi {

namespace {
bool glob(const std::string& pattern, const std::string& s) {
  return !pattern.empty() && fnmatch(pattern.c_str(), s.c_str(), 0) == 0;
}
}  // namespace

const Suppression* Suppressions::find_symbol(const std::string& mangled, const std::string& demangled) const {
  for (const auto& e : entries)
    if (glob(e.symbol, mangled) || glob(e.symbol, demangled)) return &e;
  return nullptr;
}

const Suppression* Suppressions::find_type(const std::string& type_name) const {
  for (const auto& e : entries)
    if (glob(e.type, type_name)) return &e;
  return nullptr;
}

const Suppression* Suppressions::find_soname(const std::string& soname) const {
  for (const auto& e : entries)
    if (glob(e.soname, soname)) return &e;
  return nullptr;
}

std::string Suppressions::match_symbol(const std::string& mangled, const std::string& demangled) const {
  const Suppression* e = find_symbol(mangled, demangled);
  return e ? e->reason : "";
}

std::string Suppressions::match_type(const std::string& type_name) const {
  const Suppression* e = find_type(type_name);
  return e ? e->reason : "";
}

std::string Suppressions::match_soname(const std::string& soname) const {
  const Suppression* e = find_soname(soname);
  return e ? e->reason : "";
}

std::string describe_suppression(const Suppression& s) {
  const char* key = !s.symbol.empty() ? "symbol" : !s.type.empty() ? "type" : "soname";
  const std::string& pattern = !s.symbol.empty() ? s.symbol : !s.type.empty() ? s.type : s.soname;
  return std::string(key) + " = \"" + pattern + "\" (" + s.reason + ")";
}

Expected<Suppression> make_suppression(const std::vector<std::pair<std::string, std::string>>& fields,
                                       const std::string& where) {
  Suppression s;
  std::set<std::string> seen;
  for (const auto& [key, value] : fields) {
    std::string* dst = key == "symbol"   ? &s.symbol
                       : key == "type"   ? &s.type
                       : key == "soname" ? &s.soname
                       : key == "reason" ? &s.reason
                                         : nullptr;
    if (!dst) return Error{ErrorCode::kInvalid, where + ": key '" + key + "': unknown key"};
    if (!seen.insert(key).second) return Error{ErrorCode::kInvalid, where + ": key '" + key + "': given twice"};
    if (value.empty() && key != "reason")
      return Error{ErrorCode::kInvalid, where + ": key '" + key + "': the pattern is empty"};
    *dst = value;
  }
  if (s.reason.empty()) return Error{ErrorCode::kInvalid, where + ": every suppression needs a reason"};
  if (seen.count("symbol") + seen.count("type") + seen.count("soname") != 1)
    return Error{ErrorCode::kInvalid, where + ": give exactly one of symbol, type, soname"};
  return s;
}

Expected<Suppressions> parse_suppressions(std::string_view toml_text, const std::string& origin) {
  Suppressions out;
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return Error{ErrorCode::kInvalid,
                 origin + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description())};
  }
  auto at = [&](const toml::source_region& r) { return origin + ":" + std::to_string(r.begin.line); };
  for (const auto& [k, v] : root) {
    if (k.str() != "suppress")
      return Error{ErrorCode::kInvalid, at(k.source()) + ": key '" + std::string(k.str()) + "': unknown key"};
  }
  const toml::node* node = root.get("suppress");
  if (!node) return out;
  const toml::array* arr = node->as_array();
  if (!arr) return Error{ErrorCode::kInvalid, at(node->source()) + ": key 'suppress': expected [[suppress]] tables"};
  size_t i = 0;
  for (const auto& entry : *arr) {
    std::string where = at(entry.source()) + ": suppress[" + std::to_string(i++) + "]";
    const toml::table* t = entry.as_table();
    if (!t) return Error{ErrorCode::kInvalid, where + ": expected a table"};
    std::vector<std::pair<std::string, std::string>> fields;
    for (const auto& [k, v] : *t) {
      const auto* sv = v.as_string();
      if (!sv) return Error{ErrorCode::kInvalid, where + ": key '" + std::string(k.str()) + "': expected a string"};
      fields.emplace_back(std::string(k.str()), sv->get());
    }
    auto s = make_suppression(fields, where);
    if (!s.ok()) return s.error();
    out.entries.push_back(std::move(*s));
  }
  return out;
}

Expected<Suppressions> load_suppressions(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return text.error();
  return parse_suppressions(*text, path);
}

}  // namespace ltskit::abi
