#include "tools/git/repository.h"

#include <dirent.h>
#include <fcntl.h>
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <mutex>
#include <queue>
#include <set>
#include <tuple>
#include <unordered_map>

#include "tools/core/fs.h"

namespace ltskit::git {
namespace fs = std::filesystem;

namespace {

void ensure_init() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string last_error_text() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

std::string oid_str(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, oid);
  return buf;
}

Result<git_oid> parse_oid(const std::string& hex) {
  git_oid oid;
  if (hex.size() != GIT_OID_HEXSZ || git_oid_fromstr(&oid, hex.c_str()) != 0)
    return invalid("'" + hex + "' is not a full commit id");
  return oid;
}

// RAII for libgit2 objects.
template <typename T, void (*Free)(T*)>
struct Handle {
  T* p = nullptr;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (p) Free(p);
  }
  T** out() { return &p; }
  T* get() const { return p; }
};
using CommitH = Handle<git_commit, git_commit_free>;
using ObjectH = Handle<git_object, git_object_free>;
using TreeH = Handle<git_tree, git_tree_free>;
using TreeEntryH = Handle<git_tree_entry, git_tree_entry_free>;
using BlobH = Handle<git_blob, git_blob_free>;
using RefH = Handle<git_reference, git_reference_free>;
using RevwalkH = Handle<git_revwalk, git_revwalk_free>;
using BranchIterH = Handle<git_branch_iterator, git_branch_iterator_free>;
using IndexH = Handle<git_index, git_index_free>;
using ConflictIterH = Handle<git_index_conflict_iterator, git_index_conflict_iterator_free>;
using SignatureH = Handle<git_signature, git_signature_free>;
using DiffH = Handle<git_diff, git_diff_free>;

CommitInfo info_of(git_commit* c) {
  CommitInfo info;
  info.id = oid_str(git_commit_id(c));
  info.tree_id = oid_str(git_commit_tree_id(c));
  info.time = static_cast<int64_t>(git_commit_time(c));
  const git_signature* a = git_commit_author(c);
  if (a) info.author = std::string(a->name ? a->name : "") + " <" + (a->email ? a->email : "") + ">";
  const char* s = git_commit_summary(c);
  info.summary = s ? s : "";
  const char* m = git_commit_message(c);
  info.message = m ? m : "";
  for (unsigned i = 0; i < git_commit_parentcount(c); ++i) info.parents.push_back(oid_str(git_commit_parent_id(c, i)));
  return info;
}

bool safe_entry_name(const char* name) {
  std::string_view n(name);
  if (n.empty() || n == "." || n == ".." || n.find('/') != std::string_view::npos ||
      n.find('\0') != std::string_view::npos)
    return false;
  // Longer than a file name can be (NAME_MAX): it could never be written.
  if (n.size() > 255) return false;
  // ".git" in any case would turn an export into a repository.
  if (n.size() == 4 && (n[0] == '.') && (n[1] | 0x20) == 'g' && (n[2] | 0x20) == 'i' && (n[3] | 0x20) == 't')
    return false;
  return true;
}

Status write_blob(git_repository* repo, const git_tree_entry* entry, const fs::path& dest) {
  BlobH blob;
  if (git_blob_lookup(blob.out(), repo, git_tree_entry_id(entry)) != 0)
    return io_error("cannot read blob for '" + dest.string() + "': " + last_error_text());
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  size_t size = static_cast<size_t>(git_blob_rawsize(blob.get()));
  git_filemode_t mode = git_tree_entry_filemode(entry);
  if (mode == GIT_FILEMODE_LINK) {
    std::string target(data, size);
    if (::symlink(target.c_str(), dest.c_str()) != 0)
      return errno_error("cannot create symlink '" + dest.string() + "'", errno);
    return ok_status();
  }
  // Created read-only (the descriptor still writes): no chmod per file.
  mode_t perm = mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0555 : 0444;
  int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm);
  if (fd < 0) return errno_error("cannot create '" + dest.string() + "'", errno);
  if (Status w = write_all(fd, std::string_view(data, size), dest); !w.ok()) {
    ::close(fd);
    return w;
  }
  if (::close(fd) != 0) return errno_error("cannot write '" + dest.string() + "'", errno);
  return ok_status();
}

// Whether `tree` holds a file, a symlink or a submodule at any depth. A
// tree that holds none (only empty trees) is not checked out by git, and is
// not written here either. The search stops at the first file, which is
// usually among the first entries.
bool has_files(git_repository* repo, const git_tree* tree, int depth = 0) {
  if (depth > 256) return true;
  size_t n = git_tree_entrycount(tree);
  for (size_t i = 0; i < n; ++i)
    if (git_tree_entry_type(git_tree_entry_byindex(tree, i)) != GIT_OBJECT_TREE) return true;
  for (size_t i = 0; i < n; ++i) {
    git_tree* sub = nullptr;
    if (git_tree_lookup(&sub, repo, git_tree_entry_id(git_tree_entry_byindex(tree, i))) != 0) return true;
    bool found = has_files(repo, sub, depth + 1);
    git_tree_free(sub);
    if (found) return true;
  }
  return false;
}

Status write_tree(git_repository* repo, const git_tree* tree, const fs::path& dest, int depth) {
  if (depth > 256) return invalid("tree nesting deeper than 256 levels at '" + dest.string() + "'");
  size_t n = git_tree_entrycount(tree);
  for (size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree, i);
    const char* name = git_tree_entry_name(e);
    if (!safe_entry_name(name))
      return invalid("tree entry '" + std::string(name) + "' under '" + dest.string() +
                     "' could escape the export folder");
    fs::path p = dest / name;
    switch (git_tree_entry_type(e)) {
      case GIT_OBJECT_TREE: {
        TreeH sub;
        if (git_tree_lookup(sub.out(), repo, git_tree_entry_id(e)) != 0)
          return io_error("cannot read tree '" + p.string() + "': " + last_error_text());
        if (!has_files(repo, sub.get())) break;  // as git: no folder without files
        if (::mkdir(p.c_str(), 0755) != 0) return errno_error("cannot create '" + p.string() + "'", errno);
        LTS_RETURN_IF_ERROR(write_tree(repo, sub.get(), p, depth + 1));
        break;
      }
      case GIT_OBJECT_BLOB: LTS_RETURN_IF_ERROR(write_blob(repo, e, p)); break;
      case GIT_OBJECT_COMMIT:  // a submodule: leave an empty folder, like a fresh clone
        if (::mkdir(p.c_str(), 0755) != 0) return errno_error("cannot create '" + p.string() + "'", errno);
        break;
      default: return invalid("unexpected tree entry '" + p.string() + "'");
    }
  }
  return ok_status();
}

}  // namespace

Repository::Repository(git_repository* repo, fs::path path) : repo_(repo), path_(std::move(path)) {}
Repository::Repository(Repository&& o) noexcept : repo_(o.repo_), path_(std::move(o.path_)) { o.repo_ = nullptr; }
Repository& Repository::operator=(Repository&& o) noexcept {
  if (this != &o) {
    if (repo_) git_repository_free(repo_);
    repo_ = o.repo_;
    path_ = std::move(o.path_);
    o.repo_ = nullptr;
  }
  return *this;
}
Repository::~Repository() {
  if (repo_) git_repository_free(repo_);
}

