#include "tools/advisories/sync.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "tools/advisories/compress.h"
#include "tools/advisories/http.h"
#include "tools/advisories/parser.h"
#include "tools/advisories/store.h"
#include "tools/advisories/triage.h"
#include "tools/core/crash_point.h"
#include "tools/core/events.h"
#include "tools/core/fs.h"

namespace ltskit::advisories {
namespace fs = std::filesystem;

namespace {

fs::path resolve_path(const WorkspaceConfig& c, const std::string& location) {
  fs::path p(location);
  return p.is_absolute() ? p : (c.root / p).lexically_normal();
}

struct FileStamp {
  int64_t size;
  int64_t mtime;
};

struct Document {
  std::string name;
  std::string content;
  // Folder sources: the file is stat'ed and, when changed, read while parsing.
  std::filesystem::path path;
  std::string rel;
  FileStamp stamp{-1, -1};
  bool unchanged = false;
};

bool looks_like_archive(const std::string& body) {
  if (body.size() >= 4 && body.compare(0, 4, "PK\x03\x04") == 0) return true;  // zip
  if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f && static_cast<unsigned char>(body[1]) == 0x8b)
    return true;                                                             // gzip
  if (body.size() > 262 && body.compare(257, 5, "ustar") == 0) return true;  // tar
  if (body.size() >= 3 && body.compare(0, 3, "BZh") == 0) return true;
  if (body.size() >= 6 && body.compare(0, 6,
                                       "\xfd"
                                       "7zXZ\0",
                                       6) == 0)
    return true;
  return false;
}

// The *.json members of an archive (zip, tar, compressed tar), read one at a
// time: a feed of hundreds of megabytes costs one member of memory, not the
// whole expansion. The archive is the HTTP body (owned here) or a file.
class ArchiveReader {
 public:
  static Result<std::unique_ptr<ArchiveReader>> open_memory(std::string body, const std::string& name,
                                                            size_t max_size) {
    std::unique_ptr<ArchiveReader> r(new ArchiveReader(name, max_size));
    r->body_ = std::move(body);
    if (archive_read_open_memory(r->a_, r->body_.data(), r->body_.size()) != ARCHIVE_OK)
      return invalid(name + ": not a readable archive (" + r->error_text() + ")");
    return r;
  }
  static Result<std::unique_ptr<ArchiveReader>> open_file(const fs::path& path, size_t max_size) {
    std::unique_ptr<ArchiveReader> r(new ArchiveReader(path.string(), max_size));
    if (archive_read_open_filename(r->a_, path.c_str(), 1 << 16) != ARCHIVE_OK)
      return invalid(path.string() + ": not a readable archive (" + r->error_text() + ")");
    return r;
  }
  ~ArchiveReader() { archive_read_free(a_); }
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // The next *.json member, or nullopt at the end. The members together
  // may expand to at most `max_size` bytes.
  // After the end (or an error) it keeps saying so: several readers may ask.
  Result<std::optional<Document>> next() {
    if (ended_) return std::optional<Document>();
    struct archive_entry* entry;
    while (true) {
      int rc = archive_read_next_header(a_, &entry);
      if (rc == ARCHIVE_EOF) {
        ended_ = true;
        return std::optional<Document>();
      }
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
        ended_ = true;
        return invalid(name_ + ": corrupt archive (" + error_text() + ")");
      }
      if (archive_entry_filetype(entry) != AE_IFREG) continue;
      std::string member = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
      if (!member.ends_with(".json")) continue;
      std::string content;
      char buf[65536];
      la_ssize_t n;
      while ((n = archive_read_data(a_, buf, sizeof buf)) > 0) {
        content.append(buf, static_cast<size_t>(n));
        total_ += static_cast<size_t>(n);
        if (total_ > max_size_) {
          ended_ = true;
          return io_error(name_ + ": archive expands beyond the limit of " + std::to_string(max_size_) + " bytes");
        }
      }
      if (n < 0) {
        ended_ = true;
        return invalid(name_ + ": corrupt archive member '" + member + "' (" + error_text() + ")");
      }
      Document d;
      d.name = name_ + "!" + member;
      d.content = std::move(content);
      return std::optional<Document>(std::move(d));
    }
  }

