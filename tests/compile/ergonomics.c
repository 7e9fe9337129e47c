/* Compile test: a new user's first file. A system header comes before the implementation (built
   with -std=gnu11, or -std=c11 -D_GNU_SOURCE; mk/tests.mk also checks that plain -std=c11 stops at
   the header's #error naming the fix), the timeout helpers, and the plain blocking forms of
   reserve, peek, push_many and pop_many beside the timed ones. */
#include <stdio.h>
#include <string.h>
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.h"

#ifdef __cplusplus
static_assert(SHMPC_SEC(3) == 3000000000LL && SHMPC_MS(7) == 7000000 && SHMPC_US(5) == 5000 && SHMPC_NS(9) == 9,
              "timeout helpers");
#else
_Static_assert(SHMPC_SEC(3) == 3000000000LL && SHMPC_MS(7) == 7000000 && SHMPC_US(5) == 5000 && SHMPC_NS(9) == 9,
               "timeout helpers");
#endif

#define CHECK(c) do { if (!(c)) { printf("compile test ergonomics: FAILED at line %d: %s\n", __LINE__, #c); return 1; } } while (0)

int main(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring p, c;
    void *mem, *w;
    const void *m;
    size_t size, room, n;
    char a[8], b[8];
    shmpc_iov in[2], out[2];
    int64_t t0;
    struct timespec ts;
    o.capacity = 4;
    o.slot_size = 8;
    CHECK(shmpc_create_anon(&o, &mem, &size) == SHMPC_OK);
    CHECK(shmpc_attach(&p, mem, size, SHMPC_PRODUCER) == SHMPC_OK);
    CHECK(shmpc_attach(&c, mem, size, SHMPC_CONSUMER) == SHMPC_OK);
    /* reserve / commit, then peek / release, through the plain blocking forms */
    CHECK(shmpc_reserve(&p, &w, &room) == SHMPC_OK && room == 8);
    memcpy(w, "zero", 4);
    CHECK(shmpc_commit(&p, 4) == SHMPC_OK);
    CHECK(shmpc_peek(&c, &m, &n) == SHMPC_OK && n == 4 && memcmp(m, "zero", 4) == 0);
    CHECK(shmpc_release(&c) == SHMPC_OK);
    /* batches */
    in[0].base = (void *)"one"; in[0].len = 3;
    in[1].base = (void *)"three"; in[1].len = 5;
    CHECK(shmpc_push_many(&p, in, 2) == 2);
    out[0].base = a; out[0].len = sizeof a;
    out[1].base = b; out[1].len = sizeof b;
    CHECK(shmpc_pop_many(&c, out, 2) == 2);
    CHECK(out[0].len == 3 && memcmp(a, "one", 3) == 0 && out[1].len == 5 && memcmp(b, "three", 5) == 0);
    /* SHMPC_MS is milliseconds: an empty ring's timed pop waits that long */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t0 = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    CHECK(shmpc_pop_timed(&c, a, sizeof a, &n, SHMPC_MS(30)) == SHMPC_ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    CHECK((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - t0 >= SHMPC_MS(30));
    /* end of stream reaches the plain forms too */
    shmpc_close(&p);
    CHECK(shmpc_peek(&c, &m, &n) == SHMPC_ECLOSED);
    CHECK(shmpc_pop_many(&c, out, 2) == SHMPC_ECLOSED);
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
    printf("compile test ergonomics: ok\n");
    return 0;
}
