#include "tools/core/toml_reader.h"

#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "tools/core/quote.h"

namespace ltskit {
namespace {

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "nothing";
  }
}

std::string line_of(const toml::node& n) {
  const auto& src = n.source();
  if (src.begin.line == 0) return "";
  return std::to_string(src.begin.line);
}

}  // namespace

const toml::node* TomlTable::get(const std::string& key) const {
  used_->insert(key);
  return table_->get(key);
}

std::string TomlTable::where(const std::string& key) const {
  const toml::node* n = table_->get(key);
  std::string line = n ? line_of(*n) : line_of(*table_);
  std::string out = file_;
  if (!line.empty()) out += ":" + line;
  out += ": key '" + prefix_ + key + "'";
  return out;
}

Error TomlTable::type_error(const std::string& key, const char* expected) const {
  const toml::node* n = table_->get(key);
  return invalid(where(key) + ": expected " + expected + ", found " + (n ? type_name(*n) : "nothing"));
}

bool TomlTable::has(const std::string& key) const { return table_->contains(key); }

Result<std::optional<std::string>> TomlTable::opt_string(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return std::optional<std::string>();
  if (!n->is_string()) return type_error(key, "a string");
  return std::optional<std::string>(n->as_string()->get());
}

Result<std::string> TomlTable::string(const std::string& key) {
  LTS_ASSIGN_OR_RETURN(auto v, opt_string(key));
  if (!v) {
    std::string line = line_of(*table_);
    return invalid(file_ + (line.empty() ? "" : ":" + line) + ": missing required key '" + prefix_ + key + "'");
  }
  return *v;
}

Result<std::optional<int64_t>> TomlTable::opt_int(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return std::optional<int64_t>();
  if (!n->is_integer()) return type_error(key, "an integer");
  return std::optional<int64_t>(n->as_integer()->get());
}

bool TomlTable::is_string(const std::string& key) const {
  const toml::node* n = get(key);
  return n && n->is_string();
}

Result<std::optional<bool>> TomlTable::opt_bool(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return std::optional<bool>();
  if (!n->is_boolean()) return type_error(key, "a boolean");
  return std::optional<bool>(n->as_boolean()->get());
}

Result<std::vector<std::string>> TomlTable::string_array(const std::string& key) {
  const toml::node* n = get(key);
  std::vector<std::string> out;
  if (!n) return out;
  if (!n->is_array()) return type_error(key, "an array of strings");
  for (const auto& e : *n->as_array()) {
    if (!e.is_string()) return type_error(key, "an array of strings");
    out.push_back(e.as_string()->get());
  }
  return out;
}

Result<std::map<std::string, std::string>> TomlTable::string_map(const std::string& key) {
  const toml::node* n = get(key);
  std::map<std::string, std::string> out;
  if (!n) return out;
  if (!n->is_table()) return type_error(key, "a table of strings");
  for (const auto& [k, v] : *n->as_table()) {
    if (!v.is_string()) {
      std::string line = line_of(v);
      return invalid(file_ + (line.empty() ? "" : ":" + line) + ": key '" + prefix_ + key + "." + std::string(k.str()) +
                     "': expected a string, found " + type_name(v));
    }
    out[std::string(k.str())] = v.as_string()->get();
  }
  return out;
}

Result<std::optional<TomlTable>> TomlTable::opt_table(const std::string& key) {
  const toml::node* n = get(key);
  if (!n) return std::optional<TomlTable>();
  if (!n->is_table()) return type_error(key, "a table");
  return std::optional<TomlTable>(TomlTable(n->as_table(), file_, prefix_ + key + "."));
}

Result<std::vector<std::pair<std::string, std::string>>> TomlTable::all_strings() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : *table_) {
    std::string key(k.str());
    used_->insert(key);
    if (!v.is_string()) return type_error(key, "a string");
    out.emplace_back(key, v.as_string()->get());
  }
  return out;
}

std::string TomlTable::location() const {
  std::string line = line_of(*table_);
  std::string name = prefix_;
  if (!name.empty() && name.back() == '.') name.pop_back();
  return file_ + (line.empty() ? "" : ":" + line) + ": " + (name.empty() ? "top level" : name);
}

Result<std::vector<TomlTable>> TomlTable::table_array(const std::string& key) {
  const toml::node* n = get(key);
  std::vector<TomlTable> out;
  if (!n) return out;
  if (n->is_array() && n->as_array()->empty()) return out;
  if (!n->is_array_of_tables()) return type_error(key, "an array of tables");
  size_t i = 0;
  for (const auto& e : *n->as_array()) {
    out.push_back(TomlTable(e.as_table(), file_, prefix_ + key + "[" + std::to_string(i++) + "]."));
  }
  return out;
}

Status TomlTable::finish() const {
  for (const auto& [k, v] : *table_) {
    std::string key(k.str());
    if (!used_->count(key)) {
      std::string line = line_of(v);
      if (line.empty()) line = std::to_string(k.source().begin.line);
      return invalid(file_ + ":" + line + ": key '" + prefix_ + key + "': unknown key");
    }
  }
  return ok_status();
}

TomlDocument::TomlDocument() = default;
TomlDocument::TomlDocument(TomlDocument&&) noexcept = default;
TomlDocument& TomlDocument::operator=(TomlDocument&&) noexcept = default;
TomlDocument::~TomlDocument() = default;

Result<TomlDocument> TomlDocument::parse(const std::string& text, const std::string& name) {
  TomlDocument doc;
  doc.name_ = name;
  try {
    doc.table_ = std::make_unique<toml::table>(toml::parse(text, name));
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    return invalid(name + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) + ": " +
                   std::string(e.description()));
  }
  return doc;
}

Result<TomlDocument> TomlDocument::parse_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return errno_error("cannot read '" + path.string() + "'", errno);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return errno_error("cannot read '" + path.string() + "'", errno);
  return parse(ss.str(), path.string());
}

TomlTable TomlDocument::root() const { return TomlTable(table_.get(), name_, ""); }

std::string toml_quote(const std::string& s) {
  std::string out;
  append_quoted(out, s);
  return out;
}

}  // namespace ltskit
