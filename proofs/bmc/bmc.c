/* proofs/bmc/bmc.c - exhaustive explicit-state model check of shmpc's ring (make bmc).

   The real shmpc.h is compiled with a narrow index type (-DSHMPC_INDEX_BITS=8 or 16, -DSHMPC_NO_OS)
   and its public try-API is driven on caller memory with one handle per producer and consumer.
   From the freshly formatted ring, a breadth-first search applies every operation of every handle
   in every reachable state, side by side with an independent reference model (a FIFO window of
   positions with wide arithmetic), and checks in every state:
     - the exact return code the model predicts, and the data (length and bytes of every message:
       FIFO order, nothing lost, nothing duplicated, nothing stale);
     - the shared indices equal the model's, fit the narrow type (no overflow), fill <= capacity;
     - ends/producers/consumers/state words equal the model's.
   A state is the whole ring (shared words, slot words and bytes, every handle's private fields)
   plus the model; it is packed into a canonical key, and every key is checked to be lossless:
   the world rebuilt from the key is compared byte for byte with the world the operation produced.
   Since the counters wrap modulo 2^bits, the reachable set is finite and the search is complete:
   it covers every depth, every wrap included.

   --hostile: afterwards, from every reachable state, sets each field a peer can write (head, tail,
   ends, state, counts, event words, each slot's seq and len) to every value of its narrow type
   (plus a few 32-bit ones) and runs every operation: each must return one of its documented codes
   or valid data (lengths <= slot size, pointers inside the slots). Run it under ASan+UBSan with
   -fno-sanitize-recover so that any access outside the ring aborts.

   usage: bmc [--hostile] [--max-states N] spsc|mpmc CAP [PRODUCERS CONSUMERS]
   exit 0: no violation; 1: violation (trace printed); 2: usage or bound exceeded. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define SHMPC_IMPLEMENTATION
#include "shmpc.h"

#define IDXMASK ((uint32_t)(((uint64_t)1 << SHMPC_INDEX_BITS) - 1u))
#define IDXB (SHMPC_INDEX_BITS / 8)
#define SLOT 2u   /* slot size: messages of 1 or 2 bytes (lenf) */
#define MAXH 4
#define MAXCAP 16
#define KEYMAX 256

/* ---- configuration and world ---------------------------------------------------------------- */
static uint32_t g_mode, g_cap, g_np, g_nc, g_nh;
static size_t g_size;
static unsigned char *g_mem, *g_pristine, *g_scratch;
static shmpc_ring g_h[MAXH], g_h0[MAXH], g_hs[MAXH];
static int g_peer0[MAXH];
static size_t g_keylen;
static int g_hostile;

static int is_prod(uint32_t h) { return h < g_np; }
/* The shared words, by the offsets of the documented layout v2 (shmpc.h, SHARED-MEMORY LAYOUT). */
typedef struct { uint32_t seq, len; unsigned char payload[8]; } slotv; /* stride round8(8+SLOT) = 16 */
typedef struct { uint32_t pid, role, start_lo, start_hi, pending, pend_n, pflags, poll_id; } peerv;
typedef struct {
    unsigned char pad0[0x40]; uint32_t state;
    uint32_t takeovers, skipped, freed, redelivered, reclaimed; unsigned char pad1[0x80 - 0x58];
    uint32_t producers, consumers, ends; unsigned char pad2[0xC0 - 0x8C];
    uint32_t data_waiters, data_ev, space_waiters, space_ev, data_pollers, space_pollers;
    unsigned char pad3[0x100 - 0xD8];
    uint32_t tail; unsigned char pad4[0x180 - 0x104];
    uint32_t head; unsigned char pad5[0x200 - 0x184];
    peerv peers[64];
} segv;
_Static_assert(sizeof(segv) == SHMPC_HEADER_SIZE, "layout v2");
_Static_assert(sizeof(slotv) == ((8u + SLOT + 7u) & ~7u), "slot stride");
static segv *seg_of(unsigned char *m) { return (segv *)(void *)m; }
static slotv *slot_at(unsigned char *m, uint32_t s) { return (slotv *)(void *)(m + SHMPC_HEADER_SIZE) + s; }
#define PAYLOAD(sl) ((sl)->payload)

/* ---- reference model -------------------------------------------------------------------------- */
/* Positions low..mtail-1 (mod 2^bits) form a window of at most cap entries: each is reserved by a
   producer (RES), committed (COM), discarded (DIS: the reservation of an MPMC producer that closed
   without committing it; consumers skip it, it is never delivered), peeked by a consumer (PEEK),
   released (REL: only behind an older unreleased one), or LEAK (see push_many). mhead is the next
   position a consumer takes. */
enum { E_RES = 1, E_COM, E_DIS, E_PEEK, E_REL };
enum { P_NONE = 0, P_RES = 1, P_PEEK = 2 };
typedef struct model {
    uint32_t low, mhead, mtail;
    uint8_t st[MAXCAP], who[MAXCAP];
    uint8_t hclosed[MAXH], hpend[MAXH];
    uint32_t hpos[MAXH];
} model;

static uint32_t m_win(const model *m) { return (m->mtail - m->low) & IDXMASK; }
static uint32_t m_i(const model *m, uint32_t pos) { return (pos - m->low) & IDXMASK; }
static uint32_t m_open(const model *m, int prod) {
    uint32_t h, n = 0;
    for (h = 0; h < g_nh; h++) if (is_prod(h) == prod && !m->hclosed[h]) n++;
    return n;
}
static int m_prod_closed(const model *m) { return m_open(m, 1) == 0; }
static int m_cons_closed(const model *m) { return m_open(m, 0) == 0; }
static void m_advance_low(model *m) {
    while (m_win(m) > 0 && m->st[0] == E_REL && m->mhead != m->low) {
        memmove(m->st, m->st + 1, MAXCAP - 1); memmove(m->who, m->who + 1, MAXCAP - 1);
        m->st[MAXCAP - 1] = 0; m->who[MAXCAP - 1] = 0;
        m->low = (m->low + 1u) & IDXMASK;
    }
}
static uint32_t lenf(uint32_t pos) { return 1u + (pos & 1u); }
static void payf(uint32_t pos, uint32_t k, unsigned char out[SLOT]) {
    out[0] = (unsigned char)pos;
    out[1] = (unsigned char)(((pos >> 8) & 0xFFu) ^ (0x40u + k));
}

