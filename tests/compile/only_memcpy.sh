#!/bin/sh
# only_memcpy.sh OBJ : the freestanding ring core object defines the shmpc API and its only
# undefined symbol is memcpy (none at all is fine too: the compiler may inline every copy).
set -e
obj=$1
undef=$(nm -u "$obj" | awk '{print $NF}' | sort -u)
defined=$(nm --defined-only "$obj" | awk '$2 == "T" && $3 ~ /^shmpc_/ {print $3}' | wc -l)
bad=$(printf '%s\n' "$undef" | grep -v -x -e memcpy -e '' || true)
if [ -n "$bad" ]; then
    echo "FAIL: $obj has undefined symbols other than memcpy:" $bad >&2
    exit 1
fi
if [ "$defined" -lt 15 ]; then
    echo "FAIL: $obj defines only $defined shmpc_ functions" >&2
    exit 1
fi
echo "freestanding core: $defined shmpc_ functions defined; undefined symbols: ${undef:-none}"
