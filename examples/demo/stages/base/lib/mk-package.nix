# The demo's minimal builder helper: a derivation run by /bin/sh with the
# host compiler on PATH (the demo builds without nixpkgs).
{ system }:
{ pname, version, kind, src, libname ? pname, soversion ? "1", deps ? [ ], libs ? ""
, patches ? [ ], description ? "" }:
derivation {
  inherit system pname version kind src libname soversion libs patches;
  name = "${pname}-${version}";
  builder = "/bin/sh";
  args = [ ./builder.sh ];
  buildInputs = deps;
  PATH = "/usr/bin:/bin";
} // { meta = { inherit description; }; }
