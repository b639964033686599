// The advisories module's tables. Append migrations; never edit one that has shipped.
#include "tools/advisories/schema.h"

#include "tools/track/schema.h"

namespace ltskit::advisories {

const Schema& advisories_schema() {
  static const Schema kSchema = {"advisories",
                                 {
                                     {1, R"sql(
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
)sql"},
                                     {2, R"sql(
-- Triage is a function of the stored state. A row here means advisories
-- changed since triage was last refreshed; it is written in the same
-- transaction as the ingest and removed only when a refresh has committed.
CREATE TABLE triage_pending (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  since  TEXT NOT NULL,
  reason TEXT NOT NULL
);
-- The channel head (commit) each channel's triage was judged at.
CREATE TABLE triage_basis (
  channel     TEXT PRIMARY KEY,
  head_commit TEXT NOT NULL,
  judged_at   TEXT NOT NULL
);
)sql"},
                                     {3, R"sql(
-- Triage rows are per attribute: openssl and openssl_1_1 share a pname but
-- are judged apart.
CREATE TABLE triage_v3 (
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
  PRIMARY KEY (channel, advisory_id, attr)
) WITHOUT ROWID;
INSERT INTO triage_v3 SELECT channel, advisory_id, pname, attr, version, state, justification, auto_state,
  auto_justification, auto_reason, match_reason, human, decided_by, decided_at, decision_reason, updated_at FROM triage;
DROP TABLE triage;
ALTER TABLE triage_v3 RENAME TO triage;
CREATE INDEX triage_advisory ON triage(advisory_id);
ALTER TABLE triage_history ADD COLUMN attr TEXT;
UPDATE triage_history SET attr = (SELECT t.attr FROM triage t WHERE t.channel = triage_history.channel
  AND t.advisory_id = triage_history.advisory_id AND t.pname = triage_history.pname);
-- The next refresh judges every attribute.
INSERT INTO triage_pending(id, since, reason) VALUES (1, strftime('%Y-%m-%dT%H:%M:%SZ','now'),
  'triage became per attribute') ON CONFLICT(id) DO NOTHING;
)sql"},
                                     {4, R"sql(
-- Records are kept per source: an OSV feed and a CVE 5 feed may both hold
-- CVE-2026-1001, with different ranges. `advisory_records` holds what each
-- source says; `advisories` is the merged view (docs/advisories.md, "Several
-- sources"): metadata from the newest record, the gravest severity, and every
-- source's affected entries judged.
CREATE TABLE advisory_records (
  id          TEXT NOT NULL,
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
  ingested_at TEXT NOT NULL,
  PRIMARY KEY (id, source)
);
CREATE INDEX advisory_records_source ON advisory_records(source);
INSERT INTO advisory_records SELECT id, source, format, modified, published, withdrawn, summary, severity, score,
  severity_vector, fix_commits, raw, ingested_at FROM advisories;

CREATE TABLE aliases_v4 (
  alias       TEXT NOT NULL,
  advisory_id TEXT NOT NULL,
  source      TEXT NOT NULL,
  PRIMARY KEY (alias, advisory_id, source),
  FOREIGN KEY (advisory_id, source) REFERENCES advisory_records(id, source) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO aliases_v4 SELECT al.alias, al.advisory_id, a.source FROM aliases al JOIN advisories a ON a.id = al.advisory_id;

CREATE TABLE affected_ranges_v4 (
  advisory_id TEXT NOT NULL,
  source      TEXT NOT NULL,
  idx         INTEGER NOT NULL,
  ecosystem   TEXT NOT NULL,
  name        TEXT NOT NULL,
  vendor      TEXT NOT NULL,
  product     TEXT NOT NULL,
  name_key    TEXT NOT NULL,
  data        BLOB NOT NULL,
  PRIMARY KEY (advisory_id, source, idx),
  FOREIGN KEY (advisory_id, source) REFERENCES advisory_records(id, source) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO affected_ranges_v4 SELECT ar.advisory_id, a.source, ar.idx, ar.ecosystem, ar.name, ar.vendor, ar.product,
  ar.name_key, ar.data FROM affected_ranges ar JOIN advisories a ON a.id = ar.advisory_id;

DROP TABLE aliases;
DROP TABLE affected_ranges;
DROP TABLE advisories;
ALTER TABLE aliases_v4 RENAME TO aliases;
ALTER TABLE affected_ranges_v4 RENAME TO affected_ranges;
CREATE INDEX aliases_advisory ON aliases(advisory_id);
CREATE INDEX affected_ranges_key ON affected_ranges(name_key);

-- The merged view, rewritten whenever a record of the id changes.
CREATE TABLE advisories (
  id          TEXT PRIMARY KEY,
  source      TEXT NOT NULL,  -- the record the metadata comes from
  format      TEXT NOT NULL CHECK (format IN ('osv', 'cve5')),
  modified    TEXT NOT NULL,
  published   TEXT,
  withdrawn   TEXT,           -- set only when every source withdrew it
  summary     TEXT NOT NULL,
  severity    TEXT NOT NULL,  -- the gravest any source gives
  score       REAL,
  severity_vector TEXT,
  severity_source TEXT NOT NULL,
  fix_commits TEXT NOT NULL,  -- the union, JSON array
  sources     INTEGER NOT NULL
);
INSERT INTO advisories SELECT id, source, format, modified, published, withdrawn, summary, severity, score,
  severity_vector, source, fix_commits, 1 FROM advisory_records;
INSERT INTO triage_pending(id, since, reason) VALUES (1, strftime('%Y-%m-%dT%H:%M:%SZ','now'),
  'advisories are kept per source') ON CONFLICT(id) DO NOTHING;
)sql"},
                                 },
                                 {&track_schema()}};
  return kSchema;
}

}  // namespace ltskit::advisories
