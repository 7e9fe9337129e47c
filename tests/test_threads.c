/* Suite "threads": producers and consumers as threads of one process - SPSC and MPMC (2P x 2C, 1P x 2C)
   lose, duplicate and reorder nothing; sleepers are woken by data, by space and by close; the
   bounded retry loop returns EAGAIN under contention and changes nothing when it does. */
#include "stress.h"
#include "pair.h"
#include <pthread.h>
#include <signal.h>

typedef struct s_thread { s_board *b; shmpc_ring r; uint32_t id; pthread_t t; } s_thread;
static void *s_prod_main(void *a) { s_thread *x = (s_thread *)a; s_produce(x->b, &x->r, x->id); shmpc_close(&x->r); return NULL; }
static void *s_cons_main(void *a) { s_thread *x = (s_thread *)a; s_consume(x->b, &x->r); shmpc_close(&x->r); return NULL; }

static void run_threads_with(uint32_t mode, int np, int nc, uint64_t total, uint32_t cap, int batches) {
    shmpc_opts o = t_opts(cap, S_SLOT, mode);
    size_t size = shmpc_footprint(cap, S_SLOT);
    void *mem = t_mem(size);
    s_board *b = s_board_new(np, total / (uint64_t)np, mode == SHMPC_SPSC);
    s_thread th[2 * S_MAXP];
    b->batches = batches;
    int i;
    double t0;
    ck_assert_rc(shmpc_format(mem, size, &o), SHMPC_OK);
    for (i = 0; i < np + nc; i++) {
        th[i].b = b; th[i].id = (uint32_t)i;
        ck_assert_rc(shmpc_attach_id(&th[i].r, mem, size, i < np ? SHMPC_PRODUCER : SHMPC_CONSUMER, 500u + (uint32_t)i, 0u), SHMPC_OK);
    }
    t0 = t_now();
    for (i = 0; i < np + nc; i++)
        ck_assert_int_eq(pthread_create(&th[i].t, NULL, i < np ? s_prod_main : s_cons_main, &th[i]), 0);
    for (i = 0; i < np + nc; i++) pthread_join(th[i].t, NULL);
    printf("threads %s %dP x %dC%s: %llu messages in %.2f s\n", mode == SHMPC_SPSC ? "SPSC" : "MPMC", np, nc,
           batches ? " (batches)" : "",
           (unsigned long long)((uint64_t)np * b->per_producer), t_now() - t0);
    s_verify(b);
    s_board_free(b);
    free(mem);
}
static void run_threads(uint32_t mode, int np, int nc, uint64_t total, uint32_t cap) {
    run_threads_with(mode, np, nc, total, cap, 0);
}

START_TEST(spsc_threads_deliver_everything_in_order) {
    run_threads(SHMPC_SPSC, 1, 1, (uint64_t)t_stress_n(10000000) / 5, 64);
}
END_TEST

START_TEST(mpmc_two_producers_two_consumers_lose_and_duplicate_nothing) {
    run_threads(SHMPC_MPMC, 2, 2, (uint64_t)t_stress_n(10000000) / 5, 64);
}
END_TEST

START_TEST(mpmc_one_producer_two_consumers_lose_and_duplicate_nothing) {
    run_threads(SHMPC_MPMC, 1, 2, (uint64_t)t_stress_n(10000000) / 10, 64);
}
END_TEST

/* Batches only: each push_many claims a range of slots, each pop_many a range of messages, while
   the other threads' claims interleave (a small ring, so ranges are often cut short). */
START_TEST(mpmc_range_claims_of_batches_lose_duplicate_and_reorder_nothing) {
    run_threads_with(SHMPC_MPMC, 2, 2, (uint64_t)t_stress_n(10000000) / 20, 16, 1);
}
END_TEST

START_TEST(mpmc_tiny_ring_many_threads) { /* capacity 2: every slot changes hands constantly */
    run_threads(SHMPC_MPMC, 3, 3, (uint64_t)t_stress_n(10000000) / 50, 2);
}
END_TEST

