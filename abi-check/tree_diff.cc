#include "abi-check/tree_diff.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
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

enum class Probe { kNotElf, kNotLibrary, kLibrary, kMalformed };

// Whether the file at `path` is an ELF shared object, and its SONAME.
Probe probe_shared_object(const std::string& path, std::string& soname) {
  soname.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Probe::kNotElf;
  char magic[4] = {};
  if (::pread(fd, magic, 4, 0) != 4 || std::memcmp(magic, ELFMAG, SELFMAG) != 0) {
    ::close(fd);
    return Probe::kNotElf;
  }
  elf_version(EV_CURRENT);
  Elf* e = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  Probe result = Probe::kMalformed;
  GElf_Ehdr eh;
  if (e && elf_kind(e) == ELF_K_ELF && gelf_getehdr(e, &eh)) {
    result = eh.e_type == ET_DYN ? Probe::kLibrary : Probe::kNotLibrary;
    for (Elf_Scn* scn = elf_nextscn(e, nullptr); result == Probe::kLibrary && scn; scn = elf_nextscn(e, scn)) {
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
          const char* str = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
          if (str) soname = str;
        }
      }
    }
  }
  if (e) elf_end(e);
  ::close(fd);
  return result;
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
  std::string name = library_key(m);
  Change c{kind, name,
           std::string("library ") + name + (removed ? " removed (no library of that name is left)" : " added"),
           info.incompatible, info.addition};
  if (std::string why = sup.match_soname(name); !why.empty()) {
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

std::string library_key(const Model& m) { return m.soname.empty() ? fs::path(m.path).filename().string() : m.soname; }

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

  // Files and folders are told apart by (device, inode): each is read once
  // however many links lead to it, and a link cycle ends.
  struct Seen {
    bool library = false;  // probed once: other names of a file that is not a library are skipped
    std::string soname;
    std::vector<std::pair<bool, std::string>> names;  // (is a link, path as walked)
  };
  std::map<std::pair<dev_t, ino_t>, Seen> files;
  std::set<std::pair<dev_t, ino_t>> seen_dirs;
  std::vector<fs::path> todo = {fs::path(dir)};
  size_t guard = 0;
  while (!todo.empty()) {
    fs::path d = todo.back();
    todo.pop_back();
    struct stat ds {};
    if (::stat(d.c_str(), &ds) != 0 || !seen_dirs.insert({ds.st_dev, ds.st_ino}).second) continue;
    std::vector<fs::directory_entry> entries;
    for (auto it = fs::directory_iterator(d, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      entries.push_back(*it);
    if (ec) return Error{error_code_from_errno(ec.value()), d.string() + ": " + ec.message()};
    for (const auto& entry : entries) {
      if (++guard > 2000000) return Error{ErrorCode::kInvalid, dir + ": more than two million entries"};
      std::error_code e2;
      std::string name = entry.path().filename().string();
      // The type readdir gave, no system call: most entries are plain
      // files that cannot be libraries.
      bool link = entry.is_symlink(e2);
      if (e2) continue;
      bool may_be_library = name.find(".so") != std::string::npos;
      if (!link && !may_be_library && !entry.is_directory(e2)) continue;
      if (link) {
        fs::path real = fs::canonical(entry.path(), e2);
        if (e2) continue;  // a dangling link holds no library
        bool in_tree = inside(real, root) || real == root;
        if (!in_tree && !options.follow_links_out) continue;
        std::string r = real.string();
        if (r == "/proc" || r == "/sys" || r == "/dev" || r.rfind("/proc/", 0) == 0 || r.rfind("/sys/", 0) == 0 ||
            r.rfind("/dev/", 0) == 0)
          continue;
      }
      struct stat es {};
      if (::stat(entry.path().c_str(), &es) != 0) continue;
      if (S_ISDIR(es.st_mode)) {
        todo.push_back(entry.path());
        continue;
      }
      if (!S_ISREG(es.st_mode) || !may_be_library) continue;
      auto [it, fresh] = files.try_emplace({es.st_dev, es.st_ino});
      if (fresh) {
        Probe p = probe_shared_object(entry.path().string(), it->second.soname);
        if (p == Probe::kMalformed)
          return Error{ErrorCode::kInvalid, entry.path().string() + ": starts like an ELF file but is not valid ELF"};
        it->second.library = p == Probe::kLibrary;
      }
      if (!it->second.library) continue;
      it->second.names.emplace_back(link, entry.path().string());
    }
  }
  // One name per file: the regular file itself when the walk met it, else
  // the first link in sorted order; one file per key.
  std::map<std::string, LibraryFile> by_key;
  for (auto& [id, f] : files) {
    if (!f.library || f.names.empty()) continue;
    std::sort(f.names.begin(), f.names.end());  // regular files (false) first, then by path
    const std::string& path = f.names.front().second;
    std::string key = f.soname.empty() ? fs::path(path).filename().string() : f.soname;
    auto [it, fresh] = by_key.try_emplace(key, LibraryFile{key, f.soname, path});
    if (!fresh && path < it->second.path) it->second.path = path;
  }
  std::vector<LibraryFile> out;
  for (auto& [key, l] : by_key) out.push_back(std::move(l));
  return out;
}

TreeDiff diff_library_sets(const std::vector<Model>& old_libs, const std::vector<Model>& new_libs,
                           const Suppressions& sup, const DiffOptions& options) {
  TreeDiff t;
  std::map<std::string, const Model*> olds, news;
  for (const auto& m : old_libs) olds.emplace(library_key(m), &m);
  for (const auto& m : new_libs) news.emplace(library_key(m), &m);
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
      if (!new_taken.count(soname) && !olds.count(soname) && soname_stem(soname) == soname_stem(library_key(*m))) {
        successor = n;
        break;
      }
    if (successor) {
      new_taken.insert(library_key(*successor));
      t.libraries.push_back({library_key(*m), diff_models(*m, *successor, sup, options)});
    } else {
      t.libraries.push_back({library_key(*m), lone_library(*m, true, sup)});
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

int tree_exit_status(const TreeDiff& t) { return exit_status(t.verdict); }

std::string tree_report_text(const TreeDiff& t, const TextOptions& options) {
  size_t counts[3] = {0, 0, 0};
  for (const auto& l : t.libraries) ++counts[static_cast<int>(l.diff.verdict)];
  std::string out = std::to_string(t.libraries.size()) + " librar" + (t.libraries.size() == 1 ? "y" : "ies") + ": " +
                    std::to_string(counts[2]) + " incompatible, " + std::to_string(counts[1]) + " compatible, " +
                    std::to_string(counts[0]) + " unchanged; verdict: " + verdict_name(t.verdict) + "\n";
  for (const auto& l : t.libraries) {
    bool warned = !l.diff.old_debug_notes.empty() || !l.diff.new_debug_notes.empty();
    if (l.diff.verdict == Verdict::kNoChange && l.diff.suppressed == 0 && !warned &&
        !(options.harmless && l.diff.harmless))
      continue;
    out += "\n== " + l.soname + "\n";
    if (l.diff.old_path.empty() || l.diff.new_path.empty()) {
      for (const auto& c : l.diff.changes)
        out += "  " + c.detail + (c.suppressed ? " (suppressed: " + c.suppressed_by + ")" : "") + "\n";
      continue;
    }
    out += report_text(l.diff, options);
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
