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

std::string report_text(const Diff& d, const TextOptions& options) {
  std::string out;
  out += "ABI of " + d.old_path + " → " + d.new_path + ": " + verdict_name(d.verdict) + "\n";
  if (!d.old_has_debug_info || !d.new_has_debug_info)
    out += "warning: " + std::string(!d.old_has_debug_info ? d.old_path : d.new_path) +
           " has no usable debug info: compared at symbol level only; type changes cannot be seen\n";
  for (const auto& n : d.old_debug_notes) out += "warning: " + n + "\n";
  for (const auto& n : d.new_debug_notes) out += "warning: " + n + "\n";
  out += "functions: " + std::to_string(d.functions_removed) + " removed, " + std::to_string(d.functions_changed) +
         " changed, " + std::to_string(d.functions_added) +
         " added; variables: " + std::to_string(d.variables_removed) + " removed, " +
         std::to_string(d.variables_changed) + " changed, " + std::to_string(d.variables_added) + " added";
  if (d.suppressed) out += "; " + std::to_string(d.suppressed) + " suppressed";
  if (d.harmless) {
    out += "; " + std::to_string(d.harmless) + " harmless";
    if (d.private_type_changes) out += " (" + std::to_string(d.private_type_changes) + " to private types)";
    if (!options.harmless) out += ", not listed (--harmless lists them)";
  }
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
  auto filtered = [](const Change& c) {
    return c.kind == ChangeKind::kHarmless || c.kind == ChangeKind::kPrivateTypeChanged;
  };
  auto section = [&](const char* title, auto pred) {
    std::string body;
    for (const auto& c : d.changes)
      if (!c.suppressed && pred(c)) body += "  " + c.detail + "\n";
    if (!body.empty()) out += std::string("\n") + title + ":\n" + body;
  };
  section("incompatible changes", [](const Change& c) { return c.incompatible; });
  section("compatible changes", [&](const Change& c) { return !c.incompatible && !c.addition && !filtered(c); });
  section("additions", [](const Change& c) { return c.addition; });
  if (options.harmless) {
    section("harmless changes", [](const Change& c) { return c.kind == ChangeKind::kHarmless; });
    section("changes to types private to the library",
            [](const Change& c) { return c.kind == ChangeKind::kPrivateTypeChanged; });
  }
  std::string impacts;
  for (const auto& i : d.impacts) {
    if (i.harmless && !options.harmless) continue;
    impacts += "  " + i.type + (i.location.empty() ? "" : " at " + i.location) + ": " + std::to_string(i.changes) +
               " change(s)" +
               (i.incompatible ? ""
                : i.harmless   ? ", harmless"
                               : ", compatible") +
               "; reached from " + std::to_string(i.interfaces.size()) + " interface(s)\n";
    size_t shown = 0;
    for (const auto& f : i.interfaces) {
      if (++shown > 20) {
        impacts += "    … and " + std::to_string(i.interfaces.size() - 20) + " more (--json lists all)\n";
        break;
      }
      impacts += "    " + f + "\n";
    }
  }
  if (!impacts.empty()) out += "\nchanged types and the interfaces they impact:\n" + impacts;
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
  j["old_debug_notes"] = d.old_debug_notes;
  j["new_debug_notes"] = d.new_debug_notes;
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
                  {"harmless", d.harmless},
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
  nlohmann::json impacts = nlohmann::json::array();
  for (const auto& i : d.impacts)
    impacts.push_back({{"type", i.type},
                       {"location", i.location},
                       {"changes", i.changes},
                       {"incompatible", i.incompatible},
                       {"harmless", i.harmless},
                       {"interfaces", i.interfaces}});
  j["changed_types"] = impacts;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace ltskit::abi
