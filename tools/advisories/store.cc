#include "tools/advisories/store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tools/advisories/compress.h"
#include "tools/advisories/parser.h"
#include "tools/core/fs.h"
#include "tools/core/quote.h"

namespace ltskit::advisories {

using nlohmann::json;

std::string name_key(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '_' || c == '.') c = '-';
    out += c;
  }
  return out;
}

namespace {

const char* kind_name(RangeEvent::Kind k) {
  switch (k) {
    case RangeEvent::Kind::kIntroduced: return "introduced";
    case RangeEvent::Kind::kFixed: return "fixed";
    case RangeEvent::Kind::kLastAffected: return "last_affected";
    case RangeEvent::Kind::kLimit: return "limit";
  }
  return "?";
}

std::string primary_name(const AffectedPackage& p) { return !p.name.empty() ? p.name : p.product; }

}  // namespace

namespace {

// A minimal JSON writer: affected_to_json runs once per ingested record, and
// building a DOM first costs more than the rest of the record's storage.
void put_string(std::string& out, std::string_view s) { append_quoted(out, s); }

void put_field(std::string& out, const char* key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":";
  put_string(out, value);
}

}  // namespace

std::string affected_to_json(const AffectedPackage& p) {
  std::string out;
  out.reserve(256);
  out += '{';
  put_field(out, "ecosystem", p.ecosystem);
  out += ',';
  put_field(out, "name", p.name);
  out += ',';
  put_field(out, "vendor", p.vendor);
  out += ',';
  put_field(out, "product", p.product);
  if (!p.cve5) {
    out += ",\"versions\":[";
    for (size_t i = 0; i < p.versions.size(); ++i) {
      if (i) out += ',';
      put_string(out, p.versions[i]);
    }
    out += "],\"ranges\":[";
    for (size_t i = 0; i < p.ranges.size(); ++i) {
      const OsvRange& r = p.ranges[i];
      if (i) out += ',';
      out += '{';
      put_field(out, "type", r.type);
      if (!r.repo.empty()) {
        out += ',';
        put_field(out, "repo", r.repo);
      }
      out += ",\"events\":[";
      for (size_t j = 0; j < r.events.size(); ++j) {
        if (j) out += ',';
        out += '{';
        put_field(out, kind_name(r.events[j].kind), r.events[j].value);
        out += '}';
      }
      out += "]}";
    }
    out += ']';
  } else {
    out += ",\"cve5\":true,";
    put_field(out, "defaultStatus", p.default_status);
    out += ",\"versions\":[";
    for (size_t i = 0; i < p.cve_versions.size(); ++i) {
      const Cve5Version& v = p.cve_versions[i];
      if (i) out += ',';
      out += '{';
      put_field(out, "version", v.version);
      out += ',';
      put_field(out, "status", v.status);
      if (!v.version_type.empty()) {
        out += ',';
        put_field(out, "versionType", v.version_type);
      }
      if (v.less_than) {
        out += ',';
        put_field(out, "lessThan", *v.less_than);
      }
      if (v.less_than_or_equal) {
        out += ',';
        put_field(out, "lessThanOrEqual", *v.less_than_or_equal);
      }
      if (!v.changes.empty()) {
        out += ",\"changes\":[";
        for (size_t j = 0; j < v.changes.size(); ++j) {
          if (j) out += ',';
          out += '{';
          put_field(out, "at", v.changes[j].at);
          out += ',';
          put_field(out, "status", v.changes[j].status);
          out += '}';
        }
        out += ']';
      }
      out += '}';
    }
    out += ']';
  }
  if (!p.skipped.empty()) {
    out += ",\"skipped\":[";
    for (size_t i = 0; i < p.skipped.size(); ++i) {
      if (i) out += ',';
      put_string(out, p.skipped[i]);
    }
    out += ']';
  }
  out += '}';
  return out;
}

