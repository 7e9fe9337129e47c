/* kill.c - fault test: kill -9 one producer or consumer at a random point, many rounds.

   Each round forks producers and consumers on a fresh anonymous ring (SPSC: 1 + 1; MPMC: 2 + 2),
   waits until every one has attached, lets the stream run for a random time, sends SIGKILL to one
   random process, and then requires, within a deadline:
     - no survivor hangs (all exit before the deadline);
     - every message a consumer got was sent (valid producer, sequence < N, checksum and filler
       intact), none twice (a shared byte per message, counted atomically), and per producer the
       sequence numbers a consumer sees only increase, except an MPMC message delivered again after
       a consumer died holding it, which shmpc_redelivered() flags (it may arrive late, and twice);
     - the survivors end cleanly: producers finish or get SHMPC_EPEERDEAD / SHMPC_ECLOSED,
       consumers drain to SHMPC_ECLOSED or get SHMPC_EPEERDEAD;
     - nothing acknowledged is lost: when every consumer survived, each producer's delivered
       messages are exactly its sequence numbers 0..d-1 with acked <= d <= acked + 1 (acked: pushes
       that returned SHMPC_OK before the kill; the +1 is a push that completed but whose
       acknowledgement the dead producer had not recorded yet); a producer that was not killed has
       all N delivered. When an MPMC consumer was killed, at most the one message it held is lost
       (it is delivered again if a producer needed its slot before the end).
   Every process waits, after it attached, until all have (a supervisor's start): a pair that ran
   the whole stream before a slow sibling attached would have ended its side, and the sibling
   would rightly get SHMPC_ECLOSED.
   Usage: kill [--mode spsc|mpmc] [--rounds N] [--seed S] [--msgs N] [--deadline S] */
#define SHMPC_IMPLEMENTATION
#include "shmpc.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXP 2
#define MAXC 2
#define MAXN 4000
static int64_t DEADLINE_NS = 20000000000LL; /* --deadline S */

typedef struct ctrl {
    atomic_uint attached;
    unsigned n;                       /* processes in the round */
    atomic_uint acked[MAXP];          /* pushes acknowledged (returned OK) */
    atomic_int  in_zone[MAXP + MAXC]; /* between reserve and commit / peek and release */
    atomic_int  rc[MAXP + MAXC];      /* final return code of each process */
    atomic_int  errors;               /* consumer-side violations */
    atomic_int  redelivered;          /* messages flagged by shmpc_redelivered() */
    char err[256];
    atomic_uchar seen[MAXP][MAXN];    /* deliveries of each message */
} ctrl;

static uint64_t mix(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}

typedef struct msg { uint32_t prod, seq; uint64_t sum; unsigned char fill[16]; } msg;

static size_t make_msg(msg *m, uint32_t p, uint32_t seq, uint64_t round) {
    uint64_t h = mix(round * 1000003u + p * 7919u + seq);
    size_t extra = (size_t)(h % 17u), i;
    m->prod = p; m->seq = seq; m->sum = h;
    for (i = 0; i < extra; i++) m->fill[i] = (unsigned char)(h >> (i % 8 * 8));
    return offsetof(msg, fill) + extra;
}

static void fail(ctrl *c, const char *what, uint32_t p, uint32_t s) {
    if (atomic_fetch_add(&c->errors, 1) == 0) snprintf(c->err, sizeof c->err, "%s (producer %u seq %u)", what, p, s);
}

