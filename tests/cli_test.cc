// End to end: the real ltskit binary on the demo package set (real git, real
// nix-env), as a user runs it.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tools/advisories/vex.h"
#include "tools/core/lock.h"
#include "tools/core/process.h"
#include "tools/core/test_util.h"

namespace ltskit {
namespace {

using nlohmann::json;
using testing::TempDir;

struct CliRun {
  int code;
  std::string out, err;
};

class Demo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto r = run_process({"bash", std::string(LTSKIT_SOURCE_DIR) + "/examples/demo/make-demo-repo.sh", "--check",
                          (dir_->path() / "pkgs").string()});
    ASSERT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : r.error().message());
    std::ifstream in(std::string(LTSKIT_SOURCE_DIR) + "/examples/demo/expected-commits.txt");
    std::string label, id;
    while (in >> label) {
      if (label[0] == '#') {
        std::getline(in, label);
        continue;
      }
      in >> id;
      commits_[label] = id;
    }
    CliRun init =
        ltskit({"init", "--repo", (dir_->path() / "pkgs").string(), "--publish-root", (dir_->path() / "lts").string()});
    ASSERT_EQ(init.code, 0) << init.err;
    CliRun ch = ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", "2026-01-15", "--support-until",
                        "2031-01-15", "--publish", "libsafe,libgreet,hello", "--json"});
    ASSERT_EQ(ch.code, 0) << ch.err;
    CliRun tr = ltskit({"track", "--history", "20", "--json"});
    ASSERT_EQ(tr.code, 0) << tr.err;
    CliRun src =
        ltskit({"advisories", "source", "add", "demo", std::string(LTSKIT_SOURCE_DIR) + "/examples/demo/advisories"});
    ASSERT_EQ(src.code, 0) << src.err;
    CliRun sync = ltskit({"advisories", "sync", "--json"});
    ASSERT_EQ(sync.code, 0) << sync.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static CliRun ltskit(std::vector<std::string> args) {
    std::vector<std::string> argv = {LTSKIT_BINARY, "-C", (dir_->path() / "ws").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions opt;
    opt.env["LTSKIT_USER"] = "alice";
    auto r = run_process(argv, opt);
    EXPECT_TRUE(r.ok());
    return r.ok() ? CliRun{r->exit_code, r->out, r->err} : CliRun{-1, "", ""};
  }
  static json ltskit_json(std::vector<std::string> args) {
    CliRun r = ltskit(std::move(args));
    EXPECT_EQ(r.code, 0) << r.err;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }
  static const json* branch(const json& versions, const std::string& name) {
    for (const auto& b : versions["branches"])
      if (b["branch"] == name) return &b;
    return nullptr;
  }
  static std::map<std::string, json> triage_of(const std::string& channel) {
    std::map<std::string, json> out;
    for (auto& row : ltskit_json({"triage", channel, "--json"}))
      out[row["advisory"].get<std::string>() + "/" + row["pname"].get<std::string>()] = row;
    return out;
  }

  static TempDir* dir_;
  static std::map<std::string, std::string> commits_;
};

TempDir* Demo::dir_ = nullptr;
std::map<std::string, std::string> Demo::commits_;

TEST_F(Demo, ChannelIsCutFromTheDateAndAdoptsTheExistingBranch) {
  json c = ltskit_json({"channel", "show", "1.0", "--json"});
  EXPECT_EQ(c["cut_commit"], commits_["cut"]);
  EXPECT_EQ(c["branch_head"], commits_["lts-head"]);
  EXPECT_EQ(c["status"], "active");
  json list = ltskit_json({"channel", "list", "--json"});
  ASSERT_EQ(list.size(), 1u);
}

TEST_F(Demo, VersionsOfLibsafeAcrossTheHistory) {
  json v = ltskit_json({"versions", "libsafe", "--json"});
  const json* lts = branch(v, "lts/1.0");
  ASSERT_NE(lts, nullptr);
  ASSERT_EQ((*lts)["versions"].size(), 1u);
  EXPECT_EQ((*lts)["versions"][0]["version"], "1.0.0");
  EXPECT_EQ((*lts)["versions"][0]["at_head"], true);
  const json* main = branch(v, "main");
  ASSERT_NE(main, nullptr);
  const json& vs = (*main)["versions"];
  ASSERT_EQ(vs.size(), 3u);
  EXPECT_EQ(vs[0]["version"], "1.0.0");
  EXPECT_EQ(vs[0]["first_commit"], commits_["initial"]);
  EXPECT_EQ(vs[0]["last_commit"], commits_["cut"]);
  EXPECT_EQ(vs[1]["version"], "1.0.1");
  EXPECT_EQ(vs[1]["first_commit"], commits_["cve-2026-1001"]);
  EXPECT_EQ(vs[1]["last_commit"], commits_["greetxx-1.1"]);
  EXPECT_EQ(vs[2]["version"], "2.0.0");
  EXPECT_EQ(vs[2]["first_commit"], commits_["abi-break"]);
  EXPECT_EQ(vs[2]["at_head"], true);
}

