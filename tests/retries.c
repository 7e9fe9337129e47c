/* tests/retries.c - the implementation once more, private to this file (SHMPC_STATIC, which is
   also a compile test of that option), with SHMPC_RETRIES 1: one failed compare-and-swap ends an
   MPMC call with SHMPC_EAGAIN. Two producers and two consumer threads contend until both sides
   have seen EAGAIN; the counts show that an EAGAIN moved nothing. */
#define SHMPC_STATIC
#define SHMPC_RETRIES 1
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

typedef struct t_contention { long pushed, popped, push_eagain, pop_eagain, bad; uint64_t sum_in, sum_out; double secs; } t_contention;
int t_retries_contention(double max_seconds, t_contention *out);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct ctx { void *mem; size_t size; atomic_int stop; atomic_long eagain_live; t_contention c; pthread_mutex_t mu; } ctx;
typedef struct worker { ctx *x; uint32_t id; } worker;

static void *producer(void *a) {
    worker *w = (worker *)a;
    shmpc_ring r;
    long pushed = 0, eagain = 0, bad = 0;
    uint64_t sum = 0, v = (uint64_t)w->id << 40;
    if (shmpc_attach_id(&r, w->x->mem, w->x->size, SHMPC_PRODUCER, w->id, 0u) != SHMPC_OK) bad++;
    else {
        while (!atomic_load(&w->x->stop)) {
            int rc = shmpc_try_push(&r, &v, sizeof v);
            if (rc == SHMPC_OK) { sum += v; v++; pushed++; }
            else if (rc == SHMPC_EAGAIN) { eagain++; atomic_fetch_add(&w->x->eagain_live, 1); }
            else if (rc != SHMPC_EFULL) bad++;
        }
        shmpc_close(&r);
    }
    pthread_mutex_lock(&w->x->mu);
    w->x->c.pushed += pushed; w->x->c.push_eagain += eagain; w->x->c.bad += bad; w->x->c.sum_in += sum;
    pthread_mutex_unlock(&w->x->mu);
    return NULL;
}

static void *consumer(void *a) {
    worker *w = (worker *)a;
    shmpc_ring r;
    long popped = 0, eagain = 0, bad = 0;
    uint64_t sum = 0, v;
    size_t n;
    if (shmpc_attach_id(&r, w->x->mem, w->x->size, SHMPC_CONSUMER, w->id, 0u) != SHMPC_OK) bad++;
    else {
        for (;;) {
            int rc = shmpc_try_pop(&r, &v, sizeof v, &n);
            if (rc == SHMPC_OK) { sum += v; popped++; if (n != sizeof v) bad++; }
            else if (rc == SHMPC_EAGAIN) { eagain++; atomic_fetch_add(&w->x->eagain_live, 1); }
            else if (rc == SHMPC_ECLOSED) break;
            else if (rc != SHMPC_EEMPTY) bad++;
        }
        shmpc_close(&r);
    }
    pthread_mutex_lock(&w->x->mu);
    w->x->c.popped += popped; w->x->c.pop_eagain += eagain; w->x->c.bad += bad; w->x->c.sum_out += sum;
    pthread_mutex_unlock(&w->x->mu);
    return NULL;
}

int t_retries_contention(double max_seconds, t_contention *out) {
    ctx x;
    shmpc_opts o = SHMPC_OPTS_INIT;
    pthread_t th[4];
    worker w[4];
    double t0 = now();
    int i;
    memset(&x, 0, sizeof x);
    pthread_mutex_init(&x.mu, NULL);
    o.capacity = 4; o.slot_size = 8; o.mode = SHMPC_MPMC; o.start_index = 0xFFFFFFF0u;
    x.size = shmpc_footprint(o.capacity, o.slot_size);
    if (posix_memalign(&x.mem, 64, x.size) != 0) return -1;
    if (shmpc_format(x.mem, x.size, &o) != SHMPC_OK) return -2;
    for (i = 0; i < 4; i++) {
        w[i].x = &x; w[i].id = 900u + (uint32_t)i;
        if (pthread_create(&th[i], NULL, i < 2 ? producer : consumer, &w[i]) != 0) return -3;
    }
    /* at least 0.3 s; then until some call has returned EAGAIN, or the time limit */
    while (now() - t0 < max_seconds) {
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
        if (now() - t0 >= 0.3 && atomic_load(&x.eagain_live) > 0) break;
    }
    atomic_store(&x.stop, 1);
    for (i = 0; i < 2; i++) pthread_join(th[i], NULL);
    for (i = 2; i < 4; i++) pthread_join(th[i], NULL);
    x.c.secs = now() - t0;
    *out = x.c;
    pthread_mutex_destroy(&x.mu);
    free(x.mem);
    return 0;
}
