#include "tools/backport/history.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <unordered_map>

#include "tools/core/fs.h"

namespace ltskit::backport {

const Schema& history_schema() {
  static const Schema kSchema = {"history",
                                 {
                                     {1, R"sql(
-- Upstream commits `backport find` has read (commits never change).
CREATE TABLE history_commits (
  id        INTEGER PRIMARY KEY,
  commit_id TEXT NOT NULL UNIQUE,
  patches   TEXT NOT NULL  -- the *.patch / *.diff files it adds, one path per line
);
-- Their messages and added patch paths, full-text indexed (rowid =
-- history_commits.id). Contentless: the text itself stays in git.
CREATE VIRTUAL TABLE history_text USING fts5(message, patches, content='', tokenize='unicode61 remove_diacritics 0');
-- A range read: the commits reachable from tip and not from cut.
CREATE TABLE history_ranges (
  id       INTEGER PRIMARY KEY,
  upstream TEXT NOT NULL,
  cut      TEXT NOT NULL,
  tip      TEXT NOT NULL,
  UNIQUE (upstream, cut)
);
CREATE TABLE history_members (
  range_id   INTEGER NOT NULL REFERENCES history_ranges(id) ON DELETE CASCADE,
  commit_ref INTEGER NOT NULL REFERENCES history_commits(id),
  PRIMARY KEY (range_id, commit_ref)
) WITHOUT ROWID;
)sql"},
                                 },
                                 {}};
  return kSchema;
}

bool names_id(std::string_view text, std::string_view id) {
  if (id.empty() || id.size() > text.size()) return false;
  auto eq = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t pos = 0; pos + id.size() <= text.size(); ++pos) {
    if (!eq(text[pos], id[0])) continue;
    if (pos > 0 && word(text[pos - 1]) && word(id[0])) continue;
    size_t end = pos + id.size();
    if (end < text.size() && word(text[end]) && word(id.back())) continue;
    bool same = true;
    for (size_t i = 1; i < id.size() && same; ++i) same = eq(text[pos + i], id[i]);
    if (same) return true;
  }
  return false;
}

bool names_any_id(std::string_view text, const std::vector<std::string>& ids) {
  for (const auto& id : ids)
    if (names_id(text, id)) return true;
  return false;
}

bool is_patch_name(std::string_view name) { return name.ends_with(".patch") || name.ends_with(".diff"); }

namespace {

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t eol = s.find('\n', pos);
    if (eol == std::string::npos) eol = s.size();
    if (eol > pos) out.push_back(s.substr(pos, eol - pos));
    pos = eol + 1;
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
  return out;
}

// An FTS5 query matching any of `ids` as a phrase (tokens in order, as the
// index splits them); empty when no id has a word character.
std::string fts_query(const std::vector<std::string>& ids) {
  std::string q;
  for (const auto& id : ids) {
    if (std::none_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
      continue;
    std::string phrase;
    for (char c : id) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
    q += (q.empty() ? "" : " OR ") + ("\"" + phrase + "\"");
  }
  return q;
}

bool cache_writable(const std::filesystem::path& db) {
  std::filesystem::path dir = db.parent_path();
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return ::access(dir.parent_path().c_str(), W_OK) == 0;
  return ::access(dir.c_str(), W_OK) == 0 && (!std::filesystem::exists(db, ec) || ::access(db.c_str(), W_OK) == 0);
}

}  // namespace

