#include "tools/cli/output.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "tools/core/fs.h"

namespace ltskit::cli {

TerminalProgress::TerminalProgress(bool quiet) : enabled_(!quiet && ::isatty(STDERR_FILENO)) {}

void TerminalProgress::begin(const std::string& phase, size_t total) {
  phase_ = phase;
  total_ = total;
}

void TerminalProgress::update(size_t done, const std::string& item) {
  if (!enabled_) return;
  if (total_ > 0) std::fprintf(stderr, "\r\033[K%s %zu/%zu %s", phase_.c_str(), done, total_, item.c_str());
  else std::fprintf(stderr, "\r\033[K%s %zu %s", phase_.c_str(), done, item.c_str());
  drawn_ = true;
}

void TerminalProgress::end() {
  if (enabled_ && drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

void TerminalProgress::warn(const std::string& message) {
  end();
  std::fprintf(stderr, "ltskit: warning: %s\n", message.c_str());
}

void TerminalProgress::line(const std::string& text) {
  if (!enabled_) return;
  end();
  std::fprintf(stderr, "%s\n", text.c_str());
}

void print_json(const nlohmann::json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

std::string short_id(const std::string& id) { return id.substr(0, 12); }

std::string date_of(int64_t unix_seconds) { return format_utc(unix_seconds).substr(0, 10); }

std::string fmt_score(double score) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", score);
  return buf;
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace ltskit::cli
