#include "tools/core/state.h"

#include <gtest/gtest.h>

#include "tools/core/test_util.h"

namespace ltskit {
namespace {

using testing::TempDir;

const std::vector<Migration> kV1 = {{1, "CREATE TABLE t (x INTEGER);"}};
const std::vector<Migration> kV2 = {{1, "CREATE TABLE t (x INTEGER);"},
                                    {2, "ALTER TABLE t ADD COLUMN y TEXT DEFAULT 'new';"}};

int64_t count(Database& db, const char* sql) {
  auto st = db.prepare(sql);
  EXPECT_TRUE(st.ok());
  auto row = st->step();
  EXPECT_TRUE(row.ok() && *row);
  return st->integer(0);
}

TEST(Database, CreatesTheLtskitSchemaInWalMode) {
  TempDir dir;
  auto db = Database::open(dir / "state.db");
  ASSERT_TRUE(db.ok()) << db.error().describe();
  EXPECT_EQ(db->schema_version(), ltskit_migrations().back().version);
  auto st = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(*st->step());
  EXPECT_EQ(st->text(0), "wal");
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'snapshots'"), 1);
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
  EXPECT_EQ(db->schema_version(), 2);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM t WHERE x = 42 AND y = 'new'"), 1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM schema_version"), 2);
}

TEST(Database, RefusesADatabaseFromANewerSchema) {
  TempDir dir;
  { ASSERT_TRUE(Database::open(dir / "s.db", kV2).ok()); }
  auto db = Database::open(dir / "s.db", kV1);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().kind(), ErrorKind::kUnsupported);
  EXPECT_NE(db.error().message().find("schema version 2"), std::string::npos);
  // And nothing was downgraded: the newer ltskit still opens it.
  auto again = Database::open(dir / "s.db", kV2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->schema_version(), 2);
}

TEST(Database, AFailedMigrationLeavesTheOldSchema) {
  TempDir dir;
  { ASSERT_TRUE(Database::open(dir / "s.db", kV1).ok()); }
  const std::vector<Migration> broken = {{1, "CREATE TABLE t (x INTEGER);"},
                                         {2, "CREATE TABLE u (a); CREATE TABLE t (dup);"}};
  auto db = Database::open(dir / "s.db", broken);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().describe().find("version 2"), std::string::npos);
  auto v1 = Database::open(dir / "s.db", kV1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->schema_version(), 1);
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
  auto db = Database::open(dir / "s.db", {{1, "CREATE TABLE kv (k TEXT, v TEXT, n INTEGER);"}});
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

}  // namespace
}  // namespace ltskit
