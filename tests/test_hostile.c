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

Suite *hostile_suite(void) {
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, a_fifo_or_directory_under_the_name_is_refused_at_once);
    suite_add_tcase(s, tc);
    return s;
}
