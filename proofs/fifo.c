/* FIFO across steps: a sequential SPSC ring built from the proven core of shmpc.h (>>core), with a
   ghost queue beside it, and an inductive invariant fifo_inv that every operation preserves.

   The model state is what the shell keeps (>>ring): the slot array and its geometry, head and
   tail; the length of a message lives in its slot's header word (shmpc_hdr), its bytes in the
   slot's payload, as the shell stores them. The ghost queue holds every message pushed: message i
   (i an index modulo 2^32) has length fifo_glen[i] and bytes fifo_gbytes[i * 2^30 + k], k below
   that length. fifo_inv says that each index i in [head, tail) has, in the slot i & mask, exactly
   the length and bytes of ghost message i, and that tail - head <= capacity.

   Each operation requires fifo_inv and ensures it; a push (or a commit) appends exactly its
   message at ghost index tail and leaves every queued ghost message as it was; a pop (or a peek
   and its release) returns exactly ghost message head, byte for byte and its length, and advances
   head by one; a refused call changes nothing. The end of stream is the producer side's close
   (the flag closed: bit 0 of the shell's ends word): a close changes nothing else (every queued
   message stays), a push or a commit after it is refused (SHMPC_EINVAL, the closed handle's
   answer) and changes nothing, and a pop or a peek answers SHMPC_ECLOSED exactly when the queue is
   empty and the producer side closed, SHMPC_EEMPTY exactly when it is empty and not closed: the
   end of stream is reported only after the last message. The consumer side's close (the flag
   gone: bit 1) likewise changes nothing else; after it a push that would have gone in or found the
   ring full is refused with SHMPC_ECLOSED and changes nothing, and the consumer's pops and peeks
   answer SHMPC_EINVAL (its closed handle).
   By induction over any sequence of these calls (each preserves fifo_inv and only appends at
   tail or removes at head), the pops return exactly the messages pushed, in order, byte for
   byte. What this does not cover: concurrency and memory ordering (the shell and its models),
   and a hostile peer (the shell's proofs, where every shared load is arbitrary).
   STATUS: make prove proves every function of this file but the batches (PROVE_FIFO in
   mk/prove.mk): the push step and the pop step of the invariant, and the zero-copy steps: reserve
   (the payload of the slot of tail handed out, on a ring not full), a store into it (which
   disturbs no queued message), commit (the message the producer wrote there), peek
   (the message of head where its slot keeps it, nothing moves) and release (head moves by one);
   and the producer's close, with the end of stream in push, commit, pop and peek, and the
   consumer's close, with the refusals after it in push, pop and peek. make prove-more
   proves the batches (PROVE_FIFO_BATCH, at the end of the file; make test has no time to spare
   for them): the batch push, min(n, free) messages at ghost tail + j, one publication of tail;
   the batch pop, ghost messages head + j into buffer j while they fit, one publication of head.
   So the induction above is closed for any sequence of pushes, pops, reserves, stores into a
   reservation, commits, peeks, releases, batch pushes, batch pops and the two sides' closes.

   The crux is that a push does not disturb a queued message: the slot of tail is the slot of no
   index in [head, tail) (axiom S1 of proofs/lemmas.c, checked by z3, with the power-of-two
   capacity: fifo_tail_free), and two different slots have disjoint payloads (fifo_slots_order,
   proven here, and fifo_tail_slot for the slot of tail).
   What kept the push open: WP's simplifier orders the operands of & by the terms around them,
   and the provers know no commutativity of &. In the push, tail & mask (two values of the
   state) comes out with mask first, while an axiom, a predicate's definition or a quantified fact
   instantiated at tail gives it with tail first: the two terms never meet. So the power-of-two
   conjunct is a named predicate (fifo_pow2), the same atom in the invariant, the assertion and the
   lemma; and each fact about the slot of tail that comes from a quantified fact (S1,
   fifo_slots_order, the definition of fifo_holds) is the contract of a ghost lemma function on
   values (fifo_tail_free, fifo_tail_slot, fifo_queue_push): WP substitutes the caller's terms into
   it, in the caller's order. The ghost queue records the message through the ghost function
   fifo_record, whose assigns frame the write (with the copy loop inline, the goals after it held
   two copies of len, one from the loop's exit, which the provers did not bridge).
   The ghost bytes are one region, message i at fifo_gbytes + i * 2^30 (SHMPC_MAX_SLOT): Frama-C's
   kernel cannot give a ghost array of 2^32 x 2^30 bytes a C type, and a constant stride keeps the
   ghost offsets linear.
   The predicates take the state's fields as values, and each operation states its steps as
   assertions on flat facts: the provers do not dig a fact out of the nested quantifiers of the
   invariant and a memory update at once; given the steps, most goals take under a second. No
   assertion states cap == mask + 1: WP's simplifier would then rewrite mask as cap - 1 in the
   goals that follow, and they would no longer match the invariant's terms. */
#include "../shmpc.h"

/* The model state: the slot array and its geometry (as validated), the consumer's head and the
   producer's tail, whether the producer side has closed (bit 0 of the segment's ends word,
   SHMPC__PROD_CLOSED: the one producer's shmpc_close sets it, and nothing clears it), and whether
   the consumer side has (gone: bit 1, SHMPC__CONS_CLOSED, the one consumer's shmpc_close; nothing
   clears it either, and attach refuses a side that has ended). */
typedef struct fifo {
    char *slots;
    uint32_t cap, mask, stride, size;
    shmpc_idx head, tail;
    int closed, gone;
} fifo;

/*@ ghost uint32_t fifo_glen[4294967296ull]; */
/*@ ghost char \ghost *fifo_gbytes; */

/*@ logic integer fifo_gspan = 4611686018427387904; // 2^32 messages of 2^30 bytes
    logic integer fifo_gat(integer i, integer k) = i * 1073741824 + k;
    // A power-of-two capacity mask + 1, named: WP orders the operands of & by the terms around
    // them, so the same conjunct restated elsewhere may not match it; a predicate does.
    predicate fifo_pow2(integer mask) = (mask & (mask + 1)) == 0;
    // The geometry shmpc__validate accepts (power-of-two capacity), the slot headers (valid,
    // one per slot, pairwise apart), and the ghost queue apart from the slots.
    predicate fifo_layout(char *slots, integer cap, integer mask, integer stride, integer size) =
        shmpc_slots_ok(slots, mask, stride, size) && cap == mask + 1 && fifo_pow2(mask) &&
        \valid(fifo_gbytes + (0 .. fifo_gspan - 1)) &&
        \separated(slots + (0 .. (mask + 1) * stride - 1), fifo_gbytes + (0 .. fifo_gspan - 1)) &&
        (\forall integer s; 0 <= s <= mask ==>
            \valid(shmpc_hdr(slots, s)) && \separated(shmpc_hdr(slots, s), &fifo_glen[0 .. 4294967295], &fifo_gbytes)) &&
        (\forall integer s, u; 0 <= s <= mask && 0 <= u <= mask && s != u ==>
            \separated(shmpc_hdr(slots, s), shmpc_hdr(slots, u)));
    // The state itself is apart from all of that.
    predicate fifo_apart(fifo *q, char *slots, integer mask, integer stride) =
        \valid(q) && \separated(q, slots + (0 .. (mask + 1) * stride - 1), &fifo_glen[0 .. 4294967295], &fifo_gbytes) &&
        \forall integer s; 0 <= s <= mask ==> \separated(shmpc_hdr(slots, s), q);
    // Index i is queued: in [head, tail), modulo 2^32.
    predicate fifo_queued(integer head, integer tail, integer i) =
        0 <= i <= 4294967295 && shmpc_fill(head, i) < shmpc_fill(head, tail);
    // Index i's slot holds ghost message i: its length in the header, its bytes in the payload.
    predicate fifo_holds(char *slots, integer mask, integer stride, integer size, integer i) =
        shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size &&
        \forall integer k; 0 <= k < fifo_glen[i] ==> slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)];
    predicate fifo_queue(char *slots, integer cap, integer mask, integer stride, integer size,
                         integer head, integer tail) =
        shmpc_fill(head, tail) <= cap &&
        \forall integer i; fifo_queued(head, tail, i) ==> fifo_holds(slots, mask, stride, size, i);
    // THE INVARIANT: at most capacity messages, each index of [head, tail) holds its message.
    predicate fifo_inv(fifo *q) =
        fifo_layout(q->slots, q->cap, q->mask, q->stride, q->size) &&
        fifo_apart(q, q->slots, q->mask, q->stride) &&
        fifo_queue(q->slots, q->cap, q->mask, q->stride, q->size, q->head, q->tail);
    // Ghost message i is the same in both states (a queued message is never rewritten).
    predicate fifo_same{A, B}(integer i) =
        \at(fifo_glen[i], A) == \at(fifo_glen[i], B) &&
        \forall integer k; 0 <= k < \at(fifo_glen[i], A) ==>
            \at(fifo_gbytes[fifo_gat(i, k)], A) == \at(fifo_gbytes[fifo_gat(i, k)], B);
*/

/* Lemma: the slots lie one after the other, stride bytes each, inside the slot array: the slot of
   any index is inside it, and two different slots have disjoint bytes. (The only products of
   variables in this file: the operations use these two facts as stated.) */
