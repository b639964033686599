// End to end: the real ltskit binary on the demo package set (real git, real
// nix-env), as a user runs it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tools/advisories/vex.h"
#include "tools/core/fs.h"
#include "tools/core/lock.h"
#include "tools/core/process.h"
#include "tools/core/state.h"
#include "tools/core/test_util.h"
#include "tools/git/test_repo.h"
#include "tools/nix/test_package_set.h"

namespace ltskit {
namespace {

using nlohmann::json;
using testing::TempDir;

struct CliRun {
  int code;
  std::string out, err;
};

// Runs ltskit on the workspace `ws` (as user alice).
CliRun run_ltskit(const std::filesystem::path& ws, std::vector<std::string> args) {
  std::vector<std::string> argv = {LTSKIT_BINARY, "-C", ws.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions opt;
  opt.env["LTSKIT_USER"] = "alice";
  auto r = run_process(argv, opt);
  EXPECT_TRUE(r.ok());
  return r.ok() ? CliRun{r->exit_code, r->out, r->err} : CliRun{-1, "", ""};
}

// Each test gets its own copy of a workspace prepared once (the demo
// package set cut into channel 1.0, tracked, advisories synced), so that no
// test sees what another changed and any order gives the same results.
class Demo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prepared_ = new TempDir();
    TempDir* dir_ = prepared_;
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
    auto ltskit = [](std::vector<std::string> args) { return run_in(prepared_->path() / "ws", std::move(args)); };
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
    delete prepared_;
    prepared_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(prepared_, nullptr);
    namespace fs = std::filesystem;
    for (const char* part : {"pkgs", "ws"})
      fs::copy(prepared_->path() / part, tmp_.path() / part,
               fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    // The copy's ltskit.toml names the copy's repository.
    std::ifstream in(tmp_.path() / "ws/ltskit.toml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string from = prepared_->path().string(), to = tmp_.path().string();
    for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
      text.replace(pos, from.size(), to);
    ASSERT_NE(text.find(to + "/pkgs"), std::string::npos) << text;
    std::ofstream(tmp_.path() / "ws/ltskit.toml") << text;
  }

  CliRun ltskit(std::vector<std::string> args) { return run_in(tmp_.path() / "ws", std::move(args)); }

  static CliRun run_in(const std::filesystem::path& ws, std::vector<std::string> args) {
    return run_ltskit(ws, std::move(args));
  }
  json ltskit_json(std::vector<std::string> args) {
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
  std::map<std::string, json> triage_of(const std::string& channel) {
    std::map<std::string, json> out;
    for (auto& row : ltskit_json({"triage", channel, "--json"}))
      out[row["advisory"].get<std::string>() + "/" + row["pname"].get<std::string>()] = row;
    return out;
  }

  static TempDir* prepared_;
  static std::map<std::string, std::string> commits_;
  TempDir tmp_;  // this test's copy
};

TempDir* Demo::prepared_ = nullptr;
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
  // A second source holds the advisory too: the sync adds its record and
  // triage re-evaluates the advisory (both sources judged).
  TempDir feed;
  std::ifstream in(std::string(LTSKIT_SOURCE_DIR) + "/examples/demo/advisories/CVE-2026-1003.json");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t pos = text.find("2026-05-02T09:00:00Z");
  text.replace(pos, 20, "2026-06-01T00:00:00Z");
  feed.write("CVE-2026-1003.json", text);
  ASSERT_EQ(ltskit({"advisories", "source", "add", "update", feed.path().string()}).code, 0);
  json sync = ltskit_json({"advisories", "sync", "--json"});
  ASSERT_EQ(sync["sources"].size(), 2u) << sync.dump();
  EXPECT_EQ(sync["sources"][1]["added"], 1) << sync.dump();
  EXPECT_GE(sync["triage"]["changed"].get<int>(), 1) << sync.dump();
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

// Checked against what the demo's history and OpenVEX 0.2.0 say the document
// must hold, not against ltskit's own validator.
TEST_F(Demo, VexDocumentIsValidOpenVex) {
  ASSERT_EQ(ltskit({"triage", "set", "1.0", "CVE-2026-1002", "libgreet", "not_affected", "--justification",
                    "vulnerable_code_not_in_execute_path", "--reason", "greet_format is never given NULL"})
                .code,
            0);
  auto out = tmp_.path() / "vex.json";
  CliRun r = ltskit({"vex", "1.0", "-o", out.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream in(out);
  json doc = json::parse(in, nullptr, false);
  ASSERT_TRUE(doc.is_object());
  const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  EXPECT_EQ(doc["@context"], "https://openvex.dev/ns/v0.2.0");
  ASSERT_TRUE(doc["@id"].is_string());
  EXPECT_EQ(doc["@id"].get<std::string>().rfind("https://", 0), 0u);
  EXPECT_EQ(doc["author"], "alice (via ltskit)");
  ASSERT_TRUE(doc["timestamp"].is_string());
  EXPECT_TRUE(std::regex_match(doc["timestamp"].get<std::string>(), rfc3339));
  EXPECT_EQ(doc["version"], 1);
  std::string version = ltskit({"--version"}).out;
  EXPECT_EQ(doc["tooling"].get<std::string>() + "\n", version);

  struct Expected {
    std::string product, status, justification, alias;
  };
  const std::map<std::string, Expected> want = {
      {"CVE-2026-1001", {"pkg:nix/libsafe@1.0.0?channel=1.0", "affected", "", "GHSA-c5x2-9v4q-mm01"}},
      {"CVE-2026-1002",
       {"pkg:nix/libgreet@1.0.0?channel=1.0", "not_affected", "vulnerable_code_not_in_execute_path", ""}},
      {"CVE-2026-1003", {"pkg:nix/libgreet@1.0.0?channel=1.0", "affected", "", "GHSA-q8w4-demo-h3r7"}},
      {"CVE-2026-1004", {"pkg:nix/libgreetxx@1.0.0?channel=1.0", "not_affected", "vulnerable_code_not_present", ""}},
  };
  ASSERT_TRUE(doc["statements"].is_array());
  ASSERT_EQ(doc["statements"].size(), want.size());
  std::set<std::string> seen;
  for (const auto& st : doc["statements"]) {
    std::string name = st["vulnerability"]["name"];
    SCOPED_TRACE(name);
    ASSERT_TRUE(want.count(name));
    seen.insert(name);
    const Expected& e = want.at(name);
    ASSERT_EQ(st["products"].size(), 1u);
    EXPECT_EQ(st["products"][0]["@id"], e.product);
    EXPECT_EQ(st["products"][0]["identifiers"]["purl"], e.product);
    EXPECT_EQ(st["status"], e.status);
    EXPECT_TRUE(std::regex_match(st["timestamp"].get<std::string>(), rfc3339));
    if (!e.alias.empty()) {
      EXPECT_EQ(st["vulnerability"]["aliases"], json::array({e.alias}));
    } else {
      EXPECT_FALSE(st["vulnerability"].contains("aliases"));
    }
    // OpenVEX: affected needs an action statement; not_affected a justification
    // or an impact statement (we give both); only not_affected has a justification.
    EXPECT_EQ(st.contains("action_statement"), e.status == "affected");
    if (e.status == "affected") {
      EXPECT_FALSE(st["action_statement"].get<std::string>().empty());
    }
    EXPECT_EQ(st.value("justification", ""), e.justification);
    EXPECT_EQ(st.contains("impact_statement"), e.status == "not_affected");
  }
  EXPECT_EQ(seen.size(), want.size());
  // The human decision's reason is what the document says.
  for (const auto& st : doc["statements"]) {
    if (st["vulnerability"]["name"] == "CVE-2026-1002") {
      EXPECT_EQ(st["impact_statement"], "greet_format is never given NULL");
    }
  }

  // The validator itself rejects what the spec forbids.
  json broken = doc;
  broken["statements"][0]["status"] = "not_affected";
  broken["statements"][0].erase("justification");
  broken["statements"][0].erase("impact_statement");
  EXPECT_FALSE(advisories::validate_openvex(broken).empty());
}

// Issue 8, point 1: an OSV feed and a CVE 5 feed (and two OSV folders) both
// holding CVE-2026-1001 with different ranges. The newer record used to
// replace the other, and `vex` turned `affected` into `fixed`. Records are now
// kept per source, every source is judged, and the gravest verdict wins;
// `advisories show` shows each source and which one decided.
TEST_F(Demo, TwoSourcesWithOneIdAreBothJudgedAndNeverLessAffected) {
  // lts/1.0 carries libsafe 1.0.0; the demo OSV record says fixed in 1.0.1.
  ASSERT_EQ(triage_of("1.0")["CVE-2026-1001/libsafe"]["state"], "affected");
  TempDir cve, osv;
  // Newer, and says 1.0.0 is already fixed.
  cve.write("CVE-2026-1001.json", R"J({"dataType": "CVE_RECORD", "dataVersion": "5.1",
    "cveMetadata": {"cveId": "CVE-2026-1001", "state": "PUBLISHED", "dateUpdated": "2026-09-01T00:00:00Z"},
    "containers": {"cna": {"title": "libsafe: overflow (CNA view)",
      "metrics": [{"cvssV3_1": {"baseScore": 5.3, "baseSeverity": "MEDIUM",
        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:N"}}],
      "affected": [{"collectionURL": "https://demo.invalid", "packageName": "libsafe", "defaultStatus": "unaffected",
        "versions": [{"version": "0", "lessThan": "1.0.0", "versionType": "semver", "status": "affected"}]}]
}
}
})J");
  osv.write("CVE-2026-1001.json", R"J({"id": "CVE-2026-1001", "modified": "2026-10-01T00:00:00Z",
    "summary": "libsafe overflow (second OSV folder)", "affected": [{"package": {"ecosystem": "ltskit-demo",
    "name": "libsafe"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "0.9"}]}]}]
})J");
  ASSERT_EQ(ltskit({"advisories", "source", "add", "cna", cve.path().string(), "--format", "cve5"}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "source", "add", "osv2", osv.path().string()}).code, 0);
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    json sync = ltskit_json({"advisories", "sync", "--json"});
    if (round == 0) {
      EXPECT_EQ(sync["sources"][1]["added"], 1) << sync.dump();
      EXPECT_EQ(sync["sources"][2]["added"], 1) << sync.dump();
      EXPECT_EQ(sync["sources"][1]["superseded"], 0) << sync.dump();
    }
    auto t = triage_of("1.0");
    EXPECT_EQ(t["CVE-2026-1001/libsafe"]["state"], "affected");
    EXPECT_NE(t["CVE-2026-1001/libsafe"]["auto_reason"].get<std::string>().find("source demo decided"),
              std::string::npos)
        << t["CVE-2026-1001/libsafe"].dump();
    CliRun vex = ltskit({"vex", "1.0"});
    ASSERT_EQ(vex.code, 0) << vex.err;
    bool affected = false;
    json doc = json::parse(vex.out);
    for (const auto& st : doc["statements"])
      if (st["vulnerability"]["name"] == "CVE-2026-1001") {
        EXPECT_EQ(st["status"], "affected") << st.dump();
        affected = true;
      }
    EXPECT_TRUE(affected) << vex.out;
  }
  // Each id keeps its own merged view.
  for (const auto& a : ltskit_json({"advisories", "list", "--json"}))
    if (a["id"] == "CVE-2026-1002") {
      EXPECT_EQ(a["summary"], "libgreet: NULL pointer dereference in greet_format");
    }
  // The merged view: metadata from the newest record, the gravest severity.
  json show = ltskit_json({"advisories", "show", "CVE-2026-1001", "--json"});
  EXPECT_EQ(show["source"], "osv2");
  EXPECT_EQ(show["summary"], "libsafe overflow (second OSV folder)");
  EXPECT_EQ(show["severity"], "critical");
  EXPECT_EQ(show["severity_source"], "demo");
  EXPECT_EQ(show["sources"], json({"cna", "demo", "osv2"}));
  ASSERT_EQ(show["records"].size(), 3u);
  EXPECT_EQ(show["records"][0]["source"], "cna");
  EXPECT_EQ(show["records"][0]["format"], "cve5");
  EXPECT_EQ(show["records"][0]["severity"], "medium");
  EXPECT_EQ(show["records"][0]["affected"][0]["versions"][0]["lessThan"], "1.0.0");
  EXPECT_EQ(show["records"][1]["affected"][0]["ranges"][0]["events"][1]["fixed"], "1.0.1");
  EXPECT_EQ(show["records"][2]["decides_metadata"], true);
  EXPECT_EQ(show["records"][1]["decides_severity"], true);
  CliRun text = ltskit({"advisories", "show", "CVE-2026-1001"});
  ASSERT_EQ(text.code, 0) << text.err;
  for (const char* want : {"sources (each judged", "cna (cve5)", "libsafe: 0 to <1.0.0 affected",
                           "ltskit-demo/libsafe: introduced 0, fixed 1.0.1", "decides severity", "source demo decided"})
    EXPECT_NE(text.out.find(want), std::string::npos) << want << "\n" << text.out;
  // A source that withdraws its record no longer counts; the others still do.
  osv.write("CVE-2026-1001.json", R"J({"id": "CVE-2026-1001", "modified": "2026-11-01T00:00:00Z",
    "withdrawn": "2026-11-01T00:00:00Z", "affected": []})J");
  ASSERT_EQ(ltskit({"advisories", "sync"}).code, 0);
  show = ltskit_json({"advisories", "show", "CVE-2026-1001", "--json"});
  EXPECT_TRUE(show["withdrawn"].is_null()) << show.dump();
  EXPECT_EQ(show["source"], "cna");
  EXPECT_EQ(triage_of("1.0")["CVE-2026-1001/libsafe"]["state"], "affected");
}

// Issue 8, point 2: a sync whose triage failed after its ingest committed
// used to leave triage (and VEX) without the new advisory for good.
TEST_F(Demo, TriageFailedAfterTheIngestIsRedoneByTheNextSync) {
  auto map_file = tmp_.path() / "ws/policies/package-map.toml";
  std::ifstream in(map_file);
  std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(map_file) << "[[map]]\nname = \"x\"\n";  // no pname: refresh fails after the ingest
  TempDir feed;
  feed.write("new.json", R"({"id": "DEMO-2026-77", "modified": "2026-07-01T00:00:00Z", "summary": "libsafe again",
      "affected": [{"package": {"ecosystem": "Nix", "name": "libsafe"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}]})");
  ASSERT_EQ(ltskit({"advisories", "source", "add", "late", feed.path().string()}).code, 0);
  CliRun failed = ltskit({"advisories", "sync"});
  EXPECT_EQ(failed.code, 1) << failed.err;
  EXPECT_NE(failed.err.find("package-map.toml"), std::string::npos) << failed.err;
  // Until triage is refreshed, VEX refuses and the triage listing warns.
  CliRun vex = ltskit({"vex", "1.0"});
  EXPECT_EQ(vex.code, 1);
  EXPECT_NE(vex.err.find("triage is out of date"), std::string::npos) << vex.err;
  EXPECT_NE(ltskit({"triage", "1.0"}).err.find("out of date"), std::string::npos);
  std::ofstream(map_file) << good;
  CliRun again = ltskit({"advisories", "sync"});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out.find("triage: up to date"), std::string::npos) << again.out;
  auto t = triage_of("1.0");
  ASSERT_TRUE(t.count("DEMO-2026-77/libsafe"));
  EXPECT_EQ(t["DEMO-2026-77/libsafe"]["state"], "affected");
  CliRun ok = ltskit({"vex", "1.0"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("DEMO-2026-77"), std::string::npos);
  EXPECT_NE(ltskit({"advisories", "sync"}).out.find("triage: up to date"), std::string::npos);
}

// Issue 8, point 9: after `git branch -D lts/1.0`, `vex 1.0` still wrote the
// old head's statements.
TEST_F(Demo, VexAndTriageRefuseAHeadThatIsGoneOrMovedUntilTracked) {
  auto git = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", (tmp_.path() / "pkgs").string()});
    auto r = run_process(args);
    EXPECT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : "");
  };
  git({"branch", "-D", "lts/1.0"});
  CliRun vex = ltskit({"vex", "1.0"});
  EXPECT_EQ(vex.code, 1);
  EXPECT_NE(vex.err.find("branch 'lts/1.0' of channel '1.0' no longer exists"), std::string::npos) << vex.err;
  EXPECT_TRUE(vex.out.empty());
  EXPECT_EQ(ltskit({"triage", "1.0"}).code, 1);
  // Back, but somewhere else: stale until tracked again.
  git({"branch", "lts/1.0", commits_["cut"]});
  CliRun moved = ltskit({"vex", "1.0"});
  EXPECT_EQ(moved.code, 1);
  EXPECT_NE(moved.err.find("since it was tracked; run 'ltskit track 1.0'"), std::string::npos) << moved.err;
  CliRun tr = ltskit({"track", "1.0"});
  ASSERT_EQ(tr.code, 0) << tr.err;
  EXPECT_EQ(ltskit({"vex", "1.0"}).code, 0);
}

