/* request_response: a client and a server process talking through a pair of rings, with timeouts.

   The server creates NAME-req (it consumes requests) and NAME-resp (it produces responses), then
   answers each request {id, a, b} with {id, a + b}. The client opens both rings (waiting up to
   --wait seconds for the server), sends requests one at a time and waits at most --timeout
   milliseconds for each answer. Ring closes carry the end of the conversation: when the client
   closes its side, the server sees SHMPC_ECLOSED, closes and removes both rings. A server that
   hears nothing for --idle seconds gives up the same way.

     request_response                      both, as two processes (fork), then a summary
     request_response server --name NAME [--idle SECONDS]
     request_response client --name NAME [--requests N] [--timeout MS] [--wait SECONDS]

   Exit status: 0 every answer right, 1 a failure or a timeout (said on stderr), 2 usage. */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct request { uint32_t id; int32_t a, b; } request;
typedef struct response { uint32_t id; uint32_t pad; int64_t sum; } response;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void ring_names(const char *name, char req[256], char resp[256]) {
    snprintf(req, 256, "%s-req", name);
    snprintf(resp, 256, "%s-resp", name);
}

/* Creates both rings; returns 0 when the server is ready to serve. */
static int server_setup(const char *name, shmpc_ring *rq, shmpc_ring *rs) {
    char req[256], resp[256];
    shmpc_opts o = SHMPC_OPTS_INIT;
    int rc;
    ring_names(name, req, resp);
    o.capacity = 64;
    o.slot_size = sizeof(response);
    /* The response ring first: a client that finds the request ring finds both. */
    if ((rc = shmpc_create(rs, resp, &o, SHMPC_PRODUCER)) != SHMPC_OK) {
        fprintf(stderr, "server: create %s: %s\n", resp, shmpc_strerror(rc));
        return 1;
    }
    if ((rc = shmpc_create(rq, req, &o, SHMPC_CONSUMER)) != SHMPC_OK) {
        fprintf(stderr, "server: create %s: %s\n", req, shmpc_strerror(rc));
        shmpc_close(rs);
        shmpc_unlink(resp);
        return 1;
    }
    return 0;
}

static int server_loop(const char *name, shmpc_ring *rq, shmpc_ring *rs, double idle) {
    char req[256], resp[256];
    long served = 0;
    int rc, ret = 0;
    ring_names(name, req, resp);
    for (;;) {
        request q;
        response a;
        size_t n;
        rc = shmpc_pop_timed(rq, &q, sizeof q, &n, (int64_t)(idle * 1e9));
        if (rc == SHMPC_ECLOSED) break; /* the client hung up */
        if (rc == SHMPC_ETIMEDOUT) { fprintf(stderr, "server: no request for %.1f s; stopping\n", idle); ret = 1; break; }
        if (rc != SHMPC_OK || n != sizeof q) { fprintf(stderr, "server: pop: %s\n", shmpc_strerror(rc)); ret = 1; break; }
        memset(&a, 0, sizeof a);
        a.id = q.id;
        a.sum = (int64_t)q.a + q.b;
        rc = shmpc_push_timed(rs, &a, sizeof a, (int64_t)(idle * 1e9));
        if (rc == SHMPC_ECLOSED) break; /* the client hung up without waiting for this answer */
        if (rc != SHMPC_OK) { fprintf(stderr, "server: push: %s\n", shmpc_strerror(rc)); ret = 1; break; }
        served++;
    }
    printf("server: %ld requests answered\n", served);
    fflush(stdout);
    shmpc_close(rq);
    shmpc_close(rs);
    shmpc_unlink(req);
    shmpc_unlink(resp);
    return ret;
}

