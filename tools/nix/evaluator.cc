#include "tools/nix/evaluator.h"

#include <nlohmann/json.hpp>

#include "tools/core/process.h"

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
  std::vector<std::string> argv = {"nix-env", "-f", file.string(), "-qaP", "--json", "--out-path"};
  for (const auto& a : config.args) argv.push_back(a);
  for (const auto& [k, v] : config.options) {
    argv.push_back("--option");
    argv.push_back(k);
    argv.push_back(v);
  }
  ProcessOptions opt;
  opt.timeout = std::chrono::seconds(config.eval_timeout_seconds);
  opt.cwd = tree_dir;
  opt.env["NIX_PATH"] = std::nullopt;  // an evaluation sees only the tree it was given
  LTS_ASSIGN_OR_RETURN(ProcessResult r, run_process(argv, opt));
  if (!r.success()) {
    std::string msg = strip_ansi(r.err);
    if (msg.empty()) msg = "(no message)";
    return external("nix-env " + r.describe_status(opt.timeout) + " evaluating '" +
                    file.string() + "':\n" + msg);
  }
  return parse_nix_env_json(r.out, "nix-env -qaP --json on '" + file.string() + "'");
}

}  // namespace ltskit::nix
