/* bench/bench.c - shmpc against the transports its users would pick instead, process to process.
   One invocation measures one figure once; bench/run.py repeats, takes medians, writes tables,
   CSV and plots. Usage:
     bench tput   TRANSPORT SIZE COUNT        one producer -> one consumer, COUNT messages of SIZE bytes
     bench mpmc   TRANSPORT P C SIZE COUNT    P producers x C consumers, COUNT messages per producer
     bench lat    TRANSPORT COUNT             8-byte ping-pong round trips, percentiles in ns
     bench wake   TRANSPORT COUNT GAP_US      a sleeping consumer woken by the producer, one-way ns
     bench memcpy SIZE COUNT [DSTS|ring]      single-core memcpy of SIZE bytes (the anchor) into 1, DSTS or
                                              as many buffers as the ring of SIZE has slots, in turn
     bench icount TRANSPORT SIZE COUNT        one process, push then pop (run under callgrind: bench/run.py)
     bench side   TRANSPORT SIZE COUNT        one process on one core: each side's time per message
     bench list                               the transports of each scenario
   Output: one line, "ok key=value ...", "na reason" (not applicable) or "FAIL reason".
   The shmpc header is BENCH_SHMPC_HEADER (default "shmpc.h"), so a variant can be measured side by
   side with the original (see bench/README in RESULTS.md). */
#define _GNU_SOURCE 1
#define SHMPC_IMPLEMENTATION
#ifndef BENCH_SHMPC_HEADER
#define BENCH_SHMPC_HEADER "shmpc.h"
#endif
#include BENCH_SHMPC_HEADER
#include "common.h"
#include <ck_ring.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>

enum {
    T_PIPE, T_UNIX, T_MQ, T_BARE, T_BARE_SEQ, T_BARE_ZC, T_BARE_MPMC, T_CK_SPSC, T_CK_MPMC,
    T_SHMPC, T_SHMPC_BATCH, T_SHMPC_ZC, T_SHMPC_MPMC, T_SHMPC_MPMC_BATCH, T_SHMPC_BLOCK, T_SHMPC_MPMC_BLOCK, T_SHMPC_POLL,
    T_CACHELINE, T_FUTEX, T_N
};
static const char *const tnames[T_N] = {
    "pipe", "unix", "posix_mq", "bare_ring", "bare_seq", "bare_zc", "bare_mpmc", "ck_spsc", "ck_mpmc",
    "shmpc", "shmpc_batch", "shmpc_zc", "shmpc_mpmc", "shmpc_mpmc_batch", "shmpc_block", "shmpc_mpmc_block", "shmpc_poll",
    "cacheline", "futex"};

/* ck_ring's type-safe interface: elements of a fixed size copied into the ring buffer (what a user
   of ck_ring in shared memory does with small records). One instantiation per benchmark size. */
#define CK_SIZES(X) X(8) X(64) X(256) X(1024) X(4096) X(65536) X(1048576) X(8388608)
#define CK_DEF(n) struct ckm##n { unsigned char b[n]; }; CK_RING_PROTOTYPE(ckm##n, ckm##n)
CK_SIZES(CK_DEF)

#define BATCH 64

/* One direction of a transport. Shared parts live in mappings made before fork; the handle and
   the cached indices are each process's own copy. */
typedef struct ch {
    int kind;
    size_t size;
    uint32_t cap, mask, stride;
    int fd[2];
    mqd_t mq;
    long mq_msgsize;
    char mqname[64];
    unsigned char *mem;
    size_t memsz;
    shmpc_ring r;
    uint32_t own, cached; /* bare ring */
} ch;

static int is_shmpc(int k) { return k >= T_SHMPC && k <= T_SHMPC_POLL; }
static int is_mpmc_ring(int k) { return k == T_SHMPC_MPMC || k == T_SHMPC_MPMC_BATCH || k == T_SHMPC_MPMC_BLOCK; }
static int is_batch(int k) { return k == T_SHMPC_BATCH || k == T_SHMPC_MPMC_BATCH; }

static void *shared_map(size_t n) {
    void *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) bh_die("mmap: %s", strerror(errno));
    memset(m, 0, n); /* pre-touch, as shmpc's SHMPC_F_PRETOUCH does */
    return m;
}

/* Ring geometry, the same for every shared-memory transport: 1024 slots for small messages; for
   large ones as many as fit in 4 MiB (what a user moving multi-megabyte blocks would choose: the
   ring stays in the last-level cache), 2 slots at least. BENCH_RING_BYTES overrides the 4 MiB. */
static uint32_t ring_cap(size_t size) {
    uint32_t c = 1024;
    size_t budget = (size_t)4 << 20;
    if (getenv("BENCH_RING_BYTES")) budget = strtoull(getenv("BENCH_RING_BYTES"), NULL, 0);
    while (c > 2 && (size_t)c * size > budget) c >>= 1;
    return c;
}

/* Maps every page of a ring into this process's page tables before the clock starts, so that no
   transport pays its first lap's page faults inside the measurement (SHMPC_F_PRETOUCH does this
   for the creator; forked children inherit the pages but not the page-table entries). */
static void prefault(void *mem, size_t n) {
#ifdef MADV_POPULATE_WRITE
    if (mem && n) madvise(mem, n, MADV_POPULATE_WRITE);
#else
    (void)mem; (void)n;
#endif
}

/* The two bare rings (the floors): the index ring keeps the producer's tail and the consumer's head
   on separate 128-byte lines, each side caching the other's; its slots hold a length word and the
   payload. The sequence ring (FastForward, Vyukov's slots without the compare-and-swap) shares no
   index at all: slot seq == i means free for position i, i + 1 holds position i's message, and
   the consumer hands it to the next lap with i + capacity; its slots hold seq, length, payload.
   bare_zc is the same ring used in place, as shmpc's zero-copy API is (the floor for large blocks).
   The bare MPMC ring is Vyukov's bounded queue on the same slots: producers claim a position by
   compare-and-swap on the tail word, consumers on the head word; waiting is spinning. */
