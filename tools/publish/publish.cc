#include "tools/publish/publish.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tools/advisories/triage.h"
#include "tools/core/events.h"
#include "tools/core/fs.h"
#include "tools/core/process.h"
#include "tools/nix/options.h"
#include "tools/nix/state.h"
#include "tools/publish/manifest.h"
#include "tools/track/channels.h"
#include "tools/track/snapshots.h"
#include "tools/track/tracker.h"

namespace ltskit::publish {
namespace fs = std::filesystem;

const char* built_state_name(BuiltAttr::State s) {
  switch (s) {
    case BuiltAttr::State::kPresent: return "present";
    case BuiltAttr::State::kBuilt: return "built";
    case BuiltAttr::State::kFailed: return "failed";
  }
  return "failed";
}

bool BuildResult::ok() const {
  return std::none_of(attrs.begin(), attrs.end(),
                      [](const BuiltAttr& a) { return a.state == BuiltAttr::State::kFailed; });
}

namespace {

constexpr const char* kStore = "/nix/store/";

std::string errno_text() { return std::strerror(errno); }

// The channel, its head as last tracked, and the packages it publishes there.
struct Head {
  ChannelState channel;
  std::string commit;
  std::vector<SnapshotPackage> published;  // in the order of `publish`
  std::vector<std::string> missing;        // published attrs the head lacks
};

Result<Head> channel_head(Workspace& ws, git::Repository& repo, const std::string& name) {
  LTS_RETURN_IF_ERROR(validate_channel_name(name));
  Head h;
  LTS_ASSIGN_OR_RETURN(h.channel, get_channel(ws, repo, name));
  const ChannelConfig& c = h.channel.config;
  if (c.publish.empty())
    return usage_error("channel '" + name + "' publishes nothing: list its attrs in publish = [...] in " +
                       c.file.string());
  if (!h.channel.branch_head) return not_found("branch '" + c.branch + "' of channel '" + name + "' is gone");
  LTS_ASSIGN_OR_RETURN(auto heads, channel_heads(ws.db()));
  std::optional<SnapshotRef> snap;
  for (const auto& head : heads)
    if (head.channel == name) snap = head.snapshot;
  if (!snap || snap->commit != *h.channel.branch_head)
    return conflict("the head of " + c.branch + " (" + h.channel.branch_head->substr(0, 12) +
                    ") is not tracked yet; run 'ltskit track " + name + "' first");
  h.commit = snap->commit;
  LTS_ASSIGN_OR_RETURN(auto pkgs, snapshot_packages(ws.db(), snap->id));
  for (const auto& attr : c.publish) {
    auto it = std::find_if(pkgs.begin(), pkgs.end(), [&](const SnapshotPackage& p) { return p.attr == attr; });
    if (it == pkgs.end()) h.missing.push_back(attr);
    else h.published.push_back(*it);
  }
  return h;
}

// "/nix/store/HASH-NAME", with only the characters Nix allows in a name
// (so that it can be quoted in a Nix expression as it is).
bool valid_store_path(const std::string& p) {
  if (p.rfind(kStore, 0) != 0) return false;
  std::string name = p.substr(std::string(kStore).size());
  if (name.size() < 34 || name[32] != '-') return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("+-._?=").find(c) == std::string_view::npos)
      return false;
  return true;
}

bool all_present(const std::map<std::string, std::string>& outputs) {
  std::error_code ec;
  for (const auto& [name, path] : outputs)
    if (!fs::exists(path, ec)) return false;
  return !outputs.empty();
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

Status fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open folder '" + dir.string() + "': " + errno_text());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error("cannot sync folder '" + dir.string() + "': " + errno_text());
  return ok_status();
}

// The files a generation copies and rewrites (pkg-config and CMake package
// files); everything else is a symlink into the store.
bool rewritten(const fs::path& rel) {
  std::string r = rel.generic_string();
  if (r.ends_with(".pc")) return true;
  // CMake package files, wherever a package keeps them (lib/cmake,
  // share/cmake, lib/NAME/cmake).
  return r.ends_with(".cmake") && ("/" + r).find("/cmake/") != std::string::npos;
}

// `text` with every store path in `paths` replaced by `prefix`; a .pc file's
// Libs also get an RPATH to its libdir, so that what links against the
// stable tree finds its libraries there at run time.
std::string rewrite(std::string text, const std::vector<std::string>& paths, const std::string& prefix, bool pc) {
  for (const auto& p : paths)
    for (size_t pos = text.find(p); pos != std::string::npos; pos = text.find(p, pos + prefix.size()))
      text.replace(pos, p.size(), prefix);
  if (!pc) return text;
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    if (line.rfind("Libs:", 0) == 0 && line.find("-L${libdir}") != std::string::npos &&
        line.find("rpath") == std::string::npos)
      line += " -Wl,-rpath,${libdir}";
    out += line;
    if (eol == std::string::npos) break;
    out += '\n';
    pos = eol + 1;
  }
  return out;
}

