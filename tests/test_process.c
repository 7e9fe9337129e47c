/* Suite "process": producers and consumers in forked processes - a named segment opened by name
   (and waited for), role refusal across processes, and the stress runs: >= 10^7 messages SPSC
   and MPMC with 2 producer and 2 consumer processes, checked message by message. */
#include "stress.h"
#include "pair.h"
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

static pid_t spawn(void (*fn)(void *), void *arg) {
    pid_t pid = fork();
    if (pid == 0) { fn(arg); fflush(stdout); _exit(0); }
    ck_assert_int_gt(pid, 0);
    return pid;
}
static int reap(pid_t pid) {
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "child %ld died (signal %d)", (long)pid, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return WEXITSTATUS(status);
}

static void reap_signalled(pid_t pid) {
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);
}

/* --- the stress runs ----------------------------------------------------------------------- */
typedef struct s_proc {
    s_board *b; void *mem; size_t size; const char *name; uint32_t id; int role; _Atomic int *flag;
    int no_start; /* attach with shmpc_attach_id(pid, start 0): never presumed dead */
    int party;    /* > 0: after attaching, count in at *flag and wait for this many (no late attach) */
} s_proc;

static void s_child(void *a) {
    s_proc *x = (s_proc *)a;
    shmpc_ring r;
    int rc = x->name ? shmpc_open(&r, x->name, x->role, 10000000000LL)
             : x->no_start ? shmpc_attach_id(&r, x->mem, x->size, x->role, (uint32_t)getpid(), 0u)
             : shmpc_attach(&r, x->mem, x->size, x->role);
    if (rc != SHMPC_OK) {
        atomic_fetch_add(x->role == SHMPC_PRODUCER ? &x->b->push_fail : &x->b->pop_fail, 1);
        atomic_store(&x->b->last_error, rc);
        return;
    }
    if (x->party > 0) { /* a side that drained and closed before the last peer attached would end the stream */
        double t0 = t_now();
        atomic_fetch_add(x->flag, 1);
        while (atomic_load(x->flag) < x->party && t_now() - t0 < 10.0) usleep(100);
    }
    if (x->role == SHMPC_PRODUCER) s_produce(x->b, &r, x->id);
    else s_consume(x->b, &r);
    shmpc_close(&r);
}

/* SPSC through a named segment: the consumer process starts first and waits for the segment. */
START_TEST(spsc_processes_move_ten_million_messages_intact) {
    uint64_t total = (uint64_t)t_stress_n(10000000);
    s_board *b = s_board_new(1, total, 1);
    char nm[96];
    shmpc_ring r;
    shmpc_opts o = t_opts(1024, S_SLOT, SHMPC_SPSC);
    s_proc cons = {b, NULL, 0, nm, 1, SHMPC_CONSUMER, NULL, 0, 0}, prod = {b, NULL, 0, nm, 0, SHMPC_PRODUCER, NULL, 0, 0};
    pid_t pc, pp;
    double t0;
    t_name(nm, "stress-spsc");
    pc = spawn(s_child, &cons);
    usleep(20000);
    t0 = t_now();
    ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_OBSERVER), SHMPC_OK); /* the creator only watches */
    pp = spawn(s_child, &prod);
    ck_assert_int_eq(reap(pp), 0);
    ck_assert_int_eq(reap(pc), 0);
    printf("stress SPSC, 1 producer process -> 1 consumer process: %llu messages of 24..40 B in %.2f s "
           "(%.1f M msg/s), capacity 1024\n", (unsigned long long)total, t_now() - t0, (double)total / (t_now() - t0) / 1e6);
    fflush(stdout);
    shmpc_close(&r);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_OK);
    s_verify(b);
    s_board_free(b);
}
END_TEST

