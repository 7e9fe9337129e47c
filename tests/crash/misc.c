/* misc.c - crash handling, signals and security checks that need processes, signals or names.
   Each check prints one line; the program fails if any check fails. Run alone or from make fault. */
#define SHMPC_IMPLEMENTATION
#define SHMPC__STALE_EMPTY_S 1 /* blank files count as old after 1 s (default 10): see check_foreign */
#include "shmpc.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures, checks;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); \
                              printf(__VA_ARGS__); printf("\n"); } } while (0)

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void anon(int mode, void **mem, size_t *size) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    o.capacity = 8; o.slot_size = 64; o.mode = (uint32_t)mode;
    if (shmpc_create_anon(&o, mem, size) != SHMPC_OK) { printf("create_anon failed\n"); exit(1); }
}

/* A producer process that pushes k messages and dies without closing: the consumer gets the k
   messages, then SHMPC_EPEERDEAD, quickly, from a blocking and from a timed pop. reap: whether the
   parent reaps the child first (if not, it stays a zombie, which must count as dead). */
static void check_dead_producer(int mode, int k, int reap, int timed) {
    void *mem; size_t size; shmpc_ring c; pid_t pid; int i, rc, got = 0; int64_t t;
    anon(mode, &mem, &size);
    CHECK(shmpc_attach(&c, mem, size, SHMPC_CONSUMER) == SHMPC_OK, "attach consumer");
    pid = fork();
    if (pid == 0) {
        shmpc_ring p;
        if (shmpc_attach(&p, mem, size, SHMPC_PRODUCER) != SHMPC_OK) _exit(1);
        for (i = 0; i < k; i++) if (shmpc_push(&p, &i, sizeof i) != SHMPC_OK) _exit(2);
        if (mode == SHMPC_MPMC) { void *b; size_t room; shmpc_try_reserve(&p, &b, &room); } /* dies holding a slot */
        _exit(0); /* no close: a crash */
    }
    if (reap) waitpid(pid, NULL, 0);
    t = now_ns();
    for (;;) {
        int v; size_t n;
        rc = timed ? shmpc_pop_timed(&c, &v, sizeof v, &n, 10000000000LL) : shmpc_pop(&c, &v, sizeof v, &n);
        if (rc != SHMPC_OK) break;
        CHECK(v == got, "message %d in order (got %d)", got, v);
        got++;
    }
    t = now_ns() - t;
    CHECK(rc == SHMPC_EPEERDEAD, "%s %s pop after the producer died: %s", mode == SHMPC_SPSC ? "spsc" : "mpmc",
          timed ? "timed" : "blocking", shmpc_strerror(rc));
    CHECK(got == k, "drained %d of %d committed messages first", got, k);
    CHECK(t < 2000000000LL, "EPEERDEAD within 2 s (took %.3f s)", (double)t / 1e9);
    printf("dead producer (%s, %s, %s): %d drained, then EPEERDEAD after %.3f s\n", mode == SHMPC_SPSC ? "spsc" : "mpmc",
           timed ? "timed pop" : "blocking pop", reap ? "reaped" : "zombie", got, (double)t / 1e9);
    shmpc_close(&c);
    if (!reap) waitpid(pid, NULL, 0);
    shmpc_free_anon(mem, size);
}

/* A consumer that dies: a blocking push on the full ring gets SHMPC_EPEERDEAD. */
static void check_dead_consumer(int mode) {
    void *mem; size_t size; shmpc_ring p; pid_t pid; int rc, i = 0;
    anon(mode, &mem, &size);
    CHECK(shmpc_attach(&p, mem, size, SHMPC_PRODUCER) == SHMPC_OK, "attach producer");
    pid = fork();
    if (pid == 0) {
        shmpc_ring c; int v; size_t n;
        if (shmpc_attach(&c, mem, size, SHMPC_CONSUMER) != SHMPC_OK) _exit(1);
        shmpc_pop(&c, &v, sizeof v, &n);
        _exit(0);
    }
    while ((rc = shmpc_push(&p, &i, sizeof i)) == SHMPC_OK && i < 1000) i++;
    CHECK(rc == SHMPC_EPEERDEAD, "push after the consumer died: %s (after %d pushes)", shmpc_strerror(rc), i);
    waitpid(pid, NULL, 0);
    shmpc_close(&p);
    shmpc_free_anon(mem, size);
}

