// The ABI model of a shared library: its exported symbols (from the ELF
// dynamic symbol table) and, when debug info is present, the types of its
// exported functions and variables (from DWARF). Types are interned by a
// canonical key ("struct session", "P(const(char))"), so that a model read
// from ELF and one loaded from a JSON dump compare the same way.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ltskit::abi {

// What failed, for callers that map an Error onto their own kinds (ltskit's
// ErrorKind) or exit statuses.
enum class ErrorCode {
  kNotFound,     // the file (or its folder) does not exist: ENOENT, ENOTDIR
  kIo,           // the file exists but cannot be read or written: permissions, I/O errors, a full disk
  kInvalid,      // malformed input: a truncated or corrupt ELF file, bad DWARF, a broken dump or suppressions
                 // file, a folder or device where a file was expected
  kUnsupported,  // not something abi-check reads: not ELF, not a shared library, JSON other than a dump, a dump of
                 // a newer format version
  kUsage,        // the caller asked for something malformed (an empty path)
};
const char* error_code_name(ErrorCode code);  // "not-found", "io", "invalid", "unsupported", "usage"
// kNotFound for ENOENT and ENOTDIR, kIo for any other errno.
ErrorCode error_code_from_errno(int err);

// Errors as values; abi-check depends on nothing else of ltskit. Every Error
// is created with its code; `message` names the file (and field) involved.
struct Error {
  ErrorCode code;
  std::string message;
};

template <typename T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}  // NOLINT
  Expected(Error e) : v_(std::move(e)) {}      // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

enum class SymbolKind { kFunction, kObject, kTls };

struct Symbol {
  std::string name;             // mangled, without version
  std::string version;          // "" when unversioned
  bool default_version = true;  // "@@" (or unversioned)
  SymbolKind kind = SymbolKind::kFunction;
  uint64_t size = 0;
  std::string binding;     // global | weak | gnu_unique
  std::string visibility;  // default | protected
  // Where it is (st_value): symbols at one address are aliases of one
  // function or variable (a C++ constructor's C1 and C2 names); 0 unknown.
  uint64_t address = 0;
  // The key a symbol is matched on: "name" or "name@version".
  std::string key() const { return version.empty() ? name : name + "@" + version; }
};

enum class TypeKind {
  kVoid,
  kBase,
  kPointer,
  kReference,
  kRvalueReference,
  kConst,
  kVolatile,
  kTypedef,
  kArray,
  kFunction,
  kStruct,
  kClass,
  kUnion,
  kEnum,
  kPointerToMember,
  kUnknown
};
const char* type_kind_name(TypeKind k);
std::optional<TypeKind> type_kind_from_name(const std::string& s);

struct Member {
  std::string name;
  std::string type;         // type key
  int64_t offset_bits = 0;  // from the start of the aggregate
  int64_t bit_size = 0;     // 0 unless a bit-field
};

struct VirtualFunction {
  int64_t index = 0;  // vtable slot
  std::string name;   // linkage name when known, else the name
};

struct Enumerator {
  std::string name;
  int64_t value = 0;
};

struct Type {
  TypeKind kind = TypeKind::kUnknown;
  std::string name;   // as written: "struct session", "int", "greet_t"
  uint64_t size = 0;  // bytes; 0 when unknown or incomplete
  bool declaration_only = false;
  // Defined in C++: a derived class may be laid out in its tail padding
  // (the Itanium C++ ABI), so a member added there is not harmless.
  bool cxx = false;
  // Where a struct, class, union or enum is defined (DW_AT_decl_file, as the
  // compiler wrote it: "/build/foo-1.0/include/foo.h", "src/impl.c"); "" when
  // unknown. Public headers are told from private files by it.
  std::string decl_file;
  int64_t decl_line = 0;            // DW_AT_decl_line; 0 when unknown
  std::string target;               // pointee / element / typedef target / return type
  uint64_t count = 0;               // array elements (0: unknown)
  std::vector<std::string> params;  // function types
  std::string containing;           // pointer-to-member: the class (key) whose member it points to
  std::vector<Member> members;
  std::vector<Member> bases;  // name unused; type + offset
  std::vector<VirtualFunction> vtable;
  std::vector<Enumerator> enumerators;
};

struct Function {
  std::string symbol;  // mangled
  std::string name;    // demangled / source name
  std::string return_type;
  std::vector<std::string> params;
};

struct Variable {
  std::string symbol;
  std::string name;
  std::string type;
};

struct Model {
  // 2: anonymous types keyed by the typedef or aggregate that names them,
  // pointer-to-member classes, symbol addresses, declaration lines.
  static constexpr int kFormatVersion = 2;
  std::string path;  // where it was read from
  std::string soname;
  std::vector<std::string> needed;
  std::map<std::string, Symbol> symbols;  // by key()
  bool has_debug_info = false;
  // Why debug info that exists could not be (fully) used: a supplementary
  // (dwz) file not found, member offsets that could not be read. A report
  // says these loudly: the comparison is weaker than it looks.
  std::vector<std::string> debug_notes;
  // The folders the library was compiled in (DW_AT_comp_dir of its units):
  // a type defined under one of them is the library's own; one defined
  // elsewhere (/usr/include, another package's headers) is not.
  std::vector<std::string> source_dirs;
  std::map<std::string, Function> functions;  // by symbol name
  std::map<std::string, Variable> variables;  // by symbol name
  std::map<std::string, Type> types;          // by key
};

// "foo(int)" for "_Z3fooi"; the input when it is not a mangled name.
std::string demangle(const std::string& symbol);

// The type keyed `key` as C writes it: "const char *", "int (*)(int, char *)",
// "void *const[7]", "struct session", "int S::*". Keys not in the model are
// returned as they are.
std::string type_display_name(const Model& m, const std::string& key);

// A variable as C declares it: "struct leaf *global_leaf", "int tab[4]".
std::string variable_declaration(const Model& m, const std::string& type_key, const std::string& name);

// A function as a declaration: "int f(int, ...)", "A::get() const" (C++
// names carry their parameters), with the return type first when known.
std::string function_signature(const Model& m, const Function& f);

// "struct ", "union ", "enum " (or "class ") for an aggregate kind; "" else.
const char* aggregate_word(TypeKind k);

}  // namespace ltskit::abi
