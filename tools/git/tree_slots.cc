#include "tools/git/tree_slots.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <random>
#include <sstream>
#include <system_error>
#include <vector>

#include "tools/core/crash_point.h"
#include "tools/core/fs.h"

namespace ltskit::git {
namespace fs = std::filesystem;

SlotStats& SlotStats::operator+=(const SlotStats& o) {
  moves += o.moves;
  rebuilds += o.rebuilds;
  verified += o.verified;
  written += o.written;
  removed += o.removed;
  return *this;
}

namespace {

// Locks `dir`/lock without waiting: the descriptor, or -1 when another
// holder has it. The lock file must still be the one at that path once
// locked (a cleanup may have removed the slot meanwhile).
Result<int> try_lock(const fs::path& dir) {
  fs::path lock = dir / "lock";
  int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error("cannot open '" + lock.string() + "'", errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return -1;
    return errno_error("cannot lock '" + lock.string() + "'", err);
  }
  struct stat held {
  }, now{};
  if (::fstat(fd, &held) != 0 || ::lstat(lock.c_str(), &now) != 0 || held.st_ino != now.st_ino ||
      held.st_dev != now.st_dev) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The lock of the whole root: shared while a slot is taken or a temporary
// one removed, exclusive while slots no longer configured are removed, so
// that a removal never meets a slot being taken.
class RootLock {
 public:
  RootLock(const fs::path& root, int how) {
    fd_ = ::open((root / "lock").c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ >= 0)
      while (::flock(fd_, how) != 0 && errno == EINTR) {
      }
  }
  RootLock(const RootLock&) = delete;
  RootLock& operator=(const RootLock&) = delete;
  ~RootLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status status(const fs::path& root) const {
    if (fd_ < 0) return errno_error("cannot open '" + (root / "lock").string() + "'", errno);
    return ok_status();
  }

 private:
  int fd_ = -1;
};

bool is_number(const std::string& s) {
  return !s.empty() && s.size() < 6 && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

Result<TreeSlots> TreeSlots::open(const fs::path& cache_dir, const fs::path& repo_path, size_t count) {
  if (count == 0) count = 1;
  fs::path root = cache_dir / "worktrees";
  LTS_RETURN_IF_ERROR(make_dirs(root));
  std::error_code ec;
  // Earlier versions kept every commit's tree, whole, here.
  if (fs::exists(cache_dir / "trees", ec)) {
    fs::remove_all(cache_dir / "trees", ec);
    if (ec)
      return io_error("cannot remove the old tree cache '" + (cache_dir / "trees").string() + "': " + ec.message());
  }
  // Best effort: what cannot be removed now is tried again next time.
  RootLock exclusive(root, LOCK_EX);
  LTS_RETURN_IF_ERROR(exclusive.status(root));
  std::vector<fs::path> extra;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if ((is_number(name) && std::stoul(name) >= count) || name.rfind("tmp-", 0) == 0) extra.push_back(it->path());
  }
  for (const auto& dir : extra) {
    auto fd = try_lock(dir);
    if (!fd.ok() || *fd < 0) continue;  // in use by another process
    fs::remove_all(dir, ec);
    ::close(*fd);
  }
  return TreeSlots(root, repo_path, count);
}

Result<TreeSlots::Lease> TreeSlots::acquire(size_t preferred) const {
  RootLock shared(root_, LOCK_SH);
  LTS_RETURN_IF_ERROR(shared.status(root_));
  std::vector<size_t> order = {preferred % count_};
  for (size_t i = 0; i < count_; ++i)
    if (i != preferred % count_) order.push_back(i);
  for (size_t i : order) {
    fs::path dir = root_ / std::to_string(i);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return errno_error("cannot create '" + dir.string() + "'", errno);
    LTS_ASSIGN_OR_RETURN(int fd, try_lock(dir));
    if (fd < 0) continue;
    auto repo = Repository::open(repo_path_);
    if (!repo.ok()) {
      ::close(fd);
      return std::move(repo).error();
    }
    return Lease(dir, fd, false, std::move(*repo));
  }
  std::random_device rd;
  fs::path dir = root_ / ("tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  if (::mkdir(dir.c_str(), 0755) != 0) return errno_error("cannot create '" + dir.string() + "'", errno);
  LTS_ASSIGN_OR_RETURN(int fd, try_lock(dir));
  if (fd < 0) return conflict("cannot lock the new slot '" + dir.string() + "'");
  LTS_ASSIGN_OR_RETURN(Repository repo, Repository::open(repo_path_));
  return Lease(dir, fd, true, std::move(repo));
}

TreeSlots::Lease::Lease(fs::path slot, int lock_fd, bool temporary, Repository repo)
    : slot_(std::move(slot)), lock_fd_(lock_fd), temporary_(temporary), repo_(std::move(repo)) {}

TreeSlots::Lease::Lease(Lease&& o) noexcept
    : slot_(std::move(o.slot_)),
      lock_fd_(o.lock_fd_),
      temporary_(o.temporary_),
      repo_(std::move(o.repo_)),
      loaded_(o.loaded_),
      tree_(std::move(o.tree_)),
      stats_(o.stats_) {
  o.lock_fd_ = -1;
}

TreeSlots::Lease& TreeSlots::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    release();
    slot_ = std::move(o.slot_);
    lock_fd_ = o.lock_fd_;
    temporary_ = o.temporary_;
    repo_ = std::move(o.repo_);
    loaded_ = o.loaded_;
    tree_ = std::move(o.tree_);
    stats_ = o.stats_;
    o.lock_fd_ = -1;
  }
  return *this;
}

TreeSlots::Lease::~Lease() { release(); }

void TreeSlots::Lease::release() {
  if (lock_fd_ < 0) return;
  if (temporary_) {
    RootLock shared(slot_.parent_path(), LOCK_SH);
    std::error_code ec;
    fs::remove_all(slot_, ec);
  }
  ::close(lock_fd_);
  lock_fd_ = -1;
}

// Written atomically and synced before anything else moves: a state that
// says "moving" is on disk before the tree changes, and "tree TO" replaces
// it only once the move is done.
Status TreeSlots::Lease::write_state(const std::string& text) {
  return atomic_write_file(slot_ / "state", text + "\n");
}

// What the slot holds. A clean state is trusted; after an interrupted or
// failed move, the tree is checked against both ends of that move.
Status TreeSlots::Lease::load_state() {
  loaded_ = true;
  tree_.reset();
  std::error_code ec;
  if (!fs::is_directory(slot_ / "tree", ec)) return ok_status();
  auto text = read_file(slot_ / "state");
  std::string word, a, b;
  if (text.ok()) {
    std::istringstream in(*text);
    in >> word >> a >> b;
  }
  if (word == "tree" && a.size() == 40) {
    tree_ = a;
    return ok_status();
  }
  if (word == "moving") {
    for (const std::string& candidate : {b, a}) {
      if (candidate.size() != 40) continue;
      ++stats_.verified;
      if (repo_.verify_tree(slot_ / "tree", candidate).ok()) {
        tree_ = candidate;
        return write_state("tree " + candidate);
      }
    }
  }
  return ok_status();  // unknown: rebuilt on first use
}

Status TreeSlots::Lease::rebuild(const std::string& tree_id) {
  ++stats_.rebuilds;
  tree_.reset();
  LTS_RETURN_IF_ERROR(write_state("moving - " + tree_id));
  std::error_code ec;
  fs::remove_all(slot_ / "tree", ec);
  if (ec) return io_error("cannot remove '" + (slot_ / "tree").string() + "': " + ec.message());
  LTS_RETURN_IF_ERROR(repo_.write_tree_into(slot_ / "tree", tree_id));
  LTS_RETURN_IF_ERROR(write_state("tree " + tree_id));
  tree_ = tree_id;
  return ok_status();
}

Result<fs::path> TreeSlots::Lease::checkout(const std::string& commit_id) {
  if (lock_fd_ < 0) return internal("checkout on a released tree slot");
  LTS_ASSIGN_OR_RETURN(std::string to, repo_.tree_of(commit_id));
  if (!loaded_) LTS_RETURN_IF_ERROR(load_state());
  fs::path dir = slot_ / "tree";
  if (tree_ && *tree_ == to) return dir;
  if (!tree_) {
    Status s = rebuild(to);
    if (!s.ok()) {
      std::error_code ec;
      fs::remove_all(dir, ec);  // never leave half a tree behind
      return std::move(s).error().add_context("while writing the tree of commit " + commit_id.substr(0, 12));
    }
    return dir;
  }
  std::string from = *tree_;
  LTS_RETURN_IF_ERROR(write_state("moving " + from + " " + to));
  crash_point("tree.move");
  auto moved = repo_.move_tree(dir, from, to);
  if (moved.ok()) {
    crash_point("tree.moved");
    LTS_RETURN_IF_ERROR(write_state("tree " + to));
    tree_ = to;
    ++stats_.moves;
    stats_.written += moved->written;
    stats_.removed += moved->removed;
    return dir;
  }
  if (moved.error().kind() == ErrorKind::kInvalid) {  // refused before anything was written
    LTS_RETURN_IF_ERROR(write_state("tree " + from));
    return std::move(moved).error().add_context("while checking out commit " + commit_id.substr(0, 12));
  }
  // Half moved: never evaluated as it is. Written again from scratch.
  Status s = rebuild(to);
  if (!s.ok()) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    return std::move(s).error().add_context("while writing the tree of commit " + commit_id.substr(0, 12) +
                                            " again after a failed move (" + moved.error().message() + ")");
  }
  return dir;
}

}  // namespace ltskit::git
