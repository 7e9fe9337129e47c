/* shmpc.h - v1.0 - message passing between processes through a ring buffer in shared memory.
   Public domain or MIT (see end of file). https://example.invalid/shmpc is not a thing; this file is.

   shmpc moves messages of 0..slot_size bytes from producers to consumers living in different
   processes (or threads), through a fixed-layout, versioned ring buffer in shared memory. No system
   call and no allocation while data flows; sched_yield and a Linux futex only when a side must
   wait.

   HOW TO USE
     In exactly one C or C++ file:
         #define SHMPC_IMPLEMENTATION
         #include "shmpc.h"
     Everywhere else just #include "shmpc.h".

     Producer:                                     Consumer:
       shmpc_ring r;                                 shmpc_ring r;
       shmpc_opts o = SHMPC_OPTS_INIT;               shmpc_open(&r, "jobs", SHMPC_CONSUMER,
       o.capacity = 1024; o.slot_size = 256;                    SHMPC_SEC(5));
       shmpc_create(&r, "jobs", &o, SHMPC_PRODUCER); char buf[256]; size_t n;
       shmpc_push(&r, "hello", 5);                   while (shmpc_pop(&r, buf, sizeof buf, &n) == 0)
       shmpc_close(&r);  // end of stream               handle(buf, n);
                                                     // SHMPC_ECLOSED: producer closed, all drained
                                                     shmpc_close(&r); shmpc_unlink("jobs");

     C++17/20: shmpc.hpp wraps this API (RAII handles, std::chrono timeouts, std::error_code,
     ring<T>, scoped zero-copy); its own doc block describes it.

   CONTENTS (search anchors)
     >>doc      this text            >>api      declarations     >>errors   codes and messages
     >>layout   shared-memory layout >>atomics  the atomic shell >>core     proven ring core
     >>ring     operations          >>os       mapping, waiting, liveness (the only system calls)

   CONFIGURATION (define before including the implementation)
     SHMPC_STATIC          make every function static to this translation unit (default: extern)
     SHMPC_API             linkage/visibility of public functions (default: extern, or static)
     SHMPC_ASSERT(c)       your assert for internal invariants (default: assert(c))
     SHMPC_NO_OS           ring core only: no system call, no libc beyond memcpy; builds with
                           -ffreestanding (memory provided by the caller, try-operations only)
     SHMPC_MEMCPY(d,s,n)   your memcpy (default: memcpy; __builtin_memcpy under SHMPC_NO_OS)
     SHMPC_INDEX_BITS      8, 16 or 32 (default 32): width of the free-running indices. Narrow
                           widths exist for the model checks; the layout's ABI tag records the width
                           and a segment of another width is refused (SHMPC_EABI).
     SHMPC_SPIN            polls before a blocking call yields the processor, and before shmpc_arm
                           registers (default 256); each wait draws its own count in
                           [SHMPC_SPIN/16, SHMPC_SPIN]
     SHMPC_YIELD_NS        then, polling with sched_yield() between polls, how long a blocking call
                           waits before it sleeps on the futex (default 100 us; 0: sleep right
                           after the spin). Yields that let the other side run on this core (its
                           index moved) do not count, up to SHMPC_SLEEP_SLICE_NS in all; a thread
                           whose yield gave another process a time slice stops yielding on that
                           ring while its stream stays slow
     SHMPC_RETRIES         bound on compare-and-swap retries inside one MPMC call (default 65536);
                           past it the call returns SHMPC_EAGAIN instead of looping on
     SHMPC_SLEEP_SLICE_NS  longest single futex sleep (default 50 ms): sleepers wake this often to
                           re-check the peers' liveness
     SHMPC_NO_FUTEX        wait as on systems without futex (bounded sleeps of at most 100 us, no
                           wake-up call), on Linux too: the path that macOS and FreeBSD take
                           (on Linux, pollers of shmpc_fd are still woken through their sockets)
     SHMPC_CRITICAL_BEGIN(s), SHMPC_CRITICAL_END(s)
                           required (define both) where the compiler has no lock-free 32-bit
                           read-modify-write (ARMv6-M: Cortex-M0/M0+, no LDREX/STREX), else an
                           #error: a critical section around each read-modify-write (attach, close,
                           each MPMC claim), s a uint32_t it may save state in (e.g. PRIMASK, then
                           cpsid i). Loads and stores stay single instructions, so SPSC moves data
                           lock-free; MPMC works but is not lock-free there. examples/mcu has one

   PLATFORMS
     Linux: x86-64 tested natively; aarch64, armhf (32-bit) and s390x (big-endian) tested under
     qemu-user (make cross). A ring is refused (SHMPC_EABI) by a machine of the other byte order.
     Other POSIX systems (macOS, FreeBSD) get the non-Linux branches of >>os: bounded sleeps instead
     of futex waits, and no /proc, so a peer's start time is unknown and liveness is kill(pid, 0)
     alone (a zombie counts as alive, a recycled pid as the peer); compiled here with the Linux
     branches off (make nofutex), never run on those systems.
     Bare metal (SHMPC_NO_OS): Cortex-M3 and Cortex-M0 tested on qemu-system-arm (make mcu).

   CONCURRENCY RULES
     - A ring has one mode, fixed at creation: SHMPC_SPSC (one producer, one consumer; wait-free) or
       SHMPC_MPMC (up to 64 peers in all; lock-free, one sequence word per slot).
     - A handle (shmpc_ring) belongs to one thread at a time and has one role. Threads and processes
       each attach their own handle. A second producer or consumer on an SPSC ring: SHMPC_EROLE
       (while the first lives: a dead one is taken over, see CRASHES).
     - End of stream: when the last attached producer closes, consumers drain what is left and then
       get SHMPC_ECLOSED; when the last consumer closes, producers get SHMPC_ECLOSED. A close wakes
       every sleeper. A ring is one stream: once a side has closed, nobody attaches in that role.
     - Memory order: each shared access names its order and its partner (>>ring: R1..R7, A1..A7,
       V1, V2, F1/F2); correct under the C11 model, so on arm64 as on x86 (make bmc checks it).
     - Functions that fail leave the ring unchanged (no message is pushed or consumed), except
       where their documentation says otherwise.
     - The segment is untrusted: whatever another process writes into it, this process never reads
       or writes outside the mapping and never loops without bound; it returns SHMPC_ECORRUPT.
       Geometry (capacity, slot size) is read once, validated, and kept in the handle.

   CRASHES, SIGNALS AND TRUST
     - Peers register in the segment's table (pid and process start time: a recycled pid is not
       mistaken for the peer; a zombie counts as dead). Peers must share a pid namespace. One
       registered with start time 0 (shmpc_attach_id without one) is never presumed dead.
     - Blocking and timed calls re-check, while they sleep (at most once per half sleep slice, and
       before a timed call gives up), whether the other side is still there. If it attached (its
       count is > 0: not closed) and none of its registered peers is alive, they first deliver what
       is left (a consumer drains every committed message), then return SHMPC_EPEERDEAD. A side
       that has not attached yet is waited for. try_* calls never check (no system call).
     - Takeover (both modes, by default): a process that attaches (shmpc_open, shmpc_attach, ...) in
       a role whose registered holders are dead takes their place instead of getting SHMPC_EROLE
       (SPSC) or SHMPC_EPEERS (MPMC, a peer table full of the dead): their entries and counts are
       reclaimed (for ever: restarts never exhaust the table; one killed inside attach leaves its
       entry busy under its pid, which the next attach reclaims once that pid names no running
       process). A live holder is never displaced and a peer registered with start time 0 is
       never presumed dead, so a program that wants no
       takeover registers that way (shmpc_attach_id). Default, because a supervisor restarting a
       crashed service runs the same code as the first start; refusing would leave only unlinking
       the ring, and losing what it holds. The stream goes on from the shared indices: a new
       producer appends after the last committed message, a new consumer starts at the oldest
       message not released.
     - Delivery per API when a peer dies: a reservation never committed is never delivered (SPSC:
       never published; MPMC: skipped, see below), in both modes, and a reservation its producer
       closes uncommitted is discarded likewise. Copy pop (and pop_many) is exactly-once from the
       ring's point of view: a message is consumed when the call returns it (what a killed
       consumer had received but not processed is the application's to lose). SPSC peek: a
       message a dead consumer held in a peek (not released) is delivered again to the consumer
       that takes its role over, and shmpc_redelivered() is 1 for that message (at-least-once for
       zero-copy readers; counted in the header's `redelivered`; the consumer's pending word records
       each peek: while pending == head it is held). MPMC: a message a dead consumer held (a peek
       not released, or a pop that died before it freed the slot: neither was acknowledged) is
       delivered again when a producer needs its slot (a producer waiting for room, or
       shmpc_recover): it claims the position of tail, whose slot is the held one, and publishes
       the message there, marked; the consumer that gets it sees shmpc_redelivered() == 1. It goes
       to the back of the queue: it may arrive after messages pushed later (the one exception to
       the order per producer), and it may go to any consumer. Only a producer that needs that
       slot (tail reached it again) can do it: one still held when the stream ends is not
       delivered (it was never acknowledged).
     - The survivor: SHMPC_EPEERDEAD is not final. Calling again (or waiting in a timed call)
       carries on as soon as a replacement attached; nothing in the ring is lost meanwhile.
     - MPMC: a producer that dies between claiming a slot and committing it would block the ring.
       Each peer writes the position it is about to claim into its pending word first (pend_n:
       how many positions from there, for a batch's range claim); a consumer sleeping on such a
       position (claimed, not committed, recorded by a dead producer and by no live one, seen twice
       1 ms apart) skips it: that message is lost, and it was never acknowledged (its push or
       commit never returned SHMPC_OK). A recoverer that dies between claiming tail for a
       redelivery and publishing it leaves the slot frozen at head: a consumer waiting there
       publishes it (seen twice, 1 ms apart). Recovery runs in blocking and timed calls, on the
       sleep path, and on demand in shmpc_recover() (try_* users, supervisors, shmpcctl recover).
       A dead peer's entry stays in the table until recovery no longer needs it. The header counts
       what happened: takeovers, skipped, freed (no longer written: held MPMC slots are delivered
       again), redelivered, reclaimed (shmpcctl info).
     - A close that dies part way: shmpc_close marks the entry closing first, and the last of a
       side ends the side before giving its count back, so survivors see either a closed side
       (SHMPC_ECLOSED after the drain) or a dead peer (SHMPC_EPEERDEAD, or a takeover), never "not
       attached yet". An MPMC closer that was not the last and died between the mark and leaving
       the table may leave one count that nobody holds: the other side then sees this side dead
       (SHMPC_EPEERDEAD) instead of closed at the end.
     - An attach that dies between taking the role's count and registering its entry leaves a
       count that nobody holds. When that makes the count full (SPSC: the role), an attacher that
       sees more counts than registered entries of the role, twice 1 ms apart, adopts one and takes
       the role over. MPMC below the limit, the count stays one too high: as for a close that died,
       the other side sees this side dead at the end instead of closed.
     - A named segment left by a crashed run is reported as SHMPC_ESTALE by shmpc_create (instead
       of SHMPC_EEXIST) and, while initializing, by shmpc_open; shmpcctl rm --stale removes it.
       Only a segment that carries shmpc's mark can be stale: the creator writes the magic and
       its pid and start time into the header right after sizing the segment (state 0), before
       anything else; stale means marked and initializing while its creator is dead (or with no
       creator recorded for more than 10 s), or ready with registered peers none of which is
       alive. A file without the mark (empty, zero-filled, another program's) is never stale:
       while younger than 10 s it may be a creator at work (SHMPC_ENOTREADY), then it is
       SHMPC_ENOTSHMPC to shmpc_open and SHMPC_EEXIST to shmpc_create. A creator killed between
       sizing and marking the segment (two system calls apart) leaves such a file: remove it by
       hand. A ready stale segment can be taken over (open it in a role: its dead peers give way),
       or shmpc_unlink it and create a new one.
     - Signals: blocking calls are restarted internally after a signal handler returns (the futex
       sleep is re-entered after re-checking the ring); they never return SHMPC_EINTR, and a
       handler interrupting them corrupts nothing. To abandon a wait, use a timed call in a loop.
     - Trust: a process that can write the segment can make this one lose, duplicate or invent
       messages, see SHMPC_ECORRUPT, SHMPC_EPEERDEAD or wait until its timeout, but not read or write
       outside the mapping, loop without bound (except a blocking call waiting for data that never
       comes, as it would anyway), divide by zero or trust a length. Named segments are created
       O_EXCL, mode 0600 unless opts.perm says otherwise; shmpc_open refuses a segment owned by
       another user (SHMPC_EPERM) unless shmpc_open_ex is given SHMPC_O_ANY_OWNER. The memory
       flags of a header are requests: an opener honours SHMPC_F_MLOCK only in a segment of its
       own user, and locks only the ring's bytes.
     - Shrinking (SIGBUS): an access beyond the end of a shrunk segment raises SIGBUS. Anonymous
       rings (shmpc_create_anon, small pages) live in a memfd sealed against shrinking: nobody
       can shrink them. SysV segments have no resize call (only a process with CAP_SYS_ADMIN,
       through /proc/PID/map_files, could truncate one; it can write this process's memory
       anyway). Named POSIX segments cannot be sealed: any process that can write one can
       ftruncate it. shmpc checks their size at open (SHMPC_ESIZE) and on every wake-up of a
       blocking call, before touching the segment again (SHMPC_ECORRUPT; the handle is given up:
       later calls SHMPC_EINVAL, shmpc_close only unmaps); a shrink between two checks still
       raises SIGBUS in the next call that touches the segment (try_*, shmpc_stat, shmpc_close). There is no SIGBUS handler in the library (the
       signal's disposition is the application's). Use named segments only among processes
       trusted not to shrink them; untrusted peers: an anonymous or SysV ring.

   EVENT LOOPS (Linux 5.3 and later)
     shmpc_fd(r) is a descriptor for poll/epoll/select/asyncio, readable when the call this handle
     would block in may proceed, when the other side closes and when one of its registered peers
     dies. The loop: drain with try_* until SHMPC_EEMPTY/SHMPC_EFULL, shmpc_arm(r), poll again.
     An armed handle counts in the futex protocol's waiter count (and in the poller count): the
     other side's notifier, which needs no code of its own for it, sends its socket one datagram
     per arm. Nothing is added to the data path while nobody is armed. Peers must share a network
     namespace (the sockets are abstract UNIX names) as they share a pid namespace.
     - Trust: the waiter and poller counts are shared words. A registration that would leave a
       count at 0 or just below the wrap moves it by 2^31 too, so that a hostile store cannot hide
       a sleeper for good; a store of 0 while someone sleeps still delays that sleeper (by up to a
       sleep slice; a poller until its next event).

   ERRORS
     Every function returns an int: SHMPC_OK (0) or a count >= 0 on success, a negative SHMPC_E*
     code on failure; shmpc_strerror(code) says what it means. On SHMPC_ESYS and the errno-like
     codes, errno still holds the system's reason.

   SHARED-MEMORY LAYOUT, VERSION 5 (all integers in the creator's byte order, which the ABI tag
   records; offsets only). Segments of versions 1 to 4 are refused with SHMPC_EVERSION.
     offset size  field            meaning
     0x000   8    magic            the bytes "SHMPCv5\0" ("SHMPCv" identifies shmpc; the version
                                   field, not the last bytes, says which layout)
     0x008   4    version          layout version, 5 (read as 0x05000000: the other byte order,
                                   refused with SHMPC_EABI)
     0x00C   4    abi              index bits | endianness << 8 (1 little, 2 big) |
                                   log2(cache line) << 16 | slot header bytes << 24
     0x010   4    header_size      offset of the first slot: 0x0A00
     0x014   4    capacity         slots, a power of two, 1..2^(index bits - 1) (MPMC: 2 at least)
     0x018   4    slot_size        largest message in bytes, 1..SHMPC_MAX_SLOT
     0x01C   4    slot_stride      bytes from one slot to the next: round8(8 + slot_size)
     0x020   4    mode             1 SPSC, 2 MPMC
     0x024   4    flags            SHMPC_F_* given at creation (memory options)
     0x028   8    total_size       header_size + capacity * slot_stride
     0x030   4    start_index      where the counters started (tests start just below the wrap)
     0x034   4    creator_pid      process that created the segment
     0x038   8    creator_start    its start time (clock ticks after boot, /proc/PID/stat field 22)
     0x040   4    state            0 initializing, 1 ready, 2 closed (both sides closed)
     0x044   4    takeovers        roles taken over from dead peers         } recovery counters,
     0x048   4    skipped          MPMC slots skipped (dead producer)       } written only on the
     0x04C   4    freed            MPMC slots freed (dead consumer)         } crash paths, for
     0x050   4    redelivered      peeked messages delivered again          } shmpcctl
     0x054   4    reclaimed        peer-table entries of dead peers reused  }
     0x080   4    producers        producers attached and not closed; 0x80000000: the side has
                                   ended (set by its last closer, from 1: nobody attaches after)
     0x084   4    consumers        consumers attached and not closed; 0x80000000 likewise
     0x088   4    ends             bit 0: producer side closed, bit 1: consumer side closed
     0x0C0   4    data_waiters     consumers sleeping or about to (futex protocol)
     0x0C4   4    data_ev          futex word consumers sleep on; producers bump it to wake them
     0x0C8   4    space_waiters    producers sleeping or about to
     0x0CC   4    space_ev         futex word producers sleep on
     0x0D0   4    data_pollers     of data_waiters, those armed through shmpc_fd (wake their socket)
     0x0D4   4    space_pollers    of space_waiters, likewise
     0x100   4    tail             SPSC: next index to fill; MPMC: next position to claim (producers)
     0x180   4    head             SPSC: next index to read; MPMC: next position to claim (consumers)
     0x200 2048   peers[64]        32 bytes each, eight 4-byte words: pid (0: free; bit 31 set:
                                   busy, being registered or reclaimed by the process whose pid
                                   is bits 0-30; else the id of a registered peer), role (1
                                   producer, 2 consumer), start_lo, start_hi (process start
                                   time), pending (MPMC: first position being claimed or held),
                                   pend_n (how many positions from pending), pflags (1 closing,
                                   2 holding a peek or reservation at pending, 4 polling),
                                   poll_id (names the peer's wake-up socket while it polls)
     0xA00        slots[capacity]  slot_stride bytes each: seq (4; sequence word), len (4),
                                   payload (slot_size, then padding to a multiple of 8)
     Unlisted bytes are reserved and written as zero. Indices are free-running unsigned counters of
     the index width that wrap; the slot of index i is i & (capacity - 1); the fill level is
     (tail - head) mod 2^bits and never exceeds capacity in a consistent ring. MPMC slots follow
     D. Vyukov's bounded queue: a slot is free for position p when seq == p, holds the message of p
     when seq == p + 1, and is handed to the next lap by seq = p + capacity. SPSC (version 3 on): the
     producer publishes index i by tail = i + 1 and then seq = i + 1 in the slot of i; a consumer
     whose cached tail says empty takes the message of i when that slot's seq reads i + 1, without
     loading tail (the slot's line moves to it anyway; the tail line then stays with the producer).
     Version 4: a side ends in its count word, in the one compare-and-swap that gives its last
     count back (1 to 0x80000000), so that no peer can attach between the last close and the end;
     the ends bit follows, set by the closer or by whoever finds the count so (a closer may die).
     Version 5: an entry being registered or reclaimed names the process at work on it (its pid
     word busy with that process's pid), which a later attacher judges by that pid alone: one
     killed there leaves an entry that the next attach frees (or, SPSC, takes over), not a lost
     entry. A peer's id is below 2^31; its entry's pid word is stored last, after its fields.
     Blocks written by different sides sit on different 128-byte lines (two cache lines, against
     adjacent-line prefetch). PROTOCOL.md states every step (attach, publish, consume, the futex
     protocol, close, recovery) for a peer written without this header.
*/
/* The implementation's translation unit needs POSIX and Linux declarations (shm_open, futex, ...):
   include shmpc.h before any system header there, or build with -D_GNU_SOURCE (or -std=gnu11);
   otherwise the build stops at an #error that says so (>>os). */
#if defined(SHMPC_IMPLEMENTATION) && !defined(SHMPC_NO_OS) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1
#endif
#ifndef SHMPC_H_INCLUDED
#define SHMPC_H_INCLUDED
/* ============================================================================================ >>api */
#include <stddef.h>
#include <stdint.h>

#ifndef SHMPC_API
#  if defined(SHMPC_STATIC) && (defined(__GNUC__) || defined(__clang__))
#    define SHMPC_API static __attribute__((unused)) /* a TU need not call every function */
#  elif defined(SHMPC_STATIC)
#    define SHMPC_API static
#  else
#    define SHMPC_API extern
#  endif
#endif

#ifndef SHMPC_INDEX_BITS
#define SHMPC_INDEX_BITS 32
#endif
#if SHMPC_INDEX_BITS == 32
typedef uint32_t shmpc_idx;
#elif SHMPC_INDEX_BITS == 16
typedef uint16_t shmpc_idx;
#elif SHMPC_INDEX_BITS == 8
typedef uint8_t shmpc_idx;
#else
#error "SHMPC_INDEX_BITS must be 8, 16 or 32"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: one list makes both the enum and shmpc_strerror(), so they cannot drift apart. */
#define SHMPC_ERRORS(X)                                                                          \
    X(OK,        0,  "success")                                                                  \
    X(EINVAL,   -1,  "invalid argument")                                                         \
    X(EMSGSIZE, -2,  "message larger than the slot size or the caller's buffer")                 \
    X(EFULL,    -3,  "ring full")                                                                \
    X(EEMPTY,   -4,  "ring empty")                                                               \
    X(EAGAIN,   -5,  "contention: try again")                                                    \
    X(ETIMEDOUT,-6,  "timed out")                                                                \
    X(ECLOSED,  -7,  "the other side closed the ring (and, for a consumer, all was drained)")    \
    X(EVERSION, -8,  "segment has another layout version")                                       \
    X(EABI,     -9,  "segment has another ABI (index width, endianness, cache line, header)")    \
    X(ECORRUPT, -10, "segment is corrupt: a header field, index, length or sequence word is impossible") \
    X(EROLE,    -11, "role refused (second producer or consumer on an SPSC ring, or wrong role for the call)") \
    X(EEXIST,   -12, "a segment of that name or key already exists")                             \
    X(ENOENT,   -13, "no segment of that name or key")                                          \
    X(ESYS,     -14, "system call failed (see errno)")                                           \
    X(ESIZE,    -15, "size does not fit (mapping smaller than the layout, or too large)")        \
    X(ENOTSHMPC,-16, "not an shmpc segment (bad magic)")                                         \
    X(ENOTREADY,-17, "segment exists but is still being initialized")                            \
    X(ENAME,    -18, "invalid segment name (1..200 characters, no '/' after the first)")         \
    X(ESEQ,     -19, "call out of sequence (commit without reserve, reserve twice, ...)")        \
    X(EPEERS,   -20, "peer table full (64 peers at most)")                                       \
    X(EPEERDEAD,-21, "the only peer on the other side died")                                     \
    X(EPERM,    -22, "permission denied")                                                        \
    X(ENOMEM,   -23, "the system refused memory (huge pages, mlock or size limit)")              \
    X(ENOTSUP,  -24, "not supported on this system")                                             \
    X(EINTR,    -25, "interrupted by a signal")                                                  \
    X(ESTALE,   -26, "segment left behind by a crashed run (no live peer): open it in a role to take it over, or unlink it")

typedef enum shmpc_error {
#define SHMPC__ENUM(name, value, text) SHMPC_##name = value,
    SHMPC_ERRORS(SHMPC__ENUM)
#undef SHMPC__ENUM
    SHMPC__ERROR_LAST = -26
} shmpc_error;

enum {
    SHMPC_LAYOUT_VERSION = 5,
    SHMPC_SPSC = 1, SHMPC_MPMC = 2,                       /* modes */
    SHMPC_PRODUCER = 1, SHMPC_CONSUMER = 2, SHMPC_OBSERVER = 4, /* roles */
    SHMPC_MAX_PEERS = 64,
    SHMPC_HEADER_SIZE = 0xA00
};
#define SHMPC_MAX_SLOT 0x40000000u /* 1 GiB: largest slot_size */
#define SHMPC_FOREVER  (-1)        /* timeout: wait without limit */
/* Timeouts (int64_t nanoseconds) from whole units, e.g. shmpc_open(&r, "jobs", SHMPC_CONSUMER, SHMPC_SEC(5)).
   n is an integer (SHMPC_MS(1500), not SHMPC_SEC(1.5)); the result must fit in int64_t (292 years). */
#define SHMPC_NS(n)  ((int64_t)(n))
#define SHMPC_US(n)  ((int64_t)(n) * 1000)
#define SHMPC_MS(n)  ((int64_t)(n) * 1000000)
#define SHMPC_SEC(n) ((int64_t)(n) * 1000000000)

/* Memory options (flags at creation; recorded in the header). */
#define SHMPC_F_HUGEPAGES 0x1u  /* back the segment with huge pages (SysV SHM_HUGETLB / anonymous MAP_HUGETLB) */
#define SHMPC_F_MLOCK     0x2u  /* mlock the ring in each process of the creator's user attaching in a role */
#define SHMPC_F_PRETOUCH  0x4u  /* touch every page at creation so that no page fault hits the data path */
#define SHMPC_F_SEQUENTIAL 0x8u /* madvise(MADV_SEQUENTIAL) hint */
#define SHMPC_F_ALL       0xFu

/* Creation options. Start from SHMPC_OPTS_INIT. */
typedef struct shmpc_opts {
    uint32_t capacity;    /* slots, a power of two */
    uint32_t slot_size;   /* largest message, bytes */
    uint32_t mode;        /* SHMPC_SPSC or SHMPC_MPMC */
    uint32_t flags;       /* SHMPC_F_* */
    uint32_t perm;        /* permission bits of a named segment; 0 means 0600 */
    uint32_t start_index; /* for tests: counters start here (e.g. 0xFFFFFFF0) so that every test
                             crosses the wrap-around; 0 for normal use */
} shmpc_opts;
#define SHMPC_OPTS_INIT {64u, 64u, (uint32_t)SHMPC_SPSC, 0u, 0u, 0u}

/* One message of a batch: like struct iovec. push: base/len of each message; pop: base/len of each
   buffer in, len of each message out. */
typedef struct shmpc_iov { void *base; size_t len; } shmpc_iov;

/* A process-local handle. Every field is private; the layout of this struct is not an ABI. */
typedef struct shmpc_ring {
    struct shmpc__seg *seg;     /* the segment (first byte of the mapping) */
    char *slots;                /* first slot: the bytes the proven core copies into and out of */
    size_t map_size;            /* bytes mapped */
    uint32_t capacity, mask, slot_size, stride, mode;
    int role, peer, kind, shmid, closed, pending_op;
    int seg_fd;                 /* named POSIX segment: its descriptor, kept to see it shrink (kind POSIX only) */
    int go;                     /* the role while open with nothing pending, else 0: the try calls' one check */
    int asym;                   /* 1: this process is registered for membarrier (F1 is a compiler barrier) */
    shmpc_idx own;              /* SPSC: this side's index (the shared copy is only written) */
    shmpc_idx cached;           /* SPSC: last seen index of the other side */
    shmpc_idx pending_pos;      /* position of an outstanding reserve / peek */
    uint32_t pending_len;       /* length seen by peek */
    shmpc_idx redo_pos;         /* SPSC consumer that took over: the message a dead consumer held */
    int redo;                   /* SPSC: 1 if redo_pos is valid; MPMC: the last take returned a
                                   message delivered again (see shmpc_redelivered) */
    int wake_sock;              /* -1, or a datagram socket that wakes pollers of the other side */
    struct shmpc__poller *poller; /* NULL, or this handle's pollable descriptor (shmpc_fd) */
} shmpc_ring;

/* A snapshot of a ring's state, for tools and tests. */
typedef struct shmpc_status {
    uint32_t version, capacity, slot_size, mode, flags, state, ends;
    uint32_t producers, consumers, fill, peers;
    uint64_t total_size;
    shmpc_idx head, tail;
} shmpc_status;

/* One registered peer. alive: 1 running, 0 dead (gone, or its pid now names another process),
   -1 unknown (no OS layer, or registered with start time 0: never presumed dead). */
typedef struct shmpc_peer_status { uint32_t pid; uint32_t role; uint64_t start; int alive; } shmpc_peer_status;

SHMPC_API const char *shmpc_strerror(int code);

/* ---- placement in caller memory (ring core: no system call) -------------------------------- */
/* Bytes a ring of this geometry needs; 0 if the geometry is invalid or does not fit in size_t. */
SHMPC_API size_t shmpc_footprint(uint32_t capacity, uint32_t slot_size);
/* Lays out an empty ring in mem[0..size). mem must be 8-byte aligned (malloc's alignment is enough:
   the header's 64-bit fields and the slots' 4-byte atomic words need it; 64-byte alignment keeps
   the producers' and consumers' lines apart). EINVAL bad options or mem not 8-byte aligned; ESIZE
   size < footprint. */
SHMPC_API int shmpc_format(void *mem, size_t size, const shmpc_opts *opts);
/* Validates the layout in mem[0..size) and attaches a handle in a role, registered under id
   (a pid, or any number from 1 to 2^31 - 1 without an OS; EINVAL otherwise) and start (the process start time; 0: unknown,
   and then blocking calls of the other side never presume this peer dead). Returns ENOTSHMPC, EVERSION, EABI, ESIZE,
   ECORRUPT, ENOTREADY, EROLE, ECLOSED, EPEERS; on failure nothing is changed. */
SHMPC_API int shmpc_attach_id(shmpc_ring *r, void *mem, size_t size, int role, uint32_t id, uint64_t start);
/* Status snapshot (never fails on an attached handle). */
SHMPC_API int shmpc_stat(const shmpc_ring *r, shmpc_status *st);
/* The registered peers, up to max of them; returns how many were written. */
SHMPC_API int shmpc_peers(const shmpc_ring *r, shmpc_peer_status *out, int max);

/* ---- copy API --------------------------------------------------------------------------------- */
/* try: never blocks. EFULL / EEMPTY when it would; ECLOSED at the end of the stream. */
SHMPC_API int shmpc_try_push(shmpc_ring *r, const void *msg, size_t len);
/* Pops into buf[0..cap); *len receives the message length. EMSGSIZE (message kept in the ring,
   *len set to its length) if cap is too small. */
SHMPC_API int shmpc_try_pop(shmpc_ring *r, void *buf, size_t cap, size_t *len);

/* ---- zero-copy API ---------------------------------------------------------------------------- */
/* reserve gives a slot to fill in place (*room = slot_size bytes); commit(len) publishes it. */
SHMPC_API int shmpc_try_reserve(shmpc_ring *r, void **buf, size_t *room);
SHMPC_API int shmpc_commit(shmpc_ring *r, size_t len);
/* peek gives the oldest message in place; release frees its slot. */
SHMPC_API int shmpc_try_peek(shmpc_ring *r, const void **msg, size_t *len);
SHMPC_API int shmpc_release(shmpc_ring *r);
/* Consumer: 1 if a message may have been handed to a consumer that died holding it (see CRASHES):
   process it idempotently. SPSC: the message this handle peeks or pops next (or holds in a peek
   now), held in a peek by the consumer whose role this handle took over. MPMC: one that the last
   pop, peek or pop_many of this handle returned (any of a batch), held by a dead consumer in a
   peek or an unfinished pop. 0 otherwise. */
SHMPC_API int shmpc_redelivered(const shmpc_ring *r);

/* ---- batches: up to n messages in one call; returns how many (>= 1) or an error ---------------- */
SHMPC_API int shmpc_try_push_many(shmpc_ring *r, const shmpc_iov *msgs, size_t n);
SHMPC_API int shmpc_try_pop_many(shmpc_ring *r, shmpc_iov *bufs, size_t n);

#ifndef SHMPC_NO_OS
/* ---- blocking and timed (timeout in ns on CLOCK_MONOTONIC; SHMPC_FOREVER waits without limit;
        0, or any other negative value (a deadline already passed), is the try form; SHMPC_MS(n),
        SHMPC_SEC(n) convert). The plain forms are the timed ones with SHMPC_FOREVER. Spin, yield,
        then sleep on a futex; signals do not interrupt them. They return SHMPC_EPEERDEAD when the
        other side died (see CRASHES); calling again carries on once a replacement attached. ---- */
SHMPC_API int shmpc_push(shmpc_ring *r, const void *msg, size_t len);
SHMPC_API int shmpc_push_timed(shmpc_ring *r, const void *msg, size_t len, int64_t timeout_ns);
SHMPC_API int shmpc_pop(shmpc_ring *r, void *buf, size_t cap, size_t *len);
SHMPC_API int shmpc_pop_timed(shmpc_ring *r, void *buf, size_t cap, size_t *len, int64_t timeout_ns);
SHMPC_API int shmpc_reserve(shmpc_ring *r, void **buf, size_t *room);
SHMPC_API int shmpc_reserve_timed(shmpc_ring *r, void **buf, size_t *room, int64_t timeout_ns);
SHMPC_API int shmpc_peek(shmpc_ring *r, const void **msg, size_t *len);
SHMPC_API int shmpc_peek_timed(shmpc_ring *r, const void **msg, size_t *len, int64_t timeout_ns);
SHMPC_API int shmpc_push_many(shmpc_ring *r, const shmpc_iov *msgs, size_t n);
SHMPC_API int shmpc_push_many_timed(shmpc_ring *r, const shmpc_iov *msgs, size_t n, int64_t timeout_ns);
SHMPC_API int shmpc_pop_many(shmpc_ring *r, shmpc_iov *bufs, size_t n);
SHMPC_API int shmpc_pop_many_timed(shmpc_ring *r, shmpc_iov *bufs, size_t n, int64_t timeout_ns);
/* Crash recovery on demand, for try_* users (who never sleep) and supervisors (any role, observers
   included): hands on MPMC slots that dead peers left claimed (see CRASHES), sleeping 1 ms per slot
   it finds. Returns how many slots it handed on (>= 0); when it found none and the other side of
   this handle's role attached and has no live peer, SHMPC_EPEERDEAD. */
SHMPC_API int shmpc_recover(shmpc_ring *r);

/* ---- placement ---------------------------------------------------------------------------------- */
/* Named POSIX segment ("name" or "/name"): created exclusively (EEXIST), mode opts->perm or 0600.
   A name taken by a segment of this user left by a crashed run (see CRASHES) gives SHMPC_ESTALE
   instead of SHMPC_EEXIST: shmpc_unlink it, then create again (or open it to take it over). */
SHMPC_API int shmpc_create(shmpc_ring *r, const char *name, const shmpc_opts *opts, int role);
/* Opens a named ring; waits up to timeout_ns for it to exist and be ready (0 or negative other
   than SHMPC_FOREVER: no wait). A role whose holder died is taken over (see CRASHES). Refuses
   (SHMPC_EPERM) a segment owned by another user; SHMPC_ESTALE for one whose creator died while
   initializing it; SHMPC_ENOTSHMPC at once for what is not a regular file (a FIFO, a directory). */
SHMPC_API int shmpc_open(shmpc_ring *r, const char *name, int role, int64_t timeout_ns);
/* shmpc_open with flags: SHMPC_O_ANY_OWNER accepts a segment owned by another user (trust it).
   Unknown flags are refused (SHMPC_EINVAL), as unknown opts.flags are. */
#define SHMPC_O_ANY_OWNER 0x1u
#define SHMPC_O_ALL       0x1u
SHMPC_API int shmpc_open_ex(shmpc_ring *r, const char *name, int role, int64_t timeout_ns, uint32_t oflags);
/* Removes a named segment that carries shmpc's mark (the magic's "SHMPCv", any layout version;
   shmpc_create writes it first, so every segment it made, stale ones included, has it). Anything
   else (another program's file, an empty or zero-filled one, a FIFO): SHMPC_ENOTSHMPC, untouched. */
