/* Suite "restart": a crashed peer is replaced and the stream goes on (takeover, redelivery, the
   dead reservation discarded, the survivor carrying on, shmpc_recover, the peer table reclaimed), and
   the API's sharp edges (negative timeouts, close twice, start time 0, unlink of a foreign file,
   format alignment, unknown open flags, the MPMC reservation closed uncommitted). */
#include "pair.h"
#include <fcntl.h>
#include <stdatomic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* The recovery counters (layout v2, 0x044..0x054): what shmpcctl info shows. */
typedef struct r_counts { uint32_t takeovers, skipped, freed, redelivered, reclaimed; } r_counts;
static r_counts r_counters(const void *mem) {
    r_counts c;
    memcpy(&c, (const char *)mem + 0x44, sizeof c);
    return c;
}

/* A child attaches in a role, runs `act`, then dies of SIGKILL (no close: a crash). */
typedef void (*r_act)(shmpc_ring *r, int arg);
static void r_die(void *mem, size_t size, int role, r_act act, int arg) {
    pid_t pid = fork();
    int status;
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        shmpc_ring r;
        if (shmpc_attach(&r, mem, size, role) != SHMPC_OK) _exit(21);
        act(&r, arg);
        raise(SIGKILL);
        _exit(22);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);
}
static void push_then_reserve(shmpc_ring *r, int k) { /* k messages 0..k-1, then a reservation */
    uint32_t v;
    void *w;
    size_t room;
    for (v = 0; v < (uint32_t)k; v++) if (shmpc_try_push(r, &v, 4) != SHMPC_OK) _exit(23);
    if (shmpc_try_reserve(r, &w, &room) != SHMPC_OK) _exit(24);
    memcpy(w, "XXXX", 4); /* never committed */
}
static void pop_then_peek(shmpc_ring *r, int k) { /* k pops, then a peek held */
    uint32_t v;
    size_t n;
    const void *m;
    int i;
    for (i = 0; i < k; i++) if (shmpc_try_pop(r, &v, 4, &n) != SHMPC_OK) _exit(25);
    if (shmpc_try_peek(r, &m, &n) != SHMPC_OK) _exit(26);
}
/* A batch's range claim as the layout records it (pending = first position, pend_n = how many):
   after its reservation (position p), this producer claims p + 1 .. p + k - 1 as well by
   compare-and-swap on tail and records the range, committing none (it dies). */
static void reserve_range(shmpc_ring *r, int k) {
    void *w;
    size_t room;
    unsigned char *seg = (unsigned char *)r->seg;
    _Atomic uint32_t *tail = (_Atomic uint32_t *)(void *)(seg + 0x100);
    _Atomic uint32_t *pend_n = (_Atomic uint32_t *)(void *)(seg + 0x200 + 32 * r->peer + 20);
    int i;
    if (shmpc_try_reserve(r, &w, &room) != SHMPC_OK) _exit(28);
    atomic_store(pend_n, (uint32_t)k);
    for (i = 1; i < k; i++) atomic_fetch_add(tail, 1u);
}
static void push_one(shmpc_ring *r, int v) {
    uint32_t x = (uint32_t)v;
    if (shmpc_try_push(r, &x, 4) != SHMPC_OK) _exit(27);
}

/* A dead producer's role is taken over (both modes): the stream goes on from the shared indices,
   its reservation is never delivered, every committed message is. */
START_TEST(a_dead_producer_is_taken_over_and_its_reservation_discarded) {
    shmpc_opts o = t_opts(8, 8, t_mode(_i));
    shmpc_ring c, p;
    void *mem;
    size_t size, n;
    uint32_t v, i;
    r_counts k;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    r_die(mem, size, SHMPC_PRODUCER, push_then_reserve, 3);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK); /* was EROLE (SPSC) */
    for (v = 3; v < 5; v++) ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    for (i = 0; i < 5; i++) { /* MPMC: the dead reservation is skipped on the sleep path */
        ck_assert_rc(shmpc_pop_timed(&c, &v, 4, &n, 5000000000LL), SHMPC_OK);
        ck_assert_uint_eq(n, 4);
        ck_assert_uint_eq(v, i);
    }
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_EEMPTY);
    k = r_counters(mem);
    ck_assert_uint_eq(k.takeovers, (t_mode(_i) == SHMPC_SPSC ? 1u : 0u)); /* MPMC: the entry was still needed */
    ck_assert_uint_eq(k.skipped, (t_mode(_i) == SHMPC_MPMC ? 1u : 0u));
    shmpc_close(&p);
    /* SPSC: the last producer closed. MPMC: the dead one still counts (its entry was needed when p
       attached): the end is a dead peer, until a replacement attaches and closes */
    ck_assert_rc(shmpc_pop_timed(&c, &v, 4, &n, 5000000000LL), (t_mode(_i) == SHMPC_SPSC ? SHMPC_ECLOSED : SHMPC_EPEERDEAD));
    if (t_mode(_i) == SHMPC_MPMC) {
        ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
        ck_assert_uint_eq(r_counters(mem).takeovers, 1u);
        shmpc_close(&p);
        ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_ECLOSED);
    }
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
}
END_TEST

