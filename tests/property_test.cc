// Issue 8, property: triage and VEX are a function of the stored state, not of
// the commands that led there. Random sequences of sync (all sources or one),
// track, triage refresh, reads, `kill -9` at random points, feed updates and
// a channel branch moving, over two sources (OSV and CVE 5) that disagree on
// one id, end — after one uninterrupted sync and track — with the same triage
// and VEX as one clean run on the final state.
//
// Seeded: LTSKIT_PROPERTY_SEED (default below) and LTSKIT_PROPERTY_SEQUENCES
// (default 200, in four shards that ctest runs as four tests). A failure
// prints the seed, the sequence and its steps; each sequence depends only on
// the seed and its number. LTSKIT_PROPERTY_VERBOSE=1 prints every sequence.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "tools/core/process.h"
#include "tools/core/test_util.h"

namespace ltskit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TempDir;

std::string osv(const std::string& id, const std::string& modified, const std::string& pkg, const std::string& fixed,
                const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "modified": ")" + modified + R"(", "summary": "summary of )" + id + "@" + modified +
         R"(", )" + extra + R"("affected": [{"package": {"ecosystem": "ltskit-demo", "name": ")" + pkg +
         R"("}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": ")" + fixed + R"("}]}]}]})";
}

std::string cve5(const std::string& id, const std::string& updated, const std::string& pkg,
                 const std::string& less_than) {
  return R"({"dataType": "CVE_RECORD", "dataVersion": "5.1", "cveMetadata": {"cveId": ")" + id +
         R"(", "state": "PUBLISHED", "dateUpdated": ")" + updated +
         R"("}, "containers": {"cna": {"title": "cna view", "affected": [{"collectionURL": "https://demo.invalid",
         "packageName": ")" +
         pkg + R"(", "defaultStatus": "unaffected", "versions": [{"version": "0", "lessThan": ")" + less_than +
         R"(", "versionType": "semver", "status": "affected"}]}]}}})";
}

// Many records naming packages outside the set: sync takes long enough for
// a kill to land inside it.
std::string filler(int generation) {
  std::string out = "[";
  for (int i = 0; i < 2000; ++i) {
    // Generation 1 changes every other record.
    std::string modified = (generation == 1 && i % 2) ? "2026-06-01T00:00:00Z" : "2026-01-01T00:00:00Z";
    if (i) out += ",";
    out += osv("FILL-" + std::to_string(i), modified, "nothere" + std::to_string(i % 97), "1.0");
  }
  return out + "]";
}

// The two sources in state 0 or 1. They disagree on CVE-2026-1001: the OSV
// feed says fixed in 1.0.1, the CVE 5 feed in 1.0.0, then in 1.0.2 (so that
// on the fixed branch the CVE 5 record decides).
void write_osv(const fs::path& dir, int state) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto put = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
  put("fill.json", filler(state));
  put("libgreet.json", osv("CVE-2026-1002", "2026-02-01T00:00:00Z", "libgreet", "1.0.1"));
  if (state == 0) {
    put("libsafe.json", osv("CVE-2026-1001", "2026-02-02T00:00:00Z", "libsafe", "1.0.1"));
    put("hello.json", osv("CVE-2026-1007", "2026-02-01T00:00:00Z", "hello", "9.0"));
  } else {
    put("libsafe.json", osv("CVE-2026-1001", "2026-03-01T00:00:00Z", "libsafe", "1.0.1"));
    put("hello.json",
        osv("CVE-2026-1007", "2026-03-01T00:00:00Z", "hello", "9.0", R"("withdrawn": "2026-03-01T00:00:00Z", )"));
    put("new.json", osv("CVE-2026-1005", "2026-03-01T00:00:00Z", "libgreet", "2.0"));
  }
}

void write_cve(const fs::path& dir, int state) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto put = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
  put("CVE-2026-1001.json", cve5("CVE-2026-1001", state == 0 ? "2026-09-01T00:00:00Z" : "2026-10-01T00:00:00Z",
                                 "libsafe", state == 0 ? "1.0.0" : "1.0.2"));
  if (state == 1) put("CVE-2026-1006.json", cve5("CVE-2026-1006", "2026-10-01T00:00:00Z", "libsafe", "1.0.1"));
}

constexpr int kShards = 4;

struct CliResult {
  int code = -1;
  bool killed = false;
  int signal = 0;
  std::string out, err;
};

