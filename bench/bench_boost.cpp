// bench/bench_boost.cpp - Boost.Interprocess message_queue, measured like bench.c measures the
// others (same harness, same stamps and checks, same command line):
//   bench_boost tput boost SIZE COUNT | mpmc boost P C SIZE COUNT | lat boost COUNT | wake boost COUNT GAP_US
#include "common.h"
#include <boost/interprocess/ipc/message_queue.hpp>
#include <string>

namespace bip = boost::interprocess;

static std::string g_name;
static size_t g_size;
static uint64_t g_n, g_warm;
static int g_P, g_C;
static int64_t g_gap_ns;

static unsigned char *msgbuf(size_t n) {
    void *p = NULL;
    if (posix_memalign(&p, 64, n < 64 ? 64 : n) != 0) bh_fail("out of memory");
    memset(p, 0x5A, n);
    return (unsigned char *)p;
}

static unsigned cap_for(size_t size) { /* the geometry of bench.c's ring_cap() */
    unsigned c = 1024;
    size_t budget = (size_t)4 << 20;
    if (getenv("BENCH_RING_BYTES")) budget = strtoull(getenv("BENCH_RING_BYTES"), NULL, 0);
    while (c > 2 && (size_t)c * size > budget) c >>= 1;
    return c;
}

static void producer(int idx, void *) {
    try {
        bip::message_queue q(bip::open_only, g_name.c_str());
        unsigned char *src = msgbuf(g_size);
        bh_start();
        bh->t0[idx] = bh_now();
        for (uint64_t k = 0; k < g_n; k++) {
            bh_stamp(src, g_size, bh_tag(idx, k));
            q.send(src, g_size, 0);
        }
        if (g_P > 1 || g_C > 1) {
            bh_stamp(src, g_size, BH_POISON);
            for (int i = 0; i < g_C; i++) q.send(src, g_size, 0);
        }
    } catch (const std::exception &e) {
        bh_fail(e.what());
    }
}

static void consumer(int idx, void *) {
    try {
        bip::message_queue q(bip::open_only, g_name.c_str());
        unsigned char *buf = msgbuf(g_size);
        bh_rx x;
        int poisons = 0, multi = g_P > 1 || g_C > 1;
        memset(&x, 0, sizeof x);
        x.order = !multi;
        bh_start();
        for (;;) {
            bip::message_queue::size_type n;
            unsigned prio;
            if (!multi && x.count == g_n) break;
            q.receive(buf, g_size, n, prio);
            if (multi) {
                uint64_t tag;
                memcpy(&tag, buf, 8);
                if (tag == BH_POISON) {
                    if (++poisons == g_P) break;
                    continue;
                }
            }
            bh_rx_msg(&x, buf, (size_t)n, g_size);
        }
        bh_rx_done(idx, &x);
    } catch (const std::exception &e) {
        bh_fail(e.what());
    }
}

static int run_tput(int P, int C, size_t size, uint64_t n) {
    pid_t pids[2 * BH_MAXP];
    int np = 0;
    g_name = "shmpc-bench-boost-" + std::to_string(getpid());
    bip::message_queue::remove(g_name.c_str());
    {
        bip::message_queue q(bip::create_only, g_name.c_str(), cap_for(size), size);
    }
    bh_init(0);
    g_size = size; g_n = n; g_P = P; g_C = C;
    for (int i = 0; i < C; i++) pids[np++] = bh_spawn(i + 1, consumer, i, NULL);
    for (int i = 0; i < P; i++) pids[np++] = bh_spawn(i, producer, i, NULL);
    int failed = bh_run(pids, np);
    bip::message_queue::remove(g_name.c_str());
    return bh_report(failed, P, C, n, size);
}

static std::string g_ping, g_pong;

static void pinger(int, void *) {
    try {
        bip::message_queue a(bip::open_only, g_ping.c_str()), b(bip::open_only, g_pong.c_str());
        bh_start();
        for (uint64_t i = 0; i < g_warm + g_n; i++) {
            uint64_t t = bh_ticks(), r;
            bip::message_queue::size_type n;
            unsigned prio;
            a.send(&i, 8, 0);
            b.receive(&r, 8, n, prio);
            if (n != 8 || r != ~i) bh_fail("wrong reply");
            if (i >= g_warm) bh->lat[i - g_warm] = (int64_t)(bh_ticks() - t);
        }
    } catch (const std::exception &e) {
        bh_fail(e.what());
    }
}

