#include "tools/core/config.h"

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "tools/core/abi_error.h"
#include "tools/core/fs.h"
#include "tools/core/toml_reader.h"

namespace ltskit {
namespace fs = std::filesystem;

namespace {

fs::path resolve(const fs::path& base, const std::string& p) {
  fs::path path(p);
  if (path.is_absolute()) return path.lexically_normal();
  return (base / path).lexically_normal();
}

Status check_date(const TomlTable& t, const std::string& key, const std::optional<std::string>& v) {
  if (v && !looks_like_date(*v)) return invalid(t.where(key) + ": expected a date YYYY-MM-DD, found '" + *v + "'");
  if (v) {
    auto d = parse_date(*v);
    if (!d) return invalid(t.where(key) + ": " + d.error().message());
  }
  return ok_status();
}

}  // namespace

Result<WorkspaceConfig> load_workspace_config(const fs::path& workspace_root) {
  WorkspaceConfig c;
  c.root = fs::absolute(workspace_root).lexically_normal();
  c.file = c.root / "ltskit.toml";
  if (!fs::exists(c.file))
    return not_found("no workspace at '" + c.root.string() +
                     "' (ltskit.toml not found; create one with 'ltskit init')");
  LTS_ASSIGN_OR_RETURN(TomlDocument doc, TomlDocument::parse_file(c.file));
  TomlTable t = doc.root();
  LTS_ASSIGN_OR_RETURN(std::string repo, t.string("repo"));
  c.repo = resolve(c.root, repo);
  LTS_ASSIGN_OR_RETURN(auto upstream, t.opt_string("upstream"));
  if (upstream) c.upstream = *upstream;
  LTS_ASSIGN_OR_RETURN(auto channels_dir, t.opt_string("channels_dir"));
  c.channels_dir = resolve(c.root, channels_dir.value_or("channels"));
  LTS_ASSIGN_OR_RETURN(auto policies_dir, t.opt_string("policies_dir"));
  c.policies_dir = resolve(c.root, policies_dir.value_or("policies"));
  LTS_ASSIGN_OR_RETURN(auto publish_root, t.opt_string("publish_root"));
  if (publish_root) {
    if (publish_root->empty()) return invalid(t.where("publish_root") + ": must not be empty");
    c.publish_root = resolve(c.root, *publish_root);
  }

  LTS_ASSIGN_OR_RETURN(auto nix, t.opt_table("nix"));
  if (nix) {
    LTS_ASSIGN_OR_RETURN(auto file, nix->opt_string("file"));
    if (file) {
      fs::path p(*file);
      if (p.is_absolute() || p.lexically_normal().string().starts_with(".."))
        return invalid(nix->where("file") + ": must be a path inside the package-set tree");
      c.nix.file = *file;
    }
    LTS_ASSIGN_OR_RETURN(c.nix.args, nix->string_array("args"));
    LTS_ASSIGN_OR_RETURN(c.nix.options, nix->string_map("options"));
    LTS_ASSIGN_OR_RETURN(auto et, nix->opt_int("eval_timeout"));
    if (et) {
      if (*et <= 0) return invalid(nix->where("eval_timeout") + ": must be positive (seconds)");
      c.nix.eval_timeout_seconds = *et;
    }
    LTS_ASSIGN_OR_RETURN(auto bt, nix->opt_int("build_timeout"));
    if (bt) {
      if (*bt <= 0) return invalid(nix->where("build_timeout") + ": must be positive (seconds)");
      c.nix.build_timeout_seconds = *bt;
    }
    if (nix->is_string("eval_jobs")) {
      LTS_ASSIGN_OR_RETURN(auto word, nix->opt_string("eval_jobs"));
      if (*word != "auto")
        return invalid(nix->where("eval_jobs") + ": must be \"auto\" or 1 to 64, found \"" + *word + "\"");
      c.nix.eval_jobs = 0;
    } else {
      LTS_ASSIGN_OR_RETURN(auto jobs, nix->opt_int("eval_jobs"));
      if (jobs) {
        if (*jobs < 1 || *jobs > 64) return invalid(nix->where("eval_jobs") + ": must be \"auto\" or 1 to 64");
        c.nix.eval_jobs = *jobs;
      }
    }
    LTS_ASSIGN_OR_RETURN(auto mem, nix->opt_int("eval_memory"));
    if (mem) {
      if (*mem < 1 || *mem > (int64_t{1} << 30))
        return invalid(nix->where("eval_memory") + ": must be a positive MiB count");
      c.nix.eval_memory_mb = *mem;
    }
    LTS_RETURN_IF_ERROR(nix->finish());
  }

  LTS_ASSIGN_OR_RETURN(auto adv, t.opt_table("advisories"));
  if (adv) {
    LTS_ASSIGN_OR_RETURN(auto sources, adv->table_array("source"));
    for (auto& s : sources) {
      AdvisorySourceConfig src;
      LTS_ASSIGN_OR_RETURN(src.name, s.string("name"));
      if (auto v = validate_name("source", src.name); !v.ok())
        return invalid(s.where("name") + ": " + v.error().message());
      LTS_ASSIGN_OR_RETURN(src.location, s.string("location"));
      if (auto v = validate_source_location(src.location); !v.ok())
        return invalid(s.where("location") + ": " + v.error().message());
      LTS_ASSIGN_OR_RETURN(auto format, s.opt_string("format"));
      auto parsed = parse_advisory_format(format.value_or("osv"));
      if (!parsed) return invalid(s.where("format") + ": expected 'osv' or 'cve5', found '" + *format + "'");
      src.format = *parsed;
      LTS_RETURN_IF_ERROR(s.finish());
      for (const auto& other : c.advisory_sources)
        if (other.name == src.name) return invalid(s.where("name") + ": duplicate source name '" + src.name + "'");
      c.advisory_sources.push_back(std::move(src));
    }
    LTS_RETURN_IF_ERROR(adv->finish());
  }
  LTS_RETURN_IF_ERROR(t.finish());
  return c;
}

std::string render_workspace_config(const WorkspaceConfig& c) {
  auto rel = [&](const fs::path& p) {
    fs::path r = p.lexically_relative(c.root);
    if (!r.empty() && !r.string().starts_with("..")) return r.string();
    return p.string();
  };
  std::string out;
  out += "# ltskit workspace (see docs/formats/workspace.md)\n";
  out += "repo = " + toml_quote(c.repo.string()) + "\n";
  out += "upstream = " + toml_quote(c.upstream) + "\n";
  out += "channels_dir = " + toml_quote(rel(c.channels_dir)) + "\n";
  out += "policies_dir = " + toml_quote(rel(c.policies_dir)) + "\n";
  out += "publish_root = " + toml_quote(c.publish_root.string()) + "\n";
  out += "\n[nix]\n";
  out += "file = " + toml_quote(c.nix.file) + "\n";
  out += "args = [";
  for (size_t i = 0; i < c.nix.args.size(); ++i) out += (i ? ", " : "") + toml_quote(c.nix.args[i]);
  out += "]\n";
  out += "eval_timeout = " + std::to_string(c.nix.eval_timeout_seconds) + "\n";
  out += "build_timeout = " + std::to_string(c.nix.build_timeout_seconds) + "\n";
  out += "eval_jobs = " + (c.nix.eval_jobs ? std::to_string(c.nix.eval_jobs) : std::string("\"auto\"")) + "\n";
  out += "eval_memory = " + std::to_string(c.nix.eval_memory_mb) + "\n";
  out += "[nix.options]\n";
  for (const auto& [k, v] : c.nix.options) out += toml_quote(k) + " = " + toml_quote(v) + "\n";
  for (const auto& s : c.advisory_sources) {
    out += "\n[[advisories.source]]\n";
    out += "name = " + toml_quote(s.name) + "\n";
    out += "location = " + toml_quote(s.location) + "\n";
    out += "format = " + toml_quote(advisory_format_name(s.format)) + "\n";
  }
  return out;
}

const char* advisory_format_name(AdvisoryFormat format) { return format == AdvisoryFormat::kCve5 ? "cve5" : "osv"; }

Status validate_source_location(const std::string& location) {
  if (location.empty()) return usage_error("a source location must not be empty");
  if (is_http_url(location)) {
    std::string_view rest = std::string_view(location).substr(location.find("://") + 3);
    std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
    if (host.empty() || host.find(' ') != std::string_view::npos) return usage_error("'" + location + "' has no host");
  } else if (location.find("://") != std::string::npos) {
    return usage_error("'" + location + "': only http and https URLs are supported");
  }
  return ok_status();
}

int64_t effective_eval_jobs(const NixConfig& config) {
  if (config.eval_jobs > 0) return config.eval_jobs;
  int64_t cores = std::thread::hardware_concurrency();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) cores = CPU_COUNT(&set);
  int64_t jobs = std::max<int64_t>(cores, 1);
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    long long kib = 0;
    if (std::sscanf(line.c_str(), "MemTotal: %lld kB", &kib) != 1) continue;
    jobs = std::min<int64_t>(jobs, kib / 1024 / std::max<int64_t>(config.eval_memory_mb, 1));
    break;
  }
  return std::clamp<int64_t>(jobs, 1, 64);
}