Result<Repository> Repository::open(const fs::path& path) {
  ensure_init();
  git_repository* repo = nullptr;
  int rc = git_repository_open_ext(&repo, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  if (rc == GIT_ENOTFOUND || rc == GIT_EOWNER) {
    // git refuses a repository owned by another user (CVE-2022-24765)
    // unless it is listed in safe.directory; say so rather than "no repository".
    struct stat st {};
    bool foreign = (::stat((path / ".git").c_str(), &st) == 0 || ::stat((path / "HEAD").c_str(), &st) == 0) &&
                   st.st_uid != ::geteuid();
    if (rc == GIT_EOWNER || foreign)
      return io_error("git repository '" + path.string() +
                      "' is owned by another user and git refuses it unless trusted; to trust it: git config "
                      "--global --add safe.directory '" +
                      path.string() + "'");
    return not_found("no git repository at '" + path.string() + "'");
  }
  if (rc != 0) return io_error("cannot open git repository '" + path.string() + "': " + last_error_text());
  return Repository(repo, path);
}

Result<std::string> Repository::resolve_commit(const std::string& rev) const {
  if (rev.empty() || rev[0] == '-') return invalid("'" + rev + "' is not a revision");
  ObjectH obj;
  int rc = git_revparse_single(obj.out(), repo_, rev.c_str());
  if (rc == GIT_ENOTFOUND) return not_found("no commit '" + rev + "' in '" + path_.string() + "'");
  if (rc == GIT_EAMBIGUOUS) return invalid("'" + rev + "' is ambiguous in '" + path_.string() + "'");
  if (rc != 0) return invalid("cannot resolve '" + rev + "': " + last_error_text());
  ObjectH peeled;
  if (git_object_peel(peeled.out(), obj.get(), GIT_OBJECT_COMMIT) != 0)
    return invalid("'" + rev + "' does not name a commit");
  return oid_str(git_object_id(peeled.get()));
}

Result<CommitInfo> Repository::commit(const std::string& id) const {
  LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(id));
  CommitH c;
  if (git_commit_lookup(c.out(), repo_, &oid) != 0) return not_found("no commit " + id);
  return info_of(c.get());
}

Result<std::vector<Branch>> Repository::branches() const {
  BranchIterH it;
  if (git_branch_iterator_new(it.out(), repo_, GIT_BRANCH_LOCAL) != 0)
    return io_error("cannot list branches: " + last_error_text());
  std::vector<Branch> out;
  while (true) {
    RefH ref;
    git_branch_t type;
    int rc = git_branch_next(ref.out(), &type, it.get());
    if (rc == GIT_ITEROVER) break;
    if (rc != 0) return io_error("cannot list branches: " + last_error_text());
    const char* name = nullptr;
    git_branch_name(&name, ref.get());
    RefH resolved;
    if (git_reference_resolve(resolved.out(), ref.get()) != 0) continue;
    const git_oid* target = git_reference_target(resolved.get());
    if (!name || !target) continue;
    out.push_back({name, oid_str(target)});
  }
  return out;
}

Result<std::optional<std::string>> Repository::branch_target(const std::string& name) const {
  RefH ref;
  int rc = git_branch_lookup(ref.out(), repo_, name.c_str(), GIT_BRANCH_LOCAL);
  if (rc == GIT_ENOTFOUND) return std::optional<std::string>();
  if (rc == GIT_EINVALIDSPEC) return invalid("'" + name + "' is not a valid branch name");
  if (rc != 0) return io_error("cannot read branch '" + name + "': " + last_error_text());
  RefH resolved;
  if (git_reference_resolve(resolved.out(), ref.get()) != 0)
    return io_error("cannot resolve branch '" + name + "': " + last_error_text());
  return std::optional<std::string>(oid_str(git_reference_target(resolved.get())));
}

Status Repository::create_branch(const std::string& name, const std::string& commit_id) {
  int valid = 0;
  if (git_branch_name_is_valid(&valid, name.c_str()) != 0 || !valid)
    return usage_error("'" + name + "' is not a valid branch name");
  LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(commit_id));
  CommitH c;
  if (git_commit_lookup(c.out(), repo_, &oid) != 0) return not_found("no commit " + commit_id);
  RefH ref;
  int rc = git_branch_create(ref.out(), repo_, name.c_str(), c.get(), 0);
  if (rc == GIT_EEXISTS) return conflict("branch '" + name + "' already exists");
  if (rc != 0) return io_error("cannot create branch '" + name + "': " + last_error_text());
  return ok_status();
}

Status Repository::delete_branch(const std::string& name) {
  RefH ref;
  int rc = git_branch_lookup(ref.out(), repo_, name.c_str(), GIT_BRANCH_LOCAL);
  if (rc == GIT_ENOTFOUND) return not_found("no branch '" + name + "'");
  if (rc != 0) return io_error("cannot find branch '" + name + "': " + last_error_text());
  if (git_branch_delete(ref.get()) != 0) return io_error("cannot delete branch '" + name + "': " + last_error_text());
  return ok_status();
}

Result<std::vector<CommitInfo>> Repository::walk_since(const std::string& from, const std::string& since) const {
  LTS_ASSIGN_OR_RETURN(git_oid from_oid, parse_oid(from));
  LTS_ASSIGN_OR_RETURN(git_oid since_oid, parse_oid(since));
  RevwalkH walk;
  if (git_revwalk_new(walk.out(), repo_) != 0) return io_error("revwalk: " + last_error_text());
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
  if (git_revwalk_push(walk.get(), &from_oid) != 0 || git_revwalk_hide(walk.get(), &since_oid) != 0)
    return io_error("revwalk: " + last_error_text());
  std::vector<CommitInfo> out;
  git_oid next;
  while (git_revwalk_next(&next, walk.get()) == 0) {
    CommitH c;
    if (git_commit_lookup(c.out(), repo_, &next) != 0)
      return io_error("cannot read commit " + oid_str(&next) + ": " + last_error_text());
    out.push_back(info_of(c.get()));
  }
  return out;
}

namespace {

using OdbH = Handle<git_odb, git_odb_free>;
using OdbObjectH = Handle<git_odb_object, git_odb_object_free>;

struct OidHash {
  size_t operator()(const git_oid& o) const {
    size_t h;
    std::memcpy(&h, o.id, sizeof h);
    return h;
  }
};
struct OidEq {
  bool operator()(const git_oid& a, const git_oid& b) const { return git_oid_equal(&a, &b) != 0; }
};

// The fields of a raw commit object that a walk needs.
struct RawCommit {
  git_oid tree{};
  std::vector<git_oid> parents;
  int64_t time = 0;  // committer time
  std::string_view message;
};

bool parse_raw_commit(std::string_view data, RawCommit& out) {
  auto hex_oid = [](std::string_view hex, git_oid& oid) {
    return hex.size() == GIT_OID_HEXSZ && git_oid_fromstrn(&oid, hex.data(), hex.size()) == 0;
  };
  bool have_tree = false;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t eol = data.find('\n', pos);
    if (eol == std::string_view::npos) eol = data.size();
    std::string_view line = data.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) {
      if (pos <= data.size()) out.message = data.substr(pos);
      return have_tree;
    }
    if (line.starts_with("tree ")) {
      have_tree = hex_oid(line.substr(5), out.tree);
      if (!have_tree) return false;
    } else if (line.starts_with("parent ")) {
      git_oid p;
      if (!hex_oid(line.substr(7), p)) return false;
      out.parents.push_back(p);
    } else if (line.starts_with("committer ")) {
      // "committer Name <email> 1700000000 +0000"
      size_t gt = line.rfind('>');
      if (gt == std::string_view::npos) return false;
      size_t i = gt + 1;
      while (i < line.size() && line[i] == ' ') ++i;
      int64_t t = 0;
      while (i < line.size() && line[i] >= '0' && line[i] <= '9') t = t * 10 + (line[i++] - '0');
      out.time = t;
    }
  }
  return have_tree;  // no message at all
}

}  // namespace

