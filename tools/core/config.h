// The files users write: the workspace (ltskit.toml), channels
// (channels/NAME.toml) and policies (policies/NAME.toml). Parsing is strict:
// unknown keys and wrong types are errors naming the file, line and key.
// docs/formats/*.md describe every key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi-check/change_kind.h"
#include "abi-check/suppressions.h"
#include "tools/core/error.h"

namespace ltskit {

struct NixConfig {
  // The package set's top-level expression, relative to the root of the tree.
  std::string file = "default.nix";
  // Extra arguments for nix-env / nix-build (e.g. "--arg", "config", "{}").
  std::vector<std::string> args;
  // `--option NAME VALUE` pairs.
  std::map<std::string, std::string> options;
  int64_t eval_timeout_seconds = 1800;
  int64_t build_timeout_seconds = 7200;
  // How many evaluations `track` runs at once; 0 ("auto"): as many as there
  // are cores, and no more than the available memory holds at
  // `eval_memory_mb` each (see effective_eval_jobs).
  int64_t eval_jobs = 0;
  // The memory one evaluation may need, in MiB, for "auto": nixpkgs needs
  // about 5 GB (nix-package-versions plans 6 GB).
  int64_t eval_memory_mb = 5120;
};

// The evaluations to run at once under `config`: eval_jobs when set, else
// min(cores, MemTotal / eval_memory_mb), at least 1: the machine's memory,
// not what is free at the moment, so that every process agrees on it.
int64_t effective_eval_jobs(const NixConfig& config);

// The advisory record formats ltskit reads: OSV and CVE JSON 5.
enum class AdvisoryFormat { kOsv, kCve5 };
const char* advisory_format_name(AdvisoryFormat format);  // "osv", "cve5"
std::optional<AdvisoryFormat> parse_advisory_format(std::string_view name);

// Whether a source location is an http(s) URL (else it is a path).
bool is_http_url(std::string_view location);
// A source location is a path, or an http(s) URL with a host; kUsage errors.
Status validate_source_location(const std::string& location);

struct AdvisorySourceConfig {
  std::string name;
  std::string location;  // a file, a folder or an http(s) URL
  AdvisoryFormat format = AdvisoryFormat::kOsv;
};

struct WorkspaceConfig {
  std::filesystem::path file;  // the ltskit.toml this was read from
  std::filesystem::path root;  // the workspace folder
  std::filesystem::path repo;  // the package-set repository (absolute)
  std::string upstream = "main";
  std::filesystem::path channels_dir;  // absolute
  std::filesystem::path policies_dir;  // absolute
  std::filesystem::path publish_root = "/lts";
  NixConfig nix;
  std::vector<AdvisorySourceConfig> advisory_sources;

  std::filesystem::path state_dir() const { return root / ".ltskit"; }
  std::filesystem::path database_path() const { return state_dir() / "state.db"; }
  std::filesystem::path lock_path() const { return state_dir() / "lock"; }
  std::filesystem::path cache_dir() const { return state_dir() / "cache"; }
};

Result<WorkspaceConfig> load_workspace_config(const std::filesystem::path& workspace_root);
// The text of ltskit.toml for `config` (paths written as given).
std::string render_workspace_config(const WorkspaceConfig& config);

struct ChannelConfig {
  std::filesystem::path file;
  std::string name;
  std::string branch;
  std::string upstream;
  std::string cut;                           // a commit id or a date YYYY-MM-DD
  std::optional<std::string> cut_commit;     // resolved commit, when `cut` is a date
  std::optional<std::string> support_until;  // YYYY-MM-DD
  std::string policy = "lts-strict";
  std::vector<std::string> publish;
};

// Names users give things (channels, advisory sources): 1-64 characters of
// [A-Za-z0-9._-], not starting with '.' or '-', so that they are safe as file
// names and on a terminal. `what` names the thing in the error ("channel").
Status validate_name(const std::string& what, const std::string& name);
inline Status validate_channel_name(const std::string& name) { return validate_name("channel", name); }

// A branch name as `git check-ref-format --branch` takes it, given short
// ("lts/1.0", not "refs/heads/lts/1.0"): no "..", "@{", "//", control
// characters, spaces or any of ~^:?*[\; no component starting with '.' or
// ending with ".lock"; not "@", "HEAD", or starting with '-'. kUsage errors
// naming `what` ("--branch").
Status validate_branch_name(const std::string& what, const std::string& name);
Result<ChannelConfig> load_channel_config(const std::filesystem::path& file);
Result<std::vector<ChannelConfig>> load_channel_configs(const std::filesystem::path& dir);
std::string render_channel_config(const ChannelConfig& channel);

enum class VersionChangePolicy { kNone, kPatch, kMinor, kAny };
const char* version_change_policy_name(VersionChangePolicy p);

struct PolicyConfig {
  std::filesystem::path file;
  std::string name;
  // [backport]
  std::string auto_apply = "high";  // none | low | medium | high | critical
  VersionChangePolicy version_changes = VersionChangePolicy::kPatch;
  bool never_skip_newer_channels = true;
  bool packages_added = false;    // may a backport add a package?
  bool packages_removed = false;  // may a backport remove one?
  // [abi]: change kinds and groups as abi-check names them (docs/abi-check.md)
  std::vector<std::string> abi_allow = {"added-symbols"};
  std::vector<abi::ChangeKind> abi_allowed_kinds;  // abi_allow, groups expanded
  abi::Suppressions abi_suppressions;              // the same format as `ltsabi --suppressions`
  // [publish]
  int64_t keep_generations = 10;
};

Result<PolicyConfig> load_policy_config(const std::filesystem::path& file);
// The policy `name` of a workspace: POLICIES_DIR/NAME.toml, or, for the
// default name when that file is missing, the built-in strict LTS policy.
inline constexpr const char* kDefaultPolicyName = "lts-strict";
Result<PolicyConfig> load_named_policy(const std::filesystem::path& policies_dir, const std::string& name);
// The default policy file written by `init` (lts-strict).
std::string default_policy_text();

}  // namespace ltskit
