#include "abi-check/abi_diff.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
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
  std::string type;                      // the type it is about, for suppressions
  bool private_type = false;             // inside a type private to the library
  std::string owner;                     // the aggregate (key) whose comparison found it; "" for a plain type change
  std::vector<std::string> within = {};  // the aggregates (keys) it lies inside, innermost first
  bool in_padding = false;               // a member added in padding or reserved space (member-added-in-padding)
};

bool is_aggregate(TypeKind k) {
  return k == TypeKind::kStruct || k == TypeKind::kClass || k == TypeKind::kUnion || k == TypeKind::kEnum;
}

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

  // The file that defines the type when it is private, else nullopt: `key`
  // is a type's key on both sides, or "OLD\nNEW" for an anonymous type
  // named differently on each (TypeComparer's pair key).
  std::optional<std::string> private_file(const std::string& key) const {
    if (!enabled_) return std::nullopt;
    size_t nl = key.find('\n');
    std::string ka = key.substr(0, nl), kb = nl == std::string::npos ? key : key.substr(nl + 1);
    auto ta = a_.types.find(ka);
    auto tb = b_.types.find(kb);
    if (ta == a_.types.end() || tb == b_.types.end()) return std::nullopt;
    if (!is_aggregate(ta->second.kind)) return std::nullopt;
    if (!own(a_, ta->second.decl_file) || !own(b_, tb->second.decl_file)) return std::nullopt;
    if (in_headers(ta->second.decl_file, old_headers_) || in_headers(tb->second.decl_file, new_headers_))
      return std::nullopt;
    if (by_value_.count(ka) || by_value_.count(kb)) return std::nullopt;
    return tb->second.decl_file;
  }

 private:
  using HeaderIndex = std::set<std::string>;  // file names of the public headers

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

// Whether any finding breaks callers.
bool any_breaks(const std::vector<Finding>& found) {
  for (const auto& f : found)
    if (f.incompatible) return true;
  return false;
}

bool is_record(TypeKind k) { return k == TypeKind::kStruct || k == TypeKind::kClass || k == TypeKind::kUnion; }
// A struct and a class are one kind of thing to the ABI.
bool same_aggregate_kind(TypeKind a, TypeKind b) {
  auto norm = [](TypeKind k) { return k == TypeKind::kClass ? TypeKind::kStruct : k; };
  return norm(a) == norm(b);
}
bool anonymous(const Type& t) { return t.name.empty() || t.name.starts_with("(anonymous"); }

// Members that C programs reach by name ("reserved", "__pad", "unused2",
// "spare"): space kept for later, which a release may hand to new members.
bool reserved_name(const std::string& name) {
  size_t i = name.find_first_not_of('_');
  if (i == std::string::npos) return false;
  std::string n = name.substr(i);
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // The word, then nothing but digits and underscores: "reserved2",
  // "__pad_0", not "padding_mode" or "pad_left".
  for (const char* p : {"reserved", "rsvd", "padding", "pad", "unused", "spare", "dummy"}) {
    if (!n.starts_with(p)) continue;
    return n.find_first_not_of("0123456789_", std::string(p).size()) == std::string::npos;
  }
  return false;
}

std::string bits(int64_t b) {
  if (b % 8 == 0) return std::to_string(b / 8);
  return std::to_string(b / 8) + "+" + std::to_string(b % 8) + "bits";
}

// A member as the program sees it: members of anonymous structs and
// unions are reached as if they were the enclosing aggregate's own (C11),
// so they are compared where they are, by name, at their absolute offset.
struct Leaf {
  std::string name;   // never empty: an unnamed member is "(anonymous TYPE)"
  std::string type;   // type key
  std::string group;  // the anonymous aggregate(s) holding it: "" or "anonymous union at 8"
  int64_t offset_bits = 0;
  int64_t bit_size = 0;
};

class TypeComparer {
 public:
  TypeComparer(const Model& a, const Model& b, const Privacy& privacy) : a_(a), b_(b), privacy_(privacy) {}

  // The exported function or variable whose types are being compared: the
  // changed types found are recorded as reached from it (impacted()).
  void set_interface(const std::string& name) { interface_ = name; }
  // Aggregate (old key) → the interfaces that reach a change of it.
  const std::map<std::string, std::set<std::string>>& impacted() const { return impacted_; }
  // Aggregate (old key) → its own findings, once compared.
  // Aggregate pair key → its own findings, once compared (reached through
  // pointers or not at all by value; then by value).
  const std::map<std::string, std::vector<Finding>>& compared() const { return done_; }
  const std::map<std::string, std::vector<Finding>>& compared_by_value() const { return done_by_value_; }

  // Whether the types compared next are passed by value (a parameter or a
  // return value, and what they hold by value): on x86-64 a by-value
  // aggregate travels in registers chosen by its members, so a member added
  // even in padding, or to a union that keeps its size, changes them.
  void set_by_value(bool by_value) { by_value_ = by_value; }

