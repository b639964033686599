#include "tools/pipeline/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>
#include <sstream>

#include "tools/advisories/store.h"
#include "tools/advisories/triage.h"
#include "tools/backport/backport.h"
#include "tools/core/fs.h"
#include "tools/pipeline/run.h"
#include "tools/pipeline/status.h"
#include "tools/publish/publish.h"

namespace ltskit::pipeline {

namespace {

using nlohmann::json;

json opt_json(const std::optional<std::string>& v) { return v ? json(*v) : json(); }

// The changes of an abi-check report, as the dashboard lists them.
json abi_changes(const std::string& report) {
  json out = json::array();
  json r = json::parse(report, nullptr, false);
  if (!r.is_object() || !r.contains("changes") || !r["changes"].is_array()) return out;
  for (const auto& c : r["changes"]) {
    if (!c.is_object()) continue;
    out.push_back({{"kind", c.value("kind", "")},
                   {"name", c.value("name", c.value("subject", ""))},
                   {"detail", c.value("detail", "")},
                   {"incompatible", c.value("incompatible", false)},
                   {"suppressed", c.value("suppressed", false)}});
  }
  return out;
}

// ---- HTML ----

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// A fragment id for any string: letters, digits, '.', '-' as they are, every
// other byte as _XX, so that two names never share an id.
std::string anchor(const std::string& prefix, const std::string& s) {
  std::string out = prefix;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-') out += static_cast<char>(c);
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "_%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string short12(const std::string& s) { return s.substr(0, 12); }

// Seconds since 1970 of "YYYY-MM-DDTHH:MM:SSZ"; -1 when malformed.
double seconds_of(const std::string& t) { return static_cast<double>(parse_utc(t).value_or(-1)); }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A step chart of open advisories over time (inline SVG).
std::string open_chart(const json& channel, const std::string& now) {
  const json& points = channel["open_over_time"];
  std::string name = str(channel, "channel");
  if (!points.is_array() || points.empty())
    return "<p class=\"chart-empty\">No triage history yet: the chart starts with the first triage.</p>\n";
  std::vector<std::pair<double, double>> pts;
  for (const auto& p : points) pts.push_back({seconds_of(str(p, "at")), p.value("open", 0.0)});
  double t_now = seconds_of(now);
  if (t_now >= pts.back().first) pts.push_back({t_now, pts.back().second});
  double t0 = pts.front().first, t1 = std::max(pts.back().first, t0 + 1);
  double ymax = 1;
  for (const auto& [t, v] : pts) ymax = std::max(ymax, v);
  // Whole-number gridlines: up to 4 of them, a whole step apart.
  int ticks = std::min<int>(static_cast<int>(std::ceil(ymax)), 4);
  ymax = std::ceil(ymax / ticks) * ticks;
  const double w = 640, h = 180, left = 40, right = 12, top = 12, bottom = 28;
  auto x = [&](double t) { return left + (t - t0) / (t1 - t0) * (w - left - right); };
  auto y = [&](double v) { return top + (1 - v / ymax) * (h - top - bottom); };
  std::string path;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (i > 0) path += " " + num(x(pts[i].first)) + "," + num(y(pts[i - 1].second));
    path += " " + num(x(pts[i].first)) + "," + num(y(pts[i].second));
  }
  std::string svg =
      "<svg class=\"open-chart\" role=\"img\" viewBox=\"0 0 640 180\" width=\"640\" height=\"180\" "
      "data-channel=\"" +
      esc(name) + "\" data-points=\"" + std::to_string(points.size()) + "\" aria-label=\"Open advisories of channel " +
      esc(name) + " over time\">\n";
  svg += "<title>Open advisories of channel " + esc(name) + " over time</title>\n";
  // Axes and grid.
  for (int i = 0; i <= ticks; ++i) {
    double v = ymax * i / ticks;
    svg += "<line class=\"grid\" x1=\"" + num(left) + "\" x2=\"" + num(w - right) + "\" y1=\"" + num(y(v)) +
           "\" y2=\"" + num(y(v)) + "\"/><text class=\"axis\" x=\"" + num(left - 6) + "\" y=\"" + num(y(v) + 4) +
           "\" text-anchor=\"end\">" + std::to_string(static_cast<int>(std::lround(v))) + "</text>\n";
  }
  svg += "<text class=\"axis\" x=\"" + num(left) + "\" y=\"" + num(h - 8) + "\">" +
         esc(str(points.front(), "at").substr(0, 10)) + "</text><text class=\"axis\" x=\"" + num(w - right) +
         "\" y=\"" + num(h - 8) + "\" text-anchor=\"end\">" + esc(now.substr(0, 10)) + "</text>\n";
  svg += "<polyline class=\"line\" fill=\"none\" points=\"" + path.substr(1) + "\"/>\n";
  for (const auto& p : points) {
    double t = seconds_of(str(p, "at")), v = p.value("open", 0.0);
    svg += "<circle class=\"point\" cx=\"" + num(x(t)) + "\" cy=\"" + num(y(v)) + "\" r=\"3\" data-open=\"" +
           std::to_string(static_cast<int>(v)) + "\"><title>" + esc(str(p, "at")) + ": " +
           std::to_string(static_cast<int>(v)) + " open</title></circle>\n";
  }
  svg += "</svg>\n";
  return svg;
}

const char* kStyle = R"css(
:root { --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --bg:#fff; --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; --accent:#0969da; }
* { box-sizing: border-box; }
body { font: 14px/1.45 "DejaVu Sans", system-ui, sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta, .muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; white-space: nowrap; }
table.sortable th { cursor: pointer; } table.sortable th::after { content: " \2195"; color: var(--muted); font-size: 11px; }
code, .commit { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; border: 1px solid var(--line); }
.state-affected, .verdict-incompatible, .outcome-conflict, .outcome-failed, .blocked { color: var(--bad); font-weight: 600; }
.state-under_investigation, .outcome-refused, .verdict-compatible { color: var(--warn); }
.state-fixed, .state-not_affected, .outcome-applied, .verdict-no-change, .verdict-unchanged, .verdict-baseline { color: var(--ok); }
.sev-critical { color: #fff; background: var(--bad); } .sev-high { color: var(--bad); } .sev-medium { color: var(--warn); }
ul.waiting li { margin: 2px 0; } ul.changes { margin: 0; padding-left: 18px; }
ol.timeline { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 8px; }
ol.timeline li { border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; }
ol.timeline li.current { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
svg.open-chart .grid { stroke: #eaeef2; } svg.open-chart .axis { font-size: 11px; fill: var(--muted); }
svg.open-chart .line { stroke: var(--bad); stroke-width: 2; } svg.open-chart .point { fill: var(--bad); }
article.advisory { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
article.advisory:target { border-color: var(--accent); }
)css";

// Sorting by a click on a column header; the page is whole without it.
const char* kScript = R"js(
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir === 1 ? 'asc' : 'desc';
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort || a.cells[col].textContent, y = b.cells[col].dataset.sort || b.cells[col].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        if (!isNaN(nx) && !isNaN(ny)) return (nx - ny) * dir;
        return x.localeCompare(y) * dir;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
)js";

int state_order(const std::string& s) {
  if (s == "affected") return 0;
  if (s == "under_investigation") return 1;
  if (s == "fixed") return 2;
  if (s == "not_affected") return 3;
  return 4;
}

std::string channel_section(const json& c, const std::string& now) {
  std::string name = str(c, "channel");
  std::string h = "<section class=\"channel\" id=\"" + anchor("channel-", name) + "\" data-channel=\"" + esc(name) +
                  "\">\n<h2>Channel " + esc(name) + " <span class=\"muted\">(" + esc(str(c, "branch")) + ", " +
                  esc(str(c, "status")) + ")</span></h2>\n";
  h += "<p class=\"meta\">Support until " + esc(str(c, "support_until").empty() ? "-" : str(c, "support_until")) +
       (c["days_left"].is_number() ? " (" + std::to_string(c["days_left"].get<int64_t>()) + " days left)" : "") +
       " · head <span class=\"commit\">" + esc(short12(str(c, "head"))) + "</span>" +
       (c.value("head_published", false) ? " (published)" : " (not published)") + "</p>\n";

  h += "<h3>Open advisories over time</h3>\n" + open_chart(c, now);

  h += "<h3>Generations</h3>\n";
  const json& gens = c["generations"];
  if (gens.empty()) h += "<p class=\"muted\">Nothing published yet.</p>\n";
  else {
    h += "<ol class=\"timeline\">\n";
    for (const auto& g : gens) {
      bool cur = g.value("current", false);
      h += std::string("<li class=\"generation") + (cur ? " current" : "") + "\" data-generation=\"" +
           std::to_string(g.value("generation", 0)) + "\"><strong>" + std::to_string(g.value("generation", 0)) +
           "</strong> <span class=\"commit\">" + esc(short12(str(g, "commit"))) + "</span> <span class=\"muted\">" +
           esc(str(g, "created_at")) + "</span>" + (cur ? " <span class=\"badge\">current</span>" : "") + "</li>\n";
    }
    h += "</ol>\n";
  }

  h += "<h3>Advisories</h3>\n";
  json triage = c["triage"];
  std::vector<json> rows(triage.begin(), triage.end());
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    return state_order(str(a, "state")) < state_order(str(b, "state"));
  });
  if (rows.empty()) h += "<p class=\"muted\">No advisory matches this channel's packages.</p>\n";
  else {
    h += "<table class=\"sortable advisories\"><thead><tr><th>State</th><th>Advisory</th><th>Package</th>"
         "<th>Version</th><th>Severity</th><th>Score</th><th>Summary</th><th>Why</th></tr></thead><tbody>\n";
    for (const auto& r : rows) {
      std::string state = str(r, "state"), sev = str(r, "severity"), id = str(r, "advisory");
      double score = r.value("score", -1.0);
      h += "<tr data-state=\"" + esc(state) + "\" data-advisory=\"" + esc(id) + "\"><td class=\"state-" + esc(state) +
           "\" data-sort=\"" + std::to_string(state_order(state)) + "\">" + esc(state) + "</td><td><a href=\"#" +
           anchor("advisory-", id) + "\">" + esc(id) + "</a></td><td>" + esc(str(r, "attr")) + "</td><td>" +
           esc(str(r, "version")) + "</td><td><span class=\"badge sev-" + esc(sev) + "\">" + esc(sev) +
           "</span></td><td>" + (score >= 0 ? num(score) : "") + "</td><td>" + esc(str(r, "summary")) + "</td><td>" +
           esc(str(r, "why")) + "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }

  h += "<h3>Backports</h3>\n";
  const json& bps = c["backports"];
  if (bps.empty()) h += "<p class=\"muted\">No backport attempted.</p>\n";
  else {
    h += "<table class=\"sortable backports\"><thead><tr><th>When</th><th>Advisory</th><th>Outcome</th>"
         "<th>Source commits</th><th>Onto</th><th>Result</th><th>By</th><th>Detail</th></tr></thead><tbody>\n";
    for (const auto& b : bps) {
      std::string outcome = str(b, "outcome"), sources;
      for (const auto& s : b["sources"])
        sources += (sources.empty() ? "" : " ") + std::string("<span class=\"commit\" title=\"") +
                   esc(s.get<std::string>()) + "\">" + esc(short12(s.get<std::string>())) + "</span>";
      h += "<tr data-outcome=\"" + esc(outcome) + "\"><td>" + esc(str(b, "at")) + "</td><td><a href=\"#" +
           anchor("advisory-", str(b, "advisory")) + "\">" + esc(str(b, "advisory")) + "</a></td><td class=\"outcome-" +
           esc(outcome) + "\">" + esc(outcome) + "</td><td>" + sources + "</td><td class=\"commit\">" +
           esc(short12(str(b, "onto"))) + "</td><td class=\"commit\">" + esc(short12(str(b, "result"))) + "</td><td>" +
           esc(str(b, "by")) + "</td><td>" + esc(str(b, "detail")) + "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }

  h += "<h3>ABI gate: the last verdict of every library</h3>\n";
  const json& abi = c["abi"];
  if (abi.empty()) h += "<p class=\"muted\">The ABI gate has not run: nothing published yet.</p>\n";
  else {
    h += "<table class=\"sortable abi\"><thead><tr><th>Package</th><th>Library</th><th>Verdict</th><th>Generation</th>"
         "<th>Changes</th></tr></thead><tbody>\n";
    for (const auto& v : abi) {
      std::string verdict = str(v, "verdict");
      bool blocked = v.value("blocked", false);
      std::string changes;
      for (const auto& ch : v["changes"])
        changes += "<li" + std::string(ch.value("incompatible", false) ? " class=\"blocked\"" : "") + "><code>" +
                   esc(str(ch, "kind")) + "</code> " + esc(str(ch, "name")) +
                   (str(ch, "detail").empty() ? "" : ": " + esc(str(ch, "detail"))) +
                   (ch.value("suppressed", false) ? " <span class=\"muted\">(suppressed)</span>" : "") + "</li>";
      for (const auto& b : v["blocking"])
        if (v["changes"].empty()) changes += "<li class=\"blocked\">" + esc(b.get<std::string>()) + "</li>";
      h += "<tr data-soname=\"" + esc(str(v, "soname")) + "\" data-verdict=\"" + esc(verdict) + "\"><td>" +
           esc(str(v, "attr")) + "</td><td><code>" + esc(str(v, "soname")) + "</code></td><td class=\"verdict-" +
           esc(verdict) + "\">" + esc(verdict) +
           (blocked ? " <span class=\"blocked\">(blocked: " + esc(str(v, "rule")) + ")</span>" : "") + "</td><td>" +
           (v["generation"].is_number() ? std::to_string(v["generation"].get<int64_t>()) : "held back") + "</td><td>" +
           (changes.empty() ? "<span class=\"muted\">none</span>" : "<ul class=\"changes\">" + changes + "</ul>") +
           "</td></tr>\n";
    }
    h += "</tbody></table>\n";
  }
  h += "</section>\n";
  return h;
}

}  // namespace

Result<nlohmann::json> report_json(Workspace& ws, git::Repository& repo, const std::string& now) {
  LTS_ASSIGN_OR_RETURN(auto summaries, channel_summaries(ws, repo, now.substr(0, 10)));
  std::filesystem::path root = publish::publish_root(ws, std::nullopt);
  json channels = json::array();
  std::set<std::string> advisory_ids;
  for (const auto& s : summaries) {
    json c = summary_json(s);
    json gens = json::array();
    LTS_ASSIGN_OR_RETURN(auto generations, publish::list_generations(root, s.name));
    for (const auto& g : generations)
      gens.push_back({{"generation", g.number},
                      {"commit", g.commit},
                      {"created_at", g.created_at},
                      {"current", g.current},
                      {"path", g.path.string()}});
    c["generations"] = gens;
    json triage = json::array();
    LTS_ASSIGN_OR_RETURN(auto rows, advisories::list_triage(ws.db(), {s.name, std::nullopt, std::nullopt}));
    for (const auto& r : rows) {
      advisory_ids.insert(r.advisory);
      triage.push_back({{"advisory", r.advisory},
                        {"attr", r.attr},
                        {"pname", r.pname},
                        {"version", r.version},
                        {"state", advisories::triage_state_name(r.state)},
                        {"human", r.human},
                        {"why", r.human ? r.decision_reason.value_or("") : r.auto_reason},
                        {"severity", r.severity.empty() ? "unknown" : r.severity},
                        {"score", r.score},
                        {"summary", r.summary},
                        {"aliases", r.aliases}});
    }
    c["triage"] = triage;
    json backports = json::array();
    LTS_ASSIGN_OR_RETURN(auto attempts, backport::list_backports(ws.db(), s.name));
    for (auto it = attempts.rbegin(); it != attempts.rend(); ++it) {
      json sources = json::array();
      std::istringstream words(it->source_commits);  // space-separated, in the order picked
      for (std::string w; words >> w;) sources.push_back(w);
      backports.push_back({{"advisory", it->advisory},
                           {"outcome", backport::pick_outcome_name(it->outcome)},
                           {"sources", sources},
                           {"onto", it->onto},
                           {"result", opt_json(it->result)},
                           {"at", it->at},
                           {"by", it->by},
                           {"detail", it->detail}});
    }
    c["backports"] = backports;
    json abi = json::array();
    for (const auto& v : s.abi) {
      json j = verdict_json(v);
      j["changes"] = abi_changes(v.report);
      abi.push_back(std::move(j));
    }
    c["abi"] = abi;
    json series = json::array();
    LTS_ASSIGN_OR_RETURN(auto counts, advisories::open_advisories_over_time(ws.db(), s.name));
    for (const auto& p : counts) series.push_back({{"at", p.at}, {"open", p.open}});
    c["open_over_time"] = series;
    channels.push_back(std::move(c));
  }
  json advisories_out = json::array();
  for (const auto& id : advisory_ids) {
    auto d = advisories::get_advisory(ws.db(), id);
    if (!d.ok()) continue;  // withdrawn since: the triage row says so
    advisories_out.push_back({{"id", d->summary.id},
                              {"summary", d->summary.summary},
                              {"severity", d->summary.severity},
                              {"score", d->summary.score},
                              {"aliases", d->summary.aliases},
                              {"sources", d->summary.sources},
                              {"published", d->published},
                              {"modified", d->summary.modified},
                              {"withdrawn", opt_json(d->summary.withdrawn)},
                              {"details", d->details},
                              {"references", d->references},
                              {"fix_commits", d->fix_commits}});
  }
  json runs = json::array();
  LTS_ASSIGN_OR_RETURN(auto records, list_runs(ws.db(), 20));
  for (const auto& r : records) {
    json stages = json::array();
    for (const auto& st : r.stages)
      stages.push_back({{"stage", st.stage}, {"state", st.state}, {"summary", st.summary}, {"ms", st.ms}});
    runs.push_back({{"run", r.id},
                    {"started_at", r.started_at},
                    {"finished_at", opt_json(r.finished_at)},
                    {"state", r.state},
                    {"attempts", r.attempts},
                    {"ms", r.ms},
                    {"stages", stages}});
  }
  return json{{"generated_at", now},
              {"publish_root", root.string()},
              {"channels", channels},
              {"advisories", advisories_out},
              {"runs", runs}};
}

std::string render_dashboard(const nlohmann::json& report) {
  std::string now = str(report, "generated_at");
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>ltskit: LTS channels</title>\n<style>" +
      std::string(kStyle) + "</style>\n</head>\n<body>\n";
  h += "<header><h1>LTS channels</h1><p class=\"meta\">Generated by ltskit at <time id=\"generated-at\">" + esc(now) +
       "</time> · published under <code>" + esc(str(report, "publish_root")) + "</code></p></header>\n";

  // Overview.
  h += "<section id=\"overview\"><h2>Overview</h2>\n<table class=\"sortable overview\"><thead><tr><th>Channel</th>"
       "<th>Status</th><th>Support until</th><th>Generation</th><th>Commit</th><th>Open</th><th>Critical</th>"
       "<th>High</th><th>Fixed</th><th>Waiting</th><th>ABI</th></tr></thead><tbody>\n";
  std::vector<std::string> waiting;
  for (const auto& c : report["channels"]) {
    std::string name = str(c, "channel");
    auto sev = [&](const char* k) { return std::to_string(c["open_by_severity"].value(k, 0)); };
    size_t open = 0;
    for (const auto& [k, v] : c["open_by_severity"].items()) open += v.get<size_t>();
    size_t blocked = 0;
    for (const auto& v : c["abi"]) blocked += v.value("blocked", false) ? 1 : 0;
    h += "<tr data-channel=\"" + esc(name) + "\"><td><a href=\"#" + anchor("channel-", name) + "\">" + esc(name) +
         "</a></td><td>" + esc(str(c, "status")) + "</td><td>" + esc(str(c, "support_until")) +
         (c["days_left"].is_number() ? " (" + std::to_string(c["days_left"].get<int64_t>()) + " d)" : "") +
         "</td><td class=\"generation\">" +
         (c["generation"].is_number() ? std::to_string(c["generation"].get<int64_t>()) : "-") +
         "</td><td class=\"commit\">" + esc(short12(str(c, "generation_commit"))) + "</td><td class=\"open\">" +
         std::to_string(open) + "</td><td>" + sev("critical") + "</td><td>" + sev("high") + "</td><td>" +
         std::to_string(c["advisories_by_state"].value("fixed", 0)) + "</td><td>" +
         std::to_string(c["pending_backports"].size()) + "</td><td" + (blocked ? " class=\"blocked\">" : ">") +
         (c["abi"].empty() ? "-"
          : blocked        ? std::to_string(blocked) + " blocked"
                           : std::to_string(c["abi"].size()) + " libraries") +
         "</td></tr>\n";
    for (const auto& p : c["pending_backports"])
      waiting.push_back("<li><strong>" + esc(name) + "</strong>: <a href=\"#" +
                        anchor("advisory-", str(p, "advisory")) + "\">" + esc(str(p, "advisory")) +
                        "</a>: " + esc(str(p, "why")) + " <code>" + esc(str(p, "action")) + "</code></li>");
    if (blocked)
      waiting.push_back("<li><strong>" + esc(name) +
                        "</strong>: the ABI gate held back the last publish <code>ltskit abi " + esc(name) +
                        "</code></li>");
    if (!c.value("head_published", false) && str(c, "status") == "active" && !blocked && !str(c, "head").empty() &&
        c.value("head_tracked", false))
      waiting.push_back("<li><strong>" + esc(name) + "</strong>: head <span class=\"commit\">" +
                        esc(short12(str(c, "head"))) + "</span> is not published <code>ltskit run " + esc(name) +
                        "</code></li>");
  }
  h += "</tbody></table>\n";
  h += "<h3>Waiting for a human</h3>\n";
  if (waiting.empty()) h += "<p id=\"waiting-none\" class=\"muted\">Nothing.</p>\n";
  else {
    h += "<ul class=\"waiting\" id=\"waiting\">\n";
    for (const auto& w : waiting) h += w + "\n";
    h += "</ul>\n";
  }
  h += "</section>\n";

  for (const auto& c : report["channels"]) h += channel_section(c, now);

  h += "<section id=\"advisories\"><h2>Advisories</h2>\n";
  for (const auto& a : report["advisories"]) {
    std::string id = str(a, "id"), aliases, refs, fixes;
    for (const auto& x : a["aliases"]) aliases += (aliases.empty() ? "" : ", ") + esc(x.get<std::string>());
    for (const auto& x : a["references"]) {
      std::string u = x.get<std::string>();
      bool web = u.starts_with("https://") || u.starts_with("http://");
      refs += "<li>" + (web ? "<a href=\"" + esc(u) + "\" rel=\"noreferrer\">" + esc(u) + "</a>" : esc(u)) + "</li>";
    }
    for (const auto& x : a["fix_commits"])
      fixes +=
          (fixes.empty() ? "" : " ") + std::string("<span class=\"commit\">") + esc(x.get<std::string>()) + "</span>";
    double score = a.value("score", -1.0);
    h += "<article class=\"advisory\" id=\"" + anchor("advisory-", id) + "\"><h3>" + esc(id) + ": " +
         esc(str(a, "summary")) + "</h3>\n<p class=\"meta\">Severity <span class=\"badge sev-" +
         esc(str(a, "severity")) + "\">" + esc(str(a, "severity")) + "</span>" + (score >= 0 ? " " + num(score) : "") +
         (aliases.empty() ? "" : " · aliases " + aliases) + " · published " + esc(str(a, "published")) +
         " · modified " + esc(str(a, "modified")) +
         (a["withdrawn"].is_string() ? " · <strong>withdrawn " + esc(str(a, "withdrawn")) + "</strong>" : "") +
         "</p>\n";
    if (!str(a, "details").empty()) h += "<p>" + esc(str(a, "details")) + "</p>\n";
    if (!fixes.empty()) h += "<p>Fix commits: " + fixes + "</p>\n";
    if (!refs.empty()) h += "<ul class=\"references\">" + refs + "</ul>\n";
    h += "</article>\n";
  }
  if (report["advisories"].empty()) h += "<p class=\"muted\">No advisory matches any channel.</p>\n";
  h += "</section>\n";

  h += "<section id=\"runs\"><h2>Runs</h2>\n";
  if (report["runs"].empty()) h += "<p class=\"muted\">No <code>ltskit run</code> yet.</p>\n";
  else {
    h += "<table class=\"sortable runs\"><thead><tr><th>Run</th><th>Started</th><th>State</th><th>Seconds</th>"
         "<th>Stages</th></tr></thead><tbody>\n";
    for (const auto& r : report["runs"]) {
      std::string stages;
      for (const auto& s : r["stages"])
        stages += "<li><strong>" + esc(str(s, "stage")) + "</strong> " + esc(str(s, "state")) + ": " +
                  esc(str(s, "summary")) + "</li>";
      h += "<tr><td>" + std::to_string(r.value("run", 0)) + (r.value("attempts", 1) > 1 ? " (resumed)" : "") +
           "</td><td>" + esc(str(r, "started_at")) + "</td><td>" + esc(str(r, "state")) + "</td><td>" +
           num(r.value("ms", 0.0) / 1000) + "</td><td><ul class=\"changes\">" + stages + "</ul></td></tr>\n";
    }
    h += "</tbody></table>\n";
  }
  h += "</section>\n<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
  return h;
}

Result<std::filesystem::path> write_dashboard(Workspace& ws, git::Repository& repo, const std::filesystem::path& dir,
                                              const std::string& now) {
  LTS_ASSIGN_OR_RETURN(nlohmann::json report, report_json(ws, repo, now));
  LTS_RETURN_IF_ERROR(make_dirs(dir));
  LTS_RETURN_IF_ERROR(atomic_write_file(dir / "report.json",
                                        report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"));
  LTS_RETURN_IF_ERROR(atomic_write_file(dir / "index.html", render_dashboard(report)));
  return dir / "index.html";
}

}  // namespace ltskit::pipeline
