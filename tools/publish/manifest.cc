#include "tools/publish/manifest.h"

#include <fstream>
#include <nlohmann/json.hpp>

namespace ltskit::publish {

std::map<std::string, std::map<std::string, std::string>> manifest_packages(const std::filesystem::path& gen) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::ifstream in(gen / "manifest.json");
  auto m = nlohmann::json::parse(in, nullptr, false);
  if (!in || m.is_discarded() || !m.is_object()) return out;
  auto pkgs = m.find("packages");
  if (pkgs == m.end() || !pkgs->is_array()) return out;
  for (const auto& p : *pkgs) {
    if (!p.is_object()) continue;
    auto attr = p.find("attr");
    if (attr == p.end() || !attr->is_string() || attr->get<std::string>().empty()) continue;
    auto& outputs = out[attr->get<std::string>()];
    if (auto o = p.find("outputs"); o != p.end() && o->is_object())
      for (auto it = o->begin(); it != o->end(); ++it)
        if (it->is_string()) outputs[it.key()] = it->get<std::string>();
  }
  return out;
}

}  // namespace ltskit::publish
