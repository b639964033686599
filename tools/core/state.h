// The workspace state database: SQLite in WAL mode, its schema versioned by
// migrations recorded in the `schema_version` table. This and state.cc are
// the only places that include sqlite3.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/core/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ltskit {

// One step of the schema: `version` is the schema version after it runs.
struct Migration {
  int version;
  const char* sql;
};

// The migrations of ltskit's own schema, in order.
const std::vector<Migration>& ltskit_migrations();

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
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  // Opens (creating if needed) the database at `path` and brings its schema up
  // to the last of `migrations`. A database whose schema is newer than the last
  // migration is refused with a kUnsupported error, never downgraded.
  static Result<Database> open(const std::filesystem::path& path,
                               const std::vector<Migration>& migrations = ltskit_migrations());

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  int schema_version() const { return schema_version_; }
  int64_t last_insert_rowid() const;
  int changes() const;
  const std::filesystem::path& path() const { return path_; }

  // Runs `body` inside BEGIN IMMEDIATE … COMMIT; any error rolls everything back.
  Status transaction(const std::function<Status()>& body);

 private:
  Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  Status migrate(const std::vector<Migration>& migrations);
  Error sqlite_error(std::string_view what) const;

  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  int schema_version_ = 0;
  int transaction_depth_ = 0;
};

}  // namespace ltskit
