/* The trusted base of `make prove`: the only facts WP takes without proving them. Each is a fact
   about C's unsigned arithmetic modulo 2^32 (or 2^64) that WP's machine-integer theory in Frama-C 25
   lacks (it knows that a conversion to uint32_t is the identity in range, but has no modulo law
   and no bound for bitwise and). Each axiom below is checked independently by z3: `make prove`
   generates the queries from this very file (proofs/lemmas2smt.py: over integers, the hypotheses
   are satisfiable and bound every variable; over wide two's-complement bit vectors, which
   represent those integers exactly, the negated conclusion is unsatisfiable) and requires every
   answer. Nothing else is assumed: no admit, no other axiom. */
#include <stdint.h>

/*@ axiomatic shmpc_modular {
    // W1: a difference that went below zero wraps up by 2^32 (C 6.2.5p9, 6.3.1.3p2).
    axiom shmpc_wrap_below: \forall integer x;
        -4294967296 <= x < 0 ==> (uint32_t)x == x + 4294967296;
    // W2: a sum that went past 2^32 - 1 wraps down by 2^32.
    axiom shmpc_wrap_above: \forall integer x;
        4294967296 <= x < 8589934592 ==> (uint32_t)x == x - 4294967296;
    // B1: a bitwise and of two unsigned 32-bit values is at most either operand. (Both bounds
    // are stated: WP orders the operands of & by itself, so either one may be the mask.)
    axiom shmpc_and_bound: \forall integer a, m;
        0 <= a <= 4294967295 && 0 <= m <= 4294967295 ==> 0 <= (a & m) <= a && (a & m) <= m;
    }
*/
#ifdef SHMPC_PROOF_FIFO
/* Only in the FIFO run (mk/prove.mk): in the context of every core goal it made one of
   shmpc__validate's goals time out. z3 checks it with the others all the same. */
/*@ axiomatic shmpc_slots {
    // S1: with a power-of-two capacity m + 1, two indices 1 .. m apart (mod 2^32) are in
    // different slots (proofs/fifo.c: a push never overwrites a queued message).
    axiom shmpc_slots_apart: \forall integer a, b, m;
        0 <= a <= 4294967295 && 0 <= b <= 4294967295 && 0 <= m <= 2147483647 &&
        (m & (m + 1)) == 0 && 1 <= (uint32_t)(b - a) <= m ==> (a & m) != (b & m);
    }
*/
#endif