/* ---- canonical key ------------------------------------------------------------------------------ */
typedef struct { unsigned char b[KEYMAX]; size_t n; } kbuf;
static void put8(kbuf *k, uint32_t v) { k->b[k->n++] = (unsigned char)v; }
static void puti(kbuf *k, uint32_t v) { int i; for (i = 0; i < IDXB; i++) put8(k, v >> (8 * i)); }
static uint32_t get8(const unsigned char **p) { return *(*p)++; }
static uint32_t geti(const unsigned char **p) {
    uint32_t v = 0; int i;
    for (i = 0; i < IDXB; i++) v |= (uint32_t)get8(p) << (8 * i);
    return v;
}

/* a role count in the key: its number of peers, or 0xFF for SHMPC__ENDED (an ended side) */
static uint32_t cnt8(uint32_t v) { return v == SHMPC__ENDED ? 0xFFu : v; }
static uint32_t cnt32(uint32_t v) { return v == 0xFFu ? SHMPC__ENDED : v; }

static void encode(const unsigned char *mem, const shmpc_ring *hs, const model *m, kbuf *k) {
    segv *s = seg_of((unsigned char *)mem);
    uint32_t i;
    k->n = 0;
    puti(k, s->head); puti(k, s->tail);
    put8(k, s->ends); put8(k, cnt8(s->producers)); put8(k, cnt8(s->consumers)); put8(k, s->state);
    put8(k, s->data_ev); put8(k, s->space_ev);
    for (i = 0; i < g_cap; i++) {
        slotv *sl = slot_at((unsigned char *)mem, i);
        puti(k, sl->seq); put8(k, sl->len == SHMPC__DISCARD ? 0xFFu : sl->len); /* lengths are <= SLOT */
        put8(k, PAYLOAD(sl)[0]); put8(k, PAYLOAD(sl)[1]);
    }
    for (i = 0; i < g_nh; i++) {
        const shmpc_ring *r = &hs[i];
        /* Dead fields are left out (the comparison below ignores them): pending_pos/len when no
           operation is pending, and the peer entry's crash-recovery word (read only by the OS
           layer's recovery, absent here); their stale values would multiply the states by 2^bits. */
        put8(k, (uint32_t)r->closed); puti(k, r->own); puti(k, r->cached);
        put8(k, (uint32_t)r->pending_op); put8(k, (uint32_t)r->go);
        puti(k, r->pending_op ? r->pending_pos : 0u); put8(k, r->pending_op ? r->pending_len : 0u);
    }
    puti(k, m->low); puti(k, m->mhead); puti(k, m->mtail);
    for (i = 0; i < g_cap; i++) { put8(k, m->st[i]); put8(k, m->who[i]); }
    for (i = 0; i < g_nh; i++) { put8(k, m->hclosed[i]); put8(k, m->hpend[i]); puti(k, m->hpend[i] ? m->hpos[i] : 0u); }
}

static void decode(const unsigned char *key, unsigned char *mem, shmpc_ring *hs, model *m) {
    const unsigned char *p = key;
    segv *s = seg_of(mem);
    uint32_t i;
    /* Only the key's fields are written: mem always equals the pristine ring outside them (every
       transition checks that the world rebuilt this way is byte for byte the world it produced). */
    memcpy(hs, g_h0, sizeof g_h0);
    memset(m, 0, sizeof *m);
    s->head = geti(&p); s->tail = geti(&p);
    s->ends = get8(&p); s->producers = cnt32(get8(&p)); s->consumers = cnt32(get8(&p)); s->state = get8(&p);
    s->data_ev = get8(&p); s->space_ev = get8(&p);
    for (i = 0; i < g_cap; i++) {
        slotv *sl = slot_at(mem, i);
        sl->seq = geti(&p); sl->len = get8(&p);
        if (sl->len == 0xFFu) sl->len = SHMPC__DISCARD;
        PAYLOAD(sl)[0] = (unsigned char)get8(&p); PAYLOAD(sl)[1] = (unsigned char)get8(&p);
    }
    for (i = 0; i < g_nh; i++) {
        shmpc_ring *r = &hs[i];
        r->closed = (int)get8(&p); r->own = (shmpc_idx)geti(&p); r->cached = (shmpc_idx)geti(&p);
        r->pending_op = (int)get8(&p); r->go = (int)get8(&p); r->pending_pos = (shmpc_idx)geti(&p); r->pending_len = get8(&p);
        s->peers[g_peer0[i]].pid = r->closed ? 0u : i + 1u;
        s->peers[g_peer0[i]].role = r->closed ? 0u : (uint32_t)g_h0[i].role;
        if (r->closed) { r->seg = NULL; r->slots = NULL; r->peer = -1; } /* what shmpc_close leaves */
    }
    m->low = geti(&p); m->mhead = geti(&p); m->mtail = geti(&p);
    for (i = 0; i < g_cap; i++) { m->st[i] = (uint8_t)get8(&p); m->who[i] = (uint8_t)get8(&p); }
    for (i = 0; i < g_nh; i++) { m->hclosed[i] = (uint8_t)get8(&p); m->hpend[i] = (uint8_t)get8(&p); m->hpos[i] = geti(&p); }
}

/* ---- visited set: states numbered in BFS order, keys in an arena, open-addressing table ------- */
static unsigned char *g_keys;
static uint32_t *g_parent;
static uint16_t *g_pop;
static uint64_t g_nstates, g_capstates, g_max_states = 30000000u;
static uint32_t *g_tab;
static uint64_t g_tabsize;

