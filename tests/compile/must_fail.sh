#!/bin/sh
# must_fail.sh NAME MESSAGE COMPILER ARGS... : a compile test that must fail, and fail with MESSAGE
# (a fixed string) in the compiler's output; prints the output otherwise.
name=$1 msg=$2
shift 2
if out=$("$@" 2>&1); then
    echo "compile test $name FAILED: it compiled"; exit 1
fi
if ! printf '%s\n' "$out" | grep -qF "$msg"; then
    printf '%s\n' "$out"; echo "compile test $name FAILED: not stopped by: $msg"; exit 1
fi
echo "compile test $name: refused as it should be"
