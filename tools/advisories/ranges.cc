#include "tools/advisories/ranges.h"

#include <algorithm>

#include "tools/core/version.h"

namespace ltskit::advisories {

namespace {

bool is_start_of_time(std::string_view v) { return v == "0" || v == "*" || v.empty(); }

// Nix ordering, with "0" (OSV's and CVE's "since the beginning") lowest.
int cmp_event(std::string_view a, std::string_view b) {
  bool za = a == "0", zb = b == "0";
  if (za || zb) return za == zb ? 0 : (za ? -1 : 1);
  return compare_versions(a, b);
}

bool ge(std::string_view v, std::string_view bound) {
  return is_start_of_time(bound) || compare_versions(v, bound) >= 0;
}

using Kind = RangeEvent::Kind;

}  // namespace

const char* decision_state_name(Decision::State s) {
  switch (s) {
    case Decision::State::kAffected: return "affected";
    case Decision::State::kFixed: return "fixed";
    case Decision::State::kNotAffected: return "not_affected";
    case Decision::State::kUnknown: return "unknown";
  }
  return "?";
}

bool osv_range_affects(const OsvRange& range, std::string_view v) {
  if (range.type == "GIT") return false;
  bool has_limit = false, below_limit = false;
  for (const auto& e : range.events) {
    if (e.kind != Kind::kLimit) continue;
    has_limit = true;
    if (e.value == "*" || compare_versions(v, e.value) < 0) below_limit = true;
  }
  if (has_limit && !below_limit) return false;
  std::vector<const RangeEvent*> events;
  for (const auto& e : range.events)
    if (e.kind != Kind::kLimit) events.push_back(&e);
  std::stable_sort(events.begin(), events.end(),
                   [](const RangeEvent* a, const RangeEvent* b) { return cmp_event(a->value, b->value) < 0; });
  bool affected = false;
  for (const RangeEvent* e : events) {
    switch (e->kind) {
      case Kind::kIntroduced:
        if (ge(v, e->value)) affected = true;
        break;
      case Kind::kFixed:
        if (compare_versions(v, e->value) >= 0) affected = false;
        break;
      case Kind::kLastAffected:
        if (compare_versions(v, e->value) > 0) affected = false;
        break;
      case Kind::kLimit: break;
    }
  }
  return affected;
}

namespace {

Decision decide_osv(const AffectedPackage& p, std::string_view v) {
  Decision d;
  for (const auto& listed : p.versions) {
    if (compare_versions(listed, v) == 0) {
      d.state = Decision::State::kAffected;
      d.why = std::string(v) + " is listed as affected";
      return d;
    }
  }
  bool any_usable = !p.versions.empty();
  for (const auto& r : p.ranges) {
    if (r.type == "GIT") continue;
    any_usable = true;
    if (osv_range_affects(r, v)) {
      d.state = Decision::State::kAffected;
      std::string bounds;
      for (const auto& e : r.events) {
        const char* k = e.kind == Kind::kIntroduced     ? "introduced "
                        : e.kind == Kind::kFixed        ? "fixed "
                        : e.kind == Kind::kLastAffected ? "last_affected "
                                                        : "limit ";
        bounds += (bounds.empty() ? "" : ", ") + std::string(k) + e.value;
      }
      d.why = std::string(v) + " is in range [" + bounds + "]";
      return d;
    }
  }
  if (!any_usable) {
    d.why = "the advisory gives no version ranges (only commits)";
    return d;
  }
  // Not affected: is that because a fix came before this version, or
  // because the vulnerable code came after it?
  for (const auto& r : p.ranges) {
    if (r.type == "GIT") continue;
    for (const auto& e : r.events) {
      if ((e.kind == Kind::kFixed && compare_versions(v, e.value) >= 0) ||
          (e.kind == Kind::kLastAffected && compare_versions(v, e.value) > 0)) {
        d.state = Decision::State::kFixed;
        d.why = std::string(v) + (e.kind == Kind::kFixed ? " >= fixed " : " > last_affected ") + e.value;
        return d;
      }
    }
  }
  for (const auto& listed : p.versions) {
    if (compare_versions(v, listed) > 0) {
      d.state = Decision::State::kFixed;
      d.why = std::string(v) + " is newer than the affected versions listed";
      return d;
    }
  }
  d.state = Decision::State::kNotAffected;
  d.why = std::string(v) + " is before every affected version";
  return d;
}

Decision decide_cve5(const AffectedPackage& p, std::string_view v) {
  Decision d;
  std::string exact_status, range_status;
  std::string exact_why, range_why;
  bool earlier_affected = false;  // an affected range or entry lies below v
  for (const auto& e : p.cve_versions) {
    if (e.version_type == "git") continue;
    bool is_range = e.less_than || e.less_than_or_equal;
    if (!is_range) {
      if (e.version == "*") {
        if (range_status != "affected") {
          range_status = e.status;
          range_why = "every version is " + e.status;
        }
        continue;
      }
      if (compare_versions(v, e.version) == 0) {
        exact_status = e.status;
        exact_why = std::string(v) + " is listed as " + e.status;
      } else if (e.status == "affected" && compare_versions(e.version, v) < 0) {
        earlier_affected = true;
      }
      continue;
    }
    bool above_start = ge(v, e.version);
    bool below_end;
    std::string end_text;
    if (e.less_than) {
      below_end = *e.less_than == "*" || compare_versions(v, *e.less_than) < 0;
      end_text = " < " + *e.less_than;
    } else {
      below_end = *e.less_than_or_equal == "*" || compare_versions(v, *e.less_than_or_equal) <= 0;
      end_text = " <= " + *e.less_than_or_equal;
    }
    if (!above_start) continue;
    if (!below_end) {
      if (e.status == "affected") earlier_affected = true;
      continue;
    }
    std::string status = e.status;
    std::string why =
        std::string(v) + " is in " + (is_start_of_time(e.version) ? "" : e.version + " <= ") + "v" + end_text;
    std::vector<const Cve5Version::Change*> changes;
    for (const auto& c : e.changes) changes.push_back(&c);
    std::stable_sort(changes.begin(), changes.end(),
                     [](auto* a, auto* b) { return compare_versions(a->at, b->at) < 0; });
    for (const auto* c : changes) {
      if (compare_versions(v, c->at) >= 0) {
        if (status == "affected" && c->status == "unaffected") earlier_affected = true;
        status = c->status;
        why = std::string(v) + " >= " + c->at + " (status changes to " + c->status + ")";
      }
    }
    if (range_status.empty() || status == "affected" || (range_status == "unknown" && status == "unaffected")) {
      range_status = status;
      range_why = why;
    }
  }
  std::string status = !exact_status.empty() ? exact_status : range_status;
  std::string why = !exact_status.empty() ? exact_why : range_why;
  if (status.empty()) {
    status = p.default_status;
    why = "not listed; defaultStatus is " + p.default_status;
  }
  if (status == "affected") {
    d.state = Decision::State::kAffected;
  } else if (status == "unaffected") {
    d.state = earlier_affected ? Decision::State::kFixed : Decision::State::kNotAffected;
  } else {
    d.state = Decision::State::kUnknown;
  }
  d.why = why;
  return d;
}

}  // namespace

Decision decide(const AffectedPackage& package, std::string_view version) {
  Decision d = package.cve5 ? decide_cve5(package, version) : decide_osv(package, version);
  // What was left out might have said "affected": only an affected verdict
  // stands; anything better is unknown until a human looks.
  if (!package.skipped.empty() && d.state != Decision::State::kAffected) {
    d.state = Decision::State::kUnknown;
    d.why = "cannot tell: " + package.skipped.front() + (package.skipped.size() > 1 ? " (and more)" : "");
  }
  return d;
}

}  // namespace ltskit::advisories
