/* A peer written from PROTOCOL.md alone, as a third party would: it does NOT include shmpc.h. Its
   offsets, values and orderings are those of the document; its atomics are C11's, its futex calls
   are raw syscalls. make thirdparty-test runs it against the library in both directions.

     peer create NAME CAPACITY SLOT_SIZE N [mpmc]   create and format a ring (SPSC, or MPMC),
                                            attach as its producer, push messages 0..N-1
                                            (tests/msgcheck.h), close
     peer consume NAME N                    attach to an existing ring (SPSC or MPMC) as its consumer,
                                            pop and check N messages, then expect the end of the stream

   Both pause 200 ms after every PAUSE_EVERY messages, so that the library side runs out of data
   (or room) and sleeps on its futex word: the library must be woken by this peer's notify. While
   this peer waits it sleeps on the futex itself, registered as the document says, with a 5 s
   limit per sleep; a sleep longer than 2 s means a missed wake-up, and the peer fails at once. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "../msgcheck.h"

/* PROTOCOL.md, "Header": offsets of the words this peer uses. */
enum {
    OFF_MAGIC = 0x000, OFF_VERSION = 0x008, OFF_ABI = 0x00C, OFF_HEADER_SIZE = 0x010,
    OFF_CAPACITY = 0x014, OFF_SLOT_SIZE = 0x018, OFF_STRIDE = 0x01C, OFF_MODE = 0x020,
    OFF_FLAGS = 0x024, OFF_TOTAL = 0x028, OFF_START_INDEX = 0x030, OFF_CREATOR_PID = 0x034,
    OFF_CREATOR_START = 0x038, OFF_STATE = 0x040, OFF_TAKEOVERS = 0x044, OFF_REDELIVERED = 0x050,
    OFF_RECLAIMED = 0x054, OFF_PRODUCERS = 0x080, OFF_CONSUMERS = 0x084,
    OFF_ENDS = 0x088, OFF_DATA_WAITERS = 0x0C0, OFF_DATA_EV = 0x0C4, OFF_SPACE_WAITERS = 0x0C8,
    OFF_SPACE_EV = 0x0CC, OFF_TAIL = 0x100, OFF_HEAD = 0x180, OFF_PEERS = 0x200, HEADER = 0xA00,
    PEER_SIZE = 32, PEER_PID = 0, PEER_ROLE = 4, PEER_START_LO = 8, PEER_START_HI = 12, PEER_PENDING = 16,
    PEER_PEND_N = 20, PEER_PFLAGS = 24, PF_CLOSING = 1
};
enum { ROLE_PRODUCER = 1, ROLE_CONSUMER = 2, SPSC = 1, MPMC = 2, READY = 1, CLOSED = 2, PROD_CLOSED = 1, CONS_CLOSED = 2 };
#define ENDED 0x80000000u /* a role's count once its side has ended */
#define BUSY 0x80000000u  /* pid word bit: the entry is busy under the process whose pid is the rest */

/* PROTOCOL.md, "Close", step 3: end a side in `ends` (and the ring once both have) */
static void end_side(uint32_t bit);
/* a side whose count says it ended: ended in `ends` too (its closer may have died between) */
static int side_ended(uint32_t role);
#define ABI_LE32 (32u | 1u << 8 | 6u << 16 | 8u << 24) /* 32-bit indices, little-endian, 6, 8 */
#define DISCARD 0xFFFFFFFFu /* MPMC len of a reservation closed uncommitted */
#define PAUSE_EVERY 500u
#define SLEEP_LIMIT_NS 5000000000ll
#define MISSED_WAKE_NS 2000000000ll

typedef _Atomic uint32_t a32;
static unsigned char *seg;
static uint32_t capacity, slot_size, stride;
static int me = -1; /* our peer entry */
static uint32_t mode;
static const char *prog = "peer";

