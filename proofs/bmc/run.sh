#!/bin/sh
# proofs/bmc/run.sh OUT CC CFLAGS : make bmc's driver (mk/bmc.mk builds OUT/bmc8, bmc16, bmc8-asan).
# Runs the exhaustive C checks, the hostile-state checks, the C mutants, the SPIN models and the
# SPIN mutants, then the weak-memory explorer and its order mutants (proofs/wmm/run.sh), two jobs
# at a time. Fails on any violation, error, surviving mutant or incomplete search. Every run has a
# time limit (timeout) and the C checker a state bound (--max-states).
set -u
# One SPIN job (the pool of section 3 runs "sh run.sh --spin-job OUT LIMIT LINE"): LINE is a line
# of OUT/spinjobs, "NAME MODEL|SPIN -D FLAGS|CC FLAGS|PAN FLAGS|EXPECT".
# spin_run NAME MODEL "SPIN -D FLAGS" "CC FLAGS" "PAN FLAGS" EXPECT(0 errors | 1 error)
spin_run() {
    name=$1; model=$2; dflags=$3; ccflags=$4; panflags=$5; expect=$6
    d="$OUT/spin/$name"; rm -rf "$d"; mkdir -p "$d"; cp "$model" "$d/model.pml"
    # shellcheck disable=SC2086
    ( cd "$d" && spin $dflags -a model.pml >spin.out 2>&1 && gcc -O2 $ccflags -w -o pan pan.c >cc.out 2>&1 &&
      timeout "$LIM" ./pan $panflags >pan.out 2>&1 ) || true
    if [ ! -s "$d/pan.out" ]; then echo "bmc: spin $name: did not run"; cat "$d"/*.out; return 1; fi
    errs=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$d/pan.out")
    st=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$d/pan.out")
    tr=$(sed -n 's/^ *\([0-9.e+]*\) transitions.*/\1/p' "$d/pan.out")
    dep=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$d/pan.out")
    if [ "$expect" = 0 ]; then
        if [ "$errs" != 0 ] || grep -q "max search depth too small\|out of memory\|search not completed" "$d/pan.out" ||
           ! grep -q "State-vector" "$d/pan.out"; then
            echo "bmc: spin $name: FAILED"; sed -n '1,12p' "$d/pan.out"; return 1
        fi
        echo "spin $name: $st states, $tr transitions, depth $dep, 0 errors"
    else
        if [ -z "$errs" ] || [ "$errs" = 0 ]; then echo "bmc: spin mutant $name SURVIVED"; return 1; fi
        echo "spin mutant $name caught: $(grep -m1 '^pan:1:' "$d/pan.out")"
    fi
}
if [ "${1:-}" = --spin-job ]; then
    OUT=$2; LIM=$3
    printf '%s\n' "$4" | { IFS='|' read -r head dflags ccflags panflags expect
        name=${head%% *}; model=${head#* }
        [ "$dflags" = - ] && dflags=""
        spin_run "$name" "$model" "$dflags" "$ccflags" "$panflags" "$expect" > "$OUT/log/spin-$name.txt" 2>&1
        echo $? > "$OUT/log/spin-$name.rc"; }
    exit 0
fi
OUT=$1; CC=$2; CFLAGS=$3
J=${BMC_JOBS:-2}
LIM=${BMC_TIMEOUT:-400}
mkdir -p "$OUT/log" "$OUT/spin" "$OUT/mut"
rm -f "$OUT"/log/*
fail=0
t0=$(date +%s)

# ---- 1. exhaustive checks and hostile states (a --hostile run first does the full search too) ----
# (the longest first: the pool of $J then ends together)
# BMC_DEEP=1: also MPMC capacity 16 (2.35 M states, about 50 s of CPU), outside make test's budget
{ [ -n "${BMC_DEEP:-}" ] && echo "c8-mpmc-16 bmc8 mpmc 16"
cat <<JOBS
h8-spsc-2 bmc8-asan --hostile spsc 2
h8-mpmc-2 bmc8-asan --hostile mpmc 2
c16-spsc-2 bmc16 spsc 2
c8-spsc-8 bmc8 spsc 8
c16-mpmc-2 bmc16 mpmc 2
h8-spsc-1 bmc8-asan --hostile spsc 1
c16-spsc-1 bmc16 spsc 1
c8-mpmc-2x3p1c bmc8 mpmc 2 3 1
c8-mpmc-8 bmc8 mpmc 8
c8-mpmc-2x2p2c bmc8 mpmc 2 2 2
c8-mpmc-2x1p3c bmc8 mpmc 2 1 3
c8-spsc-4 bmc8 spsc 4
c8-mpmc-4 bmc8 mpmc 4
JOBS
} > "$OUT/jobs"
# shellcheck disable=SC2016
xargs -P "$J" -L 1 sh -c 'n=$1; b=$2; shift 2; timeout '"$LIM"' "'"$OUT"'/$b" --max-states 20000000 "$@" \
    >"'"$OUT"'/log/$n.out" 2>"'"$OUT"'/log/$n.err"; echo $? >"'"$OUT"'/log/$n.rc"' sh < "$OUT/jobs"
while read -r n rest; do
    rc=$(cat "$OUT/log/$n.rc" 2>/dev/null || echo 9)
    cat "$OUT/log/$n.out"
    if [ "$rc" != 0 ]; then
        echo "bmc: FAILED: $rest (exit $rc)"; cat "$OUT/log/$n.err"; fail=1
    fi
done < "$OUT/jobs"

# README.md's table of the searches: states and transitions of this run
python3 proofs/readme-figures.py --check-bmc "$OUT"/log/*.out || fail=1
echo "bmc: exhaustive checks and hostile states $(( $(date +%s) - t0 )) s"; t1=$(date +%s)

# ---- 2. C mutants: each must be caught (exit 1 = violation found); $J at a time --------------------
cat > "$OUT/mut/one.sh" <<ONE
m=\$1; d="$OUT/mut/\$m"; mkdir -p "\$d"; rm -f "\$d/res"
if ! python3 proofs/bmc/mutate.py shmpc.h "\$d/shmpc.h" "\$m"; then echo "bmc: mutant \$m: cannot be built" > "\$d/res"; exit 0; fi
if ! $CC $CFLAGS -DSHMPC_NO_OS -DSHMPC_INDEX_BITS=8 -I"\$d" proofs/bmc/bmc.c -o "\$d/bmc8" 2>"\$d/cc.err"; then
    { echo "bmc: mutant \$m does not compile:"; cat "\$d/cc.err"; } > "\$d/res"; exit 0
fi
for cfg in "spsc 1" "spsc 2" "mpmc 2" "mpmc 4" "mpmc 2 2 2"; do
    timeout 120 "\$d/bmc8" --max-states 3000000 \$cfg >/dev/null 2>"\$d/err"
    if [ \$? = 1 ]; then echo "bmc: C mutant \$m caught (\$cfg: \$(head -1 "\$d/err" | sed 's/^bmc: //'))" > "\$d/res"; exit 0; fi
done
echo "bmc: C mutant \$m SURVIVED" > "\$d/res"
ONE
CMUT=$(python3 proofs/bmc/mutate.py --list) && [ -n "$CMUT" ] || { echo "bmc: no C mutants listed"; fail=1; }
printf '%s\n' $CMUT | xargs -P "$J" -n 1 sh "$OUT/mut/one.sh"
for m in $CMUT; do
    cat "$OUT/mut/$m/res" 2>/dev/null || { echo "bmc: C mutant $m: no result"; fail=1; continue; }
    grep -q "^bmc: C mutant $m caught" "$OUT/mut/$m/res" || fail=1
done

echo "bmc: C mutants $(( $(date +%s) - t1 )) s"; t1=$(date +%s)

# ---- 3. SPIN models -----------------------------------------------------------------------------------
SAFE="-DSAFETY -DCOLLAPSE -DVECTORSZ=2048"
for pml in spsc mpmc; do
    for mu in norecheck earlypub; do
        python3 proofs/bmc/mutate.py "proofs/$pml.pml" "$OUT/spin/${pml}_$mu.pml" $mu || { echo "bmc: spin mutant ${pml}_$mu: cannot be built"; fail=1; }
    done
done
python3 proofs/bmc/mutate.py proofs/spsc.pml "$OUT/spin/spsc_seqfirst.pml" seqfirst || { echo "bmc: spin mutant spsc_seqfirst: cannot be built"; fail=1; }
CRASH_MUTANTS="skiplive freelive reclaimneeded discardpub freeheld nounfreeze"
for mu in $CRASH_MUTANTS; do
    python3 proofs/bmc/mutate.py proofs/crash.pml "$OUT/spin/crash_$mu.pml" $mu || { echo "bmc: spin mutant crash_$mu: cannot be built"; fail=1; }
done
TAKEOVER_MUTANTS="nopeekrecord heldalways heldnotkept takeoverhead earlycommit"
for mu in $TAKEOVER_MUTANTS; do
    python3 proofs/bmc/mutate.py proofs/takeover.pml "$OUT/spin/takeover_$mu.pml" $mu || { echo "bmc: spin mutant takeover_$mu: cannot be built"; fail=1; }
done
ADOPT_MUTANTS="norecheck noclock busyuncounted busyleft"
for mu in $ADOPT_MUTANTS; do
    python3 proofs/bmc/mutate.py proofs/adopt.pml "$OUT/spin/adopt_$mu.pml" $mu || { echo "bmc: spin mutant adopt_$mu: cannot be built"; fail=1; }
done
for mu in armnorecheck spinnowake; do
    python3 proofs/bmc/mutate.py proofs/poll.pml "$OUT/spin/poll_$mu.pml" $mu || { echo "bmc: spin mutant poll_$mu: cannot be built"; fail=1; }
done
PROG="-DNP -DNOREDUCE -DCOLLAPSE"
# pan.c takes 1.6 s to compile at -O2 and 0.5 s at -O0 (which run.sh's -O2 is followed by): the
# models that search for under a second here, and the mutants (they stop at the first error), are
# built at -O0; the five large searches at -O2
SAFE0="$SAFE -O0"; PROG0="$PROG -O0"
{
    echo "mpmc-1p3c proofs/mpmc.pml|-DNP_=1 -DNC_=3 -DNMSG=1 -DGIVEUP=false|$SAFE|-m1000000|0"
    echo "mpmc-2p2c proofs/mpmc.pml|-DNP_=2 -DNC_=2 -DNMSG=1 -DGIVEUP=true|$SAFE|-m1000000|0"
    echo "spsc-safety proofs/spsc.pml|-|$SAFE|-m200000|0"
    echo "spsc-progress proofs/spsc.pml|-|-DNP -DNOREDUCE -DCOLLAPSE|-l -f -m500000|0"
    echo "mpmc-3p1c proofs/mpmc.pml|-DNP_=3 -DNC_=1 -DNMSG=1 -DGIVEUP=false|$SAFE|-m1000000|0"
    echo "mpmc-1p1c proofs/mpmc.pml|-DNP_=1 -DNC_=1 -DNMSG=4 -DGIVEUP=true|$SAFE0|-m1000000|0"
    echo "spsc-norecheck $OUT/spin/spsc_norecheck.pml|-|$SAFE0|-m200000|1"
    echo "spsc-earlypub $OUT/spin/spsc_earlypub.pml|-|$SAFE0|-m200000|1"
    echo "spsc-seqfirst $OUT/spin/spsc_seqfirst.pml|-|$SAFE0|-m200000|1"
    echo "mpmc-norecheck $OUT/spin/mpmc_norecheck.pml|-DNP_=1 -DNC_=1 -DNMSG=3 -DGIVEUP=true|$SAFE0|-m1000000|1"
    echo "mpmc-earlypub $OUT/spin/mpmc_earlypub.pml|-DNP_=2 -DNC_=1 -DNMSG=2 -DGIVEUP=true|$SAFE0|-m1000000|1"
    echo "crash proofs/crash.pml|-|$SAFE0|-m1000000|0"
    for mu in $CRASH_MUTANTS; do echo "crash-$mu $OUT/spin/crash_$mu.pml|-|$SAFE0|-m1000000|1"; done
    echo "takeover proofs/takeover.pml|-|$SAFE0|-m1000000|0"
    for mu in $TAKEOVER_MUTANTS; do echo "takeover-$mu $OUT/spin/takeover_$mu.pml|-|$SAFE0|-m1000000|1"; done
    echo "adopt proofs/adopt.pml|-|$SAFE0|-m1000000|0"
    for mu in $ADOPT_MUTANTS; do echo "adopt-$mu $OUT/spin/adopt_$mu.pml|-|$SAFE0|-m1000000|1"; done
    echo "poll-cons-block proofs/poll.pml|-DPOLL_CONS -DDEATH|$SAFE0|-m200000|0"
    echo "poll-cons-try proofs/poll.pml|-DPOLL_CONS -DTRY_PEER -DDEATH|$SAFE0|-m200000|0"
    echo "poll-prod-block proofs/poll.pml|-DPOLL_PROD -DDEATH|$SAFE0|-m200000|0"
    echo "poll-prod-try proofs/poll.pml|-DPOLL_PROD -DTRY_PEER -DDEATH|$SAFE0|-m200000|0"
    echo "poll-cons-try-progress proofs/poll.pml|-DPOLL_CONS -DTRY_PEER|$PROG0|-l -f -m500000|0"
    echo "poll-prod-try-progress proofs/poll.pml|-DPOLL_PROD -DTRY_PEER|$PROG0|-l -f -m500000|0"
    echo "poll-cons-armnorecheck $OUT/spin/poll_armnorecheck.pml|-DPOLL_CONS -DDEATH|$SAFE0|-m200000|1"
    echo "poll-prod-armnorecheck $OUT/spin/poll_armnorecheck.pml|-DPOLL_PROD -DTRY_PEER|$PROG0|-l -f -m500000|1"
    echo "poll-cons-spinnowake $OUT/spin/poll_spinnowake.pml|-DPOLL_CONS -DDEATH|$SAFE0|-m200000|1"
    echo "poll-prod-spinnowake $OUT/spin/poll_spinnowake.pml|-DPOLL_PROD -DDEATH|$SAFE0|-m200000|1"
} > "$OUT/spinjobs"
# a pool of $J jobs, the longest models first (spinjobs lists them in that order)
xargs -d '\n' -P "$J" -n 1 sh "$0" --spin-job "$OUT" "$LIM" < "$OUT/spinjobs"
while IFS='|' read -r head rest; do
    name=${head%% *}
    cat "$OUT/log/spin-$name.txt"
    [ "$(cat "$OUT/log/spin-$name.rc")" = 0 ] || fail=1
done < "$OUT/spinjobs"

# README.md's figures of every model: states, transitions, depth of this run
python3 proofs/readme-figures.py --check-spin "$OUT"/log/spin-*.txt || fail=1
echo "bmc: SPIN models $(( $(date +%s) - t1 )) s"

# ---- 4. weak memory: the real header's orders, and every weakening of them (proofs/wmm) ------------
t1=$(date +%s)
sh proofs/wmm/run.sh "$OUT" "$CC" || fail=1
echo "bmc: weak-memory checks $(( $(date +%s) - t1 )) s"

echo "bmc: total $(( $(date +%s) - t0 )) s"
if [ $fail != 0 ]; then echo "bmc: FAILED"; exit 1; fi
echo "bmc: all configurations 0 violations, every mutant caught"
