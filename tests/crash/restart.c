/* restart.c - fault test: kill -9 AND restart. A crashed peer is replaced and the stream goes on.

   1. A close that dies part way: a producer or consumer is killed at each named point inside
      shmpc_close (SHMPC_TEST_HOOK, defined here only), SPSC and MPMC; the survivor's timed call must
      end with SHMPC_ECLOSED or SHMPC_EPEERDEAD within 5 s, never wait on ("not attached yet").
      An attach that dies part way (attach_death, below), up to 70 times in a row: a replacement
      attaches in that role, a message goes through, and no peer-table entry is lost.
   2. Rounds: on a ring (SPSC 1+1, MPMC 2+2) a random producer or consumer is killed at a random
      point, then restarted (it attaches again: takeover), --kills times per ring, until --rounds
      kills were made. Each process draws copy, batch or zero-copy calls at random. Checked:
        - no survivor hangs (every process ends before the deadline; SHMPC_EPEERDEAD is not final:
          the survivor retries until the replacement attached);
        - every message received was sent (valid producer slot, sequence, checksum);
        - none twice, except a message delivered again after a consumer died holding it, which
          shmpc_redelivered() announced (counted; again each time its consumer dies): SPSC to the consumer that took over from one
          that died in a peek; MPMC to any consumer, after a peek or a pop that died before its
          release, and out of order (it went to the back of the queue);
        - order per producer slot kept, per consumer slot (across its incarnations), except such
          a redelivered message;
        - every acknowledged message delivered (push/commit/push_many returned OK), except, in MPMC,
          the messages a killed consumer had taken (at most its batch) and no producer delivered
          again before the stream ended (counted);
        - the stream completes: each producer slot pushes all its sequence numbers.
   Prints the counts. Usage: restart [--mode spsc|mpmc] [--rounds N] [--kills K] [--seed S] */
#define _GNU_SOURCE 1
#include <signal.h>
#include <string.h>
static const char *die_at; /* the close point at which this process kills itself */
static void hook(const char *point) {
    if (die_at && !strcmp(point, die_at)) raise(SIGKILL);
}
#define SHMPC_TEST_HOOK(point) hook(point)
#define SHMPC_IMPLEMENTATION
#include "shmpc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define FAIL(...) do { failures++; printf("FAIL: "); printf(__VA_ARGS__); printf("\n"); } while (0)

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static uint64_t mix(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}
static int reap_within(pid_t pid, int64_t ns, int *status) {
    int64_t end = now_ns() + ns;
    while (now_ns() < end) {
        if (waitpid(pid, status, WNOHANG) == pid) return 1;
        usleep(200);
    }
    return 0;
}

