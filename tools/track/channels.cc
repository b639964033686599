#include "tools/track/channels.h"

#include <algorithm>

#include "tools/core/events.h"
#include "tools/core/fs.h"
#include "tools/track/ancestry.h"

namespace ltskit {
namespace fs = std::filesystem;

const char* channel_status_name(ChannelStatus status) { return status == ChannelStatus::kEol ? "eol" : "active"; }

namespace {

// The table's CHECK constraint allows only the two names.
ChannelStatus parse_status(const std::string& s) { return s == "eol" ? ChannelStatus::kEol : ChannelStatus::kActive; }

// Resolves a channel's `from`/`cut` against its upstream.
Result<std::string> resolve_cut(git::Repository& repo, const std::string& from, const std::string& upstream) {
  if (looks_like_date(from)) {
    LTS_ASSIGN_OR_RETURN(int64_t day, parse_date(from));
    auto c = repo.last_commit_at_or_before(upstream, day + 86399);
    if (!c.ok())
      return std::move(c).error().add_context("while finding the last commit of '" + upstream + "' on or before " +
                                              from);
    return *c;
  }
  return repo.resolve_commit(from);
}

Result<std::optional<ChannelState>> load_row(Database& db, const std::string& name) {
  LTS_ASSIGN_OR_RETURN(Statement q,
                       db.prepare("SELECT cut_commit, status, eol_at, created_at FROM channels WHERE name = ?"));
  q.bind(1, name);
  LTS_ASSIGN_OR_RETURN(bool row, q.step());
  if (!row) return std::optional<ChannelState>();
  ChannelState st;
  st.cut_commit = q.text(0);
  st.status = parse_status(q.text(1));
  st.eol_at = q.opt_text(2);
  st.created_at = q.text(3);
  return std::optional<ChannelState>(std::move(st));
}

Status insert_row(Database& db, const ChannelConfig& c, const std::string& cut_commit) {
  LTS_ASSIGN_OR_RETURN(
      Statement ins,
      db.prepare("INSERT INTO channels(name, branch, upstream, cut_commit, support_until, policy, status, created_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, 'active', ?)"));
  ins.bind(1, c.name)
      .bind(2, c.branch)
      .bind(3, c.upstream)
      .bind(4, cut_commit)
      .bind(5, c.support_until)
      .bind(6, c.policy)
      .bind(7, now_utc());
  return ins.run();
}

// Joins a TOML definition with its database row, registering it if new.
Result<ChannelState> materialize(Workspace& ws, git::Repository& repo, ChannelConfig config) {
  // The file decides, with the same checks as `channel create`: its cut
  // (`cut_commit` when given, else `cut` resolved) must be on the upstream.
  auto where = [&](const std::string& key) {
    return "while reading channel '" + config.name + "' from '" + config.file.string() + "' (key '" + key + "')";
  };
  auto resolved = resolve_cut(repo, config.cut_commit.value_or(config.cut), config.upstream);
  if (!resolved.ok()) return std::move(resolved).error().add_context(where(config.cut_commit ? "cut_commit" : "cut"));
  std::string cut = *resolved;
  LTS_ASSIGN_OR_RETURN(auto upstream_head, repo.branch_target(config.upstream));
  if (!upstream_head)
    return not_found("upstream branch '" + config.upstream + "' not found in '" + repo.path().string() + "'")
        .add_context(where("upstream"));
  LTS_ASSIGN_OR_RETURN(bool on_upstream, is_ancestor_remembered(ws, repo, cut, *upstream_head));
  if (!on_upstream)
    return invalid("cut commit " + cut.substr(0, 12) + " is not on upstream branch '" + config.upstream + "'")
        .add_context(where("cut"));

  // Its policy is read (and checked) on every load too, not only at create.
  if (auto p = load_named_policy(ws.config().policies_dir, config.policy); !p.ok())
    return std::move(p).error().add_context(where("policy"));

  LTS_ASSIGN_OR_RETURN(auto row, load_row(ws.db(), config.name));
  ChannelState st;
  if (row) st = std::move(*row);
  bool recut = row && st.cut_commit != cut;
  st.cut_commit = cut;
  if (row && ws.writable()) {
    // Keep the row in step with hand edits of the file.
    LTS_RETURN_IF_ERROR(ws.db().transaction([&]() -> Status {
      LTS_ASSIGN_OR_RETURN(Statement up, ws.db().prepare("UPDATE channels SET branch = ?, upstream = ?, support_until "
                                                         "= ?, policy = ?, cut_commit = ? WHERE name = ?"));
      up.bind(1, config.branch)
          .bind(2, config.upstream)
          .bind(3, config.support_until)
          .bind(4, config.policy)
          .bind(5, cut)
          .bind(6, config.name);
      LTS_RETURN_IF_ERROR(up.run());
      if (!recut) return ok_status();
      return record_event(
          ws.db(), ws.command(), "channel.recut", config.name,
          "cut " + row->cut_commit.substr(0, 12) + " -> " + cut.substr(0, 12) + " from file " + config.file.string());
    }));
  } else if (!row && ws.writable()) {
    LTS_RETURN_IF_ERROR(ws.db().transaction([&]() -> Status {
      LTS_RETURN_IF_ERROR(insert_row(ws.db(), config, cut));
      return record_event(ws.db(), ws.command(), "channel.register", config.name, "from file " + config.file.string());
    }));
    st.created_at = now_utc();
  }
  LTS_ASSIGN_OR_RETURN(st.branch_head, repo.branch_target(config.branch));
  st.config = std::move(config);
  return st;
}

}  // namespace

Result<ChannelState> create_channel(Workspace& ws, git::Repository& repo, const CreateChannelOptions& o) {
  LTS_RETURN_IF_ERROR(validate_channel_name(o.name));
  LTS_RETURN_IF_ERROR(validate_branch_name("--branch", o.branch));
  if (o.support_until) {
    auto d = parse_date(*o.support_until);
    if (!d.ok()) return usage_error("--support-until: " + d.error().message());
  }
  const WorkspaceConfig& cfg = ws.config();
  fs::path file = cfg.channels_dir / (o.name + ".toml");
  std::error_code ec;
  if (fs::exists(file, ec)) return conflict("channel '" + o.name + "' already exists ('" + file.string() + "')");
  // A row without its file is what an interrupted create leaves (the file
  // is written last): it is taken over, not refused.
  LTS_ASSIGN_OR_RETURN(auto leftover, load_row(ws.db(), o.name));
  LTS_ASSIGN_OR_RETURN(auto existing, load_channel_configs(cfg.channels_dir));
  for (const auto& c : existing)
    if (c.branch == o.branch) return conflict("branch '" + o.branch + "' already belongs to channel '" + c.name + "'");
  LTS_RETURN_IF_ERROR(load_named_policy(cfg.policies_dir, o.policy));

  ChannelConfig c;
  c.file = file;
  c.name = o.name;
  c.branch = o.branch;
  c.upstream = o.upstream.value_or(cfg.upstream);
  LTS_RETURN_IF_ERROR(validate_branch_name("--upstream", c.upstream));
  if (c.branch == c.upstream)
    return usage_error("--branch '" + c.branch + "' is the upstream itself; a channel needs a branch of its own");
  c.support_until = o.support_until;
  c.policy = o.policy;
  c.publish = o.publish;
  LTS_ASSIGN_OR_RETURN(auto upstream_head, repo.branch_target(c.upstream));
  if (!upstream_head)
    return not_found("upstream branch '" + c.upstream + "' not found in '" + repo.path().string() + "'");
  LTS_ASSIGN_OR_RETURN(std::string cut, resolve_cut(repo, o.from, c.upstream));
  LTS_ASSIGN_OR_RETURN(bool on_upstream, repo.is_ancestor(cut, *upstream_head));
  if (!on_upstream)
    return usage_error("cut commit " + cut.substr(0, 12) + " is not on upstream branch '" + c.upstream + "'");
  c.cut = looks_like_date(o.from) ? o.from : cut;
  if (looks_like_date(o.from)) c.cut_commit = cut;

  LTS_ASSIGN_OR_RETURN(auto branch_head, repo.branch_target(c.branch));
  bool create_branch = !branch_head;
  if (branch_head) {
    LTS_ASSIGN_OR_RETURN(bool contains, repo.is_ancestor(cut, *branch_head));
    if (!contains)
      return conflict("branch '" + c.branch + "' exists but does not contain the cut commit " + cut.substr(0, 12) +
                      "; choose another --branch or --from");
  }

  // The branch, then the row, then the file: channels/NAME.toml is what makes
  // the channel exist, so a create killed at any point leaves nothing that
  // counts, and running it again completes it (an existing branch with the
  // cut is adopted; a row without its file is replaced).
  LTS_RETURN_IF_ERROR(make_dirs(cfg.channels_dir));
  if (create_branch) LTS_RETURN_IF_ERROR(repo.create_branch(c.branch, cut));
  Status s = ws.db().transaction([&]() -> Status {
    if (leftover) {
      LTS_ASSIGN_OR_RETURN(Statement del, ws.db().prepare("DELETE FROM channels WHERE name = ?"));
      del.bind(1, c.name);
      LTS_RETURN_IF_ERROR(del.run());
    }
    LTS_RETURN_IF_ERROR(insert_row(ws.db(), c, cut));
    LTS_RETURN_IF_ERROR(
        record_event(ws.db(), ws.command(), "channel.create", c.name,
                     "branch=" + c.branch + " cut=" + cut + (leftover ? " (completing an interrupted create)" : "")));
    return atomic_write_file(file, render_channel_config(c));
  });
  if (!s.ok()) {
    fs::remove(file, ec);
    if (create_branch) (void)repo.delete_branch(c.branch);
    return s.error();
  }
  return get_channel(ws, repo, o.name);
}

Result<std::vector<ChannelState>> list_channels(Workspace& ws, git::Repository& repo) {
  LTS_ASSIGN_OR_RETURN(auto configs, load_channel_configs(ws.config().channels_dir));
  std::vector<ChannelState> out;
  for (auto& c : configs) {
    LTS_ASSIGN_OR_RETURN(ChannelState st, materialize(ws, repo, std::move(c)));
    out.push_back(std::move(st));
  }
  std::sort(out.begin(), out.end(),
            [](const ChannelState& a, const ChannelState& b) { return a.config.name < b.config.name; });
  return out;
}

Result<ChannelState> get_channel(Workspace& ws, git::Repository& repo, const std::string& name) {
  LTS_RETURN_IF_ERROR(validate_channel_name(name));
  fs::path file = ws.config().channels_dir / (name + ".toml");
  std::error_code ec;
  if (!fs::exists(file, ec)) return not_found("no channel '" + name + "' (no '" + file.string() + "')");
  LTS_ASSIGN_OR_RETURN(ChannelConfig c, load_channel_config(file));
  return materialize(ws, repo, std::move(c));
}

Result<ChannelState> eol_channel(Workspace& ws, git::Repository& repo, const std::string& name) {
  LTS_ASSIGN_OR_RETURN(ChannelState st, get_channel(ws, repo, name));
  if (st.status == ChannelStatus::kEol)
    return conflict("channel '" + name + "' is already end-of-life (since " + st.eol_at.value_or("?") + ")");
  std::string when = now_utc();
  LTS_RETURN_IF_ERROR(ws.db().transaction([&]() -> Status {
    LTS_ASSIGN_OR_RETURN(Statement up,
                         ws.db().prepare("UPDATE channels SET status = 'eol', eol_at = ? WHERE name = ?"));
    up.bind(1, when).bind(2, name);
    LTS_RETURN_IF_ERROR(up.run());
    return record_event(ws.db(), ws.command(), "channel.eol", name, "");
  }));
  st.status = ChannelStatus::kEol;
  st.eol_at = when;
  return st;
}

Status require_active(const ChannelState& channel, const std::string& what) {
  if (channel.status != ChannelStatus::kEol) return ok_status();
  return conflict("channel '" + channel.config.name + "' reached end of life on " + channel.eol_at.value_or("?") +
                  "; it takes no more " + what);
}

Result<std::vector<ChannelRecord>> channel_records(Database& db) {
  std::vector<ChannelRecord> out;
  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT name, branch, upstream, status FROM channels ORDER BY name"));
  LTS_RETURN_IF_ERROR(q.each_row([&] { out.push_back({q.text(0), q.text(1), q.text(2), parse_status(q.text(3))}); }));
  return out;
}

Status require_tracked_head(Database& db, git::Repository& repo, const std::string& channel) {
  LTS_RETURN_IF_ERROR(require_registered_channel(db, channel));
  LTS_ASSIGN_OR_RETURN(Statement q, db.prepare("SELECT c.branch, t.head FROM channels c "
                                               "LEFT JOIN tracked_branches t ON t.branch = c.branch WHERE c.name = ?"));
  q.bind(1, channel);
  LTS_ASSIGN_OR_RETURN(bool row, q.step());
  if (!row) return not_found("no channel '" + channel + "'");
  std::string branch = q.text(0);
  if (q.is_null(1)) return conflict("channel '" + channel + "' was never tracked; run 'ltskit track " + channel + "'");
  std::string tracked = q.text(1);
  LTS_ASSIGN_OR_RETURN(auto now, repo.branch_target(branch));
  if (!now)
    return conflict("branch '" + branch + "' of channel '" + channel + "' no longer exists (it was at " +
                    tracked.substr(0, 12) + " when tracked)");
  if (*now != tracked)
    return conflict("branch '" + branch + "' of channel '" + channel + "' moved from " + tracked.substr(0, 12) +
                    " to " + now->substr(0, 12) + " since it was tracked; run 'ltskit track " + channel + "'");
  return ok_status();
}

Status require_registered_channel(Database& db, const std::string& name) {
  LTS_RETURN_IF_ERROR(validate_channel_name(name));
  LTS_ASSIGN_OR_RETURN(auto row, load_row(db, name));
  if (!row) return not_found("no channel '" + name + "'");
  return ok_status();
}

}  // namespace ltskit