  // Compares the types keyed `ka` (old) and `kb` (new); findings are appended
  // with `path` as prefix.
  void compare(const std::string& ka, const std::string& kb, const std::string& path, std::vector<Finding>& out,
               int depth = 0) {
    if (depth > 64) return;
    const Type* ta = find(a_, ka);
    const Type* tb = find(b_, kb);
    if (!ta || !tb) {
      if (ka != kb)
        out.push_back({path + "type changed from '" + show(a_, ka) + "' to '" + show(b_, kb) + "'", true, ka});
      return;
    }
    if (ka == kb) {
      switch (ta->kind) {
        case TypeKind::kStruct:
        case TypeKind::kClass:
        case TypeKind::kUnion:
        case TypeKind::kEnum: aggregate(ka, kb, path, out, depth); return;
        case TypeKind::kFunction: {
          Indirect call(by_value_, true);  // a callback's arguments are passed by value
          for (size_t i = 0; i < ta->params.size() && i < tb->params.size(); ++i)
            compare(ta->params[i], tb->params[i], path, out, depth + 1);
          compare(ta->target, tb->target, path, out, depth + 1);
          return;
        }
        case TypeKind::kPointer:
        case TypeKind::kReference:
        case TypeKind::kRvalueReference: {
          Indirect through(by_value_, false);
          compare(ta->target, tb->target, path + "pointee: ", out, depth + 1);
          return;
        }
        case TypeKind::kPointerToMember: {
          Indirect through(by_value_, false);
          compare(ta->target, tb->target, path + "pointee: ", out, depth + 1);
          compare(ta->containing, tb->containing, path + "class: ", out, depth + 1);
          return;
        }
        default:
          if (!ta->target.empty()) compare(ta->target, tb->target, path, out, depth + 1);
          return;
      }
    }
    // Different keys. Qualifiers change nothing a caller passes or the
    // layout of anything (libabigail's cv-change categories): compare what
    // they qualify.
    std::string qa, qb;
    std::string ua = unqualified(a_, ka, qa), ub = unqualified(b_, kb, qb);
    if (qa != qb) {
      std::vector<Finding> inner;
      compare(ua, ub, path, inner, depth + 1);
      if (!any_breaks(inner))
        out.push_back({path + "qualifiers changed: '" + show(a_, ka) + "' became '" + show(b_, kb) + "'", false, ka});
      append(out, std::move(inner));
      return;
    }
    if (ua != ka || ub != kb) return compare(ua, ub, path, out, depth + 1);
    // Typedefs that name the same layout are harmless.
    if (ta->kind == TypeKind::kTypedef || tb->kind == TypeKind::kTypedef) {
      std::string sa = ta->kind == TypeKind::kTypedef ? strip(a_, ka) : ka;
      std::string sb = tb->kind == TypeKind::kTypedef ? strip(b_, kb) : kb;
      std::vector<Finding> inner;
      compare(sa, sb, path, inner, depth + 1);
      if (!any_breaks(inner))
        out.push_back(
            {path + "typedef changed from '" + show(a_, ka) + "' to '" + show(b_, kb) + "' over the same layout", false,
             ka});
      append(out, std::move(inner));
      return;
    }
    // An anonymous aggregate that got a tag (or lost it) is the same type if
    // its layout is: compare the bodies.
    if (is_aggregate(ta->kind) && same_aggregate_kind(ta->kind, tb->kind) && (anonymous(*ta) || anonymous(*tb))) {
      aggregate(ka, kb, path, out, depth);
      return;
    }
    // An enum passed as the integer that holds it: the same bits.
    if ((ta->kind == TypeKind::kEnum && tb->kind == TypeKind::kBase) ||
        (ta->kind == TypeKind::kBase && tb->kind == TypeKind::kEnum)) {
      const Type& base = ta->kind == TypeKind::kBase ? *ta : *tb;
      bool integral = base.name.find("float") == std::string::npos && base.name.find("double") == std::string::npos &&
                      base.name.find("complex") == std::string::npos;
      if (integral && ta->size == tb->size && ta->size != 0) {
        out.push_back({path + "type changed from '" + show(a_, ka) + "' to '" + show(b_, kb) +
                           "' (an enum and an integer of the same size)",
                       false, ka});
        return;
      }
    }
    if (ta->kind != tb->kind || ta->kind == TypeKind::kBase || is_aggregate(ta->kind)) {
      std::string d = path + "type changed from '" + show(a_, ka) + "' to '" + show(b_, kb) + "'";
      if (ta->size != tb->size && ta->size && tb->size)
        d += " (size " + std::to_string(ta->size) + " → " + std::to_string(tb->size) + " bytes)";
      out.push_back({d, true, ka});
      return;
    }
    std::optional<Indirect> through;
    if (ta->kind == TypeKind::kPointer || ta->kind == TypeKind::kReference || ta->kind == TypeKind::kRvalueReference ||
        ta->kind == TypeKind::kPointerToMember)
      through.emplace(by_value_, false);
    else if (ta->kind == TypeKind::kFunction)
      through.emplace(by_value_, true);  // a callback's arguments are passed by value
    switch (ta->kind) {
      case TypeKind::kPointer:
        if (unqualified_key(a_, ta->target) == "void" || unqualified_key(b_, tb->target) == "void") {
          // void * to T * (or back): the same pointer passed.
          out.push_back(
              {path + "pointer type changed from '" + show(a_, ka) + "' to '" + show(b_, kb) + "'", false, ka});
          return;
        }
        compare(ta->target, tb->target, path + "pointee: ", out, depth + 1);
        return;
      case TypeKind::kReference:
      case TypeKind::kRvalueReference: compare(ta->target, tb->target, path + "pointee: ", out, depth + 1); return;
      case TypeKind::kPointerToMember:
        compare(ta->target, tb->target, path + "pointee: ", out, depth + 1);
        compare(ta->containing, tb->containing, path + "class: ", out, depth + 1);
        return;
      case TypeKind::kArray:
        if (ta->count != tb->count && (ta->count == 0 || tb->count == 0)) {
          // T x[] and T x[N]: where the array lies decides its room (a
          // variable's symbol size, a struct's size), both checked there.
          out.push_back(
              {path + "array '" + show(a_, ka) + "' changed to '" + show(b_, kb) + "' (an array of unknown bound)",
               false, ka});
          compare(ta->target, tb->target, path + "element: ", out, depth + 1);
        } else if (ta->count != tb->count) {
          out.push_back({path + "array '" + show(a_, ka) + "' changed to '" + show(b_, kb) + "'", true, ka});
        } else {
          compare(ta->target, tb->target, path + "element: ", out, depth + 1);
        }
        return;
      case TypeKind::kFunction:
        if (ta->params.size() != tb->params.size()) {
          out.push_back(
              {path + "function type changed from '" + show(a_, ka) + "' to '" + show(b_, kb) + "'", true, ka});
          return;
        }
        for (size_t i = 0; i < ta->params.size(); ++i)
          compare(ta->params[i], tb->params[i], path + "parameter " + std::to_string(i + 1) + ": ", out, depth + 1);
        compare(ta->target, tb->target, path + "return: ", out, depth + 1);
        return;
      default:
        out.push_back({path + "type changed from '" + show(a_, ka) + "' to '" + show(b_, kb) + "'", true, ka});
        return;
    }
  }

