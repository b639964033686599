#include "tools/publish/abi_gate.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "abi-check/loader.h"
#include "abi-check/model_json.h"
#include "abi-check/reader.h"
#include "abi-check/report.h"
#include "abi-check/tree_diff.h"
#include "tools/core/abi_error.h"
#include "tools/core/fs.h"
#include "tools/publish/manifest.h"

namespace ltskit::publish {
namespace fs = std::filesystem;

const Schema& publish_schema() {
  static const Schema kSchema = {"publish",
                                 {
                                     {1, R"sql(
-- Every library the ABI gate judged: one row per library per gate run.
CREATE TABLE abi_reports (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL, -- one per gate run of the channel: `ltskit abi` shows the last
  channel     TEXT NOT NULL,
  commit_id   TEXT NOT NULL,   -- the channel head the new libraries were built from
  generation  INTEGER,         -- the generation published; NULL when the gate held it back
  attr        TEXT NOT NULL,
  soname      TEXT NOT NULL,
  old_file    TEXT NOT NULL,   -- '' when the library is new
  new_file    TEXT NOT NULL,   -- '' when it is gone
  verdict     TEXT NOT NULL CHECK (verdict IN ('no-change', 'compatible', 'incompatible', 'baseline', 'unchanged')),
  blocked     INTEGER NOT NULL,
  blocking    TEXT NOT NULL,   -- JSON array: the changes the policy held back
  rule        TEXT NOT NULL,
  notes       TEXT NOT NULL,   -- JSON array
  report      TEXT NOT NULL,   -- abi-check's JSON report; '' for a baseline
  checked_at  TEXT NOT NULL
);
CREATE INDEX abi_reports_channel ON abi_reports(channel, run_id);
)sql"},
                                 },
                                 {}};
  return kSchema;
}

bool GateResult::blocked() const {
  return std::any_of(libraries.begin(), libraries.end(), [](const LibraryVerdict& l) { return l.blocked(); });
}

namespace {

constexpr const char* kIndexFormat = "ltskit-abi-index";

Result<nlohmann::json> read_json_file(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return not_found(p.string() + ": cannot be read");
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid(p.string() + ": not a JSON object");
  return j;
}

Status write_plain(const fs::path& p, const std::string& text) {
  // The publish syncs the whole filesystem before the generation becomes
  // visible; one fsync per dump would only slow it down.
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return io_error("cannot write '" + p.string() + "'");
  return ok_status();
}

// The public headers of a package: every file under OUTPUT/include of each
// of its outputs; nullopt when it installs none.
Result<std::optional<std::vector<std::string>>> package_headers(const std::map<std::string, std::string>& outputs) {
  std::vector<std::string> dirs;
  for (const auto& [name, path] : outputs) {
    std::error_code ec;
    if (fs::is_directory(fs::path(path) / "include", ec)) dirs.push_back((fs::path(path) / "include").string());
  }
  if (dirs.empty()) return std::optional<std::vector<std::string>>();
  auto listed = abi::list_public_headers(dirs);
  if (!listed.ok()) return from_abi_error(listed.error());
  return std::optional<std::vector<std::string>>(std::move(*listed));
}

// Every shared library the package's outputs publish under lib/ and
// lib64/ (where programs link and load them from; the rest of a package is
// never walked), links out of them included (a symlinkJoin publishes other
// packages' libraries as its own), read with the package's debug output
// when it has one.
Result<std::vector<abi::Model>> read_package_libraries(const std::map<std::string, std::string>& outputs) {
  abi::ReadOptions read;
  if (auto d = outputs.find("debug"); d != outputs.end()) read.debug_dir = (fs::path(d->second) / "lib/debug").string();
  std::vector<abi::Model> out;
  std::set<std::string> keys;
  for (const auto& [name, path] : outputs) {
    if (name == "debug") continue;
    for (const char* sub : {"lib", "lib64"}) {
      std::error_code ec;
      fs::path dir = fs::path(path) / sub;
      if (!fs::is_directory(dir, ec)) continue;
      auto libs = abi::find_libraries(dir.string());
      if (!libs.ok()) return from_abi_error(libs.error());
      for (const auto& l : *libs) {
        if (!keys.insert(l.key).second) continue;
        auto m = abi::read_library(l.path, read);
        if (!m.ok()) return from_abi_error(m.error());
        out.push_back(std::move(*m));
      }
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

}  // namespace

Result<AbiIndex> read_abi_index(const fs::path& abi_dir) {
  fs::path file = abi_dir / "index.json";
  LTS_ASSIGN_OR_RETURN(nlohmann::json j, read_json_file(file));
  std::string where = file.string() + ": ";
  auto fmt = j.find("format");
  if (fmt == j.end() || !fmt->is_string() || *fmt != kIndexFormat)
    return invalid(where + "'format' is not \"" + kIndexFormat + "\"");
  auto ver = j.find("format_version");
  if (ver == j.end() || !ver->is_number_integer()) return invalid(where + "'format_version' is not an integer");
  if (ver->get<int64_t>() != 1)
    return unsupported(where + "format_version " + std::to_string(ver->get<int64_t>()) + " is not 1");
  auto pkgs = j.find("packages");
  if (pkgs == j.end() || !pkgs->is_object()) return invalid(where + "'packages' is not an object");
  AbiIndex index;
  for (auto it = pkgs->begin(); it != pkgs->end(); ++it) {
    std::string at = where + "packages." + it.key();
    if (!it->is_object()) return invalid(at + " is not an object");
    AbiIndex::Package pkg;
    auto outputs = it->find("outputs");
    if (outputs == it->end() || !outputs->is_object()) return invalid(at + ".outputs is not an object");
    for (auto o = outputs->begin(); o != outputs->end(); ++o) {
      if (!o->is_string()) return invalid(at + ".outputs." + o.key() + " is not a string");
      pkg.outputs[o.key()] = o->get<std::string>();
    }
    auto headers = it->find("headers");
    if (headers != it->end() && !headers->is_null()) {
      if (!headers->is_array()) return invalid(at + ".headers is neither a list nor null");
      std::vector<std::string> hs;
      for (const auto& h : *headers) {
        if (!h.is_string()) return invalid(at + ".headers has an entry that is not a string");
        hs.push_back(h.get<std::string>());
      }
      pkg.headers = std::move(hs);
    }
    auto libs = it->find("libraries");
    if (libs == it->end() || !libs->is_array()) return invalid(at + ".libraries is not a list");
    for (size_t i = 0; i < libs->size(); ++i) {
      const auto& l = (*libs)[i];
      std::string li = at + ".libraries[" + std::to_string(i) + "]";
      if (!l.is_object()) return invalid(li + " is not an object");
      AbiIndex::Library lib;
      for (auto [key, dst] :
           {std::pair<const char*, std::string*>{"soname", &lib.key}, {"file", &lib.file}, {"dump", &lib.dump}}) {
        auto f = l.find(key);
        if (f == l.end() || !f->is_string() || f->get<std::string>().empty())
          return invalid(li + "." + key + " is not a non-empty string");
        *dst = f->get<std::string>();
      }
      if (lib.dump.find('/') != std::string::npos || lib.dump[0] == '.')
        return invalid(li + ".dump '" + lib.dump + "' is not a file name");
      pkg.libraries.push_back(std::move(lib));
    }
    index.packages[it.key()] = std::move(pkg);
  }
  return index;
}

Result<GateResult> run_abi_gate(const GateInput& in, Progress& progress) {
  GateResult result;
  result.against = in.current;
  const PolicyConfig& policy = *in.policy;
  std::set<abi::ChangeKind> allowed(policy.abi_allowed_kinds.begin(), policy.abi_allowed_kinds.end());
  std::string rule = "policy '" + policy.name + "' allows " +
                     (policy.abi_allow.empty() ? std::string("no ABI change") : join(policy.abi_allow, ", ")) +
                     " ([abi] allow in " + policy.file.string() + ")";

  // What the live generation published, and the ABI it kept.
  std::map<std::string, std::map<std::string, std::string>> current_outputs;
  AbiIndex old_index;
  std::vector<std::string> gate_notes;
  if (in.current) {
    current_outputs = manifest_packages(in.current_dir);
    std::error_code ec;
    if (fs::exists(in.current_abi_dir / "index.json", ec)) {
      auto idx = read_abi_index(in.current_abi_dir);
      if (idx.ok()) old_index = std::move(*idx);
      else
        gate_notes.push_back(idx.error().message() + "; generation " + std::to_string(*in.current) +
                             " was compared through its store paths");
    }
  }
  auto old_entry_of = [&](const std::string& attr) -> const AbiIndex::Package* {
    auto it = old_index.packages.find(attr);
    auto cur = current_outputs.find(attr);
    // An entry that does not describe what the generation published is no entry.
    if (it == old_index.packages.end() || cur == current_outputs.end() || it->second.outputs != cur->second)
      return nullptr;
    return &it->second;
  };

  // The libraries compared, channel-wide: a library may move from one
  // package to another. Packages whose out paths did not change publish the
  // same files on both sides and are left out of the comparison.
  std::vector<abi::Model> old_libs, new_libs;
  std::map<std::string, std::string> old_owner, new_owner;  // library path -> attr
  std::vector<std::string> old_headers, new_headers;
  bool old_any_headers = false, new_any_headers = false;
  auto add_headers = [](const std::optional<std::vector<std::string>>& h, std::vector<std::string>& all, bool& any) {
    if (!h) return;
    any = true;
    all.insert(all.end(), h->begin(), h->end());
  };
  std::set<std::string> unchanged_attrs;
  nlohmann::json index_packages = nlohmann::json::object();
  size_t dump_number = 0;
  // Public headers are listed only where a comparison needs them, from
  // the store paths (the live generation's are kept by its GC root): a
  // channel's first publish reads no header at all.
  auto index_entry = [](const std::map<std::string, std::string>& outputs) {
    return nlohmann::json{{"outputs", outputs}, {"libraries", nlohmann::json::array()}};
  };
  progress.begin("checking the ABI of " + std::to_string(in.published.size()) + " package(s)", in.published.size());
  size_t done = 0;
  for (const auto& p : in.published) {
    progress.update(done++, p.attr);
    auto cur = current_outputs.find(p.attr);
    bool unchanged = cur != current_outputs.end() && cur->second == p.outputs;
    const AbiIndex::Package* old_entry = old_entry_of(p.attr);
    if (unchanged) unchanged_attrs.insert(p.attr);

    if (unchanged && old_entry) {
      // The same build: its dumps carry over.
      nlohmann::json entry = index_entry(p.outputs);
      for (const auto& l : old_entry->libraries) {
        std::string name = std::to_string(++dump_number) + ".json";
        std::error_code ec;
        fs::create_hard_link(in.current_abi_dir / l.dump, in.abi_dir / name, ec);
        if (ec) fs::copy_file(in.current_abi_dir / l.dump, in.abi_dir / name, ec);
        if (ec)
          return io_error("cannot keep the ABI dump " + (in.current_abi_dir / l.dump).string() + " of " + l.key + ": " +
                          ec.message());
        entry["libraries"].push_back({{"soname", l.key}, {"file", l.file}, {"dump", name}});
        LibraryVerdict v;
        v.attr = p.attr;
        v.soname = l.key;
        v.old_file = v.new_file = l.file;
        v.checked = true;
        v.unchanged = true;
        result.libraries.push_back(std::move(v));
      }
      index_packages[p.attr] = std::move(entry);
      continue;
    }

    // The new build: read, dump.
    LTS_ASSIGN_OR_RETURN(std::vector<abi::Model> libs, read_package_libraries(p.outputs));
    std::optional<std::vector<std::string>> headers;
    if (in.current && !unchanged && !libs.empty()) {
      LTS_ASSIGN_OR_RETURN(headers, package_headers(p.outputs));
    }
    nlohmann::json entry = index_entry(p.outputs);
    for (auto& m : libs) {
      std::string name = std::to_string(++dump_number) + ".json";
      LTS_RETURN_IF_ERROR(write_plain(in.abi_dir / name, abi::model_to_json(m)));
      entry["libraries"].push_back({{"soname", abi::library_key(m)}, {"file", m.path}, {"dump", name}});
      if (unchanged) {
        // Published before the gate kept dumps: the same files on both sides.
        LibraryVerdict v;
        v.attr = p.attr;
        v.soname = abi::library_key(m);
        v.old_file = v.new_file = m.path;
        v.checked = true;
        v.unchanged = true;
        result.libraries.push_back(std::move(v));
        continue;
      }
      new_owner[m.path] = p.attr;
      new_libs.push_back(std::move(m));
    }
    add_headers(headers, new_headers, new_any_headers);
    index_packages[p.attr] = std::move(entry);
  }

  // The old side: every package of the live generation that changed or is
  // gone, from its dumps, else from its store paths (GC roots keep them).
  for (const auto& [attr, outputs] : current_outputs) {
    if (unchanged_attrs.count(attr)) continue;
    bool present = true;
    for (const auto& [o, path] : outputs) {
      std::error_code ec;
      present = present && fs::exists(path, ec);
    }
    if (const AbiIndex::Package* e = old_entry_of(attr)) {
      std::vector<abi::Model> dumped;
      bool outdated = false;  // a dump written by an older ltsabi: read the libraries again
      for (const auto& l : e->libraries) {
        auto m = abi::load_abi((in.current_abi_dir / l.dump).string());
        if (!m.ok() && m.error().code == abi::ErrorCode::kUnsupported && present) {
          outdated = true;
          break;
        }
        if (!m.ok()) return from_abi_error(m.error());
        dumped.push_back(std::move(*m));
      }
      if (!outdated) {
        for (auto& m : dumped) {
          old_owner[m.path] = attr;
          old_libs.push_back(std::move(m));
        }
        std::optional<std::vector<std::string>> headers = e->headers;
        if (present && !e->libraries.empty()) {
          LTS_ASSIGN_OR_RETURN(headers, package_headers(outputs));
        }
        add_headers(headers, old_headers, old_any_headers);
        continue;
      }
    }
    if (!present)
      return not_found("a store path of package " + attr + " in generation " + std::to_string(*in.current) +
                       " is gone; run 'ltskit verify'");
    LTS_ASSIGN_OR_RETURN(auto libs, read_package_libraries(outputs));
    LTS_ASSIGN_OR_RETURN(auto headers, package_headers(outputs));
    for (auto& m : libs) {
      old_owner[m.path] = attr;
      old_libs.push_back(std::move(m));
    }
    add_headers(headers, old_headers, old_any_headers);
  }
  progress.end();

  if (!in.current) {
    // The channel's first generation: the baseline.
    for (const auto& m : new_libs) {
      LibraryVerdict v;
      v.attr = new_owner[m.path];
      v.soname = abi::library_key(m);
      v.new_file = m.path;
      if (!m.has_debug_info) v.notes.push_back(m.path + " has no debug info: its ABI is its symbols only");
      result.libraries.push_back(std::move(v));
    }
  } else {
    abi::DiffOptions options;
    if (old_any_headers) options.old_headers = old_headers;
    if (new_any_headers) options.new_headers = new_headers;
    abi::TreeDiff diff = abi::diff_library_sets(old_libs, new_libs, policy.abi_suppressions, options);
    for (const auto& lib : diff.libraries) {
      LibraryVerdict v;
      v.soname = lib.soname;
      v.old_file = lib.diff.old_path;
      v.new_file = lib.diff.new_path;
      v.attr = !v.new_file.empty() ? new_owner[v.new_file] : old_owner[v.old_file];
      v.checked = true;
      v.verdict = lib.diff.verdict;
      v.report = abi::report_json(lib.diff);
      bool gone = v.new_file.empty() && !current_outputs.empty() &&
                  std::none_of(in.published.begin(), in.published.end(),
                               [&](const SnapshotPackage& p) { return p.attr == v.attr; });
      for (const auto& c : lib.diff.changes) {
        if (c.suppressed || c.kind == abi::ChangeKind::kHarmless || c.kind == abi::ChangeKind::kPrivateTypeChanged)
          continue;
        if (allowed.count(c.kind)) continue;
        v.blocking.push_back(std::string(abi::change_kind_name(c.kind)) + ": " + c.detail +
                             (gone ? " (the channel no longer publishes " + v.attr + ")" : ""));
      }
      if (v.blocked()) v.rule = rule;
      bool both = !v.old_file.empty() && !v.new_file.empty();
      if (both && (!lib.diff.old_has_debug_info || !lib.diff.new_has_debug_info))
        v.notes.push_back(std::string(!lib.diff.old_has_debug_info ? "the old" : "the new") +
                          " library has no debug info: compared at symbol level only");
      else if (both && !lib.diff.private_types_filtered)
        v.notes.push_back("no public headers (include/) on both sides: types private to the library not told apart");
      // Debug info that could not be used (a dwz file not found, offsets
      // that could not be read): the verdict is weaker than it looks.
      for (const auto* notes : {&lib.diff.old_debug_notes, &lib.diff.new_debug_notes})
        for (const auto& n : *notes) v.notes.push_back(n);
      result.libraries.push_back(std::move(v));
    }
  }
  for (auto& l : result.libraries) l.notes.insert(l.notes.end(), gate_notes.begin(), gate_notes.end());
  std::sort(result.libraries.begin(), result.libraries.end(), [](const LibraryVerdict& a, const LibraryVerdict& b) {
    return std::tie(a.attr, a.soname) < std::tie(b.attr, b.soname);
  });
  nlohmann::json index = {{"format", kIndexFormat}, {"format_version", 1}, {"packages", index_packages}};
  LTS_RETURN_IF_ERROR(write_plain(in.abi_dir / "index.json", index.dump(1) + "\n"));
  return result;
}

Status record_abi_verdicts(Database& db, const std::string& channel, const std::string& commit,
                           std::optional<int64_t> generation, const GateResult& r) {
  std::string at = now_utc();
  return db.transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(Statement next, db.prepare("SELECT COALESCE(MAX(run_id), 0) + 1 FROM abi_reports"));
    int64_t run = 1;
    LTS_RETURN_IF_ERROR(next.each_row([&] { run = next.integer(0); }));
    LTS_ASSIGN_OR_RETURN(
        Statement ins,
        db.prepare("INSERT INTO abi_reports(run_id, channel, commit_id, generation, attr, soname, old_file, new_file, "
                   "verdict, blocked, blocking, rule, notes, report, checked_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const auto& l : r.libraries) {
      ins.bind(1, run).bind(2, channel).bind(3, commit);
      if (generation) ins.bind(4, *generation);
      else ins.bind_null(4);
      ins.bind(5, l.attr)
          .bind(6, l.soname)
          .bind(7, l.old_file)
          .bind(8, l.new_file)
          .bind(9, l.verdict_text())
          .bind(10, int64_t{l.blocked() ? 1 : 0})
          .bind(11, nlohmann::json(l.blocking).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
          .bind(12, l.rule)
          .bind(13, nlohmann::json(l.notes).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
          .bind(14, l.report)
          .bind(15, at);
      LTS_RETURN_IF_ERROR(ins.run());
    }
    return ok_status();
  });
}

Result<std::vector<StoredVerdict>> last_abi_verdicts(Database& db, const std::string& channel) {
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare("SELECT attr, soname, commit_id, checked_at, generation, verdict, blocked, blocking, "
                                  "rule, notes, report FROM abi_reports WHERE channel = ? AND run_id = (SELECT "
                                  "MAX(run_id) FROM abi_reports WHERE channel = ?) ORDER BY attr, soname"));
  q.bind(1, channel).bind(2, channel);
  std::vector<StoredVerdict> out;
  auto strings = [](const std::string& text) {
    std::vector<std::string> v;
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_array())
      for (const auto& s : j)
        if (s.is_string()) v.push_back(s.get<std::string>());
    return v;
  };
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    StoredVerdict v;
    v.attr = q.text(0);
    v.soname = q.text(1);
    v.commit = q.text(2);
    v.checked_at = q.text(3);
    if (!q.is_null(4)) v.generation = q.integer(4);
    v.verdict = q.text(5);
    v.blocked = q.integer(6) != 0;
    v.blocking = strings(q.text(7));
    v.rule = q.text(8);
    v.notes = strings(q.text(9));
    v.report = q.text(10);
    out.push_back(std::move(v));
  }));
  return out;
}

}  // namespace ltskit::publish
