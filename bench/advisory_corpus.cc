// Generates the advisories benchmark input: a Nix package set of N packages
// and a folder of M OSV records, deterministically.
//   advisory_corpus PACKAGES RECORDS OUT_DIR
// writes OUT_DIR/pkgs/default.nix and OUT_DIR/osv/XX/ID.json.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: advisory_corpus PACKAGES RECORDS OUT_DIR\n");
    return 2;
  }
  long packages = std::atol(argv[1]);
  long records = std::atol(argv[2]);
  std::filesystem::path out = argv[3];
  std::filesystem::create_directories(out / "pkgs");
  std::mt19937_64 rng(20260115);
  // Package names made of letters only, so that Nix's name parsing
  // ("NAME-VERSION": the version starts at the first dash before a non-letter)
  // sees the whole name as the pname.
  auto pkg_name = [](long n) {
    std::string s = "pkg-";
    for (int i = 0; i < 4; ++i) {
      s += static_cast<char>('a' + n % 26);
      n /= 26;
    }
    return s;
  };
  auto version = [&](int depth) {
    std::string v = std::to_string(rng() % 5);
    for (int i = 1; i < depth; ++i) v += "." + std::to_string(rng() % 20);
    return v;
  };
  {
    std::ofstream nix(out / "pkgs/default.nix");
    nix << "{ system ? builtins.currentSystem }:\nlet mk = pname: version: derivation {\n"
           "  inherit pname version system; name = \"${pname}-${version}\"; builder = \"/bin/sh\"; };\nin {\n";
    for (long i = 0; i < packages; ++i) {
      std::string name = pkg_name(i);
      nix << "  \"" << name << "\" = mk \"" << name << "\" \"" << version(3) << "\";\n";
    }
    nix << "}\n";
  }
  const char* ecosystems[] = {"Debian", "PyPI", "npm", "crates.io", "Go", "Maven", "ltskit-bench"};
  for (long i = 0; i < records; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "BENCH-%06ld", i);
    std::filesystem::path dir = out / "osv" / std::to_string(i % 100);
    if (i < 100) std::filesystem::create_directories(dir);
    // A third of the records name a package of the set; the rest name others.
    long target = static_cast<long>(rng() % static_cast<unsigned long>(packages * 3));
    std::string pkg = pkg_name(target);
    std::string intro = version(2), fixed = intro + "." + std::to_string(1 + rng() % 9);
    // Real feeds (GHSA, PyPI, Go) list every affected version and carry
    // several paragraphs of details and many references; so do these.
    std::string versions;
    int nversions = 5 + static_cast<int>(rng() % 40);
    for (int v = 0; v < nversions; ++v) versions += std::string(v ? ", " : "") + "\"" + version(3) + "\"";
    std::string details;
    int paragraphs = 2 + static_cast<int>(rng() % 4);
    for (int p = 0; p < paragraphs; ++p)
      details += "A buffer overflow in the parser of " + pkg +
                 " allows remote attackers to execute arbitrary code via a crafted input file, because the length "
                 "of a header field is not checked before it is copied into a fixed-size stack buffer. ";
    std::string refs;
    int nrefs = 3 + static_cast<int>(rng() % 6);
    for (int r = 0; r < nrefs; ++r)
      refs += std::string(r ? ",\n    " : "") + "{\"type\": \"WEB\", \"url\": \"https://example.invalid/" + pkg +
              "/issues/" + std::to_string(rng() % 100000) + "\"}";
    std::ofstream f(dir / (std::string(id) + ".json"));
    f << "{\n  \"schema_version\": \"1.6.0\",\n  \"id\": \"" << id << "\",\n"
      << "  \"modified\": \"2026-0" << (1 + i % 9) << "-1" << (i % 10) << "T12:00:00Z\",\n"
      << "  \"published\": \"2026-01-01T00:00:00Z\",\n"
      << "  \"aliases\": [\"CVE-2026-" << (100000 + i) << "\"],\n"
      << "  \"summary\": \"Generated advisory " << i << " for benchmarking the ingest path\",\n"
      << "  \"details\": \"" << details << "\",\n"
      << "  \"severity\": [{\"type\": \"CVSS_V3\", \"score\": \"CVSS:3.1/AV:N/AC:L/PR:N/UI:" << ((i % 2) ? "N" : "R")
      << "/S:U/C:H/I:H/A:" << ((i % 3) ? "H" : "N") << "\"}],\n"
      << "  \"affected\": [{\n    \"package\": {\"ecosystem\": \"" << ecosystems[i % 7] << "\", \"name\": \"" << pkg
      << "\"},\n    \"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"" << intro
      << "\"}, {\"fixed\": \"" << fixed << "\"}]}],\n"
      << "    \"versions\": [" << versions << "],\n"
      << "    \"database_specific\": {\"source\": \"bench\"}\n  }],\n"
      << "  \"references\": [{\"type\": \"ADVISORY\", \"url\": \"https://example.invalid/advisories/" << id
      << "\"},\n    " << refs << "]\n}\n";
  }
  return 0;
}
