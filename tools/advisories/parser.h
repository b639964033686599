// Parsers for OSV (schema 1.x) and CVE JSON 5.x records. simdjson is used
// here and only here. Errors name the record's file and the field
// ("advisories/x.json: field 'affected[0].ranges[0].events[1]': …").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tools/advisories/advisory.h"
#include "tools/core/error.h"

namespace ltskit::advisories {

class Parser {
 public:
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Parses one document holding a record, or an array of records. Each
  // record's result is returned separately so that one malformed record does
  // not hide the others; a document that is not JSON at all is one error.
  // `name` (a file or URL) prefixes every error; records of an array are
  // named "name[i]".
  std::vector<Result<Advisory>> parse(std::string_view json, Format format, const std::string& name);

  // Like parse, for incremental sync: each record's id and modification time
  // are read first, and a record for which `unchanged(id, modified)` is true
  // is not parsed further (its slot holds nullopt). `raw` receives each
  // parsed record's JSON text (minified when it came from an array).
  struct Record {
    Result<std::optional<Advisory>> advisory = std::optional<Advisory>();
    std::string raw;
  };
  using UnchangedFn = bool (*)(void* ctx, const std::string& id, const std::string& modified);
  std::vector<Record> parse_changed(std::string_view json, Format format, const std::string& name,
                                    UnchangedFn unchanged, void* ctx);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Strips a leading 'v' before a digit ("v1.2" -> "1.2"), as advisories often
// write versions that way while package sets do not.
std::string normalize_advisory_version(std::string_view v);

}  // namespace ltskit::advisories