Result<std::vector<CommitInfo>> Repository::scan_range(const std::string& from,
                                                       const std::vector<std::string>& hide) const {
  OdbH odb;
  if (git_repository_odb(odb.out(), repo_) != 0) return io_error("cannot open objects: " + last_error_text());
  bool shallow = git_repository_is_shallow(repo_) == 1;
  struct Node {
    git_oid id;
    git_oid tree;
    int64_t time;
    std::vector<git_oid> parent_ids;
    std::vector<uint32_t> parents;  // set once expanded
    std::string message;
    bool uninteresting = false, in_queue = false;
  };
  std::vector<Node> nodes;
  std::unordered_map<git_oid, uint32_t, OidHash, OidEq> index;
  using Entry = std::tuple<int64_t, int64_t, uint32_t>;  // time, -discovery order, node
  std::priority_queue<Entry> queue;
  int64_t discovered = 0;
  size_t interesting_queued = 0;
  nodes.reserve(4096);
  index.reserve(4096);

  // Marks `start` and every expanded ancestor uninteresting.
  auto mark = [&](uint32_t start) {
    std::vector<uint32_t> stack = {start};
    while (!stack.empty()) {
      uint32_t i = stack.back();
      stack.pop_back();
      Node& n = nodes[i];
      if (n.uninteresting) continue;
      n.uninteresting = true;
      if (n.in_queue) {  // queued as wanted: no longer counts
        n.in_queue = false;
        --interesting_queued;
      }
      for (uint32_t p : n.parents) stack.push_back(p);
    }
  };
  // The node of `id`, read (once) and queued when new; nullopt for a parent
  // cut off by a shallow clone.
  auto load = [&](const git_oid& id, bool uninteresting) -> Result<std::optional<uint32_t>> {
    auto it = index.find(id);
    if (it != index.end()) {
      if (uninteresting) mark(it->second);
      return std::optional<uint32_t>(it->second);
    }
    OdbObjectH obj;
    int rc = git_odb_read(obj.out(), odb.get(), &id);
    if (rc == GIT_ENOTFOUND && shallow) return std::optional<uint32_t>();
    if (rc != 0) return io_error("cannot read commit " + oid_str(&id) + ": " + last_error_text());
    if (git_odb_object_type(obj.get()) != GIT_OBJECT_COMMIT) return invalid(oid_str(&id) + " is not a commit");
    RawCommit raw;
    std::string_view data(static_cast<const char*>(git_odb_object_data(obj.get())), git_odb_object_size(obj.get()));
    if (!parse_raw_commit(data, raw)) return io_error("commit " + oid_str(&id) + " is malformed");
    uint32_t i = static_cast<uint32_t>(nodes.size());
    Node n;
    n.id = id;
    n.tree = raw.tree;
    n.time = raw.time;
    n.parent_ids = std::move(raw.parents);
    n.message.assign(raw.message);
    n.uninteresting = uninteresting;
    n.in_queue = !uninteresting;
    nodes.push_back(std::move(n));
    index.emplace(id, i);
    queue.emplace(nodes[i].time, -(discovered++), i);
    if (!uninteresting) ++interesting_queued;
    return std::optional<uint32_t>(i);
  };

  for (const auto& h : hide) {
    LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(h));
    LTS_ASSIGN_OR_RETURN(auto hidden, load(oid, true));
    (void)hidden;
  }
  LTS_ASSIGN_OR_RETURN(git_oid from_oid, parse_oid(from));
  LTS_ASSIGN_OR_RETURN(auto start, load(from_oid, false));
  (void)start;
  // When to stop. git's rev-list goes on while anything wanted is queued or
  // the queue holds commits no older than the last one taken, then a few
  // more (revision.c, still_interesting); where committer times go
  // backwards it stops too early and lists commits a hidden one reaches.
  // Here the margin is the largest backwards step seen on any edge walked:
  // the walk goes on while the queue holds commits that, by that margin,
  // could still lead to any commit taken.
  constexpr int kSlop = 5;
  int slop = kSlop;
  int64_t oldest_taken = INT64_MAX;
  int64_t skew = 0;  // the largest parent-newer-than-child step seen, seconds
  std::vector<uint32_t> order;
  while (!queue.empty()) {
    uint32_t i = std::get<2>(queue.top());
    queue.pop();
    if (nodes[i].in_queue) {
      nodes[i].in_queue = false;
      --interesting_queued;
    }
    bool uninteresting = nodes[i].uninteresting;
    std::vector<git_oid> parent_ids = std::move(nodes[i].parent_ids);
    std::vector<uint32_t> parents;
    for (const auto& p : parent_ids) {
      LTS_ASSIGN_OR_RETURN(auto pi, load(p, uninteresting));
      if (!pi) continue;
      parents.push_back(*pi);
      skew = std::max(skew, nodes[*pi].time - nodes[i].time);
    }
    nodes[i].parents = std::move(parents);
    if (!uninteresting) {
      order.push_back(i);
      oldest_taken = std::min(oldest_taken, nodes[i].time);
    }
    if (queue.empty()) break;
    if (interesting_queued > 0 || std::get<0>(queue.top()) + skew >= oldest_taken) slop = kSlop;
    else if (--slop <= 0) break;
  }
  // A commit taken as wanted may have been reached from a hidden one later
  // (clock skew): only what is still wanted at the end is returned.
  std::vector<CommitInfo> out;
  out.reserve(order.size());
  for (uint32_t i : order) {
    Node& n = nodes[i];
    if (n.uninteresting) continue;
    CommitInfo info;
    info.id = oid_str(&n.id);
    info.tree_id = oid_str(&n.tree);
    info.time = n.time;
    info.message = std::move(n.message);
    for (uint32_t p : n.parents) info.parents.push_back(oid_str(&nodes[p].id));
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::vector<CommitInfo>> Repository::walk(const std::string& from, WalkMode mode, size_t limit,
                                                 int64_t not_before) const {
  LTS_ASSIGN_OR_RETURN(std::string start, resolve_commit(from));
  LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(start));
  std::vector<CommitInfo> out;
  if (mode == WalkMode::kFirstParent) {
    // Following first parents needs no revwalk: it is a linked list.
    git_oid cur = oid;
    while (true) {
      CommitH c;
      if (git_commit_lookup(c.out(), repo_, &cur) != 0)
        return io_error("cannot read commit " + oid_str(&cur) + ": " + last_error_text());
      if (static_cast<int64_t>(git_commit_time(c.get())) < not_before) break;
      out.push_back(info_of(c.get()));
      if (limit && out.size() >= limit) break;
      if (git_commit_parentcount(c.get()) == 0) break;
      git_oid_cpy(&cur, git_commit_parent_id(c.get(), 0));
    }
    return out;
  }
  RevwalkH walk;
  if (git_revwalk_new(walk.out(), repo_) != 0) return io_error("revwalk: " + last_error_text());
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME);
  if (git_revwalk_push(walk.get(), &oid) != 0) return io_error("revwalk: " + last_error_text());
  git_oid next;
  while (git_revwalk_next(&next, walk.get()) == 0) {
    CommitH c;
    if (git_commit_lookup(c.out(), repo_, &next) != 0)
      return io_error("cannot read commit " + oid_str(&next) + ": " + last_error_text());
    out.push_back(info_of(c.get()));
    if (limit && out.size() >= limit) break;
  }
  return out;
}