SHMPC_API int shmpc_unlink(const char *name);
/* ---- event loops (Linux 5.3 and later) ------------------------------------------------------------ */
/* A descriptor to add to poll/epoll/select (or asyncio's add_reader) beside sockets. It becomes
   readable when the call this handle would block in may proceed (consumer: a message to pop;
   producer: room to push), when the other side closes, and when a registered peer of the other
   side dies. It is armed at once; after each wake-up, drain with try_* calls until SHMPC_EEMPTY
   or SHMPC_EFULL, then call shmpc_arm, then poll again (see README "Event loops"). The handle
   owns it: never read or close it; shmpc_close closes it. Returns the descriptor (>= 0), the same
   one on every call; EROLE (observer), ENOTSUP (no pidfd_open: Linux before 5.3), ESYS. */
SHMPC_API int shmpc_fd(shmpc_ring *r);
/* Arms the descriptor again after a try_* call returned SHMPC_EEMPTY or SHMPC_EFULL: spins first,
   as a blocking call does before it sleeps (SHMPC_SPIN), and if the call may proceed meanwhile
   makes the descriptor readable at once; else clears its readiness, registers this handle as a
   waiter and looks at the ring once more; if the call may proceed already, the descriptor is made
   readable at once (never a lost wake-up: the next poll returns). SHMPC_OK (poll now),
   SHMPC_EPEERDEAD (no peer of the other side is alive: nothing will ever come), or the errors of
   shmpc_fd. The try_* calls make no system call while data flows: arm only after EEMPTY/EFULL. */
SHMPC_API int shmpc_arm(shmpc_ring *r);

/* SysV segment under a key (a key_t: ftok(3) makes one from a path; IPC_PRIVATE is refused). */
SHMPC_API int shmpc_create_sysv(shmpc_ring *r, long key, const shmpc_opts *opts, int role);
SHMPC_API int shmpc_open_sysv(shmpc_ring *r, long key, int role, int64_t timeout_ns);
SHMPC_API int shmpc_open_sysv_ex(shmpc_ring *r, long key, int role, int64_t timeout_ns, uint32_t oflags);
SHMPC_API int shmpc_unlink_sysv(long key);
/* Anonymous MAP_SHARED mapping, inherited across fork(): create, fork, then shmpc_attach in each
   process; shmpc_free_anon after every handle is closed. Small pages: backed by a memfd sealed
   against resizing, so that no process can shrink it (see Shrinking under CRASHES, SIGNALS AND TRUST). */
SHMPC_API int shmpc_create_anon(const shmpc_opts *opts, void **mem, size_t *size);
SHMPC_API int shmpc_free_anon(void *mem, size_t size);
/* shmpc_attach_id with this process's pid and start time. */
SHMPC_API int shmpc_attach(shmpc_ring *r, void *mem, size_t size, int role);
#endif

/* Ends the stream for this handle's role (the last producer's close ends the producer side, the
   last consumer's the consumer side), wakes every sleeper, leaves the peer table and unmaps what
   shmpc_create/shmpc_open mapped. On a handle that is closed already, or that failed to open (or a
   zero-initialized one that never opened): does nothing and returns SHMPC_OK. NULL: SHMPC_EINVAL.
   An outstanding reservation is discarded (never delivered, both modes); a held peek is released. */
SHMPC_API int shmpc_close(shmpc_ring *r);

#ifdef __cplusplus
}
#endif
#endif /* SHMPC_H_INCLUDED */

/* ===================================================================================== implementation */
#if defined(SHMPC_IMPLEMENTATION) && !defined(SHMPC__IMPLEMENTED)
#define SHMPC__IMPLEMENTED

#ifndef SHMPC_ASSERT
#  ifdef SHMPC_NO_OS
#    define SHMPC_ASSERT(c) ((void)0)
#  else
#    include <assert.h>
#    define SHMPC_ASSERT(c) assert(c)
#  endif
#endif
#ifndef SHMPC_MEMCPY
#  if defined(SHMPC_NO_OS) && (defined(__GNUC__) || defined(__clang__)) && !defined(__FRAMAC__)
#    define SHMPC_MEMCPY(d, s, n) __builtin_memcpy((d), (s), (n))
#  else
#    include <string.h>
#    define SHMPC_MEMCPY(d, s, n) memcpy((d), (s), (n))
#  endif
#endif
#ifndef SHMPC_SPIN
#define SHMPC_SPIN 256
#endif
#ifndef SHMPC_YIELD_NS
#define SHMPC_YIELD_NS 100000
#endif
#ifndef SHMPC_RETRIES
#define SHMPC_RETRIES 65536
#endif
#ifndef SHMPC_SLEEP_SLICE_NS
#define SHMPC_SLEEP_SLICE_NS 50000000
#endif
#ifndef SHMPC_TEST_HOOK
#define SHMPC_TEST_HOOK(point) ((void)0) /* fault tests stop a process at a named point of close or attach */
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define SHMPC__PRIVATE static __attribute__((unused))
#  define SHMPC__INLINE static inline __attribute__((unused))
#  define SHMPC__OUTLINE static __attribute__((unused, noinline)) /* off the SPSC fast path */
#  define SHMPC__FLATTEN static inline __attribute__((unused, always_inline)) /* the SPSC fast path */
#  define SHMPC__LIKELY(x) __builtin_expect(!!(x), 1)
#  define SHMPC__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#  define SHMPC__PRIVATE static
#  define SHMPC__INLINE static inline
#  define SHMPC__OUTLINE static
#  define SHMPC__FLATTEN static inline
#  define SHMPC__LIKELY(x) (x)
#  define SHMPC__UNLIKELY(x) (x)
#endif

#ifdef __cplusplus
#  define SHMPC__STATIC_ASSERT(c, m) static_assert(c, m)
#else
#  define SHMPC__STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ==================================================================================== >>atomics */
/* The atomic shell. Every access to a shared word goes through these macros. Under Frama-C each
   load of a shared word (and the old value of each read-modify-write) is an arbitrary value: a
   call to a function whose contract says only that the word is inside valid memory. That models a
   concurrent, hostile peer that may write any shared word at any time, so what WP proves of the
   shell (>>ring) holds whatever the other processes do; stores are plain stores to valid memory.
   WP cannot model memory ordering: the ordering arguments live beside each use in >>ring, checked
   by the weak-memory explorer of make bmc (proofs/wmm: these macros call it, with each line's
   order) rather than by WP. */
/* A failed compare-and-swap is a load with the success order less its release half (as C++'s
   one-order compare_exchange): a claim loop that retries from the value it read needs acquire. */
#define SHMPC__CAS_FAIL_relaxed memory_order_relaxed
#define SHMPC__CAS_FAIL_acquire memory_order_acquire
#define SHMPC__CAS_FAIL_release memory_order_relaxed
#define SHMPC__CAS_FAIL_acq_rel memory_order_acquire
#define SHMPC__CAS_FAIL_seq_cst memory_order_seq_cst
#if defined(SHMPC__MODEL_ATOMICS)
/* proofs/wmm: the weak-memory explorer defines shmpc__a32 and every macro below itself. */
#elif defined(__FRAMAC__)
typedef uint32_t shmpc__a32;
/*@ requires word: \valid_read(p);
    assigns \result \from \nothing;
*/
uint32_t shmpc__fc_load(const uint32_t *p);
/*@ requires word: \valid(p);
    assigns *p, \result \from \nothing;
*/
uint32_t shmpc__fc_rmw(uint32_t *p, uint32_t v);
/*@ requires word: \valid(p) && \valid(expected);
    assigns *p, *expected, \result \from \nothing;
    ensures bool: \result == 0 || \result == 1;
*/
int shmpc__fc_cas(uint32_t *p, uint32_t *expected, uint32_t desired);
#  define shmpc__ld(p, mo) shmpc__fc_load(p)
#  define shmpc__st(p, v, mo) ((void)(*(p) = (v)))
#  define shmpc__add(p, v, mo) shmpc__fc_rmw((p), (v))
#  define shmpc__sub(p, v, mo) shmpc__fc_rmw((p), (v))
#  define shmpc__or(p, v, mo) shmpc__fc_rmw((p), (v))
#  define shmpc__cas(p, e, d, mo) shmpc__fc_cas((p), (e), (d))
#  define shmpc__and(p, v, mo) shmpc__fc_rmw((p), (v))
#  define shmpc__fence(mo) ((void)0)
#  define shmpc__signal_fence(mo) ((void)0)
#elif defined(__cplusplus)
#  include <atomic>
typedef std::atomic<uint32_t> shmpc__a32;
#  define shmpc__ld(p, mo) std::atomic_load_explicit((p), std::memory_order_##mo)
#  define shmpc__st(p, v, mo) std::atomic_store_explicit((p), (uint32_t)(v), std::memory_order_##mo)
#  define shmpc__add(p, v, mo) std::atomic_fetch_add_explicit((p), (uint32_t)(v), std::memory_order_##mo)
#  define shmpc__sub(p, v, mo) std::atomic_fetch_sub_explicit((p), (uint32_t)(v), std::memory_order_##mo)
#  define shmpc__or(p, v, mo) std::atomic_fetch_or_explicit((p), (uint32_t)(v), std::memory_order_##mo)
#  define shmpc__and(p, v, mo) std::atomic_fetch_and_explicit((p), (uint32_t)(v), std::memory_order_##mo)
#  define shmpc__cas(p, e, d, mo) std::atomic_compare_exchange_weak_explicit((p), (e), (uint32_t)(d), \
                                      std::memory_order_##mo, std::SHMPC__CAS_FAIL_##mo)
#  define shmpc__fence(mo) std::atomic_thread_fence(std::memory_order_##mo)
#  define shmpc__signal_fence(mo) std::atomic_signal_fence(std::memory_order_##mo)
#else
#  include <stdatomic.h>
typedef _Atomic uint32_t shmpc__a32;
#  define shmpc__ld(p, mo) atomic_load_explicit((p), memory_order_##mo)
#  define shmpc__st(p, v, mo) atomic_store_explicit((p), (uint32_t)(v), memory_order_##mo)
#  if defined(__GCC_ATOMIC_INT_LOCK_FREE) && __GCC_ATOMIC_INT_LOCK_FREE < 2
/* No lock-free 32-bit read-modify-write on this target (ARMv6-M: no LDREX/STREX): the compiler
   would call __atomic_* functions that a bare-metal target does not have. Loads and stores stay
   single instructions (SPSC moves data with them alone); the read-modify-writes (attach, close,
   every MPMC claim) run inside the critical section the user supplies, never a hidden library. */
#    if !defined(SHMPC_CRITICAL_BEGIN) || !defined(SHMPC_CRITICAL_END)
#      error "no lock-free 32-bit read-modify-write on this target (e.g. ARMv6-M, Cortex-M0): define SHMPC_CRITICAL_BEGIN(s) and SHMPC_CRITICAL_END(s) (see CONFIGURATION)"
#    endif
SHMPC__INLINE uint32_t shmpc__rmw(shmpc__a32 *p, int op, uint32_t v, uint32_t *expect) {
    uint32_t s, old, now;
    SHMPC_CRITICAL_BEGIN(s);
    atomic_thread_fence(memory_order_seq_cst);
    old = atomic_load_explicit(p, memory_order_relaxed);
    now = op == 0 ? old + v : op == 1 ? old - v : op == 2 ? old | v : op == 4 ? old & v : old == *expect ? v : old;
    atomic_store_explicit(p, now, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    SHMPC_CRITICAL_END(s);
    if (op == 3 && old != *expect) { *expect = old; return 0u; }
    return op == 3 ? 1u : old;
}
#    define shmpc__add(p, v, mo) shmpc__rmw((p), 0, (uint32_t)(v), NULL)
#    define shmpc__sub(p, v, mo) shmpc__rmw((p), 1, (uint32_t)(v), NULL)
#    define shmpc__or(p, v, mo) shmpc__rmw((p), 2, (uint32_t)(v), NULL)
#    define shmpc__and(p, v, mo) shmpc__rmw((p), 4, (uint32_t)(v), NULL)
#    define shmpc__cas(p, e, d, mo) (shmpc__rmw((p), 3, (uint32_t)(d), (e)) != 0u)
#  else
#    define shmpc__add(p, v, mo) atomic_fetch_add_explicit((p), (uint32_t)(v), memory_order_##mo)
#    define shmpc__sub(p, v, mo) atomic_fetch_sub_explicit((p), (uint32_t)(v), memory_order_##mo)
#    define shmpc__or(p, v, mo) atomic_fetch_or_explicit((p), (uint32_t)(v), memory_order_##mo)
#    define shmpc__and(p, v, mo) atomic_fetch_and_explicit((p), (uint32_t)(v), memory_order_##mo)
#    define shmpc__cas(p, e, d, mo) atomic_compare_exchange_weak_explicit((p), (e), (uint32_t)(d), \
                                        memory_order_##mo, SHMPC__CAS_FAIL_##mo)
#  endif
#  define shmpc__fence(mo) atomic_thread_fence(memory_order_##mo)
#  define shmpc__signal_fence(mo) atomic_signal_fence(memory_order_##mo)
#  ifdef SHMPC__LOAD_HOOK /* tests only (tests/fuzz/race_points.c): SHMPC__LOAD_HOOK(p) runs before */
#    undef shmpc__ld      /* every read of a shared word, where a hostile writer may act */
#    undef shmpc__cas
#    define shmpc__ld(p, mo) (SHMPC__LOAD_HOOK(p), atomic_load_explicit((p), memory_order_##mo))
#    define shmpc__cas(p, e, d, mo) (SHMPC__LOAD_HOOK(p), atomic_compare_exchange_weak_explicit((p), (e), \
                                        (uint32_t)(d), memory_order_##mo, SHMPC__CAS_FAIL_##mo))
#  endif
#endif

#if defined(__x86_64__) || defined(__i386__)
#  define shmpc__pause() __builtin_ia32_pause()
#elif defined(__aarch64__)
#  define shmpc__pause() __asm__ __volatile__("yield")
#else
#  define shmpc__pause() ((void)0)
#endif

/* ===================================================================================== >>layout */
#define SHMPC__CACHELINE 64u
#define SHMPC__SLOT_HDR 8u
#define SHMPC__ENDIAN_TAG (*(const unsigned char *)&shmpc__one == 1 ? 1u : 2u)
static const uint32_t shmpc__one = 1;
#define SHMPC__ABI ((uint32_t)SHMPC_INDEX_BITS | (SHMPC__ENDIAN_TAG << 8) | (6u << 16) | (SHMPC__SLOT_HDR << 24))
#define SHMPC__MAX_CAP ((uint32_t)1u << (SHMPC_INDEX_BITS - 1))
#define SHMPC__VERSION_SWAPPED 0x05000000u /* version 5 as the other byte order writes it */
#define SHMPC__PROD_CLOSED 1u
#define SHMPC__CONS_CLOSED 2u
enum { SHMPC__INIT = 0, SHMPC__READY = 1, SHMPC__CLOSED = 2 };
enum { SHMPC__PLACE_CALLER = 0, SHMPC__PLACE_POSIX = 1, SHMPC__PLACE_SYSV = 2 };
enum { SHMPC__OP_NONE = 0, SHMPC__OP_RESERVED = 1, SHMPC__OP_PEEKED = 2 };
static const unsigned char shmpc__magic[8] = {'S', 'H', 'M', 'P', 'C', 'v', '5', 0};

typedef struct shmpc__peer {        /* 32 bytes */
    shmpc__a32 pid;                 /* 0: free; SHMPC__BUSY | worker's pid: busy; else the peer's id */
    shmpc__a32 role;
    shmpc__a32 start_lo, start_hi;  /* process start time: a recycled pid is not the same peer */
    shmpc__a32 pending;             /* MPMC: first position being claimed or held (crash recovery) */
    shmpc__a32 pend_n;              /* MPMC: how many positions from pending (a batch's range); 0/1 single */
    shmpc__a32 pflags;              /* SHMPC__PF_*: closing, holding a peek/reservation, polling */
    shmpc__a32 poll_id;             /* names this peer's wake-up socket while it polls (shmpc_fd) */
} shmpc__peer;
/* Peer flags (shmpc__peer.pflags). */
#define SHMPC__PF_CLOSING 0x1u      /* shmpc_close has begun: a death from here on is a close */
#define SHMPC__PF_HOLDING 0x2u      /* a peek (consumer) or reservation (producer) is outstanding at pending */
#define SHMPC__PF_POLLING 0x4u      /* armed through shmpc_fd: wake it through its socket too */
/* MPMC slot length of a reservation that its producer closed without committing: published so that
   the ring moves on, skipped by consumers, never delivered (no real length exceeds SHMPC_MAX_SLOT). */
#define SHMPC__DISCARD 0xFFFFFFFFu
/* MPMC slot length bit: a message a dead consumer held, published again (shmpc__redeliver);
   consumers strip it before the length check and report it (shmpc_redelivered). */
#define SHMPC__REDO 0x80000000u
/* A role's count (producers, consumers) once its side has ended: its last closer moves it from 1 to
   this in one compare-and-swap, so no attacher can take a count between that close and the end. */
#define SHMPC__ENDED 0x80000000u
/* Peer pid word bit: the entry is busy, being registered or reclaimed by the process whose pid is
   the word's other bits (0: no OS, never judged). Ids are below 2^31, so no registered entry has it. */
#define SHMPC__BUSY 0x80000000u
/* Bound on the compare-and-swaps that give a count back (shmpc_close, a reclaim), whatever
   SHMPC_RETRIES says: one that gave up would keep a side open for ever, and each failure is
   another peer's change or a spurious one. */
#define SHMPC__GIVEBACK_TRIES 65536u

typedef struct shmpc__slot {        /* followed by the payload */
    shmpc__a32 seq;
    shmpc__a32 len;
} shmpc__slot;

struct shmpc__seg {
    /* 0x000: identity, written by the creator before state becomes ready */
    unsigned char magic[8];
    uint32_t version, abi, header_size, capacity, slot_size, slot_stride, mode, flags;
    uint64_t total_size;
    uint32_t start_index, creator_pid;
    uint64_t creator_start;
    shmpc__a32 state;                                   /* 0x040 */
    /* 0x044: recovery counters (for shmpcctl; written only on the crash paths) */
    shmpc__a32 takeovers, skipped, freed, redelivered, reclaimed;
    uint32_t reserved0[10];
    /* 0x080: attach/close bookkeeping */
    shmpc__a32 producers, consumers, ends;
    uint32_t reserved1[13];
    /* 0x0C0: the futex protocol (written only when someone sleeps) */
    shmpc__a32 data_waiters, data_ev, space_waiters, space_ev;
    shmpc__a32 data_pollers, space_pollers;            /* 0x0D0: waiters that poll an fd (subset) */
    uint32_t reserved2[10];
    /* 0x100: producers' line */
    shmpc__a32 tail;
    uint32_t reserved3[31];
    /* 0x180: consumers' line */
    shmpc__a32 head;
    uint32_t reserved4[31];
    /* 0x200 */
    shmpc__peer peers[SHMPC_MAX_PEERS];
};

SHMPC__STATIC_ASSERT(sizeof(shmpc__a32) == 4, "atomic words are 4 bytes");
SHMPC__STATIC_ASSERT(sizeof(shmpc__peer) == 32, "peer entry is 32 bytes");
SHMPC__STATIC_ASSERT(sizeof(shmpc__slot) == SHMPC__SLOT_HDR, "slot header is 8 bytes");
SHMPC__STATIC_ASSERT(offsetof(struct shmpc__seg, total_size) == 0x28, "layout v5");
SHMPC__STATIC_ASSERT(offsetof(struct shmpc__seg, creator_start) == 0x38, "layout v5");
SHMPC__STATIC_ASSERT(offsetof(struct shmpc__seg, state) == 0x40, "layout v5");
SHMPC__STATIC_ASSERT(offsetof(struct shmpc__seg, takeovers) == 0x44, "layout v5");
SHMPC__STATIC_ASSERT(offsetof(struct shmpc__seg, producers) == 0x80, "layout v5");
SHMPC__STATIC_ASSERT(offsetof(struct shmpc__seg, data_waiters) == 0xC0, "layout v5");
SHMPC__STATIC_ASSERT(offsetof(struct shmpc__seg, data_pollers) == 0xD0, "layout v5");
SHMPC__STATIC_ASSERT(offsetof(struct shmpc__seg, tail) == 0x100, "layout v5");
SHMPC__STATIC_ASSERT(offsetof(struct shmpc__seg, head) == 0x180, "layout v5");
SHMPC__STATIC_ASSERT(offsetof(struct shmpc__seg, peers) == 0x200, "layout v5");
SHMPC__STATIC_ASSERT(sizeof(struct shmpc__seg) == SHMPC_HEADER_SIZE, "layout v5 header size");

/* ====================================================================================== >>errors */
SHMPC_API const char *shmpc_strerror(int code) {
    switch (code) {
#define SHMPC__CASE(name, value, text) case value: return text;
        SHMPC_ERRORS(SHMPC__CASE)
#undef SHMPC__CASE
        default: return "unknown shmpc error code";
    }
}

/* ======================================================================================== >>core */
/* The ring core: pure functions on plain values (index snapshots, sizes, header snapshots, the
   slot array as bytes). No atomics, no system call: this is what Frama-C WP proves (make prove,
   see README.md, "What is proven") and what the exhaustive model checks run at narrow index widths (make bmc).
   Indices wrap modulo 2^SHMPC_INDEX_BITS: every result is cast back to shmpc_idx, so a narrow
   build checks the same program. The wrap is intended (unsigned arithmetic is defined modulo
   2^width in C), which is why -wp-rte, which checks no unsigned overflow, is the right setting.

   THE PROOF BOUNDARY. Every function in this section carries an ACSL contract proven by WP, for
   SHMPC_INDEX_BITS 32 and a 64-bit or 32-bit size_t, with the four modular-arithmetic axioms
   of proofs/lemmas.c (each checked by z3 from that file, proofs/lemmas2smt.py). The
   operations of the shell (>>ring: try_push, try_pop, try_reserve, commit, try_peek, release,
   the MPMC push, and their helpers) are proven too, with every shared load an arbitrary value
   (see >>atomics), and so are the batches, the MPMC claims, take and pop (some outside make
   test: make prove-more); the MPMC batch pop at a 32-bit size_t is not (README.md, "What is
   NOT proven").
   Where proven, the facts the shell contributes are proof obligations at each call here —
   (1) the geometry passed is the handle's, which shmpc_handle_ok ties to what shmpc__validate
       accepted (shmpc_slots_ok holds at every call);
   (2) a decision function is called again on the very snapshot the refresh logic (spsc_room,
       spsc_ready) judged;
   (3) the slot header words (seq, len) are those of the slot of the index, shmpc_hdr(slots,
       i & mask), at shmpc__slot_off, inside the slot array;
   (4) a length reaches shmpc__copy_out only after it was checked against slot_size and the
       caller's buffer.
   What stays argued, not proven: that shmpc_attach_id establishes shmpc_handle_ok (README.md,
   "Trusted base"), and memory ordering (the R/A comments in >>ring, the weak-memory explorer
   proofs/wmm, the model checks, TSan).
   Payload bytes are only ever copied by the proven shmpc__copy_in / shmpc__copy_out (through
   shmpc__bytes). */

#if defined(__FRAMAC__) && SHMPC_INDEX_BITS != 32
#error "the ACSL model below is written for 32-bit indices"
#endif

/*@ // The abstract ring: indices are integers in [0, 2^32); the fill level is tail - head
    // modulo 2^32; a consistent ring has 0 <= fill <= capacity.
    logic integer shmpc_span = 4294967296;
    logic integer shmpc_fill(integer head, integer tail) =
        tail >= head ? tail - head : tail - head + shmpc_span;
    logic integer shmpc_next(integer i, integer k) =
        i + k < shmpc_span ? i + k : i + k - shmpc_span;
    // The slot array's size fits in size_t (32-bit or 64-bit).
    predicate shmpc_geom(integer mask, integer stride, integer slot_size) =
        0 <= mask < 2147483648 && 1 <= slot_size <= 1073741824 &&
        slot_size + 8 <= stride <= slot_size + 15 && (mask + 1) * stride <= SIZE_MAX;
    predicate shmpc_slots_ok(char *slots, integer mask, integer stride, integer slot_size) =
        shmpc_geom(mask, stride, slot_size) && \valid(slots + (0 .. (mask + 1) * stride - 1));
    predicate shmpc_slots_rd(char *slots, integer mask, integer stride, integer slot_size) =
        shmpc_geom(mask, stride, slot_size) && \valid_read(slots + (0 .. (mask + 1) * stride - 1));
*/

/* Messages in the ring: (tail - head) mod 2^bits. */
/*@ assigns \nothing;
    ensures fill: \result == shmpc_fill(head, tail);
*/
SHMPC__INLINE shmpc_idx shmpc__used(shmpc_idx head, shmpc_idx tail) {
    return (shmpc_idx)(tail - head);
}

/* Slot number of index i: i & mask, always <= mask. */
/*@ assigns \nothing;
    ensures value: \result == (i & mask);
    ensures bound: \result <= mask;
*/
SHMPC__INLINE uint32_t shmpc__slot_of(shmpc_idx i, uint32_t mask) {
    return (uint32_t)i & mask;
}

/* Proof only (a ghost lemma function, no code): a payload of len <= slot_size bytes at slot i lies
   inside the slot array. A loop that copies into several slots calls it for each: WP then gets
   the fact in the caller's own terms, with none of the caller's context around it. */
/*@ ghost
  /@ requires geometry: shmpc_geom(mask, stride, size);
     requires fits: len <= size;
     assigns \nothing;
     ensures inside: 0 <= (i & mask) * stride &&
         (i & mask) * stride + 8 + len <= (mask + 1) * stride;
  @/
  void shmpc__payload_inside(uint32_t mask, uint32_t stride, uint32_t size, shmpc_idx i, size_t len) {
    /@ assert mono: (i & mask) * stride <= mask * stride; @/
  }
*/

/* Byte offset of the slot of index i in the slot array: the whole slot is inside the array. */
/*@ requires geometry: 0 <= mask < 2147483648 && 8 <= stride <= 1073741839;
    requires fits: (mask + 1) * stride <= SIZE_MAX;
    assigns \nothing;
    ensures value: \result == (i & mask) * stride;
    ensures inside: \result + stride <= (mask + 1) * stride;
*/
SHMPC__INLINE size_t shmpc__slot_off(shmpc_idx i, uint32_t mask, uint32_t stride) {
    uint32_t s = shmpc__slot_of(i, mask);
    /*@ assert mono: s * stride <= mask * stride; */
    /*@ assert no_wrap: 0 <= s * stride <= 2147483647 * 1073741839; */
    return (size_t)s * stride;
}

/* Free slots seen by a producer, from its own tail and a snapshot of head. A snapshot with more
   than cap messages is impossible in a consistent ring: ECORRUPT. */
/*@ requires out: \valid(out);
    assigns *out;
    behavior corrupt:
      assumes shmpc_fill(head, tail) > cap;
      assigns \nothing;
      ensures \result == SHMPC_ECORRUPT;
    behavior ok:
      assumes shmpc_fill(head, tail) <= cap;
      ensures \result == SHMPC_OK;
      ensures room: *out == cap - shmpc_fill(head, tail);
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__free_slots(shmpc_idx head, shmpc_idx tail, uint32_t cap, uint32_t *out) {
    shmpc_idx used = shmpc__used(head, tail);
    if ((uint32_t)used > cap) return SHMPC_ECORRUPT;
    *out = cap - (uint32_t)used;
    return SHMPC_OK;
}

/* Messages ready for a consumer, from its own head and a snapshot of tail. */
/*@ requires out: \valid(out);
    assigns *out;
    behavior corrupt:
      assumes shmpc_fill(head, tail) > cap;
      assigns \nothing;
      ensures \result == SHMPC_ECORRUPT;
    behavior ok:
      assumes shmpc_fill(head, tail) <= cap;
      ensures \result == SHMPC_OK;
      ensures ready: *out == shmpc_fill(head, tail);
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__ready_slots(shmpc_idx head, shmpc_idx tail, uint32_t cap, uint32_t *out) {
    shmpc_idx used = shmpc__used(head, tail);
    if ((uint32_t)used > cap) return SHMPC_ECORRUPT;
    *out = (uint32_t)used;
    return SHMPC_OK;
}

/* Producer decision on plain values (push, through shmpc__put): a message of len bytes for the
   slot of tail, given a snapshot of head. */
/*@ assigns \nothing;
    behavior too_big:
      assumes len > slot_size;
      ensures \result == SHMPC_EMSGSIZE;
    behavior corrupt:
      assumes len <= slot_size && shmpc_fill(head, tail) > cap;
      ensures \result == SHMPC_ECORRUPT;
    behavior full:
      assumes len <= slot_size && shmpc_fill(head, tail) == cap;
      ensures \result == SHMPC_EFULL;
    behavior ok:
      assumes len <= slot_size && shmpc_fill(head, tail) < cap;
      ensures \result == SHMPC_OK;
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__can_put(shmpc_idx head, shmpc_idx tail, uint32_t cap, uint32_t slot_size, size_t len) {
    shmpc_idx used;
    if (len > slot_size) return SHMPC_EMSGSIZE;
    used = shmpc__used(head, tail);
    if ((uint32_t)used > cap) return SHMPC_ECORRUPT;
    return (uint32_t)used == cap ? SHMPC_EFULL : SHMPC_OK;
}

/* Consumer decision on plain values (pop through shmpc__get, peek, each message of an SPSC batch):
   the slot of head, given a snapshot of tail and the length n read from the slot. n was written
   by a peer: it is checked, never trusted. */
/*@ assigns \nothing;
    behavior corrupt:
      assumes shmpc_fill(head, tail) > cap || (0 < shmpc_fill(head, tail) <= cap && n > slot_size);
      ensures \result == SHMPC_ECORRUPT;
    behavior empty:
      assumes shmpc_fill(head, tail) == 0;
      ensures \result == SHMPC_EEMPTY;
    behavior ok:
      assumes 0 < shmpc_fill(head, tail) <= cap && n <= slot_size;
      ensures \result == SHMPC_OK;
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__can_get(shmpc_idx head, shmpc_idx tail, uint32_t cap, uint32_t slot_size, uint32_t n) {
    shmpc_idx used = shmpc__used(head, tail);
    if ((uint32_t)used > cap) return SHMPC_ECORRUPT;
    if (used == 0u) return SHMPC_EEMPTY;
    return n > slot_size ? SHMPC_ECORRUPT : SHMPC_OK;
}

/* Payload of the slot of index i: slot_size bytes inside the slot array. */
/*@ requires slots: shmpc_slots_rd(slots, mask, stride, slot_size);
    assigns \nothing;
    ensures value: \result == slots + (i & mask) * stride + 8;
    ensures inside: (i & mask) * stride + 8 + slot_size <= (mask + 1) * stride;
    ensures valid: \valid_read(\result + (0 .. slot_size - 1));
*/
SHMPC__INLINE char *shmpc__payload(char *slots, uint32_t mask, uint32_t stride, uint32_t slot_size, shmpc_idx i) {
    (void)slot_size; /* for the contract */
    return slots + shmpc__slot_off(i, mask, stride) + SHMPC__SLOT_HDR;
}

#if defined(__GNUC__) && !defined(__clang__) /* a case larger than the caller's buffer is never */
#  pragma GCC diagnostic push                   /* taken (n fits), which GCC cannot always see */
#  pragma GCC diagnostic ignored "-Warray-bounds"
#  pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
/* Copies n bytes from s to d, two separate buffers. A message of 8, 16, ... 64 bytes, the common
   sizes of fixed-size records, is copied with a constant size, which compilers emit as a few
   register moves instead of a call; other sizes go to SHMPC_MEMCPY. */
/*@ requires d: \valid(d + (0 .. n - 1));
    requires s: \valid_read(s + (0 .. n - 1));
    requires sep: \separated(d + (0 .. n - 1), s + (0 .. n - 1));
    assigns d[0 .. n - 1];
    ensures copied: \forall integer k; 0 <= k < n ==> d[k] == s[k];
*/
SHMPC__INLINE void shmpc__bytes(char *d, const char *s, size_t n) {
    if (n % 8u != 0u || n > 64u) { SHMPC_MEMCPY(d, s, n); return; }
    switch (n / 8u) { /* every case of 0 .. 8: no default left for a caller that knows n is small */
    case 0: break;
    case 1: SHMPC_MEMCPY(d, s, 8u); break;
    case 2: SHMPC_MEMCPY(d, s, 16u); break;
    case 3: SHMPC_MEMCPY(d, s, 24u); break;
    case 4: SHMPC_MEMCPY(d, s, 32u); break;
    case 5: SHMPC_MEMCPY(d, s, 40u); break;
    case 6: SHMPC_MEMCPY(d, s, 48u); break;
    case 7: SHMPC_MEMCPY(d, s, 56u); break;
    default: SHMPC_MEMCPY(d, s, 64u); break; /* n == 64 */
    }
}
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic pop
#endif

/* Copies a message of len <= slot_size bytes into the payload of the slot of index i. */
/*@ requires slots: shmpc_slots_ok(slots, mask, stride, slot_size);
    requires fits: len <= slot_size;
    requires msg: \valid_read(msg + (0 .. len - 1));
    requires sep: \separated(slots + (0 .. (mask + 1) * stride - 1), msg + (0 .. len - 1));
    assigns slots[(i & mask) * stride + 8 .. (i & mask) * stride + 8 + len - 1];
    ensures copied: \forall integer k; 0 <= k < len ==>
        slots[(i & mask) * stride + 8 + k] == msg[k];
*/
SHMPC__INLINE void shmpc__copy_in(char *slots, uint32_t mask, uint32_t stride, uint32_t slot_size,
                                   shmpc_idx i, const char *msg, size_t len) {
    char *p = shmpc__payload(slots, mask, stride, slot_size, i);
    shmpc__bytes(p, msg, len);
}

/* Copies the n <= slot_size bytes of the slot of index i out into buf. */
/*@ requires slots: shmpc_slots_rd(slots, mask, stride, slot_size);
    requires fits: n <= slot_size;
    requires buf: \valid(buf + (0 .. n - 1));
    requires sep: \separated(slots + (0 .. (mask + 1) * stride - 1), buf + (0 .. n - 1));
    assigns buf[0 .. n - 1];
    ensures copied: \forall integer k; 0 <= k < n ==>
        buf[k] == slots[(i & mask) * stride + 8 + k];
*/
SHMPC__INLINE void shmpc__copy_out(char *slots, uint32_t mask, uint32_t stride, uint32_t slot_size,
                                    shmpc_idx i, char *buf, uint32_t n) {
    const char *p = shmpc__payload(slots, mask, stride, slot_size, i);
    shmpc__bytes(buf, p, n);
}

/* One SPSC push on plain values: the decision, the copy into the slot of tail, the new tail. */
/*@ requires slots: shmpc_slots_ok(slots, mask, stride, slot_size);
    requires cap: cap == mask + 1;
    requires msg: \valid_read(msg + (0 .. len - 1));
    requires sep: \separated(slots + (0 .. (mask + 1) * stride - 1), msg + (0 .. len - 1));
    requires out: \valid(tail_out) && \separated(tail_out, slots + (0 .. (mask + 1) * stride - 1));
    assigns *tail_out, slots[(tail & mask) * stride + 8 .. (tail & mask) * stride + 8 + len - 1];
    behavior too_big:
      assumes len > slot_size;
      assigns \nothing;
      ensures \result == SHMPC_EMSGSIZE;
    behavior corrupt:
      assumes len <= slot_size && shmpc_fill(head, tail) > cap;
      assigns \nothing;
      ensures \result == SHMPC_ECORRUPT;
    behavior full:
      assumes len <= slot_size && shmpc_fill(head, tail) == cap;
      assigns \nothing;
      ensures \result == SHMPC_EFULL;
    behavior ok:
      assumes len <= slot_size && shmpc_fill(head, tail) < cap;
      ensures \result == SHMPC_OK;
      ensures moved: *tail_out == shmpc_next(tail, 1);
      ensures fill: shmpc_fill(head, *tail_out) == shmpc_fill(head, tail) + 1 <= cap;
      ensures copied: \forall integer k; 0 <= k < len ==>
          slots[(tail & mask) * stride + 8 + k] == msg[k];
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__put(char *slots, uint32_t cap, uint32_t mask, uint32_t stride, uint32_t slot_size,
                              shmpc_idx head, shmpc_idx tail, const char *msg, size_t len, shmpc_idx *tail_out) {
    int rc = shmpc__can_put(head, tail, cap, slot_size, len);
    if (rc != SHMPC_OK) return rc;
    shmpc__copy_in(slots, mask, stride, slot_size, tail, msg, len);
    *tail_out = (shmpc_idx)(tail + 1u);
    return SHMPC_OK;
}

/* One SPSC pop on plain values: the decision on the peer-written length n, the copy out of the
   slot of head into buf[0..bufcap), the new head. */
/*@ requires slots: shmpc_slots_rd(slots, mask, stride, slot_size);
    requires cap: cap == mask + 1;
    requires buf: \valid(buf + (0 .. bufcap - 1));
    requires sep: \separated(slots + (0 .. (mask + 1) * stride - 1), buf + (0 .. bufcap - 1));
    requires out: \valid(head_out) && \separated(head_out, buf + (0 .. bufcap - 1));
    assigns *head_out, buf[0 .. n - 1];
    behavior corrupt:
      assumes shmpc_fill(head, tail) > cap || (0 < shmpc_fill(head, tail) <= cap && n > slot_size);
      assigns \nothing;
      ensures \result == SHMPC_ECORRUPT;
    behavior empty:
      assumes shmpc_fill(head, tail) == 0;
      assigns \nothing;
      ensures \result == SHMPC_EEMPTY;
    behavior too_big:
      assumes 0 < shmpc_fill(head, tail) <= cap && n <= slot_size && n > bufcap;
      assigns \nothing;
      ensures \result == SHMPC_EMSGSIZE;
    behavior ok:
      assumes 0 < shmpc_fill(head, tail) <= cap && n <= slot_size && n <= bufcap;
      ensures \result == SHMPC_OK;
      ensures moved: *head_out == shmpc_next(head, 1);
      ensures fill: 0 <= shmpc_fill(*head_out, tail) == shmpc_fill(head, tail) - 1;
      ensures copied: \forall integer k; 0 <= k < n ==>
          buf[k] == slots[(head & mask) * stride + 8 + k];
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__get(char *slots, uint32_t cap, uint32_t mask, uint32_t stride, uint32_t slot_size,
                              shmpc_idx head, shmpc_idx tail, uint32_t n, char *buf, size_t bufcap,
                              shmpc_idx *head_out) {
    int rc = shmpc__can_get(head, tail, cap, slot_size, n);
    if (rc != SHMPC_OK) return rc;
    if (n > bufcap) return SHMPC_EMSGSIZE;
    shmpc__copy_out(slots, mask, stride, slot_size, head, buf, n);
    *head_out = (shmpc_idx)(head + 1u);
    return SHMPC_OK;
}

/* Batch size on plain values (SPSC push_many): how many of n >= 1 messages go now, given the
   producer's tail and a snapshot of head. The tail then moves by exactly that count. */
/*@ requires n: 1 <= n;
    requires out: \valid(count);
    assigns *count;
    behavior corrupt:
      assumes shmpc_fill(head, tail) > cap;
      assigns \nothing;
      ensures \result == SHMPC_ECORRUPT;
    behavior full:
      assumes shmpc_fill(head, tail) == cap;
      assigns \nothing;
      ensures \result == SHMPC_EFULL;
    behavior ok:
      assumes shmpc_fill(head, tail) < cap;
      ensures \result == SHMPC_OK;
      ensures count: 1 <= *count <= n && *count <= cap - shmpc_fill(head, tail);
      ensures most: *count == n || *count == cap - shmpc_fill(head, tail);
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__put_many(shmpc_idx head, shmpc_idx tail, uint32_t cap, size_t n, uint32_t *count) {
    uint32_t room;
    if (shmpc__free_slots(head, tail, cap, &room) != SHMPC_OK) return SHMPC_ECORRUPT;
    if (room == 0u) return SHMPC_EFULL;
    *count = n < room ? (uint32_t)n : room;
    return SHMPC_OK;
}

/* Batch size on plain values (SPSC pop_many): how many of n >= 1 messages to take, given the
   consumer's head and a snapshot of tail. */
/*@ requires n: 1 <= n;
    requires out: \valid(count);
    assigns *count;
    behavior corrupt:
      assumes shmpc_fill(head, tail) > cap;
      assigns \nothing;
      ensures \result == SHMPC_ECORRUPT;
    behavior empty:
      assumes shmpc_fill(head, tail) == 0;
      assigns \nothing;
      ensures \result == SHMPC_EEMPTY;
    behavior ok:
      assumes 0 < shmpc_fill(head, tail) <= cap;
      ensures \result == SHMPC_OK;
      ensures count: 1 <= *count <= n && *count <= shmpc_fill(head, tail);
      ensures most: *count == n || *count == shmpc_fill(head, tail);
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__get_many(shmpc_idx head, shmpc_idx tail, uint32_t cap, size_t n, uint32_t *count) {
    uint32_t ready;
    if (shmpc__ready_slots(head, tail, cap, &ready) != SHMPC_OK) return SHMPC_ECORRUPT;
    if (ready == 0u) return SHMPC_EEMPTY;
    *count = n < ready ? (uint32_t)n : ready;
    return SHMPC_OK;
}

/* Commit of a reservation (SPSC and MPMC) on plain values: the length against the slot size, and
   the index (SPSC tail) or sequence word (MPMC, position + 1) that publishes it. */
/*@ requires out: \valid(next_out);
    assigns *next_out;
    behavior too_big:
      assumes len > slot_size;
      assigns \nothing;
      ensures \result == SHMPC_EMSGSIZE;
    behavior ok:
      assumes len <= slot_size;
      ensures \result == SHMPC_OK;
      ensures moved: *next_out == shmpc_next(pos, 1);
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__commit_at(shmpc_idx pos, uint32_t slot_size, size_t len, shmpc_idx *next_out) {
    if (len > slot_size) return SHMPC_EMSGSIZE;
    *next_out = (shmpc_idx)(pos + 1u);
    return SHMPC_OK;
}

/* Index after k messages (SPSC release: k = 1; a batch: k = its count). */
/*@ requires k <= 2147483648;
    assigns \nothing;
    ensures moved: \result == shmpc_next(i, k);
*/
SHMPC__INLINE shmpc_idx shmpc__advance(shmpc_idx i, uint32_t k) {
    return (shmpc_idx)(i + k);
}

/* MPMC: where a slot's sequence word stands relative to the position a caller wants
   (producer: want = pos; consumer: want = pos + 1). */
enum { SHMPC__SEQ_READY = 0, SHMPC__SEQ_BEHIND = 1, SHMPC__SEQ_AHEAD = 2, SHMPC__SEQ_BAD = 3 };
/*@ assigns \nothing;
    behavior ready:
      assumes seq == want;
      ensures \result == SHMPC__SEQ_READY;
    behavior ahead:
      assumes seq != want && shmpc_fill(want, seq) <= cap;
      ensures \result == SHMPC__SEQ_AHEAD;
    behavior behind:
      assumes seq != want && shmpc_fill(want, seq) > cap && shmpc_fill(seq, want) <= cap;
      ensures \result == SHMPC__SEQ_BEHIND;
    behavior bad:
      assumes seq != want && shmpc_fill(want, seq) > cap && shmpc_fill(seq, want) > cap;
      ensures \result == SHMPC__SEQ_BAD;
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__seq_class(shmpc_idx seq, shmpc_idx want, uint32_t cap) {
    shmpc_idx ahead = (shmpc_idx)(seq - want), behind = (shmpc_idx)(want - seq);
    if (ahead == 0) return SHMPC__SEQ_READY;
    if ((uint32_t)ahead <= cap) return SHMPC__SEQ_AHEAD;   /* another side took `want` already */
    if ((uint32_t)behind <= cap) return SHMPC__SEQ_BEHIND; /* the slot is still on an older lap */
    return SHMPC__SEQ_BAD;
}