/* A recycled pid: the registered pid runs, but its start time differs: the peer is dead. */
static void check_recycled_pid(void) {
    void *mem; size_t size; shmpc_ring p, c; int v; size_t n; int rc;
    uint64_t start = shmpc__start_time((long)getpid());
    anon(SHMPC_SPSC, &mem, &size);
    CHECK(shmpc_attach_id(&p, mem, size, SHMPC_PRODUCER, (uint32_t)getpid(), start + 12345u) == SHMPC_OK, "attach");
    CHECK(shmpc_attach(&c, mem, size, SHMPC_CONSUMER) == SHMPC_OK, "attach");
    rc = shmpc_pop_timed(&c, &v, sizeof v, &n, 5000000000LL);
    CHECK(rc == SHMPC_EPEERDEAD, "producer registered with a live pid but another start time: %s", shmpc_strerror(rc));
    /* start time 0: presumed alive, the timed pop times out */
    shmpc_close(&p);
    CHECK(shmpc_attach_id(&p, mem, size, SHMPC_PRODUCER, 999999u, 0u) == SHMPC_ECLOSED, "closed side stays closed");
    shmpc_close(&c);
    shmpc_free_anon(mem, size);
    anon(SHMPC_SPSC, &mem, &size);
    CHECK(shmpc_attach_id(&p, mem, size, SHMPC_PRODUCER, 999999u, 0u) == SHMPC_OK, "attach id without start");
    CHECK(shmpc_attach(&c, mem, size, SHMPC_CONSUMER) == SHMPC_OK, "attach");
    rc = shmpc_pop_timed(&c, &v, sizeof v, &n, 100000000LL);
    CHECK(rc == SHMPC_ETIMEDOUT, "a peer without start time is presumed alive: %s", shmpc_strerror(rc));
    shmpc_close(&c); shmpc_close(&p);
    shmpc_free_anon(mem, size);
}

/* Signals: a handler interrupting a blocking pop many times; the pop resumes and returns the
   message pushed afterwards; the ring state stays consistent. */
static atomic_int handled;
static void on_usr1(int sig) { (void)sig; atomic_fetch_add(&handled, 1); }
typedef struct popper { shmpc_ring *c; int rc, v; size_t n; atomic_int started; } popper;
static void *pop_thread(void *a) {
    popper *x = (popper *)a;
    atomic_store(&x->started, 1);
    x->rc = shmpc_pop(x->c, &x->v, sizeof x->v, &x->n);
    return NULL;
}
static void check_signals(int mode) {
    void *mem; size_t size; shmpc_ring p, c; popper x; pthread_t th; struct sigaction sa; int i, v = 4242;
    shmpc_status st;
    anon(mode, &mem, &size);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1; /* no SA_RESTART: the futex sleep sees EINTR */
    sigaction(SIGUSR1, &sa, NULL);
    atomic_store(&handled, 0);
    CHECK(shmpc_attach(&p, mem, size, SHMPC_PRODUCER) == SHMPC_OK, "attach");
    CHECK(shmpc_attach(&c, mem, size, SHMPC_CONSUMER) == SHMPC_OK, "attach");
    memset(&x, 0, sizeof x);
    x.c = &c;
    pthread_create(&th, NULL, pop_thread, &x);
    while (!atomic_load(&x.started)) usleep(100);
    usleep(5000); /* past its spin: asleep on the futex */
    for (i = 0; i < 50; i++) { /* one at a time: pending signals of one kind coalesce */
        int64_t t = now_ns();
        pthread_kill(th, SIGUSR1);
        while (atomic_load(&handled) <= i && now_ns() - t < 2000000000LL) usleep(100);
        usleep(1000);
    }
    CHECK(shmpc_push(&p, &v, sizeof v) == SHMPC_OK, "push");
    pthread_join(th, NULL);
    CHECK(atomic_load(&handled) == 50, "50 handlers ran (%d)", atomic_load(&handled));
    CHECK(x.rc == SHMPC_OK && x.v == 4242 && x.n == sizeof v, "pop resumed after the signals: %s", shmpc_strerror(x.rc));
    shmpc_stat(&c, &st);
    CHECK(st.fill == 0 && st.head == st.tail, "ring consistent after the signals (fill %u)", st.fill);
    CHECK(shmpc_try_push(&p, &v, sizeof v) == SHMPC_OK && shmpc_try_pop(&c, &v, sizeof v, &x.n) == SHMPC_OK,
          "ring usable after the signals");
    shmpc_close(&p); shmpc_close(&c);
    shmpc_free_anon(mem, size);
    printf("signals (%s): 50 handlers during a blocking pop; it resumed and returned the message\n",
           mode == SHMPC_SPSC ? "spsc" : "mpmc");
}

