/* Suite "hostile": what another user or a hostile peer can put in the shm directory or do to a
   live segment -- a FIFO or directory under a ring's name, foreign files that must never be called
   stale, a header that asks the opener to lock memory, a segment shrunk under a running ring. */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define SHM_DIR "/dev/shm/"

/* A FIFO or a directory where a ring's name should be: every open and create answers at once
   (a FIFO opened without O_NONBLOCK blocks until a writer comes) and refuses it as not shmpc's. */
START_TEST(a_fifo_or_directory_under_the_name_is_refused_at_once) {
    char nm[96], path[160];
    shmpc_ring r;
    shmpc_opts o = t_opts(8, 16, SHMPC_SPSC);
    double t0;
    int kind;
    for (kind = 0; kind < 2; kind++) {
        snprintf(path, sizeof path, SHM_DIR "%s", t_name(nm, kind ? "dir" : "fifo"));
        ck_assert_int_eq(kind ? mkdir(path, 0700) : mkfifo(path, 0600), 0);
        t0 = t_now();
        ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 2000000000LL), SHMPC_ENOTSHMPC);
        ck_assert_rc(shmpc_open_ex(&r, nm, SHMPC_OBSERVER, 2000000000LL, SHMPC_O_ANY_OWNER), SHMPC_ENOTSHMPC);
        ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_EEXIST); /* not ours: not stale */
        ck_assert_double_lt(t_now() - t0, 1.0); /* no wait for a ring that can never come */
        ck_assert_int_eq(kind ? rmdir(path) : unlink(path), 0);
    }
}
END_TEST

/* A pid that named a process which has exited. */
static uint32_t t_dead_pid(void) {
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) _exit(0);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    return (uint32_t)pid;
}

/* Stale needs shmpc's mark: a header initializing (state 0) whose recorded creator is dead is
   stale when it carries the magic (shmpc_create writes it first), and is somebody else's file
   otherwise -- create says EEXIST, open waits for it as for a blank file (ENOTREADY), never
   ESTALE, which would invite removing another program's data. */
START_TEST(only_a_segment_with_shmpcs_mark_can_be_stale) {
    char nm[96];
    shmpc_ring r;
    shmpc_opts o = t_opts(8, 16, SHMPC_SPSC);
    static _Alignas(64) unsigned char img[4096];
    uint32_t pid = t_dead_pid();
    uint64_t start = 12345;
    memset(img, 0, sizeof img);
    memcpy(img + 0x34, &pid, 4);
    memcpy(img + 0x38, &start, 8);
    t_segment(t_name(nm, "unmarked"), img, sizeof img);
    ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_EEXIST);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ENOTREADY);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_ENOTSHMPC); /* nor does shmpc_unlink remove it */
    {
        char path[160];
        snprintf(path, sizeof path, SHM_DIR "%s", nm);
        ck_assert_int_eq(unlink(path), 0);
    }
    memcpy(img, "SHMPCv5", 8); /* the mark */
    t_segment(t_name(nm, "marked"), img, sizeof img);
    ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_ESTALE);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ESTALE);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_OK);
}
END_TEST

/* VmLck of this process, in kB (memory it has locked). */
static long t_locked_kb(void) {
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmLck:", 6)) kb = atol(line + 6);
    fclose(f);
    return kb;
}

/* SHMPC_F_MLOCK is a request written in the header, which the segment's owner (or anyone who can
   write it) can forge over a sparse file of any size. An opener locks only the ring's bytes, and
   only in a segment of its own user; another user's segment (SHMPC_O_ANY_OWNER) commits none of
   the opener's memory. Each case runs in its own process (Check's fork), so VmLck is its own. */
