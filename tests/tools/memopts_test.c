/* Memory options at creation (SHMPC_F_HUGEPAGES, _MLOCK, _PRETOUCH, _SEQUENTIAL) on every placement,
   and the errors when the system cannot: each check observes the effect in /proc/self/status
   (VmLck for mlock, RssShmem for pre-touch) or the exact error code, so a no-op would fail.

   Huge pages: where none are configured (HugePages_Free 0) creation must fail with SHMPC_ENOMEM
   (SysV SHM_HUGETLB, anonymous MAP_HUGETLB) and the message must say so; where enough are free it
   must succeed and the ring must work. POSIX named segments refuse them: SHMPC_ENOTSUP.
   mlock: a child process without CAP_IPC_LOCK and with a small RLIMIT_MEMLOCK must get SHMPC_ENOMEM
   (with the limit at 0 as well), nothing must be left behind, and opening an existing mlock'ed ring
   must fail the same way. Run by make tools-test. Exit 0 when every check passed. */
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

static int failures, checks;
#define CHECK(cond, ...)                                                              \
    do {                                                                              \
        checks++;                                                                     \
        if (!(cond)) {                                                                \
            failures++;                                                               \
            fprintf(stderr, "memopts_test:%d: FAILED: %s: ", __LINE__, #cond);        \
            fprintf(stderr, __VA_ARGS__);                                             \
            fprintf(stderr, "\n");                                                    \
        }                                                                             \
    } while (0)

/* A "Name:   123 kB" line of /proc/self/status or /proc/meminfo, in kB (or the bare number). */
static long proc_field(const char *file, const char *field) {
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    FILE *f = fopen(file, "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':') { v = atol(line + n + 1); break; }
    fclose(f);
    return v;
}

static char g_name[64];
static long g_key;

static int roundtrip(shmpc_ring *p, shmpc_ring *c) {
    char buf[16];
    size_t n;
    int rc = shmpc_try_push(p, "memopts", 7);
    if (rc == SHMPC_OK) rc = shmpc_try_pop(c, buf, sizeof buf, &n);
    return rc == SHMPC_OK && n == 7 && !memcmp(buf, "memopts", 7);
}

static void test_flags_recorded(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring r;
    shmpc_status st;
    int rc;
    o.flags = SHMPC_F_SEQUENTIAL | SHMPC_F_PRETOUCH;
    rc = shmpc_create(&r, g_name, &o, SHMPC_PRODUCER);
    CHECK(rc == SHMPC_OK, "create with SEQUENTIAL|PRETOUCH: %s", shmpc_strerror(rc));
    if (rc == SHMPC_OK) {
        shmpc_stat(&r, &st);
        CHECK(st.flags == (SHMPC_F_SEQUENTIAL | SHMPC_F_PRETOUCH), "flags in the header: 0x%x", (unsigned)st.flags);
        shmpc_close(&r);
        shmpc_unlink(g_name);
    }
    o.flags = 0x10u; /* no such option */
    rc = shmpc_create(&r, g_name, &o, SHMPC_PRODUCER);
    CHECK(rc == SHMPC_EINVAL, "unknown flag bit: %d", rc);
}

static void test_hugepages(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring r, c;
    void *mem = NULL;
    size_t size = 0;
    long free_pages = proc_field("/proc/meminfo", "HugePages_Free");
    long page_kb = proc_field("/proc/meminfo", "Hugepagesize");
    int rc, enough;
    o.capacity = 4;
    o.slot_size = 64 << 10;                            /* 256 KiB of slots: one 2 MiB page */
    o.flags = SHMPC_F_HUGEPAGES;
    enough = free_pages >= 2 && page_kb > 0;           /* SysV and anonymous: one page each at most */
    printf("memopts_test: huge pages free: %ld of %ld kB: expecting %s\n", free_pages, page_kb,
           enough ? "success" : "SHMPC_ENOMEM");

    rc = shmpc_create(&r, g_name, &o, SHMPC_PRODUCER);
    CHECK(rc == SHMPC_ENOTSUP, "POSIX + HUGEPAGES: %d %s", rc, shmpc_strerror(rc));
    CHECK(shmpc_open(&r, g_name, SHMPC_OBSERVER, 0) == SHMPC_ENOENT, "refused create left a segment");

    rc = shmpc_create_anon(&o, &mem, &size);
    if (enough) {
        CHECK(rc == SHMPC_OK, "anonymous + HUGEPAGES with free huge pages: %s", shmpc_strerror(rc));
        if (rc == SHMPC_OK) {
            CHECK(size % ((size_t)page_kb << 10) == 0, "anonymous huge mapping size %zu", size);
            CHECK(shmpc_attach(&r, mem, size, SHMPC_PRODUCER) == SHMPC_OK && shmpc_attach(&c, mem, size, SHMPC_CONSUMER) == SHMPC_OK &&
                  roundtrip(&r, &c), "ring on huge pages works");
            shmpc_close(&r); shmpc_close(&c);
            shmpc_free_anon(mem, size);
        }
    } else {
        CHECK(rc == SHMPC_ENOMEM, "anonymous + HUGEPAGES without huge pages: %d %s", rc, shmpc_strerror(rc));
        CHECK(strstr(shmpc_strerror(rc), "huge pages") != NULL, "message names huge pages: %s", shmpc_strerror(rc));
    }

    rc = shmpc_create_sysv(&r, g_key, &o, SHMPC_PRODUCER);
    if (enough) {
        CHECK(rc == SHMPC_OK, "SysV + HUGEPAGES with free huge pages: %s", shmpc_strerror(rc));
        if (rc == SHMPC_OK) {
            CHECK(shmpc_open_sysv(&c, g_key, SHMPC_CONSUMER, 0) == SHMPC_OK && roundtrip(&r, &c), "SysV ring on huge pages works");
            shmpc_close(&c); shmpc_close(&r);
            shmpc_unlink_sysv(g_key);
        }
    } else {
        CHECK(rc == SHMPC_ENOMEM, "SysV + HUGEPAGES without huge pages: %d %s", rc, shmpc_strerror(rc));
        CHECK(shmpc_open_sysv(&r, g_key, SHMPC_OBSERVER, 0) == SHMPC_ENOENT, "refused SysV create left a segment");
    }
}

/* mlock works (VmLck grows by at least the ring) on every placement. */
static void test_mlock_ok(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring r, c;
    void *mem = NULL;
    size_t size = 0, foot;
    long before, after;
    int rc;
    o.capacity = 16;
    o.slot_size = 16 << 10;   /* 256 KiB: within the default 8 MiB RLIMIT_MEMLOCK of a plain user */
    o.flags = SHMPC_F_MLOCK;
    foot = shmpc_footprint(o.capacity, o.slot_size);

    before = proc_field("/proc/self/status", "VmLck");
    rc = shmpc_create(&r, g_name, &o, SHMPC_PRODUCER);
    after = proc_field("/proc/self/status", "VmLck");
    CHECK(rc == SHMPC_OK, "POSIX + MLOCK: %s", shmpc_strerror(rc));
    CHECK(after - before >= (long)(foot >> 10), "POSIX + MLOCK locked %ld kB, ring is %zu kB", after - before, foot >> 10);
    if (rc == SHMPC_OK) {
        before = after;
        rc = shmpc_open(&c, g_name, SHMPC_CONSUMER, 0);  /* every process that maps it locks it */
        after = proc_field("/proc/self/status", "VmLck");
        CHECK(rc == SHMPC_OK && after - before >= (long)(foot >> 10), "open of an MLOCK ring locks it too: %s, %ld kB",
              shmpc_strerror(rc), after - before);
        CHECK(roundtrip(&r, &c), "POSIX MLOCK ring works");
        shmpc_close(&c);
        shmpc_close(&r);
        shmpc_unlink(g_name);
    }

    before = proc_field("/proc/self/status", "VmLck");
    rc = shmpc_create_sysv(&r, g_key, &o, SHMPC_PRODUCER);
    after = proc_field("/proc/self/status", "VmLck");
    CHECK(rc == SHMPC_OK && after - before >= (long)(foot >> 10), "SysV + MLOCK: %s, %ld kB", shmpc_strerror(rc), after - before);
    if (rc == SHMPC_OK) { shmpc_close(&r); shmpc_unlink_sysv(g_key); }

    before = proc_field("/proc/self/status", "VmLck");
    rc = shmpc_create_anon(&o, &mem, &size);
    after = proc_field("/proc/self/status", "VmLck");
    CHECK(rc == SHMPC_OK && after - before >= (long)(foot >> 10), "anonymous + MLOCK: %s, %ld kB", shmpc_strerror(rc), after - before);
    if (rc == SHMPC_OK) shmpc_free_anon(mem, size);
}

/* Drops CAP_IPC_LOCK (which lets root lock without limit) from this process. */
static int drop_ipc_lock(void) {
    struct __user_cap_header_struct h;
    struct __user_cap_data_struct d[2];
    memset(&h, 0, sizeof h);
    memset(d, 0, sizeof d);
    h.version = _LINUX_CAPABILITY_VERSION_3;
    if (syscall(SYS_capget, &h, d) != 0) return -1;
    d[0].effective &= ~(1u << CAP_IPC_LOCK);
    d[0].permitted &= ~(1u << CAP_IPC_LOCK);
    d[0].inheritable &= ~(1u << CAP_IPC_LOCK);
    return (int)syscall(SYS_capset, &h, d);
}

/* In a child: without CAP_IPC_LOCK and with RLIMIT_MEMLOCK = limit, every MLOCK creation and the
   open of an existing MLOCK ring must fail with SHMPC_ENOMEM and leave nothing behind. */
static int mlock_refused_child(rlim_t limit) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring r;
    void *mem = NULL;
    size_t size = 0;
    struct rlimit rl;
    char other[80];
    int rc;
    rl.rlim_cur = rl.rlim_max = limit;
    if (drop_ipc_lock() != 0 || setrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
        fprintf(stderr, "memopts_test: cannot drop CAP_IPC_LOCK / set RLIMIT_MEMLOCK: %s\n", strerror(errno));
        return 1;
    }
    o.capacity = 16;
    o.slot_size = 64 << 10;   /* 1 MiB: above the limit */
    o.flags = SHMPC_F_MLOCK;
    rc = shmpc_create(&r, g_name, &o, SHMPC_PRODUCER);
    CHECK(rc == SHMPC_ENOMEM, "limit %lu: POSIX + MLOCK refused: %d %s", (unsigned long)limit, rc, shmpc_strerror(rc));
    CHECK(shmpc_open(&r, g_name, SHMPC_OBSERVER, 0) == SHMPC_ENOENT, "refused POSIX MLOCK create left a segment");
    rc = shmpc_create_sysv(&r, g_key, &o, SHMPC_PRODUCER);
    CHECK(rc == SHMPC_ENOMEM, "limit %lu: SysV + MLOCK refused: %d %s", (unsigned long)limit, rc, shmpc_strerror(rc));
    CHECK(shmpc_open_sysv(&r, g_key, SHMPC_OBSERVER, 0) == SHMPC_ENOENT, "refused SysV MLOCK create left a segment");
    rc = shmpc_create_anon(&o, &mem, &size);
    CHECK(rc == SHMPC_ENOMEM, "limit %lu: anonymous + MLOCK refused: %d %s", (unsigned long)limit, rc, shmpc_strerror(rc));
    snprintf(other, sizeof other, "%s-locked", g_name); /* created by the parent with MLOCK */
    rc = shmpc_open(&r, other, SHMPC_CONSUMER, 0);
    CHECK(rc == SHMPC_ENOMEM, "limit %lu: open of an MLOCK ring refused: %d %s", (unsigned long)limit, rc, shmpc_strerror(rc));
    if (rc == SHMPC_OK) shmpc_close(&r);
    rc = shmpc_open(&r, other, SHMPC_OBSERVER, 0); /* an observer (shmpcctl) does not lock */
    CHECK(rc == SHMPC_OK, "limit %lu: observer of an MLOCK ring: %d %s", (unsigned long)limit, rc, shmpc_strerror(rc));
    if (rc == SHMPC_OK) shmpc_close(&r);
    o.flags = 0; /* the same ring without the option is fine */
    rc = shmpc_create(&r, g_name, &o, SHMPC_PRODUCER);
    CHECK(rc == SHMPC_OK, "without MLOCK under the same limit: %s", shmpc_strerror(rc));
    if (rc == SHMPC_OK) { shmpc_close(&r); shmpc_unlink(g_name); }
    return failures ? 1 : 0;
}

static void test_mlock_refused(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring locked;
    char other[80];
    rlim_t limits[2] = {64 << 10, 0};
    int i, rc;
    snprintf(other, sizeof other, "%s-locked", g_name);
    o.capacity = 16;
    o.slot_size = 64 << 10;
    o.flags = SHMPC_F_MLOCK;
    rc = shmpc_create(&locked, other, &o, SHMPC_PRODUCER);
    CHECK(rc == SHMPC_OK, "parent creates an MLOCK ring: %s", shmpc_strerror(rc));
    for (i = 0; i < 2; i++) {
        int st = 0;
        pid_t pid;
        fflush(stdout); fflush(stderr);
        pid = fork();
        if (pid == 0) _exit(mlock_refused_child(limits[i]));
        waitpid(pid, &st, 0);
        checks++;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            failures++;
            fprintf(stderr, "memopts_test: mlock refusal checks failed with RLIMIT_MEMLOCK %lu\n", (unsigned long)limits[i]);
        }
    }
    if (rc == SHMPC_OK) { /* the refused opens left the ring as it was: its consumer side is still open */
        shmpc_ring c;
        int rc2 = shmpc_open(&c, other, SHMPC_CONSUMER, 0);
        CHECK(rc2 == SHMPC_OK, "consumer attaches after refused opens: %d %s", rc2, shmpc_strerror(rc2));
        if (rc2 == SHMPC_OK) CHECK(roundtrip(&locked, &c), "the MLOCK ring still works");
        if (rc2 == SHMPC_OK) shmpc_close(&c);
        shmpc_close(&locked);
        shmpc_unlink(other);
    }
}

