// ltsabi: the ABI checker's command line.
//   ltsabi dump LIB [-o FILE] [--debug-dir D]
//   ltsabi diff OLD NEW [--json] [--harmless] [--suppressions FILE] [--debug-dir1 D] [--debug-dir2 D]
//               [--debug-root D] [--headers-dir1 D]... [--headers-dir2 D]...
//               [--header-file1 F]... [--header-file2 F]... [--header-file F]...
// OLD and NEW are two libraries (or dumps), or two folders: then every
// shared library of both, paired by SONAME (abipkgdiff's job), one report,
// the worst verdict's status.
// Exit status uses abidiff's bits: 1 error, 2 usage error, 4 ABI change,
// 8 incompatible change (so 0, 4, 12; 1 or 3 on errors).
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "abi-check/abi_diff.h"
#include "abi-check/file_io.h"
#include "abi-check/loader.h"
#include "abi-check/model_json.h"
#include "abi-check/report.h"
#include "abi-check/tree_diff.h"

namespace {

using namespace ltskit::abi;

constexpr int kError = 1;
constexpr int kUsage = 3;  // abidiff sets both the error and the usage bit

const char kUsageText[] =
    "usage: ltsabi dump LIB [-o FILE] [--debug-dir D | --debug-root D]\n"
    "       ltsabi diff OLD NEW [options]\n"
    "\n"
    "OLD and NEW: two shared libraries, executables, object files or dumps (ltsabi dump), or two folders\n"
    "(every shared library of both, paired by SONAME).\n"
    "\n"
    "diff options:\n"
    "  --json                 the report as JSON\n"
    "  --harmless             also list harmless changes and changes to private types (always counted)\n"
    "  --suppressions FILE    TOML [[suppress]] tables: symbol, type or soname patterns, each with a reason\n"
    "  --headers-dir1 D, --headers-dir2 D\n"
    "                         public headers of each side (repeatable): types defined elsewhere that callers\n"
    "                         reach only through pointers are private to the library\n"
    "  --header-file1 F, --header-file2 F\n"
    "                         one public header of each side (repeatable)\n"
    "  --header-file F        one public header of both sides (repeatable)\n"
    "  --debug-dir1 D, --debug-dir2 D\n"
    "                         where each side's separate debug info is: a /usr/lib/debug-like tree (by build\n"
    "                         id, by the library's folder and .gnu_debuglink, dwz files under .dwz/)\n"
    "  --debug-root D         the same folder for both sides (and for dump)\n"
    "\n"
    "exit status (abidiff's bits): 0 no ABI change (harmless changes only), 4 compatible change,\n"
    "12 incompatible change, 1 error, 3 usage error\n";

int usage(const char* why) {
  std::fprintf(stderr, "ltsabi: error: %s\n%s", why, kUsageText);
  return kUsage;
}

// Prints the error; a usage error (an empty path) gets the usage status.
int fail(const Error& e) {
  std::fprintf(stderr, "ltsabi: error: %s\n", e.message.c_str());
  return e.code == ErrorCode::kUsage ? kUsage : kError;
}

ReadOptions with_debug_dir(const std::string& debug_dir) {
  ReadOptions o;
  o.debug_dir = debug_dir;
  return o;
}

}  // namespace

int run_main(int argc, char** argv);

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ltsabi: error: internal error: %s\n", e.what());
    return kError;
  }
}

