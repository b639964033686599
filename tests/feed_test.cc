#include "tools/advisories/schema.h"
// Advisory feeds over a real HTTP server on 127.0.0.1: conditional requests,
// errors, retries, truncation, timeouts, size limits, archives. Whatever
// fails, previously ingested data stays as it was.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <fstream>

#include "http_server.h"
#include "tools/advisories/store.h"
#include "tools/advisories/sync.h"
#include "tools/core/fs.h"
#include "tools/core/process.h"
#include "tools/core/test_util.h"
#include "tools/core/workspace.h"
#include "tools/git/test_repo.h"

namespace ltskit::advisories {
namespace {

using ltskit::testing::GitRepoBuilder;
using ltskit::testing::HttpResponse;
using ltskit::testing::HttpServer;
using ltskit::testing::TempDir;

std::string record(const std::string& id, const std::string& modified, const std::string& pkg = "alpha") {
  return R"({"id": ")" + id + R"(", "modified": ")" + modified +
         R"(", "affected": [{"package": {"ecosystem": "x", "name": ")" + pkg +
         R"("}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]})";
}

struct Fixture {
  TempDir tmp;
  GitRepoBuilder repo{tmp / "repo"};
  std::optional<Workspace> ws;
  NullProgress progress;
  SyncOptions opt;

  Fixture() {
    repo.write("default.nix", "{ }");
    repo.commit("init");
    Workspace::InitOptions io;
    io.repo = repo.dir();
    EXPECT_TRUE(Workspace::init(tmp / "ws", io, {&advisories_schema()}).ok());
    auto w = Workspace::open(tmp / "ws", Access::kWrite, "test", {&advisories_schema()});
    EXPECT_TRUE(w.ok());
    ws.emplace(std::move(*w));
    opt.http_attempts = 3;
    opt.http_timeout_ms = 1500;
    opt.http_backoff_ms = 50;
  }

  void add(const std::string& name, const std::string& location) {
    Status s = add_source(*ws, {name, location, AdvisoryFormat::kOsv});
    ASSERT_TRUE(s.ok()) << s.error().describe();
  }

  Outcome outcome;  // of the last sync
  Result<std::vector<SourceReport>> sync() {
    auto r = sync_sources(*ws, opt, progress);
    if (!r.ok()) return std::move(r).error();
    outcome = r->outcome;
    return r->sources;
  }

  // The failure of the (only) source, or "" when it synced.
  std::string sync_failure() {
    auto r = sync();
    if (!r.ok()) return r.error().describe();
    for (const auto& s : *r)
      if (s.failure) return *s.failure;
    return "";
  }

  // The number of stored advisories. A store that cannot be read fails the
  // test and counts as SIZE_MAX, so that "nothing landed" (0) cannot pass.
  size_t count() {
    auto l = list_advisories(ws->db());
    EXPECT_TRUE(l.ok()) << l.error().describe();
    return l.ok() ? l->size() : SIZE_MAX;
  }
};

TEST(HttpFeed, ConditionalRequestGets304AndChangesNothing) {
  std::string body = "[" + record("A-1", "2026-01-01T00:00:00Z") + "," + record("A-2", "2026-01-01T00:00:00Z") + "]";
  HttpServer server([&](const ltskit::testing::HttpRequest& req) {
    HttpResponse r;
    if (req.headers.count("if-none-match") && req.headers.at("if-none-match") == "\"v1\"") {
      r.status = 304;
      return r;
    }
    r.body = body;
    r.headers["ETag"] = "\"v1\"";
    r.headers["Last-Modified"] = "Mon, 02 Feb 2026 00:00:00 GMT";
    return r;
  });
  Fixture f;
  f.add("feed", server.url("/osv.json"));
  auto first = f.sync();
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ((*first)[0].added, 2u);
  EXPECT_EQ(f.count(), 2u);
  auto second = f.sync();
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_TRUE((*second)[0].not_modified);
  EXPECT_EQ(server.last_request().headers.at("if-none-match"), "\"v1\"");
  EXPECT_EQ(server.last_request().headers.at("if-modified-since"), "Mon, 02 Feb 2026 00:00:00 GMT");
  EXPECT_EQ(f.count(), 2u);
}

