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

// Inserts or replaces advisory `a` (its aliases and affected rows too), with
// its raw JSON text. Call inside a transaction.
Status store_advisory(Database& db, const std::string& source, const Advisory& a, const std::string& raw);

// The same for many advisories: statements are prepared once.
class AdvisoryWriter {
 public:
  static Result<AdvisoryWriter> create(Database& db);
  // `replace`: the id may already be stored (its old rows are removed first).
  // `raw` is the record compressed with compress_record.
  // `affected_blobs`, when not empty, holds compress_record(affected_to_json(e))
  // for each affected entry (computed ahead, off the writing thread).
  Status put(const std::string& source, const Advisory& a, const std::string& raw, bool replace,
             const std::vector<std::string>& affected_blobs = {});

 private:
  AdvisoryWriter(Statement del, Statement ins, Statement alias, Statement affected, std::string now)
      : del_(std::move(del)),
        ins_(std::move(ins)),
        alias_(std::move(alias)),
        affected_(std::move(affected)),
        ingested_at_(std::move(now)) {}
  Statement del_, ins_, alias_, affected_;
  std::string ingested_at_;
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

// id -> modified of every stored advisory.
Result<std::map<std::string, std::string>> stored_modified(Database& db);

struct AdvisorySummary {
  std::string id;
  std::string source;
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

struct AdvisoryDetail {
  AdvisorySummary summary;
  std::string published;
  std::string details;
  std::string severity_vector;
  std::vector<std::string> references;
  std::vector<std::string> fix_commits;
  std::vector<AffectedPackage> affected;
  std::string raw;
};

// Looks `id` up by id or alias; kNotFound when unknown.
Result<AdvisoryDetail> get_advisory(Database& db, const std::string& id);

}  // namespace ltskit::advisories
