/* A tiny hosted main linked with the freestanding core object: formats a ring in its own memory,
   attaches both roles by id (no OS: no pid), and moves messages through many wraps of the index
   with the try operations, the zero-copy and the batch calls. Exit 0 only if all is right. */
#include "../../shmpc.h"
#include <stdio.h>
#include <string.h>

static _Alignas(64) unsigned char mem[0xA00 + 8 * 24];

int main(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring p, c;
    unsigned i, bad = 0, mode;
    for (mode = SHMPC_SPSC; mode <= SHMPC_MPMC; mode++) {
        shmpc_status st;
        o.capacity = 8; o.slot_size = 16; o.mode = mode; o.start_index = 0xFFFFFFF0u;
        if (shmpc_footprint(8, 16) != sizeof mem) return 10;
        if (shmpc_format(mem, sizeof mem, &o) != SHMPC_OK) return 11;
        if (shmpc_attach_id(&p, mem, sizeof mem, SHMPC_PRODUCER, 1u, 0u) != SHMPC_OK) return 12;
        if (shmpc_attach_id(&c, mem, sizeof mem, SHMPC_CONSUMER, 2u, 0u) != SHMPC_OK) return 13;
        for (i = 0; i < 1000; i++) {
            unsigned v = i * 3u, got = 0;
            size_t n = 0, room;
            void *w;
            const void *m;
            shmpc_iov iov = {&got, sizeof got};
            if (i % 3 == 0) {
                if (shmpc_try_push(&p, &v, sizeof v) != SHMPC_OK) bad++;
                if (shmpc_try_pop(&c, &got, sizeof got, &n) != SHMPC_OK || n != sizeof v || got != v) bad++;
            } else if (i % 3 == 1) {
                if (shmpc_try_reserve(&p, &w, &room) != SHMPC_OK || room != 16) { bad++; continue; }
                memcpy(w, &v, sizeof v);
                if (shmpc_commit(&p, sizeof v) != SHMPC_OK) bad++;
                if (shmpc_try_peek(&c, &m, &n) != SHMPC_OK || n != sizeof v || memcmp(m, &v, n) != 0) bad++;
                if (shmpc_release(&c) != SHMPC_OK) bad++;
            } else {
                shmpc_iov in = {&v, sizeof v};
                if (shmpc_try_push_many(&p, &in, 1) != 1) bad++;
                if (shmpc_try_pop_many(&c, &iov, 1) != 1 || iov.len != sizeof v || got != v) bad++;
            }
        }
        if (shmpc_stat(&c, &st) != SHMPC_OK || st.head != (shmpc_idx)(0xFFFFFFF0u + 1000u) || st.fill != 0) bad++;
        shmpc_close(&p);
        if (shmpc_try_pop(&c, &i, sizeof i, NULL) != SHMPC_ECLOSED) bad++;
        shmpc_close(&c);
    }
    printf("freestanding core linked with a hosted main: %s\n", bad ? "FAILED" : "ok (SPSC and MPMC, 1000 messages each, across the wrap)");
    return bad ? 1 : 0;
}
