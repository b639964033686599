#include "tools/core/state.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>

namespace ltskit {

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    bind_rc_ = other.bind_rc_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  note_bind(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
  return *this;
}
Statement& Statement::bind(int index, int64_t value) {
  note_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}
Statement& Statement::bind(int index, double value) {
  note_bind(sqlite3_bind_double(stmt_, index, value));
  return *this;
}
Statement& Statement::bind_null(int index) {
  note_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}
Statement& Statement::bind_blob(int index, std::string_view bytes) {
  note_bind(sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

void Statement::note_bind(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
}

Result<bool> Statement::step() {
  if (bind_rc_ != 0) {
    int rc = bind_rc_;
    reset();
    return internal(std::string("state database: cannot bind a parameter (") + sqlite3_errstr(rc) +
                    ") in: " + sqlite3_sql(stmt_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return io_error(std::string("state database: ") + sqlite3_errmsg(db_) + " (in: " + sqlite3_sql(stmt_) + ")");
}

Status Statement::run() {
  while (true) {
    LTS_ASSIGN_OR_RETURN(bool row, step());
    if (!row) break;
  }
  reset();
  return ok_status();
}

void Statement::reset() {
  bind_rc_ = 0;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
  const unsigned char* t = sqlite3_column_text(stmt_, column);
  if (!t) return {};
  return std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}
std::string Statement::blob(int column) const {
  const void* b = sqlite3_column_blob(stmt_, column);
  if (!b) return {};
  return std::string(static_cast<const char*>(b), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> Statement::opt_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}
int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }
bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Database::Database(Database&& other) noexcept
    : db_(other.db_),
      path_(std::move(other.path_)),
      versions_(std::move(other.versions_)),
      read_only_(other.read_only_),
      needs_migration_(other.needs_migration_) {
  other.db_ = nullptr;
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    versions_ = std::move(other.versions_);
    read_only_ = other.read_only_;
    needs_migration_ = other.needs_migration_;
    other.db_ = nullptr;
  }
  return *this;
}

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

Error Database::sqlite_error(std::string_view what) const {
  return io_error("state database '" + path_.string() + "': " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

std::vector<const Schema*> schema_closure(const std::vector<const Schema*>& schemas) {
  std::vector<const Schema*> out;
  std::function<void(const Schema*)> visit = [&](const Schema* s) {
    if (std::find(out.begin(), out.end(), s) != out.end()) return;
    for (const Schema* r : s->depends_on) visit(r);
    out.push_back(s);
  };
  for (const Schema* s : schemas) visit(s);
  return out;
}

namespace {

// A WAL database is read through its -shm index, which a reader creates when
// it is missing, so a read-only folder (an archived workspace, a read-only
// mount, another user's workspace) cannot be read the usual way once the last
// writer closed cleanly and removed the -wal and -shm files. Such a database
// holds every committed change in the main file and is read as immutable
// (no locks, no index). A -wal with content that no -shm indexes cannot be
// read from a read-only folder: that is an error saying so.
Result<bool> needs_immutable_open(const std::filesystem::path& path) {
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  if (::access(dir.c_str(), W_OK) == 0) return false;
  std::error_code ec;
  std::filesystem::path shm = path.string() + "-shm", wal = path.string() + "-wal";
  if (std::filesystem::exists(shm, ec)) return false;  // SQLite reads through it
  auto wal_size = std::filesystem::file_size(wal, ec);
  if (!ec && wal_size > 0)
    return io_error("state database '" + path.string() + "': its folder is read-only and '" + wal.string() +
                    "' holds changes that were never merged into the database; open the workspace once with "
                    "write access (any ltskit command) to merge them");
  return true;
}

std::string immutable_uri(const std::filesystem::path& path) {
  std::string out = "file:";
  for (unsigned char c : std::filesystem::absolute(path).string()) {
    if (c == '%' || c == '?' || c == '#' || c < 0x20 || c >= 0x7f) {
      static const char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "?immutable=1";
}

}  // namespace

Result<Database> Database::open(const std::filesystem::path& path, const std::vector<const Schema*>& schemas,
                                OpenMode mode) {
  sqlite3* raw = nullptr;
  int flags = mode == OpenMode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  std::string name = path.string();
  if (mode == OpenMode::kReadOnly) {
    LTS_ASSIGN_OR_RETURN(bool immutable, needs_immutable_open(path));
    if (immutable) {
      name = immutable_uri(path);
      flags |= SQLITE_OPEN_URI;
    }
  }
  int rc = sqlite3_open_v2(name.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Database db(raw, path);
  if (rc != SQLITE_OK) {
    return io_error("cannot open state database '" + path.string() +
                    "': " + (raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  db.read_only_ = mode == OpenMode::kReadOnly;
  sqlite3_busy_timeout(raw, 10000);
  sqlite3_extended_result_codes(raw, 1);
  if (!db.read_only_) {
    // Larger pages suit the blob-heavy tables (raw advisories); only a new,
    // empty database takes the setting.
    LTS_RETURN_IF_ERROR(db.exec("PRAGMA page_size=16384"));
    LTS_RETURN_IF_ERROR(db.exec("PRAGMA journal_mode=WAL"));
  }
  LTS_RETURN_IF_ERROR(db.exec("PRAGMA synchronous=NORMAL"));
  LTS_RETURN_IF_ERROR(db.exec("PRAGMA foreign_keys=ON"));
  LTS_RETURN_IF_ERROR(db.exec("PRAGMA cache_size=-65536"));  // 64 MiB
  LTS_RETURN_IF_ERROR(db.exec("PRAGMA temp_store=MEMORY"));
  LTS_RETURN_IF_ERROR(db.migrate(schemas));
  return db;
}

Status Database::exec(std::string_view sql) {
  std::string s(sql);
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string m = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return io_error("state database '" + path_.string() + "': " + m);
  }
  return ok_status();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error("cannot prepare '" + std::string(sql) + "'");
  return Statement(db_, stmt);
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }

Status Database::transaction(const std::function<Status()>& body) {
  // Nested calls join the outer transaction.
  if (transaction_depth_ > 0) {
    ++transaction_depth_;
    Status s = body();
    --transaction_depth_;
    return s;
  }
  LTS_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
  ++transaction_depth_;
  Status s = body();
  --transaction_depth_;
  if (!s.ok()) {
    (void)exec("ROLLBACK");
    return s;
  }
  Status c = exec("COMMIT");
  if (!c.ok()) {
    (void)exec("ROLLBACK");
    return c;
  }
  return ok_status();
}

int Database::schema_version(const std::string& module) const {
  auto it = versions_.find(module);
  return it == versions_.end() ? 0 : it->second;
}

Result<bool> Database::table_exists(const std::string& name) {
  LTS_ASSIGN_OR_RETURN(Statement q, prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
  q.bind(1, name);
  return q.step();
}

// Before per-module versions, one counter covered every table: version 1
// made the events and track tables, version 2 the advisories tables and
// track's package_patches.
Status Database::adopt_legacy_versions() {
  LTS_ASSIGN_OR_RETURN(bool legacy, table_exists("schema_version"));
  if (!legacy) return ok_status();
  int64_t v = 0;
  {
    LTS_ASSIGN_OR_RETURN(Statement q, prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
    LTS_ASSIGN_OR_RETURN(bool row, q.step());
    v = row ? q.integer(0) : 0;
  }  // finalized: the table is dropped below
  if (v > 2)
    return unsupported("state database '" + path_.string() + "' has schema version " + std::to_string(v) +
                       ", newer than this ltskit supports; use a newer ltskit");
  std::map<std::string, int> adopted;
  if (v >= 1) adopted = {{"events", 1}, {"track", 1}};
  if (v >= 2) adopted = {{"events", 1}, {"track", 2}, {"advisories", 1}};
  if (read_only_) {
    versions_ = adopted;
    needs_migration_ = true;  // the bookkeeping itself must be rewritten
    return ok_status();
  }
  return transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(Statement ins, prepare("INSERT INTO schema_modules(module, version) VALUES (?, ?)"));
    for (const auto& [module, version] : adopted) {
      ins.bind(1, module).bind(2, version);
      LTS_RETURN_IF_ERROR(ins.run());
    }
    versions_ = adopted;
    return exec("DROP TABLE schema_version");
  });
}

Status Database::migrate(const std::vector<const Schema*>& schemas) {
  LTS_ASSIGN_OR_RETURN(bool have_modules, table_exists("schema_modules"));
  if (!have_modules && !read_only_) {
    LTS_RETURN_IF_ERROR(
        exec("CREATE TABLE schema_modules (module TEXT PRIMARY KEY, version INTEGER NOT NULL, "
             "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')))"));
    have_modules = true;
  }
  if (have_modules) {
    LTS_ASSIGN_OR_RETURN(Statement q, prepare("SELECT module, version FROM schema_modules"));
    LTS_RETURN_IF_ERROR(q.each_row([&] { versions_[q.text(0)] = static_cast<int>(q.integer(1)); }));
  }
  if (versions_.empty()) LTS_RETURN_IF_ERROR(adopt_legacy_versions());
  for (const Schema* schema : schema_closure(schemas)) {
    std::string module = schema->module;
    int current = schema_version(module);
    int latest = schema->migrations.empty() ? 0 : schema->migrations.back().version;
    if (current > latest) {
      return unsupported("state database '" + path_.string() + "': the " + module + " tables have schema version " +
                         std::to_string(current) + ", newer than this ltskit supports (" + std::to_string(latest) +
                         "); use a newer ltskit");
    }
    if (current == latest) continue;
    if (read_only_) {
      needs_migration_ = true;
      continue;
    }
    for (const Migration& m : schema->migrations) {
      if (m.version <= current) continue;
      Status s = transaction([&]() -> Status {
        LTS_RETURN_IF_ERROR(exec(m.sql));
        LTS_ASSIGN_OR_RETURN(Statement up, prepare("INSERT INTO schema_modules(module, version) VALUES (?, ?) "
                                                   "ON CONFLICT(module) DO UPDATE SET version = excluded.version, "
                                                   "applied_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"));
        up.bind(1, module).bind(2, m.version);
        return up.run();
      });
      if (!s.ok())
        return std::move(s).error().add_context("while migrating the " + module + " tables to schema version " +
                                                std::to_string(m.version));
      current = m.version;
      versions_[module] = current;
    }
  }
  return ok_status();
}

}  // namespace ltskit
