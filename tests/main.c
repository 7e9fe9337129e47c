/* tests/main.c - runs the Check suites: core, errors, layout, threads, process, hostile, restart, poll.
   `shmpc_tests` runs them all; CK_RUN_SUITE=threads (or CK_RUN_CASE=...) picks one, as Check does.
   Each case runs in its own forked process (Check's fork mode), so a crash fails only that case. */
#include "common.h"

int main(void) {
    SRunner *sr = srunner_create(core_suite());
    int failed;
    double t0 = t_now();
    srunner_add_suite(sr, errors_suite());
    srunner_add_suite(sr, layout_suite());
    srunner_add_suite(sr, threads_suite());
    srunner_add_suite(sr, process_suite());
    srunner_add_suite(sr, hostile_suite());
    srunner_add_suite(sr, restart_suite());
    srunner_add_suite(sr, poll_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    printf("shmpc tests: %d run, %d failed, %.1f s\n", srunner_ntests_run(sr), failed, t_now() - t0);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
