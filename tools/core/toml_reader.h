// Strict reading of TOML tables: every key a reader does not ask for is an
// error, and so is a value of the wrong type. Errors name the file, the line
// and the dotted key ("channels/1.0.toml:3: key 'brnch': unknown key").
// This and toml_reader.cc are the only places that include toml++.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tools/core/error.h"

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace ltskit {

class TomlDocument;

// A view of one table of a parsed document.
class TomlTable {
 public:
  Result<std::optional<std::string>> opt_string(const std::string& key);
  Result<std::string> string(const std::string& key);  // required
  Result<std::optional<int64_t>> opt_int(const std::string& key);
  Result<std::optional<bool>> opt_bool(const std::string& key);
  // An array of strings; absent means empty.
  Result<std::vector<std::string>> string_array(const std::string& key);
  // A table of string values; absent means empty.
  Result<std::map<std::string, std::string>> string_map(const std::string& key);
  // Every key of this table with its value, each of which must be a string
  // (for tables whose keys another component validates).
  Result<std::vector<std::pair<std::string, std::string>>> all_strings();
  Result<std::optional<TomlTable>> opt_table(const std::string& key);
  // An array of tables ([[key]]); absent means empty.
  Result<std::vector<TomlTable>> table_array(const std::string& key);
  bool has(const std::string& key) const;
  // Whether `key` is present and a string (for keys that take a number or a word).
  bool is_string(const std::string& key) const;

  // Fails on the first key nobody asked for.
  Status finish() const;

  // "FILE:LINE: key 'a.b'" prefix for an error about `key`.
  std::string where(const std::string& key) const;
  // "FILE:LINE: a.b[0]": this table itself, for errors about it as a whole.
  std::string location() const;
  const std::string& file() const { return file_; }

 private:
  friend class TomlDocument;
  TomlTable(const toml::table* t, std::string file, std::string prefix)
      : table_(t),
        file_(std::move(file)),
        prefix_(std::move(prefix)),
        used_(std::make_shared<std::set<std::string>>()) {}
  const toml::node* get(const std::string& key) const;
  Error type_error(const std::string& key, const char* expected) const;

  const toml::table* table_;
  std::string file_;
  std::string prefix_;
  std::shared_ptr<std::set<std::string>> used_;
};

class TomlDocument {
 public:
  // Parses `path`; syntax errors name the file, line and column.
  static Result<TomlDocument> parse_file(const std::filesystem::path& path);
  // Parses `text`; `name` is used in error messages.
  static Result<TomlDocument> parse(const std::string& text, const std::string& name);

  TomlDocument(TomlDocument&&) noexcept;
  TomlDocument& operator=(TomlDocument&&) noexcept;
  ~TomlDocument();

  TomlTable root() const;

 private:
  TomlDocument();
  std::unique_ptr<toml::table> table_;
  std::string name_;
};

// Quotes a string for writing into a TOML file.
std::string toml_quote(const std::string& s);

}  // namespace ltskit
