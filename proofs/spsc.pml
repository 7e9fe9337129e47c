/* proofs/spsc.pml - SPIN model of shmpc's SPSC ring with the futex sleep/wake handshake (make bmc).

   Follows shmpc.h step by step; each access to a shared word is one atomic step:
     producer try_push: load ends; free slots from the cached head, refreshing it (A2) only when the
       cache says full; copy the message (COPY); store tail (R1, PUBLISH); store the slot's seq
       (R7, SEQ: layout 3); notify.
     consumer try_pop: ready from the cached tail; when the cache says empty, the slot's seq (A7)
       says whether its message is published (then the cached tail becomes own + 1); else, if the
       producer has not closed (A5): empty, tail not loaded; if it has, tail (A1), and once more
       (the final tail); read the slot; store head (R2); notify.
     notify: seq_cst fence + load of the waiter count (F1); if nonzero, bump the event word (the
       futex wake goes with it: a sleeper blocks until the word differs from what it read).
     blocking call (shmpc__wait): try; the consumer then loads tail once and caches it if it moved
       (shmpc__ready: what R1 published before R7), and tries again; then loop { e = load ev; waiters++ (F2); RECHECK: try again;
       give up nondeterministically (a timed call's deadline: ETIMEDOUT, and the caller calls
       again); futex_wait(ev, e); waiters--; try }. The futex sleep slice (the real code wakes every
       SHMPC_SLEEP_SLICE_NS to check liveness) is left out on purpose: it would hide a lost wake-up.
     close (producer, after N messages): set the ends bit (R5); bump both event words.
   Indices are 2-bit counters (MAX_CAP = 2^(bits-1) = CAP = 2) so that N = 5 messages wrap them.
   Checked: every message arrives once, in order (assert); no invalid end state (a lost wake-up
   leaves a side asleep for ever: the other blocks or ends, and the end state is invalid); with
   -DNP -l under weak fairness: no cycle without progress (no livelock). */
#define CAP 2
/* Event words count modulo EVM (32-bit in the header): a sleeper that read e blocks while ev == e.
   EVM is larger than the number of bumps in a whole run (one per message at most, plus the
   closes), so no count of bumps looks like none: no false alarm, and no lost wake-up hidden. */
#define EVM 8
#define M 4            /* 2^(index bits) */
#define N 5
#define IDX(x) ((x) % M)
#define OK 0
#define BLOCK 1        /* EFULL / EEMPTY: would block */
#define CLOSED 2

byte tail, head;                 /* shared indices (mod M) */
byte slot[CAP];                  /* message payloads */
byte seq[CAP];                   /* slot sequence words (mod M); shmpc_format: seq of slot p = p */
bit prod_closed, cons_closed;    /* ends */
byte data_waiters, space_waiters;
byte data_ev, space_ev;          /* futex words (mod 256, never close to wrapping here) */
byte received;

/* notify: F1 fence + load waiters; bump the event word if someone registered */
inline notify(waiters, ev) {
    if
    :: waiters != 0 -> ev = (ev + 1) % EVM
    :: else -> skip
    fi
}

/* producer's try_push of value v; own = private tail, pc = cached head */
inline try_push(v) {
    if
    :: cons_closed -> rc = CLOSED
    :: else ->
        if
        :: IDX(own + M - pc) < CAP -> rc = OK
        :: else -> pc = head;                               /* A2 */
            if
            :: IDX(own + M - pc) < CAP -> rc = OK
            :: else -> if :: cons_closed -> rc = CLOSED :: else -> rc = BLOCK fi
            fi
        fi;
        if
        :: rc == OK ->
            /*COPY*/ slot[own % CAP] = v;
            /*PUBLISH*/ tail = IDX(own + 1);                 /* R1 */
            /*SEQ*/ seq[own % CAP] = IDX(own + 1);           /* R7, after R1 */
            own = IDX(own + 1);
            notify(data_waiters, data_ev)
        :: else -> skip
        fi
    fi
}

/* consumer's try_pop: own = private head, ct = cached tail; got = the message */
inline try_pop() {
    if
    :: IDX(ct + M - own) > 0 -> rc = OK
    :: else ->
        if
        :: seq[own % CAP] == IDX(own + 1) -> ct = IDX(own + 1); rc = OK   /* A7 */
        :: else ->
            if
            :: !prod_closed -> rc = BLOCK                   /* A5: tail not loaded */
            :: else -> ct = tail;                           /* A1 */
                if
                :: IDX(ct + M - own) > 0 -> rc = OK
                :: else -> ct = tail;                       /* the final tail */
                    if :: IDX(ct + M - own) > 0 -> rc = OK :: else -> rc = CLOSED fi
                fi
            fi
        fi
    fi;
    if
    :: rc == OK ->
        got = slot[own % CAP];
        own = IDX(own + 1);
        head = own;                                         /* R2 */
        notify(space_waiters, space_ev)
    :: else -> skip
    fi
}

/* shmpc__ready, consumer: before the sleep loop, a tail that moved becomes the cached tail */
inline look_tail() {
    e = tail;                                               /* A1 (e: a scratch byte here) */
    if
    :: !prod_closed && e != own -> ct = e
    :: else -> skip
    fi
}

/* shmpc__wait around a try call: op, its waiter count and event word */
#define WAIT(TRY, LOOK, waiters, ev)                                            \
    TRY;                                                                      \
    if :: rc == BLOCK -> LOOK; TRY :: else -> skip fi;                        \
    do                                                                        \
    :: rc != BLOCK -> break                                                   \
    :: else ->                                                                \
        e = ev;                                                               \
        waiters++;                                          /* F2 */          \
        /*RECHECK*/ TRY; if :: rc != BLOCK -> waiters--; break :: else -> skip fi; \
        if                                                                    \
        :: true -> waiters--; rc = BLOCK; goto retry        /* timeout: ETIMEDOUT, call again */ \
        :: true -> (ev != e);                               /* futex_wait(ev, e) */ \
            waiters--;                                                        \
            TRY                                                               \
        fi                                                                    \
    od

active proctype producer() {
    byte own = 0, pc = 0, rc, e, v = 1;
    seq[1] = 1;                                             /* shmpc_format (seq[0] = 0 already) */
    do
    :: v <= N ->
retry:  WAIT(try_push(v), skip, space_waiters, space_ev);
        assert(rc == OK);
progress_push:
        v++
    :: else -> break
    od;
    /* close: the last producer ends the producer side and wakes every sleeper */
    prod_closed = 1;                                        /* R5 */
    data_ev = (data_ev + 1) % EVM;
    space_ev = (space_ev + 1) % EVM
}

active proctype consumer() {
    byte own = 0, ct = 0, rc, e, got;
    do
    :: true ->
retry:  WAIT(try_pop(), look_tail(), data_waiters, data_ev);
        if
        :: rc == CLOSED -> break
        :: else -> skip
        fi;
        received++;
        assert(got == received);                            /* FIFO, no loss, no duplicate */
progress_pop:
        skip
    od;
    assert(received == N);                                  /* everything drained before ECLOSED */
    cons_closed = 1;
    data_ev = (data_ev + 1) % EVM;
    space_ev = (space_ev + 1) % EVM
}