class TriageProperty : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto sh = [](std::vector<std::string> argv) {
      auto r = run_process(argv);
      ASSERT_TRUE(r.ok() && r->success())
          << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": " << (r.ok() ? r->err : r.error().message());
    };
    fs::path pkgs = *dir_ / "pkgs";
    sh({"bash", std::string(LTSKIT_SOURCE_DIR) + "/examples/demo/make-demo-repo.sh", pkgs.string()});
    std::vector<std::string> git = {
        "git", "-C", pkgs.string(), "-c", "user.name=Sec Team", "-c", "user.email=sec@example.invalid"};
    auto g = [&](std::vector<std::string> args) {
      std::vector<std::string> argv = git;
      argv.insert(argv.end(), args.begin(), args.end());
      sh(argv);
    };
    // lts/1.1 = lts/1.0 plus the libsafe 1.0.1 fix: where lts/1.0 moves to.
    g({"checkout", "-q", "-b", "lts/1.1", "lts/1.0"});
    g({"cherry-pick", "-x", "65798657d9e5f43eb482e73c403aa5696d462d1d"});
    g({"checkout", "-q", "main"});
    auto rev = run_process({"git", "-C", pkgs.string(), "rev-parse", "lts/1.0", "lts/1.1"});
    ASSERT_TRUE(rev.ok() && rev->success());
    std::istringstream revs(rev->out);
    revs >> lts_head_ >> fixed_head_;
    write_osv(*dir_ / "osv", 0);
    write_cve(*dir_ / "cve", 0);
    fs::path ws = *dir_ / "prepared";
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"init", "--repo", pkgs.string(), "--publish-root", (*dir_ / "lts").string()},
             {"channel", "create", "1.0", "--branch", "lts/1.0", "--from", "2026-01-15", "--support-until",
              "2031-01-15"},
             {"channel", "create", "1.1", "--branch", "lts/1.1", "--from", "2026-01-15", "--support-until",
              "2032-01-15"},
             {"track", "--history", "2"},
             {"advisories", "source", "add", "osv", (*dir_ / "osv").string()},
             {"advisories", "source", "add", "cna", (*dir_ / "cve").string(), "--format", "cve5"}}) {
      CliResult r = ltskit(ws, args);
      ASSERT_EQ(r.code, 0) << args[0] << ": " << r.err;
    }
    // A workspace that has been running: synced and judged on the first feeds.
    fs::copy(ws, *dir_ / "prepared-synced", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    CliResult sync = ltskit(*dir_ / "prepared-synced", {"advisories", "sync"});
    ASSERT_EQ(sync.code, 0) << sync.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // `kill_after_ms`: SIGKILL after that long; `crash_at`: SIGKILL at that
  // crash point (tools/core/crash_point.h).
  static CliResult ltskit(const fs::path& ws, std::vector<std::string> args, int kill_after_ms = 0,
                          const std::string& crash_at = "") {
    std::vector<std::string> argv = {LTSKIT_BINARY, "-q", "-C", ws.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions opt;
    opt.env["LTSKIT_USER"] = "prop";
    if (!crash_at.empty()) opt.env["LTSKIT_CRASH_AT"] = crash_at;
    opt.timeout = std::chrono::milliseconds(kill_after_ms);
    auto r = run_process(argv, opt);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    if (!r.ok()) return {};
    return {r->exit_code, r->timed_out || r->signal == SIGKILL, r->signal, r->out, r->err};
  }

  // A fresh workspace in state 0: a prepared one (never synced, or synced
  // and judged), lts/1.0 at its old head, both feeds as first written.
  static fs::path fresh(const std::string& name, bool synced = false) {
    fs::path ws = *dir_ / name;
    fs::remove_all(ws);
    fs::copy(*dir_ / (synced ? "prepared-synced" : "prepared"), ws,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    auto r = run_process({"git", "-C", (*dir_ / "pkgs").string(), "update-ref", "refs/heads/lts/1.0", lts_head_});
    EXPECT_TRUE(r.ok() && r->success());
    write_osv(*dir_ / "osv", 0);
    write_cve(*dir_ / "cve", 0);
    return ws;
  }
  static void final_state() {
    auto r = run_process({"git", "-C", (*dir_ / "pkgs").string(), "update-ref", "refs/heads/lts/1.0", fixed_head_});
    EXPECT_TRUE(r.ok() && r->success());
  }

  // Triage and VEX of every channel, without the times they were written at.
  static json observe(const fs::path& ws) {
    json out;
    for (const char* channel : {"1.0", "1.1"}) {
      CliResult t = ltskit(ws, {"triage", channel, "--json"});
      EXPECT_EQ(t.code, 0) << t.err;
      json rows = json::parse(t.out, nullptr, false);
      for (auto& row : rows)
        for (const char* k : {"updated_at", "decided_at"}) row.erase(k);
      out["triage"][channel] = rows;
      CliResult v = ltskit(ws, {"vex", channel});
      EXPECT_EQ(v.code, 0) << v.err;
      json doc = json::parse(v.out, nullptr, false);
      for (auto& st : doc["statements"]) st.erase("timestamp");
      out["vex"][channel] = {{"@id", doc["@id"]}, {"statements", doc["statements"]}};
    }
    return out;
  }

  static TempDir* dir_;
  static std::string lts_head_, fixed_head_;
};

TempDir* TriageProperty::dir_ = nullptr;
std::string TriageProperty::lts_head_, TriageProperty::fixed_head_;

TEST_P(TriageProperty, AnySequenceOfSyncTrackAndKillsEndsLikeOneCleanRun) {
  uint64_t seed = 20261201;
  if (const char* s = std::getenv("LTSKIT_PROPERTY_SEED")) seed = std::strtoull(s, nullptr, 10);
  int sequences = 200;
  if (const char* s = std::getenv("LTSKIT_PROPERTY_SEQUENCES")) sequences = std::atoi(s);

  // One clean run on each final state: lts/1.0 moved to the fix, or not
  // (a move makes the next track re-judge every channel, which would hide
  // triage left behind by a kill).
  json want[2];
  for (int moved : {0, 1}) {
    fs::path clean = fresh("clean");
    write_osv(*dir_ / "osv", 1);
    write_cve(*dir_ / "cve", 1);
    if (moved) final_state();
    ASSERT_EQ(ltskit(clean, {"track"}).code, 0);
    ASSERT_EQ(ltskit(clean, {"advisories", "sync"}).code, 0);
    want[moved] = observe(clean);
    ASSERT_NE(want[moved].dump().find("CVE-2026-1005"), std::string::npos);
    ASSERT_EQ(want[moved].dump().find("CVE-2026-1007"), std::string::npos);
  }
  // The case is not trivial: the sources disagree and the CVE 5 one decides
  // on the fixed branch; the move changes channel 1.0's triage.
  ASSERT_NE(want[1].dump().find("source cna decided"), std::string::npos) << want[1].dump(2);
  ASSERT_NE(want[0]["triage"]["1.0"], want[1]["triage"]["1.0"]);

  // The crash points each kind of command passes (tools/core/crash_point.h).
  auto crash_points = [](const std::vector<std::string>& cmd) -> std::vector<std::string> {
    if (cmd[0] == "advisories") {
      if (cmd.size() > 2 && cmd[2] == "--skip-triage") return {"sync.storing", "sync.source"};
      return {"sync.storing", "sync.source", "triage.channel", "triage.channel"};
    }
    if (cmd[0] == "track") return {"track.branch", "track.snapshot", "triage.channel", "triage.channel"};
    if (cmd[0] == "triage" && cmd[1] == "refresh") return {"triage.channel"};
    return {};
  };
  const std::vector<std::vector<std::string>> kCommands = {
      {"advisories", "sync"},
      {"advisories", "sync", "--source", "osv"},
      {"advisories", "sync", "--source", "cna"},
      {"advisories", "sync", "--skip-triage"},
      {"track"},
      {"track", "1.0"},
      {"triage", "refresh"},
      {"triage", "1.0"},
      {"vex", "1.1"},
  };
  int kills = 0, crash_kills = 0, commands = 0, first = sequences * GetParam() / kShards,
      last = sequences * (GetParam() + 1) / kShards;
  for (int seq = first; seq < last; ++seq) {
    // Each sequence is reproducible alone from the seed and its number.
    std::mt19937_64 rng(seed * 1000003 + static_cast<uint64_t>(seq));
    const bool synced = rng() % 2;
    fs::path ws = fresh("seq", synced);
    std::vector<std::string> steps;
    bool osv_new = false, cve_new = false, moved = false;
    const bool move = rng() % 2;  // the final state: lts/1.0 at the fix or not
    steps.push_back(std::string(synced ? "(synced on the first feeds)" : "(never synced)") +
                    (move ? "" : " (lts/1.0 stays)"));
    int n = 4 + static_cast<int>(rng() % 6);
    // Each event happens before a step in the first half of the sequence,
    // so that the second half works on the final feeds and kills land in
    // the work that must reach the final state.
    int at_osv = static_cast<int>(rng() % (n / 2 + 1)), at_cve = static_cast<int>(rng() % (n / 2 + 1)),
        at_move = move ? static_cast<int>(rng() % (n / 2 + 1)) : n;
    for (int i = 0; i < n; ++i) {
      if (i == at_osv) {
        write_osv(*dir_ / "osv", 1);
        osv_new = true;
        steps.push_back("osv feed -> 1");
      }
      if (i == at_cve) {
        write_cve(*dir_ / "cve", 1);
        cve_new = true;
        steps.push_back("cve feed -> 1");
      }
      if (i == at_move) {
        final_state();
        moved = true;
        steps.push_back("lts/1.0 -> fix");
      }
      {
        const auto& cmd = kCommands[rng() % kCommands.size()];
        // 30% of the commands are killed (SIGKILL) 1-150 ms in, 40% at a
        // crash point (the 1st or 2nd time it is reached, if it is).
        int kill_ms = 0;
        std::string crash_at;
        uint64_t how = rng() % 10;
        if (how < 3) kill_ms = 1 + static_cast<int>(rng() % 150);
        else if (auto points = crash_points(cmd); how < 7 && !points.empty())
          crash_at = points[rng() % points.size()] + ":" + std::to_string(1 + rng() % 2);
        CliResult r = ltskit(ws, cmd, kill_ms, crash_at);
        ++commands;
        std::string line;
        for (const auto& a : cmd) line += a + " ";
        if (r.killed) {
          ++kills;
          if (!kill_ms) ++crash_kills;
          line += kill_ms ? "(killed after " + std::to_string(kill_ms) + " ms)" : "(killed at " + crash_at + ")";
        } else {
          line += "-> " + std::to_string(r.code);
          // Never a crash or a usage error: 0 done, 1 failed (a refusal),
          // 3 needs a human.
          EXPECT_EQ(r.signal, 0) << line << "\n" << r.err;
          EXPECT_TRUE(r.code == 0 || r.code == 1 || r.code == 3) << line << "\n" << r.err;
        }
        steps.push_back(line);
      }
    }
    std::string trace = "seed " + std::to_string(seed) + ", sequence " + std::to_string(seq) + ":\n";
    for (const auto& st : steps) trace += "  " + st + "\n";
    // Wherever the sequence stopped, VEX is never silently wrong: it either
    // refuses (triage out of date, head moved) or says what a forced full
    // re-judgement of the stored state says.
    {
      fs::path copy = *dir_ / "check";
      fs::remove_all(copy);
      fs::copy(ws, copy, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
      CliResult refresh = ltskit(copy, {"triage", "refresh"});
      for (const char* channel : {"1.0", "1.1"}) {
        CliResult now = ltskit(ws, {"vex", channel});
        if (now.code != 0 || refresh.code != 0) continue;  // refused, or cannot judge now (head moved)
        CliResult judged = ltskit(copy, {"vex", channel});
        ASSERT_EQ(judged.code, 0) << trace << judged.err;
        auto statements = [](const std::string& text) {
          json doc = json::parse(text, nullptr, false);
          for (auto& st : doc["statements"]) st.erase("timestamp");
          return doc["statements"];
        };
        ASSERT_EQ(statements(now.out), statements(judged.out))
            << trace << "vex " << channel << " answered from triage that is not up to date";
      }
    }
    if (!osv_new) write_osv(*dir_ / "osv", 1);
    if (!cve_new) write_cve(*dir_ / "cve", 1);
    if (move && !moved) final_state();
    CliResult s = ltskit(ws, {"advisories", "sync"});
    CliResult t = ltskit(ws, {"track"});
    json got = observe(ws);
    if (std::getenv("LTSKIT_PROPERTY_VERBOSE")) std::cerr << trace;
    ASSERT_EQ(s.code, 0) << trace << s.err;
    ASSERT_EQ(t.code, 0) << trace << t.err;
    ASSERT_EQ(got, want[move]) << trace << "got:\n" << got.dump(1) << "\nwant:\n" << want[move].dump(1);
  }
  std::cout << "sequences " << first << ".." << last - 1 << " of " << sequences << " (seed " << seed
            << "): " << commands << " commands, " << kills << " killed (" << crash_kills << " at a crash point)\n";
  EXPECT_GT(kills, (last - first) / 2);
  EXPECT_GT(crash_kills, (last - first) / 4);  // the crash points are reached
}

// Four shards, so that the sequences run beside the other tests.
INSTANTIATE_TEST_SUITE_P(Shards, TriageProperty, ::testing::Range(0, kShards));

}  // namespace
}  // namespace ltskit