START_TEST(a_header_cannot_make_the_opener_lock_more_than_the_ring) {
    char nm[96], path[160];
    shmpc_ring p, c;
    shmpc_opts o = t_opts(8, 64, SHMPC_SPSC);
    size_t ring = shmpc_footprint(8, 64);
    const off_t sparse = (off_t)16 << 20;
    long before;
    o.flags = SHMPC_F_MLOCK;
    if (geteuid() != 0 && _i == 1) { printf("other-owner mlock case skipped (needs root to chown)\n"); return; }
    ck_assert_rc(shmpc_create(&p, t_name(nm, "mlock"), &o, SHMPC_PRODUCER), SHMPC_OK);
    shmpc_close(&p); /* the creator's own lock goes with its mapping */
    snprintf(path, sizeof path, SHM_DIR "%s", nm);
    ck_assert_int_eq(truncate(path, sparse), 0); /* 16 MiB file, the header still says one small ring */
    if (_i == 1) ck_assert_int_eq(chown(path, 65534, 65534), 0);
    before = t_locked_kb();
    ck_assert_rc(shmpc_open_ex(&c, nm, SHMPC_CONSUMER, 0, SHMPC_O_ANY_OWNER), SHMPC_OK);
    if (_i == 0) ck_assert_int_le(t_locked_kb() - before, (long)(ring / 1024u) + 4); /* the ring only */
    else ck_assert_int_eq(t_locked_kb(), before);                                   /* nothing */
    shmpc_close(&c);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_OK);
}
END_TEST

/* The same rule for a SysV segment of another user (its owner changed with IPC_SET, as root): the
   opener locks none of its memory. */
START_TEST(a_sysv_header_of_another_user_locks_nothing) {
    long key = 0x5C000000L | (long)(getpid() & 0xFFFFF);
    shmpc_opts o = t_opts(64, 1024, SHMPC_SPSC);
    shmpc_ring p, c;
    struct shmid_ds ds;
    long before;
    int id;
    if (geteuid() != 0) { printf("other-owner SysV mlock case skipped (needs root to change the owner)\n"); return; }
    o.flags = SHMPC_F_MLOCK;
    ck_assert_rc(shmpc_create_sysv(&p, key, &o, SHMPC_PRODUCER), SHMPC_OK);
    shmpc_close(&p);
    id = shmget((key_t)key, 0, 0);
    ck_assert_int_ge(id, 0);
    ck_assert_int_eq(shmctl(id, IPC_STAT, &ds), 0);
    ds.shm_perm.uid = 65534;
    ck_assert_int_eq(shmctl(id, IPC_SET, &ds), 0);
    before = t_locked_kb();
    ck_assert_rc(shmpc_open_sysv_ex(&c, key, SHMPC_CONSUMER, 0, SHMPC_O_ANY_OWNER), SHMPC_OK);
    ck_assert_int_eq(t_locked_kb(), before);
    shmpc_close(&c);
    ck_assert_rc(shmpc_unlink_sysv(key), SHMPC_OK);
}
END_TEST

/* shmpc_close stores state "closed" only after both ends bits: a header that says closed with an
   end still open was written by someone else, and attach refuses it in every role. */
START_TEST(a_closed_state_without_both_ends_is_corrupt) {
    size_t size = shmpc_footprint(8, 16);
    void *mem = t_mem(size);
    shmpc_opts o = t_opts(8, 16, _i ? SHMPC_MPMC : SHMPC_SPSC);
    uint32_t *state = (uint32_t *)mem + 0x40 / 4, *ends = (uint32_t *)mem + 0x88 / 4; /* layout offsets */
    shmpc_ring r;
    uint32_t e;
    ck_assert_rc(shmpc_format(mem, size, &o), SHMPC_OK);
    for (e = 0; e < 3u; e++) {
        *state = 2u;
        *ends = e;
        ck_assert_rc(shmpc_attach(&r, mem, size, SHMPC_PRODUCER), SHMPC_ECORRUPT);
        ck_assert_rc(shmpc_attach(&r, mem, size, SHMPC_CONSUMER), SHMPC_ECORRUPT);
        ck_assert_rc(shmpc_attach(&r, mem, size, SHMPC_OBSERVER), SHMPC_ECORRUPT);
    }
    *ends = 3u; /* both ends closed: a finished stream, which observers may read */
    ck_assert_rc(shmpc_attach(&r, mem, size, SHMPC_OBSERVER), SHMPC_OK);
    shmpc_close(&r);
    ck_assert_rc(shmpc_attach(&r, mem, size, SHMPC_CONSUMER), SHMPC_ECLOSED);
    free(mem);
}
END_TEST