// The digest of a generation's tree (manifest.json excluded): every entry
// with its type and its link target or contents, in path order.
Result<std::string> tree_digest(const fs::path& dir) {
  std::vector<std::string> lines;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    fs::path rel = it->path().lexically_relative(dir);
    if (rel == "manifest.json") continue;
    if (it->is_symlink()) {
      std::error_code e2;
      lines.push_back("L " + rel.generic_string() + " " + fs::read_symlink(it->path(), e2).string());
    } else if (it->is_directory()) {
      lines.push_back("D " + rel.generic_string());
    } else {
      LTS_ASSIGN_OR_RETURN(std::string body, read_file(it->path()));
      lines.push_back("F " + rel.generic_string() + " " + sha256_hex(body));
    }
  }
  if (ec) return io_error("cannot read '" + dir.string() + "': " + ec.message());
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return "sha256:" + sha256_hex(all);
}

// Writes the tree of `packages` into `dir` (a new, empty folder), as Nix's
// buildEnv does: a folder only one package provides (and that holds no file
// to rewrite) is one link into the store; folders several provide are real
// and their entries linked one by one. A file two packages provide is an
// error naming both. Returns the tree's digest (as tree_digest computes it
// from the folder), from what was written.
Result<std::string> assemble(const fs::path& dir, const std::vector<SnapshotPackage>& packages,
                             const std::string& prefix) {
  static const char* kTops[] = {"bin", "include", "lib", "share"};
  std::vector<std::string> paths;
  for (const auto& p : packages)
    for (const auto& [o, path] : p.outputs) paths.push_back(path);
  // Pass 1: every entry of every package, read once; how many packages
  // provide each path; which folders hold a file to rewrite.
  struct Entry {
    std::string who;
    fs::path source, rel;
    bool dir, link;
  };
  std::vector<Entry> entries;
  std::map<std::string, int> providers;
  std::set<std::string> holds_rewritten;
  for (const auto& pkg : packages)
    for (const auto& [output, store] : pkg.outputs)
      for (const char* top : kTops) {
        fs::path base = fs::path(store) / top;
        std::error_code ec;
        if (!fs::is_directory(fs::symlink_status(base, ec))) continue;
        std::string who = pkg.attr + " (" + store + ")";
        entries.push_back({who, base, fs::path(top), true, false});
        for (auto it = fs::recursive_directory_iterator(base, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec)) {
          Entry e{who, it->path(), fs::path(top) / it->path().lexically_relative(base), false, it->is_symlink()};
          e.dir = !e.link && it->is_directory();
          ++providers[e.rel.generic_string()];
          if (!e.dir && rewritten(e.rel))
            for (fs::path up = e.rel.parent_path(); !up.empty(); up = up.parent_path())
              holds_rewritten.insert(up.generic_string());
          entries.push_back(std::move(e));
        }
        if (ec) return io_error("cannot read '" + base.string() + "': " + ec.message());
      }
  // Pass 2: the folders, links and rewritten files.
  std::vector<std::string> digest_lines;
  std::map<std::string, std::string> owner;  // rel path -> "attr (store path)"
  std::string linked;                        // a folder linked whole: skip what is under it
  for (const auto& e : entries) {
    std::string key = e.rel.generic_string();
    if (!linked.empty() && key.size() > linked.size() && key.compare(0, linked.size(), linked) == 0 &&
        key[linked.size()] == '/')
      continue;
    linked.clear();
    fs::path target = dir / e.rel;
    auto clash = [&]() { return conflict("two packages provide " + key + ": " + owner[key] + " and " + e.who); };
    bool top = e.rel.parent_path().empty();
    if (e.dir && (top || providers[key] > 1 || holds_rewritten.count(key))) {
      if (::mkdir(target.c_str(), 0755) != 0) {
        if (errno != EEXIST) return io_error("cannot create '" + target.string() + "': " + errno_text());
        std::error_code e2;
        if (!fs::is_directory(fs::symlink_status(target, e2))) return clash();
        continue;  // another package made it
      }
      owner.emplace(key, e.who);
      digest_lines.push_back("D " + key);
      continue;
    }
    auto [slot, fresh] = owner.emplace(key, e.who);
    if (!fresh) return clash();
    if (e.dir) linked = key;  // the whole folder is one link
    if (!e.dir && rewritten(e.rel)) {
      // A link to another .pc (ncurses.pc -> ncursesw.pc) is rewritten
      // as a copy too: it must not carry the store prefix either.
      LTS_ASSIGN_OR_RETURN(std::string body, read_file(e.source));
      std::string text = rewrite(body, paths, prefix, e.rel.extension() == ".pc");
      // A new file in a folder nobody sees yet: written plainly, and the
      // whole generation is synced once before it is moved into place (a
      // sync per file made 1,000 packages take seconds).
      int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0)
        return errno == EEXIST ? clash() : io_error("cannot create '" + target.string() + "': " + errno_text());
      Status written = write_all(fd, text, target);
      ::close(fd);
      LTS_RETURN_IF_ERROR(written);
      digest_lines.push_back("F " + key + " " + sha256_hex(text));
    } else {
      if (::symlink(e.source.c_str(), target.c_str()) != 0)
        return errno == EEXIST ? clash() : io_error("cannot link '" + target.string() + "': " + errno_text());
      digest_lines.push_back("L " + key + " " + e.source.string());
    }
  }
  std::sort(digest_lines.begin(), digest_lines.end());
  std::string all;
  for (const auto& l : digest_lines) all += l + "\n";
  return "sha256:" + sha256_hex(all);
}