/* MPMC slot protocol, one thread's view, on plain values. A producer that claimed position pos
   (seq == pos: READY for want = pos) publishes seq = pos + 1; a consumer that claimed it (READY
   for want = pos + 1) frees the slot for the next lap with seq = pos + cap. The contracts state
   what every other caller then sees in seq_class: the message is READY for exactly its consumer,
   a stale caller of the same lap sees AHEAD (it retries with a fresh index), and the producer of
   the next lap sees BEHIND (full) until the slot is freed, then READY. */
/*@ requires cap: 1 <= cap <= 2147483648;
    assigns \nothing;
    ensures seq: \result == shmpc_next(pos, 1);
    ensures stale_producer_ahead: \result != pos && shmpc_fill(pos, \result) == 1 <= cap;
    ensures next_lap_behind: cap > 1 ==>
        shmpc_fill(shmpc_next(pos, cap), \result) > cap && shmpc_fill(\result, shmpc_next(pos, cap)) <= cap;
*/
SHMPC__INLINE shmpc_idx shmpc__mpmc_published(shmpc_idx pos, uint32_t cap) {
    (void)cap; /* for the contract */
    return (shmpc_idx)(pos + 1u);
}

/*@ requires cap: 1 <= cap <= 2147483648;
    assigns \nothing;
    ensures seq: \result == shmpc_next(pos, cap);
    ensures stale_consumer_ahead: cap > 1 ==>
        \result != shmpc_next(pos, 1) && shmpc_fill(shmpc_next(pos, 1), \result) <= cap;
*/
SHMPC__INLINE shmpc_idx shmpc__mpmc_freed(shmpc_idx pos, uint32_t cap) {
    return (shmpc_idx)(pos + cap);
}

/* Size arithmetic, overflow-checked: stride of a slot and total footprint (0 if invalid). */
/*@ logic integer shmpc_stride(integer slot_size) = (slot_size + 15) / 8 * 8;
    logic integer shmpc_total(integer cap, integer slot_size) = 2560 + cap * shmpc_stride(slot_size);
    predicate shmpc_geometry(integer cap, integer slot_size) =
        1 <= cap <= 2147483648 && (cap & (cap - 1)) == 0 &&
        1 <= slot_size <= 1073741824 && shmpc_total(cap, slot_size) <= SIZE_MAX / 2;
*/
/*@ requires size: slot_size <= 1073741824;
    assigns \nothing;
    ensures value: \result == shmpc_stride(slot_size);
    ensures bounds: slot_size + 8 <= \result <= slot_size + 15;
*/
SHMPC__INLINE uint32_t shmpc__stride(uint32_t slot_size) {
    return (uint32_t)((SHMPC__SLOT_HDR + (uint64_t)slot_size + 7u) / 8u * 8u);
}
/*@ requires size: slot_size <= 1073741824;
    assigns \nothing;
    ensures value: \result == shmpc_total(cap, slot_size);
*/
SHMPC__INLINE uint64_t shmpc__total(uint32_t cap, uint32_t slot_size) {
    return (uint64_t)SHMPC_HEADER_SIZE + (uint64_t)cap * shmpc__stride(slot_size);
}
/*@ assigns \nothing;
    ensures valid: \result != 0 <==> shmpc_geometry(cap, slot_size);
*/
SHMPC__INLINE int shmpc__geometry_ok(uint32_t cap, uint32_t slot_size) {
    return cap >= 1u && cap <= SHMPC__MAX_CAP && (cap & (cap - 1u)) == 0u &&
           slot_size >= 1u && slot_size <= SHMPC_MAX_SLOT &&
           shmpc__total(cap, slot_size) <= (uint64_t)(SIZE_MAX / 2u);
}

/* A plain copy of the header fields that validation needs. */
typedef struct shmpc__hdr_snap {
    unsigned char magic[8];
    uint32_t version, abi, header_size, capacity, slot_size, slot_stride, mode, flags, state;
    uint64_t total_size;
} shmpc__hdr_snap;
/*@ predicate shmpc_magic_ok(shmpc__hdr_snap *h) =
        \forall integer k; 0 <= k < 6 ==> h->magic[k] == shmpc__magic[k];
    predicate shmpc_ident_ok(shmpc__hdr_snap *h, integer abi) =
        shmpc_magic_ok(h) && h->state != 0 && h->version == 5 && h->abi == abi && h->header_size == 2560;
    // Every field consistent: power-of-two capacity, sizes in range, the stride and the total
    // size recomputed without overflow (the total fits in half the address space).
    predicate shmpc_fields_ok(shmpc__hdr_snap *h) =
        h->magic[6] == shmpc__magic[6] && h->magic[7] == shmpc__magic[7] &&
        (h->state == 1 || h->state == 2) && (h->mode == 1 || h->mode == 2) &&
        (h->flags & 4294967280) == 0 && shmpc_geometry(h->capacity, h->slot_size) &&
        h->slot_stride == shmpc_stride(h->slot_size) &&
        h->total_size == shmpc_total(h->capacity, h->slot_size);
*/

/* Every header field against this build and the mapping size. OK only if the ring fits. */
/*@ requires h: \valid_read(h);
    requires sep: \separated(h + (..), shmpc__magic + (..));
    assigns \nothing;
    behavior not_shmpc:
      assumes !shmpc_magic_ok(h);
      ensures \result == SHMPC_ENOTSHMPC;
    behavior not_ready:
      assumes shmpc_magic_ok(h) && h->state == 0;
      ensures \result == SHMPC_ENOTREADY;
    behavior version:
      assumes shmpc_magic_ok(h) && h->state != 0 && h->version != 5 && h->version != 0x05000000;
      ensures \result == SHMPC_EVERSION;
    behavior other_byte_order:
      assumes shmpc_magic_ok(h) && h->state != 0 && h->version == 0x05000000;
      ensures \result == SHMPC_EABI;
    behavior abi:
      assumes shmpc_magic_ok(h) && h->state != 0 && h->version == 5 &&
              (h->abi != abi || h->header_size != 2560);
      ensures \result == SHMPC_EABI;
    behavior corrupt:
      assumes shmpc_ident_ok(h, abi) && !shmpc_fields_ok(h);
      ensures \result == SHMPC_ECORRUPT;
    behavior too_small:
      assumes shmpc_ident_ok(h, abi) && shmpc_fields_ok(h) && h->total_size > map_size;
      ensures \result == SHMPC_ESIZE;
    behavior ok:
      assumes shmpc_ident_ok(h, abi) && shmpc_fields_ok(h) && h->total_size <= map_size;
      ensures \result == SHMPC_OK;
      ensures slots_fit: 2560 + h->capacity * h->slot_stride <= map_size;
      ensures geometry: shmpc_geom(h->capacity - 1, h->slot_stride, h->slot_size);
    complete behaviors;
    disjoint behaviors;
*/
SHMPC__INLINE int shmpc__validate(const shmpc__hdr_snap *h, size_t map_size, uint32_t abi) {
    int i;
    /* "SHMPCv" says shmpc; the version field (not the magic's last bytes) says which layout. */
    /*@ loop invariant 0 <= i <= 6;
        loop invariant \forall integer k; 0 <= k < i ==> h->magic[k] == shmpc__magic[k];
        loop assigns i;
        loop variant 6 - i;
    */
    for (i = 0; i < 6; i++)
        if (h->magic[i] != shmpc__magic[i]) return SHMPC_ENOTSHMPC;
    if (h->state == SHMPC__INIT) return SHMPC_ENOTREADY;
    if (h->version == SHMPC__VERSION_SWAPPED) return SHMPC_EABI; /* the other byte order's creator */
    if (h->version != SHMPC_LAYOUT_VERSION) return SHMPC_EVERSION;
    if (h->abi != abi || h->header_size != SHMPC_HEADER_SIZE) return SHMPC_EABI;
    if (h->magic[6] != shmpc__magic[6] || h->magic[7] != shmpc__magic[7]) return SHMPC_ECORRUPT;
    if (h->state != SHMPC__READY && h->state != SHMPC__CLOSED) return SHMPC_ECORRUPT;
    if (h->mode != SHMPC_SPSC && h->mode != SHMPC_MPMC) return SHMPC_ECORRUPT;
    if ((h->flags & ~SHMPC_F_ALL) != 0u) return SHMPC_ECORRUPT;
    if (!shmpc__geometry_ok(h->capacity, h->slot_size)) return SHMPC_ECORRUPT;
    if (h->slot_stride != shmpc__stride(h->slot_size)) return SHMPC_ECORRUPT;
    if (h->total_size != shmpc__total(h->capacity, h->slot_size)) return SHMPC_ECORRUPT;
    if (h->total_size > (uint64_t)map_size) return SHMPC_ESIZE;
    /*@ assert fits: h->capacity * h->slot_stride <= SIZE_MAX; */
    return SHMPC_OK;
}

/* ======================================================================================== >>ring */
/* The atomic shell around the core: reads snapshots, asks the core, then publishes. Each
   release names its acquire partner:
     R1 producer publishes tail (SPSC)       -> A1 consumer loads tail
     R2 consumer publishes head (SPSC)       -> A2 producer loads head
     R7 producer publishes slot seq (SPSC), after R1 -> A7 consumer loads the seq of its next slot
        when its cached tail says empty, and takes the message without loading tail. R1 comes
        first in the producer's program: a consumer that acquired seq = i + 1 at A7 and loads tail
        later reads i + 1 or more (coherence), so the tail it caches never runs behind its own
        index (with R7 first it could: a false ECORRUPT). A consumer that reads tail (A1: the
        batches, the end of stream, the blocking and polling re-checks) needs no R7 at all.
     R3 producer publishes slot seq (MPMC)   -> A3 consumer loads slot seq
     R4 consumer frees slot seq (MPMC)       -> A4 producer loads slot seq
     R5 closer sets ends                     -> A5 the other side loads ends, then reloads indices
        (layout 4: after its count's compare-and-swap to SHMPC__ENDED; whoever acquires that
        count and sets the bit for a closer that died hands the closer's view on the same way)
     R6 MPMC claim: compare-and-swap on head/tail (acq_rel) -> A6 every load of head/tail that a
        slot's seq is then judged against: the first load, the failed compare-and-swap (acquire,
        SHMPC__CAS_FAIL: its value is judged next) and the re-load. Only claims ever write an
        index after shmpc_format, so its values form one release sequence: an A6 that reads index
        p synchronizes with every claim before p, among them the claim of p - capacity, made after
        its claimer acquired the slot of p at seq p - capacity + 1 (consumer, A3) or p - capacity
        (producer, A4). So seq as judged against p is at most one lap behind it (BEHIND: empty or
        full), READY, or ahead (AHEAD: p was stale); never the lap before that, which seq_class
        calls BAD. With relaxed index loads a consumer could read head = p from another's claim
        and still see the seq shmpc_format wrote: a false ECORRUPT on arm64 and under C11.
     V1 the verdict: AHEAD or BAD is corruption only if the index still reads p. A seq newer than
        p's lap was acquired (A3/A4) from a release (R3/R4) that follows, in happens-before, a
        claim past p; by coherence the re-load then returns that later index and the loop
        retries. ECORRUPT is thus reported only for a seq no honest peer could have written.
     V2 the verdict on a length (MPMC take, before its claim): a slot's length is stored relaxed,
        so reading a later lap's length synchronizes with nothing, and a re-load of head may still
        return p. Instead a compare-and-swap of head with p itself (acq_rel): an RMW reads the
        latest head; if that is p, the next claim of p reads this RMW's value and acquires it, so
        this consumer's length load happens before that claim and before any later lap's length
        store (coherence: it read p's). EMSGSIZE and ECORRUPT then hold; else it retries.
     F1 notifier's seq_cst fence between publishing and reading the waiter count, against
     F2 the sleeper's seq_cst fence after its (relaxed) increment of the waiter count and before
        it re-checks the ring (shmpc__sleep_arm). Store buffering with a seq_cst fence on each
        side: the two fences are ordered one way or the other (C11 7.17.4, RC11's psc). F1 first:
        the re-check, after F2, reads the index (or SPSC slot seq, R7) published before F1 or a
        later one. F2 first: the
        notifier's load of the count, after F1, reads the increment or a later value. Either the
        sleeper sees the new index, or the notifier sees the sleeper and wakes it. A seq_cst
        increment alone is not enough: a read-modify-write is not a fence, and RC11 then allows
        both sides to read the old values (a lost wake-up that only the code compilers emit for
        x86 and arm64 happened to forbid).
        Asymmetric form (Linux, handle->asym): a process that attaches through the OS layer
        registers for membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED); its F1 is then only a compiler
        barrier, and the sleeper, after F2, calls membarrier(), which runs a full barrier on every
        CPU running a registered process (one that is not running passed through a context
        switch, itself a full barrier). Wherever that barrier falls in the notifier's program, it
        either drains the notifier's published index before the sleeper's re-check, or comes
        before the notifier's load of the waiter count, which then sees F2. The fence moves from
        every push and pop to the sleep path (the argument of liburcu's and folly's asymmetric
        barriers). A handle without registration (shmpc_attach_id, or membarrier refused) keeps
        the full fence. */

/*@ // shmpc_hdr(slots, k): the header (the first 8 bytes, seq and len) of slot k of the slot array
    // at slots, the shmpc__slot at slots + k * stride. WP's typed memory model cannot derive it
    // from the char pointer (a cast it does not follow), so it is named here, and that each
    // header is valid and apart from the handle and the segment header is part of shmpc_handle_ok
    // (what the slot array's validity and shmpc__slot_off's proven `inside` mean in C).
    axiomatic shmpc_slot_headers {
      logic shmpc__slot *shmpc_hdr(char *slots, integer k) reads \nothing;
    }
    // Each slot header valid and apart from the handle and the segment header: a predicate of
    // values only, so that a store to memory the handle does not name leaves it as it was.
    predicate shmpc_headers_ok(char *slots, integer mask, shmpc_ring *r, struct shmpc__seg *seg) =
        \forall integer k; 0 <= k <= mask ==>
            \valid(shmpc_hdr(slots, k)) && \separated(shmpc_hdr(slots, k), r, seg);
    // A handle the shell may act on: what shmpc_attach_id sets up from a header that
    // shmpc__validate accepted (the geometry of its `ok` behaviour, the slot array inside the
    // mapping), the handle itself apart from the shared memory, and a peer entry for a role.
    predicate shmpc_handle_ok(shmpc_ring *r) =
        \valid(r) && \valid(r->seg) && r->capacity == r->mask + 1 &&
        shmpc_slots_ok(r->slots, r->mask, r->stride, r->slot_size) &&
        shmpc_headers_ok(r->slots, r->mask, r, r->seg) &&
        (r->role == SHMPC_PRODUCER || r->role == SHMPC_CONSUMER ==> 0 <= r->peer < SHMPC_MAX_PEERS) &&
        \separated(r, r->seg) && \separated(r, r->slots + (0 .. (r->mask + 1) * r->stride - 1)) &&
        \separated(r->seg, r->slots + (0 .. (r->mask + 1) * r->stride - 1));
    // Any handle the API may be given: null, closed or never attached (no segment), or open; the
    // one-compare gate r->go names a role only while a segment is attached.
    predicate shmpc_handle(shmpc_ring *r) =
        r == \null || (\valid(r) && (r->seg != \null ==> shmpc_handle_ok(r)) &&
                       (r->go != 0 ==> r->seg != \null && r->go == r->role));
    // The handle attach has set up when it reclaims dead peers' entries (shmpc__reclaim): the
    // clauses of shmpc_handle_ok but the peer entry, which it has not taken yet. Repeated, not
    // shared: with shmpc_handle_ok written as this predicate and the peer clause, shmpc_release's
    // postcondition `kept` was no longer proven (CVC4 and Z3 out of 20 s at a 64-bit size_t).
    predicate shmpc_handle_mapped(shmpc_ring *r) =
        \valid(r) && \valid(r->seg) && r->capacity == r->mask + 1 &&
        shmpc_slots_ok(r->slots, r->mask, r->stride, r->slot_size) &&
        shmpc_headers_ok(r->slots, r->mask, r, r->seg) &&
        \separated(r, r->seg) && \separated(r, r->slots + (0 .. (r->mask + 1) * r->stride - 1)) &&
        \separated(r->seg, r->slots + (0 .. (r->mask + 1) * r->stride - 1));
    // A caller's batch of n iovs (shmpc_try_push_many, shmpc_try_pop_many and their SPSC and
    // MPMC halves): each iov's bytes valid, to read for a push (readable) or to write for a pop
    // (writable), and apart from the slot array (off_ring); the iov array itself apart from the
    // handle and from every slot header (array_apart: at 32 bits an iov's length is a 32-bit
    // word, as the handle's and the headers' are); for a push, each message fits a slot (fit).
    predicate shmpc_iovs_readable(shmpc_iov *v, integer n) = \forall integer k; 0 <= k < n ==>
        v[k].base != \null ==> \valid_read((char *)v[k].base + (0 .. v[k].len - 1));
    predicate shmpc_iovs_writable(shmpc_iov *v, integer n) = \forall integer k; 0 <= k < n ==>
        v[k].base != \null ==> \valid((char *)v[k].base + (0 .. v[k].len - 1));
    predicate shmpc_iovs_off_ring(shmpc_iov *v, integer n, shmpc_ring *r) = \forall integer k; 0 <= k < n ==>
        v[k].base != \null ==> \separated((char *)v[k].base + (0 .. v[k].len - 1), r->slots + (0 .. (r->mask + 1) * r->stride - 1));
    predicate shmpc_iovs_array_apart(shmpc_iov *v, integer n, shmpc_ring *r) =
        \separated(v + (0 .. n - 1), r, r->seg) && \forall integer k; 0 <= k <= r->mask ==> \separated(shmpc_hdr(r->slots, k), v + (0 .. n - 1));
    predicate shmpc_iovs_fit(shmpc_iov *v, integer n, integer size) = \forall integer k; 0 <= k < n ==>
        v[k].len <= size && (v[k].base != \null || v[k].len == 0);
*/

/* The slot header of index i (inside the slot array: shmpc__slot_off), from the handle or from its
   geometry copied into locals, and the slot array as the bytes the proven core copies into and out of.
   Eva (make eva, SHMPC__EVA) follows the cast: it runs the code as compiled. */
#if !defined(__FRAMAC__) || defined(SHMPC__EVA)
#define SHMPC__SLOT_AT(slots, i, mask, stride) ((shmpc__slot *)(void *)((slots) + shmpc__slot_off((shmpc_idx)(i), (mask), (stride))))
#else
/* WP's typed memory model cannot follow the cast of a char pointer to a slot header: under Frama-C
   the header of the slot of index i is shmpc_hdr(slots, i & mask) (see shmpc_handle_ok), and this
   contract requires at each use what shmpc__slot_off requires. */
/*@ requires geometry: 0 <= mask < 2147483648 && 8 <= stride <= 1073741839;
    requires fits: (mask + 1) * stride <= SIZE_MAX;
    assigns \result \from slots, i, mask;
    ensures header: \result == shmpc_hdr(slots, i & mask);
*/
shmpc__slot *shmpc__fc_slot(char *slots, shmpc_idx i, uint32_t mask, uint32_t stride);
#define SHMPC__SLOT_AT(slots, i, mask, stride) shmpc__fc_slot((slots), (shmpc_idx)(i), (mask), (stride))
#endif
#define SHMPC__SLOT(r, i) SHMPC__SLOT_AT((r)->slots, i, (r)->mask, (r)->stride)
#define SHMPC__BYTES(r) ((r)->slots)

/* Wakes sleepers of one direction (ev: data_ev or space_ev), and its pollers if any registered
   (shmpc_fd). Without an OS, sleeping does not exist. */
/*@ requires \valid(ev);
    assigns *ev;
*/
SHMPC__OUTLINE void shmpc__os_wake(shmpc_ring *r, shmpc__a32 *ev);
/* gcc's TSan does not model fences and says so (-Wtsan); the pairings are argued beside each fence
   and model-checked (make bmc). Every function that contains one is wrapped in these two. */
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 12
#  define SHMPC__FENCES_BEGIN _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wtsan\"")
#  define SHMPC__FENCES_END _Pragma("GCC diagnostic pop")
#else
#  define SHMPC__FENCES_BEGIN
#  define SHMPC__FENCES_END
#endif
SHMPC__FENCES_BEGIN
/*@ requires r: \valid_read(r);
    requires words: \valid(waiters) && \valid(ev);
    assigns *ev;
*/
SHMPC__INLINE void shmpc__notify(shmpc_ring *r, shmpc__a32 *waiters, shmpc__a32 *ev) {
    if (SHMPC__LIKELY(r->asym)) shmpc__signal_fence(seq_cst); /* F1, asymmetric: pairs with F2 + membarrier */
    else shmpc__fence(seq_cst);                                /* F1: pairs with F2 in shmpc__wait */
    if (SHMPC__UNLIKELY(shmpc__ld(waiters, relaxed) != 0u)) {
        shmpc__add(ev, 1u, release);
        shmpc__os_wake(r, ev);
    }
}

/* Counts a sleeper (futex) or a poller (shmpc_fd) in a waiter or poller count (the registration of F2:
   the seq_cst fence after it is the caller's). Notifiers only ask "is it 0?". The word is shared
   and a peer may have stored anything into it: an increment that would leave it 0, or within 2^16
   below the wrap where further increments reach 0 ("nobody waits") while we are counted, also
   moves it by 2^31, away from 0 for good. The damage of a hostile store is then bounded: notifiers
   that find the count non-zero make a wake-up call they did not need (see the trust model). */
#define SHMPC__COUNT_SLACK 0x10000u
SHMPC__INLINE void shmpc__count_in(shmpc__a32 *w) {
    uint32_t cur = shmpc__ld(w, relaxed), i;
    for (i = 0; i < SHMPC_RETRIES; i++) {
        uint32_t next = cur + 1u;
        if ((uint32_t)(next + SHMPC__COUNT_SLACK) <= SHMPC__COUNT_SLACK) next += 0x80000000u;
        if (shmpc__cas(w, &cur, next, relaxed)) return; /* cur reloaded on failure */
    }
    shmpc__add(w, 1u, relaxed); /* contention without end: count in as before */
}

/* Registers a sleeper of one direction before its last look at the ring (F2) and returns the
   event word's value to sleep on. The increment may be relaxed: F2 orders it before the look. The
   event word only ever goes up and is compared by the futex: a stale value returns at once. */
SHMPC__INLINE uint32_t shmpc__sleep_arm(shmpc__a32 *waiters, shmpc__a32 *ev) {
    uint32_t e = shmpc__ld(ev, relaxed);
    shmpc__count_in(waiters);
    shmpc__fence(seq_cst); /* F2: pairs with F1 in shmpc__notify */
    return e;
}
SHMPC__FENCES_END

/*@ requires r: \valid_read(r) && \valid_read(r->seg);
    assigns \nothing;
*/
SHMPC__INLINE int shmpc__closed(const shmpc_ring *r, uint32_t bit) {
    return (shmpc__ld(&r->seg->ends, acquire) & bit) != 0u; /* A5: pairs with R5 in shmpc_close */
}

SHMPC_API int shmpc_format(void *mem, size_t size, const shmpc_opts *o) {
    struct shmpc__seg *s = (struct shmpc__seg *)mem;
    volatile unsigned char *z = (volatile unsigned char *)mem;
    uint64_t total;
    uint32_t i, stride;
    if (!mem || !o) return SHMPC_EINVAL;
    if ((uintptr_t)mem % 8u != 0u) return SHMPC_EINVAL; /* 64-bit header fields, 4-byte atomics */
    if (!shmpc__geometry_ok(o->capacity, o->slot_size)) return SHMPC_EINVAL;
    if (o->mode != SHMPC_SPSC && o->mode != SHMPC_MPMC) return SHMPC_EINVAL;
    if (o->mode == SHMPC_MPMC && o->capacity < 2u) return SHMPC_EINVAL; /* seq p+1 would mean both "full" and "free" */
    if ((o->flags & ~SHMPC_F_ALL) != 0u) return SHMPC_EINVAL;
    total = shmpc__total(o->capacity, o->slot_size);
    if (total > (uint64_t)size) return SHMPC_ESIZE;
    /* The magic first, then the rest zeroed (volatile: no call to memset): a segment its creator
       has marked as shmpc's (shmpc__stamp) keeps the mark throughout. */
    for (i = 0; i < 8; i++) s->magic[i] = shmpc__magic[i];
    for (i = 8; i < SHMPC_HEADER_SIZE; i++) z[i] = 0;
    stride = shmpc__stride(o->slot_size);
    s->version = SHMPC_LAYOUT_VERSION;
    s->abi = SHMPC__ABI;
    s->header_size = SHMPC_HEADER_SIZE;
    s->capacity = o->capacity;
    s->slot_size = o->slot_size;
    s->slot_stride = stride;
    s->mode = o->mode;
    s->flags = o->flags;
    s->total_size = total;
    s->start_index = (uint32_t)(shmpc_idx)o->start_index;
    shmpc__st(&s->tail, (shmpc_idx)o->start_index, relaxed);
    shmpc__st(&s->head, (shmpc_idx)o->start_index, relaxed);
    for (i = 0; i < o->capacity; i++) { /* slot of position p = start + i is free for p */
        shmpc_idx p = (shmpc_idx)(o->start_index + i);
        shmpc__slot *sl = (shmpc__slot *)(void *)((unsigned char *)mem + SHMPC_HEADER_SIZE +
                                                  (size_t)shmpc__slot_of(p, o->capacity - 1u) * stride);
        shmpc__st(&sl->seq, p, relaxed);
        shmpc__st(&sl->len, 0u, relaxed);
    }
    shmpc__st(&s->state, SHMPC__READY, release); /* pairs with the acquire in shmpc_attach_id */
    return SHMPC_OK;
}

/*@ assigns \nothing;
    ensures invalid: !shmpc_geometry(capacity, slot_size) ==> \result == 0;
    ensures valid: shmpc_geometry(capacity, slot_size) ==> \result == shmpc_total(capacity, slot_size);
*/
SHMPC_API size_t shmpc_footprint(uint32_t capacity, uint32_t slot_size) {
    if (!shmpc__geometry_ok(capacity, slot_size)) return 0;
    return (size_t)shmpc__total(capacity, slot_size);
}

/* 1 running, 0 dead, -1 unknown (no OS layer). The OS body (>>os, not proven) saves and restores
   errno around its system calls. */
/*@ assigns \nothing;
    ensures verdict: -1 <= \result <= 1;
*/
SHMPC__PRIVATE int shmpc__os_alive(uint32_t pid, uint64_t start);
/* This process's pid, for the word of an entry it is busy with (SHMPC__BUSY): 0 without an OS,
   where no entry is ever judged. */
/*@ assigns \nothing;
    ensures pid: \result < 2147483648;
*/
SHMPC__PRIVATE uint32_t shmpc__os_self(void);
SHMPC__PRIVATE int shmpc__orphans(const shmpc_ring *r, uint32_t role, shmpc__a32 *count, uint32_t n);

/* Takes a peer entry armed through shmpc_fd (SHMPC__PF_POLLING) out of the waiter and poller
   counts of its direction, exactly once: whoever clears the flag (a notifier, the poller itself, or
   the reclaim of its dead entry) uncounts it. 1 if this call did. */
/*@ requires seg: \valid(s);
    requires entry: \valid(p);
    assigns p->pflags, s->data_pollers, s->space_pollers, s->data_waiters, s->space_waiters;
    ensures bool: \result == 0 || \result == 1;
*/
SHMPC__PRIVATE int shmpc__uncount_poller(struct shmpc__seg *s, shmpc__peer *p, uint32_t role) {
    if (!(shmpc__and(&p->pflags, ~SHMPC__PF_POLLING, acq_rel) & SHMPC__PF_POLLING)) return 0;
    shmpc__sub(role == SHMPC_CONSUMER ? &s->data_pollers : &s->space_pollers, 1u, relaxed);
    shmpc__sub(role == SHMPC_CONSUMER ? &s->data_waiters : &s->space_waiters, 1u, relaxed);
    return 1;
}

/* Frees peer entry i: its words cleared, then its pid 0 with release, which pairs with the acquire
   of the next owner's claim and of every judge of the entry (recovery, census): none of them sees
   the entry free with the old owner's role or flags. */
