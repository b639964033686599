#include "tools/advisories/sync.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tools/advisories/compress.h"
#include "tools/advisories/http.h"
#include "tools/advisories/parser.h"
#include "tools/advisories/store.h"
#include "tools/advisories/triage.h"
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

// The *.json members of an archive held in memory.
Result<std::vector<Document>> unpack(const std::string& body, const std::string& name, size_t max_size) {
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_zip(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  std::vector<Document> out;
  if (archive_read_open_memory(a, body.data(), body.size()) != ARCHIVE_OK) {
    std::string err = archive_error_string(a) ? archive_error_string(a) : "unknown";
    archive_read_free(a);
    return invalid(name + ": not a readable archive (" + err + ")");
  }
  size_t total = 0;
  struct archive_entry* entry;
  while (true) {
    int rc = archive_read_next_header(a, &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      std::string err = archive_error_string(a) ? archive_error_string(a) : "unknown";
      archive_read_free(a);
      return invalid(name + ": corrupt archive (" + err + ")");
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string member = archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "";
    if (!member.ends_with(".json")) continue;
    std::string content;
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) {
      content.append(buf, static_cast<size_t>(n));
      total += static_cast<size_t>(n);
      if (total > max_size) {
        archive_read_free(a);
        return io_error(name + ": archive expands beyond the limit of " + std::to_string(max_size) + " bytes");
      }
    }
    if (n < 0) {
      std::string err = archive_error_string(a) ? archive_error_string(a) : "unknown";
      archive_read_free(a);
      return invalid(name + ": corrupt archive member '" + member + "' (" + err + ")");
    }
    out.push_back({name + "!" + member, std::move(content)});
  }
  archive_read_free(a);
  return out;
}

struct Collected {
  std::vector<Document> documents;
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
      LTS_ASSIGN_OR_RETURN(c.documents, unpack(r.body, src.location, o.max_size));
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
    LTS_ASSIGN_OR_RETURN(std::string content, read_file(path));
    if (looks_like_archive(content)) {
      LTS_ASSIGN_OR_RETURN(c.documents, unpack(content, path.string(), o.max_size));
    } else {
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
    bool ready = false;
  };
  std::vector<DocResult> results(c.documents.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> abort{false};
  std::mutex mu;
  std::condition_variable cv;
  auto worker = [&]() {
    Parser parser;
    while (!abort) {
      size_t i = next++;
      if (i >= c.documents.size()) return;
      Document& doc = c.documents[i];
      DocResult out;
      std::string content;
      bool readable = true;
      if (!doc.path.empty()) {
        struct stat sb {};
        if (::stat(doc.path.c_str(), &sb) == 0) {
          doc.stamp = {static_cast<int64_t>(sb.st_size),
                       static_cast<int64_t>(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec};
          auto k = c.known.find(doc.rel);
          doc.unchanged = k != c.known.end() && k->second.size == doc.stamp.size && k->second.mtime == doc.stamp.mtime;
        }
      }
      if (doc.unchanged) {
        readable = false;
      } else if (!doc.path.empty()) {
        auto r = read_file(doc.path);
        if (r.ok()) content = std::move(*r);
        else {
          out.malformed.push_back(r.error().message());
          readable = false;
        }
      } else {
        content = std::move(doc.content);
      }
      if (readable) {
        auto records = parser.parse_changed(content, format, doc.name, &is_unchanged, &ctx);
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
      out.ready = true;
      {
        std::lock_guard<std::mutex> lock(mu);
        results[i] = std::move(out);
      }
      cv.notify_all();
    }
  };
  size_t nthreads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 8);
  nthreads = std::max<size_t>(1, std::min(nthreads, c.documents.size() / 16));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < nthreads; ++t) threads.emplace_back(worker);

  progress.begin("ingesting " + src.name, c.documents.size());
  Status s = ws.db().transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(AdvisoryWriter writer, AdvisoryWriter::create(ws.db()));
    for (size_t i = 0; i < results.size(); ++i) {
      DocResult doc;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return results[i].ready; });
        doc = std::move(results[i]);
      }
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
      if (i % 1024 == 0) progress.update(i, c.documents[i].name);
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
  abort = true;
  for (auto& th : threads) th.join();
  progress.end();
  for (const auto& d : c.documents) {
    if (d.unchanged) ++rep.files_unchanged;
    else ++rep.documents;
  }
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
