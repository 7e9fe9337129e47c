/* fuzz_common.h - shared by the libFuzzer harnesses: input decoding, segment building, checks.
   Build with clang -fsanitize=fuzzer,address,undefined (see mk/fuzz.mk). The sleep slice and spin
   count are small so that the blocking calls' sleep path (liveness checks, crash recovery over a
   hostile peer table) runs within a fuzz iteration. */
#ifndef SHMPC_SPIN
#define SHMPC_SPIN 4
#endif
#ifndef SHMPC_SLEEP_SLICE_NS
#define SHMPC_SLEEP_SLICE_NS 20000
#endif
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads bytes from the fuzzer's input; past the end it yields zeros. */
typedef struct fz { const uint8_t *p; size_t n, i; } fz;
#define FZ_UNUSED __attribute__((unused))
static uint8_t fz_u8(fz *f) { return f->i < f->n ? f->p[f->i++] : 0; }
static uint16_t fz_u16(fz *f) { uint16_t a = fz_u8(f); return (uint16_t)(a | (uint16_t)fz_u8(f) << 8); }
static uint32_t fz_u32(fz *f) { uint32_t a = fz_u16(f); return a | (uint32_t)fz_u16(f) << 16; }
FZ_UNUSED static int fz_more(const fz *f) { return f->i < f->n; }

#define FZ_FAIL(...) do { fprintf(stderr, "fuzz invariant: " __VA_ARGS__); fprintf(stderr, "\n"); abort(); } while (0)

/* Every return value is OK, a count, or one of the documented codes. */
static void fz_rc(int rc, const char *what) {
    if (rc < SHMPC__ERROR_LAST) FZ_FAIL("%s returned %d, not an shmpc code", what, rc);
}

/* A segment: a ring formatted from decoded options into an exact-size heap block (so that ASan
   sees any access past the mapping), then patched from the input. */
typedef struct fz_seg { unsigned char *mem; size_t size; uint32_t slot_size; } fz_seg;

static int fz_build(fz *f, fz_seg *s) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    uint8_t b0 = fz_u8(f), b1 = fz_u8(f), shrink = fz_u8(f), npatch;
    size_t full, i;
    unsigned char *tmp;
    void *m = NULL;
    o.mode = (b0 & 1u) ? SHMPC_MPMC : SHMPC_SPSC;
    o.capacity = 1u << ((b0 >> 1) & 7u);   /* 1..128 (MPMC: 2..128) */
    if (o.mode == SHMPC_MPMC && o.capacity < 2u) o.capacity = 2u;
    o.slot_size = (uint32_t)(b1 % 64u) + 1u; /* 1..64 */
    o.start_index = fz_u32(f);
    full = shmpc_footprint(o.capacity, o.slot_size);
    if (!full) return 0;
    if (posix_memalign(&m, 64, full) != 0) return 0;
    tmp = (unsigned char *)m;
    m = NULL;
    if (shmpc_format(tmp, full, &o) != SHMPC_OK) FZ_FAIL("format of valid options failed");
    /* the mapping handed to attach may be smaller than the layout wants (1 in 8 inputs) */
    s->size = (shrink & 7u) == 0u ? full - (size_t)(shrink >> 3) * 37u % full : full;
    if (s->size == 0) s->size = 1;
    if (posix_memalign(&m, 64, s->size) != 0) { free(tmp); return 0; }
    s->mem = (unsigned char *)m;
    memcpy(s->mem, tmp, s->size);
    free(tmp);
    s->slot_size = o.slot_size;
    npatch = fz_u8(f) & 15u;
    for (i = 0; i < npatch; i++) { /* header, indices, slots, peer table: any byte */
        size_t off = fz_u16(f) % s->size, len = (size_t)(fz_u8(f) & 15u) + 1u, k;
        for (k = 0; k < len && off + k < s->size; k++) s->mem[off + k] = fz_u8(f);
    }
    return 1;
}

/* A pointer the library returned into the segment must lie inside it, with its length. */
FZ_UNUSED static void fz_inside(const fz_seg *s, const void *p, size_t len, const char *what) {
    const unsigned char *q = (const unsigned char *)p;
    if (q < s->mem || q > s->mem + s->size || len > (size_t)(s->mem + s->size - q))
        FZ_FAIL("%s: %zu bytes at offset %td outside the %zu-byte mapping", what, len, q - s->mem, s->size);
}
