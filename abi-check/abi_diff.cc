#include "abi-check/abi_diff.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <system_error>

namespace ltskit::abi {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kNoChange: return "no-change";
    case Verdict::kCompatible: return "compatible";
    case Verdict::kIncompatible: return "incompatible";
  }
  return "?";
}

namespace {

// One finding inside a type comparison.
struct Finding {
  std::string detail;
  bool incompatible;
  std::string type;           // the type it is about, for suppressions
  bool private_type = false;  // inside a type private to the library
  std::string owner;          // the aggregate (key) whose comparison found it; "" for a plain type change
};

// Which aggregates are private to the library (DiffOptions).
class Privacy {
 public:
  Privacy(const Model& a, const Model& b, const DiffOptions& o) : a_(a), b_(b) {
    if (!o.old_headers || !o.new_headers) return;
    enabled_ = true;
    index(*o.old_headers, old_headers_);
    index(*o.new_headers, new_headers_);
    reach(a_, by_value_);
    reach(b_, by_value_);
  }
  bool enabled() const { return enabled_; }

  // The file that defines `key` when the type is private, else nullopt.
  std::optional<std::string> private_file(const std::string& key) const {
    if (!enabled_) return std::nullopt;
    auto ta = a_.types.find(key);
    auto tb = b_.types.find(key);
    if (ta == a_.types.end() || tb == b_.types.end()) return std::nullopt;
    if (!aggregate(ta->second.kind)) return std::nullopt;
    if (!own(a_, ta->second.decl_file) || !own(b_, tb->second.decl_file)) return std::nullopt;
    if (in_headers(ta->second.decl_file, old_headers_) || in_headers(tb->second.decl_file, new_headers_))
      return std::nullopt;
    if (by_value_.count(key)) return std::nullopt;
    return tb->second.decl_file;
  }

 private:
  using HeaderIndex = std::set<std::string>;  // file names of the public headers

  static bool aggregate(TypeKind k) {
    return k == TypeKind::kStruct || k == TypeKind::kClass || k == TypeKind::kUnion || k == TypeKind::kEnum;
  }
  static void index(const std::vector<std::string>& headers, HeaderIndex& out) {
    for (const auto& h : headers) out.insert(std::filesystem::path(h).filename().string());
  }
  // A header is installed wherever the package likes
  // (include/libxml2/libxml/tree.h for libxml/tree.h in the sources), so a
  // definition counts as public when its file has the name of a public
  // header. A private file that shares a public header's name is taken as
  // public: the safe side.
  static bool in_headers(const std::string& file, const HeaderIndex& headers) {
    return headers.count(std::filesystem::path(file).filename().string()) > 0;
  }
  // Only the library's own files can define its private types: a file
  // under a folder it was compiled in (or named relative to one). A type
  // of /usr/include or of another package's headers is someone else's
  // public type. Unknown places prove nothing.
  static bool own(const Model& m, const std::string& file) {
    if (file.empty()) return false;
    if (file[0] != '/') return !m.source_dirs.empty();
    for (const auto& dir : m.source_dirs) {
      if (dir.size() <= 1 || dir == "/usr" || dir == "/nix/store") continue;
      if (file.size() > dir.size() && file.compare(0, dir.size(), dir) == 0 &&
          (file[dir.size()] == '/' || dir.back() == '/'))
        return true;
    }
    return false;
  }
  // Every aggregate whose layout callers depend on: reached by value from
  // an exported function or variable, or a member (by value) of one that
  // is, or of a public type.
  void reach(const Model& m, std::set<std::string>& out) {
    std::set<std::pair<std::string, bool>> seen;
    std::vector<std::pair<std::string, bool>> todo;
    for (const auto& [sym, f] : m.functions) {
      todo.emplace_back(f.return_type, true);
      for (const auto& p : f.params) todo.emplace_back(p, true);
    }
    for (const auto& [sym, v] : m.variables) todo.emplace_back(v.type, true);
    const HeaderIndex& headers = &m == &a_ ? old_headers_ : new_headers_;
    while (!todo.empty()) {
      auto item = todo.back();
      todo.pop_back();
      if (!seen.insert(item).second) continue;
      auto [key, by_value] = item;
      auto it = m.types.find(key);
      if (it == m.types.end()) continue;
      const Type& t = it->second;
      switch (t.kind) {
        case TypeKind::kPointer:
        case TypeKind::kReference:
        case TypeKind::kRvalueReference:
        case TypeKind::kPointerToMember: todo.emplace_back(t.target, false); break;
        case TypeKind::kFunction:
          todo.emplace_back(t.target, true);
          for (const auto& p : t.params) todo.emplace_back(p, true);
          break;
        case TypeKind::kEnum:
          if (by_value) out.insert(key);
          break;
        case TypeKind::kStruct:
        case TypeKind::kClass:
        case TypeKind::kUnion: {
          bool visible = by_value || !own(m, t.decl_file) || in_headers(t.decl_file, headers);
          if (by_value) out.insert(key);
          if (!visible) break;
          for (const auto& mem : t.members) todo.emplace_back(mem.type, true);
          for (const auto& base : t.bases) todo.emplace_back(base.type, true);
          break;
        }
        default:
          if (!t.target.empty()) todo.emplace_back(t.target, by_value);
          break;
      }
    }
  }

