#include "tools/nix/evaluator.h"

#include <gtest/gtest.h>

#include "tools/core/test_util.h"
#include "tools/nix/test_package_set.h"

namespace ltskit::nix {
namespace {

using ltskit::testing::TempDir;

TEST(SplitDrvName, MatchesNixDrvName) {
  std::string p, v;
  split_drv_name("apache-httpd-2.0.48", p, v);
  EXPECT_EQ(p, "apache-httpd");
  EXPECT_EQ(v, "2.0.48");
  split_drv_name("hello", p, v);
  EXPECT_EQ(p, "hello");
  EXPECT_EQ(v, "");
  split_drv_name("xorg-server-1.20-rc1", p, v);
  EXPECT_EQ(p, "xorg-server");
  EXPECT_EQ(v, "1.20-rc1");
}

TEST(ParseNixEnvJson, FallsBackToTheNameAndRejectsGarbage) {
  auto pk = parse_nix_env_json(R"({"a":{"name":"foo-bar-1.2","outputs":{"out":"/nix/store/x-foo"}},
                                   "b":{"name":"b-1","pname":"bee","version":"9"}})",
                               "test");
  ASSERT_TRUE(pk.ok());
  ASSERT_EQ(pk->size(), 2u);
  EXPECT_EQ((*pk)[0].pname, "foo-bar");
  EXPECT_EQ((*pk)[0].version, "1.2");
  EXPECT_EQ((*pk)[0].outputs.at("out"), "/nix/store/x-foo");
  EXPECT_EQ((*pk)[1].pname, "bee");
  EXPECT_FALSE(parse_nix_env_json("{\"a\": [", "test").ok());
  EXPECT_FALSE(parse_nix_env_json("[]", "test").ok());
}

const std::string kSet = testing::test_package_set(R"(  alpha = mk "alpha" "1.2.3";
  beta = mk "beta" "0.9pre1";
  notAPackage = 42;)");

TEST(EvaluatePackageSet, EvaluatesARealPackageSet) {
  TempDir dir;
  dir.write("default.nix", kSet);
  NixConfig cfg;
  auto pk = evaluate_package_set(dir.path(), cfg);
  ASSERT_TRUE(pk.ok()) << pk.error().describe();
  ASSERT_EQ(pk->size(), 2u);
  EXPECT_EQ((*pk)[0].attr, "alpha");
  EXPECT_EQ((*pk)[0].version, "1.2.3");
  EXPECT_EQ((*pk)[1].pname, "beta");
  EXPECT_TRUE((*pk)[0].outputs.at("out").starts_with("/nix/store/"));
  EXPECT_TRUE((*pk)[0].outputs.at("out").ends_with("-alpha-1.2.3"));
}

TEST(EvaluatePackageSet, PassesArgumentsAndOptions) {
  TempDir dir;
  dir.write("sub/top.nix",
            "{ ver ? \"1\" }: { p = derivation { name = \"p-${ver}\"; system = builtins.currentSystem; builder = "
            "\"/bin/sh\"; }; }");
  NixConfig cfg;
  cfg.file = "sub/top.nix";
  cfg.args = {"--argstr", "ver", "7.5"};
  cfg.options = {{"allow-import-from-derivation", "false"}};
  auto pk = evaluate_package_set(dir.path(), cfg);
  ASSERT_TRUE(pk.ok()) << pk.error().describe();
  ASSERT_EQ(pk->size(), 1u);
  EXPECT_EQ((*pk)[0].version, "7.5");
}

TEST(EvaluatePackageSet, ReturnsNixsMessageOnFailure) {
  TempDir dir;
  dir.write("default.nix",
            "{ a = derivation { name = \"a-1\"; system = builtins.currentSystem; builder = undefinedThing; }; }");
  NixConfig cfg;
  auto pk = evaluate_package_set(dir.path(), cfg);
  ASSERT_FALSE(pk.ok());
  EXPECT_EQ(pk.error().kind(), ErrorKind::kExternal);
  EXPECT_NE(pk.error().message().find("undefined variable 'undefinedThing'"), std::string::npos)
      << pk.error().message();
}

TEST(EvaluatePackageSet, MissingExpressionIsNotFound) {
  TempDir dir;
  NixConfig cfg;
  auto pk = evaluate_package_set(dir.path(), cfg);
  ASSERT_FALSE(pk.ok());
  EXPECT_EQ(pk.error().kind(), ErrorKind::kNotFound);
}

}  // namespace
}  // namespace ltskit::nix

namespace ltskit::nix {
namespace {

TEST(PackagePatches, ListsPatchFileNamesWithoutSplicingAttrNames) {
  ltskit::testing::TempDir dir;
  dir.write("p/CVE-2026-0001.patch", "--- a\n+++ b\n");
  dir.write("default.nix", R"({ system ? builtins.currentSystem }: {
    a = derivation { name = "a-1"; inherit system; builder = "/bin/sh"; patches = [ ./p/CVE-2026-0001.patch ]; };
    b = derivation { name = "b-1"; inherit system; builder = "/bin/sh"; };
    nested = { c = derivation { name = "c-1"; inherit system; builder = "/bin/sh"; patches = [ ./p/CVE-2026-0001.patch ]; }; };
    broken = derivation { name = "x"; inherit system; builder = "/bin/sh"; patches = throw "boom"; };
  })");
  NixConfig cfg;
  auto p = package_patches(dir.path(), cfg, {"a", "b", "nested.c", "broken", "missing", "\"; builtins.abort \"x"});
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->at("a"), std::vector<std::string>{"CVE-2026-0001.patch"});
  EXPECT_TRUE(p->at("b").empty());
  EXPECT_EQ(p->at("nested.c"), std::vector<std::string>{"CVE-2026-0001.patch"});
  EXPECT_TRUE(p->at("broken").empty());
  EXPECT_TRUE(p->at("missing").empty());
}

}  // namespace
}  // namespace ltskit::nix
