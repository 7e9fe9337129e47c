/* Compile test: SHMPC_STATIC makes every function private to this translation unit. It is linked
   with tests/impl.c (the extern implementation) to show that the two do not clash, and mk/tests.mk
   checks with nm that this object exports no shmpc symbol. It must compile without warnings even
   though it calls only a few functions. */
#define SHMPC_STATIC
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.h"
#include <stdio.h>
#include <stdlib.h>

int static_smoke(void);
int static_smoke(void) {
    size_t size = shmpc_footprint(4, 8), n = 0;
    void *mem = NULL;
    shmpc_ring p, c;
    shmpc_opts o = SHMPC_OPTS_INIT;
    char buf[8];
    int ok;
    o.capacity = 4; o.slot_size = 8; o.start_index = 0xFFFFFFF0u;
    if (posix_memalign(&mem, 64, size) != 0 || shmpc_format(mem, size, &o) != SHMPC_OK) return 0;
    ok = shmpc_attach_id(&p, mem, size, SHMPC_PRODUCER, 1u, 0u) == SHMPC_OK &&
         shmpc_attach_id(&c, mem, size, SHMPC_CONSUMER, 2u, 0u) == SHMPC_OK &&
         shmpc_try_push(&p, "static", 6) == SHMPC_OK && shmpc_try_pop(&c, buf, sizeof buf, &n) == SHMPC_OK && n == 6;
    free(mem);
    return ok;
}