  const Model& a_;
  const Model& b_;
  bool enabled_ = false;
  HeaderIndex old_headers_, new_headers_;
  std::set<std::string> by_value_;
};

class TypeComparer {
 public:
  TypeComparer(const Model& a, const Model& b, const Privacy& privacy) : a_(a), b_(b), privacy_(privacy) {}

  // Compares the types keyed `ka` (old) and `kb` (new); findings are appended
  // with `path` as prefix.
  void compare(const std::string& ka, const std::string& kb, const std::string& path, std::vector<Finding>& out,
               int depth = 0) {
    if (depth > 64) return;
    const Type* ta = find(a_, ka);
    const Type* tb = find(b_, kb);
    if (!ta || !tb) {
      if (ka != kb)
        out.push_back({path + "type changed from '" + name(a_, ka) + "' to '" + name(b_, kb) + "'", true, ""});
      return;
    }
    if (ka == kb) {
      switch (ta->kind) {
        case TypeKind::kStruct:
        case TypeKind::kClass:
        case TypeKind::kUnion:
        case TypeKind::kEnum: aggregate(ka, path, out, depth); return;
        case TypeKind::kFunction:
          for (size_t i = 0; i < ta->params.size() && i < tb->params.size(); ++i)
            compare(ta->params[i], tb->params[i], path, out, depth + 1);
          compare(ta->target, tb->target, path, out, depth + 1);
          return;
        case TypeKind::kPointer:
        case TypeKind::kReference:
        case TypeKind::kRvalueReference: compare(ta->target, tb->target, path + "pointee: ", out, depth + 1); return;
        default:
          if (!ta->target.empty()) compare(ta->target, tb->target, path, out, depth + 1);
          return;
      }
    }
    // Different keys. Typedefs that name the same layout are harmless.
    if (ta->kind == TypeKind::kTypedef || tb->kind == TypeKind::kTypedef) {
      std::string ua = ta->kind == TypeKind::kTypedef ? strip(a_, ka) : ka;
      std::string ub = tb->kind == TypeKind::kTypedef ? strip(b_, kb) : kb;
      std::vector<Finding> inner;
      compare(ua, ub, path, inner, depth + 1);
      bool breaks = false;
      for (const auto& f : inner) breaks = breaks || f.incompatible;
      if (!breaks)
        out.push_back(
            {path + "typedef changed from '" + ta->name + "' to '" + tb->name + "' over the same layout", false, ""});
      for (auto& f : inner) out.push_back(std::move(f));
      return;
    }
    if (ta->kind != tb->kind || ta->kind == TypeKind::kBase || ta->kind == TypeKind::kStruct ||
        ta->kind == TypeKind::kClass || ta->kind == TypeKind::kUnion || ta->kind == TypeKind::kEnum) {
      std::string d = path + "type changed from '" + ta->name + "' to '" + tb->name + "'";
      if (ta->size != tb->size && ta->size && tb->size)
        d += " (size " + std::to_string(ta->size) + " → " + std::to_string(tb->size) + " bytes)";
      out.push_back({d, true, ta->name});
      return;
    }
    switch (ta->kind) {
      case TypeKind::kPointer:
      case TypeKind::kReference:
      case TypeKind::kRvalueReference: compare(ta->target, tb->target, path + "pointee: ", out, depth + 1); return;
      case TypeKind::kConst:
      case TypeKind::kVolatile: compare(ta->target, tb->target, path, out, depth + 1); return;
      case TypeKind::kArray:
        if (ta->count != tb->count)
          out.push_back({path + "array '" + ta->name + "' changed to '" + tb->name + "'", true, ""});
        else compare(ta->target, tb->target, path + "element: ", out, depth + 1);
        return;
      case TypeKind::kFunction:
        if (ta->params.size() != tb->params.size()) {
          out.push_back({path + "function type changed from '" + ta->name + "' to '" + tb->name + "'", true, ""});
          return;
        }
        for (size_t i = 0; i < ta->params.size(); ++i)
          compare(ta->params[i], tb->params[i], path + "parameter " + std::to_string(i + 1) + ": ", out, depth + 1);
        compare(ta->target, tb->target, path + "return: ", out, depth + 1);
        return;
      default: out.push_back({path + "type changed from '" + ta->name + "' to '" + tb->name + "'", true, ""}); return;
    }
  }