/* --- 1. a close that dies part way ------------------------------------------------------------ */
static void close_death(int mode, int side, const char *point) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    void *mem;
    size_t size, n;
    shmpc_ring s;
    uint32_t v = 1;
    int rc, status, i;
    pid_t pid;
    int64_t t0;
    o.capacity = 4; o.slot_size = 8; o.mode = (uint32_t)mode;
    if (shmpc_create_anon(&o, &mem, &size) != SHMPC_OK) { FAIL("create_anon"); return; }
    if (shmpc_attach(&s, mem, size, side == SHMPC_PRODUCER ? SHMPC_CONSUMER : SHMPC_PRODUCER) != SHMPC_OK) { FAIL("attach"); return; }
    pid = fork();
    if (pid == 0) {
        shmpc_ring r;
        if (shmpc_attach(&r, mem, size, side) != SHMPC_OK) _exit(1);
        if (side == SHMPC_PRODUCER) shmpc_try_push(&r, &v, 4);
        die_at = point;
        shmpc_close(&r);
        _exit(0); /* a point the close never reached: the check below fails */
    }
    if (!reap_within(pid, 5000000000LL, &status) || !WIFSIGNALED(status)) { FAIL("child did not die at %s", point); return; }
    t0 = now_ns();
    if (side == SHMPC_PRODUCER) { /* the consumer survives: the message, then the end */
        rc = shmpc_pop_timed(&s, &v, 4, &n, 5000000000LL);
        if (rc != SHMPC_OK) FAIL("%s close killed at %s: the pushed message is lost (%s)", mode == SHMPC_SPSC ? "spsc" : "mpmc", point, shmpc_strerror(rc));
        rc = shmpc_pop_timed(&s, &v, 4, &n, 5000000000LL);
    } else { /* the producer survives: it fills the ring, then must learn */
        for (i = 0; i < 8 && (rc = shmpc_push_timed(&s, &v, 4, 5000000000LL)) == SHMPC_OK; i++) {}
    }
    if (rc != SHMPC_ECLOSED && rc != SHMPC_EPEERDEAD)
        FAIL("%s %s killed inside close at %s: the survivor got %s after %.1f s", mode == SHMPC_SPSC ? "spsc" : "mpmc",
             side == SHMPC_PRODUCER ? "producer" : "consumer", point, shmpc_strerror(rc), (double)(now_ns() - t0) / 1e9);
    else
        printf("close killed at %-13s %s %-8s -> survivor: %s in %.3f s\n", point, mode == SHMPC_SPSC ? "spsc" : "mpmc",
               side == SHMPC_PRODUCER ? "producer" : "consumer", shmpc_strerror(rc), (double)(now_ns() - t0) / 1e9);
    if (strcmp(point, "close-marked")) { /* the side ended in its count: nobody attaches to it again */
        shmpc_ring again;
        rc = shmpc_attach(&again, mem, size, side);
        if (rc != SHMPC_ECLOSED) FAIL("%s %s killed inside close at %s: a new one attached to the ended side (%s)",
                                      mode == SHMPC_SPSC ? "spsc" : "mpmc", side == SHMPC_PRODUCER ? "producer" : "consumer",
                                      point, shmpc_strerror(rc));
        if (rc == SHMPC_OK) shmpc_close(&again);
    }
    shmpc_close(&s);
    shmpc_free_anon(mem, size);
}

/* --- 1b. an attach that dies part way -------------------------------------------------------------
   Killed at `point` `deaths` times in a row (each a new process): attach-counted (the role's count
   taken, no entry yet), attach-claimed (an entry busy under its pid, no field stored), attach-role
   (its role stored, its id not yet), reclaim-busy (a dead holder's entry won, busy under its pid:
   a holder that died without closing is attached and killed first). Then a replacement attaches in
   that role and a message goes through, and nothing is lost for good: the peer table holds the two
   live peers' entries and no other (60 or 70 deaths would exhaust the 64 entries otherwise), and
   the role's count is 1, except the count each MPMC attacher took before it died with no role in
   an entry of its own (all points but attach-role): nobody knows whose it is, so it stays (an
   orphan, adopted only once the count is full; README, Limits). */
