/* Suite "layout": the documented byte layout, validation of every header field on attach, and a
   hostile peer scribbling on indices, lengths and sequence words (no crash: SHMPC_ECORRUPT). */
#include "pair.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define U32(mem, off) (*(uint32_t *)(void *)((unsigned char *)(mem) + (off)))
#define U64(mem, off) (*(uint64_t *)(void *)((unsigned char *)(mem) + (off)))
/* The ABI tag's byte-order field: this machine's (1 little, 2 big), and the other one. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define T_ENDIAN 2u
#else
#define T_ENDIAN 1u
#endif
#define T_OTHER_ENDIAN (3u - T_ENDIAN)
enum { O_VERSION = 0x08, O_ABI = 0x0C, O_HDRSIZE = 0x10, O_CAP = 0x14, O_SLOT = 0x18, O_STRIDE = 0x1C,
       O_MODE = 0x20, O_FLAGS = 0x24, O_TOTAL = 0x28, O_START = 0x30, O_STATE = 0x40, O_PRODUCERS = 0x80,
       O_CONSUMERS = 0x84, O_ENDS = 0x88, O_TAIL = 0x100, O_HEAD = 0x180, O_PEERS = 0x200, O_SLOTS = 0xA00 };

/* Every documented field sits at its documented offset with its documented value. */
START_TEST(format_writes_the_documented_layout) {
    shmpc_opts o = t_opts(8, 20, SHMPC_MPMC);
    size_t size = shmpc_footprint(8, 20), i;
    unsigned char *m = (unsigned char *)t_mem(size);
    uint32_t p;
    shmpc_ring r;
    o.flags = SHMPC_F_SEQUENTIAL;
    ck_assert_rc(shmpc_format(m, size, &o), SHMPC_OK);
    ck_assert_mem_eq(m, "SHMPCv5\0", 8);
    ck_assert_uint_eq(U32(m, O_VERSION), 5);
    ck_assert_uint_eq(U32(m, O_ABI), 32u | T_ENDIAN << 8 | 6u << 16 | 8u << 24); /* this machine's byte order */
    ck_assert_uint_eq(U32(m, O_HDRSIZE), 0xA00);
    ck_assert_uint_eq(U32(m, O_CAP), 8);
    ck_assert_uint_eq(U32(m, O_SLOT), 20);
    ck_assert_uint_eq(U32(m, O_STRIDE), 32); /* round8(8 + 20) */
    ck_assert_uint_eq(U32(m, O_MODE), 2);
    ck_assert_uint_eq(U32(m, O_FLAGS), SHMPC_F_SEQUENTIAL);
    ck_assert_uint_eq(U64(m, O_TOTAL), 0xA00 + 8 * 32);
    ck_assert_uint_eq(U32(m, O_START), T_START);
    ck_assert_uint_eq(U32(m, O_STATE), 1);
    ck_assert_uint_eq(U32(m, O_TAIL), T_START);
    ck_assert_uint_eq(U32(m, O_HEAD), T_START);
    for (i = 0x44; i < 0xA00; i++) /* reserved bytes, counters and the peer table are zero */
        if (i < O_TAIL || i >= O_TAIL + 4) if (i < O_HEAD || i >= O_HEAD + 4)
            ck_assert_msg(m[i] == 0, "byte 0x%zx is 0x%02x", i, m[i]);
    for (p = T_START; p != T_START + 8u; p++) /* MPMC: slot of p is free for p */
        ck_assert_uint_eq(U32(m, O_SLOTS + (p & 7u) * 32u), p);
    /* attaching registers the peer: pid, role, start time */
    ck_assert_rc(shmpc_attach_id(&r, m, size, SHMPC_CONSUMER, 4242u, 0x0000000100000002ull), SHMPC_OK);
    ck_assert_uint_eq(U32(m, O_CONSUMERS), 1);
    ck_assert_uint_eq(U32(m, O_PEERS), 4242); ck_assert_uint_eq(U32(m, O_PEERS + 4), 2);
    ck_assert_uint_eq(U32(m, O_PEERS + 8), 2); ck_assert_uint_eq(U32(m, O_PEERS + 12), 1);
    shmpc_close(&r);
    ck_assert_uint_eq(U32(m, O_PEERS), 0);
    ck_assert_uint_eq(U32(m, O_ENDS), 2); /* the last consumer closed */
    ck_assert_uint_eq(U32(m, O_CONSUMERS), 0x80000000u); /* and ended its side in the count */
    free(m);
}
END_TEST

