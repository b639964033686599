// Nix behind one seam: evaluating a package set into its packages.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tools/core/config.h"
#include "tools/core/error.h"

namespace ltskit::nix {

struct Package {
  std::string attr;  // attribute path, "libgreet" or "python3Packages.requests"
  std::string name;  // the derivation name, "libgreet-1.0.0"
  std::string pname;
  std::string version;
  std::map<std::string, std::string> outputs;  // output name -> store path
};

// Splits a derivation name the way Nix's DrvName does: the name is everything
// up to the first '-' that is not followed by a letter; the version is the rest.
void split_drv_name(const std::string& full, std::string& pname, std::string& version);

// Parses the JSON that `nix-env -qaP --json --out-path` prints. Entries
// without pname/version get them from their name. Errors name `source`.
Result<std::vector<Package>> parse_nix_env_json(const std::string& json, const std::string& source);

// Evaluates the package set whose tree is exported at `tree_dir`:
//   nix-env -f TREE_DIR/<nix.file> -qaP --json --out-path <nix.args> --option K V …
// Works for any top-level expression that is an attribute set of derivations
// (or a function returning one), nixpkgs included. When Nix fails, the error
// carries Nix's own message.
Result<std::vector<Package>> evaluate_package_set(const std::filesystem::path& tree_dir, const NixConfig& config);

// Whether an error of evaluate_package_set says that Nix refused the package
// set (nix-env exited non-zero, or printed no package list): the same tree
// fails the same way again. A timeout or a kill (out of memory) may not.
bool is_refusal(const Error& error);

// The file names of the patches each of `attrs` applies (its `patches`
// attribute: paths or fetched patches), evaluated with nix-instantiate on the
// same tree and arguments as evaluate_package_set. An attribute that is
// missing or fails to evaluate maps to an empty list.
Result<std::map<std::string, std::vector<std::string>>> package_patches(const std::filesystem::path& tree_dir,
                                                                        const NixConfig& config,
                                                                        const std::vector<std::string>& attrs);

}  // namespace ltskit::nix
