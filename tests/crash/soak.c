/* soak.c - many messages across processes, with checksums: 0 lost, 0 duplicated, 0 corrupted.

   Producers and consumers are forked processes on one anonymous ring. Each message carries its
   producer, a sequence number and a checksum of both. Producers alternate single pushes,
   batches and reserve/commit; consumers alternate single pops, batches and peek/release. Each
   consumer checks every checksum and that each producer's sequence numbers only increase (SPSC:
   increase by exactly 1); per producer it sums the count, the sequence numbers and a hash of them.
   The parent adds the consumers' sums up: they must equal the sums of exactly the messages sent
   (count, sum and hash-sum all equal: none lost, none twice).
   Usage: soak [--mode spsc|mpmc] [--producers P] [--consumers C] [--msgs N (total)] [--capacity K] */
#define SHMPC_IMPLEMENTATION
#include "shmpc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXP 8
#define MAXC 8

typedef struct msg { uint32_t prod, seq; uint64_t sum; } msg;
typedef struct acc { uint64_t count, seqsum, hashsum, bad_sum, bad_order, other; } acc;
typedef struct ctrl { acc a[MAXC][MAXP]; int rc[MAXP + MAXC]; } ctrl;

static uint64_t mix(uint64_t x) {
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL; x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL; x ^= x >> 33;
    return x;
}
static uint64_t csum(uint32_t p, uint32_t s) { return mix((uint64_t)p << 32 | s) ^ 0x5eed; }

static void producer(ctrl *c, void *mem, size_t size, uint32_t me, uint32_t n) {
    shmpc_ring r;
    uint32_t i = 0;
    int rc = shmpc_attach(&r, mem, size, SHMPC_PRODUCER);
    if (rc) { c->rc[me] = rc; _exit(1); }
    while (i < n && rc >= 0) {
        uint32_t kind = (i >> 10) % 3u; /* runs of 1024 messages of each kind */
        if (kind == 0) {
            msg m = {me, i, csum(me, i)};
            rc = shmpc_push(&r, &m, sizeof m);
            if (rc == SHMPC_OK) i++;
        } else if (kind == 1) {
            msg m[32]; shmpc_iov v[32]; uint32_t k, cnt = n - i < 32u ? n - i : 32u;
            for (k = 0; k < cnt; k++) { m[k].prod = me; m[k].seq = i + k; m[k].sum = csum(me, i + k); v[k].base = &m[k]; v[k].len = sizeof m[k]; }
            rc = shmpc_push_many_timed(&r, v, cnt, SHMPC_FOREVER);
            if (rc > 0) i += (uint32_t)rc;
        } else {
            void *b; size_t room;
            rc = shmpc_reserve_timed(&r, &b, &room, SHMPC_FOREVER);
            if (rc == SHMPC_OK) {
                msg m = {me, i, csum(me, i)};
                memcpy(b, &m, sizeof m);
                rc = shmpc_commit(&r, sizeof m);
                if (rc == SHMPC_OK) i++;
            }
        }
    }
    c->rc[me] = rc < 0 ? rc : 0;
    shmpc_close(&r);
    _exit(0);
}

static void take(acc *a, uint32_t *last, const msg *m, size_t len, int np, int exact) {
    acc *x;
    if (len != sizeof *m || m->prod >= (uint32_t)np) { a[0].other++; return; }
    x = &a[m->prod];
    if (m->sum != csum(m->prod, m->seq)) { x->bad_sum++; return; }
    if (last[m->prod] != UINT32_MAX && (exact ? m->seq != last[m->prod] + 1u : m->seq <= last[m->prod])) x->bad_order++;
    if (last[m->prod] == UINT32_MAX && exact && m->seq != 0u) x->bad_order++;
    last[m->prod] = m->seq;
    x->count++;
    x->seqsum += m->seq;
    x->hashsum += mix(m->seq);
}

static void consumer(ctrl *c, void *mem, size_t size, int me, int np, int exact) {
    shmpc_ring r;
    uint32_t last[MAXP], k = 0;
    acc a[MAXP];
    int rc = shmpc_attach(&r, mem, size, SHMPC_CONSUMER), i;
    if (rc) { c->rc[MAXP + me] = rc; _exit(1); }
    memset(a, 0, sizeof a);
    for (i = 0; i < MAXP; i++) last[i] = UINT32_MAX;
    for (;; k++) {
        uint32_t kind = (k >> 8) % 3u;
        if (kind == 0) {
            msg m; size_t len;
            rc = shmpc_pop(&r, &m, sizeof m, &len);
            if (rc != SHMPC_OK) break;
            take(a, last, &m, len, np, exact);
        } else if (kind == 1) {
            msg m[64]; shmpc_iov v[64]; int j;
            for (j = 0; j < 64; j++) { v[j].base = &m[j]; v[j].len = sizeof m[j]; }
            rc = shmpc_pop_many_timed(&r, v, 64, SHMPC_FOREVER);
            if (rc < 0) break;
            for (j = 0; j < rc; j++) take(a, last, &m[j], v[j].len, np, exact);
        } else {
            const void *p; size_t len; msg m;
            rc = shmpc_peek_timed(&r, &p, &len, SHMPC_FOREVER);
            if (rc != SHMPC_OK) break;
            memcpy(&m, p, len < sizeof m ? len : sizeof m);
            take(a, last, &m, len, np, exact);
            if ((rc = shmpc_release(&r)) != SHMPC_OK) break;
        }
    }
    memcpy(c->a[me], a, sizeof a);
    c->rc[MAXP + me] = rc == SHMPC_ECLOSED ? 0 : rc;
    shmpc_close(&r);
    _exit(0);
}