 private:
  static const Type* find(const Model& m, const std::string& key) {
    auto it = m.types.find(key);
    return it == m.types.end() ? nullptr : &it->second;
  }
  static std::string name(const Model& m, const std::string& key) {
    const Type* t = find(m, key);
    return t ? t->name : key;
  }
  static std::string strip(const Model& m, std::string key) {
    for (int i = 0; i < 32; ++i) {
      const Type* t = find(m, key);
      if (!t || t->kind != TypeKind::kTypedef) return key;
      key = t->target;
    }
    return key;
  }

  // Compares the definitions of a struct/class/union/enum present on both
  // sides under one key; each key is compared once.
  void aggregate(const std::string& key, const std::string& path, std::vector<Finding>& out, int depth) {
    auto memo = done_.find(key);
    if (memo != done_.end()) {
      // Reported in full where it was first reached; here, one line.
      if (memo->second.empty()) return;
      bool breaks = false;
      for (const auto& f : memo->second) breaks = breaks || f.incompatible;
      const Type& t = a_.types.at(key);
      bool hidden = privacy_.private_file(key).has_value() && !breaks;
      out.push_back({path + t.name + " changed (" + std::to_string(memo->second.size()) +
                         " change(s), detailed where first reported)",
                     breaks, t.name, hidden, key});
      return;
    }
    done_[key];  // in progress: a cycle back here finds nothing new
    const Type& a = a_.types.at(key);
    const Type& b = b_.types.at(key);
    std::vector<Finding> found;
    std::string name = a.name;
    std::string word = a.kind == TypeKind::kEnum    ? "enum "
                       : a.kind == TypeKind::kUnion ? "union "
                       : a.kind == TypeKind::kClass ? "class "
                                                    : "struct ";
    std::string here = word + name + " → ";
    if (a.declaration_only || b.declaration_only) {
      done_[key] = found;
      return;
    }
    if (a.size != b.size)
      found.push_back(
          {here + "size changed from " + std::to_string(a.size) + " to " + std::to_string(b.size) + " bytes", true,
           name});
    if (a.kind == TypeKind::kEnum) {
      std::map<std::string, int64_t> nb;
      for (const auto& e : b.enumerators) nb[e.name] = e.value;
      std::set<std::string> na;
      for (const auto& e : a.enumerators) {
        na.insert(e.name);
        auto it = nb.find(e.name);
        if (it == nb.end())
          found.push_back({here + "enumerator " + e.name + " (= " + std::to_string(e.value) + ") removed", true, name});
        else if (it->second != e.value)
          found.push_back({here + "enumerator " + e.name + " value changed from " + std::to_string(e.value) + " to " +
                               std::to_string(it->second),
                           true, name});
      }
      for (const auto& e : b.enumerators)
        if (!na.count(e.name))
          found.push_back({here + "enumerator " + e.name + " (= " + std::to_string(e.value) + ") added", false, name});
    } else {
      // Members, matched by name; a member that vanished while another with
      // the same offset and type appeared was renamed, which is harmless.
      // Anonymous members (unions, structs) are told apart by their type.
      auto mkey = [](const Member& m) { return m.name.empty() ? "(anonymous " + m.type + ")" : m.name; };
      std::map<std::string, const Member*> mb;
      for (const auto& m : b.members) mb[mkey(m)] = &m;
      std::set<std::string> matched;
      for (const auto& m : a.members) {
        auto it = mb.find(mkey(m));
        std::string mpath = here + "member " + (m.name.empty() ? "(anonymous)" : m.name) + ": ";
        if (it == mb.end()) {
          const Member* same = nullptr;
          for (const auto& n : b.members) {
            bool in_old = false;
            for (const auto& o : a.members) in_old = in_old || mkey(o) == mkey(n);
            if (!in_old && n.offset_bits == m.offset_bits && n.type == m.type && n.bit_size == m.bit_size) same = &n;
          }
          if (same) {
            matched.insert(mkey(*same));
            found.push_back(
                {here + "member " + m.name + " renamed to " + same->name + " (same offset and type)", false, name});
          } else {
            found.push_back({here + "member " + m.name + " removed", true, name});
          }
          continue;
        }
        matched.insert(mkey(m));
        const Member& n = *it->second;
        if (n.offset_bits != m.offset_bits)
          found.push_back({mpath + "offset " + bits(m.offset_bits) + " → " + bits(n.offset_bits), true, name});
        if (n.bit_size != m.bit_size)
          found.push_back({mpath + "bit-field width " + std::to_string(m.bit_size) + " → " + std::to_string(n.bit_size),
                           true, name});
        compare(m.type, n.type, mpath, found, depth + 1);
      }
      for (const auto& n : b.members) {
        if (matched.count(mkey(n))) continue;
        bool layout_kept = a.size == b.size;
        found.push_back({here + "member " + n.name + " added at offset " + bits(n.offset_bits) +
                             (layout_kept ? " (in padding; size unchanged)" : ""),
                         !layout_kept, name});
      }
      if (a.bases.size() != b.bases.size()) {
        found.push_back({here + "base classes changed (" + std::to_string(a.bases.size()) + " → " +
                             std::to_string(b.bases.size()) + ")",
                         true, name});
      } else {
        for (size_t i = 0; i < a.bases.size(); ++i) {
          if (a.bases[i].offset_bits != b.bases[i].offset_bits)
            found.push_back({here + "base " + a.bases[i].type + " moved", true, name});
          compare(a.bases[i].type, b.bases[i].type, here + "base: ", found, depth + 1);
        }
      }
      std::string va, vb;
      for (const auto& v : a.vtable) va += std::to_string(v.index) + ":" + v.name + "; ";
      for (const auto& v : b.vtable) vb += std::to_string(v.index) + ":" + v.name + "; ";
      if (va != vb) found.push_back({here + "vtable changed from [" + va + "] to [" + vb + "]", true, name});
    }
    // Findings made here, and plain type changes of members, are this
    // type's own; those of a nested aggregate belong to that one.
    for (auto& f : found)
      if (f.owner.empty()) f.owner = key;
    if (auto file = privacy_.private_file(key)) {
      // Callers hold only pointers to it: its layout is the library's own.
      // A nested type that is itself public keeps its verdict.
      bool noted = false;
      for (auto& f : found) {
        if (f.owner != key && !privacy_.private_file(f.owner)) continue;
        f.incompatible = false;
        f.private_type = true;
        if (f.owner == key && !noted) {
          f.detail += " (private: defined in " + *file + ", not in the public headers)";
          noted = true;
        }
      }
    }
    done_[key] = found;
    for (const auto& f : found) out.push_back({path + f.detail, f.incompatible, f.type, f.private_type, f.owner});
  }

