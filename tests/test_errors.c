/* Suite "errors": every code of SHMPC_ERRORS that the library produces is reached here (or, for
   the layout codes, in the "layout" suite; EAGAIN in "threads"), each through the public API, and
   each failure is checked to leave the ring unchanged. */
#define _FILE_OFFSET_BITS 64 /* a 3 GiB file on 32-bit systems too (esize_for_a_segment_larger_than...) */
#include "pair.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* One list drives both the enum and shmpc_strerror: every code has its own message. */
START_TEST(strerror_has_a_distinct_message_for_every_code) {
    static const int codes[] = {
#define T_CODE(name, value, text) SHMPC_##name,
        SHMPC_ERRORS(T_CODE)
#undef T_CODE
    };
    size_t i, j, n = sizeof codes / sizeof codes[0];
    ck_assert_uint_eq(n, 27);
    for (i = 0; i < n; i++) {
        ck_assert_int_eq(codes[i], -(int)i); /* 0, -1, ..., -26: dense */
        ck_assert_ptr_nonnull(shmpc_strerror(codes[i]));
        ck_assert_str_ne(shmpc_strerror(codes[i]), shmpc_strerror(12345));
        for (j = 0; j < i; j++) ck_assert_str_ne(shmpc_strerror(codes[i]), shmpc_strerror(codes[j]));
    }
    ck_assert_str_eq(shmpc_strerror(SHMPC_OK), "success");
    ck_assert_str_eq(shmpc_strerror(1), shmpc_strerror(-27));
    ck_assert_int_eq(SHMPC__ERROR_LAST, SHMPC_ESTALE);
}
END_TEST

