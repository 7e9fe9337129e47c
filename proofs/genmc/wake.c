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
   SPSC; 3 and 4, the same in MPMC. Streams with the end of stream, no sleeper: 5, the producer
   reserves and commits WAKE_MSGS messages and closes, the consumer peeks and releases; 6, one
   batch push then the close, batch pops; 7 and 8, the same in MPMC. The consumer makes at most
   WAKE_TRIES calls (GenMC needs bounded loops): it must take the messages in order, intact, and
   see SHMPC_ECLOSED only after the last. 9: MPMC, two producers each push one message and close
   (the side ends with the last closer), a consumer pops until the end of stream: both messages
   before it. 10: MPMC, a producer pushes one message and closes while a second producer attaches
   (in its thread), and if it was let in pushes one and closes: either the side ended first and
   the attach is refused (SHMPC_ECLOSED), or the stream goes on with it; after both, the consumer
   gets every message pushed, then SHMPC_ECLOSED (never an attach to an ended side, never a side
   ended with a producer in it). -DWAKE_MSGS=N: messages (1 or 2; capacity 2). */
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
#define WAKE_MPMC (WAKE_SCEN == 3 || WAKE_SCEN == 4 || WAKE_SCEN >= 7)
#define WAKE_TWO (WAKE_SCEN == 9)
#define WAKE_JOIN (WAKE_SCEN == 10)
#define WAKE_DATA (WAKE_SCEN == 1 || WAKE_SCEN == 3)
#define WAKE_SPACE (WAKE_SCEN == 2 || WAKE_SCEN == 4)
#define WAKE_ZC (WAKE_SCEN == 5 || WAKE_SCEN == 7)
#define WAKE_BATCH (WAKE_SCEN == 6 || WAKE_SCEN == 8)
#define WAKE_TRIES 4
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
static shmpc_ring prod, prod2, cons;
static int slept;            /* the sleeper found nothing after registering */
static uint32_t slept_on;    /* the event word's value it would sleep on */
static int got;              /* messages the consumer took */

static int seen; /* scenarios 9 and 10: a bit per producer's message */
static int joined; /* scenario 10: the second producer's attach let it in */
static int eos_got = -1; /* scenario 10: the messages the consumer had when it saw the end of stream */

