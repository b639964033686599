#include "tools/advisories/triage.h"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tools/advisories/compress.h"
#include "tools/advisories/package_map.h"
#include "tools/advisories/ranges.h"
#include "tools/advisories/store.h"
#include "tools/core/crash_point.h"
#include "tools/core/events.h"
#include "tools/core/fs.h"
#include "tools/track/snapshots.h"

namespace ltskit::advisories {

namespace {

constexpr const char* kStateNames[] = {"under_investigation", "affected", "not_affected", "fixed"};
constexpr const char* kJustificationNames[] = {
    "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist"};

template <typename E, size_t N>
std::optional<E> parse_name(const char* const (&names)[N], std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<E>(i);
  return std::nullopt;
}

template <size_t N>
std::string join_names(const char* const (&names)[N]) {
  std::string out;
  for (size_t i = 0; i < N; ++i) out += std::string(i ? ", " : "") + names[i];
  return out;
}

// Column values: the names, and back (the tables' CHECKs keep them valid).
std::optional<std::string> column(const std::optional<TriageState>& s) {
  return s ? std::optional<std::string>(triage_state_name(*s)) : std::nullopt;
}
std::optional<std::string> column(const std::optional<VexJustification>& j) {
  return j ? std::optional<std::string>(vex_justification_name(*j)) : std::nullopt;
}
TriageState state_of(const std::string& s) { return parse_triage_state(s).value_or(TriageState::kUnderInvestigation); }
std::optional<TriageState> opt_state_of(const std::optional<std::string>& s) {
  return s ? parse_triage_state(*s) : std::nullopt;
}
std::optional<VexJustification> justification_of(const std::optional<std::string>& s) {
  return s ? parse_vex_justification(*s) : std::nullopt;
}

}  // namespace

const char* triage_state_name(TriageState state) { return kStateNames[static_cast<size_t>(state)]; }
std::optional<TriageState> parse_triage_state(std::string_view name) {
  return parse_name<TriageState>(kStateNames, name);
}
const char* vex_justification_name(VexJustification j) { return kJustificationNames[static_cast<size_t>(j)]; }
std::optional<VexJustification> parse_vex_justification(std::string_view name) {
  return parse_name<VexJustification>(kJustificationNames, name);
}
std::string triage_state_names() { return join_names(kStateNames); }
std::string vex_justification_names() { return join_names(kJustificationNames); }

std::string current_user() {
  if (const char* u = std::getenv("LTSKIT_USER"); u && *u) return u;
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (struct passwd* pw = getpwuid(getuid())) return pw->pw_name;
  return "unknown";
}

namespace {

using Pkg = SnapshotPackage;

struct Candidate {
  std::string advisory;
  std::string pname;
  std::string match_reason;
  std::vector<AffectedPackage> entries;
  std::vector<std::string> sources;  // the source of each entry
};

struct Auto {
  TriageState state = TriageState::kUnderInvestigation;
  std::optional<VexJustification> justification;
  std::string reason;
  std::string pname, attr, version;
  std::string match_reason;
};

// Advisory id (lower case) -> (backport commit, the commit it picked), for
// the commits on a channel branch since its cut.
using Backports = std::map<std::string, std::pair<std::string, std::string>>;

std::string lower_id(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return s;
}

// The backports on `head` since `cut`: commits whose "Advisory:" trailers
// name an advisory, less those a later commit reverted ("This reverts commit
// X.", as git revert writes it).
Result<Backports> branch_backports(git::Repository& repo, const std::string& head, const std::string& cut) {
  Backports out;
  if (cut.empty()) return out;
  LTS_ASSIGN_OR_RETURN(auto commits, repo.walk_since(head, cut));
  std::set<std::string> reverted;
  for (const auto& c : commits) {  // newest first: a revert comes before what it reverts
    const std::string marker = "This reverts commit ";
    for (size_t pos = c.message.find(marker); pos != std::string::npos; pos = c.message.find(marker, pos + 1))
      reverted.insert(c.message.substr(pos + marker.size(), 40));
    if (reverted.count(c.id)) continue;
    auto from = git::picked_from(c.message);
    std::string picked = from.empty() ? "" : from.back();
    for (const auto& [key, value] : git::message_trailers(c.message))
      if (lower_id(key) == "advisory") out.emplace(lower_id(value), std::make_pair(c.id, picked));
  }
  return out;
}

bool mentions(const std::string& patch, const std::string& id) {
  if (id.empty()) return false;
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  std::string p = lower(patch), i = lower(id);
  size_t pos = p.find(i);
  if (pos == std::string::npos) return false;
  // "CVE-2026-1" must not match "cve-2026-10.patch".
  size_t end = pos + i.size();
  return end == p.size() || !std::isdigit(static_cast<unsigned char>(p[end]));
}

Auto evaluate(const Candidate& c, const Pkg& pkg, const std::vector<std::string>& patches,
              const std::vector<std::string>& aliases, const Backports& backports) {
  Auto a;
  a.pname = pkg.pname;
  a.attr = pkg.attr;
  a.version = pkg.version;
  a.match_reason = c.match_reason;
  // A backport on the channel branch (its trailer names the advisory or an
  // alias, and it was not reverted) fixes it, whatever the version says.
  for (const auto& id : [&] {
         std::vector<std::string> all = aliases;
         all.push_back(c.advisory);
         return all;
       }()) {
    auto b = backports.find(lower_id(id));
    if (b == backports.end()) continue;
    a.state = TriageState::kFixed;
    a.reason = "backported in " + b->second.first.substr(0, 12) +
               (b->second.second.empty() ? "" : " from " + b->second.second.substr(0, 12));
    return a;
  }
  for (const auto& p : patches) {
    bool hit = mentions(p, c.advisory);
    for (const auto& al : aliases) hit = hit || mentions(p, al);
    if (hit) {
      a.state = TriageState::kFixed;
      a.reason = pkg.attr + " applies patch " + p;
      return a;
    }
  }
  Decision best;
  bool have = false;
  auto rank = [](Decision::State s) {
    switch (s) {
      case Decision::State::kAffected: return 4;
      case Decision::State::kFixed: return 3;
      case Decision::State::kNotAffected: return 2;
      case Decision::State::kUnknown: return 1;
    }
    return 0;
  };
  // Every source's entries are judged and the gravest verdict wins (ties to
  // the first source by name): no source is overruled towards "not affected".
  std::string decided_by;
  for (size_t i = 0; i < c.entries.size(); ++i) {
    Decision d = decide(c.entries[i], pkg.version);
    if (!have || rank(d.state) > rank(best.state) || (rank(d.state) == rank(best.state) && c.sources[i] < decided_by)) {
      best = d;
      decided_by = c.sources[i];
      have = true;
    }
  }
  switch (best.state) {
    case Decision::State::kAffected: a.state = TriageState::kAffected; break;
    case Decision::State::kFixed: a.state = TriageState::kFixed; break;
    case Decision::State::kNotAffected:
      a.state = TriageState::kNotAffected;
      a.justification = VexJustification::kVulnerableCodeNotPresent;
      break;
    case Decision::State::kUnknown: a.state = TriageState::kUnderInvestigation; break;
  }
  a.reason = best.why;
  if (std::set<std::string>(c.sources.begin(), c.sources.end()).size() > 1)
    a.reason += " (source " + decided_by + " decided)";
  return a;
}

Status add_history(Database& db, const std::string& channel, const std::string& advisory, const std::string& pname,
                   const std::string& attr, const std::optional<TriageState>& old_state,
                   const std::optional<TriageState>& new_state, const std::optional<VexJustification>& justification,
                   const std::string& by, const std::string& reason) {
  LTS_ASSIGN_OR_RETURN(Statement ins,
                       db.prepare("INSERT INTO triage_history(channel, advisory_id, pname, attr, old_state, "
                                  "new_state, justification, by, at, reason) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ins.bind(1, channel)
      .bind(2, advisory)
      .bind(3, pname)
      .bind(4, attr)
      .bind(5, column(old_state))
      .bind(6, column(new_state))
      .bind(7, column(justification))
      .bind(8, by)
      .bind(9, now_utc())
      .bind(10, reason);
  return ins.run();
}

struct Existing {
  TriageState state;
  std::optional<VexJustification> justification;
  TriageState auto_state;
  std::optional<VexJustification> auto_justification;
  std::string auto_reason, match_reason, attr, version;
  bool human;
  std::string pname;
};

// The advisories whose affected entries name a package of one channel head.
struct Matches {
  std::vector<Pkg> pkgs;
  std::map<std::string, std::vector<const Pkg*>> by_pname;
  std::map<std::pair<std::string, std::string>, Candidate> cands;  // (advisory, pname)
};

// Reads only: candidate affected entries by normalized name, then by the package map.
Status match_channel(Database& db, const SnapshotRef& snapshot, const PackageMap& map, Matches& m) {
  LTS_ASSIGN_OR_RETURN(m.pkgs, snapshot_packages(db, snapshot.id));
  std::map<std::string, std::vector<const Pkg*>> by_key;
  auto& by_pname = m.by_pname;
  auto& cands = m.cands;
  for (const auto& p : m.pkgs) {
    by_key[name_key(p.pname)].push_back(&p);
    by_pname[p.pname].push_back(&p);
  }
  auto ignored = [&](const std::string& eco, const std::string& nm, const std::string& ven, const std::string& prod,
                     const std::string& pname) {
    for (const auto& ig : map.ignores)
      if (ig.names(eco, nm, ven, prod) && (ig.pname.empty() || ig.pname == pname)) return true;
    return false;
  };
  auto consider = [&](Statement& q, const std::string& pname, const std::string& reason) -> Status {
    std::string eco = q.text(2), nm = q.text(3), ven = q.text(4), prod = q.text(5);
    if (ignored(eco, nm, ven, prod, pname)) return ok_status();
    LTS_ASSIGN_OR_RETURN(std::string data, decompress_record(q.blob(1)));
    LTS_ASSIGN_OR_RETURN(AffectedPackage p, affected_from_json(data));
    Candidate& c = cands[{q.text(0), pname}];
    c.advisory = q.text(0);
    c.pname = pname;
    if (c.match_reason.empty()) c.match_reason = reason;
    c.entries.push_back(std::move(p));
    c.sources.push_back(q.text(6));
    return ok_status();
  };
  const char* kCols =
      "SELECT ar.advisory_id, ar.data, ar.ecosystem, ar.name, ar.vendor, ar.product, ar.source FROM affected_ranges "
      "ar JOIN advisory_records r ON r.id = ar.advisory_id AND r.source = ar.source WHERE r.withdrawn IS NULL AND ";
  LTS_RETURN_IF_ERROR(db.exec("CREATE TEMP TABLE IF NOT EXISTS ltskit_keys (key TEXT PRIMARY KEY)"));
  LTS_RETURN_IF_ERROR(db.exec("DELETE FROM ltskit_keys"));
  {
    LTS_ASSIGN_OR_RETURN(Statement ins, db.prepare("INSERT OR IGNORE INTO ltskit_keys(key) VALUES (?)"));
    for (const auto& [k, v] : by_key) {
      ins.bind(1, k);
      LTS_RETURN_IF_ERROR(ins.run());
    }
  }
  {
    LTS_ASSIGN_OR_RETURN(Statement q, db.prepare(std::string(kCols) + "ar.name_key IN (SELECT key FROM ltskit_keys)"));
    while (true) {
      LTS_ASSIGN_OR_RETURN(bool row, q.step());
      if (!row) break;
      std::string nm = q.text(3).empty() ? q.text(5) : q.text(3);
      auto it = by_key.find(name_key(nm));
      if (it == by_key.end()) continue;
      std::set<std::string> seen;
      for (const Pkg* p : it->second) {
        if (!seen.insert(p->pname).second) continue;
        std::string reason = "advisory package name '" + nm + "' matches pname '" + p->pname + "'";
        LTS_RETURN_IF_ERROR(consider(q, p->pname, reason));
      }
    }
  }
  for (const auto& m : map.maps) {
    if (!by_pname.count(m.pname)) continue;
    std::string where = !m.vendor.empty() || !m.product.empty()
                            ? "(ar.vendor = ?1 OR ?1 = '') AND (ar.product = ?2 OR ?2 = '')"
                            : "(ar.ecosystem = ?1 OR ?1 = '') AND ar.name = ?2";
    LTS_ASSIGN_OR_RETURN(Statement q, db.prepare(std::string(kCols) + where));
    if (!m.vendor.empty() || !m.product.empty()) q.bind(1, m.vendor).bind(2, m.product);
    else q.bind(1, m.ecosystem).bind(2, m.name);
    LTS_RETURN_IF_ERROR(q.each_row([&]() -> Status {
      LTS_RETURN_IF_ERROR(consider(q, m.pname, "mapped by " + m.describe()));
      return ok_status();
    }));
  }
  return ok_status();
}

// Writes one channel's triage from its matches and patches; call inside a transaction.
Status write_channel_triage(Database& db, const std::string& channel, Matches& m,
                            std::map<std::string, std::vector<std::string>>& patches,
                            const std::map<std::string, std::vector<std::string>>& aliases, const Backports& backports,
                            TriageRefreshReport& report) {
  auto& by_pname = m.by_pname;
  auto& cands = m.cands;
  // The automatic verdicts, one per attribute: every attr that carries a
  // matched pname is judged (openssl and openssl_1_1 alike).
  std::map<std::pair<std::string, std::string>, Auto> autos;  // (advisory, attr)
  for (const auto& [key, c] : cands) {
    auto al = aliases.find(c.advisory);
    for (const Pkg* pkg : by_pname[c.pname])
      autos[{c.advisory, pkg->attr}] = evaluate(
          c, *pkg, patches[pkg->attr], al == aliases.end() ? std::vector<std::string>{} : al->second, backports);
  }

  std::map<std::pair<std::string, std::string>, Existing> existing;
  LTS_ASSIGN_OR_RETURN(
      Statement q,
      db.prepare(
          "SELECT advisory_id, pname, state, justification, auto_state, auto_justification, auto_reason, match_reason, "
          "attr, version, human FROM triage WHERE channel = ?"));
  q.bind(1, channel);
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    existing[{q.text(0), q.text(8)}] = {state_of(q.text(2)), justification_of(q.opt_text(3)),
                                        state_of(q.text(4)), justification_of(q.opt_text(5)),
                                        q.text(6),           q.text(7),
                                        q.text(8),           q.text(9),
                                        q.integer(10) != 0,  q.text(1)};
  }));

