/* fuzz_race.c - libFuzzer harness 2: a mutator thread scribbles bytes decoded from the input on
   the segment (header, indices, sequence words, lengths, peer table) while the main thread runs a
   producer and a consumer against it (push, pop, peek/release, batches, reserve/commit): the
   consumer must never crash, read or write outside the mapping, return a length larger than its
   buffer or the slot, or loop without bound. Both loops are bounded (iterations), so every input
   ends. The scribbling is a deliberate data race (a hostile process does exactly this); the
   mutator stores with relaxed atomics so that the harness itself stays defined. */
#include "fuzz_common.h"

#include <pthread.h>

typedef struct patch { uint32_t off; uint8_t len; uint8_t bytes[8]; } patch;
typedef struct race { fz_seg *s; patch p[32]; int np, rounds; } race;

static void *mutator(void *a) {
    race *x = (race *)a;
    int k, i, j;
    for (k = 0; k < x->rounds; k++)
        for (i = 0; i < x->np; i++)
            for (j = 0; j < x->p[i].len; j++)
                __atomic_store_n(&x->s->mem[(x->p[i].off + (uint32_t)j) % x->s->size], x->p[i].bytes[j], __ATOMIC_RELAXED);
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz f = {data, size, 0};
    fz_seg s;
    race x;
    pthread_t th;
    shmpc_ring prod, cons;
    unsigned char buf[128];
    uint8_t script[64];
    int i, nscript, it;
    if (!fz_build(&f, &s)) return 0;
    memset(&x, 0, sizeof x);
    x.s = &s;
    x.np = fz_u8(&f) % 33u;
    x.rounds = fz_u8(&f) % 64u + 1;
    for (i = 0; i < x.np; i++) {
        int j;
        /* aim at the interesting parts: the header's first 0x240 bytes, or the slots */
        uint16_t o = fz_u16(&f);
        x.p[i].off = (o & 1u) ? (uint32_t)(o >> 1) % 0x240u : (uint32_t)(o >> 1);
        x.p[i].len = (uint8_t)(fz_u8(&f) % 8u + 1u);
        for (j = 0; j < x.p[i].len; j++) x.p[i].bytes[j] = fz_u8(&f);
    }
    nscript = (int)(fz_u8(&f) % 64u) + 1;
    for (i = 0; i < nscript; i++) script[i] = fz_u8(&f);
    memset(&prod, 0, sizeof prod); prod.peer = -1;
    memset(&cons, 0, sizeof cons); cons.peer = -1;
    fz_rc(shmpc_attach_id(&prod, s.mem, s.size, SHMPC_PRODUCER, 1u, 0u), "attach producer");
    fz_rc(shmpc_attach_id(&cons, s.mem, s.size, SHMPC_CONSUMER, 2u, 0u), "attach consumer");
    if (pthread_create(&th, NULL, mutator, &x) != 0) { shmpc_close(&prod); shmpc_close(&cons); free(s.mem); return 0; }
    for (it = 0; it < 600; it++) {
        uint8_t op = script[it % nscript];
        int rc;
        size_t len = 0;
        switch (op & 7u) {
        case 0: case 1:
            memset(buf, op, 64);
            fz_rc(shmpc_try_push(&prod, buf, (size_t)(op >> 3) % 65u), "try_push");
            break;
        case 2: {
            size_t cap = (size_t)(op >> 3) % 129u;
            rc = shmpc_try_pop(&cons, buf, cap, &len);
            fz_rc(rc, "try_pop");
            if (rc == SHMPC_OK && (len > cap || len > s.slot_size)) FZ_FAIL("pop: length %zu, buffer %zu", len, cap);
            break;
        }
        case 3: {
            const void *m = NULL;
            rc = shmpc_try_peek(&cons, &m, &len);
            fz_rc(rc, "peek");
            if (rc == SHMPC_OK) {
                size_t k; unsigned sum = 0;
                if (len > s.slot_size) FZ_FAIL("peek: length %zu", len);
                fz_inside(&s, m, len, "peek");
                for (k = 0; k < len; k++) sum += __atomic_load_n((const unsigned char *)m + k, __ATOMIC_RELAXED);
                (void)sum;
                fz_rc(shmpc_release(&cons), "release");
            }
            break;
        }
        case 4: {
            void *b = NULL; size_t room = 0;
            rc = shmpc_try_reserve(&prod, &b, &room);
            fz_rc(rc, "reserve");
            if (rc == SHMPC_OK) {
                size_t k;
                fz_inside(&s, b, room, "reserve");
                for (k = 0; k < room; k++) __atomic_store_n((unsigned char *)b + k, (unsigned char)k, __ATOMIC_RELAXED);
                fz_rc(shmpc_commit(&prod, room), "commit");
            }
            break;
        }
        case 5: {
            unsigned char bb[4][64]; shmpc_iov v[4]; int k;
            for (k = 0; k < 4; k++) { v[k].base = bb[k]; v[k].len = 64; }
            rc = shmpc_try_pop_many(&cons, v, 4);
            fz_rc(rc, "pop_many");
            for (k = 0; k < rc; k++) if (v[k].len > 64) FZ_FAIL("pop_many: length %zu", v[k].len);
            break;
        }
        case 6: {
            shmpc_iov v[3]; int k;
            for (k = 0; k < 3; k++) { v[k].base = buf; v[k].len = (size_t)(op >> 3) % 65u; }
            fz_rc(shmpc_try_push_many(&prod, v, 3), "push_many");
            break;
        }
        default: {
            shmpc_status st;
            fz_rc(shmpc_stat(&cons, &st), "stat");
            if (op & 0x80u) { /* the sleep path, briefly */
                rc = shmpc_pop_timed(&cons, buf, sizeof buf, &len, 20000);
                fz_rc(rc, "pop_timed");
                if (rc == SHMPC_OK && len > s.slot_size) FZ_FAIL("pop_timed: length %zu", len);
            }
            break;
        }
        }
    }
    pthread_join(th, NULL);
    shmpc_close(&prod);
    shmpc_close(&cons);
    free(s.mem);
    return 0;
}
