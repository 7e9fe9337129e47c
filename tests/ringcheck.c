/* Checksummed messages (tests/msgcheck.h) through a ring, with the public API only: the library's
   side of the third-party peer check (tests/thirdparty/) and the two ends of the bridge test
   (tests/bridge/).
     ringcheck produce NAME CAPACITY SLOT_SIZE N [PAUSE]   create a ring (SPSC; MPMC if RINGCHECK_MPMC
                                                          is set; counters from RINGCHECK_START), push
                                                          messages 0..N-1, close (the end of the stream)
     ringcheck consume NAME N [PAUSE [DELAY_MS]]           open the ring, pop and check N messages, then
                                                          expect SHMPC_ECLOSED and unlink the ring
   PAUSE (default 0: never): pause 200 ms after every PAUSE messages (the producer at multiples of
   PAUSE, the consumer half way between), so that the other side runs dry or full and sleeps.
   At its first pause each side checks that the other is in the peer table, alive, and the producer
   pauses once more before it closes (the close must wake the consumer). DELAY_MS: the consumer waits that long before its first pop.
   Every push and pop is a timed call of RINGCHECK_WAIT_MS (default 5000). Built with a 20 s sleep
   slice: a sleeper nobody wakes stays asleep for its whole timed wait, and a blocking call that takes
   longer than MISSED_WAKE_MS (default 2000) fails at once. The producer
   prints its longest push: a consumer that holds back shows there as back-pressure. */
#define SHMPC_SLEEP_SLICE_NS 20000000000ll
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "msgcheck.h"

static int64_t wait_ns = 5000000000ll, missed_wake_ns = 2000000000ll;
static int stop_early; /* RINGCHECK_STOP set: the consumer closes after N messages */
static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}
static int fail(const char *what, int rc) {
    fprintf(stderr, "ringcheck: %s: %s (%d)\n", what, shmpc_strerror(rc), rc);
    return 1;
}
/* The time a blocking call took; fails the run when nobody woke it. */
static int slow(const char *what, uint64_t i, int64_t t, int64_t *longest) {
    if (t > *longest) *longest = t;
    if (t <= missed_wake_ns) return 0;
    fprintf(stderr, "ringcheck: %s of message %llu waited %.0f ms: the other side did not wake it\n", what,
            (unsigned long long)i, (double)t / 1e6);
    return 1;
}

/* At the first pause (the other side has moved messages by then): the other side is in the peer
   table, in its role, alive. */
static int registered(const shmpc_ring *r, uint32_t role) {
    shmpc_peer_status ps[SHMPC_MAX_PEERS];
    int i, n = shmpc_peers(r, ps, SHMPC_MAX_PEERS);
    for (i = 0; i < n; i++)
        if (ps[i].role == role && ps[i].alive == 1) return 0;
    fprintf(stderr, "ringcheck: no live %s in the peer table\n", role == SHMPC_PRODUCER ? "producer" : "consumer");
    return 1;
}

static int produce(const char *name, uint32_t cap, uint32_t size, uint64_t n, uint64_t pause) {
    shmpc_ring r;
    shmpc_opts o = SHMPC_OPTS_INIT;
    unsigned char *msg = malloc(size);
    int64_t longest = 0;
    uint64_t i;
    int rc;
    o.capacity = cap; o.slot_size = size;
    if (getenv("RINGCHECK_MPMC")) o.mode = SHMPC_MPMC;
    if (getenv("RINGCHECK_START")) o.start_index = (uint32_t)strtoul(getenv("RINGCHECK_START"), 0, 0);
    if (!msg) return 1;
    if ((rc = shmpc_create(&r, name, &o, SHMPC_PRODUCER)) != SHMPC_OK) return fail("create", rc);
    for (i = 0; i < n; i++) {
        size_t len = msgcheck_make(msg, size, i);
        int64_t t0;
        if (pause && i == pause && registered(&r, SHMPC_CONSUMER)) return 1;
        if (pause && i && i % pause == 0) pause_ms(200); /* the consumer goes to sleep */
        t0 = now_ns();
        if ((rc = shmpc_push_timed(&r, msg, len, wait_ns)) != SHMPC_OK) return fail("push", rc);
        if (slow("push", i, now_ns() - t0, &longest)) return 1;
    }
    free(msg);
    if (pause) pause_ms(200); /* the consumer goes to sleep: the close must wake it */
    shmpc_close(&r);
    printf("ringcheck: produced %llu messages, longest push %.1f ms\n", (unsigned long long)n, (double)longest / 1e6);
    return 0;
}