  static std::string show(const Model& m, const std::string& key) { return type_display_name(m, key); }

 private:
  // Sets by_value_ while what a pointer points to (false) or a callback's
  // arguments (true) are compared, then restores it.
  struct Indirect {
    bool& flag;
    bool saved;
    Indirect(bool& f, bool now) : flag(f), saved(f) { flag = now; }
    Indirect(const Indirect&) = delete;
    Indirect& operator=(const Indirect&) = delete;
    ~Indirect() { flag = saved; }
  };
  static std::string unqualified_key(const Model& m, const std::string& key) {
    std::string q;
    return unqualified(m, key, q);
  }
  static const Type* find(const Model& m, const std::string& key) {
    auto it = m.types.find(key);
    return it == m.types.end() ? nullptr : &it->second;
  }
  static void append(std::vector<Finding>& out, std::vector<Finding>&& more) {
    for (auto& f : more) out.push_back(std::move(f));
  }
  static std::string strip(const Model& m, std::string key) {
    for (int i = 0; i < 32; ++i) {
      const Type* t = find(m, key);
      if (!t || t->kind != TypeKind::kTypedef) return key;
      key = t->target;
    }
    return key;
  }
  // `key` without its const and volatile; `quals` gets them, sorted.
  static std::string unqualified(const Model& m, std::string key, std::string& quals) {
    bool c = false, v = false;
    for (int i = 0; i < 8; ++i) {
      const Type* t = find(m, key);
      if (!t || (t->kind != TypeKind::kConst && t->kind != TypeKind::kVolatile)) break;
      (t->kind == TypeKind::kConst ? c : v) = true;
      key = t->target;
    }
    quals = std::string(c ? "const " : "") + (v ? "volatile" : "");
    return key;
  }
  // Bytes of the type at `key`, through typedefs and qualifiers; 0 unknown.
  static uint64_t size_of(const Model& m, std::string key) {
    for (int i = 0; i < 32; ++i) {
      const Type* t = find(m, key);
      if (!t) return 0;
      if (t->kind == TypeKind::kTypedef || t->kind == TypeKind::kConst || t->kind == TypeKind::kVolatile) {
        key = t->target;
        continue;
      }
      if (t->kind == TypeKind::kPointer || t->kind == TypeKind::kReference || t->kind == TypeKind::kRvalueReference)
        return t->size ? t->size : 8;
      return t->size;
    }
    return 0;
  }

