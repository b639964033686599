// Comparing every shared library of two trees (two builds of a package, two
// published generations), as abipkgdiff does for two packages: libraries
// are paired by SONAME, a library whose SONAME changed is paired with the
// one of the same name stem ("libfoo.so.1" with "libfoo.so.2") and reported
// as soname-changed, a library that is gone is library-removed, a new one
// library-added. `ltsabi diff OLD_DIR NEW_DIR` and ltskit's ABI gate both
// pair libraries this way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "abi-check/abi_diff.h"
#include "abi-check/abi_model.h"
#include "abi-check/reader.h"
#include "abi-check/report.h"
#include "abi-check/suppressions.h"

namespace ltskit::abi {

struct LibraryFile {
  std::string key;     // what pairs it: its SONAME, or its file name when it has none (library_key)
  std::string soname;  // DT_SONAME; "" when it has none
  std::string path;    // the file: the regular file itself when it is in the tree, else a link to it
};

// What pairs a library with its counterpart: its SONAME, else its file name.
std::string library_key(const Model& model);

struct FindOptions {
  // Follow symbolic links that lead out of the tree (a published generation
  // is links into the Nix store). Links inside it are always followed.
  bool follow_links_out = true;
};

// The shared libraries under `dir`: files whose name contains ".so" (as
// every shared library's does: libfoo.so.1, foo.cpython-311.so) that are
// ELF of type ET_DYN, each SONAME once (a library without one goes by its
// file name), sorted by SONAME; of several files with one SONAME, the one
// named like it, else the first path in sorted order. Other files are
// never opened, so executables are never taken for libraries. Errors name the path: kNotFound when `dir` does not
// exist, kInvalid when it is not a folder, kIo when it cannot be read.
Expected<std::vector<LibraryFile>> find_libraries(const std::string& dir, const FindOptions& options = {});

// The SONAME's name stem: "libfoo" for "libfoo.so.1.2" and "libfoo-1.0.so.3".
std::string soname_stem(const std::string& soname);

struct LibraryDiff {
  std::string soname;  // the old SONAME; the new one for an added library
  Diff diff;           // diff.old_path / diff.new_path are "" on the side where it is missing
};

struct TreeDiff {
  Verdict verdict = Verdict::kNoChange;  // the worst of the libraries'
  std::vector<LibraryDiff> libraries;    // by SONAME
};

// Pairs `old_libs` and `new_libs` (models, each with its soname and path)
// and diffs each pair with `suppressions` and `options`. A soname
// suppression also covers a removed library.
TreeDiff diff_library_sets(const std::vector<Model>& old_libs, const std::vector<Model>& new_libs,
                           const Suppressions& suppressions, const DiffOptions& options = {});

struct TreeSide {
  std::string dir;
  ReadOptions read;  // where its separate debug info is
  // Public headers; nullopt: DIR/include when it exists, else none.
  std::optional<std::vector<std::string>> headers;
};

// find_libraries on both sides, every library read, diff_library_sets.
Expected<TreeDiff> diff_trees(const TreeSide& old_side, const TreeSide& new_side, const Suppressions& suppressions);

std::string tree_report_text(const TreeDiff& diff, const TextOptions& options = {});
std::string tree_report_json(const TreeDiff& diff);
// abidiff's bits for the worst verdict: 0, 4 or 12.
int tree_exit_status(const TreeDiff& diff);

}  // namespace ltskit::abi
