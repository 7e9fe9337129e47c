/* Suite "poll": the pollable descriptor (shmpc_fd, shmpc_arm) in poll and epoll loops - readiness
   for data and for room, the other side's close and death (kill -9), many rings in one epoll set,
   a poller that never drains, edge- and level-triggered use - and the waiter counts against a
   hostile store. */
#include "pair.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/wait.h>

/* Words of the layout (README "Layout"), read and written as another process would. */
#define P_WORD(mem, off) ((uint32_t *)(void *)((unsigned char *)(mem) + (off)))
enum { O_DATA_WAITERS = 0xC0, O_SPACE_WAITERS = 0xC8, O_DATA_POLLERS = 0xD0, O_SPACE_POLLERS = 0xD4 };
static uint32_t p_get(void *mem, unsigned off) { return __atomic_load_n(P_WORD(mem, off), __ATOMIC_SEQ_CST); }
static void p_set(void *mem, unsigned off, uint32_t v) { __atomic_store_n(P_WORD(mem, off), v, __ATOMIC_SEQ_CST); }

/* 1 if fd is readable within ms milliseconds. */
static int p_readable(int fd, int ms) {
    struct pollfd pf;
    pf.fd = fd; pf.events = POLLIN; pf.revents = 0;
    return poll(&pf, 1, ms) == 1 && (pf.revents & POLLIN);
}

/* The handle's descriptor, which must exist. */
static int p_fd(shmpc_ring *r) {
    int fd = shmpc_fd(r);
    ck_assert_msg(fd >= 0, "shmpc_fd: %s", shmpc_strerror(fd));
    return fd;
}

/* A process that attaches to an anonymous ring in a role and runs fn; the parent gets its pid. */
typedef struct p_child { void *mem; size_t size; int role, n, gap_us; _Atomic int *go; } p_child;
static pid_t p_fork(void (*fn)(p_child *), p_child *c) {
    pid_t pid = fork();
    if (pid == 0) { fn(c); _exit(0); }
    ck_assert_int_gt(pid, 0);
    return pid;
}
static int p_exit_code(pid_t pid) {
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
static _Atomic int *p_flag(void) {
    _Atomic int *f = (_Atomic int *)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(f, MAP_FAILED);
    atomic_store(f, 0);
    return f;
}

/* --- readiness ------------------------------------------------------------------------------- */

/* A consumer's fd is readable exactly when a message came (from a producer that never polls),
   and not again after it drained and armed. */
START_TEST(a_polling_consumer_is_readable_when_data_comes) {
    t_pair t;
    uint32_t v = 7, w = 0;
    size_t n;
    int fd, k;
    t_pair_open(&t, 8, 8, t_mode(_i));
    fd = p_fd(&t.c);
    ck_assert_int_eq(shmpc_fd(&t.c), fd); /* the same descriptor every time */
    for (k = 0; k < 3; k++) {
        ck_assert(!p_readable(fd, 20));
        ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
        ck_assert(p_readable(fd, 1000));
        ck_assert_rc(shmpc_try_pop(&t.c, &w, 4, &n), SHMPC_OK);
        ck_assert_uint_eq(w, v);
        ck_assert_rc(shmpc_try_pop(&t.c, &w, 4, &n), SHMPC_EEMPTY);
        ck_assert_rc(shmpc_arm(&t.c), SHMPC_OK);
        v++;
    }
    t_pair_close(&t);
}
END_TEST

/* A producer's fd is readable when room is made, not while the ring stays full. */
START_TEST(a_polling_producer_is_readable_when_room_comes) {
    t_pair t;
    uint32_t v = 1;
    size_t n;
    int fd;
    t_pair_open(&t, 2, 8, t_mode(_i));
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_EFULL);
    fd = p_fd(&t.p);
    ck_assert(!p_readable(fd, 20));
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_OK);
    ck_assert(p_readable(fd, 1000));
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_EFULL);
    ck_assert_rc(shmpc_arm(&t.p), SHMPC_OK);
    ck_assert(!p_readable(fd, 20));
    t_pair_close(&t);
}
END_TEST

/* A message published between the last try call and the arm is never lost: the arm looks again
   and makes the descriptor readable itself. */
START_TEST(an_arm_after_a_missed_message_is_readable_at_once) {
    t_pair t;
    uint32_t v = 3;
    size_t n;
    int fd;
    t_pair_open(&t, 8, 8, t_mode(_i));
    fd = p_fd(&t.c);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert(p_readable(fd, 1000));
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_EEMPTY); /* the drain saw empty ... */
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);          /* ... nobody armed: no wake-up */
    ck_assert_rc(shmpc_arm(&t.c), SHMPC_OK);
    ck_assert(p_readable(fd, 0));
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_OK);
    t_pair_close(&t);
}
END_TEST

