#include "abi-check/reader.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "abi-check/dwarf_types.h"
#include "abi-check/elf_symbols.h"

namespace ltskit::abi {
namespace {

struct ElfFile {
  int fd = -1;
  Elf* elf = nullptr;
  ~ElfFile() {
    if (elf) elf_end(elf);
    if (fd >= 0) ::close(fd);
  }
};

Expected<bool> open_elf(const std::string& path, ElfFile& f) {
  elf_version(EV_CURRENT);
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) {
    int err = errno;
    return Error{error_code_from_errno(err), path + ": " + std::strerror(err)};
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return Error{ErrorCode::kIo, path + ": " + std::strerror(errno)};
  if (!S_ISREG(st.st_mode)) return Error{ErrorCode::kInvalid, path + ": not a regular file"};
  f.elf = elf_begin(f.fd, ELF_C_READ_MMAP, nullptr);
  if (!f.elf || elf_kind(f.elf) != ELF_K_ELF) return Error{ErrorCode::kUnsupported, path + ": not an ELF file"};
  return true;
}

bool has_section(Elf* e, const char* wanted) {
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(e, &shstrndx) != 0) return false;
  for (Elf_Scn* scn = elf_nextscn(e, nullptr); scn; scn = elf_nextscn(e, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) continue;
    const char* n = elf_strptr(e, shstrndx, sh.sh_name);
    if (n && std::strcmp(n, wanted) == 0 && sh.sh_type != SHT_NOBITS) return true;
  }
  return false;
}

std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

// What an ELF file says about where its debug info is.
struct DebugLinks {
  std::string build_id;                   // hex; "" when it has none
  std::string debuglink;                  // .gnu_debuglink's file name
  std::optional<uint32_t> debuglink_crc;  // the CRC-32 of the debug file it names
  std::string altlink;                    // .gnu_debugaltlink's path (a dwz supplementary file)
  std::string alt_build_id;
  bool debug_sup = false;  // a DWARF 5 .debug_sup section: a supplementary file libdw cannot follow
};

DebugLinks debug_links(Elf* e) {
  DebugLinks out;
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(e, &shstrndx) != 0) return out;
  for (Elf_Scn* scn = elf_nextscn(e, nullptr); scn; scn = elf_nextscn(e, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) continue;
    const char* n = elf_strptr(e, shstrndx, sh.sh_name);
    if (!n || sh.sh_type == SHT_NOBITS) continue;
    if (std::strcmp(n, ".debug_sup") == 0) out.debug_sup = true;
    bool link = std::strcmp(n, ".gnu_debuglink") == 0, alt = std::strcmp(n, ".gnu_debugaltlink") == 0;
    if (!link && !alt && sh.sh_type != SHT_NOTE) continue;
    Elf_Data* d = elf_getdata(scn, nullptr);
    if (!d || !d->d_buf) continue;
    const char* bytes = static_cast<const char*>(d->d_buf);
    if (link) {
      out.debuglink.assign(bytes, strnlen(bytes, d->d_size));
      size_t at = (out.debuglink.size() + 1 + 3) & ~size_t{3};  // the CRC follows the name, 4-aligned
      if (at + 4 <= d->d_size) {
        const auto* c = reinterpret_cast<const unsigned char*>(bytes) + at;
        out.debuglink_crc = uint32_t{c[0]} | uint32_t{c[1]} << 8 | uint32_t{c[2]} << 16 | uint32_t{c[3]} << 24;
      }
    } else if (alt) {
      size_t len = strnlen(bytes, d->d_size);
      out.altlink.assign(bytes, len);
      if (len + 1 < d->d_size && d->d_size - len - 1 <= 64)
        out.alt_build_id = hex(reinterpret_cast<const unsigned char*>(bytes) + len + 1, d->d_size - len - 1);
    } else {
      size_t off = 0, name_off, desc_off;
      GElf_Nhdr nh;
      while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_descsz > 1 && nh.n_descsz <= 64)
          out.build_id = hex(static_cast<const unsigned char*>(d->d_buf) + desc_off, nh.n_descsz);
      }
    }
  }
  return out;
}