/* SPSC: a consumer that died holding a peek: its replacement gets that message again, and
   shmpc_redelivered says so for that message only. */
START_TEST(a_dead_consumers_peek_is_redelivered_and_flagged) {
    shmpc_opts o = t_opts(8, 8, SHMPC_SPSC);
    shmpc_ring c, p;
    void *mem;
    size_t size, n;
    const void *m;
    uint32_t v;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    for (v = 0; v < 3; v++) ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    r_die(mem, size, SHMPC_CONSUMER, pop_then_peek, 1);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    ck_assert_int_eq(shmpc_redelivered(&c), 1);
    ck_assert_rc(shmpc_try_peek(&c, &m, &n), SHMPC_OK);
    ck_assert_uint_eq(n, 4); memcpy(&v, m, 4); ck_assert_uint_eq(v, 1); /* the held message */
    ck_assert_int_eq(shmpc_redelivered(&c), 1);
    ck_assert_rc(shmpc_release(&c), SHMPC_OK);
    ck_assert_int_eq(shmpc_redelivered(&c), 0);
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_OK);
    ck_assert_uint_eq(v, 2);
    ck_assert_int_eq(shmpc_redelivered(&c), 0);
    ck_assert_uint_eq(r_counters(mem).redelivered, 1u);
    ck_assert_uint_eq(r_counters(mem).takeovers, 1u);
    /* a consumer that died after its pops (no peek held): nothing is flagged */
    shmpc_close(&c);
    shmpc_close(&p);
    shmpc_free_anon(mem, size);
}
END_TEST

/* SPSC: the consumer that took over a held peek dies before it takes the message: the next one
   gets it flagged still. _i 0: the taker dies after its attach (it kept the dead holder's entry,
   its pending word at head); 1: inside it, after it won the dead consumer's entry and before it
   registered there (the entry busy under the pid of a process that has exited, set by hand): the
   next consumer reclaims that entry as the dead holder's and finds the mark in it. */
static void attach_only(shmpc_ring *r, int k) { /* the held message is next: flagged */
    (void)k;
    if (shmpc_redelivered(r) != 1) _exit(29);
}
START_TEST(a_held_peek_stays_flagged_when_its_taker_dies_too) {
    shmpc_opts o = t_opts(8, 8, SHMPC_SPSC);
    shmpc_ring c, p;
    void *mem;
    size_t size, n;
    uint32_t v, j, marked = 0, takers = _i == 0 ? 2u : 1u;
    _Atomic uint32_t *consumers;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    consumers = (_Atomic uint32_t *)(void *)((char *)mem + 0x84);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    for (v = 0; v < 3; v++) ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    r_die(mem, size, SHMPC_CONSUMER, pop_then_peek, 1); /* holds message 1 */
    if (_i == 0) {
        r_die(mem, size, SHMPC_CONSUMER, attach_only, 0); /* takes over, dies before message 1 */
    } else {
        pid_t gone = fork(); /* a pid that names no process once reaped */
        ck_assert_int_ge(gone, 0);
        if (gone == 0) _exit(0);
        ck_assert_int_eq(waitpid(gone, NULL, 0), gone);
        for (j = 0; j < SHMPC_MAX_PEERS; j++) {
            _Atomic uint32_t *e = (_Atomic uint32_t *)(void *)((char *)mem + 0x200 + 32 * j);
            if (atomic_load(&e[0]) != 0u && atomic_load(&e[1]) == (uint32_t)SHMPC_CONSUMER) { atomic_store(&e[0], 0x80000000u | (uint32_t)gone); marked++; }
        }
        ck_assert_uint_eq(marked, 1u);
    }
    ck_assert_uint_eq(atomic_load(consumers), 1u); /* the one count, taken over each time */
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    ck_assert_uint_eq(atomic_load(consumers), 1u);
    ck_assert_int_eq(shmpc_redelivered(&c), 1);
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_OK);
    ck_assert_uint_eq(v, 1);
    ck_assert_int_eq(shmpc_redelivered(&c), 0);
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_OK);
    ck_assert_uint_eq(v, 2);
    ck_assert_uint_eq(r_counters(mem).takeovers, takers);
    ck_assert_uint_eq(r_counters(mem).reclaimed, _i == 0 ? 2u : 1u); /* 1: the first win was simulated */
    ck_assert_uint_eq(r_counters(mem).redelivered, takers);
    shmpc_close(&c);
    shmpc_close(&p);
    shmpc_free_anon(mem, size);
}
END_TEST