static void attach_death(int mode, int side, const char *point, int deaths) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    void *mem;
    size_t size, n;
    shmpc_ring s, r;
    uint32_t v = 5, got = 0, used = 0, count, want, j;
    int rc = SHMPC_OK, status, d;
    pid_t pid;
    int64_t t0;
    const char *m = mode == SHMPC_SPSC ? "spsc" : "mpmc", *who = side == SHMPC_PRODUCER ? "producer" : "consumer";
    int busy = !strcmp(point, "reclaim-busy");
    o.capacity = 4; o.slot_size = 8; o.mode = (uint32_t)mode;
    if (shmpc_create_anon(&o, &mem, &size) != SHMPC_OK) { FAIL("create_anon"); return; }
    if (shmpc_attach(&s, mem, size, side == SHMPC_PRODUCER ? SHMPC_CONSUMER : SHMPC_PRODUCER) != SHMPC_OK) { FAIL("attach"); return; }
    for (d = 0; d < deaths; d++) {
        if (busy) { /* a holder that dies without closing: its entry is the one to reclaim */
            pid = fork();
            if (pid == 0) _exit(shmpc_attach(&r, mem, size, side) == SHMPC_OK ? 0 : 1);
            if (!reap_within(pid, 5000000000LL, &status) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                FAIL("%s %s: the holder to be reclaimed did not attach", m, who);
                return;
            }
        }
        pid = fork();
        if (pid == 0) {
            die_at = point;
            shmpc_attach(&r, mem, size, side);
            _exit(0); /* a point the attach never reached: the check below fails */
        }
        if (!reap_within(pid, 5000000000LL, &status) || !WIFSIGNALED(status)) { FAIL("%s %s: child did not die at %s", m, who, point); return; }
    }
    t0 = now_ns();
    rc = shmpc_attach(&r, mem, size, side); /* the replacement */
    if (rc == SHMPC_OK) {
        shmpc_ring *pr = side == SHMPC_PRODUCER ? &r : &s, *cr = side == SHMPC_PRODUCER ? &s : &r;
        _Atomic uint32_t *words = (_Atomic uint32_t *)mem;
        for (j = 0; j < SHMPC_MAX_PEERS; j++) used += atomic_load(&words[(0x200 + 32 * j) / 4]) != 0u;
        count = atomic_load(&words[(side == SHMPC_PRODUCER ? 0x80 : 0x84) / 4]);
        want = mode == SHMPC_MPMC && strcmp(point, "attach-role") ? 1u + (uint32_t)deaths : 1u; /* MPMC: orphans */
        if (used != 2u) FAIL("%s %s killed %d times at %s: %u peer-table entries taken after the replacement attached, not 2", m, who, deaths, point, used);
        if (count != want) FAIL("%s %s killed %d times at %s: the role's count is %u, not %u", m, who, deaths, point, count, want);
        rc = shmpc_push_timed(pr, &v, 4, 5000000000LL);
        if (rc == SHMPC_OK) rc = shmpc_pop_timed(cr, &got, 4, &n, 5000000000LL);
        if (rc == SHMPC_OK && got != v) rc = SHMPC_ECORRUPT;
        shmpc_close(&r);
    }
    if (rc != SHMPC_OK) FAIL("%s %s killed %d times inside attach at %s: the replacement got %s", m, who, deaths, point, shmpc_strerror(rc));
    else printf("attach killed %2d times at %-14s %s %-8s -> replacement attached, message through in %.3f s\n", deaths, point, m, who,
                (double)(now_ns() - t0) / 1e9);
    shmpc_close(&s);
    shmpc_free_anon(mem, size);
}

/* --- 2. kill and restart rounds ---------------------------------------------------------------- */
#define MAXP 2
#define MAXC 2
#define NMSG 3000 /* per producer slot */
#define BATCH 4
typedef struct msg { uint32_t prod, seq; uint64_t sum; } msg;
typedef struct ctrl {
    atomic_int attached[MAXP + MAXC];   /* incarnation attached (set by it, cleared by the parent) */
    atomic_uint next[MAXP];             /* producer slot: first sequence number not yet attempted */
    atomic_uchar acked[MAXP][NMSG];     /* push returned OK */
    atomic_uchar seen[MAXP][NMSG];      /* deliveries */
    atomic_uint last[MAXC][MAXP];       /* consumer slot: last sequence seen of each producer, +1 */
    atomic_int done[MAXP];              /* producer slot pushed everything and closed */
    atomic_int redelivered, peerdead, errors; /* redelivered: calls that said shmpc_redelivered() */
    int np, mpmc;
    char err[200];
} ctrl;

static void bad(ctrl *c, const char *what, uint32_t p, uint32_t s) {
    if (atomic_fetch_add(&c->errors, 1) == 0) snprintf(c->err, sizeof c->err, "%s (producer %u seq %u)", what, p, s);
}
static msg make(uint32_t p, uint32_t s, uint64_t round) { msg m = {p, s, mix(round * 7919u + p * 104729u + s)}; return m; }

/* A delivery to consumer slot `me`; redo: shmpc_redelivered() said it may be a repeat (MPMC: the
   call returned one, maybe another message of its batch). */
