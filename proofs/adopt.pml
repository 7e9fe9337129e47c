/* proofs/adopt.pml - SPIN model of how an SPSC role is taken: attach's count, the reclaim of dead
   holders and of entries left busy, and the adoption of an orphaned count (make bmc).

   Follows shmpc_attach_id, shmpc__reclaim, shmpc__orphans and shmpc__entries (shmpc.h, layout
   version 5), for one role of an SPSC ring (its count: 0 or 1), each access to a shared word one
   atomic step. An entry is free, busy (its pid word names the process at work on it: SHMPC__BUSY
   | pid), or registered (its pid word the holder's id, stored last); `rl` says whether its role
   word holds the role.
     reclaim: an entry whose process is dead (registered: its holder; busy: its worker, judged by
       its pid alone) becomes busy under the caller (the compare-and-swap on its pid). One with no
       role (a registration killed before its role's store) is freed. Of those with the role, the
       first is kept: its count is the caller's, and the entry stays busy under the caller until
       it registers there (its pid stored last); any other is freed (a step of its own).
     count: a kept entry's count is dropped (the entry freed) if the count no longer reads 1; else
       a compare-and-swap 0 -> 1; a full count is adopted if it is 1 and no entry holds the role
       (registered or busy: shmpc__entries), at two looks 1 ms apart, else the attach is refused
       (SHMPC_EROLE).
     register: a free entry claimed busy (a compare-and-swap), then its role stored (release: from
       then on it counts in shmpc__entries), then its pid (registered); a kept entry: its pid.
     an adopter, registered, looks again: more entries hold the role than the count, and it leaves
       (SHMPC_EAGAIN).
   The clock: the second look comes 1 ms after the first. The library assumes that a live attacher
   gets from its count to its role's store in less (README, Crash recovery); here that is a guard:
   the second look waits until no live attacher is between its count and its role's store
   (`window`). A stall longer than that is outside the model, and argued.
   Attachers 0, 1 and 2 run at once; each may be killed at any step, and one that holds the role
   dies holding it (a crash). Attacher 3 starts when they have all ended and is never killed: it
   retries after SHMPC_EAGAIN, as a supervisor would.
   Checked: never two live holders of the role; attacher 3 always gets the role (no count is lost
   for good, whatever the deaths before it left); when it has, no entry but its own is taken (no
   entry is lost for good: a registration, a takeover or a reclaim killed midway leaves an entry
   that attacher 3 reclaims); no invalid end state. E = 4 entries hold the three deaths' leftovers
   and attacher 3's entry. Not modelled: a close (the count's end, SHMPC__ENDED) and a peer that
   writes the count, so the branch that drops a kept entry when the count no longer reads 1 is
   never taken here (SPIN lists it as unreached).
   Mutants (make bmc): norecheck (an adopter does not look again after registering), noclock (the
   second look without the clock: a live attacher's count is adopted), busyuncounted (a busy entry
   with the role does not count in shmpc__entries, as in layout 4: a live taker's count is adopted,
   two holders), busyleft (busy entries are never judged, as in layout 4: attacher 3 is refused, or
   an entry stays taken for good). */
#define E 4
#define NA 4
#define NONE 255
#define FREE 0
#define BUSY 1          /* pid word SHMPC__BUSY | the worker's pid */
#define REG 2           /* registered: the holder's id */

byte count;             /* the role's count (SPSC: at most 1) */
byte st[E], own[E];     /* entry state, and whose (holder or worker) */
bit rl[E];              /* its role word holds the role */
bit alive[NA], window[NA], holding[NA];
byte ended;             /* attachers 0..2 that have ended (dead, refused or done) */

/* shmpc__entries: entries that hold the role, registered or busy */
#define HOLDS(e) (st[e] != FREE && rl[e] /*BUSYCOUNT*/)
#define ENTRIES (HOLDS(0) + HOLDS(1) + HOLDS(2) + HOLDS(3))
/* the clock: no live attacher between its count and its role's store */
#define SETTLED (!(alive[0] && window[0]) && !(alive[1] && window[1]) && !(alive[2] && window[2]))
#define HOLDERS ((alive[0] && holding[0]) + (alive[1] && holding[1]) + (alive[2] && holding[2]) + (alive[3] && holding[3]))
#define DIE if :: may_die -> goto dead :: true -> skip fi
/* no entry taken but attacher 3's */
#define CLEAN ((st[0] == FREE || own[0] == 3) && (st[1] == FREE || own[1] == 3) && \
               (st[2] == FREE || own[2] == 3) && (st[3] == FREE || own[3] == 3))