/* The survivor: EPEERDEAD is not the end; once a replacement attaches, its next call goes on and
   nothing was lost meanwhile. */
START_TEST(the_survivor_carries_on_with_the_replacement) {
    shmpc_opts o = t_opts(4, 8, t_mode(_i));
    shmpc_ring c, p;
    void *mem;
    size_t size, n;
    uint32_t v;
    int i, rc;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    r_die(mem, size, SHMPC_PRODUCER, push_one, 7);
    ck_assert_rc(shmpc_pop_timed(&c, &v, 4, &n, 5000000000LL), SHMPC_OK);
    ck_assert_uint_eq(v, 7);
    ck_assert_rc(shmpc_pop_timed(&c, &v, 4, &n, 5000000000LL), SHMPC_EPEERDEAD);
    ck_assert_rc(shmpc_recover(&c), SHMPC_EPEERDEAD); /* what a try_* user learns the same way */
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    v = 8;
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_pop_timed(&c, &v, 4, &n, 5000000000LL), SHMPC_OK);
    ck_assert_uint_eq(v, 8);
    ck_assert_rc(shmpc_recover(&c), 0);
    shmpc_close(&p);
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
    /* the other direction: a producer waiting for room outlives its consumer, then goes on */
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    for (v = 0; v < 4; v++) ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    r_die(mem, size, SHMPC_CONSUMER, pop_then_peek, 1); /* took 0, held 1 */
    for (i = 0; i < 8 && (rc = shmpc_push_timed(&p, &v, 4, 5000000000LL)) == SHMPC_OK; i++) v++; /* MPMC: 1 again, after 4 */
    ck_assert_rc(rc, SHMPC_EPEERDEAD);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_OK);
    ck_assert_uint_eq(v, (t_mode(_i) == SHMPC_SPSC ? 1u : 2u)); /* SPSC: the held one again, next */
    if (t_mode(_i) == SHMPC_MPMC) { /* MPMC: the held one again, at the back of the queue */
        uint32_t want[3] = {3, 4, 1};
        for (i = 0; i < 3; i++) {
            ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_OK);
            ck_assert_uint_eq(v, want[i]);
            ck_assert_int_eq(shmpc_redelivered(&c), i == 2);
        }
    }
    v = 4;
    ck_assert_rc(shmpc_push_timed(&p, &v, 4, 5000000000LL), SHMPC_OK);
    shmpc_close(&p);
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
}
END_TEST

/* try_* users: shmpc_recover hands on an MPMC slot that a dead producer claimed (and one that a
   dead consumer took), and says how many. */
START_TEST(recover_hands_on_stuck_slots_for_try_users) {
    shmpc_opts o = t_opts(4, 8, SHMPC_MPMC);
    shmpc_ring c, p;
    void *mem;
    size_t size, n;
    uint32_t v;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    r_die(mem, size, SHMPC_PRODUCER, push_then_reserve, 0);
    v = 9;
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_EEMPTY); /* the dead reservation blocks */
    ck_assert_rc(shmpc_recover(&c), 1);
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_OK);
    ck_assert_uint_eq(v, 9);
    ck_assert_uint_eq(r_counters(mem).skipped, 1u);
    /* a consumer that dies holding a peek: the producer's recovery publishes that message again,
       at tail, and another consumer gets it flagged */
    for (v = 0; v < 4; v++) ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    r_die(mem, size, SHMPC_CONSUMER, pop_then_peek, 3); /* popped 0, 1, 2; holds 3 */
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_EEMPTY);
    for (v = 4; v < 7; v++) ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_EFULL); /* the held slot blocks */
    ck_assert_rc(shmpc_recover(&p), 1);
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_EFULL); /* the held message took that slot */
    for (v = 4; v < 8; v++) {
        uint32_t got;
        ck_assert_rc(shmpc_try_pop(&c, &got, 4, &n), SHMPC_OK);
        ck_assert_uint_eq(n, 4);
        ck_assert_uint_eq(got, v < 7 ? v : 3u);
        ck_assert_int_eq(shmpc_redelivered(&c), v == 7);
    }
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_EEMPTY);
    ck_assert_int_eq(shmpc_redelivered(&c), 0);
    ck_assert_uint_eq(r_counters(mem).redelivered, 1u);
    ck_assert_uint_eq(r_counters(mem).freed, 0u);
    shmpc_close(&p);
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
}
END_TEST

/* MPMC: a dead producer's range claim (pending .. pending + pend_n - 1) is skipped whole: each of its
   uncommitted positions, then the stream goes on (a single-position recovery stopped at the second). */
