#include "tools/core/state.h"

#include <gtest/gtest.h>

#include "tools/core/test_util.h"

namespace ltskit {
namespace {

using testing::TempDir;

const Schema kV1Schema = {"m", {{1, "CREATE TABLE t (x INTEGER);"}}, {}};
const Schema kV2Schema = {
    "m", {{1, "CREATE TABLE t (x INTEGER);"}, {2, "ALTER TABLE t ADD COLUMN y TEXT DEFAULT 'new';"}}, {}};
const std::vector<const Schema*> kV1 = {&kV1Schema};
const std::vector<const Schema*> kV2 = {&kV2Schema};

int64_t count(Database& db, const char* sql) {
  auto st = db.prepare(sql);
  EXPECT_TRUE(st.ok());
  auto row = st->step();
  EXPECT_TRUE(row.ok() && *row);
  return st->integer(0);
}

TEST(Database, CreatesEachModulesTablesInWalModeRequirementsFirst) {
  TempDir dir;
  const Schema base = {"base", {{1, "CREATE TABLE b (id INTEGER PRIMARY KEY);"}}, {}};
  // `top` refers to `base`'s table, so base must be migrated first.
  const Schema top = {
      "top", {{1, "CREATE TABLE c (b INTEGER REFERENCES b(id));"}, {2, "CREATE TABLE d (x);"}}, {&base}};
  auto db = Database::open(dir / "state.db", {&top});
  ASSERT_TRUE(db.ok()) << db.error().describe();
  EXPECT_EQ(db->schema_version("base"), 1);
  EXPECT_EQ(db->schema_version("top"), 2);
  EXPECT_EQ(db->schema_version("other"), 0);
  auto st = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(*st->step());
  EXPECT_EQ(st->text(0), "wal");
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM schema_modules"), 2);
  EXPECT_EQ(count(*db, "SELECT version FROM schema_modules WHERE module = 'top'"), 2);
  EXPECT_EQ(schema_closure({&top, &base}), (std::vector<const Schema*>{&base, &top}));
}

TEST(Database, ReadOnlyOpenWritesNothingAndSaysWhatIsPending) {
  TempDir dir;
  {
    auto db = Database::open(dir / "s.db", kV1);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("INSERT INTO t(x) VALUES (7)").ok());
  }
  auto ro = Database::open(dir / "s.db", kV2, OpenMode::kReadOnly);
  ASSERT_TRUE(ro.ok()) << ro.error().describe();
  EXPECT_TRUE(ro->read_only());
  EXPECT_TRUE(ro->needs_migration());
  EXPECT_EQ(ro->schema_version("m"), 1);  // not migrated
  EXPECT_FALSE(ro->exec("INSERT INTO t(x) VALUES (8)").ok());
  EXPECT_EQ(count(*ro, "SELECT COUNT(*) FROM t"), 1);
  auto current = Database::open(dir / "s.db", kV1, OpenMode::kReadOnly);
  ASSERT_TRUE(current.ok());
  EXPECT_FALSE(current->needs_migration());
}

TEST(Database, AdoptsADatabaseFromBeforePerModuleVersions) {
  TempDir dir;
  {
    const Schema legacy = {"legacy",
                           {{1,
                             "CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT);"
                             "INSERT INTO schema_version(version) VALUES (1), (2);"}},
                           {}};
    auto db = Database::open(dir / "s.db", {&legacy});
    ASSERT_TRUE(db.ok()) << db.error().describe();
    // What an older ltskit would have: only the old counter.
    ASSERT_TRUE(db->exec("DROP TABLE schema_modules").ok());
  }
  const Schema track = {
      "track", {{1, "CREATE TABLE t1 (x);"}, {2, "CREATE TABLE t2 (x);"}, {3, "CREATE TABLE t3 (x);"}}, {}};
  auto db = Database::open(dir / "s.db", {&track});
  ASSERT_TRUE(db.ok()) << db.error().describe();
  // Versions 1 and 2 of the old counter hold track's first two migrations:
  // only the third runs (the first two would fail: no t1 was ever made here).
  EXPECT_EQ(db->schema_version("track"), 3);
  EXPECT_EQ(db->schema_version("advisories"), 1);
  EXPECT_EQ(db->schema_version("events"), 1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('t1', 't2')"), 0);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 't3'"), 1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_version'"), 0);
}

TEST(Database, MigratesAnOlderDatabaseAndKeepsItsData) {
  TempDir dir;
  {
    auto db = Database::open(dir / "s.db", kV1);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("INSERT INTO t(x) VALUES (42)").ok());
  }
  auto db = Database::open(dir / "s.db", kV2);
  ASSERT_TRUE(db.ok()) << db.error().describe();
  EXPECT_EQ(db->schema_version("m"), 2);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t WHERE x = 42 AND y = 'new'"), 1);
  EXPECT_EQ(count(*db, "SELECT version FROM schema_modules WHERE module = 'm'"), 2);
}

