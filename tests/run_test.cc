// End to end: `ltskit run` on the demo package set from a fresh workspace
// (real git, real nix-env and nix-build, the real ltskit binary), and the
// dashboard in headless Chromium.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "tools/core/process.h"
#include "tools/core/state.h"
#include "tools/core/test_util.h"

namespace ltskit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TempDir;

struct CliRun {
  int code;
  std::string out, err;
};

std::string source(const std::string& rel) { return std::string(LTSKIT_SOURCE_DIR) + "/" + rel; }

// A demo workspace with channel 1.0 and an advisory feed folder holding
// `advisories` (file names under examples/demo/advisories); nothing tracked,
// synced or built yet: `run` does it all.
class Run : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = run_process({"bash", source("examples/demo/make-demo-repo.sh"), (tmp_.path() / "pkgs").string()});
    ASSERT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : r.error().message());
    ASSERT_EQ(ltskit({"init", "--repo", (tmp_.path() / "pkgs").string(), "--publish-root", root().string()}).code, 0);
    CliRun ch = ltskit({"channel", "create", "1.0", "--branch", "lts/1.0", "--from", "2026-01-15", "--support-until",
                        "2031-01-15", "--publish", "libsafe,libgreet,hello"});
    ASSERT_EQ(ch.code, 0) << ch.err;
    fs::create_directories(feed());
    ASSERT_EQ(ltskit({"advisories", "source", "add", "demo", feed().string()}).code, 0);
  }

  fs::path root() const { return tmp_.path() / "lts"; }
  fs::path feed() const { return tmp_.path() / "feed"; }
  fs::path ws() const { return tmp_.path() / "ws"; }
  void publish_advisory(const std::string& id) {
    fs::copy_file(source("examples/demo/advisories/" + id + ".json"), feed() / (id + ".json"));
  }

  CliRun ltskit(std::vector<std::string> args) {
    std::vector<std::string> argv = {LTSKIT_BINARY, "-C", ws().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions opt;
    opt.env["LTSKIT_USER"] = "alice";
    opt.timeout = std::chrono::milliseconds(600000);
    auto r = run_process(argv, opt);
    EXPECT_TRUE(r.ok());
    return r.ok() ? CliRun{r->exit_code, r->out, r->err} : CliRun{-1, "", ""};
  }
  // `run --json`; its exit status in `code`.
  json run(std::vector<std::string> extra = {}, int* code = nullptr) {
    std::vector<std::string> args = {"run", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    CliRun r = ltskit(args);
    if (code) *code = r.code;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
  }
  static const json& stage(const json& run, const std::string& name) {
    for (const auto& s : run["stages"])
      if (s["stage"] == name) return s;
    static const json none;
    ADD_FAILURE() << "no stage " << name << " in " << run.dump();
    return none;
  }
  static std::vector<std::string> subjects(const json& run, const std::string& kind) {
    std::vector<std::string> out;
    for (const auto& i : run["items"])
      if (i["kind"] == kind) out.push_back(i["subject"].get<std::string>() + " | " + i["action"].get<std::string>());
    return out;
  }
  std::string head() {
    auto r = run_process({"git", "-C", (tmp_.path() / "pkgs").string(), "rev-parse", "lts/1.0"});
    EXPECT_TRUE(r.ok() && r->success());
    return r.ok() ? r->out.substr(0, 40) : "";
  }
  // Commits a file with a value of this test's own under libsafe's sources
  // on lts/1.0: libsafe and what depends on it are new derivations, which
  // no earlier test left in the Nix store, so `run` really builds them.
  void commit_unique_change() {
    fs::path repo = tmp_.path() / "pkgs";
    std::string nonce =
        tmp_.path().string() + " " + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    ProcessOptions opt;
    for (const char* who : {"AUTHOR", "COMMITTER"}) {
      opt.env[std::string("GIT_") + who + "_NAME"] = "Test";
      opt.env[std::string("GIT_") + who + "_EMAIL"] = "test@example.org";
    }
    auto git = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {"git", "-C", repo.string()});
      auto r = run_process(args, opt);
      ASSERT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : r.error().message());
    };
    git({"checkout", "-q", "lts/1.0"});
    std::ofstream(repo / "pkgs/libsafe/src/BUILD-ID") << nonce << "\n";
    git({"add", "pkgs/libsafe/src/BUILD-ID"});
    git({"commit", "-q", "-m", "libsafe: build id"});
    git({"checkout", "-q", "main"});
  }
  json manifest() {
    std::ifstream in(root() / "1.0" / "manifest.json");
    return json::parse(in, nullptr, false);
  }

  TempDir tmp_;
};