static void got(ctrl *c, int me, const void *buf, size_t n, int np, uint64_t round, int redo) {
    msg m, w;
    uint32_t last;
    if (n != sizeof m) { bad(c, "bad length", 0, (uint32_t)n); return; }
    memcpy(&m, buf, sizeof m);
    if (m.prod >= (uint32_t)np || m.seq >= NMSG) { bad(c, "never sent", m.prod, m.seq); return; }
    w = make(m.prod, m.seq, round);
    if (memcmp(&w, &m, sizeof m)) { bad(c, "checksum", m.prod, m.seq); return; }
    last = atomic_load(&c->last[me][m.prod]);
    /* the one a dead consumer held (and may have recorded): SPSC its predecessor, the next one;
       MPMC any consumer's, seen already or late */
    if (redo && (c->mpmc ? atomic_load(&c->seen[m.prod][m.seq]) != 0 || last > m.seq : last == m.seq + 1u)) {
        /* again each time a consumer dies holding it: bounded by the kills of a ring */
        if (atomic_fetch_add(&c->seen[m.prod][m.seq], 1) > 10) bad(c, "redelivered too often", m.prod, m.seq);
        return;
    }
    if (last > m.seq) bad(c, "order", m.prod, m.seq);
    atomic_store(&c->last[me][m.prod], m.seq + 1u);
    if (atomic_fetch_add(&c->seen[m.prod][m.seq], 1) != 0) bad(c, "duplicate", m.prod, m.seq);
}

/* After a call that returned messages: whether it said one may be a repeat (counted). */
static int flagged(ctrl *c, const shmpc_ring *r, int before) {
    int redo = c->mpmc ? shmpc_redelivered(r) : before;
    if (redo) atomic_fetch_add(&c->redelivered, 1);
    return redo;
}

static int retry(ctrl *c, int rc) { /* EPEERDEAD is not final: the other side is being restarted */
    if (rc == SHMPC_EPEERDEAD) { atomic_fetch_add(&c->peerdead, 1); usleep(1000); return 1; }
    return 0;
}

static void producer(ctrl *c, void *mem, size_t size, int me, uint64_t round, uint64_t rnd) {
    shmpc_ring r;
    int rc = shmpc_attach(&r, mem, size, SHMPC_PRODUCER);
    if (rc == SHMPC_ECLOSED && atomic_load(&c->next[me]) >= NMSG) { atomic_store(&c->done[me], 1); _exit(0); } /* killed in its close */
    if (rc != SHMPC_OK) { bad(c, shmpc_strerror(rc), (uint32_t)me, 0); _exit(1); }
    atomic_store(&c->attached[me], 1);
    for (;;) {
        uint32_t s = atomic_load(&c->next[me]), k, n;
        msg m[BATCH];
        if (s >= NMSG) break;
        rnd = mix(rnd);
        n = rnd % 3u == 2u ? 1u + (uint32_t)(rnd >> 8) % BATCH : 1u;
        if (n > NMSG - s) n = NMSG - s;
        for (k = 0; k < n; k++) m[k] = make((uint32_t)me, s + k, round);
        atomic_store(&c->next[me], s + n); /* attempted: a replacement goes on after them */
        if (rnd % 3u == 0u) { /* zero-copy */
            void *b; size_t room;
            do rc = shmpc_reserve_timed(&r, &b, &room, 5000000000LL); while (retry(c, rc));
            if (rc == SHMPC_OK) {
                memcpy(b, &m[0], sizeof m[0] / 2);
                if (rnd % 16u == 0u) usleep(200); /* widen the window between reserve and commit */
                memcpy((char *)b + sizeof m[0] / 2, (char *)&m[0] + sizeof m[0] / 2, sizeof m[0] / 2);
                rc = shmpc_commit(&r, sizeof m[0]);
            }
        } else if (rnd % 3u == 1u) { /* copy */
            do rc = shmpc_push_timed(&r, &m[0], sizeof m[0], 5000000000LL); while (retry(c, rc));
        } else { /* batch: push_many delivers a prefix */
            shmpc_iov iov[BATCH];
            uint32_t d = 0;
            for (k = 0; k < n; k++) { iov[k].base = &m[k]; iov[k].len = sizeof m[k]; }
            while (d < n) {
                do rc = shmpc_push_many_timed(&r, iov + d, n - d, 5000000000LL); while (retry(c, rc));
                if (rc < 0) break;
                for (k = d; k < d + (uint32_t)rc; k++) atomic_store(&c->acked[me][s + k], 1);
                d += (uint32_t)rc;
            }
            if (rc > 0) rc = SHMPC_OK;
        }
        if (rc != SHMPC_OK) { bad(c, shmpc_strerror(rc), (uint32_t)me, s); _exit(1); }
        for (k = 0; k < n; k++) atomic_store(&c->acked[me][s + k], 1);
    }
    { /* a supervisor's rule: the stream ends when every producer slot finished, so the last one
         to finish waits for the replacements being started (a late one would find it ended) */
        int64_t t = now_ns();
        int p, wait;
        do {
            for (wait = 0, p = 0; p < MAXP; p++) wait |= p != me && c->np > p && !atomic_load(&c->done[p]) && !atomic_load(&c->attached[p]);
            if (wait) usleep(200);
        } while (wait && now_ns() - t < 10000000000LL);
    }
    shmpc_close(&r);
    atomic_store(&c->done[me], 1);
    _exit(0);
}

