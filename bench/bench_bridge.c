/* Bridge throughput beside plain ZeroMQ (make bench-bridge; make bench runs it too).
     bench_bridge BRIDGE_BIN OUT_DIR [--quick] [--reps N]
   For each message size, the same N messages of that size, over TCP on the loopback:
     zmq     a PUSH socket to a PULL socket in another process, default options: what a user would
             write instead of the bridge (no rings, no end-of-stream, no flow control of its own)
     bridge  producer -> ring A -> shmpc-bridge send -> TCP -> shmpc-bridge recv -> ring B ->
             consumer, five processes; the clock runs from the first push to the consumer's
             SHMPC_ECLOSED after the last message
   Both start timing 300 ms after the sockets were set up (connection set-up is not counted). Each
   figure is the median of the repetitions. Writes OUT_DIR/bridge.csv and OUT_DIR/bridge.md. */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include "common.h"

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}
static void die(const char *what) { fprintf(stderr, "bench_bridge: %s\n", what); exit(1); }
static int port_base;

/* Plain ZeroMQ: seconds for n messages of size bytes, PUSH -> PULL across processes. */
static double run_zmq(size_t size, long n, int port) {
    char ep[64];
    pid_t child;
    int st;
    int64_t t0;
    unsigned char *msg = calloc(1, size);
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    if (!msg) die("memory");
    child = fork();
    if (child == 0) { /* PULL: receive n, check each size */
        void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PULL);
        long i;
        if (zmq_bind(s, ep) != 0) _exit(1);
        for (i = 0; i < n; i++)
            if (zmq_recv(s, msg, size, 0) != (int)size) _exit(1);
        zmq_close(s);
        zmq_ctx_term(ctx);
        _exit(0);
    }
    {
        void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_PUSH);
        long i;
        int linger = -1;
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect(s, ep) != 0) die("zmq_connect");
        pause_ms(300);
        t0 = bh_now();
        for (i = 0; i < n; i++) {
            memcpy(msg, &i, sizeof i);
            if (zmq_send(s, msg, size, 0) != (int)size) die("zmq_send");
        }
        zmq_close(s);
        zmq_ctx_term(ctx);
    }
    if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st) != 0) die("zmq receiver failed");
    free(msg);
    return (double)(bh_now() - t0) / 1e9;
}

static pid_t spawn(char *const argv[]) {
    pid_t p = fork();
    if (p == 0) { execv(argv[0], argv); _exit(127); }
    return p;
}

/* The bridge: seconds for n messages of size bytes, producer to consumer through two rings. */
static double run_bridge(const char *bin, size_t size, long n, int port) {
    char ep_send[64], ep_recv[64], a[64], b[64], create[64];
    shmpc_ring r;
    shmpc_opts o = SHMPC_OPTS_INIT;
    pid_t recv, send, cons;
    int st, rc;
    int64_t t0;
    unsigned char *msg = calloc(1, size);
    snprintf(ep_send, sizeof ep_send, "tcp://127.0.0.1:%d", port);
    snprintf(ep_recv, sizeof ep_recv, "tcp://127.0.0.1:%d", port);
    snprintf(a, sizeof a, "shmpc-bb-%d-a", (int)getpid());
    snprintf(b, sizeof b, "shmpc-bb-%d-b", (int)getpid());
    snprintf(create, sizeof create, "1024:%zu", size);
    if (!msg) die("memory");
    o.capacity = 1024; o.slot_size = (uint32_t)size;
    if ((rc = shmpc_create(&r, a, &o, SHMPC_PRODUCER)) != SHMPC_OK) die(shmpc_strerror(rc));
    {
        char *av[] = {(char *)bin, "recv", ep_recv, b, "--create", create, "--quiet", NULL};
        recv = spawn(av);
    }
    cons = fork();
    if (cons == 0) { /* consumer of ring B: count until the end of the stream */
        shmpc_ring c;
        long got = 0;
        size_t len;
        if (shmpc_open(&c, b, SHMPC_CONSUMER, 10000000000ll) != SHMPC_OK) _exit(1);
        while ((rc = shmpc_pop(&c, msg, size, &len)) == SHMPC_OK) got += len == size;
        shmpc_close(&c);
        _exit(rc == SHMPC_ECLOSED && got == n ? 0 : 1);
    }
    {
        char *av[] = {(char *)bin, "send", a, ep_send, "--quiet", NULL};
        send = spawn(av);
    }
    pause_ms(300);
    t0 = bh_now();
    {
        long i;
        for (i = 0; i < n; i++) {
            memcpy(msg, &i, sizeof i);
            if ((rc = shmpc_push(&r, msg, size)) != SHMPC_OK) die(shmpc_strerror(rc));
        }
    }
    shmpc_close(&r);
    if (waitpid(cons, &st, 0) != cons || !WIFEXITED(st) || WEXITSTATUS(st) != 0) die("bridge consumer failed");
    t0 = bh_now() - t0;
    if (waitpid(send, &st, 0) != send || !WIFEXITED(st) || WEXITSTATUS(st) != 0) die("shmpc-bridge send failed");
    if (waitpid(recv, &st, 0) != recv || !WIFEXITED(st) || WEXITSTATUS(st) != 0) die("shmpc-bridge recv failed");
    shmpc_unlink(a);
    shmpc_unlink(b);
    free(msg);
    return (double)t0 / 1e9;
}