Result<HistorySearch> search_history(git::Repository& repo, const std::filesystem::path& cache_db,
                                     const HistoryQuery& q, Progress& progress) {
  HistorySearch out;
  std::optional<Database> db;
  if (cache_writable(cache_db)) {
    Status made = make_dirs(cache_db.parent_path());
    auto opened = made.ok() ? Database::open(cache_db, {&history_schema()}) : Result<Database>(made.error());
    if (opened.ok()) db.emplace(std::move(*opened));
    else
      progress.warn("the history cache " + cache_db.string() + " cannot be used (" + opened.error().message() +
                    "); searching without it");
  }

  // What the cache already holds of this range.
  std::optional<int64_t> range_id;
  bool members_valid = false;
  std::string tip;
  if (db) {
    LTS_ASSIGN_OR_RETURN(Statement s, db->prepare("SELECT id, tip FROM history_ranges WHERE upstream = ? AND cut = ?"));
    s.bind(1, q.upstream).bind(2, q.cut);
    LTS_ASSIGN_OR_RETURN(bool row, s.step());
    if (row) {
      range_id = s.integer(0);
      tip = s.text(1);
      auto anc = repo.is_ancestor(tip, q.head);
      members_valid = anc.ok() && *anc;  // a rewritten upstream is read again
    }
    s.reset();
  }

  // The commits new since then, each read once.
  std::vector<std::string> hide = {q.cut};
  if (members_valid) hide.push_back(tip);
  progress.begin("reading upstream history", 0);
  LTS_ASSIGN_OR_RETURN(std::vector<git::CommitInfo> fresh, repo.scan_range(q.head, hide));
  progress.end();
  out.read_commits = fresh.size();

  // Their facts: from the cache when a search of another range read them,
  // else the patch files each adds (merges are skipped: the commit that
  // adds the file is in the range itself).
  std::vector<std::optional<int64_t>> refs(fresh.size());
  std::vector<std::vector<std::string>> patches(fresh.size());
  std::vector<git::Repository::TreePair> jobs;
  std::vector<size_t> job_of;
  {
    std::optional<Statement> known;
    bool any_known = false;
    if (db) {
      LTS_ASSIGN_OR_RETURN(Statement any, db->prepare("SELECT EXISTS (SELECT 1 FROM history_commits)"));
      LTS_ASSIGN_OR_RETURN(bool row, any.step());
      any_known = row && any.integer(0) != 0;
    }
    if (any_known) {
      LTS_ASSIGN_OR_RETURN(Statement s, db->prepare("SELECT id, patches FROM history_commits WHERE commit_id = ?"));
      known.emplace(std::move(s));
    }
    std::unordered_map<std::string, const std::string*> tree_of;
    for (const auto& c : fresh) tree_of.emplace(c.id, &c.tree_id);
    for (size_t i = 0; i < fresh.size(); ++i) {
      const git::CommitInfo& c = fresh[i];
      if (known) {
        known->bind(1, c.id);
        LTS_ASSIGN_OR_RETURN(bool row, known->step());
        if (row) {
          refs[i] = known->integer(0);
          patches[i] = split_lines(known->text(1));
        }
        known->reset();
        if (refs[i]) continue;
      }
      if (c.parents.size() > 1) continue;
      git::Repository::TreePair job;
      job.tree = c.tree_id;
      if (!c.parents.empty()) {
        auto it = tree_of.find(c.parents[0]);
        if (it != tree_of.end()) {
          job.before = *it->second;
        } else {
          LTS_ASSIGN_OR_RETURN(git::CommitInfo parent, repo.commit(c.parents[0]));
          job.before = parent.tree_id;
        }
      }
      jobs.push_back(std::move(job));
      job_of.push_back(i);
    }
  }
  // One handle reads them all: libgit2 serializes reading packs across
  // handles, so threads gained nothing (measured on 100,000 commits).
  progress.begin("scanning new commits for added patches", jobs.size());
  LTS_ASSIGN_OR_RETURN(auto added, repo.added_files_each(jobs, is_patch_name, [&](size_t n) {
    if (n % 1024 == 0) progress.update(n, "");
  }));
  progress.end();
  for (size_t j = 0; j < jobs.size(); ++j) patches[job_of[j]] = std::move(added[j]);

  std::set<std::string> listed(q.listed.begin(), q.listed.end());
  auto matching_patches = [&](const std::vector<std::string>& files) {
    std::vector<std::string> named;
    for (const auto& f : files)
      if (names_any_id(base_name(f), q.ids)) named.push_back(f);
    return named;
  };
  std::map<std::pair<int64_t, std::string>, HistoryMatch> found;  // by (-time, id): newest first
  auto add = [&](git::CommitInfo c, bool message_names, std::vector<std::string> named) {
    if (!message_names && named.empty()) return;
    HistoryMatch m;
    m.message_names = message_names;
    m.patches = std::move(named);
    int64_t time = c.time;
    std::string id = c.id;
    m.commit = std::move(c);
    found.emplace(std::make_pair(-time, id), std::move(m));
  };
  for (size_t i = 0; i < fresh.size(); ++i) {
    if (listed.count(fresh[i].id)) out.listed_present.insert(fresh[i].id);
    bool in_message = names_any_id(fresh[i].message, q.ids);
    auto named = matching_patches(patches[i]);
    if (in_message || !named.empty()) {
      LTS_ASSIGN_OR_RETURN(git::CommitInfo full, repo.commit(fresh[i].id));
      add(std::move(full), in_message, std::move(named));
    }
  }

  // The rest of the range, from the index.
  if (db && members_valid) {
    LTS_ASSIGN_OR_RETURN(Statement count, db->prepare("SELECT count(*) FROM history_members WHERE range_id = ?"));
    count.bind(1, *range_id);
    LTS_ASSIGN_OR_RETURN(bool row, count.step());
    if (row) out.range_commits = static_cast<size_t>(count.integer(0));
    count.reset();
    std::string match = fts_query(q.ids);
    if (!match.empty()) {
      // CROSS JOIN keeps the planner from walking the whole range first.
      LTS_ASSIGN_OR_RETURN(Statement s,
                           db->prepare("SELECT c.commit_id, c.patches FROM history_text t "
                                       "CROSS JOIN history_commits c ON c.id = t.rowid "
                                       "CROSS JOIN history_members m ON m.commit_ref = c.id AND m.range_id = ? "
                                       "WHERE history_text MATCH ?"));
      s.bind(1, *range_id).bind(2, match);
      std::vector<std::pair<std::string, std::string>> hits;
      LTS_RETURN_IF_ERROR(s.each_row([&] { hits.emplace_back(s.text(0), s.text(1)); }));
      // The index finds the ids' words; the commit itself decides.
      for (auto& [id, files] : hits) {
        LTS_ASSIGN_OR_RETURN(git::CommitInfo c, repo.commit(id));
        bool in_message = names_any_id(c.message, q.ids);
        add(std::move(c), in_message, matching_patches(split_lines(files)));
      }
    }
    LTS_ASSIGN_OR_RETURN(Statement member, db->prepare("SELECT 1 FROM history_members m JOIN history_commits c ON "
                                                       "c.id = m.commit_ref WHERE m.range_id = ? AND c.commit_id = ?"));
    for (const auto& l : listed) {
      member.bind(1, *range_id).bind(2, l);
      LTS_ASSIGN_OR_RETURN(bool present, member.step());
      member.reset();
      if (present) out.listed_present.insert(l);
    }
  }
  out.range_commits += fresh.size();
  for (auto& [key, m] : found) out.matches.push_back(std::move(m));

  // Keep what was learnt. A failure here loses nothing but time.
  if (db) {
    Status kept = db->transaction([&]() -> Status {
      if (range_id && !members_valid) {
        LTS_ASSIGN_OR_RETURN(Statement del, db->prepare("DELETE FROM history_members WHERE range_id = ?"));
        del.bind(1, *range_id);
        LTS_RETURN_IF_ERROR(del.run());
      }
      LTS_ASSIGN_OR_RETURN(Statement up,
                           db->prepare("INSERT INTO history_ranges(upstream, cut, tip) VALUES (?, ?, ?) "
                                       "ON CONFLICT(upstream, cut) DO UPDATE SET tip = excluded.tip RETURNING id"));
      up.bind(1, q.upstream).bind(2, q.cut).bind(3, q.head);
      LTS_ASSIGN_OR_RETURN(bool row, up.step());
      if (!row) return io_error("cannot record the range");
      int64_t rid = up.integer(0);
      up.reset();
      LTS_ASSIGN_OR_RETURN(Statement ins,
                           db->prepare("INSERT OR IGNORE INTO history_commits(commit_id, patches) VALUES (?, ?)"));
      LTS_ASSIGN_OR_RETURN(Statement text,
                           db->prepare("INSERT INTO history_text(rowid, message, patches) VALUES (?, ?, ?)"));
      LTS_ASSIGN_OR_RETURN(Statement id_of, db->prepare("SELECT id FROM history_commits WHERE commit_id = ?"));
      LTS_ASSIGN_OR_RETURN(Statement member,
                           db->prepare("INSERT OR IGNORE INTO history_members(range_id, commit_ref) VALUES (?, ?)"));
      for (size_t i = 0; i < fresh.size(); ++i) {
        if (!refs[i]) {
          std::string files = join_lines(patches[i]);
          ins.bind(1, fresh[i].id).bind(2, files);
          LTS_RETURN_IF_ERROR(ins.run());
          if (db->changes() == 1) {
            refs[i] = db->last_insert_rowid();
            text.bind(1, *refs[i]).bind(2, fresh[i].message).bind(3, files);
            LTS_RETURN_IF_ERROR(text.run());
          } else {  // another search stored it meanwhile
            id_of.bind(1, fresh[i].id);
            LTS_ASSIGN_OR_RETURN(bool have, id_of.step());
            if (have) refs[i] = id_of.integer(0);
            id_of.reset();
            if (!refs[i]) return io_error("lost commit " + fresh[i].id);
          }
        }
        member.bind(1, rid).bind(2, *refs[i]);
        LTS_RETURN_IF_ERROR(member.run());
      }
      return ok_status();
    });
    if (kept.ok()) out.cached = true;
    else progress.warn("the history cache could not be updated: " + kept.error().message());
  }
  return out;
}

}  // namespace ltskit::backport