static a32 *W(size_t off) { return (a32 *)(void *)(seg + off); }
static uint32_t U(size_t off) { uint32_t v; memcpy(&v, seg + off, 4); return v; }
static void die(const char *what) { fprintf(stderr, "%s: %s\n", prog, what); exit(1); }
static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* Process start time: field 22 of /proc/PID/stat (PROTOCOL.md, "Peer table"); *state: field 3. */
static uint64_t proc_start(long pid, char *state) {
    char path[64], buf[1024], *p;
    uint64_t v = 0;
    int field;
    FILE *f;
    size_t n;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    p = strrchr(buf, ')');
    if (!p) return 0;
    if (p[1] == ' ') *state = p[2];
    for (field = 2; *p && field < 22; p++)
        if (*p == ' ') field++;
    while (*p >= '0' && *p <= '9') v = v * 10u + (uint64_t)(*p++ - '0');
    return v;
}
static uint64_t start_time(void) { char st = 0; return proc_start((long)getpid(), &st); }

/* PROTOCOL.md, section 10, "Alive". */
static int alive(uint32_t pid, uint64_t start) {
    char st = 0;
    uint64_t now;
    if (pid == 0u || pid > (uint32_t)INT_MAX) return 0;
    if (kill((pid_t)pid, 0) != 0 && errno != EPERM) return 0;
    now = proc_start((long)pid, &st);
    if (st == 'Z' || st == 'X') return 0;
    return !(start != 0u && now != 0u && now != start);
}

static unsigned char *slot(uint32_t i) { return seg + HEADER + (size_t)(i & (capacity - 1u)) * stride; }

/* PROTOCOL.md, "Wake": after publishing, a full fence, then bump and wake if anyone waits. */
static void notify(size_t waiters, size_t ev) {
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(W(waiters), memory_order_relaxed) != 0u) {
        atomic_fetch_add_explicit(W(ev), 1u, memory_order_release);
        syscall(SYS_futex, (void *)W(ev), FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
}

/* PROTOCOL.md, "Sleep": until ready() holds. Returns how long the last sleep took. */
static int64_t sleep_until(int (*ready)(void), size_t waiters, size_t ev) {
    int64_t longest = 0;
    while (!ready()) {
        uint32_t e = atomic_load_explicit(W(ev), memory_order_relaxed);
        int64_t t0;
        struct timespec ts = {SLEEP_LIMIT_NS / 1000000000, 0};
        atomic_fetch_add_explicit(W(waiters), 1u, memory_order_relaxed);
        atomic_thread_fence(memory_order_seq_cst); /* F2 */
        /* a library notifier registered for membarrier has no fence of its own: this supplies it;
           where membarrier fails, such a notifier may miss us: sleep 1 ms at a time instead */
        if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) != 0) ts.tv_sec = 0, ts.tv_nsec = 1000000;
        if (ready()) { atomic_fetch_sub_explicit(W(waiters), 1u, memory_order_relaxed); break; }
        t0 = now_ns();
        syscall(SYS_futex, (void *)W(ev), FUTEX_WAIT, e, &ts, NULL, 0);
        atomic_fetch_sub_explicit(W(waiters), 1u, memory_order_relaxed);
        if (now_ns() - t0 > longest) longest = now_ns() - t0;
        if (longest > MISSED_WAKE_NS) die("a futex sleep lasted past 2 s: the library did not wake it");
    }
    return longest;
}

/* PROTOCOL.md, section 10, reclaim step 5: the entry is free. */
static void free_entry(uint32_t j) {
    size_t e = OFF_PEERS + (size_t)j * PEER_SIZE;
    atomic_store_explicit(W(e + PEER_ROLE), 0u, memory_order_relaxed);
    atomic_store_explicit(W(e + PEER_PFLAGS), 0u, memory_order_relaxed);
    atomic_store_explicit(W(e + PEER_PEND_N), 0u, memory_order_relaxed);
    atomic_store_explicit(W(e + PEER_PID), 0u, memory_order_release);
}

/* PROTOCOL.md, section 10, "Alive", for an entry: a busy one by its worker's pid alone. 1 alive or
   unknown (never presumed dead), 0 dead. */
static int entry_alive(size_t e, uint32_t pid) {
    uint64_t start;
    if (pid & BUSY) return (pid & ~BUSY) == 0u || alive(pid & ~BUSY, 0u);
    start = (uint64_t)atomic_load_explicit(W(e + PEER_START_LO), memory_order_relaxed) |
            (uint64_t)atomic_load_explicit(W(e + PEER_START_HI), memory_order_relaxed) << 32;
    return start == 0u || alive(pid, start);
}

/* PROTOCOL.md, section 10, "Reclaiming the entries of dead peers", for SPSC (where recovery never
   needs a dead peer's entry). Returns how many were reclaimed; *kept: the entry taken over, with
   its count (step 4), -1 if none; *held: its consumer died holding a peek of the message at head. */
