// Progress of long work. Libraries report through this interface and never
// print; the CLI renders it on a terminal and stays quiet in pipes.
#pragma once

#include <cstddef>
#include <string>

namespace ltskit {

class Progress {
 public:
  virtual ~Progress() = default;
  // A new phase of `total` steps (0 when unknown).
  virtual void begin(const std::string& phase, size_t total) = 0;
  // `done` steps of the phase are finished; `item` names the current one.
  virtual void update(size_t done, const std::string& item) = 0;
  virtual void end() = 0;
  // A non-fatal problem the user should see (a skipped record, a failed commit).
  virtual void warn(const std::string& message) = 0;
  // A line of its own, kept on the screen (one per finished commit of a
  // long evaluation); shown only where progress is.
  virtual void line(const std::string& text) { (void)text; }
};

// Discards progress; warnings are kept so callers can still report them.
class NullProgress : public Progress {
 public:
  void begin(const std::string&, size_t) override {}
  void update(size_t, const std::string&) override {}
  void end() override {}
  void warn(const std::string&) override {}
};

}  // namespace ltskit
