#!/bin/sh
# wp-run.sh DIR TAG TITLE FUNCTIONS FRAMA-C-ARGS... : one WP run of make prove.
# Runs frama-c FRAMA-C-ARGS -wp-fct FUNCTIONS with its session, JSON report and log in DIR (names
# ending in TAG), summarises the log with wp-summary.sh and writes what make prove prints into
# DIR/out TAG.txt; exits 1 unless every goal of every function is proven. make prove starts the
# runs side by side: each frama-c spends most of its time in one thread (goal generation and Qed),
# so on two cores two runs take little longer than the longest.
dir=$1; tag=$2; title=$3; fcts=$4; shift 4
out=$dir/out$tag.txt
{
    echo "prove: Frama-C WP on $title"
    start=$(date +%s)
    frama-c "$@" -wp-fct "$fcts" -wp-session "$dir/session$tag" \
        -wp-report-json "$dir/wp$tag.json" >"$dir/wp$tag.log" 2>&1
    rc=$?
    end=$(date +%s)
    sh proofs/wp-summary.sh "$dir/wp$tag.log" "$fcts" >"$dir/summary$tag.txt"
    ok=$?
    cat "$dir/summary$tag.txt"
    echo "prove: WP took $((end - start)) s; log $dir/wp$tag.log"
    if [ $rc -ne 0 ] || [ $ok -ne 0 ] || grep -q 'NOT PROVED\|no goals\|incomplete run' "$dir/summary$tag.txt"; then
        echo "prove: FAILED (frama-c exit $rc)"
        exit 1
    fi
} >"$out" 2>&1