#define BARE_TAIL(c) ((uint32_t *)(void *)(c)->mem)
#define BARE_HEAD(c) ((uint32_t *)(void *)((c)->mem + 128))
#define BARE_SLOT(c, i) ((c)->mem + 256 + (size_t)((i) & (c)->mask) * (c)->stride)
#define BARE_SEQ(c, i) ((uint32_t *)(void *)BARE_SLOT(c, i))
#define BARE_LEN(c, i) ((uint32_t *)(void *)(BARE_SLOT(c, i) + 4))

/* Returns 0, or 1 with *why set when the transport cannot carry this size here. */
static int ch_setup(ch *c, int kind, size_t size, uint32_t cap, const char **why) {
    memset(c, 0, sizeof *c);
    c->kind = kind; c->size = size; c->cap = cap; c->mask = cap - 1;
    switch (kind) {
    case T_PIPE:
        if (pipe(c->fd) != 0) bh_die("pipe: %s", strerror(errno));
        break;
    case T_UNIX:
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, c->fd) != 0) bh_die("socketpair: %s", strerror(errno));
        break;
    case T_MQ: {
        struct mq_attr a;
        static int seq;
        memset(&a, 0, sizeof a);
        a.mq_maxmsg = 10; /* /proc/sys/fs/mqueue/msg_max: the default limit */
        a.mq_msgsize = (long)size;
        snprintf(c->mqname, sizeof c->mqname, "/shmpc-bench-%d-%d", (int)getpid(), seq++);
        mq_unlink(c->mqname);
        c->mq = mq_open(c->mqname, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
        if (c->mq == (mqd_t)-1) { *why = strerror(errno); return 1; }
        mq_unlink(c->mqname); /* the descriptor is inherited across fork */
        c->mq_msgsize = a.mq_msgsize;
        break;
    }
    case T_BARE:
    case T_BARE_SEQ:
    case T_BARE_ZC:
    case T_BARE_MPMC:
    case T_CACHELINE:
    case T_FUTEX:
        c->stride = (uint32_t)(8 + ((size + 7) & ~(size_t)7));
        if (getenv("BENCH_BARE_ALIGN")) { /* slot stride rounded up to this power of two (the 64 B study) */
            uint32_t al = (uint32_t)strtoul(getenv("BENCH_BARE_ALIGN"), NULL, 0);
            if (al < 8 || (al & (al - 1))) bh_die("%s", "BENCH_BARE_ALIGN: a power of two >= 8");
            c->stride = (c->stride + al - 1) & ~(al - 1);
        }
        c->memsz = 256 + (size_t)cap * c->stride;
        c->mem = (unsigned char *)shared_map(c->memsz);
        if (kind == T_BARE_SEQ || kind == T_BARE_ZC || kind == T_BARE_MPMC) { /* slot i is free for position i */
            uint32_t i;
            for (i = 0; i < cap; i++) *BARE_SEQ(c, i) = i;
        }
        break;
    case T_CK_SPSC:
    case T_CK_MPMC:
        switch (size) {
#define CK_OK(n) case n:
            CK_SIZES(CK_OK) break;
        default: *why = "no ck_ring instantiation for this size"; return 1;
        }
        c->memsz = 256 + (size_t)cap * size;
        c->mem = (unsigned char *)shared_map(c->memsz);
        ck_ring_init((ck_ring_t *)(void *)c->mem, cap);
        break;
    default: { /* shmpc */
        shmpc_opts o = SHMPC_OPTS_INIT;
        void *m;
        int rc;
        o.capacity = cap;
        o.slot_size = (uint32_t)size;
        o.mode = is_mpmc_ring(kind) ? SHMPC_MPMC : SHMPC_SPSC;
        o.flags = SHMPC_F_PRETOUCH;
        rc = shmpc_create_anon(&o, &m, &c->memsz);
        if (rc != SHMPC_OK) bh_die("shmpc_create_anon: %s", shmpc_strerror(rc));
        c->mem = (unsigned char *)m;
    }
    }
    return 0;
}

/* In a child: take the role (SHMPC_PRODUCER or SHMPC_CONSUMER). */
static void ch_attach(ch *c, int role) {
    prefault(c->mem, c->memsz);
    if (c->kind == T_PIPE || c->kind == T_UNIX) {
        /* keep both ends: the counts say when to stop */
    } else if (is_shmpc(c->kind)) {
        int rc = shmpc_attach(&c->r, c->mem, c->memsz, role);
        if (rc != SHMPC_OK) bh_fail(shmpc_strerror(rc));
    } else if (c->kind == T_BARE || c->kind == T_BARE_SEQ || c->kind == T_BARE_ZC) {
        c->own = 0; c->cached = 0;
    }
}

static void ch_detach(ch *c) {
    if (is_shmpc(c->kind)) shmpc_close(&c->r);
}

static void write_all(int fd, const unsigned char *p, size_t n) {
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0) { if (errno == EINTR) continue; bh_fail("write failed"); }
        p += k; n -= (size_t)k;
    }
}
static void read_all(int fd, unsigned char *p, size_t n) {
    while (n) {
        ssize_t k = read(fd, p, n);
        if (k <= 0) { if (k < 0 && errno == EINTR) continue; bh_fail("read failed or EOF"); }
        p += k; n -= (size_t)k;
    }
}


