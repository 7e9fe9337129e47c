#!/bin/sh
# lanes.sh DIR JOBS MAKE STEP... : make test's last steps, JOBS at a time, in the order given.
# Each keeps at most about one core busy (sanitized runs, kill tests, emulators, peers that mostly
# wait), so one after the other they left half the machine idle. Each step's
# output goes to DIR/STEP.log and is printed, in the order given, once all have ended, with its
# time; DIR/failed lists the steps that failed. Exits 1 if any did.
if [ "${1:-}" = --one ]; then # --one DIR MAKE STEP: one step, from the pool below
    dir=$2; mk=$3; s=$4; t0=$(date +%s)
    if $mk --no-print-directory "$s" >"$dir/$s.log" 2>&1; then r=passed; else r=FAILED; echo "$s" >>"$dir/failed"; fi
    echo "== make $s: $r in $(( $(date +%s) - t0 )) s" >>"$dir/$s.log"
    exit 0
fi
dir=$1; jobs=$2; mk=$3; shift 3
rm -rf "$dir"; mkdir -p "$dir"; : >"$dir/failed"
printf '%s\n' "$@" | xargs -P "$jobs" -I{} sh "$0" --one "$dir" "$mk" {}
for s in "$@"; do
    echo "== make $s"
    cat "$dir/$s.log" 2>/dev/null || { echo "== make $s: FAILED (no output)"; echo "$s" >>"$dir/failed"; }
done
[ ! -s "$dir/failed" ]