static void ponger(int, void *) {
    try {
        bip::message_queue a(bip::open_only, g_ping.c_str()), b(bip::open_only, g_pong.c_str());
        bh_start();
        for (uint64_t i = 0; i < g_warm + g_n; i++) {
            uint64_t r;
            bip::message_queue::size_type n;
            unsigned prio;
            a.receive(&r, 8, n, prio);
            if (n != 8 || r != i) bh_fail("wrong ping");
            r = ~r;
            b.send(&r, 8, 0);
        }
    } catch (const std::exception &e) {
        bh_fail(e.what());
    }
}

static void wake_producer(int, void *) {
    try {
        bip::message_queue a(bip::open_only, g_ping.c_str());
        struct timespec gap = {0, (long)g_gap_ns};
        bh_start();
        for (uint64_t i = 0; i < g_n; i++) {
            nanosleep(&gap, NULL);
            int64_t t = bh_now();
            a.send(&t, 8, 0);
        }
    } catch (const std::exception &e) {
        bh_fail(e.what());
    }
}

static void wake_consumer(int, void *) {
    try {
        bip::message_queue a(bip::open_only, g_ping.c_str());
        bh_start();
        for (uint64_t i = 0; i < g_n; i++) {
            int64_t t;
            bip::message_queue::size_type n;
            unsigned prio;
            a.receive(&t, 8, n, prio);
            bh->lat[i] = bh_now() - t;
        }
    } catch (const std::exception &e) {
        bh_fail(e.what());
    }
}

static int run_lat(uint64_t n, int wake, int64_t gap_us) {
    pid_t pids[2];
    g_ping = "shmpc-bench-boost-a-" + std::to_string(getpid());
    g_pong = "shmpc-bench-boost-b-" + std::to_string(getpid());
    bip::message_queue::remove(g_ping.c_str());
    bip::message_queue::remove(g_pong.c_str());
    {
        bip::message_queue a(bip::create_only, g_ping.c_str(), 1024, 8);
        bip::message_queue b(bip::create_only, g_pong.c_str(), 1024, 8);
    }
    bh_init(n);
    bh_calibrate();
    g_n = n;
    g_warm = n / 10 < 1000 ? 1000 : n / 10;
    g_gap_ns = gap_us * 1000;
    pids[0] = bh_spawn(1, wake ? wake_consumer : ponger, 1, NULL);
    pids[1] = bh_spawn(0, wake ? wake_producer : pinger, 0, NULL);
    int failed = bh_run(pids, 2);
    if (!wake)
        for (uint64_t i = 0; i < n; i++) bh->lat[i] = (int64_t)((double)bh->lat[i] * bh_tsc_ns + 0.5);
    bip::message_queue::remove(g_ping.c_str());
    bip::message_queue::remove(g_pong.c_str());
    bh_report_lat(failed, bh->lat, n);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    try {
        if (argc >= 5 && strcmp(argv[1], "tput") == 0)
            return run_tput(1, 1, strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
        if (argc >= 7 && strcmp(argv[1], "mpmc") == 0) {
            int P = atoi(argv[3]), C = atoi(argv[4]);
            if (P < 1 || C < 1 || P > BH_MAXP || C > BH_MAXP) bh_die("%s", "P and C: 1..16");
            return run_tput(P, C, strtoull(argv[5], NULL, 0), strtoull(argv[6], NULL, 0));
        }
        if (argc >= 4 && strcmp(argv[1], "lat") == 0) return run_lat(strtoull(argv[3], NULL, 0), 0, 0);
        if (argc >= 5 && strcmp(argv[1], "wake") == 0)
            return run_lat(strtoull(argv[3], NULL, 0), 1, strtoll(argv[4], NULL, 0));
    } catch (const std::exception &e) {
        printf("na %s\n", e.what());
        return 0;
    }
    fprintf(stderr, "usage: bench_boost tput|mpmc|lat|wake boost ...\n");
    return 2;
}