  std::string now = now_utc();
  LTS_ASSIGN_OR_RETURN(
      Statement ins,
      db.prepare("INSERT INTO triage(channel, advisory_id, pname, attr, version, state, justification, auto_state, "
                 "auto_justification, auto_reason, match_reason, human, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                 "?, ?, 0, ?)"));
  LTS_ASSIGN_OR_RETURN(
      Statement upd,
      db.prepare("UPDATE triage SET pname = ?, version = ?, state = ?, justification = ?, auto_state = ?, "
                 "auto_justification = ?, auto_reason = ?, match_reason = ?, updated_at = ? "
                 "WHERE channel = ? AND advisory_id = ? AND attr = ?"));
  LTS_ASSIGN_OR_RETURN(Statement del,
                       db.prepare("DELETE FROM triage WHERE channel = ? AND advisory_id = ? AND attr = ?"));
  for (const auto& [key, a] : autos) {
    auto it = existing.find(key);
    if (it == existing.end()) {
      ins.bind(1, channel)
          .bind(2, key.first)
          .bind(3, a.pname)
          .bind(4, a.attr)
          .bind(5, a.version)
          .bind(6, triage_state_name(a.state))
          .bind(7, column(a.justification))
          .bind(8, triage_state_name(a.state))
          .bind(9, column(a.justification))
          .bind(10, a.reason)
          .bind(11, a.match_reason)
          .bind(12, now);
      LTS_RETURN_IF_ERROR(ins.run());
      LTS_RETURN_IF_ERROR(add_history(db, channel, key.first, a.pname, a.attr, std::nullopt, a.state, a.justification,
                                      "ltskit", a.reason));
      ++report.added;
      continue;
    }
    const Existing& e = it->second;
    bool same = e.auto_state == a.state && e.auto_justification == a.justification && e.auto_reason == a.reason &&
                e.match_reason == a.match_reason && e.pname == a.pname && e.version == a.version;
    if (same) {
      ++report.unchanged;
      continue;
    }
    TriageState state = e.human ? e.state : a.state;
    std::optional<VexJustification> just = e.human ? e.justification : a.justification;
    upd.bind(1, a.pname)
        .bind(2, a.version)
        .bind(3, triage_state_name(state))
        .bind(4, column(just))
        .bind(5, triage_state_name(a.state))
        .bind(6, column(a.justification))
        .bind(7, a.reason)
        .bind(8, a.match_reason)
        .bind(9, now)
        .bind(10, channel)
        .bind(11, key.first)
        .bind(12, key.second);
    LTS_RETURN_IF_ERROR(upd.run());
    if (!e.human && e.state != state)
      LTS_RETURN_IF_ERROR(
          add_history(db, channel, key.first, a.pname, a.attr, e.state, state, just, "ltskit", a.reason));
    else if (e.human && e.auto_state != a.state)
      LTS_RETURN_IF_ERROR(add_history(db, channel, key.first, a.pname, a.attr, e.state, e.state, e.justification,
                                      "ltskit",
                                      "automatic verdict is now " + std::string(triage_state_name(a.state)) + " (" +
                                          a.reason + "); the human decision stands"));
    ++report.changed;
  }
  for (const auto& [key, e] : existing) {
    if (autos.count(key)) continue;
    del.bind(1, channel).bind(2, key.first).bind(3, key.second);
    LTS_RETURN_IF_ERROR(del.run());
    LTS_RETURN_IF_ERROR(add_history(db, channel, key.first, e.pname, e.attr, e.state, std::nullopt, std::nullopt,
                                    "ltskit",
                                    "no longer matches (advisory withdrawn, package gone or mapping changed)"));
    ++report.removed;
  }
  return ok_status();
}

}  // namespace

Status mark_triage_pending(Database& db, const std::string& reason) {
  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("INSERT INTO triage_pending(id, since, reason) VALUES (1, ?, ?) "
                                               "ON CONFLICT(id) DO NOTHING"));
  q.bind(1, now_utc()).bind(2, reason);
  return q.run();
}

