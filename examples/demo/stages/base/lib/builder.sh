# Builds one demo package: a C or C++ shared library with headers, a .pc
# file and a CMake config file, or a program. Runs under Nix with $out set.
set -eu
cp -r "$src" ./source
chmod -R u+w ./source
cd ./source
for p in $patches; do
  echo "applying $p"
  patch -p1 < "$p"
done

cflags="-g -O1 -fPIC -Wall"
ldflags=""
for d in $buildInputs; do
  cflags="$cflags -I$d/include"
  ldflags="$ldflags -L$d/lib -Wl,-rpath,$d/lib"
done
csrc=$(find . -name '*.c' | sort)
cxxsrc=$(find . -name '*.cc' | sort)

install_headers() {
  mkdir -p "$out/include"
  for h in $(find . -name '*.h' | sort); do cp "$h" "$out/include/"; done
}

install_pc() {
  mkdir -p "$out/lib/pkgconfig" "$out/lib/cmake/$pname"
  sed -e "s|@prefix@|$out|g" -e "s|@version@|$version|g" "$pname.pc.in" > "$out/lib/pkgconfig/$pname.pc"
  cat > "$out/lib/cmake/$pname/${pname}Config.cmake" <<CMAKE
add_library($pname::$pname SHARED IMPORTED)
set_target_properties($pname::$pname PROPERTIES
  IMPORTED_LOCATION "$out/lib/lib$libname.so.$soversion"
  INTERFACE_INCLUDE_DIRECTORIES "$out/include")
CMAKE
}

case "$kind" in
  clib|cxxlib)
    mkdir -p "$out/lib"
    real="lib$libname.so.$version"
    if [ "$kind" = clib ]; then
      cc $cflags -shared -Wl,-soname,lib$libname.so.$soversion -o "$out/lib/$real" $csrc $ldflags $libs
    else
      c++ $cflags -std=c++17 -shared -Wl,-soname,lib$libname.so.$soversion -o "$out/lib/$real" $cxxsrc $ldflags $libs
    fi
    ln -s "$real" "$out/lib/lib$libname.so.$soversion"
    ln -s "$real" "$out/lib/lib$libname.so"
    install_headers
    install_pc
    ;;
  program)
    mkdir -p "$out/bin"
    c++ $cflags -std=c++17 -o "$out/bin/$pname" $csrc $cxxsrc $ldflags $libs
    ;;
  *)
    echo "unknown kind $kind" >&2
    exit 1
    ;;
esac
