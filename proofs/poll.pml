/* proofs/poll.pml - SPIN model of the pollable descriptor's handshake (shmpc_fd, shmpc_arm) on an
   SPSC ring (make bmc): the poll path shares the futex path's waiter counts, so one side polls
   and the other blocks (the futex path of proofs/spsc.pml) or only calls try_* (it never sleeps).

   Follows shmpc.h step by step; each access to a shared word is one atomic step (SPIN's sequential
   consistency: the seq_cst fences F1, F2 and the one after registering are what make this so in C11):
     notify (shmpc__notify + shmpc__os_wake): F1, load the waiter count; if nonzero bump the event
       word (futex wake) and, if the poller count is nonzero, for an armed poller (POLLING flag):
       clear the flag (whoever clears it uncounts it: waiters--, pollers--) and send the datagram.
     poller (the user's loop): drain with try calls until BLOCK; then shmpc_arm: if not armed, the
       spin's look at the ring (SPINLOOK: loads only; if the call could proceed, send itself the
       datagram and return, neither draining nor registering); else empty the socket (and the
       pidfd events), register if not armed (pollers++, waiters++ (F2), flag = 1), look at
       the ring again (ARMRECHECK: if the call could proceed, disarm and send itself the datagram);
       a peer found dead with nothing to read: EPEERDEAD; then poll: block until the socket holds
       a datagram or the other process's pidfd is readable.
     the other side: a producer (consumer) pushing (popping) N messages, blocking (shmpc__wait,
       the futex path) or spinning on try calls (-DTRY_PEER), then closing: ends bit (R5), both
       event words bumped, and the pollers of both directions woken as notify does. With -DDEATH it
       may instead die between calls or between publishing and notifying: its pidfd becomes readable
   and the liveness check says dead (one step: the kernel marks the exit for both), nothing more.
   Configurations: -DPOLL_CONS (a polling consumer) or -DPOLL_PROD (a polling producer).
   Checked: every message arrives once, in order (assert); no invalid end state (a lost wake-up
   leaves the poller in poll for ever while the other side has ended: invalid end state). */
#define CAP 2
#define EVM 8
#define M 4
#define N 4
#define IDX(x) ((x) % M)
#define OK 0
#define BLOCK 1
#define CLOSED 2
#define DEAD 3

/* the other side dies here (kill -9) or goes on */
#ifdef DEATH
#define MAY_DIE if :: true -> atomic { pidfd = 1; other_dead = 1 }; goto dead :: true -> skip fi
#else
#define MAY_DIE skip
#endif
#ifdef POLL_CONS
#define DIE_IN_PUSH MAY_DIE
#define DIE_IN_POP skip
#else
#define DIE_IN_PUSH skip
#define DIE_IN_POP MAY_DIE
#endif

byte tail, head;
byte slot[CAP];
bit prod_closed, cons_closed;
byte data_waiters, space_waiters, data_pollers, space_pollers;
byte data_ev, space_ev;
bit polling;         /* the poller's SHMPC__PF_POLLING */
bit sock;            /* its socket holds a datagram (readable) */
bit pidfd;           /* the other process exited (its pidfd is readable) */
bit other_dead;      /* ... and shmpc__peer_dead would say so */
byte received;

/* shmpc__poll_wake for the one poller: one datagram per arm */
inline poll_wake(waiters, pollers) {
    atomic {
        if
        :: polling -> polling = 0; waiters--; pollers--; sock = 1
        :: else -> skip
        fi
    }
}

/* F1, then the futex wake and the pollers (shmpc__notify, shmpc__os_wake) */
inline notify(waiters, ev, pollers) {
    if
    :: waiters != 0 ->
        ev = (ev + 1) % EVM;
        if
        :: pollers != 0 -> poll_wake(waiters, pollers)
        :: else -> skip
        fi
    :: else -> skip
    fi
}

inline try_push(v) {
    if
    :: cons_closed -> rc = CLOSED
    :: else ->
        if
        :: IDX(own + M - head) < CAP -> rc = OK
        :: else -> if :: cons_closed -> rc = CLOSED :: else -> rc = BLOCK fi
        fi;
        if
        :: rc == OK ->
            slot[own % CAP] = v;
            tail = IDX(own + 1);                             /* R1 */
            own = IDX(own + 1);
            DIE_IN_PUSH;                                     /* published, nobody woken */
            notify(data_waiters, data_ev, data_pollers)
        :: else -> skip
        fi
    fi
}

inline try_pop() {
    if
    :: IDX(tail + M - own) > 0 -> rc = OK
    :: else ->
        if
        :: !prod_closed -> rc = BLOCK
        :: else -> if :: IDX(tail + M - own) > 0 -> rc = OK :: else -> rc = CLOSED fi
        fi
    fi;
    if
    :: rc == OK ->
        got = slot[own % CAP];
        own = IDX(own + 1);
        head = own;                                         /* R2 */
        DIE_IN_POP;
        notify(space_waiters, space_ev, space_pollers)
    :: else -> skip
    fi
}

