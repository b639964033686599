#include "tools/advisories/http.h"

#include <curl/curl.h>

#include <mutex>
#include <thread>

#include "tools/core/config.h"

namespace ltskit::advisories {
namespace {

void ensure_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  std::string body;
  size_t max_size;
  bool too_big = false;
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (t->body.size() + len > t->max_size) {
    t->too_big = true;
    return 0;  // aborts the transfer
  }
  t->body.append(data, len);
  return len;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string key = line.substr(0, colon);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = trim(line.substr(colon + 1));
    if (key == "etag") t->etag = value;
    else if (key == "last-modified") t->last_modified = value;
  } else if (line.starts_with("HTTP/")) {
    // A new response (after a redirect): forget the previous one's headers.
    t->etag.reset();
    t->last_modified.reset();
  }
  return size * n;
}

struct Attempt {
  Result<FetchResult> result = internal("not run");
  bool retryable = false;
};

Attempt attempt(const std::string& url, const FetchOptions& o) {
  Attempt a;
  CURL* curl = curl_easy_init();
  if (!curl) {
    a.result = internal("curl_easy_init failed");
    return a;
  }
  Transfer t;
  t.max_size = o.max_size;
  char errbuf[CURL_ERROR_SIZE] = {0};
  struct curl_slist* headers = nullptr;
  if (o.etag) headers = curl_slist_append(headers, ("If-None-Match: " + *o.etag).c_str());
  if (o.last_modified) headers = curl_slist_append(headers, ("If-Modified-Since: " + *o.last_modified).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o.max_size));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "ltskit/0.1");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  char* ctype = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype);
  std::string content_type = ctype ? ctype : "";
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);

  std::string why = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  if (t.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
    a.result = io_error("'" + url + "': response larger than the limit of " + std::to_string(o.max_size) + " bytes");
    return a;
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    a.result = io_error("'" + url + "': timed out after " + std::to_string(o.timeout.count()) + " ms (" + why + ")");
    a.retryable = true;
    return a;
  }
  if (rc == CURLE_PARTIAL_FILE) {
    a.result = io_error("'" + url + "': truncated response (" + why + ")");
    a.retryable = true;
    return a;
  }
  if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
    // A feed that redirects to file:// (or to garbage) is bad input from the
    // server, not a usage error: exit 1 like every failing source.
    a.result = invalid("'" + url + "': " + why);
    return a;
  }
  if (rc != CURLE_OK) {
    a.result = io_error("'" + url + "': " + why);
    a.retryable = true;
    return a;
  }
  if (status == 304) {
    FetchResult r;
    r.status = 304;
    r.etag = o.etag;
    r.last_modified = o.last_modified;
    a.result = r;
    return a;
  }
  if (status < 200 || status >= 300) {
    a.result = io_error("'" + url + "': HTTP status " + std::to_string(status));
    a.retryable = status >= 500 || status == 429 || status == 408;
    return a;
  }
  FetchResult r;
  r.status = status;
  r.body = std::move(t.body);
  r.etag = t.etag;
  r.last_modified = t.last_modified;
  r.content_type = content_type;
  a.result = std::move(r);
  return a;
}

}  // namespace

Result<FetchResult> fetch(const std::string& url, const FetchOptions& options) {
  if (!is_http_url(url)) return usage_error("'" + url + "' is not an http(s) URL");
  ensure_init();
  auto delay = options.backoff;
  int attempts = std::max(1, options.attempts);
  for (int i = 1;; ++i) {
    Attempt a = attempt(url, options);
    if (a.result.ok() || !a.retryable || i >= attempts) {
      if (!a.result.ok() && i > 1)
        return std::move(a.result).error().add_context("after " + std::to_string(i) + " attempts");
      return std::move(a.result);
    }
    if (options.on_retry) options.on_retry(i, a.result.error().message());
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
}

}  // namespace ltskit::advisories
