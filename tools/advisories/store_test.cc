// The advisory store: per-source records, the merged view, and the migration
// of a database from before records were kept per source.
#include "tools/advisories/store.h"

#include <gtest/gtest.h>

#include "tools/advisories/compress.h"
#include "tools/advisories/schema.h"
#include "tools/core/test_util.h"

namespace ltskit::advisories {
namespace {

using testing::TempDir;

Advisory record(const std::string& id, const std::string& modified, const std::string& severity,
                const std::string& summary) {
  Advisory a;
  a.id = id;
  a.modified = modified;
  a.severity = severity;
  a.summary = summary;
  a.fix_commits = {"c-" + summary};
  AffectedPackage p;
  p.ecosystem = "x";
  p.name = "alpha";
  a.affected.push_back(p);
  return a;
}

TEST(AdvisoryStore, MergedViewIsTheNewestRecordWithTheGravestSeverityAndEverySource) {
  TempDir dir;
  auto db = Database::open(dir / "s.db", {&advisories_schema()});
  ASSERT_TRUE(db.ok()) << db.error().describe();
  auto put = [&](const std::string& source, const Advisory& a) {
    Status s = db->transaction([&] { return store_advisory(*db, source, a, "{}"); });
    ASSERT_TRUE(s.ok()) << s.error().describe();
  };
  put("b-osv", record("A-1", "2026-03-01T00:00:00Z", "medium", "newest"));
  put("a-cve", record("A-1", "2026-01-01T00:00:00Z", "high", "older"));
  put("a-cve", record("A-2", "2026-01-01T00:00:00Z", "low", "other id"));
  auto d = get_advisory(*db, "A-1");
  ASSERT_TRUE(d.ok()) << d.error().describe();
  EXPECT_EQ(d->summary.summary, "newest");
  EXPECT_EQ(d->summary.source, "b-osv");
  EXPECT_EQ(d->summary.severity, "high");
  EXPECT_EQ(d->summary.severity_source, "a-cve");
  EXPECT_EQ(d->summary.sources, (std::vector<std::string>{"a-cve", "b-osv"}));
  EXPECT_EQ(d->fix_commits, (std::vector<std::string>{"c-newest", "c-older"}));
  ASSERT_EQ(d->records.size(), 2u);
  EXPECT_EQ(d->affected.size(), 2u);  // both sources' entries
  // Replacing one source's record leaves the other's.
  put("b-osv", record("A-1", "2026-04-01T00:00:00Z", "low", "newer still"));
  d = get_advisory(*db, "A-1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->summary.summary, "newer still");
  EXPECT_EQ(d->summary.severity, "high");
  EXPECT_EQ(d->records.size(), 2u);
  // Withdrawn by one source: the other decides; by every source: withdrawn.
  Advisory w = record("A-1", "2026-05-01T00:00:00Z", "unknown", "withdrawn");
  w.withdrawn = "2026-05-01T00:00:00Z";
  put("b-osv", w);
  d = get_advisory(*db, "A-1");
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->summary.withdrawn.has_value());
  EXPECT_EQ(d->summary.summary, "older");
  EXPECT_EQ(d->affected.size(), 1u);
  w.modified = "2026-06-01T00:00:00Z";
  put("a-cve", w);
  d = get_advisory(*db, "A-1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->summary.withdrawn, std::optional<std::string>("2026-05-01T00:00:00Z"));
  auto list = list_advisories(*db);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].summary, "other id");
  auto mod = stored_modified(*db, "b-osv");
  ASSERT_TRUE(mod.ok());
  EXPECT_EQ(*mod, (std::map<std::string, std::string>{{"A-1", "2026-05-01T00:00:00Z"}}));
}

// A database whose advisories module is at version 3 (one record per id)
// keeps its advisories, aliases and affected entries, each now the record of
// the source that delivered it, and triage is marked for a refresh.
TEST(AdvisoryStore, MigratesOneRecordPerIdToRecordsPerSource) {
  TempDir dir;
  Schema v3 = advisories_schema();
  ASSERT_EQ(v3.migrations.size(), 4u);
  v3.migrations.pop_back();
  {
    auto db = Database::open(dir / "s.db", {&v3});
    ASSERT_TRUE(db.ok()) << db.error().describe();
    ASSERT_TRUE(db->exec("DELETE FROM triage_pending").ok());
    auto ins = db->prepare(
        "INSERT INTO advisories(id, source, format, modified, summary, severity, fix_commits, raw, ingested_at) "
        "VALUES ('OLD-1', 'feed', 'osv', '2026-01-01T00:00:00Z', 'kept', 'high', '[\"abc\"]', ?, 'now')");
    ASSERT_TRUE(ins.ok());
    ins->bind_blob(1, compress_record(R"({"id": "OLD-1", "modified": "2026-01-01T00:00:00Z", "details": "d"})"));
    ASSERT_TRUE(ins->run().ok());
    ASSERT_TRUE(db->exec("INSERT INTO aliases VALUES ('GHSA-OLD', 'OLD-1')").ok());
    auto af = db->prepare("INSERT INTO affected_ranges VALUES ('OLD-1', 0, 'x', 'alpha', '', '', 'alpha', ?)");
    ASSERT_TRUE(af.ok());
    AffectedPackage p;
    p.ecosystem = "x";
    p.name = "alpha";
    af->bind_blob(1, compress_record(affected_to_json(p)));
    ASSERT_TRUE(af->run().ok());
  }
  auto db = Database::open(dir / "s.db", {&advisories_schema()});
  ASSERT_TRUE(db.ok()) << db.error().describe();
  EXPECT_EQ(db->schema_version("advisories"), 4);
  auto d = get_advisory(*db, "GHSA-OLD");
  ASSERT_TRUE(d.ok()) << d.error().describe();
  EXPECT_EQ(d->summary.id, "OLD-1");
  EXPECT_EQ(d->summary.summary, "kept");
  EXPECT_EQ(d->summary.sources, std::vector<std::string>{"feed"});
  EXPECT_EQ(d->details, "d");
  EXPECT_EQ(d->fix_commits, std::vector<std::string>{"abc"});
  ASSERT_EQ(d->affected.size(), 1u);
  EXPECT_EQ(d->affected[0].name, "alpha");
  auto pending = db->prepare("SELECT reason FROM triage_pending");
  ASSERT_TRUE(pending.ok());
  ASSERT_TRUE(*pending->step());
  EXPECT_EQ(pending->text(0), "advisories are kept per source");
}

}  // namespace
}  // namespace ltskit::advisories