static void take(const char *b, size_t n) {
    assert(n == 1);
    if (WAKE_TWO || WAKE_JOIN) { /* one message per producer, in any order between them, each once */
        assert((b[0] == 'a' || b[0] == 'b') && !(seen & (1 << (b[0] - 'a'))));
        seen |= 1 << (b[0] - 'a');
    } else {
        assert(b[0] == (char)('a' + got));
    }
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

/* A stream's consumer: at most WAKE_TRIES calls, until the end of stream. */
static void stream_consumer(void) {
    int k, j, rc;
    for (k = 0; k < WAKE_TRIES; k++) {
        if (WAKE_TWO || WAKE_JOIN) {
            char b[8];
            size_t n = 0;
            rc = shmpc_try_pop(&cons, b, sizeof b, &n);
            if (rc == SHMPC_OK) take(b, n);
        } else if (WAKE_ZC) {
            const void *p = NULL;
            size_t n = 0;
            rc = shmpc_try_peek(&cons, &p, &n);
            if (rc == SHMPC_OK) { take((const char *)p, n); assert(shmpc_release(&cons) == SHMPC_OK); }
        } else {
            char b[2][8];
            shmpc_iov v[2] = {{b[0], sizeof b[0]}, {b[1], sizeof b[1]}};
            rc = shmpc_try_pop_many(&cons, v, 2);
            if (rc > 0) { for (j = 0; j < rc; j++) take(b[j], v[j].len); rc = SHMPC_OK; }
        }
        if (rc == SHMPC_ECLOSED && WAKE_JOIN) { eos_got = got; return; } /* checked in main, after the joins */
        if (rc == SHMPC_ECLOSED) { assert(got == (WAKE_TWO ? 2 : WAKE_MSGS)); return; } /* only after the last */
        assert(rc == SHMPC_OK || rc == SHMPC_EEMPTY);
    }
}

static void *producer(void *arg) {
    int i;
    if (WAKE_TWO) { /* each producer: its message, then its close */
        shmpc_ring *r = arg ? &prod2 : &prod;
        char m = arg ? 'b' : 'a';
        assert(shmpc_try_push(r, &m, 1) == SHMPC_OK);
        assert(shmpc_close(r) == SHMPC_OK);
        return NULL;
    }
    if (WAKE_JOIN && arg) { /* the second producer: attach, and if let in, its message and its close */
        int rc = shmpc_attach_id(&prod2, mem, sizeof mem, SHMPC_PRODUCER, 3u, 1u);
        char m = 'b';
        assert(rc == SHMPC_OK || rc == SHMPC_ECLOSED);
        if (rc != SHMPC_OK) return NULL;
        joined = 1;
        assert(shmpc_try_push(&prod2, &m, 1) == SHMPC_OK);
        assert(shmpc_close(&prod2) == SHMPC_OK);
        return NULL;
    }
    if (WAKE_JOIN) {
        char m = 'a';
        assert(shmpc_try_push(&prod, &m, 1) == SHMPC_OK);
        assert(shmpc_close(&prod) == SHMPC_OK);
        return NULL;
    }
    (void)arg;
    if (WAKE_ZC) {
        for (i = 0; i < WAKE_MSGS; i++) {
            void *p = NULL;
            size_t room = 0;
            assert(shmpc_try_reserve(&prod, &p, &room) == SHMPC_OK && room >= 1);
            *(char *)p = (char)('a' + i);
            assert(shmpc_commit(&prod, 1) == SHMPC_OK);
        }
        assert(shmpc_close(&prod) == SHMPC_OK);
    } else if (WAKE_BATCH) {
        char m[2] = {'a', 'b'};
        shmpc_iov v[2] = {{&m[0], 1}, {&m[1], 1}};
        assert(shmpc_try_push_many(&prod, v, WAKE_MSGS) == WAKE_MSGS);
        assert(shmpc_close(&prod) == SHMPC_OK);
    } else if (WAKE_DATA) {
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
    if (WAKE_ZC || WAKE_BATCH || WAKE_TWO || WAKE_JOIN) {
        stream_consumer();
    } else if (WAKE_DATA) {
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
    pthread_t tp, tp2, tc;
    uint32_t i;
    assert(shmpc_attach_id(&prod, mem, sizeof mem, SHMPC_PRODUCER, 1u, 1u) == SHMPC_OK);
    assert(shmpc_attach_id(&cons, mem, sizeof mem, SHMPC_CONSUMER, 2u, 1u) == SHMPC_OK);
    if (WAKE_TWO) assert(shmpc_attach_id(&prod2, mem, sizeof mem, SHMPC_PRODUCER, 3u, 1u) == SHMPC_OK);
    if (WAKE_SPACE) /* fill the ring: the producer's push finds it full */
        for (i = 0; i < WAKE_CAP; i++) {
            char m = (char)('a' + i);
            assert(shmpc_try_push(&prod, &m, 1) == SHMPC_OK);
        }
    pthread_create(&tp, NULL, producer, NULL);
    if (WAKE_TWO || WAKE_JOIN) pthread_create(&tp2, NULL, producer, &prod2);
    pthread_create(&tc, NULL, consumer, NULL);
    pthread_join(tp, NULL);
    if (WAKE_TWO || WAKE_JOIN) pthread_join(tp2, NULL);
    pthread_join(tc, NULL);
    if (WAKE_JOIN) { /* every producer closed or refused: what is left, then the end of stream */
        int rc = SHMPC_OK;
        for (i = 0; i < 3u && rc != SHMPC_ECLOSED; i++) {
            char b[8];
            size_t n = 0;
            rc = shmpc_try_pop(&cons, b, sizeof b, &n);
            if (rc == SHMPC_OK) take(b, n);
            else assert(rc == SHMPC_ECLOSED);
        }
        assert(rc == SHMPC_ECLOSED && got == 1 + joined);
        assert(eos_got < 0 || eos_got == got); /* the end of stream only after the last message */
    }
    /* a sleeper that found nothing was woken: the other side saw its registration */
    if (slept) {
        shmpc__a32 *ev = WAKE_DATA ? &cons.seg->data_ev : &prod.seg->space_ev;
        assert(shmpc__ld(ev, relaxed) != slept_on);
    }
    if (WAKE_DATA && !slept) assert(got == WAKE_MSGS);
    return 0;
}
#endif
