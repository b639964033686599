// HTTP(S) downloads through libcurl: this header and http.cc are the only
// places that know libcurl.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "tools/core/error.h"

namespace ltskit::advisories {

struct FetchOptions {
  // Conditional request: sent as If-None-Match / If-Modified-Since.
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  std::chrono::milliseconds timeout{30000};  // whole transfer, per attempt
  std::chrono::milliseconds connect_timeout{10000};
  int attempts = 3;                        // 5xx and network errors are retried
  std::chrono::milliseconds backoff{500};  // doubled after each failed attempt
  size_t max_size = size_t{512} << 20;     // larger bodies are refused
  // Called before each retry with the attempt number and the reason.
  std::function<void(int, const std::string&)> on_retry;
};

struct FetchResult {
  long status = 0;  // 200, or 304 when not modified
  std::string body;
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  std::string content_type;
  bool not_modified() const { return status == 304; }
};

// GETs `url` (http or https only). Errors name the URL and the cause:
// HTTP status, timeout, truncated body, size limit, connection failure.
Result<FetchResult> fetch(const std::string& url, const FetchOptions& options = {});

}  // namespace ltskit::advisories
