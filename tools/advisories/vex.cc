#include "tools/advisories/vex.h"

#include <map>
#include <set>
#include <tuple>

#include "tools/advisories/triage.h"
#include "tools/core/build_info.h"
#include "tools/core/fs.h"
#include "tools/track/channels.h"

namespace ltskit::advisories {

using nlohmann::json;

namespace {

// FNV-1a, for a stable document id derived from its statements.
std::string fnv_hex(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string purl_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == '+') out += static_cast<char>(c);
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

Result<json> build_vex(Database& db, const std::string& channel, const std::string& author) {
  LTS_RETURN_IF_ERROR(require_registered_channel(db, channel));
  LTS_ASSIGN_OR_RETURN(auto all_rows, list_triage(db, {channel, std::nullopt, std::nullopt}));
  // One statement per advisory and product (pname@version). Two attributes
  // that are the same product (an alias attr) give the gravest of their
  // states: affected, then under_investigation, fixed, not_affected.
  auto gravity = [](TriageState s) {
    switch (s) {
      case TriageState::kAffected: return 3;
      case TriageState::kUnderInvestigation: return 2;
      case TriageState::kFixed: return 1;
      case TriageState::kNotAffected: return 0;
    }
    return 3;
  };
  std::vector<TriageRow> rows;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> seen;
  for (auto& r : all_rows) {
    auto [it, fresh] = seen.try_emplace({r.advisory, r.pname, r.version}, rows.size());
    if (fresh) rows.push_back(std::move(r));
    else if (gravity(r.state) > gravity(rows[it->second].state)) rows[it->second] = std::move(r);
  }
  std::string now = now_utc();
  json statements = json::array();
  std::string digest;
  for (const auto& r : rows) {
    json st;
    json vuln = {{"name", r.advisory}};
    if (!r.aliases.empty()) vuln["aliases"] = r.aliases;
    if (!r.summary.empty()) vuln["description"] = r.summary;
    st["vulnerability"] = vuln;
    std::string purl =
        "pkg:nix/" + purl_escape(r.pname) + "@" + purl_escape(r.version) + "?channel=" + purl_escape(channel);
    st["products"] = json::array({{{"@id", purl}, {"identifiers", {{"purl", purl}}}}});
    st["status"] = triage_state_name(r.state);
    st["timestamp"] = r.human && r.decided_at ? *r.decided_at : r.updated_at;
    std::string why = r.human ? r.decision_reason.value_or("") : r.auto_reason;
    if (r.state == TriageState::kNotAffected) {
      if (r.justification) st["justification"] = vex_justification_name(*r.justification);
      st["impact_statement"] = why.empty() ? "not affected" : why;
    } else if (r.state == TriageState::kAffected) {
      st["action_statement"] = "A fix is being backported to channel " + channel + " (" + r.pname + " " + r.version +
                               "). " + (why.empty() ? "" : "Reason: " + why + ".");
    } else {
      if (!why.empty()) st["status_notes"] = why;
    }
    digest += r.advisory + "|" + r.pname + "|" + r.version + "|" + triage_state_name(r.state) + "|" +
              (r.justification ? vex_justification_name(*r.justification) : "") + "\n";
    statements.push_back(std::move(st));
  }
  json doc;
  doc["@context"] = "https://openvex.dev/ns/v0.2.0";
  doc["@id"] =
      "https://openvex.dev/docs/public/ltskit-" + purl_escape(channel) + "-" + fnv_hex(channel + "\n" + digest);
  doc["author"] = author;
  doc["role"] = "Document Creator";
  doc["timestamp"] = now;
  doc["version"] = 1;
  doc["tooling"] = std::string("ltskit ") + ltskit_version();
  doc["statements"] = statements;
  auto problems = validate_openvex(doc);
  if (!problems.empty()) return internal("generated VEX is invalid: " + problems.front());
  return doc;
}

std::vector<std::string> validate_openvex(const json& doc) {
  std::vector<std::string> p;
  auto need_string = [&](const json& j, const char* key, const std::string& where) {
    if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty())
      p.push_back(where + ": '" + key + "' must be a non-empty string");
  };
  if (!doc.is_object()) return {"document is not an object"};
  if (doc.value("@context", "") != "https://openvex.dev/ns/v0.2.0")
    p.push_back("'@context' must be https://openvex.dev/ns/v0.2.0");
  need_string(doc, "@id", "document");
  need_string(doc, "author", "document");
  need_string(doc, "timestamp", "document");
  if (!doc.contains("version") || !doc["version"].is_number_integer() || doc["version"].get<int>() < 1)
    p.push_back("document: 'version' must be an integer >= 1");
  if (!doc.contains("statements") || !doc["statements"].is_array()) {
    p.push_back("document: 'statements' must be an array");
    return p;
  }
  size_t i = 0;
  for (const auto& st : doc["statements"]) {
    std::string where = "statements[" + std::to_string(i++) + "]";
    if (!st.is_object()) {
      p.push_back(where + " is not an object");
      continue;
    }
    if (!st.contains("vulnerability") || !st["vulnerability"].is_object())
      p.push_back(where + ": 'vulnerability' must be an object");
    else need_string(st["vulnerability"], "name", where + ".vulnerability");
    if (!st.contains("products") || !st["products"].is_array() || st["products"].empty())
      p.push_back(where + ": 'products' must be a non-empty array");
    else
      for (const auto& prod : st["products"]) need_string(prod, "@id", where + ".products[]");
    std::string status = st.value("status", "");
    if (!parse_triage_state(status)) p.push_back(where + ": 'status' '" + status + "' is not an OpenVEX status");
    if (status == "not_affected" && !st.contains("justification") && !st.contains("impact_statement"))
      p.push_back(where + ": not_affected needs a justification or an impact_statement");
    if (st.contains("justification")) {
      if (status != "not_affected") p.push_back(where + ": a justification is only for not_affected");
      if (!parse_vex_justification(st.value("justification", ""))) p.push_back(where + ": unknown justification");
    }
    if (status == "affected") need_string(st, "action_statement", where);
  }
  return p;
}

}  // namespace ltskit::advisories