std::string build_id_path(const std::string& root, const std::string& id) {
  return root + "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
}

bool regular_file(const std::string& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

// The CRC-32 (IEEE 802.3, as .gnu_debuglink records it) of the file at
// `path`; nullopt when it cannot be read.
std::optional<uint32_t> file_crc32(const std::string& path) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  uint32_t crc = 0xFFFFFFFFu;
  std::vector<unsigned char> buf(1 << 16);
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0)
    for (ssize_t i = 0; i < n; ++i) crc = table[(crc ^ buf[i]) & 0xFF] ^ (crc >> 8);
  ::close(fd);
  if (n < 0) return std::nullopt;
  return crc ^ 0xFFFFFFFFu;
}

// The separate debug file of `path`, as GDB and elfutils look for it, with
// `debug_dir` as the debug root (/usr/lib/debug or a copy of one):
// ROOT/.build-id/xx/rest.debug, ROOT/<folder of the library>/<debuglink>
// (the folder with any leading part of its path dropped, so that a library
// unpacked under /tmp/x/usr/lib finds /tmp/x/usr/lib/debug/usr/lib/...),
// ROOT/<debuglink>, and beside the library: .debug/<debuglink>, <debuglink>.
// A candidate must be the library's: the same build id when both have one,
// else the CRC .gnu_debuglink records. One that is not is named in `notes`.
std::string find_debug_file(const DebugLinks& links, const std::string& path, const std::string& debug_dir,
                            std::vector<std::string>& notes) {
  namespace fs = std::filesystem;
  std::vector<std::string> candidates;
  std::string dir = fs::absolute(fs::path(path)).parent_path().lexically_normal().string();
  if (!links.build_id.empty() && !debug_dir.empty()) candidates.push_back(build_id_path(debug_dir, links.build_id));
  const std::string& link = links.debuglink;
  if (!link.empty() && link.find('/') == std::string::npos && link != "." && link != "..") {
    if (!debug_dir.empty()) {
      for (size_t i = 0; i != std::string::npos && candidates.size() < 64; i = dir.find('/', i + 1))
        candidates.push_back(debug_dir + dir.substr(i) + "/" + link);
      candidates.push_back(debug_dir + "/" + link);
    }
    candidates.push_back(dir + "/.debug/" + link);
    candidates.push_back(dir + "/" + link);
  }
  for (const auto& c : candidates) {
    if (!regular_file(c) || fs::path(c) == fs::path(path)) continue;
    ElfFile f;
    if (!open_elf(c, f).ok()) continue;
    std::string id = debug_links(f.elf).build_id;
    if (!links.build_id.empty() && !id.empty()) {
      if (id == links.build_id) return c;
      notes.push_back(c + " is not " + path + "'s debug info (build id " + id + ", not " + links.build_id +
                      "): ignored");
      continue;
    }
    if (links.debuglink_crc && file_crc32(c) != links.debuglink_crc) {
      notes.push_back(c + " is not " + path + "'s debug info (its CRC is not the one .gnu_debuglink records): ignored");
      continue;
    }
    return c;
  }
  return "";
}