static int client(const char *name, long requests, long timeout_ms, double wait) {
    char req[256], resp[256];
    shmpc_ring rq, rs;
    long i, bad = 0;
    double t0, t1, worst = 0;
    int rc;
    ring_names(name, req, resp);
    rc = shmpc_open(&rq, req, SHMPC_PRODUCER, (int64_t)(wait * 1e9));
    if (rc == SHMPC_ENOENT) { fprintf(stderr, "client: no server on '%s' after %.1f s\n", name, wait); return 1; }
    if (rc != SHMPC_OK) { fprintf(stderr, "client: open %s: %s\n", req, shmpc_strerror(rc)); return 1; }
    rc = shmpc_open(&rs, resp, SHMPC_CONSUMER, (int64_t)(wait * 1e9));
    if (rc != SHMPC_OK) { fprintf(stderr, "client: open %s: %s\n", resp, shmpc_strerror(rc)); shmpc_close(&rq); return 1; }
    srand((unsigned)getpid());
    t0 = now_s();
    for (i = 0; i < requests; i++) {
        request q;
        response a;
        size_t n;
        double s = now_s();
        q.id = (uint32_t)i;
        q.a = rand() - RAND_MAX / 2;
        q.b = rand() - RAND_MAX / 2;
        rc = shmpc_push_timed(&rq, &q, sizeof q, timeout_ms * 1000000LL);
        if (rc == SHMPC_OK) rc = shmpc_pop_timed(&rs, &a, sizeof a, &n, timeout_ms * 1000000LL);
        if (rc == SHMPC_ETIMEDOUT) { fprintf(stderr, "client: request %ld: no answer within %ld ms\n", i, timeout_ms); break; }
        if (rc != SHMPC_OK) { fprintf(stderr, "client: request %ld: %s\n", i, shmpc_strerror(rc)); break; }
        if (n != sizeof a || a.id != q.id || a.sum != (int64_t)q.a + q.b) bad++;
        if (now_s() - s > worst) worst = now_s() - s;
    }
    t1 = now_s();
    shmpc_close(&rq); /* hang up: the server sees SHMPC_ECLOSED */
    shmpc_close(&rs);
    if (i > 0)
        printf("client: %ld requests, %ld wrong answers, %.0f round trips/s, mean %.2f us, worst %.1f us\n", i, bad,
               (double)i / (t1 - t0), (t1 - t0) / (double)i * 1e6, worst * 1e6);
    return i == requests && bad == 0 ? 0 : 1;
}

static void usage(const char *p) {
    fprintf(stderr, "usage: %s [server --name NAME [--idle SECONDS] | client --name NAME [--requests N] [--timeout MS] [--wait SECONDS]]\n"
                    "       %s [--requests N]   (both, as two processes)\n", p, p);
    exit(2);
}

int main(int argc, char **argv) {
    const char *mode = "both", *name = NULL;
    long requests = 10000, timeout_ms = 1000;
    double idle = 10.0, wait = 5.0;
    char own[64];
    int i = 1;
    if (argc > 1 && (!strcmp(argv[1], "server") || !strcmp(argv[1], "client"))) mode = argv[i++];
    for (; i < argc; i++) {
        if (i + 1 >= argc) usage(argv[0]);
        if (!strcmp(argv[i], "--name")) name = argv[++i];
        else if (!strcmp(argv[i], "--requests")) requests = atol(argv[++i]);
        else if (!strcmp(argv[i], "--timeout")) timeout_ms = atol(argv[++i]);
        else if (!strcmp(argv[i], "--idle")) idle = atof(argv[++i]);
        else if (!strcmp(argv[i], "--wait")) wait = atof(argv[++i]);
        else usage(argv[0]);
    }
    if (requests < 1 || timeout_ms < 1 || idle <= 0 || wait < 0) usage(argv[0]);
    if (!strcmp(mode, "server")) {
        shmpc_ring rq, rs;
        if (!name) usage(argv[0]);
        if (server_setup(name, &rq, &rs)) return 1;
        printf("server: serving on %s-req / %s-resp\n", name, name);
        fflush(stdout);
        return server_loop(name, &rq, &rs, idle);
    }
    if (!strcmp(mode, "client")) {
        if (!name) usage(argv[0]);
        return client(name, requests, timeout_ms, wait);
    }
    { /* both: the server in a child process; the client waits for its rings to appear */
        pid_t pid;
        int st, rc;
        if (!name) { snprintf(own, sizeof own, "shmpc-rr-%d", (int)getpid()); name = own; }
        fflush(stdout);
        pid = fork();
        if (pid < 0) { perror("fork"); return 1; }
        if (pid == 0) {
            shmpc_ring rq, rs;
            if (server_setup(name, &rq, &rs)) _exit(1);
            _exit(server_loop(name, &rq, &rs, idle));
        }
        rc = client(name, requests, timeout_ms, wait);
        waitpid(pid, &st, 0);
        return rc || !WIFEXITED(st) || WEXITSTATUS(st) ? 1 : 0;
    }
}
