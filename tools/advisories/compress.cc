#include "tools/advisories/compress.h"

#include <zstd.h>

namespace ltskit::advisories {

std::string compress_record(std::string_view text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  // A context per thread: creating one per call would dominate small records.
  thread_local ZSTD_CCtx* ctx = ZSTD_createCCtx();
  size_t n = ZSTD_compressCCtx(ctx, out.data(), out.size(), text.data(), text.size(), 1);
  if (ZSTD_isError(n)) return {};
  out.resize(n);
  return out;
}

Result<std::string> decompress_record(std::string_view bytes) {
  unsigned long long size = ZSTD_getFrameContentSize(bytes.data(), bytes.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 30))
    return internal("stored record is corrupt (no zstd frame size)");
  std::string out(static_cast<size_t>(size), '\0');
  thread_local ZSTD_DCtx* ctx = ZSTD_createDCtx();
  size_t n = ZSTD_decompressDCtx(ctx, out.data(), out.size(), bytes.data(), bytes.size());
  if (ZSTD_isError(n) || n != size)
    return internal(std::string("stored record is corrupt (") + ZSTD_getErrorName(n) + ")");
  return out;
}

}  // namespace ltskit::advisories