fs::path generations_dir(const fs::path& root, const std::string& channel) { return root / ".generations" / channel; }

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<nlohmann::json> read_manifest(const fs::path& gen) {
  LTS_ASSIGN_OR_RETURN(std::string text, read_file(gen / "manifest.json"));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid((gen / "manifest.json").string() + ": not a JSON object");
  return j;
}

// A string field of a manifest ("" when missing or not a string: a
// hand-edited or corrupt manifest never throws).
std::string field(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The store paths a manifest names, each once.
std::vector<std::string> manifest_store_paths(const nlohmann::json& m) {
  std::set<std::string> out;
  auto pkgs = m.find("packages");
  if (pkgs != m.end() && pkgs->is_array())
    for (const auto& p : *pkgs) {
      auto outs = p.is_object() ? p.find("outputs") : p.end();
      if (p.is_object() && outs != p.end() && outs->is_object())
        for (const auto& [o, path] : outs->items())
          if (path.is_string()) out.insert(path.get<std::string>());
    }
  return {out.begin(), out.end()};
}

// The generation ROOT/CHANNEL points to, if any.
std::optional<int64_t> current_number(const fs::path& root, const std::string& channel) {
  std::error_code ec;
  fs::path target = fs::read_symlink(root / channel, ec);
  if (ec) return std::nullopt;
  std::string name = target.filename().string();
  if (target.parent_path() != fs::path(".generations") / channel || !all_digits(name)) return std::nullopt;
  return std::stoll(name);
}

// Points ROOT/CHANNEL at generation `n`: a new link under a temporary name,
// renamed over the old one, then the folder synced.
Status switch_to(const fs::path& root, const std::string& channel, int64_t n) {
  fs::path link = root / channel;
  fs::path tmp = root / ("." + channel + ".link-" + std::to_string(::getpid()));
  ::unlink(tmp.c_str());
  std::string target = (fs::path(".generations") / channel / std::to_string(n)).string();
  if (::symlink(target.c_str(), tmp.c_str()) != 0)
    return io_error("cannot create '" + tmp.string() + "': " + errno_text());
  if (::rename(tmp.c_str(), link.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(tmp.c_str());
    return io_error("cannot switch '" + link.string() + "': " + why +
                    (fs::is_directory(fs::symlink_status(link)) ? " (it is a folder, not ltskit's link)" : ""));
  }
  return fsync_dir(root);
}

// Problems with generation `gen` as published under `prefix`.
// `full`: also walk the tree (every link resolves, rewritten files, the
// digest). Publish checks a tree it has just written from a listing of the
// store, so it needs only the rest: manifest, store paths, GC roots.
Result<std::vector<std::string>> check_generation(const fs::path& gen, const std::string& prefix, bool full = true) {
  std::vector<std::string> problems;
  auto manifest = read_manifest(gen);
  if (!manifest.ok()) return std::vector<std::string>{manifest.error().message()};
  const nlohmann::json& m = *manifest;
  std::vector<std::string> store_paths;
  store_paths = manifest_store_paths(m);
  std::error_code ec;
  for (const auto& path : store_paths)
    if (!fs::exists(path, ec)) problems.push_back("store path " + path + " is missing");
  for (auto it = full ? fs::recursive_directory_iterator(gen, ec) : fs::recursive_directory_iterator();
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    fs::path rel = it->path().lexically_relative(gen);
    if (it->is_symlink()) {
      std::error_code e2;
      if (!fs::exists(it->path(), e2))
        problems.push_back(rel.generic_string() + " -> " + fs::read_symlink(it->path(), e2).string() +
                           " does not resolve");
    } else if (it->is_regular_file() && rewritten(rel)) {
      auto body = read_file(it->path());
      if (!body.ok()) {
        problems.push_back(body.error().message());
        continue;
      }
      for (const auto& path : store_paths)
        if (body->find(path) != std::string::npos)
          problems.push_back(rel.generic_string() + " still names the store path " + path);
      // A .pc's absolute prefix is the stable path (a relocatable one,
      // ${pcfiledir}/..., resolves there by itself).
      if (rel.extension() == ".pc")
        for (size_t pos = body->find("prefix="); pos != std::string::npos; pos = body->find("prefix=", pos + 1)) {
          if (pos != 0 && (*body)[pos - 1] != '\n') continue;
          size_t eol = body->find('\n', pos);
          std::string value = body->substr(pos + 7, eol == std::string::npos ? std::string::npos : eol - pos - 7);
          if (!value.empty() && value[0] == '/' && value != prefix)
            problems.push_back(rel.generic_string() + " says prefix=" + value + ", not " + prefix);
        }
    }
  }
  if (ec) problems.push_back("cannot read " + gen.string() + ": " + ec.message());
  auto digest = full ? tree_digest(gen) : Result<std::string>(m.value("digest", ""));
  if (!digest.ok()) problems.push_back(digest.error().message());
  else if (*digest != m.value("digest", ""))
    problems.push_back("the tree's digest " + *digest + " is not the manifest's " + m.value("digest", "(none)"));
  // The GC root: .roots/N/root, a store file listing every store path.
  fs::path root_link = gen.parent_path() / ".roots" / gen.filename() / "root";
  std::error_code e3;
  fs::path listed = fs::read_symlink(root_link, e3);
  auto list = e3 ? Result<std::string>(not_found("")) : read_file(listed);
  if (e3 || !valid_store_path(listed.string()) || !list.ok()) {
    problems.push_back("the generation's GC root " + root_link.string() + " is missing or does not resolve");
  } else {
    std::set<std::string> rooted;
    std::istringstream lines(*list);
    for (std::string line; std::getline(lines, line);) rooted.insert(line);
    for (const auto& path : store_paths)
      if (!rooted.count(path)) problems.push_back("store path " + path + " is not held by the generation's GC root");
  }
  // The ABI dumps the next publish compares with.
  if (m.contains("abi")) {
    fs::path abi_dir = gen.parent_path() / ".abi" / gen.filename();
    auto index = read_abi_index(abi_dir);
    if (!index.ok()) {
      problems.push_back(index.error().message());
    } else {
      for (const auto& [attr, pkg] : index->packages)
        for (const auto& l : pkg.libraries) {
          std::error_code e2;
          if (!fs::is_regular_file(abi_dir / l.dump, e2))
            problems.push_back("the ABI dump of " + l.key + " (package " + attr +
                               ") is missing: " + (abi_dir / l.dump).string());
        }
    }
  }
  return problems;
}

}  // namespace

size_t build_jobs(const NixConfig& nix) {
  auto it = nix.options.find("max-jobs");
  if (it == nix.options.end()) return 1;
  if (it->second == "auto") return std::max(1u, std::thread::hardware_concurrency());
  try {
    long long n = std::stoll(it->second);
    return n >= 1 ? static_cast<size_t>(std::min<long long>(n, 64)) : 1;
  } catch (const std::exception&) {
    return 1;
  }
}

Result<BuildResult> build_channel(Workspace& ws, git::Repository& repo, const std::string& channel,
                                  Progress& progress) {
  LTS_ASSIGN_OR_RETURN(Head head, channel_head(ws, repo, channel));
  BuildResult out;
  out.channel = channel;
  out.commit = head.commit;
  for (const auto& attr : head.missing) {
    BuiltAttr b;
    b.attr = attr;
    b.state = BuiltAttr::State::kFailed;
    b.message = "the package set has no attr '" + attr + "' at " + head.commit.substr(0, 12);
    out.attrs.push_back(std::move(b));
  }
  // What the current generation publishes, to say what changed.
  std::map<std::string, std::map<std::string, std::string>> published;
  fs::path root = publish_root(ws, std::nullopt);
  if (auto n = current_number(root, channel)) {
    out.generation = *n;
    published = manifest_packages(generations_dir(root, channel) / std::to_string(*n));
  }
  auto changed = [&](const BuiltAttr& b) -> std::optional<bool> {
    if (!out.generation) return std::nullopt;
    auto it = published.find(b.attr);
    return it == published.end() || it->second != b.outputs;
  };
  fs::path logs = ws.config().state_dir() / "logs" / "build" / head.commit.substr(0, 12);
  // What is in the store already needs no build; the rest is built by up
  // to build_jobs() nix-build processes at once, each with its own log.
  std::vector<BuiltAttr> todo;
  for (const auto& pkg : head.published) {
    BuiltAttr b;
    b.attr = pkg.attr;
    b.outputs = pkg.outputs;
    b.changed = changed(b);
    if (all_present(pkg.outputs)) out.attrs.push_back(std::move(b));
    else todo.push_back(std::move(b));
  }
  if (!todo.empty()) {
    LTS_RETURN_IF_ERROR(nix::ensure_state_ready(ws.config().nix));
    LTS_ASSIGN_OR_RETURN(git::TreeSlots slots, open_tree_slots(ws, repo));
    LTS_ASSIGN_OR_RETURN(git::TreeSlots::Lease lease, slots.acquire());
    LTS_ASSIGN_OR_RETURN(fs::path tree_dir, lease.checkout(head.commit));
    LTS_RETURN_IF_ERROR(make_dirs(logs));
    progress.begin("building " + channel, todo.size());
    std::atomic<size_t> next{0}, done{0};
    std::mutex mu;
    std::vector<Status> errors(todo.size(), ok_status());
    auto build_one = [&](BuiltAttr& b) -> Status {
      std::vector<std::string> argv = {"nix-build", (tree_dir / ws.config().nix.file).string(), "--no-out-link"};
      for (const auto& [o, path] : b.outputs) {
        argv.push_back("-A");
        argv.push_back(b.attr + "." + o);
      }
      for (const auto& a : ws.config().nix.args) argv.push_back(a);
      nix::append_options(argv, ws.config().nix);
      ProcessOptions opt;
      opt.cwd = tree_dir;
      opt.timeout = std::chrono::seconds(ws.config().nix.build_timeout_seconds);
      LTS_ASSIGN_OR_RETURN(ProcessResult r, run_process(argv, opt));
      b.log = logs / (b.attr + ".log");
      LTS_RETURN_IF_ERROR(atomic_write_file(b.log, r.err + r.out));
      if (!r.success()) {
        b.state = BuiltAttr::State::kFailed;
        b.message = "nix-build " + r.describe_status(opt.timeout);
      } else if (!all_present(b.outputs)) {
        b.state = BuiltAttr::State::kFailed;
        b.message = "nix-build succeeded but did not produce the evaluated out paths";
      } else {
        b.state = BuiltAttr::State::kBuilt;
      }
      return ok_status();
    };
    auto worker = [&]() {
      while (true) {
        size_t i = next++;
        if (i >= todo.size()) return;
        errors[i] = build_one(todo[i]);
        size_t d = ++done;
        std::lock_guard<std::mutex> lock(mu);
        progress.update(d, todo[i].attr);
      }
    };
    size_t nthreads = std::min<size_t>(build_jobs(ws.config().nix), todo.size());
    std::vector<std::thread> threads;
    for (size_t t = 1; t < nthreads; ++t) threads.emplace_back(worker);
    worker();
    for (auto& th : threads) th.join();
    for (auto& e : errors) LTS_RETURN_IF_ERROR(std::move(e));
    for (auto& b : todo) out.attrs.push_back(std::move(b));
    progress.end();
  }
  // In the channel's publish order, failures (attrs missing) first.
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < head.published.size(); ++i) order[head.published[i].attr] = i + 1;
  std::stable_sort(out.attrs.begin(), out.attrs.end(),
                   [&](const BuiltAttr& a, const BuiltAttr& b) { return order[a.attr] < order[b.attr]; });
  if (ws.writable()) {
    size_t built = 0, failed = 0;
    for (const auto& a : out.attrs) {
      built += a.state == BuiltAttr::State::kBuilt;
      failed += a.state == BuiltAttr::State::kFailed;
    }
    LTS_RETURN_IF_ERROR(record_event(ws.db(), ws.command(), out.ok() ? "build.ok" : "build.failed",
                                     channel + " " + head.commit.substr(0, 12),
                                     std::to_string(built) + " built, " + std::to_string(failed) + " failed"));
  }
  return out;
}