Result<AffectedPackage> affected_from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return internal("corrupt affected_ranges row");
  AffectedPackage p;
  try {
    p.ecosystem = j.value("ecosystem", "");
    p.name = j.value("name", "");
    p.vendor = j.value("vendor", "");
    p.product = j.value("product", "");
    p.cve5 = j.value("cve5", false);
    p.skipped = j.value("skipped", std::vector<std::string>{});
    if (!p.cve5) {
      p.versions = j.value("versions", std::vector<std::string>{});
      for (const auto& jr : j.at("ranges")) {
        OsvRange r;
        r.type = jr.at("type").get<std::string>();
        r.repo = jr.value("repo", "");
        for (const auto& je : jr.at("events")) {
          for (auto& [k, v] : je.items()) {
            RangeEvent e;
            if (k == "introduced") e.kind = RangeEvent::Kind::kIntroduced;
            else if (k == "fixed") e.kind = RangeEvent::Kind::kFixed;
            else if (k == "last_affected") e.kind = RangeEvent::Kind::kLastAffected;
            else e.kind = RangeEvent::Kind::kLimit;
            e.value = v.get<std::string>();
            r.events.push_back(std::move(e));
          }
        }
        p.ranges.push_back(std::move(r));
      }
    } else {
      p.default_status = j.value("defaultStatus", "unknown");
      for (const auto& jv : j.at("versions")) {
        Cve5Version v;
        v.version = jv.at("version").get<std::string>();
        v.status = jv.at("status").get<std::string>();
        v.version_type = jv.value("versionType", "");
        if (jv.contains("lessThan")) v.less_than = jv["lessThan"].get<std::string>();
        if (jv.contains("lessThanOrEqual")) v.less_than_or_equal = jv["lessThanOrEqual"].get<std::string>();
        if (jv.contains("changes"))
          for (const auto& c : jv["changes"])
            v.changes.push_back({c.at("at").get<std::string>(), c.at("status").get<std::string>()});
        p.cve_versions.push_back(std::move(v));
      }
    }
  } catch (const json::exception& e) {
    return internal(std::string("corrupt affected_ranges row: ") + e.what());
  }
  return p;
}

Result<AdvisoryWriter> AdvisoryWriter::create(Database& db) {
  std::vector<Statement> st;
  for (const char* sql : {
           "DELETE FROM advisory_records WHERE id = ? AND source = ?",
           "INSERT INTO advisory_records(id, source, format, modified, published, withdrawn, summary, severity, score, "
           "severity_vector, fix_commits, raw, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
           "INSERT OR IGNORE INTO aliases(alias, advisory_id, source) VALUES (?, ?, ?)",
           "INSERT INTO affected_ranges(advisory_id, source, idx, ecosystem, name, vendor, product, name_key, data) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
           "SELECT source, format, modified, published, withdrawn, summary, severity, score, severity_vector, "
           "fix_commits FROM advisory_records WHERE id = ? ORDER BY source",
           "INSERT OR REPLACE INTO advisories(id, source, format, modified, published, withdrawn, summary, severity, "
           "score, severity_vector, severity_source, fix_commits, sources) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
           "DELETE FROM advisories WHERE id = ?",
       }) {
    LTS_ASSIGN_OR_RETURN(Statement q, db.prepare(sql));
    st.push_back(std::move(q));
  }
  return AdvisoryWriter(&db, std::move(st), now_utc());
}

