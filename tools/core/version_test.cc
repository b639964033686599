#include "tools/core/version.h"

#include <gtest/gtest.h>

namespace ltskit {
namespace {

struct Case {
  const char* a;
  const char* b;
  int want;
};

// Expected values are what builtins.compareVersions answers (the cross-check
// against nix-instantiate lives in tests/version_nix_test.cc).
TEST(CompareVersions, FollowsNixOrdering) {
  const Case cases[] = {
      {"1.0", "1.0", 0},
      {"1.0", "1.0.1", -1},
      {"1.0.1", "1.0", 1},
      {"2.3a", "2.3.1", -1},
      {"2.3.1", "2.3a", 1},
      {"1.0pre", "1.0", -1},
      {"1.0pre1", "1.0", -1},
      {"1.0", "1.0pre", 1},
      {"1.0a", "1.0", 1},
      {"1.0", "1.0-rc1", -1},
      {"1.0-rc1", "1.0", 1},
      {"10", "9", 1},
      {"1.10", "1.9", 1},
      {"1.0.0", "1.0", 1},
      {"1-0", "1.0", 0},
      {"", "", 0},
      {"", "0", -1},
      {"a", "", 1},
      {"pre", "", -1},
      {"", "pre", 1},
      {"alpha", "beta", -1},
      {"1.2.3", "1.2.3.0", -1},
      {"2.0", "10.0", -1},
      {"007", "7", 0},
      {"1..2", "1.2", 0},
      {"1.2-", "1.2", 0},
      // A component that does not fit an int is a word, not a number.
      {"1.99999999999", "1.2", -1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(compare_versions(c.a, c.b), c.want) << c.a << " vs " << c.b;
  }
}

TEST(SplitVersion, SplitsOnSeparatorsAndDigitBoundaries) {
  EXPECT_EQ(split_version("1.2.3"), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(split_version("2.3a"), (std::vector<std::string>{"2", "3", "a"}));
  EXPECT_EQ(split_version("1.0-rc1"), (std::vector<std::string>{"1", "0", "rc", "1"}));
  EXPECT_EQ(split_version("..1--2.."), (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(split_version("").empty());
}

TEST(VersionLess, SortsLikeNixEnv) {
  std::vector<std::string> v = {"1.10", "1.2", "1.2pre", "1.2.1", "1.2a"};
  std::sort(v.begin(), v.end(), VersionLess());
  EXPECT_EQ(v, (std::vector<std::string>{"1.2pre", "1.2", "1.2a", "1.2.1", "1.10"}));
}

}  // namespace
}  // namespace ltskit