static uint64_t hashk(const unsigned char *k, size_t n) {
    uint64_t h = 1469598103934665603ull; size_t i;
    for (i = 0; i < n; i++) { h ^= k[i]; h *= 1099511628211ull; }
    return h ^ (h >> 29);
}
static void tab_rebuild(uint64_t size) {
    uint64_t i;
    free(g_tab);
    g_tabsize = size;
    g_tab = calloc(size, sizeof *g_tab);
    if (!g_tab) { fprintf(stderr, "bmc: out of memory\n"); exit(2); }
    for (i = 0; i < g_nstates; i++) {
        uint64_t j = hashk(g_keys + i * g_keylen, g_keylen) & (size - 1);
        while (g_tab[j]) j = (j + 1) & (size - 1);
        g_tab[j] = (uint32_t)(i + 1);
    }
}
/* Returns 1 if new (added), 0 if seen. */
static int visit(const kbuf *k, uint32_t parent, uint16_t op) {
    uint64_t j;
    if (k->n != g_keylen) { fprintf(stderr, "bmc: key length %zu != %zu\n", k->n, g_keylen); exit(2); }
    j = hashk(k->b, g_keylen) & (g_tabsize - 1);
    while (g_tab[j]) {
        if (memcmp(g_keys + (uint64_t)(g_tab[j] - 1) * g_keylen, k->b, g_keylen) == 0) return 0;
        j = (j + 1) & (g_tabsize - 1);
    }
    if (g_nstates >= g_max_states) {
        fprintf(stderr, "bmc: more than %llu states: bound exceeded\n", (unsigned long long)g_max_states);
        exit(2);
    }
    if (g_nstates == g_capstates) {
        g_capstates = g_capstates ? g_capstates * 2 : 4096;
        g_keys = realloc(g_keys, g_capstates * g_keylen);
        g_parent = realloc(g_parent, g_capstates * sizeof *g_parent);
        g_pop = realloc(g_pop, g_capstates * sizeof *g_pop);
        if (!g_keys || !g_parent || !g_pop) { fprintf(stderr, "bmc: out of memory\n"); exit(2); }
    }
    memcpy(g_keys + g_nstates * g_keylen, k->b, g_keylen);
    g_parent[g_nstates] = parent; g_pop[g_nstates] = op;
    g_tab[j] = (uint32_t)(g_nstates + 1);
    g_nstates++;
    if (g_nstates * 2 > g_tabsize) tab_rebuild(g_tabsize * 2);
    return 1;
}

/* ---- operations ------------------------------------------------------------------------------------ */
enum { O_PUSH, O_PUSH_BIG, O_PUSH_MANY, O_RESERVE, O_COMMIT, O_COMMIT_BIG, O_POP, O_POP_SMALL, O_PEEK,
       O_RELEASE, O_POP_MANY, O_POP_MANY_SMALL, O_WRONG_ROLE, O_CLOSE, O__N };
static const char *const opname[O__N] = {"push", "push(len>slot)", "push_many", "reserve", "commit",
    "commit(len>slot)", "pop", "pop(cap=1)", "peek", "release", "pop_many", "pop_many(cap=1)",
    "wrong-role call", "close"};
typedef struct { int kind; uint32_t h, n; } op_t;
static op_t g_ops[256];
static int g_nops;
static void add_op(int kind, uint32_t h, uint32_t n) { g_ops[g_nops].kind = kind; g_ops[g_nops].h = h; g_ops[g_nops].n = n; g_nops++; }
static void make_ops(void) {
    uint32_t h, n;
    g_nops = 0;
    for (h = 0; h < g_nh; h++) {
        if (is_prod(h)) {
            add_op(O_PUSH, h, 0); add_op(O_PUSH_BIG, h, 0);
            for (n = 1; n <= g_cap + 1u; n++) add_op(O_PUSH_MANY, h, n);
            add_op(O_RESERVE, h, 0); add_op(O_COMMIT, h, 0); add_op(O_COMMIT_BIG, h, 0);
        } else {
            add_op(O_POP, h, 0); add_op(O_POP_SMALL, h, 0); add_op(O_PEEK, h, 0); add_op(O_RELEASE, h, 0);
            for (n = 1; n <= g_cap + 1u; n++) add_op(O_POP_MANY, h, n);
            add_op(O_POP_MANY_SMALL, h, 2);
        }
        add_op(O_WRONG_ROLE, h, 0); add_op(O_CLOSE, h, 0);
    }
}

/* ---- violations ------------------------------------------------------------------------------------ */
static uint64_t g_cur; /* state being expanded */
static int g_curop;
static void print_trace(uint64_t s) {
    if (s == 0) { fprintf(stderr, "  (formatted ring, start index 0)\n"); return; }
    print_trace(g_parent[s]);
    {
        const op_t *o = &g_ops[g_pop[s]];
        fprintf(stderr, "  handle %u (%s): %s", o->h, is_prod(o->h) ? "producer" : "consumer", opname[o->kind]);
        if (o->kind == O_PUSH_MANY || o->kind == O_POP_MANY) fprintf(stderr, " n=%u", o->n);
        fprintf(stderr, "\n");
    }
}
static void violation(const char *fmt, long a, long b) {
    const op_t *o = &g_ops[g_curop];
    fprintf(stderr, "bmc: VIOLATION (%s cap %u, %up x %uc, %d-bit): ", g_mode == SHMPC_SPSC ? "spsc" : "mpmc",
            g_cap, g_np, g_nc, SHMPC_INDEX_BITS);
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n  during: handle %u %s n=%u; trace from the start:\n", o->h, opname[o->kind], o->n);
    if (!g_hostile) print_trace(g_cur);
    exit(1);
}
#define CHECK(c, fmt, a, b) do { if (!(c)) violation(fmt, (long)(a), (long)(b)); } while (0)

/* Expected data of window entry at pos. */
static void expect_msg(const model *m, uint32_t pos, const unsigned char *got, uint32_t got_len) {
    uint32_t i = m_i(m, pos);
    unsigned char want[SLOT];
    CHECK(m->st[i] == E_COM, "model: entry %ld not committed (%ld)", pos, m->st[i]);
    CHECK(got_len == lenf(pos), "message at position %ld has length %ld (FIFO / stale data)", pos, got_len);
    payf(pos, m->who[i], want);
    CHECK(memcmp(got, want, got_len) == 0, "message at position %ld has wrong bytes (first %ld): lost, duplicated or out of order",
          pos, got[0]);
}

