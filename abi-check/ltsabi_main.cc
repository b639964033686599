// ltsabi: the ABI checker's command line.
//   ltsabi dump LIB [-o FILE] [--debug-dir D]
//   ltsabi diff OLD NEW [--suppressions FILE] [--json] [--debug-dir1 D] [--debug-dir2 D]
// Exit status uses abidiff's bits: 1 error, 2 usage error, 4 ABI change,
// 8 incompatible change (so 0, 4, 12; 1 or 3 on errors).
#include <cstdio>
#include <string>
#include <vector>

#include "abi-check/abi_diff.h"
#include "abi-check/file_io.h"
#include "abi-check/loader.h"
#include "abi-check/model_json.h"
#include "abi-check/report.h"

namespace {

using namespace ltskit::abi;

constexpr int kError = 1;
constexpr int kUsage = 3;  // abidiff sets both the error and the usage bit

int usage(const char* why) {
  std::fprintf(stderr, "ltsabi: error: %s\n", why);
  std::fprintf(stderr,
               "usage: ltsabi dump LIB [-o FILE] [--debug-dir D]\n"
               "       ltsabi diff OLD NEW [--suppressions FILE] [--json] [--debug-dir1 D] [--debug-dir2 D]\n");
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
  if (cmd == "--help" || cmd == "-h") {
    usage("help");
    return 0;
  }
  std::vector<std::string> pos;
  std::string out, sup_file, dd, dd1, dd2;
  bool json = false;
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
    } else if (a == "--debug-dir1") {
      if (!value(dd1)) return usage("--debug-dir1 needs a folder");
    } else if (a == "--debug-dir2") {
      if (!value(dd2)) return usage("--debug-dir2 needs a folder");
    } else if (a == "--json") json = true;
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
    auto a = load_abi(pos[0], with_debug_dir(dd1));
    if (!a.ok()) return fail(a.error());
    auto b = load_abi(pos[1], with_debug_dir(dd2));
    if (!b.ok()) return fail(b.error());
    Diff d = diff_models(*a, *b, sup);
    std::string text = json ? report_json(d) : report_text(d);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return exit_status(d);
  }
  return usage(("unknown command " + cmd).c_str());
}
