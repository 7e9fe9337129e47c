/* large_blocks: multi-megabyte blocks through the zero-copy API, with the memory options.

   The parent creates an anonymous shared ring (or a SysV one with --sysv), forks a consumer, and
   produces: reserve a slot, fill it in place (one memcpy from the source block), commit. The child
   peeks each block in place, checks the sequence stamps at both ends, and releases it. Nothing is
   copied a second time. Prints the throughput beside a single-core memcpy of the same blocks over the same span.

     large_blocks [--block-mib N] [--total-mib N] [--capacity SLOTS]
                  [--hugepages] [--mlock] [--pretouch] [--sequential] [--sysv] [--strict]

   Memory options the system refuses (no huge pages configured: SHMPC_ENOMEM; huge pages on a
   system without them: SHMPC_ENOTSUP; RLIMIT_MEMLOCK too small for --mlock: SHMPC_ENOMEM) are
   reported and dropped, and the run goes on without them -- unless --strict, which exits 1. */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(const char *prog) {
    fprintf(stderr, "usage: %s [--block-mib 1..8] [--total-mib N] [--capacity SLOTS] [--hugepages] [--mlock]\n"
                    "          [--pretouch] [--sequential] [--sysv] [--strict]\n", prog);
    exit(2);
}

static const char *flag_name(uint32_t f) {
    return f == SHMPC_F_HUGEPAGES ? "hugepages" : f == SHMPC_F_MLOCK ? "mlock" : f == SHMPC_F_PRETOUCH ? "pretouch" : "sequential";
}

/* Creates the ring; a memory option the system refuses is dropped (and said so) unless strict. */
/* SysV: the creator's handle is an observer (it takes no role), so that the forked child can drop
   its copy without ending the producer side; each process then opens its own role. */
static int make_ring(shmpc_opts *o, int sysv, long key, int strict, void **mem, size_t *size, shmpc_ring *pr) {
    for (;;) {
        int rc = sysv ? shmpc_create_sysv(pr, key, o, SHMPC_OBSERVER) : shmpc_create_anon(o, mem, size);
        uint32_t drop = 0;
        if (rc == SHMPC_OK) return rc;
        if ((rc == SHMPC_ENOMEM || rc == SHMPC_ENOTSUP || rc == SHMPC_EPERM) && !strict) {
            if (o->flags & SHMPC_F_HUGEPAGES) drop = SHMPC_F_HUGEPAGES;  /* the likelier refusal first */
            else if (o->flags & SHMPC_F_MLOCK) drop = SHMPC_F_MLOCK;
        }
        if (!drop) return rc;
        fprintf(stderr, "large_blocks: --%s refused: %s (%d); going on without it\n", flag_name(drop), shmpc_strerror(rc), rc);
        o->flags &= ~drop;
    }
}