fs::path publish_root(const Workspace& ws, const std::optional<fs::path>& root) {
  fs::path r = root ? *root : ws.config().publish_root;
  if (r.is_relative()) r = fs::absolute(r);
  return r.lexically_normal();
}

Result<std::vector<Generation>> list_generations(const fs::path& root, const std::string& channel) {
  LTS_RETURN_IF_ERROR(validate_channel_name(channel));
  std::vector<Generation> out;
  fs::path dir = generations_dir(root, channel);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  auto current = current_number(root, channel);
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!all_digits(name) || !it->is_directory()) continue;
    auto m = read_manifest(it->path());
    if (!m.ok()) continue;  // incomplete: never became a generation
    Generation g;
    g.number = std::stoll(name);
    g.commit = field(*m, "commit");
    g.created_at = field(*m, "created_at");
    g.digest = field(*m, "digest");
    if (auto prev = m->find("previous_generation"); prev != m->end() && prev->is_number_integer())
      g.previous = prev->get<int64_t>();
    g.path = it->path();
    g.current = current && *current == g.number;
    out.push_back(std::move(g));
  }
  if (ec) return io_error("cannot read '" + dir.string() + "': " + ec.message());
  std::sort(out.begin(), out.end(), [](const Generation& a, const Generation& b) { return a.number < b.number; });
  return out;
}