TEST_F(Demo, VersionRangesNameChannelsAndCommits) {
  json v = ltskit_json({"versions", "libgreet", "--range", ">=1.0.1", "--json"});
  EXPECT_TRUE(v["channels_in_range"].empty());
  std::vector<std::string> commits;
  for (const auto& m : v["matches"]) commits.push_back(m["commit"]);
  EXPECT_EQ(commits, (std::vector<std::string>{commits_["cve-2026-1003"], commits_["head"]}));
  json old = ltskit_json({"versions", "libgreet", "--range", "<1.0.1", "--json"});
  EXPECT_EQ(old["channels_in_range"], json::array({"1.0"}));
}

TEST_F(Demo, TriageMatchesTheHistory) {
  auto t = triage_of("1.0");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t["CVE-2026-1001/libsafe"]["state"], "affected");
  EXPECT_EQ(t["CVE-2026-1001/libsafe"]["severity"], "critical");
  EXPECT_EQ(t["CVE-2026-1002/libgreet"]["state"], "affected");
  EXPECT_EQ(t["CVE-2026-1003/libgreet"]["state"], "affected");
  EXPECT_EQ(t["CVE-2026-1004/libgreetxx"]["state"], "not_affected");
  EXPECT_EQ(t["CVE-2026-1004/libgreetxx"]["justification"], "vulnerable_code_not_present");
  EXPECT_NE(t["CVE-2026-1001/libsafe"]["match_reason"].get<std::string>().find("libsafe"), std::string::npos);
}

TEST_F(Demo, APatchNamedAfterTheAdvisoryIsAFix) {
  CliRun ch = ltskit({"channel", "create", "1.1", "--branch", "lts/1.1", "--from", commits_["cve-2026-1002"]});
  ASSERT_EQ(ch.code, 0) << ch.err;
  ASSERT_EQ(ltskit({"track", "1.1"}).code, 0);
  auto t = triage_of("1.1");
  EXPECT_EQ(t["CVE-2026-1002/libgreet"]["state"], "fixed");
  EXPECT_NE(t["CVE-2026-1002/libgreet"]["auto_reason"].get<std::string>().find("CVE-2026-1002.patch"),
            std::string::npos);
  EXPECT_EQ(t["CVE-2026-1001/libsafe"]["state"], "fixed");
  EXPECT_EQ(t["CVE-2026-1003/libgreet"]["state"], "affected");
  ASSERT_EQ(ltskit({"channel", "eol", "1.1"}).code, 0);
}