/* Layout 4: a side ends in its count word (1 to 0x80000000, one compare-and-swap), then in `ends`.
   A closer that died between the two leaves the count so: an attacher of that side is refused,
   the other side sees the end (and finishes it in `ends`), and shmpc_stat reports it. */
START_TEST(a_side_ends_in_its_count) {
    t_pair t;
    shmpc_ring again;
    shmpc_status st;
    char b[16];
    size_t n;
    t_pair_open(&t, 4, 16, t_mode(_i));
    ck_assert_rc(shmpc_try_push(&t.p, "last", 4), SHMPC_OK);
    ck_assert_rc(shmpc_close(&t.p), SHMPC_OK);
    ck_assert_uint_eq(U32(t.mem, O_PRODUCERS), 0x80000000u);
    ck_assert_uint_eq(U32(t.mem, O_ENDS), 1u);
    U32(t.mem, O_ENDS) = 0u; /* as if the closer died between its count and `ends` */
    ck_assert_rc(shmpc_stat(&t.c, &st), SHMPC_OK);
    ck_assert_uint_eq(st.producers, 0u);
    ck_assert_uint_eq(st.ends & 1u, 1u);
    ck_assert_rc(shmpc_attach(&again, t.mem, t.size, SHMPC_PRODUCER), SHMPC_ECLOSED);
    ck_assert_uint_eq(U32(t.mem, O_ENDS), 1u); /* the refused attacher finished the end */
    ck_assert_uint_eq(U32(t.mem, O_PRODUCERS), 0x80000000u);
    U32(t.mem, O_ENDS) = 0u;
    ck_assert_rc(shmpc_pop_timed(&t.c, b, sizeof b, &n, 1000000000), SHMPC_OK); /* what was pushed */
    ck_assert_mem_eq(b, "last", 4);
    ck_assert_rc(shmpc_pop_timed(&t.c, b, sizeof b, &n, 1000000000), SHMPC_ECLOSED); /* then the end */
    ck_assert_uint_eq(U32(t.mem, O_ENDS), 1u);
    t_pair_close(&t);
}
END_TEST

/* A message sits in its slot as len + payload, at slot (index & mask). */
START_TEST(a_message_sits_where_the_layout_says) {
    t_pair t;
    uint32_t slot = (T_START + 1u) & 3u;
    t_pair_open(&t, 4, 16, t_mode(_i));
    ck_assert_rc(shmpc_try_push(&t.p, "a", 1), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, "hello", 5), SHMPC_OK);
    ck_assert_uint_eq(U32(t.mem, O_SLOTS + slot * 24u + 4u), 5);
    ck_assert_mem_eq((unsigned char *)t.mem + O_SLOTS + slot * 24u + 8u, "hello", 5);
    ck_assert_uint_eq(U32(t.mem, O_SLOTS + slot * 24u), T_START + 2u); /* seq: index + 1 (R3, R7) */
    if (t_mode(_i) == SHMPC_SPSC) ck_assert_uint_eq(U32(t.mem, O_TAIL), T_START + 2u);
    t_pair_close(&t);
}
END_TEST

/* SPSC: a producer that died between publishing tail (R1) and the slot's seq (R7). A consumer's try
   call decides on the seq and sees nothing yet; a blocking call looks at tail before it sleeps and
   takes the message; a producer that takes the role over publishes the seq again. */
START_TEST(spsc_message_published_in_tail_only) {
    t_pair t;
    char b[16];
    size_t n;
    uint32_t s0 = O_SLOTS + (T_START & 3u) * 24u, s1 = O_SLOTS + ((T_START + 1u) & 3u) * 24u;
    t_pair_open(&t, 4, 16, SHMPC_SPSC);
    ck_assert_rc(shmpc_try_push(&t.p, "one", 3), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, "two", 3), SHMPC_OK);
    U32(t.mem, s0) = T_START; U32(t.mem, s1) = T_START + 1u; /* as shmpc_format left them */
    ck_assert_rc(shmpc_try_pop(&t.c, b, sizeof b, &n), SHMPC_EEMPTY);
    ck_assert_rc(shmpc_pop_timed(&t.c, b, sizeof b, &n, 1000000), SHMPC_OK);
    ck_assert_mem_eq(b, "one", 3);
    ck_assert_rc(shmpc_try_pop(&t.c, b, sizeof b, &n), SHMPC_OK); /* the cached tail covers it */
    ck_assert_mem_eq(b, "two", 3);
    ck_assert_rc(shmpc_try_push(&t.p, "three", 5), SHMPC_OK);
    U32(t.mem, O_SLOTS + ((T_START + 2u) & 3u) * 24u) = T_START + 2u;
    shmpc_close(&t.p); /* not a takeover, but the same attach: */
    U32(t.mem, O_ENDS) = 0u; U32(t.mem, O_PRODUCERS) = 0u;
    ck_assert_rc(shmpc_attach_id(&t.p, t.mem, t.size, SHMPC_PRODUCER, 103u, 0u), SHMPC_OK);
    ck_assert_uint_eq(U32(t.mem, O_SLOTS + ((T_START + 2u) & 3u) * 24u), T_START + 3u);
    ck_assert_rc(shmpc_try_pop(&t.c, b, sizeof b, &n), SHMPC_OK);
    ck_assert_mem_eq(b, "three", 5);
    t_pair_close(&t);
}
END_TEST

