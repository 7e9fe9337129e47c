/* proofs/genmc/wake.c: the sleep/wake-up handshake of the real shmpc.h under RC11, for GenMC
   (github.com/MPI-SWS/genmc; not packaged: proofs/genmc/run.sh says how it is run).

   A sleeper registers (shmpc__sleep_arm: the count, then F2), looks at the ring once more with the
   try call, and would sleep on the event word's value it read before registering (the futex wait of
   shmpc__wait); the other side's call publishes and notifies (shmpc__notify: F1, then the count; a
   non-zero count moves the event word). GenMC enumerates every execution the C11 model (RC11)
   allows. Checked in each: a sleeper that found nothing is woken (the event word moved from the
   value it would sleep on), every message arrives intact and in order, and no payload byte is
   read or written in a data race (GenMC's own race check). Without an OS (SHMPC_NO_OS) a handle
   keeps the full fence F1: the asymmetric form (membarrier) is a system call, outside the model.

   Scenarios (-DWAKE_SCEN=N): 1, a consumer waits for data, SPSC; 2, a producer waits for space,
   SPSC; 3 and 4, the same in MPMC. -DWAKE_MSGS=N: messages in the data scenarios (1 or 2). */
#include <stddef.h>
/* A byte loop for the payload copies: GenMC runs no memcpy of a length known only at run time. */
static void *wake_memcpy(void *d, const void *s, size_t n) {
    unsigned char *o = (unsigned char *)d;
    const unsigned char *i = (const unsigned char *)s;
    while (n--) *o++ = *i++;
    return d;
}
#define SHMPC_MEMCPY(d, s, n) wake_memcpy((d), (s), (n))
#define SHMPC_IMPLEMENTATION
#define SHMPC_NO_OS
#include "shmpc.h"
#include <assert.h>
#include <pthread.h>

#ifndef WAKE_SCEN
#define WAKE_SCEN 1
#endif
#ifndef WAKE_MSGS
#define WAKE_MSGS 1
#endif
#define WAKE_MPMC (WAKE_SCEN >= 3)
#define WAKE_DATA (WAKE_SCEN % 2 == 1)
#define WAKE_CAP 2u

/* The segment, formatted: GenMC refuses a location written in one size and read in another, and
   shmpc_format zeroes the header a byte at a time before it stores its 32-bit words. So run.sh
   builds this file natively with -DWAKE_PRINT_IMAGE first, which formats a segment with the
   options below (the header under test's own shmpc_format) and prints it as the initializer of
   mem (build/genmc/.../image.h); every access GenMC sees is then one of the ring's own. */
#ifndef WAKE_PRINT_IMAGE
#include "image.h"
#else
static _Alignas(64) unsigned char mem[4096];
#endif
static shmpc_ring prod, cons;
static int slept;            /* the sleeper found nothing after registering */
static uint32_t slept_on;    /* the event word's value it would sleep on */
static int got;              /* messages the consumer took */

static void take(const char *b, size_t n) {
    assert(n == 1 && b[0] == (char)('a' + got));
    got++;
}

/* The sleeper's side of shmpc__wait, once: the try call, registration (F2), the try call again. */
static int wait_once(int (*fn)(void), shmpc__a32 *waiters, shmpc__a32 *ev) {
    uint32_t e;
    int rc = fn();
    if (rc != SHMPC_EEMPTY && rc != SHMPC_EFULL) return rc;
    e = shmpc__sleep_arm(waiters, ev);
    rc = fn();
    if (rc != SHMPC_EEMPTY && rc != SHMPC_EFULL) { shmpc__sub(waiters, 1u, relaxed); return rc; }
    slept = 1;
    slept_on = e;
    return rc;
}

static int pop1(void) {
    char b[8];
    size_t n = 0;
    int rc = shmpc_try_pop(&cons, b, sizeof b, &n);
    if (rc == SHMPC_OK) take(b, n);
    else assert(rc == SHMPC_EEMPTY);
    return rc;
}
static int push1(void) {
    char m = (char)('a' + WAKE_CAP);
    int rc = shmpc_try_push(&prod, &m, 1);
    assert(rc == SHMPC_OK || rc == SHMPC_EFULL);
    return rc;
}

static void *producer(void *arg) {
    int i;
    (void)arg;
    if (WAKE_DATA) {
        for (i = 0; i < WAKE_MSGS; i++) {
            char m = (char)('a' + i);
            int rc = shmpc_try_push(&prod, &m, 1);
            assert(rc == SHMPC_OK);
        }
    } else {
        (void)wait_once(push1, &prod.seg->space_waiters, &prod.seg->space_ev);
    }
    return NULL;
}

static void *consumer(void *arg) {
    (void)arg;
    if (WAKE_DATA) {
        while (got < WAKE_MSGS)
            if (wait_once(pop1, &cons.seg->data_waiters, &cons.seg->data_ev) != SHMPC_OK) break;
    } else {
        (void)pop1(); /* the ring is full: this frees a slot and notifies the producer */
    }
    return NULL;
}

#ifdef WAKE_PRINT_IMAGE
#include <stdio.h>
int main(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    size_t i;
    o.capacity = WAKE_CAP;
    o.slot_size = 8u;
    o.mode = WAKE_MPMC ? SHMPC_MPMC : SHMPC_SPSC;
    (void)producer; (void)consumer;
    if (shmpc_footprint(o.capacity, o.slot_size) > sizeof mem || shmpc_format(mem, sizeof mem, &o) != SHMPC_OK) return 1;
    printf("static _Alignas(64) unsigned char mem[%zu] = {", sizeof mem);
    for (i = 0; i < sizeof mem; i++) printf("%s%u", i ? (i % 32 ? "," : ",\n") : "\n", mem[i]);
    printf("\n};\n");
    return 0;
}
#else
int main(void) {
    pthread_t tp, tc;
    uint32_t i;
    assert(shmpc_attach_id(&prod, mem, sizeof mem, SHMPC_PRODUCER, 1u, 1u) == SHMPC_OK);
    assert(shmpc_attach_id(&cons, mem, sizeof mem, SHMPC_CONSUMER, 2u, 1u) == SHMPC_OK);
    if (!WAKE_DATA) /* fill the ring: the producer's push finds it full */
        for (i = 0; i < WAKE_CAP; i++) {
            char m = (char)('a' + i);
            assert(shmpc_try_push(&prod, &m, 1) == SHMPC_OK);
        }
    pthread_create(&tp, NULL, producer, NULL);
    pthread_create(&tc, NULL, consumer, NULL);
    pthread_join(tp, NULL);
    pthread_join(tc, NULL);
    /* a sleeper that found nothing was woken: the other side saw its registration */
    if (slept) {
        shmpc__a32 *ev = WAKE_DATA ? &cons.seg->data_ev : &prod.seg->space_ev;
        assert(shmpc__ld(ev, relaxed) != slept_on);
    }
    if (WAKE_DATA && !slept) assert(got == WAKE_MSGS);
    return 0;
}
#endif
