#!/bin/sh
# proofs/wmm/run.sh OUT CC : the weak-memory checks of make bmc (proofs/wmm/wmm.c over shmpc.h).
# 1. every scenario on the header as it is: 0 violations (and the lines of shmpc.h each reached);
# 2. every memory-order mutant that proofs/wmm/orders.py reads from the header: caught (a
#    violation), or argued in proofs/wmm/survivors.txt; an argued mutant that is caught, or one
#    that no longer exists, fails too (the list must say what is true of this header).
#    Mutants run with 1 preemption first; one not caught then runs with $P (WMM_PREEMPTIONS,
#    default 2) unless it is argued a survivor (WMM_DEEP=1: argued ones too). The argued
#    survivors run first all at once, in one header (below); only if that is caught, one by one.
# 3. every header mutant of proofs/bmc/mutate.py --list-wmm (a loop bound, a step): caught by each
#    scenario it names.
# 4. README.md says this run's figures (proofs/readme-figures.py --check-wmm).
set -u
OUT=$1; CC=$2
J=${BMC_JOBS:-2}
P=${WMM_PREEMPTIONS:-2}
FLAGS="-std=c11 -O1 -w"
MFLAGS="-std=c11 -O0 -w" # mutants: many builds, short runs
mkdir -p "$OUT/wmm/mut"
fail=0
# shellcheck disable=SC2086
$CC $FLAGS -I. proofs/wmm/wmm.c -o "$OUT/wmm/wmm" || { echo "wmm: does not compile"; exit 1; }
SCN=$("$OUT/wmm/wmm" -l | cut -f1 | tr '\n' ' ')
# the header as it is: one job per scenario, $J at a time, each recording the lines it reached
rm -f "$OUT"/wmm/base.*
printf '%s\n' $SCN | xargs -P "$J" -I{} sh -c 'timeout 600 "$1" -q -p "$2" -r "$3/base.{}.reached" {} \
    >"$3/base.{}.out" 2>&1; echo $? >"$3/base.{}.rc"' sh "$OUT/wmm/wmm" "$P" "$OUT/wmm"
for s in $SCN; do
    cat "$OUT/wmm/base.$s.out"
    [ "$(cat "$OUT/wmm/base.$s.rc" 2>/dev/null)" = 0 ] || { echo "wmm: FAILED on the header as it is ($s)"; fail=1; }
done
python3 proofs/wmm/orders.py list shmpc.h > "$OUT/wmm/mutants" || exit 1
# A mutant behaves as the header does in every execution of a scenario that never executes its
# access (no line of its call among that scenario's reached lines in the base run, explored with at
# least the mutant's preemptions): it runs only on the scenarios that reach it. One that no
# scenario reaches is not run at all, and must be argued.
# shellcheck disable=SC2086
python3 proofs/wmm/orders.py reach shmpc.h "$OUT/wmm" $SCN > "$OUT/wmm/reach" || exit 1
awk 'NF == 1 { print $1 }' "$OUT/wmm/reach" > "$OUT/wmm/unreached"
# one job per mutant: mutate, compile, run every scenario until the first violation
cat > "$OUT/wmm/one.sh" <<ONE
m=\$1; d="$OUT/wmm/mut/\$(echo "\$m" | tr ':#>-' '____')"; mkdir -p "\$d"
if grep -qxF "\$m" "$OUT/wmm/unreached"; then echo "\$m UNREACHED" > "\$d/res"; exit 0; fi
[ -s "\$d/shmpc.h" ] || { echo "\$m BROKEN" > "\$d/res"; exit 0; } # orders.py make-all, below
$CC $MFLAGS -I"\$d" proofs/wmm/wmm.c -o "\$d/wmm" 2>"\$d/cc.err" || { echo "\$m NOCOMPILE" > "\$d/res"; exit 0; }
scn=\$(grep "^\$m " "$OUT/wmm/reach" | cut -d' ' -f2-)
timeout 300 "\$d/wmm" -q -p 1 \$scn > "\$d/out" 2>&1; rc=\$?
if [ \$rc = 0 ] && { [ -n "\${WMM_DEEP:-}" ] || ! grep -q "^\$m " proofs/wmm/survivors.txt; }; then
    timeout 300 "\$d/wmm" -q -p $P \$scn > "\$d/out" 2>&1; rc=\$?