/* redo: shmpc_redelivered() said the message may have been delivered before (MPMC) */
static void check_msg(ctrl *c, const void *buf, size_t n, uint32_t nmsg, int np, uint64_t round, uint32_t *last, int redo) {
    msg m, want;
    size_t wn;
    if (n < offsetof(msg, fill) || n > sizeof m) { fail(c, "bad length", 0, (uint32_t)n); return; }
    memcpy(&m, buf, n);
    if (m.prod >= (uint32_t)np || m.seq >= nmsg) { fail(c, "message never sent", m.prod, m.seq); return; }
    wn = make_msg(&want, m.prod, m.seq, round);
    if (wn != n || memcmp(&want, &m, n) != 0) { fail(c, "checksum/filler mismatch", m.prod, m.seq); return; }
    if (redo) { /* a dead consumer's: out of order, maybe seen */
        if (atomic_fetch_add(&c->seen[m.prod][m.seq], 1) > 1) fail(c, "redelivered twice", m.prod, m.seq);
        atomic_fetch_add(&c->redelivered, 1);
        return;
    }
    if (last[m.prod] != UINT32_MAX && m.seq <= last[m.prod]) fail(c, "order broken", m.prod, m.seq);
    last[m.prod] = m.seq;
    if (atomic_fetch_add(&c->seen[m.prod][m.seq], 1) != 0) fail(c, "duplicate", m.prod, m.seq);
}

/* Counts this process attached, then waits (at most 5 s) until every process of the round has. */
static void all_attached(ctrl *c) {
    int k;
    atomic_fetch_add(&c->attached, 1);
    for (k = 0; k < 50000 && atomic_load(&c->attached) < c->n; k++) usleep(100);
}

static void producer(ctrl *c, void *mem, size_t size, int me, uint32_t nmsg, uint64_t round) {
    shmpc_ring r;
    uint64_t rnd = mix(round ^ (uint64_t)(me + 1) << 40);
    uint32_t i;
    int rc = shmpc_attach(&r, mem, size, SHMPC_PRODUCER);
    if (rc) { atomic_store(&c->rc[me], 1000 + rc); _exit(1); }
    all_attached(c);
    for (i = 0; i < nmsg; i++) {
        msg m;
        size_t n = make_msg(&m, (uint32_t)me, i, round);
        rnd = mix(rnd);
        if (rnd % 3u == 0u) { /* zero-copy: reserve, fill, commit */
            void *buf; size_t room;
            rc = shmpc_reserve_timed(&r, &buf, &room, SHMPC_FOREVER);
            if (rc == SHMPC_OK) {
                atomic_store(&c->in_zone[me], 1);
                memcpy(buf, &m, n / 2);
                if (rnd % 64u == 0u) usleep(50); /* widen the window between reserve and commit */
                memcpy((char *)buf + n / 2, (char *)&m + n / 2, n - n / 2);
                rc = shmpc_commit(&r, n);
                atomic_store(&c->in_zone[me], 0);
            }
        } else {
            rc = shmpc_push(&r, &m, n);
        }
        if (rc != SHMPC_OK) break;
        atomic_store(&c->acked[me], i + 1u);
    }
    atomic_store(&c->rc[me], rc);
    shmpc_close(&r);
    _exit(0);
}

