#include "tools/nix/evaluator.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>

#include "tools/core/fs.h"
#include "tools/core/process.h"
#include "tools/nix/options.h"
#include "tools/nix/state.h"

namespace ltskit::nix {
namespace fs = std::filesystem;

namespace {

// Nix colours its errors on a terminal only, but be safe: drop ANSI escapes.
std::string strip_ansi(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b' && i + 1 < s.size() && s[i + 1] == '[') {
      i += 2;
      while (i < s.size() && !(s[i] >= '@' && s[i] <= '~')) ++i;
      continue;
    }
    out += s[i];
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Appends the workspace's Nix arguments and options to `argv`, and returns
// how to run it: in the tree, with its timeout, and without NIX_PATH, so that
// an evaluation sees only the tree it was given.
ProcessOptions evaluation_options(const fs::path& tree_dir, const NixConfig& config, std::vector<std::string>& argv) {
  for (const auto& a : config.args) argv.push_back(a);
  append_options(argv, config);
  ProcessOptions opt;
  opt.timeout = std::chrono::seconds(config.eval_timeout_seconds);
  opt.cwd = tree_dir;
  opt.env["NIX_PATH"] = std::nullopt;
  return opt;
}

}  // namespace

void split_drv_name(const std::string& full, std::string& pname, std::string& version) {
  for (size_t i = 0; i < full.size(); ++i) {
    if (full[i] == '-' && i + 1 < full.size() && !is_alpha(full[i + 1])) {
      pname = full.substr(0, i);
      version = full.substr(i + 1);
      return;
    }
  }
  pname = full;
  version.clear();
}

Result<std::vector<Package>> parse_nix_env_json(const std::string& json, const std::string& source) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid(source + ": nix-env printed malformed JSON");
  if (!doc.is_object()) return invalid(source + ": nix-env JSON is not an object");
  std::vector<Package> out;
  out.reserve(doc.size());
  for (auto& [attr, v] : doc.items()) {
    if (!v.is_object()) return invalid(source + ": entry '" + attr + "' is not an object");
    Package p;
    p.attr = attr;
    if (auto it = v.find("name"); it != v.end() && it->is_string()) p.name = *it;
    std::string pname, version;
    split_drv_name(p.name, pname, version);
    auto pn = v.find("pname");
    p.pname = pn != v.end() && pn->is_string() ? pn->get<std::string>() : pname;
    auto ver = v.find("version");
    p.version = ver != v.end() && ver->is_string() ? ver->get<std::string>() : version;
    if (auto o = v.find("outputs"); o != v.end() && o->is_object()) {
      for (auto& [oname, path] : o->items())
        if (path.is_string()) p.outputs[oname] = path.get<std::string>();
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<Package>> evaluate_package_set(const fs::path& tree_dir, const NixConfig& config) {
  fs::path file = tree_dir / config.file;
  std::error_code ec;
  if (!fs::exists(file, ec))
    return not_found("the package set has no '" + config.file + "' (looked in '" + tree_dir.string() + "')");
  LTS_RETURN_IF_ERROR(ensure_state_ready(config));
  std::vector<std::string> argv = {"nix-env", "-f", file.string(), "-qaP", "--json", "--out-path"};
  ProcessOptions opt = evaluation_options(tree_dir, config, argv);
  LTS_ASSIGN_OR_RETURN(ProcessResult r, run_process(argv, opt));
  if (!r.success()) {
    std::string msg = strip_ansi(r.err);
    if (msg.empty()) msg = "(no message)";
    return external("nix-env " + r.describe_status(opt.timeout) + " evaluating '" + file.string() + "':\n" + msg);
  }
  return parse_nix_env_json(r.out, "nix-env -qaP --json on '" + file.string() + "'");
}

namespace {

// Attribute names are passed as a JSON file (a list can be longer than a
// command line), never spliced into the expression, so hostile names cannot
// change what is evaluated.
const char* kPatchesExpr = R"nix(
{ ltskitAttrsFile, ltskitTop, ... }@args:
let
  top = import (/. + ltskitTop);
  set = if builtins.isFunction top
        then top (builtins.removeAttrs args [ "ltskitAttrsFile" "ltskitTop" ])
        else top;
  get = path: builtins.foldl'
    (s: n: if s != null && builtins.isAttrs s && builtins.hasAttr n s then builtins.getAttr n s else null)
    set path;
  nameOf = p:
    if builtins.isAttrs p && p ? name then p.name
    else baseNameOf (toString p);
  patchesOf = path:
    let pkg = get path;
        r = builtins.tryEval (if pkg != null && builtins.isAttrs pkg
                              then map nameOf (pkg.patches or [ ])
                              else [ ]);
    in if r.success then builtins.deepSeq r.value r.value else [ ];
  attrs = builtins.fromJSON (builtins.readFile ltskitAttrsFile);
in builtins.listToAttrs (map (a: {
  name = builtins.concatStringsSep "." a;
  value = let r = builtins.tryEval (builtins.deepSeq (patchesOf a) (patchesOf a));
          in if r.success then r.value else [ ];
}) attrs)
)nix";

}  // namespace

bool is_refusal(const Error& error) {
  if (error.kind() == ErrorKind::kInvalid) return true;  // parse_nix_env_json: not a package list
  return error.kind() == ErrorKind::kExternal && error.message().rfind("nix-env exited with status", 0) == 0;
}

Result<std::map<std::string, std::vector<std::string>>> package_patches(const fs::path& tree_dir,
                                                                        const NixConfig& config,
                                                                        const std::vector<std::string>& attrs) {
  std::map<std::string, std::vector<std::string>> out;
  if (attrs.empty()) return out;
  LTS_RETURN_IF_ERROR(ensure_state_ready(config));
  nlohmann::json paths = nlohmann::json::array();
  for (const auto& a : attrs) {
    nlohmann::json parts = nlohmann::json::array();
    size_t start = 0;
    while (true) {
      size_t dot = a.find('.', start);
      parts.push_back(a.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    paths.push_back(parts);
  }
  fs::path file = tree_dir / config.file;
  std::string tmpl = (fs::temp_directory_path() / "ltskit-attrs-XXXXXX").string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return errno_error("cannot create a temporary file", errno);
  ::close(fd);
  struct Remove {
    std::string path;
    ~Remove() { ::unlink(path.c_str()); }
  } remove_attrs_file{tmpl};
  LTS_RETURN_IF_ERROR(
      atomic_write_file(tmpl, paths.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), 0600));
  std::vector<std::string> argv = {"nix-instantiate", "--eval",     "--strict",        "--json", "--expr",
                                   kPatchesExpr,      "--argstr",   "ltskitAttrsFile", tmpl,     "--argstr",
                                   "ltskitTop",       file.string()};
  ProcessOptions opt = evaluation_options(tree_dir, config, argv);
  LTS_ASSIGN_OR_RETURN(ProcessResult r, run_process(argv, opt));
  if (!r.success())
    return external("nix-instantiate " + r.describe_status(opt.timeout) + " reading patches in '" + file.string() +
                    "':\n" + strip_ansi(r.err));
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
  if (!doc.is_object()) return invalid("nix-instantiate printed malformed JSON reading patches");
  for (auto& [attr, list] : doc.items()) {
    std::vector<std::string> names;
    if (list.is_array())
      for (auto& n : list)
        if (n.is_string()) {
          std::string name = n.get<std::string>();
          // A store path's base name starts with its 32-character hash and a dash.
          if (name.size() > 33 && name[32] == '-') {
            bool hash = std::all_of(name.begin(), name.begin() + 32,
                                    [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); });
            if (hash) name = name.substr(33);
          }
          names.push_back(name);
        }
    out[attr] = std::move(names);
  }
  return out;
}

}  // namespace ltskit::nix
