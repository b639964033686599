#include "tools/publish/abi_gate.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "abi-check/loader.h"
#include "abi-check/model_json.h"
#include "abi-check/reader.h"
#include "abi-check/report.h"
#include "abi-check/tree_diff.h"
#include "tools/core/abi_error.h"
#include "tools/core/fs.h"

namespace ltskit::publish {
namespace fs = std::filesystem;

const Schema& publish_schema() {
  static const Schema kSchema = {"publish",
                                 {
                                     {1, R"sql(
-- Every library the ABI gate judged: one row per library per gate run.
CREATE TABLE abi_reports (
  id          INTEGER PRIMARY KEY,
  channel     TEXT NOT NULL,
  commit_id   TEXT NOT NULL,   -- the channel head the new libraries were built from
  generation  INTEGER,         -- the generation published; NULL when the gate held it back
  attr        TEXT NOT NULL,
  soname      TEXT NOT NULL,
  old_file    TEXT NOT NULL,   -- '' when the library is new
  new_file    TEXT NOT NULL,   -- '' when it is gone
  verdict     TEXT NOT NULL CHECK (verdict IN ('no-change', 'compatible', 'incompatible', 'baseline')),
  blocked     INTEGER NOT NULL,
  blocking    TEXT NOT NULL,   -- JSON array: the changes the policy held back
  rule        TEXT NOT NULL,
  notes       TEXT NOT NULL,   -- JSON array
  report      TEXT NOT NULL,   -- abi-check's JSON report; '' for a baseline
  checked_at  TEXT NOT NULL
);
CREATE INDEX abi_reports_channel ON abi_reports(channel, attr, soname, id);
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

std::map<std::string, std::string> outputs_of(const nlohmann::json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it->is_string()) out[it.key()] = it->get<std::string>();
  return out;
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

// Every shared library the package's outputs hold (links out of a store
// path are not followed: they belong to other packages), read with the
// package's debug output when it has one.
Result<std::vector<abi::Model>> read_package_libraries(const std::map<std::string, std::string>& outputs) {
  abi::ReadOptions read;
  if (auto d = outputs.find("debug"); d != outputs.end()) read.debug_dir = (fs::path(d->second) / "lib/debug").string();
  std::vector<abi::Model> out;
  std::set<std::string> sonames;
  for (const auto& [name, path] : outputs) {
    if (name == "debug") continue;
    std::error_code ec;
    if (!fs::is_directory(path, ec)) continue;
    abi::FindOptions fo;
    fo.follow_links_out = false;
    auto libs = abi::find_libraries(path, fo);
    if (!libs.ok()) return from_abi_error(libs.error());
    for (const auto& l : *libs) {
      if (!sonames.insert(l.soname).second) continue;
      auto m = abi::read_library(l.path, read);
      if (!m.ok()) return from_abi_error(m.error());
      if (m->soname.empty()) m->soname = l.soname;
      out.push_back(std::move(*m));
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
  nlohmann::json old_index = nlohmann::json::object();
  if (in.current) {
    auto m = read_json_file(in.current_dir / "manifest.json");
    if (m.ok())
      if (auto p = m->find("packages"); p != m->end() && p->is_array())
        for (const auto& pkg : *p)
          if (pkg.is_object() && pkg.contains("attr") && pkg["attr"].is_string())
            current_outputs[pkg["attr"].get<std::string>()] = outputs_of(pkg.value("outputs", nlohmann::json()));
    auto idx = read_json_file(in.current_abi_dir / "index.json");
    if (idx.ok() && idx->value("format", "") == kIndexFormat)
      if (auto p = idx->find("packages"); p != idx->end() && p->is_object()) old_index = *p;
  }

  nlohmann::json index_packages = nlohmann::json::object();
  size_t dump_number = 0;
  progress.begin("checking the ABI of " + std::to_string(in.published.size()) + " package(s)", in.published.size());
  size_t done = 0;
  for (const auto& p : in.published) {
    progress.update(done++, p.attr);
    auto cur = current_outputs.find(p.attr);
    bool unchanged = cur != current_outputs.end() && cur->second == p.outputs;
    const nlohmann::json* old_entry = nullptr;
    if (auto it = old_index.find(p.attr); it != old_index.end() && it->is_object()) old_entry = &*it;

    nlohmann::json entry = {{"outputs", p.outputs}, {"libraries", nlohmann::json::array()}};
    if (unchanged && old_entry && outputs_of(old_entry->value("outputs", nlohmann::json())) == p.outputs &&
        old_entry->contains("libraries") && (*old_entry)["libraries"].is_array()) {
      // The same build: its dumps carry over.
      bool carried = true;
      nlohmann::json libs = nlohmann::json::array();
      for (const auto& l : (*old_entry)["libraries"]) {
        std::string dump = l.value("dump", "");
        if (dump.empty() || dump.find('/') != std::string::npos || dump[0] == '.') {
          carried = false;
          break;
        }
        std::string name = std::to_string(++dump_number) + ".json";
        std::error_code ec;
        fs::create_hard_link(in.current_abi_dir / dump, in.abi_dir / name, ec);
        if (ec) fs::copy_file(in.current_abi_dir / dump, in.abi_dir / name, ec);
        if (ec) {
          carried = false;
          break;
        }
        nlohmann::json copy = l;
        copy["dump"] = name;
        libs.push_back(copy);
      }
      if (carried) {
        entry["headers"] = old_entry->value("headers", nlohmann::json());
        entry["libraries"] = libs;
        index_packages[p.attr] = entry;
        continue;
      }
      entry["libraries"] = nlohmann::json::array();
    }

    // The new build: read, dump.
    LTS_ASSIGN_OR_RETURN(std::vector<abi::Model> new_libs, read_package_libraries(p.outputs));
    LTS_ASSIGN_OR_RETURN(auto new_headers, package_headers(p.outputs));
    entry["headers"] = new_headers ? nlohmann::json(*new_headers) : nlohmann::json();
    for (const auto& m : new_libs) {
      std::string name = std::to_string(++dump_number) + ".json";
      LTS_RETURN_IF_ERROR(write_plain(in.abi_dir / name, abi::model_to_json(m)));
      entry["libraries"].push_back({{"soname", m.soname}, {"file", m.path}, {"dump", name}});
    }
    index_packages[p.attr] = entry;
    if (unchanged) continue;  // the same build, published before the gate kept dumps

    // The old side: the live generation's dumps, else its store paths.
    std::vector<abi::Model> old_libs;
    std::optional<std::vector<std::string>> old_headers;
    bool baseline = !in.current;
    if (old_entry && old_entry->contains("libraries") && (*old_entry)["libraries"].is_array()) {
      for (const auto& l : (*old_entry)["libraries"]) {
        std::string dump = l.value("dump", "");
        if (dump.empty() || dump.find('/') != std::string::npos || dump[0] == '.')
          return invalid((in.current_abi_dir / "index.json").string() + ": packages." + p.attr +
                         ": a library's 'dump' is not a file name");
        auto m = abi::load_abi((in.current_abi_dir / dump).string());
        if (!m.ok()) return from_abi_error(m.error());
        if (m->soname.empty()) m->soname = l.value("soname", "");
        old_libs.push_back(std::move(*m));
      }
      if (auto h = old_entry->find("headers"); h != old_entry->end() && h->is_array())
        old_headers = h->get<std::vector<std::string>>();
    } else if (cur != current_outputs.end()) {
      for (const auto& [o, path] : cur->second) {
        std::error_code ec;
        if (!fs::exists(path, ec))
          return not_found("store path " + path + " of generation " + std::to_string(*in.current) +
                           " is gone (package " + p.attr + "); run 'ltskit verify'");
      }
      LTS_ASSIGN_OR_RETURN(old_libs, read_package_libraries(cur->second));
      LTS_ASSIGN_OR_RETURN(old_headers, package_headers(cur->second));
    }

    if (baseline) {
      for (const auto& m : new_libs) {
        LibraryVerdict v;
        v.attr = p.attr;
        v.soname = m.soname;
        v.new_file = m.path;
        if (!m.has_debug_info) v.notes.push_back(m.path + " has no debug info: its ABI is its symbols only");
        result.libraries.push_back(std::move(v));
      }
      continue;
    }
    abi::DiffOptions options;
    options.old_headers = old_headers;
    options.new_headers = new_headers;
    abi::TreeDiff diff = abi::diff_library_sets(old_libs, new_libs, policy.abi_suppressions, options);
    for (const auto& lib : diff.libraries) {
      LibraryVerdict v;
      v.attr = p.attr;
      v.soname = lib.soname;
      v.old_file = lib.diff.old_path;
      v.new_file = lib.diff.new_path;
      v.checked = true;
      v.verdict = lib.diff.verdict;
      v.report = abi::report_json(lib.diff);
      for (const auto& c : lib.diff.changes) {
        if (c.suppressed || c.kind == abi::ChangeKind::kHarmless || c.kind == abi::ChangeKind::kPrivateTypeChanged)
          continue;
        if (allowed.count(c.kind)) continue;
        v.blocking.push_back(std::string(abi::change_kind_name(c.kind)) + ": " + c.detail);
      }
      if (v.blocked()) v.rule = rule;
      bool both = !v.old_file.empty() && !v.new_file.empty();
      if (both && (!lib.diff.old_has_debug_info || !lib.diff.new_has_debug_info))
        v.notes.push_back(std::string(!lib.diff.old_has_debug_info ? "the old" : "the new") +
                          " library has no debug info: compared at symbol level only");
      else if (both && !lib.diff.private_types_filtered)
        v.notes.push_back("no public headers (include/) on both sides: types private to the library not told apart");
      result.libraries.push_back(std::move(v));
    }
  }
  // A package the channel no longer publishes takes its libraries with it.
  std::set<std::string> now_published;
  for (const auto& p : in.published) now_published.insert(p.attr);
  for (const auto& [attr, outputs] : current_outputs) {
    if (now_published.count(attr)) continue;
    std::vector<abi::Model> old_libs;
    auto it = old_index.find(attr);
    if (it != old_index.end() && it->is_object() && it->contains("libraries") && (*it)["libraries"].is_array()) {
      for (const auto& l : (*it)["libraries"]) {
        abi::Model m;
        m.soname = l.value("soname", "");
        m.path = l.value("file", "");
        if (!m.soname.empty()) old_libs.push_back(std::move(m));
      }
    } else {
      bool present = true;
      for (const auto& [o, path] : outputs) {
        std::error_code ec;
        present = present && fs::exists(path, ec);
      }
      if (present) {
        LTS_ASSIGN_OR_RETURN(old_libs, read_package_libraries(outputs));
      }
    }
    abi::TreeDiff diff = abi::diff_library_sets(old_libs, {}, policy.abi_suppressions);
    for (const auto& lib : diff.libraries) {
      LibraryVerdict v;
      v.attr = attr;
      v.soname = lib.soname;
      v.old_file = lib.diff.old_path;
      v.checked = true;
      v.verdict = lib.diff.verdict;
      v.report = abi::report_json(lib.diff);
      for (const auto& c : lib.diff.changes)
        if (!c.suppressed && !allowed.count(c.kind))
          v.blocking.push_back(std::string(abi::change_kind_name(c.kind)) + ": " + c.detail +
                               " (the channel no longer publishes " + attr + ")");
      if (v.blocked()) v.rule = rule;
      result.libraries.push_back(std::move(v));
    }
  }
  progress.end();
  nlohmann::json index = {{"format", kIndexFormat}, {"format_version", 1}, {"packages", index_packages}};
  LTS_RETURN_IF_ERROR(write_plain(in.abi_dir / "index.json", index.dump(1) + "\n"));
  return result;
}

Status record_abi_verdicts(Database& db, const std::string& channel, const std::string& commit,
                           std::optional<int64_t> generation, const GateResult& r) {
  std::string at = now_utc();
  return db.transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(
        Statement ins,
        db.prepare("INSERT INTO abi_reports(channel, commit_id, generation, attr, soname, old_file, new_file, verdict, "
                   "blocked, blocking, rule, notes, report, checked_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const auto& l : r.libraries) {
      ins.bind(1, channel).bind(2, commit);
      if (generation) ins.bind(3, *generation);
      else ins.bind_null(3);
      ins.bind(4, l.attr)
          .bind(5, l.soname)
          .bind(6, l.old_file)
          .bind(7, l.new_file)
          .bind(8, l.checked ? abi::verdict_name(l.verdict) : "baseline")
          .bind(9, int64_t{l.blocked() ? 1 : 0})
          .bind(10, nlohmann::json(l.blocking).dump())
          .bind(11, l.rule)
          .bind(12, nlohmann::json(l.notes).dump())
          .bind(13, l.report)
          .bind(14, at);
      LTS_RETURN_IF_ERROR(ins.run());
    }
    return ok_status();
  });
}

Result<std::vector<StoredVerdict>> last_abi_verdicts(Database& db, const std::string& channel) {
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare("SELECT attr, soname, commit_id, checked_at, generation, verdict, blocked, blocking, "
                                  "rule, notes, report FROM abi_reports WHERE id IN (SELECT MAX(id) FROM abi_reports "
                                  "WHERE channel = ? GROUP BY attr, soname) ORDER BY attr, soname"));
  q.bind(1, channel);
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