/*@ requires seg: \valid(s);
    requires entry: i < SHMPC_MAX_PEERS;
    assigns s->peers[i].role, s->peers[i].pflags, s->peers[i].pend_n, s->peers[i].pid;
*/
SHMPC__PRIVATE void shmpc__free_entry(struct shmpc__seg *s, uint32_t i) {
    shmpc__st(&s->peers[i].role, 0u, relaxed);
    shmpc__st(&s->peers[i].pflags, 0u, relaxed);
    shmpc__st(&s->peers[i].pend_n, 0u, relaxed);
    shmpc__st(&s->peers[i].pid, 0u, release);
}

/* Releases the caller's peer entry (the role count taken by attach is the caller's to handle). */
/*@ requires r: \valid(r) && \valid(r->seg) && \separated(r, r->seg);
    requires entry: r->peer < SHMPC_MAX_PEERS;
    assigns r->peer, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].role, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pflags,
            r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pend_n, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pid;
    ensures left: r->peer < 0;
    ensures seg: r->seg == \old(r->seg);
*/
SHMPC__PRIVATE void shmpc__leave(shmpc_ring *r) {
    if (r->peer >= 0) {
        shmpc__free_entry(r->seg, (uint32_t)r->peer);
        r->peer = -1;
    }
}

/* The start time a peer entry records (0: unknown, never presumed dead). */
/*@ requires entry: \valid_read(p);
    assigns \nothing;
*/
SHMPC__INLINE uint64_t shmpc__peer_start(const shmpc__peer *p) {
    return (uint64_t)shmpc__ld(&p->start_lo, relaxed) | (uint64_t)shmpc__ld(&p->start_hi, relaxed) << 32;
}

/* The liveness of the process an entry names (pid: its pid word as read): a registered peer by its
   id and start time (start 0: unknown, never presumed dead); a busy entry by its worker's pid
   alone (0: unknown), since its start words may still be the last owner's. 1 running, 0 dead,
   -1 unknown. */
/*@ requires entry: \valid_read(p);
    assigns \nothing;
    ensures verdict: -1 <= \result <= 1;
*/
SHMPC__PRIVATE int shmpc__entry_alive(const shmpc__peer *p, uint32_t pid) {
    uint64_t start;
    if (pid & SHMPC__BUSY) return (pid & ~SHMPC__BUSY) == 0u ? -1 : shmpc__os_alive(pid & ~SHMPC__BUSY, 0u);
    start = shmpc__peer_start(p);
    return start == 0u ? -1 : shmpc__os_alive(pid, start);
}

/* Whether position pos lies in a peer's pending range: pending .. pending + pend_n - 1 (pend_n 0 or
   1: the one position; a batch's range claim records more), bounded by the capacity whatever a peer
   wrote. */
SHMPC__INLINE int shmpc__pending_at(const shmpc_ring *r, const shmpc__peer *p, shmpc_idx pos) {
    uint32_t n = shmpc__ld(&p->pend_n, relaxed);
    if (n == 0u) n = 1u;
    return (uint32_t)(shmpc_idx)(pos - (shmpc_idx)shmpc__ld(&p->pending, relaxed)) < (n < r->capacity ? n : r->capacity);
}

/* MPMC: whether crash recovery still needs a dead peer's entry (its pending range): a position in it
   that a producer claimed and neither committed nor had skipped, or that a consumer took and did not
   free. SPSC needs none: the indices say everything. The ring's geometry comes as values (the
   reclaim keeps the handle's in locals: its stores into the segment leave them as they were). */
/*@ requires seg: \valid_read(s);
    requires geometry: 0 <= mask < 2147483648 && 8 <= stride <= 1073741839 && (mask + 1) * stride <= SIZE_MAX;
    requires headers: \forall integer k; 0 <= k <= mask ==> \valid_read(shmpc_hdr(slots, k));
    requires entry: \valid_read(p);
    assigns \nothing;
    ensures bool: \result == 0 || \result == 1;
*/
SHMPC__PRIVATE int shmpc__still_needed(const struct shmpc__seg *s, char *slots, uint32_t mask, uint32_t stride,
                                       uint32_t mode, const shmpc__peer *p, uint32_t role) {
    const uint32_t cap = mask + 1u;
    shmpc_idx first = (shmpc_idx)shmpc__ld(&p->pending, relaxed);
    shmpc_idx hd = (shmpc_idx)shmpc__ld(&s->head, acquire), tl = (shmpc_idx)shmpc__ld(&s->tail, acquire);
    uint32_t n = shmpc__ld(&p->pend_n, relaxed), k;
    if (mode != SHMPC_MPMC) return 0;
    if (n == 0u) n = 1u;
    if (n > cap) n = cap;
    /*@ loop invariant 0 <= k <= n;
        loop invariant bound: n <= mask + 1; // whatever pend_n a peer wrote: at most one lap
        loop assigns k;
        loop variant n - k;
    */
    for (k = 0; k < n; k++) {
        shmpc_idx pos = (shmpc_idx)(first + k), seq = (shmpc_idx)shmpc__ld(&SHMPC__SLOT_AT(slots, pos, mask, stride)->seq, acquire);
        if (role == SHMPC_PRODUCER ? (uint32_t)(shmpc_idx)(tl - pos) - 1u < cap && /* claimed */
                                     (uint32_t)(shmpc_idx)(pos - hd) < cap && seq == pos /* not taken, not committed */
                                   : (uint32_t)(shmpc_idx)(hd - pos) - 1u < cap && /* taken */
                                     seq == (shmpc_idx)(pos + 1u)) /* not freed */
            return 1;
    }
    return 0;
}

/* Ends a side in `ends` (R5: pairs with A5), and the ring (state 2) once both have ended. */
/*@ requires seg: \valid(s);
    assigns s->ends, s->state;
*/
SHMPC__PRIVATE void shmpc__end(struct shmpc__seg *s, uint32_t bit) {
    if ((shmpc__or(&s->ends, bit, acq_rel) | bit) == (SHMPC__PROD_CLOSED | SHMPC__CONS_CLOSED))
        shmpc__st(&s->state, SHMPC__CLOSED, release);
}

/* Whether the side of `role` has ended in its count (SHMPC__ENDED; see shmpc_close): if so, ends it
   in `ends` too, since its last closer may have died between the two. The count's acquire gives
   this caller what the closer published; shmpc__end's release hands it on. */
/*@ requires seg: \valid(s);
    assigns s->ends, s->state;
    ensures bool: \result == 0 || \result == 1;
*/
SHMPC__PRIVATE int shmpc__ended(struct shmpc__seg *s, uint32_t role) {
    if (shmpc__ld(role == SHMPC_PRODUCER ? &s->producers : &s->consumers, acquire) != SHMPC__ENDED) return 0;
    shmpc__end(s, role == SHMPC_PRODUCER ? SHMPC__PROD_CLOSED : SHMPC__CONS_CLOSED);
    return 1;
}

/* Takeover (see CRASHES): entries of dead peers of `role` leave the peer table, so that a restarted
   process takes their place, for ever. A registered peer is dead by the liveness rule (a start time
   0 is never presumed dead); its entry stays while crash recovery still needs it
   (shmpc__still_needed). A busy entry (SHMPC__BUSY) is judged by its worker's pid alone: one
   whose worker died inside attach (registering, taking over, or reclaiming) is reclaimed too, not
   lost. The compare-and-swap of the pid word to this process's busy word makes one caller the
   reclaimer; one that dies there leaves the entry busy under its own pid, for the next. An entry
   with no role (a registration killed before its role's store, or a free killed before its pid's)
   is freed by an attacher of either role: its count, if its process took one, is an orphan
   (shmpc__orphans). An entry with the role is a dead peer of it, whatever its fields are (the last
   owner's or a registrant's, who held the role's count either way). An MPMC peer that died before
   closing gives its count back here (after its entry's free: a reclaimer killed between the two
   leaves one count that nobody holds, never one given back twice). One that died inside
   shmpc_close (PF_CLOSING) may have ended its side in the count (SHMPC__ENDED, which stays; the
   end is finished here); an SPSC one that had not still holds its count; an MPMC one that was not
   the last may or may not have given its count back: it is left as is (at worst one count that
   nobody holds, which makes the other side see this side dead rather than closed). SPSC, a side
   not ended: the dead holder's count is not given back, and its entry is not freed: the caller
   takes both over (*kept: the entry, left busy under the caller's pid until the caller registers
   in it), so that no other attacher takes the role between the reclaim and the caller's
   registration, and *held (1 if the dead consumer held a peek of the message at head: redelivered
   to the taker, and said so) cannot be lost by an attach that fails after the reclaim. Further
   dead SPSC entries are freed without a give-back (the one count is kept). Returns how many
   entries were reclaimed. Proven for any words a peer stored: every access inside the segment and
   the slot array, every loop bounded, *kept an entry's index or -1 (SPSC only, once), *held set
   only to 1. */
/*@ requires handle: shmpc_handle_mapped(r);
    requires role: role == SHMPC_PRODUCER || role == SHMPC_CONSUMER;
    requires out: \valid(held) && \valid(kept) && \separated(held, kept);
    requires apart: \separated(held, r, r->seg) && \separated(kept, r, r->seg);
    requires kept_in: -1 <= *kept < SHMPC_MAX_PEERS;
    assigns *held, *kept, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pid, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].role,
            r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pflags, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pend_n,
            r->seg->producers, r->seg->consumers, r->seg->reclaimed, r->seg->ends, r->seg->state,
            r->seg->data_pollers, r->seg->space_pollers, r->seg->data_waiters, r->seg->space_waiters;
    ensures kept: -1 <= *kept < SHMPC_MAX_PEERS;
    ensures once: \old(*kept) >= 0 || \old(r->mode) != SHMPC_SPSC ==> *kept == \old(*kept);
    ensures held: *held == \old(*held) || *held == 1;
    ensures count: 0 <= \result <= SHMPC_MAX_PEERS;
*/
SHMPC__PRIVATE int shmpc__reclaim(shmpc_ring *r, uint32_t role, int *held, int *kept) {
    struct shmpc__seg *s = r->seg;
    char *slots = SHMPC__BYTES(r); /* the geometry in locals: the stores below are into the segment */
    const uint32_t mask = r->mask, stride = r->stride, mode = r->mode, me = SHMPC__BUSY | shmpc__os_self();
    shmpc__a32 *count = role == SHMPC_PRODUCER ? &s->producers : &s->consumers;
    int i, n = 0;
    /*@ loop invariant 0 <= i <= SHMPC_MAX_PEERS && 0 <= n <= i;
        loop invariant geometry: 0 <= mask < 2147483648 && 8 <= stride <= 1073741839 && (mask + 1) * stride <= SIZE_MAX;
        loop invariant headers: \forall integer k; 0 <= k <= mask ==> \valid_read(shmpc_hdr(slots, k));
        loop invariant kept: -1 <= *kept < SHMPC_MAX_PEERS;
        loop invariant once: \at(*kept, Pre) >= 0 || mode != SHMPC_SPSC ==> *kept == \at(*kept, Pre);
        loop invariant held: *held == \at(*held, Pre) || *held == 1;
        loop assigns i, n, *held, *kept, s->peers[0 .. SHMPC_MAX_PEERS - 1].pid, s->peers[0 .. SHMPC_MAX_PEERS - 1].role,
            s->peers[0 .. SHMPC_MAX_PEERS - 1].pflags, s->peers[0 .. SHMPC_MAX_PEERS - 1].pend_n,
            s->producers, s->consumers, s->reclaimed, s->ends, s->state,
            s->data_pollers, s->space_pollers, s->data_waiters, s->space_waiters;
        loop variant SHMPC_MAX_PEERS - i;
    */
    for (i = 0; i < SHMPC_MAX_PEERS; i++) { /* bounded: 64 entries, whatever they hold */
        shmpc__peer *p = &s->peers[i];
        uint32_t pid = shmpc__ld(&p->pid, acquire), owner, flags, one, k;
        if (pid == 0u) continue;
        owner = shmpc__ld(&p->role, acquire);
        if ((owner != role && owner != 0u) || shmpc__entry_alive(p, pid) != 0) continue; /* 0: dead */
        if (!(pid & SHMPC__BUSY) && owner != 0u && shmpc__still_needed(s, slots, mask, stride, mode, p, role)) continue;
        /* this caller alone reclaims it: the pid word becomes busy under this process (not free),
           which nobody reclaims while this process runs (two takers both giving one count back; a
           stale one clearing the entry the other registered in since) */
        if (!shmpc__cas(&p->pid, &pid, me, acq_rel)) continue;
        SHMPC_TEST_HOOK("reclaim-busy");
        /* its process is dead: its role now reads as that process left it (the report of the death,
           and this compare-and-swap, order its stores before); the look above was a filter. A
           registration of the other role, which stored its role since, goes back as it was. */
        owner = shmpc__ld(&p->role, relaxed);
        if (owner != role && owner != 0u) {
            shmpc__st(&p->pid, pid, release);
            continue;
        }
        n++;
        shmpc__add(&s->reclaimed, 1u, relaxed);
        if (owner == 0u) { /* no role: a registration, or a free, killed midway */
            shmpc__free_entry(s, (uint32_t)i);
            continue;
        }
        shmpc__uncount_poller(s, p, role); /* it died armed: nobody would uncount it */
        flags = shmpc__ld(&p->pflags, relaxed);
        if (mode == SHMPC_SPSC && *kept < 0 && !shmpc__ended(s, role)) {
            /* its last peek, at head, not released: held (the count and the entry are the caller's) */
            if (role == SHMPC_CONSUMER && shmpc__ld(&p->pending, relaxed) == shmpc__ld(&s->head, acquire))
                *held = 1;
            *kept = i;
            continue;
        }
        shmpc__free_entry(s, (uint32_t)i);
        if (mode == SHMPC_SPSC || shmpc__ended(s, role) || (flags & SHMPC__PF_CLOSING))
            continue; /* SPSC: its side has ended; MPMC: that, or its count may have been given back */
        one = shmpc__ld(count, relaxed); /* never from SHMPC__ENDED */
        /*@ loop invariant tries: 0 <= k <= SHMPC__GIVEBACK_TRIES;
            loop assigns k, one, s->producers, s->consumers;
            loop variant SHMPC__GIVEBACK_TRIES - k;
        */
        for (k = 0; k < SHMPC__GIVEBACK_TRIES && one != 0u && one <= (uint32_t)SHMPC_MAX_PEERS && !shmpc__cas(count, &one, one - 1u, acq_rel); k++) {}
    }
    return n;
}

/* Recomputes r->go after a change of seg, closed, role or pending_op. */
/*@ requires r: \valid(r);
    assigns r->go;
    ensures kept: \at(shmpc_handle_ok(r), Pre) ==> shmpc_handle_ok(r);
    ensures go: r->go == (r->seg != \null && r->closed == 0 && r->pending_op == SHMPC__OP_NONE ? r->role : 0);
*/
SHMPC__INLINE void shmpc__regate(shmpc_ring *r) {
    r->go = r->seg && !r->closed && r->pending_op == SHMPC__OP_NONE ? r->role : 0;
}

/* Records an outstanding reserve or peek (op) of position pos, n bytes (peek), and closes the gate. */
/*@ requires r: \valid(r);
    requires op: op == SHMPC__OP_RESERVED || op == SHMPC__OP_PEEKED;
    assigns r->pending_op, r->pending_pos, r->pending_len, r->go;
    ensures kept: \at(shmpc_handle_ok(r), Pre) ==> shmpc_handle_ok(r);
    ensures held: r->pending_op == op && r->pending_pos == pos && r->pending_len == n && r->go == 0;
*/
SHMPC__INLINE void shmpc__hold(shmpc_ring *r, int op, shmpc_idx pos, uint32_t n) {
    r->pending_op = op;
    r->pending_pos = pos;
    r->pending_len = n;
    shmpc__regate(r);
}

/* SPSC: publishes the n indices from `from` in their slots (R7: seq = index + 1), after the
   caller published them in tail (R1). The batch push publishes each slot of its batch so; a
   producer that attaches publishes every index between head and tail again, since the one before
   it may have died between its R1 and its R7 (a slot whose seq already says so is left as it was:
   the value is the same, and nobody but the producer writes a slot's seq in SPSC mode). */
/*@ requires geometry: shmpc_geom(mask, stride, size);
    requires headers: \forall integer k; 0 <= k <= mask ==> \valid(shmpc_hdr(slots, k));
    assigns { shmpc_hdr(slots, k)->seq | integer k; 0 <= k <= mask };
*/
SHMPC__INLINE void shmpc__spsc_publish(char *slots, uint32_t mask, uint32_t stride, uint32_t size, shmpc_idx from, uint32_t n) {
    uint32_t j;
    (void)size; /* in the contract only: the geometry that attach checked */
    /*@ loop invariant 0 <= j <= n;
        loop assigns j, { shmpc_hdr(slots, k)->seq | integer k; 0 <= k <= mask };
        loop variant n - j;
    */
    for (j = 0; j < n; j++) {
        shmpc_idx p = (shmpc_idx)(from + j);
        shmpc__st(&SHMPC__SLOT_AT(slots, p, mask, stride)->seq, (shmpc_idx)(p + 1u), release); /* R7 */
    }
}

SHMPC_API int shmpc_attach_id(shmpc_ring *r, void *mem, size_t size, int role, uint32_t id, uint64_t start) {
    struct shmpc__seg *s = (struct shmpc__seg *)mem;
    shmpc__hdr_snap h;
    shmpc__a32 *count;
    uint32_t n, limit, ends_bit, i;
    int rc, took, held = 0, adopt = 0, kept = -1;
    if (!r || !mem) return SHMPC_EINVAL;
    r->seg = NULL; r->slots = NULL; r->peer = -1; r->kind = SHMPC__PLACE_CALLER; r->shmid = -1;
    r->closed = 1; r->pending_op = SHMPC__OP_NONE; r->map_size = 0; r->role = 0; r->asym = 0; r->go = 0;
    r->redo = 0; r->redo_pos = 0;
    r->wake_sock = -1; r->poller = NULL;
    if (role != SHMPC_PRODUCER && role != SHMPC_CONSUMER && role != SHMPC_OBSERVER) return SHMPC_EINVAL;
    if (role != SHMPC_OBSERVER && (id == 0u || (id & SHMPC__BUSY))) return SHMPC_EINVAL; /* ids: 1 .. 2^31 - 1 */
    if ((uintptr_t)mem % 8u != 0u) return SHMPC_EINVAL;
    if (size < SHMPC_HEADER_SIZE) {
        for (i = 0; i < 8 && i < size; i++)
            if (((const unsigned char *)mem)[i] != shmpc__magic[i]) return SHMPC_ENOTSHMPC;
        return SHMPC_ESIZE;
    }
    h.state = shmpc__ld(&s->state, acquire); /* pairs with the release in shmpc_format */
    for (i = 0; i < 8; i++) h.magic[i] = s->magic[i];
    h.version = s->version; h.abi = s->abi; h.header_size = s->header_size;
    h.capacity = s->capacity; h.slot_size = s->slot_size; h.slot_stride = s->slot_stride;
    h.mode = s->mode; h.flags = s->flags; h.total_size = s->total_size;
    rc = shmpc__validate(&h, size, SHMPC__ABI);
    if (rc != SHMPC_OK) return rc;
    if (h.mode == SHMPC_MPMC && h.capacity < 2u) return SHMPC_ECORRUPT; /* see shmpc_format */
    /* closed is stored after both ends bits (shmpc_close), and its acquire load above shows them */
    if (h.state == SHMPC__CLOSED && (shmpc__ld(&s->ends, acquire) & 3u) != 3u) return SHMPC_ECORRUPT;
    r->seg = s;
    r->slots = (char *)mem + SHMPC_HEADER_SIZE;
    r->map_size = size;
    r->capacity = h.capacity; r->mask = h.capacity - 1u; r->slot_size = h.slot_size;
    r->stride = h.slot_stride; r->mode = h.mode; r->role = role;
    if (role == SHMPC_OBSERVER) { r->closed = 0; shmpc__regate(r); return SHMPC_OK; }
    count = role == SHMPC_PRODUCER ? &s->producers : &s->consumers;
    ends_bit = role == SHMPC_PRODUCER ? SHMPC__PROD_CLOSED : SHMPC__CONS_CLOSED;
    limit = h.mode == SHMPC_SPSC ? 1u : (uint32_t)SHMPC_MAX_PEERS;
    if (shmpc__ld(&s->ends, acquire) & ends_bit) return SHMPC_ECLOSED;
    /* Dead holders of this role give way: their entries and counts (takeover, see CRASHES). SPSC:
       the one holder's count and entry are taken over as they are. MPMC: the count is taken
       first, so that a live peer closing meanwhile never sees itself as the last of its side (and
       ends it) because the dead gave their counts back before the newcomer took one; first only
       if the count is full. */
    took = h.mode == SHMPC_SPSC || shmpc__ld(count, relaxed) >= limit ? shmpc__reclaim(r, (uint32_t)role, &held, &kept) : 0;
    /* Take the role: a bounded compare-and-swap loop on the count. A full count that more
       counts than registered entries of the role hold is adopted (shmpc__orphans): its holder
       died between taking it and registering. SPSC: a dead holder's count, taken over with its
       entry (kept), is this caller's already, unless a peer wrote the count meanwhile: then the
       entry is freed and the count taken as by anyone. */
    n = shmpc__ld(count, relaxed);
    if (kept >= 0 && n != 1u) {
        shmpc__free_entry(s, (uint32_t)kept);
        kept = -1;
    }
    for (i = 0; kept < 0; i++) {
        if (n >= limit) {
            if (n == SHMPC__ENDED) { shmpc__ended(s, (uint32_t)role); return SHMPC_ECLOSED; } /* closed meanwhile */
            if (shmpc__orphans(r, (uint32_t)role, count, n)) { adopt = 1; break; }
            return h.mode == SHMPC_SPSC ? SHMPC_EROLE : SHMPC_EPEERS;
        }
        if (i >= SHMPC_RETRIES) return SHMPC_EAGAIN;
        if (shmpc__cas(count, &n, n + 1u, acq_rel)) break;
    }
    SHMPC_TEST_HOOK("attach-counted");
    if (h.mode == SHMPC_MPMC) took += shmpc__reclaim(r, (uint32_t)role, &held, &kept);
    /* Register in the peer table: entries 0, 4, 8, ... first, so that up to 16 peers each have a
       128-byte block of their own (MPMC peers write `pending` on every claim); SPSC, in the dead
       holder's entry taken over. The entry is busy under this process (SHMPC__BUSY) until the
       last store, its id, after its fields: one killed before that leaves an entry that the next
       attach judges by this process's pid and reclaims (shmpc__reclaim; its count, if the role
       was not yet stored, an orphan: shmpc__orphans, proofs/adopt.pml). `pending` starts at a
       position already consumed, which crash recovery never matches (see shmpc__recover); SPSC, a
       held peek taken over: at head, as the dead holder's was, so that the message is delivered
       again flagged even if this taker dies before it. */
    for (i = 0; i < SHMPC_MAX_PEERS; i++) {
        uint32_t zero = 0, j = kept >= 0 ? (uint32_t)kept : (i % 16u) * 4u + i / 16u;
        if (kept < 0 && (shmpc__ld(&s->peers[j].pid, relaxed) != 0u || !shmpc__cas(&s->peers[j].pid, &zero, SHMPC__BUSY | shmpc__os_self(), acq_rel)))
            continue;
        SHMPC_TEST_HOOK("attach-claimed");
        shmpc__st(&s->peers[j].start_lo, (uint32_t)start, relaxed);
        shmpc__st(&s->peers[j].start_hi, (uint32_t)(start >> 32), relaxed);
        shmpc__st(&s->peers[j].pending, (shmpc_idx)(shmpc__ld(&s->head, relaxed) - (held ? 0u : h.capacity + 1u)), relaxed);
        shmpc__st(&s->peers[j].pend_n, 0u, relaxed);
        shmpc__st(&s->peers[j].pflags, 0u, relaxed);
        shmpc__st(&s->peers[j].role, (uint32_t)role, release);
        SHMPC_TEST_HOOK("attach-role");
        shmpc__st(&s->peers[j].pid, id, release); /* registered: after its fields */
        r->peer = (int)j;
        break; /* not a loop condition on r->peer: Eva then loses the entry's index (19 alarms) */
    }
    if (r->peer < 0) { if (!adopt) shmpc__sub(count, 1u, acq_rel); return SHMPC_EPEERS; }
    if (adopt) { /* registered: now the count is this entry's, unless another adopted it too */
        if (shmpc__orphans(r, (uint32_t)role, count, 0u)) { shmpc__leave(r); return SHMPC_EAGAIN; }
        took++;
    }
    /* SPSC: this side's index is private from now on; check the pair is consistent. */
    {
        shmpc_idx hd = (shmpc_idx)shmpc__ld(&s->head, acquire), tl = (shmpc_idx)shmpc__ld(&s->tail, acquire);
        if ((uint32_t)shmpc__used(hd, tl) > h.capacity) {
            shmpc__leave(r);
            if (!adopt) shmpc__sub(count, 1u, acq_rel);
            return SHMPC_ECORRUPT;
        }
        r->own = role == SHMPC_PRODUCER ? tl : hd;
        r->cached = role == SHMPC_PRODUCER ? hd : tl;
        /* a dead producer may have published tail (R1) but not yet a slot's seq (R7) */
        if (role == SHMPC_PRODUCER && h.mode == SHMPC_SPSC) shmpc__spsc_publish(SHMPC__BYTES(r), r->mask, r->stride, r->slot_size, hd, shmpc__used(hd, tl));
        /* the message a dead consumer held in a peek is the next one: delivered again, and said so */
        if (held && role == SHMPC_CONSUMER && h.mode == SHMPC_SPSC) {
            r->redo = 1;
            r->redo_pos = hd;
            shmpc__add(&s->redelivered, 1u, relaxed);
        }
    }
    if (took) shmpc__add(&s->takeovers, 1u, relaxed);
    r->closed = 0;
    shmpc__regate(r);
    /* Pollers of the other side watch the peers of this side (shmpc_fd): wake them to look again. */
    if (shmpc__ld(role == SHMPC_PRODUCER ? &s->data_pollers : &s->space_pollers, relaxed) != 0u)
        shmpc__os_wake(r, role == SHMPC_PRODUCER ? &s->data_ev : &s->space_ev);
    return SHMPC_OK;
}

/* The handle may push (role PRODUCER) or pop (CONSUMER) now: one compare while it is open with
   nothing pending (r->go), else the reason. */
/*@ requires handle: shmpc_handle(r);
    assigns \nothing;
    ensures open: \result == SHMPC_OK ==> r != \null && r->seg != \null && r->role == role;
*/
SHMPC__PRIVATE int shmpc__check_slow(const shmpc_ring *r, int role) {
    if (!r || !r->seg || r->closed) return SHMPC_EINVAL;
    if (r->role != role) return SHMPC_EROLE;
    if (r->pending_op != SHMPC__OP_NONE) return SHMPC_ESEQ;
    return SHMPC_OK;
}
/*@ requires handle: shmpc_handle(r);
    requires role: role != 0;
    assigns \nothing;
    ensures open: \result == SHMPC_OK ==> r != \null && r->seg != \null && r->role == role;
*/
SHMPC__INLINE int shmpc__check(const shmpc_ring *r, int role) {
    if (SHMPC__LIKELY(r && r->go == role)) return SHMPC_OK;
    return shmpc__check_slow(r, role);
}

/* --- producer side --------------------------------------------------------------------------- */

/* SPSC: free slots from the cached head, refreshing it only when the cache says full. */
/*@ requires handle: shmpc_handle_ok(r);
    requires want: want >= 1;
    requires out: \valid(room) && \separated(room, r);
    assigns r->cached, *room;
    ensures kept: shmpc_handle_ok(r);
    ensures room: \result == SHMPC_OK ==> 1 <= *room == r->capacity - shmpc_fill(r->cached, r->own);
*/
SHMPC__INLINE int shmpc__spsc_room(shmpc_ring *r, uint32_t want, uint32_t *room) {
    int rc = shmpc__free_slots(r->cached, r->own, r->capacity, room);
    if (rc == SHMPC_OK && *room >= want) return SHMPC_OK;
    r->cached = (shmpc_idx)shmpc__ld(&r->seg->head, acquire); /* A2: pairs with R2 */
    rc = shmpc__free_slots(r->cached, r->own, r->capacity, room);
    if (rc != SHMPC_OK) return rc;
    if (*room == 0u) return shmpc__closed(r, SHMPC__CONS_CLOSED) ? SHMPC_ECLOSED : SHMPC_EFULL;
    return SHMPC_OK;
}

/* MPMC: a claim's position (a range claim's first) to its caller: a function of its own for the
   provers, whose contract says that the handle survives the store (at a 32-bit size_t, inside the
   range claim's loop, that proof timed out). */
/*@ requires handle: shmpc_handle_ok(r);
    requires out: \valid(pos_out) && \separated(pos_out, r);
    assigns *pos_out;
    ensures kept: shmpc_handle_ok(r);
    ensures set: *pos_out == pos;
*/
SHMPC__INLINE void shmpc__claimed(const shmpc_ring *r, shmpc_idx *pos_out, uint32_t pos) {
    (void)r;
    *pos_out = (shmpc_idx)pos;
}

/* MPMC: one try of shmpc__mpmc_claim at *pos (the index as this caller last saw it): SHMPC_OK
   with the position in *pos_out, the claim's verdict, or SHMPC__RETRY with *pos the position to
   try next. A function of its own for the provers (as shmpc__mpmc_take_at): the claim's loop then
   only repeats a call whose contract says that the handle survives it. */
#define SHMPC__RETRY 1 /* not a result of the API: every error code is negative, SHMPC_OK 0 */
/*@ requires handle: shmpc_handle_ok(r);
    requires index: index == &r->seg->tail || index == &r->seg->head;
    requires out: \valid(pos) && \valid(pos_out) && \separated(pos, pos_out, r, r->seg);
    assigns *index, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pending, *pos, *pos_out;
    ensures kept: shmpc_handle_ok(r);
*/
SHMPC__INLINE int shmpc__mpmc_claim_at(shmpc_ring *r, shmpc__a32 *index, uint32_t plus, uint32_t *pos, shmpc_idx *pos_out) {
    const uint32_t at = *pos; /* *pos: written by the compare-and-swap */
    shmpc__slot *sl = SHMPC__SLOT(r, at);
    shmpc_idx seq = (shmpc_idx)shmpc__ld(&sl->seq, acquire); /* A3/A4: pairs with R3/R4 */
    int c = shmpc__seq_class(seq, (shmpc_idx)(at + plus), r->capacity);
    if (c == SHMPC__SEQ_READY) {
        if (r->role == SHMPC_PRODUCER) /* recorded before the claim, for crash recovery */
            shmpc__st(&r->seg->peers[r->peer].pending, at, relaxed);
        if (shmpc__cas(index, pos, (shmpc_idx)(at + 1u), acq_rel)) { shmpc__claimed(r, pos_out, at); return SHMPC_OK; } /* R6; A6 if lost */
        if (r->role == SHMPC_PRODUCER) /* lost: un-record (a consumed position, see shmpc__recover) */
            shmpc__st(&r->seg->peers[r->peer].pending, (shmpc_idx)(*pos - r->capacity - 1u), relaxed);
        return SHMPC__RETRY; /* *pos reloaded by the failed compare-and-swap */
    }
    {
        uint32_t now = shmpc__ld(index, acquire); /* A6, and V1: the verdict below is sound */
        if ((shmpc_idx)now != (shmpc_idx)at) { *pos = now; return SHMPC__RETRY; } /* we were stale */
    }
    if (c == SHMPC__SEQ_BEHIND) return plus ? SHMPC_EEMPTY : SHMPC_EFULL;
    return SHMPC_ECORRUPT; /* AHEAD or BAD while nobody moved the index: impossible */
}

/* MPMC: claims position *pos (slot seq == pos) by compare-and-swap on tail. Every index value the
   loop judges a slot against is acquired (A6, the initial load, the failed compare-and-swap and
   the re-load) from the chain of claims (R6), so the verdict is never made on a stale view. */
/*@ requires handle: shmpc_handle_ok(r);
    requires index: index == &r->seg->tail || index == &r->seg->head;
    requires out: \valid(pos_out) && \separated(pos_out, r, r->seg);
    assigns *index, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pending, *pos_out;
    ensures kept: shmpc_handle_ok(r);
*/
SHMPC__PRIVATE int shmpc__mpmc_claim(shmpc_ring *r, shmpc__a32 *index, uint32_t plus, shmpc_idx *pos_out) {
    uint32_t pos = shmpc__ld(index, acquire), i; /* A6: pairs with R6 */
    /*@ loop invariant 0 <= i <= SHMPC_RETRIES;
        loop invariant kept: shmpc_handle_ok(r);
        loop assigns i, pos, *index, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pending, *pos_out;
        loop variant SHMPC_RETRIES - i;
    */
    for (i = 0; i < SHMPC_RETRIES; i++) {
        int rc = shmpc__mpmc_claim_at(r, index, plus, &pos, pos_out);
        if (rc != SHMPC__RETRY) return rc;
    }
    return SHMPC_EAGAIN;
}

/* MPMC: a range claim's slots are all published (push) or freed (pop), or a range recorded was
   not claimed: the caller's entry no longer records one for crash recovery (pend_n 0; see
   shmpc__mpmc_claim_range). */
/*@ requires handle: shmpc_handle_ok(r);
    requires peer: r->role == SHMPC_PRODUCER || r->role == SHMPC_CONSUMER;
    assigns r->seg->peers[r->peer].pend_n;
    ensures kept: shmpc_handle_ok(r);
*/
SHMPC__INLINE void shmpc__range_done(shmpc_ring *r) {
    shmpc__st(&r->seg->peers[r->peer].pend_n, 0u, relaxed);
}

/* MPMC batches: claims a range of positions from *index (tail: plus 0, free slots; head: plus 1,
   published messages whose lengths fit bufs[from], bufs[from + 1], ...) in one compare-and-swap;
   returns how many, up to min(n - from, capacity), *pos_out the first. 0: fewer than two are ready (or the retries ran out), and
   the single claim decides (stale index, full, empty, discard marks, EMSGSIZE, corrupt). Each slot
   is judged as in shmpc__mpmc_claim, against an acquired index; the range is the prefix of ready
   ones (slots of a lap free out of order; a message may not fit; a discard mark never fits). It is
   recorded (pending, pend_n) before the claim, for crash recovery (shmpc__pending_at); the caller
   sets pend_n back to 0 once it has published or freed the slots. A consumer re-reads each
   length after the claim: a peer may still scribble on it. */
