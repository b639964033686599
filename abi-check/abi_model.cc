#include "abi-check/abi_model.h"

#include <cerrno>

namespace ltskit::abi {

namespace {
const char* kKindNames[] = {"void",     "base",    "pointer",        "reference", "rvalue-reference", "const",
                            "volatile", "typedef", "array",          "function",  "struct",           "class",
                            "union",    "enum",    "member-pointer", "unknown"};
}

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kInvalid: return "invalid";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kUsage: return "usage";
  }
  return "?";
}

ErrorCode error_code_from_errno(int err) {
  return err == ENOENT || err == ENOTDIR ? ErrorCode::kNotFound : ErrorCode::kIo;
}

const char* type_kind_name(TypeKind k) { return kKindNames[static_cast<int>(k)]; }

std::optional<TypeKind> type_kind_from_name(const std::string& s) {
  for (int i = 0; i < static_cast<int>(std::size(kKindNames)); ++i)
    if (s == kKindNames[i]) return static_cast<TypeKind>(i);
  return std::nullopt;
}

const char* aggregate_word(TypeKind k) {
  switch (k) {
    case TypeKind::kStruct: return "struct ";
    case TypeKind::kClass: return "class ";
    case TypeKind::kUnion: return "union ";
    case TypeKind::kEnum: return "enum ";
    default: return "";
  }
}

namespace {

// C's declarator syntax, inside out: `inner` is what the declarator around
// this type has built so far ("*", "(*)(int)", "[7]").
std::string declare(const Model& m, const std::string& key, const std::string& inner, int depth) {
  auto glue = [](const std::string& base, const std::string& in) {
    if (in.empty()) return base;
    return base + (in[0] == '[' ? "" : " ") + in;
  };
  auto it = m.types.find(key);
  if (it == m.types.end() || depth > 48) return glue(key, inner);
  const Type& t = it->second;
  auto wrap = [&](const std::string& op) {
    auto target = m.types.find(t.target);
    bool paren = target != m.types.end() &&
                 (target->second.kind == TypeKind::kFunction || target->second.kind == TypeKind::kArray);
    std::string in = op + inner;
    return declare(m, t.target, paren ? "(" + in + ")" : in, depth + 1);
  };
  switch (t.kind) {
    case TypeKind::kPointer: return wrap("*");
    case TypeKind::kReference: return wrap("&");
    case TypeKind::kRvalueReference: return wrap("&&");
    case TypeKind::kPointerToMember: {
      auto cls = m.types.find(t.containing);
      return wrap((cls == m.types.end() ? t.containing : cls->second.name) + "::*");
    }
    case TypeKind::kConst:
    case TypeKind::kVolatile: {
      const char* q = t.kind == TypeKind::kConst ? "const" : "volatile";
      auto target = m.types.find(t.target);
      TypeKind tk = target == m.types.end() ? TypeKind::kUnknown : target->second.kind;
      if (tk == TypeKind::kPointer || tk == TypeKind::kReference || tk == TypeKind::kRvalueReference ||
          tk == TypeKind::kPointerToMember) {
        std::string space = inner.empty() || inner[0] == '[' ? "" : " ";
        return declare(m, t.target, std::string(q) + space + inner, depth + 1);
      }
      if (tk == TypeKind::kArray) {
        // A qualified array is an array of qualified elements, as C writes
        // it: the qualifier goes to the element, once.
        std::string element = t.target;
        for (int i = 0; i < 16; ++i) {
          auto e = m.types.find(element);
          if (e == m.types.end() || e->second.kind != TypeKind::kArray) break;
          element = e->second.target;
        }
        auto e = m.types.find(element);
        std::string body = declare(m, t.target, inner, depth + 1);
        if (e != m.types.end() && e->second.kind == t.kind) return body;  // already qualified
        if (e != m.types.end() && (e->second.kind == TypeKind::kPointer || e->second.kind == TypeKind::kReference)) {
          // an array of pointers: the pointers are qualified ("void *const[7]")
          size_t star = body.rfind('*');
          if (star != std::string::npos) {
            bool name_follows = star + 1 < body.size() && body[star + 1] != '[' && body[star + 1] != ')';
            return body.insert(star + 1, std::string(q) + (name_follows ? " " : ""));
          }
        }
        return std::string(q) + " " + body;
      }
      return std::string(q) + " " + declare(m, t.target, inner, depth + 1);
    }
    case TypeKind::kArray:
      return declare(m, t.target, inner + "[" + (t.count ? std::to_string(t.count) : "") + "]", depth + 1);
    case TypeKind::kFunction: {
      std::string params;
      for (const auto& p : t.params) params += (params.empty() ? "" : ", ") + declare(m, p, "", depth + 1);
      if (t.params.empty()) params = "void";
      return declare(m, t.target, inner + "(" + params + ")", depth + 1);
    }
    case TypeKind::kStruct:
    case TypeKind::kClass:
    case TypeKind::kUnion:
    case TypeKind::kEnum: return glue(std::string(aggregate_word(t.kind)) + t.name, inner);
    default: return glue(t.name.empty() ? key : t.name, inner);
  }
}

}  // namespace

std::string type_display_name(const Model& m, const std::string& key) {
  if (key == "...") return key;
  return declare(m, key, "", 0);
}

std::string variable_declaration(const Model& m, const std::string& type_key, const std::string& name) {
  return declare(m, type_key, name, 0);
}

std::string function_signature(const Model& m, const Function& f) {
  // The return type's declarator around the function's: "int (*pick(int))(int)".
  std::string call = f.name;
  if (call.find('(') == std::string::npos) {
    std::string params;
    for (const auto& p : f.params) params += (params.empty() ? "" : ", ") + type_display_name(m, p);
    call += "(" + (f.params.empty() ? std::string("void") : params) + ")";
  } else if (f.return_type.empty() || f.return_type == "void") {
    // A constructor or a destructor has no return type: "A::A()", "A::~A()".
    std::string head = call.substr(0, call.find('('));
    size_t sep = head.rfind("::");
    if (sep != std::string::npos) {
      std::string last = head.substr(sep + 2), owner = head.substr(0, sep);
      size_t prev = owner.rfind("::");
      std::string cls = prev == std::string::npos ? owner : owner.substr(prev + 2);
      if (last == cls || last.starts_with("~")) return call;
    }
  }
  return declare(m, f.return_type.empty() ? "void" : f.return_type, call, 0);
}

}  // namespace ltskit::abi