fi
if [ \$rc = 1 ]; then echo "\$m CAUGHT \$(grep VIOLATION "\$d/out" | head -1 | sed 's/ after [0-9]* executions//')" > "\$d/res"
elif [ \$rc = 0 ]; then echo "\$m SURVIVED" > "\$d/res"
else echo "\$m ERROR \$rc" > "\$d/res"; fi
ONE
rm -rf "$OUT/wmm/mut"; mkdir -p "$OUT/wmm/mut"
python3 proofs/wmm/orders.py make-all shmpc.h "$OUT/wmm/mut" # every mutant's header, in one run
# The argued survivors that some scenario reaches (order weakenings and fence removals: no :late
# mutant, which moves code) run together, in one header with every one of them applied
# (orders.py union), on every scenario any of them reaches, at 1 preemption (as each alone
# would run, WMM_DEEP unset), beside the other mutants. A weaker order only adds executions in the
# explorer (a relaxed access reads from at least the messages an acquire or release one could,
# and joins fewer views; a removed fence constrains nothing), so if no execution of the union
# violates anything, none of each alone does: they are not run one by one. If the union is
# caught, each then runs alone as any mutant does (a combination may break what no single
# weakening does).
grep -v '^#' proofs/wmm/survivors.txt | grep . | cut -d' ' -f1 | grep -v ':late$' | grep -vxFf "$OUT/wmm/unreached" |
    grep -xFf "$OUT/wmm/mutants" > "$OUT/wmm/union.ids" || true
if [ -s "$OUT/wmm/union.ids" ] && [ -z "${WMM_DEEP:-}" ]; then
    u=$(wc -l < "$OUT/wmm/union.ids"); d="$OUT/wmm/union"; mkdir -p "$d"; t0=$(date +%s)
    uscn=$(awk 'NR == FNR { want[$1] = 1; next } ($1 in want) { for (i = 2; i <= NF; i++) print $i }' \
        "$OUT/wmm/union.ids" "$OUT/wmm/reach" | sort -u | tr '\n' ' ')
    (
        # shellcheck disable=SC2046
        if python3 proofs/wmm/orders.py union shmpc.h "$d/shmpc.h" $(cat "$OUT/wmm/union.ids") &&
           $CC $MFLAGS -I"$d" proofs/wmm/wmm.c -o "$d/wmm" 2>"$d/cc.err"; then
            # shellcheck disable=SC2086
            timeout 600 "$d/wmm" -q -p 1 $uscn > "$d/out" 2>&1; echo $? > "$d/rc"
        else echo 2 > "$d/rc"; fi
        echo $(( $(date +%s) - t0 )) > "$d/secs"
    ) &
    upid=$!
    grep -vxFf "$OUT/wmm/union.ids" "$OUT/wmm/mutants" | xargs -P "$J" -n 1 sh "$OUT/wmm/one.sh"
    wait $upid
    if [ "$(cat "$d/rc")" = 0 ]; then
        while read -r m; do echo "$m SURVIVED" > "$OUT/wmm/mut/$(echo "$m" | tr ':#>-' '____')/res"; done < "$OUT/wmm/union.ids"
        echo "wmm: the $u argued survivors that a scenario reaches, all applied at once: 0 violations at 1 preemption on $(echo $uscn | wc -w) scenarios ($(cat "$d/secs") s, beside the other mutants): none of them is caught alone"
    else
        echo "wmm: the $u argued survivors all applied at once: $(grep -m1 VIOLATION "$d/out" || echo "exit $(cat "$d/rc")") (each runs alone)"
        xargs -P "$J" -n 1 sh "$OUT/wmm/one.sh" < "$OUT/wmm/union.ids"
    fi