int main(int argc, char **argv) {
    int mpmc = 0, np = 1, nc = 1, i, p, bad = 0;
    uint64_t total = 10000000;
    uint32_t cap = 1024;
    ctrl *c;
    shmpc_opts o = SHMPC_OPTS_INIT;
    void *mem; size_t size;
    struct timespec t0, t1;
    double secs;
    uint64_t got = 0, lost = 0, dup = 0, corrupt = 0;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc) mpmc = !strcmp(argv[++i], "mpmc");
        else if (!strcmp(argv[i], "--producers") && i + 1 < argc) np = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--consumers") && i + 1 < argc) nc = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--msgs") && i + 1 < argc) total = (uint64_t)strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--capacity") && i + 1 < argc) cap = (uint32_t)atoi(argv[++i]);
        else { fprintf(stderr, "usage: %s [--mode spsc|mpmc] [--producers P] [--consumers C] [--msgs N] [--capacity K]\n", argv[0]); return 2; }
    }
    if (!mpmc) np = nc = 1;
    if (np < 1 || np > MAXP || nc < 1 || nc > MAXC || total / (uint64_t)np > UINT32_MAX) { fprintf(stderr, "bad counts\n"); return 2; }
    c = (ctrl *)mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED) return 1;
    memset(c, 0, sizeof *c);
    o.capacity = cap; o.slot_size = (uint32_t)sizeof(msg); o.mode = mpmc ? SHMPC_MPMC : SHMPC_SPSC;
    o.start_index = 0xFFFFF000u; /* cross the index wrap early */
    if (shmpc_create_anon(&o, &mem, &size) != SHMPC_OK) { fprintf(stderr, "create_anon failed\n"); return 1; }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < nc; i++) if (fork() == 0) consumer(c, mem, size, i, np, !mpmc);
    for (p = 0; p < np; p++) {
        uint32_t n = (uint32_t)(total / (uint64_t)np + ((uint64_t)p < total % (uint64_t)np));
        if (fork() == 0) producer(c, mem, size, (uint32_t)p, n);
    }
    for (i = 0; i < np + nc; i++) {
        int st;
        if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) { printf("a process failed (status %d)\n", st); bad++; }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    for (i = 0; i < np + nc; i++) if (c->rc[i < np ? i : MAXP + i - np]) { printf("process %d ended with %d\n", i, c->rc[i < np ? i : MAXP + i - np]); bad++; }
    for (p = 0; p < np; p++) {
        uint32_t n = (uint32_t)(total / (uint64_t)np + ((uint64_t)p < total % (uint64_t)np)), s;
        uint64_t cnt = 0, ss = 0, hs = 0, wss = 0, whs = 0;
        for (i = 0; i < nc; i++) {
            cnt += c->a[i][p].count; ss += c->a[i][p].seqsum; hs += c->a[i][p].hashsum;
            corrupt += c->a[i][p].bad_sum + c->a[i][p].bad_order + c->a[i][p].other;
        }
        for (s = 0; s < n; s++) { wss += s; whs += mix(s); }
        got += cnt;
        if (cnt < n) lost += n - cnt;
        if (cnt > n) dup += cnt - n;
        if (cnt == n && (ss != wss || hs != whs)) { printf("producer %d: count right but sums differ (lost and duplicated)\n", p); bad++; }
    }
    if (lost || dup || corrupt) bad++;
    printf("soak %s %dx%d: %llu messages in %.1f s (%.1f M/s): %llu lost, %llu duplicated, %llu corrupt or out of order: %s\n",
           mpmc ? "mpmc" : "spsc", np, nc, (unsigned long long)got, secs, (double)got / secs / 1e6, (unsigned long long)lost,
           (unsigned long long)dup, (unsigned long long)corrupt, bad ? "FAILED" : "ok");
    shmpc_free_anon(mem, size);
    return bad ? 1 : 0;
}