  static std::string bits(int64_t b) {
    if (b % 8 == 0) return std::to_string(b / 8);
    return std::to_string(b / 8) + "+" + std::to_string(b % 8) + "bits";
  }

  const Model& a_;
  const Model& b_;
  const Privacy& privacy_;
  std::map<std::string, std::vector<Finding>> done_;
};

}  // namespace

Diff diff_models(const Model& a, const Model& b, const Suppressions& sup, const DiffOptions& options) {
  Diff d;
  Privacy privacy(a, b, options);
  d.private_types_filtered = privacy.enabled();
  d.old_has_debug_info = a.has_debug_info;
  d.new_has_debug_info = b.has_debug_info;
  d.old_path = a.path;
  d.new_path = b.path;
  std::set<const Suppression*> used;
  // Records a change; its class comes from its kind, and `type_name` (the
  // type a type change is about) is matched against type suppressions.
  auto add = [&](ChangeKind kind, const std::string& subject, std::string detail, const std::string& type_name = "") {
    const ChangeKindInfo& info = change_kind_info(kind);
    Change c{kind, subject, std::move(detail), info.incompatible, info.addition};
    const Suppression* by = kind == ChangeKind::kSonameChanged ? sup.find_soname(a.soname)
                                                               : sup.find_symbol(c.subject, demangle(c.subject));
    if (!by && !type_name.empty()) by = sup.find_type(type_name);
    if (by) {
      c.suppressed = true;
      c.suppressed_by = by->reason;
      used.insert(by);
      ++d.suppressed;
    }
    d.changes.push_back(std::move(c));
  };
  if (a.soname != b.soname)
    add(ChangeKind::kSonameChanged, a.soname, "SONAME changed from '" + a.soname + "' to '" + b.soname + "'");

  // Symbols. An unversioned symbol matches a versioned one of the same name.
  std::map<std::string, std::vector<const Symbol*>> by_name_b;
  for (const auto& [k, s] : b.symbols) by_name_b[s.name].push_back(&s);
  std::map<std::string, std::vector<const Symbol*>> by_name_a;
  for (const auto& [k, s] : a.symbols) by_name_a[s.name].push_back(&s);
  auto is_func = [](const Symbol& s) { return s.kind == SymbolKind::kFunction; };
  for (const auto& [key, s] : a.symbols) {
    if (b.symbols.count(key)) {
      const Symbol& n = b.symbols.at(key);
      if (s.kind != n.kind) {
        static const char* kKinds[] = {"function", "object", "TLS object"};
        add(ChangeKind::kSymbolTypeChanged, s.name,
            demangle(s.name) + ": symbol type changed from " + kKinds[static_cast<int>(s.kind)] + " to " +
                kKinds[static_cast<int>(n.kind)]);
        continue;
      }
      if (s.default_version != n.default_version && !s.version.empty())
        add(ChangeKind::kDefaultVersionChanged, s.name,
            demangle(s.name) + ": version " + s.version +
                (n.default_version ? " became the default" : " is no longer the default"));
      if (!is_func(s) && s.size != n.size) {
        add(ChangeKind::kObjectSizeChanged, s.name,
            demangle(s.name) + ": size changed from " + std::to_string(s.size) + " to " + std::to_string(n.size) +
                " bytes");
        ++d.variables_changed;
      }
      continue;
    }
    // Version added: old unversioned, new has the name with a default version.
    const auto& candidates = by_name_b[s.name];
    if (s.version.empty() && !candidates.empty()) {
      add(ChangeKind::kSymbolVersionAdded, s.name,
          demangle(s.name) + ": now versioned (" + candidates.front()->version + ")");
      continue;
    }
    if (!s.version.empty() && !candidates.empty()) {
      std::string now;
      for (const auto* c : candidates)
        now += (now.empty() ? "" : ", ") + (c->version.empty() ? std::string("unversioned") : c->version);
      add(ChangeKind::kSymbolVersionRemoved, s.name,
          demangle(s.name) + ": version " + s.version + " removed (now: " + now + ")");
      continue;
    }
    if (is_func(s)) {
      ++(a.functions.count(s.name) ? d.functions_removed : d.function_symbols_removed);
      add(ChangeKind::kFunctionRemoved, s.name, demangle(s.name) + " removed");
    } else {
      ++(a.variables.count(s.name) ? d.variables_removed : d.variable_symbols_removed);
      add(ChangeKind::kVariableRemoved, s.name, demangle(s.name) + " removed");
    }
  }
  for (const auto& [key, s] : b.symbols) {
    if (a.symbols.count(key)) continue;
    const auto& old = by_name_a[s.name];
    if (!old.empty()) {
      bool old_unversioned = false;
      for (const auto* o : old) old_unversioned = old_unversioned || o->version.empty();
      if (old_unversioned) continue;  // reported as symbol-version-added
      add(ChangeKind::kSymbolVersionAdded, s.name, demangle(s.name) + ": version " + s.version + " added");
      continue;
    }
    if (is_func(s)) {
      ++(b.functions.count(s.name) ? d.functions_added : d.function_symbols_added);
      add(ChangeKind::kFunctionAdded, s.name, demangle(s.name) + " added");
    } else {
      ++(b.variables.count(s.name) ? d.variables_added : d.variable_symbols_added);
      add(ChangeKind::kVariableAdded, s.name, demangle(s.name) + " added");
    }
  }

  // Types of what both export.
  TypeComparer cmp(a, b, privacy);
  auto kind_of = [&](const Finding& f, ChangeKind breaking) {
    if (f.incompatible) return breaking;
    if (f.private_type) {
      ++d.private_type_changes;
      return ChangeKind::kPrivateTypeChanged;
    }
    return ChangeKind::kHarmless;
  };
  for (const auto& [sym, fa] : a.functions) {
    auto it = b.functions.find(sym);
    if (it == b.functions.end()) continue;
    const Function& fb = it->second;
    std::vector<Finding> found;
    if (fa.params.size() != fb.params.size()) {
      found.push_back({std::string("parameter count changed from ") + std::to_string(fa.params.size()) + " to " +
                           std::to_string(fb.params.size()),
                       true, ""});
    } else {
      for (size_t i = 0; i < fa.params.size(); ++i)
        cmp.compare(fa.params[i], fb.params[i], "parameter " + std::to_string(i + 1) + ": ", found);
    }
    cmp.compare(fa.return_type, fb.return_type, "return type: ", found);
    if (found.empty()) continue;
    bool any_incompatible = false;
    for (auto& f : found) {
      any_incompatible = any_incompatible || f.incompatible;
      add(kind_of(f, ChangeKind::kFunctionTypeChanged), sym, fa.name + ": " + f.detail, f.type);
    }
    if (any_incompatible) ++d.functions_changed;
  }
  for (const auto& [sym, va] : a.variables) {
    auto it = b.variables.find(sym);
    if (it == b.variables.end()) continue;
    std::vector<Finding> found;
    cmp.compare(va.type, it->second.type, "", found);
    bool any_incompatible = false;
    for (auto& f : found) {
      any_incompatible = any_incompatible || f.incompatible;
      add(kind_of(f, ChangeKind::kVariableTypeChanged), sym, va.name + ": " + f.detail, f.type);
    }
    if (any_incompatible) ++d.variables_changed;
  }

  bool any = false, breaks = false;
  for (const auto& c : d.changes) {
    if (c.suppressed) continue;
    any = true;
    breaks = breaks || c.incompatible;
  }
  d.verdict = breaks ? Verdict::kIncompatible : any ? Verdict::kCompatible : Verdict::kNoChange;
  for (const auto& e : sup.entries)
    if (!used.count(&e)) d.unused_suppressions.push_back(describe_suppression(e));
  return d;
}