/*@ requires handle: shmpc_handle_ok(r);
    requires role: r->role == SHMPC_PRODUCER || r->role == SHMPC_CONSUMER;
    requires index: index == &r->seg->tail || index == &r->seg->head;
    requires from: from < n;
    requires bufs: bufs == \null || (\valid_read(bufs + (0 .. n - 1)) && \separated(bufs + (0 .. n - 1), r, r->seg));
    requires out: \valid(pos_out) && \separated(pos_out, r, r->seg) &&
        (bufs == \null || \separated(pos_out, bufs + (0 .. n - 1)));
    assigns *index, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pending,
            r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pend_n, *pos_out;
    ensures range: \result == 0 || (2 <= \result <= r->capacity && \result <= n - from);
    ensures bases: bufs != \null ==> \forall integer b; from <= b < from + \result ==>
        bufs[b].base != \null || bufs[b].len == 0;
    ensures kept: shmpc_handle_ok(r);
*/
SHMPC__PRIVATE uint32_t shmpc__mpmc_claim_range(shmpc_ring *r, shmpc__a32 *index, uint32_t plus, const shmpc_iov *bufs,
                                                size_t from, size_t n, shmpc_idx *pos_out) {
    shmpc__peer *me = &r->seg->peers[r->peer];
    const uint32_t max = (uint32_t)(n - from < r->capacity ? n - from : r->capacity);
    size_t end = from + max, b; /* == from + max <= n; the scan is bounded by b < end, one variable: */
    uint32_t pos = shmpc__ld(index, acquire), i, k; /* A6: pairs with R6 */
    if (end > n) end = n; /* (never taken) Eva keeps no relation between from and k */
    /*@ assert max: max <= r->capacity && max <= n - from; */
    /*@ loop invariant 0 <= i <= SHMPC_RETRIES;
        loop invariant kept: shmpc_handle_ok(r);
        loop assigns i, k, b, pos, *index, me->pending, me->pend_n;
        loop variant SHMPC_RETRIES - i;
    */
    for (i = 0; i < SHMPC_RETRIES; i++) {
        uint32_t first = pos;
        /*@ loop invariant 0 <= k <= max && b == from + k && end <= n;
            loop invariant seen: bufs != \null ==> \forall integer m; from <= m < b ==> bufs[m].base != \null || bufs[m].len == 0;
            loop assigns k, b;
            loop variant end - b;
        */
        for (k = 0, b = from; b < end; k++, b++) {
            shmpc__slot *sl = SHMPC__SLOT(r, pos + k);
            uint32_t len;
            if ((shmpc_idx)shmpc__ld(&sl->seq, acquire) != (shmpc_idx)(pos + k + plus)) break; /* A3/A4: pairs with R3/R4 */
            if (!bufs) continue;
            len = shmpc__ld(&sl->len, relaxed); /* peer-written: checked again once claimed */
            if (len > r->slot_size || len > bufs[b].len || (!bufs[b].base && bufs[b].len)) break;
        }
        if (k < 2u) break;
        shmpc__st(&me->pend_n, k, relaxed); /* recorded before the claim, as the single claim's */
        shmpc__st(&me->pending, pos, relaxed);
        /*@ assert kept: shmpc_handle_ok(r); */ /* (a step for the provers: the handle after the record) */
        if (shmpc__cas(index, &pos, (shmpc_idx)(pos + k), acq_rel)) { shmpc__claimed(r, pos_out, pos); return k; } /* R6; A6 if lost */
        /* lost: un-record. The range from first - capacity - 1 holds positions of the lap before,
           consumed and released (each slot of the scan had moved on to this lap): recovery ignores them. */
        shmpc__st(&me->pending, (shmpc_idx)(first - r->capacity - 1u), relaxed);
    }
    if (i > 0u) shmpc__range_done(r); /* a range was recorded: the single claim records one */
    return 0u;
}

/*@ requires r: \valid_read(r) && \valid_read(r->seg);
    assigns \nothing;
    ensures passed: \result == rc || \result == SHMPC_ECLOSED;
*/
SHMPC__INLINE int shmpc__full_or_closed(const shmpc_ring *r, int rc) {
    if ((rc == SHMPC_EFULL || rc == SHMPC_OK) && shmpc__closed(r, SHMPC__CONS_CLOSED)) return SHMPC_ECLOSED;
    return rc;
}

/* SPSC push (shmpc_try_push after its checks). The handle's state in locals: the copy writes
   through a char pointer. */
/*@ requires handle: shmpc_handle_ok(r);
    requires msg: \valid_read(msg + (0 .. len - 1));
    requires sep: \separated(msg + (0 .. len - 1), r->slots + (0 .. (r->mask + 1) * r->stride - 1));
*/
SHMPC__FLATTEN int shmpc__spsc_push(shmpc_ring *r, const char *msg, size_t len) {
    int rc;
    char *slots = SHMPC__BYTES(r);
    const uint32_t capacity = r->capacity, mask = r->mask, stride = r->stride, size = r->slot_size;
    shmpc_idx own = r->own, t;
    shmpc__slot *sl = SHMPC__SLOT_AT(slots, own, mask, stride);
    /* proven core: decides on the cached head (too big, corrupt, full or room), copies, new tail */
    rc = shmpc__put(slots, capacity, mask, stride, size, r->cached, own, msg, len, &t);
    if (SHMPC__UNLIKELY(rc == SHMPC_EFULL)) { /* the cached head says full: decide again on a fresh one */
        r->cached = (shmpc_idx)shmpc__ld(&r->seg->head, acquire); /* A2: pairs with R2 */
        rc = shmpc__put(slots, capacity, mask, stride, size, r->cached, own, msg, len, &t);
    }
    /* the consumer side closed: nothing is published (a copy into a free slot is harmless) */
    if ((rc == SHMPC_OK || rc == SHMPC_EFULL) && SHMPC__UNLIKELY(shmpc__closed(r, SHMPC__CONS_CLOSED)))
        return SHMPC_ECLOSED;
    if (rc != SHMPC_OK) return rc;
    shmpc__st(&sl->len, (uint32_t)len, relaxed); /* ordered by R1 */
    r->own = t;
    shmpc__st(&r->seg->tail, t, release); /* R1: publish the slot; pairs with A1 in pop */
    shmpc__st(&sl->seq, t, release);      /* R7: and in the slot, after R1; pairs with A7 */
    shmpc__notify(r, &r->seg->data_waiters, &r->seg->data_ev);
    return SHMPC_OK;
}
/* The same for a size the small copy does not cover: its call to memcpy stays out of the inline one. */
/*@ requires handle: shmpc_handle_ok(r);
    requires msg: \valid_read(msg + (0 .. len - 1));
    requires sep: \separated(msg + (0 .. len - 1), r->slots + (0 .. (r->mask + 1) * r->stride - 1));
*/
SHMPC__OUTLINE int shmpc__spsc_push_any(shmpc_ring *r, const char *msg, size_t len) {
    return shmpc__spsc_push(r, msg, len);
}

/* MPMC: publishes a claimed slot (pos, header sl = slot m): its length, then its sequence word
   (R3: seq = pos + 1, shmpc__mpmc_published; pairs with A3). */
/*@ requires handle: shmpc_handle_ok(r);
    requires slot: 0 <= m <= r->mask && sl == shmpc_hdr(r->slots, m);
    assigns sl->len, sl->seq;
    ensures kept: shmpc_handle_ok(r);
*/
SHMPC__INLINE void shmpc__mpmc_fill(shmpc_ring *r, shmpc__slot *sl, uint32_t m, shmpc_idx pos, uint32_t len) {
    (void)m; /* in the contract only */
    shmpc__st(&sl->len, len, relaxed);
    shmpc__st(&sl->seq, shmpc__mpmc_published(pos, r->capacity), release); /* R3: publish; pairs with A3 */
}

/* MPMC: frees a taken slot (pos, header sl = slot m) for the producers of the next lap (R4: seq =
   pos + capacity, shmpc__mpmc_freed; pairs with A4). */
/*@ requires handle: shmpc_handle_ok(r);
    requires slot: 0 <= m <= r->mask && sl == shmpc_hdr(r->slots, m);
    assigns sl->seq;
    ensures kept: shmpc_handle_ok(r);
*/
SHMPC__INLINE void shmpc__mpmc_free(shmpc_ring *r, shmpc__slot *sl, uint32_t m, shmpc_idx pos) {
    (void)m; /* in the contract only */
    shmpc__st(&sl->seq, shmpc__mpmc_freed(pos, r->capacity), release); /* R4: free; pairs with A4 */
}

/* MPMC: skips a reservation closed uncommitted (pos, header sl = slot m, its length the discard
   mark), once claimed: the mark goes with it, then the slot is freed (R4, which orders the mark's
   store before it). */
/*@ requires handle: shmpc_handle_ok(r);
    requires slot: 0 <= m <= r->mask && sl == shmpc_hdr(r->slots, m);
    assigns sl->len, sl->seq;
    ensures kept: shmpc_handle_ok(r);
*/
SHMPC__INLINE void shmpc__mpmc_skip(shmpc_ring *r, shmpc__slot *sl, uint32_t m, shmpc_idx pos) {
    (void)m; /* in the contract only */
    shmpc__st(&sl->len, 0u, relaxed);
    shmpc__st(&sl->seq, shmpc__mpmc_freed(pos, r->capacity), release); /* R4: pairs with A4 */
}

/* MPMC push (shmpc_try_push after its checks). */
/*@ requires handle: shmpc_handle_ok(r);
    requires producer: r->role == SHMPC_PRODUCER;
    requires msg: \valid_read(msg + (0 .. len - 1));
    requires sep: \separated(msg + (0 .. len - 1), r->slots + (0 .. (r->mask + 1) * r->stride - 1));
*/
SHMPC__OUTLINE int shmpc__mpmc_push(shmpc_ring *r, const char *msg, size_t len) {
    char *slots = SHMPC__BYTES(r); /* the geometry in locals: the copy writes through a char pointer */
    const uint32_t mask = r->mask, stride = r->stride, size = r->slot_size;
    shmpc_idx pos = 0; /* written by a successful claim: zero elsewhere */
    shmpc__slot *sl;
    int rc;
    if (len > size) return SHMPC_EMSGSIZE;
    if (shmpc__ld(&r->seg->ends, relaxed) & SHMPC__CONS_CLOSED) return SHMPC_ECLOSED;
    rc = shmpc__full_or_closed(r, shmpc__mpmc_claim(r, &r->seg->tail, 0u, &pos));
    if (rc != SHMPC_OK) return rc;
    sl = SHMPC__SLOT_AT(slots, pos, mask, stride);
    shmpc__copy_in(slots, mask, stride, size, pos, msg, len);
    shmpc__mpmc_fill(r, sl, shmpc__slot_of(pos, mask), pos, (uint32_t)len);
    shmpc__notify(r, &r->seg->data_waiters, &r->seg->data_ev);
    return SHMPC_OK;
}

/*@ requires handle: shmpc_handle(r);
    requires msg: msg != \null ==> \valid_read((const char *)msg + (0 .. len - 1));
    requires sep: msg != \null && r != \null && r->seg != \null ==>
        \separated((const char *)msg + (0 .. len - 1), r->slots + (0 .. (r->mask + 1) * r->stride - 1));
*/
SHMPC_API int shmpc_try_push(shmpc_ring *r, const void *msg, size_t len) {
    int rc = shmpc__check(r, SHMPC_PRODUCER);
    if (rc != SHMPC_OK) return rc;
    if (!msg && len) return SHMPC_EINVAL;
    if (r->mode != SHMPC_SPSC) return shmpc__mpmc_push(r, (const char *)msg, len);
    if (len > 64u || len % 8u != 0u) return shmpc__spsc_push_any(r, (const char *)msg, len);
    return shmpc__spsc_push(r, (const char *)msg, len); /* the copy is a few register moves */
}

/*@ requires handle: shmpc_handle(r);
    requires buf: buf != \null ==> \valid(buf) && (r != \null ==> \separated(buf, r));
    requires room: room != \null ==> \valid(room) && \separated(room, buf) && (r != \null ==> \separated(room, r));
    ensures reserved: \result == SHMPC_OK ==> r->pending_op == SHMPC__OP_RESERVED &&
        *buf == \old(r->slots) + (r->pending_pos & \old(r->mask)) * \old(r->stride) + 8;
    ensures writable: \result == SHMPC_OK && room != \null ==>
        *room == r->slot_size && \valid((char *)*buf + (0 .. *room - 1));
    ensures free: \result == SHMPC_OK && r->mode == SHMPC_SPSC ==>
        r->pending_pos == r->own && shmpc_fill(r->cached, r->own) < r->capacity;
*/
SHMPC_API int shmpc_try_reserve(shmpc_ring *r, void **buf, size_t *room) {
    int rc = shmpc__check(r, SHMPC_PRODUCER);
    shmpc_idx pos = 0; /* written by a successful claim (MPMC): zero elsewhere */
    char *slots;
    uint32_t mask, stride, size;
    if (rc != SHMPC_OK) return rc;
    if (!buf) return SHMPC_EINVAL;
    /* the geometry in locals: the payload is located with the values that attach checked */
    slots = SHMPC__BYTES(r); mask = r->mask; stride = r->stride; size = r->slot_size;
    /*@ assert geometry: shmpc_slots_ok(slots, mask, stride, size); */
    if (shmpc__ld(&r->seg->ends, relaxed) & SHMPC__CONS_CLOSED) return SHMPC_ECLOSED;
    if (r->mode == SHMPC_SPSC) {
        uint32_t n;
        rc = shmpc__spsc_room(r, 1u, &n);
        pos = r->own;
    } else {
        rc = shmpc__full_or_closed(r, shmpc__mpmc_claim(r, &r->seg->tail, 0u, &pos));
    }
    if (rc != SHMPC_OK) return rc;
    /* before the hold: with a 32-bit size_t, *room lies in the memory of the handle's uint32
       fields (WP's typed model), and `reserved` then reads pending_pos back through this store;
       written last, the position is the one WP's simplifier sees (the provers cannot reorder the
       operands of the & in it) */
    if (room) *room = size;
    shmpc__hold(r, SHMPC__OP_RESERVED, pos, 0u);
    *buf = shmpc__payload(slots, mask, stride, size, pos);
    return SHMPC_OK;
}

/*@ requires handle: shmpc_handle(r);
*/
SHMPC_API int shmpc_commit(shmpc_ring *r, size_t len) {
    shmpc__slot *sl;
    shmpc_idx next;
    if (!r || !r->seg || r->closed) return SHMPC_EINVAL;
    if (r->role != SHMPC_PRODUCER) return SHMPC_EROLE;
    if (r->pending_op != SHMPC__OP_RESERVED) return SHMPC_ESEQ;
    if (shmpc__commit_at(r->pending_pos, r->slot_size, len, &next) != SHMPC_OK)
        return SHMPC_EMSGSIZE; /* the reservation stays; commit again */
    sl = SHMPC__SLOT(r, r->pending_pos);
    shmpc__st(&sl->len, (uint32_t)len, relaxed);
    if (r->mode == SHMPC_SPSC) {
        r->own = next;
        shmpc__st(&r->seg->tail, next, release); /* R1 */
        shmpc__st(&sl->seq, next, release);      /* R7, after R1 */
    } else {
        shmpc__st(&sl->seq, next, release); /* R3: next == shmpc__mpmc_published(pending_pos) */
    }
    r->pending_op = SHMPC__OP_NONE;
    shmpc__regate(r);
    shmpc__notify(r, &r->seg->data_waiters, &r->seg->data_ev);
    return SHMPC_OK;
}

/* SPSC batch push (shmpc_try_push_many after its checks): the prefix of n messages that fit is
   copied into free slots, then published once (R1, then R7 in each slot). */
/*@ requires handle: shmpc_handle_ok(r);
    requires n: 1 <= n <= SHMPC__MAX_CAP;
    requires msgs: \valid_read(msgs + (0 .. n - 1));
    requires fit: shmpc_iovs_fit(msgs, n, r->slot_size);
    requires each: shmpc_iovs_readable(msgs, n);
    requires sep: shmpc_iovs_off_ring(msgs, n, r);
    requires apart: shmpc_iovs_array_apart(msgs, n, r);
*/
SHMPC__FLATTEN int shmpc__spsc_push_many(shmpc_ring *r, const shmpc_iov *msgs, size_t n) {
    char *slots = SHMPC__BYTES(r); /* the geometry in locals: the copies below write through char pointers */
    const uint32_t mask = r->mask, stride = r->stride, size = r->slot_size;
    uint32_t room, count;
    shmpc_idx t = r->own, t0 = t;
    size_t i;
    int rc;
    if (shmpc__ld(&r->seg->ends, relaxed) & SHMPC__CONS_CLOSED) return SHMPC_ECLOSED;
    rc = shmpc__spsc_room(r, (uint32_t)(n < r->capacity ? n : r->capacity), &room);
    if (rc != SHMPC_OK) return rc;
    rc = shmpc__put_many(r->cached, t0, r->capacity, n, &count); /* min(n, room) */
    if (rc != SHMPC_OK) return rc;
    n = count;
    /*@ loop invariant 0 <= i <= n <= \at(n, Pre);
        loop invariant geometry: shmpc_slots_ok(slots, mask, stride, size);
        loop invariant headers: \forall integer k; 0 <= k <= mask ==> \valid(shmpc_hdr(slots, k));
        loop invariant fit: \forall integer k; 0 <= k < n ==>
            msgs[k].len <= size && (msgs[k].base != \null || msgs[k].len == 0);
        loop assigns i, t, slots[0 .. (mask + 1) * stride - 1],
                     { shmpc_hdr(slots, k)->len | integer k; 0 <= k <= mask };
        loop variant n - i;
    */
    for (i = 0; i < n; i++) {
        shmpc__slot *sl = SHMPC__SLOT_AT(slots, t, mask, stride);
        /*@ ghost shmpc__payload_inside(mask, stride, size, t, msgs[i].len); */
        shmpc__copy_in(slots, mask, stride, size, t, (const char *)msgs[i].base, msgs[i].len);
        shmpc__st(&sl->len, (uint32_t)msgs[i].len, relaxed);
        t = (shmpc_idx)(t + 1u);
    }
    r->own = t; /* t0 + count */
    shmpc__st(&r->seg->tail, t, release); /* R1: one publication for the whole batch */
    shmpc__spsc_publish(slots, mask, stride, size, t0, count); /* R7, after R1: each slot */
    shmpc__notify(r, &r->seg->data_waiters, &r->seg->data_ev);
    return (int)n;
}

/* MPMC batch push (shmpc_try_push_many after its checks): a range of free slots per claim, else
   one; each slot published alone (R3), so that consumers may take the first ones early. */
/*@ requires handle: shmpc_handle_ok(r);
    requires producer: r->role == SHMPC_PRODUCER;
    requires n: 1 <= n <= SHMPC__MAX_CAP;
    requires msgs: \valid_read(msgs + (0 .. n - 1));
    requires fit: shmpc_iovs_fit(msgs, n, r->slot_size);
    requires each: shmpc_iovs_readable(msgs, n);
    requires sep: shmpc_iovs_off_ring(msgs, n, r);
    requires apart: shmpc_iovs_array_apart(msgs, n, r);
*/
SHMPC__PRIVATE int shmpc__mpmc_push_many(shmpc_ring *r, const shmpc_iov *msgs, size_t n) {
    char *slots = SHMPC__BYTES(r); /* the geometry in locals: the copies below write through char pointers */
    const uint32_t mask = r->mask, stride = r->stride, size = r->slot_size;
    size_t i = 0;
    int rc = SHMPC_OK;
    if (shmpc__ld(&r->seg->ends, relaxed) & SHMPC__CONS_CLOSED) return SHMPC_ECLOSED; /* before any claim */
    /* The inner loop restates the outer loop's invariants (so do the batch pop's), written out:
       with the geometry and sep behind ACSL predicates, WP lost goals (this sep, the pop's loop
       assigns), as Qed no longer rewrote the callees' frames with those equalities. */
    /*@ loop invariant 0 <= i <= n;
        loop invariant kept: shmpc_handle_ok(r) && r->role == SHMPC_PRODUCER;
        loop invariant geometry: slots == r->slots && mask == r->mask && stride == r->stride &&
            size == r->slot_size;
        loop invariant fit: shmpc_iovs_fit(msgs, n, size);
        loop invariant sep: \forall integer k; 0 <= k < n ==> msgs[k].base != \null ==>
            \separated((char *)msgs[k].base + (0 .. msgs[k].len - 1), slots + (0 .. (mask + 1) * stride - 1));
        loop assigns i, rc, r->seg->tail, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pending,
                     r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pend_n, slots[0 .. (mask + 1) * stride - 1],
                     { shmpc_hdr(slots, k)->len | integer k; 0 <= k <= mask },
                     { shmpc_hdr(slots, k)->seq | integer k; 0 <= k <= mask };
        loop variant n - i;
    */
    while (i < n) {
        shmpc_idx pos = 0; /* written by a successful claim: zero elsewhere */
        uint32_t k = shmpc__mpmc_claim_range(r, &r->seg->tail, 0u, NULL, i, n, &pos), j;
        size_t end;
        rc = k ? shmpc__full_or_closed(r, SHMPC_OK) : shmpc__full_or_closed(r, shmpc__mpmc_claim(r, &r->seg->tail, 0u, &pos));
        if (rc != SHMPC_OK) break;
        if (k == 0u) k = 1u;
        end = i + k; /* a claim takes at most n - i: end <= n all the same, checked once per claim so */
        if (end > n) end = n; /* that the loop below is bounded by one variable (Eva keeps no relation) */
        /*@ loop invariant 0 <= j <= k && i == \at(i, LoopEntry) + j && end <= n;
            loop invariant kept: shmpc_handle_ok(r) && r->role == SHMPC_PRODUCER;
            loop invariant geometry: slots == r->slots && mask == r->mask && stride == r->stride &&
                size == r->slot_size;
            loop invariant fit: shmpc_iovs_fit(msgs, n, size);
            loop invariant sep: \forall integer k; 0 <= k < n ==> msgs[k].base != \null ==>
                \separated((char *)msgs[k].base + (0 .. msgs[k].len - 1), slots + (0 .. (mask + 1) * stride - 1));
            loop assigns j, i, slots[0 .. (mask + 1) * stride - 1],
                         { shmpc_hdr(slots, m)->len | integer m; 0 <= m <= mask },
                         { shmpc_hdr(slots, m)->seq | integer m; 0 <= m <= mask };
            loop variant end - i;
        */
        for (j = 0; i < end; j++, i++) { /* each slot published alone: consumers may take the first ones early */
            shmpc_idx p = (shmpc_idx)(pos + j);
            shmpc__slot *sl = SHMPC__SLOT_AT(slots, p, mask, stride);
            /*@ ghost shmpc__payload_inside(mask, stride, size, p, msgs[i].len); */
            shmpc__copy_in(slots, mask, stride, size, p, (const char *)msgs[i].base, msgs[i].len);
            shmpc__mpmc_fill(r, sl, shmpc__slot_of(p, mask), p, (uint32_t)msgs[i].len);
        }
        if (k > 1u) shmpc__range_done(r); /* published: nothing for recovery */
    }
    if (i == 0) return rc;
    shmpc__notify(r, &r->seg->data_waiters, &r->seg->data_ev);
    return (int)i;
}

/*@ requires handle: shmpc_handle(r);
    requires msgs: msgs != \null ==> \valid_read(msgs + (0 .. n - 1));
    requires each: msgs != \null ==> shmpc_iovs_readable(msgs, n);
    requires sep: msgs != \null && r != \null && r->seg != \null ==> shmpc_iovs_off_ring(msgs, n, r);
    requires apart: msgs != \null && r != \null && r->seg != \null ==> shmpc_iovs_array_apart(msgs, n, r);
*/
SHMPC_API int shmpc_try_push_many(shmpc_ring *r, const shmpc_iov *msgs, size_t n) {
    int rc = shmpc__check(r, SHMPC_PRODUCER);
    size_t i;
    if (rc != SHMPC_OK) return rc;
    if (!msgs || n == 0) return SHMPC_EINVAL;
    if (n > (size_t)SHMPC__MAX_CAP) n = SHMPC__MAX_CAP;
    /*@ loop invariant 0 <= i <= n <= \at(n, Pre);
        loop invariant fit: \forall integer k; 0 <= k < i ==>
            msgs[k].len <= r->slot_size && (msgs[k].base != \null || msgs[k].len == 0);
        loop assigns i;
        loop variant n - i;
    */
    for (i = 0; i < n; i++) /* all or a prefix: refuse up front what can never fit */
        if (msgs[i].len > r->slot_size || (!msgs[i].base && msgs[i].len)) break;
    if (i == 0) return msgs[0].len > r->slot_size ? SHMPC_EMSGSIZE : SHMPC_EINVAL;
    if (r->mode == SHMPC_SPSC) return shmpc__spsc_push_many(r, msgs, i);
    return shmpc__mpmc_push_many(r, msgs, i);
}

/* --- consumer side --------------------------------------------------------------------------- */

/* SPSC: messages ready from the cached tail, refreshing it when the cache says empty. At the end
   of the stream (producer side closed and nothing left) ECLOSED. */
/*@ requires handle: shmpc_handle_ok(r);
    requires out: \valid(ready) && \separated(ready, r);
    assigns r->cached, *ready;
    ensures kept: shmpc_handle_ok(r);
*/
SHMPC__INLINE int shmpc__spsc_ready(shmpc_ring *r, uint32_t *ready) {
    int rc = shmpc__ready_slots(r->own, r->cached, r->capacity, ready);
    if (rc == SHMPC_OK && *ready > 0u) return SHMPC_OK;
    r->cached = (shmpc_idx)shmpc__ld(&r->seg->tail, acquire); /* A1: pairs with R1 */
    rc = shmpc__ready_slots(r->own, r->cached, r->capacity, ready);
    if (rc != SHMPC_OK || *ready > 0u) return rc;
    if (!shmpc__closed(r, SHMPC__PROD_CLOSED)) return SHMPC_EEMPTY;
    r->cached = (shmpc_idx)shmpc__ld(&r->seg->tail, acquire); /* after A5: the final tail */
    rc = shmpc__ready_slots(r->own, r->cached, r->capacity, ready);
    if (rc != SHMPC_OK || *ready > 0u) return rc;
    return SHMPC_ECLOSED;
}

/* Length of the message in a slot, checked against the slot size (a peer may have written it). */
/*@ requires r: \valid_read(r) && \valid_read(sl);
    requires out: \valid(len) && \separated(len, r);
    assigns *len;
    ensures checked: \result == SHMPC_OK ==> *len <= r->slot_size;
*/
SHMPC__INLINE int shmpc__slot_len(const shmpc_ring *r, shmpc__slot *sl, uint32_t *len) {
    *len = shmpc__ld(&sl->len, relaxed) & ~SHMPC__REDO; /* the redelivery mark is no length */
    return *len > r->slot_size ? SHMPC_ECORRUPT : SHMPC_OK;
}

/*@ requires r: \valid_read(r) && \valid_read(r->seg);
    assigns \nothing;
    ensures passed: \result == rc || \result == SHMPC_ECLOSED;
*/
SHMPC__INLINE int shmpc__empty_or_closed(const shmpc_ring *r, int rc) {
    if (rc != SHMPC_EEMPTY || !shmpc__closed(r, SHMPC__PROD_CLOSED)) return rc;
    /* Producer side closed: empty only if every claimed position has been consumed. */
    if (shmpc__ld(&r->seg->head, acquire) == shmpc__ld(&r->seg->tail, acquire)) return SHMPC_ECLOSED;
    return SHMPC_EEMPTY;
}

/* MPMC: one try of shmpc__mpmc_take at *pos (the head as this consumer last saw it): the take's
   result, or SHMPC__RETRY with *pos the position to try next. A function of its own for the
   provers: the take's loop then only repeats a call whose contract says the handle survives it. */
/*@ requires handle: shmpc_handle_ok(r);
    requires consumer: r->role == SHMPC_CONSUMER;
    requires out: \valid(pos) && \valid(pos_out) && \valid(len) && \separated(pos, pos_out, len, r, r->seg);
    assigns r->seg->head, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pending, *pos, *pos_out, *len, r->redo,
            r->seg->space_ev, { shmpc_hdr(r->slots, k)->seq | integer k; 0 <= k <= r->mask },
            { shmpc_hdr(r->slots, k)->len | integer k; 0 <= k <= r->mask };
    ensures kept: shmpc_handle_ok(r);
    ensures fits: \result == SHMPC_OK ==> *len <= r->slot_size && *len <= cap;
*/
SHMPC__INLINE int shmpc__mpmc_take_at(shmpc_ring *r, size_t cap, uint32_t *pos, shmpc_idx *pos_out, uint32_t *len) {
    const uint32_t at = *pos, m = shmpc__slot_of(at, r->mask); /* *pos: written by a compare-and-swap */
    shmpc__slot *sl = SHMPC__SLOT(r, at);
    shmpc_idx seq = (shmpc_idx)shmpc__ld(&sl->seq, acquire); /* A3: pairs with R3 */
    int c = shmpc__seq_class(seq, (shmpc_idx)(at + 1u), r->capacity), rc;
    if (c == SHMPC__SEQ_READY) {
        uint32_t raw = shmpc__ld(&sl->len, relaxed);
        if (raw == SHMPC__DISCARD) { /* a reservation closed uncommitted */
            shmpc__st(&r->seg->peers[r->peer].pending, at, relaxed);
            if (shmpc__cas(&r->seg->head, pos, (shmpc_idx)(at + 1u), acq_rel)) { /* skip it; R6, A6 if lost */
                shmpc__mpmc_skip(r, sl, m, at);
                shmpc__notify(r, &r->seg->space_waiters, &r->seg->space_ev);
                *pos = (shmpc_idx)(at + 1u);
            }
            return SHMPC__RETRY;
        }
        *len = raw & ~SHMPC__REDO; /* the redelivery mark is no length */
        if (*len > r->slot_size || *len > cap) {
            /* A verdict on a length read before the claim holds only if at is still the head: a
               consumer behind the others may have read the length of a later lap (one whose
               message was taken and whose slot was reserved again, or discarded). V2. */
            if (!shmpc__cas(&r->seg->head, pos, at, acq_rel)) return SHMPC__RETRY; /* *pos: the head now */
            return *len > r->slot_size ? SHMPC_ECORRUPT : SHMPC_EMSGSIZE; /* not claimed: the message stays */
        }
        /* recorded before the claim, for crash recovery (shmpc__recover) */
        shmpc__st(&r->seg->peers[r->peer].pending, at, relaxed);
        if (shmpc__cas(&r->seg->head, pos, (shmpc_idx)(at + 1u), acq_rel)) { /* R6; A6 if lost */
            /* Ours now; a peer may still scribble on len: re-read and re-check. */
            rc = shmpc__slot_len(r, sl, len);
            if (rc == SHMPC_OK && *len > cap) rc = SHMPC_ECORRUPT;
            if (rc != SHMPC_OK) { /* hand the slot on so the ring keeps moving */
                shmpc__mpmc_free(r, sl, m, at);
                return rc;
            }
            if (shmpc__ld(&sl->len, relaxed) & SHMPC__REDO) r->redo = 1; /* not DISCARD: checked above */
            shmpc__claimed(r, pos_out, at);
            return SHMPC_OK;
        }
        /* lost: un-record (a released position, see shmpc__recover) */
        shmpc__st(&r->seg->peers[r->peer].pending, (shmpc_idx)(*pos - r->capacity - 1u), relaxed);
        return SHMPC__RETRY;
    }
    {
        uint32_t now = shmpc__ld(&r->seg->head, acquire); /* A6, and V1 */
        if ((shmpc_idx)now != (shmpc_idx)at) { *pos = now; return SHMPC__RETRY; }
    }
    if (c == SHMPC__SEQ_BEHIND) return SHMPC_EEMPTY;
    return SHMPC_ECORRUPT;
}

/* MPMC: claims the oldest message if its length fits `cap`; *len gets the length either way.
   r->redo becomes 1 if it is a message delivered again (the caller clears it first). */
/*@ requires handle: shmpc_handle_ok(r);
    requires consumer: r->role == SHMPC_CONSUMER;
    requires out: \valid(pos_out) && \valid(len) && \separated(pos_out, len, r, r->seg);
    assigns r->seg->head, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pending, *pos_out, *len, r->redo,
            r->seg->space_ev, { shmpc_hdr(r->slots, k)->seq | integer k; 0 <= k <= r->mask },
            { shmpc_hdr(r->slots, k)->len | integer k; 0 <= k <= r->mask };
    ensures kept: shmpc_handle_ok(r);
    ensures fits: \result == SHMPC_OK ==> *len <= r->slot_size && *len <= cap;
*/
SHMPC__PRIVATE int shmpc__mpmc_take(shmpc_ring *r, size_t cap, shmpc_idx *pos_out, uint32_t *len) {
    uint32_t pos = shmpc__ld(&r->seg->head, acquire), i; /* A6: pairs with R6 (see shmpc__mpmc_claim) */
    /*@ loop invariant 0 <= i <= SHMPC_RETRIES;
        loop invariant kept: shmpc_handle_ok(r);
        loop invariant geometry: r->slots == \at(r->slots, Pre) && r->mask == \at(r->mask, Pre) &&
            r->slot_size == \at(r->slot_size, Pre);
        loop assigns i, pos, *pos_out, *len, r->redo, r->seg->head, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pending,
            r->seg->space_ev, { shmpc_hdr(\at(r->slots, Pre), k)->seq | integer k; 0 <= k <= \at(r->mask, Pre) },
            { shmpc_hdr(\at(r->slots, Pre), k)->len | integer k; 0 <= k <= \at(r->mask, Pre) };
        loop variant SHMPC_RETRIES - i;
    */
    for (i = 0; i < SHMPC_RETRIES; i++) {
        int rc = shmpc__mpmc_take_at(r, cap, &pos, pos_out, len);
        if (rc == SHMPC_OK) return SHMPC_OK; /* a return of its own: Eva keeps *pos_out and *len there */
        if (rc != SHMPC__RETRY) return rc;
    }
    return SHMPC_EAGAIN;
}

/* MPMC pop (shmpc_try_pop after its checks). */
/*@ requires handle: shmpc_handle_ok(r);
    requires consumer: r->role == SHMPC_CONSUMER;
    requires buf: \valid(buf + (0 .. cap - 1)) && \separated(buf + (0 .. cap - 1), r->slots + (0 .. (r->mask + 1) * r->stride - 1));
    requires len: len == \null || (\valid(len) && \separated(len, r));
*/
SHMPC__OUTLINE int shmpc__mpmc_pop(shmpc_ring *r, char *buf, size_t cap, size_t *len) {
    char *const slots = SHMPC__BYTES(r); /* the geometry in locals: the copy writes through a char pointer */
    const uint32_t mask = r->mask, stride = r->stride, size = r->slot_size;
    shmpc_idx pos = 0; /* written by the take where it succeeds (and n on EMSGSIZE): zero elsewhere */
    uint32_t n = 0;
    int rc;
    r->redo = 0;
    rc = shmpc__mpmc_take(r, cap, &pos, &n);
    if (rc != SHMPC_OK) rc = shmpc__empty_or_closed(r, rc); /* an OK passes unchanged: only an error can become ECLOSED */
    if (rc != SHMPC_OK) {
        if (len && rc == SHMPC_EMSGSIZE) *len = n;
        return rc;
    }
    shmpc__copy_out(slots, mask, stride, size, pos, buf, n);
    shmpc__mpmc_free(r, SHMPC__SLOT_AT(slots, pos, mask, stride), shmpc__slot_of(pos, mask), pos);
    shmpc__notify(r, &r->seg->space_waiters, &r->seg->space_ev);
    if (len) *len = n; /* after the copy, as the SPSC pop (and the handle's proof then needs no frame of it) */
    return SHMPC_OK;
}

/*@ requires handle: shmpc_handle(r);
    requires buf: buf != \null ==> \valid((char *)buf + (0 .. cap - 1));
    requires sep: buf != \null && r != \null && r->seg != \null ==>
        \separated((char *)buf + (0 .. cap - 1), r->slots + (0 .. (r->mask + 1) * r->stride - 1));
    requires len: len != \null ==> \valid(len) && (r != \null ==> \separated(len, r));
*/
SHMPC_API int shmpc_try_pop(shmpc_ring *r, void *buf, size_t cap, size_t *len) {
    int rc = shmpc__check(r, SHMPC_CONSUMER);
    uint32_t n;
    shmpc__slot *sl;
    if (rc != SHMPC_OK) return rc;
    if (!buf && cap) return SHMPC_EINVAL;
    if (r->mode != SHMPC_SPSC) return shmpc__mpmc_pop(r, (char *)buf, cap, len);
    {   /* SPSC: the handle's state in locals, the copy below writes through a char pointer */
        char *slots = SHMPC__BYTES(r);
        const uint32_t capacity = r->capacity, mask = r->mask, stride = r->stride;
        shmpc_idx own = r->own, tail = r->cached, h;
        sl = SHMPC__SLOT_AT(slots, own, mask, stride);
        if (own == tail) { /* the cached tail says empty: the slot's seq says whether it is published */
            if ((shmpc_idx)shmpc__ld(&sl->seq, acquire) == (shmpc_idx)(own + 1u)) { /* A7: pairs with R7 */
                tail = (shmpc_idx)(own + 1u);
                r->cached = tail;
            } else { /* empty, unless the producer side closed: then the final tail decides */
                uint32_t ready;
                if (!shmpc__closed(r, SHMPC__PROD_CLOSED)) return SHMPC_EEMPTY;
                rc = shmpc__spsc_ready(r, &ready);
                if (rc != SHMPC_OK) return rc;
                tail = r->cached;
            }
        }
        n = shmpc__ld(&sl->len, relaxed); /* peer-written: shmpc__get checks it */
        /* proven core: decides on the same snapshot (ready >= 1 here), checks n, copies, new head */
        rc = shmpc__get(slots, capacity, mask, stride, r->slot_size, own, tail, n, (char *)buf, cap, &h);
        if (len && (rc == SHMPC_OK || rc == SHMPC_EMSGSIZE)) *len = n;
        if (rc != SHMPC_OK) return rc;
        r->own = h;
        shmpc__st(&r->seg->head, h, release); /* R2: slot free; pairs with A2 in push */
    }
    shmpc__notify(r, &r->seg->space_waiters, &r->seg->space_ev);
    return SHMPC_OK;
}

