#include "tools/core/version_range.h"

#include <gtest/gtest.h>

namespace ltskit {
namespace {

bool in(const char* range, const char* version) {
  auto r = VersionRange::parse(range);
  EXPECT_TRUE(r.ok()) << range << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() && r->contains(version);
}

TEST(VersionRange, IntersectionsWithinAClause) {
  EXPECT_TRUE(in(">=1.2 <2.0", "1.2"));
  EXPECT_TRUE(in(">=1.2 <2.0", "1.10"));
  EXPECT_FALSE(in(">=1.2 <2.0", "2.0"));
  EXPECT_FALSE(in(">=1.2 <2.0", "1.1.9"));
  EXPECT_TRUE(in(">= 1.2 < 2.0", "1.5"));
}

TEST(VersionRange, ExactAndBareVersions) {
  EXPECT_TRUE(in("=1.2.3", "1.2.3"));
  EXPECT_FALSE(in("=1.2.3", "1.2.3.0"));
  EXPECT_TRUE(in("1.2.3", "1.2.3"));
  EXPECT_TRUE(in("==1.2.3", "1.2.3"));
  EXPECT_TRUE(in("!=1.2.3", "1.2.4"));
  EXPECT_FALSE(in("!=1.2.3", "1.2.3"));
}

TEST(VersionRange, UnionsWithBars) {
  EXPECT_TRUE(in("<1.0.1 || >=2.0 <2.0.3", "1.0.0"));
  EXPECT_TRUE(in("<1.0.1 || >=2.0 <2.0.3", "2.0.2"));
  EXPECT_FALSE(in("<1.0.1 || >=2.0 <2.0.3", "1.5"));
  EXPECT_FALSE(in("<1.0.1 || >=2.0 <2.0.3", "2.0.3"));
}

TEST(VersionRange, UsesNixOrderingNotLexicographic) {
  EXPECT_TRUE(in(">1.9", "1.10"));
  EXPECT_TRUE(in("<1.0", "1.0pre3"));
  EXPECT_TRUE(in("*", "anything"));
}

TEST(VersionRange, RejectsMalformedRanges) {
  for (const char* bad : {"", ">=", "1.0 ||", "|| 1.0", ">=1.0 * ", "<=<1", "1.0 || || 2.0"}) {
    auto r = VersionRange::parse(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' parsed";
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind(), ErrorKind::kUsage);
    }
  }
}

TEST(VersionRange, CanonicalText) {
  auto r = VersionRange::parse(">= 1.2   <2.0||1.5");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->to_string(), ">=1.2 <2.0 || =1.5");
}

}  // namespace
}  // namespace ltskit
