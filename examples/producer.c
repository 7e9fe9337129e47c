/* producer: creates a ring and fills it with random items 0..3000, then closes it (end of stream).
   Start the consumer first (it waits for the ring) or after (the ring buffers up to --capacity). */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include "common.h"
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    ex_args a = ex_parse(argc, argv, "Creates ring NAME (capacity SLOTS, a power of two) and pushes N random items 0..3000.");
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring r;
    long i, sum = 0;
    int rc;
    o.capacity = (uint32_t)a.capacity;
    o.slot_size = sizeof(int32_t);
    o.mode = a.mpmc ? SHMPC_MPMC : SHMPC_SPSC;
    if (a.capacity < 1 || a.capacity > 0x40000000L || (a.capacity & (a.capacity - 1)) != 0) {
        fprintf(stderr, "%s: --capacity must be a power of two (1, 2, 4, ... 2^30), got %ld\n", argv[0], a.capacity);
        return 2;
    }
    rc = shmpc_create(&r, a.name, &o, SHMPC_PRODUCER);
    if (rc == SHMPC_EEXIST) {
        fprintf(stderr, "%s: ring '%s' exists already (left by an earlier run? remove it with shmpcctl rm %s)\n",
                argv[0], a.name, a.name);
        return 1;
    }
    if (rc != SHMPC_OK) ex_die(argv[0], "create", rc);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (i = 0; i < a.items; i++) {
        int32_t item = rand() % 3001;
        rc = shmpc_push(&r, &item, sizeof item); /* blocks while the ring is full */
        if (rc != SHMPC_OK) ex_die(argv[0], "push", rc);
        sum += item;
        if (!a.quiet) printf("produced item %ld: %d\n", i, (int)item);
    }
    printf("producer: %ld items, sum %ld\n", a.items, sum);
    shmpc_close(&r); /* the consumer drains what is left, then sees the end of the stream */
    return 0;
}
