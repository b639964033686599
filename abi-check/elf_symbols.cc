// ELF: exported symbols with their versions, SONAME and NEEDED.
#include "abi-check/elf_symbols.h"

#include <cxxabi.h>
#include <elf.h>
#include <gelf.h>

#include <cstdlib>
#include <map>

namespace ltskit::abi {

std::string demangle(const std::string& symbol) {
  if (!symbol.starts_with("_Z")) return symbol;
  int status = 0;
  char* d = ::abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !d) return symbol;
  std::string out(d);
  std::free(d);
  return out;
}

namespace {

const char* str(Elf* e, size_t section, size_t offset) {
  const char* s = elf_strptr(e, section, offset);
  return s ? s : nullptr;
}

}  // namespace

Expected<bool> read_elf_symbols(Elf* e, const std::string& path, Model& m) {
  GElf_Ehdr ehdr;
  if (!gelf_getehdr(e, &ehdr))
    return Error{ErrorCode::kInvalid, path + ": not a valid ELF file (" + elf_errmsg(-1) + ")"};
  if (ehdr.e_type != ET_DYN && ehdr.e_type != ET_EXEC && ehdr.e_type != ET_REL)
    return Error{ErrorCode::kUnsupported, path + ": not a shared library, executable or object file (ELF type " +
                                              std::to_string(ehdr.e_type) + ")"};
  Elf_Scn* dynsym = nullptr;
  Elf_Scn* symtab = nullptr;
  Elf_Scn* versym = nullptr;
  Elf_Scn* verdef = nullptr;
  Elf_Scn* dynamic = nullptr;
  GElf_Shdr dynsym_hdr{}, symtab_hdr{}, verdef_hdr{}, dynamic_hdr{};
  for (Elf_Scn* scn = elf_nextscn(e, nullptr); scn; scn = elf_nextscn(e, scn)) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) return Error{ErrorCode::kInvalid, path + ": corrupt section header"};
    switch (sh.sh_type) {
      case SHT_DYNSYM:
        dynsym = scn;
        dynsym_hdr = sh;
        break;
      case SHT_SYMTAB:
        symtab = scn;
        symtab_hdr = sh;
        break;
      case SHT_GNU_versym: versym = scn; break;
      case SHT_GNU_verdef:
        verdef = scn;
        verdef_hdr = sh;
        break;
      case SHT_DYNAMIC:
        dynamic = scn;
        dynamic_hdr = sh;
        break;
      default: break;
    }
  }
  // What is exported, as libabigail reads it: a shared object's (or a
  // PIE's) dynamic symbols; an executable's or an object file's symbol
  // table, which is all a program linked with it can bind to.
  bool use_symtab = (ehdr.e_type == ET_EXEC || ehdr.e_type == ET_REL) ? symtab != nullptr : dynsym == nullptr;
  if (use_symtab) {
    dynsym = symtab;
    dynsym_hdr = symtab_hdr;
    versym = nullptr;  // versions belong to .dynsym
  }
  const bool relocatable = ehdr.e_type == ET_REL;
  if (dynamic) {
    Elf_Data* d = elf_getdata(dynamic, nullptr);
    size_t n = dynamic_hdr.sh_entsize ? dynamic_hdr.sh_size / dynamic_hdr.sh_entsize : 0;
    for (size_t i = 0; d && i < n && i < 100000; ++i) {
      GElf_Dyn dyn;
      if (!gelf_getdyn(d, static_cast<int>(i), &dyn)) break;
      if (dyn.d_tag == DT_NULL) break;
      if (dyn.d_tag == DT_SONAME || dyn.d_tag == DT_NEEDED) {
        const char* s = str(e, dynamic_hdr.sh_link, dyn.d_un.d_val);
        if (!s) return Error{ErrorCode::kInvalid, path + ": .dynamic names a string outside .dynstr"};
        if (dyn.d_tag == DT_SONAME) m.soname = s;
        else m.needed.push_back(s);
      }
    }
  }
  // Version definitions: index -> name.
  std::map<unsigned, std::string> versions;
  if (verdef) {
    Elf_Data* d = elf_getdata(verdef, nullptr);
    size_t off = 0;
    for (unsigned i = 0; d && i < verdef_hdr.sh_info && i < 65536; ++i) {
      GElf_Verdef vd;
      if (!gelf_getverdef(d, static_cast<int>(off), &vd))
        return Error{ErrorCode::kInvalid, path + ": corrupt .gnu.version_d"};
      GElf_Verdaux aux;
      if (vd.vd_cnt > 0 && gelf_getverdaux(d, static_cast<int>(off + vd.vd_aux), &aux)) {
        const char* s = str(e, verdef_hdr.sh_link, aux.vda_name);
        if (!s) return Error{ErrorCode::kInvalid, path + ": .gnu.version_d names a string outside .dynstr"};
        // The base definition (VER_FLG_BASE) names the file, not a version.
        if (!(vd.vd_flags & VER_FLG_BASE)) versions[vd.vd_ndx] = s;
      }
      if (vd.vd_next == 0) break;
      off += vd.vd_next;
    }
  }
  if (!dynsym) return true;  // nothing exported
  Elf_Data* syms = elf_getdata(dynsym, nullptr);
  Elf_Data* vers = versym ? elf_getdata(versym, nullptr) : nullptr;
  const char* table = use_symtab ? ".symtab" : ".dynsym";
  if (!syms) return Error{ErrorCode::kInvalid, path + ": cannot read " + table};
  size_t n = dynsym_hdr.sh_entsize ? dynsym_hdr.sh_size / dynsym_hdr.sh_entsize : 0;
  if (n > 10000000) return Error{ErrorCode::kInvalid, path + ": absurd " + table + " size"};
  for (size_t i = 1; i < n; ++i) {
    GElf_Sym sym;
    if (!gelf_getsym(syms, static_cast<int>(i), &sym))
      return Error{ErrorCode::kInvalid, path + ": corrupt " + table + " entry " + std::to_string(i)};
    if (sym.st_shndx == SHN_UNDEF) continue;
    int bind = GELF_ST_BIND(sym.st_info);
    int type = GELF_ST_TYPE(sym.st_info);
    int vis = GELF_ST_VISIBILITY(sym.st_other);
    if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE) continue;
    if (vis != STV_DEFAULT && vis != STV_PROTECTED) continue;
    Symbol s;
    if (type == STT_FUNC || type == STT_GNU_IFUNC) s.kind = SymbolKind::kFunction;
    else if (type == STT_OBJECT || type == STT_COMMON) s.kind = SymbolKind::kObject;
    else if (type == STT_TLS) s.kind = SymbolKind::kTls;
    else continue;
    const char* name = str(e, dynsym_hdr.sh_link, sym.st_name);
    if (!name)
      return Error{ErrorCode::kInvalid,
                   path + ": " + table + " entry " + std::to_string(i) + " names a string outside its string table"};
    if (!*name) continue;
    // The absolute symbols the linker emits for version nodes are not API.
    if (sym.st_shndx == SHN_ABS && sym.st_value == 0) {
      bool is_version = false;
      for (const auto& [idx, v] : versions) is_version = is_version || v == name;
      if (is_version) continue;
    }
    s.name = name;
    s.size = sym.st_size;
    // In an object file st_value is an offset in its section: the section
    // goes with it (section index in the top 16 bits).
    s.address = relocatable ? (static_cast<uint64_t>(sym.st_shndx) << 48 | sym.st_value) + 1 : sym.st_value;
    s.binding = bind == STB_GLOBAL ? "global" : bind == STB_WEAK ? "weak" : "gnu_unique";
    s.visibility = vis == STV_DEFAULT ? "default" : "protected";
    if (vers) {
      GElf_Versym vs;
      if (gelf_getversym(vers, static_cast<int>(i), &vs)) {
        unsigned idx = vs & 0x7fff;
        auto it = versions.find(idx);
        if (it != versions.end()) {
          s.version = it->second;
          s.default_version = (vs & 0x8000) == 0;
        }
      }
    }
    m.symbols[s.key()] = s;
  }
  return true;
}

}  // namespace ltskit::abi
