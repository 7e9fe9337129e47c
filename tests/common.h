/* tests/common.h - helpers shared by the Check suites (one suite per area, see tests/main.c). */
#ifndef SHMPC_TESTS_COMMON_H
#define SHMPC_TESTS_COMMON_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* the tests use POSIX and Linux calls (clock_gettime, setrlimit, ...) */
#endif
#include "../shmpc.h"
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

/* Every test starts the counters at the last value before the wrap point (the test-only option
   shmpc_opts.start_index), so that the first message of every test already crosses the wrap. */
#define T_START 0xFFFFFFFFu

/* A unique segment name per fixture: the case's tag, this process and a counter. */
static inline const char *t_name(char buf[96], const char *tag) {
    static unsigned n;
    snprintf(buf, 96, "shmpc-test-%s-%ld-%u", tag, (long)getpid(), n++);
    return buf;
}

static inline shmpc_opts t_opts(uint32_t cap, uint32_t slot, uint32_t mode) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    o.capacity = cap; o.slot_size = slot; o.mode = mode; o.start_index = T_START;
    return o;
}

static inline double t_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Payload byte j of message k: deterministic, so a consumer can check every byte. */
static inline unsigned char t_byte(uint64_t k, size_t j) {
    return (unsigned char)((k * 2654435761u) >> 7 ^ (uint64_t)j * 31u ^ (uint64_t)(j >> 8));
}
static inline size_t t_fill(unsigned char *buf, uint64_t k, size_t maxlen) {
    size_t n = (size_t)(k % (maxlen + 1)), j;
    for (j = 0; j < n; j++) buf[j] = t_byte(k, j);
    return n;
}
static inline int t_check(const unsigned char *buf, size_t n, uint64_t k, size_t maxlen) {
    size_t j;
    if (n != (size_t)(k % (maxlen + 1))) return 0;
    for (j = 0; j < n; j++) if (buf[j] != t_byte(k, j)) return 0;
    return 1;
}

/* A named segment made by hand (not by shmpc): n bytes written to a new file of the shm directory. */
static inline void t_segment(const char *nm, const void *bytes, size_t n) {
    char path[128];
    int fd;
    snprintf(path, sizeof path, "/%s", nm);
    fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    if (n) ck_assert_int_eq(write(fd, bytes, n), (ssize_t)n);
    close(fd);
}

/* Removes a file made by t_segment: shmpc_unlink refuses one without shmpc's mark. */
static inline void t_segment_remove(const char *nm) {
    char path[128];
    snprintf(path, sizeof path, "/%s", nm);
    ck_assert_int_eq(shm_unlink(path), 0);
}

/* Caller memory for shmpc_format: cache-line aligned. */
static inline void *t_mem(size_t n) {
    void *p = NULL;
    ck_assert_int_eq(posix_memalign(&p, 64, n), 0);
    memset(p, 0xA5, n);
    return p;
}

#define ck_assert_rc(expr, want) do { int t_rc_ = (expr); \
    ck_assert_msg(t_rc_ == (want), "%s returned %d (%s), expected %d (%s)", #expr, t_rc_, \
                  shmpc_strerror(t_rc_), (int)(want), shmpc_strerror(want)); } while (0)

/* The stress size: SHMPC_TEST_STRESS (messages) overrides the default (sanitizer runs shrink it). */
static inline long t_stress_n(long dflt) {
    const char *e = getenv("SHMPC_TEST_STRESS");
    return e && *e ? atol(e) : dflt;
}

Suite *core_suite(void);
Suite *errors_suite(void);
Suite *layout_suite(void);
Suite *threads_suite(void);
Suite *process_suite(void);
Suite *hostile_suite(void);
Suite *restart_suite(void);
Suite *poll_suite(void);
#endif