// Issue 8, point 11: `kill -9` inside `channel create` left a file with no
// branch and no row; re-running said "already exists" and track failed for
// every channel. The file is now written last, each leftover is completed by
// running create again, and one missing branch does not stop track.
TEST_F(Demo, AnInterruptedChannelCreateIsCompletedByRunningItAgain) {
  auto args = std::vector<std::string>{"channel", "create", "2.0", "--branch", "lts/2.0", "--from", commits_["head"]};
  ASSERT_EQ(ltskit(args).code, 0);
  // Killed after the row, before the file: the row alone does not count.
  std::filesystem::remove(tmp_.path() / "ws/channels/2.0.toml");
  EXPECT_EQ(ltskit({"channel", "show", "2.0"}).code, 1);
  CliRun again = ltskit(args);
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_TRUE(std::filesystem::exists(tmp_.path() / "ws/channels/2.0.toml"));
  // Killed after the branch only: the branch is adopted.
  auto git = run_process({"git", "-C", (tmp_.path() / "pkgs").string(), "branch", "lts/3.0", commits_["head"]});
  ASSERT_TRUE(git.ok() && git->success());
  CliRun adopt = ltskit({"channel", "create", "3.0", "--branch", "lts/3.0", "--from", commits_["head"]});
  EXPECT_EQ(adopt.code, 0) << adopt.err;
  // The old failure: a channel file whose branch never came to be.
  tmp_.write("ws/channels/4.0.toml",
             "name = \"4.0\"\nbranch = \"lts/4.0\"\nupstream = \"main\"\ncut = \"" + commits_["cut"] + "\"\n");
  CliRun tr = ltskit({"track", "--json"});
  EXPECT_EQ(tr.code, 1);
  EXPECT_NE(tr.err.find("branch lts/4.0: branch 'lts/4.0' (channel 4.0) not found"), std::string::npos) << tr.err;
  json j = json::parse(tr.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << tr.out;
  std::set<std::string> tracked;
  for (const auto& b : j["branches"]) tracked.insert(b["branch"]);
  EXPECT_TRUE(tracked.count("lts/1.0") && tracked.count("lts/2.0") && tracked.count("lts/3.0")) << j.dump();
}

int64_t count_rows(const std::filesystem::path& db_path, const std::string& sql);

// Issue 8, point 8: resetting a branch used to make recorded history vanish
// with exit 0, no warning and no event.
TEST_F(Demo, RewrittenHistoryIsReportedAndAHeadBehindItsCutIsAnError) {
  auto git = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", (tmp_.path() / "pkgs").string()});
    auto r = run_process(args);
    EXPECT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : "");
  };
  git({"update-ref", "refs/heads/main", commits_["cut"]});  // upstream reset to an older commit
  CliRun tr = ltskit({"track", "--json"});
  EXPECT_EQ(tr.code, 0) << tr.err;
  EXPECT_NE(tr.err.find("ltskit: warning: branch main: was rewritten"), std::string::npos) << tr.err;
  json j = json::parse(tr.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << tr.out;
  bool reported = false;
  for (const auto& b : j["branches"])
    if (b["branch"] == "main") reported = b["rewritten_from"] == commits_["head"];
  EXPECT_TRUE(reported) << j.dump();
  EXPECT_EQ(count_rows(tmp_.path() / "ws/.ltskit/state.db",
                       "SELECT COUNT(*) FROM events WHERE kind = 'branch.rewritten' AND subject = 'main'"),
            1);
  // The channel's branch reset behind its cut: an error naming the channel.
  git({"update-ref", "refs/heads/lts/1.0", commits_["initial"]});
  CliRun behind = ltskit({"track"});
  EXPECT_EQ(behind.code, 1);
  EXPECT_NE(behind.err.find("of channel '1.0'"), std::string::npos) << behind.err;
  EXPECT_NE(behind.err.find("no longer contains its cut commit"), std::string::npos) << behind.err;
}

// Issue 8, point 10: hand-edited channel files bypassed validation: a cut not
// on the upstream was accepted, a later edit of the cut never took effect,
// and two files naming one branch failed every command with a SQL error.
TEST_F(Demo, HandEditedChannelFilesAreValidatedOnEveryLoad) {
  auto file = tmp_.path() / "ws/channels/1.0.toml";
  std::ifstream in(file);
  std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto with_cut = [&](const std::string& commit) {
    std::string text;
    std::istringstream lines(original);
    for (std::string line; std::getline(lines, line);)
      if (!line.starts_with("cut")) text += line + "\n";
    return text + "cut = \"" + commit + "\"\n";
  };
  // A cut on the channel's own branch but not on the upstream.
  std::ofstream(file) << with_cut(commits_["lts-head"]);
  CliRun off = ltskit({"channel", "list"});
  EXPECT_EQ(off.code, 1);
  EXPECT_NE(off.err.find("is not on upstream branch 'main'"), std::string::npos) << off.err;
  EXPECT_NE(off.err.find("1.0.toml' (key 'cut')"), std::string::npos) << off.err;
  // A cut moved by hand takes effect (and is logged) on the next writing command.
  std::ofstream(file) << with_cut(commits_["initial"]);
  ASSERT_EQ(ltskit({"track", "1.0"}).code, 0);
  EXPECT_EQ(ltskit_json({"channel", "show", "1.0", "--json"})["cut_commit"], commits_["initial"]);
  EXPECT_EQ(count_rows(tmp_.path() / "ws/.ltskit/state.db", "SELECT COUNT(*) FROM events WHERE kind = 'channel.recut'"),
            1);
  // Two files naming one branch: an error that names both.
  std::ofstream(file) << original;
  tmp_.write("ws/channels/1.1.toml",
             "name = \"1.1\"\nbranch = \"lts/1.0\"\nupstream = \"main\"\ncut = \"" + commits_["cut"] + "\"\n");
  CliRun dup = ltskit({"track"});
  EXPECT_EQ(dup.code, 1);
  EXPECT_NE(dup.err.find("1.1.toml: key 'branch': branch 'lts/1.0' already belongs to the channel in"),
            std::string::npos)
      << dup.err;
  EXPECT_EQ(dup.err.find("UNIQUE"), std::string::npos) << dup.err;
}

int64_t count_rows(const std::filesystem::path& db_path, const std::string& sql) {
  auto db = Database::open(db_path, {}, OpenMode::kReadOnly);
  EXPECT_TRUE(db.ok()) << db.error().describe();
  if (!db.ok()) return -1;
  auto q = db->prepare(sql);
  EXPECT_TRUE(q.ok());
  if (!q.ok() || !q->step().ok()) return -1;
  return q->integer(0);
}

TEST_F(Demo, ReadingCommandsWriteNothingWritingOnesRegisterHandWrittenChannels) {
  auto ran = run_process({"git", "-C", (tmp_.path() / "pkgs").string(), "branch", "lts/2.0", commits_["head"]});
  ASSERT_TRUE(ran.ok() && ran->success());
  tmp_.write("ws/channels/2.0.toml", "name = \"2.0\"\nbranch = \"lts/2.0\"\nupstream = \"main\"\ncut = \"" +
                                         commits_["head"] + "\"\npolicy = \"lts-strict\"\n");
  auto db = tmp_.path() / "ws/.ltskit/state.db";
  int64_t events = count_rows(db, "SELECT COUNT(*) FROM events");
  ASSERT_GT(events, 0);
  json list = ltskit_json({"channel", "list", "--json"});
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1]["name"], "2.0");
  EXPECT_EQ(list[1]["cut_commit"], commits_["head"]);
  EXPECT_EQ(ltskit({"channel", "show", "2.0"}).code, 0);
  EXPECT_EQ(ltskit({"versions", "libsafe"}).code, 0);
  EXPECT_EQ(ltskit({"triage", "1.0"}).code, 0);
  EXPECT_EQ(ltskit({"advisories", "list"}).code, 0);
  EXPECT_EQ(ltskit({"vex", "1.0"}).code, 0);
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM events"), events);
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM channels WHERE name = '2.0'"), 0);
  // A command that changes the workspace registers the channel.
  CliRun tr = ltskit({"track", "2.0"});
  EXPECT_EQ(tr.code, 0) << tr.err;
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM channels WHERE name = '2.0'"), 1);
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM events WHERE kind = 'channel.register'"), 1);
}