/* The other side's close makes the descriptor readable; the try call then says ECLOSED. */
START_TEST(the_other_sides_close_makes_the_fd_readable) {
    t_pair t;
    uint32_t v = 0;
    size_t n;
    int fd, consumer_polls = _i / 2 == 0;
    t_pair_open(&t, 2, 8, t_mode(_i % 2));
    if (!consumer_polls) { /* a producer waits for room */
        ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
        ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    }
    fd = p_fd(consumer_polls ? &t.c : &t.p);
    ck_assert(!p_readable(fd, 20));
    ck_assert_rc(shmpc_close(consumer_polls ? &t.p : &t.c), SHMPC_OK);
    ck_assert(p_readable(fd, 1000));
    if (consumer_polls) ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_ECLOSED);
    else ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_ECLOSED);
    t_pair_close(&t);
}
END_TEST

/* --- death of the other side (kill -9) ------------------------------------------------------- */
/* Starts fn in a child that attaches in `role` (n: messages a producer pushes first) and waits until
   it says it is ready. */
static pid_t p_peer(p_child *c, void (*fn)(p_child *), void *mem, size_t size, int role, int n) {
    pid_t pid;
    c->mem = mem; c->size = size; c->role = role; c->n = n; c->go = p_flag();
    pid = p_fork(fn, c);
    while (!atomic_load(c->go)) usleep(1000);
    return pid;
}
static void p_attach_and_stop(p_child *c) {
    shmpc_ring r;
    uint32_t v = 9;
    if (shmpc_attach(&r, c->mem, c->size, c->role) != SHMPC_OK) _exit(10);
    if (c->role == SHMPC_PRODUCER && c->n > 0 && shmpc_try_push(&r, &v, 4) != SHMPC_OK) _exit(11);
    atomic_store(c->go, 1);
    for (;;) pause(); /* until SIGKILL */
}
/* A peer of the other side killed with SIGKILL makes the fd readable (no help from it); the
   drain delivers what it pushed, and the arm reports SHMPC_EPEERDEAD. */
START_TEST(a_killed_peer_makes_the_fd_readable_and_the_arm_reports_it) {
    shmpc_opts o = t_opts(2, 8, t_mode(_i % 2));
    int consumer_polls = _i / 2 == 0;
    shmpc_ring me;
    p_child c;
    void *mem;
    size_t size, n;
    uint32_t v;
    pid_t pid;
    int fd;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&me, mem, size, consumer_polls ? SHMPC_CONSUMER : SHMPC_PRODUCER), SHMPC_OK);
    if (!consumer_polls) { /* fill the ring: room can only come from the consumer */
        ck_assert_rc(shmpc_try_push(&me, &v, 4), SHMPC_OK);
        ck_assert_rc(shmpc_try_push(&me, &v, 4), SHMPC_OK);
    }
    fd = p_fd(&me);
    pid = p_peer(&c, p_attach_and_stop, mem, size, consumer_polls ? SHMPC_PRODUCER : SHMPC_CONSUMER, 1);
    if (consumer_polls) { /* one message, then the drain and the arm watch the live producer */
        ck_assert(p_readable(fd, 2000));
        ck_assert_rc(shmpc_try_pop(&me, &v, 4, &n), SHMPC_OK);
        ck_assert_uint_eq(v, 9);
        ck_assert_rc(shmpc_try_pop(&me, &v, 4, &n), SHMPC_EEMPTY);
    } else { /* the attach woke the poller, which now watches the consumer */
        ck_assert(p_readable(fd, 2000));
        ck_assert_rc(shmpc_try_push(&me, &v, 4), SHMPC_EFULL);
    }
    ck_assert_rc(shmpc_arm(&me), SHMPC_OK);
    ck_assert(!p_readable(fd, 50));
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    ck_assert(p_readable(fd, 2000));
    if (consumer_polls) ck_assert_rc(shmpc_try_pop(&me, &v, 4, &n), SHMPC_EEMPTY);
    else ck_assert_rc(shmpc_try_push(&me, &v, 4), SHMPC_EFULL);
    ck_assert_rc(shmpc_arm(&me), SHMPC_EPEERDEAD);
    ck_assert_int_eq(p_exit_code(pid), 100 + SIGKILL);
    shmpc_close(&me);
    munmap((void *)c.go, 4096);
    shmpc_free_anon(mem, size);
}
END_TEST