TEST(HttpFeed, ChangedRecordsAreUpdatedOthersSkipped) {
  std::string body = "[" + record("A-1", "2026-01-01T00:00:00Z") + "," + record("A-2", "2026-01-01T00:00:00Z") + "]";
  HttpServer server([&](const ltskit::testing::HttpRequest&) { return HttpResponse{200, {}, body}; });
  Fixture f;
  f.add("feed", server.url("/osv.json"));
  ASSERT_TRUE(f.sync().ok());
  body = "[" + record("A-1", "2026-01-01T00:00:00Z") + "," + record("A-2", "2026-03-01T00:00:00Z", "beta") + "]";
  auto r = f.sync();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].unchanged, 1u);
  EXPECT_EQ((*r)[0].updated, 1u);
  auto a2 = get_advisory(f.ws->db(), "A-2");
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->affected[0].name, "beta");
}

TEST(HttpFeed, NotFoundFailsNamingTheSourceAndKeepsOldData) {
  bool gone = false;
  HttpServer server([&](const ltskit::testing::HttpRequest&) {
    if (gone) return HttpResponse{404, {}, "no"};
    return HttpResponse{200, {}, record("A-1", "2026-01-01T00:00:00Z")};
  });
  Fixture f;
  f.add("feed", server.url("/osv.json"));
  ASSERT_TRUE(f.sync().ok());
  gone = true;
  int before = server.requests();
  std::string r = f.sync_failure();
  ASSERT_FALSE(r.empty());
  EXPECT_NE(r.find("HTTP status 404"), std::string::npos) << r;
  EXPECT_NE(r.find("advisory source 'feed'"), std::string::npos);
  EXPECT_EQ(server.requests() - before, 1);  // a 404 is not retried
  EXPECT_EQ(f.count(), 1u);
}

TEST(HttpFeed, ServerErrorIsRetriedThenSucceeds) {
  int calls = 0;
  HttpServer server([&](const ltskit::testing::HttpRequest&) {
    if (++calls == 1) return HttpResponse{500, {}, "oops"};
    return HttpResponse{200, {}, record("A-1", "2026-01-01T00:00:00Z")};
  });
  Fixture f;
  f.add("feed", server.url("/osv.json"));
  auto r = f.sync();
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(f.count(), 1u);
}

TEST(HttpFeed, PersistentServerErrorsGiveUpAfterTheLimit) {
  HttpServer server([&](const ltskit::testing::HttpRequest&) { return HttpResponse{503, {}, "down"}; });
  Fixture f;
  f.add("feed", server.url("/osv.json"));
  std::string r = f.sync_failure();
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(server.requests(), 3);
  EXPECT_NE(r.find("after 3 attempts"), std::string::npos);
}

TEST(HttpFeed, TruncatedBodyIsAnErrorAndLandsNothing) {
  std::string body = "[" + record("A-1", "2026-01-01T00:00:00Z") + "," + record("A-2", "2026-01-01T00:00:00Z") + "]";
  HttpServer server([&](const ltskit::testing::HttpRequest&) {
    HttpResponse r{200, {}, body};
    r.send_only = body.size() / 2;
    return r;
  });
  Fixture f;
  f.opt.http_attempts = 1;
  f.add("feed", server.url("/osv.json"));
  std::string r = f.sync_failure();
  ASSERT_FALSE(r.empty());
  EXPECT_NE(r.find("truncated"), std::string::npos) << r;
  EXPECT_EQ(f.count(), 0u);
}

TEST(HttpFeed, SlowServerHitsTheTimeout) {
  HttpServer server([&](const ltskit::testing::HttpRequest&) {
    HttpResponse r{200, {}, record("A-1", "2026-01-01T00:00:00Z")};
    r.delay_ms = 2500;
    return r;
  });
  Fixture f;
  f.opt.http_attempts = 1;
  f.opt.http_timeout_ms = 500;
  f.add("feed", server.url("/osv.json"));
  auto start = std::chrono::steady_clock::now();
  std::string r = f.sync_failure();
  ASSERT_FALSE(r.empty());
  EXPECT_NE(r.find("timed out"), std::string::npos) << r;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(HttpFeed, OversizedBodyIsRefused) {
  std::string big = "[" + record("A-1", "2026-01-01T00:00:00Z") + std::string(1 << 20, ' ') + "]";
  HttpServer server([&](const ltskit::testing::HttpRequest&) { return HttpResponse{200, {}, big}; });
  Fixture f;
  f.opt.max_size = 64 * 1024;
  f.add("feed", server.url("/osv.json"));
  std::string r = f.sync_failure();
  ASSERT_FALSE(r.empty());
  EXPECT_NE(r.find("larger than the limit"), std::string::npos) << r;
  EXPECT_EQ(f.count(), 0u);
}

TEST(HttpFeed, UnreachableServerNamesTheSource) {
  Fixture f;
  f.opt.http_attempts = 2;
  f.add("dead", "http://127.0.0.1:9/osv.json");
  std::string r = f.sync_failure();
  ASSERT_FALSE(r.empty());
  EXPECT_NE(r.find("advisory source 'dead'"), std::string::npos);
}

// Issue 8, point 13: a redirect to file:// is bad input from the server,
// not a usage error (it exited 2), and nothing is read from the file.
TEST(HttpFeed, ARedirectToAFileUrlIsRefusedAsInvalidInput) {
  HttpServer server([&](const ltskit::testing::HttpRequest&) {
    return HttpResponse{302, {{"Location", "file:///etc/passwd"}}, ""};
  });
  Fixture f;
  f.add("redir", server.url("/osv.json"));
  f.opt.source = "redir";
  auto r = f.sync();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalid) << r.error().describe();
  EXPECT_EQ(f.count(), 0u);
}

