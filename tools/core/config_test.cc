#include "tools/core/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tools/core/abi_error.h"
#include "tools/core/test_util.h"

namespace ltskit {
namespace {

using testing::TempDir;

TEST(WorkspaceConfig, ReadsEveryKeyAndResolvesPaths) {
  TempDir dir;
  dir.write("ltskit.toml", R"(repo = "../pkgs"
upstream = "trunk"
publish_root = "out/lts"
[nix]
file = "pkgs/top.nix"
args = ["--arg", "config", "{}"]
eval_jobs = 1
[nix.options]
cores = "1"
[[advisories.source]]
name = "demo"
location = "advisories"
format = "osv"
)");
  auto c = load_workspace_config(dir.path());
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(c->repo, (dir.path().parent_path() / "pkgs").lexically_normal());
  EXPECT_EQ(c->upstream, "trunk");
  EXPECT_EQ(c->publish_root, dir.path() / "out/lts");
  EXPECT_EQ(c->channels_dir, dir.path() / "channels");
  EXPECT_EQ(c->nix.file, "pkgs/top.nix");
  EXPECT_EQ(c->nix.args.size(), 3u);
  EXPECT_EQ(c->nix.options.at("cores"), "1");
  EXPECT_EQ(c->nix.eval_jobs, 1);
  ASSERT_EQ(c->advisory_sources.size(), 1u);
  EXPECT_EQ(c->advisory_sources[0].name, "demo");
}

TEST(WorkspaceConfig, RoundTripsThroughRender) {
  TempDir dir;
  WorkspaceConfig c;
  c.root = dir.path();
  c.repo = "/srv/pkgs";
  c.channels_dir = dir.path() / "channels";
  c.policies_dir = dir.path() / "policies";
  c.nix.args = {"--arg", "x", "\"quoted\""};
  c.advisory_sources.push_back({"feed", "https://example.invalid/osv.json", AdvisoryFormat::kCve5});
  dir.write("ltskit.toml", render_workspace_config(c));
  auto back = load_workspace_config(dir.path());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->repo, "/srv/pkgs");
  EXPECT_EQ(back->nix.args, c.nix.args);
  EXPECT_EQ(back->advisory_sources[0].location, "https://example.invalid/osv.json");
  EXPECT_EQ(back->advisory_sources[0].format, AdvisoryFormat::kCve5);
}

struct BadConfig {
  const char* text;
  const char* must_mention;
};

// Each of `cases`, written to `file_name` and given to `load`, is refused
// with a message that mentions what the case says.
template <typename Load, size_t N>
void expect_all_rejected(const BadConfig (&cases)[N], const char* file_name, Load load) {
  for (const BadConfig& bad : cases) {
    TempDir dir;
    auto loaded = load(dir.write(file_name, bad.text));
    ASSERT_FALSE(loaded.ok()) << bad.text;
    EXPECT_NE(loaded.error().message().find(bad.must_mention), std::string::npos)
        << "message: " << loaded.error().message() << "\nwanted: " << bad.must_mention;
  }
}

TEST(WorkspaceConfig, ErrorsNameFileLineAndKey) {
  const BadConfig cases[] = {
      {"repo = \"x\"\nrepos = \"y\"\n", "ltskit.toml:2: key 'repos': unknown key"},
      {"repo = 3\n", "ltskit.toml:1: key 'repo': expected a string, found an integer"},
      {"upstream = \"main\"\n", "missing required key 'repo'"},
      {"repo = \"x\"\n[nix]\neval_jobs = \"two\"\n",
       "ltskit.toml:3: key 'nix.eval_jobs': must be \"auto\" or 1 to 64, found \"two\""},
      {"repo = \"x\"\n[nix]\nfile = \"/etc/passwd\"\n", "key 'nix.file': must be a path inside"},
      {"repo = \"x\"\n[nix.options]\ncores = 2\n", "key 'nix.options.cores': expected a string"},
      {"repo = \"x\"\n[[advisories.source]]\nname = \"a\"\nlocation = \"b\"\nformat = \"csv\"\n",
       "key 'advisories.source[0].format': expected 'osv' or 'cve5'"},
      {"repo = \"x\"\n[[advisories.source]]\nname = \"../x y\"\nlocation = \"b\"\n",
       "key 'advisories.source[0].name': source name '../x y'"},
      {"repo = \"x\"\n[[advisories.source]]\nname = \"a\"\nlocation = \"http://\"\n",
       "key 'advisories.source[0].location': 'http://' has no host"},
      {"repo = \"x\"\nrepo = \"y\"\n", "ltskit.toml:2:"},  // TOML syntax: redefinition
      {"repo = \"unterminated\n", "ltskit.toml:1:"},
  };
  for (const BadConfig& bad : cases) {
    TempDir dir;
    dir.write("ltskit.toml", bad.text);
    auto c = load_workspace_config(dir.path());
    ASSERT_FALSE(c.ok()) << bad.text;
    EXPECT_EQ(c.error().kind(), ErrorKind::kInvalid);
    EXPECT_NE(c.error().message().find(bad.must_mention), std::string::npos)
        << "message: " << c.error().message() << "\nwanted: " << bad.must_mention;
    EXPECT_NE(c.error().message().find((dir.path() / "ltskit.toml").string()), std::string::npos);
  }
}

TEST(WorkspaceConfig, MissingWorkspaceIsNotFound) {
  TempDir dir;
  auto c = load_workspace_config(dir.path());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind(), ErrorKind::kNotFound);
}

