// Writes, on stdout, a `git fast-import` stream of a deterministic package
// set shaped like nixpkgs, for bench/track_scale.sh:
//
//   default.nix          every folder of pkgs/ and by-name/ is a package
//   pkgs/pN/             2,000 packages: default.nix (a derivation whose
//                        version is its own) and 9 more files (patches,
//                        tests, data)
//   doc/, lib/, maintainers/   20,000 other files in folders of 100
//
// 40,003 files in the first commit, then COMMITS commits of churn (default
// 100), each a mix of what nixpkgs sees: 1 to 3 version bumps (a patch file
// added with some), a package moved from pkgs/ to by-name/ (every 4th), a
// new package (every 6th), documentation edits (every 3rd), a file renamed
// (every 10th) and a tree-wide edit of 200 files (every 25th).
//
// Usage: scale_repo [COMMITS] > stream
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int kPackages = 2000;
constexpr int kExtras = 9;
constexpr int kOtherFolders = 200;
constexpr int kPerFolder = 100;

std::mt19937 rng(20261202);  // mt19937's sequence is fixed by the standard
unsigned pick(unsigned n) { return static_cast<unsigned>(rng() % n); }

// Text of 200 to 4,000 bytes, as source and documentation files are.
std::string text(const std::string& seed) {
  static const char* words[] = {"package", "version", "build", "the",   "nix",    "derivation", "patch",
                                "fix",     "test",    "lib",   "input", "output", "system",     "source"};
  std::string out = "# " + seed + "\n";
  size_t size = 200 + pick(3800);
  while (out.size() < size) {
    out += words[pick(14)];
    out += pick(9) ? ' ' : '\n';
  }
  return out + "\n";
}

struct Package {
  std::string name;
  std::string dir;  // pkgs/NAME or by-name/NAME
  int major = 1, minor = 0, patch = 0;
  int patches = 0;
  std::string version() const {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  }
  std::string nix() const {
    return "{ system }:\nderivation {\n  name = \"" + name + "-" + version() + "\";\n  pname = \"" + name +
           "\";\n  version = \"" + version() +
           "\";\n  inherit system;\n  builder = \"/bin/sh\";\n  args = [ \"-c\" \"echo " + version() +
           " > $out\" ];\n  patchCount = \"" + std::to_string(patches) + "\";\n}\n";
  }
};

std::string modify(const std::string& path, const std::string& content) {
  return "M 100644 inline " + path + "\ndata " + std::to_string(content.size()) + "\n" + content + "\n";
}

int mark = 0;
long long clock_time = 1767225600;  // 2026-01-01

void commit(const std::string& message, const std::string& changes) {
  ++mark;
  clock_time += 3600;
  std::printf("commit refs/heads/main\nmark :%d\n", mark);
  std::printf("author Dev %d <dev%d@example.org> %lld +0000\n", mark % 23, mark % 23, clock_time);
  std::printf("committer Dev %d <dev%d@example.org> %lld +0000\n", mark % 23, mark % 23, clock_time);
  std::printf("data %zu\n%s\n", message.size(), message.c_str());
  if (mark > 1) std::printf("from :%d\n", mark - 1);
  std::fwrite(changes.data(), 1, changes.size(), stdout);
  std::printf("\n");
}

