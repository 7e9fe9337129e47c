/* race_points.c - a hostile writer acting DURING a call, at every point, on one or two fields.

   fuzz_race races a mutator thread against the calls: where its writes land inside a call is the
   scheduler's choice. This check leaves nothing to chance. The header's test hook
   (SHMPC__LOAD_HOOK) runs before every read of a shared word -- each load and compare-and-swap of
   a call -- and counts them. For each mode (SPSC, MPMC), each starting state (empty, part full
   across the index wrap, full), each operation of a producer or a consumer (try_push, try_pop with
   a large and a too-small buffer, peek + release, reserve + commit, push_many, pop_many, stat, the
   attach and close of a third peer, the producer's close), and
   each read k of that operation, the writer stores at read k:
     - one field (head, tail, ends, state, the role counts, two peer-table pid words, each slot's
       sequence and length word)
       set to each of a set of hostile values (0, 1, capacity and its neighbours, the current value
       plus or minus 1, capacity, capacity + 1, 2^31, 2^32 - 1, ...), and
     - two different fields at once, each from a smaller set of values,
   then the call runs to its end. Every run must return OK, a count within bounds, or a documented
   code; hand out a length no larger than the buffer and the slot; and give peek and reserve
   buffers inside the slot array. The segment is an exact-size heap block and the program runs
   under ASan+UBSan (make fault), so any access outside it fails the run. Compare-and-swap loops
   are bounded (SHMPC_RETRIES, small here), so every run ends. Segment and handles are restored
   from a snapshot between runs. Exit 0 when no run broke a rule. */
#define SHMPC_RETRIES 64
#define SHMPC__LOAD_HOOK(p) rp_hook((const void *)(p))
static void rp_hook(const void *p);
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP 4u
#define SLOT 8u
#define START 0xFFFFFFFEu /* the second message crosses the wrap */

static unsigned char *g_mem;
static size_t g_size;
static unsigned long g_reads, g_at;   /* reads so far in this run; the read to act at (0: none) */
static struct { uint32_t off, val; } g_w[2];
static int g_nw;
static unsigned long long g_runs, g_bad;

static void rp_hook(const void *p) {
    int i;
    (void)p;
    if (++g_reads != g_at) return;
    for (i = 0; i < g_nw; i++) __atomic_store_n((uint32_t *)(void *)(g_mem + g_w[i].off), g_w[i].val, __ATOMIC_RELAXED);
}

#define BAD(...) do { g_bad++; if (g_bad <= 20) { printf("violation: " __VA_ARGS__); printf("\n"); } } while (0)

/* The fields a peer can write (offsets from the layout table of shmpc.h). */
static uint32_t g_field[8 + 2 * CAP];
static int g_nfield;
static void fields(void) {
    uint32_t i, stride = (uint32_t)((8u + SLOT + 7u) / 8u * 8u);
    g_nfield = 0;
    g_field[g_nfield++] = 0x180; /* head */
    g_field[g_nfield++] = 0x100; /* tail */
    g_field[g_nfield++] = 0x088; /* ends */
    g_field[g_nfield++] = 0x040; /* state */
    g_field[g_nfield++] = 0x080; /* producers */
    g_field[g_nfield++] = 0x084; /* consumers */
    g_field[g_nfield++] = 0x200; /* peers[0].pid: the producer's entry */
    g_field[g_nfield++] = 0x300; /* peers[8].pid: where a third peer registers */
    for (i = 0; i < CAP; i++) {
        g_field[g_nfield++] = 0xA00 + i * stride;      /* seq */
        g_field[g_nfield++] = 0xA00 + i * stride + 4u; /* len */
    }
}

/* Hostile values for a field now holding cur: n of them into v. `few`: the small set for pairs. */
static int values(uint32_t cur, int few, uint32_t *v) {
    int n = 0;
    v[n++] = 0u; v[n++] = cur + 1u; v[n++] = cur - 1u; v[n++] = 0xFFFFFFFFu;
    v[n++] = cur + CAP; v[n++] = SLOT + 1u;
    if (few) return n;
    v[n++] = 1u; v[n++] = 2u; v[n++] = 3u; v[n++] = CAP; v[n++] = CAP + 1u; v[n++] = SLOT;
    v[n++] = cur - CAP; v[n++] = cur + CAP + 1u; v[n++] = 0x7FFFFFFFu; v[n++] = 0x80000000u;
    v[n++] = START; v[n++] = START + CAP;
    return n;
}

