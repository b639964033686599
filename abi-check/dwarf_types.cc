#include "abi-check/dwarf_types.h"

#include <dwarf.h>
#include <gelf.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ltskit::abi {
namespace {

constexpr int kMaxDepth = 96;
constexpr size_t kMaxTypes = 2000000;

class Reader {
 public:
  Reader(Dwarf* dwarf, const std::string& path, Model& m) : dwarf_(dwarf), path_(path), m_(m) {
    for (const auto& [key, s] : m.symbols) {
      if (s.kind == SymbolKind::kFunction) functions_.insert(s.name);
      else variables_.insert(s.name);
    }
  }

  Expected<bool> run() {
    Dwarf_Off off = 0, next = 0;
    size_t header = 0;
    size_t units = 0;
    while (dwarf_nextcu(dwarf_, off, &next, &header, nullptr, nullptr, nullptr) == 0) {
      if (++units > 1000000) return Error{ErrorCode::kInvalid, path_ + ": too many compilation units"};
      Dwarf_Die cu;
      if (dwarf_offdie(dwarf_, off + header, &cu)) {
        m_.has_debug_info = true;
        Dwarf_Word language = 0;
        cxx_ = udata(&cu, DW_AT_language, language) &&
               (language == DW_LANG_C_plus_plus || language == DW_LANG_C_plus_plus_03 ||
                language == DW_LANG_C_plus_plus_11 || language == DW_LANG_C_plus_plus_14);
        // Where the library's own files are: the folder it was compiled in
        // and, for an out-of-tree build (CMake, Meson), the folder of each
        // unit's source file.
        std::string comp_dir = attr_string(&cu, DW_AT_comp_dir);
        std::string source = attr_string(&cu, DW_AT_name);
        if (!source.empty() && source[0] != '/' && !comp_dir.empty()) source = comp_dir + "/" + source;
        size_t slash = source.rfind('/');
        std::string source_dir = slash == std::string::npos || slash == 0 ? "" : source.substr(0, slash);
        if (source_dir.find("/.") != std::string::npos || source_dir.find("//") != std::string::npos)
          source_dir = std::filesystem::path(source_dir).lexically_normal().string();
        while (source_dir.size() > 1 && source_dir.back() == '/') source_dir.pop_back();
        for (const std::string* dir : {&comp_dir, &source_dir})
          if (!dir->empty() && (*dir)[0] == '/' &&
              std::find(m_.source_dirs.begin(), m_.source_dirs.end(), *dir) == m_.source_dirs.end() &&
              m_.source_dirs.size() < 4096)
            m_.source_dirs.push_back(*dir);
        // Scopes first: a type may be referenced before its DIE comes.
        collect_symbols_ = false;
        scan(&cu, "", 0);
        collect_symbols_ = true;
        scan(&cu, "", 0);
      }
      if (next <= off) break;
      off = next;
    }
    if (failed_) return Error{ErrorCode::kInvalid, path_ + ": " + failure_};
    std::sort(m_.source_dirs.begin(), m_.source_dirs.end());
    return true;
  }

 private:
  static std::string attr_string(Dwarf_Die* die, int name) {
    Dwarf_Attribute a;
    if (!dwarf_attr_integrate(die, name, &a)) return "";
    const char* s = dwarf_formstring(&a);
    return s ? s : "";
  }

  // What tells DIEs apart: their place in memory. Offsets are per file, and
  // with a dwz supplementary file two DIEs may share one.
  static uintptr_t die_id(Dwarf_Die* die) { return reinterpret_cast<uintptr_t>(die->addr); }

  static bool has_attr(Dwarf_Die* die, int name) { return dwarf_hasattr_integrate(die, name) != 0; }

  static bool flag(Dwarf_Die* die, int name) {
    Dwarf_Attribute a;
    bool v = false;
    if (!dwarf_attr_integrate(die, name, &a)) return false;
    return dwarf_formflag(&a, &v) == 0 && v;
  }

  static bool udata(Dwarf_Die* die, int name, Dwarf_Word& out) {
    Dwarf_Attribute a;
    if (!dwarf_attr_integrate(die, name, &a)) return false;
    return dwarf_formudata(&a, &out) == 0;
  }

  static bool type_of(Dwarf_Die* die, Dwarf_Die& out) {
    Dwarf_Attribute a;
    if (!dwarf_attr_integrate(die, DW_AT_type, &a)) return false;
    return dwarf_formref_die(&a, &out) != nullptr;
  }