START_TEST(a_dead_producers_range_claim_is_skipped_whole) {
    shmpc_opts o = t_opts(8, 8, SHMPC_MPMC);
    shmpc_ring c, p;
    void *mem;
    size_t size, n;
    uint32_t v = 77;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    r_die(mem, size, SHMPC_PRODUCER, reserve_range, 3);
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_pop_timed(&c, &v, 4, &n, 5000000000LL), SHMPC_OK);
    ck_assert_uint_eq(v, 77);
    ck_assert_uint_eq(r_counters(mem).skipped, 3u);
    shmpc_close(&p);
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
}
END_TEST

/* A real range claim cut short by a crash: the batch's second buffer is an inaccessible page, so
   the process dies (SIGSEGV) in the copy after claiming the whole range (one compare-and-swap)
   and publishing or freeing only the first slot. Producer: the consumer gets the first message,
   its timed pop skips the two dead positions and gets the next live one. Consumer: the producer's
   timed pushes free the two slots the dead consumer took. */
static void r_die_in_batch(void *mem, size_t size, int role, int k) {
    pid_t pid;
    int status;
    char *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(bad, MAP_FAILED);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        shmpc_ring r;
        uint32_t v[4] = {1, 2, 3, 4}, out;
        shmpc_iov iov[4];
        int i;
        signal(SIGSEGV, SIG_DFL); /* a sanitizer's handler would turn the fault into an exit */
        if (shmpc_attach(&r, mem, size, role) != SHMPC_OK) _exit(21);
        for (i = 0; i < k; i++) { iov[i].base = i == 0 ? (void *)(role == SHMPC_PRODUCER ? &v[0] : &out) : bad; iov[i].len = 4; }
        if (role == SHMPC_PRODUCER) shmpc_try_push_many(&r, iov, (size_t)k);
        else shmpc_try_pop_many(&r, iov, (size_t)k);
        _exit(22); /* the copy of the second message did not fault */
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "child status %d", status);
    munmap(bad, 4096);
}
START_TEST(a_batch_range_claim_cut_short_by_a_crash_is_recovered) {
    shmpc_opts o = t_opts(4, 8, SHMPC_MPMC);
    shmpc_ring c, p;
    void *mem;
    size_t size, n;
    uint32_t v = 77, i;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    r_die_in_batch(mem, size, SHMPC_PRODUCER, 3); /* claims positions 0..2, publishes 0 */
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_OK);
    ck_assert_uint_eq(v, 1);
    ck_assert_rc(shmpc_pop_timed(&c, &v, 4, &n, 5000000000LL), SHMPC_OK);
    ck_assert_uint_eq(v, 77);
    ck_assert_uint_eq(r_counters(mem).skipped, 2u);
    /* the consumer side: a full ring, a consumer takes three and dies after freeing the first; the
       two it held are delivered again (at the back, flagged) when a producer needs their slots */
    for (i = 0; i < 4; i++) ck_assert_rc(shmpc_try_push(&p, &i, 4), SHMPC_OK);
    r_die_in_batch(mem, size, SHMPC_CONSUMER, 3);
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK); /* the slot it freed */
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_EFULL);
    ck_assert_rc(shmpc_push_timed(&p, &v, 4, 300000000LL), SHMPC_ETIMEDOUT); /* full again: 3, 77, 1, 2 */
    ck_assert_uint_eq(r_counters(mem).redelivered, 2u);
    ck_assert_uint_eq(r_counters(mem).freed, 0u);
    {
        static const uint32_t want[4] = {3, 77, 1, 2};
        for (i = 0; i < 4; i++) {
            uint32_t got;
            ck_assert_rc(shmpc_try_pop(&c, &got, 4, &n), SHMPC_OK);
            ck_assert_uint_eq(got, want[i]);
            ck_assert_int_eq(shmpc_redelivered(&c), i >= 2);
        }
    }
    shmpc_close(&p);
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
}
END_TEST

/* Restarts go on for ever: more than 64 producers die one after the other, each replaced. */
START_TEST(dead_peers_are_reclaimed_so_restarts_never_end) {
    shmpc_opts o = t_opts(4, 8, t_mode(_i));
    shmpc_ring c;
    void *mem;
    size_t size, n;
    uint32_t v;
    int i;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    for (i = 0; i < 80; i++) { /* r_die fails the case if an attach is refused (EROLE, EPEERS) */
        r_die(mem, size, SHMPC_PRODUCER, push_one, i);
        ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_OK);
        ck_assert_uint_eq(v, (uint32_t)i);
    }
    ck_assert_uint_ge(r_counters(mem).reclaimed, 79u);
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
}
END_TEST

