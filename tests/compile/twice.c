/* Compile test: the header included twice in one translation unit with the implementation (its
   second guard makes that harmless), then a smoke run. Built as C11 by gcc and clang and as C++17
   by g++ and clang++ (see mk/tests.mk). Including the declarations-only header first and the
   implementation later in the same file needs -D_GNU_SOURCE, as the header says: that variant
   is built too (twice-decl-first). */
#ifndef DECL_FIRST
#define SHMPC_IMPLEMENTATION
#endif
#include "../../shmpc.h"
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.h"
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring p, c;
    void *mem;
    size_t size, n = 0;
    char buf[8];
    int ok;
    o.start_index = 0xFFFFFFF0u;
    if (shmpc_create_anon(&o, &mem, &size) != SHMPC_OK) return 1;
    if (shmpc_attach(&p, mem, size, SHMPC_PRODUCER) != SHMPC_OK) return 2;
    if (shmpc_attach(&c, mem, size, SHMPC_CONSUMER) != SHMPC_OK) return 3;
    ok = shmpc_try_push(&p, "twice", 5) == SHMPC_OK && shmpc_try_pop(&c, buf, sizeof buf, &n) == SHMPC_OK &&
         n == 5 && buf[0] == 't' && buf[4] == 'e';
    shmpc_close(&p); shmpc_close(&c);
    shmpc_free_anon(mem, size);
#ifdef __cplusplus
    printf("compile test (C++ %ld): %s\n", (long)__cplusplus, ok ? "ok" : "FAILED");
#else
    printf("compile test (C %ld): %s\n", (long)__STDC_VERSION__, ok ? "ok" : "FAILED");
#endif
    return ok ? 0 : 4;
}
