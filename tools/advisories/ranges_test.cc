#include "tools/advisories/ranges.h"

#include <gtest/gtest.h>

namespace ltskit::advisories {
namespace {

using K = RangeEvent::Kind;

OsvRange range(std::vector<RangeEvent> events, std::string type = "ECOSYSTEM") {
  return OsvRange{std::move(type), "", std::move(events)};
}

struct OsvCase {
  const char* name;
  OsvRange range;
  const char* version;
  bool affected;
};

TEST(OsvRange, TableOfCases) {
  const OsvCase cases[] = {
      {"introduced 0 covers the oldest", range({{K::kIntroduced, "0"}, {K::kFixed, "1.0.1"}}), "0.1", true},
      {"fixed version is not affected", range({{K::kIntroduced, "0"}, {K::kFixed, "1.0.1"}}), "1.0.1", false},
      {"below fixed is affected", range({{K::kIntroduced, "0"}, {K::kFixed, "1.0.1"}}), "1.0.0", true},
      {"before introduced", range({{K::kIntroduced, "1.1"}, {K::kFixed, "1.2"}}), "1.0.9", false},
      {"last_affected is inclusive", range({{K::kIntroduced, "1.0"}, {K::kLastAffected, "1.4"}}), "1.4", true},
      {"after last_affected", range({{K::kIntroduced, "1.0"}, {K::kLastAffected, "1.4"}}), "1.4.1", false},
      {"open-ended introduced", range({{K::kIntroduced, "2.0"}}), "99", true},
      {"two windows, in the second",
       range({{K::kIntroduced, "1.0"}, {K::kFixed, "1.2"}, {K::kIntroduced, "2.0"}, {K::kFixed, "2.3"}}), "2.1", true},
      {"two windows, between",
       range({{K::kIntroduced, "1.0"}, {K::kFixed, "1.2"}, {K::kIntroduced, "2.0"}, {K::kFixed, "2.3"}}), "1.5", false},
      {"unsorted events are sorted first",
       range({{K::kFixed, "2.3"}, {K::kIntroduced, "2.0"}, {K::kFixed, "1.2"}, {K::kIntroduced, "1.0"}}), "1.1", true},
      {"unsorted, between",
       range({{K::kFixed, "2.3"}, {K::kIntroduced, "2.0"}, {K::kFixed, "1.2"}, {K::kIntroduced, "1.0"}}), "1.9", false},
      {"limit bounds the range", range({{K::kIntroduced, "0"}, {K::kLimit, "2.0"}}), "2.5", false},
      {"below the limit", range({{K::kIntroduced, "0"}, {K::kLimit, "2.0"}}), "1.5", true},
      {"limit * is no limit", range({{K::kIntroduced, "0"}, {K::kLimit, "*"}}), "9.9", true},
      {"nix ordering: 1.10 > 1.9", range({{K::kIntroduced, "1.9"}, {K::kFixed, "1.10"}}), "1.10", false},
      {"nix ordering: pre release is older", range({{K::kIntroduced, "0"}, {K::kFixed, "2.0"}}), "2.0pre1", true},
      {"GIT ranges never match versions", range({{K::kIntroduced, "0"}}, "GIT"), "1.0", false},
  };
  for (const auto& c : cases) EXPECT_EQ(osv_range_affects(c.range, c.version), c.affected) << c.name;
}

TEST(DecideOsv, MultipleRangesAnyOfWhichAffects) {
  AffectedPackage p;
  p.ranges.push_back(range({{K::kIntroduced, "1.0"}, {K::kFixed, "1.0.5"}}));
  p.ranges.push_back(range({{K::kIntroduced, "2.0"}, {K::kLastAffected, "2.1"}}));
  p.ranges.push_back(range({{K::kIntroduced, "0"}, {K::kFixed, "deadbeef"}}, "GIT"));
  EXPECT_EQ(decide(p, "1.0.4").state, Decision::State::kAffected);
  EXPECT_EQ(decide(p, "2.1").state, Decision::State::kAffected);
  EXPECT_EQ(decide(p, "1.5").state, Decision::State::kFixed);
  EXPECT_EQ(decide(p, "2.2").state, Decision::State::kFixed);
  EXPECT_EQ(decide(p, "0.9").state, Decision::State::kNotAffected);
}

TEST(DecideOsv, AffectedFixedOrNotAffected) {
  AffectedPackage p;
  p.ranges.push_back(range({{K::kIntroduced, "1.0"}, {K::kFixed, "1.0.1"}}));
  EXPECT_EQ(decide(p, "1.0.0").state, Decision::State::kAffected);
  Decision fixed = decide(p, "1.0.1");
  EXPECT_EQ(fixed.state, Decision::State::kFixed);
  EXPECT_EQ(fixed.why, "1.0.1 >= fixed 1.0.1");
  EXPECT_EQ(decide(p, "0.9").state, Decision::State::kNotAffected);
  AffectedPackage listed;
  listed.versions = {"1.0.0", "1.0.2"};
  EXPECT_EQ(decide(listed, "1.0.2").state, Decision::State::kAffected);
  EXPECT_EQ(decide(listed, "1.0.1").state, Decision::State::kFixed);  // newer than a listed one
  AffectedPackage git_only;
  git_only.ranges.push_back(range({{K::kIntroduced, "0"}, {K::kFixed, "abc"}}, "GIT"));
  EXPECT_EQ(decide(git_only, "1.0").state, Decision::State::kUnknown);
}

AffectedPackage cve(std::vector<Cve5Version> versions, std::string default_status = "unknown") {
  AffectedPackage p;
  p.cve5 = true;
  p.cve_versions = std::move(versions);
  p.default_status = std::move(default_status);
  return p;
}

TEST(DecideCve5, LessThanAndLessThanOrEqual) {
  auto p = cve({{"1.0", "affected", "semver", "1.0.5", std::nullopt, {}}}, "unaffected");
  EXPECT_EQ(decide(p, "1.0.4").state, Decision::State::kAffected);
  EXPECT_EQ(decide(p, "1.0.5").state, Decision::State::kFixed);
  EXPECT_EQ(decide(p, "0.9").state, Decision::State::kNotAffected);
  auto le = cve({{"0", "affected", "", std::nullopt, "2.1", {}}}, "unaffected");
  EXPECT_EQ(decide(le, "2.1").state, Decision::State::kAffected);
  EXPECT_EQ(decide(le, "2.1.1").state, Decision::State::kFixed);
}

TEST(DecideCve5, StarMeansEverythingAfter) {
  auto p = cve({{"3.0", "affected", "", "*", std::nullopt, {}}});
  EXPECT_EQ(decide(p, "99.0").state, Decision::State::kAffected);
  EXPECT_EQ(decide(p, "2.9").state, Decision::State::kUnknown);  // defaultStatus unknown
}

TEST(DecideCve5, ChangesSwitchStatusInsideARange) {
  auto p =
      cve({{"1.0", "affected", "", "2.0", std::nullopt, {{"1.4", "unaffected"}, {"1.2", "unaffected"}}}}, "unaffected");
  EXPECT_EQ(decide(p, "1.1").state, Decision::State::kAffected);
  EXPECT_EQ(decide(p, "1.2").state, Decision::State::kFixed);
  EXPECT_EQ(decide(p, "1.9").state, Decision::State::kFixed);
}

TEST(DecideCve5, DefaultStatusAndExactEntries) {
  auto p = cve({{"1.0.0", "affected", "", std::nullopt, std::nullopt, {}},
                {"1.0.1", "unaffected", "", std::nullopt, std::nullopt, {}}},
               "affected");
  EXPECT_EQ(decide(p, "1.0.0").state, Decision::State::kAffected);
  EXPECT_EQ(decide(p, "1.0.1").state, Decision::State::kFixed);
  EXPECT_EQ(decide(p, "5.0").state, Decision::State::kAffected);  // defaultStatus
  auto none = cve({}, "unknown");
  EXPECT_EQ(decide(none, "1.0").state, Decision::State::kUnknown);
  auto git = cve({{"abc", "affected", "git", "def", std::nullopt, {}}}, "unknown");
  EXPECT_EQ(decide(git, "1.0").state, Decision::State::kUnknown);
}

}  // namespace
}  // namespace ltskit::advisories