namespace {

// The files a header #includes ("dep.h" for #include <dep/dep.h>), by
// name: what a public header includes is part of the public interface
// too. Only the first megabyte of a header is read.
void included_by(const std::filesystem::path& header, std::vector<std::string>& out) {
  std::ifstream in(header, std::ios::binary);
  std::string line;
  size_t read = 0;
  while (read < (1u << 20) && std::getline(in, line)) {
    read += line.size() + 1;
    size_t i = line.find_first_not_of(" \t");
    if (i == std::string::npos || line[i] != '#') continue;
    i = line.find_first_not_of(" \t", i + 1);
    if (i == std::string::npos || line.compare(i, 7, "include") != 0) continue;
    size_t open = line.find_first_of("<\"", i + 7);
    if (open == std::string::npos) continue;
    size_t close = line.find_first_of(">\"", open + 1);
    if (close == std::string::npos || close == open + 1) continue;
    std::string name = std::filesystem::path(line.substr(open + 1, close - open - 1)).filename().string();
    if (!name.empty()) out.push_back("#include/" + name);
  }
}

}  // namespace

Expected<std::vector<std::string>> list_public_headers(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& p : paths) {
    if (p.empty()) return Error{ErrorCode::kUsage, "an empty path was given as public headers"};
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      int err = errno;
      return Error{error_code_from_errno(err), p + ": " + std::strerror(err)};
    }
    if (!S_ISDIR(st.st_mode)) {
      out.push_back(fs::path(p).filename().string());
      included_by(p, out);
      continue;
    }
    // Folders by (device, inode): a link back up (include/ncursesw -> .)
    // is walked once.
    std::set<std::pair<dev_t, ino_t>> seen = {{st.st_dev, st.st_ino}};
    std::vector<fs::path> todo = {fs::path(p)};
    size_t guard = 0;
    while (!todo.empty()) {
      fs::path d = todo.back();
      todo.pop_back();
      std::error_code ec;
      for (auto it = fs::directory_iterator(d, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (++guard > 1000000) return Error{ErrorCode::kInvalid, p + ": more than a million entries"};
        struct stat es {};
        if (::stat(it->path().c_str(), &es) != 0) continue;  // a dangling link
        if (S_ISDIR(es.st_mode)) {
          if (seen.insert({es.st_dev, es.st_ino}).second) todo.push_back(it->path());
        } else if (S_ISREG(es.st_mode)) {
          out.push_back(it->path().lexically_relative(p).string());
          included_by(it->path(), out);
        }
      }
      if (ec) return Error{error_code_from_errno(ec.value()), d.string() + ": " + ec.message()};
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace ltskit::abi