Result<std::optional<std::string>> triage_staleness(Database& db) {
  LTS_ASSIGN_OR_RETURN(Statement p, db.prepare("SELECT since, reason FROM triage_pending"));
  LTS_ASSIGN_OR_RETURN(bool pending, p.step());
  if (pending) return std::optional<std::string>(p.text(1) + " (since " + p.text(0) + ")");
  std::map<std::string, std::string> basis;
  LTS_ASSIGN_OR_RETURN(Statement b, db.prepare("SELECT channel, head_commit FROM triage_basis"));
  LTS_RETURN_IF_ERROR(b.each_row([&] { basis[b.text(0)] = b.text(1); }));
  LTS_ASSIGN_OR_RETURN(auto heads, channel_heads(db));
  for (const auto& h : heads) {
    if (!h.snapshot) continue;  // nothing to judge until it is tracked
    auto it = basis.find(h.channel);
    if (it == basis.end()) return std::optional<std::string>("channel " + h.channel + " was never judged");
    if (it->second != h.snapshot->commit)
      return std::optional<std::string>("channel " + h.channel + " moved to " + h.snapshot->commit.substr(0, 12) +
                                        " since it was judged at " + it->second.substr(0, 12));
  }
  return std::optional<std::string>();
}

Result<TriageRefreshReport> refresh_triage(Workspace& ws, git::Repository& repo, Progress& progress) {
  TriageRefreshReport report;
  LTS_ASSIGN_OR_RETURN(auto heads, channel_heads(ws.db()));
  LTS_ASSIGN_OR_RETURN(PackageMap map, load_package_map(ws.config().policies_dir / "package-map.toml"));
  LTS_ASSIGN_OR_RETURN(auto aliases, load_aliases(ws.db()));
  progress.begin("matching", heads.size());
  size_t i = 0;
  for (const auto& h : heads) {
    progress.update(++i, h.channel);
    if (!h.snapshot) {
      ++report.untracked_channels;
      report.outcome.warn("channel " + h.channel, "no tracked snapshot of its head yet", "ltskit track " + h.channel);
      continue;
    }
    // Read and evaluate first (Nix runs with no transaction open), then
    // write the channel's triage in one short transaction.
    Matches m;
    auto fail = [&](Error e) {
      return std::move(e).add_context("while matching advisories to channel '" + h.channel + "'");
    };
    if (Status s = match_channel(ws.db(), *h.snapshot, map, m); !s.ok()) return fail(std::move(s).error());
    std::set<std::string> attrs;
    for (const auto& [key, c] : m.cands)
      for (const Pkg* p : m.by_pname[c.pname]) attrs.insert(p->attr);
    auto patches = package_patches(ws, repo, *h.snapshot, attrs);
    if (!patches.ok()) return fail(std::move(patches).error());
    auto backports = branch_backports(repo, h.snapshot->commit, h.cut_commit);
    if (!backports.ok()) return fail(std::move(backports).error());
    Status s = ws.db().transaction([&]() -> Status {
      LTS_RETURN_IF_ERROR(write_channel_triage(ws.db(), h.channel, m, *patches, aliases, *backports, report));
      LTS_ASSIGN_OR_RETURN(Statement basis, ws.db().prepare("INSERT INTO triage_basis(channel, head_commit, judged_at) "
                                                            "VALUES (?, ?, ?) ON CONFLICT(channel) DO UPDATE SET "
                                                            "head_commit = excluded.head_commit, "
                                                            "judged_at = excluded.judged_at"));
      basis.bind(1, h.channel).bind(2, h.snapshot->commit).bind(3, now_utc());
      return basis.run();
    });
    if (!s.ok()) return fail(std::move(s).error());
    crash_point("triage.channel");
    ++report.channels;
  }
  progress.end();
  // Every channel has been judged against every advisory: triage matches the
  // stored state again.
  LTS_RETURN_IF_ERROR(ws.db().exec("DELETE FROM triage_pending"));
  return report;
}