/*@ ghost
  /@ requires m <= 2147483647 && 8 <= stride <= 1073741839;
     assigns \nothing;
     ensures inside: \forall integer i; 0 <= i <= 4294967295 ==>
         0 <= (i & m) * stride && (i & m) * stride + stride <= (m + 1) * stride;
     ensures apart: \forall integer i, j; 0 <= i <= 4294967295 && 0 <= j <= 4294967295 && (i & m) < (j & m) ==>
         (i & m) * stride + stride <= (j & m) * stride;
  @/
  void fifo_slots_order(uint32_t m, uint32_t stride) {
    /@ assert order: \forall integer a, b; 0 <= a < b ==> a * stride + stride <= b * stride; @/
  }
*/

/* Lemma: with a power-of-two capacity b + 1 and at most b messages queued, the slot of tail is
   the slot of no queued index (axiom S1 of proofs/lemmas.c). Stated on values, as a function: a
   caller gets the conclusion in its own terms, whatever order WP gives the operands of & there.
   Inside it, WP orders two variables by name, the greater first (as its goals show): the mask is
   named b, below the names of the indices, so that the indices come first, as in S1. */
/*@ ghost
  /@ requires pow2: b <= 2147483647 && fifo_pow2(b);
     requires fill: shmpc_fill(h, t) <= b;
     assigns \nothing;
     ensures apart: \forall integer x; fifo_queued(h, t, x) ==> (x & b) != (t & b) && x != t;
  @/
  void fifo_tail_free(shmpc_idx h, shmpc_idx t, uint32_t b) {
    /@ assert dist: \forall integer x; fifo_queued(h, t, x) ==> 1 <= (uint32_t)(t - x) <= b; @/
  }
*/

/* Lemma: the slot of index t lies inside the slot array, and every other slot lies wholly
   before or wholly after it. From fifo_slots_order, on values, for the caller's own terms (see
   fifo_tail_free; w names the stride). Quantified over the other index only: a fact quantified
   over a byte offset too gives the provers no term to instantiate it on. */
/*@ ghost
  /@ requires b <= 2147483647 && 8 <= w <= 1073741839;
     assigns \nothing;
     ensures inside: 0 <= (t & b) * w && (t & b) * w + w <= (b + 1) * w;
     ensures others: \forall integer x; 0 <= x <= 4294967295 && (x & b) != (t & b) ==>
         0 <= (x & b) * w && (x & b) * w + w <= (b + 1) * w &&
         ((x & b) * w + w <= (t & b) * w || (t & b) * w + w <= (x & b) * w);
  @/
  void fifo_tail_slot(uint32_t b, uint32_t w, shmpc_idx t) {
    fifo_slots_order(b, w);
  }
*/

/* The ghost queue records message t: its length, and its n bytes copied from m. */
/*@ ghost
  /@ requires fits: n <= 1073741824;
     requires valid: \valid(fifo_gbytes + (fifo_gat(t, 0) .. fifo_gat(t, n - 1)));
     requires msg: \valid_read(m + (0 .. n - 1));
     requires sep: \separated(m + (0 .. n - 1), fifo_gbytes + (fifo_gat(t, 0) .. fifo_gat(t, n - 1)));
     assigns fifo_glen[t], fifo_gbytes[fifo_gat(t, 0) .. fifo_gat(t, n - 1)];
     ensures len: fifo_glen[t] == n;
     ensures bytes: \forall integer x; 0 <= x < n ==> fifo_gbytes[fifo_gat(t, x)] == m[x];
  @/
  void fifo_record(shmpc_idx t, const char *m, size_t n) {
    fifo_glen[t] = (uint32_t)n;
    /@ loop invariant 0 <= k <= n;
       loop invariant copied: \forall integer x; 0 <= x < k ==> fifo_gbytes[fifo_gat(t, x)] == m[x];
       loop assigns k, fifo_gbytes[fifo_gat(t, 0) .. fifo_gat(t, n - 1)];
       loop variant n - k;
    @/
    for (size_t k = 0; k < n; k++) fifo_gbytes[(size_t)t * 1073741824u + k] = m[k];
  }
*/

/* Lemma: the queue after a push, from flat facts: the indices queued before still hold their
   messages, the old tail holds the new one, and every index now queued is one of those. */
/*@ ghost
  /@ requires fill: shmpc_fill(h, n) <= c;
     requires grown: \forall integer x; fifo_queued(h, n, x) ==> fifo_queued(h, t, x) || x == t;
     requires lens: \forall integer x; fifo_queued(h, t, x) ==>
         shmpc_hdr(s, x & m)->len == fifo_glen[x] && fifo_glen[x] <= z;
     requires bytes: \forall integer x, k; fifo_queued(h, t, x) && 0 <= k < fifo_glen[x] ==>
         s[(x & m) * w + 8 + k] == fifo_gbytes[fifo_gat(x, k)];
     requires len: shmpc_hdr(s, t & m)->len == fifo_glen[t] && fifo_glen[t] <= z;
     requires msg: \forall integer k; 0 <= k < fifo_glen[t] ==>
         s[(t & m) * w + 8 + k] == fifo_gbytes[fifo_gat(t, k)];
     assigns \nothing;
     ensures queue: fifo_queue(s, c, m, w, z, h, n);
  @/
  void fifo_queue_push(char *s, uint32_t c, uint32_t m, uint32_t w, uint32_t z, shmpc_idx h, shmpc_idx t, shmpc_idx n) {
    /@ assert added: fifo_holds(s, m, w, z, t); @/
    /@ assert kept: \forall integer x; fifo_queued(h, t, x) ==> fifo_holds(s, m, w, z, x); @/
  }
*/

/* A message into the slot of index tail, on values: shmpc__put copies it into the slot's payload,
   its length goes into the slot's header word (as shmpc__spsc_push stores it), the ghost queue
   records it as message tail; the result is the next index. The step of a push, alone: fifo_push
   makes it at the model's tail, fifo_push_many at a batch's private tail (the shell's r->own), in
   the caller's own terms (see fifo_tail_free). Its layout preconditions are fifo_layout's body,
   spelled out: given as the one atom fifo_layout(...), or without cap == mask + 1, even the
   assertions below that restate a precondition or a ghost lemma's conclusion timed out. Its
   callers pass mask + 1 for the capacity, as it does to shmpc__put (the same value: fifo_layout
   has cap == mask + 1): given cap, the precondition cap == mask + 1 makes WP's simplifier write
   the call's effect with cap - 1 for mask, and the assigns goal of that effect took Z3 13 s
   (shmpc__put's, in the push before this function) and 22 s (this function's, in fifo_push). */
