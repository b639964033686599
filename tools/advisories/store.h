// Advisories in the state database: storing normalized records (with the raw
// record kept), reading them back, and the affected[] serialization.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/advisories/advisory.h"
#include "tools/core/error.h"
#include "tools/core/state.h"

namespace ltskit::advisories {

// The key package names are matched on: lower case, '_' and '.' as '-'.
std::string name_key(std::string_view name);

std::string affected_to_json(const AffectedPackage& p);
Result<AffectedPackage> affected_from_json(std::string_view json);

// Inserts or replaces what source `source` says of advisory `a` (its aliases
// and affected rows too), with its raw JSON text, and merges the id's view.
// Call inside a transaction.
Status store_advisory(Database& db, const std::string& source, const Advisory& a, const std::string& raw);

// The same for many advisories: statements are prepared once.
//
// Records are kept per source (table advisory_records). The merged view of an
// id (table advisories), rewritten by finish() for every id put since, is:
//  - metadata (summary, details, references, modified, published) from the
//    record with the newest `modified`, ties to the first source by name;
//  - the gravest severity any source gives (then the higher score);
//  - the union of fix commits;
//  - withdrawn only when every source withdrew it (a source's withdrawn
//    record no longer counts for matching, the others do);
//  - for matching, the affected entries of every source that has not
//    withdrawn it, each judged, the gravest verdict winning (triage.cc): no
//    package is ever less affected than a source says.
class AdvisoryWriter {
 public:
  static Result<AdvisoryWriter> create(Database& db);
  // `replace`: this source may already hold the id (its old rows are removed first).
  // `raw` is the record compressed with compress_record.
  // `affected_blobs`, when not empty, holds compress_record(affected_to_json(e))
  // for each affected entry (computed ahead, off the writing thread).
  Status put(const std::string& source, const Advisory& a, const std::string& raw, bool replace,
             const std::vector<std::string>& affected_blobs = {});
  // Rewrites the merged view of every id put since the last call.
  Status finish();

 private:
  AdvisoryWriter(Database* db, std::vector<Statement> statements, std::string now)
      : db_(db), st_(std::move(statements)), ingested_at_(std::move(now)) {}
  Status merge(const std::string& id);
  Database* db_;
  std::vector<Statement> st_;  // del, ins, alias, affected, records, upsert, drop
  std::string ingested_at_;
  std::vector<std::string> touched_;
};

// advisory id -> its aliases (sorted), for every stored advisory.
Result<std::map<std::string, std::vector<std::string>>> load_aliases(Database& db);

// What a source last delivered.
struct SourceState {
  int64_t records = 0;
  std::optional<std::string> synced_at;  // nullopt: never synced
};
// Source name -> its state, for every source synced at least once.
Result<std::map<std::string, SourceState>> source_states(Database& db);

// id -> modified of every advisory `source` holds.
Result<std::map<std::string, std::string>> stored_modified(Database& db, const std::string& source);

struct AdvisorySummary {
  std::string id;
  std::string source;                // the record the metadata comes from
  std::string severity_source;       // the record the severity comes from
  std::vector<std::string> sources;  // every source holding the id, by name
  Format format = Format::kOsv;
  std::string modified;
  std::optional<std::string> withdrawn;
  std::string summary;
  std::string severity;
  double score = -1;
  std::vector<std::string> aliases;
  size_t affected_channels = 0;  // channels with an `affected` triage row
};

Result<std::vector<AdvisorySummary>> list_advisories(Database& db);

// What one source says of an advisory.
struct SourceRecord {
  std::string source;
  Format format = Format::kOsv;
  std::string modified;
  std::optional<std::string> withdrawn;
  std::string summary;
  std::string severity;
  double score = -1;
  std::vector<std::string> fix_commits;
  std::vector<AffectedPackage> affected;
  std::string raw;
};

struct AdvisoryDetail {
  AdvisorySummary summary;  // the merged view
  std::string published;
  std::string details;
  std::string severity_vector;
  std::vector<std::string> references;
  std::vector<std::string> fix_commits;
  std::vector<AffectedPackage> affected;  // of every source that has not withdrawn it
  std::string raw;                        // of the record the metadata comes from
  std::vector<SourceRecord> records;      // each source's view, by source name
};

// Looks `id` up by id or alias; kNotFound when unknown.
Result<AdvisoryDetail> get_advisory(Database& db, const std::string& id);

}  // namespace ltskit::advisories
