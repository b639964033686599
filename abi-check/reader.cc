#include "abi-check/reader.h"

#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

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

// The separate debug file named by .gnu_debuglink or the build id.
std::string find_debug_file(Elf* e, const std::string& path, const std::string& debug_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> candidates;
  size_t shstrndx = 0;
  std::string link;
  std::string build_id;
  if (elf_getshdrstrndx(e, &shstrndx) == 0) {
    for (Elf_Scn* scn = elf_nextscn(e, nullptr); scn; scn = elf_nextscn(e, scn)) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh)) continue;
      const char* n = elf_strptr(e, shstrndx, sh.sh_name);
      if (!n) continue;
      Elf_Data* d = elf_getdata(scn, nullptr);
      if (!d || !d->d_buf) continue;
      if (std::strcmp(n, ".gnu_debuglink") == 0) {
        link.assign(static_cast<const char*>(d->d_buf), strnlen(static_cast<const char*>(d->d_buf), d->d_size));
      } else if (sh.sh_type == SHT_NOTE) {
        size_t off = 0, name_off, desc_off;
        GElf_Nhdr nh;
        while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
          if (nh.n_type == NT_GNU_BUILD_ID && nh.n_descsz > 1 && nh.n_descsz <= 64) {
            const unsigned char* id = static_cast<const unsigned char*>(d->d_buf) + desc_off;
            static const char* hex = "0123456789abcdef";
            for (size_t i = 0; i < nh.n_descsz; ++i) {
              build_id += hex[id[i] >> 4];
              build_id += hex[id[i] & 15];
            }
          }
        }
      }
    }
  }
  std::string dir = fs::path(path).parent_path().string();
  if (!build_id.empty() && !debug_dir.empty())
    candidates.push_back(debug_dir + "/.build-id/" + build_id.substr(0, 2) + "/" + build_id.substr(2) + ".debug");
  if (!link.empty() && link.find('/') == std::string::npos) {
    if (!debug_dir.empty()) candidates.push_back(debug_dir + "/" + link);
    candidates.push_back(dir + "/.debug/" + link);
    candidates.push_back(dir + "/" + link);
  }
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec) && fs::path(c) != fs::path(path)) return c;
  }
  return "";
}

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

  ElfFile debug;
  Elf* dwarf_elf = nullptr;
  std::string dwarf_path = path;
  if (has_section(f.elf, ".debug_info")) {
    dwarf_elf = f.elf;
  } else {
    std::string separate = find_debug_file(f.elf, path, options.debug_dir);
    if (!separate.empty() && open_elf(separate, debug).ok() && has_section(debug.elf, ".debug_info")) {
      dwarf_elf = debug.elf;
      dwarf_path = separate;
    }
  }
  if (!dwarf_elf) return m;  // symbol-level comparison only
  Dwarf* dw = dwarf_begin_elf(dwarf_elf, DWARF_C_READ, nullptr);
  if (!dw) return Error{ErrorCode::kInvalid, dwarf_path + ": cannot read DWARF (" + dwarf_errmsg(-1) + ")"};
  auto types = read_dwarf_types(dw, dwarf_path, m);
  dwarf_end(dw);
  if (!types.ok()) return types.error();
  return m;
}

}  // namespace ltskit::abi
