// Compression of stored records (raw advisories, normalized affected
// entries) with zstd: JSON shrinks several times over at little CPU cost,
// and ingest is bound by how much the state database writes.
#pragma once

#include <string>
#include <string_view>

#include "tools/core/error.h"

namespace ltskit::advisories {

std::string compress_record(std::string_view text);
Result<std::string> decompress_record(std::string_view bytes);

}  // namespace ltskit::advisories
