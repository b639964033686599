#include "tools/nix/state.h"

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>

#include "tools/core/process.h"
#include "tools/nix/options.h"

namespace ltskit::nix {

Status ensure_state_ready(const NixConfig& config) {
  static std::mutex mu;
  static std::set<std::string> ready;  // the NIX_STATE_DIR values already prepared
  const char* env = std::getenv("NIX_STATE_DIR");
  std::string key = env ? env : "";
  std::lock_guard<std::mutex> lock(mu);
  if (ready.count(key)) return ok_status();
  // A state folder whose database exists is ready; starting nix-store to
  // say so costs more than many evaluations. (With a `store` option the
  // database may live elsewhere: ask Nix.)
  if (!config.options.count("store")) {
    std::filesystem::path dir = key.empty() ? std::filesystem::path("/nix/var/nix") : std::filesystem::path(key);
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir / "db" / "db.sqlite", ec) &&
        std::filesystem::is_regular_file(dir / "db" / "schema", ec)) {
      ready.insert(key);
      return ok_status();
    }
  }
  std::vector<std::string> argv = {"nix-store", "--init"};
  append_options(argv, config);
  ProcessOptions opt;
  opt.timeout = std::chrono::seconds(config.eval_timeout_seconds);
  LTS_ASSIGN_OR_RETURN(ProcessResult r, run_process(argv, opt));
  if (!r.success()) {
    std::string where = key.empty() ? "Nix's default state folder" : "NIX_STATE_DIR '" + key + "'";
    return external("nix-store --init " + r.describe_status(opt.timeout) + " preparing " + where + ":\n" + r.err);
  }
  ready.insert(key);
  return ok_status();
}

void append_options(std::vector<std::string>& argv, const NixConfig& config) {
  for (const auto& [k, v] : config.options) {
    argv.push_back("--option");
    argv.push_back(k);
    argv.push_back(v);
  }
}

}  // namespace ltskit::nix