// Issue 8, point 16: on a read-only workspace (archived, a read-only mount,
// another user's) `channel list`, `triage` and `vex` failed with "unable to
// open database file". Reads now work; a command that changes the workspace
// says it is read-only; nothing is created in it. As root the commands run as
// `nobody` (permission bits do not bind root); otherwise the bits are cleared.
TEST_F(Demo, AReadOnlyWorkspaceCanBeReadAndWritingCommandsSayWhyNot) {
  namespace fs = std::filesystem;
  json want_triage = ltskit_json({"triage", "1.0", "--json"});
  json want_list = ltskit_json({"channel", "list", "--json"});
  {
    // Closed cleanly by a writer: the -wal and -shm files are gone, the
    // usual state of an archived workspace.
    auto db = Database::open(tmp_.path() / "ws/.ltskit/state.db", {});
    ASSERT_TRUE(db.ok()) << db.error().describe();
  }
  ASSERT_FALSE(fs::exists(tmp_.path() / "ws/.ltskit/state.db-shm"));
  fs::copy_file(LTSKIT_BINARY, tmp_.path() / "ltskit");  // reachable whoever runs it
  bool root = ::geteuid() == 0;
  auto sh = [](std::vector<std::string> argv) {
    auto r = run_process(argv);
    ASSERT_TRUE(r.ok() && r->success()) << argv[0] << (r.ok() ? r->err : r.error().message());
  };
  sh({"chmod", "-R", "a+rX", tmp_.path().string()});
  if (root) sh({"chown", "-R", "nobody", (tmp_.path() / "pkgs").string(), (tmp_.path() / "ws").string()});
  sh({"chmod", "-R", "a-w", (tmp_.path() / "ws").string()});
  auto listing = [&] {
    std::set<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(tmp_.path() / "ws")) out.insert(e.path().string());
    return out;
  };
  auto before = listing();
  auto run_ro = [&](std::vector<std::string> args) {
    std::vector<std::string> argv;
    if (root) argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    argv.push_back((tmp_.path() / "ltskit").string());
    argv.push_back("-C");
    argv.push_back((tmp_.path() / "ws").string());
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions opt;
    opt.env["HOME"] = tmp_.path().string();
    opt.env["LTSKIT_USER"] = "alice";
    auto r = run_process(argv, opt);
    EXPECT_TRUE(r.ok());
    return r.ok() ? CliRun{r->exit_code, r->out, r->err} : CliRun{-1, "", ""};
  };
  CliRun list = run_ro({"channel", "list", "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(json::parse(list.out), want_list);
  CliRun triage = run_ro({"triage", "1.0", "--json"});
  ASSERT_EQ(triage.code, 0) << triage.err;
  EXPECT_EQ(json::parse(triage.out), want_triage);
  CliRun vex = run_ro({"vex", "1.0"});
  ASSERT_EQ(vex.code, 0) << vex.err;
  EXPECT_EQ(json::parse(vex.out)["statements"].size(), want_triage.size());
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{{"advisories", "list"},
                                                                             {"advisories", "show", "CVE-2026-1001"},
                                                                             {"versions", "libsafe"},
                                                                             {"channel", "show", "1.0"}}) {
    CliRun r = run_ro(args);
    EXPECT_EQ(r.code, 0) << args[0] << " " << args[1] << ": " << r.err;
  }
  // A command that changes the workspace says why it cannot.
  CliRun track = run_ro({"track"});
  EXPECT_EQ(track.code, 1);
  EXPECT_NE(track.err.find("read-only"), std::string::npos) << track.err;
  CliRun set = run_ro({"triage", "set", "1.0", "CVE-2026-1001", "libsafe", "fixed", "--reason", "x"});
  EXPECT_EQ(set.code, 1);
  EXPECT_NE(set.err.find("read-only"), std::string::npos) << set.err;
  EXPECT_EQ(listing(), before);
  sh({"chmod", "-R", "u+w", (tmp_.path() / "ws").string()});  // so that the folder can be removed
}

// Bad input to the publishing commands: hostile channel names, a root that
// is a file or cannot be created, a head that does not descend from the
// published one, an EOL channel. Each is a clear error, and nothing
// appears outside the root.
TEST_F(Demo, PublishingRefusesBadInputAndTouchesNothingElse) {
  namespace fs = std::filesystem;
  fs::path root = tmp_.path() / "lts";
  auto listing = [&] {
    std::set<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(tmp_.path())) {
      std::string p = e.path().string();
      if (p.find("/ws/") == std::string::npos && p.find("/pkgs/") == std::string::npos) out.insert(p);
    }
    return out;
  };
  auto before = listing();
  for (const std::string& name : std::vector<std::string>{"..", "a/b", "/etc", std::string(300, 'x'), "-x"}) {
    CliRun g = ltskit({"generations", name, "--root", root.string()});
    EXPECT_NE(g.code, 0) << name;
    EXPECT_NE(g.err.find("channel"), std::string::npos) << g.err;
    CliRun v = ltskit({"verify", name, "--root", root.string()});
    EXPECT_NE(v.code, 0) << name;
    CliRun p = ltskit({"publish", name, "--root", root.string()});
    EXPECT_NE(p.code, 0) << name;
  }
  EXPECT_EQ(listing(), before);
  CliRun none = ltskit({"verify", "1.0", "--root", root.string()});
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.err.find("not published"), std::string::npos) << none.err;

  ASSERT_EQ(ltskit({"build", "1.0"}).code, 0);
  tmp_.write("afile", "not a folder\n");
  CliRun file = ltskit({"publish", "1.0", "--root", (tmp_.path() / "afile").string()});
  EXPECT_EQ(file.code, 1);
  EXPECT_NE(file.err.find("is not a folder"), std::string::npos) << file.err;
  CliRun proc = ltskit({"publish", "1.0", "--root", "/proc/ltskit-cannot-be-here"});
  EXPECT_EQ(proc.code, 1);
  EXPECT_NE(proc.err.find("/proc/ltskit-cannot-be-here"), std::string::npos) << proc.err;

  // Published at the head; then the branch is moved back to its cut: not a
  // descendant, refused unless forced.
  ASSERT_EQ(ltskit({"publish", "1.0"}).code, 0);
  auto git = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", (tmp_.path() / "pkgs").string()});
    auto r = run_process(args);
    EXPECT_TRUE(r.ok() && r->success());
  };
  git({"branch", "-f", "lts/1.0", commits_["cut"]});
  ASSERT_EQ(ltskit({"track", "1.0"}).code, 0);
  ASSERT_EQ(ltskit({"build", "1.0"}).code, 0);
  CliRun back = ltskit({"publish", "1.0"});
  EXPECT_EQ(back.code, 1);
  EXPECT_NE(back.err.find("does not descend"), std::string::npos) << back.err;
  EXPECT_EQ(fs::read_symlink(root / "1.0"), fs::path(".generations/1.0/1"));
  CliRun forced = ltskit({"publish", "1.0", "--force", "reverting the LTS.md change", "--json"});
  ASSERT_EQ(forced.code, 0) << forced.err;
  EXPECT_EQ(json::parse(forced.out, nullptr, false)["generation"], 2);
  std::ifstream mf(root / ".generations/1.0/2/manifest.json");
  EXPECT_EQ(json::parse(mf, nullptr, false)["forced"], "reverting the LTS.md change");

  ASSERT_EQ(ltskit({"channel", "eol", "1.0"}).code, 0);
  CliRun eol = ltskit({"publish", "1.0", "--force", "x"});
  EXPECT_EQ(eol.code, 1);
  EXPECT_NE(eol.err.find("end of life"), std::string::npos) << eol.err;
}

// Crash safety: `ltskit publish` killed with SIGKILL at 200 moments spread
// over the whole publish (GC roots, assembly, manifest, rename, switch).
// After each kill ROOT/1.0 resolves to a complete generation that verify
// accepts, and the last publish succeeds.
TEST_F(Demo, APublishKilledAnywhereLeavesACompleteVerifiedGeneration) {
  namespace fs = std::filesystem;
  fs::path root = tmp_.path() / "lts";
  ASSERT_EQ(ltskit({"build", "1.0"}).code, 0);
  CliRun first = ltskit({"publish", "1.0"});
  ASSERT_EQ(first.code, 0) << first.err;
  // How long a publish takes, to spread the kills over it: the fastest of
  // three runs, so that a run slowed by a busy machine does not stretch
  // the span past what most publishes take.
  int64_t span = std::numeric_limits<int64_t>::max();
  for (int t = 0; t < 3; ++t) {
    auto t0 = std::chrono::steady_clock::now();
    CliRun timed = ltskit({"publish", "1.0", "--force", "timing run"});
    ASSERT_EQ(timed.code, 0) << timed.err;
    span = std::min<int64_t>(
        span, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
  }
  std::string ws = (tmp_.path() / "ws").string();
  int killed_early = 0;
  for (int i = 0; i < 200; ++i) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      ::execl(LTSKIT_BINARY, LTSKIT_BINARY, "-C", ws.c_str(), "publish", "1.0", "--force", "crash test",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::usleep(static_cast<useconds_t>(span * i / 200));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed_early;
    fs::path target = fs::read_symlink(root / "1.0");
    ASSERT_TRUE(fs::exists(root / "1.0" / "manifest.json")) << "run " << i << ": " << target;
    CliRun v = ltskit({"verify", "1.0"});
    ASSERT_EQ(v.code, 0) << "run " << i << ": " << v.err;
  }
  EXPECT_GT(killed_early, 150);  // most runs were killed before they finished
  CliRun last = ltskit({"publish", "1.0", "--force", "after the crashes", "--json"});
  ASSERT_EQ(last.code, 0) << last.err;
  EXPECT_EQ(ltskit({"verify", "1.0"}).code, 0);
  // Nothing half-made is left: only generation folders, .roots and .abi
  // with one entry per generation, no temporaries.
  std::set<std::string> gens;
  for (const auto& e : fs::directory_iterator(root / ".generations/1.0")) {
    std::string name = e.path().filename().string();
    EXPECT_TRUE(name == ".roots" || name == ".abi" || std::all_of(name.begin(), name.end(), ::isdigit)) << name;
    if (name[0] != '.') gens.insert(name);
  }
  for (const char* kept : {".roots", ".abi"}) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(root / ".generations/1.0" / kept))
      names.insert(e.path().filename().string());
    EXPECT_EQ(names, gens) << kept;
  }
  for (const auto& e : fs::directory_iterator(root))
    EXPECT_TRUE(e.path().filename() == "1.0" || e.path().filename() == ".generations") << e.path();
}

// The promise itself: a program compiled once against ROOT/1.0 with
// pkg-config keeps running, unrecompiled, across generations. Generation 1
// is the cut; the CVE-2026-1001 fix is backported, built and published as
// generation 2, and the same binary now runs the fixed libsafe (its output
// says so); a rollback puts it back on generation 1. Its flags and RUNPATH
// name the stable path, never the store; verify passes throughout.
TEST_F(Demo, PublishedTreeKeepsAProgramBuiltAgainstItWorkingAcrossGenerations) {
  namespace fs = std::filesystem;
  fs::path root = tmp_.path() / "lts";
  CliRun b1 = ltskit({"build", "1.0", "--json"});
  ASSERT_EQ(b1.code, 0) << b1.err << b1.out;
  json built = json::parse(b1.out, nullptr, false);
  ASSERT_EQ(built["attrs"].size(), 3u) << b1.out;
  for (const auto& a : built["attrs"]) EXPECT_NE(a["state"], "failed") << a.dump();
  CliRun p1 = ltskit({"publish", "1.0", "--json"});
  ASSERT_EQ(p1.code, 0) << p1.err;
  EXPECT_EQ(json::parse(p1.out, nullptr, false)["generation"], 1);
  EXPECT_EQ(fs::read_symlink(root / "1.0"), fs::path(".generations/1.0/1"));
  CliRun v1 = ltskit({"verify", "1.0"});
  EXPECT_EQ(v1.code, 0) << v1.err << v1.out;

  // A third-party program, built once against ROOT/1.0.
  tmp_.write("consumer.c", R"(#include <stdio.h>
#include <safe.h>
int main(void) {
  char buf[4];
  size_t n = safe_copy(buf, sizeof buf, "abcdef");
  printf("%s %zu\n", safe_version(), n);
  return 0;
}
)");
  ProcessOptions pc;
  pc.env["PKG_CONFIG_PATH"] = (root / "1.0/lib/pkgconfig").string();
  auto flags = run_process({"pkg-config", "--cflags", "--libs", "libsafe"}, pc);
  ASSERT_TRUE(flags.ok() && flags->success()) << (flags.ok() ? flags->err : flags.error().message());
  EXPECT_EQ(flags->out.find("/nix/store"), std::string::npos) << flags->out;
  EXPECT_NE(flags->out.find((root / "1.0").string()), std::string::npos) << flags->out;
  std::vector<std::string> cc = {"cc", (tmp_.path() / "consumer.c").string(), "-o",
                                 (tmp_.path() / "consumer").string()};
  std::istringstream words(flags->out);
  for (std::string w; words >> w;) cc.push_back(w);
  auto compiled = run_process(cc);
  ASSERT_TRUE(compiled.ok() && compiled->success()) << (compiled.ok() ? compiled->err : compiled.error().message());
  auto dyn = run_process({"readelf", "-d", (tmp_.path() / "consumer").string()});
  ASSERT_TRUE(dyn.ok() && dyn->success());
  EXPECT_NE(dyn->out.find((root / "1.0/lib").string()), std::string::npos) << dyn->out;
  EXPECT_EQ(dyn->out.find("/nix/store"), std::string::npos) << dyn->out;
  auto run = [&] {
    auto r = run_process({(tmp_.path() / "consumer").string()});
    EXPECT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : r.error().message());
    return r.ok() ? r->out : std::string();
  };
  EXPECT_EQ(run(), "1.0.0 4\n");  // the overflow CVE-2026-1001 is about

  // The fix, built and published: the same binary runs the fixed library.
  CliRun fix = ltskit({"backport", "apply", "CVE-2026-1001", "--channel", "1.0"});
  ASSERT_EQ(fix.code, 0) << fix.err;
  CliRun b2 = ltskit({"build", "1.0", "--json"});
  ASSERT_EQ(b2.code, 0) << b2.err;
  json rebuilt = json::parse(b2.out, nullptr, false);
  EXPECT_EQ(rebuilt["generation"], 1) << b2.out;
  for (const auto& a : rebuilt["attrs"])
    if (a["attr"] == "libsafe") {
      EXPECT_TRUE(a["changed"].get<bool>()) << a.dump();
    }
  CliRun p2 = ltskit({"publish", "1.0", "--json"});
  ASSERT_EQ(p2.code, 0) << p2.err;
  EXPECT_EQ(json::parse(p2.out, nullptr, false)["generation"], 2);
  EXPECT_EQ(run(), "1.0.1 3\n");
  EXPECT_EQ(ltskit({"verify", "1.0"}).code, 0);
  std::ifstream mf(root / ".generations/1.0/2/manifest.json");
  json manifest = json::parse(mf, nullptr, false);
  EXPECT_EQ(manifest["generation"], 2);
  EXPECT_EQ(manifest["previous_generation"], 1);
  EXPECT_EQ(manifest["advisories_fixed_since_previous"], json::array({"CVE-2026-1001"})) << manifest.dump();
  auto head = run_process({"git", "-C", (tmp_.path() / "pkgs").string(), "rev-parse", "lts/1.0"});
  ASSERT_TRUE(head.ok() && head->success());
  EXPECT_EQ(manifest["commit"].get<std::string>() + "\n", head->out);
  // Publishing the same head again changes nothing.
  CliRun again = ltskit({"publish", "1.0", "--json"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out, nullptr, false)["generation"], 2);

  // Rollback: only the link moves; the binary is back on generation 1.
  CliRun rb = ltskit({"rollback", "1.0"});
  ASSERT_EQ(rb.code, 0) << rb.err;
  EXPECT_EQ(fs::read_symlink(root / "1.0"), fs::path(".generations/1.0/1"));
  EXPECT_EQ(run(), "1.0.0 4\n");
  EXPECT_EQ(ltskit({"verify", "1.0"}).code, 0);
  json gens = ltskit_json({"generations", "1.0", "--json"});
  ASSERT_EQ(gens.size(), 2u);
  EXPECT_TRUE(gens[0]["current"].get<bool>());
  EXPECT_FALSE(gens[1]["current"].get<bool>());
  CliRun fwd = ltskit({"rollback", "1.0", "--to", "2"});
  ASSERT_EQ(fwd.code, 0) << fwd.err;
  EXPECT_EQ(run(), "1.0.1 3\n");

  // verify notices a broken tree.
  fs::path pc_file = root / ".generations/1.0/2/lib/pkgconfig/libsafe.pc";
  fs::permissions(pc_file, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(pc_file, std::ios::app) << "# edited\n";
  CliRun broken = ltskit({"verify", "1.0"});
  EXPECT_EQ(broken.code, 1);
  EXPECT_NE(broken.err.find("digest"), std::string::npos) << broken.err;
}