bool is_http_url(std::string_view location) {
  return location.starts_with("http://") || location.starts_with("https://");
}

std::optional<AdvisoryFormat> parse_advisory_format(std::string_view name) {
  if (name == "osv") return AdvisoryFormat::kOsv;
  if (name == "cve5") return AdvisoryFormat::kCve5;
  return std::nullopt;
}

Status validate_branch_name(const std::string& what, const std::string& name) {
  auto bad = [&](const std::string& why) { return usage_error(what + " '" + name + "': " + why); };
  if (name.empty()) return bad("must not be empty");
  if (name.starts_with("refs/")) return bad("give the branch's short name (without refs/heads/)");
  if (name == "@" || name == "HEAD") return bad("not a branch name");
  if (name[0] == '-') return bad("must not start with '-'");
  if (name.find("..") != std::string::npos || name.find("@{") != std::string::npos ||
      name.find("//") != std::string::npos)
    return bad("must not contain '..', '@{' or '//'");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f || c == ' ' ||
        std::string_view("~^:?*[\\").find(static_cast<char>(c)) != std::string_view::npos)
      return bad("must not contain spaces, control characters or any of ~^:?*[\\");
  if (name.front() == '/' || name.back() == '/' || name.back() == '.')
    return bad("must not start or end with '/' or end with '.'");
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    std::string_view part(name.data() + start, (end == std::string::npos ? name.size() : end) - start);
    if (part.starts_with(".")) return bad("no part may start with '.'");
    if (part.ends_with(".lock")) return bad("no part may end with '.lock'");
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return ok_status();
}

