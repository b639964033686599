#include "tools/advisories/parser.h"

#include <gtest/gtest.h>

#include "tools/advisories/ranges.h"
#include "tools/advisories/store.h"

namespace ltskit::advisories {
namespace {

const char* kOsv = R"({
  "schema_version": "1.6.0",
  "id": "GHSA-demo-0001",
  "modified": "2026-02-02T00:00:00Z",
  "published": "2026-02-01T00:00:00Z",
  "aliases": ["CVE-2026-1001"],
  "summary": "Out-of-bounds write in safe_copy",
  "details": "Long text",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{
    "package": {"ecosystem": "ltskit-demo", "name": "libsafe"},
    "ranges": [
      {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "v1.0.1"}]},
      {"type": "GIT", "repo": "demo", "events": [{"introduced": "0"}, {"fixed": "0123456789abcdef0123456789abcdef01234567"}]}
    ],
    "versions": ["1.0.0"]
  }],
  "references": [{"type": "FIX", "url": "https://example.invalid/demo/commit/89abcdef0123"}]
})";

TEST(ParseOsv, ReadsEveryField) {
  Parser p;
  auto r = p.parse(kOsv, Format::kOsv, "x.json");
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].ok()) << r[0].error().message();
  const Advisory& a = *r[0];
  EXPECT_EQ(a.id, "GHSA-demo-0001");
  EXPECT_EQ(a.aliases, std::vector<std::string>{"CVE-2026-1001"});
  EXPECT_EQ(a.severity, "critical");
  EXPECT_DOUBLE_EQ(a.score, 9.8);
  ASSERT_EQ(a.affected.size(), 1u);
  EXPECT_EQ(a.affected[0].name, "libsafe");
  ASSERT_EQ(a.affected[0].ranges.size(), 2u);
  EXPECT_EQ(a.affected[0].ranges[0].events[1].value, "1.0.1");  // leading v stripped
  EXPECT_EQ(a.fix_commits, (std::vector<std::string>{"0123456789abcdef0123456789abcdef01234567", "89abcdef0123"}));
}

TEST(ParseOsv, AnArrayKeepsGoodRecordsAndNamesTheBadField) {
  std::string doc = std::string("[") + kOsv + R"(,
    {"id": "BAD-1", "modified": "2026-01-01T00:00:00Z",
     "affected": [{"package": {"name": "x"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": 0}]}]}]},
    {"id": "BAD-2", "modified": "2026-01-01T00:00:00Z",
     "affected": [{"package": {"name": "x"}, "ranges": [{"type": "WEIRD", "events": [{"introduced": "0"}]}]}]},
    {"modified": "2026-01-01T00:00:00Z"},
    {"id": "BAD-4", "modified": "2026-01-01T00:00:00Z", "affected": [{"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}]}]}
  ])";
  Parser p;
  auto r = p.parse(doc, Format::kOsv, "feed.json");
  ASSERT_EQ(r.size(), 5u);
  EXPECT_TRUE(r[0].ok());
  ASSERT_FALSE(r[1].ok());
  EXPECT_EQ(r[1].error().message(),
            "feed.json[1]: field 'affected[0].ranges[0].events[0].introduced': expected a string");
  ASSERT_FALSE(r[2].ok());
  EXPECT_NE(r[2].error().message().find("field 'affected[0].ranges[0].type'"), std::string::npos);
  ASSERT_FALSE(r[3].ok());
  EXPECT_EQ(r[3].error().message(), "feed.json[3]: field 'id': missing");
  ASSERT_FALSE(r[4].ok());
  EXPECT_NE(r[4].error().message().find("exactly one of"), std::string::npos);
}

// Issue 8, point 6: ids and aliases with control characters could forge rows
// in a maintainer's terminal table and reach the VEX document.
TEST(ParseOsv, IdsAndAliasesWithControlCharactersAreRefused) {
  std::string doc = R"([
    {"id": "X\n\r\u001b[31mCVE-2026-9", "modified": "2026-01-01T00:00:00Z"},
    {"id": "GOOD-1", "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-2026-1\u0000"]},
    {"id": "has space", "modified": "2026-01-01T00:00:00Z"},
    {"id": "GOOD-2", "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-2026-2"]}
  ])";
  Parser p;
  auto r = p.parse(doc, Format::kOsv, "feed.json");
  ASSERT_EQ(r.size(), 4u);
  ASSERT_FALSE(r[0].ok());
  EXPECT_NE(r[0].error().message().find("field 'id': may only hold printable ASCII"), std::string::npos)
      << r[0].error().message();
  ASSERT_FALSE(r[1].ok());
  EXPECT_NE(r[1].error().message().find("field 'aliases[0]'"), std::string::npos) << r[1].error().message();
  EXPECT_FALSE(r[2].ok());
  ASSERT_TRUE(r[3].ok());
  EXPECT_EQ(r[3]->aliases, std::vector<std::string>{"CVE-2026-2"});
  std::string cve = R"({"dataType": "CVE_RECORD", "cveMetadata": {"cveId": "CVE-2026-1\u001b[0m", "state": "PUBLISHED",
      "dateUpdated": "2026-06-01T00:00:00Z"}, "containers": {"cna": {"affected": []}}})";
  auto c = p.parse(cve, Format::kCve5, "cve.json");
  ASSERT_EQ(c.size(), 1u);
  ASSERT_FALSE(c[0].ok());
  EXPECT_NE(c[0].error().message().find("cveMetadata.cveId"), std::string::npos);
}