/*@ requires handle: shmpc_handle(r);
    requires msg: msg != \null ==> \valid(msg) && (r != \null ==> \separated(msg, r));
    requires len: len != \null ==> \valid(len) && \separated(len, msg) && (r != \null ==> \separated(len, r));
    ensures peeked: \result == SHMPC_OK ==> r->pending_op == SHMPC__OP_PEEKED && r->pending_len <= \old(r->slot_size);
    ensures located: \result == SHMPC_OK ==> *msg == \old(r->slots) + (r->pending_pos & \old(r->mask)) * \old(r->stride) + 8;
    ensures readable: \result == SHMPC_OK ==> \valid_read((char *)*msg + (0 .. r->pending_len - 1));
    ensures len: \result == SHMPC_OK && len != \null ==> *len == r->pending_len;
*/
SHMPC_API int shmpc_try_peek(shmpc_ring *r, const void **msg, size_t *len) {
    int rc = shmpc__check(r, SHMPC_CONSUMER);
    shmpc_idx pos;
    uint32_t n, mask, stride, size;
    char *slots;
    if (rc != SHMPC_OK) return rc;
    if (!msg) return SHMPC_EINVAL;
    /* the geometry in locals: the payload is located with the values that attach checked */
    slots = SHMPC__BYTES(r); mask = r->mask; stride = r->stride; size = r->slot_size;
    if (r->mode == SHMPC_SPSC) {
        uint32_t ready;
        pos = r->own;
        if (pos == r->cached && (shmpc_idx)shmpc__ld(&SHMPC__SLOT(r, pos)->seq, acquire) == (shmpc_idx)(pos + 1u))
            r->cached = (shmpc_idx)(pos + 1u); /* A7: pairs with R7, as in shmpc_try_pop */
        else if (pos == r->cached && !shmpc__closed(r, SHMPC__PROD_CLOSED))
            return SHMPC_EEMPTY;
        else if ((rc = shmpc__spsc_ready(r, &ready)) != SHMPC_OK)
            return rc;
        n = shmpc__ld(&SHMPC__SLOT(r, pos)->len, relaxed); /* peer-written: checked by the core */
        rc = shmpc__can_get(pos, r->cached, r->capacity, r->slot_size, n);
        /*@ assert ready: rc == SHMPC_OK ==> 0 < shmpc_fill(pos, r->cached) <= r->capacity && n <= r->slot_size; */
        /* recorded before the message is handed out: while pending == head the peek is held (release
           moves head past it), which a consumer taking this one's role over reads (shmpc__reclaim) */
        if (rc == SHMPC_OK) shmpc__st(&r->seg->peers[r->peer].pending, pos, relaxed);
    } else {
        r->redo = 0;
        pos = 0; n = 0; /* written by the take where it succeeds: zero elsewhere */
        rc = shmpc__mpmc_take(r, size, &pos, &n);
        if (rc != SHMPC_OK) rc = shmpc__empty_or_closed(r, rc); /* an OK passes unchanged: only an error can become ECLOSED */
    }
    if (rc != SHMPC_OK) return rc;
    if (len) *len = n; /* before the hold: see shmpc_try_reserve */
    shmpc__hold(r, SHMPC__OP_PEEKED, pos, n);
    *msg = shmpc__payload(slots, mask, stride, size, pos);
    return SHMPC_OK;
}

/*@ requires handle: shmpc_handle(r);
    assigns r->own, r->pending_op, r->go, r->seg->head, r->seg->space_ev,
            { shmpc_hdr(r->slots, k)->seq | integer k; 0 <= k <= r->mask };
    ensures kept: shmpc_handle(r);
    ensures seg: r != \null ==> r->seg == \old(r->seg);
*/
SHMPC_API int shmpc_release(shmpc_ring *r) {
    if (!r || !r->seg || r->closed) return SHMPC_EINVAL;
    if (r->role != SHMPC_CONSUMER) return SHMPC_EROLE;
    if (r->pending_op != SHMPC__OP_PEEKED) return SHMPC_ESEQ;
    if (r->mode == SHMPC_SPSC) {
        r->own = shmpc__advance(r->pending_pos, 1u);
        shmpc__st(&r->seg->head, r->own, release); /* R2 */
    } else {
        shmpc__mpmc_free(r, SHMPC__SLOT(r, r->pending_pos), shmpc__slot_of(r->pending_pos, r->mask), r->pending_pos);
    }
    r->pending_op = SHMPC__OP_NONE;
    shmpc__regate(r);
    shmpc__notify(r, &r->seg->space_waiters, &r->seg->space_ev);
    return SHMPC_OK;
}

SHMPC_API int shmpc_redelivered(const shmpc_ring *r) {
    /* SPSC: while the held message is the next one; MPMC: the last pop, peek or pop_many returned one */
    return r && r->seg && !r->closed && r->redo && r->role == SHMPC_CONSUMER &&
           (r->mode != SHMPC_SPSC || r->own == r->redo_pos);
}

/* SPSC batch pop (shmpc_try_pop_many after its checks): up to n ready messages copied out, then
   one publication of the new head (R2). */
/*@ requires handle: shmpc_handle_ok(r);
    requires n: 1 <= n <= SHMPC__MAX_CAP;
    requires bufs: \valid(bufs + (0 .. n - 1)) && \separated(bufs + (0 .. n - 1), r);
    requires each: shmpc_iovs_writable(bufs, n);
    requires sep: shmpc_iovs_off_ring(bufs, n, r);
*/
SHMPC__FLATTEN int shmpc__spsc_pop_many(shmpc_ring *r, shmpc_iov *bufs, size_t n) {
    uint32_t ready, len, count;
    shmpc_idx h = r->own;
    size_t i;
    int rc = shmpc__spsc_ready(r, &ready);
    if (rc != SHMPC_OK) return rc;
    rc = shmpc__get_many(r->own, r->cached, r->capacity, n, &count); /* min(n, ready) */
    if (rc != SHMPC_OK) return rc;
    n = count;
    { /* the geometry in locals: the copies below write through char pointers */
        char *slots = SHMPC__BYTES(r);
        const uint32_t mask = r->mask, stride = r->stride, size = r->slot_size, cap = r->capacity;
        const shmpc_idx tail = r->cached;
        /*@ loop invariant 0 <= i <= n <= \at(n, Pre);
            loop invariant geometry: shmpc_slots_ok(slots, mask, stride, size);
            loop invariant headers: \forall integer k; 0 <= k <= mask ==> \valid(shmpc_hdr(slots, k));
            loop invariant rest_len: \forall integer k; i <= k < \at(n, Pre) ==> bufs[k].len == \at(bufs[k].len, Pre);
            loop invariant rest_base: \forall integer k; 0 <= k < \at(n, Pre) ==> bufs[k].base == \at(bufs[k].base, Pre);
            loop assigns i, h, len, rc, bufs[0 .. \at(n, Pre) - 1].len,
                         { ((char *)\at(bufs[k].base, Pre))[j] | integer k, j;
                           0 <= k < \at(n, Pre) && 0 <= j < \at(bufs[k].len, Pre) };
            loop variant n - i;
        */
        for (i = 0; i < n; i++) {
            shmpc__slot *sl = SHMPC__SLOT_AT(slots, h, mask, stride);
            len = shmpc__ld(&sl->len, relaxed); /* peer-written: checked by the core (i < count: not empty) */
            rc = shmpc__can_get(h, tail, cap, size, len);
            if (rc == SHMPC_OK && len > bufs[i].len) rc = SHMPC_EMSGSIZE;
            if (rc == SHMPC_OK && len && !bufs[i].base) rc = SHMPC_EINVAL;
            if (rc != SHMPC_OK) { if (i == 0 && rc == SHMPC_EMSGSIZE) bufs[0].len = len; break; }
            shmpc__copy_out(slots, mask, stride, size, h, (char *)bufs[i].base, len);
            /* (the two assertions are steps for the provers: with them, rest_len takes under a second
               instead of 12 s of the 20 s timeout) */
            /*@ assert others: \forall integer k; i < k < \at(n, Pre) ==> bufs[k].len == \at(bufs[k].len, Pre); */
            bufs[i].len = len;
            /*@ assert others_kept: \forall integer k; i < k < \at(n, Pre) ==> bufs[k].len == \at(bufs[k].len, Pre); */
            h = (shmpc_idx)(h + 1u);
        }
    }
    if (i == 0) return rc;
    r->own = shmpc__advance(r->own, (uint32_t)i); /* == h */
    shmpc__st(&r->seg->head, h, release); /* R2: one publication for the batch */
    shmpc__notify(r, &r->seg->space_waiters, &r->seg->space_ev);
    return (int)i;
}

/* Stores a delivered length into the caller's iov (the MPMC batch pop): a function of its own,
   whose contract says that the handle and its geometry survive the store (at a 32-bit size_t the
   iov's length is a 32-bit word in WP's memory model, as the handle's fields are). */
/*@ requires handle: shmpc_handle_ok(r);
    requires buf: \valid(buf) && \separated(buf, r, r->seg);
    assigns buf->len;
    ensures kept: shmpc_handle_ok(r);
    ensures len: buf->len == len;
*/
SHMPC__INLINE void shmpc__iov_set(shmpc_ring *r, shmpc_iov *buf, size_t len) {
    (void)r;
    buf->len = len;
}

/* MPMC batch pop (shmpc_try_pop_many after its checks): a range of messages per claim, else one. */
/*@ requires handle: shmpc_handle_ok(r);
    requires consumer: r->role == SHMPC_CONSUMER;
    requires n: 1 <= n <= SHMPC__MAX_CAP;
    requires bufs: \valid(bufs + (0 .. n - 1)) && \separated(bufs + (0 .. n - 1), r);
    requires each: shmpc_iovs_writable(bufs, n);
    requires sep: shmpc_iovs_off_ring(bufs, n, r);
    requires apart: shmpc_iovs_array_apart(bufs, n, r);
*/
SHMPC__PRIVATE int shmpc__mpmc_pop_many(shmpc_ring *r, shmpc_iov *bufs, size_t n) {
    char *slots = SHMPC__BYTES(r); /* the geometry in locals: the copies below write through char pointers */
    const uint32_t mask = r->mask, stride = r->stride, size = r->slot_size;
    size_t i = 0;
    int rc = SHMPC_OK;
    r->redo = 0; /* shmpc_redelivered: 1 if any message of this batch is delivered again */
    /* (fits, here and in the last loop's invariant: a step for the provers. Without it, the slot
       headers' precondition fits in the two inner loops, stated on the locals, met the handle's
       fields in the goal, and only Z3 proved it, after CVC4 had run into the timeout: 4 times
       300 s of make prove-more's CPU at a 32-bit size_t, 2 times 60 s at 64 bits) */
    /*@ assert fits: (mask + 1) * stride <= SIZE_MAX; */
    /*@ loop invariant 0 <= i <= n;
        loop invariant kept: shmpc_handle_ok(r) && r->role == SHMPC_CONSUMER;
        loop invariant geometry: slots == r->slots && mask == r->mask && stride == r->stride &&
            size == r->slot_size;
        loop invariant rest: \forall integer k; i <= k < n ==> bufs[k].len == \at(bufs[k].len, Pre);
        loop invariant base: \forall integer k; 0 <= k < n ==> bufs[k].base == \at(bufs[k].base, Pre);
        loop assigns i, rc, r->redo, r->seg->head, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pending,
                     r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pend_n, r->seg->space_ev,
                     { *shmpc_hdr(slots, k) | integer k; 0 <= k <= mask }, bufs[0 .. n - 1].len,
                     { ((char *)\at(bufs[k].base, Pre))[j] | integer k, j;
                       0 <= k < n && 0 <= j < \at(bufs[k].len, Pre) };
        loop variant n - i;
    */
    while (i < n) { /* a range of messages per claim, else one */
        shmpc_idx pos = 0; /* written by a successful claim or take: zero elsewhere */
        uint32_t len = 0, k, j;
        size_t end;
        if (!bufs[i].base && bufs[i].len) { rc = SHMPC_EINVAL; break; }
        /* (steps for the provers, in the terms of the caller's precondition, at entry: this buffer
           apart from the slot array; below, the length to copy within it) */
        /*@ assert whole: \let q = i; \at(bufs[q].base, Pre) != \null ==>
                \separated((char *)\at(bufs[q].base, Pre) + (0 .. \at(bufs[q].len, Pre) - 1),
                           \at(r->slots, Pre) + (0 .. (\at(r->mask, Pre) + 1) * \at(r->stride, Pre) - 1)); */
        k = shmpc__mpmc_claim_range(r, &r->seg->head, 1u, bufs, i, n, &pos);
        if (k == 0u) {
            rc = shmpc__mpmc_take(r, bufs[i].len, &pos, &len);
            if (rc != SHMPC_OK) { if (i == 0 && rc == SHMPC_EMSGSIZE) bufs[0].len = len; break; }
            /*@ assert within: \let q = i; len <= \at(bufs[q].len, Pre) && bufs[q].base == \at(bufs[q].base, Pre) &&
                    slots == \at(r->slots, Pre) && mask == \at(r->mask, Pre) && stride == \at(r->stride, Pre); */
            shmpc__copy_out(slots, mask, stride, size, pos, (char *)bufs[i].base, len);
            shmpc__iov_set(r, &bufs[i], len);
            shmpc__mpmc_free(r, SHMPC__SLOT_AT(slots, pos, mask, stride), shmpc__slot_of(pos, mask), pos);
            i++;
            continue;
        }
        end = i + k; /* <= n all the same (a claim takes at most n - i): see shmpc__mpmc_push_many */
        if (end > n) end = n;
        /*@ loop invariant 0 <= j <= k && i == \at(i, LoopEntry) + j && end <= n;
            loop invariant kept: shmpc_handle_ok(r) && r->role == SHMPC_CONSUMER;
            loop invariant geometry: slots == r->slots && mask == r->mask && stride == r->stride &&
                size == r->slot_size;
            loop invariant rest: \forall integer m; i <= m < n ==> bufs[m].len == \at(bufs[m].len, Pre);
            loop invariant base: \forall integer m; 0 <= m < n ==> bufs[m].base == \at(bufs[m].base, Pre);
            loop assigns j, i, rc, len, bufs[0 .. n - 1].len,
                         { shmpc_hdr(slots, m)->seq | integer m; 0 <= m <= mask },
                         { ((char *)\at(bufs[m].base, Pre))[b] | integer m, b;
                           0 <= m < n && 0 <= b < \at(bufs[m].len, Pre) };
            loop variant end - i;
        */
        for (j = 0; i < end; j++, i++) {
            shmpc_idx p = (shmpc_idx)(pos + j);
            shmpc__slot *sl = SHMPC__SLOT_AT(slots, p, mask, stride);
            /*@ assert whole: \let q = i; \at(bufs[q].base, Pre) != \null ==>
                    \separated((char *)\at(bufs[q].base, Pre) + (0 .. \at(bufs[q].len, Pre) - 1),
                               \at(r->slots, Pre) + (0 .. (\at(r->mask, Pre) + 1) * \at(r->stride, Pre) - 1)); */
            rc = shmpc__slot_len(r, sl, &len); /* ours now; a peer may still scribble: re-check */
            if (rc == SHMPC_OK && len > bufs[i].len) rc = SHMPC_ECORRUPT;
            if (rc != SHMPC_OK) break;
            /*@ assert within: \let q = i; len <= \at(bufs[q].len, Pre) && bufs[q].base == \at(bufs[q].base, Pre) &&
                    slots == \at(r->slots, Pre) && mask == \at(r->mask, Pre) && stride == \at(r->stride, Pre); */
            shmpc__copy_out(slots, mask, stride, size, p, (char *)bufs[i].base, len);
            shmpc__iov_set(r, &bufs[i], len);
            shmpc__mpmc_free(r, sl, shmpc__slot_of(p, mask), p);
        }
        /* A length refused after the claim (only a peer breaking the protocol writes one): that
           slot and the rest of the range are handed on undelivered, so the ring keeps moving;
           the call returns what it delivered before it (or SHMPC_ECORRUPT). */
        /*@ loop invariant 0 <= j <= k;
            loop invariant fits: (mask + 1) * stride <= SIZE_MAX;
            loop invariant kept: shmpc_handle_ok(r) && r->role == SHMPC_CONSUMER;
            loop invariant geometry: slots == r->slots && mask == r->mask && stride == r->stride &&
                size == r->slot_size;
            loop assigns j, { shmpc_hdr(slots, m)->seq | integer m; 0 <= m <= mask };
            loop variant k - j;
        */
        for (; j < k; j++) {
            shmpc_idx p = (shmpc_idx)(pos + j);
            shmpc__mpmc_free(r, SHMPC__SLOT_AT(slots, p, mask, stride), shmpc__slot_of(p, mask), p);
        }
        shmpc__range_done(r); /* freed: nothing for recovery */
        if (rc != SHMPC_OK) break;
    }
    if (i == 0) return shmpc__empty_or_closed(r, rc);
    shmpc__notify(r, &r->seg->space_waiters, &r->seg->space_ev);
    return (int)i;
}

/*@ requires handle: shmpc_handle(r);
    requires bufs: bufs != \null ==> \valid(bufs + (0 .. n - 1)) && (r != \null ==> \separated(bufs + (0 .. n - 1), r));
    requires each: bufs != \null ==> shmpc_iovs_writable(bufs, n);
    requires sep: bufs != \null && r != \null && r->seg != \null ==> shmpc_iovs_off_ring(bufs, n, r);
    requires apart: bufs != \null && r != \null && r->seg != \null ==> shmpc_iovs_array_apart(bufs, n, r);
*/
SHMPC_API int shmpc_try_pop_many(shmpc_ring *r, shmpc_iov *bufs, size_t n) {
    int rc = shmpc__check(r, SHMPC_CONSUMER);
    if (rc != SHMPC_OK) return rc;
    if (!bufs || n == 0) return SHMPC_EINVAL;
    if (n > (size_t)SHMPC__MAX_CAP) n = SHMPC__MAX_CAP;
    if (r->mode == SHMPC_SPSC) return shmpc__spsc_pop_many(r, bufs, n);
    return shmpc__mpmc_pop_many(r, bufs, n);
}

/* What an observer may read of a ring, as it is now (each word loaded once: the fields need not
   agree with each other, a peer may write any of them meanwhile). Proven for any handle and any
   value a peer stored: every load inside the handle's segment, the fill computed from the
   indices read, the peer count at most SHMPC_MAX_PEERS. */
/*@ requires handle: shmpc_handle(r);
    requires st: st != \null ==> \valid(st);
    requires apart: st != \null && r != \null ==> \separated(st, r) && (r->seg != \null ==> \separated(st, r->seg));
    behavior inval:
      assumes r == \null || r->seg == \null || st == \null;
      assigns \nothing;
      ensures \result == SHMPC_EINVAL;
    behavior ok:
      assumes r != \null && r->seg != \null && st != \null;
      assigns *st;
      ensures \result == SHMPC_OK;
      ensures geometry: st->capacity == r->capacity && st->slot_size == r->slot_size && st->mode == r->mode;
      ensures fill: st->fill == shmpc_fill(st->head, st->tail);
      ensures counts: st->producers != SHMPC__ENDED && st->consumers != SHMPC__ENDED;
      ensures peers: st->peers <= SHMPC_MAX_PEERS;
    complete behaviors;
    disjoint behaviors;
*/
SHMPC_API int shmpc_stat(const shmpc_ring *r, shmpc_status *st) {
    struct shmpc__seg *s;
    uint32_t i;
    if (!r || !r->seg || !st) return SHMPC_EINVAL;
    s = r->seg;
    st->version = s->version; st->capacity = r->capacity; st->slot_size = r->slot_size;
    st->mode = r->mode; st->flags = s->flags; st->total_size = s->total_size;
    st->state = shmpc__ld(&s->state, acquire);
    st->ends = shmpc__ld(&s->ends, acquire);
    st->producers = shmpc__ld(&s->producers, relaxed);
    st->consumers = shmpc__ld(&s->consumers, relaxed);
    if (st->producers == SHMPC__ENDED) { st->producers = 0; st->ends |= SHMPC__PROD_CLOSED; } /* ended in the count */
    if (st->consumers == SHMPC__ENDED) { st->consumers = 0; st->ends |= SHMPC__CONS_CLOSED; }
    st->head = (shmpc_idx)shmpc__ld(&s->head, acquire);
    st->tail = (shmpc_idx)shmpc__ld(&s->tail, acquire);
    st->fill = shmpc__used(st->head, st->tail);
    st->peers = 0;
    /*@ loop invariant 0 <= i <= SHMPC_MAX_PEERS && st->peers <= i;
        loop assigns i, st->peers;
        loop variant SHMPC_MAX_PEERS - i;
    */
    for (i = 0; i < SHMPC_MAX_PEERS; i++) { /* registered: neither free nor busy */
        uint32_t pid = shmpc__ld(&s->peers[i].pid, relaxed);
        st->peers += pid != 0u && !(pid & SHMPC__BUSY);
    }
    return SHMPC_OK;
}

/* The registered peers, at most max of them, into out[0 .. max - 1]: each with a nonzero pid as it
   was read. Proven for any handle and any value a peer stored: no write outside out[0 .. max - 1],
   n <= max, each of out[0 .. n - 1] with a nonzero pid and alive -1, 0 or 1. */
/*@ requires handle: shmpc_handle(r);
    requires out: out != \null && max > 0 ==> \valid(out + (0 .. max - 1));
    requires apart: out != \null && max > 0 && r != \null ==>
                    \separated(out + (0 .. max - 1), r) && (r->seg != \null ==> \separated(out + (0 .. max - 1), r->seg));
    behavior inval:
      assumes r == \null || r->seg == \null || (out == \null && max > 0) || max < 0;
      assigns \nothing;
      ensures \result == SHMPC_EINVAL;
    behavior ok:
      assumes r != \null && r->seg != \null && (out != \null || max <= 0) && max >= 0;
      assigns out[0 .. max - 1];
      ensures count: 0 <= \result <= max && \result <= SHMPC_MAX_PEERS;
      ensures each: \forall integer k; 0 <= k < \result ==> out[k].pid != 0 && -1 <= out[k].alive <= 1;
    complete behaviors;
    disjoint behaviors;
*/
SHMPC_API int shmpc_peers(const shmpc_ring *r, shmpc_peer_status *out, int max) {
    int i, n = 0;
    if (!r || !r->seg || (!out && max > 0) || max < 0) return SHMPC_EINVAL;
    /*@ loop invariant count: 0 <= i <= SHMPC_MAX_PEERS && 0 <= n <= i && n <= max;
        loop invariant each: \forall integer k; 0 <= k < n ==> out[k].pid != 0 && -1 <= out[k].alive <= 1;
        loop assigns i, n, out[0 .. max - 1];
        loop variant SHMPC_MAX_PEERS - i;
    */
    for (i = 0; i < SHMPC_MAX_PEERS && n < max; i++) {
        const shmpc__peer *p = &r->seg->peers[i];
        uint32_t pid = shmpc__ld(&p->pid, acquire);
        if (pid == 0u || (pid & SHMPC__BUSY)) continue; /* free, or busy: not (yet, still) a peer */
        out[n].pid = pid;
        out[n].role = shmpc__ld(&p->role, acquire);
        out[n].start = shmpc__peer_start(p);
        out[n].alive = shmpc__entry_alive(p, pid); /* start 0: never presumed dead */
        n++;
    }
    return n;
}

/* The OS layer's part of a close (>>os), as the proof of shmpc_close takes it (the bodies without
   an OS, SHMPC_NO_OS, do nothing; the OS bodies are not proven): the poller's words of the caller's
   entry and its counts, and the handle's mapping fields, but never the handle's geometry. */
/*@ requires handle: shmpc_handle_ok(r);
    assigns r->poller, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].poll_id, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pflags,
            r->seg->data_pollers, r->seg->space_pollers, r->seg->data_waiters, r->seg->space_waiters;
    ensures kept: shmpc_handle_ok(r);
*/
SHMPC__PRIVATE void shmpc__os_unpoll(shmpc_ring *r);
/*@ requires r: \valid(r);
    assigns r->wake_sock, r->kind;
*/
SHMPC__PRIVATE void shmpc__os_unmap(shmpc_ring *r);

/* Marks the caller's peer entry closing (shmpc_close's first store): a function of its own, whose
   contract says that the handle survives the store (inline, WP lost the handle there). */
/*@ requires handle: shmpc_handle_ok(r);
    requires entry: 0 <= r->peer < SHMPC_MAX_PEERS;
    assigns r->seg->peers[r->peer].pflags;
    ensures kept: shmpc_handle_ok(r);
*/
SHMPC__INLINE void shmpc__closing(shmpc_ring *r) {
    shmpc__peer *me = &r->seg->peers[r->peer];
    shmpc__st(&me->pflags, shmpc__ld(&me->pflags, relaxed) | SHMPC__PF_CLOSING, release);
}

/* A close's part for a producer or a consumer with its entry (what attach leaves open): a
   function of its own, so that the proof of shmpc_close sees one call (its goals at the end carried
   every path through this part). */
/*@ requires handle: shmpc_handle(r) && r != \null && r->seg != \null;
    requires role: r->role == SHMPC_PRODUCER || r->role == SHMPC_CONSUMER;
    requires entry: 0 <= r->peer < SHMPC_MAX_PEERS;
    assigns r->own, r->pending_op, r->go, r->peer,
            r->seg->head, r->seg->space_ev, r->seg->data_ev, r->seg->ends, r->seg->state,
            r->seg->producers, r->seg->consumers,
            r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].role, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pflags,
            r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pend_n, r->seg->peers[0 .. SHMPC_MAX_PEERS - 1].pid,
            { shmpc_hdr(r->slots, k)->seq | integer k; 0 <= k <= r->mask },
            { shmpc_hdr(r->slots, k)->len | integer k; 0 <= k <= r->mask };
    ensures seg: r->seg == \old(r->seg);
*/
SHMPC__PRIVATE void shmpc__close_side(shmpc_ring *r) {
    struct shmpc__seg *s = r->seg;
    shmpc__a32 *count = r->role == SHMPC_PRODUCER ? &s->producers : &s->consumers;
    uint32_t bit = r->role == SHMPC_PRODUCER ? SHMPC__PROD_CLOSED : SHMPC__CONS_CLOSED, n, i;
    int ended = 0;
    /* A close that dies part way must leave a state the survivors resolve: its entry marked
       closing (a takeover then knows its count, see shmpc__reclaim). The last of a side ends
       it in the count: 1 to SHMPC__ENDED in the compare-and-swap that gives the count back,
       one step, so that no peer attaches between the close and the end (an attacher
       takes its count by compare-and-swap from any value but that one), and no survivor
       sees a count of 0 ("not attached yet", waited for) because a closer died. Then it ends
       the side in `ends` (R5), which whoever finds the count so does too (shmpc__ended). */
    shmpc__closing(r);
    SHMPC_TEST_HOOK("close-marked");
    if (r->pending_op == SHMPC__OP_RESERVED && r->mode == SHMPC_SPSC) { /* never published */
        r->pending_op = SHMPC__OP_NONE;
    } else if (r->pending_op == SHMPC__OP_RESERVED) { /* MPMC: the slot is claimed; published */
        shmpc__slot *sl = SHMPC__SLOT(r, r->pending_pos); /* as a discard, never delivered */
        shmpc__st(&sl->len, SHMPC__DISCARD, relaxed);
        shmpc__st(&sl->seq, shmpc__mpmc_published(r->pending_pos, r->capacity), release); /* R3 */
        r->pending_op = SHMPC__OP_NONE;
        shmpc__notify(r, &s->data_waiters, &s->data_ev);
    } else if (r->pending_op == SHMPC__OP_PEEKED) {
        shmpc_release(r);
    }
    n = shmpc__ld(count, acquire);
    /* n == 0 or more than the peers: a peer wrote the count; leave it */
    /*@ loop invariant tries: 0 <= i <= SHMPC__GIVEBACK_TRIES;
        loop assigns i, n, ended, *count;
        loop variant SHMPC__GIVEBACK_TRIES - i;
    */
    for (i = 0; n != 0u && n <= (uint32_t)SHMPC_MAX_PEERS && i < SHMPC__GIVEBACK_TRIES; i++)
        if (shmpc__cas(count, &n, n == 1u ? SHMPC__ENDED : n - 1u, acq_rel)) { ended = n == 1u; break; }
    SHMPC_TEST_HOOK("close-counted");
    if (ended) {
        shmpc__end(s, bit); /* R5 */
        SHMPC_TEST_HOOK("close-ended");
        shmpc__add(&s->data_ev, 1u, release); /* wake every sleeper and poller, whatever the side */
        shmpc__os_wake(r, &s->data_ev);
        shmpc__add(&s->space_ev, 1u, release);
        shmpc__os_wake(r, &s->space_ev);
    }
    shmpc__leave(r);
}

/*@ requires handle: shmpc_handle(r);
    ensures closed: r != \null ==> r->seg == \null && r->go == 0 && shmpc_handle(r);
    ensures result: \result == (r == \null ? SHMPC_EINVAL : SHMPC_OK);
*/
SHMPC_API int shmpc_close(shmpc_ring *r) {
    if (!r) return SHMPC_EINVAL;
    if (!r->seg) return SHMPC_OK; /* closed already, or never opened */
    shmpc__os_unpoll(r); /* before the peer entry is left: it may still be counted as a poller */
    /* attach leaves a handle open only with one of the three roles, and a producer's or a
       consumer's with its entry (r->peer >= 0): the test says so for the provers */
    if (!r->closed && (r->role == SHMPC_PRODUCER || r->role == SHMPC_CONSUMER) && r->peer >= 0)
        shmpc__close_side(r);
    r->closed = 1;
    r->go = 0;
    shmpc__os_unmap(r);
    r->seg = NULL;
    r->slots = NULL;
    return SHMPC_OK;
}

/* ========================================================================================== >>os */
#ifdef SHMPC_NO_OS
SHMPC__PRIVATE void shmpc__os_wake(shmpc_ring *r, shmpc__a32 *ev) { (void)r; (void)ev; }
SHMPC__PRIVATE void shmpc__os_unmap(shmpc_ring *r) { (void)r; }
SHMPC__PRIVATE void shmpc__os_unpoll(shmpc_ring *r) { (void)r; }
/* SHMPC__MODEL_ALIVE: proofs/wmm/wmm.c defines shmpc__os_alive and shmpc__os_self itself (a thread its
   scenario crashed is dead), so that the explorer runs takeover; no other build defines it. */
#ifndef SHMPC__MODEL_ALIVE
SHMPC__PRIVATE int shmpc__os_alive(uint32_t pid, uint64_t start) { (void)pid; (void)start; return -1; }
SHMPC__PRIVATE uint32_t shmpc__os_self(void) { return 0; }
#endif
SHMPC__PRIVATE int shmpc__orphans(const shmpc_ring *r, uint32_t role, shmpc__a32 *count, uint32_t n) {
    (void)r; (void)role; (void)count; (void)n;
    return 0; /* no clock to see that a count stays unregistered: never adopted */
}
#else
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#endif
/* Under a strict standard (-std=c11), the first system header fixes which declarations the C
   library shows: if one came before this file's _GNU_SOURCE, clock_gettime, syscall, O_CLOEXEC
   and MAP_ANONYMOUS stay hidden (their values differ between CPUs: not redeclared here). */
#if !defined(CLOCK_MONOTONIC) || !defined(O_CLOEXEC) || !defined(MAP_ANONYMOUS) || !defined(MADV_SEQUENTIAL)
#error "shmpc.h: a system header included before the implementation hid POSIX/Linux declarations it needs: in the file that defines SHMPC_IMPLEMENTATION, include shmpc.h before any other header, or compile it with -D_GNU_SOURCE (or -std=gnu11)"
#endif
#if defined(__linux__) && !defined(SHMPC_NO_FUTEX)
#define SHMPC__FUTEX 1 /* else the portable wait below: bounded sleeps, no wake-up call */
#endif

SHMPC__PRIVATE int64_t shmpc__now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

SHMPC__PRIVATE void shmpc__sleep_ns(int64_t ns) {
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* Maps errno to a code; errno itself is left as the system set it. */
SHMPC__PRIVATE int shmpc__from_errno(int e) {
    switch (e) {
        case EEXIST: return SHMPC_EEXIST;
        case ENOENT: return SHMPC_ENOENT;
        case EACCES: case EPERM: return SHMPC_EPERM;
        case ENOMEM: case ENOSPC: case EFBIG: return SHMPC_ENOMEM;
        case EOVERFLOW: return SHMPC_ESIZE; /* a segment larger than a 32-bit off_t or size_t holds */
        case EINVAL: return SHMPC_EINVAL;
        case EINTR: return SHMPC_EINTR;
        default: return SHMPC_ESYS;
    }
}

/* Futex on a 32-bit word of the segment (shared, not FUTEX_PRIVATE: the waker may be another
   process). Without futex (other systems, or SHMPC_NO_FUTEX): a short sleep, correct because
   every sleep is bounded. */
SHMPC__PRIVATE void shmpc__futex_wait(shmpc__a32 *w, uint32_t expect, int64_t ns) {
#ifdef SHMPC__FUTEX
    struct timespec ts;
    int saved = errno;
    ts.tv_sec = (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    syscall(SYS_futex, (void *)w, FUTEX_WAIT, expect, &ts, NULL, 0); /* EINTR, EAGAIN: re-check */
    errno = saved;
#else
    (void)w; (void)expect;
    shmpc__sleep_ns(ns < 100000 ? ns : 100000);
#endif
}

/* --- wake-up sockets of pollers (shmpc_fd) ---------------------------------------------------------
   Each polling handle owns a datagram socket bound in the abstract UNIX namespace under
   "\0shmpc.<pid>.<poll_id>" (the pid and poll_id words of its peer entry): no file to clean up, gone
   with its process (or its shmpc_close). A notifier sends it one byte, never blocking (MSG_DONTWAIT:
   a full buffer already means readable). */
#ifdef __linux__
SHMPC__PRIVATE socklen_t shmpc__poll_addr(struct sockaddr_un *a, uint32_t pid, uint32_t id) {
    int n;
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "shmpc.%u.%u", (unsigned)pid, (unsigned)id);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1u + (size_t)n);
}

/* Wakes the pollers of one role. A poller is armed while its entry has SHMPC__PF_POLLING; whoever
   clears that flag (here, or the poller itself in shmpc_arm or shmpc_close) takes it out of the
   waiter and poller counts, and here sends its datagram: one per arm, however many messages follow.
   A hostile entry only makes us send one byte to some shmpc socket; nothing here blocks. */