// The ABI gate on the demo: a test channel takes upstream's history. The
// compatible libgreetxx 1.1 (a function added) goes through; the libsafe
// 2.0 major release (SONAME bump, a removed function, a public struct's
// layout) is held back with exit 3, naming the library, the change and the
// rule, and nothing under the root changes; a policy that allows the
// change lets it out.
TEST_F(Demo, TheAbiGateHoldsBackAMajorReleaseAndLetsACompatibleChangeThrough) {
  namespace fs = std::filesystem;
  fs::path root = tmp_.path() / "lts";
  auto git = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", (tmp_.path() / "pkgs").string()});
    auto r = run_process(args);
    ASSERT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : r.error().message());
  };
  git({"branch", "lts/abi-test", commits_["cve-2026-1002"]});
  ASSERT_EQ(ltskit({"channel", "create", "abi-test", "--branch", "lts/abi-test", "--from", commits_["cve-2026-1002"],
                    "--support-until", "2031-01-15", "--publish", "libsafe,libgreet,libgreetxx"})
                .code,
            0);
  auto move_to = [&](const std::string& label) {
    git({"branch", "-f", "lts/abi-test", commits_[label]});
    CliRun tr = ltskit({"track", "abi-test"});
    ASSERT_EQ(tr.code, 0) << tr.err;
    CliRun b = ltskit({"build", "abi-test"});
    ASSERT_EQ(b.code, 0) << b.err;
  };
  auto publish = [&](int expected_code) {
    CliRun p = ltskit({"publish", "abi-test", "--json"});
    EXPECT_EQ(p.code, expected_code) << p.err << p.out;
    json j = json::parse(p.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << p.out;
    return std::pair(j, p.err);
  };
  auto verdicts = [](const json& abi) {
    std::map<std::string, json> out;
    for (const auto& l : abi["libraries"]) out[l["soname"].get<std::string>()] = l;
    return out;
  };

  // Generation 1: nothing to compare with; every library is the baseline.
  move_to("cve-2026-1002");
  auto [g1, e1] = publish(0);
  EXPECT_EQ(g1["generation"], 1);
  auto v1 = verdicts(g1["abi"]);
  ASSERT_EQ(v1.size(), 3u) << g1.dump();
  for (const auto& [soname, v] : v1) EXPECT_EQ(v["verdict"], "baseline") << soname;
  EXPECT_TRUE(fs::exists(root / ".generations/abi-test/.abi/1/index.json"));

  // libgreetxx 1.1 adds a function: compatible, allowed by lts-strict.
  move_to("greetxx-1.1");
  auto [g2, e2] = publish(0);
  EXPECT_EQ(g2["generation"], 2) << e2;
  auto v2 = verdicts(g2["abi"]);
  ASSERT_TRUE(v2.count("libgreetxx.so.1")) << g2.dump();
  EXPECT_EQ(v2["libgreetxx.so.1"]["verdict"], "compatible");
  EXPECT_FALSE(v2["libgreetxx.so.1"]["blocked"].get<bool>());
  EXPECT_EQ(v2["libsafe.so.1"]["verdict"], "unchanged");  // the same store path: nothing to compare
  std::ifstream mf(root / ".generations/abi-test/2/manifest.json");
  json manifest = json::parse(mf, nullptr, false);
  EXPECT_EQ(manifest["abi"]["compared_with"], 1) << manifest.dump();

  // libsafe 2.0: held back.
  move_to("abi-break");
  auto before = ltskit({"generations", "abi-test", "--json"}).out;
  auto [g3, e3] = publish(3);
  EXPECT_FALSE(g3["published"].get<bool>());
  EXPECT_TRUE(g3["abi"]["blocked"].get<bool>());
  auto v3 = verdicts(g3["abi"]);
  ASSERT_TRUE(v3.count("libsafe.so.1")) << g3.dump();
  EXPECT_TRUE(v3["libsafe.so.1"]["blocked"].get<bool>());
  EXPECT_EQ(v3["libsafe.so.1"]["verdict"], "incompatible");
  std::string blocking = v3["libsafe.so.1"]["blocking"].dump();
  EXPECT_NE(blocking.find("soname-changed"), std::string::npos) << blocking;
  // Removed functions are named with their declaration (and version).
  EXPECT_NE(blocking.find("function-removed: int safe_append(struct safe_buf *, const char *) removed"),
            std::string::npos)
      << blocking;
  EXPECT_NE(blocking.find("struct safe_buf"), std::string::npos) << blocking;  // public, behind a pointer
  EXPECT_NE(e3.find("ltskit: blocked: libsafe.so.1 (package libsafe)"), std::string::npos) << e3;
  EXPECT_NE(e3.find("policy 'lts-strict' allows added-symbols"), std::string::npos) << e3;
  EXPECT_EQ(fs::read_symlink(root / "abi-test"), fs::path(".generations/abi-test/2"));
  EXPECT_FALSE(fs::exists(root / ".generations/abi-test/3"));
  EXPECT_FALSE(fs::exists(root / ".generations/abi-test/.abi/3"));
  EXPECT_FALSE(fs::exists(root / ".generations/abi-test/.roots/3"));
  EXPECT_EQ(ltskit({"generations", "abi-test", "--json"}).out, before);
  EXPECT_EQ(ltskit({"verify", "abi-test"}).code, 0);
  // The verdicts are kept: `ltskit abi` shows the last one per library.
  json last = ltskit_json({"abi", "abi-test", "--json"});
  std::map<std::string, json> by;
  for (const auto& v : last) by[v["soname"].get<std::string>()] = v;
  EXPECT_TRUE(by["libsafe.so.1"]["blocked"].get<bool>()) << last.dump();
  EXPECT_TRUE(by["libsafe.so.1"]["generation"].is_null());
  EXPECT_EQ(by["libsafe.so.1"]["report"]["verdict"], "incompatible");
  // libgreetxx was rebuilt against libsafe 2.0 in the held-back run too.
  EXPECT_EQ(by["libgreetxx.so.1"]["verdict"], "no-change");
  EXPECT_FALSE(by["libgreetxx.so.1"]["blocked"].get<bool>());
  CliRun table = ltskit({"abi", "abi-test"});
  EXPECT_EQ(table.code, 0);
  EXPECT_NE(table.out.find("incompatible (blocked)"), std::string::npos) << table.out;

  // The next comparison needs no old binary: the dumps kept with
  // generation 2 stand in for libsafe 1.0.1 even once its store path is
  // no longer the one compared. A policy that allows a major release
  // lets it out, and the manifest records the verdict.
  std::ofstream(tmp_.path() / "ws/policies/major.toml")
      << "[abi]\nallow = [\"added-symbols\", \"soname\", \"function-removed\", \"function-type-changed\"]\n";
  fs::path chfile = tmp_.path() / "ws/channels/abi-test.toml";
  std::ifstream cin(chfile);
  std::string ch((std::istreambuf_iterator<char>(cin)), std::istreambuf_iterator<char>());
  cin.close();
  auto pos = ch.find("policy = \"lts-strict\"");
  ASSERT_NE(pos, std::string::npos) << ch;
  ch.replace(pos, std::string("policy = \"lts-strict\"").size(), "policy = \"major\"");
  std::ofstream(chfile) << ch;
  auto [g4, e4] = publish(0);
  EXPECT_EQ(g4["generation"], 3) << e4;
  EXPECT_EQ(verdicts(g4["abi"])["libsafe.so.1"]["verdict"], "incompatible");
  EXPECT_EQ(fs::read_symlink(root / "abi-test"), fs::path(".generations/abi-test/3"));
  EXPECT_EQ(ltskit({"verify", "abi-test"}).code, 0);

  // A hand-damaged ABI index: verify names the field; the next publish
  // notes it and reads the generation's store paths instead.
  fs::path index = root / ".generations/abi-test/.abi/3/index.json";
  json idx = json::parse(std::ifstream(index), nullptr, false);
  ASSERT_TRUE(idx["packages"]["libsafe"]["libraries"].is_array()) << idx.dump();
  idx["packages"]["libsafe"]["libraries"][0]["dump"] = 7;
  fs::permissions(index, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(index) << idx.dump();
  CliRun damaged = ltskit({"verify", "abi-test"});
  EXPECT_EQ(damaged.code, 1);
  EXPECT_NE(damaged.err.find("packages.libsafe.libraries[0].dump"), std::string::npos) << damaged.err;
  CliRun again = ltskit({"publish", "abi-test", "--force", "after a damaged index", "--json"});
  ASSERT_EQ(again.code, 0) << again.err;
  json g5 = json::parse(again.out, nullptr, false);
  EXPECT_NE(g5["abi"].dump().find("compared through its store paths"), std::string::npos) << g5.dump();
  EXPECT_EQ(ltskit({"verify", "abi-test"}).code, 0);

  // A library that leaves the channel with its package is a break.
  std::ifstream cin2(chfile);
  ch.assign(std::istreambuf_iterator<char>(cin2), std::istreambuf_iterator<char>());
  cin2.close();
  pos = ch.find(", \"libgreetxx\"");
  ASSERT_NE(pos, std::string::npos) << ch;
  ch.erase(pos, std::string(", \"libgreetxx\"").size());
  std::ofstream(chfile) << ch;
  CliRun dropped = ltskit({"publish", "abi-test", "--json"});
  EXPECT_EQ(dropped.code, 3) << dropped.err;
  EXPECT_NE(dropped.err.find("library-removed: library libgreetxx.so.1 removed"), std::string::npos) << dropped.err;
  EXPECT_NE(dropped.err.find("the channel no longer publishes libgreetxx"), std::string::npos) << dropped.err;
}

// `status`: every channel at a glance, from the workspace, the branch and
// the publish root; what waits is listed with the command that handles it.
TEST_F(Demo, StatusShowsEveryChannelAtAGlanceAndWhatWaits) {
  auto channel = [&]() {
    json all = ltskit_json({"status", "--json"});
    for (const auto& c : all)
      if (c["channel"] == "1.0") return c;
    ADD_FAILURE() << all.dump();
    return json();
  };
  json before = channel();
  EXPECT_EQ(before["status"], "active");
  EXPECT_EQ(before["support_until"], "2031-01-15");
  EXPECT_TRUE(before["days_left"].is_number_integer());
  EXPECT_TRUE(before["generation"].is_null());
  EXPECT_TRUE(before["head_tracked"].get<bool>());
  size_t open = before["open"].size();
  size_t by_severity = 0;
  for (const auto& [sev, n] : before["open_by_severity"].items()) by_severity += n.get<size_t>();
  EXPECT_EQ(by_severity, open);
  std::set<std::string> waiting;
  for (const auto& p : before["pending_backports"]) waiting.insert(p["advisory"].get<std::string>());
  EXPECT_TRUE(waiting.count("CVE-2026-1001")) << before.dump();
  EXPECT_TRUE(waiting.count("CVE-2026-1003")) << before.dump();

  ASSERT_EQ(ltskit({"backport", "apply", "CVE-2026-1001", "--channel", "1.0"}).code, 0);
  EXPECT_EQ(ltskit({"backport", "apply", "CVE-2026-1003", "--channel", "1.0"}).code, 3);
  ASSERT_EQ(ltskit({"track", "1.0"}).code, 0);
  ASSERT_EQ(ltskit({"build", "1.0"}).code, 0);
  ASSERT_EQ(ltskit({"publish", "1.0"}).code, 0);
  json after = channel();
  EXPECT_EQ(after["generation"], 1);
  EXPECT_TRUE(after["head_published"].get<bool>());
  EXPECT_EQ(after["backports_applied"], 1);
  EXPECT_EQ(after["advisories_by_state"]["fixed"], 1) << after.dump();
  std::map<std::string, std::string> why;
  for (const auto& p : after["pending_backports"]) why[p["advisory"]] = p["why"];
  EXPECT_FALSE(why.count("CVE-2026-1001"));
  EXPECT_EQ(why["CVE-2026-1003"].rfind("conflict: ", 0), 0u) << after.dump();
  EXPECT_EQ(after["abi"].size(), 2u) << after.dump();  // libsafe and libgreet: the baseline of generation 1

  CliRun text = ltskit({"status"});
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("1.0"), std::string::npos);
  EXPECT_NE(text.out.find("ltskit backport apply CVE-2026-1003 --channel 1.0"), std::string::npos) << text.out;
}