Result<PublishResult> publish_channel(Workspace& ws, git::Repository& repo, const PublishOptions& o,
                                      Progress& progress) {
  LTS_ASSIGN_OR_RETURN(Head head, channel_head(ws, repo, o.channel));
  const std::string& channel = o.channel;
  if (head.channel.status == ChannelStatus::kEol)
    return conflict("channel " + channel + " reached end of life; it is not published any more");
  if (!head.missing.empty())
    return not_found("the package set has no attr '" + head.missing[0] + "' at " + head.commit.substr(0, 12) +
                     " (channel " + channel + " publishes it)");
  std::vector<std::string> unbuilt;
  for (const auto& p : head.published)
    if (!all_present(p.outputs)) unbuilt.push_back(p.attr);
  if (!unbuilt.empty()) {
    std::string names;
    for (const auto& u : unbuilt) names += (names.empty() ? "" : ", ") + u;
    return conflict("not built at " + head.commit.substr(0, 12) + ": " + names + "; run 'ltskit build " + channel +
                    "' first");
  }
  LTS_ASSIGN_OR_RETURN(PolicyConfig policy, load_named_policy(ws.config().policies_dir, head.channel.config.policy));

  fs::path root = publish_root(ws, o.root);
  std::error_code ec;
  auto st = fs::status(root, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    return invalid("the publish root '" + root.string() + "' is not a folder");
  if (!fs::exists(st)) LTS_RETURN_IF_ERROR(make_dirs(root));
  if (::access(root.c_str(), W_OK) != 0)
    return io_error("cannot publish into '" + root.string() + "': " + errno_text());
  fs::path dir = generations_dir(root, channel);
  LTS_RETURN_IF_ERROR(make_dirs(dir / ".roots"));

  LTS_ASSIGN_OR_RETURN(auto gens, list_generations(root, channel));
  const Generation* current = nullptr;
  for (const auto& g : gens)
    if (g.current) current = &g;
  if (current && current->commit == head.commit && !o.force_reason) {
    // Nothing new, if it publishes the same packages (the list or the
    // evaluation may have changed at the same commit).
    std::vector<std::string> now;
    for (const auto& p : head.published)
      for (const auto& [o2, path] : p.outputs) now.push_back(path);
    std::sort(now.begin(), now.end());
    now.erase(std::unique(now.begin(), now.end()), now.end());
    auto m = read_manifest(current->path);
    if (m.ok() && manifest_store_paths(*m) == now) {
      PublishResult same;
      same.generation = *current;
      same.unchanged = true;
      return same;
    }
  }
  if (current && !o.force_reason) {
    auto desc = repo.is_ancestor(current->commit, head.commit);
    if (!desc.ok() || !*desc)
      return conflict("commit " + head.commit.substr(0, 12) + " of " + head.channel.config.branch +
                      " does not descend from " + current->commit.substr(0, 12) + " (generation " +
                      std::to_string(current->number) + "); publish it with --force REASON");
  }

  // The next number: past every generation folder, complete or not.
  int64_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (all_digits(name)) n = std::max<int64_t>(n, std::stoll(name));
  }
  ++n;
  // Leftovers of a publish that was killed: never visible, safe to drop.
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().filename().string().rfind(".tmp-", 0) == 0) fs::remove_all(it->path(), ec);
  for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->path().filename().string().rfind("." + channel + ".link-", 0) == 0) ::unlink(it->path().c_str());
  for (const char* kept : {".roots", ".abi"})
    for (auto it = fs::directory_iterator(dir / kept, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      std::error_code e2;
      if (!all_digits(name) || !fs::exists(dir / name / "manifest.json", e2)) fs::remove_all(it->path(), e2);
    }

  // Where the time goes, per phase (publish --json "timings_ms").
  std::vector<std::pair<std::string, double>> timings;
  auto lap_start = std::chrono::steady_clock::now();
  auto lap = [&](const char* phase) {
    auto now = std::chrono::steady_clock::now();
    timings.emplace_back(phase, std::chrono::duration<double, std::milli>(now - lap_start).count());
    lap_start = now;
  };
  lap("checks");
  // GC roots first: the store paths are safe from the collector while the
  // generation is assembled, and for as long as it is kept.
  std::vector<std::string> store_paths;
  for (const auto& p : head.published)
    for (const auto& [o2, path] : p.outputs) store_paths.push_back(path);
  std::sort(store_paths.begin(), store_paths.end());
  store_paths.erase(std::unique(store_paths.begin(), store_paths.end()), store_paths.end());
  fs::path roots = dir / ".roots" / std::to_string(n);
  bool had_abi_dir = fs::exists(dir / ".abi", ec);
  fs::path abi_tmp = dir / ".abi" / (".tmp-" + std::to_string(n) + "-" + std::to_string(::getpid()));
  fs::remove_all(abi_tmp, ec);
  // Until the generation is in place, any way out removes what this
  // publish made: the GC roots, the ABI folder, the assembly.
  fs::path tmp = dir / (".tmp-" + std::to_string(n) + "-" + std::to_string(::getpid()));
  bool placed = false;
  struct Cleanup {
    std::function<void()> f;
    ~Cleanup() { f(); }
  } cleanup{[&] {
    if (placed) return;
    std::error_code e2;
    fs::remove_all(tmp, e2);
    fs::remove_all(abi_tmp, e2);
    fs::remove_all(roots, e2);
    if (!had_abi_dir) fs::remove(dir / ".abi", e2);  // only if empty
  }};
  LTS_RETURN_IF_ERROR(make_dirs(roots));
  {
    // One GC root per generation, as a Nix profile generation has: a store
    // file that lists (and so references) every store path of the
    // generation, made with builtins.toFile, registered as an indirect
    // root. A root per path cost two links each (1,000 packages: 2,000).
    LTS_RETURN_IF_ERROR(nix::ensure_state_ready(ws.config().nix));
    std::string list;
    for (const auto& path : store_paths) {
      if (!valid_store_path(path)) return invalid("'" + path + "' is not a Nix store path");
      list += " \"" + path + "\"";
    }
    std::string expr =
        "builtins.toFile \"ltskit-generation-roots\" (builtins.concatStringsSep \"\\n\" (map "
        "builtins.storePath [" +
        list + " ]))";
    std::vector<std::string> argv = {"nix-instantiate", "--eval", "--read-write-mode", "--expr", expr};
    nix::append_options(argv, ws.config().nix);
    LTS_ASSIGN_OR_RETURN(ProcessResult made, run_process(argv));
    if (!made.success())
      return external("nix-instantiate (the generation's GC root) " + made.describe_status({}) + ":\n" + made.err);
    std::string list_path = made.out;
    while (!list_path.empty() && (list_path.back() == '\n' || list_path.back() == '"')) list_path.pop_back();
    if (!list_path.empty() && list_path.front() == '"') list_path.erase(0, 1);
    if (!valid_store_path(list_path)) return external("nix-instantiate gave '" + made.out + "', not a store path");
    argv = {"nix-store", "--realise", "--add-root", (roots / "root").string(), "--indirect", list_path};
    nix::append_options(argv, ws.config().nix);
    LTS_ASSIGN_OR_RETURN(ProcessResult r, run_process(argv));
    if (!r.success()) return external("nix-store --add-root " + r.describe_status({}) + ":\n" + r.err);
  }

  // The ABI gate: the live generation's libraries against the new ones.
  LTS_RETURN_IF_ERROR(make_dirs(abi_tmp));
  GateInput gin;
  gin.published = head.published;
  if (current) {
    gin.current = current->number;
    gin.current_dir = current->path;
    gin.current_abi_dir = dir / ".abi" / std::to_string(current->number);
  }
  gin.policy = &policy;
  gin.abi_dir = abi_tmp;
  lap("gc_root");
  auto gated = run_abi_gate(gin, progress);
  lap("abi_gate");
  if (!gated.ok() || gated->blocked()) {
    if (!gated.ok()) return std::move(gated).error();
    if (ws.writable()) {
      LTS_RETURN_IF_ERROR(record_abi_verdicts(ws.db(), channel, head.commit, std::nullopt, *gated));
      LTS_RETURN_IF_ERROR(record_event(ws.db(), ws.command(), "publish.blocked", channel,
                                       "the ABI gate held back " + head.commit.substr(0, 12)));
    }
    PublishResult held;
    held.gate = std::move(*gated);
    return held;
  }
  GateResult gate = std::move(*gated);

  std::string prefix = (root / channel).string();
  fs::remove_all(tmp, ec);
  LTS_RETURN_IF_ERROR(make_dirs(tmp));
  progress.begin("assembling generation " + std::to_string(n) + " of " + channel, 0);
  auto assembled = assemble(tmp, head.published, prefix);
  if (!assembled.ok()) return std::move(assembled).error();
  std::string digest = *assembled;
  lap("tree");

  // The advisories fixed at this commit, and which of them are new since
  // the generation before.
  std::set<std::string> fixed, before;
  LTS_ASSIGN_OR_RETURN(auto rows, advisories::list_triage(ws.db(), {channel, std::nullopt, std::nullopt}));
  for (const auto& r : rows)
    if (r.state == advisories::TriageState::kFixed) fixed.insert(r.advisory);
  if (current) {
    auto m = read_manifest(current->path);
    if (m.ok())
      if (auto f = m->find("advisories_fixed"); f != m->end() && f->is_array())
        for (const auto& a : *f)
          if (a.is_string()) before.insert(a.get<std::string>());
  }
  nlohmann::json packages = nlohmann::json::array();
  for (const auto& p : head.published)
    packages.push_back({{"attr", p.attr}, {"pname", p.pname}, {"version", p.version}, {"outputs", p.outputs}});
  nlohmann::json abi_libs = nlohmann::json::array();
  for (const auto& l : gate.libraries)
    abi_libs.push_back({{"attr", l.attr},
                        {"soname", l.soname},
                        {"verdict", l.verdict_text()},
                        {"old", l.old_file},
                        {"new", l.new_file},
                        {"notes", l.notes}});
  nlohmann::json abi_json = {{"compared_with", current ? nlohmann::json(current->number) : nlohmann::json()},
                             {"dumps", ".abi/" + std::to_string(n)},
                             {"libraries", abi_libs}};
  nlohmann::json since = nlohmann::json::array();
  for (const auto& a : fixed)
    if (!before.count(a)) since.push_back(a);
  nlohmann::json manifest = {{"channel", channel},
                             {"generation", n},
                             {"commit", head.commit},
                             {"branch", head.channel.config.branch},
                             {"prefix", prefix},
                             {"created_at", now_utc()},
                             {"created_by", o.by},
                             {"packages", packages},
                             {"advisories_fixed", fixed},
                             {"advisories_fixed_since_previous", since},
                             {"previous_generation", current ? nlohmann::json(current->number) : nlohmann::json()},
                             {"abi", abi_json},
                             {"digest", digest}};
  if (o.force_reason) manifest["forced"] = *o.force_reason;
  LTS_RETURN_IF_ERROR(atomic_write_file(tmp / "manifest.json", manifest.dump(2) + "\n"));
  lap("manifest");
  {
    // Everything written so far reaches the disk before the rename.
    int fd = ::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::syncfs(fd) != 0) {
      std::string why = errno_text();
      if (fd >= 0) ::close(fd);
      return io_error("cannot sync '" + tmp.string() + "': " + why);
    }
    ::close(fd);
  }
  fs::path gen = dir / std::to_string(n);
  // The ABI folder first: a generation never lacks its dumps.
  fs::path abi_final = dir / ".abi" / std::to_string(n);
  fs::remove_all(abi_final, ec);
  if (::rename(abi_tmp.c_str(), abi_final.c_str()) != 0)
    return io_error("cannot move the ABI dumps of generation " + std::to_string(n) + " into place: " + errno_text());
  if (::rename(tmp.c_str(), gen.c_str()) != 0)
    return io_error("cannot move generation " + std::to_string(n) + " into place: " + errno_text());
  placed = true;
  LTS_RETURN_IF_ERROR(fsync_dir(dir));
  progress.end();

  // Verified before anyone sees it.
  lap("sync");
  LTS_ASSIGN_OR_RETURN(auto problems, check_generation(gen, prefix, /*full=*/false));
  lap("verify");
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += "\n  " + p;
    // Out of sight first, as pruning does: a numbered folder with a
    // manifest must never be a half-deleted one.
    fs::path doomed = dir / (".tmp-failed-" + std::to_string(n));
    if (::rename(gen.c_str(), doomed.c_str()) == 0) fs::remove_all(doomed, ec);
    fs::remove_all(roots, ec);
    fs::remove_all(abi_final, ec);
    return internal("generation " + std::to_string(n) + " of " + channel + " failed verification:" + all);
  }
  LTS_RETURN_IF_ERROR(switch_to(root, channel, n));
  if (ws.writable()) {
    LTS_RETURN_IF_ERROR(record_abi_verdicts(ws.db(), channel, head.commit, n, gate));
    LTS_RETURN_IF_ERROR(record_event(ws.db(), ws.command(), "publish", channel + " " + std::to_string(n),
                                     "published " + head.commit.substr(0, 12) + " at " + prefix +
                                         (o.force_reason ? " (forced: " + *o.force_reason + ")" : "")));
  }

  lap("switch");
  // Prune beyond keep_generations.
  LTS_ASSIGN_OR_RETURN(auto all, list_generations(root, channel));
  int64_t keep = std::max<int64_t>(1, policy.keep_generations);
  // Kept: the new generation, the one a plain rollback returns to (when
  // more than one is kept), then the newest others.
  std::set<int64_t> kept = {n};
  if (keep >= 2 && current) kept.insert(current->number);
  for (auto it = all.rbegin(); it != all.rend() && static_cast<int64_t>(kept.size()) < keep; ++it)
    kept.insert(it->number);
  for (size_t i = 0; i < all.size(); ++i) {
    if (kept.count(all[i].number)) continue;
    // Out of sight first (one rename), then deleted: a prune that is killed
    // never leaves a half-deleted generation that looks complete.
    fs::path doomed = dir / (".tmp-pruned-" + std::to_string(all[i].number));
    if (::rename(all[i].path.c_str(), doomed.c_str()) != 0) continue;
    fs::remove_all(doomed, ec);
    fs::remove_all(dir / ".roots" / std::to_string(all[i].number), ec);
    fs::remove_all(dir / ".abi" / std::to_string(all[i].number), ec);
  }
  LTS_ASSIGN_OR_RETURN(auto now, list_generations(root, channel));
  for (const auto& g : now)
    if (g.number == n) {
      PublishResult done;
      done.generation = g;
      done.gate = std::move(gate);
      lap("prune");
      done.timings_ms = std::move(timings);
      return done;
    }
  return internal("generation " + std::to_string(n) + " vanished");
}