else
    xargs -P "$J" -n 1 sh "$OUT/wmm/one.sh" < "$OUT/wmm/mutants"
fi
caught=0; argued=0; unreached=0; n=0
while read -r m; do
    n=$((n + 1))
    r=$(cat "$OUT/wmm/mut/$(echo "$m" | tr ':#>-' '____')/res")
    listed=$(grep -c "^$m " proofs/wmm/survivors.txt)
    case "$r" in
    *" CAUGHT "*)
        caught=$((caught + 1))
        if [ "$listed" != 0 ]; then echo "wmm: mutant $m is argued a survivor but was caught: $r"; fail=1
        else echo "wmm: mutant ${r#* }" | sed "s/^wmm: mutant CAUGHT/wmm: mutant $m caught:/"; fi ;;
    *" UNREACHED")
        if [ "$listed" = 0 ]; then echo "wmm: mutant $m is in code no scenario executes, and not argued in proofs/wmm/survivors.txt"; fail=1
        else argued=$((argued + 1)); unreached=$((unreached + 1)); echo "wmm: mutant $m survives, argued (no scenario executes it: not run)"; fi ;;
    *" SURVIVED")
        if [ "$listed" = 0 ]; then echo "wmm: mutant $m SURVIVED (not argued in proofs/wmm/survivors.txt)"; fail=1
        else argued=$((argued + 1)); echo "wmm: mutant $m survives, argued"; fi ;;
    *) echo "wmm: mutant $r"; fail=1 ;;
    esac
done < "$OUT/wmm/mutants"
grep -v '^#' proofs/wmm/survivors.txt | grep . | cut -d' ' -f1 | while read -r m; do
    grep -qx "$m" "$OUT/wmm/mutants" || { echo "wmm: survivors.txt argues $m, which this header does not have"; echo x > "$OUT/wmm/stale"; }
done
[ -e "$OUT/wmm/stale" ] && { rm -f "$OUT/wmm/stale"; fail=1; }
echo "wmm: $n order mutants: $caught caught, $argued survivors argued ($unreached of them in code no scenario executes)"
# 3. header mutants of bounds and steps (proofs/bmc/mutate.py --list-wmm): each scenario listed
#    with a mutant must catch it
python3 proofs/bmc/mutate.py --list-wmm > "$OUT/wmm/hmutants" && [ -s "$OUT/wmm/hmutants" ] || { echo "wmm: no header mutants listed"; fail=1; }
while read -r m scn; do
    d="$OUT/wmm/hmut/$m"; mkdir -p "$d"
    if ! python3 proofs/bmc/mutate.py shmpc.h "$d/shmpc.h" "$m" || ! $CC $MFLAGS -I"$d" proofs/wmm/wmm.c -o "$d/wmm" 2>"$d/cc.err"; then
        echo "wmm: header mutant $m cannot be built"; fail=1; continue
    fi
    for s in $scn; do
        timeout 300 "$d/wmm" -q -p "$P" "$s" > "$d/$s.out" 2>&1; rc=$?
        if [ $rc = 1 ]; then echo "wmm: header mutant $m caught: $(grep -m1 VIOLATION "$d/$s.out")"
        else echo "wmm: header mutant $m SURVIVED $s (exit $rc)"; fail=1; fi
    done
done < "$OUT/wmm/hmutants"
# 4. README.md's figures of this part: the scenarios, executions and mutant counts of this run
#    (those of the default bound: README states them for 2 preemptions)
if [ "$P" = 2 ]; then
    python3 proofs/readme-figures.py --check-wmm "$OUT/wmm" "$n" "$caught" "$argued" "$unreached" || fail=1
fi
exit $fail