 private:
  ArchiveReader(std::string name, size_t max_size) : name_(std::move(name)), max_size_(max_size) {
    a_ = archive_read_new();
    archive_read_support_filter_all(a_);
    archive_read_support_format_zip(a_);
    archive_read_support_format_tar(a_);
    archive_read_support_format_gnutar(a_);
  }
  std::string error_text() const { return archive_error_string(a_) ? archive_error_string(a_) : "unknown"; }

  struct archive* a_;
  std::string name_;
  size_t max_size_;
  size_t total_ = 0;
  bool ended_ = false;
  std::string body_;
};

struct Collected {
  std::vector<Document> documents;
  std::unique_ptr<ArchiveReader> archive;  // set: documents come from it, one at a time
  bool folder = false;
  std::map<std::string, FileStamp> known;  // folder sources: stamps of the last sync
  bool not_modified = false;
  std::optional<std::string> etag, last_modified;
};

Result<std::map<std::string, FileStamp>> load_file_stamps(Database& db, const std::string& source) {
  std::map<std::string, FileStamp> out;
  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT path, size, mtime FROM source_files WHERE source = ?"));
  q.bind(1, source);
  LTS_RETURN_IF_ERROR(q.each_row([&] { out[q.text(0)] = {q.integer(1), q.integer(2)}; }));
  return out;
}

Result<Collected> collect(Workspace& ws, const AdvisorySourceConfig& src, const SyncOptions& o, Progress& progress) {
  Collected c;
  if (is_http_url(src.location)) {
    FetchOptions fo;
    LTS_ASSIGN_OR_RETURN(Statement q, ws.db().prepare("SELECT etag, last_modified FROM source_state WHERE source = ?"));
    q.bind(1, src.name);
    LTS_ASSIGN_OR_RETURN(bool row, q.step());
    if (row) {
      fo.etag = q.opt_text(0);
      fo.last_modified = q.opt_text(1);
    }
    fo.attempts = o.http_attempts;
    fo.timeout = std::chrono::milliseconds(o.http_timeout_ms);
    fo.backoff = std::chrono::milliseconds(o.http_backoff_ms);
    fo.max_size = o.max_size;
    fo.on_retry = [&](int attempt, const std::string& why) {
      progress.warn("source '" + src.name + "': attempt " + std::to_string(attempt) + " failed (" + why +
                    "), retrying");
    };
    LTS_ASSIGN_OR_RETURN(FetchResult r, fetch(src.location, fo));
    c.etag = r.etag;
    c.last_modified = r.last_modified;
    if (r.not_modified()) {
      c.not_modified = true;
      return c;
    }
    if (looks_like_archive(r.body)) {
      LTS_ASSIGN_OR_RETURN(c.archive, ArchiveReader::open_memory(std::move(r.body), src.location, o.max_size));
    } else {
      c.documents.push_back({src.location, std::move(r.body)});
    }
    return c;
  }
  fs::path path = resolve_path(ws.config(), src.location);
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return not_found("'" + path.string() + "' does not exist");
  if (fs::is_regular_file(st)) {
    std::string head(512, '\0');
    {
      std::ifstream in(path, std::ios::binary);
      in.read(head.data(), static_cast<std::streamsize>(head.size()));
      head.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
    }
    if (looks_like_archive(head)) {
      LTS_ASSIGN_OR_RETURN(c.archive, ArchiveReader::open_file(path, o.max_size));
    } else {
      LTS_ASSIGN_OR_RETURN(std::string content, read_file(path));
      c.documents.push_back({path.string(), std::move(content)});
    }
    return c;
  }
  if (!fs::is_directory(st)) return invalid("'" + path.string() + "' is neither a file nor a folder");
  LTS_ASSIGN_OR_RETURN(c.known, load_file_stamps(ws.db(), src.name));
  c.folder = true;
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".json") files.push_back(it->path());
  }
  if (ec) return io_error("cannot list '" + path.string() + "': " + ec.message());
  std::sort(files.begin(), files.end());
  size_t prefix = path.string().size() + (path.string().ends_with("/") ? 0 : 1);
  c.documents.reserve(files.size());
  for (auto& f : files) {
    Document d;
    d.name = f.string();
    d.rel = d.name.substr(prefix);
    d.path = std::move(f);
    c.documents.push_back(std::move(d));
  }
  return c;
}