enum { OP_PUSH, OP_POP, OP_POP_SMALL, OP_PEEK, OP_RESERVE, OP_PUSH_MANY, OP_POP_MANY, OP_STAT, OP_ATTACH,
       OP_CLOSE, OP_COUNT };
static const char *op_name[OP_COUNT] = {"try_push", "try_pop", "try_pop(small)", "peek+release", "reserve+commit",
                                        "push_many", "pop_many", "stat", "attach+close", "close"};

static int rc_ok(int rc, int max_count) { return rc <= max_count && rc >= SHMPC__ERROR_LAST; }

static void inside(const void *p, size_t len, const char *what) {
    const unsigned char *q = (const unsigned char *)p, *lo = g_mem + SHMPC_HEADER_SIZE, *hi = g_mem + g_size;
    if (q < lo || q > hi || len > (size_t)(hi - q) || len > SLOT) BAD("%s: %zu bytes at offset %td", what, len, q - g_mem);
}

/* One operation on the handles; every rule checked. */
static void run_op(int op, shmpc_ring *p, shmpc_ring *c) {
    unsigned char buf[SLOT * 2], bb[3][SLOT];
    shmpc_iov v[3];
    size_t len = 0, room = 0;
    const void *m;
    void *b;
    shmpc_status st;
    int rc, k;
    switch (op) {
    case OP_PUSH:
        memset(buf, 0x5A, sizeof buf);
        rc = shmpc_try_push(p, buf, 5);
        if (!rc_ok(rc, 0)) BAD("try_push returned %d", rc);
        break;
    case OP_POP: case OP_POP_SMALL: {
        size_t cap = op == OP_POP ? sizeof buf : 2u;
        rc = shmpc_try_pop(c, buf, cap, &len);
        if (!rc_ok(rc, 0)) BAD("try_pop returned %d", rc);
        if (rc == SHMPC_OK && (len > cap || len > SLOT)) BAD("try_pop: length %zu, buffer %zu", len, cap);
        break;
    }
    case OP_PEEK:
        rc = shmpc_try_peek(c, &m, &len);
        if (!rc_ok(rc, 0)) BAD("try_peek returned %d", rc);
        if (rc == SHMPC_OK) {
            inside(m, len, "peek");
            rc = shmpc_release(c);
            if (!rc_ok(rc, 0)) BAD("release returned %d", rc);
        }
        break;
    case OP_RESERVE:
        rc = shmpc_try_reserve(p, &b, &room);
        if (!rc_ok(rc, 0)) BAD("try_reserve returned %d", rc);
        if (rc == SHMPC_OK) {
            inside(b, room, "reserve");
            memset(b, 0x33, room);
            rc = shmpc_commit(p, room < 3u ? room : 3u);
            if (!rc_ok(rc, 0)) BAD("commit returned %d", rc);
        }
        break;
    case OP_PUSH_MANY:
        for (k = 0; k < 3; k++) { v[k].base = buf; v[k].len = 3; }
        rc = shmpc_try_push_many(p, v, 3);
        if (!rc_ok(rc, 3)) BAD("try_push_many returned %d", rc);
        break;
    case OP_POP_MANY:
        for (k = 0; k < 3; k++) { v[k].base = bb[k]; v[k].len = SLOT; }
        rc = shmpc_try_pop_many(c, v, 3);
        if (!rc_ok(rc, 3)) BAD("try_pop_many returned %d", rc);
        for (k = 0; k < rc; k++) if (v[k].len > SLOT) BAD("try_pop_many: length %zu", v[k].len);
        break;
    case OP_STAT:
        rc = shmpc_stat(c, &st);
        if (rc != SHMPC_OK) BAD("stat returned %d", rc);
        break;
    case OP_ATTACH: { /* a third peer: the header, the role count and the peer table are read */
        shmpc_ring x;
        rc = shmpc_attach_id(&x, g_mem, g_size, p->mode == SHMPC_MPMC ? SHMPC_CONSUMER : SHMPC_OBSERVER, 3u, 0u);
        if (!rc_ok(rc, 0)) BAD("attach returned %d", rc);
        if (rc == SHMPC_OK && (x.capacity != CAP || x.slot_size != SLOT)) BAD("attach: geometry %u x %u", x.capacity, x.slot_size);
        if (rc == SHMPC_OK && (rc = shmpc_close(&x)) != SHMPC_OK) BAD("close after attach returned %d", rc);
        break;
    }
    default:
        rc = shmpc_close(p);
        if (rc != SHMPC_OK) BAD("close returned %d", rc);
        break;
    }
}