SHMPC__PRIVATE void shmpc__poll_wake(shmpc_ring *r, uint32_t role) {
    struct shmpc__seg *s = r->seg;
    int i, saved = errno;
    if (r->wake_sock < 0) r->wake_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (r->wake_sock < 0) { errno = saved; return; } /* the pollers stay armed: a later notify wakes them */
    for (i = 0; i < SHMPC_MAX_PEERS; i++) { /* bounded: 64 entries, whatever they hold */
        shmpc__peer *p = &s->peers[i];
        struct sockaddr_un a;
        socklen_t len;
        if (shmpc__ld(&p->role, relaxed) != role || !(shmpc__ld(&p->pflags, relaxed) & SHMPC__PF_POLLING)) continue;
        /* acquire: pairs with the poller's release of the flag in shmpc_arm (its poll_id is visible) */
        if (!shmpc__uncount_poller(s, p, role)) continue;
        len = shmpc__poll_addr(&a, shmpc__ld(&p->pid, relaxed), shmpc__ld(&p->poll_id, relaxed));
        sendto(r->wake_sock, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)(void *)&a, len);
    }
    errno = saved;
}
#endif

SHMPC__FENCES_BEGIN
SHMPC__OUTLINE void shmpc__os_wake(shmpc_ring *r, shmpc__a32 *ev) {
#ifdef __linux__
    struct shmpc__seg *s = r->seg;
    int data = ev == &s->data_ev;
#ifdef SHMPC__FUTEX
    int saved = errno;
    syscall(SYS_futex, (void *)ev, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    errno = saved;
#endif
    /* Pollers are woken through their sockets, with or without futex (SHMPC_NO_FUTEX). seq_cst:
       the waiter count the caller read came from a poller's registration (its poller count and
       flag precede it), and for shmpc_close this is the F1 between setting ends and the look at
       the pollers (a poller re-checks ends after its fence in shmpc_arm) */
    shmpc__fence(seq_cst);
    if (shmpc__ld(data ? &s->data_pollers : &s->space_pollers, relaxed) != 0u)
        shmpc__poll_wake(r, data ? SHMPC_CONSUMER : SHMPC_PRODUCER);
#else
    (void)r; (void)ev;
#endif
}
SHMPC__FENCES_END

/* Start time of a process (field 22 of /proc/PID/stat), 0 if unknown; *state gets its state
   letter (field 3: 'Z' zombie, 'X' dead), 0 if unknown. */
SHMPC__PRIVATE uint64_t shmpc__proc_stat(long pid, char *state) {
#ifdef __linux__
    char path[64], buf[1024];
    const char *p;
    ssize_t n;
    int fd, field, saved = errno;
    uint64_t v = 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { errno = saved; return 0; }
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    errno = saved;
    if (n <= 0) return 0;
    buf[n] = 0;
    p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    if (!p) return 0;
    if (p[1] == ' ') *state = p[2];
    for (field = 2; *p && field < 22; p++)
        if (*p == ' ') field++;
    while (*p >= '0' && *p <= '9') v = v * 10u + (uint64_t)(*p++ - '0');
    return v;
#else
    (void)pid; (void)state;
    return 0;
#endif
}
SHMPC__PRIVATE uint64_t shmpc__start_time(long pid) {
    char state = 0;
    return shmpc__proc_stat(pid, &state);
}

/* 1 if process pid runs and started at `start` (0: start unknown), 0 if not (gone, a zombie, or
   the pid now names another process), -1 if unknowable. Peers must share a pid namespace. */
SHMPC__PRIVATE int shmpc__os_alive(uint32_t pid, uint64_t start) {
    int saved = errno, alive;
    uint64_t now;
    char state = 0;
    if (pid == 0u || pid > (uint32_t)INT_MAX) return 0;
    alive = kill((pid_t)pid, 0) == 0 || errno == EPERM;
    errno = saved;
    if (!alive) return 0;
    now = shmpc__proc_stat((long)pid, &state);
    if (state == 'Z' || state == 'X') return 0; /* exited, not yet reaped by its parent */
    if (start != 0u && now != 0u && now != start) return 0; /* the pid was recycled */
    return 1;
}

SHMPC__PRIVATE uint32_t shmpc__os_self(void) {
    return (uint32_t)getpid() & ~SHMPC__BUSY;
}

/* membarrier(2) for the asymmetric F1/F2 pair (see >>ring); 0 on success. */
SHMPC__PRIVATE int shmpc__membarrier(int cmd) {
#if defined(__linux__) && defined(SYS_membarrier)
    int saved = errno, rc = (int)syscall(SYS_membarrier, cmd, 0, 0);
    errno = saved;
    return rc;
#else
    (void)cmd;
    return -1;
#endif
}

SHMPC_API int shmpc_attach(shmpc_ring *r, void *mem, size_t size, int role) {
    int rc = shmpc_attach_id(r, mem, size, role, (uint32_t)getpid(), shmpc__start_time((long)getpid()));
#if defined(__linux__) && defined(SYS_membarrier)
    /* A registered process may skip the fence F1: a sleeper's membarrier() supplies it. */
    if (rc == SHMPC_OK) r->asym = shmpc__membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
#endif
    return rc;
}

/* --- crash handling (sleep path only: nothing here runs while data flows) ---------------------- */

/* The registered peers of one role (this handle included: shmpc_recover may run in either role):
   how many are alive, how many dead,
   and of each how many recorded `pos` in their pending range. A peer registered with start time 0
   (shmpc_attach_id without one) is presumed alive: its id need not be a pid. */
typedef struct shmpc__census { int live, dead, live_at, dead_at; } shmpc__census;
SHMPC__PRIVATE void shmpc__census_of(const shmpc_ring *r, uint32_t role, shmpc_idx pos, shmpc__census *c) {
    int i;
    c->live = c->dead = c->live_at = c->dead_at = 0;
    for (i = 0; i < SHMPC_MAX_PEERS; i++) { /* bounded: 64 entries, whatever they hold */
        const shmpc__peer *p = &r->seg->peers[i];
        uint32_t pid = shmpc__ld(&p->pid, acquire);
        int at;
        if (pid == 0u || shmpc__ld(&p->role, acquire) != role) continue; /* this handle counts, live */
        at = shmpc__pending_at(r, p, pos); /* a single position, or within a batch's range claim */
        if (shmpc__entry_alive(p, pid) != 0) { c->live++; c->live_at += at; } /* busy: its worker */
        else { c->dead++; c->dead_at += at; }
    }
}

/* A process killed inside shmpc_attach_id between taking the role's count and registering its
   entry leaves a count that nobody holds (SPSC: the role is then refused for ever). 1 if the count
   (n, full) exceeds the registered entries of the role, live or dead, at two looks 1 ms apart:
   the attacher adopts one such count, registers, and keeps it only if the entries still do not
   exceed the count (another adopter leaves). An attacher stalled for more than 1 ms between its
   count and its registration can have its count adopted (two holders of an SPSC role): the same
   1 ms rule as shmpc__peer_dead, which also waits that long for a count with no entry. n == 0:
   the adopter's look after it registered, 1 if the entries now exceed the count (leave). */
SHMPC__PRIVATE uint32_t shmpc__entries(const struct shmpc__seg *s, uint32_t role) {
    uint32_t i, n = 0;
    for (i = 0; i < SHMPC_MAX_PEERS; i++) /* bounded: 64 entries, whatever they hold */
    { /* a busy entry with the role counts: its worker holds the role's count (a registrant), or
         takes over (SPSC) or gives back (MPMC) the count of the dead peer whose entry it is; one
         whose worker died is reclaimed as a dead peer's (shmpc__reclaim) */
        uint32_t pid = shmpc__ld(&s->peers[i].pid, acquire);
        n += pid != 0u && shmpc__ld(&s->peers[i].role, acquire) == role;
    }
    return n;
}
SHMPC__PRIVATE int shmpc__orphans(const shmpc_ring *r, uint32_t role, shmpc__a32 *count, uint32_t n) {
    int i;
    if (n == 0u) return shmpc__entries(r->seg, role) > shmpc__ld(count, acquire);
    for (i = 0; i < 2; i++) {
        if (i) shmpc__sleep_ns(1000000);
        if (shmpc__ld(count, acquire) != n || shmpc__entries(r->seg, role) >= n) return 0;
    }
    return 1;
}

/* MPMC: a slot that a dead peer claimed and never handed on blocks the ring for everyone. This
   finds it and hands it on. A consumer waiting for data looks at head: claimed by a producer (tail
   moved past it), not committed (seq == pos), no live producer recorded pos in its pending word, a
   dead one did: the consumer takes the position (head) and frees the slot (seq = pos + capacity).
   That message is lost; it was never acknowledged (its push or commit never returned). A producer
   waiting for room looks at the slot of tail, position p = tail - capacity: taken by a consumer
   (head moved past it), not released (seq == p + 1), no live consumer recorded p, a dead one did:
   that message is delivered again (shmpc__redeliver). Seen twice, 1 ms apart, so that a live
   claimer's pending store (made just before its claim) is visible. SHMPC__STUCK_CLAIM: a dead
   producer's claim at head; SHMPC__STUCK_HELD: a dead consumer's message at tail - capacity;
   SHMPC__STUCK_REDO: a redelivery claimed at head and not yet published (its recoverer is slow or
   died); 0: none. */
enum { SHMPC__STUCK_CLAIM = 1, SHMPC__STUCK_HELD = 2, SHMPC__STUCK_REDO = 3 };
SHMPC__PRIVATE int shmpc__stuck(const shmpc_ring *r, int for_data, shmpc_idx *pos_out) {
    struct shmpc__seg *s = r->seg;
    shmpc_idx hd = (shmpc_idx)shmpc__ld(&s->head, acquire), tl = (shmpc_idx)shmpc__ld(&s->tail, acquire);
    shmpc_idx pos = for_data ? hd : (shmpc_idx)(tl - r->capacity);
    shmpc_idx want = for_data ? pos : (shmpc_idx)(pos + 1u);
    shmpc_idx seq = (shmpc_idx)shmpc__ld(&SHMPC__SLOT(r, pos)->seq, acquire);
    shmpc__census c;
    *pos_out = pos;
    if (for_data ? (tl == hd || (uint32_t)(shmpc_idx)(tl - hd) > r->capacity)      /* not claimed */
                 : ((shmpc_idx)(hd - pos) == 0u || (uint32_t)(shmpc_idx)(hd - pos) > r->capacity)) /* not taken */
        return 0;
    /* claimed, and its slot still holds the message of the lap before: only shmpc__recover claims so */
    if (for_data && seq == (shmpc_idx)(pos - r->capacity + 1u)) return SHMPC__STUCK_REDO;
    if (seq != want) return 0;
    shmpc__census_of(r, for_data ? SHMPC_PRODUCER : SHMPC_CONSUMER, pos, &c);
    if (c.live_at != 0 || c.dead_at == 0) return 0;
    return for_data ? SHMPC__STUCK_CLAIM : SHMPC__STUCK_HELD;
}

/* MPMC: publishes, as position pos, the message of position pos - capacity that its slot still
   holds (its consumer died with it), marked SHMPC__REDO. Position pos is claimed (tail moved past
   it) and the slot is frozen at seq == pos - capacity + 1: nobody else writes it, except another
   caller here, which writes the same mark and whose compare-and-swap then fails. One that looked
   long ago may set the mark on a later message of the same length: that message is then reported
   as possibly delivered again, never lost. 1: published here. */
SHMPC__PRIVATE int shmpc__redeliver(const shmpc_ring *r, shmpc_idx pos) {
    shmpc__slot *sl = SHMPC__SLOT(r, pos);
    uint32_t len = shmpc__ld(&sl->len, relaxed), e = (shmpc_idx)(pos - r->capacity + 1u), i;
    if (len != SHMPC__DISCARD && !(len & SHMPC__REDO)) (void)shmpc__cas(&sl->len, &len, len | SHMPC__REDO, relaxed);
    for (i = 0; i < SHMPC_RETRIES; i++) { /* bounded: a weak compare-and-swap may fail spuriously */
        if (shmpc__cas(&sl->seq, &e, (shmpc_idx)(pos + 1u), acq_rel)) return 1; /* R3: pairs with A3 */
        if (e != (shmpc_idx)(pos - r->capacity + 1u)) return 0;                  /* published by another */
    }
    return 0;
}

SHMPC__PRIVATE int shmpc__recover(shmpc_ring *r, int for_data) {
    struct shmpc__seg *s = r->seg;
    shmpc_idx pos, again;
    int kind = r->mode == SHMPC_MPMC ? shmpc__stuck(r, for_data, &pos) : 0;
    if (!kind) return 0;
    shmpc__sleep_ns(1000000);
    if (shmpc__stuck(r, for_data, &again) != kind || again != pos) return 0;
    if (kind == SHMPC__STUCK_CLAIM) {
        uint32_t e = pos;
        if (!shmpc__cas(&s->head, &e, (shmpc_idx)(pos + 1u), acq_rel)) return 0;
        shmpc__st(&SHMPC__SLOT(r, pos)->seq, (shmpc_idx)(pos + r->capacity), release); /* R4: pairs with A4 */
        shmpc__add(&s->skipped, 1u, relaxed);
    } else if (kind == SHMPC__STUCK_HELD) {
        /* The slot of position tail is the held one: claim tail (R6; only a recoverer moves tail
           past a slot not freed), then publish it in place. No copy; it goes to the back of the
           queue. A death between the two leaves it frozen at head: SHMPC__STUCK_REDO. */
        uint32_t e = (shmpc_idx)(pos + r->capacity);
        if (!shmpc__cas(&s->tail, &e, (shmpc_idx)(pos + r->capacity + 1u), acq_rel)) return 0;
        shmpc__add(&s->redelivered, 1u, relaxed);
        (void)shmpc__redeliver(r, (shmpc_idx)(pos + r->capacity));
    } else if (!shmpc__redeliver(r, pos)) {
        return 0;
    }
    shmpc__notify(r, &s->space_waiters, &s->space_ev);
    shmpc__notify(r, &s->data_waiters, &s->data_ev);
    return 1;
}

/* A named POSIX segment can be shrunk (ftruncate) by any process that can write it, and an access
   beyond its new end raises SIGBUS. Where nothing prevents it, the sleep path looks (one fstat per
   wake-up, before the segment is touched again): if the ring no longer fits, the handle gives the
   segment up -- it is marked closed without another access to the segment, so that shmpc_close
   only unmaps -- and the blocking call returns SHMPC_ECORRUPT. SysV and anonymous segments cannot
   be shrunk (see Shrinking in >>doc); caller memory is not looked at. 1: shrunk. */
SHMPC__PRIVATE int shmpc__shrunk(shmpc_ring *r) {
    struct stat st;
    int saved = errno, shrunk;
    if (r->kind != SHMPC__PLACE_POSIX) return 0;
    shrunk = fstat(r->seg_fd, &st) == 0 &&
             (uint64_t)st.st_size < (uint64_t)SHMPC_HEADER_SIZE + (uint64_t)r->capacity * r->stride;
    errno = saved;
    if (shrunk) {
        r->closed = 1;
        shmpc__regate(r);
    }
    return shrunk;
}

/* 1 (the caller returns SHMPC_EPEERDEAD) if the other side attached (its count is > 0: it has not
   closed) and none of its registered peers is alive. A count > 0 with no registered peer at all
   (one died between taking the role and registering) must persist for 1 ms. A side that has not
   attached yet (count 0, not closed) is waited for. */
SHMPC__PRIVATE int shmpc__peer_dead(const shmpc_ring *r) {
    uint32_t other = r->role == SHMPC_PRODUCER ? SHMPC_CONSUMER : SHMPC_PRODUCER;
    shmpc__a32 *count = other == SHMPC_PRODUCER ? &r->seg->producers : &r->seg->consumers;
    shmpc__census c;
    int i;
    if (r->role != SHMPC_PRODUCER && r->role != SHMPC_CONSUMER) return 0;
    for (i = 0; i < 2; i++) {
        if (i) shmpc__sleep_ns(1000000);
        if (shmpc__ld(count, acquire) == 0u) return 0;
        if (shmpc__ended(r->seg, other)) return 0; /* it closed (its closer died before `ends`) */
        shmpc__census_of(r, other, (shmpc_idx)0, &c);
        if (c.live > 0) return 0;
        if (c.dead > 0) return 1;
    }
    return 1;
}

SHMPC_API int shmpc_recover(shmpc_ring *r) {
    int done = 0, dir;
    if (!r || !r->seg || r->closed) return SHMPC_EINVAL;
    for (dir = 0; dir < 2; dir++) { /* each pass hands on one slot: at most a ring's worth */
        uint32_t k;
        for (k = 0; k < r->capacity && shmpc__recover(r, dir); k++) done++;
    }
    if (done == 0 && shmpc__peer_dead(r)) return SHMPC_EPEERDEAD;
    return done;
}

typedef int (*shmpc__try_fn)(shmpc_ring *r, void *arg);

SHMPC__PRIVATE int shmpc__would_block(int rc) {
    return rc == SHMPC_EFULL || rc == SHMPC_EEMPTY || rc == SHMPC_EAGAIN;
}

/* Between a sleeper's registration (F2) and its last look at the ring: a seq_cst fence (the C11
   Dekker pair with F1: either the look sees the notifier's index, or the notifier sees the count),
   and the heavy half of the asymmetric F1. 0, or -1 if membarrier failed: then a registered
   notifier may miss this sleeper. */
SHMPC__FENCES_BEGIN
SHMPC__PRIVATE int shmpc__registered(void) {
    shmpc__fence(seq_cst);
#if defined(__linux__) && defined(SYS_membarrier)
    if (shmpc__membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0) return -1;
#endif
    return 0;
}
SHMPC__FENCES_END

/* A yield that returned later than this let another process run on this core; one that returned
   later than SHMPC__FOREIGN_AWAY_NS gave it a time slice. */
#define SHMPC__YIELD_AWAY_NS 20000
#define SHMPC__FOREIGN_AWAY_NS 500000
/* A timed call stops yielding this long before its deadline (longer than a time slice). */
#define SHMPC__YIELD_MARGIN_NS 10000000
/* Per thread: the last time a yield gave a time slice to a process other than our peer, the other
   side's index then (identified by its address) and its value. */
#ifdef __cplusplus
#  define SHMPC__THREAD_LOCAL thread_local
#else
#  define SHMPC__THREAD_LOCAL _Thread_local
#endif
typedef struct shmpc__foreign { const shmpc__a32 *other; uint32_t idx; int64_t at; } shmpc__foreign;
static SHMPC__THREAD_LOCAL shmpc__foreign shmpc__foreign_seen;

/* 1 if yielding is worth it: unless a yield of this thread on this index gave a process other than
   our peer a time slice, and the index has moved by less than `work` per such slice since (a
   stream that slow gains nothing from yields, and is answered sooner by a futex wake-up). */
SHMPC__PRIVATE int shmpc__yield_ok(const shmpc__a32 *other, uint32_t cur, uint32_t work, int64_t now) {
    const shmpc__foreign *f = &shmpc__foreign_seen;
    uint64_t moved = (uint32_t)(shmpc_idx)(cur - f->idx), since = (uint64_t)(now - f->at);
    if (f->other != other) return 1;
    if (since < SHMPC__FOREIGN_AWAY_NS) since = SHMPC__FOREIGN_AWAY_NS;
    if (since > (uint64_t)1 << 40) return 1; /* 18 minutes: forget it */
    return moved * SHMPC__FOREIGN_AWAY_NS >= work * since;
}

/* 1 if the call this handle would block in may proceed: a message (consumer) or room (producer),
   the other side closed, or a state the try call reports as an error. Loads only, and an SPSC
   consumer caches the tail it read: its try calls then take what tail published (R1) even before
   the slot's seq says so (R7), or if the producer died between the two. */
SHMPC__PRIVATE int shmpc__ready(shmpc_ring *r) {
    struct shmpc__seg *s = r->seg;
    shmpc_idx hd = (shmpc_idx)shmpc__ld(&s->head, acquire), tl = (shmpc_idx)shmpc__ld(&s->tail, acquire); /* A1/A2 */
    if (r->role == SHMPC_CONSUMER) {
        if (shmpc__closed(r, SHMPC__PROD_CLOSED)) return 1;
        if (r->mode == SHMPC_SPSC) {
            if (tl == r->own) return 0;
            r->cached = tl; /* checked against the capacity by the try call (the core) */
            return 1;
        }
        return shmpc__seq_class((shmpc_idx)shmpc__ld(&SHMPC__SLOT(r, hd)->seq, acquire), (shmpc_idx)(hd + 1u),
                                r->capacity) != SHMPC__SEQ_BEHIND; /* A3 */
    }
    if (shmpc__closed(r, SHMPC__CONS_CLOSED)) return 1;
    if (r->mode == SHMPC_SPSC) return (uint32_t)shmpc__used(hd, r->own) != r->capacity;
    return shmpc__seq_class((shmpc_idx)shmpc__ld(&SHMPC__SLOT(r, tl)->seq, acquire), tl, r->capacity) != SHMPC__SEQ_BEHIND; /* A4 */
}

/* The rest of a spin after its first `done` polls (SHMPC_SPIN/16 of them): a count in
   [0, SHMPC_SPIN - done], a multiplicative hash of the clock and our peer slot (see shmpc__wait). */
SHMPC__PRIVATE uint32_t shmpc__spin_draw(const shmpc_ring *r, int64_t now, uint32_t done) {
    uint32_t spin = (uint32_t)((((uint64_t)now ^ (uint64_t)(uint32_t)r->peer << 32) * 0x9E3779B97F4A7C15ull) >> 33);
    return spin % ((uint32_t)SHMPC_SPIN - done + 1u);
}

/* Runs fn until it does not report "would block", in three stages:
   1. Spin: polls with a pause between two, SHMPC_SPIN/16 of them, then a count drawn at random to
      make SHMPC_SPIN/16..SHMPC_SPIN in all (0.5 to 7 us on the reference machine): a peer running
      on another core answers within this. Each wait draws its own count, so that waiters of one
      role that found the ring full (or empty) at the same moment do not give up their cores at the
      same moment: that would swap every core to the other role in lockstep (4 processes on 2
      cores: producers only, then consumers only, each phase moving one ring's worth).
   2. Yield: polls with sched_yield() between two. With more processes than cores the peer we wait
      for may be runnable on this very core: a yield lets it run now, where a spin burns its time
      slice and a futex sleep makes it pay a wake-up system call per message until we run again
      (what made 1 producer and 2 consumers on 2 cores slower than a pipe). With nothing else
      runnable here, a yield returns at once and this is a slower spin. A yield after which we
      come back late (SHMPC__YIELD_AWAY_NS) let another process run: if the other side's index
      moved by a ring's worth meanwhile (64 messages, or half a smaller ring), that was our peer at
      work and the yield cost nothing. If instead we got the core back only after a time slice
      (SHMPC__FOREIGN_AWAY_NS) and the index hardly moved, some other process had the core, and a
      sleeper would have been woken (and would have preempted it) sooner: the stage ends, and this
      thread does not yield on this ring again while its stream keeps moving less than a ring's
      worth per time slice (shmpc__yield_ok). The stage also ends after SHMPC_YIELD_NS spent in
      the other yields, after SHMPC_SLEEP_SLICE_NS in all (the sleep path checks the peers'
      liveness), and SHMPC__YIELD_MARGIN_NS (10 ms) before a timed call's deadline: a yield may
      come back a time slice later, a futex wait comes back at the deadline.
   3. Sleep on the futex word of its direction. The sleeper registers (F2) before its last look, so
      a notifier that publishes after that look sees the registration (F1) and bumps the word the
      sleeper waits on.
   Stages 1 and 2 never touch the futex words (the protocol is stage 3's alone), and a poll that
   finds nothing to claim only loads shared words. A timed call's deadline counts from the draw. */
SHMPC__PRIVATE int shmpc__wait(shmpc_ring *r, shmpc__try_fn fn, void *arg, int for_data, int64_t timeout_ns) {
    shmpc__a32 *waiters, *ev;
    int64_t deadline = 0, looked, now, start;
    uint32_t i, spin = (uint32_t)SHMPC_SPIN / 16u;
    int rc = fn(r, arg);
    if (!shmpc__would_block(rc) || timeout_ns == 0) return rc;
    if (timeout_ns < 0 && timeout_ns != SHMPC_FOREVER) return rc; /* a deadline already passed: no wait */
    for (i = 0; i < spin; i++) { /* most waits end here, before any clock read */
        shmpc__pause();
        rc = fn(r, arg);
        if (!shmpc__would_block(rc)) return rc;
    }
    start = shmpc__now_ns();
    if (timeout_ns > 0) deadline = timeout_ns > INT64_MAX - start ? INT64_MAX : start + timeout_ns;
    spin = shmpc__spin_draw(r, start, i);
    for (i = 0; i < spin; i++) {
        shmpc__pause();
        rc = fn(r, arg);
        if (!shmpc__would_block(rc)) return rc;
    }
    if (SHMPC_YIELD_NS > 0 && (timeout_ns < 0 || deadline - shmpc__now_ns() >= SHMPC__YIELD_MARGIN_NS)) {
        shmpc__a32 *other = for_data ? &r->seg->tail : &r->seg->head; /* the other side's index */
        uint32_t seen = shmpc__ld(other, relaxed), cur, work = r->capacity / 2u; /* "a ring's worth" */
        if (work > 64u) work = 64u;
        if (work < 1u) work = 1u;
        int64_t before = shmpc__now_ns(), spent = 0;
        while (shmpc__yield_ok(other, seen, work, before)) {
            sched_yield();
            now = shmpc__now_ns();
            cur = shmpc__ld(other, relaxed);
            rc = fn(r, arg);
            if (now - before >= SHMPC__FOREIGN_AWAY_NS && (uint32_t)(shmpc_idx)(cur - seen) < work) {
                shmpc__foreign_seen.other = other; /* another process had a time slice here */
                shmpc__foreign_seen.idx = cur;
                shmpc__foreign_seen.at = now;
                if (!shmpc__would_block(rc)) return rc;
                break;
            }
            if (!shmpc__would_block(rc)) return rc;
            if (now - before < SHMPC__YIELD_AWAY_NS || (uint32_t)(shmpc_idx)(cur - seen) < work)
                spent += now - before; /* not a yield to our peer at work */
            seen = cur;
            before = now;
            if (spent >= SHMPC_YIELD_NS || now - start >= SHMPC_SLEEP_SLICE_NS) break;
            /* near the deadline, sleep instead: a yield may return a whole time slice later, the
               futex wait returns at the deadline */
            if (timeout_ns > 0 && deadline - now < SHMPC__YIELD_MARGIN_NS) break;
        }
    }
    /* An SPSC consumer's try calls decide on the slot's seq (A7), not on tail: before it sleeps, the
       tail (a message that R1 published and R7 not yet, or an impossible value: SHMPC_ECORRUPT). */
    if (shmpc__ready(r)) {
        rc = fn(r, arg);
        if (!shmpc__would_block(rc)) return rc;
    }
    waiters = for_data ? &r->seg->data_waiters : &r->seg->space_waiters;
    ev = for_data ? &r->seg->data_ev : &r->seg->space_ev;
    looked = shmpc__now_ns();
    for (;;) {
        int64_t slice = SHMPC_SLEEP_SLICE_NS;
        uint32_t e = shmpc__sleep_arm(waiters, ev); /* F2 */
#if defined(__linux__) && defined(SYS_membarrier)
        /* The heavy half of the asymmetric F1. If membarrier fails here, a registered notifier
           may miss this sleeper: sleep in 1 ms slices instead. */
        if (shmpc__membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0) slice = 1000000;
#endif
        rc = fn(r, arg);
        if (!shmpc__would_block(rc)) { shmpc__sub(waiters, 1u, relaxed); return rc; }
        if (timeout_ns > 0) {
            int64_t left = deadline - shmpc__now_ns();
            if (left <= 0) { shmpc__sub(waiters, 1u, relaxed); return SHMPC_ETIMEDOUT; }
            if (left < slice) slice = left;
        }
        shmpc__futex_wait(ev, e, slice);
        if (shmpc__shrunk(r)) return SHMPC_ECORRUPT; /* the segment may be gone: touch nothing */
        shmpc__sub(waiters, 1u, relaxed);
        rc = fn(r, arg);
        if (!shmpc__would_block(rc)) return rc;
        /* Still nothing: is the other side dead? At most once per half slice (a wake-up that
           brings data never gets here), and always before a timed call gives up. */
        now = shmpc__now_ns();
        if (now - looked >= SHMPC_SLEEP_SLICE_NS / 2 || (timeout_ns > 0 && now >= deadline)) {
            looked = now;
            if (shmpc__recover(r, for_data)) continue;
            if (shmpc__peer_dead(r)) {
                (void)shmpc__ready(r); /* an SPSC consumer caches tail: the dead producer may not have written R7 */
                rc = fn(r, arg); /* drain first: what the dead side published is delivered */
                return shmpc__would_block(rc) ? SHMPC_EPEERDEAD : rc;
            }
        }
    }
}

typedef struct shmpc__args { const void *cmsg; void *buf; size_t n; size_t *len; const void **pmsg; void **pbuf; } shmpc__args;
SHMPC__PRIVATE int shmpc__try_push_fn(shmpc_ring *r, void *a) {
    shmpc__args *x = (shmpc__args *)a;
    return shmpc_try_push(r, x->cmsg, x->n);
}
SHMPC__PRIVATE int shmpc__try_pop_fn(shmpc_ring *r, void *a) {
    shmpc__args *x = (shmpc__args *)a;
    return shmpc_try_pop(r, x->buf, x->n, x->len);
}
SHMPC__PRIVATE int shmpc__try_reserve_fn(shmpc_ring *r, void *a) {
    shmpc__args *x = (shmpc__args *)a;
    return shmpc_try_reserve(r, x->pbuf, x->len);
}
SHMPC__PRIVATE int shmpc__try_peek_fn(shmpc_ring *r, void *a) {
    shmpc__args *x = (shmpc__args *)a;
    return shmpc_try_peek(r, x->pmsg, x->len);
}
SHMPC__PRIVATE int shmpc__try_push_many_fn(shmpc_ring *r, void *a) {
    shmpc__args *x = (shmpc__args *)a;
    return shmpc_try_push_many(r, (const shmpc_iov *)x->cmsg, x->n);
}
SHMPC__PRIVATE int shmpc__try_pop_many_fn(shmpc_ring *r, void *a) {
    shmpc__args *x = (shmpc__args *)a;
    return shmpc_try_pop_many(r, (shmpc_iov *)x->buf, x->n);
}

SHMPC_API int shmpc_push_timed(shmpc_ring *r, const void *msg, size_t len, int64_t timeout_ns) {
    shmpc__args a = {msg, NULL, len, NULL, NULL, NULL};
    return shmpc__wait(r, shmpc__try_push_fn, &a, 0, timeout_ns);
}
SHMPC_API int shmpc_push(shmpc_ring *r, const void *msg, size_t len) {
    return shmpc_push_timed(r, msg, len, SHMPC_FOREVER);
}
SHMPC_API int shmpc_pop_timed(shmpc_ring *r, void *buf, size_t cap, size_t *len, int64_t timeout_ns) {
    shmpc__args a = {NULL, buf, cap, len, NULL, NULL};
    return shmpc__wait(r, shmpc__try_pop_fn, &a, 1, timeout_ns);
}
SHMPC_API int shmpc_pop(shmpc_ring *r, void *buf, size_t cap, size_t *len) {
    return shmpc_pop_timed(r, buf, cap, len, SHMPC_FOREVER);
}
SHMPC_API int shmpc_reserve_timed(shmpc_ring *r, void **buf, size_t *room, int64_t timeout_ns) {
    shmpc__args a = {NULL, NULL, 0, room, NULL, buf};
    return shmpc__wait(r, shmpc__try_reserve_fn, &a, 0, timeout_ns);
}
SHMPC_API int shmpc_reserve(shmpc_ring *r, void **buf, size_t *room) {
    return shmpc_reserve_timed(r, buf, room, SHMPC_FOREVER);
}
SHMPC_API int shmpc_peek_timed(shmpc_ring *r, const void **msg, size_t *len, int64_t timeout_ns) {
    shmpc__args a = {NULL, NULL, 0, len, msg, NULL};
    return shmpc__wait(r, shmpc__try_peek_fn, &a, 1, timeout_ns);
}
SHMPC_API int shmpc_peek(shmpc_ring *r, const void **msg, size_t *len) {
    return shmpc_peek_timed(r, msg, len, SHMPC_FOREVER);
}
SHMPC_API int shmpc_push_many_timed(shmpc_ring *r, const shmpc_iov *msgs, size_t n, int64_t timeout_ns) {
    shmpc__args a = {msgs, NULL, n, NULL, NULL, NULL};
    return shmpc__wait(r, shmpc__try_push_many_fn, &a, 0, timeout_ns);
}
SHMPC_API int shmpc_push_many(shmpc_ring *r, const shmpc_iov *msgs, size_t n) {
    return shmpc_push_many_timed(r, msgs, n, SHMPC_FOREVER);
}
SHMPC_API int shmpc_pop_many_timed(shmpc_ring *r, shmpc_iov *bufs, size_t n, int64_t timeout_ns) {
    shmpc__args a = {NULL, bufs, n, NULL, NULL, NULL};
    return shmpc__wait(r, shmpc__try_pop_many_fn, &a, 1, timeout_ns);
}
SHMPC_API int shmpc_pop_many(shmpc_ring *r, shmpc_iov *bufs, size_t n) {
    return shmpc_pop_many_timed(r, bufs, n, SHMPC_FOREVER);
}

/* --- event loops: the pollable descriptor (shmpc_fd, shmpc_arm) ---------------------------------
   The descriptor is an epoll set (itself pollable, so it nests in the caller's poll, epoll, select
   or asyncio loop) of
     - the handle's wake-up socket (see shmpc__poll_wake). A poller counts in the futex protocol's
       own waiter count (data_waiters or space_waiters) and in its poller count (data_pollers or
       space_pollers), and sets SHMPC__PF_POLLING in its peer entry: a notifier that finds waiters
       does its futex wake and, if there are pollers, sends each armed one a datagram. One protocol,
       one model: no system call while nobody is counted, one datagram per arm;
     - a pidfd (pidfd_open, Linux 5.3) of each registered peer of the other side, readable once
       that process has exited: a death is seen without any help from the dead.
   Why this kernel object: a futex cannot be polled; an eventfd cannot reach another process unless
   the user passes it; a FIFO or a socket with a path is a file to remove after a crash, with file
   permissions to get right, and opening a FIFO can block. An abstract UNIX datagram socket vanishes
   with its process, a send with MSG_DONTWAIT never blocks, and a hostile peer entry can only make a
   notifier send one byte to some socket named "shmpc.*". Abstract names live in a network
   namespace: peers must share one (as they share a pid namespace). */
#ifdef __linux__
struct shmpc__poller {
    int ep;      /* the descriptor: an epoll set of the two below */
    int sock;    /* wake-up socket, bound to "\0shmpc.<pid>.<id>" */
    uint32_t id; /* the poll_id in our peer entry */
    int died;    /* deaths seen by shmpc__watch and not yet looked at with nothing to read */
    struct { uint32_t pid; uint64_t start; int fd; } watch[SHMPC_MAX_PEERS]; /* per peer entry of the
                    other side: its pidfd (-1: none, -2: found dead, not watched) */
};
#define SHMPC__EP_SOCK ((uint64_t)SHMPC_MAX_PEERS) /* epoll data of the socket; a pidfd's is its entry */

SHMPC__PRIVATE void shmpc__unwatch(struct shmpc__poller *pl, int i, int fd_after) {
    if (pl->watch[i].fd >= 0) { epoll_ctl(pl->ep, EPOLL_CTL_DEL, pl->watch[i].fd, NULL); close(pl->watch[i].fd); }
    pl->watch[i].fd = fd_after;
}

/* Empties the wake-up socket and brings the watched set up to date with the peer table: a pidfd for
   each registered peer of the other side (one registered without a start time is never presumed
   dead and is not watched). Returns how many watched peers were found dead, or -1 (errno). */
SHMPC__PRIVATE int shmpc__watch(shmpc_ring *r, struct shmpc__poller *pl) {
    uint32_t other = r->role == SHMPC_PRODUCER ? SHMPC_CONSUMER : SHMPC_PRODUCER;
    struct epoll_event ev[SHMPC_MAX_PEERS + 1];
    int i, n, died = 0;
    char b[16];
    n = epoll_wait(pl->ep, ev, SHMPC_MAX_PEERS + 1, 0);
    for (i = 0; i < n; i++) {
        uint64_t k = ev[i].data.u64;
        if (k == SHMPC__EP_SOCK) while (recv(pl->sock, b, sizeof b, MSG_DONTWAIT) >= 0) {}
        else if (k < SHMPC_MAX_PEERS && pl->watch[k].fd >= 0) { shmpc__unwatch(pl, (int)k, -2); died++; }
    }
    for (i = 0; i < SHMPC_MAX_PEERS; i++) { /* bounded: 64 entries, whatever they hold */
        const shmpc__peer *p = &r->seg->peers[i];
        uint32_t pid = shmpc__ld(&p->pid, acquire);
        uint64_t start = shmpc__peer_start(p);
        struct epoll_event e;
        int fd;
        if (pid == 0u || (pid & SHMPC__BUSY) || i == r->peer || shmpc__ld(&p->role, acquire) != other || start == 0u) {
            shmpc__unwatch(pl, i, -1);
            pl->watch[i].pid = 0;
            continue;
        }
        if (pl->watch[i].pid == pid && pl->watch[i].start == start && pl->watch[i].fd != -1) continue;
        shmpc__unwatch(pl, i, -2);
        pl->watch[i].pid = pid;
        pl->watch[i].start = start;
        fd = pid > (uint32_t)INT_MAX ? -1 : (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
        /* after the open: the pidfd names the process that had this start time, or it is dead */
        if (fd >= 0 && shmpc__os_alive(pid, start) == 1) {
            memset(&e, 0, sizeof e);
            e.events = EPOLLIN;
            e.data.u64 = (uint64_t)i;
            if (epoll_ctl(pl->ep, EPOLL_CTL_ADD, fd, &e) != 0) { close(fd); return -1; }
            pl->watch[i].fd = fd;
            continue;
        }
        if (fd >= 0) close(fd);
        died++; /* dead, or its pid names another process now */
    }
    return died;
}

/* Takes this handle out of the counts if it is still armed (exactly once: whoever clears the flag). */
SHMPC__PRIVATE void shmpc__disarm(shmpc_ring *r) {
    shmpc__uncount_poller(r->seg, &r->seg->peers[r->peer], (uint32_t)r->role);
}

/* Makes the descriptor readable now (a datagram to its own socket). */
SHMPC__PRIVATE void shmpc__self_wake(shmpc_ring *r) {
    struct shmpc__poller *pl = r->poller;
    struct sockaddr_un a;
    socklen_t len = shmpc__poll_addr(&a, shmpc__ld(&r->seg->peers[r->peer].pid, relaxed), pl->id);
    sendto(pl->sock, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)(void *)&a, len);
}

/* Stage 1 of shmpc__wait for the arm: the same spin (SHMPC_SPIN/16 polls, then a drawn count up to
   SHMPC_SPIN in all), each poll a look at the ring (shmpc__ready: loads only). 1 as soon as the
   call the handle would block in may proceed. */
SHMPC__PRIVATE int shmpc__spin_ready(shmpc_ring *r) {
    uint32_t i, spin = (uint32_t)SHMPC_SPIN / 16u;
    for (i = 0; i < spin; i++) {
        shmpc__pause();
        if (shmpc__ready(r)) return 1;
    }
    spin = shmpc__spin_draw(r, shmpc__now_ns(), i);
    for (i = 0; i < spin; i++) {
        shmpc__pause();
        if (shmpc__ready(r)) return 1;
    }
    return 0;
}

/* The arm: spin (a handle not armed yet), look at the watched peers, register (the same F2 as a
   futex sleeper), look at the ring. The spin comes first, as a blocking call's does before it
   sleeps: while data flows, the other side's next message (or room) usually comes within it, and
   the descriptor is then made readable at once without registering, so that the other side's
   notify finds no waiter and makes no system call, and this arm none but the datagram to itself.
   (Without it each catch-up of a polling consumer registered and deregistered, with the
   asymmetric fence's membarrier, and made the producer send wake-ups: bench/RESULTS.md.) */
SHMPC__PRIVATE int shmpc__arm(shmpc_ring *r) {
    struct shmpc__seg *s = r->seg;
    shmpc__peer *me = &s->peers[r->peer];
    struct shmpc__poller *pl = r->poller;
    int data = r->role == SHMPC_CONSUMER, died, saved = errno;
    if (!(shmpc__ld(&me->pflags, relaxed) & SHMPC__PF_POLLING) && shmpc__spin_ready(r)) {
        shmpc__self_wake(r); /* readable now; a pidfd event seen meanwhile waits for the next arm */
        errno = saved;
        return SHMPC_OK;
    }
    died = shmpc__watch(r, pl);
    if (died < 0) return SHMPC_ESYS;
    pl->died += died; /* its pidfd has left the set: keep the news until the ring is empty */
    errno = saved;
    if (!(shmpc__ld(&me->pflags, relaxed) & SHMPC__PF_POLLING)) {
        shmpc__count_in(data ? &s->data_pollers : &s->space_pollers);
        shmpc__count_in(data ? &s->data_waiters : &s->space_waiters); /* F2: pairs with F1 in shmpc__notify */
        shmpc__st(&me->poll_id, pl->id, relaxed);
        shmpc__or(&me->pflags, SHMPC__PF_POLLING, release); /* pairs with the acquire in shmpc__poll_wake */
    }
    /* A notifier of a membarrier-registered process may miss us if membarrier fails: say so. */
    if (shmpc__registered() != 0) { shmpc__disarm(r); return SHMPC_ESYS; }
    if (shmpc__ready(r)) { /* it moved before we were counted: readable now, no wake-up lost */
        shmpc__disarm(r);
        shmpc__self_wake(r);
        errno = saved;
        return SHMPC_OK;
    }
    if (pl->died > 0) { /* armed; a dead peer's slot is handed on, and if none of them lives, say so */
        pl->died = 0;
        if (shmpc__recover(r, data)) { shmpc__disarm(r); shmpc__self_wake(r); }
        else if (shmpc__peer_dead(r)) { errno = saved; return SHMPC_EPEERDEAD; }
    }
    errno = saved;
    return SHMPC_OK;
}

SHMPC__PRIVATE void shmpc__os_unpoll(shmpc_ring *r) {
    struct shmpc__poller *pl = r->poller;
    int i, saved = errno;
    if (!pl) return;
    if (!r->closed && r->peer >= 0) {
        shmpc__disarm(r);
        shmpc__st(&r->seg->peers[r->peer].poll_id, 0u, relaxed);
    }
    for (i = 0; i < SHMPC_MAX_PEERS; i++) shmpc__unwatch(pl, i, -1);
    close(pl->sock);
    close(pl->ep);
    free(pl);
    r->poller = NULL;
    errno = saved;
}

/* Makes r->poller (not armed yet). */
SHMPC__PRIVATE int shmpc__poller_new(shmpc_ring *r) {
    struct shmpc__poller *pl;
    struct epoll_event e;
    int i, fd, e0;
    if (!r || !r->seg || r->closed) return SHMPC_EINVAL;
    if (r->role != SHMPC_PRODUCER && r->role != SHMPC_CONSUMER) return SHMPC_EROLE;
    fd = (int)syscall(SYS_pidfd_open, getpid(), 0); /* the death watch needs pidfd_open */
    if (fd < 0) return errno == ENOSYS ? SHMPC_ENOTSUP : SHMPC_ESYS;
    close(fd);
    pl = (struct shmpc__poller *)calloc(1, sizeof *pl);
    if (!pl) return SHMPC_ENOMEM;
    for (i = 0; i < SHMPC_MAX_PEERS; i++) pl->watch[i].fd = -1;
    pl->ep = epoll_create1(EPOLL_CLOEXEC);
    pl->sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (pl->ep < 0 || pl->sock < 0) goto fail;
    /* A name of our own: another process (hostile, or a stale id) may hold one; draw another. */
    pl->id = (uint32_t)(((uint64_t)shmpc__now_ns() ^ (uint64_t)(uintptr_t)r) * 0x9E3779B97F4A7C15ull >> 32);
    for (i = 0;; i++, pl->id = pl->id * 2654435761u + 1u) {
        struct sockaddr_un a;
        socklen_t len = shmpc__poll_addr(&a, shmpc__ld(&r->seg->peers[r->peer].pid, relaxed), pl->id);
        if (bind(pl->sock, (const struct sockaddr *)(void *)&a, len) == 0) break;
        if (errno != EADDRINUSE || i >= 64) goto fail;
    }
    memset(&e, 0, sizeof e);
    e.events = EPOLLIN;
    e.data.u64 = SHMPC__EP_SOCK;
    if (epoll_ctl(pl->ep, EPOLL_CTL_ADD, pl->sock, &e) != 0) goto fail;
    r->poller = pl;
    return SHMPC_OK;
fail:
    e0 = errno;
    if (pl->sock >= 0) close(pl->sock);
    if (pl->ep >= 0) close(pl->ep);
    free(pl);
    errno = e0;
    return shmpc__from_errno(e0) == SHMPC_EINVAL ? SHMPC_ESYS : shmpc__from_errno(e0);
}

SHMPC_API int shmpc_fd(shmpc_ring *r) {
    int rc;
    if (r && r->seg && !r->closed && r->poller) return r->poller->ep;
    if ((rc = shmpc__poller_new(r)) != SHMPC_OK) return rc;
    if (shmpc__arm(r) != SHMPC_OK) { /* readable now: the loop's try call and arm say what it is */
        r->poller->died++;
        shmpc__self_wake(r);
    }
    return r->poller->ep;
}

SHMPC_API int shmpc_arm(shmpc_ring *r) {
    int rc;
    if (!r || !r->seg || r->closed) return SHMPC_EINVAL;
    if (!r->poller && (rc = shmpc__poller_new(r)) != SHMPC_OK) return rc;
    return shmpc__arm(r);
}
#else
SHMPC__PRIVATE void shmpc__os_unpoll(shmpc_ring *r) { (void)r; }
SHMPC_API int shmpc_fd(shmpc_ring *r) { (void)r; return SHMPC_ENOTSUP; }
SHMPC_API int shmpc_arm(shmpc_ring *r) { (void)r; return SHMPC_ENOTSUP; }
#endif

/* --- placement ----------------------------------------------------------------------------------- */

/* "name" or "/name", 1..200 characters, no other '/': becomes "/name" in path[]. */
SHMPC__PRIVATE int shmpc__shm_path(const char *name, char path[208]) {
    size_t n;
    if (!name) return SHMPC_EINVAL;
    if (name[0] == '/') name++;
    n = strlen(name);
    if (n == 0 || n > 200 || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return SHMPC_ENAME;
    path[0] = '/';
    memcpy(path + 1, name, n + 1);
    return SHMPC_OK;
}

SHMPC__PRIVATE int shmpc__check_opts(const shmpc_opts *o) {
    if (!o) return SHMPC_EINVAL;
    /* A geometry valid in itself whose ring does not fit this address space (32-bit size_t) is
       ESIZE, as the system's refusal of a ring that large is where size_t has 64 bits. */
    if (!shmpc__geometry_ok(o->capacity, o->slot_size))
        return o->capacity != 0u && (o->capacity & (o->capacity - 1u)) == 0u && o->capacity <= SHMPC__MAX_CAP &&
               o->slot_size != 0u && o->slot_size <= SHMPC_MAX_SLOT ? SHMPC_ESIZE : SHMPC_EINVAL;
    if (o->mode != SHMPC_SPSC && o->mode != SHMPC_MPMC) return SHMPC_EINVAL;
    if (o->mode == SHMPC_MPMC && o->capacity < 2u) return SHMPC_EINVAL;
    if ((o->flags & ~SHMPC_F_ALL) != 0u || (o->perm & ~0777u) != 0u) return SHMPC_EINVAL;
    return SHMPC_OK;
}

/* Memory options on a fresh mapping, in the creator: pre-touch, mlock, madvise. */
SHMPC__PRIVATE int shmpc__mem_options(void *mem, size_t size, uint32_t flags) {
    if ((flags & SHMPC_F_SEQUENTIAL) && madvise(mem, size, MADV_SEQUENTIAL) != 0) return shmpc__from_errno(errno);
    if ((flags & SHMPC_F_MLOCK) && mlock(mem, size) != 0) /* RLIMIT_MEMLOCK: ENOMEM, or EPERM at 0 */
        return errno == ENOMEM || errno == EPERM || errno == EAGAIN ? SHMPC_ENOMEM : shmpc__from_errno(errno);
    if (flags & SHMPC_F_PRETOUCH) {
        volatile unsigned char *p = (volatile unsigned char *)mem;
        size_t i, page = (size_t)sysconf(_SC_PAGESIZE);
        for (i = SHMPC_HEADER_SIZE; i < size; i += page) p[i] = p[i];
    }
    return SHMPC_OK;
}

SHMPC__PRIVATE void shmpc__os_unmap(shmpc_ring *r) {
    int saved = errno;
    if (r->wake_sock >= 0) close(r->wake_sock); /* the socket that woke other pollers */
    r->wake_sock = -1;
    if (r->kind == SHMPC__PLACE_POSIX) { munmap((void *)r->seg, r->map_size); close(r->seg_fd); }
    else if (r->kind == SHMPC__PLACE_SYSV) shmdt((void *)r->seg);
    r->kind = SHMPC__PLACE_CALLER;
    errno = saved;
}

/* Attaches a handle to a mapping this library made; on failure the mapping is undone. `own`: the
   segment belongs to this process's effective user. */
SHMPC__PRIVATE int shmpc__adopt(shmpc_ring *r, void *mem, size_t size, int role, int kind, int own) {
    const struct shmpc__seg *s = (const struct shmpc__seg *)mem;
    int rc = SHMPC_OK;
    /* F_MLOCK: lock before taking the role, so that a refusal leaves the ring as it was (closing a
       handle that had attached would end its side's stream). Observers take no role and do not lock.
       The flag is a request in the header, which whoever can write the segment can forge: it is
       honoured only in a segment of this user (another user's, opened with SHMPC_O_ANY_OWNER, is
       never locked: its creator does not get to commit this process's memory), and only for the
       ring's bytes (total_size, at most the mapping: a sparse file larger than its ring is not
       made resident). */
    if (role != SHMPC_OBSERVER && own && size >= SHMPC_HEADER_SIZE && !memcmp(mem, shmpc__magic, 8) &&
        (s->flags & SHMPC_F_MLOCK) && mlock(mem, s->total_size < size ? (size_t)s->total_size : size) != 0) {
        int e = errno;
        rc = e == ENOMEM || e == EPERM || e == EAGAIN ? SHMPC_ENOMEM : shmpc__from_errno(e);
    }
    if (rc == SHMPC_OK) rc = shmpc_attach(r, mem, size, role);
    if (rc == SHMPC_OK) {
        r->kind = kind;
        return SHMPC_OK;
    }
    {
        int saved = errno;
        if (kind == SHMPC__PLACE_POSIX) munmap(mem, size);
        else if (kind == SHMPC__PLACE_SYSV) shmdt(mem);
        errno = saved;
    }
    return rc;
}

/* Marks a fresh segment as shmpc's and records this process as its creator: the magic (0x000),
   then creator_pid and creator_start (0x034, 0x038), state staying 0 (initializing). Called right
   after the mapping is made, so that a creator dying while the segment initializes leaves a
   segment that provably is shmpc's (the mark) and provably abandoned (its creator dead); again
   after format, which zeroes the rest of the header but keeps the magic. */
SHMPC__PRIVATE void shmpc__stamp(void *mem) {
    struct shmpc__seg *s = (struct shmpc__seg *)mem;
    int i;
    for (i = 0; i < 8; i++) s->magic[i] = shmpc__magic[i];
    s->creator_pid = (uint32_t)getpid();
    s->creator_start = shmpc__start_time((long)getpid());
}

/* Whether a header's magic is complete (shmpc's mark, see shmpc__stamp). */
SHMPC__PRIVATE int shmpc__stamped(const struct shmpc__seg *h) {
    int i;
    for (i = 0; i < 8; i++)
        if (h->magic[i] != shmpc__magic[i]) return 0;
    return 1;
}

/* An initializing segment without a recorded creator (format zeroed it, the second stamp is yet to
   come), and a blank one (zero-filled by ftruncate or shmget, not yet stamped), is waited for this
   long after its creation (ctime); then the first is stale, the second is not shmpc's. */
#ifndef SHMPC__STALE_EMPTY_S /* tests shorten it */
#define SHMPC__STALE_EMPTY_S 10
#endif

/* Whether the header at mem (at least SHMPC_HEADER_SIZE bytes, any content; created at ctime) was
   left by a crashed run of shmpc. Only a segment that carries shmpc's mark can be: initializing
   while its creator is dead (or with no creator recorded, for more than SHMPC__STALE_EMPTY_S), or
   ready with registered peers none of which is alive. A segment without peers (a finished or not
   yet started stream) is not stale; neither is a file without the mark (empty, zero-filled, another
   program's): nothing proves that shmpc made it. */
SHMPC__PRIVATE int shmpc__is_stale(const struct shmpc__seg *s, time_t ctime) {
    uint32_t i, peers = 0;
    if (!shmpc__stamped(s)) return 0;
    if (shmpc__ld(&s->state, acquire) == SHMPC__INIT) {
        if (s->creator_pid == 0u) return time(NULL) - ctime > SHMPC__STALE_EMPTY_S;
        /* dead, and still initializing after it was seen dead: a creator that finished (and then
           exited) between the first look and the liveness test is not stale */
        return s->creator_start != 0u && shmpc__os_alive(s->creator_pid, s->creator_start) == 0 &&
               shmpc__ld(&s->state, acquire) == SHMPC__INIT;
    }
    for (i = 0; i < SHMPC_MAX_PEERS; i++) {
        const shmpc__peer *p = &s->peers[i];
        uint32_t pid = shmpc__ld(&p->pid, acquire);
        if (pid == 0u) continue;
        peers++;
        if (shmpc__entry_alive(p, pid) != 0) return 0; /* busy: its worker */
    }
    return peers > 0u;
}

/* Whether a header (any content) may be one being created: initializing, its magic zero or part
   written (a creator between ftruncate or shmget and its stamp). Such a segment answers
   SHMPC_ENOTREADY while young (its creator may be at work), not SHMPC_ENOTSHMPC. */
SHMPC__PRIVATE int shmpc__unformatted(const struct shmpc__seg *h) {
    int i;
    if (shmpc__ld(&h->state, acquire) != SHMPC__INIT) return 0;
    for (i = 0; i < 8; i++)
        if (h->magic[i] != 0u && h->magic[i] != shmpc__magic[i]) return 0;
    return 1;
}

/* shmpc_open and shmpc_open_sysv: the segment was refused as not ready or not shmpc's (rc); a
   second look at its header (ctime: when it was created) tells one being created (ENOTREADY; ESTALE
   once it is provably abandoned) from a foreign one (ENOTSHMPC; also a blank one that stayed blank
   too long: nothing says it is shmpc's). */
SHMPC__PRIVATE int shmpc__second_look(const struct shmpc__seg *h, int rc, time_t ctime) {
    if (shmpc__ld(&h->state, acquire) == SHMPC__INIT && shmpc__stamped(h)) /* ours, initializing */
        return shmpc__is_stale(h, ctime) ? SHMPC_ESTALE : SHMPC_ENOTREADY;
    if (shmpc__unformatted(h)) /* blank, or its mark part written */
        return time(NULL) - ctime > SHMPC__STALE_EMPTY_S ? SHMPC_ENOTSHMPC : SHMPC_ENOTREADY;
    if (rc == SHMPC_ENOTSHMPC && shmpc__stamped(h)) /* stamped since the first look: look again */
        return SHMPC_ENOTREADY;
    return rc;
}

/* Opens an existing named segment without ever blocking (anyone who can write the shm directory
   can put a FIFO under a name: a plain open of it waits for a writer) and refuses what is not a
   regular file (a FIFO, a directory, a device, a symbolic link): SHMPC_ENOTSHMPC. Returns the
   descriptor (*st: its stat) or -1 (*rc: why). */
SHMPC__PRIVATE int shmpc__shm_open_file(const char *path, int flags, struct stat *st, int *rc) {
    int fd = shm_open(path, flags | O_NONBLOCK | O_CLOEXEC, 0), e;
    *rc = SHMPC_OK;
    if (fd < 0) { /* a directory (glibc's shm_open says EINVAL for EISDIR; the name itself was
                     checked) or a symbolic link (shm_open adds O_NOFOLLOW): not a segment */
        *rc = errno == EINVAL || errno == EISDIR || errno == ELOOP ? SHMPC_ENOTSHMPC : shmpc__from_errno(errno);
        return -1;
    }
    if (fstat(fd, st) != 0) *rc = shmpc__from_errno(errno);
    else if (!S_ISREG(st->st_mode)) *rc = SHMPC_ENOTSHMPC;
    if (*rc == SHMPC_OK) return fd;
    e = errno;
    close(fd);
    errno = e;
    return -1;
}

/* shmpc_create found `path` taken: SHMPC_ESTALE if it is ours (this user's, with shmpc's mark)
   and stale, else SHMPC_EEXIST. */
SHMPC__PRIVATE int shmpc__exists(const char *path) {
    struct stat st;
    void *mem;
    int rc, saved = errno, fd = shmpc__shm_open_file(path, O_RDONLY, &st, &rc);
    if (fd < 0) { errno = saved; return SHMPC_EEXIST; }
    rc = SHMPC_EEXIST;
    if (st.st_uid == geteuid() && st.st_size >= (off_t)SHMPC_HEADER_SIZE) {
        mem = mmap(NULL, SHMPC_HEADER_SIZE, PROT_READ, MAP_SHARED, fd, 0);
        if (mem != MAP_FAILED) {
            if (shmpc__is_stale((const struct shmpc__seg *)mem, st.st_ctime)) rc = SHMPC_ESTALE;
            munmap(mem, SHMPC_HEADER_SIZE);
        }
    }
    close(fd);
    errno = saved;
    return rc;
}

SHMPC_API int shmpc_create(shmpc_ring *r, const char *name, const shmpc_opts *o, int role) {
    char path[208];
    size_t size;
    void *mem;
    int fd, rc, e;
    if (!r) return SHMPC_EINVAL;
    r->seg = NULL; r->closed = 1; r->go = 0;
    if ((rc = shmpc__shm_path(name, path)) != SHMPC_OK) return rc;
    if ((rc = shmpc__check_opts(o)) != SHMPC_OK) return rc;
    if (o->flags & SHMPC_F_HUGEPAGES) return SHMPC_ENOTSUP; /* POSIX shm lives in tmpfs: use SysV or anon */
    size = shmpc_footprint(o->capacity, o->slot_size);
    if ((off_t)size < 0) return SHMPC_ESIZE;
    fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)(o->perm ? o->perm : 0600u));
    if (fd < 0) return errno == EEXIST ? shmpc__exists(path) : shmpc__from_errno(errno);
    if (fchmod(fd, (mode_t)(o->perm ? o->perm : 0600u)) != 0 || ftruncate(fd, (off_t)size) != 0) goto fail_fd;
    mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) goto fail_fd;
    shmpc__stamp(mem);
    if ((rc = shmpc__mem_options(mem, size, o->flags)) != SHMPC_OK ||
        (rc = shmpc_format(mem, size, o)) != SHMPC_OK) {
        e = errno; munmap(mem, size); close(fd); shm_unlink(path); errno = e;
        return rc;
    }
    shmpc__stamp(mem);
    rc = shmpc__adopt(r, mem, size, role, SHMPC__PLACE_POSIX, 1);
    e = errno;
    if (rc == SHMPC_OK) r->seg_fd = fd;
    else { close(fd); shm_unlink(path); }
    errno = e;
    return rc;