Result<std::string> Repository::last_commit_at_or_before(const std::string& from, int64_t unix_time) const {
  LTS_ASSIGN_OR_RETURN(std::string start, resolve_commit(from));
  LTS_ASSIGN_OR_RETURN(git_oid cur, parse_oid(start));
  while (true) {
    CommitH c;
    if (git_commit_lookup(c.out(), repo_, &cur) != 0)
      return io_error("cannot read commit " + oid_str(&cur) + ": " + last_error_text());
    if (static_cast<int64_t>(git_commit_time(c.get())) <= unix_time) return oid_str(&cur);
    if (git_commit_parentcount(c.get()) == 0) break;
    git_oid_cpy(&cur, git_commit_parent_id(c.get(), 0));
  }
  return not_found("no commit on '" + from + "' is that old");
}

Result<bool> Repository::is_ancestor(const std::string& ancestor, const std::string& descendant) const {
  LTS_ASSIGN_OR_RETURN(git_oid a, parse_oid(ancestor));
  LTS_ASSIGN_OR_RETURN(git_oid d, parse_oid(descendant));
  if (git_oid_equal(&a, &d)) return true;
  int rc = git_graph_descendant_of(repo_, &d, &a);
  if (rc < 0) return io_error("cannot compare history: " + last_error_text());
  return rc == 1;
}

Result<std::string> Repository::read_file(const std::string& commit_id, const std::string& path) const {
  LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(commit_id));
  CommitH c;
  if (git_commit_lookup(c.out(), repo_, &oid) != 0) return not_found("no commit " + commit_id);
  TreeH tree;
  if (git_commit_tree(tree.out(), c.get()) != 0) return io_error("cannot read tree: " + last_error_text());
  TreeEntryH entry;
  int rc = git_tree_entry_bypath(entry.out(), tree.get(), path.c_str());
  if (rc == GIT_ENOTFOUND) return not_found("no file '" + path + "' at commit " + commit_id);
  if (rc != 0) return io_error("cannot read '" + path + "': " + last_error_text());
  if (git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB)
    return invalid("'" + path + "' at commit " + commit_id + " is not a file");
  BlobH blob;
  if (git_blob_lookup(blob.out(), repo_, git_tree_entry_id(entry.get())) != 0)
    return io_error("cannot read '" + path + "': " + last_error_text());
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                     static_cast<size_t>(git_blob_rawsize(blob.get())));
}

std::vector<std::pair<std::string, std::string>> message_trailers(const std::string& message) {
  ensure_init();
  std::vector<std::pair<std::string, std::string>> out;
  git_message_trailer_array arr{};
  if (git_message_trailers(&arr, message.c_str()) != 0) return out;
  for (size_t i = 0; i < arr.count; ++i) out.emplace_back(arr.trailers[i].key, arr.trailers[i].value);
  git_message_trailer_array_free(&arr);
  return out;
}

namespace {

constexpr std::string_view kPickedPrefix = "(cherry picked from commit ";

// Whether `message` (ending with a newline) ends with a trailer block, as
// git's has_conforming_footer decides: a last paragraph, after the subject,
// of trailers (libgit2 parses those with git's rules) or of lines git itself
// writes there ("(cherry picked from commit …)").
bool has_conforming_footer(const std::string& message) {
  if (!message_trailers(message).empty()) return true;
  std::string body = message;
  while (!body.empty() && body.back() == '\n') body.pop_back();
  size_t para = body.rfind("\n\n");
  if (para == std::string::npos) return false;  // the subject alone is no footer
  std::string last = body.substr(para + 2);
  if (last.empty()) return false;
  size_t start = 0;
  while (start <= last.size()) {
    size_t end = last.find('\n', start);
    std::string line = last.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.rfind(kPickedPrefix, 0) != 0) return false;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return true;
}

}  // namespace

std::vector<std::string> picked_from(const std::string& message) {
  std::vector<std::string> out;
  for (size_t pos = message.find(kPickedPrefix); pos != std::string::npos; pos = message.find(kPickedPrefix, pos + 1)) {
    std::string id = message.substr(pos + kPickedPrefix.size(), 40);
    if (id.size() == 40 && std::all_of(id.begin(), id.end(), [](char c) { return std::isxdigit(c); }))
      out.push_back(id);
  }
  return out;
}

std::string cherry_pick_message(const std::string& message, const std::string& picked) {
  std::string out = message;
  if (!out.empty() && out.back() != '\n') out += '\n';
  if (!has_conforming_footer(out)) out += '\n';
  out += std::string(kPickedPrefix) + picked + ")\n";
  return out;
}

namespace {

// The index `git cherry-pick` would leave: `commit` picked onto `onto`, in
// memory, with git's rename detection (limit 7000, git's merge.renameLimit
// default; libgit2's own is 1000).
Status cherrypick_index(git_repository* repo, const std::string& commit, const std::string& onto, IndexH& index) {
  LTS_ASSIGN_OR_RETURN(git_oid pick_oid, parse_oid(commit));
  LTS_ASSIGN_OR_RETURN(git_oid onto_oid, parse_oid(onto));
  CommitH pick, ours;
  if (git_commit_lookup(pick.out(), repo, &pick_oid) != 0) return not_found("no commit " + commit);
  if (git_commit_lookup(ours.out(), repo, &onto_oid) != 0) return not_found("no commit " + onto);
  if (git_commit_parentcount(pick.get()) != 1)
    return invalid("commit " + commit.substr(0, 12) + " has " + std::to_string(git_commit_parentcount(pick.get())) +
                   " parents; only a commit with one parent can be picked");
  git_merge_options opts;
  git_merge_options_init(&opts, GIT_MERGE_OPTIONS_VERSION);
  opts.flags |= GIT_MERGE_FIND_RENAMES;
  opts.target_limit = 7000;
  if (git_cherrypick_commit(index.out(), repo, pick.get(), ours.get(), 0, &opts) != 0)
    return io_error("cannot cherry-pick " + commit.substr(0, 12) + " onto " + onto.substr(0, 12) + ": " +
                    last_error_text());
  return ok_status();
}

}  // namespace

Result<PickResult> Repository::cherry_pick(const std::string& commit, const std::string& onto) const {
  IndexH index;
  LTS_RETURN_IF_ERROR(cherrypick_index(repo_, commit, onto, index));
  PickResult r;
  if (git_index_has_conflicts(index.get())) {
    ConflictIterH it;
    if (git_index_conflict_iterator_new(it.out(), index.get()) != 0)
      return io_error("cannot list conflicts: " + last_error_text());
    const git_index_entry *anc = nullptr, *our = nullptr, *their = nullptr;
    while (git_index_conflict_next(&anc, &our, &their, it.get()) == 0) {
      const git_index_entry* any = our ? our : their ? their : anc;
      r.conflicts.push_back({any->path, anc != nullptr, our != nullptr, their != nullptr});
    }
    std::sort(r.conflicts.begin(), r.conflicts.end(),
              [](const PickConflict& a, const PickConflict& b) { return a.path < b.path; });
    return r;
  }
  git_oid tree;
  if (git_index_write_tree_to(&tree, index.get(), repo_) != 0)
    return io_error("cannot write the picked tree: " + last_error_text());
  r.tree_id = oid_str(&tree);
  return r;
}