TEST(HttpFeed, TarArchiveOfRecords) {
  TempDir src;
  src.write("recs/a.json", record("T-1", "2026-01-01T00:00:00Z"));
  src.write("recs/b.json", record("T-2", "2026-01-01T00:00:00Z"));
  src.write("recs/readme.txt", "not a record");
  auto tar = run_process({"tar", "-C", src.path().string(), "-czf", (src / "feed.tar.gz").string(), "recs"});
  ASSERT_TRUE(tar.ok() && tar->success());
  auto bytes = ltskit::read_file(src / "feed.tar.gz");
  ASSERT_TRUE(bytes.ok());
  HttpServer server([&](const ltskit::testing::HttpRequest&) { return HttpResponse{200, {}, *bytes}; });
  Fixture f;
  f.add("tar", server.url("/feed.tar.gz"));
  auto r = f.sync();
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ((*r)[0].documents, 2u);
  EXPECT_EQ(f.count(), 2u);
}

// Peak resident memory since the last reset_peak_rss(), in bytes (Linux:
// VmHWM of /proc/self/status, reset through /proc/self/clear_refs).
size_t peak_rss() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  return 0;
}
bool reset_peak_rss() { return static_cast<bool>(std::ofstream("/proc/self/clear_refs") << "5"); }

// A zip of `members` records, each padded with `pad` bytes of white space
// (valid JSON, and it compresses to almost nothing).
std::string padded_zip(size_t members, size_t pad) {
  std::string out;
  struct archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  archive_write_open(
      a, &out, nullptr,
      [](struct archive*, void* user, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(user)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  std::string chunk(1 << 20, ' ');
  for (size_t m = 0; m < members; ++m) {
    std::string rec = record("Z-" + std::to_string(m), "2026-01-01T00:00:00Z");
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, ("osv/Z-" + std::to_string(m) + ".json").c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(rec.size() + pad));
    archive_write_header(a, e);
    archive_write_data(a, rec.data(), rec.size());
    for (size_t done = 0; done < pad; done += chunk.size())
      archive_write_data(a, chunk.data(), std::min(chunk.size(), pad - done));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// Issue 8, point 18: a zip feed used to be expanded whole in memory (1.07 GB
// for a feed under the 512 MiB cap). Members are now streamed: 384 MiB of
// members cost a few members of memory. Also through a local zip file.
TEST(HttpFeed, ZipMembersAreStreamedNotExpandedInMemory) {
  constexpr size_t kMembers = 192, kPad = size_t{2} << 20;  // 384 MiB expanded
  std::string zip = padded_zip(kMembers, kPad);
  ASSERT_LT(zip.size(), size_t{4} << 20);
  HttpServer server([&](const ltskit::testing::HttpRequest&) { return HttpResponse{200, {}, zip}; });
  Fixture f;
  f.add("zip", server.url("/all.zip"));
  TempDir local;
  ASSERT_TRUE(atomic_write_file(local / "all.zip", zip).ok());
  f.add("file", (local / "all.zip").string());
  for (const std::string source : {"zip", "file"}) {
    SCOPED_TRACE(source);
    f.opt.source = source;
    if (!reset_peak_rss()) GTEST_SKIP() << "cannot reset the peak RSS here (/proc/self/clear_refs)";
    size_t before = peak_rss();
    auto r = f.sync();
    size_t grew = peak_rss() - before;
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ((*r)[0].documents, kMembers);
    EXPECT_EQ((*r)[0].added, kMembers);  // each source keeps its own records
    EXPECT_LT(grew, size_t{96} << 20) << "peak RSS grew by " << (grew >> 20) << " MiB";
  }
  EXPECT_EQ(f.count(), kMembers);
  // The expansion cap still holds while streaming, and nothing lands.
  f.opt.source = "zip";
  f.opt.max_size = size_t{100} << 20;
  Fixture g;
  g.opt.max_size = f.opt.max_size;
  g.add("zip", server.url("/all.zip"));
  std::string failure = g.sync_failure();
  EXPECT_NE(failure.find("archive expands beyond the limit"), std::string::npos) << failure;
  EXPECT_EQ(g.count(), 0u);
}

TEST(FolderFeed, MalformedRecordsAreSkippedAndUnchangedFilesNotRead) {
  Fixture f;
  TempDir feed;
  feed.write("a/1.json", record("F-1", "2026-01-01T00:00:00Z"));
  feed.write("a/2.json", R"({"id": "F-2", "modified": 5})");
  feed.write("b/3.json", "{ not json");
  f.add("dir", feed.path().string());
  auto r = f.sync();
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ((*r)[0].added, 1u);
  EXPECT_EQ((*r)[0].malformed, 2u);
  auto again = f.sync();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].documents, 0u);
  EXPECT_EQ((*again)[0].files_unchanged, 3u);
  // A withdrawn update is recorded.
  feed.write("a/1.json", R"({"id": "F-1", "modified": "2026-02-01T00:00:00Z", "withdrawn": "2026-02-01T00:00:00Z"})");
  auto w = f.sync();
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)[0].withdrawn, 1u);
  auto a = get_advisory(f.ws->db(), "F-1");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->summary.withdrawn.has_value());
}

