// ltskit vercmp A B | ltskit vercmp --stdin
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>

#include "tools/cli/command.h"
#include "tools/core/version.h"

namespace ltskit::cli {
namespace {

// Reads "A B" pairs line by line and writes one result per line. Buffered in
// large blocks: millions of pairs take well under a second.
Status compare_stdin() {
  std::vector<char> in(1 << 20);
  std::string out;
  out.reserve(1 << 20);
  std::string carry;
  size_t line_no = 0;
  auto handle = [&](std::string_view line) -> Status {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t a0 = 0;
    while (a0 < line.size() && (line[a0] == ' ' || line[a0] == '\t')) ++a0;
    size_t a1 = a0;
    while (a1 < line.size() && line[a1] != ' ' && line[a1] != '\t') ++a1;
    size_t b0 = a1;
    while (b0 < line.size() && (line[b0] == ' ' || line[b0] == '\t')) ++b0;
    size_t b1 = b0;
    while (b1 < line.size() && line[b1] != ' ' && line[b1] != '\t') ++b1;
    size_t rest = b1;
    while (rest < line.size() && (line[rest] == ' ' || line[rest] == '\t')) ++rest;
    if (a0 == line.size() && line_no) {
      // A blank line: an empty answer keeps the lines aligned.
      out += "\n";
      return ok_status();
    }
    if (b0 == b1 || rest != line.size())
      return usage_error("stdin line " + std::to_string(line_no) + ": expected two versions 'A B'");
    int c = compare_versions(line.substr(a0, a1 - a0), line.substr(b0, b1 - b0));
    out += c < 0 ? "-1\n" : c > 0 ? "1\n" : "0\n";
    return ok_status();
  };
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, in.data(), in.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("cannot read stdin", errno);
    }
    if (n == 0) break;
    std::string_view chunk(in.data(), static_cast<size_t>(n));
    size_t start = 0;
    while (true) {
      size_t nl = chunk.find('\n', start);
      if (nl == std::string_view::npos) {
        carry.append(chunk.substr(start));
        break;
      }
      if (!carry.empty()) {
        carry.append(chunk.substr(start, nl - start));
        LTS_RETURN_IF_ERROR(handle(carry));
        carry.clear();
      } else {
        LTS_RETURN_IF_ERROR(handle(chunk.substr(start, nl - start)));
      }
      start = nl + 1;
    }
    if (out.size() > (1 << 19)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  if (!carry.empty()) LTS_RETURN_IF_ERROR(handle(carry));
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return ok_status();
}

}  // namespace

void define_vercmp(CLI::App& app, CommandContext& ctx) {
  struct Opts {
    std::vector<std::string> versions;
    bool stdin_pairs = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("vercmp", "Compare versions like builtins.compareVersions");
  cmd->add_option("versions", o->versions, "Two versions A B");
  cmd->add_flag("--stdin", o->stdin_pairs, "Read 'A B' pairs, one per line, from stdin");
  attach_help(*cmd, "vercmp");
  cmd->callback([&ctx, o]() {
    ctx.action = [o]() -> Status {
      if (o->stdin_pairs) {
        if (!o->versions.empty()) return usage_error("vercmp: give either --stdin or two versions, not both");
        return compare_stdin();
      }
      if (o->versions.size() != 2) return usage_error("vercmp: expected two versions A B");
      int c = compare_versions(o->versions[0], o->versions[1]);
      std::cout << (c < 0 ? -1 : c > 0 ? 1 : 0) << "\n";
      return ok_status();
    };
  });
}

}  // namespace ltskit::cli
