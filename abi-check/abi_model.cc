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
    case TypeKind::kPointerToMember: return wrap(type_display_name(m, t.containing) + "::*");
    case TypeKind::kConst:
    case TypeKind::kVolatile: {
      const char* q = t.kind == TypeKind::kConst ? "const" : "volatile";
      auto target = m.types.find(t.target);
      TypeKind tk = target == m.types.end() ? TypeKind::kUnknown : target->second.kind;
      if (tk == TypeKind::kPointer || tk == TypeKind::kReference || tk == TypeKind::kRvalueReference ||
          tk == TypeKind::kPointerToMember)
        return declare(m, t.target,
                       std::string(q) +
                           (inner.empty()     ? ""
                            : inner[0] == '[' ? ""
                                              : " ") +
                           inner,
                       depth + 1);
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
  std::string ret = type_display_name(m, f.return_type.empty() ? "void" : f.return_type);
  std::string head = ret + (ret.ends_with("*") || ret.ends_with("&") ? "" : " ");
  if (f.name.find('(') != std::string::npos) return head + f.name;
  std::string params;
  for (const auto& p : f.params) params += (params.empty() ? "" : ", ") + type_display_name(m, p);
  return head + f.name + "(" + (f.params.empty() ? "void" : params) + ")";
}

}  // namespace ltskit::abi