/* Each header field, made impossible in turn, is refused with its own code; the handle stays
   unattached, and restoring the field makes the segment acceptable again. */
typedef struct { const char *what; size_t off; int width; uint64_t value; int want; } t_field_case;

static const t_field_case field_cases[] = {
    {"magic[0]",              0x00, 1, 'X',                 SHMPC_ENOTSHMPC},
    {"magic[5]",              0x05, 1, 'w',                 SHMPC_ENOTSHMPC},
    {"magic[7]",              0x07, 1, '!',                 SHMPC_ECORRUPT},
    {"magic[6] '1'",          0x06, 1, '1',                 SHMPC_ECORRUPT},
    {"magic[6] '2'",          0x06, 1, '2',                 SHMPC_ECORRUPT},
    {"magic[6] '3'",          0x06, 1, '3',                 SHMPC_ECORRUPT},
    {"magic[6] '4'",          0x06, 1, '4',                 SHMPC_ECORRUPT},
    {"version 1",             O_VERSION, 4, 1,              SHMPC_EVERSION},
    {"version 2",             O_VERSION, 4, 2,              SHMPC_EVERSION},
    {"version 3",             O_VERSION, 4, 3,              SHMPC_EVERSION},
    {"version 4",             O_VERSION, 4, 4,              SHMPC_EVERSION},
    {"version 6",             O_VERSION, 4, 6,              SHMPC_EVERSION},
    {"version 5 byte-swapped",O_VERSION, 4, 0x05000000u,    SHMPC_EABI},
    {"version 0",             O_VERSION, 4, 0,              SHMPC_EVERSION},
    {"abi index bits 16",     O_ABI, 4, 16u | T_ENDIAN << 8 | 6u << 16 | 8u << 24, SHMPC_EABI},
    {"abi other byte order",  O_ABI, 4, 32u | T_OTHER_ENDIAN << 8 | 6u << 16 | 8u << 24, SHMPC_EABI},
    {"abi cache line 128",    O_ABI, 4, 32u | T_ENDIAN << 8 | 7u << 16 | 8u << 24, SHMPC_EABI},
    {"abi slot header 16",    O_ABI, 4, 32u | T_ENDIAN << 8 | 6u << 16 | 16u << 24, SHMPC_EABI},
    {"header_size 0x800",     O_HDRSIZE, 4, 0x800,          SHMPC_EABI},
    {"capacity 0",            O_CAP, 4, 0,                  SHMPC_ECORRUPT},
    {"capacity 6",            O_CAP, 4, 6,                  SHMPC_ECORRUPT},
    {"capacity 2^31 (total)", O_CAP, 4, 0x80000000u,        SHMPC_ECORRUPT},
    {"capacity 2^32-1",       O_CAP, 4, 0xFFFFFFFFu,        SHMPC_ECORRUPT},
    {"slot_size 0",           O_SLOT, 4, 0,                 SHMPC_ECORRUPT},
    {"slot_size 2^30+1",      O_SLOT, 4, 0x40000001u,       SHMPC_ECORRUPT},
    {"slot_size 17 (stride)", O_SLOT, 4, 17,                SHMPC_ECORRUPT},
    {"slot_stride 8",         O_STRIDE, 4, 8,               SHMPC_ECORRUPT},
    {"slot_stride 0",         O_STRIDE, 4, 0,               SHMPC_ECORRUPT},
    {"mode 0",                O_MODE, 4, 0,                 SHMPC_ECORRUPT},
    {"mode 3",                O_MODE, 4, 3,                 SHMPC_ECORRUPT},
    {"flags 0x10",            O_FLAGS, 4, 0x10,             SHMPC_ECORRUPT},
    {"flags 0x80000000",      O_FLAGS, 4, 0x80000000u,      SHMPC_ECORRUPT},
    {"total_size - 8",        O_TOTAL, 8, 0xA00 + 8 * 24 - 8, SHMPC_ECORRUPT},
    {"total_size 2^63",       O_TOTAL, 8, 1ull << 63,       SHMPC_ECORRUPT},
    {"state 0 (initializing)",O_STATE, 4, 0,                SHMPC_ENOTREADY},
    {"state 3",               O_STATE, 4, 3,                SHMPC_ECORRUPT},
    {"state 0xFFFFFFFF",      O_STATE, 4, 0xFFFFFFFFu,      SHMPC_ECORRUPT},
    {"tail = head + cap + 1", O_TAIL, 4, T_START + 9u,      SHMPC_ECORRUPT},
    {"tail = head - 1",       O_TAIL, 4, T_START - 1u,      SHMPC_ECORRUPT},
    {"head = tail + 1",       O_HEAD, 4, T_START + 1u,      SHMPC_ECORRUPT},
};

