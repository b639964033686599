// Building a channel's packages with Nix and publishing them as numbered,
// immutable generations of a stable tree PUBLISH_ROOT/CHANNEL, switched
// atomically and rolled back in O(1).
//
// On disk (the filesystem is the record; nothing about a generation lives
// only in the state database):
//
//   ROOT/CHANNEL                      symlink -> .generations/CHANNEL/N (the switch)
//   ROOT/.generations/CHANNEL/N/      bin/ lib/ include/ share/: symlinks into the
//                                     Nix store, .pc and CMake files copied with
//                                     their prefix rewritten to ROOT/CHANNEL;
//                                     manifest.json, written last
//   ROOT/.generations/CHANNEL/.roots/N/  Nix GC roots (indirect) of every store
//                                     path of generation N, registered before
//                                     the generation is assembled
//   ROOT/.generations/CHANNEL/.abi/N/ the ABI of every library generation N
//                                     publishes (abi_gate.h)
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tools/core/error.h"
#include "tools/core/progress.h"
#include "tools/core/workspace.h"
#include "tools/git/repository.h"
#include "tools/publish/abi_gate.h"

namespace ltskit::publish {

// ---- build ----

struct BuiltAttr {
  std::string attr;
  std::map<std::string, std::string> outputs;  // output name -> store path
  enum class State { kPresent, kBuilt, kFailed } state = State::kPresent;
  std::filesystem::path log;  // nix-build's output, kept for every build run
  std::string message;        // why it failed
  // Against the channel's current generation (nullopt: none published):
  // whether its out paths differ from the published ones.
  std::optional<bool> changed;
};
const char* built_state_name(BuiltAttr::State state);

struct BuildResult {
  std::string channel;
  std::string commit;                 // the channel head built
  std::optional<int64_t> generation;  // the current generation compared with
  std::vector<BuiltAttr> attrs;
  bool ok() const;
};

// How many nix-build processes build_channel runs at once: the workspace's
// Nix option max-jobs (a number, or "auto" for the cores), else 1.
size_t build_jobs(const NixConfig& nix);

// Builds the channel's published attrs at its head (as last tracked) with
// nix-build (each attr says whether its out paths changed since the
// current generation under the workspace's publish root), passing the workspace's Nix arguments and options unchanged
// (max-jobs, builders, substituters), build_jobs() attrs at once. Attrs
// whose out paths are already in the store are not built again. Each build has the workspace's build
// timeout, its log under .ltskit/logs/build/COMMIT/ATTR.log. A failed build
// is in the result (state kFailed, the log path), not an error.
Result<BuildResult> build_channel(Workspace& ws, git::Repository& repo, const std::string& channel, Progress& progress);

// ---- generations ----

struct Generation {
  int64_t number = 0;
  std::string commit;
  std::string created_at;
  std::string digest;  // of the tree, as manifest.json records it
  std::filesystem::path path;
  bool current = false;
  std::optional<int64_t> previous;  // the generation that was live when this one was published
};

struct PublishOptions {
  std::string channel;
  std::optional<std::filesystem::path> root;  // default: the workspace's publish_root
  std::optional<std::string> force_reason;    // publish a commit that does not descend from the current one
  std::string by;                             // who publishes
};

// The publish root: `root` when given, else the workspace's, made absolute.
std::filesystem::path publish_root(const Workspace& ws, const std::optional<std::filesystem::path>& root);

struct PublishResult {
  // The generation published (or the current one when nothing changed);
  // nullopt when the ABI gate held the publish back.
  std::optional<Generation> generation;
  bool unchanged = false;  // the head's packages are the current generation's
  GateResult gate;         // empty when unchanged
  // Milliseconds per phase of a publish that made a generation: checks,
  // gc_root, abi_gate, tree (links and rewritten files), manifest, sync
  // (syncfs and the renames into place), verify, switch, prune.
  std::vector<std::pair<std::string, double>> timings_ms;
};

// Registers the head's store paths as GC roots, runs the ABI gate against
// the live generation (abi_gate.h; a held-back publish changes nothing under
// ROOT and records the verdicts), assembles generation N+1, verifies it,
// switches ROOT/CHANNEL to it (rename(2) of a new link over the old, then
// fsync of the folder) and prunes generations beyond the policy's
// keep_generations.
Result<PublishResult> publish_channel(Workspace& ws, git::Repository& repo, const PublishOptions& options,
                                      Progress& progress);

// Every complete generation, oldest first.
Result<std::vector<Generation>> list_generations(const std::filesystem::path& root, const std::string& channel);

// Points ROOT/CHANNEL at generation `to` (default: the one that was live
// when the current one was published, if kept, else the newest older one).
// Only the link moves.
Result<Generation> rollback(const std::filesystem::path& root, const std::string& channel, std::optional<int64_t> to);

// Problems with the current generation (empty: it is sound): a link that
// does not resolve, a store path that is missing, a rewritten file that
// names another prefix or a store path, a digest that does not match.
Result<std::vector<std::string>> verify_channel(const std::filesystem::path& root, const std::string& channel);

}  // namespace ltskit::publish