// Issue 9 on the demo: the patch-level fix for CVE-2026-1001 is found and
// lands on lts/1.0 in memory with git's -x line, VEX then says fixed, a
// second apply is a no-op; the fix for CVE-2026-1003 behind the file move
// conflicts and lands nothing; the libsafe 2.0 major release is refused.
TEST_F(Demo, BackportsFindApplyConflictRefuseAndList) {
  auto git = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", (tmp_.path() / "pkgs").string()});
    auto r = run_process(args);
    EXPECT_TRUE(r.ok() && r->success());
    std::string out = r.ok() ? r->out : "";
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  };
  std::string before = git({"rev-parse", "lts/1.0"});
  json found = ltskit_json({"backport", "find", "CVE-2026-1001", "--channel", "1.0", "--json"});
  ASSERT_FALSE(found["candidates"].empty()) << found.dump();
  EXPECT_EQ(found["candidates"][0]["commit"], commits_["cve-2026-1001"]) << found.dump(1);
  EXPECT_EQ(found["candidates"][0]["branch"], "main");
  std::string reasons = found["candidates"][0]["reasons"].dump();
  EXPECT_NE(reasons.find("lists it as a fix"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("message names the advisory"), std::string::npos) << reasons;

  // A dry run moves nothing.
  json dry = ltskit_json({"backport", "apply", "CVE-2026-1001", "--channel", "1.0", "--dry-run", "--json"});
  EXPECT_EQ(dry["outcome"], "dry-run") << dry.dump();
  EXPECT_EQ(git({"rev-parse", "lts/1.0"}), before);

  CliRun applied = ltskit({"backport", "apply", "CVE-2026-1001", "--channel", "1.0", "--json"});
  ASSERT_EQ(applied.code, 0) << applied.err;
  json a = json::parse(applied.out, nullptr, false);
  EXPECT_EQ(a["outcome"], "applied") << applied.out;
  std::string head = git({"rev-parse", "lts/1.0"});
  EXPECT_EQ(a["result"], head);
  EXPECT_EQ(git({"rev-parse", "lts/1.0^"}), before);
  EXPECT_EQ(git({"log", "-1", "--format=%an", "lts/1.0"}), "Demo Upstream");
  std::string message = git({"log", "-1", "--format=%B", "lts/1.0"});
  EXPECT_NE(message.find("\n\n(cherry picked from commit " + commits_["cve-2026-1001"] + ")\nAdvisory: CVE-2026-1001"),
            std::string::npos)
      << message;
  // The work tree of the repository was not touched.
  EXPECT_EQ(git({"status", "--porcelain"}), "");
  auto t = triage_of("1.0");
  EXPECT_EQ(t["CVE-2026-1001/libsafe"]["state"], "fixed") << t["CVE-2026-1001/libsafe"].dump();
  CliRun vex = ltskit({"vex", "1.0"});
  ASSERT_EQ(vex.code, 0) << vex.err;
  json doc = json::parse(vex.out);
  for (const auto& st : doc["statements"])
    if (st["vulnerability"]["name"] == "CVE-2026-1001") {
      EXPECT_EQ(st["status"], "fixed") << st.dump();
    }
  // Again: a no-op.
  json again = ltskit_json({"backport", "apply", "CVE-2026-1001", "--channel", "1.0", "--json"});
  EXPECT_EQ(again["outcome"], "no-op") << again.dump();
  EXPECT_EQ(git({"rev-parse", "lts/1.0"}), head);

  // Behind the file move: a conflict, every path named, nothing moved.
  CliRun conflict = ltskit({"backport", "apply", "CVE-2026-1003", "--channel", "1.0", "--json"});
  EXPECT_EQ(conflict.code, 3) << conflict.err;
  json c = json::parse(conflict.out, nullptr, false);
  EXPECT_EQ(c["outcome"], "conflict") << conflict.out;
  ASSERT_FALSE(c["conflicts"].empty()) << conflict.out;
  EXPECT_EQ(c["conflicts"][0]["path"], "pkgs/libgreet/src/core/format.c");
  EXPECT_EQ(c["conflicts"][0]["ours"], false);
  EXPECT_EQ(git({"rev-parse", "lts/1.0"}), head);

  // libsafe 2.0.0 is a major change: refused by the strict policy.
  CliRun major =
      ltskit({"backport", "apply", "CVE-2026-1001", "--channel", "1.0", "--commit", commits_["abi-break"], "--json"});
  EXPECT_EQ(major.code, 3) << major.err;
  json m = json::parse(major.out, nullptr, false);
  EXPECT_EQ(m["outcome"], "refused") << major.out;
  EXPECT_EQ(m["rule"], "version_changes");
  EXPECT_NE(m["detail"].get<std::string>().find("libsafe 1.0.1 -> 2.0.0 is a major change"), std::string::npos)
      << major.out;
  EXPECT_EQ(git({"rev-parse", "lts/1.0"}), head);

  json list = ltskit_json({"backport", "list", "1.0", "--json"});
  ASSERT_EQ(list.size(), 5u) << list.dump(1);
  EXPECT_EQ(list[0]["outcome"], "dry-run");
  EXPECT_EQ(list[1]["outcome"], "applied");
  EXPECT_EQ(list[2]["outcome"], "no-op");
  EXPECT_EQ(list[3]["outcome"], "conflict");
  EXPECT_EQ(list[3]["conflicts"][0]["path"], "pkgs/libgreet/src/core/format.c");

  // With --candidate the conflicted result goes to a branch for a human;
  // `land` refuses it while a conflict marker is left, then lands it.
  CliRun cand = ltskit({"backport", "apply", "CVE-2026-1003", "--channel", "1.0", "--candidate", "--json"});
  EXPECT_EQ(cand.code, 3) << cand.err;
  EXPECT_EQ(json::parse(cand.out, nullptr, false)["candidate_branch"], "backport/1.0/CVE-2026-1003") << cand.out;
  EXPECT_EQ(git({"rev-parse", "lts/1.0"}), head);
  EXPECT_EQ(git({"rev-parse", "backport/1.0/CVE-2026-1003^"}), head);
  EXPECT_NE(git({"show", "backport/1.0/CVE-2026-1003:pkgs/libgreet/src/core/format.c"}).find("greet_format"),
            std::string::npos);
  git({"checkout", "-q", "backport/1.0/CVE-2026-1003"});
  std::ofstream(tmp_.path() / "pkgs/pkgs/libgreet/src/greet.c", std::ios::app)
      << "<<<<<<< lts/1.0\n/* ours */\n=======\n/* theirs */\n>>>>>>> e20986ca8333\n";
  git({"rm", "-q", "pkgs/libgreet/src/core/format.c"});
  git({"-c", "user.name=Sec", "-c", "user.email=sec@example.invalid", "commit", "-qam", "port the fix to greet.c"});
  CliRun markers = ltskit({"backport", "land", "1.0", "CVE-2026-1003", "--json"});
  EXPECT_EQ(markers.code, 3) << markers.err;
  EXPECT_EQ(json::parse(markers.out, nullptr, false)["rule"], "conflict-markers") << markers.out;
  EXPECT_EQ(git({"rev-parse", "lts/1.0"}), head);
  git({"checkout", "-q", "HEAD~1", "--", "pkgs/libgreet/src/greet.c"});
  std::ofstream(tmp_.path() / "pkgs/pkgs/libgreet/src/greet.c", std::ios::app) << "/* format string fixed */\n";
  git({"-c", "user.name=Sec", "-c", "user.email=sec@example.invalid", "commit", "-qam", "resolve"});
  std::string finished = git({"rev-parse", "HEAD"});
  git({"checkout", "-q", "main"});
  CliRun landed = ltskit({"backport", "land", "1.0", "CVE-2026-1003", "--json"});
  ASSERT_EQ(landed.code, 0) << landed.err << landed.out;
  EXPECT_EQ(json::parse(landed.out, nullptr, false)["outcome"], "applied") << landed.out;
  EXPECT_EQ(git({"rev-parse", "lts/1.0"}), finished);
  EXPECT_EQ(git({"branch", "--list", "backport/*"}), "");
  EXPECT_EQ(triage_of("1.0")["CVE-2026-1003/libgreet"]["state"], "fixed");

  // An EOL channel refuses.
  ASSERT_EQ(ltskit({"channel", "eol", "1.0"}).code, 0);
  CliRun eol = ltskit({"backport", "apply", "CVE-2026-1003", "--channel", "1.0", "--json"});
  EXPECT_EQ(eol.code, 3) << eol.err;
  EXPECT_EQ(json::parse(eol.out, nullptr, false)["rule"], "eol") << eol.out;
}

// Issue 8, point 3: with several attributes of one pname only the first was
// judged, so `libsafe2 = libsafe-0.9` went unreported while the channel
// came out `fixed`.
// Issue 9: with channels 1.0 and 1.1 both affected, landing the fix on 1.0
// first is refused (never_skip_newer_channels) unless forced; landed on 1.1
// first it is allowed. A fix that changes no version is `fixed` through the
// backport's Advisory trailer on every re-evaluation, and a revert on the
// branch makes the channel affected again.
TEST(CliBackport, NeverSkipNewerChannelsTrailersKeepFixedARevertUndoes) {
  TempDir tmp;
  testing::GitRepoBuilder repo{tmp / "pkgs"};
  repo.write("default.nix", testing::test_package_set(R"(  libx = mk "libx" "1.0.0";)"));
  repo.write("src/x.c", "int x(char *b) { return b[8]; }\n");
  std::string cut10 = repo.commit("libx 1.0.0");
  repo.write("README", "x\n");
  std::string cut11 = repo.commit("readme");
  repo.write("src/x.c", "int x(char *b) { return b[7]; }\n");
  std::string fix = repo.commit("libx: fix out-of-bounds read\n\nReported as ADV-7.");
  tmp.write("feed/adv.json", R"({"id": "ADV-7", "modified": "2026-02-01T00:00:00Z", "summary": "libx oob read",
      "database_specific": {"severity": "HIGH"},
      "affected": [{"package": {"ecosystem": "Nix", "name": "libx"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]})");
  auto ltskit = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {LTSKIT_BINARY, "-C", (tmp / "ws").string()});
    ProcessOptions opt;
    opt.env["LTSKIT_USER"] = "bob";
    opt.env["LTSKIT_COMMITTER_NAME"] = "LTS Team";
    opt.env["LTSKIT_COMMITTER_EMAIL"] = "lts@example.org";
    auto r = run_process(args, opt);
    EXPECT_TRUE(r.ok());
    return r.ok() ? CliRun{r->exit_code, r->out, r->err} : CliRun{-1, "", ""};
  };
  ASSERT_EQ(ltskit({"init", "--repo", (tmp / "pkgs").string()}).code, 0);
  // Without its file, the default policy is the built-in strict one.
  std::filesystem::remove(tmp / "ws/policies/lts-strict.toml");
  ASSERT_EQ(ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", cut10}).code, 0);
  ASSERT_EQ(ltskit({"channel", "create", "1.1", "--branch", "lts/1.1", "--from", cut11}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "source", "add", "feed", (tmp / "feed").string()}).code, 0);
  ASSERT_EQ(ltskit({"track"}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "sync"}).code, 0);
  auto state = [&](const std::string& channel) {
    CliRun t = ltskit({"triage", channel, "--json"});
    EXPECT_EQ(t.code, 0) << t.err;
    json rows = json::parse(t.out, nullptr, false);
    return rows.size() == 1 ? rows[0]["state"].get<std::string>() + " | " + rows[0]["auto_reason"].get<std::string>()
                            : rows.dump();
  };
  EXPECT_EQ(state("1.0").substr(0, 8), "affected");
  // Found by its message, refused on the older channel while 1.1 lacks it.
  CliRun refused = ltskit({"backport", "apply", "ADV-7", "--channel", "1.0", "--json"});
  EXPECT_EQ(refused.code, 3) << refused.err;
  json r = json::parse(refused.out, nullptr, false);
  EXPECT_EQ(r["rule"], "never_skip_newer_channels") << refused.out;
  EXPECT_EQ(r["sources"], json::array({fix}));
  EXPECT_NE(r["detail"].get<std::string>().find("newer channel 1.1"), std::string::npos) << refused.out;
  EXPECT_EQ(repo.git({"rev-parse", "lts/1.0"}), cut10);
  // Landed on 1.1 first, then on 1.0.
  CliRun on11 = ltskit({"backport", "apply", "ADV-7", "--channel", "1.1", "--json"});
  ASSERT_EQ(on11.code, 0) << on11.err;
  EXPECT_EQ(repo.git({"log", "-1", "--format=%an|%cn", "lts/1.1"}), "Test Author|LTS Team");
  std::string s11 = state("1.1");
  EXPECT_EQ(s11.substr(0, 5), "fixed") << s11;
  EXPECT_NE(s11.find("backported in"), std::string::npos) << s11;
  CliRun on10 = ltskit({"backport", "apply", "ADV-7", "--channel", "1.0", "--json"});
  ASSERT_EQ(on10.code, 0) << on10.err;
  EXPECT_EQ(json::parse(on10.out, nullptr, false)["outcome"], "applied");
  // Re-evaluation keeps it fixed: no version changed, no patch file.
  ASSERT_EQ(ltskit({"triage", "refresh"}).code, 0);
  EXPECT_EQ(state("1.0").substr(0, 5), "fixed");
  // A revert on the branch undoes it.
  repo.git({"checkout", "-q", "lts/1.1"});
  repo.git({"revert", "--no-edit", "HEAD"});
  repo.git({"checkout", "-q", "main"});
  ASSERT_EQ(ltskit({"track"}).code, 0);
  EXPECT_EQ(state("1.1").substr(0, 8), "affected") << state("1.1");
  EXPECT_EQ(state("1.0").substr(0, 5), "fixed");
}