int main(int argc, char **argv) {
    long block_mib = 4, total_mib = 1024, capacity = 4, i, blocks;
    int sysv = 0, strict = 0, rc, status = 0;
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring r, obs;
    void *mem = NULL;
    size_t size = 0, block;
    long key = 0;
    unsigned char *src;
    double t0, t1, mc;
    pid_t child;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--hugepages")) o.flags |= SHMPC_F_HUGEPAGES;
        else if (!strcmp(argv[i], "--mlock")) o.flags |= SHMPC_F_MLOCK;
        else if (!strcmp(argv[i], "--pretouch")) o.flags |= SHMPC_F_PRETOUCH;
        else if (!strcmp(argv[i], "--sequential")) o.flags |= SHMPC_F_SEQUENTIAL;
        else if (!strcmp(argv[i], "--sysv")) sysv = 1;
        else if (!strcmp(argv[i], "--strict")) strict = 1;
        else if (i + 1 < argc && !strcmp(argv[i], "--block-mib")) block_mib = atol(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--total-mib")) total_mib = atol(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--capacity")) capacity = atol(argv[++i]);
        else usage(argv[0]);
    }
    if (block_mib < 1 || block_mib > 8 || total_mib < block_mib || capacity < 1 || capacity > 64 ||
        (capacity & (capacity - 1)) != 0)
        usage(argv[0]);
    block = (size_t)block_mib << 20;
    blocks = total_mib / block_mib;
    o.capacity = (uint32_t)capacity;
    o.slot_size = (uint32_t)block;
    key = 0x5B000000L | (long)(getpid() & 0xFFFFFF);

    rc = make_ring(&o, sysv, key, strict, &mem, &size, &obs);
    if (rc != SHMPC_OK) {
        fprintf(stderr, "large_blocks: cannot create the ring: %s (%d)\n", shmpc_strerror(rc), rc);
        return 1;
    }
    printf("large_blocks: %ld blocks of %ld MiB, ring of %ld slots (%s), flags:%s%s%s%s%s\n", blocks, block_mib,
           capacity, sysv ? "SysV" : "anonymous", o.flags ? "" : " none",
           o.flags & SHMPC_F_HUGEPAGES ? " hugepages" : "", o.flags & SHMPC_F_MLOCK ? " mlock" : "",
           o.flags & SHMPC_F_PRETOUCH ? " pretouch" : "", o.flags & SHMPC_F_SEQUENTIAL ? " sequential" : "");
    fflush(stdout);

    child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) { /* consumer: read in place, check, release */
        shmpc_ring c;
        const void *msg;
        size_t len;
        long got = 0;
        int bad = 0;
        if (sysv) { shmpc_close(&obs); rc = shmpc_open_sysv(&c, key, SHMPC_CONSUMER, SHMPC_SEC(5)); }
        else rc = shmpc_attach(&c, mem, size, SHMPC_CONSUMER);
        if (rc != SHMPC_OK) { fprintf(stderr, "large_blocks: consumer attach: %s\n", shmpc_strerror(rc)); _exit(1); }
        while ((rc = shmpc_peek_timed(&c, &msg, &len, SHMPC_SEC(10))) == SHMPC_OK) {
            uint64_t head, tail;
            memcpy(&head, msg, 8);
            memcpy(&tail, (const unsigned char *)msg + len - 8, 8);
            if (len != block || head != (uint64_t)got || tail != (uint64_t)got) bad++;
            shmpc_release(&c);
            got++;
        }
        if (rc != SHMPC_ECLOSED) fprintf(stderr, "large_blocks: consumer: %s\n", shmpc_strerror(rc));
        shmpc_close(&c);
        if (got != blocks || bad) fprintf(stderr, "large_blocks: consumer got %ld blocks (%d bad), expected %ld\n", got, bad, blocks);
        _exit(rc == SHMPC_ECLOSED && got == blocks && !bad ? 0 : 1);
    }
    rc = sysv ? shmpc_open_sysv(&r, key, SHMPC_PRODUCER, 0) : shmpc_attach(&r, mem, size, SHMPC_PRODUCER);
    if (rc != SHMPC_OK) {
        fprintf(stderr, "large_blocks: producer attach: %s\n", shmpc_strerror(rc));
        return 1;
    }
    src = (unsigned char *)malloc(block);
    if (!src) return 1;
    memset(src, 0xA5, block);
    t0 = now_s();
    for (i = 0; i < blocks; i++) {
        void *slot;
        size_t room;
        uint64_t seq = (uint64_t)i;
        rc = shmpc_reserve_timed(&r, &slot, &room, SHMPC_SEC(10));
        if (rc != SHMPC_OK) { fprintf(stderr, "large_blocks: reserve: %s\n", shmpc_strerror(rc)); break; }
        memcpy(slot, src, block);                                  /* fill in place */
        memcpy(slot, &seq, 8);
        memcpy((unsigned char *)slot + block - 8, &seq, 8);
        shmpc_commit(&r, block);
    }
    shmpc_close(&r); /* end of stream: the consumer drains, then sees SHMPC_ECLOSED */
    waitpid(child, &status, 0);
    t1 = now_s();
    if (sysv) { shmpc_close(&obs); shmpc_unlink_sysv(key); }
    else shmpc_free_anon(mem, size);

    { /* reference: single-core memcpy of the same blocks into as many distinct destinations as the
         ring has slots (so that neither side runs from a cache the ring could not use either) */
        size_t span = (size_t)capacity * block;
        unsigned char *dst = (unsigned char *)malloc(span);
        long reps = blocks, k;
        double m0;
        if (!dst) return 1;
        memset(dst, 0, span); /* fault the pages in first */
        m0 = now_s();
        for (k = 0; k < reps; k++) { src[0] = (unsigned char)k; memcpy(dst + (size_t)(k % capacity) * block, src, block); }
        mc = (double)reps * (double)block / (now_s() - m0);
        if (dst[(size_t)((reps - 1) % capacity) * block] != (unsigned char)(reps - 1)) return 1;
        free(dst);
    }
    free(src);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "large_blocks: consumer failed\n"); return 1; }
    printf("large_blocks: %.0f MiB/s through the ring (%.0f blocks/s), memcpy %.0f MiB/s, ratio %.2f\n",
           (double)blocks * (double)block / (t1 - t0) / 1048576.0, (double)blocks / (t1 - t0), mc / 1048576.0,
           (double)blocks * (double)block / (t1 - t0) / mc);
    return 0;
}
