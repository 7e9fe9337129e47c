#!/bin/sh
# mutants.sh DIR "PARSE FLAGS" "WP FLAGS" [more]: plants one bug at a time in a copy of shmpc.h and
# requires Frama-C WP to reject each copy (at least one goal unproved). A mutant whose text is not
# found in shmpc.h fails the check too (the list must follow the code). Two lists: the bugs in
# functions that make prove proves (make prove-mutants, in make test), and with `more` those in
# the functions that only make prove-more proves (the close, attach's crash recovery; run there).
# In three stages, for a pool of make's (make proofs runs them among make prove's runs):
#   mutants.sh DIR - - --list [more]   writes the list DIR/list, prints how many
#   mutants.sh DIR PARSE WP --one N    the N-th mutant of DIR/list, its verdict in DIR/res.N
#   mutants.sh DIR - - --report [more] prints the verdicts; fails unless every one is rejected
dir=$1; parse=$2; wp=$3
if [ "${4:-}" = --one ]; then
    n=$5
    sed -n "${n}p" "$dir/list" | {
    IFS='|' read -r name fcts old new prop bhv
    m="$dir/$name"; mkdir -p "$m"
    file=shmpc.h; case $fcts in *:*) file=${fcts%%:*}; fcts=${fcts#*:};; esac
    mkdir -p "$m/$(dirname "$file")"; [ "$file" = shmpc.h ] || cp shmpc.h "$m/shmpc.h"
    [ "$file" = proofs/fifo.c ] && parse=$(echo "$parse" | sed 's/-DSHMPC_NO_OS/-DSHMPC_NO_OS,-DSHMPC_PROOF_FIFO/') # axiom S1
    OLD="$old" NEW="$new" perl -0pe 'BEGIN { $o = $ENV{OLD}; $n = $ENV{NEW}; $o =~ s/\\n/\n/g; $n =~ s/\\n/\n/g }
        $c = () = /\Q$o\E/g; die "count $c\n" if $c != 1; s/\Q$o\E/$n/' "$file" >"$m/$file" 2>"$m/apply.err" || {
        echo "  $name: the planted text is not in $file exactly once ($(cat "$m/apply.err")): FAIL" >"$dir/res.$n"; exit 0; }
    # CVC4 alone (no Z3 run into its timeout on each failed goal) where make prove's reports of the
    # original (its 64-bit runs: the core, the shell, the batch calls; or the FIFO run), newer than
    # the sources, show that no goal of these functions needed Z3.
    reps="$dir/../wp64.json $dir/../wp64s.json $dir/../wp64b.json"; [ "$file" = proofs/fifo.c ] && reps=$dir/../wp-fifo.json
    fresh=1; for rep in $reps; do
        { [ "$rep" -nt shmpc.h ] && [ "$rep" -nt "$file" ] && [ "$rep" -nt proofs/lemmas.c ]; } || fresh=0
    done
    # shellcheck disable=SC2086
    if [ $fresh = 1 ] && python3 -c 'import json, sys
f = {}
for rep in sys.argv[2:]:
    f.update(json.load(open(rep))["wp:functions"])
sys.exit(any(fn not in f or any("Z3" in k for r in f[fn].values() for k in r) for fn in sys.argv[1].split(",")))' "$fcts" $reps; then
        wp=$(echo "$wp" | sed 's/-wp-prover [^ ]*/-wp-prover cvc4/'); echo cvc4 >"$m/provers"
    else echo "$wp" | sed -n 's/.*-wp-prover \([^ ]*\).*/\1/p' >"$m/provers"; fi
    # shellcheck disable=SC2086
    frama-c $parse "$m/$file" proofs/lemmas.c $wp -wp-fct "$fcts" ${prop:+-wp-prop "$prop"} ${bhv:+-wp-bhv "$bhv"} -wp-session "$m/session" >"$m/wp.log" 2>&1
    sh proofs/wp-summary.sh "$m/wp.log" "$fcts" >"$m/summary.txt" 2>&1
    tot=$(tail -1 "$m/summary.txt")
    if grep -q 'NOT PROVED' "$m/summary.txt"; then
        echo "  $name ($fcts): rejected by $(cat "$m/provers"), $tot; e.g. $(grep -m1 'NOT PROVED' "$m/summary.txt" | sed 's/^ *NOT PROVED: //')"
    else
        echo "  $name ($fcts): NOT rejected ($tot): the proofs cannot see this bug"
    fi >"$dir/res.$n"
    }
    exit 0
