// The ABI gate: before a generation is published, every shared library of
// every published package whose out paths changed is compared with the one
// the live generation publishes (abi-check, linked as a library), and the
// channel's policy decides whether the change may go out.
//
// The ABI of every published library is kept with its generation, as an
// abi-check dump (`ltsabi dump` format), so a later comparison needs no old
// binary:
//
//   ROOT/.generations/CHANNEL/.abi/N/index.json   per package: its outputs,
//                                                 public headers, libraries
//                                                 (SONAME, file, dump)
//   ROOT/.generations/CHANNEL/.abi/N/K.json       one dump per library
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "abi-check/abi_diff.h"
#include "tools/core/config.h"
#include "tools/core/error.h"
#include "tools/core/progress.h"
#include "tools/core/state.h"
#include "tools/track/snapshots.h"

namespace ltskit::publish {

// The workspace tables of publishing: abi_reports.
const Schema& publish_schema();

struct LibraryVerdict {
  std::string attr;                // the package
  std::string soname;              // the old SONAME; the new one for a library that is new
  std::string old_file, new_file;  // "" on the side where the library is missing; old_file may be a dump
  // false: nothing to compare with (the channel's first generation); the
  // library's ABI is recorded as the baseline.
  bool checked = false;
  // Its package's out paths did not change: the same file on both sides.
  bool unchanged = false;
  abi::Verdict verdict = abi::Verdict::kNoChange;
  // Each change the policy does not let through: "function-removed: safe_old
  // removed", with `rule` saying which rule held it.
  std::vector<std::string> blocking;
  std::string rule;
  std::vector<std::string> notes;  // what limited the comparison (no debug info, no public headers)
  std::string report;              // abi-check's JSON report of the pair ("" when not checked)
  bool blocked() const { return !blocking.empty(); }
  // "baseline", "unchanged", or abi-check's verdict.
  std::string verdict_text() const {
    return !checked ? "baseline" : unchanged ? "unchanged" : abi::verdict_name(verdict);
  }
};

struct GateResult {
  std::optional<int64_t> against;  // the generation compared with
  std::vector<LibraryVerdict> libraries;
  bool blocked() const;
};

struct GateInput {
  std::vector<SnapshotPackage> published;  // what the new generation publishes
  // The live generation: its number, folder and ABI folder (nullopt: none).
  std::optional<int64_t> current;
  std::filesystem::path current_dir, current_abi_dir;
  const PolicyConfig* policy = nullptr;
  std::filesystem::path abi_dir;  // where the new generation's dumps go: an empty folder
};

// A generation's .abi/N/index.json, checked: every error names the file
// and the field.
struct AbiIndex {
  struct Library {
    std::string key, file, dump;  // key: the SONAME, or the file name of a library without one
  };
  struct Package {
    std::map<std::string, std::string> outputs;
    std::optional<std::vector<std::string>> headers;
    std::vector<Library> libraries;
  };
  std::map<std::string, Package> packages;
};
Result<AbiIndex> read_abi_index(const std::filesystem::path& abi_dir);

// Compares, decides, and writes the new generation's ABI folder. Libraries
// are paired by SONAME across the whole channel (a library may move from
// one package to another); each side's public headers are the union of its
// packages' include/, as the published tree shows them. Packages whose out
// paths did not change keep their dumps (hard links) and are reported
// "unchanged". An unreadable index of the live generation is noted and its
// store paths are read instead. Errors: a library abi-check cannot read
// (its file named), an I/O error writing dumps.
Result<GateResult> run_abi_gate(const GateInput& input, Progress& progress);

// Stores the verdicts of one gate run (generation: the one published, or
// nullopt when the gate held the publish back).
Status record_abi_verdicts(Database& db, const std::string& channel, const std::string& commit,
                           std::optional<int64_t> generation, const GateResult& result);

struct StoredVerdict {
  std::string attr, soname, commit, checked_at;
  std::optional<int64_t> generation;  // nullopt: the publish was held back
  std::string verdict;                // no-change | compatible | incompatible | baseline | unchanged
  bool blocked = false;
  std::vector<std::string> blocking;
  std::string rule;
  std::vector<std::string> notes;
  std::string report;  // JSON
};

// The verdicts of the channel's last gate run (every library it publishes,
// or would have), by package and SONAME.
Result<std::vector<StoredVerdict>> last_abi_verdicts(Database& db, const std::string& channel);

}  // namespace ltskit::publish