// The version index knows the versions only at tracked commits; between
// the channel's cut and the first tracked upstream commit with a fixed
// version, `backport find` evaluates commits (bisecting the first-parent
// history, then the branch a merge brought in) to name the commit that
// brought the fixed version, not the head that happened to be tracked.
TEST(CliBackport, FindNarrowsAGapInTheVersionIndexByEvaluatingCommits) {
  TempDir tmp;
  testing::GitRepoBuilder repo{tmp / "pkgs"};
  repo.write("default.nix", testing::test_package_set(R"(  libx = mk "libx" "1.0.0";)"));
  std::string cut = repo.commit("libx 1.0.0");
  for (int i = 0; i < 4; ++i) {
    repo.write("README", "main " + std::to_string(i) + "\n");
    repo.commit("main work " + std::to_string(i));
  }
  repo.git({"checkout", "-q", "-b", "topic"});
  repo.write("topic.txt", "1\n");
  repo.commit("topic: prepare");
  repo.write("default.nix", testing::test_package_set(R"(  libx = mk "libx" "1.0.1";)"));
  std::string bump = repo.commit("libx: 1.0.1");
  repo.write("topic.txt", "2\n");
  repo.commit("topic: tidy");
  repo.git({"checkout", "-q", "main"});
  repo.git({"merge", "-q", "--no-ff", "-m", "Merge topic", "topic"});
  for (int i = 0; i < 3; ++i) {
    repo.write("README", "after " + std::to_string(i) + "\n");
    repo.commit("main after " + std::to_string(i));
  }
  std::string head = repo.git({"rev-parse", "HEAD"});
  tmp.write("feed/adv.json", R"({"id": "ADV-5", "modified": "2026-02-01T00:00:00Z",
      "affected": [{"package": {"ecosystem": "Nix", "name": "libx"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.1"}]}]}]})");
  auto ltskit = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {LTSKIT_BINARY, "-C", (tmp / "ws").string()});
    auto r = run_process(args);
    EXPECT_TRUE(r.ok());
    return r.ok() ? CliRun{r->exit_code, r->out, r->err} : CliRun{-1, "", ""};
  };
  ASSERT_EQ(ltskit({"init", "--repo", (tmp / "pkgs").string()}).code, 0);
  ASSERT_EQ(ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", cut}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "source", "add", "feed", (tmp / "feed").string()}).code, 0);
  CliRun tracked = ltskit({"track"});  // the heads only: main's is the first with 1.0.1
  ASSERT_EQ(tracked.code, 0) << tracked.err;
  ASSERT_EQ(ltskit({"advisories", "sync"}).code, 0);

  CliRun plain = ltskit({"backport", "find", "ADV-5", "--no-evaluate", "--json"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  json p = json::parse(plain.out, nullptr, false);
  // `track` indexed the upstream history: the search reads nothing new.
  EXPECT_NE(tracked.out.find("11 new upstream commit(s) indexed for backport find"), std::string::npos) << tracked.out;
  EXPECT_EQ(p["searched_commits"], 11);
  EXPECT_EQ(p["read_commits"], 0);
  ASSERT_EQ(p["candidates"].size(), 1u) << plain.out;
  EXPECT_EQ(p["candidates"][0]["commit"], head);
  EXPECT_EQ(p["candidates"][0]["reasons"][0], "first tracked upstream commit with libx 1.0.1, a fixed version");

  CliRun narrowed = ltskit({"backport", "find", "ADV-5", "--json"});
  ASSERT_EQ(narrowed.code, 0) << narrowed.err;
  json n = json::parse(narrowed.out, nullptr, false);
  ASSERT_EQ(n["candidates"].size(), 1u) << narrowed.out;
  EXPECT_EQ(n["candidates"][0]["commit"], bump) << narrowed.out;
  std::string why = n["candidates"][0]["reasons"][0];
  EXPECT_NE(why.find("first upstream commit with libx 1.0.1"), std::string::npos) << why;
  EXPECT_NE(why.find("gap before " + head.substr(0, 12)), std::string::npos) << why;
  // 11 commits in the gap: a bisection, not a walk.
  EXPECT_NE(why.find("found by evaluating"), std::string::npos) << why;
  int evaluated = std::stoi(why.substr(why.find("evaluating ") + 11));
  EXPECT_GE(evaluated, 3);
  EXPECT_LE(evaluated, 7) << why;
}

// GC roots, a failed build, and two channels side by side, on a package
// set of its own (store paths no other test shares, so running the
// collector on them is safe while other tests run). After two generations
// with keep_generations = 1 the first is pruned: its store path is dead to
// Nix's collector and deletable; the kept one is alive and verifies.
// `build` runs as many nix-builds at once as the workspace's max-jobs
// option says: two packages whose builds each wait for the other to start
// can only both succeed side by side. Each keeps a log of its own.
TEST(CliBuild, RunsMaxJobsBuildsAtOnceEachWithItsLog) {
  namespace fs = std::filesystem;
  TempDir tmp;
  std::string nonce =
      std::to_string(::getpid()) + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  fs::path meet = tmp / "meet";
  fs::create_directories(meet);
  testing::GitRepoBuilder repo{tmp / "pkgs"};
  repo.write("default.nix",
             "{ system ? builtins.currentSystem }:\n"
             "let mk = n: other: derivation { inherit system; pname = n; version = \"1.0\";\n"
             "      name = \"${n}-1.0\"; builder = \"/bin/sh\"; PATH = \"/usr/bin:/bin\";\n"
             "      args = [ \"-c\" ''touch " +
                 meet.string() + "/${n}; echo ${n} waits for ${other}; i=0\n" + "        while [ ! -e " +
                 meet.string() +
                 "/${other} ]; do i=$((i+1)); if [ $i -gt 200 ]; then echo ${other} never started >&2; exit 1; fi; "
                 "sleep 0.1; done\n"
                 "        echo " +
                 nonce + " > $out'' ]; };\nin { left = mk \"left\" \"right\"; right = mk \"right\" \"left\"; }\n");
  std::string cut = repo.commit("left and right");
  auto ltskit = [&](std::vector<std::string> args) { return run_ltskit(tmp / "ws", std::move(args)); };
  ASSERT_EQ(ltskit({"init", "--repo", (tmp / "pkgs").string(), "--publish-root", (tmp / "lts").string()}).code, 0);
  auto conf = read_file(tmp / "ws/ltskit.toml");
  ASSERT_TRUE(conf.ok());
  std::string text = *conf;
  size_t at = text.find("[nix.options]\n");
  ASSERT_NE(at, std::string::npos) << text;
  text.insert(at + 14, "\"max-jobs\" = \"2\"\n");
  std::ofstream(tmp / "ws/ltskit.toml") << text;
  ASSERT_EQ(ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", cut, "--publish", "left,right"}).code,
            0);
  ASSERT_EQ(ltskit({"track"}).code, 0);
  CliRun b = ltskit({"build", "1.0", "--json"});
  ASSERT_EQ(b.code, 0) << b.err << b.out;
  json built = json::parse(b.out, nullptr, false);
  ASSERT_EQ(built["attrs"].size(), 2u) << b.out;
  EXPECT_EQ(built["attrs"][0]["attr"], "left");  // the channel's order
  EXPECT_TRUE(built["generation"].is_null());
  for (const auto& a : built["attrs"]) {
    EXPECT_EQ(a["state"], "built") << a.dump();
    EXPECT_TRUE(a["changed"].is_null()) << a.dump();
    auto log = read_file(a["log"].get<std::string>());
    ASSERT_TRUE(log.ok()) << a.dump();
    std::string who = a["attr"].get<std::string>();
    EXPECT_NE(log->find(who + " waits for"), std::string::npos) << *log;
    auto out = read_file(a["outputs"]["out"].get<std::string>());
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, nonce + "\n");
  }
}

// The gate judges what the published tree shows: a library that a package
// publishes through a link into another store path (a symlinkJoin) is
// checked, and one that moves to another package is the same library.
TEST(CliPublish, TheAbiGateSeesLibrariesThroughLinksAndAcrossPackages) {
  namespace fs = std::filesystem;
  TempDir tmp;
  std::string nonce =
      std::to_string(::getpid()) + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  const std::string both = "/* " + nonce + " */\nint x1(void) { return 1; }\nint x2(void) { return 2; }\n";
  const std::string one = "/* " + nonce + " */\nint x1(void) { return 1; }\n";
  testing::GitRepoBuilder repo{tmp / "pkgs"};
  repo.write("x.h", "int x1(void);\nint x2(void);\n");
  repo.write("x.c", both);
  repo.write("default.nix",
             "{ system ? builtins.currentSystem }:\n"
             "let sh = name: env: script: derivation ({ inherit system; pname = name; version = \"1.0\";\n"
             "      name = \"${name}-1.0\"; builder = \"/bin/sh\"; args = [ \"-c\" script ];\n"
             "      PATH = \"/usr/bin:/bin\"; } // env);\n"
             "    build = \"mkdir -p $out/lib $out/include && cp $hdr $out/include/x.h && \"\n"
             "      + \"cc -g -shared -fPIC -o $out/lib/libx.so.1 -Wl,-soname,libx.so.1 $src\";\n"
             "    libx = sh \"libx\" { src = ./x.c; hdr = ./x.h; } build;\n"
             "in {\n"
             "  bundle = sh \"bundle\" { inherit libx; } \"mkdir -p $out/lib && ln -s $libx/lib/libx.so.1 "
             "$out/lib/libx.so.1\";\n"
             "  moved = sh \"moved\" { src = ./x.c; hdr = ./x.h; } build;\n"
             "}\n");
  std::string cut = repo.commit("bundle of libx");
  auto ltskit = [&](std::vector<std::string> args) { return run_ltskit(tmp / "ws", std::move(args)); };
  ASSERT_EQ(ltskit({"init", "--repo", (tmp / "pkgs").string(), "--publish-root", (tmp / "lts").string()}).code, 0);
  ASSERT_EQ(ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", cut, "--publish", "bundle"}).code, 0);
  auto publish = [&](int expected) {
    EXPECT_EQ(ltskit({"track"}).code, 0);
    CliRun b = ltskit({"build", "1.0"});
    EXPECT_EQ(b.code, 0) << b.err;
    CliRun p = ltskit({"publish", "1.0", "--json"});
    EXPECT_EQ(p.code, expected) << p.err << p.out;
    return std::pair(json::parse(p.out, nullptr, false), p.err);
  };
  auto [g1, e1] = publish(0);
  ASSERT_EQ(g1["abi"]["libraries"].size(), 1u) << g1.dump();
  EXPECT_EQ(g1["abi"]["libraries"][0]["soname"], "libx.so.1");
  EXPECT_EQ(g1["abi"]["libraries"][0]["attr"], "bundle");

  // libx loses x2: the bundle, which only links to it, is held back.
  repo.git({"checkout", "-q", "lts/1.0"});
  repo.write("x.c", one);
  repo.commit("libx: x2 removed");
  auto [g2, e2] = publish(3);
  EXPECT_NE(e2.find("blocked: libx.so.1 (package bundle)"), std::string::npos) << e2;
  EXPECT_NE(e2.find("function-removed: int x2(void) removed"), std::string::npos) << e2;

  // x2 back, and the library published by another package instead: the
  // same library, moved, so nothing changed.
  repo.write("x.c", both);
  repo.commit("libx: x2 back");
  fs::path chfile = tmp / "ws/channels/1.0.toml";
  auto text = read_file(chfile);
  ASSERT_TRUE(text.ok());
  std::string ch = *text;
  auto pos = ch.find("publish = [\"bundle\"]");
  ASSERT_NE(pos, std::string::npos) << ch;
  ch.replace(pos, std::string("publish = [\"bundle\"]").size(), "publish = [\"moved\"]");
  std::ofstream(chfile) << ch;
  auto [g3, e3] = publish(0);
  ASSERT_EQ(g3["abi"]["libraries"].size(), 1u) << g3.dump();
  EXPECT_EQ(g3["abi"]["libraries"][0]["attr"], "moved");
  EXPECT_EQ(g3["abi"]["libraries"][0]["verdict"], "no-change") << g3.dump();
  EXPECT_EQ(g3["generation"], 2);
}

TEST(CliPublish, GcRootsKeepOnlyKeptGenerationsAliveAndChannelsShareNothing) {
  namespace fs = std::filesystem;
  TempDir tmp;
  std::string nonce =
      std::to_string(::getpid()) + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  auto set = [&](const std::string& version, bool broken) {
    return "{ system ? builtins.currentSystem }:\n"
           "let mk = pname: version: script: derivation { inherit pname version system;\n"
           "      name = \"${pname}-${version}\"; builder = \"/bin/sh\"; args = [ \"-c\" script ];\n"
           "      PATH = \"/usr/bin:/bin\"; };\n"
           "in {\n"
           "  tool = mk \"tool\" \"" +
           version + "\" \"mkdir -p $out/bin $out/share/tool; echo '" + nonce + " " + version +
           "' > $out/bin/tool; echo doc > $out/share/tool/README; mkdir -p $out/lib/pkgconfig; "
           "echo prefix=$out > $out/lib/pkgconfig/tool.pc; echo Name: tool >> $out/lib/pkgconfig/tool.pc; "
           "ln -s tool.pc $out/lib/pkgconfig/tool-alias.pc\";\n"
           "  other = mk \"other\" \"1.0\" \"" +
           (broken ? std::string("echo the other package is broken >&2; exit 1")
                   : "mkdir -p $out/bin; echo '" + nonce + " other' > $out/bin/other") +
           "\";\n}\n";
  };
  testing::GitRepoBuilder repo{tmp / "pkgs"};
  repo.write("default.nix", set("1.0.0", false));
  std::string cut = repo.commit("tool 1.0.0");
  auto ltskit = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {LTSKIT_BINARY, "-C", (tmp / "ws").string()});
    auto r = run_process(args);
    EXPECT_TRUE(r.ok());
    return r.ok() ? CliRun{r->exit_code, r->out, r->err} : CliRun{-1, "", ""};
  };
  fs::path root = tmp / "lts";
  ASSERT_EQ(ltskit({"init", "--repo", (tmp / "pkgs").string(), "--publish-root", root.string()}).code, 0);
  std::ofstream(tmp / "ws/policies/one.toml") << "[publish]\nkeep_generations = 1\n";
  ASSERT_EQ(
      ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", cut, "--policy", "one", "--publish", "tool"})
          .code,
      0);
  ASSERT_EQ(ltskit({"channel", "create", "2.0", "--branch", "lts/2.0", "--from", cut, "--publish", "tool,other"}).code,
            0);
  ASSERT_EQ(ltskit({"track"}).code, 0);
  CliRun b1 = ltskit({"build", "1.0"});
  ASSERT_EQ(b1.code, 0) << b1.err;
  ASSERT_EQ(ltskit({"publish", "1.0"}).code, 0);
  std::ifstream m1(root / ".generations/1.0/1/manifest.json");
  std::string first = json::parse(m1, nullptr, false)["packages"][0]["outputs"]["out"];

  // A build that fails names the attr and its log, and publish refuses.
  repo.git({"checkout", "-q", "lts/2.0"});
  repo.write("default.nix", set("2.0.0", true));
  repo.commit("tool 2.0.0; other: broken");
  ASSERT_EQ(ltskit({"track", "2.0"}).code, 0);
  CliRun failed = ltskit({"build", "2.0"});
  EXPECT_EQ(failed.code, 1);
  EXPECT_NE(failed.err.find("other"), std::string::npos) << failed.err;
  size_t at = failed.err.find("log: ");
  ASSERT_NE(at, std::string::npos) << failed.err;
  std::string log = failed.err.substr(at + 5, failed.err.find_first_of(";\n", at) - at - 5);
  auto log_text = read_file(log);
  ASSERT_TRUE(log_text.ok()) << log;
  EXPECT_NE(log_text->find("the other package is broken"), std::string::npos) << *log_text;
  CliRun unbuilt = ltskit({"publish", "2.0"});
  EXPECT_EQ(unbuilt.code, 1);
  EXPECT_NE(unbuilt.err.find("not built"), std::string::npos) << unbuilt.err;
  EXPECT_NE(unbuilt.err.find("other"), std::string::npos) << unbuilt.err;
  repo.write("default.nix", set("2.0.0", false));
  repo.commit("other: fixed");
  ASSERT_EQ(ltskit({"track", "2.0"}).code, 0);
  ASSERT_EQ(ltskit({"build", "2.0"}).code, 0);
  ASSERT_EQ(ltskit({"publish", "2.0"}).code, 0);

  // 1.0 moves to tool 1.0.1: generation 2, and generation 1 is pruned.
  repo.git({"checkout", "-q", "lts/1.0"});
  repo.write("default.nix", set("1.0.1", false));
  repo.commit("tool 1.0.1");
  ASSERT_EQ(ltskit({"track", "1.0"}).code, 0);
  ASSERT_EQ(ltskit({"build", "1.0"}).code, 0);
  ASSERT_EQ(ltskit({"publish", "1.0"}).code, 0);
  std::ifstream m2(root / ".generations/1.0/2/manifest.json");
  std::string second = json::parse(m2, nullptr, false)["packages"][0]["outputs"]["out"];
  ASSERT_NE(first, second);
  EXPECT_FALSE(fs::exists(root / ".generations/1.0/1"));
  EXPECT_FALSE(fs::exists(root / ".generations/1.0/.roots/1"));
  json gens = json::parse(ltskit({"generations", "1.0", "--json"}).out, nullptr, false);
  ASSERT_EQ(gens.size(), 1u);

  // The collector: the pruned generation's path (tool 1.0.0, which only
  // that generation held) is dead, the kept one's alive.
  auto dead = run_process({"nix-store", "--gc", "--print-dead"});
  ASSERT_TRUE(dead.ok() && dead->success()) << (dead.ok() ? dead->err : "");
  EXPECT_NE(dead->out.find(first), std::string::npos);
  EXPECT_EQ(dead->out.find(second), std::string::npos);
  // The collector takes the pruned generation's root list first (it is
  // what referred to the path), then the path itself.
  auto referrers = run_process({"nix-store", "--query", "--referrers", first});
  ASSERT_TRUE(referrers.ok() && referrers->success());
  std::istringstream refs(referrers->out);
  for (std::string r; std::getline(refs, r);) {
    if (r == first) continue;
    EXPECT_NE(r.find("ltskit-generation-roots"), std::string::npos) << r;
    EXPECT_NE(dead->out.find(r), std::string::npos) << r << " should be dead";
    auto del = run_process({"nix-store", "--delete", r});
    EXPECT_TRUE(del.ok() && del->success()) << (del.ok() ? del->err : "");
  }
  auto del_first = run_process({"nix-store", "--delete", first});
  EXPECT_TRUE(del_first.ok() && del_first->success()) << (del_first.ok() ? del_first->err : "");
  EXPECT_FALSE(fs::exists(first));
  auto del_second = run_process({"nix-store", "--delete", second});
  ASSERT_TRUE(del_second.ok());
  EXPECT_FALSE(del_second->success());  // still alive: a kept generation holds it
  EXPECT_TRUE(fs::exists(second));
  EXPECT_EQ(ltskit({"verify", "1.0"}).code, 0);

  // Two channels side by side: each its own link, generations and roots; a
  // rollback of one leaves the other alone.
  EXPECT_EQ(fs::read_symlink(root / "1.0"), fs::path(".generations/1.0/2"));
  EXPECT_EQ(fs::read_symlink(root / "2.0"), fs::path(".generations/2.0/1"));
  EXPECT_EQ(ltskit({"verify", "2.0"}).code, 0);
  CliRun rb = ltskit({"rollback", "2.0"});
  EXPECT_EQ(rb.code, 1);  // 2.0 has one generation only
  EXPECT_EQ(fs::read_symlink(root / "2.0"), fs::path(".generations/2.0/1"));
  EXPECT_EQ(fs::read_symlink(root / "1.0"), fs::path(".generations/1.0/2"));
  auto text = read_file(root / "1.0/bin/tool");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, nonce + " 1.0.1\n");
  auto text2 = read_file(root / "2.0/bin/tool");
  ASSERT_TRUE(text2.ok());
  EXPECT_EQ(*text2, nonce + " 2.0.0\n");
  // A .pc that is a link to another is rewritten as a copy too.
  fs::path alias = root / "1.0/lib/pkgconfig/tool-alias.pc";
  EXPECT_FALSE(fs::is_symlink(alias));
  auto alias_text = read_file(alias);
  ASSERT_TRUE(alias_text.ok());
  EXPECT_EQ(*alias_text, "prefix=" + (root / "1.0").string() + "\nName: tool\n");

  // A plain rollback returns to the generation that was live when the
  // current one was published, not merely the next lower number.
  for (int i = 0; i < 2; ++i) ASSERT_EQ(ltskit({"publish", "2.0", "--force", "again"}).code, 0);  // 2, 3
  ASSERT_EQ(ltskit({"rollback", "2.0", "--to", "1"}).code, 0);
  ASSERT_EQ(ltskit({"publish", "2.0", "--force", "from 1"}).code, 0);  // 4, published over 1
  EXPECT_EQ(fs::read_symlink(root / "2.0"), fs::path(".generations/2.0/4"));
  ASSERT_EQ(ltskit({"rollback", "2.0"}).code, 0);
  EXPECT_EQ(fs::read_symlink(root / "2.0"), fs::path(".generations/2.0/1"));
}

// `backport find` keeps what it read of the upstream history in
// .ltskit/cache/history.db: a second search reads only the commits that are
// new, finds the old matches (message and added patch) through the index,
// and an upstream rewritten under it is read again from the cut. Without
// the cache the answer is the same.
TEST(CliBackport, FindReadsOnlyNewHistoryAndRereadsARewrittenUpstream) {
  TempDir tmp;
  testing::GitRepoBuilder repo{tmp / "pkgs"};
  repo.write("default.nix", testing::test_package_set(R"(  libx = mk "libx" "1.0.0";)"));
  std::string cut = repo.commit("libx 1.0.0");
  std::string named, patched;
  for (int i = 0; i < 24; ++i) {
    repo.write("pkgs/p" + std::to_string(i % 5) + "/file", std::to_string(i) + "\n");
    if (i == 7) {
      named = repo.commit("libx: bounds check\n\nFixes ADV-9 (reported upstream as CVE-2026-0909).");
    } else if (i == 15) {
      repo.write("pkgs/libx/CVE-2026-0909.patch", "--- a\n+++ b\n");
      patched = repo.commit("libx: add the upstream patch");
    } else {
      repo.commit("p" + std::to_string(i % 5) + ": update (ADV-90, CVE-2026-09090 are other issues)");
    }
  }
  tmp.write("feed/adv.json", R"({"id": "ADV-9", "aliases": ["CVE-2026-0909"], "modified": "2026-02-01T00:00:00Z",
      "affected": [{"package": {"ecosystem": "Nix", "name": "libx"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]})");
  auto ltskit = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {LTSKIT_BINARY, "-C", (tmp / "ws").string()});
    auto r = run_process(args);
    EXPECT_TRUE(r.ok());
    return r.ok() ? CliRun{r->exit_code, r->out, r->err} : CliRun{-1, "", ""};
  };
  ASSERT_EQ(ltskit({"init", "--repo", (tmp / "pkgs").string()}).code, 0);
  ASSERT_EQ(ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", cut}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "source", "add", "feed", (tmp / "feed").string()}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "sync", "--skip-triage"}).code, 0);
  auto find = [&](const std::string& id) {
    CliRun f = ltskit({"backport", "find", id, "--json"});
    EXPECT_EQ(f.code, 0) << f.err;
    return json::parse(f.out, nullptr, false);
  };
  auto found = [](const json& f) {
    std::map<std::string, std::string> out;  // commit -> reasons
    for (const auto& c : f["candidates"]) {
      std::string why;
      for (const auto& r : c["reasons"]) why += r.get<std::string>() + ";";
      out[c["commit"].get<std::string>()] = why;
    }
    return out;
  };
  json first = find("ADV-9");
  EXPECT_EQ(first["searched_commits"], 24);
  EXPECT_EQ(first["read_commits"], 24);
  auto expected = std::map<std::string, std::string>{{named, "its message names the advisory;"},
                                                     {patched, "it adds the patch pkgs/libx/CVE-2026-0909.patch;"}};
  EXPECT_EQ(found(first), expected) << first.dump();
  ASSERT_TRUE(std::filesystem::exists(tmp / "ws/.ltskit/cache/history.db"));

  // Three new upstream commits: only they are read; the old matches come
  // from the index (by the alias too).
  repo.write("pkgs/p1/file", "new\n");
  std::string later = repo.commit("libx: follow-up for CVE-2026-0909");
  repo.write("pkgs/p2/file", "new\n");
  repo.commit("p2: update");
  repo.write("pkgs/p3/file", "new\n");
  repo.commit("p3: update");
  json second = find("CVE-2026-0909");
  EXPECT_EQ(second["searched_commits"], 27);
  EXPECT_EQ(second["read_commits"], 3);
  expected[later] = "its message names the advisory;";
  EXPECT_EQ(found(second), expected) << second.dump();

  // Without the cache: every commit read, the same answer.
  std::filesystem::remove(tmp / "ws/.ltskit/cache/history.db");
  json uncached = find("ADV-9");
  EXPECT_EQ(uncached["read_commits"], 27);
  EXPECT_EQ(found(uncached), expected) << uncached.dump();

  // Upstream rewritten under the cache: back to before the named commit,
  // then new work. The range is read again; what is gone is not offered.
  repo.git({"reset", "-q", "--hard", repo.git({"rev-parse", named + "~1"})});
  repo.write("pkgs/p4/file", "rewritten\n");
  repo.commit("p4: rewritten history");
  json rewritten = find("ADV-9");
  EXPECT_EQ(rewritten["read_commits"], 8);
  EXPECT_EQ(rewritten["searched_commits"], 8);
  EXPECT_TRUE(rewritten["candidates"].empty()) << rewritten.dump();
}

// Issue 9: the branch moves while a backport is being checked (here: while
// the policy gate's evaluation waits on a FIFO the test holds). The
// compare-and-swap sees it: the outcome is `failed`, the branch keeps the
// concurrent commit, and nothing else landed.
TEST(CliBackport, AConcurrentBranchMoveIsDetectedAndNothingLands) {
  TempDir tmp;
  std::string gate = (tmp / "gate").string();
  testing::GitRepoBuilder repo{tmp / "pkgs"};
  repo.write("default.nix",
             testing::test_package_set("  libx = mk \"libx\" (if builtins.pathExists " + gate +
                                       " then builtins.replaceStrings [\"\\n\"] [\"\"] (builtins.readFile " + gate +
                                       ") else \"1.0.0\");"));
  repo.write("src/x.c", "int x(char *b) { return b[8]; }\n");
  std::string cut = repo.commit("libx 1.0.0");
  repo.write("src/x.c", "int x(char *b) { return b[7]; }\n");
  std::string fix = repo.commit("libx: fix ADV-9");
  tmp.write("feed/adv.json", R"({"id": "ADV-9", "modified": "2026-02-01T00:00:00Z",
      "affected": [{"package": {"ecosystem": "Nix", "name": "libx"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]})");
  auto ltskit = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {LTSKIT_BINARY, "-C", (tmp / "ws").string()});
    auto r = run_process(args);
    EXPECT_TRUE(r.ok());
    return r.ok() ? CliRun{r->exit_code, r->out, r->err} : CliRun{-1, "", ""};
  };
  ASSERT_EQ(ltskit({"init", "--repo", (tmp / "pkgs").string()}).code, 0);
  ASSERT_EQ(ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", cut}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "source", "add", "feed", (tmp / "feed").string()}).code, 0);
  ASSERT_EQ(ltskit({"track"}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "sync"}).code, 0);
  // Somebody else's commit, which lands while the backport is checked.
  repo.git({"checkout", "-q", "lts/1.0"});
  repo.write("NOTES", "concurrent\n");
  std::string other = repo.commit("concurrent change");
  repo.git({"checkout", "-q", "main"});
  repo.git({"update-ref", "refs/heads/lts/1.0", cut});
  ASSERT_EQ(::mkfifo(gate.c_str(), 0600), 0);
  CliRun apply;
  std::thread t([&] { apply = ltskit({"backport", "apply", "ADV-9", "--channel", "1.0", "--json"}); });
  {
    std::ofstream w(gate);  // opens once the gate's evaluation reads: the head was read before
    repo.git({"update-ref", "refs/heads/lts/1.0", other});
    w << "1.0.0\n";
  }
  t.join();
  EXPECT_EQ(apply.code, 1) << apply.err << apply.out;
  json r = json::parse(apply.out, nullptr, false);
  EXPECT_EQ(r["outcome"], "failed") << apply.out;
  EXPECT_NE(r["detail"].get<std::string>().find("moved while it was being updated"), std::string::npos) << apply.out;
  EXPECT_EQ(repo.git({"rev-parse", "lts/1.0"}), other);
  json list = json::parse(ltskit({"backport", "list", "--json"}).out, nullptr, false);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["outcome"], "failed");
  EXPECT_EQ(list[0]["sources"], fix);
}