TEST(ChannelConfig, ReadsTheDesignExample) {
  TempDir dir;
  auto file = dir.write("channels/1.0.toml", R"(name = "1.0"
branch = "lts/1.0"
upstream = "main"
cut = "2026-01-15"
support_until = "2031-01-15"
policy = "lts-strict"
publish = ["libsafe", "libgreet", "hello"]
)");
  auto c = load_channel_config(file);
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(c->branch, "lts/1.0");
  EXPECT_EQ(c->publish.size(), 3u);
  dir.write("channels/1.0.toml", render_channel_config(*c));
  auto again = load_channel_config(file);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->support_until, c->support_until);
  EXPECT_EQ(again->publish, c->publish);
}

TEST(ChannelConfig, RejectsBadValues) {
  const BadConfig cases[] = {
      {"name = \"1.0\"\nbranch = \"lts/1.0\"\nupstream = \"main\"\ncut = \"x\"\nsupport_until = \"2031-13-01\"\n",
       "1.0.toml:5: key 'support_until'"},
      {"name = \"1.0\"\nbranch = \"lts/1.0\"\nupstream = \"main\"\ncut = \"x\"\npublish = [1]\n",
       "key 'publish': expected an array of strings"},
      {"name = \"2.0\"\nbranch = \"lts/2.0\"\nupstream = \"main\"\ncut = \"x\"\n", "must live in '2.0.toml'"},
      {"name = \"../x\"\nbranch = \"b\"\nupstream = \"main\"\ncut = \"x\"\n", "key 'name'"},
      {"name = \"1.0\"\nupstream = \"main\"\ncut = \"x\"\n", "missing required key 'branch'"},
      {"name = \"1.0\"\nbranch = \"refs/heads/x\"\nupstream = \"main\"\ncut = \"x\"\n",
       "1.0.toml:2: key 'branch': branch 'refs/heads/x': give the branch's short name"},
      {"name = \"1.0\"\nbranch = \"main\"\nupstream = \"main\"\ncut = \"x\"\n",
       "key 'branch': a channel's branch must not be its upstream"},
      {"name = \"1.0\"\nbranch = \"lts/1.0\"\nupstream = \"ma in\"\ncut = \"x\"\n", "key 'upstream'"},
  };
  expect_all_rejected(cases, "1.0.toml", [](const std::filesystem::path& f) { return load_channel_config(f); });
}

TEST(PolicyConfig, DefaultPolicyParses) {
  TempDir dir;
  auto file = dir.write("lts-strict.toml", default_policy_text());
  auto p = load_policy_config(file);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->name, "lts-strict");
  EXPECT_EQ(p->version_changes, VersionChangePolicy::kPatch);
  EXPECT_EQ(p->keep_generations, 10);
  EXPECT_EQ(p->abi_allow, std::vector<std::string>{"added-symbols"});
  EXPECT_EQ(p->abi_allowed_kinds,
            (std::vector<abi::ChangeKind>{abi::ChangeKind::kFunctionAdded, abi::ChangeKind::kVariableAdded,
                                          abi::ChangeKind::kLibraryAdded}));
  EXPECT_TRUE(p->abi_suppressions.entries.empty());
}

TEST(PolicyConfig, TheShippedPolicyFileIsTheBuiltInDefault) {
  std::ifstream in(std::string(LTSKIT_SOURCE_DIR) + "/policies/lts-strict.toml", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), default_policy_text());
}

