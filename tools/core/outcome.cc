#include "tools/core/outcome.h"

#include <algorithm>

namespace ltskit {

OutcomeKind Outcome::kind() const {
  OutcomeKind k = OutcomeKind::kDone;
  for (const auto& i : items_) k = std::max(k, i.kind);
  return k;
}

size_t Outcome::count(OutcomeKind kind) const {
  return static_cast<size_t>(
      std::count_if(items_.begin(), items_.end(), [&](const OutcomeItem& i) { return i.kind == kind; }));
}

std::string Outcome::summary() const {
  std::string out = step_.empty() ? "" : step_ + ": ";
  if (items_.empty()) return out + "done";
  static const struct {
    OutcomeKind kind;
    const char* one;
    const char* many;
  } kWords[] = {{OutcomeKind::kFailed, "failed", "failed"},
                {OutcomeKind::kBlocked, "blocked", "blocked"},
                {OutcomeKind::kNeedsHuman, "needs a human", "need a human"},
                {OutcomeKind::kDoneWithWarnings, "warning", "warnings"}};
  bool first = true;
  for (const auto& w : kWords) {
    size_t n = count(w.kind);
    if (n == 0) continue;
    out += (first ? "" : ", ") + std::to_string(n) + " " + (n == 1 ? w.one : w.many);
    first = false;
  }
  return out;
}

}  // namespace ltskit
