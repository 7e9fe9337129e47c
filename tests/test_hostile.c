/* Suite "hostile": what another user or a hostile peer can put in the shm directory or do to a
   live segment -- a FIFO or directory under a ring's name, foreign files that must never be called
   stale, a header that asks the opener to lock memory, a segment shrunk under a running ring. */
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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
    ck_assert_rc(shmpc_unlink(nm), SHMPC_OK);
    memcpy(img, "SHMPCv2", 8); /* the mark */
    t_segment(t_name(nm, "marked"), img, sizeof img);
    ck_assert_rc(shmpc_create(&r, nm, &o, SHMPC_PRODUCER), SHMPC_ESTALE);
    ck_assert_rc(shmpc_open(&r, nm, SHMPC_CONSUMER, 0), SHMPC_ESTALE);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_OK);
}
END_TEST

Suite *hostile_suite(void) {
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, a_fifo_or_directory_under_the_name_is_refused_at_once);
    tcase_add_test(tc, only_a_segment_with_shmpcs_mark_can_be_stale);
    suite_add_tcase(s, tc);
    return s;
}
