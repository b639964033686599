#include "abi-check/model_json.h"

#include <nlohmann/json.hpp>

namespace ltskit::abi {

using nlohmann::json;

namespace {

const char* symbol_kind_name(SymbolKind k) {
  return k == SymbolKind::kFunction ? "function" : k == SymbolKind::kObject ? "object" : "tls";
}

json member_json(const Member& m) {
  json j = {{"name", m.name}, {"type", m.type}, {"offset_bits", m.offset_bits}};
  if (m.bit_size) j["bit_size"] = m.bit_size;
  return j;
}

Member member_from(const json& j) {
  Member m;
  m.name = j.value("name", "");
  m.type = j.at("type").get<std::string>();
  m.offset_bits = j.value("offset_bits", int64_t{0});
  m.bit_size = j.value("bit_size", int64_t{0});
  return m;
}

}  // namespace

std::string model_to_json(const Model& m) {
  json j;
  j["format"] = "ltsabi-model";
  j["format_version"] = Model::kFormatVersion;
  j["path"] = m.path;
  j["soname"] = m.soname;
  j["needed"] = m.needed;
  j["has_debug_info"] = m.has_debug_info;
  if (!m.source_dirs.empty()) j["source_dirs"] = m.source_dirs;
  if (!m.debug_notes.empty()) j["debug_notes"] = m.debug_notes;
  json syms = json::array();
  for (const auto& [k, s] : m.symbols)
    syms.push_back({{"name", s.name},
                    {"version", s.version},
                    {"default", s.default_version},
                    {"kind", symbol_kind_name(s.kind)},
                    {"size", s.size},
                    {"binding", s.binding},
                    {"visibility", s.visibility},
                    {"address", s.address}});
  j["symbols"] = syms;
  json fns = json::array();
  for (const auto& [k, f] : m.functions)
    fns.push_back({{"symbol", f.symbol}, {"name", f.name}, {"return", f.return_type}, {"params", f.params}});
  j["functions"] = fns;
  json vars = json::array();
  for (const auto& [k, v] : m.variables) vars.push_back({{"symbol", v.symbol}, {"name", v.name}, {"type", v.type}});
  j["variables"] = vars;
  json types = json::object();
  for (const auto& [k, t] : m.types) {
    json jt = {{"kind", type_kind_name(t.kind)}, {"name", t.name}, {"size", t.size}};
    if (t.declaration_only) jt["declaration_only"] = true;
    if (t.cxx) jt["cxx"] = true;
    if (!t.decl_file.empty()) jt["file"] = t.decl_file;
    if (t.decl_line) jt["line"] = t.decl_line;
    if (!t.containing.empty()) jt["class"] = t.containing;
    if (!t.target.empty()) jt["target"] = t.target;
    if (t.count) jt["count"] = t.count;
    if (!t.params.empty()) jt["params"] = t.params;
    if (!t.members.empty()) {
      json ms = json::array();
      for (const auto& mem : t.members) ms.push_back(member_json(mem));
      jt["members"] = ms;
    }
    if (!t.bases.empty()) {
      json bs = json::array();
      for (const auto& b : t.bases) bs.push_back(member_json(b));
      jt["bases"] = bs;
    }
    if (!t.vtable.empty()) {
      json vs = json::array();
      for (const auto& v : t.vtable) vs.push_back({{"index", v.index}, {"name", v.name}});
      jt["vtable"] = vs;
    }
    if (!t.enumerators.empty()) {
      json es = json::array();
      for (const auto& e : t.enumerators) es.push_back({{"name", e.name}, {"value", e.value}});
      jt["enumerators"] = es;
    }
    types[k] = jt;
  }
  j["types"] = types;
  return j.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

bool looks_like_dump(const std::string& bytes) {
  for (char c : bytes) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    return c == '{';
  }
  return false;
}

Expected<Model> model_from_json(const std::string& text, const std::string& source) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{ErrorCode::kInvalid, source + ": not a JSON ABI dump"};
  // Read by hand: json::value() throws on a field of the wrong type.
  auto format = j.find("format");
  if (format == j.end() || !format->is_string() || format->get<std::string>() != "ltsabi-model")
    return Error{ErrorCode::kUnsupported, source + ": not an ltsabi dump (field 'format')"};
  auto format_version = j.find("format_version");
  if (format_version == j.end() || !format_version->is_number_integer())
    return Error{ErrorCode::kInvalid, source + ": field 'format_version' is missing or invalid"};
  int64_t version = format_version->get<int64_t>();
  if (version > Model::kFormatVersion)
    return Error{ErrorCode::kUnsupported, source + ": dump format version " + std::to_string(version) +
                                              " is newer than this ltsabi (" + std::to_string(Model::kFormatVersion) +
                                              ")"};
  if (version < 1) return Error{ErrorCode::kInvalid, source + ": field 'format_version' is missing or invalid"};
  if (version < Model::kFormatVersion)
    return Error{ErrorCode::kUnsupported, source + ": dump format version " + std::to_string(version) +
                                              " is older than this ltsabi's (" + std::to_string(Model::kFormatVersion) +
                                              "), which keys types differently: dump the library again"};
  Model m;
  try {
    m.path = j.value("path", source);
    m.soname = j.value("soname", "");
    m.needed = j.value("needed", std::vector<std::string>{});
    m.has_debug_info = j.value("has_debug_info", false);
    m.source_dirs = j.value("source_dirs", std::vector<std::string>{});
    m.debug_notes = j.value("debug_notes", std::vector<std::string>{});
    for (const auto& s : j.at("symbols")) {
      Symbol sym;
      sym.name = s.at("name").get<std::string>();
      sym.version = s.value("version", "");
      sym.default_version = s.value("default", true);
      std::string kind = s.value("kind", "function");
      sym.kind = kind == "object" ? SymbolKind::kObject : kind == "tls" ? SymbolKind::kTls : SymbolKind::kFunction;
      sym.size = s.value("size", uint64_t{0});
      sym.binding = s.value("binding", "global");
      sym.visibility = s.value("visibility", "default");
      sym.address = s.value("address", uint64_t{0});
      m.symbols[sym.key()] = sym;
    }
    for (const auto& f : j.at("functions")) {
      Function fn;
      fn.symbol = f.at("symbol").get<std::string>();
      fn.name = f.value("name", fn.symbol);
      fn.return_type = f.value("return", "void");
      fn.params = f.value("params", std::vector<std::string>{});
      m.functions[fn.symbol] = fn;
    }
    for (const auto& v : j.at("variables")) {
      Variable var;
      var.symbol = v.at("symbol").get<std::string>();
      var.name = v.value("name", var.symbol);
      var.type = v.value("type", "unknown");
      m.variables[var.symbol] = var;
    }
    for (const auto& [k, jt] : j.at("types").items()) {
      Type t;
      auto kind = type_kind_from_name(jt.value("kind", "unknown"));
      if (!kind) return Error{ErrorCode::kInvalid, source + ": types['" + k + "'].kind is unknown"};
      t.kind = *kind;
      t.name = jt.value("name", k);
      t.size = jt.value("size", uint64_t{0});
      t.declaration_only = jt.value("declaration_only", false);
      t.cxx = jt.value("cxx", false);
      t.decl_file = jt.value("file", std::string());
      t.decl_line = jt.value("line", int64_t{0});
      t.containing = jt.value("class", std::string());
      t.target = jt.value("target", "");
      t.count = jt.value("count", uint64_t{0});
      t.params = jt.value("params", std::vector<std::string>{});
      if (jt.contains("members"))
        for (const auto& mem : jt["members"]) t.members.push_back(member_from(mem));
      if (jt.contains("bases"))
        for (const auto& b : jt["bases"]) t.bases.push_back(member_from(b));
      if (jt.contains("vtable"))
        for (const auto& v : jt["vtable"])
          t.vtable.push_back({v.at("index").get<int64_t>(), v.at("name").get<std::string>()});
      if (jt.contains("enumerators"))
        for (const auto& e : jt["enumerators"])
          t.enumerators.push_back({e.at("name").get<std::string>(), e.at("value").get<int64_t>()});
      m.types[k] = std::move(t);
    }
  } catch (const json::exception& e) {
    return Error{ErrorCode::kInvalid, source + ": malformed ABI dump (" + e.what() + ")"};
  }
  return m;
}

}  // namespace ltskit::abi