// Issue 8, point 7: {"introduced":""},{"fixed":""} or last_affected "\u0000"
// made 1.0.0 `fixed`. Such ranges are left out, named, and nothing they
// touch is judged better than unknown.
TEST(ParseOsv, MalformedRangeVersionsAreSkippedAndNeverMeanFixed) {
  auto record = [](const std::string& ranges) {
    return R"({"id": "G-1", "modified": "2026-01-01T00:00:00Z", "affected": [{"package": {"name": "libsafe"},
        "ranges": )" +
           ranges + "}]}";
  };
  Parser p;
  struct Case {
    std::string ranges;
    Decision::State want;
  } cases[] = {
      {R"([{"type": "ECOSYSTEM", "events": [{"introduced": ""}, {"fixed": ""}]}])", Decision::State::kUnknown},
      {R"([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "\u0000"}]}])",
       Decision::State::kUnknown},
      // A good range that says fixed does not outweigh a garbage one.
      {R"([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.9"}]},
           {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": ""}]}])",
       Decision::State::kUnknown},
      // A good range that says affected still does.
      {R"([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]},
           {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": ""}]}])",
       Decision::State::kAffected},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.ranges);
    auto r = p.parse(record(c.ranges), Format::kOsv, "feed.json");
    ASSERT_EQ(r.size(), 1u);
    ASSERT_TRUE(r[0].ok()) << r[0].error().describe();
    const AffectedPackage& a = r[0]->affected.at(0);
    ASSERT_EQ(a.skipped.size(), 1u);
    EXPECT_NE(a.skipped[0].find("field 'affected[0].ranges["), std::string::npos) << a.skipped[0];
    EXPECT_NE(a.skipped[0].find("range skipped"), std::string::npos);
    EXPECT_EQ(decide(a, "1.0.0").state, c.want) << decide(a, "1.0.0").why;
    // What was skipped survives the store.
    auto back = affected_from_json(affected_to_json(a));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->skipped, a.skipped);
    EXPECT_EQ(decide(*back, "1.0.0").state, c.want);
  }
  std::string cve = R"({"dataType": "CVE_RECORD", "cveMetadata": {"cveId": "CVE-2026-7", "state": "PUBLISHED",
      "dateUpdated": "2026-06-01T00:00:00Z"}, "containers": {"cna": {"affected": [{"vendor": "demo",
      "product": "libsafe", "versions": [{"version": "0", "lessThan": "", "status": "affected"}]}]}}})";
  auto c = p.parse(cve, Format::kCve5, "cve.json");
  ASSERT_EQ(c.size(), 1u);
  ASSERT_TRUE(c[0].ok()) << c[0].error().describe();
  ASSERT_EQ(c[0]->affected.at(0).skipped.size(), 1u);
  EXPECT_NE(c[0]->affected[0].skipped[0].find("lessThan"), std::string::npos);
  EXPECT_EQ(decide(c[0]->affected[0], "1.0.0").state, Decision::State::kUnknown);
}

TEST(ParseOsv, NotJsonIsOneError) {
  Parser p;
  auto r = p.parse("{\"id\": ", Format::kOsv, "trunc.json");
  ASSERT_EQ(r.size(), 1u);
  ASSERT_FALSE(r[0].ok());
  EXPECT_NE(r[0].error().message().find("trunc.json: not valid JSON"), std::string::npos);
}

TEST(ParseOsv, WithdrawnAndDatabaseSpecificSeverity) {
  Parser p;
  auto r = p.parse(R"({"id": "X-1", "modified": "2026-03-01T00:00:00Z", "withdrawn": "2026-03-01T00:00:00Z",
                       "database_specific": {"severity": "MODERATE"}, "affected": []})",
                   Format::kOsv, "w.json");
  ASSERT_TRUE(r[0].ok());
  EXPECT_EQ(r[0]->withdrawn, "2026-03-01T00:00:00Z");
  EXPECT_EQ(r[0]->severity, "medium");
}