Status AdvisoryWriter::put(const std::string& source, const Advisory& a, const std::string& raw, bool replace,
                           const std::vector<std::string>& affected_blobs) {
  Statement &del = st_[0], &ins = st_[1], &alias = st_[2], &affected = st_[3];
  if (replace) {
    del.bind(1, a.id).bind(2, source);
    LTS_RETURN_IF_ERROR(del.run());
  }
  ins.bind(1, a.id)
      .bind(2, source)
      .bind(3, advisory_format_name(a.format))
      .bind(4, a.modified)
      .bind(5, a.published)
      .bind(6, a.withdrawn)
      .bind(7, a.summary)
      .bind(8, a.severity);
  if (a.score >= 0) ins.bind(9, a.score);
  else ins.bind_null(9);
  ins.bind(10, a.severity_vector)
      .bind(11, json(a.fix_commits).dump(-1, ' ', false, json::error_handler_t::replace))
      .bind_blob(12, raw)
      .bind(13, ingested_at_);
  LTS_RETURN_IF_ERROR(ins.run());
  for (const auto& al : a.aliases) {
    alias.bind(1, al).bind(2, a.id).bind(3, source);
    LTS_RETURN_IF_ERROR(alias.run());
  }
  for (size_t i = 0; i < a.affected.size(); ++i) {
    const AffectedPackage& p = a.affected[i];
    affected.bind(1, a.id)
        .bind(2, source)
        .bind(3, static_cast<int64_t>(i))
        .bind(4, p.ecosystem)
        .bind(5, p.name)
        .bind(6, p.vendor)
        .bind(7, p.product)
        .bind(8, name_key(primary_name(p)));
    if (i < affected_blobs.size()) affected.bind_blob(9, affected_blobs[i]);
    else affected.bind_blob(9, compress_record(affected_to_json(p)));
    LTS_RETURN_IF_ERROR(affected.run());
  }
  touched_.push_back(a.id);
  return ok_status();
}

Status AdvisoryWriter::finish() {
  std::sort(touched_.begin(), touched_.end());
  touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
  for (const auto& id : touched_) LTS_RETURN_IF_ERROR(merge(id));
  touched_.clear();
  return ok_status();
}

Status AdvisoryWriter::merge(const std::string& id) {
  Statement &records = st_[4], &upsert = st_[5], &drop = st_[6];
  struct Rec {
    std::string source, format, modified;
    std::optional<std::string> published, withdrawn;
    std::string summary, severity;
    std::optional<double> score;
    std::optional<std::string> vector;
    std::vector<std::string> fixes;
  };
  std::vector<Rec> all;  // by source name
  records.bind(1, id);
  LTS_RETURN_IF_ERROR(records.each_row([&] {
    Rec r{records.text(0), records.text(1), records.text(2), records.opt_text(3), records.opt_text(4),
          records.text(5), records.text(6), std::nullopt,    records.opt_text(8), {}};
    if (!records.is_null(7)) r.score = records.real(7);
    json f = json::parse(records.text(9), nullptr, false);
    if (f.is_array())
      for (const auto& c : f)
        if (c.is_string()) r.fixes.push_back(c.get<std::string>());
    all.push_back(std::move(r));
  }));
  if (all.empty()) {
    drop.bind(1, id);
    return drop.run();
  }
  // Withdrawn records count only when every source withdrew the id.
  std::vector<const Rec*> pool;
  for (const auto& r : all)
    if (!r.withdrawn) pool.push_back(&r);
  std::optional<std::string> withdrawn;
  if (pool.empty()) {
    for (const auto& r : all) {
      pool.push_back(&r);
      if (!withdrawn || *r.withdrawn > *withdrawn) withdrawn = r.withdrawn;
    }
  }
  // First by source name wins ties: `all` is in that order and only a
  // strictly better record replaces the one chosen.
  const Rec* meta = pool[0];
  const Rec* sev = pool[0];
  for (const Rec* r : pool) {
    if (r->modified > meta->modified) meta = r;
    int rank = severity_rank(r->severity), best = severity_rank(sev->severity);
    if (rank > best || (rank == best && r->score.value_or(-1) > sev->score.value_or(-1))) sev = r;
  }
  std::vector<std::string> fixes = meta->fixes;
  for (const Rec* r : pool)
    for (const auto& c : r->fixes)
      if (std::find(fixes.begin(), fixes.end(), c) == fixes.end()) fixes.push_back(c);
  upsert.bind(1, id)
      .bind(2, meta->source)
      .bind(3, meta->format)
      .bind(4, meta->modified)
      .bind(5, meta->published)
      .bind(6, withdrawn)
      .bind(7, meta->summary)
      .bind(8, sev->severity);
  if (sev->score) upsert.bind(9, *sev->score);
  else upsert.bind_null(9);
  upsert.bind(10, sev->vector)
      .bind(11, sev->source)
      .bind(12, json(fixes).dump(-1, ' ', false, json::error_handler_t::replace))
      .bind(13, static_cast<int64_t>(all.size()));
  return upsert.run();
}

