// The backport pick engine alone, as `ltskit backport apply` runs it (one
// in-memory cherry-pick, the commit with git's -x message, a compare-and-swap
// ref move), over a list of picks. Prints one line per pick on OUT:
// "BRANCH COMMIT clean TREE" or "BRANCH COMMIT conflict -", and the median and
// mean time per pick on stdout.
//
// Usage: pick_bench REPO PICKS OUT   (PICKS: "BRANCH COMMIT" per line)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "tools/git/repository.h"

int main(int argc, char** argv) {
  using namespace ltskit;
  if (argc != 4) {
    std::cerr << "usage: pick_bench REPO PICKS OUT\n";
    return 2;
  }
  auto repo = git::Repository::open(argv[1]);
  if (!repo.ok()) {
    std::cerr << repo.error().describe() << "\n";
    return 1;
  }
  std::ifstream in(argv[2]);
  std::ofstream out(argv[3]);
  std::string branch, commit;
  std::map<std::string, std::string> heads;
  std::vector<double> ms;
  git::Signature committer{"LTS Bench", "lts@example.org", 1800000000, 0};
  while (in >> branch >> commit) {
    auto t0 = std::chrono::steady_clock::now();
    if (!heads.count(branch)) {
      auto h = repo->branch_target(branch);
      if (!h.ok() || !*h) {
        std::cerr << "no branch " << branch << "\n";
        return 1;
      }
      heads[branch] = **h;
    }
    std::string& head = heads[branch];
    auto pick = repo->cherry_pick(commit, head);
    if (!pick.ok()) {
      std::cerr << pick.error().describe() << "\n";
      return 1;
    }
    std::string line = branch + " " + commit;
    if (pick->tree_id) {
      auto info = repo->commit(commit);
      auto author = repo->author(commit);
      if (!info.ok() || !author.ok()) return 1;
      auto made = repo->create_commit(*pick->tree_id, {head}, *author, committer,
                                      git::cherry_pick_message(info->message, commit) + "Advisory: BENCH\n");
      if (!made.ok()) {
        std::cerr << made.error().describe() << "\n";
        return 1;
      }
      Status moved = repo->update_branch(branch, *made, head, "bench");
      if (!moved.ok()) {
        std::cerr << moved.error().describe() << "\n";
        return 1;
      }
      head = *made;
      line += " clean " + *pick->tree_id;
    } else {
      line += " conflict -";
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    out << line << "\n";
  }
  if (ms.empty()) return 1;
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  std::printf("%zu %.3f %.3f\n", ms.size(), sorted[sorted.size() / 2],
              std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size()));
  return 0;
}