proctype attacher(byte me; bit may_die) {
    byte k, e, n, kept, tries;
    bit adopt, role;
again:
    kept = NONE; e = NONE; adopt = 0;
    /* shmpc__reclaim: every entry whose process is dead */
    k = 0;
    do
    :: k < E ->
        if
        :: atomic { (st[k] == REG || st[k] == BUSY /*JUDGEBUSY*/) && !alive[own[k]] ->
                    st[k] = BUSY; own[k] = me; role = rl[k];
                    if :: role && kept == NONE -> kept = k :: else -> skip fi }
           if
           :: kept != k -> DIE; atomic { st[k] = FREE; rl[k] = 0 }    /* shmpc__free_entry */
           :: else -> skip
           fi
        :: else -> skip
        fi;
        DIE;
        k++
    :: else -> break
    od;
    n = count;
    if
    :: kept != NONE && n != 1 -> atomic { st[kept] = FREE; rl[kept] = 0 }; kept = NONE
    :: else -> skip
    fi;
    DIE;
    if
    :: kept != NONE -> skip                       /* the dead holder's count is this caller's */
    :: else ->
        do
        :: n >= 1 ->                              /* full: adopt an orphan, or refuse */
            if
            :: atomic { count == n && ENTRIES < n -> skip }
            :: else -> goto refused
            fi;
            DIE;
            atomic { /*CLOCK*/ SETTLED ->         /* 1 ms later */
                if
                :: count == n && ENTRIES < n -> adopt = 1
                :: else -> goto refused
                fi };
            break
        :: n < 1 ->
            atomic { if :: count == n -> count = n + 1; window[me] = 1; break :: else -> n = count fi }
        od
    fi;
    DIE;
    /* register */
    if
    :: kept != NONE -> e = kept                   /* busy under this caller, its role stored */
    :: else ->
        atomic {
            if
            :: st[0] == FREE -> e = 0
            :: st[0] != FREE && st[1] == FREE -> e = 1
            :: st[0] != FREE && st[1] != FREE && st[2] == FREE -> e = 2
            :: st[0] != FREE && st[1] != FREE && st[2] != FREE && st[3] == FREE -> e = 3
            :: else -> assert(0)                 /* SHMPC_EPEERS: E holds every leftover */
            fi;
            st[e] = BUSY; own[e] = me; rl[e] = 0
        };
        DIE;
        atomic { rl[e] = 1; window[me] = 0 }      /* its role stored: it counts */
    fi;
    DIE;
    atomic { st[e] = REG; own[e] = me };          /* its pid stored last: registered */
    DIE;
    if
    :: adopt -> skip
        /*RECHECK*/ ; atomic { if :: ENTRIES > count -> st[e] = FREE; rl[e] = 0; goto eagain :: else -> skip fi }
    :: else -> skip
    fi;
    atomic { holding[me] = 1; assert(HOLDERS <= 1) };
    if :: me < 3 -> goto dead :: else -> goto done fi;  /* 0..2 die holding it; 3 keeps it */
eagain:
    tries++;
    if :: me == 3 && tries < 3 -> goto again :: else -> skip fi;
refused:
    assert(me != 3);                              /* attacher 3 always gets the role */
    alive[me] = 0; window[me] = 0; ended++;
    goto done;
dead:
    alive[me] = 0; ended++;
done:
    skip
}

init {
    atomic {
        alive[0] = 1; alive[1] = 1; alive[2] = 1;
        run attacher(0, 1); run attacher(1, 1); run attacher(2, 1)
    };
    atomic { ended == 3 -> alive[3] = 1; run attacher(3, 0) };
    (_nr_pr == 1);
    assert(holding[3]);
    assert(CLEAN)                                 /* no entry lost for good */
}