Result<std::vector<TriageRow>> list_triage(Database& db, const TriageFilter& f) {
  std::vector<TriageRow> out;
  LTS_ASSIGN_OR_RETURN(auto aliases, load_aliases(db));
  LTS_ASSIGN_OR_RETURN(
      Statement q,
      db.prepare("SELECT t.channel, t.advisory_id, t.pname, t.attr, t.version, t.state, t.justification, t.auto_state, "
                 "t.auto_justification, t.auto_reason, t.match_reason, t.human, t.decided_by, t.decided_at, "
                 "t.decision_reason, "
                 "t.updated_at, a.severity, a.score, a.summary FROM triage t JOIN advisories a ON a.id = t.advisory_id "
                 "WHERE (?1 IS NULL OR t.channel = ?1) AND (?2 IS NULL OR t.state = ?2) AND (?3 IS NULL OR "
                 "t.advisory_id = ?3) "
                 "ORDER BY t.channel, t.advisory_id, t.pname, t.attr"));
  q.bind(1, f.channel).bind(2, column(f.state)).bind(3, f.advisory);
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    TriageRow r;
    r.channel = q.text(0);
    r.advisory = q.text(1);
    r.pname = q.text(2);
    r.attr = q.text(3);
    r.version = q.text(4);
    r.state = state_of(q.text(5));
    r.justification = justification_of(q.opt_text(6));
    r.auto_state = state_of(q.text(7));
    r.auto_justification = justification_of(q.opt_text(8));
    r.auto_reason = q.text(9);
    r.match_reason = q.text(10);
    r.human = q.integer(11) != 0;
    r.decided_by = q.opt_text(12);
    r.decided_at = q.opt_text(13);
    r.decision_reason = q.opt_text(14);
    r.updated_at = q.text(15);
    r.severity = q.text(16);
    r.score = q.is_null(17) ? -1 : q.real(17);
    r.summary = q.text(18);
    auto al = aliases.find(r.advisory);
    if (al != aliases.end()) r.aliases = al->second;
    out.push_back(std::move(r));
  }));
  return out;
}