Result<std::string> Repository::create_commit(const std::string& tree_id, const std::vector<std::string>& parents,
                                              const Signature& author, const Signature& committer,
                                              const std::string& message) {
  LTS_ASSIGN_OR_RETURN(git_oid tree_oid, parse_oid(tree_id));
  TreeH tree;
  if (git_tree_lookup(tree.out(), repo_, &tree_oid) != 0) return not_found("no tree " + tree_id);
  std::vector<CommitH> parent_commits(parents.size());
  std::vector<const git_commit*> parent_ptrs;
  for (size_t i = 0; i < parents.size(); ++i) {
    LTS_ASSIGN_OR_RETURN(git_oid p, parse_oid(parents[i]));
    if (git_commit_lookup(parent_commits[i].out(), repo_, &p) != 0) return not_found("no commit " + parents[i]);
    parent_ptrs.push_back(parent_commits[i].get());
  }
  SignatureH a, c;
  if (git_signature_new(a.out(), author.name.c_str(), author.email.c_str(), author.time, author.offset_minutes) != 0 ||
      git_signature_new(c.out(), committer.name.c_str(), committer.email.c_str(), committer.time,
                        committer.offset_minutes) != 0)
    return invalid("invalid author or committer: " + last_error_text());
  git_oid out;
  if (git_commit_create(&out, repo_, nullptr, a.get(), c.get(), nullptr, message.c_str(), tree.get(),
                        parent_ptrs.size(), parent_ptrs.data()) != 0)
    return io_error("cannot write a commit: " + last_error_text());
  return oid_str(&out);
}

Result<Signature> Repository::author(const std::string& commit_id) const {
  LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(commit_id));
  CommitH c;
  if (git_commit_lookup(c.out(), repo_, &oid) != 0) return not_found("no commit " + commit_id);
  const git_signature* s = git_commit_author(c.get());
  return Signature{s->name ? s->name : "", s->email ? s->email : "", static_cast<int64_t>(s->when.time),
                   s->when.offset};
}

Status Repository::update_branch(const std::string& name, const std::string& target, const std::string& expected,
                                 const std::string& reflog_message) {
  LTS_ASSIGN_OR_RETURN(git_oid new_oid, parse_oid(target));
  LTS_ASSIGN_OR_RETURN(git_oid old_oid, parse_oid(expected));
  RefH ref;
  std::string refname = "refs/heads/" + name;
  int rc =
      git_reference_create_matching(ref.out(), repo_, refname.c_str(), &new_oid, 1, &old_oid, reflog_message.c_str());
  if (rc == GIT_EMODIFIED || rc == GIT_ENOTFOUND)
    return conflict("branch '" + name + "' moved while it was being updated (it no longer points to " +
                    expected.substr(0, 12) + "); nothing was changed");
  if (rc == GIT_ELOCKED) return conflict("branch '" + name + "' is locked by another git process; try again");
  if (rc != 0) return io_error("cannot move branch '" + name + "': " + last_error_text());
  return ok_status();
}

Result<std::string> Repository::conflicted_pick_tree(const std::string& commit, const std::string& onto,
                                                     const std::string& ours_label, const std::string& theirs_label) {
  IndexH index;
  LTS_RETURN_IF_ERROR(cherrypick_index(repo_, commit, onto, index));
  struct Resolved {
    std::string path;
    git_oid blob;
    uint32_t mode;
  };
  std::vector<Resolved> resolved;
  {
    ConflictIterH it;
    if (git_index_conflict_iterator_new(it.out(), index.get()) != 0)
      return io_error("cannot list conflicts: " + last_error_text());
    const git_index_entry *anc = nullptr, *our = nullptr, *their = nullptr;
    while (git_index_conflict_next(&anc, &our, &their, it.get()) == 0) {
      Resolved r;
      r.path = (our ? our : their ? their : anc)->path;
      if (our && their) {
        git_merge_file_options fo;
        git_merge_file_options_init(&fo, GIT_MERGE_FILE_OPTIONS_VERSION);
        fo.our_label = ours_label.c_str();
        fo.their_label = theirs_label.c_str();
        git_merge_file_result res{};
        if (git_merge_file_from_index(&res, repo_, anc, our, their, &fo) != 0)
          return io_error("cannot merge '" + r.path + "': " + last_error_text());
        int rc = git_blob_create_from_buffer(&r.blob, repo_, res.ptr, res.len);
        r.mode = res.mode ? res.mode : our->mode;
        git_merge_file_result_free(&res);
        if (rc != 0) return io_error("cannot write '" + r.path + "': " + last_error_text());
      } else {
        const git_index_entry* side = our ? our : their;
        if (!side) continue;  // deleted on both sides
        git_oid_cpy(&r.blob, &side->id);
        r.mode = side->mode;
      }
      resolved.push_back(std::move(r));
    }
  }
  for (const auto& r : resolved) {
    git_index_conflict_remove(index.get(), r.path.c_str());
    git_index_entry e{};
    e.path = r.path.c_str();
    e.mode = r.mode;
    git_oid_cpy(&e.id, &r.blob);
    if (git_index_add(index.get(), &e) != 0) return io_error("cannot stage '" + r.path + "': " + last_error_text());
  }
  // Paths deleted on both sides are simply gone.
  git_index_conflict_cleanup(index.get());
  git_oid tree;
  if (git_index_write_tree_to(&tree, index.get(), repo_) != 0)
    return io_error("cannot write the conflicted tree: " + last_error_text());
  return oid_str(&tree);
}

Status Repository::set_branch(const std::string& name, const std::string& target, const std::string& reflog_message) {
  LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(target));
  RefH ref;
  std::string refname = "refs/heads/" + name;
  if (git_reference_create(ref.out(), repo_, refname.c_str(), &oid, 1, reflog_message.c_str()) != 0)
    return io_error("cannot set branch '" + name + "': " + last_error_text());
  return ok_status();
}

Result<std::vector<std::string>> Repository::added_lines(const std::string& from, const std::string& to) const {
  auto tree_of = [&](const std::string& id, TreeH& tree) -> Status {
    LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(id));
    CommitH c;
    if (git_commit_lookup(c.out(), repo_, &oid) != 0 || git_commit_tree(tree.out(), c.get()) != 0)
      return not_found("no commit " + id);
    return ok_status();
  };
  TreeH a, b;
  LTS_RETURN_IF_ERROR(tree_of(from, a));
  LTS_RETURN_IF_ERROR(tree_of(to, b));
  git_diff_options o;
  git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
  o.context_lines = 0;
  DiffH diff;
  if (git_diff_tree_to_tree(diff.out(), repo_, a.get(), b.get(), &o) != 0)
    return io_error("cannot diff: " + last_error_text());
  std::vector<std::string> out;
  auto on_line = [](const git_diff_delta*, const git_diff_hunk*, const git_diff_line* line, void* payload) -> int {
    if (line->origin == GIT_DIFF_LINE_ADDITION)
      static_cast<std::vector<std::string>*>(payload)->emplace_back(line->content, line->content_len);
    return 0;
  };
  if (git_diff_foreach(diff.get(), nullptr, nullptr, nullptr, on_line, &out) != 0)
    return io_error("cannot read diff: " + last_error_text());
  return out;
}