Result<Generation> rollback(const fs::path& root, const std::string& channel, std::optional<int64_t> to) {
  LTS_ASSIGN_OR_RETURN(auto gens, list_generations(root, channel));
  auto current = current_number(root, channel);
  if (gens.empty() || !current)
    return not_found("channel " + channel + " has no published generation in " + root.string());
  // Default: the generation that was live before the current one was
  // published (its manifest says), else the newest older one.
  std::optional<int64_t> prev;
  for (const auto& g : gens)
    if (g.number == *current) prev = g.previous;
  const Generation* target = nullptr;
  for (const auto& g : gens) {
    if (to ? g.number == *to : (prev ? g.number == *prev : g.number < *current)) target = &g;
  }
  if (!target)
    return not_found(to ? "no generation " + std::to_string(*to) + " of " + channel + " in " + root.string()
                        : "generation " + std::to_string(*current) + " is the oldest kept one of " + channel);
  LTS_RETURN_IF_ERROR(switch_to(root, channel, target->number));
  Generation g = *target;
  g.current = true;
  return g;
}

Result<std::vector<std::string>> verify_channel(const fs::path& root, const std::string& channel) {
  LTS_RETURN_IF_ERROR(validate_channel_name(channel));
  auto current = current_number(root, channel);
  if (!current) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(root / channel, ec)))
      return std::vector<std::string>{(root / channel).string() + " is not a link to one of its generations"};
    return not_found("channel " + channel + " is not published in " + root.string());
  }
  fs::path gen = generations_dir(root, channel) / std::to_string(*current);
  // The prefix the generation was published under (the root may be given
  // here through another spelling of the same folder).
  std::string prefix = (root / channel).string();
  if (auto m = read_manifest(gen); m.ok() && !field(*m, "prefix").empty()) prefix = field(*m, "prefix");
  return check_generation(gen, prefix);
}

}  // namespace ltskit::publish