static int ck_try_send(ch *c, const void *m) {
    ck_ring_t *ring = (ck_ring_t *)(void *)c->mem;
    void *buf = c->mem + 256, *e = (void *)(uintptr_t)m;
    switch (c->size) {
#define CK_SEND(n) case n: return c->kind == T_CK_SPSC                                            \
        ? ck_ring_enqueue_spsc_ckm##n(ring, (struct ckm##n *)buf, (struct ckm##n *)e)             \
        : ck_ring_enqueue_mpmc_ckm##n(ring, (struct ckm##n *)buf, (struct ckm##n *)e);
        CK_SIZES(CK_SEND)
    }
    return 0;
}
static int ck_try_recv(ch *c, void *m) {
    ck_ring_t *ring = (ck_ring_t *)(void *)c->mem;
    void *buf = c->mem + 256;
    switch (c->size) {
#define CK_RECV(n) case n: return c->kind == T_CK_SPSC                                            \
        ? ck_ring_dequeue_spsc_ckm##n(ring, (struct ckm##n *)buf, (struct ckm##n *)m)             \
        : ck_ring_dequeue_mpmc_ckm##n(ring, (struct ckm##n *)buf, (struct ckm##n *)m);
        CK_SIZES(CK_RECV)
    }
    return 0;
}

static void shmpc_check_rc(int rc) {
    if (rc != SHMPC_OK) bh_fail(shmpc_strerror(rc));
}

