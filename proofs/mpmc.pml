/* proofs/mpmc.pml - SPIN model of shmpc's MPMC ring (D. Vyukov's bounded queue, one sequence word
   per slot) with the futex sleep/wake handshake, close and drain (make bmc).

   Follows shmpc.h step by step; each access to a shared word is one atomic step:
     producer try_push: load ends; claim: pos = load tail; loop { seq = load slot seq (A4);
       READY (seq == pos): compare-and-swap tail pos -> pos+1 (a failure reloads pos); otherwise
       reload tail: moved -> retry at the new pos; BEHIND -> EFULL }; copy (COPY); store seq = pos+1
       (R3, PUBLISH); notify consumers.
     consumer try_pop: pos = load head; loop { seq = load slot seq (A3); READY (seq == pos+1):
       compare-and-swap head; read the slot; store seq = pos+CAP (R4) ... ; BEHIND -> EEMPTY };
       at EEMPTY: load ends (A5); producer side closed and head == tail -> ECLOSED.
     notify, blocking call (waiter count, re-check after registering, nondeterministic give-up of a
       timed call, futex_wait on the event word) and close: as in spsc.pml. The last producer to
       close (fetch_sub of the count returned 1) sets the ends bit and bumps both event words.
   Not modelled here: the peers' pending words and the crash recovery that reads them (blocking
   path, dead peers only: proofs/crash.pml models them, with takeover), the SHMPC_RETRIES bound (a bounded retry returns EAGAIN, which would-block
   treats as EEMPTY/EFULL), the length word (its checks are covered by make bmc's C checker),
   the batches' range claims (push_many/pop_many claim several positions per compare-and-swap:
   make bmc's C checker and the weak-memory scenarios mpmc-batch-* run them).
   Indices are 3-bit counters starting at 6, so positions and sequence words wrap (6, 7, 0, 1, ...).
   With 2-bit counters the model finds the index ABA instead: a thread stalled between loading
   tail and its re-check while the others go round the whole index space (2^bits claims) sees
   its stale position again and reports ECORRUPT. With 32-bit indices that takes 2^32 claims
   during one stall; the messages here (at most 6) are fewer than 2^3, so no ABA is reachable.
   Checked: every message is received exactly once; per producer, each consumer receives its
   messages in order; no invalid end state (deadlock or lost wake-up). */
#ifndef NP_
#define NP_ 2
#endif
#ifndef NC_
#define NC_ 2
#endif
#ifndef NMSG
#define NMSG 2          /* messages per producer */
#endif
#ifndef GIVEUP
#define GIVEUP true     /* timed calls may give up (false: every call waits without limit) */
#endif
#define CAP 2
/* Event words count modulo EVM (32-bit in the header): a sleeper that read e blocks while ev == e.
   EVM is larger than the number of bumps in a whole run (one per message at most, plus the
   closes), so no count of bumps looks like none: no false alarm, and no lost wake-up hidden. */
#define EVM 8
#define M 8             /* 3-bit indices */
#define START 6         /* counters start just below the wrap (shmpc_opts.start_index) */
#define IDX(x) ((x) % M)
#define OK 0
#define BLOCK 1
#define CLOSED 2
#define READY 0
#define BEHIND 1
#define AHEAD 2
#define BAD 3

byte tail = START, head = START;
byte seq[CAP];                   /* format: the slot of p = START + i holds seq p */
byte slot[CAP];                  /* message: producer * 8 + number */
#define ENDED 255          /* SHMPC__ENDED: the side has ended (layout 4) */
byte producers = NP_;
bit prod_closed;
byte data_waiters, space_waiters, data_ev, space_ev;
byte got[NP_ * 8];               /* receptions per message */
byte cons_done;

inline notify(waiters, ev) {
    if
    :: waiters != 0 -> ev = (ev + 1) % EVM
    :: else -> skip
    fi
}

/* seq_class(s, want): READY, AHEAD (within CAP), BEHIND (within CAP), else BAD */
inline classify(s, want) {
    if
    :: IDX(s + M - want) == 0 -> c = READY
    :: IDX(s + M - want) != 0 && IDX(s + M - want) <= CAP -> c = AHEAD
    :: IDX(s + M - want) > CAP && IDX(want + M - s) <= CAP -> c = BEHIND
    :: else -> c = BAD     /* a stale position: the caller's re-check of the index moves on */
    fi
}

/* (The ends check for a closed consumer side is left out: consumers here close only after the
   producers; spsc.pml and the C checker cover ECLOSED on the producer side.) */