/* --- sharp edges ---------------------------------------------------------------------------- */

/* MPMC: a producer that closes holding a reservation delivers nothing, even with another producer
   still open (the slot once became a 0-byte message in the middle of the stream). */
START_TEST(mpmc_close_with_a_reservation_delivers_no_empty_message) {
    t_pair t;
    shmpc_ring q;
    void *w;
    size_t room, n;
    char buf[8];
    t_pair_open(&t, 4, 8, SHMPC_MPMC);
    ck_assert_rc(shmpc_attach_id(&q, t.mem, t.size, SHMPC_PRODUCER, 103u, 0u), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, "first", 5), SHMPC_OK);
    ck_assert_rc(shmpc_try_reserve(&t.p, &w, &room), SHMPC_OK);
    memcpy(w, "junk", 4);
    ck_assert_rc(shmpc_close(&t.p), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&q, "second", 6), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&t.c, buf, sizeof buf, &n), SHMPC_OK);
    ck_assert_uint_eq(n, 5);
    ck_assert_rc(shmpc_try_pop(&t.c, buf, sizeof buf, &n), SHMPC_OK);
    ck_assert_uint_eq(n, 6); ck_assert_mem_eq(buf, "second", 6);
    ck_assert_rc(shmpc_try_pop(&t.c, buf, sizeof buf, &n), SHMPC_EEMPTY);
    shmpc_close(&q);
    ck_assert_rc(shmpc_try_pop(&t.c, buf, sizeof buf, &n), SHMPC_ECLOSED);
    t_pair_close(&t);
}
END_TEST

/* A timeout below zero other than SHMPC_FOREVER (a deadline already passed) does not wait, in every
   timed call and in open (each once waited for ever: Check's case timeout fails them). */
START_TEST(negative_timeouts_other_than_forever_do_not_wait) {
    static const int64_t neg[] = {-2, INT64_MIN, -1000000000LL};
    t_pair t;
    shmpc_ring r;
    char nm[96];
    void *w;
    const void *m;
    size_t room, n;
    uint32_t v = 1;
    shmpc_iov iov = {&v, 4};
    unsigned i;
    double t0 = t_now();
    t_pair_open(&t, 2, 4, t_mode(_i));
    for (i = 0; i < 3; i++) {
        ck_assert_rc(shmpc_pop_timed(&t.c, &v, 4, &n, neg[i]), SHMPC_EEMPTY);
        ck_assert_rc(shmpc_peek_timed(&t.c, &m, &n, neg[i]), SHMPC_EEMPTY);
        ck_assert_rc(shmpc_pop_many_timed(&t.c, &iov, 1, neg[i]), SHMPC_EEMPTY);
    }
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    for (i = 0; i < 3; i++) {
        ck_assert_rc(shmpc_push_timed(&t.p, &v, 4, neg[i]), SHMPC_EFULL);
        ck_assert_rc(shmpc_reserve_timed(&t.p, &w, &room, neg[i]), SHMPC_EFULL);
        ck_assert_rc(shmpc_push_many_timed(&t.p, &iov, 1, neg[i]), SHMPC_EFULL);
        ck_assert_rc(shmpc_open(&r, t_name(nm, "neg"), SHMPC_CONSUMER, neg[i]), SHMPC_ENOENT);
        ck_assert_rc(shmpc_open_sysv(&r, 0x5e9a0000L + (long)getpid() % 65536, SHMPC_CONSUMER, neg[i]), SHMPC_ENOENT);
    }
    ck_assert_double_lt(t_now() - t0, 1.0);
    t_pair_close(&t);
}
END_TEST

/* shmpc_close on a handle closed already, on a zeroed one that never opened and on one whose open
   failed returns OK, as a cleanup path needs. */
START_TEST(close_on_a_closed_or_never_opened_handle_is_ok) {
    t_pair t;
    shmpc_ring z, f;
    char nm[96];
    memset(&z, 0, sizeof z);
    t_pair_open(&t, 4, 4, t_mode(_i));
    ck_assert_rc(shmpc_close(&t.p), SHMPC_OK);
    ck_assert_rc(shmpc_close(&t.p), SHMPC_OK);
    ck_assert_rc(shmpc_close(&z), SHMPC_OK);
    ck_assert_rc(shmpc_open(&f, t_name(nm, "never"), SHMPC_CONSUMER, 0), SHMPC_ENOENT);
    ck_assert_rc(shmpc_close(&f), SHMPC_OK);
    ck_assert_rc(shmpc_close(NULL), SHMPC_EINVAL);
    t_pair_close(&t);
}
END_TEST