namespace {

// git's tree order: names compared bytewise, a tree's name as if it ended in '/'.
int tree_order(const git_tree_entry* a, const git_tree_entry* b) {
  const char* an = git_tree_entry_name(a);
  const char* bn = git_tree_entry_name(b);
  size_t al = std::strlen(an), bl = std::strlen(bn), n = std::min(al, bl);
  if (int c = std::memcmp(an, bn, n)) return c;
  auto next = [](const git_tree_entry* e, const char* name, size_t len, size_t at) -> int {
    if (len > at) return static_cast<unsigned char>(name[at]);
    return git_tree_entry_type(e) == GIT_OBJECT_TREE ? '/' : 0;
  };
  return next(a, an, al, n) - next(b, bn, bl, n);
}

// Collects the files under `now` that `before` (null: nothing) lacks and
// whose name `wanted` accepts, reading only subtrees whose ids differ: both
// trees are walked side by side in git's order.
// Reads trees, keeping the most recent ones: walking history newest first,
// a commit's parent trees are read again as the next commit's own.
class TreeSource {
 public:
  explicit TreeSource(git_repository* repo, size_t keep = 0) : repo_(repo), keep_(keep) {}
  TreeSource(const TreeSource&) = delete;
  TreeSource& operator=(const TreeSource&) = delete;
  ~TreeSource() {
    for (auto& [id, t] : kept_) git_tree_free(t);
  }
  // A tree the caller frees with release().
  git_tree* get(const git_oid* id) {
    auto it = kept_.find(*id);
    if (it != kept_.end()) return it->second;
    git_tree* t = nullptr;
    if (git_tree_lookup(&t, repo_, id) != 0) return nullptr;
    if (keep_ == 0) return t;
    if (order_.size() >= keep_) {
      auto old = kept_.find(order_.front());
      git_tree_free(old->second);
      kept_.erase(old);
      order_.pop_front();
    }
    kept_.emplace(*id, t);
    order_.push_back(*id);
    return t;
  }
  void release(git_tree* t) {
    if (keep_ == 0 && t) git_tree_free(t);
  }
  git_repository* repo() const { return repo_; }

 private:
  git_repository* repo_;
  size_t keep_;
  std::unordered_map<git_oid, git_tree*, OidHash, OidEq> kept_;
  std::deque<git_oid> order_;
};

Status added_in(TreeSource& trees, const git_tree* before, const git_tree* now, const std::string& prefix,
                const std::function<bool(std::string_view)>& wanted, std::vector<std::string>& out) {
  size_t n = git_tree_entrycount(now);
  size_t m = before ? git_tree_entrycount(before) : 0;
  size_t j = 0;
  for (size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(now, i);
    const git_tree_entry* old = nullptr;
    while (j < m) {
      const git_tree_entry* o = git_tree_entry_byindex(before, j);
      int c = tree_order(o, e);
      if (c < 0) {
        ++j;
        continue;
      }
      if (c == 0) {
        old = o;
        ++j;
      }
      break;
    }
    if (old && git_oid_equal(git_tree_entry_id(old), git_tree_entry_id(e))) continue;  // unchanged
    git_object_t type = git_tree_entry_type(e);
    const char* name = git_tree_entry_name(e);
    if (type == GIT_OBJECT_TREE) {
      git_tree* sub = trees.get(git_tree_entry_id(e));
      git_tree* old_sub =
          old && git_tree_entry_type(old) == GIT_OBJECT_TREE ? trees.get(git_tree_entry_id(old)) : nullptr;
      Status s = !sub || (old && git_tree_entry_type(old) == GIT_OBJECT_TREE && !old_sub)
                     ? io_error("cannot read tree: " + last_error_text())
                     : added_in(trees, old_sub, sub, prefix + name + "/", wanted, out);
      trees.release(sub);
      trees.release(old_sub);
      LTS_RETURN_IF_ERROR(s);
    } else if (type == GIT_OBJECT_BLOB && !old && wanted(name)) {
      out.push_back(prefix + name);
    }
  }
  return ok_status();
}

}  // namespace

Result<std::vector<std::string>> Repository::added_files_named(
    const std::string& commit_id, const std::function<bool(std::string_view)>& wanted) const {
  LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(commit_id));
  CommitH c;
  if (git_commit_lookup(c.out(), repo_, &oid) != 0) return not_found("no commit " + commit_id);
  TreeH tree, parent_tree;
  if (git_commit_tree(tree.out(), c.get()) != 0) return io_error("cannot read tree: " + last_error_text());
  if (git_commit_parentcount(c.get()) > 0) {
    CommitH parent;
    if (git_commit_parent(parent.out(), c.get(), 0) != 0 || git_commit_tree(parent_tree.out(), parent.get()) != 0)
      return io_error("cannot read parent tree: " + last_error_text());
  }
  std::vector<std::string> out;
  TreeSource trees(repo_);
  LTS_RETURN_IF_ERROR(added_in(trees, parent_tree.get(), tree.get(), "", wanted, out));
  return out;
}

Result<std::vector<std::vector<std::string>>> Repository::added_files_each(
    const std::vector<TreePair>& pairs, const std::function<bool(std::string_view)>& wanted,
    const std::function<void(size_t)>& done) const {
  TreeSource trees(repo_, 256);
  std::vector<std::vector<std::string>> out(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(pairs[i].tree));
    git_tree* now = trees.get(&oid);
    if (!now) return not_found("no tree " + pairs[i].tree);
    git_tree* before = nullptr;
    if (!pairs[i].before.empty()) {
      LTS_ASSIGN_OR_RETURN(git_oid b, parse_oid(pairs[i].before));
      before = trees.get(&b);
      if (!before) return not_found("no tree " + pairs[i].before);
    }
    LTS_RETURN_IF_ERROR(added_in(trees, before, now, "", wanted, out[i]));
    if (done) done(i + 1);
  }
  return out;
}

namespace {

// One step of bringing a folder from one tree to another, relative to it.
struct MoveOp {
  enum Kind { kRemove, kMkdir, kWrite } kind;
  std::string path;
  git_oid blob{};                           // kWrite
  git_filemode_t mode = GIT_FILEMODE_BLOB;  // kWrite: blob, executable blob or link
};

bool is_file_mode(git_filemode_t m) {
  return m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE || m == GIT_FILEMODE_LINK;
}

// What writes `e` (valid name checked) at `path`, into `creates`; a tree is
// planned whole.
Status plan_add(TreeSource& trees, const git_tree_entry* e, const std::string& path, std::vector<MoveOp>& creates,
                int depth);

// Plans the move of folder `prefix` from `before` (null: absent) to `now`,
// reading only subtrees whose ids differ, with git's order on both sides.
// Names are checked here, before anything is written.
Status plan_move(TreeSource& trees, const git_tree* before, const git_tree* now, const std::string& prefix,
                 std::vector<MoveOp>& removes, std::vector<MoveOp>& creates, int depth) {
  if (depth > 256) return invalid("tree nesting deeper than 256 levels at '" + prefix + "'");
  size_t n = now ? git_tree_entrycount(now) : 0;
  size_t m = before ? git_tree_entrycount(before) : 0;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    const git_tree_entry* e = i < n ? git_tree_entry_byindex(now, i) : nullptr;
    const git_tree_entry* o = j < m ? git_tree_entry_byindex(before, j) : nullptr;
    int c = !e ? 1 : !o ? -1 : tree_order(e, o);
    if (c > 0) {  // only in the old tree
      removes.push_back({MoveOp::kRemove, prefix + git_tree_entry_name(o)});
      ++j;
      continue;
    }
    const char* name = git_tree_entry_name(e);
    std::string path = prefix + name;
    if (!safe_entry_name(name))
      return invalid("tree entry '" + path +
                     "' could escape the tree folder (a name such as '..', '.git' or one "
                     "with '/')");
    ++i;
    if (c < 0) {  // only in the new tree
      LTS_RETURN_IF_ERROR(plan_add(trees, e, path, creates, depth));
      continue;
    }
    ++j;
    git_filemode_t em = git_tree_entry_filemode(e), om = git_tree_entry_filemode(o);
    if (em == om && git_oid_equal(git_tree_entry_id(e), git_tree_entry_id(o))) continue;  // unchanged
    if (em == GIT_FILEMODE_TREE && om == GIT_FILEMODE_TREE) {
      git_tree* sub = trees.get(git_tree_entry_id(e));
      git_tree* old_sub = trees.get(git_tree_entry_id(o));
      Status s = ok_status();
      if (!sub || !old_sub) {
        s = io_error("cannot read tree '" + path + "': " + last_error_text());
      } else if (!has_files(trees.repo(), sub)) {  // gone, as git checks out no folder without files
        removes.push_back({MoveOp::kRemove, path});
      } else if (!has_files(trees.repo(), old_sub)) {  // nothing of it on disk
        s = plan_add(trees, e, path, creates, depth);
      } else {
        s = plan_move(trees, old_sub, sub, path + "/", removes, creates, depth + 1);
      }
      trees.release(sub);
      trees.release(old_sub);
      LTS_RETURN_IF_ERROR(s);
    } else if (is_file_mode(em) && is_file_mode(om)) {
      creates.push_back({MoveOp::kWrite, path, *git_tree_entry_id(e), em});  // replaced in one rename
    } else {
      removes.push_back({MoveOp::kRemove, path});
      LTS_RETURN_IF_ERROR(plan_add(trees, e, path, creates, depth));
    }
  }
  return ok_status();
}