/* MPMC with 2 producer and 2 consumer processes on an anonymous ring inherited across fork. */
static void run_processes(int np, int nc, uint64_t total, int no_start) {
    s_board *b = s_board_new(np, total / (uint64_t)np, 0);
    shmpc_opts o = t_opts(1024, S_SLOT, SHMPC_MPMC);
    shmpc_ring obs;
    shmpc_status st;
    void *mem;
    size_t size;
    s_proc x[2 * S_MAXP];
    pid_t pid[2 * S_MAXP];
    int i;
    double t0;
    _Atomic int *attached = (_Atomic int *)mmap(NULL, sizeof *attached, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(attached, MAP_FAILED);
    total = total / (uint64_t)np * (uint64_t)np;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    t0 = t_now();
    for (i = 0; i < np + nc; i++) {
        x[i].b = b; x[i].mem = mem; x[i].size = size; x[i].name = NULL; x[i].no_start = no_start;
        x[i].id = (uint32_t)i; x[i].role = i < np ? SHMPC_PRODUCER : SHMPC_CONSUMER;
        x[i].flag = attached; x[i].party = np + nc;
        pid[i] = spawn(s_child, &x[i]);
    }
    for (i = 0; i < np + nc; i++) ck_assert_int_eq(reap(pid[i]), 0);
    printf("stress MPMC, %d producer processes x %d consumer processes%s: %llu messages of 24..40 B in %.2f s "
           "(%.1f M msg/s), capacity 1024\n", np, nc, no_start ? " (no start time)" : "", (unsigned long long)total,
           t_now() - t0, (double)total / (t_now() - t0) / 1e6);
    fflush(stdout);
    s_verify(b);
    ck_assert_rc(shmpc_attach(&obs, mem, size, SHMPC_OBSERVER), SHMPC_OK);
    ck_assert_rc(shmpc_stat(&obs, &st), SHMPC_OK);
    ck_assert_uint_eq(st.fill, 0); ck_assert_uint_eq(st.state, 2); ck_assert_uint_eq(st.peers, 0);
    ck_assert_uint_eq(st.head, (uint32_t)(T_START + total)); /* wrapped */
    shmpc_close(&obs);
    shmpc_free_anon(mem, size);
    s_board_free(b);
    munmap((void *)attached, sizeof *attached);
}

START_TEST(mpmc_two_by_two_processes_move_ten_million_messages_intact) {
    run_processes(2, 2, (uint64_t)t_stress_n(10000000), 0);
}
END_TEST

/* Peers registered without a start time (shmpc_attach_id with start 0, as where no /proc tells it)
   are never presumed dead: 1 x 2 and 2 x 2 processes. (This is also the process stress that runs
   under qemu-user, whose fake /proc/self/stat start time makes live peers of the others look dead.) */
START_TEST(mpmc_processes_registered_without_start_time) {
    run_processes(_i == 0 ? 1 : 2, 2, (uint64_t)t_stress_n(10000000) / 10, 1);
}
END_TEST

/* --- small cross-process facts --------------------------------------------------------------- */
typedef struct role_probe { const char *name; int role; int want; } role_probe;
static void probe_child(void *a) {
    role_probe *p = (role_probe *)a;
    shmpc_ring r;
    int rc = shmpc_open(&r, p->name, p->role, 0);
    if (rc == SHMPC_OK) shmpc_close(&r);
    _exit(rc == p->want ? 0 : 100 - rc);
}

/* Another process asking for the producer role of an SPSC ring that has one: EROLE. */
START_TEST(a_second_producer_process_is_refused) {
    char nm[96];
    shmpc_ring p;
    shmpc_opts o = t_opts(8, 8, SHMPC_SPSC);
    role_probe probe = {nm, SHMPC_PRODUCER, SHMPC_EROLE};
    ck_assert_rc(shmpc_create(&p, t_name(nm, "role"), &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_int_eq(reap(spawn(probe_child, &probe)), 0);
    probe.role = SHMPC_CONSUMER; probe.want = SHMPC_OK; /* the consumer role is free */
    ck_assert_int_eq(reap(spawn(probe_child, &probe)), 0);
    /* that consumer closed: the consumer side has ended, nobody takes the role again */
    probe.want = SHMPC_ECLOSED;
    ck_assert_int_eq(reap(spawn(probe_child, &probe)), 0);
    shmpc_close(&p);
    shmpc_unlink(nm);
}
END_TEST

/* A consumer process blocked on an empty ring is woken by a push from another process, and by
   the producer's close at the end. */
static void late_consumer(void *a) {
    s_proc *x = (s_proc *)a;
    shmpc_ring r;
    uint32_t v = 0;
    size_t n;
    if (shmpc_attach(&r, x->mem, x->size, SHMPC_CONSUMER) != SHMPC_OK) _exit(10);
    if (shmpc_try_pop(&r, &v, 4, &n) != SHMPC_EEMPTY) _exit(12); /* nothing there yet ... */
    atomic_store(x->flag, 1);                                      /* ... and the parent waits for this */
    if (shmpc_pop(&r, &v, 4, &n) != SHMPC_OK || v != 1234u) _exit(11);
    if (shmpc_pop(&r, &v, 4, &n) != SHMPC_ECLOSED) _exit(13);
    shmpc_close(&r);
    _exit(0);
}
START_TEST(a_blocked_consumer_process_is_woken_across_processes) {
    shmpc_opts o = t_opts(4, 4, t_mode(_i));
    shmpc_ring p;
    void *mem;
    size_t size;
    uint32_t v = 1234;
    s_proc x;
    pid_t pid;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    _Atomic int *flag = (_Atomic int *)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(flag, MAP_FAILED);
    x.mem = mem; x.size = size; x.flag = flag;
    pid = spawn(late_consumer, &x);
    while (!atomic_load(flag)) usleep(1000);
    usleep(200000); /* the consumer is now past its spin, asleep */
    ck_assert_rc(shmpc_push(&p, &v, 4), SHMPC_OK);
    usleep(100000);
    ck_assert_rc(shmpc_close(&p), SHMPC_OK);
    ck_assert_int_eq(reap(pid), 0);
    munmap((void *)flag, 4096);
    shmpc_free_anon(mem, size);
}
END_TEST

/* Peers of another process are listed with its pid; after it exits it is no longer alive. */
static void hold_consumer(void *a) {
    s_proc *x = (s_proc *)a;
    shmpc_ring r;
    if (shmpc_attach(&r, x->mem, x->size, SHMPC_CONSUMER) != SHMPC_OK) _exit(10);
    _exit(0); /* exits without closing */
}
START_TEST(peers_report_another_process_and_its_death) {
    shmpc_opts o = t_opts(4, 4, SHMPC_MPMC);
    shmpc_ring p;
    shmpc_peer_status ps[4];
    void *mem;
    size_t size;
    s_proc x;
    pid_t pid;
    int n, i, found = 0;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    x.mem = mem; x.size = size;
    pid = spawn(hold_consumer, &x);
    ck_assert_int_eq(reap(pid), 0);
    n = shmpc_peers(&p, ps, 4);
    ck_assert_int_eq(n, 2);
    for (i = 0; i < n; i++)
        if (ps[i].pid == (uint32_t)pid) { found = 1; ck_assert_uint_eq(ps[i].role, SHMPC_CONSUMER); ck_assert_int_eq(ps[i].alive, 0); }
        else { ck_assert_uint_eq(ps[i].pid, (uint32_t)getpid()); ck_assert_int_eq(ps[i].alive, 1); }
    ck_assert(found);
    shmpc_close(&p);
    shmpc_free_anon(mem, size);
}
END_TEST

/* --- a peer that dies (SHMPC_EPEERDEAD, SHMPC_ESTALE: see CRASHES in shmpc.h) ------------------ */
typedef struct dying { void *mem; size_t size; const char *name; int role, pushes; } dying;
static void die_child(void *a) {
    dying *d = (dying *)a;
    shmpc_ring r;
    shmpc_opts o = t_opts(8, 8, SHMPC_SPSC);
    int i;
    uint32_t v;
    if (d->name) { if (shmpc_create(&r, d->name, &o, SHMPC_PRODUCER) != SHMPC_OK) _exit(20); }
    else if (shmpc_attach(&r, d->mem, d->size, d->role) != SHMPC_OK) _exit(21);
    for (i = 0; i < d->pushes; i++) { v = (uint32_t)i; if (shmpc_try_push(&r, &v, 4) != SHMPC_OK) _exit(22); }
    raise(SIGKILL); /* no close: a crash */
}

/* A consumer drains what a dead producer left, then gets EPEERDEAD instead of waiting forever. */
START_TEST(a_dead_producer_is_reported_after_the_drain) {
    shmpc_opts o = t_opts(8, 8, t_mode(_i));
    shmpc_ring c;
    void *mem;
    size_t size, n;
    uint32_t v, i;
    int status;
    dying d;
    pid_t pid;
    double t0;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    d.mem = mem; d.size = size; d.name = NULL; d.role = SHMPC_PRODUCER; d.pushes = 3;
    pid = spawn(die_child, &d);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    for (i = 0; i < 3; i++) {
        ck_assert_rc(shmpc_pop_timed(&c, &v, 4, &n, 5000000000LL), SHMPC_OK);
        ck_assert_uint_eq(v, i);
    }
    t0 = t_now();
    ck_assert_rc(shmpc_pop_timed(&c, &v, 4, &n, 10000000000LL), SHMPC_EPEERDEAD);
    ck_assert_double_lt(t_now() - t0, 5.0);
    ck_assert_rc(shmpc_try_pop(&c, &v, 4, &n), SHMPC_EEMPTY); /* try calls never check */
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
}
END_TEST

/* A producer waiting for room that only a dead consumer could make gets EPEERDEAD. */
START_TEST(a_dead_consumer_is_reported_to_a_waiting_producer) {
    shmpc_opts o = t_opts(2, 8, t_mode(_i));
    shmpc_ring p;
    void *mem;
    size_t size;
    uint32_t v = 1;
    dying d;
    pid_t pid;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    d.mem = mem; d.size = size; d.name = NULL; d.role = SHMPC_CONSUMER; d.pushes = 0;
    pid = spawn(die_child, &d);
    reap_signalled(pid);
    ck_assert_rc(shmpc_push(&p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_push(&p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_push_timed(&p, &v, 4, 10000000000LL), SHMPC_EPEERDEAD);
    shmpc_close(&p);
    shmpc_free_anon(mem, size);
}
END_TEST

/* A named segment whose only peer crashed is stale: create reports ESTALE, not EEXIST. */
START_TEST(a_segment_left_by_a_crashed_creator_is_stale) {
    char nm[96];
    shmpc_ring r;
    shmpc_opts o = t_opts(8, 8, SHMPC_SPSC);
    dying d;
    d.mem = NULL; d.size = 0; d.name = t_name(nm, "stale"); d.role = SHMPC_PRODUCER; d.pushes = 2;
    reap_signalled(spawn(die_child, &d));
    ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_ESTALE);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_OK);
    ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_EEXIST); /* alive: not stale */
    shmpc_close(&r);
    shmpc_unlink(nm);
}
END_TEST

/* Open racing create: a process polls shmpc_open (no timeout: one look per call, so its looks
   land anywhere in the creator's work) while the parent creates the segment. Every look before
   the ring is ready must say "not there yet" (ENOENT) or "being initialized" (ENOTREADY), never
   refuse the segment (a part-written header read as foreign, ENOTSHMPC, was such a bug); the
   first other answer must be OK. Many rounds, POSIX (_i == 0) and SysV names. Where the looks
   land is the scheduler's choice: most land while format writes the slots; the SysV ones also
   land between the creator's stamp and format, where shmpc_open_sysv answered ENOTSHMPC. */
#define RACE_ROUNDS 300
typedef struct racer { const char *name; long key; _Atomic int *go; } racer; /* name NULL: SysV key */

/* Creates the race's ring: a header and a quarter MiB of slots to format. */
static int race_create(const racer *x, shmpc_ring *r) {
    shmpc_opts o = t_opts(64, 4096, SHMPC_SPSC);
    return x->name ? shmpc_create(r, x->name, &o, SHMPC_PRODUCER) : shmpc_create_sysv(r, x->key, &o, SHMPC_PRODUCER);
}

static void racer_child(void *a) {
    racer *x = (racer *)a;
    shmpc_ring r;
    double until = t_now() + 10.0;
    int rc;
    atomic_store(x->go, 1);
    do {
        rc = x->name ? shmpc_open(&r, x->name, SHMPC_CONSUMER, 0) : shmpc_open_sysv(&r, x->key, SHMPC_CONSUMER, 0);
    } while ((rc == SHMPC_ENOENT || rc == SHMPC_ENOTREADY) && t_now() < until);
    if (rc == SHMPC_OK) shmpc_close(&r);
    else printf("open during create: %s\n", shmpc_strerror(rc));
    _exit(rc == SHMPC_OK ? 0 : 100 - rc);
}

START_TEST(an_open_racing_create_sees_not_ready_then_the_ring) {
    _Atomic int *go = (_Atomic int *)mmap(NULL, sizeof *go, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long key = 0x5B000000L | (long)(getpid() & 0xFFFFF);
    int round, code;
    char nm[96];
    ck_assert_ptr_ne(go, MAP_FAILED);
    for (round = 0; round < RACE_ROUNDS; round++) {
        racer x;
        shmpc_ring p;
        pid_t pid;
        x.name = _i == 0 ? t_name(nm, "race") : NULL;
        x.key = key;
        x.go = go;
        if (!x.name) shmpc_unlink_sysv(key);
        atomic_store(go, 0);
        pid = spawn(racer_child, &x);
        while (!atomic_load(go)) sched_yield();
        usleep((useconds_t)(round % 7) * 50u); /* land the creator at different points of the loop */
        ck_assert_rc(race_create(&x, &p), SHMPC_OK);
        code = reap(pid);
        ck_assert_msg(code == 0, "round %d: the opener got %s", round, code ? shmpc_strerror(100 - code) : "");
        shmpc_close(&p);
        if (x.name) shmpc_unlink(x.name); else shmpc_unlink_sysv(key);
    }
    munmap((void *)go, sizeof *go);
}
END_TEST

/* Create racing create: two processes create the same name at the same moment. Exactly one gets
   the segment, the other EEXIST: never both, never ESTALE for a live creator at work, never a
   segment the winner cannot use. POSIX (_i == 0) and SysV. */
static void creator_child(void *a) {
    racer *x = (racer *)a;
    shmpc_ring r;
    int rc;
    atomic_fetch_add(x->go, 1);
    while (atomic_load(x->go) < 2) { }
    rc = race_create(x, &r);
    if (rc == SHMPC_OK) {
        rc = shmpc_try_push(&r, "x", 1) == SHMPC_OK ? SHMPC_OK : SHMPC_ECORRUPT; /* usable */
        shmpc_close(&r);
    }
    _exit(100 - rc);
}

START_TEST(a_create_racing_create_gives_one_ring_and_one_eexist) {
    _Atomic int *go = (_Atomic int *)mmap(NULL, sizeof *go, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    long key = 0x5C000000L | (long)(getpid() & 0xFFFFF);
    int round;
    char nm[96];
    ck_assert_ptr_ne(go, MAP_FAILED);
    for (round = 0; round < RACE_ROUNDS; round++) {
        racer x;
        shmpc_ring r;
        pid_t pid;
        int mine, theirs;
        x.name = _i == 0 ? t_name(nm, "twin") : NULL;
        x.key = key;
        x.go = go;
        if (!x.name) shmpc_unlink_sysv(key);
        atomic_store(go, 0);
        pid = spawn(creator_child, &x);
        atomic_fetch_add(go, 1);
        while (atomic_load(go) < 2) { }
        mine = race_create(&x, &r);
        theirs = 100 - reap(pid);
        ck_assert_msg((mine == SHMPC_OK && theirs == SHMPC_EEXIST) || (mine == SHMPC_EEXIST && theirs == SHMPC_OK),
                      "round %d: this process got %s, the other %s", round, shmpc_strerror(mine), shmpc_strerror(theirs));
        if (mine == SHMPC_OK) {
            ck_assert_rc(shmpc_try_push(&r, "x", 1), SHMPC_OK);
            shmpc_close(&r);
        }
        if (x.name) ck_assert_rc(shmpc_unlink(x.name), SHMPC_OK);
        else ck_assert_rc(shmpc_unlink_sysv(key), SHMPC_OK);
    }
    munmap((void *)go, sizeof *go);
}
END_TEST

Suite *process_suite(void) {
    Suite *s = suite_create("process");
    TCase *tc = tcase_create("cross_process");
    /* Tag "start_time": live peers must read each other's process start time as the kernel
       reports it. qemu-user fakes /proc/self/stat (its own start time, inherited across fork), so
       these peers look recycled, hence dead, there: the cross runs exclude the tag. */
    tcase_set_tags(tc, "start_time");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, a_second_producer_process_is_refused);
    tcase_add_loop_test(tc, a_blocked_consumer_process_is_woken_across_processes, 0, 2);
    tcase_add_test(tc, peers_report_another_process_and_its_death);
    suite_add_tcase(s, tc);
    tc = tcase_create("crashes");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, a_dead_producer_is_reported_after_the_drain, 0, 2);
    tcase_add_loop_test(tc, a_dead_consumer_is_reported_to_a_waiting_producer, 0, 2);
    tcase_add_test(tc, a_segment_left_by_a_crashed_creator_is_stale);
    suite_add_tcase(s, tc);
    tc = tcase_create("races");
    tcase_set_tags(tc, "start_time");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, an_open_racing_create_sees_not_ready_then_the_ring, 0, 2);
    tcase_add_loop_test(tc, a_create_racing_create_gives_one_ring_and_one_eexist, 0, 2);
    suite_add_tcase(s, tc);
    tc = tcase_create("stress");
    tcase_set_tags(tc, "start_time");
    tcase_set_timeout(tc, 150);
    tcase_add_test(tc, spsc_processes_move_ten_million_messages_intact);
    tcase_add_test(tc, mpmc_two_by_two_processes_move_ten_million_messages_intact);
    suite_add_tcase(s, tc);
    tc = tcase_create("stress_no_start");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, mpmc_processes_registered_without_start_time, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