static int cmp(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}
static double median(double *v, int n) { qsort(v, (size_t)n, sizeof *v, cmp); return v[n / 2]; }

int main(int argc, char **argv) {
    static const size_t sizes[] = {64, 1024, 16384};
    long counts[] = {400000, 200000, 40000};
    int reps = 3, quick = 0, i, k;
    char path[512];
    FILE *csv, *md;
    if (argc < 3) die("usage: bench_bridge BRIDGE_BIN OUT_DIR [--quick] [--reps N]");
    for (i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    }
    if (reps < 1 || reps > 15) reps = 3;
    if (quick) for (k = 0; k < 3; k++) counts[k] /= 8;
    port_base = 30000 + (int)getpid() % 20000;
    snprintf(path, sizeof path, "%s/bridge.csv", argv[2]);
    if (!(csv = fopen(path, "w"))) die("cannot write bridge.csv");
    snprintf(path, sizeof path, "%s/bridge.md", argv[2]);
    if (!(md = fopen(path, "w"))) die("cannot write bridge.md");
    fprintf(csv, "size,messages,zmq_msgs_per_s,bridge_msgs_per_s,zmq_mib_per_s,bridge_mib_per_s\n");
    fprintf(md, "| size | messages | ZeroMQ PUSH/PULL | shmpc-bridge (ring -> ring) | bridge / ZeroMQ |\n");
    fprintf(md, "| --- | --- | --- | --- | --- |\n");
    for (k = 0; k < 3; k++) {
        double z[15], b[15], zm, bm;
        for (i = 0; i < reps; i++) {
            z[i] = run_zmq(sizes[k], counts[k], port_base++);
            b[i] = run_bridge(argv[1], sizes[k], counts[k], port_base++);
        }
        zm = (double)counts[k] / median(z, reps);
        bm = (double)counts[k] / median(b, reps);
        fprintf(csv, "%zu,%ld,%.0f,%.0f,%.1f,%.1f\n", sizes[k], counts[k], zm, bm, zm * (double)sizes[k] / 1048576.0,
                bm * (double)sizes[k] / 1048576.0);
        fprintf(md, "| %zu B | %ld | %.0f msg/s (%.1f MiB/s) | %.0f msg/s (%.1f MiB/s) | %.2f |\n", sizes[k], counts[k], zm,
                zm * (double)sizes[k] / 1048576.0, bm, bm * (double)sizes[k] / 1048576.0, bm / zm);
        printf("bridge bench: %5zu B x %6ld: zmq %9.0f msg/s, bridge %9.0f msg/s (ratio %.2f)\n", sizes[k], counts[k], zm, bm,
               bm / zm);
    }
    fprintf(md, "\nMedian of %d runs each, TCP on the loopback, one machine. The bridge figure is end to end: five\n"
                "processes (producer, two bridges, consumer) and two rings, against ZeroMQ's two processes.\n", reps);
    fclose(csv);
    fclose(md);
    return 0;
}