  // How the x86-64 System V ABI passes an aggregate by value: its size in
  // memory when it is larger than 16 bytes, else one class per eightbyte
  // (1 INTEGER, 2 SSE, 3 memory for x87 types; 0 padding only), from the
  // scalars inside it. Two layouts with the same classes travel in the same
  // registers.
  static std::vector<int> sysv_classes(const Model& m, const std::string& key) {
    uint64_t size = size_of(m, key);
    if (size > 16 || size == 0) return {-1};
    std::vector<int> classes((size + 7) / 8, 0);
    scalars(m, key, 0, classes, 0);
    return classes;
  }
  static void scalars(const Model& m, std::string key, int64_t bits, std::vector<int>& classes, int depth) {
    if (depth > 16) return;
    std::string q;
    key = unqualified(m, strip(m, key), q);
    const Type* t = find(m, key);
    if (!t) return;
    auto mark = [&](int cls) {
      size_t eightbyte = static_cast<size_t>(bits / 64);
      if (bits < 0 || eightbyte >= classes.size()) return;
      int& c = classes[eightbyte];
      c = c == 3 || cls == 3 ? 3 : c == 1 || cls == 1 ? 1 : 2;
    };
    switch (t->kind) {
      case TypeKind::kStruct:
      case TypeKind::kClass:
      case TypeKind::kUnion:
        for (const auto& mem : t->members) scalars(m, mem.type, bits + mem.offset_bits, classes, depth + 1);
        for (const auto& base : t->bases)
          if (base.offset_bits >= 0) scalars(m, base.type, bits + base.offset_bits, classes, depth + 1);
        if (!t->vtable.empty()) mark(1);  // the vtable pointer
        return;
      case TypeKind::kArray: {
        uint64_t each = size_of(m, t->target) * 8;
        for (uint64_t i = 0; i < t->count && i < 16 && each; ++i)
          scalars(m, t->target, bits + static_cast<int64_t>(i * each), classes, depth + 1);
        return;
      }
      case TypeKind::kBase: {
        bool x87 = t->name == "long double";
        bool sse = !x87 && (t->name.find("float") != std::string::npos || t->name.find("double") != std::string::npos ||
                            t->name.find("Float") != std::string::npos);
        mark(x87 ? 3 : sse ? 2 : 1);
        return;
      }
      default: mark(1); return;  // pointers, references, enums, pointers to members
    }
  }

  static void flatten(const Model& m, const Type& t, int64_t base, const std::string& group, std::vector<Leaf>& out,
                      int depth) {
    for (const auto& mem : t.members) {
      const Type* mt = mem.name.empty() ? find(m, mem.type) : nullptr;
      if (mt && depth < 8 && is_record(mt->kind) && anonymous(*mt)) {
        std::string g = std::string("anonymous ") + aggregate_word(mt->kind) + "at " + bits(base + mem.offset_bits);
        flatten(m, *mt, base + mem.offset_bits, group.empty() ? g : group + ", " + g, out, depth + 1);
        continue;
      }
      out.push_back({mem.name.empty() ? "(anonymous " + show(m, mem.type) + ")" : mem.name, mem.type, group,
                     base + mem.offset_bits, mem.bit_size});
    }
  }

  void record_impact(const std::string& key, const std::vector<Finding>& found) {
    if (found.empty() || interface_.empty()) return;
    impacted_[key].insert(interface_);
    for (const auto& f : found)
      for (const auto& w : f.within) impacted_[w].insert(interface_);
  }

  // Compares the definitions of a struct/class/union/enum: `ka` on the old
  // side, `kb` on the new (one key but for an anonymous type that got a
  // name); each pair is compared once.
  void aggregate(const std::string& ka, const std::string& kb, const std::string& path, std::vector<Finding>& out,
                 int depth) {
    const std::string key = ka == kb ? ka : ka + "\n" + kb;
    auto& done = by_value_ ? done_by_value_ : done_;
    auto memo = done.find(key);
    if (memo != done.end()) {
      // Reported in full where it was first reached; here, one line.
      if (memo->second.empty()) return;
      record_impact(key, memo->second);
      bool breaks = any_breaks(memo->second);
      bool hidden = privacy_.private_file(key).has_value() && !breaks;
      Finding f{path + show(a_, ka) + " changed (" + std::to_string(memo->second.size()) +
                    " change(s), detailed where first reported)",
                breaks, ka, hidden, key};
      // Inside every type that all of its changes are inside: a suppression
      // of that type covers this line too.
      for (const auto& g : memo->second) f.in_padding = f.in_padding || (g.in_padding && !breaks);
      f.within = memo->second.front().within;
      for (const auto& g : memo->second)
        std::erase_if(f.within, [&](const std::string& w) {
          return std::find(g.within.begin(), g.within.end(), w) == g.within.end();
        });
      out.push_back(std::move(f));
      return;
    }
    done[key];  // in progress: a cycle back here finds nothing new
    const Type& a = a_.types.at(ka);
    const Type& b = b_.types.at(kb);
    std::vector<Finding> found;
    std::string here = show(a_, ka) + " → ";
    auto add = [&](std::string detail, bool incompatible) { found.push_back({here + detail, incompatible, ka}); };
    if (ka != kb && !(anonymous(a) && anonymous(b)))
      add("now " + show(b_, kb) + " (a name given to or taken from an anonymous type)", false);
    if (a.declaration_only || b.declaration_only) {
      if (a.declaration_only != b.declaration_only)
        add(a.declaration_only ? "now defined (was declared only)" : "now declared only (was defined)", false);
      finish(ka, key, path, found, out);
      return;
    }
    if (a.size != b.size)
      add("size changed from " + std::to_string(a.size) + " to " + std::to_string(b.size) + " bytes", true);
    if (a.kind == TypeKind::kEnum) {
      std::map<std::string, int64_t> nb;
      for (const auto& e : b.enumerators) nb[e.name] = e.value;
      std::set<std::string> na;
      for (const auto& e : a.enumerators) {
        na.insert(e.name);
        auto it = nb.find(e.name);
        if (it == nb.end()) add("enumerator " + e.name + " (= " + std::to_string(e.value) + ") removed", true);
        else if (it->second != e.value)
          add("enumerator " + e.name + " value changed from " + std::to_string(e.value) + " to " +
                  std::to_string(it->second),
              true);
      }
      for (const auto& e : b.enumerators)
        if (!na.count(e.name)) add("enumerator " + e.name + " (= " + std::to_string(e.value) + ") added", false);
    } else {
      members(ka, kb, a, b, here, found, depth);
      if (a.bases.size() != b.bases.size()) {
        add("base classes changed (" + std::to_string(a.bases.size()) + " → " + std::to_string(b.bases.size()) + ")",
            true);
      } else {
        for (size_t i = 0; i < a.bases.size(); ++i) {
          if (a.bases[i].offset_bits != b.bases[i].offset_bits || a.bases[i].name != b.bases[i].name)
            add("base " + show(a_, a.bases[i].type) + " moved", true);
          compare(a.bases[i].type, b.bases[i].type, here + "base: ", found, depth + 1);
        }
      }
      std::string va, vb;
      for (const auto& v : a.vtable) va += std::to_string(v.index) + ":" + v.name + "; ";
      for (const auto& v : b.vtable) vb += std::to_string(v.index) + ":" + v.name + "; ";
      if (va != vb) add("vtable changed from [" + va + "] to [" + vb + "]", true);
    }
    finish(ka, key, path, found, out);
  }