// The dwz supplementary file named by .gnu_debugaltlink of `debug_path`:
// by its build id under the debug root, the link's path under the root
// (/usr/lib/debug/.dwz/... inside a copied tree), the link's path itself,
// relative to the debug file's folder; the first whose build id matches.
std::string find_alt_file(const DebugLinks& links, const std::string& debug_path, const std::string& debug_dir,
                          std::vector<std::string>& tried) {
  namespace fs = std::filesystem;
  std::vector<std::string> candidates;
  const std::string& alt = links.altlink;
  if (!links.alt_build_id.empty() && !debug_dir.empty())
    candidates.push_back(build_id_path(debug_dir, links.alt_build_id));
  if (!debug_dir.empty()) {
    size_t dwz = alt.find("/.dwz/");
    if (dwz != std::string::npos) candidates.push_back(debug_dir + alt.substr(dwz));
    const std::string system_root = "/usr/lib/debug/";
    if (alt.starts_with(system_root)) candidates.push_back(debug_dir + "/" + alt.substr(system_root.size()));
  }
  if (!alt.empty() && alt[0] == '/') candidates.push_back(alt);
  else if (!alt.empty()) candidates.push_back((fs::path(debug_path).parent_path() / alt).lexically_normal().string());
  if (!links.alt_build_id.empty()) candidates.push_back(build_id_path("/usr/lib/debug", links.alt_build_id));
  for (const auto& c : candidates) {
    if (std::find(tried.begin(), tried.end(), c) != tried.end()) continue;
    if (!regular_file(c)) {
      tried.push_back(c);
      continue;
    }
    ElfFile f;
    if (!open_elf(c, f).ok()) {
      tried.push_back(c + " (not ELF)");
      continue;
    }
    std::string id = debug_links(f.elf).build_id;
    if (id == links.alt_build_id) return c;
    tried.push_back(c + " (build id " + (id.empty() ? "none" : id) + ")");
  }
  return "";
}

// libdwfl's offline reporting: what applies an object file's relocations to
// its DWARF (libdw alone reads every string offset of a .o as 0).
char* g_debuginfo_path = nullptr;
const Dwfl_Callbacks kOfflineCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &g_debuginfo_path,
};

// The last libdwfl or libdw error as text; they may have none to give.
std::string dwfl_error() {
  const char* e = dwfl_errmsg(-1);
  return e ? e : "unknown error";
}
std::string dwarf_error() {
  const char* e = dwarf_errmsg(-1);
  return e ? e : "unknown error";
}

struct DwflSession {
  Dwfl* dwfl = nullptr;
  ~DwflSession() {
    if (dwfl) dwfl_end(dwfl);
  }
};

}  // namespace

