#!/bin/sh
# make install / make uninstall into a scratch PREFIX: every file lands where it should, a C program
# builds against the installed header through pkg-config (header-only, and linked with -lshmpc),
# the installed Python module (installed by pip) loads its installed extension and moves messages,
# the man pages and their links are there, and uninstall removes it all.
# Usage: sh tests/tools/install_test.sh   (from the top of the tree; run by make tools-test)
set -u
MAKE=${MAKE:-make}
P=$(mktemp -d /tmp/shmpc-install-XXXXXX)
trap 'rm -rf "$P"' EXIT
fail=0
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; fail=1; }
$MAKE --no-print-directory -s install PREFIX="$P" >"$P.log" 2>&1 || { cat "$P.log"; bad "make install"; }
rm -f "$P.log"
pyver=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
pyext=_shmpc$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
pydir=lib/python$pyver/dist-packages
for f in include/shmpc.h include/shmpc.hpp lib/libshmpc.so bin/shmpcctl lib/pkgconfig/shmpc.pc \
         lib/cmake/shmpc/shmpcConfig.cmake lib/cmake/shmpc/shmpcConfigVersion.cmake share/man/man1/shmpcctl.1 \
         share/man/man3/shmpc.3 $pydir/shmpc.py $pydir/$pyext $pydir/shmpc-stubs/__init__.pyi; do
    [ -f "$P/$f" ] && ok "installed $f" || bad "missing $f"
done
[ -x "$P/bin/shmpcctl" ] && "$P/bin/shmpcctl" list >/dev/null && ok "installed shmpcctl runs" || bad "installed shmpcctl"
[ "$(readlink "$P/share/man/man3/shmpc_push_timed.3")" = shmpc.3 ] && ok "man page links: shmpc_push_timed.3 -> shmpc.3" ||
    bad "man page link shmpc_push_timed.3"
MANPATH="$P/share/man" man -w shmpcctl 2>/dev/null | grep -q "^$P/share/man/man1/shmpcctl.1" && ok "man -w finds shmpcctl(1)" ||
    { command -v man >/dev/null || ok "(man not installed: man -w not tried)"; command -v man >/dev/null && bad "man -w shmpcctl"; }
cat >"$P/use.c" <<'EOC'
#include <shmpc.h>
#include <stdio.h>
int main(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring r;
    void *mem; size_t size; char b[8]; size_t n;
    if (shmpc_create_anon(&o, &mem, &size) || shmpc_attach(&r, mem, size, SHMPC_PRODUCER)) return 1;
    { shmpc_ring c; if (shmpc_attach(&c, mem, size, SHMPC_CONSUMER) || shmpc_try_push(&r, "ok", 2) ||
                          shmpc_try_pop(&c, b, sizeof b, &n) || n != 2) return 1; }
    printf("%.2s %s\n", b, shmpc_strerror(SHMPC_ECLOSED));
    return 0;
}
EOC
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
if command -v pkg-config >/dev/null 2>&1; then
    [ "$(pkg-config --modversion shmpc)" = "1.0" ] && ok "pkg-config knows shmpc 1.0" || bad "pkg-config --modversion shmpc"
    cflags=$(pkg-config --cflags shmpc); libs=$(pkg-config --libs shmpc)
else
    cflags="-I$P/include"; libs="-L$P/lib -lshmpc"; echo "  (pkg-config not installed: flags from shmpc.pc by hand)"
    grep -q "^Cflags: -I\${includedir}" "$P/lib/pkgconfig/shmpc.pc" && ok "shmpc.pc has Cflags" || bad "shmpc.pc Cflags"
fi
# linked against the installed libshmpc.so
if ${CC:-cc} -std=c11 $cflags "$P/use.c" -o "$P/use_lib" $libs && LD_LIBRARY_PATH="$P/lib" "$P/use_lib" | grep -q "^ok the other side closed"; then
    ok "C program linked with $libs runs"
else bad "C program against libshmpc.so"; fi
# header-only: the implementation compiled in
if ${CC:-cc} -std=c11 $cflags -DSHMPC_IMPLEMENTATION "$P/use.c" -o "$P/use_hdr" && "$P/use_hdr" | grep -q "^ok "; then
    ok "C program with the installed header alone runs"
else bad "header-only C program"; fi
# the installed module, away from the source tree: its extension beside it, a message through a ring
if out=$(cd / && PYTHONPATH="$P/$pydir" python3 -c '
import os, shmpc
print(shmpc.library_path)
print(shmpc.strerror(shmpc.ETIMEDOUT))
n = "shmpc-install-test-%d" % os.getpid()
with shmpc.Ring.create(n, capacity=4, slot_size=8) as p, shmpc.Ring.open(n) as c:
    p.push(b"hi")
    print(c.pop(timeout=1).decode())
shmpc.unlink(n)') &&
   [ "$(echo "$out" | sed -n 1p)" = "$P/$pydir/$pyext" ] && [ "$(echo "$out" | sed -n 2p)" = "timed out" ] &&
   [ "$(echo "$out" | sed -n 3p)" = "hi" ]; then
    ok "installed Python module uses $P/$pydir/$pyext"
else bad "installed Python module: $out"; fi
$MAKE --no-print-directory -s uninstall PREFIX="$P" >/dev/null 2>&1 || bad "make uninstall"
left=$(cd "$P" && find . \( -type f -o -type l \) ! -name 'use*' | head -5)
[ -z "$left" ] && ok "make uninstall removed every installed file" || bad "left after uninstall: $left"
[ $fail -eq 0 ] && echo "install test: all passed" || echo "install test: FAILED"
exit $fail