static void consumer(ctrl *c, void *mem, size_t size, int me, int np, uint32_t nmsg, uint64_t round) {
    shmpc_ring r;
    uint32_t last[MAXP];
    uint64_t rnd = mix(round ^ (uint64_t)(me + 17) << 40);
    int rc = shmpc_attach(&r, mem, size, SHMPC_CONSUMER), k;
    if (rc) { atomic_store(&c->rc[MAXP + me], 1000 + rc); _exit(1); }
    for (k = 0; k < MAXP; k++) last[k] = UINT32_MAX;
    all_attached(c);
    for (;;) {
        rnd = mix(rnd);
        if (rnd % 3u == 0u) { /* zero-copy: peek, check in place, release */
            const void *p; size_t n;
            rc = shmpc_peek_timed(&r, &p, &n, SHMPC_FOREVER);
            if (rc != SHMPC_OK) break;
            atomic_store(&c->in_zone[MAXP + me], 1);
            check_msg(c, p, n, nmsg, np, round, last, shmpc_redelivered(&r));
            if (rnd % 64u == 0u) usleep(50);
            rc = shmpc_release(&r);
            atomic_store(&c->in_zone[MAXP + me], 0);
            if (rc != SHMPC_OK) { fail(c, "release failed", 0, 0); break; }
        } else {
            msg m; size_t n;
            rc = shmpc_pop(&r, &m, sizeof m, &n);
            if (rc != SHMPC_OK) break;
            check_msg(c, &m, n, nmsg, np, round, last, shmpc_redelivered(&r));
        }
    }
    atomic_store(&c->rc[MAXP + me], rc);
    shmpc_close(&r);
    _exit(0);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    int mpmc = 0, rounds = 200, round, i, np, nc, bad = 0, hit = 0, zone_hits = 0, prod_kills = 0, cons_kills = 0;
    int peerdead = 0, lost_held = 0, mid = 0, redelivered = 0;
    uint32_t nmsg = 2000;
    uint64_t seed = (uint64_t)time(NULL);
    int64_t t0 = now_ns(), worst = 0;
    ctrl *c;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc) mpmc = !strcmp(argv[++i], "mpmc");
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--msgs") && i + 1 < argc) nmsg = (uint32_t)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--deadline") && i + 1 < argc) DEADLINE_NS = (int64_t)atoi(argv[++i]) * 1000000000;
        else { fprintf(stderr, "usage: %s [--mode spsc|mpmc] [--rounds N] [--seed S] [--msgs N] [--deadline S]\n", argv[0]); return 2; }
    }
    if (nmsg == 0 || nmsg > MAXN) nmsg = MAXN;
    np = mpmc ? 2 : 1;
    nc = mpmc ? 2 : 1;
    c = (ctrl *)mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED) { perror("mmap"); return 1; }
    printf("kill %s: %d rounds, %u messages per producer, seed %llu\n", mpmc ? "mpmc" : "spsc", rounds, nmsg,
           (unsigned long long)seed);
    for (round = 0; round < rounds; round++) {
        shmpc_opts o = SHMPC_OPTS_INIT;
        void *mem; size_t size;
        pid_t pids[MAXP + MAXC];
        int alive[MAXP + MAXC], n = np + nc, victim, vi, left, rc, hung = 0, zone;
        uint64_t rs = mix(seed + (uint64_t)round);
        int64_t start, deadline, took;
        memset(c, 0, sizeof *c);
        c->n = (unsigned)n;
        o.capacity = mpmc ? 8u : 16u;
        o.slot_size = (uint32_t)sizeof(msg);
        o.mode = mpmc ? SHMPC_MPMC : SHMPC_SPSC;
        o.start_index = (uint32_t)(0u - (uint32_t)(rs % 3000u)); /* cross the index wrap */
        if ((rc = shmpc_create_anon(&o, &mem, &size)) != SHMPC_OK) { printf("create_anon: %s\n", shmpc_strerror(rc)); return 1; }
        for (i = 0; i < n; i++) {
            pids[i] = fork();
            if (pids[i] < 0) { perror("fork"); return 1; }
            if (pids[i] == 0) {
                if (i < np) producer(c, mem, size, i, nmsg, seed + (uint64_t)round);
                else consumer(c, mem, size, i - np, np, nmsg, seed + (uint64_t)round);
            }
            alive[i] = 1;
        }
        /* kill only once everyone has attached: a side that never attached is waited for */
        start = now_ns();
        while (atomic_load(&c->attached) < (unsigned)n && now_ns() - start < 5000000000LL) usleep(100);
        vi = (int)(rs % (uint64_t)n);
        victim = vi < np ? 0 : 1;
        usleep((useconds_t)((rs >> 16) % 3000u));
        zone = 0;
        if (kill(pids[vi], SIGKILL) == 0) {
            /* did it die inside a reserve/commit or peek/release window? (best effort) */
            zone = atomic_load(&c->in_zone[vi < np ? vi : MAXP + vi - np]);
        }
        start = now_ns();
        deadline = start + DEADLINE_NS;
        left = n;
        while (left > 0) {
            int st;
            pid_t w = waitpid(-1, &st, WNOHANG);
            if (w > 0) {
                for (i = 0; i < n; i++)
                    if (pids[i] == w) {
                        alive[i] = 0;
                        left--;
                        if (i == vi && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) hit++;
                        else if (i != vi && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
                            printf("round %d: process %d ended badly (status %d)\n", round, i, st);
                            bad++;
                        }
                    }
                continue;
            }
            if (now_ns() > deadline) { hung = 1; break; }
            usleep(200);
        }
        took = now_ns() - start;
        if (took > worst) worst = took;
        if (hung) {
            printf("round %d: HANG (survivors still running after %lld s; victim %d)\n", round,
                   (long long)(DEADLINE_NS / 1000000000), vi);
            for (i = 0; i < n; i++) if (alive[i]) { kill(pids[i], SIGKILL); waitpid(pids[i], NULL, 0); }
            bad++;
            shmpc_free_anon(mem, size);
            continue;
        }
        zone_hits += zone;
        if (vi < np) { uint32_t a = atomic_load(&c->acked[vi]); mid += a > 0u && a < nmsg; }
        if (victim == 0) prod_kills++; else cons_kills++;
        if (atomic_load(&c->errors)) { printf("round %d: consumer check failed: %s\n", round, c->err); bad++; }
        for (i = 0; i < n; i++) {
            int r2 = atomic_load(&c->rc[i < np ? i : MAXP + i - np]);
            if (i == vi) continue;
            if (i < np ? !(r2 == SHMPC_OK || r2 == SHMPC_EPEERDEAD || r2 == SHMPC_ECLOSED)
                       : !(r2 == SHMPC_ECLOSED || r2 == SHMPC_EPEERDEAD)) {
                printf("round %d: survivor %d ended with %d (%s)\n", round, i, r2, shmpc_strerror(r2));
                bad++;
            }
            peerdead += r2 == SHMPC_EPEERDEAD;
        }
        /* delivery accounting */
        {
            uint32_t total = 0, p, s;
            for (p = 0; p < (uint32_t)np; p++) {
                uint32_t d = 0, acked = atomic_load(&c->acked[p]);
                int prefix = 1;
                for (s = 0; s < nmsg; s++) {
                    if (atomic_load(&c->seen[p][s])) { if (s != d) prefix = 0; d++; }
                }
                total += d;
                if (victim == 0) { /* every consumer survived and drained */
                    int killed = (int)p == vi;
                    if (!prefix || d < acked || d > acked + (killed ? 1u : 0u) || (!killed && d != nmsg)) {
                        printf("round %d: producer %u: delivered %u (prefix %d), acked %u%s\n", round, p, d, prefix,
                               acked, killed ? " (killed)" : "");
                        bad++;
                    }
                }
            }
            if (victim == 1 && mpmc) { /* the other consumer drained: at most the held message lost */
                uint32_t sent = nmsg * (uint32_t)np;
                if (total + 1u < sent) { printf("round %d: %u of %u delivered after a consumer died\n", round, total, sent); bad++; }
                lost_held += total < sent;
            }
            redelivered += atomic_load(&c->redelivered);
        }
        shmpc_free_anon(mem, size);
    }
    printf("kill %s: %d rounds (%d producers killed, %d consumers killed; %d kills landed, %d inside "
           "reserve/commit or peek/release; %d producers killed mid-stream), survivors' EPEERDEAD %d, held messages lost %d, delivered again (flagged) %d, slowest round "
           "%.2f s, %.1f s total: %d failures\n",
           mpmc ? "mpmc" : "spsc", rounds, prod_kills, cons_kills, hit, zone_hits, mid, peerdead, lost_held, redelivered,
           (double)worst / 1e9, (double)(now_ns() - t0) / 1e9, bad);
    return bad ? 1 : 0;
}