/* Ready (committed) entries from mhead, as the consumer's try calls see them. */
static uint32_t m_ready(const model *m) {
    uint32_t n = 0, pos = m->mhead;
    while (pos != m->mtail && m->st[m_i(m, pos)] == E_COM) { n++; pos = (pos + 1u) & IDXMASK; }
    return n;
}
static uint32_t m_lenat(const model *m, uint32_t pos) { (void)m; return lenf(pos); }
/* MPMC: every consumer's claim first skips the discarded positions at mhead (released unseen). */
static void m_skip(model *m) {
    while (g_mode == SHMPC_MPMC && m->mhead != m->mtail && m->st[m_i(m, m->mhead)] == E_DIS) {
        m->st[m_i(m, m->mhead)] = E_REL;
        m->mhead = (m->mhead + 1u) & IDXMASK;
        m_advance_low(m);
    }
}
static void m_take(model *m, uint32_t h, int peek) {
    uint32_t i = m_i(m, m->mhead);
    if (peek) { m->st[i] = E_PEEK; m->who[i] = (uint8_t)h; m->hpend[h] = P_PEEK; m->hpos[h] = m->mhead; }
    else { m->st[i] = E_REL; m->who[i] = 0; }
    m->mhead = (m->mhead + 1u) & IDXMASK;
    m_advance_low(m);
}
static void m_append(model *m, int st, uint32_t who) {
    uint32_t i = m_win(m);
    m->st[i] = (uint8_t)st; m->who[i] = (uint8_t)who;
    m->mtail = (m->mtail + 1u) & IDXMASK;
}
static int m_full(const model *m) { return m_win(m) >= g_cap; }
/* The common prologue of try calls: EINVAL closed handle, EROLE, ESEQ. */
static int m_check(const model *m, uint32_t h, int prod) {
    if (m->hclosed[h]) return SHMPC_EINVAL;
    if (is_prod(h) != prod) return SHMPC_EROLE;
    if (m->hpend[h] != P_NONE) return SHMPC_ESEQ;
    return SHMPC_OK;
}
static void m_close_side(model *m, uint32_t h) { m->hclosed[h] = 1; }