static int reclaim(uint32_t role, int *held, int *kept) {
    uint32_t j, me = BUSY | (uint32_t)getpid();
    int n = 0;
    for (j = 0; j < 64; j++) {
        size_t e = OFF_PEERS + (size_t)j * PEER_SIZE;
        uint32_t pid = atomic_load_explicit(W(e + PEER_PID), memory_order_acquire), owner;
        if (pid == 0u) continue;
        owner = atomic_load_explicit(W(e + PEER_ROLE), memory_order_acquire);
        if ((owner != role && owner != 0u) || entry_alive(e, pid)) continue;
        if (!atomic_compare_exchange_strong_explicit(W(e + PEER_PID), &pid, me, memory_order_acq_rel, memory_order_relaxed))
            continue;
        atomic_fetch_add_explicit(W(OFF_RECLAIMED), 1u, memory_order_relaxed);
        n++;
        if (owner != 0u && *kept < 0 && !side_ended(role)) { /* step 4: taken over, entry and count */
            if (role == ROLE_CONSUMER && atomic_load_explicit(W(e + PEER_PENDING), memory_order_relaxed) ==
                                             atomic_load_explicit(W(OFF_HEAD), memory_order_acquire))
                *held = 1;
            *kept = (int)j;
            continue;
        }
        free_entry(j); /* step 5 (and an entry with no role); SPSC gives no count back (step 6) */
    }
    return n;
}

/* PROTOCOL.md, "Attach": take the role (taking over from dead holders, SPSC), then an entry of the
   peer table. MPMC takeover (steps 1a and 2a in MPMC, with "still needed") is left out. */
static void attach(uint32_t role) {
    a32 *count = W(role == ROLE_PRODUCER ? OFF_PRODUCERS : OFF_CONSUMERS);
    uint32_t n = 0, i, pid = (uint32_t)getpid();
    uint64_t start = start_time();
    int took = 0, held = 0, kept = -1;
    if (atomic_load_explicit(W(OFF_ENDS), memory_order_acquire) & (role == ROLE_PRODUCER ? PROD_CLOSED : CONS_CLOSED))
        die("that side of the ring has closed");
    if (mode == SPSC) took = reclaim(role, &held, &kept);
    n = atomic_load_explicit(count, memory_order_relaxed);
    if (kept >= 0 && n != 1u) { free_entry((uint32_t)kept); kept = -1; } /* a peer wrote the count */
    n = 0;
    if (kept < 0 && !atomic_compare_exchange_strong_explicit(count, &n, 1u, memory_order_acq_rel, memory_order_acquire)) {
        if (n == ENDED) { side_ended(role); die("that side of the ring has closed"); }
        die("the role is taken (SPSC: one producer, one consumer)");
    }
    for (i = 0; i < 64 && me < 0; i++) {
        uint32_t zero = 0, j = kept >= 0 ? (uint32_t)kept : (i % 16u) * 4u + i / 16u;
        size_t e = OFF_PEERS + (size_t)j * PEER_SIZE;
        if (kept >= 0 || atomic_compare_exchange_strong_explicit(W(e + PEER_PID), &zero, BUSY | pid, memory_order_acq_rel, memory_order_relaxed)) {
            uint32_t head = atomic_load_explicit(W(OFF_HEAD), memory_order_relaxed);
            atomic_store_explicit(W(e + PEER_START_LO), (uint32_t)start, memory_order_relaxed);
            atomic_store_explicit(W(e + PEER_START_HI), (uint32_t)(start >> 32), memory_order_relaxed);
            atomic_store_explicit(W(e + PEER_PENDING), held ? head : head - capacity - 1u, memory_order_relaxed);
            atomic_store_explicit(W(e + PEER_PEND_N), 0u, memory_order_relaxed);
            atomic_store_explicit(W(e + PEER_PFLAGS), 0u, memory_order_relaxed);
            atomic_store_explicit(W(e + PEER_ROLE), role, memory_order_release);
            atomic_store_explicit(W(e + PEER_PID), pid, memory_order_release); /* registered: the last store */
            me = (int)j;
        }
    }
    if (me < 0) die("peer table full");
    if (took) atomic_fetch_add_explicit(W(OFF_TAKEOVERS), 1u, memory_order_relaxed);
    if (held && role == ROLE_CONSUMER) atomic_fetch_add_explicit(W(OFF_REDELIVERED), 1u, memory_order_relaxed);
    if (took) printf("%s: took over from %d dead peer(s)\n", prog, took);
}

