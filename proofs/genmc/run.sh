#!/bin/sh
# proofs/genmc/run.sh GENMC: the sleep/wake-up handshake of shmpc.h under RC11, checked by GenMC
# (proofs/genmc/wake.c), and the planted ordering bugs it must find. make genmc runs it.
# Exit 0: every scenario of the header passes and every mutant fails in at least one of them.
genmc=${1:-genmc}
if ! command -v "$genmc" >/dev/null 2>&1; then
    cat <<MSG
genmc: GenMC is not packaged for Debian. Build it (as root for the packages):
  apt-get install -y autoconf automake clang llvm llvm-dev libffi-dev zlib1g-dev libedit-dev
  git clone https://github.com/MPI-SWS/genmc && cd genmc && git checkout c26195b &&  # v0.10.3
  autoreconf --install && ./configure && make
then: make genmc GENMC=/path/to/genmc/genmc
MSG
    exit 2
fi
dir=build/genmc
rm -rf "$dir"; mkdir -p "$dir"
# scenario: WAKE_SCEN WAKE_MSGS (proofs/genmc/wake.c): data SPSC with 1 and 2 messages, space
# SPSC, data MPMC with 1 and 2, space MPMC; streams of 2 messages and the close: zero copy and
# batches, SPSC and MPMC; two MPMC producers closing (the side ends with the last); an MPMC
# producer attaching while the last one closes
SCENARIOS="1:1 1:2 2:1 3:1 3:2 4:1 5:2 6:2 7:2 8:2 9:1 10:1"
# one INCLUDE-DIR TAG [first] (it sets the globals s, m, log, img, ...): every scenario against the shmpc.h in INCLUDE-DIR (with first: up to
# the first that finds an error); prints one line per scenario; exit 0 when none found an error.
# Only a violation or a race that GenMC reports after exploring is an error; a harness that did
# not build or compile, or a run that ended otherwise, is a failure of the check (BROKEN).
one() {
    inc=$1; tag=$2; bad=0
    for sc in $SCENARIOS; do
        s=${sc%%:*}; m=${sc#*:}
        log="$dir/$tag-$s-$m.log"; img="$dir/image-$tag-$s"
        mkdir -p "$img"
        # the segment formatted by this header's shmpc_format, natively (wake.c says why)
        ${CC:-cc} -std=c11 -I"$inc" -DWAKE_PRINT_IMAGE -DWAKE_SCEN="$s" proofs/genmc/wake.c -o "$img/print" &&
            "$img/print" >"$img/image.h" || { echo "  $tag: scenario $s: the image was not built: BROKEN"; bad=1; continue; }
        start=$(date +%s)
        timeout 600 "$genmc" -disable-estimation -- -I"$inc" -I"$img" -DWAKE_SCEN="$s" -DWAKE_MSGS="$m" proofs/genmc/wake.c >"$log" 2>&1
        rc=$?
        t=$(( $(date +%s) - start ))
        n=$(sed -n 's/^Number of complete executions explored: *\([0-9]*\).*/\1/p' "$log" | head -1)
        if [ $rc -eq 0 ] && grep -q 'No errors were detected' "$log"; then
            echo "  $tag: scenario $s, $m message(s): no error, ${n:-?} executions, $t s"
        elif grep -q '^Error: \(Safety violation\|Non-atomic race\)' "$log"; then
            bad=1
            echo "  $tag: scenario $s, $m message(s): ERROR (exit $rc, $t s): $(grep -m1 '^Error: ' "$log")"
            [ "${3:-}" = first ] && return 1
        else
            bad=1
            echo "  $tag: scenario $s, $m message(s): BROKEN (exit $rc, $t s): $(grep -m1 -i 'error' "$log" | cut -c1-120) (see $log)"
        fi
    done
    return $bad
}
fail=0
echo "genmc: shmpc.h under RC11 ($("$genmc" --version 2>&1 | grep -m1 "GenMC v" | sed "s/^ *//"))"
one . header || fail=1
# NAME|exact text in shmpc.h|replacement: each must be caught in at least one scenario. F1 is
# removed, not made the asymmetric form's signal fence: GenMC v0.10.3 takes a signal fence for a
# thread fence (a mutant with one passes), so the asymmetric form is outside what this checks.
cat >"$dir/mutants" <<'LIST'
f2_removed|    shmpc__fence(seq_cst); /* F2: pairs with F1 in shmpc__notify */|
f1_removed|else shmpc__fence(seq_cst);                                /* F1: pairs with F2 in shmpc__wait */|else (void)0;
f2_as_seq_cst_increment|    shmpc__count_in(waiters);\n    shmpc__fence(seq_cst); /* F2: pairs with F1 in shmpc__notify */|    shmpc__add(waiters, 1u, seq_cst);
r7_relaxed|shmpc__st(&sl->seq, t, release);      /* R7: and in the slot, after R1; pairs with A7 */|shmpc__st(&sl->seq, t, relaxed);
a7_relaxed|if ((shmpc_idx)shmpc__ld(&sl->seq, acquire) == (shmpc_idx)(own + 1u)) { /* A7: pairs with R7 */|if ((shmpc_idx)shmpc__ld(&sl->seq, relaxed) == (shmpc_idx)(own + 1u)) {
r3_relaxed|shmpc__st(&sl->seq, shmpc__mpmc_published(pos, r->capacity), release); /* R3: publish; pairs with A3 */|shmpc__st(&sl->seq, shmpc__mpmc_published(pos, r->capacity), relaxed);
close_count_to_zero|if (shmpc__cas(count, &n, n == 1u ? SHMPC__ENDED : n - 1u, acq_rel))|if (shmpc__cas(count, &n, n - 1u, acq_rel))
LIST
while IFS='|' read -r name old new; do
    mkdir -p "$dir/$name"
    OLD="$old" NEW="$new" perl -0pe 'BEGIN { $o = $ENV{OLD}; $n = $ENV{NEW}; $o =~ s/\\n/\n/g; $n =~ s/\\n/\n/g }
        $c = () = /\Q$o\E/g; die "count $c\n" if $c != 1; s/\Q$o\E/$n/' shmpc.h >"$dir/$name/shmpc.h" 2>"$dir/$name/apply.err" || {
        echo "  $name: the planted text is not in shmpc.h exactly once ($(cat "$dir/$name/apply.err")): FAIL"; fail=1; continue; }
    if one "$dir/$name" "$name" first >"$dir/$name/result"; then
        cat "$dir/$name/result"; echo "  $name: NOT caught: FAIL"; fail=1
    elif grep -q BROKEN "$dir/$name/result"; then
        cat "$dir/$name/result"; echo "  $name: the check broke: FAIL"; fail=1
    else
        echo "  $name: caught: $(grep -m1 ERROR "$dir/$name/result" | sed 's/^ *//')"
    fi
done <"$dir/mutants"
# Every memory-order mutant of proofs/wmm/orders.py (the set make bmc's explorer runs) in these
# scenarios: one that GenMC catches must not be among those proofs/wmm/survivors.txt argues (RC11
# has load buffering, which the explorer lacks: a catch there would refute an argument).
python3 proofs/wmm/orders.py list shmpc.h >"$dir/orders" && python3 proofs/wmm/orders.py make-all shmpc.h "$dir/order" || fail=1
caught=0; total=0
while read -r name; do
    mdir="$dir/order/$(echo "$name" | tr ':#>-' '____')"; total=$((total + 1))
    [ -s "$mdir/shmpc.h" ] || { echo "  $name: no mutant header: FAIL"; fail=1; continue; }
    one "$mdir" order first >"$mdir/result" 2>&1 && continue
    if grep -q BROKEN "$mdir/result"; then echo "  $name: the check broke: FAIL ($(grep -m1 BROKEN "$mdir/result"))"; fail=1; continue; fi
    caught=$((caught + 1))
    if grep -q "^$name " proofs/wmm/survivors.txt; then
        echo "  $name: caught here, argued a survivor in proofs/wmm/survivors.txt: FAIL ($(grep -m1 ERROR "$mdir/result" | sed 's/^ *order: //'))"; fail=1
    fi
done <"$dir/orders"
echo "  order mutants: $caught of $total caught in these scenarios, none of them a survivor argued in proofs/wmm/survivors.txt unless FAIL is printed above"
[ $fail -eq 0 ] && echo "genmc: passed" || echo "genmc: FAILED"
exit $fail