/* Applies op to the world (g_mem, g_h) and to the model, checking the outcome. */
static void step(model *m, const op_t *o) {
    shmpc_ring *r = &g_h[o->h];
    uint32_t h = o->h, n = o->n, i;
    int rc, want;
    unsigned char buf[SLOT + 8], msgs[MAXCAP + 1][SLOT];
    shmpc_iov iov[MAXCAP + 1];
    size_t len = 12345;
    switch (o->kind) {
    case O_PUSH: case O_PUSH_BIG: {
        uint32_t l = o->kind == O_PUSH ? lenf(m->mtail) : SLOT + 1u;
        unsigned char big[SLOT + 1] = {0};
        payf(m->mtail, h, big);
        want = m_check(m, h, 1);
        if (want == SHMPC_OK && l > SLOT) want = SHMPC_EMSGSIZE;
        if (want == SHMPC_OK && m_cons_closed(m)) want = SHMPC_ECLOSED;
        if (want == SHMPC_OK && m_full(m)) want = SHMPC_EFULL;
        rc = shmpc_try_push(r, big, l);
        CHECK(rc == want, "try_push returned %ld, model says %ld", rc, want);
        if (rc == SHMPC_OK) m_append(m, E_COM, h);
        break;
    }
    case O_PUSH_MANY: {
        uint32_t room = g_cap - m_win(m), cnt;
        for (i = 0; i < n; i++) {
            payf((m->mtail + i) & IDXMASK, h, msgs[i]);
            iov[i].base = msgs[i]; iov[i].len = lenf((m->mtail + i) & IDXMASK);
        }
        want = m_check(m, h, 1);
        cnt = n < room ? n : room;
        if (want == SHMPC_OK && m_cons_closed(m)) want = SHMPC_ECLOSED; /* nothing claimed */
        else if (want == SHMPC_OK && cnt == 0) want = SHMPC_EFULL;
        rc = shmpc_try_push_many(r, iov, n);
        if (want == SHMPC_OK) {
            CHECK(rc == (int)cnt, "try_push_many returned %ld, model says %ld", rc, cnt);
            for (i = 0; i < cnt; i++) m_append(m, E_COM, h);
        } else CHECK(rc == want, "try_push_many returned %ld, model says %ld", rc, want);
        break;
    }
    case O_RESERVE: {
        void *b = NULL; size_t room = 0;
        uint32_t pos = m->mtail;
        want = m_check(m, h, 1);
        if (want == SHMPC_OK && m_cons_closed(m)) want = SHMPC_ECLOSED;
        if (want == SHMPC_OK && m_full(m)) want = SHMPC_EFULL;
        rc = shmpc_try_reserve(r, &b, &room);
        CHECK(rc == want, "try_reserve returned %ld, model says %ld", rc, want);
        if (rc == SHMPC_OK) {
            CHECK(b == PAYLOAD(slot_at(g_mem, pos & (g_cap - 1u))) && room == SLOT,
                  "reserve gave the wrong buffer (position %ld, room %ld)", pos, room);
            m_append(m, E_RES, h); m->hpend[h] = P_RES; m->hpos[h] = pos;
        }
        break;
    }
    case O_COMMIT: case O_COMMIT_BIG: {
        uint32_t pos = m->hpos[h], l = o->kind == O_COMMIT ? lenf(pos) : SLOT + 1u;
        if (m->hclosed[h]) want = SHMPC_EINVAL;
        else if (m->hpend[h] != P_RES) want = SHMPC_ESEQ;
        else if (l > SLOT) want = SHMPC_EMSGSIZE;
        else want = SHMPC_OK;
        if (!m->hclosed[h] && m->hpend[h] == P_RES && l <= SLOT) /* fill the reserved buffer */
            payf(pos, h, PAYLOAD(slot_at(g_mem, pos & (g_cap - 1u))));
        rc = shmpc_commit(r, l);
        CHECK(rc == want, "commit returned %ld, model says %ld", rc, want);
        if (rc == SHMPC_OK) { m->st[m_i(m, pos)] = E_COM; m->hpend[h] = P_NONE; }
        break;
    }
    case O_POP: case O_POP_SMALL: case O_PEEK: {
        size_t cap = o->kind == O_POP_SMALL ? 1u : SLOT;
        const void *pm = NULL;
        uint32_t pos, ready;
        want = m_check(m, h, 0);
        if (want == SHMPC_OK) m_skip(m);
        pos = m->mhead; ready = m_ready(m);
        if (want == SHMPC_OK && ready == 0)
            want = (m_prod_closed(m) && (g_mode == SHMPC_SPSC || m->mhead == m->mtail)) ? SHMPC_ECLOSED : SHMPC_EEMPTY;
        if (want == SHMPC_OK && m_lenat(m, pos) > cap) want = SHMPC_EMSGSIZE;
        memset(buf, 0xEE, sizeof buf);
        if (o->kind == O_PEEK) rc = shmpc_try_peek(r, &pm, &len);
        else rc = shmpc_try_pop(r, buf, cap, &len);
        CHECK(rc == want, "pop/peek returned %ld, model says %ld", rc, want);
        if (rc == SHMPC_EMSGSIZE) CHECK(len == m_lenat(m, pos), "EMSGSIZE reports length %ld, message has %ld", len, m_lenat(m, pos));
        if (rc == SHMPC_OK) {
            if (o->kind == O_PEEK) {
                CHECK(pm == PAYLOAD(slot_at(g_mem, pos & (g_cap - 1u))), "peek points elsewhere than position %ld%ld", pos, 0);
                expect_msg(m, pos, (const unsigned char *)pm, (uint32_t)len);
            } else {
                expect_msg(m, pos, buf, (uint32_t)len);
                CHECK(buf[len] == 0xEE, "pop wrote past the message (%ld bytes)%ld", len, 0);
            }
            m_take(m, h, o->kind == O_PEEK);
        }
        break;
    }
    case O_RELEASE:
        if (m->hclosed[h]) want = SHMPC_EINVAL;
        else if (m->hpend[h] != P_PEEK) want = SHMPC_ESEQ;
        else want = SHMPC_OK;
        rc = shmpc_release(r);
        CHECK(rc == want, "release returned %ld, model says %ld", rc, want);
        if (rc == SHMPC_OK) { m->st[m_i(m, m->hpos[h])] = E_REL; m->hpend[h] = P_NONE; m_advance_low(m); }
        break;
    case O_POP_MANY: case O_POP_MANY_SMALL: {
        size_t cap = o->kind == O_POP_MANY ? SLOT : 1u;
        unsigned char bb[MAXCAP + 1][SLOT + 1];
        uint32_t ready, cnt = 0;
        model t;
        for (i = 0; i < n; i++) { iov[i].base = bb[i]; iov[i].len = cap; memset(bb[i], 0xEE, sizeof bb[i]); }
        want = m_check(m, h, 0);
        if (want == SHMPC_OK) m_skip(m);
        ready = m_ready(m);
        if (want == SHMPC_OK) {
            t = *m; /* each claim (MPMC: one per message) skips the discarded positions before it */
            while (cnt < n && m_ready(&t) > 0 && m_lenat(&t, t.mhead) <= cap) { m_take(&t, h, 0); cnt++; if (cnt < n) m_skip(&t); }
            if (cnt == 0) {
                if (ready > 0) want = SHMPC_EMSGSIZE;
                else want = (m_prod_closed(m) && (g_mode == SHMPC_SPSC || m->mhead == m->mtail)) ? SHMPC_ECLOSED : SHMPC_EEMPTY;
            }
        }
        rc = shmpc_try_pop_many(r, iov, n);
        if (want == SHMPC_OK) {
            /* "up to n": an SPSC consumer refreshes its cached tail only when the cache shows
               nothing, so it may return fewer than are ready, but at least one. */
            if (g_mode == SHMPC_SPSC) CHECK(rc >= 1 && rc <= (int)cnt, "try_pop_many returned %ld, model says 1..%ld", rc, cnt);
            else CHECK(rc == (int)cnt, "try_pop_many returned %ld, model says %ld", rc, cnt);
            cnt = (uint32_t)rc;
            for (i = 0; i < cnt; i++) {
                if (i > 0) m_skip(m);
                expect_msg(m, m->mhead, bb[i], (uint32_t)iov[i].len);
                CHECK(bb[i][iov[i].len] == 0xEE, "pop_many wrote past message %ld%ld", i, 0);
                m_take(m, h, 0);
            }
            if (cnt < n) m_skip(m); /* the claim that stopped the batch skipped them too */
        } else {
            CHECK(rc == want, "try_pop_many returned %ld, model says %ld", rc, want);
            if (rc == SHMPC_EMSGSIZE) CHECK(iov[0].len == m_lenat(m, m->mhead), "pop_many EMSGSIZE reports %ld, message has %ld", iov[0].len, m_lenat(m, m->mhead));
        }
        break;
    }
    case O_WRONG_ROLE:
        want = m->hclosed[h] ? SHMPC_EINVAL : SHMPC_EROLE;
        if (is_prod(h)) rc = shmpc_try_pop(r, buf, SLOT, &len);
        else { buf[0] = 1; rc = shmpc_try_push(r, buf, 1); }
        CHECK(rc == want, "call in the wrong role returned %ld, model says %ld", rc, want);
        break;
    case O_CLOSE:
        want = SHMPC_OK; /* a closed handle too: close does nothing there */
        rc = shmpc_close(r);
        CHECK(rc == want, "close returned %ld, model says %ld", rc, want);
        if (rc == SHMPC_OK && !m->hclosed[h]) {
            if (m->hpend[h] == P_RES && g_mode == SHMPC_SPSC) { /* never published: dropped */
                m->mtail = (m->mtail - 1u) & IDXMASK; m->st[m_win(m)] = 0; m->who[m_win(m)] = 0;
            } else if (m->hpend[h] == P_RES) { /* MPMC: published as a discard, never delivered */
                m->st[m_i(m, m->hpos[h])] = E_DIS;
            } else if (m->hpend[h] == P_PEEK) {
                m->st[m_i(m, m->hpos[h])] = E_REL; m_advance_low(m);
            }
            m->hpend[h] = P_NONE;
            m_close_side(m, h);
        }
        break;
    default: abort();
    }
}

