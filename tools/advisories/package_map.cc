#include "tools/advisories/package_map.h"

#include "tools/core/toml_reader.h"

namespace ltskit::advisories {

std::string PackageMapEntry::describe() const {
  std::string who = !vendor.empty() || !product.empty() ? "vendor/product " + vendor + "/" + product
                                                        : "ecosystem/name " + ecosystem + "/" + name;
  return file + ":" + std::to_string(line) + " (" + who + ")";
}

bool PackageMapEntry::names(const std::string& eco, const std::string& nm, const std::string& ven,
                            const std::string& prod) const {
  if (!vendor.empty() || !product.empty())
    return (vendor.empty() || vendor == ven) && (product.empty() || product == prod);
  return (ecosystem.empty() || ecosystem == eco) && name == nm;
}

namespace {

Result<PackageMapEntry> read_entry(TomlTable& t, bool is_map, const std::string& file) {
  PackageMapEntry e;
  e.file = std::filesystem::path(file).filename().string();
  LTS_ASSIGN_OR_RETURN(auto eco, t.opt_string("ecosystem"));
  LTS_ASSIGN_OR_RETURN(auto name, t.opt_string("name"));
  LTS_ASSIGN_OR_RETURN(auto vendor, t.opt_string("vendor"));
  LTS_ASSIGN_OR_RETURN(auto product, t.opt_string("product"));
  LTS_ASSIGN_OR_RETURN(auto pname, t.opt_string("pname"));
  LTS_ASSIGN_OR_RETURN(auto reason, t.opt_string("reason"));
  e.ecosystem = eco.value_or("");
  e.name = name.value_or("");
  e.vendor = vendor.value_or("");
  e.product = product.value_or("");
  e.pname = pname.value_or("");
  e.reason = reason.value_or("");
  std::string where = t.where(is_map ? "pname" : "reason");
  e.line = std::stoi(where.substr(where.find(':') + 1));
  bool by_name = !e.name.empty();
  bool by_vendor = !e.vendor.empty() || !e.product.empty();
  if (by_name == by_vendor)
    return invalid(where + ": an entry names either name (with an optional ecosystem) or vendor/product");
  if (is_map && e.pname.empty()) return invalid(t.where("pname") + ": missing required key");
  if (!is_map && e.reason.empty()) return invalid(t.where("reason") + ": every ignore entry needs a reason");
  LTS_RETURN_IF_ERROR(t.finish());
  return e;
}

}  // namespace

Result<PackageMap> load_package_map(const std::filesystem::path& file) {
  PackageMap m;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return m;
  LTS_ASSIGN_OR_RETURN(TomlDocument doc, TomlDocument::parse_file(file));
  TomlTable root = doc.root();
  LTS_ASSIGN_OR_RETURN(auto maps, root.table_array("map"));
  for (auto& t : maps) {
    LTS_ASSIGN_OR_RETURN(PackageMapEntry e, read_entry(t, true, file.string()));
    m.maps.push_back(std::move(e));
  }
  LTS_ASSIGN_OR_RETURN(auto ignores, root.table_array("ignore"));
  for (auto& t : ignores) {
    LTS_ASSIGN_OR_RETURN(PackageMapEntry e, read_entry(t, false, file.string()));
    m.ignores.push_back(std::move(e));
  }
  LTS_RETURN_IF_ERROR(root.finish());
  return m;
}

}  // namespace ltskit::advisories