inline try_push(v) {
    pos = tail;
    do
    :: s = seq[pos % CAP];                                  /* A4 */
       classify(s, pos);
       if
       :: c == READY ->
           atomic { if :: tail == pos -> tail = IDX(pos + 1); rc = OK :: else -> pos = tail; rc = BLOCK fi };
           if :: rc == OK -> break :: else -> skip fi
       :: else ->
           if
           :: tail != pos -> pos = tail
           :: else -> assert(c == BEHIND); rc = BLOCK; break
           fi
       fi
    od;
    if
    :: rc == OK ->
        /*COPY*/ slot[pos % CAP] = v;
        /*PUBLISH*/ seq[pos % CAP] = IDX(pos + 1);            /* R3 */
        notify(data_waiters, data_ev)
    :: else -> skip
    fi;
    d_step { pos = 0; s = 0; c = 0 }                        /* dead temporaries: canonical states */
}

inline try_pop() {
    pos = head;
    do
    :: s = seq[pos % CAP];                                  /* A3 */
       classify(s, IDX(pos + 1));
       if
       :: c == READY ->
           atomic { if :: head == pos -> head = IDX(pos + 1); rc = OK :: else -> pos = head; rc = BLOCK fi };
           if :: rc == OK -> break :: else -> skip fi
       :: else ->
           if
           :: head != pos -> pos = head
           :: else -> assert(c == BEHIND); rc = BLOCK; break
           fi
       fi
    od;
    if
    :: rc == OK ->
        msg = slot[pos % CAP];
        seq[pos % CAP] = IDX(pos + CAP);                    /* R4 */
        notify(space_waiters, space_ev)
    :: else ->                                              /* empty_or_closed */
        if
        :: prod_closed ->                                   /* A5 */
            s = head;
            if :: s == tail -> rc = CLOSED :: else -> skip fi
        :: else -> skip
        fi
    fi;
    d_step { pos = 0; s = 0; c = 0 }                        /* dead temporaries: canonical states */
}

#define WAIT(TRY, waiters, ev)                                                  \
    TRY;                                                                      \
    do                                                                        \
    :: rc != BLOCK -> break                                                   \
    :: else ->                                                                \
        e = ev;                                                               \
        waiters++;                                          /* F2 */          \
        /*RECHECK*/ TRY; if :: rc != BLOCK -> waiters--; break :: else -> skip fi; \
        if                                                                    \
        :: GIVEUP -> waiters--; rc = BLOCK; goto retry      /* timeout: ETIMEDOUT, call again */ \
        :: true -> (ev != e);                               /* futex_wait(ev, e) */ \
            waiters--;                                                        \
            TRY                                                               \
        fi                                                                    \
    od

proctype producer(byte id) {
    byte pos, s, c, rc, e, n = 1;
    do
    :: n <= NMSG ->
retry:  WAIT(try_push(id * 8 + n), space_waiters, space_ev);
        assert(rc == OK);
        n++
    :: else -> break
    od;
    byte was;
    atomic {                                                /* compare-and-swap: the last one */
        was = producers;                                    /* ends the side in the count */
        if :: was == 1 -> producers = ENDED :: else -> producers-- fi
    };
    if
    :: was == 1 ->
        prod_closed = 1;                                    /* R5 */
        data_ev = (data_ev + 1) % EVM;
        space_ev = (space_ev + 1) % EVM
    :: else -> skip
    fi
}

proctype consumer() {
    byte pos, s, c, rc, e, msg;
    byte last[NP_];                                         /* last number seen per producer */
    do
    :: true ->
retry:  WAIT(try_pop(), data_waiters, data_ev);
        if
        :: rc == CLOSED -> break
        :: else -> skip
        fi;
        assert(msg % 8 > last[msg / 8]);                    /* FIFO per producer */
        last[msg / 8] = msg % 8;
        d_step { got[msg]++; assert(got[msg] == 1) }        /* no duplicate */
    od;
    cons_done++
}

init {
    byte i;
    atomic {
        seq[START % CAP] = START; seq[(START + 1) % CAP] = IDX(START + 1);
        for (i : 0 .. NP_ - 1) { run producer(i) };
        for (i : 1 .. NC_) { run consumer() }
    };
    (cons_done == NC_);
    for (i : 0 .. NP_ - 1) {                               /* nothing lost */
        byte n;
        for (n : 1 .. NMSG) { assert(got[i * 8 + n] == 1) }
    }
}
