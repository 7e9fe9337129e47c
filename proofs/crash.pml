/* proofs/crash.pml - SPIN model of shmpc's MPMC crash recovery and takeover (make bmc).

   One producer stream of N messages, written by incarnations of a producer (the first may die at
   any step, or close holding a reservation; a supervisor then starts a replacement that takes its
   role over), read by a consumer that may die at any step of a pop (a replacement takes over).
   Follows shmpc.h (>>ring, >>os), each access to a shared word one atomic step:
     claim (both sides): record the position in the peer's pending word, then compare-and-swap the
       index; a producer fills the slot and publishes seq = pos + 1 (R3); a consumer reads it and
       frees it with seq = pos + CAP (R4).
     close holding a reservation (MPMC): the slot is published with the discard mark; a consumer's
       claim skips a marked slot (frees it unread).
     shmpc__recover, consumer side (stuck-slot skip): at head, a position claimed (tail moved past
       it) and not committed (seq == pos), recorded in the pending word of a dead producer and of no
       live one: take it (compare-and-swap head) and free the slot.
     shmpc__recover, producer side (redelivery): the slot of tail, position p = tail - CAP, taken
       (head moved past it) and not freed (seq == p + 1), recorded by a dead consumer and by no
       live one: claim position tail (compare-and-swap tail; the slot stays frozen at seq p + 1),
       then (shmpc__redeliver) mark it and publish it in place as that position (compare-and-swap
       seq p + 1 -> tail + 1). The recoverer may die between the two steps.
     shmpc__recover, consumer side (frozen redelivery): at head, claimed (tail moved past it) and
       still at seq == head - CAP + 1: mark it and publish it (the same compare-and-swap).
     shmpc__reclaim (takeover at attach): a dead peer's entry leaves the table only when recovery no
       longer needs it (shmpc__still_needed).
   The waits are blocking guards (a survivor sleeps until it can go on or recover), so a recovery
   that never comes shows as an invalid end state. Death is observed only after it happened
   (liveness from the OS). A consumer may die holding a message before or after processing it
   (a pop that died before its release; a peek processed, not released). Checked: no message
   delivered twice unless flagged (the redelivery mark); a flagged message is the one a dead
   consumer held; messages arrive in order, except a flagged one; none that was never sent (a
   discarded reservation is never delivered); at the end every acknowledged message was
   delivered, except the one a dead consumer held if no producer claimed its slot again (the
   stream ended first): one whose slot was claimed again was delivered again, not lost; no
   invalid end state. Mutants (make bmc): skiplive (skip a stuck slot without the dead-producer
   check), freelive (redeliver a taken slot without the dead-consumer check), reclaimneeded
   (reclaim an entry that recovery still needs), discardpub (publish a closed reservation as a
   message), freeheld (free the held slot instead of delivering it again, as before), nounfreeze
   (no consumer publishes a frozen redelivery). */
#define CAP 2
#define M 8             /* 3-bit indices */
#define START 6
#define N 3             /* messages in the stream: 1..N */
#define IDX(x) ((x) % M)
#define NONE 255        /* a consumed position: never matched (attach's initial pending) */

byte tail = START, head = START;
byte seq[CAP];
byte slot[CAP];
bit mark[CAP];                   /* the discard mark (SHMPC__DISCARD in the length word) */
bit redo[CAP];                   /* the redelivery mark (SHMPC__REDO in the length word) */
/* peer table: 0, 1 producer incarnations; 2, 3 consumer incarnations */
bit reg[4], alive[4];
byte pending[4] = NONE;
byte next = 1;                   /* the supervisor's record: next message to attempt */
bit acked[N + 1];                /* messages acknowledged (the commit returned OK) */
byte lastgot, held, hpos = NONE; /* held: the message a dead consumer had taken, at position hpos */
bit got[N + 1];
bit prod_done, cons_done;

inline deliver(v, f) {
    assert(v >= 1 && v <= N);            /* sent, never a discarded reservation */
    assert(!f || v == held);             /* flagged: the one a dead consumer held */
    assert(f || !got[v]);                /* no duplicate, except a flagged redelivery */
    assert(f || v > lastgot);            /* in order, except a flagged redelivery */
    got[v] = 1;
    if :: v > lastgot -> lastgot = v :: else -> skip fi
}

/* shmpc__redeliver: mark the frozen slot of position p and publish it (compare-and-swap on seq) */
inline redeliver(p) {
    atomic { if :: seq[p % CAP] == IDX(p + M - CAP + 1) -> redo[p % CAP] = 1; seq[p % CAP] = IDX(p + 1)
                 :: else -> skip fi }
}

/* needed(p): a position of dead producer entry p that recovery still needs */
#define PNEEDED(p) (pending[p] != NONE && IDX(tail + M - pending[p]) >= 1 && IDX(tail + M - pending[p]) <= CAP && \
                    IDX(pending[p] + M - head) < CAP && seq[pending[p] % CAP] == pending[p])
#define CNEEDED(p) (pending[p] != NONE && IDX(head + M - pending[p]) >= 1 && IDX(head + M - pending[p]) <= CAP && \
                    seq[pending[p] % CAP] == IDX(pending[p] + 1))