static void put(void *m, size_t off, int width, uint64_t v) {
    if (width == 1) ((unsigned char *)m)[off] = (unsigned char)v;
    else if (width == 4) U32(m, off) = (uint32_t)v;
    else U64(m, off) = v;
}

START_TEST(every_header_field_is_validated_on_attach) {
    const t_field_case *c = &field_cases[_i];
    shmpc_opts o = t_opts(8, 16, SHMPC_SPSC);
    size_t size = shmpc_footprint(8, 16);
    unsigned char *m = (unsigned char *)t_mem(size), saved[8];
    shmpc_ring r;
    int role;
    ck_assert_rc(shmpc_format(m, size, &o), SHMPC_OK);
    memcpy(saved, m + c->off, 8);
    put(m, c->off, c->width, c->value);
    for (role = SHMPC_PRODUCER; role <= SHMPC_OBSERVER; role *= 2) {
        int rc = shmpc_attach_id(&r, m, size, role, 77u, 0u);
        if (role == SHMPC_OBSERVER && c->off >= O_TAIL) ck_assert_rc(rc, SHMPC_OK); /* observers do not use the indices */
        else ck_assert_msg(rc == c->want, "%s, role %d: got %s, expected %s", c->what, role, shmpc_strerror(rc), shmpc_strerror(c->want));
        if (rc == SHMPC_OK) shmpc_close(&r);
    }
    ck_assert_uint_eq(U32(m, O_PRODUCERS), 0); /* refusals leave no trace */
    ck_assert_uint_eq(U32(m, O_CONSUMERS), 0);
    ck_assert_uint_eq(U32(m, O_PEERS), 0);
    memcpy(m + c->off, saved, 8);
    ck_assert_rc(shmpc_attach_id(&r, m, size, SHMPC_PRODUCER, 77u, 0u), SHMPC_OK);
    shmpc_close(&r);
    free(m);
}
END_TEST

/* The mapping must hold the whole ring: too small for the header or for the slots is ESIZE (a
   too-small mapping with the wrong magic is not shmpc at all). A geometry that is consistent
   but larger than the mapping is ESIZE too. */
START_TEST(a_mapping_smaller_than_the_ring_is_refused) {
    shmpc_opts o = t_opts(8, 16, SHMPC_SPSC);
    size_t size = shmpc_footprint(8, 16);
    unsigned char *m = (unsigned char *)t_mem(size);
    shmpc_ring r;
    ck_assert_rc(shmpc_format(m, size - 1, &o), SHMPC_ESIZE);
    ck_assert_rc(shmpc_format(m, size, &o), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&r, m, size - 1, SHMPC_CONSUMER, 5u, 0u), SHMPC_ESIZE);
    ck_assert_rc(shmpc_attach_id(&r, m, 0x9FF, SHMPC_CONSUMER, 5u, 0u), SHMPC_ESIZE);
    ck_assert_rc(shmpc_attach_id(&r, m, 4, SHMPC_CONSUMER, 5u, 0u), SHMPC_ESIZE);
    m[2] = 'x';
    ck_assert_rc(shmpc_attach_id(&r, m, 16, SHMPC_CONSUMER, 5u, 0u), SHMPC_ENOTSHMPC);
    m[2] = 'M';
    /* consistent geometry, 16 slots, in a mapping that holds 8 */
    U32(m, O_CAP) = 16; U64(m, O_TOTAL) = 0xA00 + 16 * 24;
    ck_assert_rc(shmpc_attach_id(&r, m, size, SHMPC_CONSUMER, 5u, 0u), SHMPC_ESIZE);
    ck_assert_ptr_null(r.seg);
    free(m);
}
END_TEST