/* Dead slot contents: a slot whose position holds no committed, empty or peeked message (per the
   model) is overwritten before anyone may read it again, so its stale len and bytes are zeroed
   before the state is hashed (stale data from every producer would multiply the states). This
   keeps bugs visible: an implementation that reads such a slot gets length 0 and zero bytes,
   which the model never expects there. */
static void normalize(const model *m) {
    uint32_t live[MAXCAP] = {0}, i;
    for (i = 0; i < m_win(m); i++) {
        uint32_t st = m->st[i], sl = ((m->low + i) & IDXMASK) & (g_cap - 1u);
        live[sl] = st == E_COM || st == E_PEEK ? 2u : st == E_DIS ? 1u : 0u;
    }
    for (i = 0; i < g_cap; i++) {
        slotv *sl = slot_at(g_mem, i);
        if (live[i] == 0) sl->len = 0;
        if (live[i] < 2) memset(PAYLOAD(sl), 0, SLOT);
    }
}

/* Invariants of every state, implementation against model. */
static void invariants(const model *m) {
    segv *s = seg_of(g_mem);
    uint32_t head = s->head, tail = s->tail, i, ends, want_tail, res = 0, dis[MAXCAP] = {0};
    CHECK(head <= IDXMASK && tail <= IDXMASK, "index word out of the index type: head %ld tail %ld", head, tail);
    CHECK(((tail - head) & IDXMASK) <= g_cap, "fill %ld exceeds capacity %ld", (tail - head) & IDXMASK, g_cap);
    for (i = 0; i < m_win(m); i++) if (m->st[i] == E_DIS) dis[((m->low + i) & IDXMASK) & (g_cap - 1u)] = 1;
    for (i = 0; i < g_cap; i++) {
        CHECK(slot_at(g_mem, i)->seq <= IDXMASK, "slot %ld seq out of the index type (%ld)", i, slot_at(g_mem, i)->seq);
        CHECK(dis[i] ? slot_at(g_mem, i)->len == SHMPC__DISCARD : slot_at(g_mem, i)->len <= SLOT,
              "slot %ld len %ld: > slot size, or not the discard mark of a discarded reservation", i, slot_at(g_mem, i)->len);
    }
    for (i = 0; i < g_nh; i++) res += m->hpend[i] == P_RES;
    if (g_mode == SHMPC_SPSC) {
        want_tail = (m->mtail - res) & IDXMASK; /* a reservation is not published */
        CHECK(head == m->low, "shared head %ld, model %ld", head, m->low);
    } else {
        want_tail = m->mtail;
        CHECK(head == m->mhead, "shared head %ld, model %ld", head, m->mhead);
    }
    CHECK(tail == want_tail, "shared tail %ld, model %ld", tail, want_tail);
    ends = (m_prod_closed(m) ? 1u : 0u) | (m_cons_closed(m) ? 2u : 0u);
    CHECK(s->ends == ends, "ends %ld, model %ld", s->ends, ends);
    /* a side ends in its count: SHMPC__ENDED once the last one closed (every side attaches at setup) */
    CHECK(s->producers == (m_prod_closed(m) ? SHMPC__ENDED : m_open(m, 1)) &&
          s->consumers == (m_cons_closed(m) ? SHMPC__ENDED : m_open(m, 0)), "role counts %ld/%ld disagree with the model",
          s->producers, s->consumers);
    CHECK(s->state == (ends == 3u ? 2u : 1u), "state %ld (ends %ld)", s->state, ends);
    CHECK(m_win(m) <= g_cap, "model window %ld > cap%ld", m_win(m), 0);
}

static int ring_eq(const shmpc_ring *a, const shmpc_ring *b) {
    return a->seg == b->seg && a->slots == b->slots && a->map_size == b->map_size && a->capacity == b->capacity &&
           a->mask == b->mask && a->slot_size == b->slot_size && a->stride == b->stride && a->mode == b->mode &&
           a->role == b->role && a->peer == b->peer && a->kind == b->kind && a->shmid == b->shmid &&
           a->closed == b->closed && a->pending_op == b->pending_op && a->go == b->go && a->own == b->own &&
           a->cached == b->cached && a->pending_pos == b->pending_pos && a->pending_len == b->pending_len;
}

