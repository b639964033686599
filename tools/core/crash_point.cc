#include "tools/core/crash_point.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

namespace ltskit {

namespace {

struct Target {
  std::string name;
  long nth = 1;
  std::atomic<long> hits{0};
};

Target* parse_target() {
  const char* spec = std::getenv("LTSKIT_CRASH_AT");
  if (!spec || !*spec) return nullptr;
  auto* t = new Target;  // lives as long as the process
  std::string s = spec;
  if (auto colon = s.rfind(':'); colon != std::string::npos) {
    t->nth = std::max(1L, std::strtol(s.c_str() + colon + 1, nullptr, 10));
    s.resize(colon);
  }
  t->name = s;
  return t;
}

}  // namespace

void crash_point(std::string_view name) {
  static Target* const target = parse_target();
  if (!target || name != target->name) return;
  if (target->hits.fetch_add(1) + 1 == target->nth) std::raise(SIGKILL);
}

}  // namespace ltskit
