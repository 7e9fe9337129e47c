#!/bin/sh
# CMake: make install-c into DESTDIR=build/cmake-test/root (PREFIX=/usr/local), then the project
# tests/cmake/ configured and built three ways and run: find_package(shmpc 1.0 CONFIG) against that
# staged prefix (the installed package finds its headers relative to itself), add_subdirectory of
# this tree, and FetchContent overridden to this tree (FETCHCONTENT_SOURCE_DIR_SHMPC, no network).
# Usage: sh tests/tools/cmake_test.sh BUILD_DIR   (run by make tools-test)
set -u
B=$1/cmake-test
MAKE=${MAKE:-make}
rm -rf "$B"
mkdir -p "$B"
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }
if $MAKE --no-print-directory -s install-c DESTDIR="$PWD/$B/root" PREFIX=/usr/local >"$B/install.log" 2>&1; then
    ok "make install-c DESTDIR=$B/root"
else cat "$B/install.log"; bad "make install-c"; fi
[ -f "$B/root/usr/local/lib/cmake/shmpc/shmpcConfig.cmake" ] && ok "installed lib/cmake/shmpc/shmpcConfig.cmake" ||
    bad "missing shmpcConfig.cmake"
build() { # mode, extra cmake arguments...
    mode=$1; shift
    if cmake -S tests/cmake -B "$B/$mode" -DSHMPC_USE="$mode" "$@" >"$B/$mode.log" 2>&1 &&
       cmake --build "$B/$mode" >>"$B/$mode.log" 2>&1 &&
       [ "$("$B/$mode/use_c")" = "cmake c" ] && [ "$("$B/$mode/use_cxx")" = "cmake 42 c++" ]; then
        ok "$mode: configured, built and ran (C and C++ through shmpc::shmpc)"
    else cat "$B/$mode.log"; bad "$mode"; fi
}
build find_package -DCMAKE_PREFIX_PATH="$PWD/$B/root/usr/local"
build subdirectory -DSHMPC_SOURCE_DIR="$PWD"
build fetchcontent -DFETCHCONTENT_SOURCE_DIR_SHMPC="$PWD" -DFETCHCONTENT_FULLY_DISCONNECTED=ON
# a version that the installed 1.0 does not satisfy is refused
if cmake -S tests/cmake -B "$B/v2" -DSHMPC_USE=find_package -DCMAKE_PREFIX_PATH="$PWD/$B/root/usr/local" \
        -DSHMPC_WANT=2.0 >"$B/v2.log" 2>&1; then bad "find_package(shmpc 2.0) accepted 1.0"
else ok "find_package(shmpc 2.0) refuses the installed 1.0"; fi
[ $fail -eq 0 ] && echo "cmake test: all passed" || echo "cmake test: FAILED"
exit $fail