static void consumer(ctrl *c, void *mem, size_t size, int me, int np, uint64_t round, uint64_t rnd) {
    shmpc_ring r;
    int rc = shmpc_attach(&r, mem, size, SHMPC_CONSUMER), p, all;
    if (rc == SHMPC_ECLOSED) _exit(0); /* its predecessor was killed in its close, at the end */
    if (rc != SHMPC_OK) { bad(c, shmpc_strerror(rc), 100u + (uint32_t)me, 0); _exit(1); }
    atomic_store(&c->attached[MAXP + me], 1);
    for (;;) {
        int redo = shmpc_redelivered(&r); /* SPSC: says it of the next message */
        rnd = mix(rnd);
        if (c->mpmc) redo = 0;            /* MPMC: of what the call returned, asked after it */
        if (rnd % 3u == 0u) { /* zero-copy: checked in place, then released */
            const void *m; size_t n;
            rc = shmpc_peek_timed(&r, &m, &n, 5000000000LL);
            if (rc == SHMPC_OK) redo = flagged(c, &r, redo);
            if (rc == SHMPC_OK) { got(c, me, m, n, np, round, redo); if (rnd % 64u == 0u) usleep(50); rc = shmpc_release(&r); }
        } else if (rnd % 3u == 1u) {
            msg m; size_t n;
            rc = shmpc_pop_timed(&r, &m, sizeof m, &n, 5000000000LL);
            if (rc == SHMPC_OK) got(c, me, &m, n, np, round, flagged(c, &r, redo));
        } else {
            msg m[BATCH];
            shmpc_iov iov[BATCH];
            int k;
            for (k = 0; k < BATCH; k++) { iov[k].base = &m[k]; iov[k].len = sizeof m[k]; }
            rc = shmpc_pop_many_timed(&r, iov, 1u + (size_t)(rnd >> 8) % BATCH, 5000000000LL);
            if (rc > 0) redo = flagged(c, &r, redo);
            for (k = 0; k < rc; k++) got(c, me, &m[k], iov[k].len, np, round, c->mpmc ? redo : redo && k == 0);
            if (rc > 0) rc = SHMPC_OK;
        }
        if (rc == SHMPC_OK) continue;
        for (all = 1, p = 0; p < np; p++) all &= atomic_load(&c->done[p]);
        if (rc == SHMPC_ECLOSED || (rc == SHMPC_EPEERDEAD && all)) break; /* every producer slot finished */
        if (retry(c, rc)) continue;
        bad(c, shmpc_strerror(rc), 100u + (uint32_t)me, 0);
        _exit(1);
    }
    shmpc_close(&r);
    _exit(0);
}

static int alive_any(const int *alive, int n) {
    int i, a = 0;
    for (i = 0; i < n; i++) a |= alive[i];
    return a;
}

static pid_t start(ctrl *c, void *mem, size_t size, int i, int np, uint64_t round, uint64_t rnd) {
    pid_t pid;
    atomic_store(&c->attached[i < np ? i : MAXP + i - np], 0);
    pid = fork();
    if (pid == 0) {
        if (i < np) producer(c, mem, size, i, round, rnd);
        consumer(c, mem, size, i - np, np, round, rnd);
    }
    return pid;
}