static void end_side(uint32_t bit) {
    if ((atomic_fetch_or_explicit(W(OFF_ENDS), bit, memory_order_acq_rel) | bit) == (PROD_CLOSED | CONS_CLOSED))
        atomic_store_explicit(W(OFF_STATE), CLOSED, memory_order_release);
}
static int side_ended(uint32_t role) {
    if (atomic_load_explicit(W(role == ROLE_PRODUCER ? OFF_PRODUCERS : OFF_CONSUMERS), memory_order_acquire) != ENDED) return 0;
    end_side(role == ROLE_PRODUCER ? PROD_CLOSED : CONS_CLOSED);
    return 1;
}

/* PROTOCOL.md, "Close" (nothing is held here between two calls: step 2 has nothing to settle). */
static void close_role(uint32_t role) {
    a32 *count = W(role == ROLE_PRODUCER ? OFF_PRODUCERS : OFF_CONSUMERS);
    uint32_t bit = role == ROLE_PRODUCER ? PROD_CLOSED : CONS_CLOSED, n, tries;
    size_t e = OFF_PEERS + (size_t)me * PEER_SIZE;
    int ended = 0;
    atomic_store_explicit(W(e + PEER_PFLAGS), atomic_load_explicit(W(e + PEER_PFLAGS), memory_order_relaxed) | PF_CLOSING,
                          memory_order_release);
    n = atomic_load_explicit(count, memory_order_acquire);
    for (tries = 0; n != 0u && n <= 64u && tries < 65536; tries++) /* the last one ends the side in the count */
        if (atomic_compare_exchange_strong_explicit(count, &n, n == 1u ? ENDED : n - 1u, memory_order_acq_rel, memory_order_acquire)) {
            ended = n == 1u;
            break;
        }
    if (ended) {
        end_side(bit);
        atomic_fetch_add_explicit(W(OFF_DATA_EV), 1u, memory_order_release);
        syscall(SYS_futex, (void *)W(OFF_DATA_EV), FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
        atomic_fetch_add_explicit(W(OFF_SPACE_EV), 1u, memory_order_release);
        syscall(SYS_futex, (void *)W(OFF_SPACE_EV), FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
    atomic_store_explicit(W(e + PEER_ROLE), 0u, memory_order_relaxed);
    atomic_store_explicit(W(e + PEER_PFLAGS), 0u, memory_order_relaxed);
    atomic_store_explicit(W(e + PEER_PID), 0u, memory_order_release);
}

/* --- producer ------------------------------------------------------------------------------- */
static uint32_t tail_own;
static a32 *SEQ(uint32_t i) { return (a32 *)(void *)slot(i); }
static a32 *LEN(uint32_t i) { return (a32 *)(void *)(slot(i) + 4); }
static a32 *PENDING(void) { return W(OFF_PEERS + (size_t)me * PEER_SIZE + PEER_PENDING); }

/* PROTOCOL.md, section 8: where a slot's seq stands against the value wanted. */
enum { SEQ_READY, SEQ_AHEAD, SEQ_BEHIND, SEQ_BAD };
static int seq_class(uint32_t seq, uint32_t want) {
    if (seq == want) return SEQ_READY;
    if (seq - want <= capacity) return SEQ_AHEAD;
    if (want - seq <= capacity) return SEQ_BEHIND;
    return SEQ_BAD;
}

/* MPMC claim (section 8) on `index` (tail for a producer, head for a consumer; plus 0 or 1). 1: *pos
   is ours, 0: full or empty. A consumer checks the length before it claims (*len). */
static int mpmc_claim(size_t index, uint32_t plus, uint32_t *pos, uint32_t *len) {
    uint32_t p = atomic_load_explicit(W(index), memory_order_acquire), tries; /* A6 */
    for (tries = 0; tries < 65536; tries++) {
        int c = seq_class(atomic_load_explicit(SEQ(p), memory_order_acquire), p + plus);
        if (c == SEQ_READY) {
            if (plus && atomic_load_explicit(LEN(p), memory_order_relaxed) == DISCARD) { /* skip, deliver nothing */
                atomic_store_explicit(PENDING(), p, memory_order_relaxed);
                if (atomic_compare_exchange_strong_explicit(W(index), &p, p + 1u, memory_order_acq_rel, memory_order_acquire)) {
                    atomic_store_explicit(LEN(p), 0u, memory_order_relaxed);
                    atomic_store_explicit(SEQ(p), p + capacity, memory_order_release);
                    notify(OFF_SPACE_WAITERS, OFF_SPACE_EV);
                    p++;
                }
                continue;
            }
            if (plus && (*len = atomic_load_explicit(LEN(p), memory_order_relaxed)) > slot_size) die("corrupt length");
            atomic_store_explicit(PENDING(), p, memory_order_relaxed); /* before the claim */
            if (atomic_compare_exchange_strong_explicit(W(index), &p, p + 1u, memory_order_acq_rel, memory_order_acquire)) {
                *pos = p;
                return 1;
            }
            atomic_store_explicit(PENDING(), p - capacity - 1u, memory_order_relaxed);
            continue; /* p holds the index the exchange saw */
        }
        {
            uint32_t now = atomic_load_explicit(W(index), memory_order_acquire); /* A6 */
            if (now != p) { p = now; continue; }
        }
        if (c == SEQ_BEHIND) return 0;
        die("corrupt sequence word");
    }
    die("too many retries");
    return 0;
}

/* 1: a slot to fill at *pos, 0: the ring is full. */
static int claim_room(uint32_t *pos) {
    uint32_t head, unused;
    if (mode != SPSC) return mpmc_claim(OFF_TAIL, 0u, pos, &unused);
    head = atomic_load_explicit(W(OFF_HEAD), memory_order_acquire);
    if (tail_own - head > capacity) die("corrupt indices");
    if (tail_own - head == capacity) return 0;
    *pos = tail_own;
    return 1;
}
static void publish(uint32_t pos, uint32_t len) {
    atomic_store_explicit(LEN(pos), len, memory_order_relaxed);
    if (mode == SPSC) {
        tail_own = pos + 1u;
        atomic_store_explicit(W(OFF_TAIL), tail_own, memory_order_release); /* R1 */
        atomic_store_explicit(SEQ(pos), tail_own, memory_order_release); /* R7, after R1 */
    } else {
        atomic_store_explicit(SEQ(pos), pos + 1u, memory_order_release); /* R3 */
    }
    notify(OFF_DATA_WAITERS, OFF_DATA_EV);
}
static int has_room(void) {
    uint32_t t;
    if (atomic_load_explicit(W(OFF_ENDS), memory_order_acquire) & CONS_CLOSED) return 1;
    if (mode == SPSC) return tail_own - atomic_load_explicit(W(OFF_HEAD), memory_order_acquire) < capacity;
    t = atomic_load_explicit(W(OFF_TAIL), memory_order_relaxed);
    return seq_class(atomic_load_explicit(SEQ(t), memory_order_acquire), t) != SEQ_BEHIND;
}

static int create_and_produce(const char *name, uint32_t cap, uint32_t size, uint64_t n, uint32_t ring_mode) {
    char path[256];
    uint64_t total, i, start = start_time();
    int64_t longest = 0;
    unsigned char *msg = malloc(size);
    uint32_t pid = (uint32_t)getpid(), k;
    int fd;
    if (!msg || cap == 0 || (cap & (cap - 1u)) || size < 16u || (ring_mode == MPMC && cap < 2u)) die("bad geometry");
    mode = ring_mode; capacity = cap; slot_size = size; stride = (8u + size + 7u) / 8u * 8u;
    total = HEADER + (uint64_t)cap * stride;
    snprintf(path, sizeof path, "/%s", name);
    fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)total) != 0) die("cannot create the segment");
    seg = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (seg == MAP_FAILED) die("mmap");
    close(fd);
    /* PROTOCOL.md, "Create": the mark (magic, creator), the fields on a zero-filled header, the
       slots, then state = 1 (release). */
    memcpy(seg + OFF_MAGIC, "SHMPCv5", 8);
    memcpy(seg + OFF_CREATOR_PID, &pid, 4);
    memcpy(seg + OFF_CREATOR_START, &start, 8);
    { uint32_t v[] = {5u, ABI_LE32, HEADER, cap, size, stride, ring_mode, 0u};
      memcpy(seg + OFF_VERSION, v, sizeof v); }
    memcpy(seg + OFF_TOTAL, &total, 8);
    memset(seg + OFF_START_INDEX, 0, 4);
    for (k = 0; k < cap; k++) { /* seq = position, len = 0 (start index 0) */
        atomic_store_explicit(SEQ(k), k, memory_order_relaxed);
        atomic_store_explicit(LEN(k), 0u, memory_order_relaxed);
    }
    atomic_store_explicit(W(OFF_STATE), READY, memory_order_release);
    attach(ROLE_PRODUCER);
    tail_own = atomic_load_explicit(W(OFF_TAIL), memory_order_relaxed);
    for (i = 0; i < n; i++) {
        size_t len = msgcheck_make(msg, size, i);
        uint32_t pos;
        int64_t t;
        if (i && i % PAUSE_EVERY == 0) pause_ms(200); /* the library consumer goes to sleep */
        do {
            t = sleep_until(has_room, OFF_SPACE_WAITERS, OFF_SPACE_EV);
            if (t > longest) longest = t;
            if (atomic_load_explicit(W(OFF_ENDS), memory_order_acquire) & CONS_CLOSED) die("consumer closed early");
        } while (!claim_room(&pos));
        memcpy(slot(pos) + 8, msg, len);
        publish(pos, (uint32_t)len);
    }
    free(msg);
    pause_ms(200); /* the library consumer goes to sleep: the close must wake it */
    close_role(ROLE_PRODUCER);
    printf("%s: produced %llu messages (%s), longest sleep for room %.1f ms\n", prog, (unsigned long long)n,
           mode == SPSC ? "SPSC" : "MPMC", (double)longest / 1e6);
    return 0;
}