/* A named segment that is empty (being created) is not ready; one holding garbage is not shmpc;
   one shorter than a header is refused by size. */
START_TEST(open_refuses_empty_short_and_foreign_segments) {
    char nm[96];
    shmpc_ring r;
    static _Alignas(64) unsigned char junk[8192];
    shmpc_opts o = t_opts(8, 16, SHMPC_SPSC);
    double t0;
    memset(junk, 0x5A, sizeof junk);
    t_segment(t_name(nm, "empty"), NULL, 0);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ENOTREADY);
    t0 = t_now();
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 30000000), SHMPC_ENOTREADY); /* waits, then gives up */
    ck_assert_double_ge(t_now() - t0, 0.029);
    t_segment_remove(nm);
    t_segment(t_name(nm, "short"), junk, 100);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ESIZE);
    t_segment_remove(nm);
    t_segment(t_name(nm, "junk"), junk, sizeof junk);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ENOTSHMPC);
    t_segment_remove(nm);
    /* a ring image whose state says initializing: ENOTREADY */
    ck_assert_rc(shmpc_format(junk, sizeof junk, &o), SHMPC_OK);
    U32(junk, O_STATE) = 0;
    t_segment(t_name(nm, "init"), junk, sizeof junk);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_PRODUCER, 0), SHMPC_ENOTREADY);
    t_segment_remove(nm);
    U32(junk, O_STATE) = 1; U32(junk, O_VERSION) = 9;
    t_segment(t_name(nm, "v9"), junk, sizeof junk);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_PRODUCER, 0), SHMPC_EVERSION);
    t_segment_remove(nm);
    /* a layout version 1 segment, as the previous release wrote it: refused by its version */
    junk[6] = '1'; U32(junk, O_VERSION) = 1;
    t_segment(t_name(nm, "v1"), junk, sizeof junk);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_PRODUCER, 0), SHMPC_EVERSION);
    t_segment_remove(nm);
    /* zero-filled, as ftruncate leaves it before the creator writes the header: being created */
    memset(junk, 0, sizeof junk);
    t_segment(t_name(nm, "zero"), junk, sizeof junk);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ENOTREADY);
    junk[0] = 'S'; junk[1] = 'H'; /* the magic half written by shmpc_format */
    t_segment_remove(nm);
    t_segment(t_name(nm, "half"), junk, sizeof junk);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ENOTREADY);
    t_segment_remove(nm);
}
END_TEST

static int t_wait(pid_t pid) {
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* An opener that finds a segment its creator has sized but not yet written waits for it (the
   window between ftruncate or shmget and the header), for POSIX and SysV segments alike. */
START_TEST(open_waits_while_a_zero_filled_segment_is_formatted) {
    char nm[96];
    char path[128];
    static _Alignas(64) unsigned char img[8192];
    shmpc_opts o = t_opts(8, 16, SHMPC_SPSC);
    shmpc_ring r;
    unsigned char *mem;
    long key = 0x5A000000L | (long)(getpid() & 0xFFFFF);
    int fd, id;
    pid_t pid;
    size_t size = shmpc_footprint(8, 16);
    ck_assert_uint_le(size, sizeof img);
    /* POSIX: a zero-filled file; a child formats it in place 50 ms later */
    snprintf(path, sizeof path, "/%s", t_name(nm, "late"));
    fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
    mem = (unsigned char *)mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(mem, MAP_FAILED);
    close(fd);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        usleep(50000);
        _exit(shmpc_format(mem, size, &o) == SHMPC_OK ? 0 : 1);
    }
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 5000000000LL), SHMPC_OK);
    ck_assert_int_eq(t_wait(pid), 0);
    shmpc_close(&r);
    munmap(mem, size);
    shmpc_unlink(nm);
    /* SysV: shmget gives a zeroed segment at once */
    id = shmget((key_t)key, size, IPC_CREAT | IPC_EXCL | 0600);
    ck_assert_int_ge(id, 0);
    ck_assert_rc(shmpc_open_sysv(&r, key, SHMPC_CONSUMER, 0), SHMPC_ENOTREADY);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        void *m = shmat(id, NULL, 0);
        usleep(50000);
        _exit(m != (void *)-1 && shmpc_format(m, size, &o) == SHMPC_OK ? 0 : 1);
    }
    ck_assert_rc(shmpc_open_sysv(&r, key, SHMPC_CONSUMER, 5000000000LL), SHMPC_OK);
    ck_assert_int_eq(t_wait(pid), 0);
    shmpc_close(&r);
    shmctl(id, IPC_RMID, NULL);
}
END_TEST