bool contains(const std::vector<std::string>& v, const std::string& needle) {
  for (const auto& s : v)
    if (s.find(needle) != std::string::npos) return true;
  return false;
}

// The first run syncs, tracks, backports what the policy lets through,
// builds, checks and publishes generation 1, and reports the conflict; the
// second finds nothing to do; a new advisory in the feed brings generation 2.
TEST_F(Run, PublishesWithTheFixesDoesNothingTwiceAndFollowsANewAdvisory) {
  publish_advisory("CVE-2026-1001");  // critical, fix applies cleanly
  publish_advisory("CVE-2026-1003");  // critical, fix conflicts on lts/1.0
  publish_advisory("CVE-2026-1004");  // not affecting 1.0

  int code = -1;
  json first = run({}, &code);
  EXPECT_EQ(code, 3) << first.dump(2);  // done; the conflict needs a human
  EXPECT_EQ(first["state"], "needs-human");
  EXPECT_FALSE(first["resumed"].get<bool>());
  std::vector<std::string> order;
  for (const auto& s : first["stages"]) order.push_back(s["stage"]);
  EXPECT_EQ(order, (std::vector<std::string>{"sync", "track", "triage", "backport", "build", "publish", "report"}));
  for (const auto& s : first["stages"]) EXPECT_EQ(s["state"], "done") << s.dump();
  EXPECT_NE(stage(first, "backport")["summary"].get<std::string>().find("1 applied of 2 attempted"), std::string::npos)
      << stage(first, "backport").dump();
  auto waiting = subjects(first, "needs-human");
  ASSERT_EQ(waiting.size(), 1u) << first.dump(2);
  EXPECT_TRUE(contains(waiting, "CVE-2026-1003")) << waiting[0];
  EXPECT_TRUE(contains(waiting, "ltskit backport apply CVE-2026-1003 --channel 1.0 --candidate")) << waiting[0];
  ASSERT_EQ(first["published"].size(), 1u);
  EXPECT_EQ(first["published"][0]["generation"], 1);
  EXPECT_EQ(fs::read_symlink(root() / "1.0"), fs::path(".generations/1.0/1"));
  // Generation 1 is the branch with the fix for CVE-2026-1001.
  std::string h1 = head();
  EXPECT_EQ(manifest()["commit"], h1);
  EXPECT_EQ(first["published"][0]["commit"], h1);
  bool safe_fixed = false;
  json m1 = manifest();
  for (const auto& p : m1["packages"])
    if (p["attr"] == "libsafe") safe_fixed = p["version"] == "1.0.1";
  EXPECT_TRUE(safe_fixed) << manifest().dump();
  EXPECT_EQ(ltskit({"verify", "1.0"}).code, 0);
  ASSERT_TRUE(first["dashboard"].is_string());
  EXPECT_TRUE(fs::exists(first["dashboard"].get<std::string>()));
  json status = json::parse(ltskit({"status", "--json"}).out, nullptr, false);
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0]["generation"], 1);
  EXPECT_TRUE(status[0]["head_published"].get<bool>());

  // Nothing new: every stage idle, no new backport attempt, no generation.
  size_t attempts = json::parse(ltskit({"backport", "list", "1.0", "--json"}).out, nullptr, false).size();
  CliRun plain = ltskit({"run"});
  EXPECT_EQ(plain.code, 3) << plain.err;  // the conflict still waits
  EXPECT_NE(plain.out.find("nothing new"), std::string::npos) << plain.out;
  EXPECT_NE(plain.err.find("CVE-2026-1003"), std::string::npos) << plain.err;
  EXPECT_NE(plain.err.find("(next: ltskit backport apply CVE-2026-1003 --channel 1.0 --candidate)"), std::string::npos)
      << plain.err;
  // One line per stage in a pipe.
  for (const char* s : {"sync", "track", "triage", "backport", "build", "publish", "report"})
    EXPECT_TRUE(std::regex_search(plain.out, std::regex(std::string("(^|\n)") + s + " +idle "))) << s << "\n"
                                                                                                 << plain.out;
  json second = run({}, &code);
  EXPECT_EQ(code, 3);
  EXPECT_TRUE(second["nothing_new"].get<bool>()) << second.dump(2);
  EXPECT_TRUE(second["published"].empty());
  EXPECT_EQ(json::parse(ltskit({"backport", "list", "1.0", "--json"}).out, nullptr, false).size(), attempts);
  EXPECT_EQ(fs::read_symlink(root() / "1.0"), fs::path(".generations/1.0/1"));
  EXPECT_EQ(head(), h1);

  // A new advisory in the feed: its fix is backported, built and published.
  // Another, critical, has no fix upstream: it waits for a human, and is no
  // failure.
  publish_advisory("CVE-2026-1002");
  std::ofstream(feed() / "CVE-2026-9001.json") << R"({"schema_version": "1.6.0", "id": "CVE-2026-9001",
    "modified": "2026-06-01T00:00:00Z", "published": "2026-06-01T00:00:00Z", "summary": "hello: no fix yet",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [{"package": {"ecosystem": "ltskit-demo", "name": "hello"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]})";
  json third = run({}, &code);
  EXPECT_EQ(code, 3) << third.dump(2);
  EXPECT_FALSE(third["nothing_new"].get<bool>());
  EXPECT_EQ(third["state"], "needs-human");
  EXPECT_TRUE(contains(subjects(third, "needs-human"),
                       "CVE-2026-9001 (hello, critical) | ltskit backport apply "
                       "CVE-2026-9001 --channel 1.0 --commit COMMIT"))
      << third.dump(2);
  EXPECT_NE(stage(third, "sync")["summary"].get<std::string>().find("2 added"), std::string::npos)
      << stage(third, "sync").dump();
  // CVE-2026-1003 is tried again once: the branch moved under it.
  EXPECT_NE(stage(third, "backport")["summary"].get<std::string>().find("1 applied of 2 attempted"), std::string::npos)
      << stage(third, "backport").dump();
  ASSERT_EQ(third["published"].size(), 1u) << third.dump(2);
  EXPECT_EQ(third["published"][0]["generation"], 2);
  EXPECT_EQ(fs::read_symlink(root() / "1.0"), fs::path(".generations/1.0/2"));
  EXPECT_NE(head(), h1);
  EXPECT_EQ(manifest()["commit"], head());
  EXPECT_EQ(manifest()["previous_generation"], 1);
  EXPECT_EQ(manifest()["advisories_fixed_since_previous"], json::array({"CVE-2026-1002"})) << manifest().dump();
  // Nothing new again, with an advisory that has no fix: still idle.
  EXPECT_TRUE(run({}, &code)["nothing_new"].get<bool>());

  // A rollback is the operator's decision: the next run does not publish
  // the head it rolled back from again, and says how to roll forward.
  ASSERT_EQ(ltskit({"rollback", "1.0"}).code, 0);
  json after = run({}, &code);
  EXPECT_EQ(code, 3);
  EXPECT_TRUE(after["published"].empty()) << after.dump(2);
  EXPECT_EQ(fs::read_symlink(root() / "1.0"), fs::path(".generations/1.0/1"));
  EXPECT_TRUE(contains(subjects(after, "needs-human"), "1.0 | ltskit rollback 1.0 --to 2")) << after.dump(2);

  // Every run is recorded with its stages, in order.
  json report = json::parse(ltskit({"report"}).out, nullptr, false);
  ASSERT_EQ(report["runs"].size(), 6u) << report["runs"].dump();
  std::vector<std::string> stages;
  for (const auto& st : report["runs"][0]["stages"]) stages.push_back(st["stage"]);
  EXPECT_EQ(stages, (std::vector<std::string>{"sync", "track", "triage", "backport", "build", "publish", "report"}));
}