Status validate_name(const std::string& what, const std::string& name) {
  if (name.empty() || name.size() > 64) return usage_error(what + " name '" + name + "' must have 1 to 64 characters");
  if (name[0] == '.' || name[0] == '-')
    return usage_error(what + " name '" + name + "' must not start with '.' or '-'");
  for (char ch : name) {
    bool okc = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
               ch == '_' || ch == '-';
    if (!okc) return usage_error(what + " name '" + name + "' may only contain letters, digits, '.', '_' and '-'");
  }
  return ok_status();
}

Result<ChannelConfig> load_channel_config(const fs::path& file) {
  LTS_ASSIGN_OR_RETURN(TomlDocument doc, TomlDocument::parse_file(file));
  TomlTable t = doc.root();
  ChannelConfig c;
  c.file = file;
  LTS_ASSIGN_OR_RETURN(c.name, t.string("name"));
  if (auto s = validate_channel_name(c.name); !s.ok()) return invalid(t.where("name") + ": " + s.error().message());
  LTS_ASSIGN_OR_RETURN(c.branch, t.string("branch"));
  if (auto s = validate_branch_name("branch", c.branch); !s.ok())
    return invalid(t.where("branch") + ": " + s.error().message());
  LTS_ASSIGN_OR_RETURN(c.upstream, t.string("upstream"));
  if (auto s = validate_branch_name("upstream", c.upstream); !s.ok())
    return invalid(t.where("upstream") + ": " + s.error().message());
  if (c.branch == c.upstream)
    return invalid(t.where("branch") + ": a channel's branch must not be its upstream ('" + c.upstream + "')");
  LTS_ASSIGN_OR_RETURN(c.cut, t.string("cut"));
  LTS_ASSIGN_OR_RETURN(c.cut_commit, t.opt_string("cut_commit"));
  LTS_ASSIGN_OR_RETURN(c.support_until, t.opt_string("support_until"));
  LTS_RETURN_IF_ERROR(check_date(t, "support_until", c.support_until));
  LTS_ASSIGN_OR_RETURN(auto policy, t.opt_string("policy"));
  if (policy) c.policy = *policy;
  LTS_ASSIGN_OR_RETURN(c.publish, t.string_array("publish"));
  LTS_RETURN_IF_ERROR(t.finish());
  std::string stem = file.stem().string();
  if (stem != c.name)
    return invalid(t.where("name") + ": channel '" + c.name + "' must live in '" + c.name + ".toml', not '" +
                   file.filename().string() + "'");
  return c;
}