/* --- a hostile peer, after attach ------------------------------------------------------------ */

/* SPSC consumer: a tail that claims more than capacity messages, or runs behind head. The single
   try calls decide on the slot's seq (A7) while it says nothing is published, and do not read tail:
   empty. Every call that reads tail reports it (the batch, the blocking calls before they sleep),
   and from then on the try calls too (the handle caches what it read). */
START_TEST(spsc_consumer_reports_an_impossible_tail) {
    t_pair t;
    unsigned char b[16];
    size_t n;
    const void *m;
    shmpc_iov iov = {b, 16};
    t_pair_open(&t, 8, 16, SHMPC_SPSC);
    U32(t.mem, O_TAIL) = T_START + 9u;
    ck_assert_rc(shmpc_try_pop(&t.c, b, 16, &n), SHMPC_EEMPTY);
    ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_EEMPTY);
    ck_assert_rc(shmpc_try_pop_many(&t.c, &iov, 1), SHMPC_ECORRUPT);
    ck_assert_rc(shmpc_try_pop(&t.c, b, 16, &n), SHMPC_ECORRUPT);
    ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_ECORRUPT);
    ck_assert_rc(shmpc_pop(&t.c, b, 16, &n), SHMPC_ECORRUPT); /* blocking: reports, does not wait */
    U32(t.mem, O_TAIL) = T_START - 1u;
    ck_assert_rc(shmpc_pop(&t.c, b, 16, &n), SHMPC_ECORRUPT);
    ck_assert_rc(shmpc_try_pop(&t.c, b, 16, &n), SHMPC_ECORRUPT);
    U32(t.mem, O_TAIL) = 0x7FFFFFFFu;
    ck_assert_rc(shmpc_pop_timed(&t.c, b, 16, &n, 1000000), SHMPC_ECORRUPT);
    ck_assert_uint_eq(U32(t.mem, O_HEAD), T_START); /* nothing consumed */
    t_pair_close(&t);
}
END_TEST

/* SPSC producer: a head that overtakes tail. */
START_TEST(spsc_producer_reports_an_impossible_head) {
    t_pair t;
    uint32_t v = 0, i;
    t_pair_open(&t, 4, 4, SHMPC_SPSC);
    for (i = 0; i < 4; i++) ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    U32(t.mem, O_HEAD) = T_START + 5u; /* ahead of tail = T_START + 4 */
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_ECORRUPT);
    ck_assert_rc(shmpc_push(&t.p, &v, 4), SHMPC_ECORRUPT);
    U32(t.mem, O_HEAD) = T_START + 0x80000000u;
    ck_assert_rc(shmpc_push_timed(&t.p, &v, 4, 1000000), SHMPC_ECORRUPT);
    ck_assert_uint_eq(U32(t.mem, O_TAIL), T_START + 4u); /* nothing published */
    t_pair_close(&t);
}
END_TEST

/* Either mode: a length word larger than the slot is reported, never copied. */
START_TEST(a_length_larger_than_the_slot_is_corrupt) {
    t_pair t;
    unsigned char b[64];
    size_t n;
    const void *m;
    shmpc_iov iov = {b, sizeof b};
    uint32_t slot = T_START & 3u;
    t_pair_open(&t, 4, 16, t_mode(_i));
    ck_assert_rc(shmpc_try_push(&t.p, "abc", 3), SHMPC_OK);
    U32(t.mem, O_SLOTS + slot * 24u + 4u) = 17;
    ck_assert_rc(shmpc_try_pop(&t.c, b, sizeof b, &n), SHMPC_ECORRUPT);
    if (t_mode(_i) == SHMPC_SPSC) { /* SPSC: the slot stays where it is: every look reports it */
        ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_ECORRUPT);
        ck_assert_rc(shmpc_try_pop_many(&t.c, &iov, 1), SHMPC_ECORRUPT);
        U32(t.mem, O_SLOTS + slot * 24u + 4u) = 0xFFFFFFFFu;
        ck_assert_rc(shmpc_pop(&t.c, b, sizeof b, &n), SHMPC_ECORRUPT);
    } else { /* MPMC: refused before it is claimed, so it stays too */
        ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_ECORRUPT);
        ck_assert_rc(shmpc_try_pop_many(&t.c, &iov, 1), SHMPC_ECORRUPT);
    }
    U32(t.mem, O_SLOTS + slot * 24u + 4u) = 3; /* repaired: the message comes out */
    ck_assert_rc(shmpc_try_pop(&t.c, b, sizeof b, &n), SHMPC_OK);
    ck_assert_uint_eq(n, 3);
    t_pair_close(&t);
}
END_TEST

