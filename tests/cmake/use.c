/* A C program built through the CMake target shmpc::shmpc: a ring placed in a static array, one
   message through it. */
#define SHMPC_IMPLEMENTATION
#include <shmpc.h>
#include <stdio.h>

static _Alignas(128) unsigned char ring_memory[1 << 14];

int main(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring tx, rx;
    char got[8];
    size_t len = 0;
    int ok = shmpc_format(ring_memory, sizeof ring_memory, &o) == SHMPC_OK &&
             shmpc_attach_id(&tx, ring_memory, sizeof ring_memory, SHMPC_PRODUCER, 1u, 0u) == SHMPC_OK &&
             shmpc_attach_id(&rx, ring_memory, sizeof ring_memory, SHMPC_CONSUMER, 2u, 0u) == SHMPC_OK &&
             shmpc_push(&tx, "cmake", 5) == SHMPC_OK && shmpc_pop_timed(&rx, got, sizeof got, &len, SHMPC_SEC(1)) == SHMPC_OK;
    if (!ok || len != 5) return 1;
    printf("%.5s c\n", got);
    return 0;
}