static void check_mode(uint32_t mode) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring p, c, p0, c0;
    unsigned char *snap;
    unsigned char msg[SLOT] = {0};
    unsigned long long runs0 = g_runs;
    int state, op;
    o.capacity = CAP; o.slot_size = SLOT; o.mode = mode; o.start_index = START;
    g_size = shmpc_footprint(CAP, SLOT);
    g_mem = (unsigned char *)malloc(g_size); /* exact size: ASan sees one byte past it */
    snap = (unsigned char *)malloc(g_size);
    if (!g_mem || !snap) { printf("out of memory\n"); exit(2); }
    for (state = 0; state < 3; state++) {
        uint32_t i;
        memset(g_mem, 0xA5, g_size);
        if (shmpc_format(g_mem, g_size, &o) != SHMPC_OK ||
            shmpc_attach_id(&p, g_mem, g_size, SHMPC_PRODUCER, 1u, 0u) != SHMPC_OK ||
            shmpc_attach_id(&c, g_mem, g_size, SHMPC_CONSUMER, 2u, 0u) != SHMPC_OK) { printf("setup failed\n"); exit(2); }
        if (state == 1) { /* one pushed and popped, two waiting: the indices cross the wrap */
            size_t n;
            for (i = 0; i < 3; i++) shmpc_try_push(&p, msg, i + 1u);
            shmpc_try_pop(&c, msg, sizeof msg, &n);
        }
        if (state == 2) for (i = 0; i < CAP; i++) shmpc_try_push(&p, msg, SLOT);
        memcpy(snap, g_mem, g_size);
        p0 = p; c0 = c;
        for (op = 0; op < OP_COUNT; op++) {
            unsigned long reads, k;
            int a, b, va, vb, na, nb;
            uint32_t vals_a[32], vals_b[32];
            memcpy(g_mem, snap, g_size); p = p0; c = c0;
            g_at = 0; g_reads = 0; g_nw = 0;
            run_op(op, &p, &c); /* a dry run counts the reads */
            reads = g_reads;
            for (k = 1; k <= reads; k++)
                for (a = 0; a < g_nfield; a++) {
                    uint32_t cur_a;
                    memcpy(&cur_a, snap + g_field[a], 4);
                    na = values(cur_a, 0, vals_a);
                    for (va = 0; va < na; va++) { /* one field */
                        memcpy(g_mem, snap, g_size); p = p0; c = c0;
                        g_at = k; g_reads = 0; g_nw = 1;
                        g_w[0].off = g_field[a]; g_w[0].val = vals_a[va];
                        run_op(op, &p, &c);
                        g_runs++;
                    }
                    na = values(cur_a, 1, vals_a);
                    for (b = a + 1; b < g_nfield; b++) { /* two fields at once */
                        uint32_t cur_b;
                        memcpy(&cur_b, snap + g_field[b], 4);
                        nb = values(cur_b, 1, vals_b);
                        for (va = 0; va < na; va++)
                            for (vb = 0; vb < nb; vb++) {
                                memcpy(g_mem, snap, g_size); p = p0; c = c0;
                                g_at = k; g_reads = 0; g_nw = 2;
                                g_w[0].off = g_field[a]; g_w[0].val = vals_a[va];
                                g_w[1].off = g_field[b]; g_w[1].val = vals_b[vb];
                                run_op(op, &p, &c);
                                g_runs++;
                            }
                    }
                }
            if (g_bad) {
                printf("  (in %s, %s, state %d)\n", mode == SHMPC_SPSC ? "spsc" : "mpmc", op_name[op], state);
                free(snap);
                free(g_mem);
                return;
            }
        }
    }
    printf("race points %s: %llu runs (3 states x %d operations x every read of each x one field of %d at"
           " 18 values, or two at once at 6 x 6), 0 violations\n",
           mode == SHMPC_SPSC ? "spsc" : "mpmc", g_runs - runs0, OP_COUNT, g_nfield);
    free(snap);
    free(g_mem);
}

int main(void) {
    fields();
    check_mode(SHMPC_SPSC);
    if (!g_bad) check_mode(SHMPC_MPMC);
    printf("race points: %llu runs, %llu violations\n", g_runs, g_bad);
    return g_bad ? 1 : 0;
}