/* MPMC: sequence words that no consistent ring can hold. */
START_TEST(mpmc_reports_impossible_sequence_words) {
    t_pair t;
    unsigned char b[16];
    size_t n;
    uint32_t slot = T_START & 3u, v = 1;
    void *w;
    t_pair_open(&t, 4, 16, SHMPC_MPMC);
    /* consumer: seq far from head */
    U32(t.mem, O_SLOTS + slot * 24u) = T_START + 0x40000000u;
    ck_assert_rc(shmpc_try_pop(&t.c, b, 16, &n), SHMPC_ECORRUPT);
    ck_assert_rc(shmpc_pop(&t.c, b, 16, &n), SHMPC_ECORRUPT);
    /* producer: the same slot, seen by the producer */
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_ECORRUPT);
    ck_assert_rc(shmpc_try_reserve(&t.p, &w, &n), SHMPC_ECORRUPT);
    ck_assert_rc(shmpc_push(&t.p, &v, 4), SHMPC_ECORRUPT);
    /* seq "ahead" of the producer (as if already filled) while tail did not move */
    U32(t.mem, O_SLOTS + slot * 24u) = T_START + 2u;
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_ECORRUPT);
    /* repaired */
    U32(t.mem, O_SLOTS + slot * 24u) = T_START;
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&t.c, b, 16, &n), SHMPC_OK);
    /* consumer: head index thrown far away */
    U32(t.mem, O_HEAD) = 0x12345678u;
    ck_assert_rc(shmpc_try_pop(&t.c, b, 16, &n), SHMPC_ECORRUPT);
    U32(t.mem, O_TAIL) = 0x87654321u;
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_ECORRUPT);
    t_pair_close(&t);
}
END_TEST

/* Geometry is read once: a peer rewriting capacity or slot size after attach changes nothing. */
START_TEST(geometry_rewritten_after_attach_is_ignored) {
    t_pair t;
    unsigned char in[16], out[16];
    size_t n;
    uint64_t k;
    t_pair_open(&t, 4, 16, t_mode(_i));
    U32(t.mem, O_CAP) = 0x40000000u; U32(t.mem, O_SLOT) = 0x40000000u; U32(t.mem, O_STRIDE) = 0x40000008u;
    for (k = 0; k < 40; k++) {
        n = t_fill(in, k, 16);
        ck_assert_rc(shmpc_try_push(&t.p, in, n), SHMPC_OK);
        ck_assert_rc(shmpc_try_pop(&t.c, out, sizeof out, &n), SHMPC_OK);
        ck_assert(t_check(out, n, k, 16));
    }
    ck_assert_rc(shmpc_try_push(&t.p, in, 17), SHMPC_EMSGSIZE);
    t_pair_close(&t);
}
END_TEST

/* Random scribbles over the whole segment while both sides keep working: no crash, no read or
   write outside the mapping (the sanitizer builds check that), no endless loop (the case has a
   timeout), every result is one the API documents, and the corruption is reported. */
