#!/bin/sh
# need.sh PKG... : make sure these Debian packages are installed.
# As root, installs what is missing with apt-get; otherwise names the exact command and fails.
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "shmpc: missing packages:$missing (this is not a Debian system: install their equivalents)" >&2
    exit 1
fi
# Packages of another CPU ("check:arm64", Debian multiarch): that architecture must be known to dpkg.
archs=""
for p in $missing; do
    case "$p" in *:*) a=${p#*:}
        if [ "$a" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$a"; then
            archs="$archs $a"
        fi;;
    esac
done
if [ "$(id -u)" != 0 ]; then
    echo "shmpc: missing packages:$missing" >&2
    for a in $archs; do echo "shmpc: run: sudo dpkg --add-architecture $a" >&2; done
    echo "shmpc: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
for a in $archs; do
    echo "shmpc: adding the architecture $a to dpkg (multiarch)"
    dpkg --add-architecture "$a" || exit 1
done
echo "shmpc: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt-get (a parallel make) instead of failing on its lock. A mirror in the middle
# of a sync fails apt-get update for one index while the others are fresh ("File has unexpected
# size ... Mirror sync in progress?"): install with the lists it has all the same, and try the
# whole again twice, 30 s apart, before giving up.
lock="-o DPkg::Lock::Timeout=600"
for try in 1 2 3; do
    [ "$try" = 1 ] || { echo "shmpc: apt-get failed; trying again in 30 s ($try of 3)" >&2; sleep 30; }
    apt-get $lock update -qq >/dev/null || echo "shmpc: apt-get update reported errors; installing with the package lists it has" >&2
    apt-get $lock install -y -qq --no-install-recommends$missing >/dev/null && exit 0
done
echo "shmpc: apt-get install$missing failed" >&2
exit 1