fail_fd:
    e = errno;
    rc = shmpc__from_errno(e);
    close(fd);
    shm_unlink(path);
    errno = e;
    return rc == SHMPC_ENOMEM || rc == SHMPC_EINVAL ? SHMPC_ENOMEM : rc;
}

SHMPC_API int shmpc_open(shmpc_ring *r, const char *name, int role, int64_t timeout_ns) {
    return shmpc_open_ex(r, name, role, timeout_ns, 0u);
}

SHMPC_API int shmpc_open_ex(shmpc_ring *r, const char *name, int role, int64_t timeout_ns, uint32_t oflags) {
    char path[208];
    int64_t deadline = timeout_ns > 0 ? shmpc__now_ns() + timeout_ns : 0;
    int rc;
    if (!r) return SHMPC_EINVAL;
    r->seg = NULL; r->closed = 1; r->go = 0;
    if (oflags & ~SHMPC_O_ALL) return SHMPC_EINVAL;
    if (timeout_ns < 0 && timeout_ns != SHMPC_FOREVER) timeout_ns = 0; /* a deadline already passed */
    if ((rc = shmpc__shm_path(name, path)) != SHMPC_OK) return rc;
    if (role != SHMPC_PRODUCER && role != SHMPC_CONSUMER && role != SHMPC_OBSERVER) return SHMPC_EINVAL;
    for (;;) {
        struct stat st;
        void *mem;
        int fd = shmpc__shm_open_file(path, O_RDWR, &st, &rc);
        if (fd < 0) { /* rc says why */ }
        else if (st.st_uid != geteuid() && !(oflags & SHMPC_O_ANY_OWNER)) { rc = SHMPC_EPERM; close(fd); }
        else if (st.st_size == 0) { /* creator between open and truncate; if old, nothing says whose */
            rc = time(NULL) - st.st_ctime > SHMPC__STALE_EMPTY_S ? SHMPC_ENOTSHMPC : SHMPC_ENOTREADY;
            close(fd);
        }
        else if (st.st_size < (off_t)SHMPC_HEADER_SIZE) { rc = SHMPC_ESIZE; close(fd); }
        else if ((uint64_t)st.st_size > (uint64_t)(SIZE_MAX / 2u)) { rc = SHMPC_ESIZE; close(fd); }
        else {
            mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (mem == MAP_FAILED) { rc = shmpc__from_errno(errno); close(fd); }
            else {
                rc = shmpc__adopt(r, mem, (size_t)st.st_size, role, SHMPC__PLACE_POSIX, st.st_uid == geteuid());
                if (rc == SHMPC_ENOTREADY || rc == SHMPC_ENOTSHMPC) { /* initializing? creator alive? */
                    int saved = errno;
                    void *hdr = mmap(NULL, SHMPC_HEADER_SIZE, PROT_READ, MAP_SHARED, fd, 0);
                    if (hdr != MAP_FAILED) {
                        rc = shmpc__second_look((const struct shmpc__seg *)hdr, rc, st.st_ctime);
                        munmap(hdr, SHMPC_HEADER_SIZE);
                    }
                    errno = saved;
                }
                if (rc == SHMPC_OK) r->seg_fd = fd; /* kept: shmpc__shrunk */
                else close(fd);
            }
        }
        if (rc != SHMPC_ENOENT && rc != SHMPC_ENOTREADY) return rc;
        if (timeout_ns == 0 || (timeout_ns > 0 && shmpc__now_ns() >= deadline)) return rc;
        shmpc__sleep_ns(1000000);
    }
}

SHMPC_API int shmpc_unlink(const char *name) {
    char path[208];
    struct stat st;
    unsigned char magic[6];
    int fd, rc = shmpc__shm_path(name, path);
    if (rc != SHMPC_OK) return rc;
    fd = shmpc__shm_open_file(path, O_RDONLY, &st, &rc); /* never blocks; not a regular file: ENOTSHMPC */
    if (fd < 0) return rc;
    /* shmpc's mark ("SHMPCv", any layout version: shmpc_create writes it first), or it is not ours */
    if (pread(fd, magic, sizeof magic, 0) != (ssize_t)sizeof magic || memcmp(magic, shmpc__magic, sizeof magic) != 0)
        rc = SHMPC_ENOTSHMPC;
    close(fd);
    if (rc != SHMPC_OK) return rc;
    return shm_unlink(path) == 0 ? SHMPC_OK : shmpc__from_errno(errno);
}

SHMPC_API int shmpc_create_sysv(shmpc_ring *r, long key, const shmpc_opts *o, int role) {
    size_t size;
    void *mem;
    int id, rc, e, shmflg;
    if (!r) return SHMPC_EINVAL;
    r->seg = NULL; r->closed = 1; r->go = 0;
    if ((rc = shmpc__check_opts(o)) != SHMPC_OK) return rc;
    if (key == IPC_PRIVATE || key != (long)(key_t)key) return SHMPC_EINVAL;
    size = shmpc_footprint(o->capacity, o->slot_size);
    shmflg = IPC_CREAT | IPC_EXCL | (int)(o->perm ? o->perm : 0600u);
#ifdef SHM_HUGETLB
    if (o->flags & SHMPC_F_HUGEPAGES) shmflg |= SHM_HUGETLB;
#else
    if (o->flags & SHMPC_F_HUGEPAGES) return SHMPC_ENOTSUP;
#endif
    id = shmget((key_t)key, size, shmflg);
    if (id < 0) {
        e = errno;
        rc = shmpc__from_errno(e);
        errno = e;
        return (o->flags & SHMPC_F_HUGEPAGES) && (e == ENOMEM || e == EPERM || e == EINVAL) ? SHMPC_ENOMEM
               : e == EINVAL ? SHMPC_ESIZE : rc;
    }
    mem = shmat(id, NULL, 0);
    if (mem == (void *)-1) { e = errno; shmctl(id, IPC_RMID, NULL); errno = e; return shmpc__from_errno(e); }
    shmpc__stamp(mem);
    if ((rc = shmpc__mem_options(mem, size, o->flags)) != SHMPC_OK || (rc = shmpc_format(mem, size, o)) != SHMPC_OK) {
        e = errno; shmdt(mem); shmctl(id, IPC_RMID, NULL); errno = e;
        return rc;
    }
    shmpc__stamp(mem);
    rc = shmpc__adopt(r, mem, size, role, SHMPC__PLACE_SYSV, 1);
    if (rc != SHMPC_OK) { e = errno; shmctl(id, IPC_RMID, NULL); errno = e; }
    else r->shmid = id;
    return rc;
}

SHMPC_API int shmpc_open_sysv(shmpc_ring *r, long key, int role, int64_t timeout_ns) {
    return shmpc_open_sysv_ex(r, key, role, timeout_ns, 0u);
}

SHMPC_API int shmpc_open_sysv_ex(shmpc_ring *r, long key, int role, int64_t timeout_ns, uint32_t oflags) {
    int64_t deadline = timeout_ns > 0 ? shmpc__now_ns() + timeout_ns : 0;
    int rc;
    if (!r) return SHMPC_EINVAL;
    r->seg = NULL; r->closed = 1; r->go = 0;
    if (oflags & ~SHMPC_O_ALL) return SHMPC_EINVAL;
    if (timeout_ns < 0 && timeout_ns != SHMPC_FOREVER) timeout_ns = 0; /* a deadline already passed */
    if (key == IPC_PRIVATE || key != (long)(key_t)key) return SHMPC_EINVAL;
    if (role != SHMPC_PRODUCER && role != SHMPC_CONSUMER && role != SHMPC_OBSERVER) return SHMPC_EINVAL;
    for (;;) {
        struct shmid_ds ds;
        void *mem;
        int id = shmget((key_t)key, 0, 0);
        if (id < 0) rc = shmpc__from_errno(errno);
        else if (shmctl(id, IPC_STAT, &ds) != 0) rc = shmpc__from_errno(errno);
        else if (ds.shm_perm.uid != geteuid() && !(oflags & SHMPC_O_ANY_OWNER)) rc = SHMPC_EPERM;
        else if (ds.shm_segsz < SHMPC_HEADER_SIZE) rc = SHMPC_ESIZE;
        else if ((mem = shmat(id, NULL, 0)) == (void *)-1) rc = shmpc__from_errno(errno);
        else {
            rc = shmpc__adopt(r, mem, ds.shm_segsz, role, SHMPC__PLACE_SYSV, ds.shm_perm.uid == geteuid());
            if (rc == SHMPC_OK) r->shmid = id;
            else if ((rc == SHMPC_ENOTREADY || rc == SHMPC_ENOTSHMPC) && (mem = shmat(id, NULL, SHM_RDONLY)) != (void *)-1) {
                int saved = errno; /* initializing? creator alive? */
                rc = shmpc__second_look((const struct shmpc__seg *)mem, rc, ds.shm_ctime);
                shmdt(mem);
                errno = saved;
            }
        }
        if (rc != SHMPC_ENOENT && rc != SHMPC_ENOTREADY) return rc;
        if (timeout_ns == 0 || (timeout_ns > 0 && shmpc__now_ns() >= deadline)) return rc;
        shmpc__sleep_ns(1000000);
    }
}

SHMPC_API int shmpc_unlink_sysv(long key) {
    int id;
    if (key == IPC_PRIVATE || key != (long)(key_t)key) return SHMPC_EINVAL;
    id = shmget((key_t)key, 0, 0);
    if (id < 0 || shmctl(id, IPC_RMID, NULL) != 0) return shmpc__from_errno(errno);
    return SHMPC_OK;
}

/* The mapping of shmpc_create_anon. Small pages: a memfd sealed against shrinking and growing (and
   against removing the seals), so that no process, whatever its privileges, can truncate the ring
   under its users (SIGBUS); a shared anonymous mapping could be, through /proc/PID/map_files.
   Where memfd_create is missing (ENOSYS: an old kernel, a seccomp filter), and for huge pages, the
   plain anonymous mapping. MAP_FAILED and errno on failure. */
SHMPC__PRIVATE void *shmpc__anon_map(size_t n, int huge, int mflags) {
#if defined(MFD_ALLOW_SEALING) && defined(F_SEAL_SHRINK)
    if (!huge) {
        void *m = MAP_FAILED;
        int e, fd = (int)memfd_create("shmpc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd >= 0) {
            if (ftruncate(fd, (off_t)n) == 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0)
                m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            e = errno;
            close(fd);
            errno = e;
            return m;
        }
        if (errno != ENOSYS) return MAP_FAILED;
    }
#else
    (void)huge;
#endif
    return mmap(NULL, n, PROT_READ | PROT_WRITE, mflags, -1, 0);
}

SHMPC_API int shmpc_create_anon(const shmpc_opts *o, void **mem, size_t *size) {
    size_t n;
    void *m;
    int rc, e, mflags = MAP_SHARED | MAP_ANONYMOUS;
    if (!mem || !size) return SHMPC_EINVAL;
    if ((rc = shmpc__check_opts(o)) != SHMPC_OK) return rc;
    n = shmpc_footprint(o->capacity, o->slot_size);
    if (o->flags & SHMPC_F_HUGEPAGES) {
#ifdef MAP_HUGETLB
        size_t huge = (size_t)2 << 20;
        mflags |= MAP_HUGETLB;
        n = (n + huge - 1u) / huge * huge;
#else
        return SHMPC_ENOTSUP;
#endif
    }
    m = shmpc__anon_map(n, (o->flags & SHMPC_F_HUGEPAGES) != 0u, mflags);
    if (m == MAP_FAILED) {
        e = errno;
        return (o->flags & SHMPC_F_HUGEPAGES) ? SHMPC_ENOMEM : shmpc__from_errno(e);
    }
    if ((rc = shmpc__mem_options(m, n, o->flags)) != SHMPC_OK || (rc = shmpc_format(m, n, o)) != SHMPC_OK) {
        e = errno; munmap(m, n); errno = e;
        return rc;
    }
    *mem = m;
    *size = n;
    return SHMPC_OK;
}

SHMPC_API int shmpc_free_anon(void *mem, size_t size) {
    if (!mem || !size) return SHMPC_EINVAL;
    return munmap(mem, size) == 0 ? SHMPC_OK : shmpc__from_errno(errno);
}
#endif /* SHMPC_NO_OS */

#endif /* SHMPC_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
This software is available under 2 licenses -- choose whichever you prefer.
------------------------------------------------------------------------------
ALTERNATIVE A - MIT License
Copyright (c) 2026 the shmpc authors
Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain. Anyone is free to copy,
modify, publish, use, compile, sell, or distribute this software, either in source code form or as
a compiled binary, for any purpose, commercial or non-commercial, and by any means.
------------------------------------------------------------------------------
*/