proctype producer(byte me; bit may_die) {
    byte pos, v, rpos;
    atomic { /* attach: takeover of dead producers' entries that recovery no longer needs */
        if :: reg[0] && !alive[0] && /*NEEDED*/ !PNEEDED(0) -> reg[0] = 0 :: else -> skip fi;
        reg[me] = 1; alive[me] = 1; pending[me] = NONE
    };
    do
    :: next > N -> break
    :: next <= N ->
        v = next; next = v + 1;                                /* attempted */
        /* claim: wait for room (or deliver a dead consumer's message again), record, then
           compare-and-swap */
        do
        :: atomic { seq[tail % CAP] == tail -> pos = tail; pending[me] = pos; tail = IDX(pos + 1) }; break
        :: atomic { seq[tail % CAP] == IDX(tail + M - CAP + 1) && IDX(head + M - IDX(tail + M - CAP)) >= 1 &&
                    IDX(head + M - IDX(tail + M - CAP)) <= CAP &&
                    /*DEADC*/ ((pending[2] == IDX(tail + M - CAP) && reg[2] && !alive[2]) ||
                     (pending[3] == IDX(tail + M - CAP) && reg[3] && !alive[3])) &&
                    !(pending[2] == IDX(tail + M - CAP) && alive[2]) && !(pending[3] == IDX(tail + M - CAP) && alive[3]) /*ENDC*/ ->
                    /*HELD*/ rpos = tail; tail = IDX(rpos + 1) };                /* redelivery: claim tail */
                  if :: may_die -> alive[me] = 0; goto dead :: true -> skip fi; /* killed before publishing it */
                  redeliver(rpos) /*ENDHELD*/
        od;
        if
        :: may_die -> alive[me] = 0; goto dead                 /* killed holding the claim */
        :: may_die && v == N -> mark[pos % CAP] = /*MARK*/ 1; seq[pos % CAP] = IDX(pos + 1);
                                alive[me] = 0; reg[me] = 0; goto closed /* close holding a reservation */
        :: true -> skip
        fi;
        slot[pos % CAP] = v; redo[pos % CAP] = 0;               /* payload and length */
        if :: may_die -> alive[me] = 0; goto dead :: true -> skip fi; /* killed after the copy */
        seq[pos % CAP] = IDX(pos + 1);                         /* R3: commit */
        acked[v] = 1;
        if :: may_die -> alive[me] = 0; goto dead :: true -> skip fi  /* killed before its ack was seen */
    od;
    reg[me] = 0; alive[me] = 0;
closed:
    prod_done = 1;
dead:
    skip
}

proctype consumer(byte me; bit may_die) {
    byte pos, v;
    bit f;
    atomic {
        if :: reg[2] && !alive[2] && /*NEEDED*/ !CNEEDED(2) -> reg[2] = 0 :: else -> skip fi;
        reg[me] = 1; alive[me] = 1; pending[me] = NONE
    };
    do
    :: atomic { prod_done && head == tail -> break }          /* ECLOSED after the drain */
    :: atomic { seq[head % CAP] == IDX(head + 1) -> pos = head; pending[me] = pos; head = IDX(pos + 1) } ->
        if
        :: mark[pos % CAP] -> mark[pos % CAP] = 0; seq[pos % CAP] = IDX(pos + CAP) /* a discard: skipped */
        :: else ->
            v = slot[pos % CAP]; f = redo[pos % CAP];
            if :: may_die -> held = v; hpos = pos; alive[me] = 0; goto dead :: true -> skip fi; /* killed holding it */
            deliver(v, f);
            if :: may_die -> held = v; hpos = pos; alive[me] = 0; goto dead :: true -> skip fi; /* a peek processed */
            seq[pos % CAP] = IDX(pos + CAP)                    /* R4: release */
        fi
    :: atomic { seq[head % CAP] == head && tail != head &&      /* stuck-slot skip */
                /*DEADP*/ ((pending[0] == head && reg[0] && !alive[0]) || (pending[1] == head && reg[1] && !alive[1])) &&
                !(pending[0] == head && alive[0]) && !(pending[1] == head && alive[1]) /*ENDP*/ ->
                pos = head; head = IDX(pos + 1); seq[pos % CAP] = IDX(pos + CAP) }
    :: atomic { tail != head && IDX(tail + M - head) <= CAP && /*UNFREEZE*/ seq[head % CAP] == IDX(head + M - CAP + 1) } ->
                redeliver(head)                               /* a redelivery frozen by a dead recoverer */
    od;
    reg[me] = 0; alive[me] = 0;
    cons_done = 1;
dead:
    skip
}

/* the supervisor of the consumers (the producers' is init): a dead incarnation is replaced once,
   whatever the producers do (a producer may wait for the room only a consumer makes) */
proctype csupervisor() {
    if
    :: atomic { reg[2] && !alive[2] -> run consumer(3, 0) }
    :: atomic { cons_done -> skip }
    fi
}

init {
    byte k = 1;
    seq[0] = 8 - 2; seq[1] = 7;            /* format: the slot of p = START + i holds seq p */
    atomic { run producer(0, 1); run consumer(2, 1); run csupervisor() };
    /* the supervisor: a dead incarnation is replaced once */
    if
    :: atomic { reg[0] && !alive[0] -> run producer(1, 0) }
    :: atomic { prod_done -> skip }
    fi;
    (prod_done || (!alive[0] && !alive[1])) && cons_done;
    /* every acknowledged message was delivered, except the one a dead consumer held while no
       producer claimed its slot again (tail did not pass its next lap's position) */
    do
    :: k <= N -> assert(!acked[k] || got[k] || (k == held && IDX(tail + M - hpos) <= CAP)); k++
    :: else -> break
    od
}