/* Sends one message of n bytes; waits (spins or blocks, as the transport's users do) for room. */
static inline void ch_send(ch *c, const unsigned char *m, size_t n) {
    int rc;
    switch (c->kind) {
    case T_PIPE:
    case T_UNIX: write_all(c->fd[1], m, n); return;
    case T_MQ:
        while (mq_send(c->mq, (const char *)m, n, 0) != 0)
            if (errno != EINTR) bh_fail("mq_send failed");
        return;
    case T_BARE: {
        uint32_t t = c->own;
        unsigned char *s;
        while (t - c->cached == c->cap) {
            c->cached = __atomic_load_n(BARE_HEAD(c), __ATOMIC_ACQUIRE);
            if (t - c->cached == c->cap) bh_pause();
        }
        s = BARE_SLOT(c, t);
        *(uint32_t *)(void *)s = (uint32_t)n;
        memcpy(s + 8, m, n);
        c->own = t + 1;
        __atomic_store_n(BARE_TAIL(c), t + 1, __ATOMIC_RELEASE);
        return;
    }
    case T_BARE_SEQ: {
        uint32_t t = c->own;
        while (__atomic_load_n(BARE_SEQ(c, t), __ATOMIC_ACQUIRE) != t) bh_pause();
        *BARE_LEN(c, t) = (uint32_t)n;
        memcpy(BARE_SLOT(c, t) + 8, m, n);
        c->own = t + 1;
        __atomic_store_n(BARE_SEQ(c, t), t + 1, __ATOMIC_RELEASE);
        return;
    }
    case T_BARE_MPMC: {
        uint32_t pos = __atomic_load_n(BARE_TAIL(c), __ATOMIC_RELAXED);
        for (;;) {
            int32_t d = (int32_t)(__atomic_load_n(BARE_SEQ(c, pos), __ATOMIC_ACQUIRE) - pos);
            if (d == 0 && __atomic_compare_exchange_n(BARE_TAIL(c), &pos, pos + 1, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                break;
            if (d < 0) bh_pause(); /* full */
            if (d != 0) pos = __atomic_load_n(BARE_TAIL(c), __ATOMIC_RELAXED);
        }
        *BARE_LEN(c, pos) = (uint32_t)n;
        memcpy(BARE_SLOT(c, pos) + 8, m, n);
        __atomic_store_n(BARE_SEQ(c, pos), pos + 1, __ATOMIC_RELEASE);
        return;
    }
    case T_CK_SPSC:
    case T_CK_MPMC:
        while (!ck_try_send(c, m)) bh_pause();
        return;
    case T_SHMPC_BLOCK:
    case T_SHMPC_MPMC_BLOCK:
    case T_SHMPC_POLL: /* the producer of a polling consumer blocks as shmpc_block's does */
        shmpc_check_rc(shmpc_push(&c->r, m, n));
        return;
    default:
        while ((rc = shmpc_try_push(&c->r, m, n)) != SHMPC_OK) {
            if (rc != SHMPC_EFULL && rc != SHMPC_EAGAIN) bh_fail(shmpc_strerror(rc));
            bh_pause();
        }
    }
}

/* Receives one message into buf (room: c->size, or the mq message size); returns its length. */
static inline size_t ch_recv(ch *c, unsigned char *buf) {
    int rc;
    size_t n = c->size;
    switch (c->kind) {
    case T_PIPE:
    case T_UNIX: read_all(c->fd[0], buf, n); return n;
    case T_MQ: {
        ssize_t k;
        while ((k = mq_receive(c->mq, (char *)buf, (size_t)c->mq_msgsize, NULL)) < 0)
            if (errno != EINTR) bh_fail("mq_receive failed");
        return (size_t)k;
    }
    case T_BARE: {
        uint32_t h = c->own;
        unsigned char *s;
        while (h == c->cached) {
            c->cached = __atomic_load_n(BARE_TAIL(c), __ATOMIC_ACQUIRE);
            if (h == c->cached) bh_pause();
        }
        s = BARE_SLOT(c, h);
        n = *(uint32_t *)(void *)s;
        if (n > c->size) bh_fail("bare ring: bad length");
        memcpy(buf, s + 8, n);
        c->own = h + 1;
        __atomic_store_n(BARE_HEAD(c), h + 1, __ATOMIC_RELEASE);
        return n;
    }
    case T_BARE_SEQ: {
        uint32_t h = c->own;
        while (__atomic_load_n(BARE_SEQ(c, h), __ATOMIC_ACQUIRE) != h + 1) bh_pause();
        n = *BARE_LEN(c, h);
        if (n > c->size) bh_fail("bare sequence ring: bad length");
        memcpy(buf, BARE_SLOT(c, h) + 8, n);
        c->own = h + 1;
        __atomic_store_n(BARE_SEQ(c, h), h + c->cap, __ATOMIC_RELEASE);
        return n;
    }
    case T_BARE_MPMC: {
        uint32_t pos = __atomic_load_n(BARE_HEAD(c), __ATOMIC_RELAXED);
        for (;;) {
            int32_t d = (int32_t)(__atomic_load_n(BARE_SEQ(c, pos), __ATOMIC_ACQUIRE) - (pos + 1));
            if (d == 0 && __atomic_compare_exchange_n(BARE_HEAD(c), &pos, pos + 1, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                break;
            if (d < 0) bh_pause(); /* empty */
            if (d != 0) pos = __atomic_load_n(BARE_HEAD(c), __ATOMIC_RELAXED);
        }
        n = *BARE_LEN(c, pos);
        if (n > c->size) bh_fail("bare MPMC ring: bad length");
        memcpy(buf, BARE_SLOT(c, pos) + 8, n);
        __atomic_store_n(BARE_SEQ(c, pos), pos + c->cap, __ATOMIC_RELEASE);
        return n;
    }
    case T_CK_SPSC:
    case T_CK_MPMC:
        while (!ck_try_recv(c, buf)) bh_pause();
        return n;
    case T_SHMPC_BLOCK:
    case T_SHMPC_MPMC_BLOCK:
        shmpc_check_rc(shmpc_pop(&c->r, buf, c->size, &n));
        return n;
    case T_SHMPC_POLL: /* an event loop: drain with try_pop, at EEMPTY arm and poll the descriptor */
        while ((rc = shmpc_try_pop(&c->r, buf, c->size, &n)) != SHMPC_OK) {
            struct pollfd pf;
            if (rc != SHMPC_EEMPTY) bh_fail(shmpc_strerror(rc));
            pf.fd = shmpc_fd(&c->r);
            pf.events = POLLIN;
            pf.revents = 0;
            shmpc_check_rc(shmpc_arm(&c->r));
            if (pf.fd < 0 || poll(&pf, 1, -1) < 0) bh_fail("poll on shmpc_fd failed");
        }
        return n;
    default:
        while ((rc = shmpc_try_pop(&c->r, buf, c->size, &n)) != SHMPC_OK) {
            if (rc != SHMPC_EEMPTY && rc != SHMPC_EAGAIN) bh_fail(shmpc_strerror(rc));
            bh_pause();
        }
        return n;
    }
}

static unsigned char *msgbuf(size_t n) {
    void *p = NULL;
    if (posix_memalign(&p, 64, n < 64 ? 64 : n) != 0) bh_fail("out of memory");
    memset(p, 0x5A, n); /* pre-touched */
    return (unsigned char *)p;
}

/* ---- throughput: P producers, C consumers ------------------------------------------------------ */
static ch g_ch;
static uint64_t g_n;
static int g_P, g_C;

static void producer(int idx, void *arg) {
    ch *c = &g_ch;
    size_t size = c->size, i, j;
    uint64_t k = 0;
    (void)arg;
    ch_attach(c, SHMPC_PRODUCER);
    if (is_batch(c->kind)) {
        unsigned char *b[BATCH];
        shmpc_iov v[BATCH];
        for (j = 0; j < BATCH; j++) b[j] = msgbuf(size);
        bh_start();
        bh->t0[idx] = bh_now();
        while (k < g_n) {
            size_t m = g_n - k < BATCH ? (size_t)(g_n - k) : BATCH, done = 0;
            for (j = 0; j < m; j++) {
                bh_stamp(b[j], size, bh_tag(idx, k + j));
                v[j].base = b[j];
                v[j].len = size;
            }
            while (done < m) {
                int rc = shmpc_try_push_many(&c->r, v + done, m - done);
                if (rc > 0) done += (size_t)rc;
                else if (rc == SHMPC_EFULL || rc == SHMPC_EAGAIN) bh_pause();
                else bh_fail(shmpc_strerror(rc));
            }
            k += m;
        }
    } else if (c->kind == T_BARE_ZC) {
        unsigned char *src = msgbuf(size);
        bh_start();
        bh->t0[idx] = bh_now();
        for (k = 0; k < g_n; k++) {
            uint32_t t = (uint32_t)k;
            while (__atomic_load_n(BARE_SEQ(c, t), __ATOMIC_ACQUIRE) != t) bh_pause();
            memcpy(BARE_SLOT(c, t) + 8, src, size); /* the producer fills the slot in place */
            bh_stamp(BARE_SLOT(c, t) + 8, size, bh_tag(idx, k));
            *BARE_LEN(c, t) = (uint32_t)size;
            __atomic_store_n(BARE_SEQ(c, t), t + 1, __ATOMIC_RELEASE);
        }
    } else if (c->kind == T_SHMPC_ZC) {
        unsigned char *src = msgbuf(size);
        bh_start();
        bh->t0[idx] = bh_now();
        for (k = 0; k < g_n; k++) {
            void *slot;
            size_t room;
            int rc;
            while ((rc = shmpc_try_reserve(&c->r, &slot, &room)) != SHMPC_OK) {
                if (rc != SHMPC_EFULL) bh_fail(shmpc_strerror(rc));
                bh_pause();
            }
            memcpy(slot, src, size); /* the producer fills the slot in place */
            bh_stamp((unsigned char *)slot, size, bh_tag(idx, k));
            shmpc_check_rc(shmpc_commit(&c->r, size));
        }
    } else {
        unsigned char *src = msgbuf(size);
        bh_start();
        bh->t0[idx] = bh_now();
        for (k = 0; k < g_n; k++) {
            bh_stamp(src, size, bh_tag(idx, k));
            ch_send(c, src, size);
        }
    }
    if ((g_C > 1 || g_P > 1) && !is_batch(c->kind)) { /* end markers: each consumer stops after P of them */
        unsigned char *src = msgbuf(size);
        bh_stamp(src, size, BH_POISON);
        for (i = 0; i < (size_t)g_C; i++) ch_send(c, src, size);
    }
    ch_detach(c);
}

static void consumer(int idx, void *arg) {
    ch *c = &g_ch;
    size_t size = c->size, room = c->kind == T_MQ ? (size_t)c->mq_msgsize : size;
    bh_rx x;
    int poisons = 0, multi = g_C > 1 || g_P > 1;
    (void)arg;
    memset(&x, 0, sizeof x);
    x.order = !multi;
    ch_attach(c, SHMPC_CONSUMER);
    if (is_batch(c->kind)) {
        /* No end markers: a consumer that popped several in one batch would leave another waiting
           for its own. The consumers count what they took in the shared header and all stop when
           the total is what the producers send. */
        unsigned char *b[BATCH];
        shmpc_iov v[BATCH];
        size_t j;
        uint64_t total = g_n * (uint64_t)g_P;
        for (j = 0; j < BATCH; j++) b[j] = msgbuf(size);
        bh_start();
        while (__atomic_load_n(&bh->taken, __ATOMIC_ACQUIRE) < total) {
            int rc;
            for (j = 0; j < BATCH; j++) { v[j].base = b[j]; v[j].len = size; }
            rc = shmpc_try_pop_many(&c->r, v, BATCH);
            if (rc > 0) {
                for (j = 0; j < (size_t)rc; j++) bh_rx_msg(&x, b[j], v[j].len, size);
                __atomic_fetch_add(&bh->taken, (uint64_t)rc, __ATOMIC_ACQ_REL);
            } else if (rc == SHMPC_ECLOSED) {
                break; /* every producer closed and the ring is drained: the rest is in other hands */
            } else if (rc == SHMPC_EEMPTY || rc == SHMPC_EAGAIN) {
                bh_pause();
            } else {
                bh_fail(shmpc_strerror(rc));
            }
        }
    } else if (c->kind == T_BARE_ZC) {
        bh_start();
        while (x.count < g_n) {
            uint32_t h = (uint32_t)x.count;
            while (__atomic_load_n(BARE_SEQ(c, h), __ATOMIC_ACQUIRE) != h + 1) bh_pause();
            if (*BARE_LEN(c, h) > size) bh_fail("bare zero-copy ring: bad length");
            bh_rx_msg(&x, BARE_SLOT(c, h) + 8, *BARE_LEN(c, h), size); /* read in place */
            __atomic_store_n(BARE_SEQ(c, h), h + c->cap, __ATOMIC_RELEASE);
        }
    } else if (c->kind == T_SHMPC_ZC) {
        bh_start();
        while (x.count < g_n) {
            const void *m;
            size_t n;
            int rc;
            while ((rc = shmpc_try_peek(&c->r, &m, &n)) != SHMPC_OK) {
                if (rc != SHMPC_EEMPTY) bh_fail(shmpc_strerror(rc));
                bh_pause();
            }
            bh_rx_msg(&x, (const unsigned char *)m, n, size); /* read in place */
            shmpc_check_rc(shmpc_release(&c->r));
        }
    } else {
        unsigned char *buf = msgbuf(room);
        bh_start();
        for (;;) {
            size_t n;
            if (!multi && x.count == g_n) break;
            n = ch_recv(c, buf);
            if (multi) {
                uint64_t tag;
                memcpy(&tag, buf, 8);
                if (tag == BH_POISON) {
                    if (++poisons == g_P) break;
                    continue;
                }
            }
            bh_rx_msg(&x, buf, n, size);
        }
    }
    bh_rx_done(idx, &x);
    ch_detach(c);
}

static int run_tput(int kind, int P, int C, size_t size, uint64_t n) {
    pid_t pids[2 * BH_MAXP];
    int i, np = 0, failed;
    const char *why = NULL;
    if (is_batch(kind) && size > 4096) { printf("na batch API is for small messages\n"); return 0; }
    if ((P > 1 || C > 1) && !(kind == T_CK_MPMC || kind == T_BARE_MPMC || is_mpmc_ring(kind) || kind == T_PIPE || kind == T_UNIX || kind == T_MQ)) {
        printf("na single-producer single-consumer transport\n");
        return 0;
    }
    if (P > 1 && (kind == T_PIPE || kind == T_UNIX) && size > 4096) { printf("na stream writes above PIPE_BUF interleave\n"); return 0; }
    if (ch_setup(&g_ch, kind, size, ring_cap(size), &why)) { printf("na %s\n", why); return 0; }
    bh_init(0);
    g_n = n; g_P = P; g_C = C;
    for (i = 0; i < C; i++) pids[np++] = bh_spawn(i + 1, consumer, i, NULL);
    for (i = 0; i < P; i++) pids[np++] = bh_spawn(i, producer, i, NULL);
    failed = bh_run(pids, np);
    return bh_report(failed, P, C, n, size);
}

/* ---- latency: ping-pong over two channels ------------------------------------------------------- */
static ch g_a, g_b; /* a: ping -> pong, b: pong -> ping */
static uint64_t g_warm;

static void pinger(int idx, void *arg) {
    unsigned char m[8], r[64];
    uint64_t i, tag;
    int64_t *s = bh->lat;
    (void)idx; (void)arg;
    if (g_a.kind == T_CACHELINE) {
        uint32_t *ping = (uint32_t *)(void *)g_a.mem, *pong = (uint32_t *)(void *)(g_a.mem + 128);
        bh_start();
        for (i = 0; i < g_warm + g_n; i++) {
            uint64_t t = bh_ticks();
            __atomic_store_n(ping, (uint32_t)(i + 1), __ATOMIC_RELEASE);
            while (__atomic_load_n(pong, __ATOMIC_ACQUIRE) != (uint32_t)(i + 1)) bh_pause();
            if (i >= g_warm) s[i - g_warm] = (int64_t)(bh_ticks() - t);
        }
        return;
    }
    ch_attach(&g_a, SHMPC_PRODUCER);
    ch_attach(&g_b, SHMPC_CONSUMER);
    bh_start();
    for (i = 0; i < g_warm + g_n; i++) {
        uint64_t t = bh_ticks();
        memcpy(m, &i, 8);
        ch_send(&g_a, m, 8);
        if (ch_recv(&g_b, r) != 8) bh_fail("wrong length");
        memcpy(&tag, r, 8);
        if (tag != ~i) bh_fail("wrong reply");
        if (i >= g_warm) s[i - g_warm] = (int64_t)(bh_ticks() - t);
    }
    ch_detach(&g_a);
    ch_detach(&g_b);
}

static void ponger(int idx, void *arg) {
    unsigned char r[64];
    uint64_t i, tag;
    (void)idx; (void)arg;
    if (g_a.kind == T_CACHELINE) {
        uint32_t *ping = (uint32_t *)(void *)g_a.mem, *pong = (uint32_t *)(void *)(g_a.mem + 128);
        bh_start();
        for (i = 0; i < g_warm + g_n; i++) {
            while (__atomic_load_n(ping, __ATOMIC_ACQUIRE) != (uint32_t)(i + 1)) bh_pause();
            __atomic_store_n(pong, (uint32_t)(i + 1), __ATOMIC_RELEASE);
        }
        return;
    }
    ch_attach(&g_a, SHMPC_CONSUMER);
    ch_attach(&g_b, SHMPC_PRODUCER);
    bh_start();
    for (i = 0; i < g_warm + g_n; i++) {
        if (ch_recv(&g_a, r) != 8) bh_fail("wrong length");
        memcpy(&tag, r, 8);
        if (tag != i) bh_fail("wrong ping");
        tag = ~tag;
        memcpy(r, &tag, 8);
        ch_send(&g_b, r, 8);
    }
    ch_detach(&g_a);
    ch_detach(&g_b);
}

static int run_lat(int kind, uint64_t n) {
    pid_t pids[2];
    const char *why = NULL;
    uint64_t i;
    int failed;
    if (is_batch(kind) || kind == T_SHMPC_ZC || kind == T_BARE_ZC || kind == T_FUTEX) { printf("na not a ping-pong transport\n"); return 0; }
    if (ch_setup(&g_a, kind, 8, 1024, &why) || ch_setup(&g_b, kind, 8, 1024, &why)) { printf("na %s\n", why); return 0; }
    bh_init(n);
    bh_calibrate();
    g_n = n;
    g_warm = n / 10 < 1000 ? 1000 : n / 10;
    pids[0] = bh_spawn(1, ponger, 1, NULL);
    pids[1] = bh_spawn(0, pinger, 0, NULL);
    failed = bh_run(pids, 2);
    for (i = 0; i < n; i++) bh->lat[i] = (int64_t)((double)bh->lat[i] * bh_tsc_ns + 0.5);
    bh_report_lat(failed, bh->lat, n);
    return 0;
}

/* ---- wake-up: the consumer sleeps, the producer wakes it -------------------------------------- */
static int64_t g_gap_ns;

static void futex_op(uint32_t *w, int op, uint32_t v) {
    syscall(SYS_futex, (void *)w, op, v, NULL, NULL, 0);
}

static void wake_producer(int idx, void *arg) {
    unsigned char m[8];
    uint64_t i;
    struct timespec gap;
    (void)idx; (void)arg;
    gap.tv_sec = 0;
    gap.tv_nsec = (long)g_gap_ns;
    ch_attach(&g_a, SHMPC_PRODUCER);
    bh_start();
    for (i = 0; i < g_n; i++) {
        int64_t t;
        nanosleep(&gap, NULL); /* long enough for the consumer to spin out and sleep */
        t = bh_now();
        if (g_a.kind == T_FUTEX) {
            int64_t *ts = (int64_t *)(void *)(g_a.mem + 64);
            uint32_t *seq = (uint32_t *)(void *)g_a.mem;
            __atomic_store_n(ts, t, __ATOMIC_RELAXED);
            __atomic_store_n(seq, (uint32_t)(i + 1), __ATOMIC_RELEASE);
            futex_op(seq, FUTEX_WAKE, INT_MAX);
        } else {
            memcpy(m, &t, 8);
            ch_send(&g_a, m, 8);
        }
    }
    ch_detach(&g_a);
}

static void wake_consumer(int idx, void *arg) {
    unsigned char r[64];
    uint64_t i;
    (void)idx; (void)arg;
    ch_attach(&g_a, SHMPC_CONSUMER);
    bh_start();
    for (i = 0; i < g_n; i++) {
        int64_t t;
        if (g_a.kind == T_FUTEX) {
            uint32_t *seq = (uint32_t *)(void *)g_a.mem;
            uint32_t v;
            while ((v = __atomic_load_n(seq, __ATOMIC_ACQUIRE)) < (uint32_t)(i + 1)) futex_op(seq, FUTEX_WAIT, v);
            t = __atomic_load_n((int64_t *)(void *)(g_a.mem + 64), __ATOMIC_RELAXED);
        } else {
            if (ch_recv(&g_a, r) != 8) bh_fail("wrong length");
            memcpy(&t, r, 8);
        }
        bh->lat[i] = bh_now() - t;
    }
    ch_detach(&g_a);
}

static int run_wake(int kind, uint64_t n, int64_t gap_us) {
    pid_t pids[2];
    const char *why = NULL;
    int failed;
    if (kind != T_PIPE && kind != T_UNIX && kind != T_FUTEX && kind != T_SHMPC_BLOCK && kind != T_SHMPC_MPMC_BLOCK &&
        kind != T_SHMPC_POLL && kind != T_MQ) {
        printf("na not a blocking transport\n");
        return 0;
    }
    if (ch_setup(&g_a, kind, 8, 1024, &why)) { printf("na %s\n", why); return 0; }
    bh_init(n);
    g_n = n;
    g_gap_ns = gap_us * 1000;
    pids[0] = bh_spawn(1, wake_consumer, 1, NULL);
    pids[1] = bh_spawn(0, wake_producer, 0, NULL);
    failed = bh_run(pids, 2);
    bh_report_lat(failed, bh->lat, n);
    return 0;
}

/* ---- memcpy anchor -------------------------------------------------------------------------------- */
/* The anchor for large blocks: single-core memcpy of size bytes, n times, from one source into
   ndst destinations in turn (1: the same, cache-hot buffer every time; ring_cap(size): the
   working set of a ring of that many slots). */
static int run_memcpy(size_t size, uint64_t n, uint32_t ndst) {
    unsigned char *src, *dst[1024];
    uint64_t i;
    uint32_t d;
    int64_t t0, t1;
    bh_init(0);
    bh_pin(0);
    if (ndst < 1 || ndst > 1024) bh_fail("memcpy: 1..1024 destinations");
    src = msgbuf(size);
    for (d = 0; d < ndst; d++) {
        dst[d] = msgbuf(size);
        memcpy(dst[d], src, size);
    }
    t0 = bh_now();
    for (i = 0; i < n; i++) {
        src[0] = (unsigned char)i;
        memcpy(dst[i % ndst], src, size);
        __asm__ __volatile__("" : : "r"(dst[i % ndst]) : "memory");
    }
    t1 = bh_now();
    if (dst[(n - 1) % ndst][0] != (unsigned char)(n - 1)) { printf("FAIL memcpy\n"); return 1; }
    printf("ok ns=%lld msgs=%llu bytes=%llu\n", (long long)(t1 - t0), (unsigned long long)n,
           (unsigned long long)(n * size));
    return 0;
}

/* ---- instructions per message (run under valgrind --tool=callgrind --toggle-collect=icount_loop) ---- */
/* One process, producer and consumer side by side: n messages of size bytes, each sent then received
   (batches: 64 sent, then 64 received). The ring never fills or empties while a side waits, so what
   callgrind counts inside icount_loop is each transport's own push and pop path plus the copies:
   the noise-free companion of the timed figures. */
static __attribute__((noinline)) uint64_t icount_loop(ch *p, ch *q, size_t size, uint64_t n,
                                                      unsigned char *src, unsigned char *dst) {
    uint64_t k, sum = 0;
    size_t j;
    if (is_batch(p->kind)) {
        shmpc_iov v[BATCH], w[BATCH];
        for (k = 0; k < n; k += BATCH) {
            for (j = 0; j < BATCH; j++) { v[j].base = src; v[j].len = size; w[j].base = dst + j * size; w[j].len = size; }
            if (shmpc_try_push_many(&p->r, v, BATCH) != BATCH) bh_fail("icount: push_many");
            if (shmpc_try_pop_many(&q->r, w, BATCH) != BATCH) bh_fail("icount: pop_many");
            sum += w[BATCH - 1].len;
        }
    } else if (p->kind == T_SHMPC_ZC) {
        for (k = 0; k < n; k++) {
            void *slot; const void *m; size_t room, len;
            shmpc_check_rc(shmpc_try_reserve(&p->r, &slot, &room));
            memcpy(slot, src, size);
            shmpc_check_rc(shmpc_commit(&p->r, size));
            shmpc_check_rc(shmpc_try_peek(&q->r, &m, &len));
            sum += len + ((const unsigned char *)m)[len - 1]; /* read in place */
            shmpc_check_rc(shmpc_release(&q->r));
        }
    } else if (p->kind == T_BARE_ZC) {
        for (k = 0; k < n; k++) {
            uint32_t t = (uint32_t)k;
            while (__atomic_load_n(BARE_SEQ(p, t), __ATOMIC_ACQUIRE) != t) bh_pause();
            memcpy(BARE_SLOT(p, t) + 8, src, size);
            *BARE_LEN(p, t) = (uint32_t)size;
            __atomic_store_n(BARE_SEQ(p, t), t + 1, __ATOMIC_RELEASE);
            while (__atomic_load_n(BARE_SEQ(q, t), __ATOMIC_ACQUIRE) != t + 1) bh_pause();
            sum += *BARE_LEN(q, t) + BARE_SLOT(q, t)[8 + size - 1]; /* read in place */
            __atomic_store_n(BARE_SEQ(q, t), t + q->cap, __ATOMIC_RELEASE);
        }
    } else {
        for (k = 0; k < n; k++) {
            ch_send(p, src, size);
            sum += ch_recv(q, dst);
        }
    }
    return sum;
}

/* Both ends of a channel of cap slots in this process, and buffers to send from and receive into;
   1 (said why) where the transport cannot be set up here. */
static int one_process(int kind, size_t size, uint32_t cap, ch *p, ch *q, unsigned char **src, unsigned char **dst) {
    const char *why = NULL;
    if (ch_setup(p, kind, size, cap, &why)) { printf("n/a %s\n", why); return 1; }
    *q = *p;
    ch_attach(p, SHMPC_PRODUCER);
    ch_attach(q, SHMPC_CONSUMER);
    *src = msgbuf(size);
    *dst = msgbuf(size * BATCH);
    return 0;
}

static int run_icount(int kind, size_t size, uint64_t n) {
    ch p, q;
    unsigned char *src, *dst;
    uint64_t sum;
    bh_init(0);
    bh_solo = 1;
    if (kind == T_CACHELINE || kind == T_FUTEX || kind == T_SHMPC_BLOCK || kind == T_SHMPC_MPMC_BLOCK)
        bh_fail("icount: not a throughput transport");
    if (one_process(kind, size, 1024, &p, &q, &src, &dst)) return 0;
    n = (n + BATCH - 1) / BATCH * BATCH;
    sum = icount_loop(&p, &q, size, n, src, dst);
    ch_detach(&p);
    ch_detach(&q);
    printf("ok msgs=%llu sum=%llu\n", (unsigned long long)n, (unsigned long long)sum);
    return 0;
}

/* ---- one core's time per message, each side (bench side) ---- */
/* One process on one core: rounds of SIDE_ROUND messages sent, then the same received (batches: in
   calls of BATCH), each half timed apart. What a side costs when its lines stay in this core's cache:
   the rate a pipeline of two cores could reach if nothing but its slower side's work cost (its
   compute ceiling), beside the timed figures, whose cores also move the lines between them. */
#define SIDE_ROUND 512u

static __attribute__((noinline)) uint64_t side_loop(ch *p, ch *q, size_t size, uint64_t n, unsigned char *src,
                                                    unsigned char *dst, uint64_t *push_ns, uint64_t *pop_ns) {
    uint64_t k, sum = 0;
    uint32_t j;
    shmpc_iov v[BATCH], w[BATCH];
    int64_t t0, t1, t2;
    for (j = 0; j < BATCH; j++) { v[j].base = src; v[j].len = size; }
    *push_ns = *pop_ns = 0;
    for (k = 0; k < n; k += SIDE_ROUND) {
        t0 = bh_now();
        if (is_batch(p->kind)) {
            for (j = 0; j < SIDE_ROUND; j += BATCH)
                if (shmpc_try_push_many(&p->r, v, BATCH) != BATCH) bh_fail("side: push_many");
        } else {
            for (j = 0; j < SIDE_ROUND; j++) ch_send(p, src, size);
        }
        t1 = bh_now();
        if (is_batch(q->kind)) {
            for (j = 0; j < SIDE_ROUND; j += BATCH) {
                uint32_t i;
                for (i = 0; i < BATCH; i++) { w[i].base = dst + i * size; w[i].len = size; }
                if (shmpc_try_pop_many(&q->r, w, BATCH) != BATCH) bh_fail("side: pop_many");
                for (i = 0; i < BATCH; i++) sum += w[i].len;
            }
        } else {
            for (j = 0; j < SIDE_ROUND; j++) sum += ch_recv(q, dst);
        }
        t2 = bh_now();
        *push_ns += (uint64_t)(t1 - t0);
        *pop_ns += (uint64_t)(t2 - t1);
    }
    return sum;
}

static int run_side(int kind, size_t size, uint64_t n) {
    ch p, q;
    unsigned char *src, *dst;
    uint64_t sum, push_ns, pop_ns;
    bh_init(0);
    bh_solo = 1;
    switch (kind) { /* the rings: a round of messages fits in each (the kernel's queues may block) */
    case T_BARE: case T_BARE_SEQ: case T_BARE_MPMC: case T_CK_SPSC: case T_CK_MPMC:
    case T_SHMPC: case T_SHMPC_BATCH: case T_SHMPC_MPMC: case T_SHMPC_MPMC_BATCH: break;
    default: printf("n/a side: the ring transports only\n"); return 0;
    }
    bh_pin(bh_ncpu - 1); /* one core, the same for every transport */
    if (one_process(kind, size, 2 * SIDE_ROUND, &p, &q, &src, &dst)) return 0;
    n = (n + SIDE_ROUND - 1) / SIDE_ROUND * SIDE_ROUND;
    side_loop(&p, &q, size, 64u * SIDE_ROUND, src, dst, &push_ns, &pop_ns); /* warm-up: every slot touched */
    sum = side_loop(&p, &q, size, n, src, dst, &push_ns, &pop_ns);
    ch_detach(&p);
    ch_detach(&q);
    if (sum != n * size) bh_fail("side: lengths received");
    printf("ok msgs=%llu push_ns=%.3f pop_ns=%.3f\n", (unsigned long long)n, (double)push_ns / (double)n,
           (double)pop_ns / (double)n);
    return 0;
}

static int kind_of(const char *s) {
    int k;
    for (k = 0; k < T_N; k++)
        if (strcmp(s, tnames[k]) == 0) return k;
    printf("FAIL unknown transport %s\n", s);
    exit(2);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 5 && strcmp(argv[1], "tput") == 0)
        return run_tput(kind_of(argv[2]), 1, 1, strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
    if (argc >= 7 && strcmp(argv[1], "mpmc") == 0) {
        int P = atoi(argv[3]), C = atoi(argv[4]);
        if (P < 1 || C < 1 || P > BH_MAXP || C > BH_MAXP) bh_die("%s", "P and C: 1..16");
        return run_tput(kind_of(argv[2]), P, C, strtoull(argv[5], NULL, 0), strtoull(argv[6], NULL, 0));
    }
    if (argc >= 4 && strcmp(argv[1], "lat") == 0) return run_lat(kind_of(argv[2]), strtoull(argv[3], NULL, 0));
    if (argc >= 5 && strcmp(argv[1], "wake") == 0)
        return run_wake(kind_of(argv[2]), strtoull(argv[3], NULL, 0), strtoll(argv[4], NULL, 0));
    if (argc >= 4 && strcmp(argv[1], "memcpy") == 0) {
        size_t size = strtoull(argv[2], NULL, 0);
        uint32_t ndst = argc >= 5 ? (strcmp(argv[4], "ring") == 0 ? ring_cap(size) : (uint32_t)strtoul(argv[4], NULL, 0)) : 1u;
        return run_memcpy(size, strtoull(argv[3], NULL, 0), ndst);
    }
    if (argc >= 5 && strcmp(argv[1], "icount") == 0)
        return run_icount(kind_of(argv[2]), strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
    if (argc >= 5 && strcmp(argv[1], "side") == 0)
        return run_side(kind_of(argv[2]), strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
    if (argc >= 2 && strcmp(argv[1], "cpus") == 0) { bh_init(0); printf("%d\n", bh_ncpu); return 0; }
    fprintf(stderr, "usage: bench tput|mpmc|lat|wake|memcpy|icount|side|cpus ... (see the top of bench/bench.c)\n");
    return 2;
}