START_TEST(random_scribbles_never_crash_and_are_reported) {
    const uint32_t slot = 24;
    t_pair t;
    unsigned char in[64], out[64];
    uint64_t rnd = 0x9E3779B97F4A7C15ull ^ (uint64_t)_i;
    long step, corrupt = 0, ok = 0;
    size_t n;
    t_pair_open(&t, 8, slot, t_mode(_i));
    for (step = 0; step < 200000; step++) {
        int rc, op;
        rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17;
        if (rnd % 16 == 0) { /* one scribble: a random word of the mapping, random or near-valid value */
            size_t off = (size_t)(rnd >> 8) % (t.size / 4) * 4;
            uint32_t v = (uint32_t)(rnd >> 32);
            if (rnd & 0x10) v = U32(t.mem, off) + (uint32_t)((rnd >> 40) % 17) - 8u;
            if (off >= 0x40 || (rnd & 0x20)) U32(t.mem, off) = v; /* mostly past the identity */
        }
        op = (int)((rnd >> 20) % 6);
        switch (op) {
        case 0: case 1:
            n = t_fill(in, (uint64_t)step, slot);
            rc = shmpc_try_push(&t.p, in, n); break;
        case 2: {
            void *w; size_t room;
            rc = shmpc_try_reserve(&t.p, &w, &room);
            if (rc == SHMPC_OK) { ck_assert_uint_eq(room, slot); memset(w, 1, room); rc = shmpc_commit(&t.p, room); }
            break; }
        case 3: {
            const void *m;
            rc = shmpc_try_peek(&t.c, &m, &n);
            if (rc == SHMPC_OK) { ck_assert_uint_le(n, slot); memcpy(out, m, n); rc = shmpc_release(&t.c); }
            break; }
        case 4: {
            shmpc_iov iov[3] = {{out, 64}, {out, 64}, {out, 64}};
            rc = shmpc_try_pop_many(&t.c, iov, 3);
            if (rc > 0) { ck_assert_uint_le(iov[0].len, slot); rc = SHMPC_OK; }
            break; }
        default:
            n = 1000;
            rc = shmpc_try_pop(&t.c, out, sizeof out, &n);
            if (rc == SHMPC_OK) ck_assert_uint_le(n, slot);
        }
        ck_assert_msg(rc == SHMPC_OK || rc == SHMPC_EFULL || rc == SHMPC_EEMPTY || rc == SHMPC_ECORRUPT ||
                      rc == SHMPC_ECLOSED || rc == SHMPC_EAGAIN || rc == SHMPC_EMSGSIZE,
                      "step %ld op %d: unexpected %s", step, op, shmpc_strerror(rc));
        corrupt += rc == SHMPC_ECORRUPT;
        ok += rc == SHMPC_OK;
        if (step % 5000 == 4999) { /* a fresh ring now and then, so the run keeps exercising good paths */
            shmpc_opts o = t_opts(8, slot, t_mode(_i));
            shmpc_close(&t.p); shmpc_close(&t.c);
            ck_assert_rc(shmpc_format(t.mem, t.size, &o), SHMPC_OK);
            ck_assert_rc(shmpc_attach_id(&t.p, t.mem, t.size, SHMPC_PRODUCER, 101u, 0u), SHMPC_OK);
            ck_assert_rc(shmpc_attach_id(&t.c, t.mem, t.size, SHMPC_CONSUMER, 102u, 0u), SHMPC_OK);
        }
    }
    ck_assert_int_gt(corrupt, 0);
    ck_assert_int_gt(ok, 1000);
    t_pair_close(&t);
}
END_TEST

Suite *layout_suite(void) {
    Suite *s = suite_create("layout");
    TCase *tc = tcase_create("validation");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, format_writes_the_documented_layout);
    tcase_add_loop_test(tc, a_message_sits_where_the_layout_says, 0, 2);
    tcase_add_test(tc, spsc_message_published_in_tail_only);
    tcase_add_loop_test(tc, a_side_ends_in_its_count, 0, 2);
    tcase_add_loop_test(tc, every_header_field_is_validated_on_attach, 0, (int)(sizeof field_cases / sizeof field_cases[0]));
    tcase_add_test(tc, a_mapping_smaller_than_the_ring_is_refused);
    tcase_add_test(tc, open_refuses_empty_short_and_foreign_segments);
    tcase_add_test(tc, open_waits_while_a_zero_filled_segment_is_formatted);
    suite_add_tcase(s, tc);
    tc = tcase_create("hostile_peer");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, spsc_consumer_reports_an_impossible_tail);
    tcase_add_test(tc, spsc_producer_reports_an_impossible_head);
    tcase_add_loop_test(tc, a_length_larger_than_the_slot_is_corrupt, 0, 2);
    tcase_add_test(tc, mpmc_reports_impossible_sequence_words);
    tcase_add_loop_test(tc, geometry_rewritten_after_attach_is_ignored, 0, 2);
    tcase_add_loop_test(tc, random_scribbles_never_crash_and_are_reported, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