TEST(CliTriage, EveryAttributeIsJudgedAndVexNamesEveryProduct) {
  TempDir tmp;
  testing::GitRepoBuilder repo{tmp / "pkgs"};
  repo.write("default.nix", testing::test_package_set(R"(  libsafe = mk "libsafe" "1.0.0";
  libsafeAlias = mk "libsafe" "1.0.0";
  libsafe2 = mk "libsafe" "0.9";)"));
  std::string cut = repo.commit("two libsafes");
  tmp.write("feed/adv.json", R"({"id": "DEMO-3", "modified": "2026-02-01T00:00:00Z", "summary": "libsafe overflow",
      "affected": [{"package": {"ecosystem": "Nix", "name": "libsafe"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]})");
  auto ltskit = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {LTSKIT_BINARY, "-C", (tmp / "ws").string()});
    ProcessOptions opt;
    opt.env["LTSKIT_USER"] = "bob";
    auto r = run_process(args, opt);
    EXPECT_TRUE(r.ok());
    return r.ok() ? CliRun{r->exit_code, r->out, r->err} : CliRun{-1, "", ""};
  };
  ASSERT_EQ(ltskit({"init", "--repo", (tmp / "pkgs").string()}).code, 0);
  ASSERT_EQ(ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", cut}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "source", "add", "feed", (tmp / "feed").string()}).code, 0);
  ASSERT_EQ(ltskit({"track"}).code, 0);
  CliRun sync = ltskit({"advisories", "sync"});
  ASSERT_EQ(sync.code, 0) << sync.err;
  CliRun t = ltskit({"triage", "1.0", "--json"});
  ASSERT_EQ(t.code, 0) << t.err;
  std::map<std::string, std::string> state_of_attr;
  json rows = json::parse(t.out);
  for (const auto& row : rows) state_of_attr[row["attr"]] = row["state"];
  EXPECT_EQ(state_of_attr, (std::map<std::string, std::string>{
                               {"libsafe", "fixed"}, {"libsafeAlias", "fixed"}, {"libsafe2", "affected"}}));
  CliRun vex = ltskit({"vex", "1.0"});
  ASSERT_EQ(vex.code, 0) << vex.err;
  std::map<std::string, std::string> status_of_product;
  json doc = json::parse(vex.out);
  for (const auto& st : doc["statements"]) status_of_product[st["products"][0]["@id"]] = st["status"];
  EXPECT_EQ(status_of_product, (std::map<std::string, std::string>{{"pkg:nix/libsafe@1.0.0?channel=1.0", "fixed"},
                                                                   {"pkg:nix/libsafe@0.9?channel=1.0", "affected"}}));
  // A decision names one attribute, or a pname for all of its attributes.
  CliRun one = ltskit({"triage", "set", "1.0", "DEMO-3", "libsafe2", "affected", "--reason", "confirmed", "--json"});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(json::parse(one.out).size(), 1u);
  CliRun all =
      ltskit({"triage", "set", "1.0", "DEMO-3", "libsafe", "under_investigation", "--reason", "re-check", "--json"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_EQ(json::parse(all.out).size(), 3u);
  CliRun hist = ltskit({"triage", "history", "1.0", "DEMO-3", "libsafe2", "--json"});
  ASSERT_EQ(hist.code, 0) << hist.err;
  EXPECT_EQ(json::parse(hist.out).size(), 3u);  // automatic, confirmed, re-check
}

TEST(CliHelp, ListsEveryCommandAndTheExitCodes) {
  auto r = run_process({LTSKIT_BINARY, "--help"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  for (const char* cmd : {"init", "channel", "track", "versions", "vercmp", "advisories", "triage", "vex"})
    EXPECT_TRUE(std::regex_search(r->out, std::regex(std::string("\\n  ") + cmd + " "))) << cmd << "\n" << r->out;
  EXPECT_NE(r->out.find("3 items need a human"), std::string::npos) << r->out;
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
  // Branch names are checked like git's, and a channel needs a branch of its
  // own (issue 8, point 12); every bad name is a usage error (point 13).
  for (const char* bad : {"main", "@", "refs/heads/x", "a..b", "x y", "x.lock"}) {
    CliRun r = ltskit({"channel", "create", "9.9", "--branch", bad, "--from", "2026-01-15"});
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
  }
  auto refs = run_process({"git", "-C", (tmp_.path() / "pkgs").string(), "for-each-ref", "--format=%(refname)"});
  ASSERT_TRUE(refs.ok());
  EXPECT_EQ(refs->out.find("refs/heads/refs/"), std::string::npos) << refs->out;
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "ws/channels/9.9.toml"));
  // A malformed channel name is a usage error for every command that takes one.
  for (const char* cmd : {"track", "triage", "vex"}) EXPECT_EQ(ltskit({cmd, "../x"}).code, 2) << cmd;
  // A missing upstream branch is a missing thing (1), not a usage error.
  CliRun init = run_in(tmp_.path() / "ws2", {"init", "--repo", (tmp_.path() / "pkgs").string(), "--upstream", "nope"});
  EXPECT_EQ(init.code, 1) << init.err;
  EXPECT_FALSE(std::filesystem::exists(tmp_.path() / "ws2/ltskit.toml"));
  // Silent misconfiguration (issue 8, point 17).
  CliRun unknown = ltskit({"nope"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("unknown command 'nope'"), std::string::npos) << unknown.err;
  EXPECT_EQ(ltskit({"versions", "libsafe", "--range", "~1"}).code, 2);
  EXPECT_EQ(ltskit({"advisories", "source", "add", "x", "http://"}).code, 2);
  {
    auto policy = tmp_.path() / "ws/policies/lts-strict.toml";
    std::ifstream pin(policy);
    std::string good((std::istreambuf_iterator<char>(pin)), std::istreambuf_iterator<char>());
    std::ofstream(policy) << "[backport]\nversion_changes = \"major\"\n";
    CliRun bad_policy = ltskit({"channel", "list"});
    EXPECT_EQ(bad_policy.code, 1);
    EXPECT_NE(bad_policy.err.find("lts-strict.toml:2: key 'backport.version_changes'"), std::string::npos)
        << bad_policy.err;
    std::ofstream(policy) << good;
    auto toml = tmp_.path() / "ws/ltskit.toml";
    std::ifstream tin(toml);
    std::string ws_text((std::istreambuf_iterator<char>(tin)), std::istreambuf_iterator<char>());
    std::string moved = std::regex_replace(ws_text, std::regex("channels_dir = \"[^\"]*\""), "channels_dir = \"nope\"");
    ASSERT_NE(moved, ws_text);
    std::ofstream(toml) << moved;
    CliRun no_channels = ltskit({"track"});
    EXPECT_EQ(no_channels.code, 1);
    EXPECT_NE(no_channels.err.find("the channels folder"), std::string::npos) << no_channels.err;
    std::ofstream(toml) << ws_text;
  }
  // --history is a whole number within bounds (issue 8, point 14): -1 used to wrap and evaluate everything.
  for (const char* bad : {"-1", "99999999999999999999", "1000001", "ten"}) {
    CliRun r = ltskit({"track", "--history", bad});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_NE(r.err.find("--history"), std::string::npos) << r.err;
  }
  EXPECT_EQ(ltskit({"vercmp", "1.0", "1.0.1"}).out, "-1\n");
}

TEST_F(Demo, ASecondMutatingCommandIsRefusedWhileTheLockIsHeld) {
  auto lock = WorkspaceLock::acquire(tmp_.path() / "ws/.ltskit/lock", "test holder");
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
  std::ofstream(tmp_.path() / "ws/policies/package-map.toml") << map_text;
  ASSERT_EQ(ltskit({"advisories", "source", "add", "cve", feed.path().string(), "--format", "cve5"}).code, 0);
  ASSERT_EQ(ltskit({"advisories", "sync", "--source", "cve"}).code, 0);
  auto t = triage_of("1.0");
  ASSERT_TRUE(t.count("CVE-2026-2001/libgreet"));
  EXPECT_EQ(t["CVE-2026-2001/libgreet"]["state"], "affected");
  EXPECT_NE(t["CVE-2026-2001/libgreet"]["match_reason"].get<std::string>().find("package-map.toml"), std::string::npos);
  EXPECT_FALSE(t.count("CVE-2026-2002/hello"));
  // Without the ignore entry, the npm advisory would match hello by name.
  std::ofstream(tmp_.path() / "ws/policies/package-map.toml") << "";
  ASSERT_EQ(ltskit({"triage", "refresh"}).code, 0);
  t = triage_of("1.0");
  EXPECT_TRUE(t.count("CVE-2026-2002/hello"));
  EXPECT_FALSE(t.count("CVE-2026-2001/libgreet"));
  // A bad map is an error naming file, line and key.
  std::ofstream(tmp_.path() / "ws/policies/package-map.toml") << "[[map]]\nname = \"x\"\npname = \"y\"\ncolour = 1\n";
  CliRun bad = ltskit({"triage", "refresh"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("package-map.toml:4: key 'map[0].colour': unknown key"), std::string::npos) << bad.err;
  std::ofstream(tmp_.path() / "ws/policies/package-map.toml") << map_text;
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
  std::ofstream(tmp_.path() / "ws/policies/package-map.toml") << "";
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