TEST(Database, RefusesADatabaseFromANewerSchema) {
  TempDir dir;
  { ASSERT_TRUE(Database::open(dir / "s.db", kV2).ok()); }
  auto db = Database::open(dir / "s.db", kV1);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind(), ErrorKind::kUnsupported);
  EXPECT_NE(db.error().message().find("the m tables have schema version 2"), std::string::npos);
  // And nothing was downgraded: the newer ltskit still opens it.
  auto again = Database::open(dir / "s.db", kV2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->schema_version("m"), 2);
}

TEST(Database, AFailedMigrationLeavesTheOldSchema) {
  TempDir dir;
  { ASSERT_TRUE(Database::open(dir / "s.db", kV1).ok()); }
  const Schema broken = {
      "m", {{1, "CREATE TABLE t (x INTEGER);"}, {2, "CREATE TABLE u (a); CREATE TABLE t (dup);"}}, {}};
  auto db = Database::open(dir / "s.db", {&broken});
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().describe().find("version 2"), std::string::npos);
  auto v1 = Database::open(dir / "s.db", kV1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->schema_version("m"), 1);
  EXPECT_EQ(count(*v1, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'u'"), 0);
}

TEST(Database, TransactionRollsBackOnError) {
  TempDir dir;
  auto db = Database::open(dir / "s.db", kV1);
  ASSERT_TRUE(db.ok());
  Status s = db->transaction([&]() -> Status {
    LTS_RETURN_IF_ERROR(db->exec("INSERT INTO t(x) VALUES (1)"));
    return conflict("stop half-way");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 0);
  ASSERT_TRUE(db->transaction([&]() { return db->exec("INSERT INTO t(x) VALUES (1)"); }).ok());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t"), 1);
}

TEST(Database, BindsAndReadsValues) {
  TempDir dir;
  const Schema kv = {"kv", {{1, "CREATE TABLE kv (k TEXT, v TEXT, n INTEGER);"}}, {}};
  auto db = Database::open(dir / "s.db", {&kv});
  ASSERT_TRUE(db.ok());
  auto ins = db->prepare("INSERT INTO kv VALUES (?, ?, ?)");
  ASSERT_TRUE(ins.ok());
  ins->bind(1, std::string("a\0b", 3)).bind_null(2).bind(3, int64_t{1} << 40);
  ASSERT_TRUE(ins->run().ok());
  auto q = db->prepare("SELECT k, v, n FROM kv");
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(*q->step());
  EXPECT_EQ(q->text(0), std::string("a\0b", 3));
  EXPECT_FALSE(q->opt_text(1).has_value());
  EXPECT_EQ(q->integer(2), int64_t{1} << 40);
}

// A statement walked with each_row can be bound and walked again; a bind
// that fails (the statement is mid-walk) is reported by the next step instead
// of silently running with the previous values.
TEST(Database, EachRowLeavesTheStatementReusableAndAFailedBindIsAnError) {
  TempDir dir;
  const Schema kv = {
      "kv", {{1, "CREATE TABLE kv (k TEXT, v TEXT); INSERT INTO kv VALUES ('a', '1'), ('b', '2');"}}, {}};
  auto db = Database::open(dir / "s.db", {&kv});
  ASSERT_TRUE(db.ok());
  auto q = db->prepare("SELECT v FROM kv WHERE k = ?");
  ASSERT_TRUE(q.ok());
  for (const char* k : {"a", "b", "a"}) {
    std::vector<std::string> got;
    q->bind(1, std::string(k));
    ASSERT_TRUE(q->each_row([&] { got.push_back(q->text(0)); }).ok());
    EXPECT_EQ(got, std::vector<std::string>{k == std::string("a") ? "1" : "2"}) << k;
  }
  q->bind(1, std::string("a"));
  ASSERT_TRUE(*q->step());
  q->bind(1, std::string("b"));  // mid-walk: sqlite refuses the bind
  auto r = q->step();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("cannot bind"), std::string::npos) << r.error().message();
  q->bind(1, std::string("b"));  // the failed step reset it
  ASSERT_TRUE(*q->step());
  EXPECT_EQ(q->text(0), "2");
}

}  // namespace
}  // namespace ltskit