struct UnchangedCtx {
  const std::map<std::string, std::string>* modified;
};

bool is_unchanged(void* ctx, const std::string& id, const std::string& modified) {
  auto* c = static_cast<UnchangedCtx*>(ctx);
  auto it = c->modified->find(id);
  return it != c->modified->end() && it->second == modified;
}

Result<SourceReport> sync_one(Workspace& ws, const AdvisorySourceConfig& src, const SyncOptions& o,
                              Progress& progress) {
  SourceReport rep;
  rep.name = src.name;
  Format format = src.format;
  auto collected = collect(ws, src, o, progress);
  if (!collected.ok())
    return std::move(collected).error().add_context("while reading advisory source '" + src.name + "' (" +
                                                    src.location + ")");
  Collected& c = *collected;
  rep.not_modified = c.not_modified;

  LTS_ASSIGN_OR_RETURN(auto modified, stored_modified(ws.db(), src.name));
  const std::map<std::string, std::string> stored = modified;  // read by the parser threads
  UnchangedCtx ctx{&stored};
  struct Parsed {
    Advisory advisory;
    std::string raw;                    // compressed
    std::vector<std::string> affected;  // compressed, one per affected entry
  };
  // Worker threads read and parse documents (each with its own parser) while
  // this thread stores finished ones in document order, so that warnings and
  // "the last record with an id wins" do not depend on scheduling.
  struct DocResult {
    std::vector<Parsed> changed;
    std::vector<std::string> malformed;
    size_t records = 0, unchanged = 0;
    bool unchanged_file = false;  // a folder file skipped by size and mtime
    std::string name;
  };
  // Documents are handed out in order, from c.documents or streamed from the
  // archive; workers run at most kWindow documents ahead of the store, so a
  // slow store never holds a whole feed in memory.
  constexpr size_t kWindow = 64;
  std::map<size_t, DocResult> results;  // finished, not yet stored
  std::atomic<size_t> handed{0};        // documents handed out (advanced under feed_mu)
  bool feed_done = false;               // under mu: no document after `feed_total`
  size_t feed_total = 0;
  std::optional<Error> feed_error;  // under mu
  size_t consumed = 0;              // documents stored, under mu
  std::atomic<bool> abort{false};
  std::mutex mu, feed_mu;
  std::condition_variable cv;
  auto worker = [&]() {
    Parser parser;
    Document owned;
    while (!abort) {
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return abort || feed_done || feed_error || handed < consumed + kWindow; });
        if (abort || feed_done || feed_error) return;
      }
      size_t i;
      Document* doc = nullptr;
      {
        std::lock_guard<std::mutex> feed_lock(feed_mu);
        if (c.archive) {
          auto r = c.archive->next();
          if (r.ok() && *r) {
            owned = std::move(**r);
            doc = &owned;
          } else {
            std::lock_guard<std::mutex> lock(mu);
            if (!r.ok()) feed_error = std::move(r).error();
            feed_done = true;
            feed_total = handed;
            cv.notify_all();
            return;
          }
        } else if (handed < c.documents.size()) {
          doc = &c.documents[handed];
        } else {
          std::lock_guard<std::mutex> lock(mu);
          feed_done = true;
          feed_total = handed;
          cv.notify_all();
          return;
        }
        i = handed++;
      }
      DocResult out;
      out.name = doc->name;
      std::string content;
      bool readable = true;
      if (!doc->path.empty()) {
        struct stat sb {};
        if (::stat(doc->path.c_str(), &sb) == 0) {
          doc->stamp = {static_cast<int64_t>(sb.st_size),
                        static_cast<int64_t>(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec};
          auto k = c.known.find(doc->rel);
          doc->unchanged =
              k != c.known.end() && k->second.size == doc->stamp.size && k->second.mtime == doc->stamp.mtime;
        }
      }
      if (doc->unchanged) {
        readable = false;
        out.unchanged_file = true;
      } else if (!doc->path.empty()) {
        auto r = read_file(doc->path);
        if (r.ok()) content = std::move(*r);
        else {
          out.malformed.push_back(r.error().message());
          readable = false;
        }
      } else {
        content = std::move(doc->content);
        doc->content = std::string();  // release it now
      }
      if (readable) {
        auto records = parser.parse_changed(content, format, doc->name, &is_unchanged, &ctx);
        content = std::string();
        for (auto& rec : records) {
          ++out.records;
          if (!rec.advisory.ok()) {
            out.malformed.push_back(rec.advisory.error().message());
          } else if (!rec.advisory->has_value()) {
            ++out.unchanged;
          } else {
            Parsed p{std::move(**rec.advisory), compress_record(rec.raw), {}};
            for (const auto& e : p.advisory.affected) p.affected.push_back(compress_record(affected_to_json(e)));
            out.changed.push_back(std::move(p));
          }
        }
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        results.emplace(i, std::move(out));
      }
      cv.notify_all();
    }
  };
  size_t expected = c.archive ? size_t{1} << 20 : c.documents.size();  // archives: unknown, assume many
  size_t nthreads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 8);
  nthreads = std::max<size_t>(1, std::min(nthreads, expected / 16));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < nthreads; ++t) threads.emplace_back(worker);

  progress.begin("ingesting " + src.name, c.archive ? 0 : c.documents.size());
  size_t documents = 0, files_unchanged = 0;
  Status s = ws.db().transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(AdvisoryWriter writer, AdvisoryWriter::create(ws.db()));
    for (size_t i = 0;; ++i) {
      DocResult doc;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return results.count(i) || feed_error || (feed_done && i >= feed_total); });
        if (feed_error) return *feed_error;
        if (!results.count(i)) break;  // every document is stored
        auto node = results.extract(i);
        doc = std::move(node.mapped());
        consumed = i + 1;
      }
      cv.notify_all();
      if (doc.unchanged_file) ++files_unchanged;
      else ++documents;
      rep.records += doc.records;
      rep.unchanged += doc.unchanged;
      for (auto& m : doc.malformed) {
        ++rep.malformed;
        progress.warn("skipped malformed record: " + m);
      }
      for (const auto& p : doc.changed) {
        auto known = modified.find(p.advisory.id);
        bool exists = known != modified.end();
        // Within a source the newest `modified` wins, whatever the order
        // records come in: an id listed twice in one feed no longer flips
        // between its records on every sync. (RFC 3339 UTC stamps compare
        // as text.) Other sources keep their own record of the id.
        if (exists && !(p.advisory.modified > known->second)) {
          ++rep.superseded;
          continue;
        }
        for (const auto& affected : p.advisory.affected)
          for (const auto& why : affected.skipped) {
            ++rep.skipped_ranges;
            progress.warn("advisory source '" + src.name + "': record " + p.advisory.id + ": " + why);
          }
        if (!exists) ++rep.added;
        else ++rep.updated;
        if (p.advisory.withdrawn) ++rep.withdrawn;
        LTS_RETURN_IF_ERROR(writer.put(src.name, p.advisory, p.raw, exists, p.affected));
        modified[p.advisory.id] = p.advisory.modified;
      }
      if (i % 1024 == 0) progress.update(i, doc.name);
      crash_point("sync.storing");  // inside the open transaction
    }
    LTS_RETURN_IF_ERROR(writer.finish());
    if (c.folder) {
      // Only what changed: files gone, files new or modified.
      LTS_ASSIGN_OR_RETURN(Statement del, ws.db().prepare("DELETE FROM source_files WHERE source = ? AND path = ?"));
      LTS_ASSIGN_OR_RETURN(
          Statement ins,
          ws.db().prepare("INSERT OR REPLACE INTO source_files(source, path, size, mtime) VALUES (?, ?, ?, ?)"));
      std::set<std::string> present;
      for (const auto& d : c.documents) {
        present.insert(d.rel);
        if (d.unchanged || d.stamp.size < 0) continue;
        ins.bind(1, src.name).bind(2, d.rel).bind(3, d.stamp.size).bind(4, d.stamp.mtime);
        LTS_RETURN_IF_ERROR(ins.run());
      }
      for (const auto& [rel, stamp] : c.known) {
        if (present.count(rel)) continue;
        del.bind(1, src.name).bind(2, rel);
        LTS_RETURN_IF_ERROR(del.run());
      }
    }
    LTS_ASSIGN_OR_RETURN(
        Statement up,
        ws.db().prepare("INSERT INTO source_state(source, etag, last_modified, synced_at, records) VALUES (?, ?, ?, ?, "
                        "(SELECT COUNT(*) FROM advisory_records WHERE source = ?1)) ON CONFLICT(source) DO UPDATE SET "
                        "etag = excluded.etag, last_modified = excluded.last_modified, synced_at = excluded.synced_at, "
                        "records = excluded.records"));
    up.bind(1, src.name).bind(2, c.etag).bind(3, c.last_modified).bind(4, now_utc());
    LTS_RETURN_IF_ERROR(up.run());
    if (rep.added + rep.updated > 0)
      LTS_RETURN_IF_ERROR(mark_triage_pending(ws.db(), "source " + src.name + " changed"));
    if (rep.added + rep.updated > 0)
      LTS_RETURN_IF_ERROR(record_event(ws.db(), ws.command(), "advisories.sync", src.name,
                                       std::to_string(rep.added) + " added, " + std::to_string(rep.updated) +
                                           " updated, " + std::to_string(rep.withdrawn) + " withdrawn"));
    return ok_status();
  });
  {
    std::lock_guard<std::mutex> lock(mu);
    abort = true;
  }
  cv.notify_all();
  for (auto& th : threads) th.join();
  progress.end();
  rep.files_unchanged = files_unchanged;
  rep.documents = documents;
  if (!s.ok()) return std::move(s).error().add_context("while storing advisory source '" + src.name + "'");
  return rep;
}

}  // namespace