fi
case "${4:-}" in
    --list|--report) stage=$4; set=${5:-};;
    *) stage=all; set=${4:-};;
esac
mkdir -p "$dir"
fail=0
if [ "$stage" != --report ]; then
# name | functions to prove | exact text in shmpc.h | replacement [| the one property to prove:
# -wp-prop [| the behaviors to prove: -wp-bhv]] (the property or behavior the bug breaks: a shorter run)
# (functions as FILE:FUNCTIONS: the text is in FILE instead, proofs/fifo.c, proven with the real shmpc.h)
if [ "$set" = more ]; then
# make prove-more's: the functions only it proves (the close, attach's crash recovery), the longest first
cat >"$dir/list" <<'LIST'
reclaim_keeps_two|shmpc__reclaim|if (mode == SHMPC_SPSC && *kept < 0 && !shmpc__ended(s, role)) {|if (mode == SHMPC_SPSC && !shmpc__ended(s, role)) {|once
reclaim_giveback_unbounded|shmpc__reclaim|for (k = 0; k < SHMPC__GIVEBACK_TRIES && one != 0u|for (k = 0; one != 0u|tries
close_giveback_unbounded|shmpc__close_side|n <= (uint32_t)SHMPC_MAX_PEERS && i < SHMPC__GIVEBACK_TRIES; i++)|n <= (uint32_t)SHMPC_MAX_PEERS; i++)|tries
close_entry_of_any_role|shmpc_close|if (!r->closed && (r->role == SHMPC_PRODUCER |if (!r->closed && (r->role != SHMPC_OBSERVER |entry
still_needed_range_unbounded|shmpc__still_needed|    if (n > cap) n = cap;\n||bound
LIST
else
# make prove's (the list's longest first: the pool's lanes then end together)
cat >"$dir/list" <<'LIST'
fifo_reserve_when_full|proofs/fifo.c:fifo_reserve|if (free == 0u) return SHMPC_EFULL;|||full
peers_past_max|shmpc_peers|for (i = 0; i < SHMPC_MAX_PEERS && n < max; i++) {|for (i = 0; i < SHMPC_MAX_PEERS; i++) {|count
stat_fill_reversed|shmpc_stat|st->fill = shmpc__used(st->head, st->tail);|st->fill = shmpc__used(st->tail, st->head);|fill
full_off_by_one|shmpc__can_put|return (uint32_t)used == cap ? SHMPC_EFULL : SHMPC_OK;|return (uint32_t)used > cap ? SHMPC_EFULL : SHMPC_OK;
missing_mask|shmpc__slot_of,shmpc__slot_off|return (uint32_t)i & mask;|return (uint32_t)i;
trusted_peer_length|shmpc__can_get,shmpc__get|return n > slot_size ? SHMPC_ECORRUPT : SHMPC_OK;|return SHMPC_OK;||corrupt
fill_not_checked|shmpc__free_slots|if ((uint32_t)used > cap) return SHMPC_ECORRUPT;\n    *out = cap - (uint32_t)used;|*out = cap - (uint32_t)used;
mapping_size_trusted|shmpc__validate|if (h->total_size > (uint64_t)map_size) return SHMPC_ESIZE;|||too_small
small_copy_overruns|shmpc__bytes|case 7: SHMPC_MEMCPY(d, s, 56u); break;|case 7: SHMPC_MEMCPY(d, s, 64u); break;|valid_dest
fifo_pop_next_slot|proofs/fifo.c:fifo_pop|n = shmpc__fc_slot(slots, head, mask, stride)->len;\n    /*@ assert n: n == fifo_glen[head]; */\n    *len = n;|n = shmpc__fc_slot(slots, head + 1u, mask, stride)->len;\n    /*@ assert n: n == fifo_glen[head]; */\n    *len = n;|n
fifo_push_len_next_slot|proofs/fifo.c:fifo_put_at|shmpc__fc_slot(slots, tail, mask, stride)->len = (uint32_t)len;\n    /*@ ghost fifo_record(tail, msg, len); */|shmpc__fc_slot(slots, tail + 1u, mask, stride)->len = (uint32_t)len;\n    /*@ ghost fifo_record(tail, msg, len); */|added_len
fifo_peek_next_slot|proofs/fifo.c:fifo_peek|p = shmpc__payload(slots, mask, stride, size, head);|p = shmpc__payload(slots, mask, stride, size, head + 1u);|bytes
fifo_pop_eos_early|proofs/fifo.c:fifo_pop|shmpc__check, before anything */\n    if (head == tail) return q->closed ? SHMPC_ECLOSED : SHMPC_EEMPTY;|shmpc__check, before anything */\n    if (q->closed) return SHMPC_ECLOSED;\n    if (head == tail) return SHMPC_EEMPTY;|end
fifo_push_after_close|proofs/fifo.c:fifo_push|if (q->closed) return SHMPC_EINVAL; /* the closed handle: shmpc__check_slow, before anything */||refused
fifo_close_drops|proofs/fifo.c:fifo_close|q->closed = 1;|q->closed = 1;\n    q->head = q->tail;|kept
fifo_push_after_cons_close|proofs/fifo.c:fifo_push|&& q->gone) return SHMPC_ECLOSED;|&& 0) return SHMPC_ECLOSED;|refused|gone
fifo_pop_after_cons_close|proofs/fifo.c:fifo_pop|    if (q->gone) return SHMPC_EINVAL; /* the consumer's closed handle: shmpc__check, before anything */\n||refused|gone
fifo_write_into_head|proofs/fifo.c:fifo_write|p = shmpc__payload(slots, mask, stride, size, tail);\n    /*@ assert wr:|p = shmpc__payload(slots, mask, stride, size, head);\n    /*@ assert wr:|slots
reserve_room_too_big|shmpc_try_reserve|if (room) *room = size;|if (room) *room = size + 1u;|writable
peek_trusted_length|shmpc_try_peek|rc = shmpc__can_get(pos, r->cached, r->capacity, r->slot_size, n);|rc = shmpc__can_get(pos, r->cached, r->capacity, r->slot_size, 0u);|ready
mpmc_push_length_unchecked|shmpc__mpmc_push|if (len > size) return SHMPC_EMSGSIZE;||fits
push_null_message|shmpc_try_push|if (!msg && len) return SHMPC_EINVAL;\n    if (r->mode != SHMPC_SPSC) return shmpc__mpmc_push(|if (r->mode != SHMPC_SPSC) return shmpc__mpmc_push(|msg
batch_length_off_by_one|shmpc_try_push_many|if (msgs[i].len > r->slot_size |if (msgs[i].len > r->slot_size + 1u |fit
batch_pop_buffer_unchecked|shmpc__spsc_pop_many|if (rc == SHMPC_OK && len > bufs[i].len) rc = SHMPC_EMSGSIZE;|/* the caller's buffer not checked */|buf
LIST
fi
rm -f "$dir"/res.*
fi
N=$(grep -c . "$dir/list")
[ "$stage" = --list ] && { echo "$N"; exit 0; }
# three at a time on two cores, as make prove's runs (a WP run keeps a core only about 70 % busy)
[ "$stage" = all ] && seq 1 "$N" | xargs -P 3 -I{} sh "$0" "$dir" "$parse" "$(echo "$wp" | sed 's/-wp-par [0-9]*/-wp-par 1/')" --one {}
for n in $(seq 1 "$N"); do
    if [ -s "$dir/res.$n" ]; then cat "$dir/res.$n"; else echo "  mutant $n of $dir/list: no result: FAIL"; fail=1; fi
    grep -q ': rejected by ' "$dir/res.$n" 2>/dev/null || fail=1
done
# The axioms' check must reject a false axiom: W1 with 2^32 - 1 for 2^32 (make prove's set).
[ "$set" = more ] || {
grep -q 'x + 4294967296;' proofs/lemmas.c || { echo "  false_axiom: W1 not found in proofs/lemmas.c: FAIL"; fail=1; }
sed 's/x + 4294967296;/x + 4294967295;/' proofs/lemmas.c >"$dir/lemmas-false.c"
python3 proofs/lemmas2smt.py "$dir/lemmas-false.c" >"$dir/lemmas-false.smt2" || fail=1
want=$(sed -n 's/^; z3 must answer: //p' "$dir/lemmas-false.smt2")
got=$(z3 "$dir/lemmas-false.smt2" | tr '\n' ' ' | sed 's/ $//')
if [ -n "$want" ] && [ "$got" != "$want" ]; then echo "  false_axiom (proofs/lemmas.c, W1): rejected, z3 answered $got"
else echo "  false_axiom (proofs/lemmas.c, W1): NOT rejected: the axiom check cannot see it"; fail=1; fi
}
[ $fail -eq 0 ] && echo "prove-mutants: every planted bug was rejected" || { echo "prove-mutants: FAILED"; exit 1; }