/* Pre-touch: the creator's resident shared memory grows by the whole ring; without it, by a few
   pages only (big slots: format writes one header per slot). */
static void test_pretouch(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_ring r;
    long before, plain, touched;
    size_t foot;
    int rc;
    o.capacity = 4;
    o.slot_size = 1 << 20;
    foot = shmpc_footprint(o.capacity, o.slot_size);
    before = proc_field("/proc/self/status", "RssShmem");
    rc = shmpc_create(&r, g_name, &o, SHMPC_PRODUCER);
    plain = proc_field("/proc/self/status", "RssShmem") - before;
    CHECK(rc == SHMPC_OK, "create 4 MiB ring: %s", shmpc_strerror(rc));
    if (rc == SHMPC_OK) { shmpc_close(&r); shmpc_unlink(g_name); }
    o.flags = SHMPC_F_PRETOUCH;
    before = proc_field("/proc/self/status", "RssShmem");
    rc = shmpc_create(&r, g_name, &o, SHMPC_PRODUCER);
    touched = proc_field("/proc/self/status", "RssShmem") - before;
    CHECK(rc == SHMPC_OK, "create 4 MiB ring with PRETOUCH: %s", shmpc_strerror(rc));
    CHECK(touched >= (long)(foot >> 10) - 8, "PRETOUCH made %ld kB resident, ring is %zu kB", touched, foot >> 10);
    CHECK(plain < (long)(foot >> 10) / 4, "without PRETOUCH %ld kB resident already (test would prove nothing)", plain);
    if (rc == SHMPC_OK) { shmpc_close(&r); shmpc_unlink(g_name); }
    printf("memopts_test: resident after create: %ld kB plain, %ld kB with PRETOUCH (ring %zu kB)\n", plain, touched, foot >> 10);
}

int main(void) {
    snprintf(g_name, sizeof g_name, "shmpc-memopts-%d", (int)getpid());
    g_key = 0x6D000000L | (long)(getpid() & 0xFFFFFF);
    test_flags_recorded();
    test_hugepages();
    test_mlock_ok();
    test_mlock_refused();
    test_pretouch();
    if (failures) { fprintf(stderr, "memopts_test: %d of %d checks failed\n", failures, checks); return 1; }
    printf("memopts_test: %d checks passed\n", checks);
    return 0;
}
