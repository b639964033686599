#include "abi-check/report.h"

#include <nlohmann/json.hpp>

namespace ltskit::abi {

int exit_status(const Diff& d) { return exit_status(d.verdict); }

int exit_status(Verdict verdict) {
  switch (verdict) {
    case Verdict::kNoChange: return 0;
    case Verdict::kCompatible: return 4;
    case Verdict::kIncompatible: return 12;
  }
  return 1;
}

std::string report_text(const Diff& d) {
  std::string out;
  out += "ABI of " + d.old_path + " → " + d.new_path + ": " + verdict_name(d.verdict) + "\n";
  if (!d.old_has_debug_info || !d.new_has_debug_info)
    out += "note: " + std::string(!d.old_has_debug_info ? d.old_path : d.new_path) +
           " has no debug info: compared at symbol level only\n";
  out += "functions: " + std::to_string(d.functions_removed) + " removed, " + std::to_string(d.functions_changed) +
         " changed, " + std::to_string(d.functions_added) +
         " added; variables: " + std::to_string(d.variables_removed) + " removed, " +
         std::to_string(d.variables_changed) + " changed, " + std::to_string(d.variables_added) + " added";
  if (d.suppressed) out += "; " + std::to_string(d.suppressed) + " suppressed";
  if (d.private_type_changes)
    out += "; " + std::to_string(d.private_type_changes) + " change(s) to types private to the library";
  out += "\n";
  for (const auto& u : d.unused_suppressions) out += "note: suppression matched nothing: " + u + "\n";
  if (!d.private_types_filtered && d.old_has_debug_info && d.new_has_debug_info &&
      d.functions_changed + d.variables_changed > 0)
    out +=
        "note: no public headers given (--headers-dir1, --headers-dir2): types private to the library could "
        "not be told apart from public ones\n";
  if (d.function_symbols_removed + d.function_symbols_added + d.variable_symbols_removed + d.variable_symbols_added)
    out += "symbols without debug info: functions " + std::to_string(d.function_symbols_removed) + " removed, " +
           std::to_string(d.function_symbols_added) + " added; variables " +
           std::to_string(d.variable_symbols_removed) + " removed, " + std::to_string(d.variable_symbols_added) +
           " added\n";
  auto section = [&](const char* title, auto pred) {
    std::string body;
    for (const auto& c : d.changes)
      if (!c.suppressed && pred(c)) body += "  " + c.detail + "\n";
    if (!body.empty()) out += std::string("\n") + title + ":\n" + body;
  };
  section("incompatible changes", [](const Change& c) { return c.incompatible; });
  section("compatible changes", [](const Change& c) { return !c.incompatible && !c.addition; });
  section("additions", [](const Change& c) { return c.addition; });
  std::string sup;
  for (const auto& c : d.changes)
    if (c.suppressed) sup += "  " + c.detail + " (" + c.suppressed_by + ")\n";
  if (!sup.empty()) out += "\nsuppressed:\n" + sup;
  return out;
}

std::string report_json(const Diff& d) {
  nlohmann::json j;
  j["old"] = d.old_path;
  j["new"] = d.new_path;
  j["verdict"] = verdict_name(d.verdict);
  j["exit_status"] = exit_status(d);
  j["old_has_debug_info"] = d.old_has_debug_info;
  j["new_has_debug_info"] = d.new_has_debug_info;
  j["private_types_filtered"] = d.private_types_filtered;
  j["unused_suppressions"] = d.unused_suppressions;
  j["summary"] = {{"functions_removed", d.functions_removed},
                  {"functions_added", d.functions_added},
                  {"functions_changed", d.functions_changed},
                  {"variables_removed", d.variables_removed},
                  {"variables_added", d.variables_added},
                  {"variables_changed", d.variables_changed},
                  {"function_symbols_removed", d.function_symbols_removed},
                  {"function_symbols_added", d.function_symbols_added},
                  {"variable_symbols_removed", d.variable_symbols_removed},
                  {"variable_symbols_added", d.variable_symbols_added},
                  {"suppressed", d.suppressed},
                  {"private_type_changes", d.private_type_changes}};
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : d.changes) {
    nlohmann::json jc = {{"kind", change_kind_name(c.kind)}, {"subject", c.subject},
                         {"name", demangle(c.subject)},      {"detail", c.detail},
                         {"incompatible", c.incompatible},   {"addition", c.addition},
                         {"suppressed", c.suppressed}};
    if (c.suppressed) jc["suppressed_by"] = c.suppressed_by;
    changes.push_back(jc);
  }
  j["changes"] = changes;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace ltskit::abi