START_TEST(einval_for_bad_arguments_and_options) {
    t_pair t;
    shmpc_ring r;
    shmpc_opts o = t_opts(8, 8, SHMPC_SPSC);
    unsigned char *mem;
    char nm[96];
    void *m; size_t sz, n;
    uint32_t v = 0;
    shmpc_iov iov = {NULL, 4};
    t_name(nm, "einval");
    /* options */
    o.capacity = 6; ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_EINVAL);
    o.capacity = 0; ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_EINVAL);
    o.capacity = 8; o.slot_size = 0; ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_EINVAL);
    o.slot_size = SHMPC_MAX_SLOT + 1u; ck_assert_rc(shmpc_create_anon(&o, &m, &sz), SHMPC_EINVAL);
    o.slot_size = 8; o.mode = 3; ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_EINVAL);
    o.mode = SHMPC_SPSC; o.flags = 0x10; ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_EINVAL);
    o.flags = 0; o.perm = 01777; ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_EINVAL);
    o.perm = 0;
    /* a failed create or open leaves a handle that refuses the try calls, whatever its memory held
       (go: the one field they read first) */
    memset(&r, 0xA5, sizeof r); r.go = SHMPC_PRODUCER;
    o.capacity = 6; ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_EINVAL);
    ck_assert_rc(shmpc_try_push(&r, &v, 4), SHMPC_EINVAL);
    memset(&r, 0xA5, sizeof r); r.go = SHMPC_CONSUMER;
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ENOENT);
    ck_assert_rc(shmpc_try_pop(&r, &v, 4, &n), SHMPC_EINVAL);
    o.capacity = 8;
    ck_assert_rc(shmpc_create(&r, nm, NULL, SHMPC_PRODUCER), SHMPC_EINVAL);
    ck_assert_rc(shmpc_create(NULL, nm, &o, SHMPC_PRODUCER), SHMPC_EINVAL);
    ck_assert_rc(shmpc_open(&r, nm, 3, 0), SHMPC_EINVAL);
    ck_assert_rc(shmpc_create_sysv(&r, 0 /* IPC_PRIVATE */, &o, SHMPC_PRODUCER), SHMPC_EINVAL);
    ck_assert_rc(shmpc_open_sysv(&r, 0, SHMPC_CONSUMER, 0), SHMPC_EINVAL);
    ck_assert_rc(shmpc_unlink_sysv(0), SHMPC_EINVAL);
    ck_assert_rc(shmpc_create_anon(&o, NULL, &sz), SHMPC_EINVAL);
    ck_assert_rc(shmpc_free_anon(NULL, 0), SHMPC_EINVAL);
    /* caller memory: NULL, misaligned, bad role, id 0 or with bit 31 (a busy entry's mark) */
    mem = (unsigned char *)t_mem(shmpc_footprint(8, 8) + 64);
    ck_assert_rc(shmpc_format(NULL, 4096, &o), SHMPC_EINVAL);
    ck_assert_rc(shmpc_format(mem + 4, shmpc_footprint(8, 8), &o), SHMPC_EINVAL); /* below 8 bytes */
    ck_assert_rc(shmpc_format(mem, shmpc_footprint(8, 8), &o), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&r, mem, shmpc_footprint(8, 8), 0, 1u, 0u), SHMPC_EINVAL);
    ck_assert_rc(shmpc_attach_id(&r, mem, shmpc_footprint(8, 8), SHMPC_PRODUCER, 0u, 0u), SHMPC_EINVAL);
    ck_assert_rc(shmpc_attach_id(&r, mem, shmpc_footprint(8, 8), SHMPC_PRODUCER, 0x80000000u, 0u), SHMPC_EINVAL);
    ck_assert_rc(shmpc_attach_id(&r, mem, shmpc_footprint(8, 8), SHMPC_CONSUMER, 0xFFFFFFFFu, 0u), SHMPC_EINVAL);
    ck_assert_rc(shmpc_attach_id(&r, mem + 4, shmpc_footprint(8, 8), SHMPC_PRODUCER, 1u, 0u), SHMPC_EINVAL);
    ck_assert_rc(shmpc_attach_id(NULL, mem, shmpc_footprint(8, 8), SHMPC_PRODUCER, 1u, 0u), SHMPC_EINVAL);
    free(mem);
    /* calls on a handle */
    t_pair_open(&t, 4, 4, t_mode(_i));
    ck_assert_rc(shmpc_try_push(&t.p, NULL, 4), SHMPC_EINVAL);
    ck_assert_rc(shmpc_try_push_many(&t.p, NULL, 1), SHMPC_EINVAL);
    ck_assert_rc(shmpc_try_push_many(&t.p, &iov, 0), SHMPC_EINVAL);
    ck_assert_rc(shmpc_try_push_many(&t.p, &iov, 1), SHMPC_EINVAL); /* base NULL, len 4 */
    ck_assert_rc(shmpc_try_reserve(&t.p, NULL, &n), SHMPC_EINVAL);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&t.c, NULL, 4, &n), SHMPC_EINVAL);
    ck_assert_rc(shmpc_try_peek(&t.c, NULL, &n), SHMPC_EINVAL);
    ck_assert_rc(shmpc_try_pop_many(&t.c, NULL, 1), SHMPC_EINVAL);
    ck_assert_rc(shmpc_stat(&t.c, NULL), SHMPC_EINVAL);
    ck_assert_rc(shmpc_peers(&t.c, NULL, 1), SHMPC_EINVAL);
    ck_assert_rc(shmpc_peers(&t.c, NULL, -1), SHMPC_EINVAL);
    ck_assert_uint_eq(t_fill_level(&t.c), 1); /* none of this changed the ring */
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_OK);
    ck_assert_rc(shmpc_close(&t.p), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_EINVAL); /* closed handle */
    ck_assert_rc(shmpc_commit(&t.p, 0), SHMPC_EINVAL);
    ck_assert_rc(shmpc_close(NULL), SHMPC_EINVAL);
    t_pair_close(&t);
}
END_TEST