/* ---- hostile states ------------------------------------------------------------------------------------ */
static int in_set(int rc, const int *set) { for (; *set != 99; set++) if (rc == *set) return 1; return 0; }
static uint64_t g_hostile_runs;
static void hostile_ops(void) {
    static const int push_codes[] = {SHMPC_OK, SHMPC_EINVAL, SHMPC_EROLE, SHMPC_ESEQ, SHMPC_EMSGSIZE, SHMPC_EFULL,
                                     SHMPC_ECLOSED, SHMPC_ECORRUPT, SHMPC_EAGAIN, 99};
    static const int pop_codes[] = {SHMPC_OK, SHMPC_EINVAL, SHMPC_EROLE, SHMPC_ESEQ, SHMPC_EMSGSIZE, SHMPC_EEMPTY,
                                    SHMPC_ECLOSED, SHMPC_ECORRUPT, SHMPC_EAGAIN, 99};
    int k;
    unsigned char *lo = g_mem + SHMPC_HEADER_SIZE, *hi = g_mem + g_size;
    for (k = 0; k < g_nops; k++) {
        const op_t *o = &g_ops[k];
        shmpc_ring *r = &g_h[o->h];
        shmpc_ring save = *r;
        unsigned char buf[SLOT + 1], msg[SLOT + 1] = {1, 2, 3};
        unsigned char bb[MAXCAP + 1][SLOT];
        shmpc_iov iov[MAXCAP + 1];
        size_t len = 0, room = 0;
        void *b = NULL;
        const void *pm = NULL;
        int rc;
        uint32_t i;
        g_curop = k;
        g_hostile_runs++;
        switch (o->kind) {
        case O_PUSH: case O_PUSH_BIG:
            rc = shmpc_try_push(r, msg, o->kind == O_PUSH ? 1 : SLOT + 1);
            CHECK(in_set(rc, push_codes), "hostile: try_push returned %ld%ld", rc, 0); break;
        case O_PUSH_MANY:
            for (i = 0; i < o->n; i++) { iov[i].base = msg; iov[i].len = SLOT; }
            rc = shmpc_try_push_many(r, iov, o->n);
            CHECK(in_set(rc, push_codes) || (rc > 0 && rc <= (int)o->n), "hostile: try_push_many returned %ld (n %ld)", rc, o->n); break;
        case O_RESERVE:
            rc = shmpc_try_reserve(r, &b, &room);
            CHECK(in_set(rc, push_codes), "hostile: try_reserve returned %ld%ld", rc, 0);
            if (rc == SHMPC_OK) {
                CHECK((unsigned char *)b >= lo && (unsigned char *)b + room <= hi, "hostile: reserve buffer outside the slots (room %ld)%ld", room, 0);
                memset(b, 0x77, room); /* ASan: the whole room must be writable */
            }
            break;
        case O_COMMIT: case O_COMMIT_BIG:
            rc = shmpc_commit(r, o->kind == O_COMMIT ? 1 : SLOT + 1);
            CHECK(in_set(rc, push_codes), "hostile: commit returned %ld%ld", rc, 0); break;
        case O_POP: case O_POP_SMALL:
            rc = shmpc_try_pop(r, buf, o->kind == O_POP ? SLOT : 1, &len);
            CHECK(in_set(rc, pop_codes), "hostile: try_pop returned %ld%ld", rc, 0);
            if (rc == SHMPC_OK) CHECK(len <= (o->kind == O_POP ? SLOT : 1u), "hostile: pop length %ld%ld", len, 0);
            if (rc == SHMPC_EMSGSIZE) CHECK(len <= SLOT, "hostile: EMSGSIZE with length %ld > slot%ld", len, 0);
            break;
        case O_PEEK:
            rc = shmpc_try_peek(r, &pm, &len);
            CHECK(in_set(rc, pop_codes), "hostile: try_peek returned %ld%ld", rc, 0);
            if (rc == SHMPC_OK) {
                volatile unsigned char sink = 0;
                CHECK(len <= SLOT && (const unsigned char *)pm >= lo && (const unsigned char *)pm + len <= hi,
                      "hostile: peek gives %ld bytes outside the slots%ld", len, 0);
                for (i = 0; i < len; i++) sink ^= ((const unsigned char *)pm)[i];
                (void)sink;
            }
            break;
        case O_RELEASE:
            rc = shmpc_release(r);
            CHECK(in_set(rc, pop_codes), "hostile: release returned %ld%ld", rc, 0); break;
        case O_POP_MANY: case O_POP_MANY_SMALL:
            for (i = 0; i < o->n; i++) { iov[i].base = bb[i]; iov[i].len = o->kind == O_POP_MANY ? SLOT : 1; }
            rc = shmpc_try_pop_many(r, iov, o->n);
            CHECK(in_set(rc, pop_codes) || (rc > 0 && rc <= (int)o->n), "hostile: try_pop_many returned %ld (n %ld)", rc, o->n);
            if (rc > 0) for (i = 0; i < (uint32_t)rc; i++) CHECK(iov[i].len <= (o->kind == O_POP_MANY ? SLOT : 1u), "hostile: pop_many length %ld%ld", iov[i].len, 0);
            break;
        case O_WRONG_ROLE: break;
        case O_CLOSE:
            rc = shmpc_close(r);
            CHECK(rc == SHMPC_OK || rc == SHMPC_EINVAL, "hostile: close returned %ld%ld", rc, 0);
            *r = save; /* keep the handle for the next operations of this hostile state */
            break;
        }
    }
}

static void hostile_from(const unsigned char *key) {
    /* 0x80000002u: a length of 2 with the MPMC redelivery mark (SHMPC__REDO) */
    static const uint32_t extra[] = {0x100u, 0x101u, 0x8000u, 0xFFFFu, 0x10000u, 0x7FFFFFFFu, 0x80000000u, 0x80000002u, 0x80000003u, 0xFFFFFFFEu, 0xFFFFFFFFu};
    shmpc_ring hs[MAXH];
    model m;
    uint32_t f, nf = 8 + 2 * g_cap, v, nv;
    (void)hs;
    for (f = 0; f < nf; f++) {
        nv = (1u << SHMPC_INDEX_BITS) + (uint32_t)(sizeof extra / sizeof extra[0]);
        if (f >= 2 && f < 8 && SHMPC_INDEX_BITS > 8) nv = 256 + (uint32_t)(sizeof extra / sizeof extra[0]);
        for (v = 0; v < nv; v++) {
            uint32_t lim = f >= 2 && f < 8 ? 256u : (1u << SHMPC_INDEX_BITS);
            uint32_t val = v < lim ? v : extra[v - lim];
            segv *s;
            decode(key, g_mem, g_h, &m);
            s = seg_of(g_mem);
            switch (f) {
            case 0: s->head = val; break;
            case 1: s->tail = val; break;
            case 2: s->ends = val; break;
            case 3: s->state = val; break;
            case 4: s->producers = val; break;
            case 5: s->consumers = val; break;
            case 6: s->data_ev = val; break;
            case 7: s->space_ev = val; break;
            default:
                if ((f - 8) % 2 == 0) slot_at(g_mem, (f - 8) / 2)->seq = val;
                else slot_at(g_mem, (f - 8) / 2)->len = val;
            }
            hostile_ops();
        }
    }
}

/* ---- driver ---------------------------------------------------------------------------------------------- */
static double now_s(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }

