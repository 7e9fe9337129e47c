#!/bin/sh
# The man pages: mandoc -T lint finds nothing at warning level or above in man/shmpc.3 and
# man/shmpcctl.1, and shmpc.3's synopsis declares every public function of shmpc.h (the names
# are given by mk/tools.mk, read from the header, so that a new function without a page fails).
# Usage: sh tests/tools/man_test.sh FUNCTION...
fail=0
if out=$(mandoc -T lint -W warning man/shmpc.3 man/shmpcctl.1 2>&1) && [ -z "$out" ]; then
    echo "  ok   mandoc -T lint: man/shmpc.3 man/shmpcctl.1 clean"
else
    printf '%s\n' "$out"; echo "  FAIL mandoc -T lint"; fail=1
fi
missing=""
for f in "$@"; do grep -q "^\.Fn $f " man/shmpc.3 || missing="$missing $f"; done
if [ -z "$missing" ]; then echo "  ok   shmpc.3 declares all $# public functions"
else echo "  FAIL shmpc.3 lacks:$missing"; fail=1; fi
for page in man/shmpc.3 man/shmpcctl.1; do
    if mandoc -T html "$page" | grep -q "id=\"SEE_ALSO\""; then echo "  ok   $page renders"
    else echo "  FAIL $page does not render"; fail=1; fi
done
[ $fail -eq 0 ] && echo "man test: all passed" || echo "man test: FAILED"
exit $fail
