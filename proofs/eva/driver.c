/* Eva's driver (make eva): the shell's operations on rings that shmpc_format laid out, with every
   load of a shared word an arbitrary value (the __FRAMAC__ view of >>atomics: a concurrent hostile
   peer) and every caller argument arbitrary within the API's rules. Eva must find no alarm: no
   access outside the mapping or a caller's buffer, no undefined behaviour, whatever the peer writes. */
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.h"
#include "__fc_builtin.h"

#define CAP 4u
#define SLOT 16u
#define MAP (2560u + CAP * ((SLOT + 15u) / 8u * 8u))
static unsigned char spsc_seg[MAP] __attribute__((aligned(64)));
static unsigned char mpmc_seg[MAP] __attribute__((aligned(64)));

static void produce(shmpc_ring *p) {
    char msg[SLOT + 1];
    shmpc_iov iov[3];
    void *buf;
    size_t room, k;
    Frama_C_make_unknown(msg, sizeof msg);
    shmpc_try_push(p, msg, Frama_C_size_t_interval(0, SLOT + 1));
    if (shmpc_try_reserve(p, &buf, &room) == SHMPC_OK) {
        for (k = 0; k < room; k++) ((char *)buf)[k] = msg[k % sizeof msg];
        if (shmpc_commit(p, Frama_C_size_t_interval(0, SLOT + 1)) != SHMPC_OK) shmpc_commit(p, 0);
    }
    for (k = 0; k < 3; k++) { /* null buffers of length 0 and messages of 0 .. SLOT + 1 bytes, */
        int some = Frama_C_interval(0, 1);  /* in one state each (Eva keeps no relation */
        /*@ split some; */                  /* between a base and its length otherwise) */
        iov[k].base = some ? msg : NULL;
        iov[k].len = Frama_C_size_t_interval(0, some ? SLOT + 1 : 0);
    }
    shmpc_try_push_many(p, iov, Frama_C_size_t_interval(1, 3));
}

static void consume(shmpc_ring *c) {
    char out[3][SLOT];
    shmpc_iov iov[3];
    const void *msg;
    size_t len, k;
    shmpc_try_pop(c, out[0], Frama_C_size_t_interval(0, SLOT), &len);
    if (shmpc_try_peek(c, &msg, &len) == SHMPC_OK) {
        if (len > 0) out[1][0] = ((const char *)msg)[len - 1];
        shmpc_release(c);
    }
    for (k = 0; k < 3; k++) {
        iov[k].base = out[k];
        iov[k].len = Frama_C_size_t_interval(0, SLOT);
    }
    shmpc_try_pop_many(c, iov, Frama_C_size_t_interval(1, 3));
}

static void ring(unsigned char *mem, uint32_t mode) {
    shmpc_opts o = {0};
    shmpc_ring p = {0}, c = {0}, obs = {0}; /* Eva merges the paths out of attach: a field set */
                                            /* only where it succeeds would read as uninitialized */
    shmpc_status st;
    shmpc_peer_status ps[2];
    o.capacity = CAP;
    o.slot_size = SLOT;
    o.mode = mode;
    o.start_index = Frama_C_unsigned_int_interval(0, 0xFFFFFFFFu);
    if (shmpc_format(mem, MAP, &o) != SHMPC_OK) return;
    if (shmpc_attach_id(&p, mem, MAP, SHMPC_PRODUCER, 1u, 0u) == SHMPC_OK) produce(&p);
#ifndef EVA_PRODUCER_ONLY /* make eva's mutant, planted in a producer's path, runs the producer only */
    if (shmpc_attach_id(&c, mem, MAP, SHMPC_CONSUMER, 2u, 0u) == SHMPC_OK) consume(&c);
    if (shmpc_attach_id(&obs, mem, MAP, SHMPC_OBSERVER, 0u, 0u) == SHMPC_OK) {
        shmpc_stat(&obs, &st);
        shmpc_peers(&obs, ps, 2);
        shmpc_close(&obs);
    }
    shmpc_close(&c);
#endif
    shmpc_close(&p);
}

int main(void) {
    ring(spsc_seg, SHMPC_SPSC);
    ring(mpmc_seg, SHMPC_MPMC);
    return 0;
}