/* shmpc_peers: a peer registered with start time 0 is never presumed dead: alive is "unknown". */
START_TEST(peers_report_unknown_liveness_for_start_time_zero) {
    t_pair t;
    shmpc_ring q;
    shmpc_peer_status ps[4];
    int n, i, seen = 0;
    t_pair_open(&t, 4, 4, SHMPC_MPMC);
    ck_assert_rc(shmpc_attach(&q, t.mem, t.size, SHMPC_PRODUCER), SHMPC_OK); /* with a start time */
    n = shmpc_peers(&t.c, ps, 4);
    ck_assert_int_eq(n, 3);
    for (i = 0; i < n; i++) {
        if (ps[i].start == 0u) { ck_assert_int_eq(ps[i].alive, -1); seen++; }
        else ck_assert_int_eq(ps[i].alive, 1);
    }
    ck_assert_int_eq(seen, 2);
    shmpc_close(&q);
    t_pair_close(&t);
}
END_TEST

/* A busy entry (being registered or reclaimed by a live process: here this one) is no peer:
   shmpc_peers and shmpc_stat leave it out, no attach reclaims it, and it counts as its role's
   holder (an SPSC role is taken: EROLE). Once its worker is dead (a process that has exited), the
   next attach of that role takes it over. */
START_TEST(a_busy_entry_is_judged_by_its_workers_pid) {
    shmpc_opts o = t_opts(4, 8, SHMPC_SPSC);
    shmpc_ring p, q;
    shmpc_peer_status ps[4];
    shmpc_status st;
    void *mem;
    size_t size;
    _Atomic uint32_t *e, *consumers;
    pid_t gone;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    /* a consumer's taker at work in a free entry (the last one), holding the role's count */
    e = (_Atomic uint32_t *)(void *)((char *)mem + 0x200 + 32 * (SHMPC_MAX_PEERS - 1));
    consumers = (_Atomic uint32_t *)(void *)((char *)mem + 0x84);
    ck_assert_uint_eq(atomic_load(&e[0]), 0u);
    atomic_store(&e[1], (uint32_t)SHMPC_CONSUMER);
    atomic_store(&e[0], 0x80000000u | (uint32_t)getpid());
    atomic_store(consumers, 1u);
    ck_assert_int_eq(shmpc_peers(&p, ps, 4), 1);
    ck_assert_uint_eq(ps[0].role, SHMPC_PRODUCER);
    ck_assert_rc(shmpc_stat(&p, &st), SHMPC_OK);
    ck_assert_uint_eq(st.peers, 1);
    ck_assert_rc(shmpc_attach(&q, mem, size, SHMPC_CONSUMER), SHMPC_EROLE); /* its worker runs */
    ck_assert_uint_eq(atomic_load(&e[0]), 0x80000000u | (uint32_t)getpid());
    gone = fork();
    ck_assert_int_ge(gone, 0);
    if (gone == 0) _exit(0);
    ck_assert_int_eq(waitpid(gone, NULL, 0), gone);
    atomic_store(&e[0], 0x80000000u | (uint32_t)gone); /* now its worker is dead */
    ck_assert_rc(shmpc_attach(&q, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    ck_assert_uint_eq(atomic_load(&e[0]), (uint32_t)getpid()); /* registered in that entry */
    ck_assert_uint_eq(atomic_load(consumers), 1u);
    ck_assert_uint_eq(r_counters(mem).takeovers, 1u);
    ck_assert_int_eq(shmpc_peers(&p, ps, 4), 2);
    shmpc_close(&q);
    shmpc_close(&p);
    shmpc_free_anon(mem, size);
}
END_TEST

/* shmpc_unlink removes shmpc's segments only: a foreign file and a FIFO stay (and do not block). */
START_TEST(unlink_refuses_what_is_not_an_shmpc_segment) {
    char nm[96], path[128];
    static char junk[4096];
    shmpc_ring r;
    shmpc_opts o = t_opts(4, 8, SHMPC_SPSC);
    int fd;
    t_name(nm, "foreign");
    snprintf(path, sizeof path, "/dev/shm/%s", nm);
    memset(junk, 'j', sizeof junk);
    fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, junk, sizeof junk), (int)sizeof junk);
    close(fd);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_ENOTSHMPC);
    ck_assert_int_eq(access(path, F_OK), 0);
    unlink(path);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_ENOTSHMPC);
    ck_assert_int_eq(access(path, F_OK), 0);
    unlink(path);
    ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_OK);
    ck_assert_int_ne(access(path, F_OK), 0);
    shmpc_close(&r);
}
END_TEST