// Issue 8, point 5: three records with one id in one feed used to flip the
// stored record on every sync and report UPDATED 2 each time.
TEST(FolderFeed, DuplicateIdsKeepTheNewestRecordAndStayPut) {
  Fixture f;
  TempDir feed;
  auto dup = [](const std::string& modified, const std::string& summary) {
    return R"({"id": "DUP-1", "modified": ")" + modified + R"(", "summary": ")" + summary + R"("})";
  };
  feed.write("all.json", "[" + dup("2026-01-02T00:00:00Z", "middle") + "," + dup("2026-01-03T00:00:00Z", "newest") +
                             "," + dup("2026-01-01T00:00:00Z", "oldest") + "]");
  f.add("dir", feed.path().string());
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    feed.write("all.json", "[" + dup("2026-01-02T00:00:00Z", "middle") + "," + dup("2026-01-03T00:00:00Z", "newest") +
                               "," + dup("2026-01-01T00:00:00Z", "oldest") + "]" +
                               std::string(round, ' '));  // a new size: read again every round
    auto r = f.sync();
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ((*r)[0].documents, 1u);
    if (round > 0) {
      EXPECT_EQ((*r)[0].updated, 0u);
    }
    auto a = get_advisory(f.ws->db(), "DUP-1");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->summary.summary, "newest");
    EXPECT_EQ(a->summary.modified, "2026-01-03T00:00:00Z");
  }
  EXPECT_EQ(f.outcome.kind(), OutcomeKind::kDoneWithWarnings);
}

}  // namespace
}  // namespace ltskit::advisories

namespace ltskit::advisories {
namespace {

TEST(HttpFeed, OneFailingSourceDoesNotStopTheOthers) {
  HttpServer good([&](const ltskit::testing::HttpRequest&) {
    return HttpResponse{200, {}, record("G-1", "2026-01-01T00:00:00Z")};
  });
  HttpServer bad([&](const ltskit::testing::HttpRequest&) { return HttpResponse{404, {}, "gone"}; });
  Fixture f;
  f.add("bad", bad.url("/osv.json"));
  f.add("good", good.url("/osv.json"));
  auto r = f.sync();
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(f.outcome.kind(), OutcomeKind::kFailed);
  ASSERT_EQ(f.outcome.items().size(), 1u);
  EXPECT_EQ(f.outcome.items()[0].subject, "source bad");
  ASSERT_TRUE((*r)[0].failure.has_value());
  EXPECT_NE((*r)[0].failure->find("advisory source 'bad'"), std::string::npos);
  EXPECT_FALSE((*r)[1].failure.has_value());
  EXPECT_EQ(f.count(), 1u);
  // Asked for alone, a failing source is the command's error.
  f.opt.source = "bad";
  EXPECT_FALSE(f.sync().ok());
}

}  // namespace
}  // namespace ltskit::advisories
