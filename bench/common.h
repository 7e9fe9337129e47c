/* bench/common.h - the harness shared by bench.c (C) and bench_boost.cpp (C++).
   Every benchmark runs its producers and consumers as separate processes (fork), each pinned to its
   own core when the machine has 2 or more, released together by a start barrier in shared memory.
   Every message carries a tag (producer << 40 | sequence number) and stamps derived from it; each
   consumer checks the stamps, counts and sums the tags, and the parent compares the totals with what
   was sent: a transport that drops, duplicates or garbles messages reports FAIL, never a figure. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define bh_pause() _mm_pause()
#else
#define bh_pause() ((void)0)
#endif

#define BH_MAXP 16
#define BH_POISON (~(uint64_t)0)

typedef struct bh_shared {
    int ready, go, nfail;
    int64_t t0[BH_MAXP], t1[BH_MAXP];          /* producers' start, consumers' end (ns) */
    uint64_t count[BH_MAXP], sum[BH_MAXP], bad[BH_MAXP];
    uint64_t taken;                            /* messages the consumers took, all together (batches) */
    char why[256];
    int64_t lat[1];                            /* latency samples follow (sized at bh_init) */
} bh_shared;

static bh_shared *bh;
static int bh_ncpu, bh_cpus[256];

static int64_t bh_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void bh_die(const char *fmt, const char *what) {
    printf("FAIL ");
    printf(fmt, what);
    printf("\n");
    fflush(stdout);
    exit(2);
}

/* A child reports a failure: the parent prints it and no figure. A run of one process (bh_solo)
   has no parent to print it: it prints its own. */
static int bh_solo;
static void bh_fail(const char *what) {
    if (bh_solo) {
        printf("FAIL %s\n", what);
        fflush(stdout);
    }
    if (__atomic_fetch_add(&bh->nfail, 1, __ATOMIC_SEQ_CST) == 0)
        snprintf(bh->why, sizeof bh->why, "%s", what);
    _exit(3);
}

/* Shared area with room for nlat latency samples. */
static void bh_init(size_t nlat) {
    cpu_set_t set;
    int i;
    size_t sz = sizeof(bh_shared) + nlat * sizeof(int64_t);
    void *m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) bh_die("mmap: %s", strerror(errno));
    bh = (bh_shared *)m;
    memset(bh, 0, sizeof *bh);
    bh_ncpu = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (i = 0; i < CPU_SETSIZE && bh_ncpu < 256; i++)
            if (CPU_ISSET(i, &set)) bh_cpus[bh_ncpu++] = i;
}

static void bh_pin(int slot) {
    cpu_set_t set;
    if (bh_ncpu < 2) return;
    CPU_ZERO(&set);
    CPU_SET(bh_cpus[slot % bh_ncpu], &set);
    sched_setaffinity(0, sizeof set, &set);
}

/* Fork a child pinned to cpu slot `slot`; it runs fn(idx, arg) and exits. */
typedef void (*bh_fn)(int idx, void *arg);
static pid_t bh_spawn(int slot, bh_fn fn, int idx, void *arg) {
    pid_t pid;
    fflush(stdout);
    pid = fork();
    if (pid < 0) bh_die("fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        bh_pin(slot);
        fn(idx, arg);
        _exit(0);
    }
    return pid;
}

/* Child side of the start barrier. */
static void bh_start(void) {
    __atomic_fetch_add(&bh->ready, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&bh->go, __ATOMIC_ACQUIRE)) usleep(50);
}

/* Parent: release n children when all are ready, then reap them. 0 if all exited cleanly. */
static int bh_run(pid_t *pids, int n) {
    int i, bad = 0, st;
    while (__atomic_load_n(&bh->ready, __ATOMIC_ACQUIRE) < n) usleep(100);
    usleep(2000);
    __atomic_store_n(&bh->go, 1, __ATOMIC_RELEASE);
    for (i = 0; i < n; i++) {
        if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) bad = 1;
    }
    return bad;
}

/* ---- message stamps --------------------------------------------------------------------------- */
static inline uint64_t bh_mix(uint64_t x) {
    x ^= x >> 31;
    x *= 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 29);
}
static inline uint64_t bh_tag(int producer, uint64_t seq) { return (uint64_t)producer << 40 | seq; }

/* Writes the tag in the first word, its mix in the last and one word per 4 KiB page between. */
static inline void bh_stamp(unsigned char *p, size_t n, uint64_t tag) {
    size_t o;
    memcpy(p, &tag, 8);
    if (n >= 16) {
        uint64_t m = bh_mix(tag);
        memcpy(p + n - 8, &m, 8);
        for (o = 4096; o + 16 <= n; o += 4096) {
            uint64_t v = m + o;
            memcpy(p + o, &v, 8);
        }
    }
}