std::string describe_location(const WorkspaceConfig& config, const AdvisorySourceConfig& source) {
  if (is_http_url(source.location)) return source.location;
  return resolve_path(config, source.location).string();
}

Status add_source(Workspace& ws, AdvisorySourceConfig source) {
  LTS_RETURN_IF_ERROR(validate_name("source", source.name));
  for (const auto& s : ws.config().advisory_sources)
    if (s.name == source.name) return conflict("advisory source '" + source.name + "' already exists");
  LTS_RETURN_IF_ERROR(validate_source_location(source.location));
  if (!is_http_url(source.location)) {
    std::error_code ec;
    // A relative path is taken from where the user stands, and stored absolute.
    source.location = fs::absolute(source.location, ec).lexically_normal().string();
    fs::path p = resolve_path(ws.config(), source.location);
    if (!fs::exists(p, ec)) return not_found("'" + p.string() + "' does not exist");
  }
  ws.mutable_config().advisory_sources.push_back(source);
  Status s = ws.save_config();
  if (!s.ok()) {
    ws.mutable_config().advisory_sources.pop_back();
    return s;
  }
  return record_event(ws.db(), ws.command(), "advisories.source.add", source.name, source.location);
}

Result<SyncReport> sync_sources(Workspace& ws, const SyncOptions& options, Progress& progress) {
  SyncReport out;
  bool found = !options.source;
  for (const auto& src : ws.config().advisory_sources) {
    if (options.source && src.name != *options.source) continue;
    found = true;
    auto r = sync_one(ws, src, options, progress);
    crash_point("sync.source");  // a source committed, the next one and triage not yet
    if (!r.ok()) {
      if (options.source) return std::move(r).error();
      SourceReport failed;
      failed.name = src.name;
      failed.failure = r.error().describe();
      out.outcome.fail("source " + src.name, *failed.failure, "ltskit advisories sync --source " + src.name);
      out.sources.push_back(std::move(failed));
      continue;
    }
    if (r->malformed)
      out.outcome.warn("source " + src.name, std::to_string(r->malformed) + " malformed record(s) skipped");
    if (r->skipped_ranges)
      out.outcome.warn(
          "source " + src.name,
          std::to_string(r->skipped_ranges) + " malformed range(s) skipped; their packages stay under investigation");
    if (r->superseded)
      out.outcome.warn(
          "source " + src.name,
          std::to_string(r->superseded) + " record(s) skipped: the source holds their id with a newer 'modified'");
    out.sources.push_back(std::move(*r));
  }
  if (!found) return not_found("no advisory source '" + *options.source + "' in " + ws.config().file.string());
  return out;
}

}  // namespace ltskit::advisories