const char* kCve = R"({
  "dataType": "CVE_RECORD", "dataVersion": "5.1",
  "cveMetadata": {"cveId": "CVE-2026-2001", "state": "PUBLISHED", "datePublished": "2026-02-01T00:00:00Z",
                  "dateUpdated": "2026-02-03T00:00:00Z"},
  "containers": {
    "cna": {
      "title": "Heap overflow in greet",
      "descriptions": [{"lang": "en", "value": "A heap overflow."}],
      "affected": [
        {"vendor": "demo", "product": "libgreet", "defaultStatus": "unaffected",
         "versions": [{"version": "1.0.0", "lessThan": "1.0.3", "status": "affected", "versionType": "semver",
                       "changes": [{"at": "1.0.2", "status": "unaffected"}]}]},
        {"collectionURL": "https://example.invalid", "packageName": "greetxx",
         "versions": [{"version": "0", "lessThanOrEqual": "*", "status": "affected"}]}
      ],
      "metrics": [{"cvssV3_1": {"baseScore": 7.5, "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}],
      "references": [{"url": "https://example.invalid/greet/commit/abcdef1234567"}]
    },
    "adp": [{"metrics": [{"cvssV3_1": {"baseScore": 8.1}}]}]
  }
})";

TEST(ParseCve5, ReadsAffectedVersionsAndMetrics) {
  Parser p;
  auto r = p.parse(kCve, Format::kCve5, "cve.json");
  ASSERT_TRUE(r[0].ok()) << r[0].error().message();
  const Advisory& a = *r[0];
  EXPECT_EQ(a.id, "CVE-2026-2001");
  EXPECT_EQ(a.modified, "2026-02-03T00:00:00Z");
  EXPECT_EQ(a.summary, "Heap overflow in greet");
  EXPECT_EQ(a.severity, "high");
  EXPECT_DOUBLE_EQ(a.score, 8.1);
  ASSERT_EQ(a.affected.size(), 2u);
  EXPECT_EQ(a.affected[0].product, "libgreet");
  EXPECT_EQ(a.affected[0].default_status, "unaffected");
  EXPECT_EQ(a.affected[0].cve_versions[0].changes[0].at, "1.0.2");
  EXPECT_EQ(a.affected[1].name, "greetxx");
  EXPECT_EQ(a.affected[1].default_status, "unknown");  // missing defaultStatus
  EXPECT_EQ(a.fix_commits, std::vector<std::string>{"abcdef1234567"});
}

TEST(ParseCve5, RejectedRecordsAreWithdrawnAndBrokenOnesNamed) {
  Parser p;
  auto rej = p.parse(R"({"cveMetadata": {"cveId": "CVE-2026-9", "state": "REJECTED", "dateUpdated": "2026-01-01"},
                         "containers": {"cna": {"rejectedReasons": [{"lang": "en", "value": "duplicate"}]}}})",
                     Format::kCve5, "r.json");
  ASSERT_TRUE(rej[0].ok());
  EXPECT_TRUE(rej[0]->withdrawn.has_value());
  auto bad = p.parse(R"({"cveMetadata": {"cveId": "CVE-2026-8", "dateUpdated": "2026-01-01"},
                         "containers": {"cna": {"affected": [{"product": "x", "versions": [{"version": "1", "status": "maybe"}]}]}}})",
                     Format::kCve5, "b.json");
  ASSERT_FALSE(bad[0].ok());
  EXPECT_EQ(bad[0].error().message(),
            "b.json: field 'containers.cna.affected[0].versions[0].status': expected affected, unaffected or unknown, "
            "found 'maybe'");
  auto noid = p.parse(R"({"cveMetadata": {}, "containers": {"cna": {}}})", Format::kCve5, "n.json");
  ASSERT_FALSE(noid[0].ok());
  EXPECT_EQ(noid[0].error().message(), "n.json: field 'cveMetadata.cveId': missing");
}

TEST(ParseChanged, SkipsRecordsWhoseModifiedDidNotChange) {
  Parser p;
  std::string doc = std::string("[") + kOsv + "]";
  auto unchanged = [](void*, const std::string& id, const std::string& m) {
    return id == "GHSA-demo-0001" && m == "2026-02-02T00:00:00Z";
  };
  auto r = p.parse_changed(doc, Format::kOsv, "f", unchanged, nullptr);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].advisory.ok());
  EXPECT_FALSE(r[0].advisory->has_value());
  auto changed = [](void*, const std::string&, const std::string&) { return false; };
  auto r2 = p.parse_changed(doc, Format::kOsv, "f", changed, nullptr);
  ASSERT_TRUE(r2[0].advisory.ok() && r2[0].advisory->has_value());
  EXPECT_NE(r2[0].raw.find("GHSA-demo-0001"), std::string::npos);
}

}  // namespace
}  // namespace ltskit::advisories
