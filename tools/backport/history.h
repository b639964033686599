// The upstream history `backport find` searches: which commits name an
// advisory in their message, and which add a patch file named after it.
//
// Commits never change, so what find learns of each one (its message in a
// full-text index, the patch files it adds) is kept in a cache database
// (.ltskit/cache/history.db) together with the ranges already read
// (UPSTREAM, CUT) -> TIP. A search then reads only the commits that are new
// since the last one: searching 100,000 commits again costs a query, not a
// walk. The cache is derived data: deleting it only costs the next search a
// full walk, and a workspace whose cache cannot be written still searches
// correctly, in memory.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tools/core/error.h"
#include "tools/core/progress.h"
#include "tools/core/state.h"
#include "tools/git/repository.h"

namespace ltskit::backport {

const Schema& history_schema();

// `text` names `id`: case-insensitively and not as part of a longer word or
// number ("CVE-2026-1" is not in "CVE-2026-10").
bool names_id(std::string_view text, std::string_view id);
bool names_any_id(std::string_view text, const std::vector<std::string>& ids);

// A file name that is a patch (*.patch, *.diff), the files the index keeps.
bool is_patch_name(std::string_view name);

struct HistoryMatch {
  git::CommitInfo commit;            // message and summary filled
  bool message_names = false;        // its message names one of the ids
  std::vector<std::string> patches;  // patch files it adds whose name names one of them
};

struct HistorySearch {
  std::vector<HistoryMatch> matches;     // newest first
  std::set<std::string> listed_present;  // which of the listed commits are in the range
  size_t range_commits = 0;              // commits in CUT..HEAD
  size_t read_commits = 0;               // of those, read by this search (new since the last)
  bool cached = false;                   // the cache database was used and updated
};

struct HistoryQuery {
  std::string upstream;  // branch name, the key of the range
  std::string head;      // its commit now
  std::string cut;       // the range is CUT..HEAD
  std::vector<std::string> ids;
  std::vector<std::string> listed;  // commits to look up in the range (an advisory's fix commits)
};

// Searches CUT..HEAD of `repo`, through the cache at `cache_db` (created when
// missing; unusable: searched in memory, and the reason given to `progress`
// as a warning).
Result<HistorySearch> search_history(git::Repository& repo, const std::filesystem::path& cache_db,
                                     const HistoryQuery& query, Progress& progress);

}  // namespace ltskit::backport