/* --- waking sleepers ----------------------------------------------------------------------- */
typedef struct waiter { shmpc_ring *r; int op; _Atomic int rc; double t; } waiter;
static void *waiter_main(void *a) {
    waiter *w = (waiter *)a;
    uint32_t v = 42;
    size_t n;
    double t0 = t_now();
    int rc = w->op ? shmpc_push(w->r, &v, sizeof v) : shmpc_pop(w->r, &v, sizeof v, &n);
    if (!w->op && rc == SHMPC_OK && v != 7u) rc = 99;
    w->t = t_now() - t0;
    atomic_store(&w->rc, rc);
    return NULL;
}

/* op 0: a consumer waits for data; 1: a producer waits for space. how 0: the other side moves;
   1: the other side closes. The waiter must still be waiting after 200 ms (past the spin, so it
   sleeps), then return promptly with the right result. */
static void wake_case(uint32_t mode, int op, int how) {
    t_pair t;
    waiter w;
    pthread_t th;
    uint32_t v = 7;
    size_t n;
    uint32_t cap = mode == SHMPC_MPMC ? 2u : 1u, i; /* the smallest ring of each mode */
    t_pair_open(&t, cap, 4, mode);
    for (i = 0; op && i < cap; i++) ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK); /* full */
    w.r = op ? &t.p : &t.c; w.op = op; w.rc = -1000; w.t = 0;
    ck_assert_int_eq(pthread_create(&th, NULL, waiter_main, &w), 0);
    usleep(200000);
    ck_assert_int_eq(w.rc, -1000);
    if (how) {
        ck_assert_rc(shmpc_close(op ? &t.c : &t.p), SHMPC_OK);
    } else if (op) {
        ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_OK);
    } else {
        ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    }
    pthread_join(th, NULL);
    ck_assert_rc(w.rc, how ? SHMPC_ECLOSED : SHMPC_OK);
    ck_assert_msg(w.t < 3.0, "waited %.3f s", w.t); /* woken, not left to time out */
    if (op && !how) { /* the woken push landed behind the older messages */
        for (i = 1; i < cap; i++) { ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_OK); ck_assert_uint_eq(v, 7); }
        ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_OK); ck_assert_uint_eq(v, 42);
    }
    t_pair_close(&t);
}
START_TEST(a_sleeping_consumer_is_woken_by_a_push) { wake_case(t_mode(_i), 0, 0); } END_TEST
START_TEST(a_sleeping_producer_is_woken_by_a_pop) { wake_case(t_mode(_i), 1, 0); } END_TEST
START_TEST(a_sleeping_consumer_is_woken_by_the_producers_close) { wake_case(t_mode(_i), 0, 1); } END_TEST
START_TEST(a_sleeping_producer_is_woken_by_the_consumers_close) { wake_case(t_mode(_i), 1, 1); } END_TEST

/* Signals do not interrupt a blocking call: a consumer sleeping in pop gets a stream of signals
   (handler installed without SA_RESTART), keeps waiting, and returns the message pushed later. */
static _Atomic int signals_seen;
static void on_usr1(int sig) { (void)sig; atomic_fetch_add(&signals_seen, 1); }
START_TEST(signals_do_not_interrupt_a_blocking_pop) {
    t_pair t;
    waiter w;
    pthread_t th;
    struct sigaction sa;
    uint32_t v = 7;
    int i;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1; /* no SA_RESTART: the futex wait returns EINTR inside */
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    t_pair_open(&t, 4, 4, t_mode(_i));
    w.r = &t.c; w.op = 0; w.rc = -1000; w.t = 0;
    ck_assert_int_eq(pthread_create(&th, NULL, waiter_main, &w), 0);
    usleep(50000);
    for (i = 0; i < 20; i++) { pthread_kill(th, SIGUSR1); usleep(10000); }
    ck_assert_int_eq(w.rc, -1000); /* still waiting */
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    pthread_join(th, NULL);
    ck_assert_rc(w.rc, SHMPC_OK);
    ck_assert_int_ge(atomic_load(&signals_seen), 1);
    t_pair_close(&t);
}
END_TEST