/* shmpc__ready: loads only */
#define READY_CONS (IDX(tail + M - own) > 0 || prod_closed)
#define READY_PROD (IDX(own + M - head) < CAP || cons_closed)

/* shmpc_arm for the poller: its counts and its readiness. The spin's polls are one look here:
   SPIN's interleavings put it at any point of the spin. */
#define ARM(waiters, pollers, READY)                                            \
    if                                                                        \
    :: !polling && READY -> /*SPINLOOK*/ sock = 1; rc = OK                     \
    :: else -> ARM_REST(waiters, pollers, READY)                              \
    fi
#define ARM_REST(waiters, pollers, READY)                                       \
    sock = 0;                                   /* empties the socket */      \
    if :: pidfd -> died = 1; pidfd = 0 :: else -> skip fi; /* a dead peer's pidfd leaves the set */ \
    if                                                                        \
    :: !polling -> pollers++; waiters++; polling = 1    /* F2, then the fence */ \
    :: else -> skip                                                           \
    fi;                                                                       \
    rc = BLOCK;                                                               \
    /*ARMRECHECK*/ if :: READY -> atomic { if :: polling -> polling = 0; waiters--; pollers-- :: else -> skip fi }; sock = 1; rc = OK :: else -> skip fi; \
    if                                      /* a death seen is kept until looked at with nothing to read */ \
    :: rc == BLOCK && died -> died = 0; if :: other_dead -> rc = DEAD :: else -> skip fi \
    :: else -> skip                                                           \
    fi

/* the blocking side's shmpc__wait (futex path, as in proofs/spsc.pml) */
#define WAIT(TRY, waiters, ev)                                                  \
    TRY;                                                                      \
    do                                                                        \
    :: rc != BLOCK -> break                                                   \
    :: else ->                                                                \
        e = ev;                                                               \
        waiters++;                                                            \
        TRY; if :: rc != BLOCK -> waiters--; break :: else -> skip fi;        \
        (ev != e);                                                            \
        waiters--;                                                            \
        TRY                                                                   \
    od

/* the try-calling side: spins on the try call */
#define SPIN_ON(TRY) do :: TRY; if :: rc != BLOCK -> break :: else -> skip fi od

#ifdef TRY_PEER
#define PEER_CALL(TRY, waiters, ev) SPIN_ON(TRY)
#else
#define PEER_CALL(TRY, waiters, ev) WAIT(TRY, waiters, ev)
#endif


/* shmpc_close of the last peer of a side: ends bit (R5), both event words, both pollers' wakes */
#define CLOSE_SIDE(bitvar)                                                      \
    bitvar = 1;                                                               \
    data_ev = (data_ev + 1) % EVM;                                            \
    if :: data_pollers != 0 -> poll_wake(data_waiters, data_pollers) :: else -> skip fi; \
    space_ev = (space_ev + 1) % EVM;                                          \
    if :: space_pollers != 0 -> poll_wake(space_waiters, space_pollers) :: else -> skip fi

#ifdef POLL_CONS
active proctype producer() {                          /* blocks or spins; never polls */
    byte own = 0, rc, e, v = 1;
    do
    :: v <= N -> MAY_DIE; PEER_CALL(try_push(v), space_waiters, space_ev); assert(rc == OK); v++
    :: else -> break
    od;
    MAY_DIE;
    CLOSE_SIDE(prod_closed);
dead: skip
}

active proctype consumer() {                          /* the event loop */
    byte own = 0, rc, got;
    bit died = 0;
    do
    :: true ->
        try_pop();
        if
        :: rc == OK -> received++; assert(got == received);
progress_pop: skip
        :: rc == CLOSED -> break
        :: rc == BLOCK ->
            ARM(data_waiters, data_pollers, READY_CONS);
            if
            :: rc == DEAD -> break
            :: else -> (sock || pidfd)                     /* poll(fd) */
            fi
        fi
    od;
    assert(rc == DEAD || received == N);
    CLOSE_SIDE(cons_closed)
}
#endif

#ifdef POLL_PROD
active proctype producer() {                          /* the event loop */
    byte own = 0, rc, v = 1;
    bit died = 0;
    do
    :: v <= N ->
        try_push(v);
        if
        :: rc == OK -> v++;
progress_push: skip
        :: rc == CLOSED -> assert(false)                   /* the consumer drains all */
        :: rc == BLOCK ->
            ARM(space_waiters, space_pollers, READY_PROD);
            if
            :: rc == DEAD -> break
            :: else -> (sock || pidfd)                     /* poll(fd) */
            fi
        fi
    :: else -> break
    od;
    CLOSE_SIDE(prod_closed)
}

active proctype consumer() {                          /* blocks or spins; never polls */
    byte own = 0, rc, e, got;
    do
    :: true ->
        MAY_DIE;
        PEER_CALL(try_pop(), data_waiters, data_ev);
        if
        :: rc == CLOSED -> break
        :: else -> received++; assert(got == received)
        fi
    od;
    assert(received == N);
    MAY_DIE;
    CLOSE_SIDE(cons_closed);
dead: skip
}
#endif