Result<std::vector<TriageHistoryEntry>> triage_history(Database& db, const std::string& channel,
                                                       const std::string& advisory, const std::string& pname) {
  std::vector<TriageHistoryEntry> out;
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare("SELECT old_state, new_state, justification, by, at, reason FROM triage_history "
                                  "WHERE channel = ?1 AND advisory_id = ?2 AND (pname = ?3 OR attr = ?3) ORDER BY id"));
  q.bind(1, channel).bind(2, advisory).bind(3, pname);
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    out.push_back({opt_state_of(q.opt_text(0)), opt_state_of(q.opt_text(1)), justification_of(q.opt_text(2)), q.text(3),
                   q.text(4), q.text(5)});
  }));
  return out;
}

Result<std::vector<OpenCount>> open_advisories_over_time(Database& db, const std::string& channel) {
  std::vector<OpenCount> out;
  std::map<std::string, std::set<std::string>> open;  // advisory -> its open packages
  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT advisory_id, COALESCE(attr, pname), new_state, at "
                                               "FROM triage_history WHERE channel = ?1 ORDER BY id"));
  q.bind(1, channel);
  LTS_RETURN_IF_ERROR(q.each_row([&] {
    std::string advisory = q.text(0), package = q.text(1), at = q.text(3);
    auto state = opt_state_of(q.opt_text(2));
    bool is_open = state && (*state == TriageState::kAffected || *state == TriageState::kUnderInvestigation);
    if (is_open) open[advisory].insert(package);
    else if (auto it = open.find(advisory); it != open.end()) {
      it->second.erase(package);
      if (it->second.empty()) open.erase(it);
    }
    if (out.empty() || out.back().at != at) out.push_back({at, 0});
    out.back().open = open.size();
  }));
  return out;
}