int main(int argc, char **argv) {
    int mpmc = 0, rounds = 1000, kills = 10, i, np, nc, kill_prod = 0, kill_cons = 0, rings = 0, made = 0;
    int hangs = 0, lost_unacked = 0, lost_taken = 0, redelivered = 0, peerdead = 0;
    uint64_t seed = (uint64_t)time(NULL);
    int64_t t0 = now_ns();
    ctrl *c;
    uint32_t counters[5] = {0, 0, 0, 0, 0};
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc) mpmc = !strcmp(argv[++i], "mpmc");
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--kills") && i + 1 < argc) kills = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 0);
        else { fprintf(stderr, "usage: %s [--mode spsc|mpmc] [--rounds N] [--kills K] [--seed S]\n", argv[0]); return 2; }
    }
    if (kills < 1) kills = 1;
    printf("restart %s: seed %llu\n", mpmc ? "mpmc" : "spsc", (unsigned long long)seed);
    {   /* 1. every close point, both sides */
        static const char *points[] = {"close-marked", "close-counted", "close-ended"};
        int pt;
        for (pt = 0; pt < 3; pt++) {
            close_death(mpmc ? SHMPC_MPMC : SHMPC_SPSC, SHMPC_PRODUCER, points[pt]);
            close_death(mpmc ? SHMPC_MPMC : SHMPC_SPSC, SHMPC_CONSUMER, points[pt]);
        }
        static const char *apoints[] = {"attach-counted", "attach-claimed", "attach-role", "reclaim-busy"};
        for (pt = 0; pt < 4; pt++) {
            int deaths = pt == 0 ? 1 : mpmc && pt != 2 ? 60 : 70; /* MPMC: the orphaned counts stay below 64 */
            attach_death(mpmc ? SHMPC_MPMC : SHMPC_SPSC, SHMPC_PRODUCER, apoints[pt], deaths);
            attach_death(mpmc ? SHMPC_MPMC : SHMPC_SPSC, SHMPC_CONSUMER, apoints[pt], deaths);
        }
    }
    np = mpmc ? 2 : 1;
    nc = mpmc ? 2 : 1;
    c = (ctrl *)mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED) { perror("mmap"); return 1; }
    while ((made = kill_prod + kill_cons) < rounds) {
        shmpc_opts o = SHMPC_OPTS_INIT;
        void *mem; size_t size;
        pid_t pids[MAXP + MAXC];
        int n = np + nc, k, left, st, cons_killed = 0, prod_killed = 0, hung = 0, alive[MAXP + MAXC];
        uint64_t rs = mix(seed + (uint64_t)rings), round = seed + (uint64_t)rings;
        int64_t deadline;
        memset(c, 0, sizeof *c);
        c->np = np;
        c->mpmc = mpmc;
        o.capacity = mpmc ? 8u : 16u; o.slot_size = (uint32_t)sizeof(msg); o.mode = mpmc ? SHMPC_MPMC : SHMPC_SPSC;
        o.start_index = (uint32_t)(0u - (uint32_t)(rs % 5000u)); /* cross the index wrap */
        if (shmpc_create_anon(&o, &mem, &size) != SHMPC_OK) { printf("create_anon failed\n"); return 1; }
        for (i = 0; i < n; i++) { pids[i] = start(c, mem, size, i, np, round, mix(rs + (uint64_t)i)); alive[i] = 1; }
        for (k = 0; k < kills && kill_prod + kill_cons < rounds; k++) {
            int vi, w;
            int64_t t = now_ns();
            rs = mix(rs);
            vi = (int)(rs % (uint64_t)n);
            if (!alive[vi]) { if (!alive_any(alive, n)) break; continue; } /* it had finished */
            while (!atomic_load(&c->attached[vi < np ? vi : MAXP + vi - np]) && now_ns() - t < 5000000000LL) usleep(100);
            usleep((useconds_t)((rs >> 16) % 2000u)); /* a random point of its work */
            atomic_store(&c->attached[vi < np ? vi : MAXP + vi - np], 0); /* a restart is under way */
            kill(pids[vi], SIGKILL);
            if (!reap_within(pids[vi], 5000000000LL, &st)) { printf("ring %d: victim %d not reaped\n", rings, vi); hung++; break; }
            alive[vi] = 0;
            if (WIFEXITED(st)) { if (!alive_any(alive, n)) break; continue; } /* it had finished: no kill */
            if (vi < np) { kill_prod++; prod_killed++; } else { kill_cons++; cons_killed++; }
            w = vi;
            pids[w] = start(c, mem, size, w, np, round, mix(rs + 99u));
            alive[w] = 1;
        }
        deadline = now_ns() + 30000000000LL;
        for (left = 0, i = 0; i < n; i++) left += alive[i];
        while (left > 0 && now_ns() < deadline) {
            pid_t w = waitpid(-1, &st, WNOHANG);
            if (w <= 0) { usleep(500); continue; }
            for (i = 0; i < n; i++)
                if (alive[i] && pids[i] == w) {
                    left--;
                    alive[i] = 0;
                    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { printf("ring %d: process %d ended badly (%d)\n", rings, i, st); failures++; }
                }
        }
        if (left > 0) {
            printf("ring %d: HANG: %d processes still running after 30 s\n", rings, left);
            hangs++;
            for (i = 0; i < n; i++) if (alive[i]) kill(pids[i], SIGKILL);
            while (waitpid(-1, NULL, 0) > 0) {}
        }
        hangs += hung;
        if (atomic_load(&c->errors)) { printf("ring %d: %s\n", rings, c->err); failures++; }
        redelivered += atomic_load(&c->redelivered);
        peerdead += atomic_load(&c->peerdead);
        for (i = 0; i < np; i++) if (atomic_load(&c->next[i]) < NMSG) { printf("ring %d: producer slot %d stopped at %u\n", rings, i, atomic_load(&c->next[i])); failures++; }
        { /* delivery accounting */
            uint32_t p, s;
            int unacked = 0, taken = 0;
            for (p = 0; p < (uint32_t)np; p++)
                for (s = 0; s < atomic_load(&c->next[p]); s++) {
                    int a = atomic_load(&c->acked[p][s]), d = atomic_load(&c->seen[p][s]) != 0;
                    if (a && !d) taken++;       /* acknowledged, not recorded by a consumer */
                    if (!a && !d) unacked++;    /* attempted by a killed producer, not delivered */
                }
            if (taken > cons_killed * BATCH) { /* received by a killed consumer before it recorded them */
                printf("ring %d: %d acknowledged messages not delivered (%d consumers killed)\n", rings, taken, cons_killed);
                failures++;
            }
            if (unacked > prod_killed * BATCH) { /* only a killed producer's last attempt may be lost */
                printf("ring %d: %d unacknowledged messages lost (%d producers killed)\n", rings, unacked, prod_killed);
                failures++;
            }
            lost_taken += taken;
            lost_unacked += unacked;
        }
        {
            uint32_t w[5];
            memcpy(w, (char *)mem + 0x44, sizeof w);
            for (i = 0; i < 5; i++) counters[i] += w[i];
        }
        shmpc_free_anon(mem, size);
        rings++;
    }
    printf("restart %s: %d kill-and-restart rounds on %d rings (%d producers, %d consumers killed), %d messages per "
           "producer slot; calls that said redelivered %d, survivors' EPEERDEAD retried %d, unacknowledged lost %d, acknowledged "
           "not recorded by a killed consumer %d; ring counters: takeovers %u, skipped %u, freed %u, redelivered %u, "
           "reclaimed %u; hangs %d; %.1f s: %d failures\n",
           mpmc ? "mpmc" : "spsc", kill_prod + kill_cons, rings, kill_prod, kill_cons, NMSG, redelivered,
           peerdead, lost_unacked, lost_taken, counters[0], counters[1], counters[2], counters[3],
           counters[4], hangs, (double)(now_ns() - t0) / 1e9, failures + hangs);
    return failures + hangs ? 1 : 0;
}