/* A peer that died before the descriptor was made: the first look reports it (readable at once,
   the drain delivers what it left, the arm says SHMPC_EPEERDEAD). */
START_TEST(a_peer_dead_before_the_fd_is_reported) {
    shmpc_opts o = t_opts(2, 8, t_mode(_i % 2));
    shmpc_ring me;
    p_child c;
    void *mem;
    size_t size, n;
    uint32_t v = 0;
    pid_t pid;
    int fd;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&me, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    pid = p_peer(&c, p_attach_and_stop, mem, size, SHMPC_PRODUCER, 1);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    ck_assert_int_eq(p_exit_code(pid), 100 + SIGKILL);
    if (_i / 2) { /* what it left is drained before the descriptor exists */
        ck_assert_rc(shmpc_try_pop(&me, &v, 4, &n), SHMPC_OK);
        ck_assert_uint_eq(v, 9);
    }
    fd = p_fd(&me);
    ck_assert(p_readable(fd, 0));
    if (!(_i / 2)) {
        ck_assert_rc(shmpc_try_pop(&me, &v, 4, &n), SHMPC_OK);
        ck_assert_uint_eq(v, 9);
    }
    ck_assert_rc(shmpc_try_pop(&me, &v, 4, &n), SHMPC_EEMPTY);
    ck_assert_rc(shmpc_arm(&me), SHMPC_EPEERDEAD);
    shmpc_close(&me);
    munmap((void *)c.go, 4096);
    shmpc_free_anon(mem, size);
}
END_TEST

/* --- one epoll set ---------------------------------------------------------------------------- */
enum { P_RINGS = 16, P_PER_RING = 200 };
typedef struct p_many { void *mem[P_RINGS]; size_t size[P_RINGS]; } p_many;
static void p_produce_many(p_many *m) {
    shmpc_ring r[P_RINGS];
    uint32_t k, i;
    for (i = 0; i < P_RINGS; i++)
        if (shmpc_attach(&r[i], m->mem[i], m->size[i], SHMPC_PRODUCER) != SHMPC_OK) _exit(10);
    for (k = 0; k < P_PER_RING; k++)
        for (i = 0; i < P_RINGS; i++) {
            uint32_t ring = (i * 7u + k) % P_RINGS, v = k; /* rings visited in a shifting order */
            if (shmpc_push(&r[ring], &v, 4) != SHMPC_OK) _exit(11);
            if (k % 16 == 0) usleep(200); /* let the consumer fall asleep now and then */
        }
    for (i = 0; i < P_RINGS; i++) shmpc_close(&r[i]);
    _exit(0);
}
/* 16 rings (half SPSC, half MPMC) in one epoll set, edge- or level-triggered: every message of
   every ring arrives in order, and every ring's end of stream is seen. */
START_TEST(many_rings_in_one_epoll_set_deliver_everything) {
    p_many m;
    shmpc_ring c[P_RINGS];
    uint32_t next[P_RINGS], i;
    int ep, open_rings = P_RINGS, edge = _i;
    pid_t pid;
    ep = epoll_create1(0);
    ck_assert_int_ge(ep, 0);
    for (i = 0; i < P_RINGS; i++) {
        shmpc_opts o = t_opts(4, 8, t_mode((int)(i % 2)));
        struct epoll_event e;
        ck_assert_rc(shmpc_create_anon(&o, &m.mem[i], &m.size[i]), SHMPC_OK);
        ck_assert_rc(shmpc_attach(&c[i], m.mem[i], m.size[i], SHMPC_CONSUMER), SHMPC_OK);
        memset(&e, 0, sizeof e);
        e.events = EPOLLIN | (edge ? EPOLLET : 0u);
        e.data.u32 = i;
        ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, shmpc_fd(&c[i]), &e), 0);
        next[i] = 0;
    }
    pid = fork();
    if (pid == 0) p_produce_many(&m);
    while (open_rings > 0) {
        struct epoll_event ev[P_RINGS];
        int n = epoll_wait(ep, ev, P_RINGS, 10000), j;
        ck_assert_int_gt(n, 0); /* never a 10 s silence */
        for (j = 0; j < n; j++) {
            uint32_t k = ev[j].data.u32, v;
            size_t len;
            int rc;
            while ((rc = shmpc_try_pop(&c[k], &v, 4, &len)) == SHMPC_OK) {
                ck_assert_uint_eq(v, next[k]);
                next[k]++;
            }
            if (rc == SHMPC_ECLOSED) {
                ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_DEL, shmpc_fd(&c[k]), NULL), 0);
                open_rings--;
                continue;
            }
            ck_assert_rc(rc, SHMPC_EEMPTY);
            ck_assert_rc(shmpc_arm(&c[k]), SHMPC_OK);
        }
    }
    for (i = 0; i < P_RINGS; i++) {
        ck_assert_uint_eq(next[i], P_PER_RING);
        shmpc_close(&c[i]);
        shmpc_free_anon(m.mem[i], m.size[i]);
    }
    ck_assert_int_eq(p_exit_code(pid), 0);
    close(ep);
}
END_TEST