Status plan_add(TreeSource& trees, const git_tree_entry* e, const std::string& path, std::vector<MoveOp>& creates,
                int depth) {
  git_filemode_t mode = git_tree_entry_filemode(e);
  if (is_file_mode(mode)) {
    creates.push_back({MoveOp::kWrite, path, *git_tree_entry_id(e), mode});
    return ok_status();
  }
  if (mode == GIT_FILEMODE_COMMIT) {  // a submodule: an empty folder, like a fresh clone
    creates.push_back({MoveOp::kMkdir, path});
    return ok_status();
  }
  if (mode != GIT_FILEMODE_TREE) return invalid("unexpected tree entry '" + path + "'");
  git_tree* sub = trees.get(git_tree_entry_id(e));
  if (!sub) return io_error("cannot read tree '" + path + "': " + last_error_text());
  if (!has_files(trees.repo(), sub)) {  // no folder without files, as git
    trees.release(sub);
    return ok_status();
  }
  creates.push_back({MoveOp::kMkdir, path});
  std::vector<MoveOp> no_removes;
  Status s = plan_move(trees, nullptr, sub, path + "/", no_removes, creates, depth + 1);
  trees.release(sub);
  return s;
}

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// Opens the folder that holds `rel` (relative to `root`), one component at a
// time and never through a symlink; `leaf` is the last component.
class ParentDirs {
 public:
  ParentDirs(int root, fs::path root_path) : root_(root), root_path_(std::move(root_path)) {}
  Result<int> parent_of(const std::string& rel, std::string& leaf) {
    size_t slash = rel.rfind('/');
    std::string parent = slash == std::string::npos ? "" : rel.substr(0, slash);
    leaf = slash == std::string::npos ? rel : rel.substr(slash + 1);
    if (parent.empty()) return root_;
    if (parent == cached_ && cached_fd_.fd >= 0) return cached_fd_.fd;
    Fd cur;
    int at = root_;
    size_t start = 0;
    while (start < parent.size()) {
      size_t end = parent.find('/', start);
      if (end == std::string::npos) end = parent.size();
      Fd next(::openat(at, parent.substr(start, end - start).c_str(), kDirFlags));
      if (next.fd < 0) return errno_error("cannot open folder '" + (root_path_ / parent).string() + "'", errno);
      cur = std::move(next);
      at = cur.fd;
      start = end + 1;
    }
    cached_ = parent;
    cached_fd_ = std::move(cur);
    return cached_fd_.fd;
  }
  // Forgets the open folder (it is about to be removed).
  void forget() {
    cached_.clear();
    cached_fd_ = Fd();
  }

 private:
  int root_;
  fs::path root_path_;
  std::string cached_;
  Fd cached_fd_;
};

// Removes `name` in folder `dirfd`, a folder with everything in it; symlinks
// are removed, never followed. Absent is fine.
Status remove_at(int dirfd, const std::string& name, const fs::path& shown, int depth = 0) {
  if (depth > 300) return io_error("folder nesting too deep at '" + shown.string() + "'");
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return ok_status();
    return errno_error("cannot read '" + shown.string() + "'", errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) != 0) return errno_error("cannot remove '" + shown.string() + "'", errno);
    return ok_status();
  }
  int sub = ::openat(dirfd, name.c_str(), kDirFlags);
  if (sub < 0) return errno_error("cannot open '" + shown.string() + "'", errno);
  DIR* d = ::fdopendir(sub);
  if (!d) {
    int err = errno;
    ::close(sub);
    return errno_error("cannot list '" + shown.string() + "'", err);
  }
  std::vector<std::string> names;
  while (dirent* de = ::readdir(d)) {
    std::string_view n(de->d_name);
    if (n != "." && n != "..") names.emplace_back(n);
  }
  Status s = ok_status();
  for (const auto& n : names) {
    s = remove_at(::dirfd(d), n, shown / n, depth + 1);
    if (!s.ok()) break;
  }
  ::closedir(d);
  LTS_RETURN_IF_ERROR(s);
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0)
    return errno_error("cannot remove '" + shown.string() + "'", errno);
  return ok_status();
}

// Writes blob `op` as `leaf` in `dirfd`: under a free temporary name, then
// renamed over whatever file or link was there, so that the entry is either
// the old one or the new one, and a symlink in its place is replaced, never
// written through.
Status write_at(git_repository* repo, int dirfd, const std::string& leaf, const MoveOp& op, const fs::path& shown) {
  BlobH blob;
  if (git_blob_lookup(blob.out(), repo, &op.blob) != 0)
    return io_error("cannot read blob for '" + shown.string() + "': " + last_error_text());
  std::string_view data(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                        static_cast<size_t>(git_blob_rawsize(blob.get())));
  std::string tmp;
  for (int attempt = 0;; ++attempt) {
    tmp = ".ltskit-tmp-" + std::to_string(attempt);
    if (op.mode == GIT_FILEMODE_LINK) {
      if (::symlinkat(std::string(data).c_str(), dirfd, tmp.c_str()) == 0) break;
      if (errno == EEXIST && attempt < 1000) continue;
      return errno_error("cannot create symlink '" + shown.string() + "'", errno);
    }
    mode_t perm = op.mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0555 : 0444;
    int fd = ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm);
    if (fd < 0) {
      if (errno == EEXIST && attempt < 1000) continue;
      return errno_error("cannot create '" + shown.string() + "'", errno);
    }
    Status w = write_all(fd, data, shown);
    if (::close(fd) != 0 && w.ok()) w = errno_error("cannot write '" + shown.string() + "'", errno);
    if (!w.ok()) {
      ::unlinkat(dirfd, tmp.c_str(), 0);
      return w;
    }
    break;
  }
  if (::renameat(dirfd, tmp.c_str(), dirfd, leaf.c_str()) != 0) {
    int err = errno;
    ::unlinkat(dirfd, tmp.c_str(), 0);
    return errno_error("cannot write '" + shown.string() + "'", err);
  }
  return ok_status();
}

