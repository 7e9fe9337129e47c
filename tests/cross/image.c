/* image.c - a ring as a file, to carry it from one CPU to another (make cross).
     image write FILE       formats an SPSC ring in memory, attaches a producer, pushes IMAGE_N
                            messages, writes the bytes to FILE and prints the ABI tag
     image read FILE same   attaches a consumer to FILE's bytes and pops the IMAGE_N messages
     image read FILE other  expects the attach to be refused with SHMPC_EABI (other byte order)
   A ring written on one CPU must be read on every other CPU of its byte order (the layout does
   not depend on the width of size_t or pointers) and refused by every CPU of the other order.
   Exit status 0 when the expectation holds. */
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMAGE_CAP 8u
#define IMAGE_SLOT 40u
#define IMAGE_N 5u

static void message(uint32_t k, char *out, size_t *len) {
    *len = (size_t)snprintf(out, IMAGE_SLOT, "message %u of %u, 0x%08x", (unsigned)k, (unsigned)IMAGE_N,
                            (unsigned)(k * 2654435761u));
}

int main(int argc, char **argv) {
    size_t size = shmpc_footprint(IMAGE_CAP, IMAGE_SLOT), n, want;
    void *mem = NULL;
    shmpc_ring r;
    char buf[IMAGE_SLOT], expect[IMAGE_SLOT];
    uint32_t k;
    FILE *f;
    int rc;
    if (argc < 3 || (strcmp(argv[1], "write") && (argc < 4 || strcmp(argv[1], "read")))) {
        fprintf(stderr, "usage: image write FILE | image read FILE same|other\n");
        return 2;
    }
    if (posix_memalign(&mem, 64, size) != 0) return 1;
    if (!strcmp(argv[1], "write")) {
        shmpc_opts o = SHMPC_OPTS_INIT;
        o.capacity = IMAGE_CAP; o.slot_size = IMAGE_SLOT; o.start_index = 0xFFFFFFFEu; /* crosses the wrap */
        if ((rc = shmpc_format(mem, size, &o)) != SHMPC_OK ||
            (rc = shmpc_attach_id(&r, mem, size, SHMPC_PRODUCER, 1u, 0u)) != SHMPC_OK) {
            fprintf(stderr, "image: format/attach: %s\n", shmpc_strerror(rc));
            return 1;
        }
        for (k = 0; k < IMAGE_N; k++) {
            message(k, buf, &n);
            if ((rc = shmpc_try_push(&r, buf, n)) != SHMPC_OK) { fprintf(stderr, "image: push: %s\n", shmpc_strerror(rc)); return 1; }
        }
        f = fopen(argv[2], "wb");
        if (!f || fwrite(mem, 1, size, f) != size || fclose(f) != 0) { perror(argv[2]); return 1; }
        memcpy(&k, (unsigned char *)mem + 0x0C, 4);
        printf("image: %s: %u bytes, ABI tag 0x%08x (%s-endian, %u-bit size_t)\n", argv[2], (unsigned)size,
               (unsigned)k, (k >> 8 & 0xFFu) == 2u ? "big" : "little", (unsigned)(8u * sizeof(size_t)));
        return 0;
    }
    f = fopen(argv[2], "rb");
    if (!f || fread(mem, 1, size, f) != size) { perror(argv[2]); return 1; }
    fclose(f);
    rc = shmpc_attach_id(&r, mem, size, SHMPC_CONSUMER, 2u, 0u);
    if (!strcmp(argv[3], "other")) {
        printf("image: %s: attach refused: %s\n", argv[2], shmpc_strerror(rc));
        return rc == SHMPC_EABI ? 0 : 1;
    }
    if (rc != SHMPC_OK) { fprintf(stderr, "image: %s: attach: %s\n", argv[2], shmpc_strerror(rc)); return 1; }
    for (k = 0; k < IMAGE_N; k++) {
        message(k, expect, &want);
        if ((rc = shmpc_try_pop(&r, buf, sizeof buf, &n)) != SHMPC_OK || n != want || memcmp(buf, expect, n)) {
            fprintf(stderr, "image: %s: message %u: %s\n", argv[2], (unsigned)k, rc ? shmpc_strerror(rc) : "wrong bytes");
            return 1;
        }
    }
    if ((rc = shmpc_try_pop(&r, buf, sizeof buf, &n)) != SHMPC_EEMPTY) { fprintf(stderr, "image: extra message\n"); return 1; }
    printf("image: %s: %u messages read intact\n", argv[2], (unsigned)IMAGE_N);
    free(mem);
    return 0;
}
