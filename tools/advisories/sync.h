// Ingesting advisory sources (files, folder trees, HTTP(S) URLs serving a
// record, an array of records, or a zip/tar of records) into the state
// database, incrementally.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/core/config.h"
#include "tools/core/error.h"
#include "tools/core/outcome.h"
#include "tools/core/progress.h"
#include "tools/core/workspace.h"

namespace ltskit::advisories {

struct SourceReport {
  std::string name;
  bool not_modified = false;   // HTTP 304
  size_t documents = 0;        // files or HTTP bodies read
  size_t files_unchanged = 0;  // folder files skipped by size and mtime
  size_t records = 0;          // records seen
  size_t unchanged = 0;        // records whose `modified` did not change
  size_t added = 0;
  size_t updated = 0;
  size_t withdrawn = 0;
  size_t malformed = 0;       // skipped with a warning
  size_t skipped_ranges = 0;  // malformed ranges left out (named in warnings)
  size_t superseded = 0;      // records of an id this source holds with a newer or equal `modified`
  // Set when the source failed; nothing of it landed, and its previously
  // ingested data is untouched.
  std::optional<std::string> failure;
};

struct SyncOptions {
  std::optional<std::string> source;  // only this source
  // HTTP options (tests shorten them).
  int http_attempts = 3;
  int http_timeout_ms = 30000;
  int http_backoff_ms = 500;
  size_t max_size = size_t{512} << 20;
};

struct SyncReport {
  std::vector<SourceReport> sources;
  // A failure per failed source, a warning per source with malformed records.
  Outcome outcome{"advisories sync"};
};

// Syncs every configured source (or one). Each source lands in one
// transaction after it was read in full: a source that fails (unreachable,
// HTTP error, truncated, too large) leaves its previously ingested data
// untouched, its report carries the error (naming the source and the cause),
// and the other sources are still synced. With a single source (`source`
// set), its failure is the returned error.
// Malformed records are skipped with a warning naming the file and field.
Result<SyncReport> sync_sources(Workspace& ws, const SyncOptions& options, Progress& progress);

// Validates and appends a source to ltskit.toml (kConflict if the name exists).
// A relative path is taken from the current folder and stored absolute.
Status add_source(Workspace& ws, AdvisorySourceConfig source);

// Where a source's location points, resolved against the workspace.
std::string describe_location(const WorkspaceConfig& config, const AdvisorySourceConfig& source);

}  // namespace ltskit::advisories
