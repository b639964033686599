// For tests only: a package set Nix evaluates in milliseconds. Its
// attributes are `body`, in which `mk PNAME VERSION` makes a trivial
// derivation (evaluating it needs no build and no store contents).
#pragma once

#include <string>

namespace ltskit::testing {

inline std::string test_package_set(const std::string& body) {
  return R"({ system ? builtins.currentSystem }:
let mk = pname: version: derivation {
      inherit pname version system;
      name = "${pname}-${version}";
      builder = "/bin/sh";
      args = [ "-c" "echo ${version} > $out" ];
    };
in {
)" + body +
         "\n}\n";
}

}  // namespace ltskit::testing