Status store_advisory(Database& db, const std::string& source, const Advisory& a, const std::string& raw) {
  LTS_ASSIGN_OR_RETURN(AdvisoryWriter w, AdvisoryWriter::create(db));
  LTS_RETURN_IF_ERROR(w.put(source, a, compress_record(raw), true));
  return w.finish();
}

Result<std::map<std::string, std::vector<std::string>>> load_aliases(Database& db) {
  std::map<std::string, std::vector<std::string>> out;
  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT DISTINCT advisory_id, alias FROM aliases ORDER BY alias"));
  LTS_RETURN_IF_ERROR(q.each_row([&] { out[q.text(0)].push_back(q.text(1)); }));
  return out;
}

Result<std::map<std::string, std::string>> stored_modified(Database& db, const std::string& source) {
  std::map<std::string, std::string> out;
  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT id, modified FROM advisory_records WHERE source = ?"));
  q.bind(1, source);
  LTS_RETURN_IF_ERROR(q.each_row([&] { out.emplace(q.text(0), q.text(1)); }));
  return out;
}

namespace {

Result<std::vector<std::string>> aliases_of(Database& db, const std::string& id) {
  std::vector<std::string> out;
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare("SELECT DISTINCT alias FROM aliases WHERE advisory_id = ? ORDER BY alias"));
  q.bind(1, id);
  LTS_RETURN_IF_ERROR(q.each_row([&] { out.push_back(q.text(0)); }));
  return out;
}

Result<std::map<std::string, std::vector<std::string>>> load_sources(Database& db, const std::string& id = "") {
  std::map<std::string, std::vector<std::string>> out;
  LTS_ASSIGN_OR_RETURN(
      Statement q, db.prepare("SELECT id, source FROM advisory_records WHERE ?1 = '' OR id = ?1 ORDER BY id, source"));
  q.bind(1, id);
  LTS_RETURN_IF_ERROR(q.each_row([&] { out[q.text(0)].push_back(q.text(1)); }));
  return out;
}

const char* kSummaryColumns =
    "a.id, a.source, a.format, a.modified, a.withdrawn, a.summary, a.severity, a.score, "
    "(SELECT COUNT(DISTINCT channel) FROM triage t WHERE t.advisory_id = a.id AND t.state = 'affected'), "
    "a.severity_source";

AdvisorySummary read_summary(const Statement& q) {
  AdvisorySummary s;
  s.id = q.text(0);
  s.source = q.text(1);
  s.format = parse_advisory_format(q.text(2)).value_or(Format::kOsv);  // the table CHECKs it
  s.modified = q.text(3);
  s.withdrawn = q.opt_text(4);
  s.summary = q.text(5);
  s.severity = q.text(6);
  s.score = q.is_null(7) ? -1 : q.real(7);
  s.affected_channels = static_cast<size_t>(q.integer(8));
  s.severity_source = q.text(9);
  return s;
}