/* Stale named segments and the security rules of named segments. */
static void check_named(void) {
    char name[64], longname[260];
    shmpc_ring r, q;
    shmpc_opts o = SHMPC_OPTS_INIT;
    pid_t pid;
    int rc, fd;
    struct stat st;
    snprintf(name, sizeof name, "shmpc-crash-%d", (int)getpid());
    shmpc_unlink(name);
    /* a run that crashed: its creator dies holding the ring */
    pid = fork();
    if (pid == 0) { shmpc_ring x; _exit(shmpc_create(&x, name, &o, SHMPC_PRODUCER) == SHMPC_OK ? 0 : 1); }
    waitpid(pid, NULL, 0);
    rc = shmpc_create(&r, name, &o, SHMPC_PRODUCER);
    CHECK(rc == SHMPC_ESTALE, "create over a crashed run's segment: %s", shmpc_strerror(rc));
    CHECK(shmpc_unlink(name) == SHMPC_OK, "stale segment removable");
    CHECK(shmpc_create(&r, name, &o, SHMPC_PRODUCER) == SHMPC_OK, "create after removal");
    rc = shmpc_create(&q, name, &o, SHMPC_PRODUCER);
    CHECK(rc == SHMPC_EEXIST, "create over a live segment: %s", shmpc_strerror(rc));
    /* mode 0600, whatever the umask */
    fd = shm_open(name[0] == '/' ? name : (snprintf(longname, sizeof longname, "/%s", name), longname), O_RDONLY, 0);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600 (%o)", (unsigned)(st.st_mode & 0777));
    /* another owner: refused unless asked */
    if (fd >= 0 && geteuid() == 0) {
        CHECK(fchown(fd, 65534, 65534) == 0, "chown");
        rc = shmpc_open(&q, name, SHMPC_CONSUMER, 0);
        CHECK(rc == SHMPC_EPERM, "open of another user's segment: %s", shmpc_strerror(rc));
        rc = shmpc_open_ex(&q, name, SHMPC_CONSUMER, 0, SHMPC_O_ANY_OWNER);
        CHECK(rc == SHMPC_OK, "open_ex(SHMPC_O_ANY_OWNER) of another user's segment: %s", shmpc_strerror(rc));
        if (rc == SHMPC_OK) shmpc_close(&q);
        CHECK(fchown(fd, 0, 0) == 0, "chown back");
    } else printf("other-owner check skipped (not root)\n");
    if (fd >= 0) close(fd);
    shmpc_close(&r);
    CHECK(shmpc_create(&q, name, &o, SHMPC_PRODUCER) == SHMPC_EEXIST, "closed segment (no peers) is not stale");
    shmpc_unlink(name);
    /* a creator that died while initializing */
    snprintf(longname, sizeof longname, "/%s", name);
    fd = shm_open(longname, O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0 && ftruncate(fd, (off_t)shmpc_footprint(64, 64)) == 0, "hand-made segment");
    pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, NULL, 0);
    {
        unsigned char *m = (unsigned char *)mmap(NULL, SHMPC_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        uint32_t p32 = (uint32_t)pid; uint64_t s64 = 12345;
        memcpy(m, "SHMPCv5", 8); /* shmpc's mark, as shmpc_create writes it first */
        memcpy(m + 0x34, &p32, 4); memcpy(m + 0x38, &s64, 8); /* state (0x40) stays 0: initializing */
        munmap(m, SHMPC_HEADER_SIZE);
    }
    close(fd);
    rc = shmpc_open(&q, name, SHMPC_CONSUMER, 2000000000LL);
    CHECK(rc == SHMPC_ESTALE, "open of a segment whose creator died initializing it: %s", shmpc_strerror(rc));
    rc = shmpc_create(&q, name, &o, SHMPC_PRODUCER);
    CHECK(rc == SHMPC_ESTALE, "create over it: %s", shmpc_strerror(rc));
    shmpc_unlink(name);
    /* names */
    CHECK(shmpc_create(&q, "a/b", &o, SHMPC_PRODUCER) == SHMPC_ENAME, "'/' inside a name refused");
    CHECK(shmpc_create(&q, "", &o, SHMPC_PRODUCER) == SHMPC_ENAME, "empty name refused");
    CHECK(shmpc_create(&q, "..", &o, SHMPC_PRODUCER) == SHMPC_ENAME, "'..' refused");
    memset(longname, 'x', 201); longname[201] = 0;
    CHECK(shmpc_create(&q, longname, &o, SHMPC_PRODUCER) == SHMPC_ENAME, "201-character name refused");
    printf("named segments: stale detection, removal, 0600, owner check, name validation\n");
}