static int consume(const char *name, uint64_t n, uint64_t pause, long delay_ms) {
    shmpc_ring r;
    shmpc_status st;
    unsigned char *buf;
    int64_t longest = 0;
    uint64_t i = 0;
    int rc;
    if ((rc = shmpc_open(&r, name, SHMPC_CONSUMER, 10000000000ll)) != SHMPC_OK) return fail("open", rc);
    shmpc_stat(&r, &st);
    if (!(buf = malloc(st.slot_size))) return 1;
    if (delay_ms) pause_ms(delay_ms);
    for (;;) {
        size_t len;
        const char *bad;
        int64_t t0;
        if (pause && i == pause / 2u && registered(&r, SHMPC_PRODUCER)) return 1;
        if (pause && i % pause == pause / 2u && i < n) pause_ms(200); /* the producer fills the ring and sleeps */
        if (i == n && stop_early) break; /* the consumer side ends the stream */
        t0 = now_ns();
        rc = shmpc_pop_timed(&r, buf, st.slot_size, &len, wait_ns);
        if (rc != SHMPC_OK && rc != SHMPC_ECLOSED) return fail("pop", rc);
        if (slow("pop", i, now_ns() - t0, &longest)) return 1;
        if (rc == SHMPC_ECLOSED) break;
        if ((bad = msgcheck_bad(buf, len, i)) != NULL) {
            fprintf(stderr, "ringcheck: message %llu: %s\n", (unsigned long long)i, bad);
            return 1;
        }
        i++;
    }
    free(buf);
    shmpc_close(&r);
    shmpc_unlink(name);
    if (stop_early) { printf("ringcheck: consumed %llu messages, then closed\n", (unsigned long long)i); return 0; }
    printf("ringcheck: consumed %llu messages, then SHMPC_ECLOSED; longest pop %.1f ms\n", (unsigned long long)i,
           (double)longest / 1e6);
    if (i != n) { fprintf(stderr, "ringcheck: expected %llu messages\n", (unsigned long long)n); return 1; }
    return 0;
}

int main(int argc, char **argv) {
    const char *m = getenv("MISSED_WAKE_MS"), *w = getenv("RINGCHECK_WAIT_MS");
    setvbuf(stdout, NULL, _IONBF, 0);
    if (m) missed_wake_ns = atoll(m) * 1000000ll;
    if (w) wait_ns = atoll(w) * 1000000ll;
    stop_early = getenv("RINGCHECK_STOP") != NULL;
    if ((argc == 6 || argc == 7) && !strcmp(argv[1], "produce"))
        return produce(argv[2], (uint32_t)strtoul(argv[3], 0, 10), (uint32_t)strtoul(argv[4], 0, 10),
                       strtoull(argv[5], 0, 10), argc == 7 ? strtoull(argv[6], 0, 10) : 0);
    if (argc >= 4 && argc <= 6 && !strcmp(argv[1], "consume"))
        return consume(argv[2], strtoull(argv[3], 0, 10), argc >= 5 ? strtoull(argv[4], 0, 10) : 0,
                       argc == 6 ? atol(argv[5]) : 0);
    fprintf(stderr, "usage: %s produce NAME CAPACITY SLOT_SIZE N [PAUSE] | consume NAME N [PAUSE [DELAY_MS]]\n", argv[0]);
    return 2;
}