Result<std::vector<AffectedPackage>> affected_of(Database& db, const std::string& id, const std::string& source) {
  std::vector<AffectedPackage> out;
  LTS_ASSIGN_OR_RETURN(
      Statement af, db.prepare("SELECT data FROM affected_ranges WHERE advisory_id = ? AND source = ? ORDER BY idx"));
  af.bind(1, id).bind(2, source);
  while (true) {
    LTS_ASSIGN_OR_RETURN(bool r, af.step());
    if (!r) break;
    LTS_ASSIGN_OR_RETURN(std::string data, decompress_record(af.blob(0)));
    LTS_ASSIGN_OR_RETURN(AffectedPackage p, affected_from_json(data));
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

Result<std::vector<AdvisorySummary>> list_advisories(Database& db) {
  std::vector<AdvisorySummary> out;
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare(std::string("SELECT ") + kSummaryColumns + " FROM advisories a ORDER BY a.id"));
  LTS_ASSIGN_OR_RETURN(auto aliases, load_aliases(db));
  LTS_ASSIGN_OR_RETURN(auto sources, load_sources(db));
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    AdvisorySummary s = read_summary(q);
    s.aliases = aliases[s.id];
    s.sources = sources[s.id];
    out.push_back(std::move(s));
  }));
  return out;
}

Result<AdvisoryDetail> get_advisory(Database& db, const std::string& id) {
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare(std::string("SELECT ") + kSummaryColumns +
                                  ", a.published, a.fix_commits FROM advisories a "
                                  "WHERE a.id = ?1 OR a.id IN (SELECT advisory_id FROM aliases WHERE alias = ?1) ORDER "
                                  "BY a.id = ?1 DESC, a.id LIMIT 1"));
  q.bind(1, id);
  LTS_ASSIGN_OR_RETURN(bool row, q.step());
  if (!row) return not_found("no advisory '" + id + "' (neither an id nor an alias)");
  AdvisoryDetail d;
  d.summary = read_summary(q);
  d.published = q.text(10);
  json fixes = json::parse(q.text(11), nullptr, false);
  if (fixes.is_array())
    for (const auto& c : fixes)
      if (c.is_string()) d.fix_commits.push_back(c.get<std::string>());
  LTS_ASSIGN_OR_RETURN(d.summary.aliases, aliases_of(db, d.summary.id));
  LTS_ASSIGN_OR_RETURN(
      Statement r, db.prepare("SELECT source, format, modified, withdrawn, summary, severity, score, fix_commits, raw, "
                              "severity_vector FROM advisory_records WHERE id = ? ORDER BY source"));
  r.bind(1, d.summary.id);
  while (true) {
    LTS_ASSIGN_OR_RETURN(bool more, r.step());
    if (!more) break;
    SourceRecord rec;
    rec.source = r.text(0);
    rec.format = parse_advisory_format(r.text(1)).value_or(Format::kOsv);
    rec.modified = r.text(2);
    rec.withdrawn = r.opt_text(3);
    rec.summary = r.text(4);
    rec.severity = r.text(5);
    rec.score = r.is_null(6) ? -1 : r.real(6);
    json f = json::parse(r.text(7), nullptr, false);
    if (f.is_array()) rec.fix_commits = f.get<std::vector<std::string>>();
    LTS_ASSIGN_OR_RETURN(rec.raw, decompress_record(r.blob(8)));
    LTS_ASSIGN_OR_RETURN(rec.affected, affected_of(db, d.summary.id, rec.source));
    if (rec.source == d.summary.severity_source) d.severity_vector = r.text(9);
    if (rec.source == d.summary.source) d.raw = rec.raw;
    if (!rec.withdrawn || d.summary.withdrawn)
      d.affected.insert(d.affected.end(), rec.affected.begin(), rec.affected.end());
    d.summary.sources.push_back(rec.source);
    d.records.push_back(std::move(rec));
  }
  // Details and references are not stored twice: they come from the raw record.
  Parser parser;
  auto parsed = parser.parse(d.raw, d.summary.format, d.summary.id);
  if (!parsed.empty() && parsed[0].ok()) {
    d.details = parsed[0]->details;
    d.references = parsed[0]->references;
  }
  return d;
}

Result<std::map<std::string, SourceState>> source_states(Database& db) {
  std::map<std::string, SourceState> out;
  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT source, records, synced_at FROM source_state"));
  LTS_RETURN_IF_ERROR(q.each_row([&] { out[q.text(0)] = {q.integer(1), q.opt_text(2)}; }));
  return out;
}

}  // namespace ltskit::advisories