/* An anonymous ring (shmpc_create_anon, shared across fork) lives in a memfd sealed against
   shrinking: even a privileged process that reaches it through /proc/PID/map_files cannot
   truncate it, and the ring keeps working (a shared anonymous mapping could be truncated, and the
   next pop died of SIGBUS). */
START_TEST(an_anonymous_ring_cannot_be_shrunk) {
    char path[96];
    void *mem;
    size_t size, n, page = (size_t)sysconf(_SC_PAGESIZE);
    shmpc_opts o = t_opts(64, 256, _i ? SHMPC_MPMC : SHMPC_SPSC);
    shmpc_ring p, c;
    unsigned char buf[256];
    uint64_t k;
    int fd;
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    for (k = 0; k < 64; k++) ck_assert_rc(shmpc_try_push(&p, buf, t_fill(buf, k, 256)), SHMPC_OK);
    snprintf(path, sizeof path, "/proc/self/map_files/%lx-%lx", (unsigned long)(uintptr_t)mem,
             (unsigned long)((uintptr_t)mem + (size + page - 1) / page * page));
    fd = open(path, O_RDWR);
    if (fd < 0) printf("anonymous ring: %s not open to this process (%s): nobody here can truncate it\n", path, strerror(errno));
    else {
        errno = 0;
        ck_assert_int_ne(ftruncate(fd, 4096), 0);
        ck_assert_int_eq(errno, EPERM); /* the seal */
        close(fd);
    }
    for (k = 0; k < 64; k++) {
        ck_assert_rc(shmpc_try_pop(&c, buf, sizeof buf, &n), SHMPC_OK);
        ck_assert(t_check(buf, n, k, 256));
    }
    shmpc_close(&p);
    shmpc_close(&c);
    ck_assert_rc(shmpc_free_anon(mem, size), SHMPC_OK);
}
END_TEST

/* A named POSIX segment cannot be sealed: a process that can write it can shrink it, here while a
   consumer sleeps in pop. The sleeper sees it on waking (it never touches the segment again) and
   returns SHMPC_ECORRUPT; its handle is given up and closes without a fault. Shrunk to nothing
   (the header gone, SPSC) or to one page (the header kept, the slots gone, MPMC), the sleep path
   used to die of SIGBUS on waking. */
START_TEST(a_shrunk_named_segment_is_reported_not_a_fault) {
    char nm[96], path[160];
    shmpc_opts o = t_opts(64, 256, _i ? SHMPC_MPMC : SHMPC_SPSC);
    shmpc_ring c;
    unsigned char buf[256];
    size_t n;
    double t0;
    pid_t pid;
    ck_assert_rc(shmpc_create(&c, t_name(nm, "shrink"), &o, SHMPC_CONSUMER), SHMPC_OK);
    snprintf(path, sizeof path, SHM_DIR "%s", nm);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) { /* truncate once the consumer sleeps in the futex (a shrink between two looks
                       would fault, as documented): /proc/PPID/syscall names its system call */
        char sys[64], want[16];
        int k;
        snprintf(want, sizeof want, "%d ", (int)SYS_futex);
        for (k = 0; k < 200; k++) { /* 100 ms at least, 2 s at most */
            FILE *f;
            usleep(10000);
            if (k < 10) continue;
            snprintf(sys, sizeof sys, "/proc/%d/syscall", (int)getppid());
            if (!(f = fopen(sys, "r"))) break; /* not readable here: now */
            if (!fgets(sys, sizeof sys, f)) sys[0] = 0;
            fclose(f);
            if (!strncmp(sys, want, strlen(want))) break;
        }
        _exit(truncate(path, _i ? 4096 : 0) == 0 ? 0 : 1);
    }
    t0 = t_now();
    ck_assert_rc(shmpc_pop_timed(&c, buf, sizeof buf, &n, 3000000000LL), SHMPC_ECORRUPT);
    ck_assert_double_lt(t_now() - t0, 1.0); /* found on waking: within a sleep slice or two */
    ck_assert_rc(shmpc_try_pop(&c, buf, sizeof buf, &n), SHMPC_EINVAL); /* the handle was given up */
    ck_assert_rc(shmpc_close(&c), SHMPC_OK);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    /* shrunk to nothing, it no longer carries shmpc's mark: shmpc_unlink refuses it as any file */
    ck_assert_rc(shmpc_unlink(nm), _i ? SHMPC_OK : SHMPC_ENOTSHMPC);
    if (!_i) ck_assert_int_eq(unlink(path), 0);
}
END_TEST

