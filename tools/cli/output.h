// Printing helpers shared by the commands: progress on a terminal, JSON,
// aligned tables, short ids and dates.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/core/progress.h"

namespace ltskit::cli {

// Progress drawn on stderr when it is a terminal; silent otherwise. Warnings
// always go to stderr.
class TerminalProgress : public Progress {
 public:
  explicit TerminalProgress(bool quiet);
  void begin(const std::string& phase, size_t total) override;
  void update(size_t done, const std::string& item) override;
  void end() override;
  void warn(const std::string& message) override;
  void line(const std::string& text) override;

 private:
  bool enabled_;
  std::string phase_;
  size_t total_ = 0;
  bool drawn_ = false;
};

void print_json(const nlohmann::json& j);
std::string short_id(const std::string& id);
std::string date_of(int64_t unix_seconds);  // YYYY-MM-DD
std::string fmt_score(double score);        // "9.8"
// Left-aligned columns separated by two spaces.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

}  // namespace ltskit::cli