  void members(const std::string& ka, const std::string& kb, const Type& a, const Type& b, const std::string& here,
               std::vector<Finding>& found, int depth) {
    std::vector<Leaf> la, lb;
    flatten(a_, a, 0, "", la, 0);
    flatten(b_, b, 0, "", lb, 0);
    bool same_size = a.size == b.size;
    auto add = [&](std::string detail, bool incompatible) { found.push_back({here + detail, incompatible, ""}); };
    std::map<std::string, const Leaf*> by_name_b;
    for (const auto& n : lb) by_name_b[n.name] = &n;
    std::set<std::string> names_a;
    for (const auto& o : la) names_a.insert(o.name);
    // Old space that may be handed to new members: padding, and reserved
    // members, when the size is kept.
    std::vector<std::pair<int64_t, int64_t>> reserved;  // [from, to) bits
    std::vector<std::pair<int64_t, int64_t>> occupied;
    auto width = [&](const Model& m, const Leaf& l) {
      return l.bit_size ? l.bit_size : static_cast<int64_t>(size_of(m, l.type)) * 8;
    };
    // Reserved space is a reserved name on plain data: an integer or an
    // array of them, never a pointer (whose pointee is not spare).
    auto plain_data = [&](const std::string& key) {
      std::string k = key;
      for (int i = 0; i < 16; ++i) {
        std::string q;
        k = unqualified(a_, strip(a_, k), q);
        const Type* t = find(a_, k);
        if (!t) return false;
        if (t->kind == TypeKind::kArray) {
          k = t->target;
          continue;
        }
        return t->kind == TypeKind::kBase;
      }
      return false;
    };
    // Where old members end: a member added past it lies in the tail
    // padding, which a C++ compiler may give to a derived class's members.
    int64_t old_end = 0;
    for (const auto& m : la) old_end = std::max(old_end, m.offset_bits + width(a_, m));
    // Passed by value, a change that keeps the layout may still move the
    // aggregate to other registers (a float member beside an int one).
    const bool moves = by_value_ && sysv_classes(a_, ka) != sysv_classes(b_, kb);
    const char* by_value_note = " (passed by value: it now travels in other registers)";
    std::set<std::string> matched;
    std::vector<std::string> regrouped;
    for (const auto& m : la) {
      bool spare = same_size && reserved_name(m.name) && plain_data(m.type);
      (spare ? reserved : occupied).emplace_back(m.offset_bits, m.offset_bits + width(a_, m));
      auto it = by_name_b.find(m.name);
      if (it == by_name_b.end()) {
        const Leaf* same = nullptr;
        for (const auto& n : lb)
          if (!names_a.count(n.name) && !matched.count(n.name) && n.offset_bits == m.offset_bits && n.type == m.type &&
              n.bit_size == m.bit_size)
            same = &n;
        if (same) {
          matched.insert(same->name);
          add("member " + m.name + " renamed to " + same->name + " (same offset and type)", false);
        } else if (spare) {
          add("reserved member " + m.name + " removed (its space kept: size unchanged)", false);
        } else if (a.kind == TypeKind::kUnion && same_size && moves) {
          add("member " + m.name + " removed (the union's size unchanged)" + by_value_note, true);
        } else if (a.kind == TypeKind::kUnion && same_size) {
          // The union's storage is what callers allocate and pass.
          add("member " + m.name + " removed (the union's size unchanged)", false);
        } else {
          add("member " + m.name + " removed", true);
        }
        continue;
      }
      matched.insert(m.name);
      const Leaf& n = *it->second;
      std::string mpath = here + "member " + m.name + ": ";
      std::vector<Finding> inner;
      if (n.offset_bits != m.offset_bits)
        inner.push_back({mpath + "offset " + bits(m.offset_bits) + " → " + bits(n.offset_bits), true, ""});
      if (n.bit_size != m.bit_size)
        inner.push_back(
            {mpath + "bit-field width " + std::to_string(m.bit_size) + " → " + std::to_string(n.bit_size), true, ""});
      compare(m.type, n.type, mpath, inner, depth + 1);
      if (spare && n.offset_bits >= m.offset_bits && n.offset_bits + width(b_, n) <= m.offset_bits + width(a_, m)) {
        // A reserved member that shrank inside its old space.
        for (auto& f : inner) f.incompatible = false;
      }
      append(found, std::move(inner));
      if (n.group != m.group && n.offset_bits == m.offset_bits) regrouped.push_back(m.name);
    }
    if (!regrouped.empty()) {
      std::string names;
      for (const auto& r : regrouped) names += (names.empty() ? "" : ", ") + r;
      add("member(s) " + names + " moved into or out of an anonymous struct or union at unchanged offsets", false);
    }
    for (const auto& n : lb) {
      if (matched.count(n.name)) continue;
      int64_t from = n.offset_bits, to = n.offset_bits + width(b_, n);
      auto overlaps = [&](const std::vector<std::pair<int64_t, int64_t>>& spans) {
        for (const auto& [f, t] : spans)
          if (from < t && f < to) return true;
        return false;
      };
      std::string where = "member " + n.name + " added at offset " + bits(n.offset_bits);
      if (!same_size) {
        add(where, true);
      } else if (a.kind == TypeKind::kUnion) {
        add(where + " (the union's size unchanged)" + (moves ? by_value_note : ""), moves);
      } else if (n.group.find("anonymous union") != std::string::npos) {
        add(where + " (an alternative in an anonymous union; size unchanged)" + (moves ? by_value_note : ""), moves);
      } else if (!overlaps(occupied) && a.cxx && from >= old_end) {
        add(where + " (in the tail padding of a C++ type, where a derived class may have put its own members)", true);
      } else if (!overlaps(occupied) && moves) {
        add(where + " (in padding; size unchanged)" + by_value_note, true);
      } else if (!overlaps(occupied)) {
        add(where + (overlaps(reserved) ? " (in reserved space; size unchanged)" : " (in padding; size unchanged)"),
            false);
        found.back().in_padding = true;
      } else {
        add(where + " (over the space of other members)", true);
      }
    }
  }