/* --- consumer ------------------------------------------------------------------------------- */
static uint32_t head_own;

/* 1: a message at *pos of *len bytes, 0: empty, -1: the end of the stream. */
static int claim_msg(uint32_t *pos, uint32_t *len) {
    uint32_t tail;
    if (mode != SPSC) {
        if (mpmc_claim(OFF_HEAD, 1u, pos, len)) {
            if ((*len = atomic_load_explicit(LEN(*pos), memory_order_relaxed)) > slot_size) die("corrupt length");
            return 1;
        }
        if (!(atomic_load_explicit(W(OFF_ENDS), memory_order_acquire) & PROD_CLOSED)) return 0;
        return atomic_load_explicit(W(OFF_HEAD), memory_order_acquire) == atomic_load_explicit(W(OFF_TAIL), memory_order_acquire)
               ? -1 : 0;
    }
    /* the slot's seq first (A7: pairs with R7), then tail (A1: pairs with R1) */
    if (atomic_load_explicit(SEQ(head_own), memory_order_acquire) == head_own + 1u) tail = head_own + 1u;
    else tail = atomic_load_explicit(W(OFF_TAIL), memory_order_acquire);
    if (tail == head_own) {
        if (!(atomic_load_explicit(W(OFF_ENDS), memory_order_acquire) & PROD_CLOSED)) return 0;
        tail = atomic_load_explicit(W(OFF_TAIL), memory_order_acquire); /* after ends: the final tail */
        if (tail == head_own) return -1;
    }
    if (tail - head_own > capacity) die("corrupt indices");
    if ((*len = atomic_load_explicit(LEN(head_own), memory_order_relaxed)) > slot_size) die("corrupt length");
    atomic_store_explicit(PENDING(), head_own, memory_order_relaxed); /* read in place: held, as a peek */
    *pos = head_own;
    return 1;
}
static void free_msg(uint32_t pos) {
    if (mode == SPSC) {
        head_own = pos + 1u;
        atomic_store_explicit(W(OFF_HEAD), head_own, memory_order_release); /* R2 */
    } else {
        atomic_store_explicit(SEQ(pos), pos + capacity, memory_order_release); /* R4 */
    }
    notify(OFF_SPACE_WAITERS, OFF_SPACE_EV);
}
static int has_data(void) {
    uint32_t h;
    if (atomic_load_explicit(W(OFF_ENDS), memory_order_acquire) & PROD_CLOSED) return 1;
    if (mode == SPSC) return atomic_load_explicit(W(OFF_TAIL), memory_order_acquire) != head_own;
    h = atomic_load_explicit(W(OFF_HEAD), memory_order_relaxed);
    return seq_class(atomic_load_explicit(SEQ(h), memory_order_acquire), h + 1u) != SEQ_BEHIND;
}

