/* consumer: opens the ring a producer created (waiting up to --wait seconds), prints every item it
   consumes until the producer closes, then removes the ring. With --items N it checks it got N. */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include "common.h"

int main(int argc, char **argv) {
    ex_args a = ex_parse(argc, argv, "Opens ring NAME and consumes items until the producer closes it.");
    int expect = 0;
    shmpc_ring r;
    long n = 0, sum = 0;
    int32_t item;
    size_t len;
    int rc, i;
    for (i = 1; i < argc; i++) expect |= !strcmp(argv[i], "--items");
    rc = shmpc_open(&r, a.name, SHMPC_CONSUMER, (int64_t)(a.wait * 1e9));
    if (rc == SHMPC_ENOENT) {
        fprintf(stderr, "%s: no ring '%s' (start the producer, or give --wait SECONDS)\n", argv[0], a.name);
        return 1;
    }
    if (rc != SHMPC_OK) ex_die(argv[0], "open", rc);
    while ((rc = shmpc_pop(&r, &item, sizeof item, &len)) == SHMPC_OK) {
        if (len != sizeof item) { fprintf(stderr, "%s: message of %zu bytes, expected 4\n", argv[0], len); return 1; }
        if (!a.quiet) printf("consumed item %ld: %d\n", n, (int)item);
        if (item < 0 || item > 3000) { fprintf(stderr, "%s: item %d out of 0..3000\n", argv[0], (int)item); return 1; }
        n++;
        sum += item;
    }
    if (rc != SHMPC_ECLOSED) ex_die(argv[0], "pop", rc);
    printf("consumer: %ld items, sum %ld\n", n, sum);
    shmpc_close(&r);
    shmpc_unlink(a.name);
    return ex_expect(argv[0], expect, n, a.items);
}
