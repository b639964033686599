// Cross-checks ltskit's version ordering against the real Nix evaluator:
// thousands of generated pairs through builtins.compareVersions and
// builtins.splitVersion in one nix-instantiate run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "tools/core/process.h"
#include "tools/core/test_util.h"
#include "tools/core/version.h"

namespace ltskit {
namespace {

std::string random_version(std::mt19937& rng) {
  static const char* kParts[] = {
      "0",    "1",   "2",        "3",  "9", "10",         "007",        "99",          "pre", "a",   "b", "rc", "alpha",
      "beta", "git", "unstable", "pl", "p", "2147483647", "2147483648", "99999999999", "",    "x86", "_", "+",  "~"};
  static const char* kSeps[] = {".", ".", ".", "-", "", "..", "_"};
  std::uniform_int_distribution<int> nparts(0, 5);
  std::uniform_int_distribution<size_t> part(0, std::size(kParts) - 1);
  std::uniform_int_distribution<size_t> sep(0, std::size(kSeps) - 1);
  std::string v;
  int n = nparts(rng);
  for (int i = 0; i < n; ++i) {
    if (i) v += kSeps[sep(rng)];
    v += kParts[part(rng)];
  }
  return v;
}

std::string nix_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '$') out += '\\';
    out += c;
  }
  return out + "\"";
}

TEST(VersionOrderingAgainstNix, ThousandsOfGeneratedPairs) {
  std::mt19937 rng(20260115);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 5000; ++i) {
    std::string a = random_version(rng);
    // Half of the pairs share a prefix, where the interesting cases are.
    std::string b = (i % 2) ? a + (rng() % 2 ? "." : "") + random_version(rng) : random_version(rng);
    pairs.emplace_back(a, b);
  }
  std::string expr =
      "{ ps }: map (p: [ (builtins.compareVersions (builtins.elemAt p 0) (builtins.elemAt p 1)) "
      "(builtins.splitVersion (builtins.elemAt p 0)) ]) ps";
  std::string list = "[";
  for (const auto& [a, b] : pairs) list += " [" + nix_string(a) + " " + nix_string(b) + "]";
  list += " ]";
  testing::TempDir dir;
  auto file = dir.write("cmp.nix", "let f = " + expr + "; in f { ps = " + list + "; }\n");
  auto r = run_process({"nix-instantiate", "--eval", "--strict", "--json", file.string()});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_TRUE(r->success()) << r->err;
  auto results = nlohmann::json::parse(r->out);
  ASSERT_EQ(results.size(), pairs.size());
  int mismatches = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    int want = results[i][0].get<int>();
    int got = compare_versions(pairs[i].first, pairs[i].second);
    if (want != got && ++mismatches < 20)
      ADD_FAILURE() << "compareVersions \"" << pairs[i].first << "\" \"" << pairs[i].second << "\": nix says " << want
                    << ", ltskit says " << got;
    auto split = results[i][1].get<std::vector<std::string>>();
    if (split != split_version(pairs[i].first) && ++mismatches < 20)
      ADD_FAILURE() << "splitVersion \"" << pairs[i].first << "\" differs";
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace ltskit
