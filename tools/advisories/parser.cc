#include "tools/advisories/parser.h"

#include <simdjson.h>

#include <algorithm>

namespace ltskit::advisories {

namespace dom = simdjson::dom;

namespace {

// A JSON value with the path that leads to it, for error messages.
struct Node {
  dom::element el;
  std::string path;

  bool is_object() const { return el.is_object(); }
  bool is_array() const { return el.is_array(); }
  bool is_string() const { return el.is_string(); }
};

class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  Error err(const std::string& path, const std::string& what) const {
    return invalid(name_ + ": field '" + path + "': " + what);
  }

  std::optional<Node> get(const Node& obj, const char* key) const {
    dom::element v;
    if (obj.el.get_object().at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
    if (v.is_null()) return std::nullopt;
    return Node{v, obj.path.empty() ? std::string(key) : obj.path + "." + key};
  }

  Result<std::optional<std::string>> opt_string(const Node& obj, const char* key) const {
    auto n = get(obj, key);
    if (!n) return std::optional<std::string>();
    std::string_view s;
    if (n->el.get_string().get(s) != simdjson::SUCCESS) return err(n->path, "expected a string");
    return std::optional<std::string>(std::string(s));
  }

  Result<std::string> string(const Node& obj, const char* key) const {
    LTS_ASSIGN_OR_RETURN(auto v, opt_string(obj, key));
    if (!v) return err(obj.path.empty() ? key : obj.path + "." + key, "missing");
    return *v;
  }

  Result<std::vector<Node>> array(const Node& obj, const char* key) const {
    std::vector<Node> out;
    auto n = get(obj, key);
    if (!n) return out;
    dom::array arr;
    if (n->el.get_array().get(arr) != simdjson::SUCCESS) return err(n->path, "expected an array");
    size_t i = 0;
    for (dom::element e : arr) out.push_back(Node{e, n->path + "[" + std::to_string(i++) + "]"});
    return out;
  }

  Result<std::vector<std::string>> string_array(const Node& obj, const char* key) const {
    LTS_ASSIGN_OR_RETURN(auto items, array(obj, key));
    std::vector<std::string> out;
    for (const auto& it : items) {
      std::string_view s;
      if (it.el.get_string().get(s) != simdjson::SUCCESS) return err(it.path, "expected a string");
      out.emplace_back(s);
    }
    return out;
  }

  Status require_object(const Node& n) const {
    if (!n.is_object()) return err(n.path.empty() ? "(record)" : n.path, "expected an object");
    return ok_status();
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

void add_unique(std::vector<std::string>& v, std::string s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

bool looks_like_commit(const std::string& s) {
  if (s.size() < 7 || s.size() > 40) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Severity from an OSV `severity[]` array and database_specific.severity.
Status read_osv_severity(const Reader& r, const Node& rec, Advisory& a) {
  LTS_ASSIGN_OR_RETURN(auto sev, r.array(rec, "severity"));
  for (const auto& s : sev) {
    LTS_RETURN_IF_ERROR(r.require_object(s));
    LTS_ASSIGN_OR_RETURN(std::string type, r.string(s, "type"));
    LTS_ASSIGN_OR_RETURN(std::string score, r.string(s, "score"));
    if (type == "CVSS_V3") {
      auto base = cvss3_base_score(score);
      if (!base) return r.err(s.path + ".score", "malformed CVSS v3 vector '" + score + "'");
      if (*base > a.score) {
        a.score = *base;
        a.severity = severity_from_score(*base);
        a.severity_vector = score;
      }
    } else if (a.severity_vector.empty()) {
      a.severity_vector = score;
    }
  }
  if (a.score < 0) {
    if (auto ds = r.get(rec, "database_specific"); ds && ds->is_object()) {
      auto s = r.opt_string(*ds, "severity");
      if (s.ok() && *s) {
        std::string v = **s;
        std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
        if (v == "moderate") v = "medium";
        if (severity_rank(v) > 0) a.severity = v;
      }
    }
  }
  return ok_status();
}

// Advisory ids and aliases reach terminals, file names and VEX documents:
// 1 to 256 printable ASCII characters, no spaces (a hostile id such as
// "X\n\x1b[31m" could otherwise forge rows in a maintainer's table).
// Why a version taken from a range or version entry is unusable, or "": an
// empty string or one with control characters (NUL included) would compare
// as lowest and make anything "fixed". `introduced` may be "0".
std::string malformed_version(const std::string& v, bool introduced) {
  if (v.empty()) return introduced ? "empty version (use \"0\" for all versions)" : "empty version";
  for (unsigned char c : v)
    if (c < 0x20 || c == 0x7f) return "control character in version";
  return "";
}

Status check_identifier(const Reader& r, const std::string& field, const std::string& id) {
  if (id.empty() || id.size() > 256) return r.err(field, "must have 1 to 256 characters");
  for (unsigned char c : id)
    if (c <= ' ' || c >= 0x7f)
      return r.err(field, "may only hold printable ASCII characters without spaces (found byte " +
                              std::to_string(static_cast<int>(c)) + ")");
  return ok_status();
}

Result<Advisory> parse_osv_record(const Reader& r, const Node& rec) {
  LTS_RETURN_IF_ERROR(r.require_object(rec));
  Advisory a;
  a.format = Format::kOsv;
  LTS_ASSIGN_OR_RETURN(a.id, r.string(rec, "id"));
  LTS_RETURN_IF_ERROR(check_identifier(r, "id", a.id));
  LTS_ASSIGN_OR_RETURN(a.modified, r.string(rec, "modified"));
  LTS_ASSIGN_OR_RETURN(auto published, r.opt_string(rec, "published"));
  a.published = published.value_or("");
  LTS_ASSIGN_OR_RETURN(a.withdrawn, r.opt_string(rec, "withdrawn"));
  LTS_ASSIGN_OR_RETURN(a.aliases, r.string_array(rec, "aliases"));
  for (size_t i = 0; i < a.aliases.size(); ++i)
    LTS_RETURN_IF_ERROR(check_identifier(r, "aliases[" + std::to_string(i) + "]", a.aliases[i]));
  LTS_ASSIGN_OR_RETURN(a.upstream, r.string_array(rec, "upstream"));
  LTS_ASSIGN_OR_RETURN(auto summary, r.opt_string(rec, "summary"));
  a.summary = summary.value_or("");
  LTS_ASSIGN_OR_RETURN(auto details, r.opt_string(rec, "details"));
  a.details = details.value_or("");
  LTS_RETURN_IF_ERROR(read_osv_severity(r, rec, a));

  LTS_ASSIGN_OR_RETURN(auto affected, r.array(rec, "affected"));
  for (const auto& af : affected) {
    LTS_RETURN_IF_ERROR(r.require_object(af));
    AffectedPackage p;
    if (auto pkg = r.get(af, "package")) {
      LTS_RETURN_IF_ERROR(r.require_object(*pkg));
      LTS_ASSIGN_OR_RETURN(auto eco, r.opt_string(*pkg, "ecosystem"));
      LTS_ASSIGN_OR_RETURN(auto name, r.opt_string(*pkg, "name"));
      p.ecosystem = eco.value_or("");
      p.name = name.value_or("");
    }
    LTS_ASSIGN_OR_RETURN(p.versions, r.string_array(af, "versions"));
    for (auto& v : p.versions) v = normalize_advisory_version(v);
    LTS_ASSIGN_OR_RETURN(auto ranges, r.array(af, "ranges"));
    for (const auto& rg : ranges) {
      LTS_RETURN_IF_ERROR(r.require_object(rg));
      OsvRange range;
      LTS_ASSIGN_OR_RETURN(range.type, r.string(rg, "type"));
      if (range.type != "SEMVER" && range.type != "ECOSYSTEM" && range.type != "GIT")
        return r.err(rg.path + ".type", "expected SEMVER, ECOSYSTEM or GIT, found '" + range.type + "'");
      LTS_ASSIGN_OR_RETURN(auto repo, r.opt_string(rg, "repo"));
      range.repo = repo.value_or("");
      if (range.type == "GIT" && range.repo.empty())
        return r.err(rg.path + ".repo", "missing (required for GIT ranges)");
      LTS_ASSIGN_OR_RETURN(auto events, r.array(rg, "events"));
      if (events.empty()) return r.err(rg.path + ".events", "must not be empty");
      std::string skip;  // why this range is left out
      for (const auto& ev : events) {
        LTS_RETURN_IF_ERROR(r.require_object(ev));
        dom::object obj = ev.el.get_object();
        if (obj.size() != 1)
          return r.err(ev.path, "an event has exactly one of introduced, fixed, last_affected, limit");
        RangeEvent e;
        auto field = *obj.begin();
        std::string_view key = field.key;
        if (key == "introduced") e.kind = RangeEvent::Kind::kIntroduced;
        else if (key == "fixed") e.kind = RangeEvent::Kind::kFixed;
        else if (key == "last_affected") e.kind = RangeEvent::Kind::kLastAffected;
        else if (key == "limit") e.kind = RangeEvent::Kind::kLimit;
        else return r.err(ev.path + "." + std::string(key), "unknown event kind");
        std::string_view v;
        if (field.value.get_string().get(v) != simdjson::SUCCESS)
          return r.err(ev.path + "." + std::string(key), "expected a string");
        e.value = range.type == "GIT" ? std::string(v) : normalize_advisory_version(v);
        if (range.type != "GIT" && skip.empty())
          if (auto why = malformed_version(e.value, e.kind == RangeEvent::Kind::kIntroduced); !why.empty())
            skip = "field '" + ev.path + "." + std::string(key) + "': " + why;
        if (range.type == "GIT" && e.kind == RangeEvent::Kind::kFixed) add_unique(a.fix_commits, e.value);
        range.events.push_back(std::move(e));
      }
      if (!skip.empty()) {
        p.skipped.push_back(skip + "; range skipped");
        continue;
      }
      p.ranges.push_back(std::move(range));
    }
    a.affected.push_back(std::move(p));
  }
  LTS_ASSIGN_OR_RETURN(auto refs, r.array(rec, "references"));
  for (const auto& ref : refs) {
    LTS_RETURN_IF_ERROR(r.require_object(ref));
    LTS_ASSIGN_OR_RETURN(auto url, r.opt_string(ref, "url"));
    LTS_ASSIGN_OR_RETURN(auto type, r.opt_string(ref, "type"));
    if (!url) continue;
    a.references.push_back(*url);
    // ".../commit/<sha>" references of type FIX name fix commits too.
    if (type && *type == "FIX") {
      size_t pos = url->rfind("/commit/");
      if (pos != std::string::npos) {
        std::string sha = url->substr(pos + 8);
        if (looks_like_commit(sha)) add_unique(a.fix_commits, sha);
      }
    }
  }
  return a;
}

Result<Advisory> parse_cve5_record(const Reader& r, const Node& rec) {
  LTS_RETURN_IF_ERROR(r.require_object(rec));
  Advisory a;
  a.format = Format::kCve5;
  LTS_ASSIGN_OR_RETURN(auto dtype, r.opt_string(rec, "dataType"));
  if (dtype && *dtype != "CVE_RECORD") return r.err("dataType", "expected 'CVE_RECORD', found '" + *dtype + "'");
  auto meta = r.get(rec, "cveMetadata");
  if (!meta) return r.err("cveMetadata", "missing");
  LTS_RETURN_IF_ERROR(r.require_object(*meta));
  LTS_ASSIGN_OR_RETURN(a.id, r.string(*meta, "cveId"));
  LTS_RETURN_IF_ERROR(check_identifier(r, "cveMetadata.cveId", a.id));
  if (!a.id.starts_with("CVE-"))
    return r.err("cveMetadata.cveId", "expected an id CVE-YYYY-NNNN, found '" + a.id + "'");
  LTS_ASSIGN_OR_RETURN(auto state, r.opt_string(*meta, "state"));
  LTS_ASSIGN_OR_RETURN(auto updated, r.opt_string(*meta, "dateUpdated"));
  LTS_ASSIGN_OR_RETURN(auto published, r.opt_string(*meta, "datePublished"));
  a.published = published.value_or("");
  a.modified = updated.value_or(a.published);
  if (a.modified.empty()) return r.err("cveMetadata.dateUpdated", "missing (and no datePublished)");
  auto containers = r.get(rec, "containers");
  if (!containers) return r.err("containers", "missing");
  LTS_RETURN_IF_ERROR(r.require_object(*containers));
  auto cna = r.get(*containers, "cna");
  if (!cna) return r.err("containers.cna", "missing");
  LTS_RETURN_IF_ERROR(r.require_object(*cna));
  if (state && *state == "REJECTED") {
    a.withdrawn = a.modified;
    LTS_ASSIGN_OR_RETURN(auto reasons, r.array(*cna, "rejectedReasons"));
    for (const auto& rr : reasons) {
      auto v = r.opt_string(rr, "value");
      if (v.ok() && *v) a.summary = **v;
    }
    return a;
  }
  LTS_ASSIGN_OR_RETURN(auto title, r.opt_string(*cna, "title"));
  LTS_ASSIGN_OR_RETURN(auto descs, r.array(*cna, "descriptions"));
  for (const auto& d : descs) {
    LTS_RETURN_IF_ERROR(r.require_object(d));
    LTS_ASSIGN_OR_RETURN(auto lang, r.opt_string(d, "lang"));
    LTS_ASSIGN_OR_RETURN(auto value, r.opt_string(d, "value"));
    if (value && (a.details.empty() || (lang && lang->starts_with("en")))) a.details = *value;
  }
  a.summary = title.value_or(a.details.substr(0, std::min<size_t>(a.details.size(), 120)));

  LTS_ASSIGN_OR_RETURN(auto affected, r.array(*cna, "affected"));
  for (const auto& af : affected) {
    LTS_RETURN_IF_ERROR(r.require_object(af));
    AffectedPackage p;
    p.cve5 = true;
    LTS_ASSIGN_OR_RETURN(auto vendor, r.opt_string(af, "vendor"));
    LTS_ASSIGN_OR_RETURN(auto product, r.opt_string(af, "product"));
    LTS_ASSIGN_OR_RETURN(auto collection, r.opt_string(af, "collectionURL"));
    LTS_ASSIGN_OR_RETURN(auto package_name, r.opt_string(af, "packageName"));
    p.vendor = vendor.value_or("");
    p.product = product.value_or("");
    p.ecosystem = collection.value_or("");
    p.name = package_name.value_or("");
    if (p.product.empty() && p.name.empty()) return r.err(af.path, "needs product or packageName");
    LTS_ASSIGN_OR_RETURN(auto ds, r.opt_string(af, "defaultStatus"));
    p.default_status = ds.value_or("unknown");
    if (p.default_status != "affected" && p.default_status != "unaffected" && p.default_status != "unknown")
      return r.err(af.path + ".defaultStatus", "expected affected, unaffected or unknown");
    LTS_ASSIGN_OR_RETURN(auto versions, r.array(af, "versions"));
    for (const auto& vn : versions) {
      LTS_RETURN_IF_ERROR(r.require_object(vn));
      Cve5Version v;
      LTS_ASSIGN_OR_RETURN(v.version, r.string(vn, "version"));
      v.version = normalize_advisory_version(v.version);
      LTS_ASSIGN_OR_RETURN(v.status, r.string(vn, "status"));
      if (v.status != "affected" && v.status != "unaffected" && v.status != "unknown")
        return r.err(vn.path + ".status", "expected affected, unaffected or unknown, found '" + v.status + "'");
      LTS_ASSIGN_OR_RETURN(auto vt, r.opt_string(vn, "versionType"));
      v.version_type = vt.value_or("");
      LTS_ASSIGN_OR_RETURN(v.less_than, r.opt_string(vn, "lessThan"));
      LTS_ASSIGN_OR_RETURN(v.less_than_or_equal, r.opt_string(vn, "lessThanOrEqual"));
      if (v.less_than && v.less_than_or_equal) return r.err(vn.path, "has both lessThan and lessThanOrEqual");
      if (v.less_than) v.less_than = normalize_advisory_version(*v.less_than);
      if (v.less_than_or_equal) v.less_than_or_equal = normalize_advisory_version(*v.less_than_or_equal);
      LTS_ASSIGN_OR_RETURN(auto changes, r.array(vn, "changes"));
      for (const auto& ch : changes) {
        LTS_RETURN_IF_ERROR(r.require_object(ch));
        Cve5Version::Change c;
        LTS_ASSIGN_OR_RETURN(c.at, r.string(ch, "at"));
        c.at = normalize_advisory_version(c.at);
        LTS_ASSIGN_OR_RETURN(c.status, r.string(ch, "status"));
        if (c.status != "affected" && c.status != "unaffected" && c.status != "unknown")
          return r.err(ch.path + ".status", "expected affected, unaffected or unknown");
        v.changes.push_back(std::move(c));
      }
      if (!v.changes.empty() && !v.less_than && !v.less_than_or_equal)
        return r.err(vn.path + ".changes", "needs lessThan or lessThanOrEqual");
      if (v.version_type != "git") {
        std::string why, field;
        if (why = malformed_version(v.version, true); !why.empty()) field = "version";
        else if (v.less_than && !(why = malformed_version(*v.less_than, false)).empty()) field = "lessThan";
        else if (v.less_than_or_equal && !(why = malformed_version(*v.less_than_or_equal, false)).empty())
          field = "lessThanOrEqual";
        if (!why.empty()) {
          p.skipped.push_back("field '" + vn.path + "." + field + "': " + why + "; version entry skipped");
          continue;
        }
      }
      p.cve_versions.push_back(std::move(v));
    }
    a.affected.push_back(std::move(p));
  }

  // Severity: the highest CVSS base score among the metrics.
  auto read_metrics = [&](const Node& container) -> Status {
    LTS_ASSIGN_OR_RETURN(auto metrics, r.array(container, "metrics"));
    for (const auto& m : metrics) {
      if (!m.is_object()) continue;
      for (const char* key : {"cvssV3_1", "cvssV3_0", "cvssV4_0", "cvssV2_0"}) {
        auto cv = r.get(m, key);
        if (!cv || !cv->is_object()) continue;
        double score;
        dom::element se;
        if (cv->el.get_object().at_key("baseScore").get(se) != simdjson::SUCCESS) continue;
        if (se.get_double().get(score) != simdjson::SUCCESS) {
          int64_t iscore;
          if (se.get_int64().get(iscore) != simdjson::SUCCESS)
            return r.err(cv->path + ".baseScore", "expected a number");
          score = static_cast<double>(iscore);
        }
        if (score < 0 || score > 10) return r.err(cv->path + ".baseScore", "must be between 0 and 10");
        if (score > a.score) {
          a.score = score;
          a.severity = severity_from_score(score);
          auto vs = r.opt_string(*cv, "vectorString");
          a.severity_vector = vs.ok() && *vs ? **vs : "";
        }
      }
    }
    return ok_status();
  };
  LTS_RETURN_IF_ERROR(read_metrics(*cna));
  LTS_ASSIGN_OR_RETURN(auto adps, r.array(*containers, "adp"));
  for (const auto& adp : adps)
    if (adp.is_object()) LTS_RETURN_IF_ERROR(read_metrics(adp));

  LTS_ASSIGN_OR_RETURN(auto refs, r.array(*cna, "references"));
  for (const auto& ref : refs) {
    if (!ref.is_object()) continue;
    LTS_ASSIGN_OR_RETURN(auto url, r.opt_string(ref, "url"));
    if (!url) continue;
    a.references.push_back(*url);
    size_t pos = url->rfind("/commit/");
    if (pos != std::string::npos) {
      std::string sha = url->substr(pos + 8);
      if (looks_like_commit(sha)) add_unique(a.fix_commits, sha);
    }
  }
  return a;
}

}  // namespace

std::string normalize_advisory_version(std::string_view v) {
  if (v.size() >= 2 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9') v.remove_prefix(1);
  return std::string(v);
}

struct Parser::Impl {
  dom::parser parser;
  simdjson::padded_string buffer;
};

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

std::vector<Result<Advisory>> Parser::parse(std::string_view json, Format format, const std::string& name) {
  std::vector<Result<Advisory>> out;
  for (auto& rec : parse_changed(json, format, name, nullptr, nullptr)) {
    if (!rec.advisory.ok()) out.push_back(std::move(rec.advisory).error());
    else out.push_back(std::move(**rec.advisory));
  }
  return out;
}

std::vector<Parser::Record> Parser::parse_changed(std::string_view json, Format format, const std::string& name,
                                                  UnchangedFn unchanged, void* ctx) {
  std::vector<Record> out;
  dom::element root;
  auto error = impl_->parser.parse(json.data(), json.size(), true).get(root);
  if (error) {
    Record r;
    r.advisory = invalid(name + ": not valid JSON (" + simdjson::error_message(error) + ")");
    out.push_back(std::move(r));
    return out;
  }
  bool single = !root.is_array();
  auto one = [&](dom::element el, const std::string& rec_name) {
    Record rec;
    Reader r(rec_name);
    Node n{el, ""};
    if (unchanged && n.is_object()) {
      std::string id, modified;
      if (format == Format::kOsv) {
        auto i = r.opt_string(n, "id");
        auto m = r.opt_string(n, "modified");
        if (i.ok() && *i && m.ok() && *m) id = **i, modified = **m;
      } else if (auto meta = r.get(n, "cveMetadata"); meta && meta->is_object()) {
        auto i = r.opt_string(*meta, "cveId");
        auto u = r.opt_string(*meta, "dateUpdated");
        auto p = r.opt_string(*meta, "datePublished");
        if (i.ok() && *i) id = **i;
        if (u.ok() && *u) modified = **u;
        else if (p.ok() && *p) modified = **p;
      }
      if (!id.empty() && !modified.empty() && unchanged(ctx, id, modified)) {
        out.push_back(std::move(rec));
        return;
      }
    }
    Result<Advisory> a = format == Format::kOsv ? parse_osv_record(r, n) : parse_cve5_record(r, n);
    if (a.ok()) {
      rec.raw = single ? std::string(json) : simdjson::to_string(el);
      rec.advisory = std::optional<Advisory>(std::move(*a));
    } else {
      rec.advisory = std::move(a).error();
    }
    out.push_back(std::move(rec));
  };
  if (!single) {
    size_t i = 0;
    for (dom::element el : root.get_array()) one(el, name + "[" + std::to_string(i++) + "]");
  } else {
    one(root, name);
  }
  return out;
}

}  // namespace ltskit::advisories