/* --- cost and triggering ---------------------------------------------------------------------- */

/* A poller that never drains: the first message disarms it (it leaves the waiter and poller
   counts), so the producer's further pushes make no system call, and the descriptor stays
   readable (level) until the poller arms again. */
START_TEST(a_poller_that_never_drains_is_woken_once) {
    t_pair t;
    uint32_t v = 0;
    int fd, k;
    t_pair_open(&t, 64, 8, t_mode(_i));
    fd = p_fd(&t.c);
    ck_assert_uint_eq(p_get(t.mem, O_DATA_WAITERS), 1);
    ck_assert_uint_eq(p_get(t.mem, O_DATA_POLLERS), 1);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_uint_eq(p_get(t.mem, O_DATA_WAITERS), 0); /* notifiers of the next pushes see nobody */
    ck_assert_uint_eq(p_get(t.mem, O_DATA_POLLERS), 0);
    for (k = 1; k < 64; k++) ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_EFULL);
    ck_assert(p_readable(fd, 0));
    ck_assert(p_readable(fd, 0)); /* level: still readable */
    ck_assert_rc(shmpc_arm(&t.c), SHMPC_OK); /* full: readable at once, not counted */
    ck_assert(p_readable(fd, 0));
    ck_assert_uint_eq(p_get(t.mem, O_DATA_WAITERS), 0);
    t_pair_close(&t);
}
END_TEST

/* Edge-triggered epoll reports each wake-up once; level-triggered until the arm clears it. */
START_TEST(edge_and_level_triggered_epoll_see_each_wake_up) {
    t_pair t;
    struct epoll_event e, out;
    uint32_t v = 5;
    size_t n;
    int ep, fd, edge = _i;
    t_pair_open(&t, 8, 8, SHMPC_SPSC);
    fd = shmpc_fd(&t.c);
    ep = epoll_create1(0);
    memset(&e, 0, sizeof e);
    e.events = EPOLLIN | (edge ? EPOLLET : 0u);
    ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e), 0);
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 20), 0);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 1000), 1);
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 20), edge ? 0 : 1); /* nothing drained yet */
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_EEMPTY);
    ck_assert_rc(shmpc_arm(&t.c), SHMPC_OK);
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 20), 0);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_int_eq(epoll_wait(ep, &out, 1, 1000), 1); /* a new edge after the arm */
    close(ep);
    t_pair_close(&t);
}
END_TEST

/* An armed handle that closes leaves no count behind (notifiers would call for nobody). */
START_TEST(an_armed_handle_that_closes_leaves_the_counts) {
    t_pair t;
    t_pair_open(&t, 2, 8, t_mode(_i));
    ck_assert_int_ge(shmpc_fd(&t.c), 0);
    ck_assert_uint_eq(p_get(t.mem, O_DATA_WAITERS), 1);
    ck_assert_rc(shmpc_close(&t.c), SHMPC_OK);
    ck_assert_uint_eq(p_get(t.mem, O_DATA_WAITERS), 0);
    ck_assert_uint_eq(p_get(t.mem, O_DATA_POLLERS), 0);
    ck_assert_rc(shmpc_arm(&t.c), SHMPC_EINVAL);
    t_pair_close(&t);
}
END_TEST

/* A poller killed while armed leaves its counts behind; the takeover that reclaims its peer entry
   uncounts it (else every notifier would make a wake-up call per message for nobody). */
