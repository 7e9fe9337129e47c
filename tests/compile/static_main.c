/* Links static.c (private copy) with the extern implementation and uses both. */
#include "../../shmpc.h"
#include <stdio.h>
int static_smoke(void);
int main(void) {
    int ok = static_smoke() && shmpc_footprint(4, 8) == 0xA00 + 4 * 16; /* the extern copy */
    printf("compile test (SHMPC_STATIC beside the extern implementation): %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
