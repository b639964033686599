#include "tools/track/ancestry.h"

#include <unistd.h>

#include <ctime>
#include <optional>

#include "tools/core/fs.h"

namespace ltskit {

const Schema& ancestry_schema() {
  static const Schema kSchema = {"ancestry",
                                 {
                                     {1, R"sql(
-- Pairs known to hold: ancestor is an ancestor of (or is) descendant.
CREATE TABLE known_ancestry (
  ancestor   TEXT NOT NULL,
  descendant TEXT NOT NULL,
  seen       INTEGER NOT NULL,  -- when it was learnt (Unix seconds): the newest are tried first
  PRIMARY KEY (ancestor, descendant)
) WITHOUT ROWID;
)sql"},
                                 },
                                 {}};
  return kSchema;
}

namespace {

std::optional<Database> open_cache(Workspace& ws) {
  std::filesystem::path dir = ws.config().cache_dir();
  std::filesystem::path file = dir / "ancestry.db";
  std::error_code ec;
  bool dir_ok = std::filesystem::exists(dir, ec) ? ::access(dir.c_str(), W_OK) == 0
                                                 : ::access(dir.parent_path().c_str(), W_OK) == 0;
  if (!dir_ok || (std::filesystem::exists(file, ec) && ::access(file.c_str(), W_OK) != 0)) return std::nullopt;
  if (!make_dirs(dir).ok()) return std::nullopt;
  auto db = Database::open(file, {&ancestry_schema()});
  if (!db.ok()) return std::nullopt;
  return std::optional<Database>(std::move(*db));
}

}  // namespace

Result<bool> is_ancestor_remembered(Workspace& ws, const git::Repository& repo, const std::string& ancestor,
                                    const std::string& descendant) {
  if (ancestor == descendant) return true;
  std::optional<Database> db = open_cache(ws);
  auto remember = [&]() {
    if (!db) return;
    auto ins = db->prepare(
        "INSERT INTO known_ancestry(ancestor, descendant, seen) VALUES (?, ?, ?) "
        "ON CONFLICT(ancestor, descendant) DO UPDATE SET seen = excluded.seen");
    if (ins.ok()) (void)ins->bind(1, ancestor).bind(2, descendant).bind(3, static_cast<int64_t>(::time(nullptr))).run();
    // A handful per ancestor is all the shortcut needs.
    auto trim = db->prepare(
        "DELETE FROM known_ancestry WHERE ancestor = ?1 AND descendant NOT IN "
        "(SELECT descendant FROM known_ancestry WHERE ancestor = ?1 ORDER BY seen DESC LIMIT 8)");
    if (trim.ok()) (void)trim->bind(1, ancestor).run();
  };
  if (db) {
    auto q = db->prepare("SELECT descendant FROM known_ancestry WHERE ancestor = ? ORDER BY seen DESC, descendant");
    if (q.ok()) {
      q->bind(1, ancestor);
      std::vector<std::string> known;
      (void)q->each_row([&] { known.push_back(q->text(0)); });
      for (const auto& d : known)
        if (d == descendant) return true;
      // A remembered descendant that `descendant` builds on: the walk is
      // from `descendant` down to it. Only the most recent few are tried.
      for (size_t i = 0; i < known.size() && i < 3; ++i) {
        auto on = repo.is_ancestor(known[i], descendant);
        if (on.ok() && *on) {
          remember();
          return true;
        }
      }
    }
  }
  LTS_ASSIGN_OR_RETURN(bool yes, repo.is_ancestor(ancestor, descendant));
  if (yes) remember();
  return yes;
}

}  // namespace ltskit
