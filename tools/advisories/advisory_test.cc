#include "tools/advisories/advisory.h"

#include <gtest/gtest.h>

namespace ltskit::advisories {
namespace {

TEST(Cvss3, ComputesBaseScoresLikeTheSpecification) {
  // Reference values from the CVSS v3.1 calculator.
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"), 5.5);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"), 3.1);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N"), 6.4);
  EXPECT_DOUBLE_EQ(*cvss3_base_score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N"), 0.0);
  EXPECT_FALSE(cvss3_base_score("CVSS:2.0/AV:N").has_value());
  EXPECT_FALSE(cvss3_base_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").has_value());
  EXPECT_FALSE(cvss3_base_score("CVSS:3.1/garbage").has_value());
}

TEST(Severity, FromScoreAndRank) {
  EXPECT_EQ(severity_from_score(9.8), "critical");
  EXPECT_EQ(severity_from_score(7.0), "high");
  EXPECT_EQ(severity_from_score(6.9), "medium");
  EXPECT_EQ(severity_from_score(0.1), "low");
  EXPECT_EQ(severity_from_score(0), "none");
  EXPECT_LT(severity_rank("medium"), severity_rank("high"));
  EXPECT_EQ(severity_rank("bogus"), 0);
}

}  // namespace
}  // namespace ltskit::advisories