/* A message larger than the slot, or than the caller's buffer, is refused and stays put. */
START_TEST(emsgsize_for_oversized_messages_and_small_buffers) {
    t_pair t;
    unsigned char big[17] = {0}, out[16];
    size_t n = 0, room;
    void *w;
    shmpc_iov iov = {big, 17}, oiov = {out, 3};
    t_pair_open(&t, 4, 16, t_mode(_i));
    ck_assert_rc(shmpc_try_push(&t.p, big, 17), SHMPC_EMSGSIZE);
    ck_assert_rc(shmpc_try_push_many(&t.p, &iov, 1), SHMPC_EMSGSIZE);
    ck_assert_uint_eq(t_fill_level(&t.p), 0);
    ck_assert_rc(shmpc_try_reserve(&t.p, &w, &room), SHMPC_OK);
    memcpy(w, "0123456789abcdef", 16);
    ck_assert_rc(shmpc_commit(&t.p, 17), SHMPC_EMSGSIZE); /* the reservation stays */
    ck_assert_rc(shmpc_commit(&t.p, 10), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&t.c, out, 9, &n), SHMPC_EMSGSIZE);
    ck_assert_uint_eq(n, 10); /* its length is reported */
    ck_assert_rc(shmpc_try_pop_many(&t.c, &oiov, 1), SHMPC_EMSGSIZE);
    ck_assert_uint_eq(oiov.len, 10);
    ck_assert_uint_eq(t_fill_level(&t.c), 1); /* the message stays */
    ck_assert_rc(shmpc_try_pop(&t.c, out, 10, &n), SHMPC_OK);
    ck_assert_uint_eq(n, 10);
    ck_assert_mem_eq(out, "0123456789", 10);
    t_pair_close(&t);
}
END_TEST

START_TEST(efull_and_eempty_at_the_bounds) {
    t_pair t;
    uint32_t v = 1;
    size_t n;
    void *w;
    const void *m;
    shmpc_iov iov = {&v, 4};
    t_pair_open(&t, 2, 4, t_mode(_i));
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_EEMPTY);
    ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_EEMPTY);
    ck_assert_rc(shmpc_try_pop_many(&t.c, &iov, 1), SHMPC_EEMPTY);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_EFULL);
    ck_assert_rc(shmpc_try_reserve(&t.p, &w, &n), SHMPC_EFULL);
    ck_assert_rc(shmpc_try_push_many(&t.p, &iov, 1), SHMPC_EFULL);
    ck_assert_uint_eq(t_fill_level(&t.p), 2);
    t_pair_close(&t);
}
END_TEST

/* Calls out of sequence: commit without reserve, reserve twice, release without peek, and any
   other call while a reservation or a peek is outstanding. */
START_TEST(eseq_for_calls_out_of_sequence) {
    t_pair t;
    uint32_t v = 1;
    size_t n;
    void *w;
    const void *m;
    t_pair_open(&t, 4, 4, t_mode(_i));
    ck_assert_rc(shmpc_commit(&t.p, 0), SHMPC_ESEQ);
    ck_assert_rc(shmpc_release(&t.c), SHMPC_ESEQ);
    ck_assert_rc(shmpc_try_reserve(&t.p, &w, &n), SHMPC_OK);
    ck_assert_rc(shmpc_try_reserve(&t.p, &w, &n), SHMPC_ESEQ);
    ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_ESEQ);
    memcpy(w, &v, 4);
    ck_assert_rc(shmpc_commit(&t.p, 4), SHMPC_OK);
    ck_assert_rc(shmpc_commit(&t.p, 4), SHMPC_ESEQ);
    ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_OK);
    ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_ESEQ);
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_ESEQ);
    ck_assert_rc(shmpc_release(&t.c), SHMPC_OK);
    ck_assert_rc(shmpc_release(&t.c), SHMPC_ESEQ);
    ck_assert_uint_eq(t_fill_level(&t.c), 0);
    t_pair_close(&t);
}
END_TEST