TEST_F(Demo, AHumanDecisionSurvivesReSyncAndKeepsHistory) {
  CliRun set = ltskit({"triage", "set", "1.0", "GHSA-q8w4-demo-h3r7", "libgreet", "not_affected", "--justification",
                       "vulnerable_code_not_in_execute_path", "--reason", "hello never passes user input"});
  ASSERT_EQ(set.code, 0) << set.err;
  // The advisory changes upstream: a re-sync re-parses and re-evaluates it.
  TempDir feed;
  std::ifstream in(std::string(LTSKIT_SOURCE_DIR) + "/examples/demo/advisories/CVE-2026-1003.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t pos = text.find("2026-05-02T09:00:00Z");
  text.replace(pos, 20, "2026-06-01T00:00:00Z");
  feed.write("CVE-2026-1003.json", text);
  ASSERT_EQ(ltskit({"advisories", "source", "add", "update", feed.path().string()}).code, 0);
  json sync = ltskit_json({"advisories", "sync", "--json"});
  bool updated = false;
  for (const auto& s : sync["sources"]) updated = updated || s["updated"].get<int>() == 1;
  EXPECT_TRUE(updated) << sync.dump();
  auto t = triage_of("1.0");
  EXPECT_EQ(t["CVE-2026-1003/libgreet"]["state"], "not_affected");
  EXPECT_EQ(t["CVE-2026-1003/libgreet"]["human"], true);
  EXPECT_EQ(t["CVE-2026-1003/libgreet"]["decided_by"], "alice");
  EXPECT_EQ(t["CVE-2026-1003/libgreet"]["auto_state"], "affected");
  // Every change is kept: automatic, human, and the automatic re-evaluation.
  json hist = ltskit_json({"triage", "history", "1.0", "CVE-2026-1003", "libgreet", "--json"});
  ASSERT_GE(hist.size(), 2u);
  EXPECT_EQ(hist[0]["by"], "ltskit");
  EXPECT_EQ(hist[0]["new_state"], "affected");
  EXPECT_EQ(hist[1]["by"], "alice");
  EXPECT_EQ(hist[1]["old_state"], "affected");
  EXPECT_EQ(hist[1]["new_state"], "not_affected");
  EXPECT_EQ(hist[1]["reason"], "hello never passes user input");
  // Invalid decisions are usage errors.
  EXPECT_EQ(ltskit({"triage", "set", "1.0", "CVE-2026-1003", "libgreet", "not_affected", "--reason", "x"}).code, 2);
  EXPECT_EQ(ltskit({"triage", "set", "1.0", "CVE-2026-1003", "libgreet", "broken", "--reason", "x"}).code, 2);
  EXPECT_EQ(ltskit({"triage", "set", "1.0", "CVE-2099-1", "libgreet", "affected", "--reason", "x"}).code, 1);
}

TEST_F(Demo, VexDocumentIsValidOpenVex) {
  auto out = dir_->path() / "vex.json";
  CliRun r = ltskit({"vex", "1.0", "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(out);
  json doc = json::parse(in, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_TRUE(advisories::validate_openvex(doc).empty());
  EXPECT_EQ(doc["@context"], "https://openvex.dev/ns/v0.2.0");
  ASSERT_EQ(doc["statements"].size(), 4u);
  for (const auto& st : doc["statements"]) {
    EXPECT_EQ(st["products"][0]["@id"].get<std::string>().find("pkg:nix/"), 0u);
    EXPECT_NE(st["products"][0]["@id"].get<std::string>().find("channel=1.0"), std::string::npos);
    if (st["status"] == "affected") {
      EXPECT_TRUE(st.contains("action_statement"));
    }
    if (st["status"] == "not_affected") {
      EXPECT_TRUE(st.contains("justification") || st.contains("impact_statement"));
    }
  }
  // The validator catches what the spec forbids.
  json broken = doc;
  broken["statements"][0]["status"] = "not_affected";
  broken["statements"][0].erase("justification");
  broken["statements"][0].erase("impact_statement");
  EXPECT_FALSE(advisories::validate_openvex(broken).empty());
}

TEST_F(Demo, ErrorsHaveDocumentedExitCodes) {
  CliRun usage = ltskit({"versions"});
  EXPECT_EQ(usage.code, 2);
  EXPECT_NE(usage.err.find("ltskit: error:"), std::string::npos);
  EXPECT_EQ(ltskit({"versions", "libsafe", "--range", ">="}).code, 2);
  EXPECT_EQ(ltskit({"no-such-command"}).code, 2);
  CliRun missing = ltskit({"channel", "show", "9.9"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("no channel '9.9'"), std::string::npos);
  EXPECT_EQ(ltskit({"versions", "no-such-package"}).code, 1);
  EXPECT_EQ(ltskit({"vercmp", "1.0", "1.0.1"}).out, "-1\n");
}

TEST_F(Demo, ASecondMutatingCommandIsRefusedWhileTheLockIsHeld) {
  auto lock = WorkspaceLock::acquire(dir_->path() / "ws/.ltskit/lock", "test holder");
  ASSERT_TRUE(lock.ok());
  CliRun r = ltskit({"track"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("locked by another ltskit command"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(test holder)"), std::string::npos) << r.err;
  // Reading commands do not need the lock.
  EXPECT_EQ(ltskit({"channel", "list"}).code, 0);
}

TEST_F(Demo, VercmpStdinAnswersEveryLine) {
  ProcessOptions opt;
  opt.stdin_data = "1.0 1.0.1\n2.3a 2.3.1\n1.0 1.0\n\n10 9\n";
  auto r = run_process({LTSKIT_BINARY, "vercmp", "--stdin"}, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "-1\n-1\n0\n\n1\n");
  opt.stdin_data = "1.0\n";
  auto bad = run_process({LTSKIT_BINARY, "vercmp", "--stdin"}, opt);
  EXPECT_EQ(bad->exit_code, 2);
  EXPECT_NE(bad->err.find("stdin line 1"), std::string::npos);
}

TEST_F(Demo, PackageMapMapsAndIgnoresNamesAndWithdrawnRecordsWithdrawMatches) {
  // An advisory that names the product differently, one that names an
  // unrelated package of the same name, and one that is withdrawn later.
  TempDir feed;
  feed.write("map.json", R"({"dataType": "CVE_RECORD", "cveMetadata": {"cveId": "CVE-2026-2001", "state": "PUBLISHED",
      "dateUpdated": "2026-06-01T00:00:00Z"}, "containers": {"cna": {"title": "greet library bug",
      "affected": [{"vendor": "demo", "product": "greet library", "defaultStatus": "unaffected",
                    "versions": [{"version": "0", "lessThan": "1.0.1", "status": "affected"}]}]}}})");
  feed.write("npm.json", R"({"dataType": "CVE_RECORD", "cveMetadata": {"cveId": "CVE-2026-2002", "state": "PUBLISHED",
      "dateUpdated": "2026-06-01T00:00:00Z"}, "containers": {"cna": {"title": "npm hello",
      "affected": [{"collectionURL": "npm", "packageName": "hello", "defaultStatus": "affected"}]}}})");
  std::string map_text =
      "[[map]]\nvendor = \"demo\"\nproduct = \"greet library\"\npname = \"libgreet\"\n"
      "[[ignore]]\nname = \"hello\"\nreason = \"the npm hello is another project\"\n";
  std::ofstream(dir_->path() / "ws/policies/package-map.toml") << map_text;
  ASSERT_EQ(ltskit({"advisories", "source", "add", "cve", feed.path().string(), "--format", "cve5"}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "sync", "--source", "cve"}).code, 0);
  auto t = triage_of("1.0");
  ASSERT_TRUE(t.count("CVE-2026-2001/libgreet"));
  EXPECT_EQ(t["CVE-2026-2001/libgreet"]["state"], "affected");
  EXPECT_NE(t["CVE-2026-2001/libgreet"]["match_reason"].get<std::string>().find("package-map.toml"), std::string::npos);
  EXPECT_FALSE(t.count("CVE-2026-2002/hello"));
  // Without the ignore entry, the npm advisory would match hello by name.
  std::ofstream(dir_->path() / "ws/policies/package-map.toml") << "";
  ASSERT_EQ(ltskit({"triage", "refresh"}).code, 0);
  t = triage_of("1.0");
  EXPECT_TRUE(t.count("CVE-2026-2002/hello"));
  EXPECT_FALSE(t.count("CVE-2026-2001/libgreet"));
  // A bad map is an error naming file, line and key.
  std::ofstream(dir_->path() / "ws/policies/package-map.toml") << "[[map]]\nname = \"x\"\npname = \"y\"\ncolour = 1\n";
  CliRun bad = ltskit({"triage", "refresh"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("package-map.toml:4: key 'map[0].colour': unknown key"), std::string::npos) << bad.err;
  std::ofstream(dir_->path() / "ws/policies/package-map.toml") << map_text;
  // The CVE is rejected upstream: its matches are withdrawn.
  feed.write("npm.json", R"({"dataType": "CVE_RECORD", "cveMetadata": {"cveId": "CVE-2026-2002", "state": "REJECTED",
      "dateUpdated": "2026-07-01T00:00:00Z"}, "containers": {"cna": {"rejectedReasons": [{"lang": "en", "value": "dup"}]}}})");
  feed.write("map.json", R"({"dataType": "CVE_RECORD", "cveMetadata": {"cveId": "CVE-2026-2001", "state": "REJECTED",
      "dateUpdated": "2026-07-01T00:00:00Z"}, "containers": {"cna": {"rejectedReasons": [{"lang": "en", "value": "dup"}]}}})");
  ASSERT_EQ(ltskit({"advisories", "sync", "--source", "cve"}).code, 0);
  t = triage_of("1.0");
  EXPECT_FALSE(t.count("CVE-2026-2001/libgreet"));
  json hist = ltskit_json({"triage", "history", "1.0", "CVE-2026-2001", "libgreet", "--json"});
  EXPECT_EQ(hist.back()["new_state"], nullptr);
  std::ofstream(dir_->path() / "ws/policies/package-map.toml") << "";
}

TEST(CliConfig, AMalformedWorkspaceFileNamesFileLineAndKey) {
  TempDir dir;
  dir.write("ltskit.toml", "repo = \"/nonexistent\"\nchanels_dir = \"x\"\n");
  auto r = run_process({LTSKIT_BINARY, "-C", dir.path().string(), "channel", "list"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 1);
  EXPECT_NE(r->err.find("ltskit.toml:2: key 'chanels_dir': unknown key"), std::string::npos) << r->err;
}

}  // namespace
}  // namespace ltskit
