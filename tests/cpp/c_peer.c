/* The C side of the C++ tests (tests/cpp/test_hpp.cpp): plain shmpc.h, another process.
   c_peer consume NAME N   opens NAME as consumer, expects "msg-0".."msg-{N-1}" then the end of
                           the stream, then N records {i, i * 3} of 16 bytes from NAME-typed
   c_peer produce NAME N   opens NAME as producer, pushes "c-0".."c-{N-1}", closes
   Exit status 0 when every message was as expected. */
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, int rc) {
    fprintf(stderr, "c_peer: %s: %s (%d)\n", what, shmpc_strerror(rc), rc);
    return 1;
}

int main(int argc, char **argv) {
    shmpc_ring r;
    char buf[64], want[32], typed[256];
    size_t n;
    long i, count;
    int rc;
    if (argc != 4) return 2;
    count = atol(argv[3]);
    if (!strcmp(argv[1], "consume")) {
        uint64_t rec[2];
        if ((rc = shmpc_open(&r, argv[2], SHMPC_CONSUMER, SHMPC_SEC(10))) != SHMPC_OK) return fail("open", rc);
        for (i = 0; (rc = shmpc_pop(&r, buf, sizeof buf, &n)) == SHMPC_OK; i++) {
            snprintf(want, sizeof want, "msg-%ld", i);
            if (n != strlen(want) || memcmp(buf, want, n) != 0) return fail("message out of order", SHMPC_ECORRUPT);
        }
        if (rc != SHMPC_ECLOSED || i != count) return fail("end of stream", rc);
        shmpc_close(&r);
        snprintf(typed, sizeof typed, "%s-typed", argv[2]);
        if ((rc = shmpc_open(&r, typed, SHMPC_CONSUMER, SHMPC_SEC(10))) != SHMPC_OK) return fail("open typed", rc);
        for (i = 0; (rc = shmpc_pop(&r, rec, sizeof rec, &n)) == SHMPC_OK; i++)
            if (n != sizeof rec || rec[0] != (uint64_t)i || rec[1] != (uint64_t)i * 3u) return fail("record", SHMPC_ECORRUPT);
        if (rc != SHMPC_ECLOSED || i != count) return fail("end of typed stream", rc);
        shmpc_close(&r);
        printf("c_peer: consumed %ld messages and %ld records from a C++ producer\n", count, count);
        return 0;
    }
    if (!strcmp(argv[1], "produce")) {
        if ((rc = shmpc_open(&r, argv[2], SHMPC_PRODUCER, SHMPC_SEC(10))) != SHMPC_OK) return fail("open", rc);
        for (i = 0; i < count; i++) {
            n = (size_t)snprintf(buf, sizeof buf, "c-%ld", i);
            if ((rc = shmpc_push(&r, buf, n)) != SHMPC_OK) return fail("push", rc);
        }
        shmpc_close(&r);
        return 0;
    }
    return 2;
}
