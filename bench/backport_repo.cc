// Writes, on stdout, a `git fast-import` stream of a deterministic repository
// for the backport benchmark, and on stderr the picks to make.
//
//   main:   COMMITS commits over 500 packages (pkgs/pN/src.c, 16 lines each,
//           and pkgs/pN/default.nix); each edits one line of one file; every
//           2000th moves a package to pkgs/moved/pN (renames); every 5000th
//           names an advisory "CVE-2031-<n>" in its message.
//   lts/a, lts/b, lts/c: cut at 60%, 80% and 90% of main; after its cut each
//           gets a commit of its own every 50 main commits, editing the
//           line a later picked main commit edits, so that it conflicts.
// Picks (stderr, "BRANCH COMMIT-MARK" per line, in the order to apply them):
// main commits after each cut, every 80th (lts/a), 40th (lts/b), 20th (lts/c),
// interleaved by main order.
//
// Usage: backport_repo COMMITS > stream 2> picks
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr int kPackages = 500;
constexpr int kLines = 16;

struct Tree {
  std::map<int, std::string> dir;                 // package -> its folder
  std::map<int, std::vector<std::string>> lines;  // package -> src.c lines
};

std::string src_of(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

void data(const std::string& s) {
  std::printf("data %zu\n", s.size());
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::printf("\n");
}

int mark = 0;
long long clock_time = 1767225600;  // 2026-01-01

int commit(const std::string& ref, const std::string& message, int from, const std::string& changes) {
  ++mark;
  clock_time += 60;
  std::printf("commit %s\nmark :%d\n", ref.c_str(), mark);
  std::printf("author Dev %d <dev%d@example.org> %lld +0000\n", mark % 17, mark % 17, clock_time);
  std::printf("committer Dev %d <dev%d@example.org> %lld +0000\n", mark % 17, mark % 17, clock_time);
  data(message);
  if (from > 0) std::printf("from :%d\n", from);
  std::fwrite(changes.data(), 1, changes.size(), stdout);
  std::printf("\n");
  return mark;
}

std::string modify(const std::string& path, const std::string& content) {
  return "M 100644 inline " + path + "\ndata " + std::to_string(content.size()) + "\n" + content + "\n";
}

}  // namespace

int main(int argc, char** argv) {
  int commits = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (commits < 1000) {
    std::fprintf(stderr, "usage: backport_repo COMMITS (>= 1000)\n");
    return 2;
  }
  Tree main_tree;
  std::string changes;
  for (int p = 0; p < kPackages; ++p) {
    main_tree.dir[p] = "pkgs/p" + std::to_string(p);
    for (int l = 0; l < kLines; ++l)
      main_tree.lines[p].push_back("int p" + std::to_string(p) + "_" + std::to_string(l) + " = 0;");
    changes += modify(main_tree.dir[p] + "/src.c", src_of(main_tree.lines[p]));
    changes += modify(main_tree.dir[p] + "/default.nix",
                      "{ mk }: mk { pname = \"p" + std::to_string(p) + "\"; version = \"1.0.0\"; }\n");
  }
  int main_tip = commit("refs/heads/main", "initial package set\n", 0, changes);

  struct Lts {
    std::string ref;
    int cut_at;  // main commit index
    int every;   // pick every Nth main commit after the cut
    int tip = 0;
    Tree tree;
  };
  std::vector<Lts> lts = {{"refs/heads/lts/a", commits * 6 / 10, 80},
                          {"refs/heads/lts/b", commits * 8 / 10, 40},
                          {"refs/heads/lts/c", commits * 9 / 10, 20}};
  for (int i = 1; i < commits; ++i) {
    int p = static_cast<int>((static_cast<long long>(i) * 7919) % kPackages);
    int l = (i * 31) % kLines;
    std::string message =
        "p" + std::to_string(p) + ": update line " + std::to_string(l) + " (#" + std::to_string(i) + ")";
    if (i % 5000 == 0) message += "\n\nFixes CVE-2031-" + std::to_string(i) + ".";
    message += "\n";
    if (i % 2000 == 0 && main_tree.dir[p].find("moved") == std::string::npos) {
      std::string to = "pkgs/moved/p" + std::to_string(p);
      changes = "R " + main_tree.dir[p] + " " + to + "\n";
      main_tree.dir[p] = to;
      main_tip = commit("refs/heads/main", "p" + std::to_string(p) + ": move to pkgs/moved\n", main_tip, changes);
      continue;
    }
    main_tree.lines[p][l] = "int p" + std::to_string(p) + "_" + std::to_string(l) + " = " + std::to_string(i) + ";";
    main_tip =
        commit("refs/heads/main", message, main_tip, modify(main_tree.dir[p] + "/src.c", src_of(main_tree.lines[p])));
    for (auto& b : lts) {
      if (i == b.cut_at) {
        b.tip = main_tip;
        b.tree = main_tree;
        std::printf("reset %s\nfrom :%d\n\n", b.ref.c_str(), main_tip);
      } else if (i > b.cut_at) {
        if (i % b.every == 0) std::fprintf(stderr, "%s %d\n", b.ref.c_str() + 11, main_tip);
        if (i % 50 == 0) {
          // The branch's own change, to the line main commit i+20 edits
          // (picked onto lts/c, and onto the others when their step divides
          // it): that pick conflicts.
          int q = static_cast<int>((static_cast<long long>(i + 20) * 7919) % kPackages);
          int m = ((i + 20) * 31) % kLines;
          b.tree.lines[q][m] = "int p" + std::to_string(q) + "_" + std::to_string(m) + " = -" + std::to_string(i) + ";";
          b.tip = commit(b.ref, "lts: local change to p" + std::to_string(q) + "\n", b.tip,
                         modify(b.tree.dir[q] + "/src.c", src_of(b.tree.lines[q])));
        }
      }
    }
  }
  return 0;
}