static void p_arm_and_stop(p_child *c) {
    shmpc_ring r;
    if (shmpc_attach(&r, c->mem, c->size, c->role) != SHMPC_OK) _exit(10);
    if (shmpc_fd(&r) < 0) _exit(11);
    atomic_store(c->go, 1);
    for (;;) pause(); /* until SIGKILL */
}
START_TEST(a_dead_armed_poller_is_uncounted_by_the_takeover) {
    shmpc_opts o = t_opts(4, 8, t_mode(_i));
    shmpc_ring p, c2;
    p_child c;
    void *mem;
    size_t size;
    pid_t pid;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    pid = p_peer(&c, p_arm_and_stop, mem, size, SHMPC_CONSUMER, 0);
    ck_assert_uint_eq(p_get(mem, O_DATA_WAITERS), 1);
    ck_assert_uint_eq(p_get(mem, O_DATA_POLLERS), 1);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    ck_assert_int_eq(p_exit_code(pid), 100 + SIGKILL);
    ck_assert_rc(shmpc_attach(&c2, mem, size, SHMPC_CONSUMER), SHMPC_OK); /* takes the dead one's role */
    ck_assert_uint_eq(p_get(mem, O_DATA_WAITERS), 0);
    ck_assert_uint_eq(p_get(mem, O_DATA_POLLERS), 0);
    shmpc_close(&c2);
    shmpc_close(&p);
    munmap((void *)c.go, 4096);
    shmpc_free_anon(mem, size);
}
END_TEST

/* --- hostile waiter counts ------------------------------------------------------------------- */
typedef struct p_popper { shmpc_ring *c; _Atomic int got; } p_popper;
static void *p_pop_thread(void *a) {
    p_popper *x = (p_popper *)a;
    uint32_t v;
    size_t n;
    int k;
    for (k = 0; k < 5; k++) {
        if (shmpc_pop(x->c, &v, 4, &n) != SHMPC_OK) return NULL;
        atomic_fetch_add(&x->got, 1);
    }
    return NULL;
}
/* One store of 0xFFFFFFFF into data_waiters: the sleeping consumer's registration must not wrap
   the count to "nobody waits" (a notifier would skip the wake-up and the consumer would wait out
   its 50 ms sleep slice for every message). */
START_TEST(a_hostile_waiter_count_does_not_hide_a_sleeper) {
    t_pair t;
    p_popper x;
    pthread_t th;
    uint32_t v = 1;
    double total = 0;
    int k;
    t_pair_open(&t, 8, 8, t_mode(_i));
    p_set(t.mem, O_DATA_WAITERS, 0xFFFFFFFFu);
    x.c = &t.c;
    atomic_store(&x.got, 0);
    ck_assert_int_eq(pthread_create(&th, NULL, p_pop_thread, &x), 0);
    for (k = 0; k < 5; k++) {
        double t0, deadline;
        usleep(20000); /* the consumer is asleep on the futex (spin and yield last about 0.1 ms) */
        ck_assert_uint_ne(p_get(t.mem, O_DATA_WAITERS), 0); /* a notifier sees someone */
        t0 = t_now();
        deadline = t0 + 5;
        ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
        while (atomic_load(&x.got) == k && t_now() < deadline) usleep(100);
        total += t_now() - t0;
    }
    ck_assert_int_eq(pthread_join(th, NULL), 0);
    ck_assert_int_eq(atomic_load(&x.got), 5);
    ck_assert_double_lt(total, 0.1); /* 5 wake-ups; each skipped one costs the rest of a 50 ms slice */
    t_pair_close(&t);
}
END_TEST

Suite *poll_suite(void) {
    Suite *s = suite_create("poll");
    TCase *tc = tcase_create("poll");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, a_polling_consumer_is_readable_when_data_comes, 0, 2);
    tcase_add_loop_test(tc, a_polling_producer_is_readable_when_room_comes, 0, 2);
    tcase_add_loop_test(tc, an_arm_after_a_missed_message_is_readable_at_once, 0, 2);
    tcase_add_loop_test(tc, the_other_sides_close_makes_the_fd_readable, 0, 4);
    tcase_add_loop_test(tc, a_peer_dead_before_the_fd_is_reported, 0, 4);
    tcase_add_loop_test(tc, a_poller_that_never_drains_is_woken_once, 0, 2);
    tcase_add_loop_test(tc, edge_and_level_triggered_epoll_see_each_wake_up, 0, 2);
    tcase_add_loop_test(tc, an_armed_handle_that_closes_leaves_the_counts, 0, 2);
    tcase_add_loop_test(tc, a_dead_armed_poller_is_uncounted_by_the_takeover, 0, 2);
    tcase_add_loop_test(tc, a_hostile_waiter_count_does_not_hide_a_sleeper, 0, 2);
    suite_add_tcase(s, tc);
    /* Tag "start_time": the peers are other processes, judged alive by the start time the kernel
       reports (qemu-user fakes it: see test_process.c). */
    tc = tcase_create("poll_processes");
    tcase_set_timeout(tc, 60);
    tcase_set_tags(tc, "start_time");
    tcase_add_loop_test(tc, a_killed_peer_makes_the_fd_readable_and_the_arm_reports_it, 0, 4);
    tcase_add_loop_test(tc, many_rings_in_one_epoll_set_deliver_everything, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