// Whether folder `dirfd` holds exactly `tree`: the same names, a folder for
// each subtree (an empty one for a submodule), a file with the same contents
// and executable bit for each blob, a symlink with the same target for each
// link. On a difference, says the first one found.
Status verify_at(TreeSource& trees, const git_tree* tree, int dirfd, const std::string& prefix, int depth) {
  if (depth > 256) return invalid("tree nesting deeper than 256 levels at '" + prefix + "'");
  std::set<std::string> on_disk;
  {
    int dup = ::openat(dirfd, ".", kDirFlags);
    if (dup < 0) return errno_error("cannot list '" + prefix + "'", errno);
    DIR* d = ::fdopendir(dup);
    if (!d) {
      ::close(dup);
      return errno_error("cannot list '" + prefix + "'", errno);
    }
    while (dirent* de = ::readdir(d)) {
      std::string_view n(de->d_name);
      if (n != "." && n != "..") on_disk.emplace(n);
    }
    ::closedir(d);
  }
  size_t n = tree ? git_tree_entrycount(tree) : 0;
  for (size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree, i);
    std::string name = git_tree_entry_name(e);
    std::string path = prefix + name;
    git_tree* t = nullptr;
    if (git_tree_entry_filemode(e) == GIT_FILEMODE_TREE) {
      t = trees.get(git_tree_entry_id(e));
      if (!t) return io_error("cannot read tree '" + path + "': " + last_error_text());
      if (!has_files(trees.repo(), t)) {  // not written: on disk, it is extra
        trees.release(t);
        continue;
      }
    }
    if (!on_disk.erase(name)) {
      trees.release(t);
      return conflict("'" + path + "' is missing");
    }
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      trees.release(t);
      return errno_error("cannot read '" + path + "'", errno);
    }
    git_filemode_t mode = git_tree_entry_filemode(e);
    if (mode == GIT_FILEMODE_TREE || mode == GIT_FILEMODE_COMMIT) {
      Status s = ok_status();
      Fd sub;
      if (!S_ISDIR(st.st_mode)) {
        s = conflict("'" + path + "' is not a folder");
      } else if (sub = Fd(::openat(dirfd, name.c_str(), kDirFlags)); sub.fd < 0) {
        s = errno_error("cannot open '" + path + "'", errno);
      } else {
        s = verify_at(trees, t, sub.fd, path + "/", depth + 1);  // a submodule: t is null, the folder empty
      }
      trees.release(t);
      LTS_RETURN_IF_ERROR(s);
      continue;
    }
    std::string data;
    if (mode == GIT_FILEMODE_LINK) {
      if (!S_ISLNK(st.st_mode)) return conflict("'" + path + "' is not a symlink");
      data.resize(static_cast<size_t>(st.st_size) + 1);
      ssize_t len = ::readlinkat(dirfd, name.c_str(), data.data(), data.size());
      if (len < 0) return errno_error("cannot read symlink '" + path + "'", errno);
      data.resize(static_cast<size_t>(len));
    } else {
      if (!S_ISREG(st.st_mode)) return conflict("'" + path + "' is not a file");
      if (((st.st_mode & S_IXUSR) != 0) != (mode == GIT_FILEMODE_BLOB_EXECUTABLE))
        return conflict("'" + path + "' has the wrong executable bit");
      Fd f(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (f.fd < 0) return errno_error("cannot open '" + path + "'", errno);
      data.resize(static_cast<size_t>(st.st_size));
      size_t got = 0;
      while (got < data.size()) {
        ssize_t r = ::read(f.fd, data.data() + got, data.size() - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return errno_error("cannot read '" + path + "'", errno);
        if (r == 0) break;
        got += static_cast<size_t>(r);
      }
      if (got != data.size()) return conflict("'" + path + "' changed while it was read");
    }
    git_oid oid;
    if (git_odb_hash(&oid, data.data(), data.size(), GIT_OBJECT_BLOB) != 0)
      return io_error("cannot hash '" + path + "': " + last_error_text());
    if (!git_oid_equal(&oid, git_tree_entry_id(e))) return conflict("'" + path + "' has other contents");
  }
  if (!on_disk.empty()) return conflict("'" + prefix + *on_disk.begin() + "' is not in the tree");
  return ok_status();
}

Result<git_tree*> lookup_tree(TreeSource& trees, const std::string& tree_id) {
  LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(tree_id));
  git_tree* t = trees.get(&oid);
  if (!t) return not_found("no tree " + tree_id);
  return t;
}

}  // namespace

Result<std::string> Repository::tree_of(const std::string& commit_id) const {
  LTS_ASSIGN_OR_RETURN(git_oid oid, parse_oid(commit_id));
  CommitH c;
  if (git_commit_lookup(c.out(), repo_, &oid) != 0) return not_found("no commit " + commit_id);
  return oid_str(git_commit_tree_id(c.get()));
}

Status Repository::write_tree_into(const fs::path& dir, const std::string& tree_id) const {
  TreeSource trees(repo_);
  LTS_ASSIGN_OR_RETURN(git_tree * tree, lookup_tree(trees, tree_id));
  Status s = ::mkdir(dir.c_str(), 0755) == 0 ? write_tree(repo_, tree, dir, 0)
                                             : Status(errno_error("cannot create '" + dir.string() + "'", errno));
  trees.release(tree);
  return s;
}

Result<Repository::MoveStats> Repository::move_tree(const fs::path& dir, const std::string& from_tree,
                                                    const std::string& to_tree) const {
  TreeSource trees(repo_);
  LTS_ASSIGN_OR_RETURN(git_tree * from, lookup_tree(trees, from_tree));
  auto to = lookup_tree(trees, to_tree);
  if (!to.ok()) {
    trees.release(from);
    return std::move(to).error();
  }
  std::vector<MoveOp> removes, creates;
  Status planned = plan_move(trees, from, *to, "", removes, creates, 0);
  trees.release(from);
  trees.release(*to);
  LTS_RETURN_IF_ERROR(planned);
  // From here on the folder changes: removals first, so that a file may
  // become a folder and a folder a symlink; then everything new, each folder
  // before what it holds.
  Fd root(::open(dir.c_str(), kDirFlags));
  if (root.fd < 0) return errno_error("cannot open '" + dir.string() + "'", errno);
  ParentDirs parents(root.fd, dir);
  MoveStats stats;
  std::string leaf;
  for (const auto& op : removes) {
    LTS_ASSIGN_OR_RETURN(int at, parents.parent_of(op.path, leaf));
    Status removed = remove_at(at, leaf, dir / op.path);
    parents.forget();  // the folder it kept open could have been under what went
    LTS_RETURN_IF_ERROR(removed);
    ++stats.removed;
  }
  for (const auto& op : creates) {
    LTS_ASSIGN_OR_RETURN(int at, parents.parent_of(op.path, leaf));
    if (op.kind == MoveOp::kMkdir) {
      if (::mkdirat(at, leaf.c_str(), 0755) != 0)
        return errno_error("cannot create '" + (dir / op.path).string() + "'", errno);
    } else {
      LTS_RETURN_IF_ERROR(write_at(repo_, at, leaf, op, dir / op.path));
    }
    ++stats.written;
  }
  return stats;
}

Status Repository::verify_tree(const fs::path& dir, const std::string& tree_id) const {
  TreeSource trees(repo_);
  LTS_ASSIGN_OR_RETURN(git_tree * tree, lookup_tree(trees, tree_id));
  Fd root(::open(dir.c_str(), kDirFlags));
  Status s = root.fd < 0 ? Status(errno_error("cannot open '" + dir.string() + "'", errno))
                         : verify_at(trees, tree, root.fd, "", 0);
  trees.release(tree);
  return s;
}

}  // namespace ltskit::git
