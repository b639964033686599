// The track module's tables. Append migrations; never edit one that has shipped.
#include "tools/track/schema.h"

#include "tools/core/events.h"

namespace ltskit {

const Schema& track_schema() {
  static const Schema kSchema = {"track",
                                 {
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
)sql"},
                                     {2, R"sql(
-- Patch file names of a package at a snapshot (for fixes carried as patches).
CREATE TABLE package_patches (
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
  attr        TEXT NOT NULL,
  patches     TEXT NOT NULL,  -- JSON array of file names
  PRIMARY KEY (snapshot_id, attr)
) WITHOUT ROWID;
)sql"},
                                     {3, R"sql(
-- The last failed evaluation of a commit (removed once it evaluates). A
-- refusal (Nix rejected the tree) is not retried by later runs unless asked
-- (track --retry-failed); other failures (a timeout, a kill) are.
CREATE TABLE evaluation_failures (
  commit_id TEXT PRIMARY KEY,
  tree_id   TEXT NOT NULL,
  branch    TEXT NOT NULL,
  refusal   INTEGER NOT NULL CHECK (refusal IN (0, 1)),
  message   TEXT NOT NULL,
  failed_at TEXT NOT NULL
);
)sql"},
                                 },
                                 {&events_schema()}};
  return kSchema;
}

}  // namespace ltskit
