// ltskit's state schema. Append migrations; never edit one that has shipped.
#include "tools/core/state.h"

namespace ltskit {

const std::vector<Migration>& ltskit_migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, R"sql(
CREATE TABLE channels (
  name          TEXT PRIMARY KEY,
  branch        TEXT NOT NULL UNIQUE,
  upstream      TEXT NOT NULL,
  cut_commit    TEXT NOT NULL,
  support_until TEXT,
  policy        TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'eol')),
  created_at    TEXT NOT NULL,
  eol_at        TEXT
);

-- One evaluation of one commit of the package set.
CREATE TABLE snapshots (
  id            INTEGER PRIMARY KEY,
  commit_id     TEXT NOT NULL UNIQUE,
  tree_id       TEXT NOT NULL,
  commit_time   INTEGER NOT NULL,
  evaluated_at  TEXT NOT NULL,
  package_count INTEGER NOT NULL
);
CREATE INDEX snapshots_tree ON snapshots(tree_id);

CREATE TABLE packages (
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
  attr        TEXT NOT NULL,
  pname       TEXT NOT NULL,
  version     TEXT NOT NULL,
  name        TEXT NOT NULL,
  outputs     TEXT NOT NULL,  -- JSON object: output name -> store path
  PRIMARY KEY (snapshot_id, attr)
) WITHOUT ROWID;
CREATE INDEX packages_pname ON packages(pname, snapshot_id);

-- Which commits belong to the first-parent history of a tracked branch.
CREATE TABLE branch_commits (
  branch      TEXT NOT NULL,
  commit_id   TEXT NOT NULL,
  commit_time INTEGER NOT NULL,
  PRIMARY KEY (branch, commit_id)
) WITHOUT ROWID;

CREATE TABLE tracked_branches (
  branch     TEXT PRIMARY KEY,
  head       TEXT NOT NULL,
  tracked_at TEXT NOT NULL
);

-- Append-only audit log of every change a command made.
CREATE TABLE events (
  id      INTEGER PRIMARY KEY,
  at      TEXT NOT NULL,
  command TEXT NOT NULL,
  kind    TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail  TEXT
);
)sql"},
      {2, R"sql(
-- Advisories from every source, normalized, with the raw record kept.
CREATE TABLE advisories (
  id          TEXT PRIMARY KEY,
  source      TEXT NOT NULL,
  format      TEXT NOT NULL CHECK (format IN ('osv', 'cve5')),
  modified    TEXT NOT NULL,
  published   TEXT,
  withdrawn   TEXT,
  summary     TEXT NOT NULL,
  severity    TEXT NOT NULL,
  score       REAL,
  severity_vector TEXT,
  fix_commits TEXT NOT NULL,  -- JSON array
  raw         BLOB NOT NULL,  -- the record as received (minified), zstd-compressed
  ingested_at TEXT NOT NULL
);

CREATE TABLE aliases (
  alias       TEXT NOT NULL,
  advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
  PRIMARY KEY (alias, advisory_id)
) WITHOUT ROWID;
CREATE INDEX aliases_advisory ON aliases(advisory_id);

-- One row per affected[] entry: who it names and its ranges (JSON).
CREATE TABLE affected_ranges (
  advisory_id TEXT NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
  idx         INTEGER NOT NULL,
  ecosystem   TEXT NOT NULL,
  name        TEXT NOT NULL,
  vendor      TEXT NOT NULL,
  product     TEXT NOT NULL,
  name_key    TEXT NOT NULL,  -- normalized package name used for matching
  data        BLOB NOT NULL,  -- the normalized entry as JSON, zstd-compressed
  PRIMARY KEY (advisory_id, idx)
) WITHOUT ROWID;
CREATE INDEX affected_ranges_key ON affected_ranges(name_key);

-- What each source last delivered, for incremental and conditional sync.
CREATE TABLE source_files (
  source TEXT NOT NULL,
  path   TEXT NOT NULL,
  size   INTEGER NOT NULL,
  mtime  INTEGER NOT NULL,
  PRIMARY KEY (source, path)
) WITHOUT ROWID;
CREATE TABLE source_state (
  source        TEXT PRIMARY KEY,
  etag          TEXT,
  last_modified TEXT,
  synced_at     TEXT,
  records       INTEGER NOT NULL DEFAULT 0
);

-- channel x advisory x package. `state` is the effective state: a human
-- decision when there is one, else the automatic one.
CREATE TABLE triage (
  channel        TEXT NOT NULL,
  advisory_id    TEXT NOT NULL,
  pname          TEXT NOT NULL,
  attr           TEXT NOT NULL,
  version        TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('under_investigation', 'affected', 'not_affected', 'fixed')),
  justification  TEXT,
  auto_state     TEXT NOT NULL,
  auto_justification TEXT,
  auto_reason    TEXT NOT NULL,
  match_reason   TEXT NOT NULL,
  human          INTEGER NOT NULL DEFAULT 0,
  decided_by     TEXT,
  decided_at     TEXT,
  decision_reason TEXT,
  updated_at     TEXT NOT NULL,
  PRIMARY KEY (channel, advisory_id, pname)
) WITHOUT ROWID;
CREATE INDEX triage_advisory ON triage(advisory_id);

CREATE TABLE triage_history (
  id            INTEGER PRIMARY KEY,
  channel       TEXT NOT NULL,
  advisory_id   TEXT NOT NULL,
  pname         TEXT NOT NULL,
  old_state     TEXT,
  new_state     TEXT,
  justification TEXT,
  by            TEXT NOT NULL,
  at            TEXT NOT NULL,
  reason        TEXT NOT NULL
);
CREATE INDEX triage_history_key ON triage_history(channel, advisory_id, pname);

-- Patch file names of a package at a snapshot (for fixes carried as patches).
CREATE TABLE package_patches (
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
  attr        TEXT NOT NULL,
  patches     TEXT NOT NULL,  -- JSON array of file names
  PRIMARY KEY (snapshot_id, attr)
) WITHOUT ROWID;
)sql"},
  };
  return kMigrations;
}

}  // namespace ltskit