/*@ requires layout: shmpc_slots_ok(slots, mask, stride, size) && cap == mask + 1 && fifo_pow2(mask) &&
        \valid(fifo_gbytes + (0 .. fifo_gspan - 1)) &&
        \separated(slots + (0 .. (mask + 1) * stride - 1), fifo_gbytes + (0 .. fifo_gspan - 1));
    requires hdrs: (\forall integer s; 0 <= s <= mask ==>
            \valid(shmpc_hdr(slots, s)) && \separated(shmpc_hdr(slots, s), &fifo_glen[0 .. 4294967295], &fifo_gbytes)) &&
        (\forall integer s, u; 0 <= s <= mask && 0 <= u <= mask && s != u ==>
            \separated(shmpc_hdr(slots, s), shmpc_hdr(slots, u)));
    requires queue: fifo_queue(slots, cap, mask, stride, size, head, tail);
    requires room: shmpc_fill(head, tail) < cap;
    requires fits: len <= size;
    requires msg: \valid_read(msg + (0 .. len - 1));
    requires sep: \separated(msg + (0 .. len - 1), slots + (0 .. (mask + 1) * stride - 1),
                             fifo_gbytes + (0 .. fifo_gspan - 1));
    assigns slots[(tail & mask) * stride + 8 .. (tail & mask) * stride + 8 + len - 1],
            shmpc_hdr(slots, tail & mask)->len, fifo_glen[tail],
            fifo_gbytes[fifo_gat(tail, 0) .. fifo_gat(tail, len - 1)];
    ensures next: \result == shmpc_next(tail, 1);
    ensures queue: fifo_queue(slots, cap, mask, stride, size, head, \result);
    ensures queued: \forall integer i; fifo_queued(head, tail, i) ==> fifo_same{Pre, Post}(i);
    ensures message: fifo_glen[tail] == len &&
        \forall integer k; 0 <= k < len ==> fifo_gbytes[fifo_gat(tail, k)] == \old(msg[k]);
*/
shmpc_idx fifo_put_at(shmpc_idx head, shmpc_idx tail, char *slots, uint32_t cap, uint32_t mask,
                      uint32_t stride, uint32_t size, const char *msg, size_t len) {
    shmpc_idx t;
    int rc;
    /*@ assert geom: 8 + size <= stride && size <= 1073741824 && mask <= 2147483647; */
    /*@ assert pow2: fifo_pow2(mask); */
    /*@ assert sepg: \separated(slots + (0 .. (mask + 1) * stride - 1), fifo_gbytes + (0 .. fifo_gspan - 1)); */
    /*@ ghost fifo_tail_free(head, tail, mask); */
    /*@ ghost fifo_tail_slot(mask, stride, tail); */
    /*@ assert apart: \forall integer i; fifo_queued(head, tail, i) ==> (i & mask) != (tail & mask) && i != tail; */
    /*@ assert queued: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert lens: \forall integer i; fifo_queued(head, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert hdrs: \forall integer i; fifo_queued(head, tail, i) ==>
            \separated(shmpc_hdr(slots, i & mask), shmpc_hdr(slots, tail & mask)); */
    /*@ assert wr: 0 <= (tail & mask) * stride && (tail & mask) * stride + 8 + len <= (mask + 1) * stride; */
    /*@ assert sepw: \separated(slots + ((tail & mask) * stride + 8 .. (tail & mask) * stride + 8 + len - 1),
            fifo_gbytes + (0 .. fifo_gspan - 1), msg + (0 .. len - 1)); */
    /*@ assert off: \forall integer i; fifo_queued(head, tail, i) ==>
            0 <= (i & mask) * stride && (i & mask) * stride + stride <= (mask + 1) * stride &&
            ((i & mask) * stride + stride <= (tail & mask) * stride || (tail & mask) * stride + stride <= (i & mask) * stride); */
    /*@ assert goff: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            0 <= fifo_gat(i, k) < fifo_gspan && (fifo_gat(i, k) < fifo_gat(tail, 0) || fifo_gat(tail, len) <= fifo_gat(i, k)); */
    rc = shmpc__put(slots, mask + 1u, mask, stride, size, head, tail, msg, len, &t);
    /*@ assert ok: rc == SHMPC_OK; */
    /*@ assert in: \forall integer k; 0 <= k < len ==> slots[(tail & mask) * stride + 8 + k] == \at(msg[k], Pre); */
    /*@ assert msg_kept: \forall integer k; 0 <= k < len ==> msg[k] == \at(msg[k], Pre); */
    /*@ assert g_put: \forall integer o; 0 <= o < fifo_gspan ==> fifo_gbytes[o] == \at(fifo_gbytes[o], Pre); */
    shmpc__fc_slot(slots, tail, mask, stride)->len = (uint32_t)len;
    /*@ ghost fifo_record(tail, msg, len); */
    /*@ assert rec: \forall integer k; 0 <= k < len ==> fifo_gbytes[fifo_gat(tail, k)] == \at(msg[k], Pre); */
    /*@ assert ghost: \forall integer o; 0 <= o < fifo_gspan && (o < fifo_gat(tail, 0) || fifo_gat(tail, len) <= o) ==>
            fifo_gbytes[o] == \at(fifo_gbytes[o], Pre); */
    /*@ assert in_kept: \forall integer k; 0 <= k < len ==> slots[(tail & mask) * stride + 8 + k] == \at(msg[k], Pre); */
    /*@ assert slots: \forall integer o; 0 <= o < (mask + 1) * stride &&
            (o < (tail & mask) * stride + 8 || (tail & mask) * stride + 8 + len <= o) ==>
            slots[o] == \at(slots[o], Pre); */
    /*@ assert glens: \forall integer i; fifo_queued(head, tail, i) ==> fifo_glen[i] == \at(fifo_glen[i], Pre); */
    /*@ assert kept_len: \forall integer i; fifo_queued(head, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert kept_slot: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < \at(fifo_glen[i], Pre) ==>
            \let o = (i & mask) * stride + 8 + k; slots[o] == \at(slots[o], Pre); */
    /*@ assert kept_gh: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < \at(fifo_glen[i], Pre) ==>
            fifo_gbytes[fifo_gat(i, k)] == \at(fifo_gbytes[fifo_gat(i, k)], Pre); */
    /*@ assert kept_pre: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < \at(fifo_glen[i], Pre) ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert kept_msg: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert added_len: shmpc_hdr(slots, tail & mask)->len == fifo_glen[tail] && fifo_glen[tail] <= size; */
    /*@ assert added_msg: \forall integer k; 0 <= k < fifo_glen[tail] ==>
            slots[(tail & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(tail, k)]; */
    /*@ assert grown: \forall integer i; fifo_queued(head, t, i) ==> fifo_queued(head, tail, i) || i == tail; */
    /*@ ghost fifo_queue_push(slots, cap, mask, stride, size, head, tail, t); */
    return t;
}

/* Push: the decision is asked of shmpc__can_put first (the one shmpc__put makes): WP frames a call
   with the callee's global assigns, so after a refused shmpc__put the slot of tail would look
   written. Then the message goes into the slot of tail (fifo_put_at) and tail moves. */