// Headless Chromium reads the dashboard: the content is checked through the
// DOM it built, and a screenshot is taken (kept beside the test binary as
// dashboard.png for a human to look at).
TEST_F(Run, TheDashboardShowsEveryChannelInChromium) {
  // Only critical fixes go in without a human: CVE-2026-1002 (high) waits.
  fs::path policy = ws() / "policies/lts-strict.toml";
  std::ifstream pin0(policy);
  std::string text((std::istreambuf_iterator<char>(pin0)), std::istreambuf_iterator<char>());
  size_t at = text.find("auto_apply = \"high\"");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 19, "auto_apply = \"critical\"");
  std::ofstream(policy) << text;
  for (const char* id : {"CVE-2026-1001", "CVE-2026-1002", "CVE-2026-1003"}) publish_advisory(id);
  int code = -1;
  json first = run({}, &code);
  ASSERT_EQ(code, 3) << first.dump(2);
  auto waiting = subjects(first, "needs-human");
  EXPECT_EQ(waiting.size(), 2u) << first.dump(2);
  EXPECT_TRUE(contains(waiting, "CVE-2026-1002 (libgreet, high) | ltskit backport apply CVE-2026-1002 --channel 1.0"))
      << first.dump(2);
  // A second later, a human applies it: the chart's last point is lower.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CliRun human = ltskit({"backport", "apply", "CVE-2026-1002", "--channel", "1.0"});
  ASSERT_EQ(human.code, 0) << human.err;
  fs::path dir = tmp_.path() / "dash";
  CliRun rep = ltskit({"report", "--html", dir.string()});
  ASSERT_EQ(rep.code, 0) << rep.err;
  EXPECT_EQ(rep.out, (dir / "index.html").string() + "\n");
  std::ifstream in(dir / "index.html");
  std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Self-contained: nothing is fetched (references are plain links).
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);

  std::string profile = (tmp_.path() / "chromium-profile").string();
  std::vector<std::string> base = {"chromium",
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--user-data-dir=" + profile,
                                   "--window-size=1280,2400"};
  ProcessOptions opt;
  opt.timeout = std::chrono::milliseconds(120000);
  auto argv = base;
  argv.push_back("--dump-dom");
  argv.push_back("file://" + (dir / "index.html").string());
  auto dom = run_process(argv, opt);
  ASSERT_TRUE(dom.ok() && dom->success()) << (dom.ok() ? dom->err : dom.error().message());
  const std::string& d = dom->out;
  auto has = [&](const std::string& re) { return std::regex_search(d, std::regex(re)); };
  // The overview: channel 1.0 at generation 1, linked to its section.
  EXPECT_TRUE(has(R"re(<tr data-channel="1\.0"><td><a href="#channel-1\.0">1\.0</a>)re")) << d.substr(0, 4000);
  EXPECT_TRUE(has(R"re(<td class="generation">1</td>)re"));
  // Advisories by state, linked to their details.
  EXPECT_TRUE(has(R"re(<tr data-state="fixed" data-advisory="CVE-2026-1001">)re"));
  EXPECT_TRUE(has(R"re(<tr data-state="affected" data-advisory="CVE-2026-1003">)re"));
  EXPECT_TRUE(has(R"re(<a href="#advisory-CVE-2026-1003">CVE-2026-1003</a>)re"));
  EXPECT_TRUE(has(R"re(<article class="advisory" id="advisory-CVE-2026-1003">)re"));
  // Backports with their source commits.
  EXPECT_TRUE(has(R"re(<tr data-outcome="applied">.*CVE-2026-1001.*65798657d9e5)re"));
  EXPECT_TRUE(has(R"re(<tr data-outcome="conflict">)re"));
  // The ABI verdict of every library, the generations, the waiting list.
  EXPECT_TRUE(has(R"re(<tr data-soname="libsafe\.so\.1" data-verdict="baseline">)re"));
  EXPECT_TRUE(has(R"re(<li class="generation current" data-generation="1">)re"));
  EXPECT_TRUE(
      has(R"re(<ul class="waiting" id="waiting">\s*<li><strong>1\.0</strong>: <a href="#advisory-CVE-2026-1003">)re"));
  // The chart: an inline SVG with a point per change of the open count.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(d, m, std::regex(R"re(<svg class="open-chart"[^>]*data-points="(\d+)")re")));
  EXPECT_GE(std::stoi(m[1]), 2);
  std::vector<int> open;
  std::string rest = d;
  for (std::smatch p; std::regex_search(rest, p, std::regex(R"re(<circle class="point"[^>]*data-open="(\d+)")re"));
       rest = p.suffix())
    open.push_back(std::stoi(p[1]));
  ASSERT_GE(open.size(), 2u);
  EXPECT_GE(open.front(), 2);  // 1002 and 1003 (and 1001 until its fix) open after the run
  EXPECT_EQ(open.back(), 1);   // 1003 alone after the human's backport
  EXPECT_TRUE(has(R"re(<polyline class="line")re"));

  // The screenshot.
  fs::path png = tmp_.path() / "dashboard.png";
  argv = base;
  argv.push_back("--screenshot=" + png.string());
  argv.push_back("file://" + (dir / "index.html").string());
  auto shot = run_process(argv, opt);
  ASSERT_TRUE(shot.ok() && shot->success()) << (shot.ok() ? shot->err : shot.error().message());
  std::ifstream pin(png, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(pin)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 20000u);  // a rendered page, not a blank one
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
  std::error_code ec;
  fs::copy_file(png, fs::current_path() / "dashboard.png", fs::copy_options::overwrite_existing, ec);
}

// A run killed while it builds is resumed by the next: the stages it
// finished are not run again, and the run completes.
TEST_F(Run, AKilledRunResumesAtTheStageThatDidNotFinish) {
  publish_advisory("CVE-2026-1001");
  commit_unique_change();
  std::string wsdir = ws().string();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(LTSKIT_BINARY, LTSKIT_BINARY, "-C", wsdir.c_str(), "run", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until a nix-build of the build stage has started, then kill the
  // run and everything it started.
  bool building = false;
  for (int i = 0; i < 1200 && !building; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::error_code ec;
    fs::path logs = ws() / ".ltskit/logs/build";
    if (fs::exists(logs, ec))
      for (auto it = fs::recursive_directory_iterator(logs, ec); it != fs::recursive_directory_iterator(); ++it)
        if (it->path().extension() == ".log") building = true;
  }
  ASSERT_TRUE(building) << "the run never reached the build stage";
  ::kill(-pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(fs::exists(root() / "1.0"));

  // Another command sees the run as interrupted; the lock is free.
  int code = -1;
  json resumed = run({}, &code);
  EXPECT_EQ(code, 0) << resumed.dump(2);
  EXPECT_TRUE(resumed["resumed"].get<bool>());
  EXPECT_EQ(resumed["run"], 1);
  for (const char* s : {"sync", "track", "triage", "backport"}) EXPECT_EQ(stage(resumed, s)["state"], "resumed") << s;
  EXPECT_EQ(stage(resumed, "build")["state"], "done");
  EXPECT_EQ(stage(resumed, "publish")["state"], "done");
  ASSERT_EQ(resumed["published"].size(), 1u);
  EXPECT_EQ(resumed["published"][0]["generation"], 1);
  EXPECT_EQ(manifest()["commit"], head());
  EXPECT_EQ(ltskit({"verify", "1.0"}).code, 0);
  // The backport the killed run made landed once.
  json list = json::parse(ltskit({"backport", "list", "1.0", "--json"}).out, nullptr, false);
  EXPECT_EQ(list.size(), 1u) << list.dump();
  // The next run is a new one, with nothing to do.
  json next = run({}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(next["run"], 2);
  EXPECT_FALSE(next["resumed"].get<bool>());
  EXPECT_TRUE(next["nothing_new"].get<bool>()) << next.dump(2);
}

// A feed that cannot be read fails the run (exit 1) but not the channel:
// the other stages still run and publish, and the next run starts afresh
// (its stages all ran: nothing to resume).
TEST_F(Run, AnUnreadableFeedFailsTheRunButTheChannelIsStillPublished) {
  publish_advisory("CVE-2026-1001");
  fs::create_directories(tmp_.path() / "gone");
  ASSERT_EQ(ltskit({"advisories", "source", "add", "gone", (tmp_.path() / "gone").string()}).code, 0);
  fs::remove_all(tmp_.path() / "gone");
  int code = -1;
  json first = run({}, &code);
  EXPECT_EQ(code, 1) << first.dump(2);
  EXPECT_EQ(first["state"], "failed");
  EXPECT_EQ(stage(first, "sync")["state"], "failed");
  EXPECT_TRUE(contains(subjects(first, "failed"), "gone")) << first.dump(2);
  ASSERT_EQ(first["published"].size(), 1u) << first.dump(2);
  EXPECT_EQ(stage(first, "report")["state"], "done");
  json second = run({}, &code);
  EXPECT_EQ(code, 1);
  EXPECT_FALSE(second["resumed"].get<bool>());
  EXPECT_EQ(second["run"], 2);
  EXPECT_EQ(stage(second, "sync")["state"], "failed");
  EXPECT_EQ(stage(second, "publish")["state"], "idle");
}

// Two runs at once: the second is refused and names the first.
TEST_F(Run, TwoConcurrentRunsAreKeptApartByTheLock) {
  publish_advisory("CVE-2026-1001");
  std::string wsdir = ws().string();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execl(LTSKIT_BINARY, LTSKIT_BINARY, "-C", wsdir.c_str(), "run", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until the first run holds the lock: the lock file names its holder.
  bool held = false;
  for (int i = 0; i < 1200 && !held; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream lock(ws() / ".ltskit/lock");
    std::string text((std::istreambuf_iterator<char>(lock)), std::istreambuf_iterator<char>());
    held = text.find(std::to_string(pid)) != std::string::npos && text.find("ltskit run") != std::string::npos;
  }
  ASSERT_TRUE(held);
  CliRun second = ltskit({"run"});
  EXPECT_EQ(second.code, 1) << second.err;
  EXPECT_NE(second.err.find("(ltskit run)"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("pid " + std::to_string(pid)), std::string::npos) << second.err;
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // Only the first run is recorded, and it published.
  json report = json::parse(ltskit({"report"}).out, nullptr, false);
  EXPECT_EQ(report["runs"].size(), 1u) << report["runs"].dump();
  EXPECT_EQ(fs::read_symlink(root() / "1.0"), fs::path(".generations/1.0/1"));
}

// docs/commands.md is the program's own help, regenerated whenever a
// command or its help text changes (scripts/command-reference.sh).
TEST(Docs, CommandReferenceIsTheProgramsOwnHelp) {
  ProcessOptions opt;
  opt.env["LTSKIT"] = LTSKIT_BINARY;
  auto r = run_process({"bash", source("scripts/command-reference.sh")}, opt);
  ASSERT_TRUE(r.ok() && r->success()) << (r.ok() ? r->err : r.error().message());
  std::ifstream in(source("docs/commands.md"));
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(r->out, doc) << "docs/commands.md is stale: run scripts/command-reference.sh > docs/commands.md";
  for (const char* cmd :
       {"## ltskit run", "## ltskit report", "### ltskit backport apply", "#### ltskit advisories source add"})
    EXPECT_NE(doc.find(std::string(cmd) + "\n"), std::string::npos) << cmd;
}

}  // namespace
}  // namespace ltskit