TEST(PolicyConfig, SuppressionsUseAbiChecksFormat) {
  TempDir dir;
  auto file = dir.write("p.toml",
                        "[abi]\nallow = [\"harmless\", \"added-symbols\"]\n"
                        "[[abi.suppressions]]\nsymbol = \"_ZN6detail*\"\nreason = \"internal\"\n"
                        "[[abi.suppressions]]\ntype = \"struct priv_*\"\nreason = \"opaque\"\n");
  auto p = load_policy_config(file);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  ASSERT_EQ(p->abi_suppressions.entries.size(), 2u);
  EXPECT_EQ(p->abi_suppressions.match_symbol("_ZN6detail3fooEv", "detail::foo()"), "internal");
  EXPECT_EQ(p->abi_suppressions.match_type("struct priv_state"), "opaque");
  EXPECT_EQ(p->abi_allowed_kinds.size(), 4u);  // harmless + the three additions
}

TEST(PolicyConfig, RejectsUnknownValuesAndSuppressionsWithoutReason) {
  const BadConfig cases[] = {
      {"[backport]\nversion_changes = \"major\"\n", "key 'backport.version_changes'"},
      {"[abi]\nallow = [\"everything\"]\n", "unknown change kind 'everything'"},
      {"[abi]\nallow = \"added-symbols\"\n", "key 'abi.allow': expected an array"},
      {"[abi]\nallow = [1]\n", "key 'abi.allow"},
      {"[abi]\nsuppressions = \"none\"\n", "key 'abi.suppressions': expected an array of tables"},
      {"[[abi.suppressions]]\nsymbol = \"foo*\"\n", "abi.suppressions[0]: every suppression needs a reason"},
      {"[[abi.suppressions]]\npattern = \"foo*\"\nreason = \"x\"\n", "key 'pattern': unknown key"},
      {"[[abi.suppressions]]\nsymbol = \"a\"\ntype = \"b\"\nreason = \"x\"\n", "exactly one of symbol, type, soname"},
      {"[[abi.suppressions]]\nsymbol = 3\nreason = \"x\"\n", "key 'abi.suppressions[0].symbol': expected a string"},
      {"[abi]\nalow = []\n", "key 'abi.alow': unknown key"},
      {"[backport]\nauto_apply = \"urgent\"\n", "key 'backport.auto_apply': expected one of none, low"},
      {"[backport]\nauto_apply = 3\n", "key 'backport.auto_apply': expected a string"},
      {"[backport]\nversion_changes = 1\n", "key 'backport.version_changes': expected a string"},
      {"[backport]\nnever_skip_newer_channels = \"yes\"\n",
       "key 'backport.never_skip_newer_channels': expected a boolean"},
      {"[backport]\nauto = \"high\"\n", "key 'backport.auto': unknown key"},
      {"backport = 1\n", "key 'backport': expected a table"},
      {"[publish]\nkeep_generations = 0\n", "key 'publish.keep_generations': must be at least 1"},
      {"[publish]\nkeep_generations = \"ten\"\n", "key 'publish.keep_generations': expected an integer"},
      {"[publish]\nkeep = 3\n", "key 'publish.keep': unknown key"},
      {"[publsh]\n", "key 'publsh': unknown key"},
  };
  expect_all_rejected(cases, "p.toml", [](const std::filesystem::path& f) { return load_policy_config(f); });
}

}  // namespace
}  // namespace ltskit

namespace ltskit {
namespace {

TEST(AbiError, EveryAbiCheckErrorCodeMapsOntoAnErrorKind) {
  const std::pair<abi::ErrorCode, ErrorKind> cases[] = {
      {abi::ErrorCode::kNotFound, ErrorKind::kNotFound}, {abi::ErrorCode::kIo, ErrorKind::kIo},
      {abi::ErrorCode::kInvalid, ErrorKind::kInvalid},   {abi::ErrorCode::kUnsupported, ErrorKind::kUnsupported},
      {abi::ErrorCode::kUsage, ErrorKind::kUsage},
  };
  for (const auto& [code, kind] : cases) {
    Error e = from_abi_error(abi::Error{code, "lib.so: something"});
    EXPECT_EQ(e.kind(), kind) << abi::error_code_name(code);
    EXPECT_EQ(e.message(), "lib.so: something");
  }
}

}  // namespace
}  // namespace ltskit
