// What a long operation came to: track, advisories sync, triage refresh, and
// the pipeline steps that come after them (backport, build, ABI gate,
// publish). Each returns an Outcome with its items; `run` chains them, and
// the CLI maps them to output and exit codes in one place (main.cc). An
// Error is for an operation that could not run at all; an Outcome is for one
// that ran, each of its items saying what went wrong with one thing.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ltskit {

// In increasing gravity: an Outcome is as grave as its gravest item.
enum class OutcomeKind {
  kDone,              // everything done
  kDoneWithWarnings,  // done; some items deserve a look (a skipped record)
  kNeedsHuman,        // done as far as it could go; items wait for a decision (a conflict, a policy refusal)
  kBlocked,           // a gate held the step back (an ABI break, a failed build blocking publishing)
  kFailed,            // items failed (a commit that did not evaluate, an unreachable feed)
};

struct OutcomeItem {
  OutcomeKind kind = OutcomeKind::kDoneWithWarnings;
  std::string subject;  // what it is about: "commit 1a2b3c4d5e6f on lts/1.0", "source nvd"
  std::string message;  // what happened; may span lines
  std::string action;   // the command that handles it, when there is one
};

class Outcome {
 public:
  Outcome() = default;
  explicit Outcome(std::string step) : step_(std::move(step)) {}

  void warn(std::string subject, std::string message, std::string action = "") {
    add({OutcomeKind::kDoneWithWarnings, std::move(subject), std::move(message), std::move(action)});
  }
  void needs_human(std::string subject, std::string message, std::string action = "") {
    add({OutcomeKind::kNeedsHuman, std::move(subject), std::move(message), std::move(action)});
  }
  void block(std::string subject, std::string message, std::string action = "") {
    add({OutcomeKind::kBlocked, std::move(subject), std::move(message), std::move(action)});
  }
  void fail(std::string subject, std::string message, std::string action = "") {
    add({OutcomeKind::kFailed, std::move(subject), std::move(message), std::move(action)});
  }
  void add(OutcomeItem item) { items_.push_back(std::move(item)); }
  // Appends `other`'s items (a step made of smaller steps).
  void merge(const Outcome& other) { items_.insert(items_.end(), other.items_.begin(), other.items_.end()); }

  // The step's name ("track", "advisories sync"), for summaries.
  const std::string& step() const { return step_; }
  // The gravest kind among the items; kDone when there are none.
  OutcomeKind kind() const;
  const std::vector<OutcomeItem>& items() const { return items_; }
  size_t count(OutcomeKind kind) const;
  // One line: "track: 2 failed, 1 warning" (or "track: done").
  std::string summary() const;

 private:
  std::string step_;
  std::vector<OutcomeItem> items_;
};

}  // namespace ltskit
