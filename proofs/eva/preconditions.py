#!/usr/bin/env python3
"""preconditions.py EVA_LOG: the preconditions that Eva could not decide, and those it found broken.

Eva checks the ACSL precondition of every call it analyses. Where it cannot decide one (status
unknown), it goes on with the states that satisfy it: what it finds after the call holds only under
that precondition, so an undecided precondition hides what a bug behind it would do (a copy longer
than the slot passes as long as shmpc__copy_in's `fits` is merely undecided). This prints each
undecided precondition once, with its call sites, and exits 1 if any is outside ARGUED below, or if
any got status invalid (Eva found a call that breaks it on some path)."""
import re
import sys

# Undecided, and argued (README.md, "Eva over the shell"): quantified predicates that Eva cannot
# evaluate, whose facts Eva checks where they are used.
ARGUED = {
    # shmpc_handle_ok: every slot header valid and apart from the handle (a quantifier over the
    # logic function shmpc_hdr). WP proves it at the call sites in the functions of make prove;
    # Eva checks each header access itself, at the address the code computes (SHMPC__EVA).
    "handle",
    # shmpc_try_push_many's `each`: every iov's bytes readable (a quantifier over the caller's
    # array). The driver gives a 17-byte buffer with a length of at most 17, or NULL and 0; Eva
    # decides shmpc__copy_in's `msg` for every copy the call makes.
    "shmpc_try_push_many: precondition 'each'",
    # The same of the SPSC and MPMC halves of the batch push, which shmpc_try_push_many calls
    # with the prefix of its batch that it checked: `each` as above; `fit` (every message of the
    # prefix no longer than a slot, its base given unless its length is 0) is what the check loop
    # of shmpc_try_push_many establishes, which WP proves at that call site (make prove); Eva
    # decides shmpc__copy_in's `fits` for every copy.
    "shmpc__spsc_push_many: precondition 'each'",
    "shmpc__mpmc_push_many: precondition 'each'",
    "shmpc__spsc_push_many: precondition 'fit'",
    "shmpc__mpmc_push_many: precondition 'fit'",
    # `apart` of the batch push and its halves: the caller's iov array apart from the handle and
    # from every slot header (a quantifier over the headers). WP's typed memory model needs it
    # (at 32 bits an iov's length and a header's words are both 32-bit words); Eva's does not, it
    # follows every write to its own address. WP proves it at the halves' call sites.
    "shmpc_try_push_many: precondition 'apart'",
    "shmpc__spsc_push_many: precondition 'apart'",
    "shmpc__mpmc_push_many: precondition 'apart'",
    # The same of the batch pop and its MPMC half (whose WP proof at 32 bits needs it as the
    # push's does; WP proves it at the half's call site).
    "shmpc_try_pop_many: precondition 'apart'",
    "shmpc__mpmc_pop_many: precondition 'apart'",
    # shmpc__spsc_publish's `headers`: every slot header valid, the quantifier of `handle` above,
    # given as the geometry's values; WP proves it at the batch push's call, attach's rests on the
    # handle attach set up (argued, as `handle`); Eva checks each header store at its address.
    "shmpc__spsc_publish: precondition 'headers'",
    # shmpc__mpmc_fill's `slot`: the header it is given is shmpc_hdr(r->slots, m), the proof's name
    # for the header of slot m (a logic function with no definition, see shmpc_handle_ok); Eva
    # (SHMPC__EVA) runs the code's own address of the header and checks each store at it.
    "shmpc__mpmc_fill: precondition 'slot'",
    # shmpc__mpmc_free's `slot`: the same, of the header of the slot it frees (R4).
    "shmpc__mpmc_free: precondition 'slot'",
    # shmpc__mpmc_skip's `slot`: the same, of the header of a discarded slot the take skips.
    "shmpc__mpmc_skip: precondition 'slot'",
}


def main():
    lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n")
    unknown, invalid = {}, {}
    for i, line in enumerate(lines):
        m = re.match(r"\[eva:alarm\] (\S+): Warning: ?(.*)$", line)
        if not m:
            continue
        msg = m.group(2).strip() or (lines[i + 1].strip() if i + 1 < len(lines) else "")
        p = re.match(r"function (\S+): precondition( '[^']*')? got status (unknown|invalid)", msg)
        if not p:
            continue
        where = m.group(1).rsplit("/", 1)[-1].rstrip(":")
        key = "%s: precondition%s" % (p.group(1), p.group(2) or "")
        target = invalid if p.group(3) == "invalid" else unknown
        target.setdefault(key, set()).add(where)
    open_ = [k for k in unknown if k not in ARGUED and not k.endswith("precondition 'handle'")]
    handles = [k for k in unknown if k.endswith("precondition 'handle'")]
    if handles:
        print("  undecided, argued: precondition 'handle' of %d functions (%d call sites)"
              % (len(handles), sum(len(unknown[k]) for k in handles)))
    for key in sorted(set(unknown) - set(handles)):
        tag = "NOT DECIDED" if key in open_ else "undecided, argued"
        print("  %s: %s (at %s)" % (tag, key, ", ".join(sorted(unknown[key]))))
    for key in sorted(invalid):
        print("  INVALID: %s (at %s)" % (key, ", ".join(sorted(invalid[key]))))
    print("eva: preconditions: %d undecided and argued, %d undecided otherwise, %d invalid"
          % (len(unknown) - len(open_), len(open_), len(invalid)))
    return 1 if invalid or open_ else 0


if __name__ == "__main__":
    sys.exit(main())