Result<std::vector<ChannelConfig>> load_channel_configs(const fs::path& dir) {
  std::vector<ChannelConfig> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return not_found("the channels folder '" + dir.string() +
                     "' does not exist (ltskit.toml key 'channels_dir'; 'ltskit init' creates it)");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".toml") files.push_back(e.path());
  if (ec) return io_error("cannot list '" + dir.string() + "': " + ec.message());
  std::sort(files.begin(), files.end());
  std::map<std::string, fs::path> branch_owner;
  for (const auto& f : files) {
    LTS_ASSIGN_OR_RETURN(ChannelConfig c, load_channel_config(f));
    auto [it, fresh] = branch_owner.emplace(c.branch, f);
    if (!fresh)
      return invalid(f.string() + ": key 'branch': branch '" + c.branch + "' already belongs to the channel in '" +
                     it->second.string() + "'; each channel needs a branch of its own");
    out.push_back(std::move(c));
  }
  return out;
}

std::string render_channel_config(const ChannelConfig& c) {
  std::string out;
  out += "# ltskit channel (see docs/formats/channel.md)\n";
  out += "name = " + toml_quote(c.name) + "\n";
  out += "branch = " + toml_quote(c.branch) + "\n";
  out += "upstream = " + toml_quote(c.upstream) + "\n";
  out += "cut = " + toml_quote(c.cut) + "\n";
  if (c.cut_commit) out += "cut_commit = " + toml_quote(*c.cut_commit) + "\n";
  if (c.support_until) out += "support_until = " + toml_quote(*c.support_until) + "\n";
  out += "policy = " + toml_quote(c.policy) + "\n";
  out += "publish = [";
  for (size_t i = 0; i < c.publish.size(); ++i) out += (i ? ", " : "") + toml_quote(c.publish[i]);
  out += "]\n";
  return out;
}

const char* version_change_policy_name(VersionChangePolicy p) {
  switch (p) {
    case VersionChangePolicy::kNone: return "none";
    case VersionChangePolicy::kPatch: return "patch";
    case VersionChangePolicy::kMinor: return "minor";
    case VersionChangePolicy::kAny: return "any";
  }
  return "?";
}

namespace {
Result<PolicyConfig> policy_from(const TomlDocument& doc, const fs::path& file, const std::string& name);
}  // namespace

Result<PolicyConfig> load_policy_config(const fs::path& file) {
  LTS_ASSIGN_OR_RETURN(TomlDocument doc, TomlDocument::parse_file(file));
  return policy_from(doc, file, file.stem().string());
}

Result<PolicyConfig> load_named_policy(const fs::path& policies_dir, const std::string& name) {
  fs::path file = policies_dir / (name + ".toml");
  std::error_code ec;
  if (fs::exists(file, ec)) return load_policy_config(file);
  if (name == kDefaultPolicyName) {
    LTS_ASSIGN_OR_RETURN(TomlDocument doc,
                         TomlDocument::parse(default_policy_text(), "the built-in lts-strict policy"));
    return policy_from(doc, "", name);
  }
  return not_found("policy '" + name + "' not found ('" + file.string() + "')");
}