  static std::string linkage_name(Dwarf_Die* die) {
    std::string s = attr_string(die, DW_AT_linkage_name);
    if (s.empty()) s = attr_string(die, DW_AT_MIPS_linkage_name);
    return s;
  }

  // Walks every DIE once: records scopes of named types, and exported
  // functions and variables.
  void scan(Dwarf_Die* die, const std::string& scope, int depth) {
    if (failed_ || depth > kMaxDepth) return;
    Dwarf_Die child;
    if (dwarf_child(die, &child) != 0) return;
    size_t guard = 0;
    do {
      if (++guard > 50000000) return fail("too many DIEs");
      int tag = dwarf_tag(&child);
      switch (tag) {
        case DW_TAG_namespace:
        case DW_TAG_class_type:
        case DW_TAG_structure_type:
        case DW_TAG_union_type: {
          const char* n = dwarf_diename(&child);
          std::string inner = scope;
          if (n) inner = scope + n + "::";
          else if (tag == DW_TAG_namespace) inner = scope + "(anonymous namespace)::";
          if (tag != DW_TAG_namespace && !collect_symbols_ && !scope.empty()) scope_of_[die_id(&child)] = scope;
          scan(&child, inner, depth + 1);
          break;
        }
        case DW_TAG_enumeration_type:
          if (!collect_symbols_ && !scope.empty()) scope_of_[die_id(&child)] = scope;
          break;
        case DW_TAG_typedef:
          if (!collect_symbols_) {
            if (!scope.empty()) scope_of_[die_id(&child)] = scope;
            name_anonymous_target(&child, scope);
          }
          break;
        case DW_TAG_subprogram:
          if (collect_symbols_) subprogram(&child, scope);
          break;
        case DW_TAG_variable:
          if (collect_symbols_) variable(&child, scope);
          break;
        case DW_TAG_imported_unit: {
          // dwz moved DIEs shared by several units into a partial unit
          // (perhaps in the supplementary file): they are this unit's too.
          Dwarf_Attribute a;
          Dwarf_Die unit;
          if (dwarf_attr(&child, DW_AT_import, &a) && dwarf_formref_die(&a, &unit) &&
              imported_.insert({die_id(&unit), collect_symbols_}).second)
            scan(&unit, scope, depth + 1);
          break;
        }
        case DW_TAG_lexical_block: break;
        default: break;
      }
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  void subprogram(Dwarf_Die* die, const std::string& scope) {
    if (flag(die, DW_AT_declaration) && !has_attr(die, DW_AT_low_pc) && !has_attr(die, DW_AT_ranges)) return;
    if (!has_attr(die, DW_AT_low_pc) && !has_attr(die, DW_AT_ranges) && !has_attr(die, DW_AT_entry_pc)) return;
    std::string link = linkage_name(die);
    const char* n = dwarf_diename(die);
    std::string sym = !link.empty() ? link : (n ? n : "");
    if (sym.empty() || !functions_.count(sym) || m_.functions.count(sym)) return;
    Function f;
    f.symbol = sym;
    f.name = link.empty() ? sym : demangle(link);
    (void)scope;
    Dwarf_Die t;
    f.return_type = type_of(die, t) ? key_of(&t, 0) : "void";
    Dwarf_Die child;
    if (dwarf_child(die, &child) == 0) {
      do {
        if (dwarf_tag(&child) == DW_TAG_formal_parameter) {
          Dwarf_Die pt;
          f.params.push_back(type_of(&child, pt) ? key_of(&pt, 0) : "unknown");
        } else if (dwarf_tag(&child) == DW_TAG_unspecified_parameters) {
          f.params.push_back("...");
        }
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    m_.functions[sym] = std::move(f);
  }

  void variable(Dwarf_Die* die, const std::string& scope) {
    if (!has_attr(die, DW_AT_location)) return;
    std::string link = linkage_name(die);
    const char* n = dwarf_diename(die);
    std::string sym = !link.empty() ? link : (n ? n : "");
    if (sym.empty() || !variables_.count(sym) || m_.variables.count(sym)) return;
    Variable v;
    v.symbol = sym;
    v.name = link.empty() ? scope + sym : demangle(link);
    Dwarf_Die t;
    v.type = type_of(die, t) ? key_of(&t, 0) : "unknown";
    m_.variables[sym] = std::move(v);
  }

  void fail(const std::string& why) {
    if (!failed_) {
      failed_ = true;
      failure_ = why;
    }
  }

  // `typedef struct { ... } S;`: the anonymous struct is known by S, as C
  // programmers know it, so that it keeps its identity when its members
  // change (libabigail names it the same way).
  void name_anonymous_target(Dwarf_Die* typedef_die, const std::string& scope) {
    const char* n = dwarf_diename(typedef_die);
    Dwarf_Die target;
    if (!n || !type_of(typedef_die, target) || dwarf_diename(&target)) return;
    int tag = dwarf_tag(&target);
    if (tag != DW_TAG_structure_type && tag != DW_TAG_class_type && tag != DW_TAG_union_type &&
        tag != DW_TAG_enumeration_type)
      return;
    anonymous_name_.emplace(die_id(&target), "(anonymous, typedef " + scope + n + ")");
  }

  // The file a DIE's DW_AT_decl_file names. libdw's dwarf_decl_file reads
  // the unit's whole line program (and sorts it) to learn its file names,
  // the dearest part of reading a large library; the names are all in the
  // .debug_line header, which is read here, once per unit. Anything unusual
  // (compressed sections, an object file's unrelocated offsets, a header
  // that does not parse) falls back to libdw.
  std::string decl_file(Dwarf_Die* die) {
    Dwarf_Attribute a;
    Dwarf_Word index = 0;
    if (!dwarf_attr_integrate(die, DW_AT_decl_file, &a) || dwarf_formudata(&a, &index) != 0) return "";
    const FileTable& t = file_table(a.cu);
    if (t.ok && index >= t.first && index - t.first < t.files.size()) return t.files[index - t.first];
    const char* file = dwarf_decl_file(die);
    return file ? file : "";
  }

  struct FileTable {
    bool ok = false;
    size_t first = 1;  // the index of files[0]: 1 before DWARF 5, 0 since
    std::vector<std::string> files;
  };
  struct Sections {
    bool ok = false;
    std::string_view line, line_str, str;
  };

  const Sections& sections_of(Dwarf* dwarf) {
    auto [it, fresh] = sections_.try_emplace(dwarf);
    if (!fresh) return it->second;
    Sections& out = it->second;
    Elf* e = dwarf_getelf(dwarf);
    GElf_Ehdr eh;
    size_t shstrndx = 0;
    if (!e || !gelf_getehdr(e, &eh) || eh.e_type == ET_REL || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
        elf_getshdrstrndx(e, &shstrndx) != 0)
      return out;
    for (Elf_Scn* scn = elf_nextscn(e, nullptr); scn; scn = elf_nextscn(e, scn)) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh)) return out;
      const char* n = elf_strptr(e, shstrndx, sh.sh_name);
      if (!n) continue;
      std::string_view* dst = std::strcmp(n, ".debug_line") == 0       ? &out.line
                              : std::strcmp(n, ".debug_line_str") == 0 ? &out.line_str
                              : std::strcmp(n, ".debug_str") == 0      ? &out.str
                                                                       : nullptr;
      if (!dst) continue;
      if ((sh.sh_flags & SHF_COMPRESSED) || sh.sh_type == SHT_NOBITS) return out;
      Elf_Data* d = elf_rawdata(scn, nullptr);
      if (!d || !d->d_buf) return out;
      *dst = std::string_view(static_cast<const char*>(d->d_buf), d->d_size);
    }
    out.ok = !out.line.empty();
    return out;
  }

  const FileTable& file_table(Dwarf_CU* cu) {
    auto [it, fresh] = file_tables_.try_emplace(cu);
    if (!fresh) return it->second;
    FileTable& t = it->second;
    Dwarf_Die cudie;
    Dwarf_Word stmt = 0;
    Dwarf* dwarf = dwarf_cu_getdwarf(cu);
    if (!dwarf || !dwarf_cu_die(cu, &cudie, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr) ||
        !udata(&cudie, DW_AT_stmt_list, stmt))
      return t;
    const Sections& sec = sections_of(dwarf);
    if (!sec.ok || stmt >= sec.line.size()) return t;
    std::string comp_dir = attr_string(&cudie, DW_AT_comp_dir);
    t.ok = parse_file_table(sec, sec.line.substr(stmt), comp_dir, t);
    if (!t.ok) t.files.clear();
    return t;
  }

  // The file names of the line program header at the start of `h`
  // (DWARF 2 to 5), as full paths.
  static bool parse_file_table(const Sections& sec, std::string_view h, const std::string& comp_dir, FileTable& t) {
    size_t p = 0;
    bool bad = false;
    auto u8 = [&]() -> uint64_t {
      if (p + 1 > h.size()) return bad = true, 0;
      return static_cast<unsigned char>(h[p++]);
    };
    auto fixed = [&](int n) -> uint64_t {
      if (p + n > h.size()) return bad = true, 0;
      uint64_t v = 0;
      for (int i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>(h[p + i])} << (8 * i);
      p += n;
      return v;
    };
    auto uleb = [&]() -> uint64_t {
      uint64_t v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        uint64_t b = u8();
        if (bad) return 0;
        v |= (b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
      }
      bad = true;
      return 0;
    };
    auto cstr = [&](std::string_view in, size_t at) -> std::string {
      if (at >= in.size()) return bad = true, std::string();
      size_t end = in.find('\0', at);
      if (end == std::string_view::npos) return bad = true, std::string();
      return std::string(in.substr(at, end - at));
    };
    auto inline_str = [&]() {
      std::string v = cstr(h, p);
      p += v.size() + 1;
      return v;
    };
    uint64_t length = fixed(4);
    int offset_size = 4;
    if (length == 0xffffffff) {
      length = fixed(8);
      offset_size = 8;
    }
    if (bad || length > h.size() - p) return false;
    h = h.substr(0, p + length);
    uint64_t version = fixed(2);
    if (version < 2 || version > 5) return false;
    if (version >= 5) p += 2;  // address_size, segment_selector_size
    uint64_t header_length = fixed(offset_size);
    if (bad || header_length > h.size() - p) return false;
    h = h.substr(0, p + header_length);
    p += version >= 4 ? 5 : 4;  // min_inst_length, [max_ops], default_is_stmt, line_base, line_range
    uint64_t opcode_base = u8();
    if (bad || opcode_base == 0) return false;
    p += opcode_base - 1;
    if (p > h.size()) return false;
    auto join = [](const std::string& dir, const std::string& name) {
      if (name.empty() || name[0] == '/' || dir.empty()) return name;
      std::string joined = dir + "/" + name;
      if (joined.find("/.") == std::string::npos && joined.find("//") == std::string::npos) return joined;
      return std::filesystem::path(joined).lexically_normal().string();  // "dir/./x.h", "dir//x.h"
    };
    std::vector<std::string> dirs;
    if (version < 5) {
      dirs.push_back(comp_dir);
      for (std::string d = inline_str(); !bad && !d.empty(); d = inline_str()) dirs.push_back(join(comp_dir, d));
      for (std::string f = inline_str(); !bad && !f.empty(); f = inline_str()) {
        uint64_t dir = uleb();
        uleb();  // mtime
        uleb();  // length
        if (bad || dir >= dirs.size()) return false;
        t.files.push_back(join(dirs[dir], f));
      }
      t.first = 1;
      return !bad;
    }
    // DWARF 5: entry formats, then entries, for directories and for files.
    auto entries = [&](bool files) -> bool {
      uint64_t format_count = u8();
      std::vector<std::pair<uint64_t, uint64_t>> format;
      for (uint64_t i = 0; i < format_count && !bad; ++i) {
        uint64_t content = uleb();
        format.emplace_back(content, uleb());
      }
      uint64_t count = uleb();
      if (bad || count > 1000000) return false;
      for (uint64_t i = 0; i < count; ++i) {
        std::string path;
        uint64_t dir = 0;
        for (const auto& [content, form] : format) {
          std::string sv;
          uint64_t num = 0;
          switch (form) {
            case DW_FORM_string: sv = inline_str(); break;
            case DW_FORM_line_strp: sv = cstr(sec.line_str, fixed(offset_size)); break;
            case DW_FORM_strp: sv = cstr(sec.str, fixed(offset_size)); break;
            case DW_FORM_udata: num = uleb(); break;
            case DW_FORM_data1: num = fixed(1); break;
            case DW_FORM_data2: num = fixed(2); break;
            case DW_FORM_data4: num = fixed(4); break;
            case DW_FORM_data8: num = fixed(8); break;
            case DW_FORM_data16: p += 16; break;
            case DW_FORM_block: p += uleb(); break;
            default: return false;  // a form this reader does not know: libdw's turn
          }
          if (bad || p > h.size()) return false;
          if (content == DW_LNCT_path) path = sv;
          else if (content == DW_LNCT_directory_index) dir = num;
        }
        if (!files) {
          dirs.push_back(dirs.empty() ? (path.empty() ? comp_dir : path) : join(dirs.front(), path));
        } else {
          if (dir >= dirs.size()) return false;
          t.files.push_back(join(dirs[dir], path));
        }
      }
      return true;
    };
    if (!entries(false) || !entries(true)) return false;
    t.first = 0;
    return !bad;
  }

  // GCC's spelling of C's integer types, whatever the compiler wrote:
  // clang's "unsigned long long" is GCC's "long long unsigned int".
  static std::string canonical_base_name(const std::string& name) {
    int longs = 0;
    bool is_unsigned = false, is_signed = false, is_short = false, is_char = false, is_int = false;
    size_t i = 0;
    while (i < name.size()) {
      size_t j = name.find(' ', i);
      if (j == std::string::npos) j = name.size();
      std::string w = name.substr(i, j - i);
      if (w == "long") ++longs;
      else if (w == "unsigned") is_unsigned = true;
      else if (w == "signed") is_signed = true;
      else if (w == "short") is_short = true;
      else if (w == "char") is_char = true;
      else if (w == "int") is_int = true;
      else if (!w.empty()) return name;  // not a plain integer type: as written
      i = j + 1;
    }
    if (is_char) return is_unsigned ? "unsigned char" : is_signed ? "signed char" : "char";
    if (!longs && !is_short && !is_unsigned && !is_signed && !is_int) return name;
    std::string out = is_short ? "short " : longs == 1 ? "long " : longs >= 2 ? "long long " : "";
    return out + (is_unsigned ? "unsigned int" : "int");
  }

  std::string scope_for(Dwarf_Die* die) {
    auto it = scope_of_.find(die_id(die));
    return it == scope_of_.end() ? "" : it->second;
  }

  // The canonical key of the type at `die`, creating its entry in m_.types.
  std::string key_of(Dwarf_Die* die, int depth) {
    if (depth > kMaxDepth) return "unknown";
    uintptr_t off = die_id(die);
    auto memo = key_by_offset_.find(off);
    if (memo != key_by_offset_.end()) return memo->second;
    // A type that reaches itself without a name to stop at (only corrupt
    // DWARF does that: a pointer whose pointee is the function type it is a
    // parameter of) would recurse without end.
    if (!in_progress_.insert(off).second) return "unknown";
    struct Done {
      std::set<uintptr_t>& set;
      uintptr_t off;
      ~Done() { set.erase(off); }
    } done{in_progress_, off};
    if (m_.types.size() > kMaxTypes) {
      fail("more than " + std::to_string(kMaxTypes) + " types");
      return "unknown";
    }
    int tag = dwarf_tag(die);
    const char* raw_name = dwarf_diename(die);
    std::string name = raw_name ? raw_name : "";
    Type t;
    std::string key;
    auto wrapped = [&](TypeKind kind, const char* prefix, const char* suffix) {
      Dwarf_Die target;
      std::string tk = type_of(die, target) ? key_of(&target, depth + 1) : "void";
      t.kind = kind;
      t.target = tk;
      Dwarf_Word sz = 0;
      if (udata(die, DW_AT_byte_size, sz)) t.size = sz;
      else if (kind == TypeKind::kPointer || kind == TypeKind::kReference || kind == TypeKind::kRvalueReference)
        t.size = 8;
      std::string tn = type_name(tk);
      t.name = std::string(prefix) + tn + suffix;
      key = std::string(type_kind_name(kind)) + "(" + tk + ")";
    };
    switch (tag) {
      case DW_TAG_base_type:
      case DW_TAG_unspecified_type: {
        t.kind = tag == DW_TAG_base_type ? TypeKind::kBase : TypeKind::kVoid;
        t.name = name.empty() ? "?" : canonical_base_name(name);
        Dwarf_Word sz = 0;
        if (udata(die, DW_AT_byte_size, sz)) t.size = sz;
        key = t.name;
        break;
      }
      case DW_TAG_pointer_type: wrapped(TypeKind::kPointer, "", "*"); break;
      case DW_TAG_reference_type: wrapped(TypeKind::kReference, "", "&"); break;
      case DW_TAG_rvalue_reference_type: wrapped(TypeKind::kRvalueReference, "", "&&"); break;
      case DW_TAG_const_type: wrapped(TypeKind::kConst, "const ", ""); break;
      case DW_TAG_volatile_type: wrapped(TypeKind::kVolatile, "volatile ", ""); break;
      case DW_TAG_restrict_type:
      case DW_TAG_atomic_type: {
        // Qualifiers that do not change the ABI: look through them.
        Dwarf_Die target;
        key = type_of(die, target) ? key_of(&target, depth + 1) : "void";
        key_by_offset_[off] = key;
        return key;
      }
      case DW_TAG_typedef: {
        t.kind = TypeKind::kTypedef;
        t.name = scope_for(die) + name;
        key = "typedef " + t.name;
        key_by_offset_[off] = key;  // typedefs may be recursive through pointers
        Dwarf_Die target;
        t.target = type_of(die, target) ? key_of(&target, depth + 1) : "void";
        break;
      }
      case DW_TAG_array_type: {
        Dwarf_Die target;
        std::string tk = type_of(die, target) ? key_of(&target, depth + 1) : "void";
        // One subrange per dimension: int m[2][3] is an array of 2 arrays of
        // 3 ints, as C sees it.
        std::vector<uint64_t> counts;
        Dwarf_Die child;
        if (dwarf_child(die, &child) == 0) {
          do {
            if (dwarf_tag(&child) == DW_TAG_subrange_type && counts.size() < 16) {
              Dwarf_Word c = 0;
              if (udata(&child, DW_AT_count, c)) counts.push_back(c);
              else if (udata(&child, DW_AT_upper_bound, c)) counts.push_back(c + 1);
              else counts.push_back(0);
            }
          } while (dwarf_siblingof(&child, &child) == 0);
        }
        if (counts.empty()) counts.push_back(0);
        auto element_size = [&](const std::string& k) -> uint64_t {
          auto it = m_.types.find(k);
          return it == m_.types.end() ? 0 : it->second.size;
        };
        for (size_t i = counts.size(); i-- > 1;) {
          Type inner;
          inner.kind = TypeKind::kArray;
          inner.target = tk;
          inner.count = counts[i];
          inner.size = counts[i] * element_size(tk);
          inner.name = type_name(tk) + "[" + (counts[i] ? std::to_string(counts[i]) : "") + "]";
          std::string inner_key = "array[" + std::to_string(counts[i]) + "](" + tk + ")";
          m_.types.emplace(inner_key, std::move(inner));
          tk = inner_key;
        }
        t.kind = TypeKind::kArray;
        t.target = tk;
        t.count = counts[0];
        Dwarf_Word sz = 0;
        if (dwarf_aggregate_size(die, &sz) == 0) t.size = sz;
        t.name = type_name(tk) + "[" + (t.count ? std::to_string(t.count) : "") + "]";
        key = "array[" + std::to_string(t.count) + "](" + tk + ")";
        break;
      }
      case DW_TAG_subroutine_type: {
        t.kind = TypeKind::kFunction;
        Dwarf_Die target;
        t.target = type_of(die, target) ? key_of(&target, depth + 1) : "void";
        Dwarf_Die child;
        if (dwarf_child(die, &child) == 0) {
          do {
            if (dwarf_tag(&child) == DW_TAG_formal_parameter) {
              Dwarf_Die pt;
              t.params.push_back(type_of(&child, pt) ? key_of(&pt, depth + 1) : "unknown");
            } else if (dwarf_tag(&child) == DW_TAG_unspecified_parameters) {
              t.params.push_back("...");
            }
          } while (dwarf_siblingof(&child, &child) == 0);
        }
        key = "fn(" + t.target + ";";
        for (const auto& p : t.params) key += p + ",";
        key += ")";
        t.name = type_name(t.target) + "(*)(...)";
        break;
      }
      case DW_TAG_ptr_to_member_type: {
        wrapped(TypeKind::kPointerToMember, "", " member pointer");
        Dwarf_Attribute a;
        Dwarf_Die cls;
        if (dwarf_attr_integrate(die, DW_AT_containing_type, &a) && dwarf_formref_die(&a, &cls))
          t.containing = key_of(&cls, depth + 1);
        key = "member-pointer(" + t.target + ";" + t.containing + ")";
        t.name = type_name(t.target) + " " + type_name(t.containing) + "::*";
        break;
      }
      case DW_TAG_structure_type:
      case DW_TAG_class_type:
      case DW_TAG_union_type:
      case DW_TAG_enumeration_type: {
        t.kind = tag == DW_TAG_structure_type ? TypeKind::kStruct
                 : tag == DW_TAG_class_type   ? TypeKind::kClass
                 : tag == DW_TAG_union_type   ? TypeKind::kUnion
                                              : TypeKind::kEnum;
        const char* word = tag == DW_TAG_union_type ? "union " : tag == DW_TAG_enumeration_type ? "enum " : "struct ";
        auto anonymous = anonymous_name_.find(off);
        if (!name.empty()) {
          t.name = scope_for(die) + name;
          key = word + t.name;
        } else if (anonymous != anonymous_name_.end()) {
          t.name = anonymous->second;
          key = word + t.name;
        } else {
          // Anonymous and named by nothing (the type of a variable, a
          // parameter, a pointer): known by where it is declared, which
          // tells two such types apart; a comparison of two anonymous types
          // looks at their layouts, wherever they are.
          int line = 0;
          std::string where = decl_file(die);
          if (size_t slash = where.rfind('/'); slash != std::string::npos) where = where.substr(slash + 1);
          if (dwarf_decl_line(die, &line) == 0 && line > 0) where += ":" + std::to_string(line);
          if (where.empty()) where = "offset " + std::to_string(dwarf_dieoffset(die));
          t.name = "(anonymous at " + where + ")";
          key = word + t.name;
        }
        t.cxx = cxx_;
        t.declaration_only = flag(die, DW_AT_declaration);
        key_by_offset_[off] = key;  // before the members: cuts cycles
        auto existing = m_.types.find(key);
        if (existing != m_.types.end() && (!existing->second.declaration_only || t.declaration_only)) return key;
        Dwarf_Word sz = 0;
        if (udata(die, DW_AT_byte_size, sz)) t.size = sz;
        if (!t.declaration_only) {
          t.decl_file = decl_file(die);
          int line = 0;
          if (dwarf_decl_line(die, &line) == 0 && line > 0) t.decl_line = line;
          Dwarf_Die underlying;
          if (t.kind == TypeKind::kEnum && type_of(die, underlying)) t.target = key_of(&underlying, depth + 1);
          aggregate_body(die, key, t, depth);
        }
        m_.types[key] = std::move(t);
        return key;
      }
      default:
        t.kind = TypeKind::kUnknown;
        t.name = "unknown tag " + std::to_string(tag);
        key = t.name;
        break;
    }
    key_by_offset_[off] = key;
    if (!m_.types.count(key)) m_.types[key] = std::move(t);
    return key;
  }

  std::string type_name(const std::string& key) {
    auto it = m_.types.find(key);
    return it == m_.types.end() ? key : it->second.name;
  }

  static bool vtable_index(Dwarf_Die* die, int64_t& index) {
    Dwarf_Attribute a;
    if (!dwarf_attr(die, DW_AT_vtable_elem_location, &a)) return false;
    Dwarf_Op* ops = nullptr;
    size_t n = 0;
    if (dwarf_getlocation(&a, &ops, &n) != 0 || n == 0) return false;
    if (ops[0].atom == DW_OP_constu) {
      index = static_cast<int64_t>(ops[0].number);
      return true;
    }
    return false;
  }

  // A member's offset in bytes: a constant (DWARF 4+) or, as DWARF 2 and 3
  // producers write it, a location expression pushing it
  // (DW_OP_plus_uconst N). nullopt when it is an expression that needs the
  // object (a virtual base's offset) or cannot be read; a member without
  // the attribute (a union's) is at 0.
  static std::optional<int64_t> member_location(Dwarf_Die* die) {
    Dwarf_Attribute a;
    if (!dwarf_attr_integrate(die, DW_AT_data_member_location, &a)) return 0;
    Dwarf_Word w = 0;
    int form = dwarf_whatform(&a);
    if (form != DW_FORM_block1 && form != DW_FORM_block2 && form != DW_FORM_block4 && form != DW_FORM_block &&
        form != DW_FORM_exprloc && dwarf_formudata(&a, &w) == 0)
      return static_cast<int64_t>(w);
    Dwarf_Op* ops = nullptr;
    size_t n = 0;
    if (dwarf_getlocation(&a, &ops, &n) != 0) return std::nullopt;
    if (n == 1 && (ops[0].atom == DW_OP_plus_uconst || ops[0].atom == DW_OP_constu))
      return static_cast<int64_t>(ops[0].number);
    if (n == 2 && ops[0].atom == DW_OP_constu && ops[1].atom == DW_OP_plus) return static_cast<int64_t>(ops[0].number);
    return std::nullopt;
  }

  void aggregate_body(Dwarf_Die* die, const std::string& key, Type& t, int depth) {
    Dwarf_Die child;
    if (dwarf_child(die, &child) != 0) return;
    size_t guard = 0;
    int anonymous_members = 0;
    bool unreadable_offsets = false;
    do {
      if (++guard > 100000) return fail("an aggregate with more than 100000 members");
      int tag = dwarf_tag(&child);
      if (tag == DW_TAG_member && !flag(&child, DW_AT_external) && !flag(&child, DW_AT_declaration)) {
        Member mem;
        const char* mn = dwarf_diename(&child);
        mem.name = mn ? mn : "";
        Dwarf_Die mt;
        bool has_type = type_of(&child, mt);
        int mtag = has_type ? dwarf_tag(&mt) : 0;
        if (has_type && !dwarf_diename(&mt) &&
            (mtag == DW_TAG_structure_type || mtag == DW_TAG_union_type || mtag == DW_TAG_class_type ||
             mtag == DW_TAG_enumeration_type)) {
          // An anonymous type of a member: named by its place in this
          // aggregate (the member's name, or its rank among unnamed
          // members), not by its contents, which may change.
          anonymous_name_.emplace(die_id(&mt),
                                  mn ? "(anonymous, member " + std::string(mn) + " of " + key + ")"
                                     : "(anonymous #" + std::to_string(++anonymous_members) + " in " + key + ")");
        }
        mem.type = has_type ? key_of(&mt, depth + 1) : "unknown";
        Dwarf_Word bit = 0, bits = 0;
        std::optional<int64_t> loc;
        if (udata(&child, DW_AT_data_bit_offset, bit)) {
          mem.offset_bits = static_cast<int64_t>(bit);
        } else if ((loc = member_location(&child))) {
          mem.offset_bits = *loc * 8;
          Dwarf_Word old_bit = 0, byte_size = 0;
          if (udata(&child, DW_AT_bit_offset, old_bit) && udata(&child, DW_AT_bit_size, bits)) {
            if (!udata(&child, DW_AT_byte_size, byte_size)) byte_size = 4;
            mem.offset_bits += static_cast<int64_t>(byte_size * 8 - old_bit - bits);  // little endian
          }
        } else {
          unreadable_offsets = true;
        }
        if (udata(&child, DW_AT_bit_size, bits)) mem.bit_size = static_cast<int64_t>(bits);
        t.members.push_back(std::move(mem));
      } else if (tag == DW_TAG_inheritance) {
        Member base;
        Dwarf_Die bt;
        base.type = type_of(&child, bt) ? key_of(&bt, depth + 1) : "unknown";
        // A virtual base's offset is read from the vtable at run time: -1.
        std::optional<int64_t> loc = member_location(&child);
        base.offset_bits = loc ? *loc * 8 : -1;
        Dwarf_Word virtuality = 0;
        base.name = (udata(&child, DW_AT_virtuality, virtuality) && virtuality != 0) || !loc ? "virtual" : "";
        t.bases.push_back(std::move(base));
      } else if (tag == DW_TAG_subprogram) {
        int64_t index = 0;
        if (vtable_index(&child, index)) {
          std::string link = linkage_name(&child);
          const char* n = dwarf_diename(&child);
          t.vtable.push_back({index, !link.empty() ? demangle(link) : (n ? n : "?")});
        }
      } else if (tag == DW_TAG_enumerator) {
        Enumerator e;
        const char* en = dwarf_diename(&child);
        e.name = en ? en : "";
        Dwarf_Attribute a;
        if (dwarf_attr(&child, DW_AT_const_value, &a)) {
          Dwarf_Sword sv = 0;
          Dwarf_Word uv = 0;
          if (dwarf_formsdata(&a, &sv) == 0) e.value = sv;
          else if (dwarf_formudata(&a, &uv) == 0) e.value = static_cast<int64_t>(uv);
        }
        t.enumerators.push_back(std::move(e));
      }
    } while (dwarf_siblingof(&child, &child) == 0);
    if (unreadable_offsets && m_.debug_notes.size() < 20)
      m_.debug_notes.push_back(path_ + ": " + std::string(aggregate_word(t.kind)) + t.name +
                               ": member offsets are DWARF expressions that could not be evaluated; read as 0");
    std::sort(t.vtable.begin(), t.vtable.end(),
              [](const VirtualFunction& a, const VirtualFunction& b) { return a.index < b.index; });
  }

  Dwarf* dwarf_;
  std::string path_;
  Model& m_;
  std::set<std::string> functions_, variables_;
  std::unordered_map<uintptr_t, std::string> scope_of_;  // only DIEs inside a named scope
  std::unordered_map<uintptr_t, std::string> key_by_offset_;
  std::unordered_map<uintptr_t, std::string> anonymous_name_;  // anonymous aggregates named by context
  bool failed_ = false;
  bool collect_symbols_ = false;
  std::set<std::pair<uintptr_t, bool>> imported_;  // partial units scanned, per pass
  std::set<uintptr_t> in_progress_;                // types being keyed (cycle guard)
  std::unordered_map<Dwarf_CU*, FileTable> file_tables_;
  std::unordered_map<Dwarf*, Sections> sections_;
  bool cxx_ = false;  // the current unit is C++
  std::string failure_;
};

}  // namespace

Expected<bool> read_dwarf_types(Dwarf* dwarf, const std::string& path, Model& model) {
  Reader r(dwarf, path, model);
  return r.run();
}

}  // namespace ltskit::abi