/* shmpc_format: memory aligned as malloc aligns it (8 bytes and more) works; less is refused. */
START_TEST(format_accepts_eight_byte_alignment_and_refuses_less) {
    shmpc_opts o = t_opts(4, 8, t_mode(_i));
    size_t size = shmpc_footprint(4, 8), n;
    unsigned char *mem = (unsigned char *)t_mem(size + 64);
    shmpc_ring p, c;
    uint64_t v = 42, got = 0;
    ck_assert_rc(shmpc_format(mem + 4, size, &o), SHMPC_EINVAL);
    ck_assert_rc(shmpc_format(mem + 8, size, &o), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&p, mem + 8, size, SHMPC_PRODUCER, 1u, 0u), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&c, mem + 8, size, SHMPC_CONSUMER, 2u, 0u), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&p, &v, 8), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&c, &got, 8, &n), SHMPC_OK);
    ck_assert_uint_eq(got, 42);
    shmpc_close(&p);
    shmpc_close(&c);
    free(mem);
}
END_TEST

/* Unknown open flags are refused, as unknown creation flags are. */
START_TEST(unknown_open_flags_are_refused) {
    shmpc_ring r;
    char nm[96];
    shmpc_opts o = t_opts(4, 8, SHMPC_SPSC);
    ck_assert_rc(shmpc_create(&r, t_name(nm, "oflags"), &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_open_ex(&r, nm, SHMPC_CONSUMER, 0, 0x80u), SHMPC_EINVAL);
    ck_assert_rc(shmpc_open_ex(&r, nm, SHMPC_CONSUMER, 0, ~SHMPC_O_ALL), SHMPC_EINVAL);
    ck_assert_rc(shmpc_open_sysv_ex(&r, 0x5e9b0000L + (long)getpid() % 65536, SHMPC_CONSUMER, 0, 0x2u), SHMPC_EINVAL);
    shmpc_unlink(nm);
}
END_TEST

/* MPMC: the message a dead consumer held in a peek is delivered again, flagged, to another consumer
   process once a producer fills the ring up to its slot; a recoverer that died between claiming
   tail for it and publishing it leaves it frozen at head, where a consumer's recovery publishes it;
   a marked length is checked like any other. */
static void peek_one(shmpc_ring *r, int k) { pop_then_peek(r, k); }
START_TEST(an_mpmc_message_a_dead_consumer_held_is_delivered_again) {
    shmpc_opts o = t_opts(4, 8, SHMPC_MPMC);
    shmpc_ring c, p;
    void *mem;
    size_t size, n;
    uint32_t v, got, s0;
    _Atomic uint32_t *tail, *len;
    pid_t pid;
    int status;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    tail = (_Atomic uint32_t *)(void *)((char *)mem + 0x100);
    s0 = atomic_load(tail); /* the first position */
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    for (v = 0; v < 4; v++) ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    r_die(mem, size, SHMPC_CONSUMER, peek_one, 0); /* holds 0 (position s0) */
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_EFULL);
    pid = fork(); /* another consumer process drains while the producer waits for room */
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        uint32_t want[4] = {1, 2, 3, 0}, k;
        if (shmpc_attach(&c, mem, size, SHMPC_CONSUMER) != SHMPC_OK) _exit(31);
        for (k = 0; k < 4; k++) {
            if (shmpc_pop_timed(&c, &got, 4, &n, 5000000000LL) != SHMPC_OK || got != want[k]) _exit(32 + (int)k);
            if (shmpc_redelivered(&c) != (k == 3)) _exit(40 + (int)k);
        }
        shmpc_close(&c);
        _exit(0);
    }
    v = 4;
    ck_assert_rc(shmpc_push_timed(&p, &v, 4, 5000000000LL), SHMPC_OK); /* waits, recovers: 0 at s0 + 4 */
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "consumer status %d", status);
    ck_assert_uint_eq(r_counters(mem).redelivered, 1u);
    ck_assert_uint_eq(r_counters(mem).freed, 0u);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&c, &got, 4, &n), SHMPC_OK); /* 4, pushed after it */
    ck_assert_uint_eq(got, 4);
    ck_assert_int_eq(shmpc_redelivered(&c), 0);
    /* frozen: a dead consumer holds 7 (position s0 + 7); a recoverer claims its next lap's
       position s0 + 11 (tail) and dies before publishing it */
    for (v = 6; v < 10; v++) ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);   /* s0 + 6 .. s0 + 9 */
    ck_assert_rc(shmpc_try_pop(&c, &got, 4, &n), SHMPC_OK);
    r_die(mem, size, SHMPC_CONSUMER, peek_one, 0);
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);                              /* 10 at s0 + 10 */
    for (v = 8; v < 11; v++) { ck_assert_rc(shmpc_try_pop(&c, &got, 4, &n), SHMPC_OK); ck_assert_uint_eq(got, v); }
    ck_assert_uint_eq(atomic_load(tail), s0 + 11u);
    atomic_store(tail, s0 + 12u);
    ck_assert_rc(shmpc_try_pop(&c, &got, 4, &n), SHMPC_EEMPTY);
    ck_assert_rc(shmpc_recover(&c), 1);
    ck_assert_rc(shmpc_try_pop(&c, &got, 4, &n), SHMPC_OK);
    ck_assert_uint_eq(got, 7);
    ck_assert_int_eq(shmpc_redelivered(&c), 1);
    /* a marked length is stripped and checked like any other */
    v = 12;
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK); /* position s0 + 12 */
    len = (_Atomic uint32_t *)(void *)((char *)mem + SHMPC_HEADER_SIZE + ((s0 + 12u) & 3u) * 16u + 4u);
    atomic_store(len, 0x80000000u | 9u); /* longer than the slot (8) */
    ck_assert_rc(shmpc_try_pop(&c, &got, 4, &n), SHMPC_ECORRUPT);
    ck_assert_int_eq(shmpc_redelivered(&c), 0);
    atomic_store(len, 0x80000000u | 4u);
    ck_assert_rc(shmpc_try_pop(&c, &got, 4, &n), SHMPC_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(got, 12);
    ck_assert_int_eq(shmpc_redelivered(&c), 1);
    shmpc_close(&p);
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
}
END_TEST