int run_main(int argc, char** argv) {
  if (argc < 2) return usage("no command");
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsageText, stdout);
    return 0;
  }
  std::vector<std::string> pos;
  std::string out, sup_file, dd, dd1, dd2;
  std::vector<std::string> hd1, hd2;
  bool json = false, harmless = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string& dst) -> bool {
      if (i + 1 >= argc) return false;
      dst = argv[++i];
      return true;
    };
    if (a == "-o") {
      if (!value(out)) return usage("-o needs a file");
    } else if (a == "--suppressions") {
      if (!value(sup_file)) return usage("--suppressions needs a file");
    } else if (a == "--debug-dir") {
      if (!value(dd)) return usage("--debug-dir needs a folder");
    } else if (a == "--debug-root") {
      if (!value(dd)) return usage("--debug-root needs a folder");
      dd1 = dd2 = dd;
    } else if (a == "--debug-dir1") {
      if (!value(dd1)) return usage("--debug-dir1 needs a folder");
    } else if (a == "--debug-dir2") {
      if (!value(dd2)) return usage("--debug-dir2 needs a folder");
    } else if (a == "--headers-dir1" || a == "--headers-dir2") {
      std::string d;
      if (!value(d)) return usage((a + " needs a folder").c_str());
      (a == "--headers-dir1" ? hd1 : hd2).push_back(d);
    } else if (a == "--header-file1" || a == "--header-file2" || a == "--header-file") {
      std::string f;
      if (!value(f)) return usage((a + " needs a file").c_str());
      if (a != "--header-file2") hd1.push_back(f);
      if (a != "--header-file1") hd2.push_back(f);
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsageText, stdout);
      return 0;
    } else if (a == "--harmless") harmless = true;
    else if (a == "--json") json = true;
    else if (a.starts_with("-")) return usage(("unknown option " + a).c_str());
    else pos.push_back(a);
  }
  if (cmd == "dump") {
    if (pos.size() != 1) return usage("dump takes one library");
    auto m = load_abi(pos[0], with_debug_dir(dd));
    if (!m.ok()) return fail(m.error());
    std::string text = model_to_json(*m);
    if (out.empty()) {
      std::fwrite(text.data(), 1, text.size(), stdout);
      return 0;
    }
    auto written = write_file_atomically(out, text);
    if (!written.ok()) return fail(written.error());
    return 0;
  }
  if (cmd == "diff") {
    if (pos.size() != 2) return usage("diff takes OLD and NEW");
    Suppressions sup;
    if (!sup_file.empty()) {
      auto s = load_suppressions(sup_file);
      if (!s.ok()) return fail(s.error());
      sup = std::move(*s);
    }
    for (const auto& p : pos) {
      std::error_code ec;
      if (!p.empty() && !std::filesystem::exists(p, ec))
        return fail(Error{ErrorCode::kNotFound, p + ": no such file or folder"});
    }
    std::error_code ec;
    bool dir0 = std::filesystem::is_directory(pos[0], ec), dir1 = std::filesystem::is_directory(pos[1], ec);
    if (dir0 != dir1) return usage("diff compares two libraries or two folders, not one of each");
    if (hd1.empty() != hd2.empty())
      return usage(
          "give public headers for both sides (--headers-dir1/--header-file1 and --headers-dir2/--header-file2) or for "
          "neither");
    std::optional<std::vector<std::string>> headers[2];
    for (int i = 0; i < 2; ++i) {
      const auto& dirs = i == 0 ? hd1 : hd2;
      if (dirs.empty()) continue;
      auto listed = list_public_headers(dirs);
      if (!listed.ok()) return fail(listed.error());
      headers[i] = std::move(*listed);
    }
    if (dir0) {
      TreeSide old_side{pos[0], with_debug_dir(dd1), headers[0]};
      TreeSide new_side{pos[1], with_debug_dir(dd2), headers[1]};
      auto t = diff_trees(old_side, new_side, sup);
      if (!t.ok()) return fail(t.error());
      std::string text = json ? tree_report_json(*t) : tree_report_text(*t, TextOptions{harmless});
      std::fwrite(text.data(), 1, text.size(), stdout);
      return tree_exit_status(*t);
    }
    auto a = load_abi(pos[0], with_debug_dir(dd1));
    if (!a.ok()) return fail(a.error());
    auto b = load_abi(pos[1], with_debug_dir(dd2));
    if (!b.ok()) return fail(b.error());
    DiffOptions options;
    options.old_headers = headers[0];
    options.new_headers = headers[1];
    Diff d = diff_models(*a, *b, sup, options);
    std::string text = json ? report_json(d) : report_text(d, TextOptions{harmless});
    std::fwrite(text.data(), 1, text.size(), stdout);
    return exit_status(d);
  }
  return usage(("unknown command " + cmd).c_str());
}