static int consume(const char *name, uint64_t n) {
    char path[256];
    struct stat st;
    uint64_t i = 0, first = 0;
    int from_any = getenv("TP_TAKEOVER") != NULL; /* a consumer took the stream before us */
    int64_t longest = 0, deadline = now_ns() + 10000000000ll;
    int fd;
    snprintf(path, sizeof path, "/%s", name);
    while ((fd = shm_open(path, O_RDWR, 0)) < 0) {
        if (now_ns() > deadline) die("no such segment");
        pause_ms(1);
    }
    /* PROTOCOL.md, "Open": the size, then state (acquire) before any other field. */
    for (;;) {
        if (fstat(fd, &st) != 0) die("fstat");
        if ((size_t)st.st_size >= HEADER) {
            seg = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (seg == MAP_FAILED) die("mmap");
            if (atomic_load_explicit(W(OFF_STATE), memory_order_acquire) != 0u) break;
            munmap(seg, (size_t)st.st_size);
        }
        if (now_ns() > deadline) die("segment never became ready");
        pause_ms(1);
    }
    close(fd);
    if (memcmp(seg, "SHMPCv", 6) != 0) die("not an shmpc segment");
    if (U(OFF_VERSION) != 5u) die("layout version is not 5");
    if (U(OFF_ABI) != ABI_LE32 || U(OFF_HEADER_SIZE) != HEADER) die("another ABI");
    mode = U(OFF_MODE);
    capacity = U(OFF_CAPACITY); slot_size = U(OFF_SLOT_SIZE); stride = U(OFF_STRIDE);
    if ((mode != SPSC && mode != MPMC) || !capacity || (capacity & (capacity - 1u)) ||
        stride != (8u + slot_size + 7u) / 8u * 8u || HEADER + (uint64_t)capacity * stride > (uint64_t)st.st_size)
        die("impossible geometry");
    attach(ROLE_CONSUMER);
    head_own = atomic_load_explicit(W(OFF_HEAD), memory_order_relaxed);
    for (;;) {
        uint32_t pos, len;
        const char *bad;
        int64_t t;
        int c;
        if (i % PAUSE_EVERY == PAUSE_EVERY / 2u && i < n) pause_ms(200); /* the library producer fills up and sleeps */
        do {
            t = sleep_until(has_data, OFF_DATA_WAITERS, OFF_DATA_EV);
            if (t > longest) longest = t;
        } while ((c = claim_msg(&pos, &len)) == 0);
        if (c < 0) break;
        if (from_any && i == 0 && len >= 8u) { /* taking over: the stream goes on from the oldest unreleased */
            memcpy(&first, slot(pos) + 8, 8);
            i = first;
        }
        if ((bad = msgcheck_bad(slot(pos) + 8, len, i)) != NULL) {
            fprintf(stderr, "%s: message %llu: %s\n", prog, (unsigned long long)i, bad);
            exit(1);
        }
        i++;
        free_msg(pos);
    }
    close_role(ROLE_CONSUMER);
    printf("%s: consumed %llu messages (%s) from message %llu, then the end of the stream; longest sleep for data %.1f ms\n",
           prog, (unsigned long long)(i - first), mode == SPSC ? "SPSC" : "MPMC", (unsigned long long)first, (double)longest / 1e6);
    if (from_any && first == 0) die("nothing was taken over (the first consumer had consumed nothing)");
    if (i != n) die("wrong number of messages");
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if ((argc == 6 || (argc == 7 && !strcmp(argv[6], "mpmc"))) && !strcmp(argv[1], "create"))
        return create_and_produce(argv[2], (uint32_t)strtoul(argv[3], 0, 10), (uint32_t)strtoul(argv[4], 0, 10),
                                  strtoull(argv[5], 0, 10), argc == 7 ? MPMC : SPSC);
    if (argc == 4 && !strcmp(argv[1], "consume")) return consume(argv[2], strtoull(argv[3], 0, 10));
    fprintf(stderr, "usage: %s create NAME CAPACITY SLOT_SIZE N [mpmc] | consume NAME N\n", argv[0]);
    return 2;
}
