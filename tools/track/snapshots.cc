#include "tools/track/snapshots.h"

#include <nlohmann/json.hpp>

#include "tools/nix/evaluator.h"
#include "tools/track/tracker.h"

namespace ltskit {

Result<std::vector<ChannelHead>> channel_heads(Database& db) {
  std::vector<ChannelHead> out;
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare("SELECT c.name, c.branch, s.id, s.commit_id, s.tree_id, c.cut_commit FROM channels c "
                                  "LEFT JOIN tracked_branches t ON t.branch = c.branch "
                                  "LEFT JOIN snapshots s ON s.commit_id = t.head ORDER BY c.name"));
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    ChannelHead h;
    h.channel = q.text(0);
    h.branch = q.text(1);
    h.cut_commit = q.text(5);
    if (!q.is_null(2)) h.snapshot = SnapshotRef{q.integer(2), q.text(3), q.text(4)};
    out.push_back(std::move(h));
  }));
  return out;
}

Result<std::vector<SnapshotPackage>> snapshot_packages(Database& db, int64_t snapshot_id) {
  std::vector<SnapshotPackage> out;
  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT attr, pname, version, outputs FROM packages "
                                               "WHERE snapshot_id = ? ORDER BY attr"));
  q.bind(1, snapshot_id);
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    SnapshotPackage p{q.text(0), q.text(1), q.text(2), {}};
    nlohmann::json outs = nlohmann::json::parse(q.text(3), nullptr, false);
    if (outs.is_object())
      for (auto& [name, path] : outs.items())
        if (path.is_string()) p.outputs[name] = path.get<std::string>();
    out.push_back(std::move(p));
  }));
  return out;
}

Result<std::map<std::string, std::vector<std::string>>> package_patches(Workspace& ws, git::Repository& repo,
                                                                        const SnapshotRef& snapshot,
                                                                        const std::set<std::string>& attrs) {
  std::map<std::string, std::vector<std::string>> out;
  std::vector<std::string> missing;
  {
    LTS_ASSIGN_OR_RETURN(Statement q,
                         ws.db().prepare("SELECT patches FROM package_patches WHERE snapshot_id = ? AND attr = ?"));
    for (const auto& a : attrs) {
      q.bind(1, snapshot.id).bind(2, a);
      LTS_ASSIGN_OR_RETURN(bool row, q.step());
      nlohmann::json names = row ? nlohmann::json::parse(q.text(0), nullptr, false) : nlohmann::json();
      if (row && names.is_array()) {
        for (const auto& n : names)
          if (n.is_string()) out[a].push_back(n.get<std::string>());
      } else {
        missing.push_back(a);
      }
      q.reset();
    }
  }
  if (missing.empty()) return out;
  LTS_ASSIGN_OR_RETURN(git::TreeSlots slots, open_tree_slots(ws, repo));
  LTS_ASSIGN_OR_RETURN(git::TreeSlots::Lease tree, slots.acquire());
  LTS_ASSIGN_OR_RETURN(auto dir, tree.checkout(snapshot.commit));
  auto evaluated = nix::package_patches(dir, ws.config().nix, missing);
  if (!evaluated.ok())
    return std::move(evaluated).error().add_context("while reading the patches of commit " +
                                                    snapshot.commit.substr(0, 12));
  LTS_RETURN_IF_ERROR(ws.db().transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(Statement ins, ws.db().prepare("INSERT OR REPLACE INTO package_patches(snapshot_id, attr, "
                                                        "patches) VALUES (?, ?, ?)"));
    for (const auto& a : missing) {
      auto it = evaluated->find(a);
      std::vector<std::string> names = it == evaluated->end() ? std::vector<std::string>{} : it->second;
      ins.bind(1, snapshot.id)
          .bind(2, a)
          .bind(3, nlohmann::json(names).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      LTS_RETURN_IF_ERROR(ins.run());
      out[a] = std::move(names);
    }
    return ok_status();
  }));
  return out;
}

}  // namespace ltskit