/* A SysV segment has no resize call: a peer that can write it (mode 0666 here, another user)
   can only reach its file through /proc/PID/map_files, which needs CAP_SYS_ADMIN. The peer tries
   both ways from an unprivileged process (root's child drops to uid 65534); the ring keeps working. */
START_TEST(a_sysv_ring_cannot_be_shrunk_by_an_unprivileged_peer) {
    long key = 0x5B000000L | (long)(getpid() & 0xFFFFF);
    shmpc_opts o = t_opts(64, 256, SHMPC_SPSC);
    shmpc_ring p, c;
    unsigned char buf[256];
    size_t n, size = shmpc_footprint(64, 256), page = (size_t)sysconf(_SC_PAGESIZE);
    uint64_t k;
    int status;
    pid_t pid;
    o.perm = 0666;
    ck_assert_rc(shmpc_create_sysv(&p, key, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_open_sysv_ex(&c, key, SHMPC_CONSUMER, 0, SHMPC_O_ANY_OWNER), SHMPC_OK);
    for (k = 0; k < 64; k++) ck_assert_rc(shmpc_try_push(&p, buf, t_fill(buf, k, 256)), SHMPC_OK);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char path[96];
        int id = shmget((key_t)key, 0, 0), fd;
        void *m;
        if (geteuid() == 0 && setuid(65534) != 0) _exit(10);
        m = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
        if (m == (void *)-1) _exit(11);                             /* it can write the ring ... */
        if (shmget((key_t)key, size + page, 0) >= 0) _exit(12);      /* ... no call resizes it */
        snprintf(path, sizeof path, "/proc/self/map_files/%lx-%lx", (unsigned long)(uintptr_t)m,
                 (unsigned long)((uintptr_t)m + (size + page - 1) / page * page));
        fd = open(path, O_RDWR);
        if (fd >= 0 && ftruncate(fd, 0) == 0) _exit(13);             /* ... nor truncates it */
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "peer: exit %d", WEXITSTATUS(status));
    for (k = 0; k < 64; k++) {
        ck_assert_rc(shmpc_try_pop(&c, buf, sizeof buf, &n), SHMPC_OK);
        ck_assert(t_check(buf, n, k, 256));
    }
    shmpc_close(&c);
    shmpc_close(&p);
    ck_assert_rc(shmpc_unlink_sysv(key), SHMPC_OK);
}
END_TEST

Suite *hostile_suite(void) {
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, a_fifo_or_directory_under_the_name_is_refused_at_once);
    tcase_add_test(tc, only_a_segment_with_shmpcs_mark_can_be_stale);
    tcase_add_loop_test(tc, a_header_cannot_make_the_opener_lock_more_than_the_ring, 0, 2);
    tcase_add_test(tc, a_sysv_header_of_another_user_locks_nothing);
    suite_add_tcase(s, tc);
    tc = tcase_create("header");
    tcase_set_timeout(tc, 10);
    tcase_add_loop_test(tc, a_closed_state_without_both_ends_is_corrupt, 0, 2);
    suite_add_tcase(s, tc);
    tc = tcase_create("shrink");
    /* Tag "proc_syscall": a case waits until /proc/PID/syscall shows the sleeper in the futex
       call. Under qemu-user that file shows the host's system call numbers, and with
       SHMPC_NO_FUTEX there is no futex call: those runs exclude the tag. */
    tcase_set_tags(tc, "proc_syscall");
    tcase_set_timeout(tc, 10);
    tcase_add_loop_test(tc, an_anonymous_ring_cannot_be_shrunk, 0, 2);
    tcase_add_loop_test(tc, a_shrunk_named_segment_is_reported_not_a_fault, 0, 2);
    tcase_add_test(tc, a_sysv_ring_cannot_be_shrunk_by_an_unprivileged_peer);
    suite_add_tcase(s, tc);
    return s;
}
