/* tests/stress.h - producers and consumers that check that nothing is lost, duplicated or
   reordered per producer. Used by the threads and process suites. The board (results and a bitmap
   of every message) lives in memory both sides see: plain memory for threads, a MAP_SHARED
   mapping for processes. */
#ifndef SHMPC_TESTS_STRESS_H
#define SHMPC_TESTS_STRESS_H
#include "common.h"
#include <stdatomic.h>
#include <sys/mman.h>

enum { S_MAXP = 8, S_SLOT = 40 };

typedef struct s_msg { uint32_t producer, extra; uint64_t seq, check; unsigned char tail[16]; } s_msg;

typedef struct s_board {
    uint64_t per_producer;          /* messages each producer sends */
    int producers;
    int strict;                     /* SPSC: a consumer sees seq 0, 1, 2, ... exactly */
    int batches;                    /* every call a batch (push_many 2..8, pop_many 8) */
    _Atomic uint64_t received, errors, dups, bad_content, order, sum;
    _Atomic uint64_t push_fail, pop_fail;   /* unexpected return codes */
    _Atomic int last_error;
    _Atomic uint64_t bits[];        /* one bit per message */
} s_board;

static inline uint64_t s_mix(uint64_t a, uint64_t b) {
    uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull);
    x ^= x >> 29; x *= 0xBF58476D1CE4E5B9ull; x ^= x >> 32;
    return x;
}

static inline size_t s_board_size(uint64_t total) { return sizeof(s_board) + (total + 63) / 64 * 8; }

/* A board in a MAP_SHARED mapping: seen by threads and by forked children alike. */
static inline s_board *s_board_new(int producers, uint64_t per_producer, int strict) {
    size_t n = s_board_size((uint64_t)producers * per_producer);
    s_board *b = (s_board *)mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(b, MAP_FAILED);
    b->per_producer = per_producer; b->producers = producers; b->strict = strict;
    return b;
}
static inline void s_board_free(s_board *b) {
    munmap(b, s_board_size((uint64_t)b->producers * b->per_producer));
}

static inline size_t s_make(s_msg *m, uint32_t producer, uint64_t seq) {
    size_t j, len;
    m->producer = producer; m->seq = seq; m->check = s_mix(producer, seq);
    m->extra = (uint32_t)(seq % 17);
    for (j = 0; j < m->extra; j++) m->tail[j] = (unsigned char)(m->check >> (j % 8 * 8));
    len = offsetof(s_msg, tail) + m->extra; /* 24..40 bytes */
    return len;
}

/* Producer: per_producer messages, mostly push, now and then a batch or a reservation (or only
   batches, b->batches). */
static inline void s_produce(s_board *b, shmpc_ring *r, uint32_t id) {
    uint64_t seq = 0;
    s_msg m[8];
    int rc;
    while (seq < b->per_producer) {
        uint64_t kind = b->batches ? 0 : seq % 97, left = b->per_producer - seq;
        if (kind == 0 && (b->batches || left >= 8)) {
            shmpc_iov iov[8];
            int i, nb = b->batches ? (int)(2 + seq % 7) : 8;
            if ((uint64_t)nb > left) nb = (int)left;
            for (i = 0; i < nb; i++) { iov[i].len = s_make(&m[i], id, seq + (uint64_t)i); iov[i].base = &m[i]; }
            rc = shmpc_push_many_timed(r, iov, (size_t)nb, SHMPC_FOREVER);
            if (rc < 1 || rc > nb) goto fail;
            seq += (uint64_t)rc;
        } else if (kind == 1) {
            void *w; size_t room, len;
            rc = shmpc_reserve_timed(r, &w, &room, SHMPC_FOREVER);
            if (rc != SHMPC_OK || room < sizeof(s_msg)) goto fail;
            len = s_make(&m[0], id, seq);
            memcpy(w, &m[0], len);
            if ((rc = shmpc_commit(r, len)) != SHMPC_OK) goto fail;
            seq++;
        } else {
            size_t len = s_make(&m[0], id, seq);
            if ((rc = shmpc_push(r, &m[0], len)) != SHMPC_OK) goto fail;
            seq++;
        }
    }
    return;
fail:
    atomic_fetch_add(&b->push_fail, 1);
    atomic_store(&b->last_error, rc);
}

/* Checks one message and marks it in the bitmap. last[] holds the next expected (strict) or the
   last seen + 1 per producer, for this consumer. */