  // Files the findings of one aggregate comparison: owned by it, marked
  // private when the type is, memoized, and appended to `out` under `path`.
  void finish(const std::string& ka, const std::string& key, const std::string& path, std::vector<Finding>& found,
              std::vector<Finding>& out) {
    // Findings made here, and plain type changes of members, are this
    // type's own; those of a nested aggregate belong to that one.
    for (auto& f : found) {
      if (f.owner.empty()) f.owner = key;
      if (f.type.empty()) f.type = ka;
      f.within.push_back(key);
    }
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
    (by_value_ ? done_by_value_ : done_)[key] = found;
    record_impact(key, found);
    for (const auto& f : found) {
      Finding g = f;
      g.detail = path + f.detail;
      out.push_back(std::move(g));
    }
  }

  const Model& a_;
  const Model& b_;
  const Privacy& privacy_;
  std::string interface_;
  std::map<std::string, std::vector<Finding>> done_, done_by_value_;
  bool by_value_ = false;
  std::map<std::string, std::set<std::string>> impacted_;
};

// The names a type suppression may use for the type keyed `key`: its name
// as written ("foo", "n::S"), with its keyword ("struct foo"), and for an
// anonymous type the typedef that names it.
std::vector<std::string> suppression_names(const Model& m, const std::string& key) {
  std::vector<std::string> out;
  auto it = m.types.find(key);
  if (it == m.types.end()) {
    out.push_back(key);
    return out;
  }
  const Type& t = it->second;
  std::string word = aggregate_word(t.kind);
  const std::string prefix = "(anonymous, typedef ";
  if (t.name.starts_with(prefix) && t.name.ends_with(")")) {
    std::string n = t.name.substr(prefix.size(), t.name.size() - prefix.size() - 1);
    out.push_back(n);
    out.push_back(word + n);
  } else {
    out.push_back(t.name);
    if (!word.empty()) out.push_back(word + t.name);
    if (t.kind == TypeKind::kClass) out.push_back("struct " + t.name);
  }
  out.push_back(type_display_name(m, key));
  return out;
}

// "foo.h:12" for a type defined at line 12 of .../foo.h; the path is kept
// relative to the folder the library was built in when it lies under it.
std::string location_of(const Model& m, const Type& t) {
  if (t.decl_file.empty()) return "";
  std::string file = t.decl_file;
  for (const auto& dir : m.source_dirs)
    if (file.size() > dir.size() + 1 && file.compare(0, dir.size(), dir) == 0 && file[dir.size()] == '/') {
      file = file.substr(dir.size() + 1);
      break;
    }
  return file + (t.decl_line ? ":" + std::to_string(t.decl_line) : "");
}

