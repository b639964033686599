// The state database mechanism: SQLite in WAL mode, connections, statements,
// transactions and the migration runner. The tables themselves belong to the
// modules that use them (see Schema). This and state.cc are
// the only places that include sqlite3.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tools/core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ltskit {

// One step of a module's schema: `version` is the module's schema version
// after it runs.
struct Migration {
  int version;
  const char* sql;
};

// The tables one module owns and the migrations that made them, in order.
// Each module (events, track, advisories, …) defines its own; tools/core
// only runs them. A module whose queries need another's tables to exist
// names it in `depends_on`, and that one is migrated first. Versions are per
// module and recorded in the `schema_modules` table.
struct Schema {
  const char* module;
  std::vector<Migration> migrations;
  std::vector<const Schema*> depends_on;
};

// `schemas` and everything they require, each once, requirements first.
std::vector<const Schema*> schema_closure(const std::vector<const Schema*>& schemas);

enum class OpenMode { kReadWrite, kReadOnly };

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite. Each returns *this for chaining.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind_null(int index);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind(int index, const std::optional<std::string>& text);

  // Advances: true when a row is available, false when done.
  Result<bool> step();
  // Steps through every row, calling `f()` for each (it reads the columns).
  // `f` returns void or a Status; an error stops the walk and is returned,
  // as is a failed step.
  template <typename F>
  Status each_row(F&& f) {
    Status s = ok_status();
    while (true) {
      auto row = step();
      if (!row.ok()) {
        s = std::move(row).error();
        break;
      }
      if (!*row) break;
      if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        f();
      } else {
        s = f();
        if (!s.ok()) break;
      }
    }
    reset();  // ready to be bound and run again
    return s;
  }
  // Runs to completion (for statements that return no rows).
  Status run();
  // Resets so the statement can be bound and run again.
  void reset();

  std::string text(int column) const;
  std::string blob(int column) const;
  std::optional<std::string> opt_text(int column) const;
  int64_t integer(int column) const;
  double real(int column) const;
  bool is_null(int column) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void note_bind(int rc);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  // The first failed bind since the last reset (a bind on a statement that
  // was not reset fails): the next step reports it instead of running with
  // stale values.
  int bind_rc_ = 0;
};

class Database {
 public:
  // Opens (creating if needed) the database at `path` and brings each of
  // `schemas` (and what they require) up to its last migration, each
  // migration in its own transaction. A module whose recorded version is
  // newer than its last migration is refused with a kUnsupported error, never
  // downgraded. With OpenMode::kReadOnly nothing is created or migrated and
  // every write fails; needs_migration() then says whether a read-write
  // open would have migrated anything.
  static Result<Database> open(const std::filesystem::path& path, const std::vector<const Schema*>& schemas,
                               OpenMode mode = OpenMode::kReadWrite);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // The recorded schema version of `module` (0 when it has no tables yet).
  int schema_version(const std::string& module) const;
  bool read_only() const { return read_only_; }
  bool needs_migration() const { return needs_migration_; }
  int64_t last_insert_rowid() const;
  int changes() const;
  const std::filesystem::path& path() const { return path_; }

  // Runs `body` inside BEGIN IMMEDIATE … COMMIT; any error rolls everything back.
  Status transaction(const std::function<Status()>& body);

 private:
  Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  // Reads the recorded versions (adopting a database from before per-module
  // versions), then migrates, or in read-only mode only notes what is pending.
  Status migrate(const std::vector<const Schema*>& schemas);
  Status adopt_legacy_versions();
  Result<bool> table_exists(const std::string& name);
  Error sqlite_error(std::string_view what) const;

  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::map<std::string, int> versions_;
  bool read_only_ = false;
  bool needs_migration_ = false;
  int transaction_depth_ = 0;
};

}  // namespace ltskit