int main(int argc, char **argv) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    model m0, m;
    kbuf k, k2;
    uint64_t trans = 0, i;
    double t0 = now_s();
    int a = 1, rc;
    uint32_t h;
    void *p;
    while (a < argc && strncmp(argv[a], "--", 2) == 0) {
        if (strcmp(argv[a], "--hostile") == 0) g_hostile = 1, a++;
        else if (strcmp(argv[a], "--max-states") == 0 && a + 1 < argc) g_max_states = strtoull(argv[a + 1], 0, 10), a += 2;
        else break;
    }
    if (argc - a < 2) { fprintf(stderr, "usage: bmc [--hostile] [--max-states N] spsc|mpmc CAP [PRODUCERS CONSUMERS]\n"); return 2; }
    g_mode = strcmp(argv[a], "mpmc") == 0 ? SHMPC_MPMC : SHMPC_SPSC;
    g_cap = (uint32_t)atoi(argv[a + 1]);
    g_np = argc - a >= 4 ? (uint32_t)atoi(argv[a + 2]) : 1u;
    g_nc = argc - a >= 4 ? (uint32_t)atoi(argv[a + 3]) : 1u;
    g_nh = g_np + g_nc;
    if (g_cap < 1 || g_cap > MAXCAP || (g_cap & (g_cap - 1)) || g_np < 1 || g_nc < 1 || g_nh > MAXH ||
        (g_mode == SHMPC_SPSC && g_nh != 2)) { fprintf(stderr, "bmc: bad configuration\n"); return 2; }
    o.capacity = g_cap; o.slot_size = SLOT; o.mode = g_mode; o.start_index = 0;
    g_size = shmpc_footprint(g_cap, SLOT);
    if (posix_memalign(&p, 64, g_size) || !(g_pristine = malloc(g_size))) return 2;
    g_mem = p;
    if (posix_memalign(&p, 64, g_size)) return 2;
    g_scratch = p;
    memset(g_mem, 0, g_size);
    rc = shmpc_format(g_mem, g_size, &o);
    if (rc != SHMPC_OK) { fprintf(stderr, "bmc: format: %s\n", shmpc_strerror(rc)); return 1; }
    for (h = 0; h < g_nh; h++) {
        rc = shmpc_attach_id(&g_h0[h], g_mem, g_size, is_prod(h) ? SHMPC_PRODUCER : SHMPC_CONSUMER, h + 1u, 0);
        if (rc != SHMPC_OK) { fprintf(stderr, "bmc: attach: %s\n", shmpc_strerror(rc)); return 1; }
        g_peer0[h] = g_h0[h].peer;
    }
    memcpy(g_pristine, g_mem, g_size);
    memcpy(g_scratch, g_mem, g_size);
    memset(&m0, 0, sizeof m0);
    make_ops();
    memcpy(g_h, g_h0, sizeof g_h);
    encode(g_mem, g_h, &m0, &k);
    g_keylen = k.n;
    tab_rebuild(1u << 16);
    visit(&k, 0, 0);
    for (i = 0; i < g_nstates; i++) {
        int opi;
        g_cur = i;
        for (opi = 0; opi < g_nops; opi++) {
            g_curop = opi;
            decode(g_keys + i * g_keylen, g_mem, g_h, &m);
            step(&m, &g_ops[opi]);
            invariants(&m);
            normalize(&m);
            encode(g_mem, g_h, &m, &k);
            /* the key is lossless: the world rebuilt from it is the world we have */
            {
                model mm;
                decode(k.b, g_scratch, g_hs, &mm);
                for (h = 0; h < g_nh; h++) {
                    segv *s = seg_of(g_mem);
                    CHECK(s->peers[g_peer0[h]].pending <= IDXMASK, "peer pending word %ld out of the index type%ld", s->peers[g_peer0[h]].pending, 0);
                    seg_of(g_scratch)->peers[g_peer0[h]].pending = s->peers[g_peer0[h]].pending; /* dead here */
                    if (!g_h[h].pending_op) { g_hs[h].pending_pos = g_h[h].pending_pos; g_hs[h].pending_len = g_h[h].pending_len; }
                }
                CHECK(memcmp(g_scratch, g_mem, g_size) == 0, "canonical key loses ring state%ld%ld", 0, 0);
                for (h = 0; h < g_nh; h++) CHECK(ring_eq(&g_hs[h], &g_h[h]), "canonical key loses handle %ld state%ld", h, 0);
                for (h = 0; h < g_nh; h++) { /* the try calls' one check agrees with the fields it stands for */
                    const shmpc_ring *r = &g_h[h];
                    int go = r->seg && !r->closed && r->pending_op == SHMPC__OP_NONE ? r->role : 0;
                    CHECK(r->go == go, "handle %ld: go %ld disagrees with its open/pending state", h, (long)r->go);
                }
                encode(g_scratch, g_hs, &mm, &k2);
                CHECK(k2.n == k.n && memcmp(k2.b, k.b, k.n) == 0, "canonical key loses model state%ld%ld", 0, 0);
            }
            trans++;
            visit(&k, (uint32_t)i, (uint16_t)opi);
        }
    }
    printf("bmc %2d-bit %s cap %2u %up x %uc: %9llu states %11llu transitions, %d ops/state, 0 violations (%.1f s)\n",
           SHMPC_INDEX_BITS, g_mode == SHMPC_SPSC ? "spsc" : "mpmc", g_cap, g_np, g_nc,
           (unsigned long long)g_nstates, (unsigned long long)trans, g_nops, now_s() - t0);
    if (g_hostile) {
        double t1 = now_s();
        for (i = 0; i < g_nstates; i++) { g_cur = i; hostile_from(g_keys + i * g_keylen); }
        printf("bmc %2d-bit %s cap %2u %up x %uc hostile: %llu states x %u fields x every value: %llu calls, 0 violations (%.1f s)\n",
               SHMPC_INDEX_BITS, g_mode == SHMPC_SPSC ? "spsc" : "mpmc", g_cap, g_np, g_nc,
               (unsigned long long)g_nstates, 8 + 2 * g_cap, (unsigned long long)g_hostile_runs, now_s() - t1);
    }
    return 0;
}
