/* tests/pair.h - a producer and a consumer handle on one ring in caller memory. */
#ifndef SHMPC_TESTS_PAIR_H
#define SHMPC_TESTS_PAIR_H
#include "common.h"

typedef struct t_pair { void *mem; size_t size; shmpc_ring p, c; } t_pair;

static inline uint32_t t_mode(int i) { return i == 0 ? (uint32_t)SHMPC_SPSC : (uint32_t)SHMPC_MPMC; }

static inline void t_pair_open(t_pair *t, uint32_t cap, uint32_t slot, uint32_t mode) {
    shmpc_opts o = t_opts(cap, slot, mode);
    t->size = shmpc_footprint(cap, slot);
    ck_assert_uint_gt(t->size, 0);
    t->mem = t_mem(t->size);
    ck_assert_rc(shmpc_format(t->mem, t->size, &o), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&t->p, t->mem, t->size, SHMPC_PRODUCER, 101u, 0u), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&t->c, t->mem, t->size, SHMPC_CONSUMER, 102u, 0u), SHMPC_OK);
}
static inline void t_pair_close(t_pair *t) {
    if (t->p.seg) shmpc_close(&t->p);
    if (t->c.seg) shmpc_close(&t->c);
    free(t->mem);
}
static inline uint32_t t_fill_level(const shmpc_ring *r) {
    shmpc_status st;
    ck_assert_rc(shmpc_stat(r, &st), SHMPC_OK);
    return st.fill;
}
#endif
