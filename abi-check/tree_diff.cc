#include "abi-check/tree_diff.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "abi-check/report.h"

namespace ltskit::abi {

namespace fs = std::filesystem;

namespace {

// The SONAME of the ELF shared object at `path`; nullopt when the file is
// not one (not ELF, not ET_DYN, unreadable: such files are not libraries,
// and read_library reports what is wrong with the ones that are).
std::optional<std::string> probe_shared_object(const std::string& path, bool& is_dyn) {
  is_dyn = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char magic[4] = {};
  if (::pread(fd, magic, 4, 0) != 4 || std::memcmp(magic, ELFMAG, SELFMAG) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  elf_version(EV_CURRENT);
  Elf* e = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  std::string soname;
  GElf_Ehdr eh;
  if (e && elf_kind(e) == ELF_K_ELF && gelf_getehdr(e, &eh) && eh.e_type == ET_DYN) {
    is_dyn = true;
    for (Elf_Scn* scn = elf_nextscn(e, nullptr); scn; scn = elf_nextscn(e, scn)) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC) continue;
      Elf_Data* d = elf_getdata(scn, nullptr);
      if (!d || sh.sh_entsize == 0) continue;
      size_t n = sh.sh_size / sh.sh_entsize;
      for (size_t i = 0; i < n && i < 100000; ++i) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(d, static_cast<int>(i), &dyn)) break;
        if (dyn.d_tag == DT_NULL) break;
        if (dyn.d_tag == DT_SONAME) {
          const char* s = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
          if (s) soname = s;
        }
      }
    }
  }
  if (e) elf_end(e);
  ::close(fd);
  if (!is_dyn) return std::nullopt;
  return soname;
}

bool inside(const fs::path& p, const fs::path& root) {
  auto rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

Diff lone_library(const Model& m, bool removed, const Suppressions& sup) {
  Diff d;
  (removed ? d.old_path : d.new_path) = m.path;
  (removed ? d.old_has_debug_info : d.new_has_debug_info) = m.has_debug_info;
  ChangeKind kind = removed ? ChangeKind::kLibraryRemoved : ChangeKind::kLibraryAdded;
  const ChangeKindInfo& info = change_kind_info(kind);
  Change c{kind, m.soname,
           std::string("library ") + m.soname + (removed ? " removed (no library of that name is left)" : " added"),
           info.incompatible, info.addition};
  if (std::string why = sup.match_soname(m.soname); !why.empty()) {
    c.suppressed = true;
    c.suppressed_by = why;
    ++d.suppressed;
  }
  d.verdict = c.suppressed ? Verdict::kNoChange : removed ? Verdict::kIncompatible : Verdict::kCompatible;
  d.changes.push_back(std::move(c));
  return d;
}

}  // namespace

std::string soname_stem(const std::string& soname) {
  auto pos = soname.find(".so");
  std::string stem = pos == std::string::npos ? soname : soname.substr(0, pos);
  // "libfoo-1.0.so.3": the version in the name is part of what changes.
  auto dash = stem.find_last_of('-');
  if (dash != std::string::npos && dash + 1 < stem.size() && std::isdigit(static_cast<unsigned char>(stem[dash + 1])))
    stem.resize(dash);
  return stem;
}

