#!/usr/bin/env python3
"""mutate.py SRC OUT N: writes to OUT a copy of SRC with planted bug N (make bmc: each must be caught).
C mutants patch a copy of shmpc.h; SPIN mutants (names) patch a copy of a .pml model.
Exits 2 if a pattern is missing (the header changed: update the mutant, never drop it silently).
mutate.py --list: the numbers of the C mutants; --list-wmm: the names of the header mutants that
the weak-memory explorer must catch (proofs/wmm/run.sh; each with the scenarios that catch it)."""
import re, sys

C = {
    # 1: pitfall 8, integer promotion at the wrap: seq - want computed in int, not cast back.
    "1": [(r"shmpc_idx ahead = \(shmpc_idx\)\(seq - want\), behind = \(shmpc_idx\)\(want - seq\);",
           "uint32_t ahead = (uint32_t)(seq - want), behind = (uint32_t)(want - seq);", 1)],
    # 2: off by one in the producer's room: a full ring takes one more message.
    "2": [(r"\*out = cap - \(uint32_t\)used;", "*out = cap + 1u - (uint32_t)used;", 1)],
    # 3: off by one in the consumer's count: reads a slot nobody published.
    "3": [(r"(shmpc__ready_slots\([^)]*\) \{\s*shmpc_idx used = shmpc__used\(head, tail\);\s*"
           r"if \(\(uint32_t\)used > cap\) return SHMPC_ECORRUPT;\s*)\*out = \(uint32_t\)used;",
           r"\1*out = (uint32_t)used + 1u;", 1)],
    # 4: `<=` for `<` (pitfall 10): the fill check refuses a full ring as corrupt.
    "4": [(r"(shmpc__free_slots\([^)]*\) \{\s*shmpc_idx used = shmpc__used\(head, tail\);\s*)"
           r"if \(\(uint32_t\)used > cap\)", r"\1if ((uint32_t)used >= cap)", 1)],
    # 5: the last closer is never seen: end of stream is never signalled.
    "5": [(r"n == 1u \? SHMPC__ENDED", "n == 2u ? SHMPC__ENDED", 1)],
    # 6: no ESEQ: a second reserve or a push during a peek is let through.
    "6": [(r"\n\s*if \(r->pending_op != SHMPC__OP_NONE\) return SHMPC_ESEQ;", "\n", 1)],
    # 7: MPMC consumer hands the slot to the wrong lap.
    "7": [(r"(shmpc__mpmc_freed\(shmpc_idx pos, uint32_t cap\) \{\s*return \(shmpc_idx\)\(pos \+ cap)\);",
           r"\1 + 1u);", 1)],
    # 8: the try calls' one check is not updated by reserve or peek (shmpc__hold): a push during a
    # reserve goes through.
    "8": [(r"(r->pending_len = n;)\n\s*shmpc__regate\(r\);", r"\1", 1)],
    # 9: an MPMC reservation closed uncommitted becomes a message of 0 bytes (the old phantom).
    "9": [(r"shmpc__st\(&sl->len, SHMPC__DISCARD, relaxed\);", "shmpc__st(&sl->len, 0u, relaxed);", 1)],
    # 10: consumers do not skip a discarded reservation: it is refused as corrupt, the ring stops.
    "10": [(r"if \(raw == SHMPC__DISCARD\) \{", "if (0) {", 1)],
    # 11: an MPMC batch's range claim stops one slot too late: it takes a slot not yet free (a
    #     producer) or a message not yet published (a consumer).
    "11": [(r"(!= \(shmpc_idx\)\(pos \+ k \+ plus\)\)) break;", r"\1 { k++; break; }", 1)],
}
# Header mutants for the weak-memory explorer (proofs/wmm/run.sh): a bound or a step that only
# interleavings, spurious compare-and-swap failures or weak memory can break. name: (patches,
# scenarios of proofs/wmm/wmm.c that must catch it).
WMM = {
    # shmpc_close's count loop bounded by SHMPC_RETRIES again: spurious failures of the last
    # closer's compare-and-swap leave its side open for ever (the hang of the retries test under
    # qemu-aarch64, fixed in 7ed0271).
    "close-retries": ([(r"SHMPC_MAX_PEERS && i < SHMPC__GIVEBACK_TRIES; i\+\+\)", "SHMPC_MAX_PEERS && i < SHMPC_RETRIES; i++)", 1)],
                      "spsc-close-spurious mpmc-close-spurious"),
    # the reclaim's give-back of a dead MPMC peer's count bounded by SHMPC_RETRIES again: spurious
    # failures leave the count one too high (a side that never ends). SPSC gives no count back.
    "reclaim-retries": ([(r"for \(k = 0; k < SHMPC__GIVEBACK_TRIES &&", "for (k = 0; k < SHMPC_RETRIES &&", 1)],
                        "mpmc-reclaim-spurious"),
    # the SPSC reclaim frees the dead holder's entry and gives its count back, as before 2026-12-05:
    # a second restarted consumer takes the count between the reclaim and the taker's own
    # compare-and-swap, and gets the held peek unflagged.
    "spsc-giveback": ([(r"\n\s*\*kept = i;\n\s*continue;", "", 1),
                       (r"if \(mode == SHMPC_SPSC \|\| shmpc__ended\(s, role\)", "if (shmpc__ended(s, role)", 1)],
                      "spsc-takeover-c2"),
    # the taker of a held peek starts its pending word consumed, as any newcomer: if it dies before
    # the message, the next taker gets it unflagged.
    "spsc-held-dropped": ([(r"\(held \? 0u : h\.capacity \+ 1u\)", "(h.capacity + 1u)", 1)],
                          "spsc-takeover-cc"),
}
# SPIN mutants: markers in the models (comments) select the step to remove or move.
PML = {
    "norecheck": [(r"/\*RECHECK\*/[^\\\n]*", "/* mutant: no re-check after registering */ ", 0)],
    "earlypub": [(r"(/\*COPY\*/[^\n]*)\n(\s*)(/\*PUBLISH\*/[^\n]*)\n", r"\3\n\2\1\n", 0)],
    # proofs/spsc.pml: the slot's seq stored before tail (R7 before R1): a consumer that took a
    # message on the seq then reads a tail behind its own index
    "seqfirst": [(r"(/\*PUBLISH\*/[^\n]*)\n(\s*)(/\*SEQ\*/[^\n]*)\n", r"\3\n\2\1\n", 0)],
    # proofs/crash.pml: each recovery step without the check that makes it safe
    "skiplive": [(r"/\*DEADP\*/[\s\S]*?/\*ENDP\*/", "true", 0)],        # skip a stuck slot, dead producer or not
    "freelive": [(r"/\*DEADC\*/[\s\S]*?/\*ENDC\*/", "true", 0)],        # free a taken slot, dead consumer or not
    "reclaimneeded": [(r"/\*NEEDED\*/ !\w+\(\d\)", "true", 0)],         # takeover drops an entry recovery needs
    "discardpub": [(r"/\*MARK\*/ 1", "0", 0)],                          # a closed reservation published as a message
    "freeheld": [(r"/\*HELD\*/[\s\S]*?/\*ENDHELD\*/", "seq[tail % CAP] = tail }", 0)],  # free a held slot (lost), as before
    "nounfreeze": [(r"/\*UNFREEZE\*/", "false && ", 0)],                # a dead recoverer's frozen redelivery stays
    # proofs/takeover.pml: SPSC takeover
    "nopeekrecord": [(r"/\*RECORD\*/ pending\[me\] = pos;", "skip;", 0)],   # a peek leaves no trace: redelivered unflagged
    "heldalways": [(r"/\*HELD\*/ pending\[gone\] == head", "true", 0)],     # the taker flags its first message always
    "heldnotkept": [(r"/\*KEPT\*/ \(redo_pos == head -> head : NONE\)", "NONE", 0)],  # a held peek flagged to the first taker only
    "takeoverhead": [(r"/\*OWN\*/ tail", "head", 0)],                       # a new producer appends at head
    "earlycommit": [(r"/\*EARLY\*/ skip;", "tail = IDX(own + 1);", 0)],     # a reservation published before it is written
    # proofs/adopt.pml: an SPSC role's count adopted (norecheck above: the adopter does not look again)
    "noclock": [(r"/\*CLOCK\*/ SETTLED", "true", 0)],                       # the second look without the clock
    "busyuncounted": [(r"rl\[e\] /\*BUSYCOUNT\*/", "rl[e] && st[e] == REG", 0)],  # a busy entry with the role does not count
    "busyleft": [(r"\|\| st\[k\] == BUSY /\*JUDGEBUSY\*/", "", 0)],           # a busy entry is never judged (layout 4)
    "armnorecheck": [(r"/\*ARMRECHECK\*/[^\\\n]*", "/* mutant: arm without re-check */ ", 0)],
    "spinnowake": [(r"/\*SPINLOOK\*/ sock = 1;", "/* mutant: the spin's look returns, no datagram */", 0)],
}

def main():
    if sys.argv[1:] == ["--list"]:  # the C mutants, for proofs/bmc/run.sh
        print(" ".join(sorted(C, key=int)))
        return
    if sys.argv[1:] == ["--list-wmm"]:  # NAME SCENARIO... per line
        for name, (_, scn) in sorted(WMM.items()):
            print(name, scn)
        return
    src, out, n = sys.argv[1], sys.argv[2], sys.argv[3]
    text = open(src).read()
    table = C if n in C else PML
    patches = WMM[n][0] if n in WMM else table.get(n)
    if patches is None:
        sys.exit("mutate.py: no mutant %s" % n)
    for pat, rep, count in patches:
        new, k = re.subn(pat, rep, text, count=count)
        if k == 0:
            print("mutate.py: mutant %s: pattern not found in %s: %s" % (n, src, pat), file=sys.stderr)
            sys.exit(2)
        text = new
    open(out, "w").write(text)

if __name__ == "__main__":
    main()