Result<std::vector<TriageRow>> set_triage(Workspace& ws, const TriageDecision& d) {
  Database& db = ws.db();
  if (d.state == TriageState::kNotAffected && !d.justification)
    return usage_error("not_affected needs --justification (" + vex_justification_names() + ")");
  if (d.justification && d.state != TriageState::kNotAffected)
    return usage_error("--justification only goes with not_affected");
  if (d.reason.empty()) return usage_error("--reason must not be empty");
  LTS_ASSIGN_OR_RETURN(auto adv, get_advisory(db, d.advisory));
  std::string id = adv.summary.id;
  LTS_ASSIGN_OR_RETURN(auto heads, channel_heads(db));
  auto head = std::find_if(heads.begin(), heads.end(), [&](const ChannelHead& h) { return h.channel == d.channel; });
  if (head == heads.end()) return not_found("no channel '" + d.channel + "'");
  auto names = [&](const std::string& attr, const std::string& pname) { return attr == d.pname || pname == d.pname; };
  LTS_ASSIGN_OR_RETURN(auto existing, list_triage(db, {d.channel, std::nullopt, id}));
  std::vector<TriageRow> rows;
  for (auto& r : existing)
    if (names(r.attr, r.pname)) rows.push_back(std::move(r));
  std::vector<Pkg> added;  // packages of the head that get a row by hand
  if (rows.empty()) {
    if (!head->snapshot)
      return conflict("channel '" + d.channel + "' has no tracked snapshot; run 'ltskit track' first");
    LTS_ASSIGN_OR_RETURN(auto pkgs, snapshot_packages(db, head->snapshot->id));
    for (auto& p : pkgs)
      if (names(p.attr, p.pname)) added.push_back(std::move(p));
    if (added.empty()) return not_found("channel '" + d.channel + "' has no package '" + d.pname + "' at its head");
  }
  std::string now = now_utc();
  LTS_RETURN_IF_ERROR(db.transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(
        Statement ins,
        db.prepare("INSERT INTO triage(channel, advisory_id, pname, attr, version, state, justification, auto_state, "
                   "auto_reason, match_reason, human, decided_by, decided_at, decision_reason, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, 'under_investigation', 'not matched automatically', 'added by "
                   "hand', 1, ?, ?, ?, ?)"));
    for (const Pkg& p : added) {
      ins.bind(1, d.channel)
          .bind(2, id)
          .bind(3, p.pname)
          .bind(4, p.attr)
          .bind(5, p.version)
          .bind(6, triage_state_name(d.state))
          .bind(7, column(d.justification))
          .bind(8, d.who)
          .bind(9, now)
          .bind(10, d.reason)
          .bind(11, now);
      LTS_RETURN_IF_ERROR(ins.run());
      LTS_RETURN_IF_ERROR(
          add_history(db, d.channel, id, p.pname, p.attr, std::nullopt, d.state, d.justification, d.who, d.reason));
    }
    LTS_ASSIGN_OR_RETURN(
        Statement up,
        db.prepare("UPDATE triage SET state = ?, justification = ?, human = 1, decided_by = ?, decided_at = ?, "
                   "decision_reason = ?, updated_at = ? WHERE channel = ? AND advisory_id = ? AND attr = ?"));
    for (const TriageRow& r : rows) {
      up.bind(1, triage_state_name(d.state))
          .bind(2, column(d.justification))
          .bind(3, d.who)
          .bind(4, now)
          .bind(5, d.reason)
          .bind(6, now)
          .bind(7, d.channel)
          .bind(8, id)
          .bind(9, r.attr);
      LTS_RETURN_IF_ERROR(up.run());
      LTS_RETURN_IF_ERROR(
          add_history(db, d.channel, id, r.pname, r.attr, r.state, d.state, d.justification, d.who, d.reason));
    }
    return record_event(db, ws.command(), "triage.set", d.channel + "/" + id + "/" + d.pname,
                        std::string(triage_state_name(d.state)) + ": " + d.reason);
  }));
  LTS_ASSIGN_OR_RETURN(auto after, list_triage(db, {d.channel, std::nullopt, id}));
  std::vector<TriageRow> out;
  for (auto& r : after)
    if (names(r.attr, r.pname)) out.push_back(std::move(r));
  return out;
}

}  // namespace ltskit::advisories