std::string version_suffix(const Symbol& s) {
  return s.version.empty() ? "" : (s.default_version ? "@@" : "@") + s.version;
}

}  // namespace

Diff diff_models(const Model& a, const Model& b, const Suppressions& sup, const DiffOptions& options) {
  Diff d;
  Privacy privacy(a, b, options);
  d.private_types_filtered = privacy.enabled();
  d.old_has_debug_info = a.has_debug_info;
  d.new_has_debug_info = b.has_debug_info;
  d.old_debug_notes = a.debug_notes;
  d.new_debug_notes = b.debug_notes;
  d.old_path = a.path;
  d.new_path = b.path;
  std::set<const Suppression*> used;
  // Records a change; its class comes from its kind. Type suppressions are
  // matched against `types` (keys of the old side): the type a change is
  // about and every aggregate it lies inside.
  auto type_suppression = [&](const std::vector<std::string>& types) -> const Suppression* {
    for (const auto& t : types)
      for (const auto& n : suppression_names(a, t))
        if (const Suppression* by = sup.find_type(n)) return by;
    return nullptr;
  };
  auto add = [&](ChangeKind kind, const std::string& subject, std::string detail,
                 const std::vector<std::string>& types = {}) {
    const ChangeKindInfo& info = change_kind_info(kind);
    Change c{kind, subject, std::move(detail), info.incompatible, info.addition};
    const Suppression* by = kind == ChangeKind::kSonameChanged ? sup.find_soname(a.soname)
                                                               : sup.find_symbol(c.subject, demangle(c.subject));
    if (!by) by = type_suppression(types);
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

  // How a symbol reads in a report: its declaration when debug info has it,
  // with its version ("int f(int, ...)@@V2").
  auto declared = [](const Model& m, const Symbol& s) {
    std::string text = demangle(s.name);
    if (auto f = m.functions.find(s.name); f != m.functions.end()) text = function_signature(m, f->second);
    else if (auto v = m.variables.find(s.name); v != m.variables.end())
      text = variable_declaration(m, v->second.type, v->second.name);
    return text + version_suffix(s);
  };
  // Aliases (one address, several names: a constructor's C1 and C2) are
  // one function: reported once, naming the others.
  auto aliases = [](const Symbol& s, const std::vector<const Symbol*>& group) {
    std::string also;
    for (const auto* o : group)
      if (o != &s) also += (also.empty() ? "" : ", ") + o->name + version_suffix(*o);
    return also.empty() ? std::string() : " (aliases: " + also + ")";
  };

  // Symbols. An unversioned symbol matches a versioned one of the same name.
  std::map<std::string, std::vector<const Symbol*>> by_name_b;
  for (const auto& [k, s] : b.symbols) by_name_b[s.name].push_back(&s);
  std::map<std::string, std::vector<const Symbol*>> by_name_a;
  for (const auto& [k, s] : a.symbols) by_name_a[s.name].push_back(&s);
  auto is_func = [](const Symbol& s) { return s.kind == SymbolKind::kFunction; };
  // Removed and added symbols, grouped by address.
  std::map<uint64_t, std::vector<const Symbol*>> removed, added;
  std::vector<const Symbol*> removed_order, added_order;
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
    removed_order.push_back(&s);
    if (s.address) removed[s.address].push_back(&s);
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
    added_order.push_back(&s);
    if (s.address) added[s.address].push_back(&s);
  }
  // One change per function or variable: of aliases, the one debug info
  // describes (else the first) speaks for the group.
  auto report_group = [&](const Model& m, const std::vector<const Symbol*>& order,
                          std::map<uint64_t, std::vector<const Symbol*>>& groups, bool gone) {
    for (const Symbol* s : order) {
      std::vector<const Symbol*> group = {s};
      if (s->address) {
        auto& g = groups[s->address];
        if (g.empty()) continue;  // reported with its group
        group = g;
        g.clear();
      }
      const Symbol* speaker = group.front();
      for (const auto* o : group)
        if (m.functions.count(o->name) || m.variables.count(o->name)) {
          speaker = o;
          break;
        }
      bool described = m.functions.count(speaker->name) || m.variables.count(speaker->name);
      std::string text = declared(m, *speaker) + aliases(*speaker, group) + (gone ? " removed" : " added");
      if (is_func(*speaker)) {
        ++(gone ? (described ? d.functions_removed : d.function_symbols_removed)
                : (described ? d.functions_added : d.function_symbols_added));
        add(gone ? ChangeKind::kFunctionRemoved : ChangeKind::kFunctionAdded, speaker->name, text);
      } else {
        ++(gone ? (described ? d.variables_removed : d.variable_symbols_removed)
                : (described ? d.variables_added : d.variable_symbols_added));
        add(gone ? ChangeKind::kVariableRemoved : ChangeKind::kVariableAdded, speaker->name, text);
      }
    }
  };
  report_group(a, removed_order, removed, true);
  report_group(b, added_order, added, false);

  // Types of what both export.
  TypeComparer cmp(a, b, privacy);
  auto kind_of = [&](const Finding& f, ChangeKind breaking) {
    if (f.incompatible) return breaking;
    if (f.in_padding && !f.private_type) return ChangeKind::kMemberAddedInPadding;
    if (f.private_type) {
      ++d.private_type_changes;
      return ChangeKind::kPrivateTypeChanged;
    }
    return ChangeKind::kHarmless;
  };
  auto types_of = [](const Finding& f) {
    std::vector<std::string> t;
    if (!f.type.empty()) t.push_back(f.type);
    for (const auto& w : f.within) t.push_back(w.substr(0, w.find('\n')));
    return t;
  };
  std::map<uint64_t, const Function*> compared_addresses;  // aliases are compared once
  for (const auto& [sym, fa] : a.functions) {
    auto it = b.functions.find(sym);
    if (it == b.functions.end()) continue;
    // An alias of a function already compared (C1 and C2 of a constructor:
    // one address, one signature) is not compared again; two functions that
    // the linker folded into one address (--icf) are.
    auto s = a.symbols.find(sym);
    if (s != a.symbols.end() && s->second.address) {
      auto [seen, fresh] = compared_addresses.emplace(s->second.address, &fa);
      if (!fresh && seen->second->params == fa.params && seen->second->return_type == fa.return_type) continue;
    }
    const Function& fb = it->second;
    cmp.set_interface(function_signature(a, fa));
    cmp.set_by_value(true);
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
      add(kind_of(f, ChangeKind::kFunctionTypeChanged), sym, fa.name + ": " + f.detail, types_of(f));
      any_incompatible = any_incompatible || (f.incompatible && !d.changes.back().suppressed);
    }
    if (any_incompatible) ++d.functions_changed;
  }
  for (const auto& [sym, va] : a.variables) {
    auto it = b.variables.find(sym);
    if (it == b.variables.end()) continue;
    cmp.set_interface(variable_declaration(a, va.type, va.name));
    cmp.set_by_value(false);  // a variable's bytes are where they are, in no register
    std::vector<Finding> found;
    // A variable that became const lives in read-only memory: a program
    // that writes it faults. Other qualifier changes are harmless.
    auto is_const = [](const Model& m, std::string k) {
      for (int i = 0; i < 32; ++i) {  // through typedefs, volatile and arrays (of const elements)
        auto t = m.types.find(k);
        if (t == m.types.end()) return false;
        if (t->second.kind == TypeKind::kConst) return true;
        if (t->second.kind != TypeKind::kTypedef && t->second.kind != TypeKind::kVolatile &&
            t->second.kind != TypeKind::kArray)
          return false;
        k = t->second.target;
      }
      return false;
    };
    if (!is_const(a, va.type) && is_const(b, it->second.type))
      found.push_back({"became const ('" + type_display_name(a, va.type) + "' to '" +
                           type_display_name(b, it->second.type) + "'): it is read-only now, and writing it faults",
                       true, va.type});
    cmp.compare(va.type, it->second.type, "", found);
    bool any_incompatible = false;
    for (auto& f : found) {
      add(kind_of(f, ChangeKind::kVariableTypeChanged), sym, va.name + ": " + f.detail, types_of(f));
      any_incompatible = any_incompatible || (f.incompatible && !d.changes.back().suppressed);
    }
    if (any_incompatible) ++d.variables_changed;
  }

  // Changed types, with where they are defined and what reaches them.
  // A type reached both through pointers and by value was compared twice;
  // by value, its findings are the stricter.
  std::map<std::string, const std::vector<Finding>*> compared;
  for (const auto& [key, found] : cmp.compared()) compared[key] = &found;
  for (const auto& [key, found] : cmp.compared_by_value()) compared[key] = &found;
  for (const auto& [key, found] : compared) {
    if (found->empty()) continue;
    auto reached = cmp.impacted().find(key);
    std::string ka = key.substr(0, key.find('\n'));
    TypeImpact impact;
    impact.type = type_display_name(a, ka);
    if (auto t = a.types.find(ka); t != a.types.end()) impact.location = location_of(a, t->second);
    impact.harmless = true;
    for (const auto& f : *found) {
      if (f.owner != key || type_suppression(types_of(f))) continue;  // suppressed changes are listed apart
      ++impact.changes;
      impact.incompatible = impact.incompatible || f.incompatible;
      impact.harmless = impact.harmless && !f.incompatible && !f.in_padding;
    }
    if (impact.changes == 0) continue;  // only changes of types inside it (listed under those), or suppressed
    if (reached != cmp.impacted().end()) impact.interfaces.assign(reached->second.begin(), reached->second.end());
    d.impacts.push_back(std::move(impact));
  }

  bool any = false, breaks = false;
  for (const auto& c : d.changes) {
    if (c.suppressed) continue;
    if (c.kind == ChangeKind::kHarmless || c.kind == ChangeKind::kPrivateTypeChanged) {
      ++d.harmless;
      continue;
    }
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