/* Checks the stamps of a received message of n bytes; returns its tag, sets *ok = 0 if wrong. */
static inline uint64_t bh_check(const unsigned char *p, size_t n, int *ok) {
    uint64_t tag, m, v;
    size_t o;
    memcpy(&tag, p, 8);
    if (n >= 16 && tag != BH_POISON) {
        m = bh_mix(tag);
        memcpy(&v, p + n - 8, 8);
        if (v != m) *ok = 0;
        for (o = 4096; o + 16 <= n; o += 4096) {
            memcpy(&v, p + o, 8);
            if (v != m + o) *ok = 0;
        }
    }
    return tag;
}

/* A consumer's bookkeeping. */
typedef struct bh_rx { uint64_t count, sum, bad, next; int order; } bh_rx;
static inline void bh_rx_msg(bh_rx *x, const unsigned char *p, size_t n, size_t want) {
    int ok = n == want;
    uint64_t tag = bh_check(p, n, &ok);
    if (x->order && tag != x->next) ok = 0; /* one producer: exact order */
    x->next = tag + 1;
    x->count++;
    x->sum += tag;
    x->bad += !ok;
}
static void bh_rx_done(int idx, const bh_rx *x) {
    bh->t1[idx] = bh_now();
    bh->count[idx] = x->count;
    bh->sum[idx] = x->sum;
    bh->bad[idx] = x->bad;
}

/* Parent: check what P producers of n messages each should have delivered to C consumers and print
   the figure line. */
static int bh_report(int failed, int P, int C, uint64_t n, size_t size) {
    uint64_t cnt = 0, sum = 0, bad = 0, want = 0;
    int64_t t0 = INT64_MAX, t1 = 0;
    int i;
    for (i = 0; i < P; i++) {
        want += n * ((uint64_t)i << 40) + n * (n - 1) / 2;
        if (bh->t0[i] < t0) t0 = bh->t0[i];
    }
    for (i = 0; i < C; i++) {
        cnt += bh->count[i];
        sum += bh->sum[i];
        bad += bh->bad[i];
        if (bh->t1[i] > t1) t1 = bh->t1[i];
    }
    if (failed || bh->nfail) {
        printf("FAIL %s\n", bh->nfail ? bh->why : "a child process failed");
        return 1;
    }
    if (cnt != n * (uint64_t)P || sum != want || bad) {
        printf("FAIL verification: received %llu of %llu messages, checksum %s, %llu bad\n",
               (unsigned long long)cnt, (unsigned long long)(n * (uint64_t)P),
               sum == want ? "ok" : "WRONG", (unsigned long long)bad);
        return 1;
    }
    printf("ok ns=%lld msgs=%llu bytes=%llu\n", (long long)(t1 - t0), (unsigned long long)cnt,
           (unsigned long long)(cnt * size));
    return 0;
}

/* ---- latency samples ---------------------------------------------------------------------------- */
static int bh_cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}
static void bh_report_lat(int failed, int64_t *s, size_t n) {
    double mean = 0;
    size_t i;
    if (failed || bh->nfail || n == 0) {
        printf("FAIL %s\n", bh->nfail ? bh->why : "a child process failed");
        return;
    }
    qsort(s, n, sizeof *s, bh_cmp64);
    for (i = 0; i < n; i++) mean += (double)s[i];
    mean /= (double)n;
    printf("ok p50=%lld p99=%lld p999=%lld max=%lld mean=%.1f n=%zu\n", (long long)s[n / 2],
           (long long)s[(size_t)((double)n * 0.99)], (long long)s[(size_t)((double)n * 0.999)],
           (long long)s[n - 1], mean, n);
}

/* Cycle counter for round trips, calibrated against CLOCK_MONOTONIC (ns = ticks * bh_tsc_ns). */
static double bh_tsc_ns = 1.0;
#if defined(__x86_64__) || defined(__i386__)
static inline uint64_t bh_ticks(void) { return __rdtsc(); }
static void bh_calibrate(void) {
    int64_t a = bh_now(), b;
    uint64_t x = bh_ticks(), y;
    do b = bh_now(); while (b - a < 20000000);
    y = bh_ticks();
    bh_tsc_ns = (double)(b - a) / (double)(y - x);
}
#else
static inline uint64_t bh_ticks(void) { return (uint64_t)bh_now(); }
static void bh_calibrate(void) {}
#endif

#endif