Expected<std::vector<LibraryFile>> find_libraries(const std::string& dir, const FindOptions& options) {
  std::error_code ec;
  auto st = fs::status(dir, ec);
  if (ec || !fs::exists(st)) {
    int err = ec ? ec.value() : ENOENT;
    return Error{error_code_from_errno(err), dir + ": " + (ec ? ec.message() : std::string("no such folder"))};
  }
  if (!fs::is_directory(st)) return Error{ErrorCode::kInvalid, dir + ": not a folder"};
  fs::path root = fs::canonical(dir, ec);
  if (ec) return Error{error_code_from_errno(ec.value()), dir + ": " + ec.message()};

  std::map<std::string, std::string> by_soname;  // soname -> the first path, in sorted order
  std::set<std::string> seen_files;              // canonical paths
  std::set<std::string> seen_dirs;               // canonical paths: a link cycle is walked once
  std::vector<fs::path> todo = {fs::path(dir)};
  std::vector<std::pair<std::string, std::string>> found;  // (path as walked, soname)
  size_t guard = 0;
  while (!todo.empty()) {
    fs::path d = todo.back();
    todo.pop_back();
    fs::path canon = fs::canonical(d, ec);
    if (ec || !seen_dirs.insert(canon.string()).second) continue;
    std::vector<fs::directory_entry> entries;
    for (auto it = fs::directory_iterator(d, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      entries.push_back(*it);
    if (ec) return Error{error_code_from_errno(ec.value()), d.string() + ": " + ec.message()};
    for (const auto& entry : entries) {
      if (++guard > 2000000) return Error{ErrorCode::kInvalid, dir + ": more than two million entries"};
      std::error_code e2;
      bool link = entry.is_symlink(e2);
      fs::path target = entry.path();
      if (link) {
        fs::path real = fs::canonical(entry.path(), e2);
        if (e2) continue;  // a dangling link holds no library
        if (!options.follow_links_out && !inside(real, root) && real != root) continue;
        target = real;
      }
      auto tst = fs::status(target, e2);
      if (e2) continue;
      if (fs::is_directory(tst)) {
        todo.push_back(entry.path());
        continue;
      }
      if (!fs::is_regular_file(tst)) continue;
      fs::path real = fs::canonical(target, e2);
      if (e2 || !seen_files.insert(real.string()).second) continue;
      bool is_dyn = false;
      auto soname = probe_shared_object(real.string(), is_dyn);
      if (!soname) continue;
      std::string name = entry.path().filename().string();
      if (soname->empty()) {
        if (name.find(".so") == std::string::npos) continue;  // an executable
        soname = name;
      }
      found.emplace_back(entry.path().string(), *soname);
    }
  }
  std::sort(found.begin(), found.end());
  for (const auto& [path, soname] : found) by_soname.emplace(soname, path);
  std::vector<LibraryFile> out;
  for (const auto& [soname, path] : by_soname) out.push_back({soname, path});
  return out;
}

TreeDiff diff_library_sets(const std::vector<Model>& old_libs, const std::vector<Model>& new_libs,
                           const Suppressions& sup, const DiffOptions& options) {
  TreeDiff t;
  std::map<std::string, const Model*> olds, news;
  for (const auto& m : old_libs) olds.emplace(m.soname, &m);
  for (const auto& m : new_libs) news.emplace(m.soname, &m);
  std::set<std::string> new_taken;
  std::vector<const Model*> unpaired_old;
  for (const auto& [soname, m] : olds) {
    auto it = news.find(soname);
    if (it == news.end()) {
      unpaired_old.push_back(m);
      continue;
    }
    new_taken.insert(soname);
    t.libraries.push_back({soname, diff_models(*m, *it->second, sup, options)});
  }
  for (const Model* m : unpaired_old) {
    // A successor under another SONAME of the same name stem.
    const Model* successor = nullptr;
    for (const auto& [soname, n] : news)
      if (!new_taken.count(soname) && !olds.count(soname) && soname_stem(soname) == soname_stem(m->soname)) {
        successor = n;
        break;
      }
    if (successor) {
      new_taken.insert(successor->soname);
      t.libraries.push_back({m->soname, diff_models(*m, *successor, sup, options)});
    } else {
      t.libraries.push_back({m->soname, lone_library(*m, true, sup)});
    }
  }
  for (const auto& [soname, n] : news)
    if (!new_taken.count(soname)) t.libraries.push_back({soname, lone_library(*n, false, sup)});
  std::sort(t.libraries.begin(), t.libraries.end(),
            [](const LibraryDiff& a, const LibraryDiff& b) { return a.soname < b.soname; });
  for (const auto& l : t.libraries) t.verdict = std::max(t.verdict, l.diff.verdict);
  return t;
}

Expected<TreeDiff> diff_trees(const TreeSide& old_side, const TreeSide& new_side, const Suppressions& sup) {
  std::vector<Model> sides[2];
  DiffOptions options;
  const TreeSide* in[2] = {&old_side, &new_side};
  for (int i = 0; i < 2; ++i) {
    auto libs = find_libraries(in[i]->dir);
    if (!libs.ok()) return libs.error();
    for (const auto& l : *libs) {
      auto m = read_library(l.path, in[i]->read);
      if (!m.ok()) return m.error();
      if (m->soname.empty()) m->soname = l.soname;
      sides[i].push_back(std::move(*m));
    }
    std::optional<std::vector<std::string>> headers = in[i]->headers;
    if (!headers) {
      std::error_code ec;
      fs::path inc = fs::path(in[i]->dir) / "include";
      if (fs::is_directory(inc, ec)) {
        auto listed = list_public_headers({inc.string()});
        if (!listed.ok()) return listed.error();
        headers = std::move(*listed);
      }
    }
    (i == 0 ? options.old_headers : options.new_headers) = std::move(headers);
  }
  return diff_library_sets(sides[0], sides[1], sup, options);
}

int tree_exit_status(const TreeDiff& t) {
  switch (t.verdict) {
    case Verdict::kNoChange: return 0;
    case Verdict::kCompatible: return 4;
    case Verdict::kIncompatible: return 12;
  }
  return 1;
}

std::string tree_report_text(const TreeDiff& t) {
  size_t counts[3] = {0, 0, 0};
  for (const auto& l : t.libraries) ++counts[static_cast<int>(l.diff.verdict)];
  std::string out = std::to_string(t.libraries.size()) + " librar" + (t.libraries.size() == 1 ? "y" : "ies") + ": " +
                    std::to_string(counts[2]) + " incompatible, " + std::to_string(counts[1]) + " compatible, " +
                    std::to_string(counts[0]) + " unchanged; verdict: " + verdict_name(t.verdict) + "\n";
  for (const auto& l : t.libraries) {
    if (l.diff.verdict == Verdict::kNoChange && l.diff.suppressed == 0) continue;
    out += "\n== " + l.soname + "\n";
    if (l.diff.old_path.empty() || l.diff.new_path.empty()) {
      for (const auto& c : l.diff.changes)
        out += "  " + c.detail + (c.suppressed ? " (suppressed: " + c.suppressed_by + ")" : "") + "\n";
      continue;
    }
    out += report_text(l.diff);
  }
  return out;
}

std::string tree_report_json(const TreeDiff& t) {
  nlohmann::json libs = nlohmann::json::array();
  for (const auto& l : t.libraries) {
    nlohmann::json j = nlohmann::json::parse(report_json(l.diff));
    j["soname"] = l.soname;
    libs.push_back(std::move(j));
  }
  nlohmann::json j = {{"verdict", verdict_name(t.verdict)}, {"exit_status", tree_exit_status(t)}, {"libraries", libs}};
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace ltskit::abi
