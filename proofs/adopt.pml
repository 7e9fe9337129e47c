/* proofs/adopt.pml - SPIN model of how an SPSC role is taken: attach's count, the reclaim of a dead
   holder, and the adoption of an orphaned count (make bmc).

   Follows shmpc_attach_id, shmpc__reclaim, shmpc__orphans and shmpc__entries (shmpc.h), for one
   role of an SPSC ring (its count: 0 or 1), each access to a shared word one atomic step:
     reclaim: an entry registered in the role whose holder is dead becomes RECLAIMING (the
       compare-and-swap on its pid); the first one is kept: its count is the caller's, and the
       entry stays RECLAIMING until the caller registers in it (its pid stored last); any other is
       freed (a step of its own).
     count: a kept entry's count is dropped (the entry freed) if the count no longer reads 1; else
       a compare-and-swap 0 -> 1; a full count is adopted if it is 1 and no entry is registered in
       the role, at two looks 1 ms apart, else the attach is refused (SHMPC_EROLE).
     register: a free entry claimed by its pid (a compare-and-swap), then its role stored (release:
       from then on it counts in shmpc__entries); a kept entry: its pid stored last.
     an adopter, registered, looks again: more entries registered in the role than the count, and
       it leaves (SHMPC_EAGAIN).
   The clock: the second look comes 1 ms after the first. The library assumes that a live attacher
   gets from its count to its registration in less (README, Crash recovery); here that is a guard:
   the second look waits until no live attacher is between its count and its registration
   (`window`). A stall longer than that is outside the model, and argued.
   Attachers 0, 1 and 2 run at once; each may be killed at any step, and one that holds the role
   dies holding it (a crash). Attacher 3 starts when they have all ended and is never killed: it
   retries after SHMPC_EAGAIN, as a supervisor would.
   Checked: never two live holders of the role; attacher 3 always gets the role (no count is lost
   for good, whatever the deaths before it left: an orphaned count, a kept entry left RECLAIMING,
   an entry claimed and never registered); no invalid end state.
   Entries a killed attacher leaves behind: an entry left RECLAIMING by a reclaimer killed before it
   registered, and an entry claimed by its pid but not yet registered in a role, are taken for good
   (neither counts in a census, neither is reclaimed: one of SHMPC_MAX_PEERS each). E = 4 entries
   hold the three deaths' leftovers and attacher 3's entry. Not modelled: a close (the count's end,
   SHMPC__ENDED) and a peer that writes the count, so the branch that drops a kept entry when the
   count no longer reads 1 is never taken here (SPIN lists it as unreached).
   Mutants (make bmc): norecheck (an adopter does not look again after registering), noclock (the
   second look without the clock: a live attacher's count is adopted), reclaimcounted (a
   RECLAIMING entry counts as registered: the count of a reclaimer killed before it registered is
   never adopted, attacher 3 is refused). */
#define E 4
#define NA 4
#define NONE 255
#define FREE 0
#define CLAIMED 1       /* pid stored, role not yet: not registered */
#define REG 2           /* registered in the role */
#define RECL 3          /* pid SHMPC__RECLAIMING */

byte count;             /* the role's count (SPSC: at most 1) */
byte st[E], own[E];     /* entry state, and whose */
bit alive[NA], window[NA], holding[NA];
byte ended;             /* attachers 0..2 that have ended (dead, refused or done) */

/* shmpc__entries: entries registered in the role (a RECLAIMING one registers nobody) */
#define REGD(e) (st[e] == REG /*RECL*/)
#define ENTRIES (REGD(0) + REGD(1) + REGD(2) + REGD(3))
/* the clock: no live attacher between its count and its registration */
#define SETTLED (!(alive[0] && window[0]) && !(alive[1] && window[1]) && !(alive[2] && window[2]))
#define HOLDERS ((alive[0] && holding[0]) + (alive[1] && holding[1]) + (alive[2] && holding[2]) + (alive[3] && holding[3]))
#define DIE if :: may_die -> goto dead :: true -> skip fi

proctype attacher(byte me; bit may_die) {
    byte k, e, n, kept, tries;
    bit adopt;
again:
    kept = NONE; e = NONE; adopt = 0;
    /* shmpc__reclaim: every entry of a dead holder of the role */
    k = 0;
    do
    :: k < E ->
        if
        :: atomic { st[k] == REG && !alive[own[k]] -> st[k] = RECL;
                    if :: kept == NONE -> kept = k; window[me] = 1 :: else -> skip fi }
           if
           :: kept != k -> DIE; st[k] = FREE    /* shmpc__free_entry */
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
    :: kept != NONE && n != 1 -> st[kept] = FREE; kept = NONE; window[me] = 0
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
    :: kept != NONE -> e = kept; atomic { own[e] = me; st[e] = REG; window[me] = 0 }  /* pid stored last */
    :: else ->
        atomic {
            if
            :: st[0] == FREE -> e = 0
            :: st[0] != FREE && st[1] == FREE -> e = 1
            :: st[0] != FREE && st[1] != FREE && st[2] == FREE -> e = 2
            :: st[0] != FREE && st[1] != FREE && st[2] != FREE && st[3] == FREE -> e = 3
            :: else -> assert(0)                 /* SHMPC_EPEERS: E holds every leftover */
            fi;
            st[e] = CLAIMED; own[e] = me
        };
        DIE;
        atomic { st[e] = REG; window[me] = 0 }    /* its role stored: registered */
    fi;
    DIE;
    if
    :: adopt -> skip
        /*RECHECK*/ ; atomic { if :: ENTRIES > count -> st[e] = FREE; goto eagain :: else -> skip fi }
    :: else -> skip
    fi;
    atomic { holding[me] = 1; assert(HOLDERS <= 1) };
    if :: me < 3 -> goto dead :: else -> goto done fi;  /* 0..2 die holding it; 3 keeps it */
eagain:
    tries++;
    if :: me == 3 && tries < 3 -> goto again :: else -> skip fi;
refused:
    assert(me != 3);                              /* attacher 3 always gets the role */
    alive[me] = 0; ended++;
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
    assert(holding[3])
}