START_TEST(eexist_enoent_and_ename_for_named_segments) {
    char nm[96], longname[260];
    shmpc_ring a, b;
    shmpc_opts o = t_opts(4, 8, SHMPC_SPSC);
    long key = 0x5B000000L | (long)(getpid() & 0xFFFFF);
    t_name(nm, "exist");
    ck_assert_rc(shmpc_unlink(nm), SHMPC_ENOENT);
    ck_assert_rc(shmpc_open(&a, nm, SHMPC_CONSUMER, 0), SHMPC_ENOENT);
    ck_assert_rc(shmpc_create(&a, nm, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_create(&b, nm, &o, SHMPC_PRODUCER), SHMPC_EEXIST);
    ck_assert_rc(shmpc_try_push(&a, "x", 1), SHMPC_OK); /* the first one is untouched */
    shmpc_close(&a);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_OK);
    shmpc_unlink_sysv(key);
    ck_assert_rc(shmpc_unlink_sysv(key), SHMPC_ENOENT);
    ck_assert_rc(shmpc_create_sysv(&a, key, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_create_sysv(&b, key, &o, SHMPC_PRODUCER), SHMPC_EEXIST);
    shmpc_close(&a);
    ck_assert_rc(shmpc_unlink_sysv(key), SHMPC_OK);
    /* names: empty, "/", another '/', ".", "..", longer than 200 */
    memset(longname, 'n', 201); longname[201] = 0;
    ck_assert_rc(shmpc_create(&a, "", &o, SHMPC_PRODUCER), SHMPC_ENAME);
    ck_assert_rc(shmpc_create(&a, "/", &o, SHMPC_PRODUCER), SHMPC_ENAME);
    ck_assert_rc(shmpc_create(&a, "a/b", &o, SHMPC_PRODUCER), SHMPC_ENAME);
    ck_assert_rc(shmpc_open(&a, ".", SHMPC_CONSUMER, 0), SHMPC_ENAME);
    ck_assert_rc(shmpc_unlink(".."), SHMPC_ENAME);
    ck_assert_rc(shmpc_create(&a, longname, &o, SHMPC_PRODUCER), SHMPC_ENAME);
    longname[200] = 0; /* 200 characters: allowed */
    longname[0] = 'T'; snprintf(longname + 1, 20, "%ld", (long)getpid()); longname[strlen(longname)] = 'n';
    ck_assert_uint_eq(strlen(longname), 200);
    ck_assert_rc(shmpc_create(&a, longname, &o, SHMPC_PRODUCER), SHMPC_OK);
    shmpc_close(&a);
    ck_assert_rc(shmpc_unlink(longname), SHMPC_OK);
}
END_TEST

/* The peer table holds 64 peers: the 65th attach is refused, and refusing changes nothing. */
START_TEST(epeers_when_the_peer_table_is_full) {
    t_pair t;
    static shmpc_ring r[SHMPC_MAX_PEERS];
    shmpc_ring x;
    shmpc_status st;
    int i;
    t_pair_open(&t, 4, 4, SHMPC_MPMC); /* 2 peers */
    for (i = 0; i < SHMPC_MAX_PEERS - 2; i++)
        ck_assert_rc(shmpc_attach_id(&r[i], t.mem, t.size, SHMPC_PRODUCER, 1000u + (uint32_t)i, 0u), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&x, t.mem, t.size, SHMPC_CONSUMER, 2000u, 0u), SHMPC_EPEERS);
    ck_assert_rc(shmpc_attach_id(&x, t.mem, t.size, SHMPC_PRODUCER, 2001u, 0u), SHMPC_EPEERS);
    ck_assert_rc(shmpc_stat(&t.p, &st), SHMPC_OK);
    ck_assert_uint_eq(st.peers, 64); ck_assert_uint_eq(st.producers, 63); ck_assert_uint_eq(st.consumers, 1);
    ck_assert_rc(shmpc_attach_id(&x, t.mem, t.size, SHMPC_OBSERVER, 0u, 0u), SHMPC_OK); /* observers take no entry */
    shmpc_close(&x);
    shmpc_close(&r[0]);
    ck_assert_rc(shmpc_attach_id(&x, t.mem, t.size, SHMPC_CONSUMER, 2002u, 0u), SHMPC_OK); /* a free entry again */
    shmpc_close(&x);
    for (i = 1; i < SHMPC_MAX_PEERS - 2; i++) shmpc_close(&r[i]);
    t_pair_close(&t);
}
END_TEST