static inline void s_account(s_board *b, const void *p, size_t len, uint64_t last[S_MAXP]) {
    s_msg m;
    uint32_t j;
    uint64_t bit, old;
    if (len < offsetof(s_msg, tail) || len > sizeof m) { atomic_fetch_add(&b->bad_content, 1); return; }
    memcpy(&m, p, len);
    if (m.producer >= (uint32_t)b->producers || m.seq >= b->per_producer || m.check != s_mix(m.producer, m.seq) ||
        m.extra != m.seq % 17 || len != offsetof(s_msg, tail) + m.extra) {
        atomic_fetch_add(&b->bad_content, 1); return;
    }
    for (j = 0; j < m.extra; j++)
        if (m.tail[j] != (unsigned char)(m.check >> (j % 8 * 8))) { atomic_fetch_add(&b->bad_content, 1); return; }
    if (b->strict ? m.seq != last[m.producer] : m.seq < last[m.producer]) atomic_fetch_add(&b->order, 1);
    last[m.producer] = m.seq + 1;
    bit = (uint64_t)m.producer * b->per_producer + m.seq;
    old = atomic_fetch_or(&b->bits[bit / 64], 1ull << (bit % 64));
    if (old & (1ull << (bit % 64))) atomic_fetch_add(&b->dups, 1);
    atomic_fetch_add_explicit(&b->received, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&b->sum, m.check, memory_order_relaxed);
}

/* Consumer: until the end of the stream; mostly pop, now and then a batch or a peek (or only
   batches, b->batches). */
static inline void s_consume(s_board *b, shmpc_ring *r) {
    uint64_t last[S_MAXP] = {0}, k = 0;
    unsigned char buf[8][64];
    int rc;
    for (;; k++) {
        uint64_t kind = b->batches ? 0 : k % 89;
        if (kind == 0) {
            shmpc_iov iov[8];
            int i;
            for (i = 0; i < 8; i++) { iov[i].base = buf[i]; iov[i].len = sizeof buf[i]; }
            rc = shmpc_pop_many_timed(r, iov, 8, SHMPC_FOREVER);
            if (rc < 1) break;
            for (i = 0; i < rc; i++) s_account(b, buf[i], iov[i].len, last);
        } else if (kind == 1) {
            const void *msg; size_t len;
            if ((rc = shmpc_peek_timed(r, &msg, &len, SHMPC_FOREVER)) != SHMPC_OK) break;
            s_account(b, msg, len, last);
            if ((rc = shmpc_release(r)) != SHMPC_OK) break;
        } else {
            size_t len;
            if ((rc = shmpc_pop(r, buf[0], sizeof buf[0], &len)) != SHMPC_OK) break;
            s_account(b, buf[0], len, last);
        }
    }
    if (rc != SHMPC_ECLOSED) { atomic_fetch_add(&b->pop_fail, 1); atomic_store(&b->last_error, rc); }
}

/* The verdict: every message exactly once, in order per producer, intact. */
static inline void s_verify(s_board *b) {
    uint64_t total = (uint64_t)b->producers * b->per_producer, i, missing = 0, sum = 0;
    uint32_t p;
    for (i = 0; i < total; i++)
        if (!(atomic_load(&b->bits[i / 64]) & (1ull << (i % 64)))) missing++;
    for (p = 0; p < (uint32_t)b->producers; p++)
        for (i = 0; i < b->per_producer; i++) sum += s_mix(p, i);
    ck_assert_msg(b->push_fail == 0 && b->pop_fail == 0, "push failures %llu, pop failures %llu, last %s",
                  (unsigned long long)b->push_fail, (unsigned long long)b->pop_fail, shmpc_strerror(b->last_error));
    ck_assert_msg(b->bad_content == 0, "%llu messages damaged", (unsigned long long)b->bad_content);
    ck_assert_msg(b->dups == 0, "%llu messages duplicated", (unsigned long long)b->dups);
    ck_assert_msg(b->order == 0, "%llu messages out of order", (unsigned long long)b->order);
    ck_assert_msg(missing == 0, "%llu messages lost", (unsigned long long)missing);
    ck_assert_uint_eq(b->received, total);
    ck_assert_msg(b->sum == sum, "checksum %llx, expected %llx", (unsigned long long)b->sum, (unsigned long long)sum);
}
#endif