namespace {
Result<PolicyConfig> policy_from(const TomlDocument& doc, const fs::path& file, const std::string& name) {
  TomlTable t = doc.root();
  PolicyConfig p;
  p.file = file;
  p.name = name;
  LTS_ASSIGN_OR_RETURN(auto backport, t.opt_table("backport"));
  if (backport) {
    LTS_ASSIGN_OR_RETURN(auto aa, backport->opt_string("auto_apply"));
    if (aa) {
      static const char* kLevels[] = {"none", "low", "medium", "high", "critical"};
      if (std::find_if(std::begin(kLevels), std::end(kLevels), [&](const char* l) { return *aa == l; }) ==
          std::end(kLevels))
        return invalid(backport->where("auto_apply") + ": expected one of none, low, medium, high, critical; found '" +
                       *aa + "'");
      p.auto_apply = *aa;
    }
    LTS_ASSIGN_OR_RETURN(auto vc, backport->opt_string("version_changes"));
    if (vc) {
      if (*vc == "none") p.version_changes = VersionChangePolicy::kNone;
      else if (*vc == "patch") p.version_changes = VersionChangePolicy::kPatch;
      else if (*vc == "minor") p.version_changes = VersionChangePolicy::kMinor;
      else if (*vc == "any") p.version_changes = VersionChangePolicy::kAny;
      else
        return invalid(backport->where("version_changes") + ": expected one of none, patch, minor, any; found '" + *vc +
                       "'");
    }
    LTS_ASSIGN_OR_RETURN(auto nsk, backport->opt_bool("never_skip_newer_channels"));
    if (nsk) p.never_skip_newer_channels = *nsk;
    LTS_ASSIGN_OR_RETURN(auto added, backport->opt_bool("packages_added"));
    if (added) p.packages_added = *added;
    LTS_ASSIGN_OR_RETURN(auto removed, backport->opt_bool("packages_removed"));
    if (removed) p.packages_removed = *removed;
    LTS_RETURN_IF_ERROR(backport->finish());
  }
  LTS_ASSIGN_OR_RETURN(auto abi, t.opt_table("abi"));
  if (abi) {
    if (abi->has("allow")) {
      LTS_ASSIGN_OR_RETURN(p.abi_allow, abi->string_array("allow"));
    }
    for (const auto& a : p.abi_allow) {
      if (!abi::parse_allowed_kinds(a)) {
        std::string known;
        for (const auto& g : abi::change_kind_groups()) known += std::string(known.empty() ? "" : ", ") + g.name;
        for (const auto& k : abi::change_kinds()) known += std::string(", ") + k.name;
        return invalid(abi->where("allow") + ": unknown change kind '" + a + "' (known: " + known + ")");
      }
    }
    LTS_ASSIGN_OR_RETURN(auto sups, abi->table_array("suppressions"));
    for (auto& s : sups) {
      LTS_ASSIGN_OR_RETURN(auto fields, s.all_strings());
      auto sup = abi::make_suppression(fields, s.location());
      if (!sup.ok()) return from_abi_error(sup.error());
      p.abi_suppressions.entries.push_back(std::move(*sup));
    }
    LTS_RETURN_IF_ERROR(abi->finish());
  }
  for (const auto& a : p.abi_allow) {
    auto kinds = abi::parse_allowed_kinds(a);
    if (kinds) p.abi_allowed_kinds.insert(p.abi_allowed_kinds.end(), kinds->begin(), kinds->end());
  }
  LTS_ASSIGN_OR_RETURN(auto publish, t.opt_table("publish"));
  if (publish) {
    LTS_ASSIGN_OR_RETURN(auto keep, publish->opt_int("keep_generations"));
    if (keep) {
      if (*keep < 1) return invalid(publish->where("keep_generations") + ": must be at least 1");
      p.keep_generations = *keep;
    }
    LTS_RETURN_IF_ERROR(publish->finish());
  }
  LTS_RETURN_IF_ERROR(t.finish());
  return p;
}
}  // namespace

}  // namespace ltskit