std::vector<std::string> package_files(const Package& p) {
  std::vector<std::string> out;
  for (int i = 0; i < 3; ++i) out.push_back("patches/fix-" + std::to_string(i) + ".patch");
  for (int i = 0; i < 3; ++i) out.push_back("tests/test-" + std::to_string(i) + ".nix");
  out.push_back("files/config.in");
  out.push_back("files/README");
  out.push_back("update.sh");
  (void)p;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int commits = argc > 1 ? std::atoi(argv[1]) : 100;
  if (commits < 1) {
    std::fprintf(stderr, "usage: scale_repo [COMMITS]\n");
    return 2;
  }
  std::vector<Package> pkgs;
  std::vector<std::string> others;  // paths of the other files
  std::string changes;
  changes +=
      modify("default.nix",
             "{ system ? builtins.currentSystem }:\n"
             "let\n"
             "  packagesIn = root: map (n: { name = n; value = import (root + \"/${n}\") { inherit system; }; })\n"
             "    (builtins.attrNames (builtins.readDir root));\n"
             "in builtins.listToAttrs (packagesIn ./pkgs ++ packagesIn ./by-name)\n");
  changes += modify("README.md", "A generated package set for bench/track_scale.sh.\n");
  for (int i = 0; i < kPackages; ++i) {
    Package p;
    p.name = "p" + std::to_string(i);
    p.dir = "pkgs/" + p.name;
    p.major = 1 + pick(5);
    p.minor = pick(20);
    p.patch = pick(10);
    changes += modify(p.dir + "/default.nix", p.nix());
    for (const auto& f : package_files(p)) changes += modify(p.dir + "/" + f, text(p.name + "/" + f));
    pkgs.push_back(p);
  }
  // by-name/ exists from the start (as in nixpkgs), with one package.
  {
    Package p;
    p.name = "hello";
    p.dir = "by-name/hello";
    changes += modify(p.dir + "/default.nix", p.nix());
    pkgs.push_back(p);
  }
  const char* tops[] = {"doc", "lib", "maintainers"};
  for (int f = 0; f < kOtherFolders - 1; ++f)
    for (int i = 0; i < kPerFolder; ++i) {
      std::string path = std::string(tops[f % 3]) + "/section-" + std::to_string(f) + "/topic-" + std::to_string(i) +
                         (f % 3 == 1 ? ".nix" : ".md");
      changes += modify(path, text(path));
      others.push_back(path);
    }
  for (int i = 0; i < kPerFolder; ++i) {  // 40,003 files in all
    std::string path = "doc/section-last/topic-" + std::to_string(i) + ".md";
    changes += modify(path, text(path));
    others.push_back(path);
  }
  commit("initial package set\n", changes);

  int next_package = kPackages;
  for (int c = 1; c <= commits; ++c) {
    changes.clear();
    std::string message;
    int bumps = 1 + pick(3);
    for (int b = 0; b < bumps; ++b) {
      Package& p = pkgs[pick(static_cast<unsigned>(pkgs.size()))];
      if (pick(5) == 0) {
        ++p.minor;
        p.patch = 0;
      } else {
        ++p.patch;
      }
      if (pick(3) == 0) {
        ++p.patches;
        std::string patch = p.dir + "/patches/CVE-2026-" + std::to_string(1000 + c * 10 + b) + ".patch";
        changes += modify(patch, text(patch));
      }
      changes += modify(p.dir + "/default.nix", p.nix());
      message += p.name + ": " + p.version() + "\n";
    }
    if (c % 4 == 0) {  // move a package to by-name/, as nixpkgs does
      for (int tries = 0; tries < 100; ++tries) {
        Package& p = pkgs[pick(static_cast<unsigned>(pkgs.size()))];
        if (p.dir.rfind("pkgs/", 0) != 0) continue;
        std::string to = "by-name/" + p.name;
        changes += "R " + p.dir + " " + to + "\n";
        message += p.name + ": move to by-name\n";
        p.dir = to;
        break;
      }
    }
    if (c % 6 == 0) {  // a new package
      Package p;
      p.name = "p" + std::to_string(next_package++);
      p.dir = "by-name/" + p.name;
      changes += modify(p.dir + "/default.nix", p.nix());
      for (const auto& f : package_files(p)) changes += modify(p.dir + "/" + f, text(p.name + "/" + f));
      message += p.name + ": init at " + p.version() + "\n";
      pkgs.push_back(p);
    }
    if (c % 3 == 0) {
      int edits = 1 + pick(5);
      for (int e = 0; e < edits; ++e) {
        const std::string& path = others[pick(static_cast<unsigned>(others.size()))];
        changes += modify(path, text(path + std::to_string(c)));
      }
      message += "doc: update\n";
    }
    if (c % 10 == 0) {
      size_t i = pick(static_cast<unsigned>(others.size()));
      std::string to = others[i] + ".old";
      changes += "R " + others[i] + " " + to + "\n";
      others[i] = to;
      message += "doc: rename\n";
    }
    if (c % 25 == 0) {  // a tree-wide edit
      for (int e = 0; e < 200; ++e) {
        const std::string& path = others[pick(static_cast<unsigned>(others.size()))];
        changes += modify(path, text(path + "treewide" + std::to_string(c)));
      }
      message += "treewide: reformat\n";
    }
    commit(message, changes);
  }
  return 0;
}