/* Huge pages on a POSIX (tmpfs) segment: ENOTSUP. */
START_TEST(enotsup_for_huge_pages_on_a_posix_segment) {
    char nm[96];
    shmpc_ring r;
    shmpc_opts o = t_opts(4, 8, SHMPC_SPSC);
    o.flags = SHMPC_F_HUGEPAGES;
    ck_assert_rc(shmpc_create(&r, t_name(nm, "huge"), &o, SHMPC_PRODUCER), SHMPC_ENOTSUP);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ENOENT); /* nothing left behind */
}
END_TEST

/* Runs fn in a child process that gives up root (if root): returns the child's exit status. */
static int as_nobody(int (*fn)(void *), void *arg) {
    int status;
    pid_t pid = fork();
    if (pid == 0) {
        if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(90);
        _exit(fn(arg));
    }
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static int open_expect_eperm(void *name) {
    shmpc_ring r;
    int rc = shmpc_open(&r, (const char *)name, SHMPC_CONSUMER, 0);
    return rc == SHMPC_EPERM && (errno == EACCES || errno == EPERM) ? 0 : 10 - rc;
}

/* A segment another user may not open: EPERM, with errno still EACCES. */
START_TEST(eperm_when_the_segment_is_not_ours) {
    char nm[96];
    shmpc_ring r;
    shmpc_opts o = t_opts(4, 8, SHMPC_SPSC);
    o.perm = 0400; /* not even the owner may open it read-write, unless root */
    ck_assert_rc(shmpc_create(&r, t_name(nm, "perm"), &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_int_eq(as_nobody(open_expect_eperm, nm), 0);
    shmpc_close(&r);
    shmpc_unlink(nm);
}
END_TEST

static int mlock_expect_enomem(void *unused) {
    struct rlimit rl = {4096, 4096};
    shmpc_opts o = t_opts(1024, 1024, SHMPC_SPSC); /* 1 MiB > the 4 KiB lock limit */
    void *m; size_t sz;
    int rc;
    (void)unused;
    if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0) return 91;
    o.flags = SHMPC_F_MLOCK;
    rc = shmpc_create_anon(&o, &m, &sz);
#if defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#    define T_MLOCK_INTERCEPTED 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(T_MLOCK_INTERCEPTED)
    /* The sanitizers' runtimes replace mlock by a no-op that succeeds: the ring is made anyway. */
    if (rc == SHMPC_OK) { shmpc_free_anon(m, sz); return 0; }
#endif
    return rc == SHMPC_ENOMEM && errno == ENOMEM ? 0 : 10 - rc;
}

/* The system refuses memory (mlock over RLIMIT_MEMLOCK): ENOMEM, errno kept. */
START_TEST(enomem_when_mlock_exceeds_the_limit) {
    ck_assert_int_eq(as_nobody(mlock_expect_enomem, NULL), 0);
}
END_TEST

/* Huge pages when the system has none reserved: ENOMEM (if it has some, the ring works). */
START_TEST(enomem_or_success_for_anonymous_huge_pages) {
    shmpc_opts o = t_opts(4, 8, SHMPC_SPSC);
    void *m; size_t sz;
    int rc;
    o.flags = SHMPC_F_HUGEPAGES;
    rc = shmpc_create_anon(&o, &m, &sz);
    ck_assert_msg(rc == SHMPC_ENOMEM || rc == SHMPC_OK, "create_anon(hugepages): %s", shmpc_strerror(rc));
    if (rc == SHMPC_OK) {
        ck_assert_uint_eq(sz % (2u << 20), 0);
        ck_assert_rc(shmpc_free_anon(m, sz), SHMPC_OK);
    } else {
        FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r");
        long pages = -1;
        if (f) { if (fscanf(f, "%ld", &pages) != 1) pages = -1; fclose(f); }
        ck_assert_msg(pages <= 0 || rc == SHMPC_ENOMEM, "refused with %ld huge pages", pages);
    }
}
END_TEST

/* A system call fails for a reason without its own code (EMFILE): ESYS, errno kept. */
START_TEST(esys_keeps_errno_for_other_system_failures) {
    char nm[96];
    shmpc_ring r;
    shmpc_opts o = t_opts(4, 8, SHMPC_SPSC);
    struct rlimit old, none = {0, 0};
    int rc, e;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    none.rlim_max = old.rlim_max;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
    rc = shmpc_create(&r, t_name(nm, "esys"), &o, SHMPC_PRODUCER);
    e = errno;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    ck_assert_rc(rc, SHMPC_ESYS);
    ck_assert_int_eq(e, EMFILE);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ENOENT);
}
END_TEST

/* ESIZE from the OS layer: a SysV segment larger than the system allows. */
START_TEST(esize_for_a_sysv_segment_over_the_system_limit) {
    shmpc_ring r;
    shmpc_opts o = t_opts(1u << 30, 1u << 20, SHMPC_SPSC); /* 2^50 bytes */
    long key = 0x5C000000L | (long)(getpid() & 0xFFFFF);
    int rc = shmpc_create_sysv(&r, key, &o, SHMPC_PRODUCER);
    ck_assert_msg(rc == SHMPC_ESIZE || rc == SHMPC_ENOMEM, "create_sysv(1 PiB): %s", shmpc_strerror(rc));
    ck_assert_rc(shmpc_open_sysv(&r, key, SHMPC_CONSUMER, 0), SHMPC_ENOENT);
}
END_TEST

/* A named segment larger than this process can map: ESIZE where size_t and off_t have 32 bits
   (the library's fstat says EOVERFLOW), opened where they have 64 (the slots fit; the rest is never
   touched). This file is built with a 64-bit off_t to make the 3 GiB file; the library is not. */
START_TEST(esize_for_a_segment_larger_than_the_address_space) {
    shmpc_ring p, c;
    shmpc_opts o = t_opts(4, 8, SHMPC_SPSC);
    char nm[96], path[128];
    t_name(nm, "huge-file");
    snprintf(path, sizeof path, "/dev/shm/%s", nm);
    ck_assert_rc(shmpc_create(&p, nm, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_int_eq(truncate(path, (off_t)3 << 30), 0); /* sparse: no memory is used */
    ck_assert_rc(shmpc_open(&c, nm, SHMPC_CONSUMER, 0), sizeof(size_t) == 4 ? SHMPC_ESIZE : SHMPC_OK);
    if (sizeof(size_t) != 4) shmpc_close(&c);
    shmpc_close(&p);
    /* shmpc_unlink checks shmpc's mark in the file first: a file this large cannot be opened with
       a 32-bit off_t, so there it says ESIZE and the file is removed by hand */
    ck_assert_rc(shmpc_unlink(nm), sizeof(size_t) == 4 ? SHMPC_ESIZE : SHMPC_OK);
    if (sizeof(size_t) == 4) ck_assert_int_eq(unlink(path), 0);
}
END_TEST

Suite *errors_suite(void) {
    Suite *s = suite_create("errors");
    TCase *tc = tcase_create("codes");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, strerror_has_a_distinct_message_for_every_code);
    tcase_add_loop_test(tc, einval_for_bad_arguments_and_options, 0, 2);
    tcase_add_loop_test(tc, emsgsize_for_oversized_messages_and_small_buffers, 0, 2);
    tcase_add_loop_test(tc, efull_and_eempty_at_the_bounds, 0, 2);
    tcase_add_loop_test(tc, eseq_for_calls_out_of_sequence, 0, 2);
    tcase_add_test(tc, eexist_enoent_and_ename_for_named_segments);
    tcase_add_test(tc, epeers_when_the_peer_table_is_full);
    suite_add_tcase(s, tc);
    tc = tcase_create("system");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, enotsup_for_huge_pages_on_a_posix_segment);
    tcase_add_test(tc, eperm_when_the_segment_is_not_ours);
    tcase_add_test(tc, enomem_when_mlock_exceeds_the_limit);
    tcase_add_test(tc, enomem_or_success_for_anonymous_huge_pages);
    tcase_add_test(tc, esys_keeps_errno_for_other_system_failures);
    tcase_add_test(tc, esize_for_a_sysv_segment_over_the_system_limit);
    tcase_add_test(tc, esize_for_a_segment_larger_than_the_address_space);
    suite_add_tcase(s, tc);
    return s;
}