Expected<Model> read_library(const std::string& path, const ReadOptions& options) {
  Model m;
  m.path = path;
  ElfFile f;
  auto opened = open_elf(path, f);
  if (!opened.ok()) return opened.error();
  // A truncated file: sections (or the section table) reach past its end.
  struct stat st {};
  if (::fstat(f.fd, &st) == 0) {
    uint64_t size = static_cast<uint64_t>(st.st_size);
    GElf_Ehdr eh;
    if (!gelf_getehdr(f.elf, &eh)) return Error{ErrorCode::kInvalid, path + ": not a valid ELF file (bad ELF header)"};
    if (eh.e_shoff + static_cast<uint64_t>(eh.e_shnum) * eh.e_shentsize > size)
      return Error{ErrorCode::kInvalid, path + ": truncated (the section table lies past the end of the file)"};
    for (Elf_Scn* scn = elf_nextscn(f.elf, nullptr); scn; scn = elf_nextscn(f.elf, scn)) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh)) return Error{ErrorCode::kInvalid, path + ": corrupt section header"};
      if (sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size > size)
        return Error{ErrorCode::kInvalid, path + ": truncated (section " + std::to_string(elf_ndxscn(scn)) +
                                              " ends past the end of the file)"};
    }
  }
  auto syms = read_elf_symbols(f.elf, path, m);
  if (!syms.ok()) return syms.error();

  GElf_Ehdr eh;
  bool relocatable = gelf_getehdr(f.elf, &eh) && eh.e_type == ET_REL;
  if (relocatable) {
    if (!has_section(f.elf, ".debug_info")) return m;
    DwflSession s;
    s.dwfl = dwfl_begin(&kOfflineCallbacks);
    if (!s.dwfl) return Error{ErrorCode::kInvalid, path + ": cannot read DWARF (" + dwfl_error() + ")"};
    dwfl_report_begin(s.dwfl);
    Dwfl_Module* mod = dwfl_report_offline(s.dwfl, path.c_str(), path.c_str(), -1);
    if (!mod || dwfl_report_end(s.dwfl, nullptr, nullptr) != 0)
      return Error{ErrorCode::kInvalid, path + ": cannot read DWARF (" + dwfl_error() + ")"};
    Dwarf_Addr bias = 0;
    Dwarf* dw = dwfl_module_getdwarf(mod, &bias);
    if (!dw) return Error{ErrorCode::kInvalid, path + ": cannot relocate its DWARF (" + dwfl_error() + ")"};
    auto types = read_dwarf_types(dw, path, m);  // dw belongs to the session
    if (!types.ok()) return types.error();
    return m;
  }

  ElfFile debug;
  Elf* dwarf_elf = nullptr;
  std::string dwarf_path = path;
  DebugLinks links = debug_links(f.elf);
  if (has_section(f.elf, ".debug_info")) {
    dwarf_elf = f.elf;
  } else {
    std::string separate = find_debug_file(links, path, options.debug_dir, m.debug_notes);
    if (!separate.empty() && open_elf(separate, debug).ok() && has_section(debug.elf, ".debug_info")) {
      dwarf_elf = debug.elf;
      dwarf_path = separate;
      links = debug_links(debug.elf);
    }
  }
  if (!dwarf_elf) return m;  // symbol-level comparison only
  Dwarf* dw = dwarf_begin_elf(dwarf_elf, DWARF_C_READ, nullptr);
  if (!dw) return Error{ErrorCode::kInvalid, dwarf_path + ": cannot read DWARF (" + dwarf_error() + ")"};
  // A dwz supplementary file: set it, or say loudly that the types in it
  // are unknown.
  ElfFile alt_file;
  Dwarf* alt = nullptr;
  if (!links.altlink.empty() && links.alt_build_id.empty()) {
    m.debug_notes.push_back(dwarf_path + ": its .gnu_debugaltlink names '" + links.altlink +
                            "' without a build id (corrupt?): the dwz supplementary file cannot be told from any "
                            "other; types and names kept in it are unknown");
  } else if (!links.altlink.empty()) {
    std::vector<std::string> tried;
    std::string alt_path = find_alt_file(links, dwarf_path, options.debug_dir, tried);
    if (!alt_path.empty() && open_elf(alt_path, alt_file).ok())
      alt = dwarf_begin_elf(alt_file.elf, DWARF_C_READ, nullptr);
    if (alt) {
      dwarf_setalt(dw, alt);
    } else if (!alt_path.empty()) {
      bool strings_only = has_section(alt_file.elf, ".debug_str") && !has_section(alt_file.elf, ".debug_info");
      m.debug_notes.push_back(dwarf_path + ": the dwz supplementary file " + alt_path +
                              (strings_only ? " holds only .debug_str, which libdw cannot open on its own"
                                            : " cannot be read (" + std::string(dwarf_error()) + ")") +
                              "; types and names kept in it are unknown");
    } else {
      std::string where;
      for (const auto& t : tried) where += (where.empty() ? "" : ", ") + t;
      m.debug_notes.push_back(dwarf_path + ": the dwz supplementary file '" + links.altlink +
                              "' (.gnu_debugaltlink, build id " + links.alt_build_id +
                              ") was not found (tried: " + where +
                              "); types and names kept in it are unknown: give the debug root with --debug-dir");
    }
  } else if (links.debug_sup) {
    m.debug_notes.push_back(dwarf_path +
                            ": DWARF 5 supplementary files (.debug_sup) cannot be followed; types kept in it are "
                            "unknown");
  }
  auto types = read_dwarf_types(dw, dwarf_path, m);
  dwarf_end(dw);
  if (alt) dwarf_end(alt);
  if (!types.ok()) return types.error();
  size_t exported_functions = 0;
  for (const auto& [k, sym] : m.symbols) exported_functions += sym.kind == SymbolKind::kFunction;
  if (exported_functions > 0 && m.functions.empty())
    m.debug_notes.push_back(dwarf_path + ": its debug info describes none of the " +
                            std::to_string(exported_functions) +
                            " exported functions: types are compared for nothing (stripped or foreign debug info?)");
  return m;
}

}  // namespace ltskit::abi