/*@ requires inv: fifo_inv(q);
    requires msg: \valid_read(msg + (0 .. len - 1));
    requires sep: \separated(msg + (0 .. len - 1), q->slots + (0 .. (q->mask + 1) * q->stride - 1),
                             fifo_gbytes + (0 .. fifo_gspan - 1));
    assigns q->tail, q->slots[(q->tail & q->mask) * q->stride + 8 .. (q->tail & q->mask) * q->stride + 8 + len - 1],
            shmpc_hdr(q->slots, q->tail & q->mask)->len, fifo_glen[q->tail],
            fifo_gbytes[fifo_gat(q->tail, 0) .. fifo_gat(q->tail, len - 1)];
    ensures inv: fifo_inv(q);
    ensures head: q->head == \old(q->head);
    ensures queued: \forall integer i; \old(fifo_queued(q->head, q->tail, i)) ==> fifo_same{Pre, Post}(i);
    behavior closed:
      assumes q->closed;
      assigns \nothing;
      ensures refused: \result == SHMPC_EINVAL;
    behavior gone:
      assumes !q->closed && len <= q->size && q->gone;
      assigns \nothing;
      ensures refused: \result == SHMPC_ECLOSED;
    behavior ok:
      assumes !q->closed && len <= q->size && !q->gone && shmpc_fill(q->head, q->tail) < q->cap;
      ensures \result == SHMPC_OK;
      ensures appended: q->tail == shmpc_next(\old(q->tail), 1);
      ensures message: fifo_glen[\old(q->tail)] == len &&
          \forall integer k; 0 <= k < len ==> fifo_gbytes[fifo_gat(\old(q->tail), k)] == \old(msg[k]);
    behavior too_big:
      assumes !q->closed && len > q->size;
      assigns \nothing;
      ensures \result == SHMPC_EMSGSIZE;
    behavior full:
      assumes !q->closed && len <= q->size && !q->gone && shmpc_fill(q->head, q->tail) == q->cap;
      assigns \nothing;
      ensures \result == SHMPC_EFULL;
    complete behaviors;
    disjoint behaviors;
*/
int fifo_push(fifo *q, const char *msg, size_t len) {
    char *const slots = q->slots;
    const uint32_t cap = q->cap, mask = q->mask, stride = q->stride, size = q->size;
    const shmpc_idx head = q->head, tail = q->tail;
    shmpc_idx t;
    int rc;
    if (q->closed) return SHMPC_EINVAL; /* the closed handle: shmpc__check_slow, before anything */
    rc = shmpc__can_put(head, tail, cap, size, len);
    /* the consumer side closed: nothing is published (shmpc__spsc_push, after its decision) */
    if ((rc == SHMPC_OK || rc == SHMPC_EFULL) && q->gone) return SHMPC_ECLOSED;
    if (rc != SHMPC_OK) return rc;
    /*@ assert layout0: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
    t = fifo_put_at(head, tail, slots, mask + 1u, mask, stride, size, msg, len);
    /*@ assert hdr_q: \forall integer i; 0 <= i <= 4294967295 ==> \separated(shmpc_hdr(slots, i & mask), &q->tail); */
    q->tail = t;
    /*@ assert rest: fifo_queue(slots, cap, mask, stride, size, head, t); */
    /*@ assert state: q->slots == slots && q->cap == cap && q->mask == mask && q->stride == stride &&
            q->size == size && q->head == head && q->tail == t; */
    /*@ assert layout: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
    return SHMPC_OK;
}

/* Pop: the ring is checked for a message first (as shmpc__spsc_ready does before shmpc_try_pop
   reads a slot), the length comes from the slot's header word, shmpc__get decides on it and
   copies the payload out, head moves. The buffer's size is checked first (the check shmpc__get
   makes): WP frames a call with the callee's global assigns, buf[0 .. n - 1] for any n. */
/*@ requires inv: fifo_inv(q);
    requires buf: \valid(buf + (0 .. bufcap - 1));
    requires len: \valid(len);
    requires sep: \separated(buf + (0 .. bufcap - 1), q->slots + (0 .. (q->mask + 1) * q->stride - 1),
                             fifo_gbytes + (0 .. fifo_gspan - 1), q, len, &fifo_glen[0 .. 4294967295], &fifo_gbytes) &&
                  \separated(len, q, &fifo_glen[0 .. 4294967295], &fifo_gbytes) &&
                  (\forall integer s; 0 <= s <= q->mask ==>
                      \separated(shmpc_hdr(q->slots, s), len, buf + (0 .. bufcap - 1)));
    assigns q->head, *len, buf[0 .. fifo_glen[q->head] - 1];
    ensures inv: fifo_inv(q);
    ensures tail: q->tail == \old(q->tail);
    ensures end: \result == SHMPC_ECLOSED <==> !q->gone && \old(shmpc_fill(q->head, q->tail)) == 0 && q->closed;
    ensures none: \result == SHMPC_EEMPTY <==> !q->gone && \old(shmpc_fill(q->head, q->tail)) == 0 && !q->closed;
    behavior gone:
      assumes q->gone;
      assigns \nothing;
      ensures refused: \result == SHMPC_EINVAL;
    behavior empty:
      assumes !q->gone && shmpc_fill(q->head, q->tail) == 0 && !q->closed;
      assigns \nothing;
      ensures \result == SHMPC_EEMPTY;
    behavior closed:
      assumes !q->gone && shmpc_fill(q->head, q->tail) == 0 && q->closed;
      assigns \nothing;
      ensures \result == SHMPC_ECLOSED;
    behavior too_small:
      assumes !q->gone && shmpc_fill(q->head, q->tail) > 0 && fifo_glen[q->head] > bufcap;
      ensures \result == SHMPC_EMSGSIZE && *len == fifo_glen[\old(q->head)];
      ensures kept: q->head == \old(q->head);
    behavior ok:
      assumes !q->gone && shmpc_fill(q->head, q->tail) > 0 && fifo_glen[q->head] <= bufcap;
      ensures \result == SHMPC_OK;
      ensures popped: q->head == shmpc_next(\old(q->head), 1);
      ensures message: *len == fifo_glen[\old(q->head)] &&
          \forall integer k; 0 <= k < *len ==> buf[k] == fifo_gbytes[fifo_gat(\old(q->head), k)];
    complete behaviors;
    disjoint behaviors;
*/
int fifo_pop(fifo *q, char *buf, size_t bufcap, size_t *len) {
    char *const slots = q->slots;
    const uint32_t cap = q->cap, mask = q->mask, stride = q->stride, size = q->size;
    const shmpc_idx head = q->head, tail = q->tail;
    shmpc_idx h;
    uint32_t n;
    int rc;
    if (q->gone) return SHMPC_EINVAL; /* the consumer's closed handle: shmpc__check, before anything */
    if (head == tail) return q->closed ? SHMPC_ECLOSED : SHMPC_EEMPTY; /* shmpc__spsc_ready */
    /*@ ghost fifo_slots_order(mask, stride); */
    /*@ assert geom: 8 + size <= stride; */
    /*@ assert queued: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert lens: \forall integer i; fifo_queued(head, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert first: fifo_queued(head, tail, head); */
    n = shmpc__fc_slot(slots, head, mask, stride)->len;
    /*@ assert n: n == fifo_glen[head]; */
    *len = n;
    if (n > bufcap) return SHMPC_EMSGSIZE;
    rc = shmpc__get(slots, cap, mask, stride, size, head, tail, n, buf, bufcap, &h);
    /*@ assert ok: rc == SHMPC_OK; */
    /*@ assert slots: \forall integer o; 0 <= o < (mask + 1) * stride ==> slots[o] == \at(q->slots[o], Pre); */
    /*@ assert ghost: \forall integer o; 0 <= o < fifo_gspan ==> fifo_gbytes[o] == \at(fifo_gbytes[o], Pre); */
    /*@ assert kept_pre: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < \at(fifo_glen[i], Pre) ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert kept_msg: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert out: \forall integer k; 0 <= k < n ==> buf[k] == fifo_gbytes[fifo_gat(head, k)]; */
    /*@ assert shift: \forall integer i; fifo_queued(h, tail, i) ==> fifo_queued(head, tail, i); */
    /*@ assert hdr_q: \forall integer i; 0 <= i <= 4294967295 ==> \separated(shmpc_hdr(slots, i & mask), &q->head); */
    q->head = h;
    /*@ assert rest_len: \forall integer i; fifo_queued(h, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert rest: fifo_queue(slots, cap, mask, stride, size, h, tail); */
    /*@ assert state: q->slots == slots && q->cap == cap && q->mask == mask && q->stride == stride &&
            q->size == size && q->head == h && q->tail == tail; */
    /*@ assert layout: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
    return SHMPC_OK;
}

/* Reserve (zero copy, shmpc_try_reserve on an SPSC ring): a push's decision without a message, in
   the shell's order: the closed handle, then the consumer side's close (the shell reads the ends
   word before the room), then the room (shmpc__free_slots, as shmpc__spsc_room asks it). An OK
   hands out the payload of the slot of tail, size bytes (shmpc__payload), for fifo_write to fill
   and fifo_commit to publish; nothing of the model moves, and the ring is not full, which
   fifo_commit takes as its precondition. */
/*@ requires inv: fifo_inv(q);
    requires out: \valid(buf) && \valid(room);
    requires sep: \separated(buf, room, q, q->slots + (0 .. (q->mask + 1) * q->stride - 1),
                             &fifo_glen[0 .. 4294967295], &fifo_gbytes, fifo_gbytes + (0 .. fifo_gspan - 1)) &&
                  \separated(room, q, q->slots + (0 .. (q->mask + 1) * q->stride - 1),
                             &fifo_glen[0 .. 4294967295], &fifo_gbytes, fifo_gbytes + (0 .. fifo_gspan - 1)) &&
                  (\forall integer s; 0 <= s <= q->mask ==> \separated(shmpc_hdr(q->slots, s), buf, room));
    assigns *buf, *room;
    ensures inv: fifo_inv(q);
    behavior closed:
      assumes q->closed;
      assigns \nothing;
      ensures refused: \result == SHMPC_EINVAL;
    behavior gone:
      assumes !q->closed && q->gone;
      assigns \nothing;
      ensures refused: \result == SHMPC_ECLOSED;
    behavior full:
      assumes !q->closed && !q->gone && shmpc_fill(q->head, q->tail) == q->cap;
      assigns \nothing;
      ensures \result == SHMPC_EFULL;
    behavior ok:
      assumes !q->closed && !q->gone && shmpc_fill(q->head, q->tail) < q->cap;
      ensures \result == SHMPC_OK;
      ensures at: *buf == q->slots + (q->tail & q->mask) * q->stride + 8 && *room == q->size;
      ensures writable: \valid(*buf + (0 .. *room - 1));
    complete behaviors;
    disjoint behaviors;
*/
int fifo_reserve(fifo *q, char **buf, size_t *room) {
    char *const slots = q->slots;
    const uint32_t cap = q->cap, mask = q->mask, stride = q->stride, size = q->size;
    const shmpc_idx head = q->head, tail = q->tail;
    uint32_t free;
    char *p;
    if (q->closed) return SHMPC_EINVAL; /* shmpc__check_slow: the closed handle */
    if (q->gone) return SHMPC_ECLOSED;  /* the ends word's SHMPC__CONS_CLOSED, before the room */
    (void)shmpc__free_slots(head, tail, cap, &free); /* never ECORRUPT here: fifo_inv bounds the fill */
    if (free == 0u) return SHMPC_EFULL;
    p = shmpc__payload(slots, mask, stride, size, tail);
    *room = size;
    *buf = p;
    /*@ assert state: q->slots == slots && q->head == head && q->tail == tail; */
    return SHMPC_OK;
}

/* A store of the producer into its reservation, between fifo_reserve and fifo_commit: byte k of
   the payload of the slot of tail, through the pointer the reserve handed out. The crux of zero
   copy: the store disturbs no queued message (the slot of tail is the slot of no queued index,
   fifo_tail_free, and the slots are apart, fifo_tail_slot) and no ghost message, so the
   invariant holds whatever the producer writes there and in whatever order. Between the reserve
   and the commit the model's tail does not move (the shell refuses every other push of the
   producer while a reservation is outstanding: SHMPC_ESEQ from shmpc__check_slow), and a pop only
   lowers the fill: so not-full, established by the reserve, still holds at each store and at the
   commit. */
/*@ requires inv: fifo_inv(q);
    requires room: shmpc_fill(q->head, q->tail) < q->cap;
    requires k: k < q->size;
    assigns q->slots[(q->tail & q->mask) * q->stride + 8 + k];
    ensures inv: fifo_inv(q);
    ensures stored: q->slots[(q->tail & q->mask) * q->stride + 8 + k] == c;
    ensures queued: \forall integer i; fifo_queued(q->head, q->tail, i) ==> fifo_same{Pre, Post}(i);
*/
void fifo_write(fifo *q, size_t k, char c) {
    char *const slots = q->slots;
    const uint32_t cap = q->cap, mask = q->mask, stride = q->stride, size = q->size;
    const shmpc_idx head = q->head, tail = q->tail;
    char *p;
    /*@ assert geom: 8 + size <= stride && size <= 1073741824 && mask <= 2147483647; */
    /*@ assert pow2: fifo_pow2(mask); */
    /*@ ghost fifo_tail_free(head, tail, mask); */
    /*@ ghost fifo_tail_slot(mask, stride, tail); */
    /*@ assert queued: \forall integer i, j; fifo_queued(head, tail, i) && 0 <= j < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + j] == fifo_gbytes[fifo_gat(i, j)]; */
    /*@ assert lens: \forall integer i; fifo_queued(head, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert off: \forall integer i; fifo_queued(head, tail, i) ==>
            (i & mask) * stride + stride <= (tail & mask) * stride || (tail & mask) * stride + stride <= (i & mask) * stride; */
    p = shmpc__payload(slots, mask, stride, size, tail);
    /*@ assert wr: 0 <= (tail & mask) * stride && (tail & mask) * stride + 8 + k < (mask + 1) * stride; */
    p[k] = c;
    /*@ assert slots: \forall integer o; 0 <= o < (mask + 1) * stride && o != (tail & mask) * stride + 8 + k ==>
            slots[o] == \at(q->slots[o], Pre); */
    /*@ assert kept_msg: \forall integer i, j; fifo_queued(head, tail, i) && 0 <= j < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + j] == fifo_gbytes[fifo_gat(i, j)]; */
    /*@ assert rest: fifo_queue(slots, cap, mask, stride, size, head, tail); */
    /*@ assert state: q->slots == slots && q->cap == cap && q->mask == mask && q->stride == stride &&
            q->size == size && q->head == head && q->tail == tail; */
    /*@ assert layout: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
}

/* Commit (zero copy): the producer has written len bytes into the payload of the slot of tail
   (where shmpc__payload locates it, after shmpc_try_reserve); shmpc__commit_at checks the length
   against the slot size and gives the next tail; the length goes into the slot's header word, the
   ghost queue records the payload's bytes. Not-full is a precondition: fifo_reserve's OK
   establishes it, fifo_write keeps it, and a pop only lowers the fill; that no other push of the
   producer moves tail in between is the shell's refusal (SHMPC_ESEQ), not modelled here. */
/*@ requires inv: fifo_inv(q);
    requires room: shmpc_fill(q->head, q->tail) < q->cap;
    assigns q->tail, shmpc_hdr(q->slots, q->tail & q->mask)->len, fifo_glen[q->tail],
            fifo_gbytes[fifo_gat(q->tail, 0) .. fifo_gat(q->tail, len - 1)];
    ensures inv: fifo_inv(q);
    ensures head: q->head == \old(q->head);
    ensures queued: \forall integer i; \old(fifo_queued(q->head, q->tail, i)) ==> fifo_same{Pre, Post}(i);
    behavior closed:
      assumes q->closed;
      assigns \nothing;
      ensures refused: \result == SHMPC_EINVAL;
    behavior ok:
      assumes !q->closed && len <= q->size;
      ensures \result == SHMPC_OK;
      ensures appended: q->tail == shmpc_next(\old(q->tail), 1);
      ensures message: fifo_glen[\old(q->tail)] == len &&
          \forall integer k; 0 <= k < len ==>
              fifo_gbytes[fifo_gat(\old(q->tail), k)] == \old(q->slots[(q->tail & q->mask) * q->stride + 8 + k]);
    behavior too_big:
      assumes !q->closed && len > q->size;
      assigns \nothing;
      ensures \result == SHMPC_EMSGSIZE;
    complete behaviors;
    disjoint behaviors;
*/
int fifo_commit(fifo *q, size_t len) {
    char *const slots = q->slots;
    const uint32_t cap = q->cap, mask = q->mask, stride = q->stride, size = q->size;
    const shmpc_idx head = q->head, tail = q->tail;
    shmpc_idx t;
    const char *p;
    int rc;
    if (q->closed) return SHMPC_EINVAL; /* shmpc_commit: the closed handle (its close dropped the reservation) */
    rc = shmpc__commit_at(tail, size, len, &t);
    if (rc != SHMPC_OK) return rc;
    /*@ assert geom: 8 + size <= stride && size <= 1073741824 && mask <= 2147483647; */
    /*@ assert pow2: fifo_pow2(mask); */
    /*@ assert layout0: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
    /*@ ghost fifo_tail_free(head, tail, mask); */
    /*@ ghost fifo_tail_slot(mask, stride, tail); */
    /*@ assert queued: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert lens: \forall integer i; fifo_queued(head, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert hdrs: \forall integer i; fifo_queued(head, tail, i) ==>
            \separated(shmpc_hdr(slots, i & mask), shmpc_hdr(slots, tail & mask)); */
    /*@ assert wr: 0 <= (tail & mask) * stride && (tail & mask) * stride + 8 + len <= (mask + 1) * stride; */
    /*@ assert goff: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            0 <= fifo_gat(i, k) < fifo_gspan && (fifo_gat(i, k) < fifo_gat(tail, 0) || fifo_gat(tail, len) <= fifo_gat(i, k)); */
    p = shmpc__payload(slots, mask, stride, size, tail);
    /*@ assert sepp: \separated(p + (0 .. len - 1), fifo_gbytes + (fifo_gat(tail, 0) .. fifo_gat(tail, len - 1))); */
    shmpc__fc_slot(slots, tail, mask, stride)->len = (uint32_t)len;
    /*@ ghost fifo_record(tail, p, len); */
    /*@ assert rec: \forall integer k; 0 <= k < len ==>
            fifo_gbytes[fifo_gat(tail, k)] == slots[(tail & mask) * stride + 8 + k]; */
    /*@ assert ghost: \forall integer o; 0 <= o < fifo_gspan && (o < fifo_gat(tail, 0) || fifo_gat(tail, len) <= o) ==>
            fifo_gbytes[o] == \at(fifo_gbytes[o], Pre); */
    /*@ assert slots: \forall integer o; 0 <= o < (mask + 1) * stride ==> slots[o] == \at(q->slots[o], Pre); */
    /*@ assert glens: \forall integer i; fifo_queued(head, tail, i) ==> fifo_glen[i] == \at(fifo_glen[i], Pre); */
    /*@ assert kept_len: \forall integer i; fifo_queued(head, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert kept_gh: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < \at(fifo_glen[i], Pre) ==>
            fifo_gbytes[fifo_gat(i, k)] == \at(fifo_gbytes[fifo_gat(i, k)], Pre); */
    /*@ assert kept_msg: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert added_len: shmpc_hdr(slots, tail & mask)->len == fifo_glen[tail] && fifo_glen[tail] <= size; */
    /*@ assert added_msg: \forall integer k; 0 <= k < fifo_glen[tail] ==>
            slots[(tail & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(tail, k)]; */
    /*@ assert grown: \forall integer i; fifo_queued(head, t, i) ==> fifo_queued(head, tail, i) || i == tail; */
    /*@ assert hdr_q: \forall integer i; 0 <= i <= 4294967295 ==> \separated(shmpc_hdr(slots, i & mask), &q->tail); */
    q->tail = t;
    /*@ ghost fifo_queue_push(slots, cap, mask, stride, size, head, tail, t); */
    /*@ assert rest: fifo_queue(slots, cap, mask, stride, size, head, t); */
    /*@ assert state: q->slots == slots && q->cap == cap && q->mask == mask && q->stride == stride &&
            q->size == size && q->head == head && q->tail == t; */
    /*@ assert layout: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
    return SHMPC_OK;
}

/* Peek (zero copy): the ring is checked for a message first (as shmpc_peek does), then the
   message is where the slot of head keeps it: its length in the header word, its bytes in the
   payload (shmpc__payload). Nothing of the model moves. */
/*@ requires inv: fifo_inv(q);
    requires out: \valid(msg) && \valid(len);
    requires sep: \separated(msg, len, q, q->slots + (0 .. (q->mask + 1) * q->stride - 1),
                             &fifo_glen[0 .. 4294967295], &fifo_gbytes, fifo_gbytes + (0 .. fifo_gspan - 1)) &&
                  \separated(len, q, q->slots + (0 .. (q->mask + 1) * q->stride - 1),
                             &fifo_glen[0 .. 4294967295], &fifo_gbytes, fifo_gbytes + (0 .. fifo_gspan - 1)) &&
                  (\forall integer s; 0 <= s <= q->mask ==> \separated(shmpc_hdr(q->slots, s), msg, len));
    assigns *msg, *len;
    ensures inv: fifo_inv(q);
    behavior gone:
      assumes q->gone;
      assigns \nothing;
      ensures refused: \result == SHMPC_EINVAL;
    behavior empty:
      assumes !q->gone && shmpc_fill(q->head, q->tail) == 0 && !q->closed;
      assigns \nothing;
      ensures \result == SHMPC_EEMPTY;
    behavior closed:
      assumes !q->gone && shmpc_fill(q->head, q->tail) == 0 && q->closed;
      assigns \nothing;
      ensures \result == SHMPC_ECLOSED;
    behavior ok:
      assumes !q->gone && shmpc_fill(q->head, q->tail) > 0;
      ensures \result == SHMPC_OK;
      ensures at: *msg == q->slots + (q->head & q->mask) * q->stride + 8;
      ensures message: *len == fifo_glen[q->head] &&
          \forall integer k; 0 <= k < *len ==> (*msg)[k] == fifo_gbytes[fifo_gat(q->head, k)];
    complete behaviors;
    disjoint behaviors;
*/
int fifo_peek(fifo *q, const char **msg, size_t *len) {
    char *const slots = q->slots;
    const uint32_t mask = q->mask, stride = q->stride, size = q->size;
    const shmpc_idx head = q->head, tail = q->tail;
    const char *p;
    uint32_t n;
    if (q->gone) return SHMPC_EINVAL; /* the consumer's closed handle, as in the pop */
    if (head == tail) return q->closed ? SHMPC_ECLOSED : SHMPC_EEMPTY; /* shmpc__spsc_ready, as in the pop */
    /*@ assert queued: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert lens: \forall integer i; fifo_queued(head, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert first: fifo_queued(head, tail, head); */
    n = shmpc__fc_slot(slots, head, mask, stride)->len;
    /*@ assert n: n == fifo_glen[head]; */
    p = shmpc__payload(slots, mask, stride, size, head);
    /*@ assert bytes: \forall integer k; 0 <= k < n ==> p[k] == fifo_gbytes[fifo_gat(head, k)]; */
    *msg = p;
    *len = n;
    return SHMPC_OK;
}

/* Release (after a peek): head moves past the message (shmpc__advance, as shmpc_release). The
   consumer's handle is open: a peek succeeded on it, and its close drops what a peek held. */
/*@ requires inv: fifo_inv(q);
    requires queued: shmpc_fill(q->head, q->tail) > 0;
    requires open: !q->gone;
    assigns q->head;
    ensures inv: fifo_inv(q);
    ensures tail: q->tail == \old(q->tail);
    ensures released: q->head == shmpc_next(\old(q->head), 1);
*/
void fifo_release(fifo *q) {
    char *const slots = q->slots;
    const uint32_t cap = q->cap, mask = q->mask, stride = q->stride, size = q->size;
    const shmpc_idx head = q->head, tail = q->tail;
    shmpc_idx h = shmpc__advance(head, 1u);
    /*@ assert lens: \forall integer i; fifo_queued(head, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert shift: \forall integer i; fifo_queued(h, tail, i) ==> fifo_queued(head, tail, i); */
    /*@ assert hdr_q: \forall integer i; 0 <= i <= 4294967295 ==> \separated(shmpc_hdr(slots, i & mask), &q->head); */
    q->head = h;
    /*@ assert rest_len: \forall integer i; fifo_queued(h, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert rest: fifo_queue(slots, cap, mask, stride, size, h, tail); */
    /*@ assert state: q->slots == slots && q->cap == cap && q->mask == mask && q->stride == stride &&
            q->size == size && q->head == h && q->tail == tail; */
    /*@ assert layout: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
}

/* Close (the producer's shmpc_close, SPSC: the last and only producer ends the producer side).
   Only the flag moves: every queued message stays, and the pops still return each of them before
   the first SHMPC_ECLOSED (fifo_pop: only on an empty queue). A reservation outstanding is
   dropped (never published, nothing to model: fifo_commit refuses on a closed handle); a close
   again changes nothing (shmpc_close on a closed handle returns at once). */
/*@ requires inv: fifo_inv(q);
    assigns q->closed;
    ensures inv: fifo_inv(q);
    ensures closed: q->closed;
    ensures kept: q->head == \old(q->head) && q->tail == \old(q->tail);
*/
void fifo_close(fifo *q) {
    q->closed = 1;
}

/* The consumer's close (shmpc_close, SPSC: the one consumer ends the consumer side). Only the
   flag moves. After it, the producer's pushes are refused with SHMPC_ECLOSED (those that would
   have gone in or found the ring full; a message too big is still SHMPC_EMSGSIZE, as the shell
   decides) and publish nothing; the consumer's handle is closed (its pops and peeks:
   SHMPC_EINVAL). A commit of a reservation made before still publishes, as the shell's does
   (nobody reads it). The messages still queued are never read: an ended side is never
   attached again. */
/*@ requires inv: fifo_inv(q);
    assigns q->gone;
    ensures inv: fifo_inv(q);
    ensures gone: q->gone;
    ensures kept: q->head == \old(q->head) && q->tail == \old(q->tail) && q->closed == \old(q->closed);
*/
void fifo_cons_close(fifo *q) {
    q->gone = 1;
}

/* A message of a batch, as the shell's shmpc_iov gives it (its bytes read as chars). */
typedef struct fifo_msg { const char *base; size_t len; } fifo_msg;

/* Batch push (shmpc_try_push_many, SPSC): the count is min(n, free slots) (shmpc__put_many);
   message j of the batch goes into the slot of index tail + j and the ghost queue records it
   there, as a push does (fifo_put_at, on the producer's private tail t: the shell's r->own); the
   model's tail moves once, by the count, after the last (the shell's one publication, R1). Every
   message of the batch fits the slot size: the shell refuses up front what can never fit (it
   takes the prefix that fits); n is what is left of the batch after that. */
/*@ requires inv: fifo_inv(q);
    requires n: 1 <= n <= 2147483647;
    requires msgs: \valid_read(msgs + (0 .. n - 1)) &&
        \separated(msgs + (0 .. n - 1), q, q->slots + (0 .. (q->mask + 1) * q->stride - 1),
                   &fifo_glen[0 .. 4294967295], &fifo_gbytes, fifo_gbytes + (0 .. fifo_gspan - 1)) &&
        (\forall integer s; 0 <= s <= q->mask ==> \separated(shmpc_hdr(q->slots, s), msgs + (0 .. n - 1)));
    requires each: \forall integer j; 0 <= j < n ==> msgs[j].len <= q->size &&
        \valid_read(msgs[j].base + (0 .. msgs[j].len - 1)) &&
        \separated(msgs[j].base + (0 .. msgs[j].len - 1), q->slots + (0 .. (q->mask + 1) * q->stride - 1),
                   fifo_gbytes + (0 .. fifo_gspan - 1));
    assigns q->tail, q->slots[0 .. (q->mask + 1) * q->stride - 1],
            { shmpc_hdr(q->slots, s)->len | integer s; 0 <= s <= q->mask },
            fifo_glen[0 .. 4294967295], fifo_gbytes[0 .. fifo_gspan - 1];
    ensures inv: fifo_inv(q);
    ensures head: q->head == \old(q->head);
    ensures queued: \forall integer i; \old(fifo_queued(q->head, q->tail, i)) ==> fifo_same{Pre, Post}(i);
    behavior closed:
      assumes q->closed;
      assigns \nothing;
      ensures refused: \result == SHMPC_EINVAL;
    behavior gone:
      assumes !q->closed && q->gone;
      assigns \nothing;
      ensures \result == SHMPC_ECLOSED;
    behavior full:
      assumes !q->closed && !q->gone && shmpc_fill(q->head, q->tail) == q->cap;
      assigns \nothing;
      ensures \result == SHMPC_EFULL;
    behavior ok:
      assumes !q->closed && !q->gone && shmpc_fill(q->head, q->tail) < q->cap;
      ensures count: 1 <= \result <= n && \result <= q->cap - \old(shmpc_fill(q->head, q->tail));
      ensures most: \result == n || \result == q->cap - \old(shmpc_fill(q->head, q->tail));
      ensures appended: q->tail == shmpc_next(\old(q->tail), \result);
      ensures messages: \forall integer j; 0 <= j < \result ==>
          fifo_glen[shmpc_next(\old(q->tail), j)] == \old(msgs[j].len) &&
          \forall integer k; 0 <= k < \old(msgs[j].len) ==>
              fifo_gbytes[fifo_gat(shmpc_next(\old(q->tail), j), k)] == \old(msgs[j].base[k]);
    complete behaviors;
    disjoint behaviors;
*/
int fifo_push_many(fifo *q, const fifo_msg *msgs, size_t n) {
    char *const slots = q->slots;
    const uint32_t cap = q->cap, mask = q->mask, stride = q->stride, size = q->size;
    const shmpc_idx head = q->head, tail = q->tail;
    shmpc_idx t = tail;
    uint32_t got, count, i;
    int rc;
    if (q->closed) return SHMPC_EINVAL;
    if (q->gone) return SHMPC_ECLOSED; /* shmpc__spsc_push_many, before anything */
    rc = shmpc__put_many(head, tail, cap, n, &got);
    if (rc != SHMPC_OK) return rc;
    count = got; /* a local whose address is not taken: the loop below cannot write it */
    /*@ assert fill: shmpc_fill(head, tail) + count <= cap; */
    /*@ assert geom: 8 + size <= stride && size <= 1073741824 && mask <= 2147483647; */
    /*@ assert layout0: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
    /*@ assert fillm: shmpc_fill(head, tail) + count <= mask + 1; */
    /*@ assert queue0: fifo_queue(slots, mask + 1, mask, stride, size, head, tail); */
    /*@ assert each0: \forall integer j; 0 <= j < n ==>
            \separated(msgs[j].base + (0 .. msgs[j].len - 1), slots + (0 .. (mask + 1) * stride - 1)) &&
            \separated(msgs[j].base + (0 .. msgs[j].len - 1), fifo_gbytes + (0 .. fifo_gspan - 1)); */
    /*@ loop invariant bound: 0 <= i <= count && count <= n && shmpc_fill(head, tail) + count <= mask + 1;
        loop invariant at: t == shmpc_next(tail, i);
        loop invariant queue: fifo_queue(slots, mask + 1, mask, stride, size, head, t);
        loop invariant model: q->slots == slots && q->cap == cap && q->mask == mask && q->stride == stride &&
            q->size == size && q->head == head && q->tail == tail && q->closed == \at(q->closed, Pre);
        loop invariant given_bytes: \forall integer j, k; 0 <= j < n && 0 <= k < msgs[j].len ==>
            msgs[j].base[k] == \at(msgs[j].base[k], Pre);
        loop invariant old: \forall integer x; fifo_queued(head, tail, x) ==> fifo_same{Pre, Here}(x);
        loop invariant added: \forall integer j; 0 <= j < i ==>
            fifo_glen[shmpc_next(tail, j)] == msgs[j].len &&
            \forall integer k; 0 <= k < msgs[j].len ==> fifo_gbytes[fifo_gat(shmpc_next(tail, j), k)] == msgs[j].base[k];
        loop assigns i, t, slots[0 .. (mask + 1) * stride - 1],
            { shmpc_hdr(slots, s)->len | integer s; 0 <= s <= mask },
            fifo_glen[0 .. 4294967295], fifo_gbytes[0 .. fifo_gspan - 1];
        loop variant count - i;
    */
    for (i = 0; i < count; i++) {
        /*@ assert room: shmpc_fill(head, t) == shmpc_fill(head, tail) + i <= mask; */
        /*@ assert batch: \forall integer j; 0 <= j < i ==> fifo_queued(head, t, shmpc_next(tail, j)); */
        /*@ assert before: \forall integer x; fifo_queued(head, tail, x) ==> fifo_queued(head, t, x); */
        /*@ ghost fifo_tail_slot(mask, stride, t); */
        /*@ assert wr: 0 <= (t & mask) * stride && (t & mask) * stride + 8 + msgs[i].len <= (mask + 1) * stride; */
        /*@ assert in_ghost: 0 <= fifo_gat(t, 0) && fifo_gat(t, msgs[i].len) <= fifo_gspan; */
        /*@ assert wr_pre: (t & mask) * stride + 8 + msgs[i].len <= (\at(q->mask, Pre) + 1) * \at(q->stride, Pre); */
        /*@ assert mi: msgs[i].len <= size && \valid_read(msgs[i].base + (0 .. msgs[i].len - 1)) &&
                \separated(msgs[i].base + (0 .. msgs[i].len - 1), slots + (0 .. (mask + 1) * stride - 1),
                           fifo_gbytes + (0 .. fifo_gspan - 1)); */
        /*@ assert msep_s: \forall integer j; 0 <= j < n ==> \separated(msgs[j].base + (0 .. msgs[j].len - 1),
                slots + ((t & mask) * stride + 8 .. (t & mask) * stride + 8 + msgs[i].len - 1)); */
        /*@ assert msep_g: \forall integer j; 0 <= j < n ==> \separated(msgs[j].base + (0 .. msgs[j].len - 1),
                fifo_gbytes + (fifo_gat(t, 0) .. fifo_gat(t, msgs[i].len - 1))); */
        t = fifo_put_at(head, t, slots, mask + 1u, mask, stride, size, msgs[i].base, msgs[i].len);
    }
    /*@ assert hdr_q: \forall integer x; 0 <= x <= 4294967295 ==> \separated(shmpc_hdr(slots, x & mask), &q->tail); */
    q->tail = t; /* R1: one publication for the whole batch */
    /*@ assert rest: fifo_queue(slots, cap, mask, stride, size, head, t); */
    /*@ assert state: q->slots == slots && q->cap == cap && q->mask == mask && q->stride == stride &&
            q->size == size && q->head == head && q->tail == shmpc_next(tail, count); */
    /*@ assert layout: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
    return (int)count;
}

/* A buffer of a batch pop, as the shell's shmpc_iov gives it: its capacity in, the length out. */
typedef struct fifo_buf { char *base; size_t len; } fifo_buf;

/* The length of buffer i of a batch pop, stored: the other buffers' lengths stay as they were
   (stated here, in a small context: in the batch pop's loop the provers did not find it). */
/*@ requires bufs: \valid(bufs + (0 .. n - 1));
    requires i: i < n;
    assigns bufs[i].len;
    ensures set: bufs[i].len == len;
    ensures others: \forall integer j; 0 <= j < n && j != i ==> bufs[j].len == \old(bufs[j].len);
*/
void fifo_set_len(fifo_buf *bufs, size_t n, uint32_t i, uint32_t len) {
    bufs[i].len = len;
}

/* Message x of the queue out into buf, on values: its length from the slot's header word, its bytes
   copied out of the slot's payload (shmpc__copy_out); nothing of the queue is written. The step of
   the batch pop, alone (on its private head, the shell's r->own), with a small context. */
/*@ requires layout: shmpc_slots_ok(slots, mask, stride, size) && cap == mask + 1 && fifo_pow2(mask) &&
        \valid(fifo_gbytes + (0 .. fifo_gspan - 1)) &&
        \separated(slots + (0 .. (mask + 1) * stride - 1), fifo_gbytes + (0 .. fifo_gspan - 1));
    requires hdrs: \forall integer s; 0 <= s <= mask ==>
        \valid(shmpc_hdr(slots, s)) && \separated(shmpc_hdr(slots, s), &fifo_glen[0 .. 4294967295], &fifo_gbytes);
    requires queue: fifo_queue(slots, cap, mask, stride, size, head, tail);
    requires at: fifo_queued(head, tail, x);
    requires len: n == fifo_glen[x];
    requires buf: \valid(buf + (0 .. n - 1)) &&
        \separated(buf + (0 .. n - 1), slots + (0 .. (mask + 1) * stride - 1), fifo_gbytes + (0 .. fifo_gspan - 1));
    assigns buf[0 .. n - 1];
    ensures bytes: \forall integer k; 0 <= k < n ==> buf[k] == fifo_gbytes[fifo_gat(x, k)];
    ensures ghost: \forall integer o; 0 <= o < fifo_gspan ==> fifo_gbytes[o] == \old(fifo_gbytes[o]);
    ensures queue: fifo_queue(slots, cap, mask, stride, size, head, tail);
*/
void fifo_get_at(shmpc_idx head, shmpc_idx tail, shmpc_idx x, char *slots, uint32_t cap, uint32_t mask,
                 uint32_t stride, uint32_t size, char *buf, uint32_t n) {
    /*@ ghost fifo_slots_order(mask, stride); */
    /*@ assert geom: 8 + size <= stride; */
    /*@ assert lens: \forall integer i; fifo_queued(head, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
    /*@ assert queued: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert inside: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            0 <= (i & mask) * stride + 8 + k < (mask + 1) * stride; */
    /*@ assert fits: n <= size; */
    shmpc__copy_out(slots, mask, stride, size, x, buf, n);
    /*@ assert slots: \forall integer o; 0 <= o < (mask + 1) * stride ==> slots[o] == \at(slots[o], Pre); */
    /*@ assert out: \forall integer k; 0 <= k < n ==> buf[k] == fifo_gbytes[fifo_gat(x, k)]; */
    /*@ assert kept_msg: \forall integer i, k; fifo_queued(head, tail, i) && 0 <= k < fifo_glen[i] ==>
            slots[(i & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(i, k)]; */
    /*@ assert kept_len: \forall integer i; fifo_queued(head, tail, i) ==>
            shmpc_hdr(slots, i & mask)->len == fifo_glen[i] && fifo_glen[i] <= size; */
}

/* Batch pop (shmpc_try_pop_many, SPSC): the count is min(n, ready messages) (shmpc__get_many);
   message head + j goes into buffer j, while it fits; the first that does not fit ends the batch
   (the batch's first: SHMPC_EMSGSIZE and its length in bufs[0].len, as fifo_pop, checked before
   the loop as fifo_pop checks its buffer first; the shell finds it in its loop's first round, with
   the same outcome: nothing copied, nothing moves); head moves
   once, by the count, after the last (the shell's one publication, R2). Nothing of the queue is
   written: the messages popped are those of the ghost queue, from head on, byte for byte. The
   buffers are apart from one another (the caller's: the shell copies into each in turn).
   Each round's copy is fifo_get_at and the store of its length fifo_set_len, each proven in a
   context of its own (make prove-more): inline, five steps of a round stayed open (the earlier
   buffers apart from this one, the queued bytes after the copy, the copy's bytes, the other
   buffers' lengths after the store), two of them even at a 60 s timeout. That the earlier
   buffers' bytes are still their ghost messages after a round's copy (got_c_bytes) takes two
   steps before it: the ghost offsets of those bytes inside the ghost array (got_c_in: their
   lengths are queued messages' lengths, at most the slot size), so that fifo_get_at's ghost
   postcondition applies to them (got_c_ghost). got_c_in itself takes three: every queued
   message's length at most the slot size (glens, before the loop), the earlier buffers' indices
   queued (got_c_q), their lengths at most the slot size (got_c_size); without them only Z3
   proved it, after CVC4 had run out its 60 s. Proven in make prove-more (PROVE_FIFO_BATCH). */
/*@ requires inv: fifo_inv(q);
    requires n: 1 <= n <= 2147483647;
    requires bufs: \valid(bufs + (0 .. n - 1)) &&
        \separated(bufs + (0 .. n - 1), q, q->slots + (0 .. (q->mask + 1) * q->stride - 1),
                   &fifo_glen[0 .. 4294967295], &fifo_gbytes, fifo_gbytes + (0 .. fifo_gspan - 1)) &&
        (\forall integer s; 0 <= s <= q->mask ==> \separated(shmpc_hdr(q->slots, s), bufs + (0 .. n - 1)));
    requires each: \forall integer j; 0 <= j < n ==>
        \valid(bufs[j].base + (0 .. bufs[j].len - 1)) &&
        \separated(bufs[j].base + (0 .. bufs[j].len - 1), q->slots + (0 .. (q->mask + 1) * q->stride - 1),
                   fifo_gbytes + (0 .. fifo_gspan - 1));
    requires apart: \forall integer j, l; 0 <= j < l < n ==>
        \separated(bufs[j].base + (0 .. bufs[j].len - 1), bufs[l].base + (0 .. bufs[l].len - 1));
    assigns q->head, bufs[0 .. n - 1].len,
            { bufs[j].base[k] | integer j, k; 0 <= j < n && 0 <= k < bufs[j].len };
    ensures inv: fifo_inv(q);
    ensures tail: q->tail == \old(q->tail);
    ensures end: \result == SHMPC_ECLOSED <==> !q->gone && \old(shmpc_fill(q->head, q->tail)) == 0 && q->closed;
    ensures none: \result == SHMPC_EEMPTY <==> !q->gone && \old(shmpc_fill(q->head, q->tail)) == 0 && !q->closed;
    behavior gone:
      assumes q->gone;
      assigns \nothing;
      ensures refused: \result == SHMPC_EINVAL;
    behavior empty:
      assumes !q->gone && shmpc_fill(q->head, q->tail) == 0 && !q->closed;
      assigns \nothing;
      ensures \result == SHMPC_EEMPTY;
    behavior closed:
      assumes !q->gone && shmpc_fill(q->head, q->tail) == 0 && q->closed;
      assigns \nothing;
      ensures \result == SHMPC_ECLOSED;
    behavior too_small:
      assumes !q->gone && shmpc_fill(q->head, q->tail) > 0 && fifo_glen[q->head] > bufs[0].len;
      ensures \result == SHMPC_EMSGSIZE && bufs[0].len == fifo_glen[\old(q->head)];
      ensures kept: q->head == \old(q->head);
    behavior ok:
      assumes !q->gone && shmpc_fill(q->head, q->tail) > 0 && fifo_glen[q->head] <= bufs[0].len;
      ensures count: 1 <= \result <= n && \result <= \old(shmpc_fill(q->head, q->tail));
      ensures popped: q->head == shmpc_next(\old(q->head), \result);
      ensures most: \result == n || \result == \old(shmpc_fill(q->head, q->tail)) ||
          fifo_glen[shmpc_next(\old(q->head), \result)] > \old(bufs[\result].len);
      ensures messages: \forall integer j; 0 <= j < \result ==>
          bufs[j].len == fifo_glen[shmpc_next(\old(q->head), j)] &&
          \forall integer k; 0 <= k < bufs[j].len ==>
              bufs[j].base[k] == fifo_gbytes[fifo_gat(shmpc_next(\old(q->head), j), k)];
    complete behaviors;
    disjoint behaviors;
*/
int fifo_pop_many(fifo *q, fifo_buf *bufs, size_t n) {
    char *const slots = q->slots;
    const uint32_t cap = q->cap, mask = q->mask, stride = q->stride, size = q->size;
    const shmpc_idx head = q->head, tail = q->tail;
    shmpc_idx h = head;
    uint32_t got, count, i, len;
    int rc;
    if (q->gone) return SHMPC_EINVAL; /* the consumer's closed handle */
    if (head == tail) return q->closed ? SHMPC_ECLOSED : SHMPC_EEMPTY; /* shmpc__spsc_ready */
    rc = shmpc__get_many(head, tail, cap, n, &got);
    /*@ assert ok: rc == SHMPC_OK; */
    count = got; /* a local whose address is not taken: the loop below cannot write it */
    /*@ assert layout0: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
    /*@ assert queue0: fifo_queue(slots, mask + 1, mask, stride, size, head, tail); */
    /*@ assert first: fifo_queued(head, tail, head); */
    /*@ assert glens: \forall integer x; fifo_queued(head, tail, x) ==> fifo_glen[x] <= size; */
    len = shmpc__fc_slot(slots, head, mask, stride)->len;
    /*@ assert len0: len == fifo_glen[head]; */
    if (len > bufs[0].len) { /* the first does not fit: nothing moves (the shell finds it in its loop's first round) */
        bufs[0].len = len;
        return SHMPC_EMSGSIZE;
    }
    /*@ loop invariant bound: 0 <= i <= count && count <= n && count <= shmpc_fill(head, tail);
        loop invariant at: h == shmpc_next(head, i);
        loop invariant rest: \forall integer j; i <= j < n ==> bufs[j].len == \at(bufs[j].len, Pre);
        loop invariant queue: fifo_queue(slots, mask + 1, mask, stride, size, head, tail);
        loop invariant got: \forall integer j; 0 <= j < i ==>
            bufs[j].len == fifo_glen[shmpc_next(head, j)] && bufs[j].len <= \at(bufs[j].len, Pre) &&
            \forall integer k; 0 <= k < bufs[j].len ==> bufs[j].base[k] == fifo_gbytes[fifo_gat(shmpc_next(head, j), k)];
        loop assigns i, h, len, bufs[0 .. n - 1].len,
            { \at(bufs[j].base, Pre)[k] | integer j, k; 0 <= j < n && 0 <= k < \at(bufs[j].len, Pre) };
        loop variant count - i;
    */
    for (i = 0; i < count; i++) {
        /*@ assert q_h: fifo_queued(head, tail, h); */
        len = shmpc__fc_slot(slots, h, mask, stride)->len;
        /*@ assert len: len == fifo_glen[h]; */
        if (len > bufs[i].len) break; /* not the first (checked above): the batch ends before it */
        /*@ assert others: \forall integer j; 0 <= j < i ==>
                \separated(bufs[j].base + (0 .. \at(bufs[j].len, Pre) - 1), bufs[i].base + (0 .. bufs[i].len - 1)); */
    Copy:
        fifo_get_at(head, tail, h, slots, mask + 1u, mask, stride, size, bufs[i].base, len);
        /*@ assert got_kept: \forall integer j, k; 0 <= j < i && 0 <= k < bufs[j].len ==>
                bufs[j].base[k] == \at(bufs[j].base[k], Copy); */
        /*@ assert rest_k: \forall integer j; i < j < n ==> bufs[j].len == \at(bufs[j].len, Pre); */
        /*@ assert got_c_len: \forall integer j; 0 <= j < i ==>
                bufs[j].len == fifo_glen[shmpc_next(head, j)] && bufs[j].len <= \at(bufs[j].len, Pre); */
        /*@ assert got_c_q: \forall integer j; 0 <= j < i ==> fifo_queued(head, tail, shmpc_next(head, j)); */
        /*@ assert got_c_size: \forall integer j; 0 <= j < i ==> bufs[j].len <= size; */
        /*@ assert got_c_in: \forall integer j, k; 0 <= j < i && 0 <= k < bufs[j].len ==>
                0 <= fifo_gat(shmpc_next(head, j), k) < fifo_gspan; */
        /*@ assert got_c_ghost: \forall integer j, k; 0 <= j < i && 0 <= k < bufs[j].len ==>
                fifo_gbytes[fifo_gat(shmpc_next(head, j), k)] ==
                \at(fifo_gbytes[fifo_gat(shmpc_next(head, j), k)], Copy); */
        /*@ assert got_c_bytes: \forall integer j, k; 0 <= j < i && 0 <= k < bufs[j].len ==>
                bufs[j].base[k] == fifo_gbytes[fifo_gat(shmpc_next(head, j), k)]; */
        fifo_set_len(bufs, n, i, len);
        /*@ assert rest_w: \forall integer j; i < j < n ==> bufs[j].len == \at(bufs[j].len, Pre); */
        /*@ assert got_old_len: \forall integer j; 0 <= j < i ==>
                bufs[j].len == fifo_glen[shmpc_next(head, j)] && bufs[j].len <= \at(bufs[j].len, Pre); */
        /*@ assert got_old_bytes: \forall integer j, k; 0 <= j < i && 0 <= k < bufs[j].len ==>
                bufs[j].base[k] == fifo_gbytes[fifo_gat(shmpc_next(head, j), k)]; */
        /*@ assert got_i: \forall integer j; j == i ==>
                bufs[j].len == fifo_glen[shmpc_next(head, j)] && bufs[j].len <= \at(bufs[j].len, Pre) &&
                \forall integer k; 0 <= k < bufs[j].len ==> bufs[j].base[k] == fifo_gbytes[fifo_gat(shmpc_next(head, j), k)]; */
        h = shmpc__advance(h, 1u);
    }
    /*@ assert some: i >= 1; */
    /*@ assert shift: \forall integer x; fifo_queued(h, tail, x) ==> fifo_queued(head, tail, x); */
    /*@ assert hdr_q: \forall integer x; 0 <= x <= 4294967295 ==> \separated(shmpc_hdr(slots, x & mask), &q->head); */
    /*@ assert held: fifo_queue(slots, cap, mask, stride, size, head, tail); */
    /*@ assert held_len: \forall integer x; fifo_queued(head, tail, x) ==>
            shmpc_hdr(slots, x & mask)->len == fifo_glen[x] && fifo_glen[x] <= size; */
    /*@ assert held_msg: \forall integer x, k; fifo_queued(head, tail, x) && 0 <= k < fifo_glen[x] ==>
            slots[(x & mask) * stride + 8 + k] == fifo_gbytes[fifo_gat(x, k)]; */
    q->head = h; /* R2: one publication for the whole batch */
    /*@ assert rest_len: \forall integer x; fifo_queued(h, tail, x) ==>
            shmpc_hdr(slots, x & mask)->len == fifo_glen[x] && fifo_glen[x] <= size; */
    /*@ assert rest: fifo_queue(slots, cap, mask, stride, size, h, tail); */
    /*@ assert state: q->slots == slots && q->cap == cap && q->mask == mask && q->stride == stride &&
            q->size == size && q->head == h && q->tail == tail; */
    /*@ assert layout: fifo_layout(slots, cap, mask, stride, size) && fifo_apart(q, slots, mask, stride); */
    /*@ assert popped: fifo_inv(q); */
    return (int)i;
}