/* Ping-pong through two rings: each side sleeps and is woken in turn, thousands of times. */
typedef struct pp { shmpc_ring *in, *out; long n; int rc; } pp;
static void *pp_main(void *a) {
    pp *x = (pp *)a;
    long i;
    uint32_t v;
    size_t n;
    for (i = 0; i < x->n; i++) {
        if ((x->rc = shmpc_pop(x->in, &v, 4, &n)) != SHMPC_OK) return NULL;
        if (v != (uint32_t)i) { x->rc = 98; return NULL; }
        if ((x->rc = shmpc_push(x->out, &v, 4)) != SHMPC_OK) return NULL;
    }
    return NULL;
}
START_TEST(ping_pong_wakes_each_side_in_turn) {
    t_pair a, b;
    pp x;
    pthread_t th;
    uint32_t i, v;
    size_t n;
    t_pair_open(&a, 2, 4, t_mode(_i));
    t_pair_open(&b, 2, 4, t_mode(_i));
    x.in = &a.c; x.out = &b.p; x.n = 20000; x.rc = 0;
    ck_assert_int_eq(pthread_create(&th, NULL, pp_main, &x), 0);
    for (i = 0; i < 20000; i++) {
        ck_assert_rc(shmpc_push(&a.p, &i, 4), SHMPC_OK);
        ck_assert_rc(shmpc_pop(&b.c, &v, 4, &n), SHMPC_OK);
        ck_assert_uint_eq(v, i);
    }
    pthread_join(th, NULL);
    ck_assert_rc(x.rc, SHMPC_OK);
    t_pair_close(&a); t_pair_close(&b);
}
END_TEST

/* --- the retry bound (tests/retries.c: the implementation again, static, SHMPC_RETRIES=1) ---- */
typedef struct t_contention { long pushed, popped, push_eagain, pop_eagain, bad; uint64_t sum_in, sum_out; double secs; } t_contention;
int t_retries_contention(double max_seconds, t_contention *out);

START_TEST(contention_past_the_retry_bound_returns_eagain_and_changes_nothing) {
    t_contention c;
    ck_assert_int_eq(t_retries_contention(20.0, &c), 0);
    printf("retries=1: %ld pushed, %ld popped, EAGAIN %ld (push) %ld (pop) in %.2f s\n",
           c.pushed, c.popped, c.push_eagain, c.pop_eagain, c.secs);
    ck_assert_int_gt(c.push_eagain + c.pop_eagain, 0);
    ck_assert_int_eq(c.bad, 0);
    ck_assert_int_eq(c.pushed, c.popped);
    ck_assert_uint_eq(c.sum_in, c.sum_out);
}
END_TEST

Suite *threads_suite(void) {
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("stress");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, spsc_threads_deliver_everything_in_order);
    tcase_add_test(tc, mpmc_two_producers_two_consumers_lose_and_duplicate_nothing);
    tcase_add_test(tc, mpmc_one_producer_two_consumers_lose_and_duplicate_nothing);
    tcase_add_test(tc, mpmc_tiny_ring_many_threads);
    tcase_add_test(tc, mpmc_range_claims_of_batches_lose_duplicate_and_reorder_nothing);
    tcase_add_test(tc, contention_past_the_retry_bound_returns_eagain_and_changes_nothing);
    suite_add_tcase(s, tc);
    tc = tcase_create("waking");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, a_sleeping_consumer_is_woken_by_a_push, 0, 2);
    tcase_add_loop_test(tc, a_sleeping_producer_is_woken_by_a_pop, 0, 2);
    tcase_add_loop_test(tc, a_sleeping_consumer_is_woken_by_the_producers_close, 0, 2);
    tcase_add_loop_test(tc, a_sleeping_producer_is_woken_by_the_consumers_close, 0, 2);
    tcase_add_loop_test(tc, ping_pong_wakes_each_side_in_turn, 0, 2);
    tcase_add_loop_test(tc, signals_do_not_interrupt_a_blocking_pop, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
