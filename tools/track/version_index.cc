#include "tools/track/version_index.h"

#include <algorithm>
#include <map>
#include <set>

#include "tools/core/version.h"
#include "tools/track/channels.h"

namespace ltskit {

Result<VersionsAnswer> query_versions(Workspace& ws, const VersionQuery& query) {
  Database& db = ws.db();
  VersionsAnswer ans;
  ans.pname = query.pname;
  if (query.range) ans.range = query.range->to_string();

  std::map<std::string, BranchVersions> branches;
  LTS_ASSIGN_OR_RETURN(Statement tb, db.prepare("SELECT branch, head FROM tracked_branches ORDER BY branch"));
  LTS_RETURN_IF_ERROR(tb.each_row([&] {
    BranchVersions bv;
    bv.branch = tb.text(0);
    bv.head = tb.text(1);
    branches[bv.branch] = std::move(bv);
  }));
  std::map<std::string, std::string> channel_branch;
  LTS_ASSIGN_OR_RETURN(auto records, channel_records(db));
  for (const auto& c : records) {
    channel_branch[c.name] = c.branch;
    if (branches.count(c.branch)) branches[c.branch].channels.push_back(c.name);
    if (branches.count(c.upstream)) branches[c.upstream].upstream_of.push_back(c.name);
  }

  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT bc.branch, p.version, p.attr, bc.commit_id, bc.commit_time "
                                               "FROM packages p JOIN snapshots s ON p.snapshot_id = s.id "
                                               "JOIN branch_commits bc ON bc.commit_id = s.commit_id "
                                               "WHERE p.pname = ? ORDER BY bc.branch, bc.commit_time, bc.commit_id"));
  q.bind(1, query.pname);
  // branch -> version -> seen
  std::map<std::string, std::map<std::string, VersionSeen>> seen;
  std::map<std::string, std::map<std::string, std::set<std::string>>> commits_per_version;
  bool any = false;
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    any = true;
    std::string branch = q.text(0), version = q.text(1), attr = q.text(2), commit = q.text(3);
    int64_t time = q.integer(4);
    VersionSeen& v = seen[branch][version];
    if (v.version.empty() && v.first_commit.empty()) {
      v.version = version;
      v.first_commit = commit;
      v.first_time = time;
    }
    if (std::find(v.attrs.begin(), v.attrs.end(), attr) == v.attrs.end()) v.attrs.push_back(attr);
    if (time >= v.last_time) {
      v.last_commit = commit;
      v.last_time = time;
    }
    commits_per_version[branch][version].insert(commit);
    if (branches.count(branch) && branches[branch].head == commit) v.at_head = true;
    if (query.range && query.range->contains(version)) {
      bool dup = !ans.matches.empty() && ans.matches.back().branch == branch && ans.matches.back().commit == commit;
      if (!dup) ans.matches.push_back({branch, commit, time, version});
    }
  }));
  if (!any) return not_found("no package named '" + query.pname + "' in any tracked commit");

  for (auto& [branch, versions] : seen) {
    BranchVersions& bv = branches[branch];
    bv.branch = branch;
    for (auto& [version, v] : versions) {
      v.commits = commits_per_version[branch][version].size();
      std::sort(v.attrs.begin(), v.attrs.end());
      if (query.range) v.in_range = query.range->contains(version);
      bv.versions.push_back(v);
    }
    std::sort(bv.versions.begin(), bv.versions.end(),
              [](const VersionSeen& a, const VersionSeen& b) { return compare_versions(a.version, b.version) < 0; });
  }
  for (auto& [name, bv] : branches) {
    if (bv.versions.empty()) continue;
    ans.branches.push_back(bv);
  }
  // Channel branches first, then upstreams.
  std::stable_sort(ans.branches.begin(), ans.branches.end(), [](const BranchVersions& a, const BranchVersions& b) {
    return !a.channels.empty() && b.channels.empty();
  });
  if (query.range) {
    for (const auto& [name, branch] : channel_branch) {
      auto it = seen.find(branch);
      if (it == seen.end()) continue;
      for (const auto& [version, v] : it->second)
        if (v.at_head && query.range->contains(version)) {
          ans.channels_in_range.push_back(name);
          break;
        }
    }
  }
  return ans;
}

}  // namespace ltskit