/* A process killed inside attach after it took the role's count and before it registered its
   entry (simulated: the count raised by hand, full, no entry): a new process takes the role;
   a registered live holder is still never displaced. */
START_TEST(a_count_left_by_an_attach_that_died_is_taken_over) {
    shmpc_opts o = t_opts(4, 8, t_mode(_i));
    shmpc_ring c, c2, p;
    void *mem;
    size_t size, n;
    uint32_t v = 3, full = t_mode(_i) == SHMPC_SPSC ? 1u : (uint32_t)SHMPC_MAX_PEERS;
    _Atomic uint32_t *consumers;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    consumers = (_Atomic uint32_t *)(void *)((char *)mem + 0x84);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    atomic_store(consumers, full);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    ck_assert_uint_eq(atomic_load(consumers), full); /* adopted, not added to */
    ck_assert_uint_eq(r_counters(mem).takeovers, 1u);
    if (t_mode(_i) == SHMPC_SPSC) ck_assert_rc(shmpc_attach(&c2, mem, size, SHMPC_CONSUMER), SHMPC_EROLE);
    ck_assert_rc(shmpc_try_push(&p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_OK);
    ck_assert_uint_eq(v, 3);
    shmpc_close(&c);
    shmpc_close(&p);
    shmpc_free_anon(mem, size);
}
END_TEST

Suite *restart_suite(void) {
    Suite *s = suite_create("restart");
    TCase *tc = tcase_create("takeover");
    tcase_set_tags(tc, "start_time"); /* live peers read each other's start time: see test_process.c */
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, a_dead_producer_is_taken_over_and_its_reservation_discarded, 0, 2);
    tcase_add_test(tc, a_dead_consumers_peek_is_redelivered_and_flagged);
    tcase_add_loop_test(tc, a_held_peek_stays_flagged_when_its_taker_dies_too, 0, 2);
    tcase_add_loop_test(tc, the_survivor_carries_on_with_the_replacement, 0, 2);
    tcase_add_test(tc, recover_hands_on_stuck_slots_for_try_users);
    tcase_add_test(tc, an_mpmc_message_a_dead_consumer_held_is_delivered_again);
    tcase_add_loop_test(tc, a_count_left_by_an_attach_that_died_is_taken_over, 0, 2);
    tcase_add_test(tc, a_dead_producers_range_claim_is_skipped_whole);
    tcase_add_test(tc, a_batch_range_claim_cut_short_by_a_crash_is_recovered);
    tcase_add_loop_test(tc, dead_peers_are_reclaimed_so_restarts_never_end, 0, 2);
    suite_add_tcase(s, tc);
    tc = tcase_create("sharp_edges");
    tcase_add_test(tc, mpmc_close_with_a_reservation_delivers_no_empty_message);
    tcase_add_loop_test(tc, negative_timeouts_other_than_forever_do_not_wait, 0, 2);
    tcase_add_loop_test(tc, close_on_a_closed_or_never_opened_handle_is_ok, 0, 2);
    tcase_add_test(tc, peers_report_unknown_liveness_for_start_time_zero);
    tcase_add_test(tc, a_busy_entry_is_judged_by_its_workers_pid);
    tcase_add_test(tc, unlink_refuses_what_is_not_an_shmpc_segment);
    tcase_add_loop_test(tc, format_accepts_eight_byte_alignment_and_refuses_less, 0, 2);
    tcase_add_test(tc, unknown_open_flags_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
