/* proofs/takeover.pml - SPIN model of shmpc's SPSC takeover and peek redelivery (make bmc).

   One producer stream of N messages, written by incarnations of the producer (the first may die
   at any step; a supervisor then starts a replacement that takes its role over), read by
   incarnations of the consumer (likewise). Follows shmpc.h (>>ring, shmpc_attach_id,
   shmpc__reclaim), each access to a shared word one atomic step:
     producer: push (copy the message, then publish tail = own + 1, R1) or reserve (write in place)
       and commit (publish tail); room from head (A2). A reservation is never published before its
       commit, so a dead producer's reservation is never seen.
     consumer: pop (read the slot, then head = own + 1, R2; the call returns after); peek (record
       pos in the pending word, hand the message out, then release: head = pos + 1).
     takeover (attach): the dead holder's entry and count are taken over; a producer goes on from
       tail (own) and head (cached); a consumer from head, and if the dead one's pending word ==
       head it held a peek of that message: the taker's first message is flagged
       (shmpc_redelivered, redo_pos), and the taker's pending word stays at head, so that a taker
       that dies before that message hands the flag on.
   Consumer incarnations: the first and its replacement may die; a third replaces the second.
   The waits are blocking guards. Checked: every delivered message was sent (a reservation never
   committed is never delivered); no message delivered twice unless flagged; a flagged message is
   the one a dead consumer held in a peek; in order, except a flagged one; at the end every
   acknowledged message was delivered; no invalid end state. Mutants (make bmc): nopeekrecord
   (a peek does not record its position), heldalways (the taker flags its first message whatever
   the dead one held), heldnotkept (the taker's pending word starts empty: a held peek is flagged
   to the first taker only), takeoverhead (a new producer appends at head, not tail), earlycommit
   (a reservation is published before it is written). */
#define CAP 2
#define M 8             /* 3-bit indices */
#define START 6
#define N 3             /* messages in the stream: 1..N */
#define IDX(x) ((x) % M)
#define NONE 255

byte tail = START, head = START;
byte slot[CAP];
/* peer table: 0, 1 producer incarnations; 2, 3, 4 consumer incarnations */
bit reg[5], alive[5];
byte pending[5] = NONE;
byte next = 1;                   /* the supervisor's record: next message to attempt */
bit acked[N + 1], got[N + 1];
byte lastgot, hv;                /* hv: the message a dead consumer held in a peek */
bit prod_done, cons_done;

inline deliver(v, f) {
    assert(v >= 1 && v <= N);            /* sent, never an uncommitted reservation */
    assert(!(f) || v == hv);             /* flagged: the one a dead consumer held in a peek */
    assert((f) || !got[v]);              /* no duplicate, except a flagged redelivery */
    assert((f) || v > lastgot);          /* in order, except a flagged redelivery */
    got[v] = 1;
    if :: v > lastgot -> lastgot = v :: else -> skip fi
}

proctype producer(byte me; bit may_die) {
    byte own, v;
    atomic { /* attach: a dead holder gives way (SPSC: its count is the one taken) */
        if :: reg[0] && !alive[0] -> reg[0] = 0 :: else -> skip fi;
        reg[me] = 1; alive[me] = 1;
        own = /*OWN*/ tail
    };
    do
    :: next > N -> break
    :: next <= N ->
        v = next; next = v + 1;                                /* attempted */
        IDX(own + M - head) < CAP;                             /* room (A2: pairs with R2) */
        if
        :: slot[own % CAP] = v                                 /* push: the copy */
        :: /*EARLY*/ skip;                                     /* reserve, then write in place */
           if :: may_die -> alive[me] = 0; goto dead :: true -> skip fi;
           slot[own % CAP] = v
        fi;
        if :: may_die -> alive[me] = 0; goto dead :: true -> skip fi; /* killed before publishing */
        own = IDX(own + 1); tail = own;                        /* R1: publish (push or commit) */
        acked[v] = 1;
        if :: may_die -> alive[me] = 0; goto dead :: true -> skip fi
    od;
    reg[me] = 0; alive[me] = 0;
    prod_done = 1;
dead:
    skip
}

proctype consumer(byte me; bit may_die) {
    byte own, pos, v, redo_pos = NONE, gone = NONE;
    atomic { /* attach: a dead holder gives way; held: its last peek is at head, not released */
        if
        :: reg[2] && !alive[2] -> gone = 2
        :: reg[3] && !alive[3] -> gone = 3
        :: else -> skip
        fi;
        if
        :: gone != NONE -> if :: /*HELD*/ pending[gone] == head -> redo_pos = head :: else -> skip fi; reg[gone] = 0
        :: else -> skip
        fi;
        reg[me] = 1; alive[me] = 1; pending[me] = /*KEPT*/ (redo_pos == head -> head : NONE);
        own = head
    };
    do
    :: atomic { prod_done && own == tail -> break }           /* ECLOSED after the drain */
    :: own != tail ->                                          /* pop (A1: pairs with R1) */
        pos = own; v = slot[pos % CAP];
        if :: may_die -> alive[me] = 0; goto dead :: true -> skip fi; /* killed before its head store */
        own = IDX(pos + 1); head = own;                        /* R2 */
        deliver(v, pos == redo_pos)
    :: own != tail ->                                          /* peek */
        pos = own;
        /*RECORD*/ pending[me] = pos;
        if :: may_die -> hv = slot[pos % CAP]; alive[me] = 0; goto dead :: true -> skip fi;
        v = slot[pos % CAP];
        deliver(v, pos == redo_pos);                           /* processed in place */
        if :: may_die -> hv = v; alive[me] = 0; goto dead :: true -> skip fi; /* not released */
        own = IDX(pos + 1); head = own                         /* release: R2 */
    od;
    reg[me] = 0; alive[me] = 0;
    cons_done = 1;
dead:
    skip
}

/* the consumers' supervisor (the producers' is init): a dead incarnation is replaced, twice */
proctype csupervisor() {
    if
    :: atomic { reg[2] && !alive[2] -> run consumer(3, 1) }
    :: atomic { cons_done -> goto done }
    fi;
    if
    :: atomic { reg[3] && !alive[3] -> run consumer(4, 0) }
    :: atomic { cons_done -> skip }
    fi;
done:
    skip
}

init {
    byte k = 1;
    atomic { run producer(0, 1); run consumer(2, 1); run csupervisor() };
    if
    :: atomic { reg[0] && !alive[0] -> run producer(1, 0) }
    :: atomic { prod_done -> skip }
    fi;
    prod_done && cons_done;
    /* every acknowledged message was delivered */
    do
    :: k <= N -> assert(!acked[k] || got[k]); k++
    :: else -> break
    od
}