/* Files that shmpc did not provably make are never stale, however old: an empty one, a zero-filled
   one, one whose "creator pid" names a dead process but that lacks shmpc's mark. Once older than
   SHMPC__STALE_EMPTY_S (1 s here), create says EEXIST and open says ENOTSHMPC (a younger one may
   be a creator at work: ENOTREADY). */
static void check_foreign(void) {
    static const char *what[3] = {"empty", "zero-filled", "dead pid, no mark"};
    char name[3][64], path[72];
    shmpc_ring r;
    shmpc_opts o = SHMPC_OPTS_INIT;
    unsigned char img[4096];
    pid_t pid = fork();
    int i, fd, rc;
    if (pid == 0) _exit(0);
    waitpid(pid, NULL, 0);
    for (i = 0; i < 3; i++) {
        uint32_t p32 = (uint32_t)pid; uint64_t s64 = 12345;
        memset(img, 0, sizeof img);
        if (i == 2) { memcpy(img + 0x34, &p32, 4); memcpy(img + 0x38, &s64, 8); }
        snprintf(name[i], sizeof name[i], "shmpc-foreign-%d-%d", (int)getpid(), i);
        snprintf(path, sizeof path, "/%.62s", name[i]);
        fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
        CHECK(fd >= 0 && (i == 0 || write(fd, img, sizeof img) == (ssize_t)sizeof img), "%s file made", what[i]);
        if (fd >= 0) close(fd);
        rc = shmpc_create(&r, name[i], &o, SHMPC_PRODUCER);
        CHECK(rc == SHMPC_EEXIST, "create over a young %s file: %s", what[i], shmpc_strerror(rc));
        rc = shmpc_open(&r, name[i], SHMPC_CONSUMER, 0);
        CHECK(rc == SHMPC_ENOTREADY, "open of a young %s file: %s", what[i], shmpc_strerror(rc));
    }
    sleep(SHMPC__STALE_EMPTY_S + 1);
    for (i = 0; i < 3; i++) {
        rc = shmpc_create(&r, name[i], &o, SHMPC_PRODUCER);
        CHECK(rc == SHMPC_EEXIST, "create over an old %s file: %s", what[i], shmpc_strerror(rc));
        rc = shmpc_open(&r, name[i], SHMPC_CONSUMER, 1000000000LL);
        CHECK(rc == SHMPC_ENOTSHMPC, "open of an old %s file: %s", what[i], shmpc_strerror(rc));
        snprintf(path, sizeof path, "/%.62s", name[i]);
        CHECK(shmpc_unlink(name[i]) == SHMPC_ENOTSHMPC && shm_unlink(path) == 0, "%s file: not removed by shmpc_unlink", what[i]);
    }
    printf("foreign files (empty, zero-filled, unmarked with a dead pid): never stale, young or old\n");
}

int main(void) {
    check_dead_producer(SHMPC_SPSC, 5, 1, 0);
    check_dead_producer(SHMPC_SPSC, 3, 0, 1);
    check_dead_producer(SHMPC_MPMC, 5, 1, 0);
    check_dead_producer(SHMPC_MPMC, 4, 0, 1);
    check_dead_consumer(SHMPC_SPSC);
    check_dead_consumer(SHMPC_MPMC);
    check_recycled_pid();
    check_signals(SHMPC_SPSC);
    check_signals(SHMPC_MPMC);
    check_named();
    check_foreign();
    printf("crash misc: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
