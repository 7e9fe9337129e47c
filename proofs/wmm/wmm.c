/* proofs/wmm/wmm.c: an exhaustive explorer of a weak memory model over the real shmpc.h.

   The header is compiled with SHMPC__MODEL_ATOMICS: every shmpc__ld/st/add/sub/or/cas/fence of the
   >>ring code calls into this file, with the memory order written at that line of shmpc.h. Threads
   are coroutines (ucontext) that run the real API calls; before each atomic access the explorer
   may switch to another thread (at most -p preemptions per execution), and each load chooses which
   store it reads. Every choice is enumerated, depth first, by re-running the scenario from scratch.

   The memory model is view based, in the style of the promise-free fragment of the promising
   semantics (Kang et al., POPL'17), the operational form of RC11's release/acquire/relaxed:
   - each atomic word has a history of messages (value, view); a new store goes at its end;
   - a thread has a current view (per word, the oldest message it may still read), an acquire
     view (what an acquire fence would add: the views of the messages it read) and a release view
     (its view at its last release fence: what its relaxed stores carry);
   - a load may read any message not older than its view; acquire joins the message's view into
     the thread's; a release store carries the thread's view, a relaxed one its release view;
   - a read-modify-write reads the newest message and carries its view on (release sequences);
     a failed compare-and-swap is a load of any allowed message with another value, and in the
     scenarios that allow it (spurious, a budget per execution) one that reads the expected value
     may fail too, as the weak compare-and-swap of shmpc.h may (LL/SC: arm64, POWER, ...);
   - a seq_cst fence joins a global view and leaves its own there (so two seq_cst fences are
     ordered one way or the other); seq_cst accesses count as acq_rel (RC11 gives them little
     more, and shmpc.h uses none on these paths); signal fences are nothing;
   - payload bytes (every SHMPC_MEMCPY into or out of a slot, and the zero-copy buffers) are plain
     accesses: a write must see every earlier write and read of that slot, a read every earlier
     write, through the views, else it is a data race (undefined behaviour in C11).
   It misses load-buffering (reading a store that comes later in the interleaving): see
   proofs/wmm/survivors.txt for the one survivor that argues it.

   Crashes (the takeover scenarios): a thread may stop for good before any of its atomic accesses
   (each point a choice); shmpc.h is built with SHMPC__MODEL_ALIVE, so that the liveness rule calls
   this file's shmpc__os_alive, which reports a crashed thread dead (and a start time not its
   own: another process) and gives the caller the dead thread's view, as the kernel's report of
   an exit does. A restarted peer starts after the crash without learning anything from it. In
   those scenarios a load is no preemption point (see sched_at). shmpc_format can run in a thread
   too: its plain header fields are one word, written at its first atomic access, which an
   attacher may read unformatted unless its view covers them.

   Checked in every execution: no call returns an error other than the expected ones (never
   SHMPC_ECORRUPT), no data race on a payload, every message popped once, intact and with its own
   length, each consumer sees each producer's messages in order, and a final drain (a thread that
   sees everything) finds exactly the messages nobody popped; end of stream only after the last
   message, and (no crash) once every producer has closed; in the wake-up scenarios, a sleeper
   that found nothing is woken (its event word moved), unless a call gave up (SHMPC_EAGAIN).
   With crashes: a message whose push had not returned may or may not arrive, one whose pop had
   not returned may be lost, one a dead consumer held in a peek arrives again flagged
   (shmpc_redelivered) and no other is flagged; an SPSC role is never given while a live peer holds
   it; a restarted SPSC producer's messages come after its predecessor's; every live peer keeps its
   entry and its count, and a count holds no more than the live and the dead still in the table;
   MPMC, recovery (the OS layer's shmpc__recover, which the drain does for a claim) can find every
   slot a dead peer left claimed or held: in a dead peer's pending range and no live one's.

   Usage: wmm [-p PREEMPTIONS] [-q] [-s SPURIOUS] SCENARIO...   (wmm -l lists them; -s: every
   scenario allows at least SPURIOUS spurious compare-and-swap failures per execution). Exit 0: no
   violation in any execution; 1: a violation (printed with its execution); 2: usage or a bound of
   the explorer. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

enum { WMM_relaxed, WMM_acquire, WMM_release, WMM_acq_rel, WMM_seq_cst };
typedef uint32_t shmpc__a32;
static uint32_t wmm_ld(const void *p, int mo);
static void wmm_st(const void *p, uint32_t v, int mo);
static uint32_t wmm_rmw(const void *p, int op, uint32_t v, int mo);
static int wmm_cas(const void *p, uint32_t *e, uint32_t d, int mo);
static void wmm_fence(int mo);
static void *wmm_memcpy(void *d, const void *s, size_t n);
#define SHMPC__MODEL_ATOMICS 1
/* Every atomic access and fence also records, once per call site, its line in shmpc.h: `wmm -r FILE`
   writes the lines reached, so that proofs/wmm/run.sh need not run a mutant of an access that no
   scenario executes (its runs would be the unmutated header's, step for step). Only accesses of
   the scenario's threads count: the setup before them (init_mode: format, the attaches, a
   prefill) runs alone and leaves one message per word, which every thread starts from, so an
   order there changes nothing (every wmm_* call ignores it in init_mode), and a mutant of an
   access only the setup executes runs as the header does. */
static int init_mode;
static void wmm_reach(int line);
#define WMM_REACH() do { static char wmm_seen_; if (!wmm_seen_ && !init_mode) { wmm_seen_ = 1; wmm_reach(__LINE__); } } while (0)
#define shmpc__ld(p, mo) ({ WMM_REACH(); wmm_ld((p), WMM_##mo); })
#define shmpc__st(p, v, mo) ({ WMM_REACH(); wmm_st((p), (uint32_t)(v), WMM_##mo); })
#define shmpc__add(p, v, mo) ({ WMM_REACH(); wmm_rmw((p), 0, (uint32_t)(v), WMM_##mo); })
#define shmpc__sub(p, v, mo) ({ WMM_REACH(); wmm_rmw((p), 1, (uint32_t)(v), WMM_##mo); })
#define shmpc__or(p, v, mo) ({ WMM_REACH(); wmm_rmw((p), 2, (uint32_t)(v), WMM_##mo); })
#define shmpc__and(p, v, mo) ({ WMM_REACH(); wmm_rmw((p), 3, (uint32_t)(v), WMM_##mo); })
#define shmpc__cas(p, e, d, mo) ({ WMM_REACH(); wmm_cas((p), (e), (uint32_t)(d), WMM_##mo); })
#define shmpc__fence(mo) ({ WMM_REACH(); wmm_fence(WMM_##mo); })
#define shmpc__signal_fence(mo) ({ WMM_REACH(); })
#define SHMPC_MEMCPY(d, s, n) wmm_memcpy((d), (s), (n))
#define SHMPC_RETRIES 3 /* a failed claim retries; more retries add executions, not behaviours */
#define SHMPC_NO_OS
#define SHMPC__MODEL_ALIVE 1 /* shmpc__os_alive is this file's: a peer its scenario crashed is dead */
#define SHMPC_IMPLEMENTATION
#include "shmpc.h"

#define NLOC 192   /* atomic words and payload pseudo-words */
#define HMAX 48    /* messages per word */
#define NT 4       /* threads, the drain included */
#define MAXDEPTH 4096
#define SEGMAX (SHMPC_HEADER_SIZE + 8 * 64) /* the segment: capacity 2, slot size 8 fit */

typedef struct { uint32_t val[HMAX]; uint8_t view[HMAX][NLOC]; int n; int off; } wmm_hist;
typedef struct {
    uint8_t cur[NLOC], acq[NLOC], rel[NLOC];
    ucontext_t ctx;
    int done;
    int mortal, dead; /* may crash from here on (op K); crashed: stopped for good, its view kept */
    void (*body)(int);
} wmm_thread;

static _Alignas(64) unsigned char seg[SEGMAX];
static int16_t locof[SEGMAX / 4];
static wmm_hist H[NLOC];
static int nloc, ploc[4]; /* ploc: payload writes and reads of slots 0 and 1 */
/* The header's plain fields (magic, version, geometry, ...), which shmpc_format writes before its
   first atomic access and shmpc_attach_id reads after its load of state, as one word: hloc, of
   two messages once format has stored them (unformatted, formatted). An attacher whose view after
   that load does not cover the formatted message may read the unformatted header instead: hdr_old
   holds it, put in place until its next atomic access (the reads are plain, in between). */
static int hloc, fmt_by = -1, in_attach, hdr_swapped;
static unsigned char hdr_old[64], hdr_new[64];
static uint8_t is_plain[NLOC];
static uint8_t G[NLOC];
static wmm_thread th[NT];
static int nth, me, init_mode = 1, preempt, preempt_bound = 2;
static int spurious_left; /* spurious compare-and-swap failures this execution may still have */
static int spurious_min, spurious_budget; /* -s N: at least N in every scenario; this execution's */
static ucontext_t main_ctx;
static struct { int c, n; } stk[MAXDEPTH];
static int nstk, depth;
static long executions;
static int violation;
static char why[256];
static char tracebuf[1 << 16];
static size_t tracelen;

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int quiet; /* -q: no execution is printed, so none is recorded */
static void trace(const char *fmt, ...) {
    va_list ap;
    if (quiet) return;
    if (tracelen >= sizeof tracebuf - 256) return;
    va_start(ap, fmt);
    tracelen += (size_t)vsnprintf(tracebuf + tracelen, sizeof tracebuf - tracelen, fmt, ap);
    va_end(ap);
}
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
    va_list ap;
    if (violation) return;
    violation = 1;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
}
static void die(const char *m) { fprintf(stderr, "wmm: %s\n", m); exit(2); }

/* ---- choices: depth-first over every choice sequence ---------------------------------------- */
static int choose(int n) {
    int c;
    if (n <= 1) return 0;
    if (depth < nstk) {
        if (stk[depth].n != n) die("replay is not deterministic");
        c = stk[depth].c;
    } else {
        if (nstk >= MAXDEPTH) die("choice stack too deep (raise MAXDEPTH)");
        stk[nstk].c = 0; stk[nstk].n = n; nstk++; c = 0;
    }
    depth++;
    return c;
}
static int next_sequence(void) {
    while (nstk > 0 && stk[nstk - 1].c + 1 >= stk[nstk - 1].n) nstk--;
    if (nstk == 0) return 0;
    stk[nstk - 1].c++;
    return 1;
}

/* ---- words and views ------------------------------------------------------------------------- */
static const char *locname(int l) {
    static char b[64];
    int off = H[l].off;
    if (off == -5) return "plain header fields";
    if (off < 0) { snprintf(b, sizeof b, "payload %s of slot %d", (-off - 1) % 2 ? "reads" : "writes", (-off - 1) / 2); return b; }
#define NAME(f) if (off == (int)offsetof(struct shmpc__seg, f)) return #f;
    NAME(head) NAME(tail) NAME(ends) NAME(state) NAME(producers) NAME(consumers)
    NAME(data_waiters) NAME(data_ev) NAME(space_waiters) NAME(space_ev)
#undef NAME
    if (off >= SHMPC_HEADER_SIZE) {
        snprintf(b, sizeof b, "word +%d of slot area", off - SHMPC_HEADER_SIZE);
        return b;
    }
    snprintf(b, sizeof b, "header word 0x%03x", off);
    return b;
}
static int newloc(int off) {
    if (nloc >= NLOC) die("too many words (raise NLOC)");
    H[nloc].off = off; H[nloc].n = 1; H[nloc].val[0] = 0;
    memset(H[nloc].view[0], 0, NLOC);
    return nloc++;
}
static int L(const void *p) {
    long off = (const unsigned char *)p - seg;
    if (off < 0 || off >= SEGMAX || off % 4) die("atomic access outside the segment");
    if (locof[off / 4] < 0) {
        locof[off / 4] = (int16_t)newloc((int)off);
        memcpy(&H[locof[off / 4]].val[0], seg + off, 4); /* what plain code wrote there before */
    }
    return locof[off / 4];
}
static void join(uint8_t *a, const uint8_t *b) {
    for (int i = 0; i < nloc; i++) if (b[i] > a[i]) a[i] = b[i];
}
static int append(int l, uint32_t v) {
    wmm_hist *h = &H[l];
    if (h->n >= HMAX) die("history too long (raise HMAX)");
    h->val[h->n] = v;
    return h->n++;
}
static void read_msg(wmm_thread *t, int l, int ts, int acquire) {
    if (ts == 0) return; /* the initial message: its view is empty, the thread's view already has it */
    if (ts > t->cur[l]) t->cur[l] = (uint8_t)ts;
    join(t->acq, H[l].view[ts]);
    if (acquire) join(t->cur, H[l].view[ts]);
    join(t->acq, t->cur);
}
static void write_msg(wmm_thread *t, int l, int ts, int release, const uint8_t *carry) {
    uint8_t *mv = H[l].view[ts];
    memcpy(mv, release ? t->cur : t->rel, NLOC);
    if (carry) join(mv, carry);
    mv[l] = (uint8_t)ts;
    t->cur[l] = (uint8_t)ts;
    join(t->acq, t->cur);
}
static int is_acq(int mo) { return mo == WMM_acquire || mo == WMM_acq_rel || mo == WMM_seq_cst; }
static int is_rel(int mo) { return mo == WMM_release || mo == WMM_acq_rel || mo == WMM_seq_cst; }
static const char *mo_name(int mo) {
    static const char *n[] = {"relaxed", "acquire", "release", "acq_rel", "seq_cst"};
    return n[mo];
}

/* ---- scheduling ------------------------------------------------------------------------------ */
static const char *ops[NT];
static int starts; /* the scenario's peers register with start times (see wmm_scn) */
/* A thread whose ops begin with W (a restarted peer) starts only once every other thread with a K
   in its ops has crashed; one whose ops begin with G, once every thread before it has finished.
   Neither learns anything from the wait: no view passes. */
static int runnable(int i) {
    if (th[i].done) return 0;
    if (ops[i][0] == 'W')
        for (int v = 0; v < nth; v++) if (v != i && strchr(ops[v], 'K') && !th[v].dead) return 0;
    if (ops[i][0] == 'G')
        for (int v = 0; v < i; v++) if (!th[v].done) return 0;
    return 1;
}
static void hdr_restore(void) { if (hdr_swapped) { memcpy(seg, hdr_new, sizeof hdr_new); hdr_swapped = 0; } }
/* the current thread is done (finished or crashed): another runnable one goes on, else main */
static void switch_away(void) {
    int left[NT], n = 0, t = me;
    hdr_restore();
    for (int i = 0; i < nth; i++) if (runnable(i)) left[n++] = i;
    if (n == 0) setcontext(&main_ctx);
    me = left[choose(n)];
    trace("  -- T%d done, T%d runs\n", t, me);
    setcontext(&th[me].ctx);
}
static void crash_now(void);
static void sched_at(int load);
static void sched(void) { sched_at(0); }
/* load: the access is a load. In the scenarios with start times (no membarrier there) a load is
   no preemption point: nobody sees a load, and the same load run after the other threads' steps
   may read any message it could read before them (its thread's view is the same), so the
   executions that switch before it are among those that switch just after it. */
static void sched_at(int load) {
    int others[NT], n = 0, k;
    hdr_restore();
    if (th[me].mortal && choose(2)) crash_now(); /* a crash before this access: never returns */
    if (preempt >= preempt_bound || (load && starts)) return;
    for (int i = 0; i < nth; i++) if (i != me && runnable(i)) others[n++] = i;
    if (n == 0) return;
    k = choose(n + 1);
    if (k == 0) return;
    preempt++;
    {
        int from = me;
        me = others[k - 1];
        trace("  -- switch to T%d\n", me);
        swapcontext(&th[from].ctx, &th[me].ctx);
    }
}
static void sc_fence(wmm_thread *t) {
    join(t->cur, t->acq);
    for (int i = 0; i < nloc; i++) if (!is_plain[i] && G[i] > t->cur[i]) t->cur[i] = G[i];
    for (int i = 0; i < nloc; i++) if (!is_plain[i]) G[i] = t->cur[i]; /* no happens-before for plain bytes */
    memcpy(t->rel, t->cur, NLOC);
}

static uint32_t wmm_ld(const void *p, int mo) {
    int l = L(p), last, ts;
    wmm_thread *t;
    if (init_mode) return H[l].val[H[l].n - 1];
    sched_at(1);
    t = &th[me];
    last = H[l].n - 1;
    ts = last - choose(last - t->cur[l] + 1);
    read_msg(t, l, ts, is_acq(mo));
    trace("T%d ld %s %s = %u (%d of %d)\n", me, mo_name(mo), locname(l), H[l].val[ts], ts, last);
    if (in_attach && fmt_by >= 0 && H[l].off == (int)offsetof(struct shmpc__seg, state) && H[hloc].n == 2 && t->cur[hloc] < 1 && choose(2)) {
        memcpy(hdr_new, seg, sizeof hdr_new); memcpy(seg, hdr_old, sizeof hdr_old); hdr_swapped = 1;
        trace("T%d reads the header fields unformatted\n", me);
    }
    return H[l].val[ts];
}
static void wmm_st(const void *p, uint32_t v, int mo) {
    int l = L(p), ts;
    if (init_mode) { H[l].val[H[l].n - 1] = v; return; }
    if (me == fmt_by && H[hloc].n == 1) { /* shmpc_format's first store: its plain fields are written */
        ts = append(hloc, 0);
        write_msg(&th[me], hloc, ts, 1, NULL);
        trace("T%d writes the header fields\n", me);
    }
    sched();
    ts = append(l, v);
    write_msg(&th[me], l, ts, is_rel(mo), NULL);
    trace("T%d st %s %s := %u (%d)\n", me, mo_name(mo), locname(l), v, ts);
}
static uint32_t rmw_at(int l, uint32_t nv, int mo) {
    wmm_thread *t = &th[me];
    int last = H[l].n - 1, ts;
    uint32_t old = H[l].val[last];
    read_msg(t, l, last, is_acq(mo));
    ts = append(l, nv);
    write_msg(t, l, ts, is_rel(mo), H[l].view[last]);
    trace("T%d rmw %s %s %u -> %u (%d)\n", me, mo_name(mo), locname(l), old, nv, ts);
    return old;
}
static uint32_t wmm_rmw(const void *p, int op, uint32_t v, int mo) {
    int l = L(p);
    uint32_t old = H[l].val[H[l].n - 1], nv = op == 0 ? old + v : op == 1 ? old - v : op == 2 ? (old | v) : (old & v);
    if (init_mode) { H[l].val[H[l].n - 1] = nv; return old; }
    sched();
    return rmw_at(l, nv, mo);
}
static int wmm_cas(const void *p, uint32_t *e, uint32_t d, int mo) {
    int l = L(p), last, opts[HMAX], n = 0, ts;
    wmm_thread *t;
    if (init_mode) {
        if (H[l].val[H[l].n - 1] != *e) { *e = H[l].val[H[l].n - 1]; return 0; }
        H[l].val[H[l].n - 1] = d;
        return 1;
    }
    sched();
    t = &th[me];
    last = H[l].n - 1;
    opts[n++] = last;
    for (ts = last - 1; ts >= t->cur[l]; ts--) if (H[l].val[ts] != *e) opts[n++] = ts;
    ts = opts[choose(n)];
    if (ts == last && H[l].val[last] == *e) {
        if (!(spurious_left > 0 && choose(2))) { rmw_at(l, d, mo); return 1; }
        spurious_left--; /* a weak compare-and-swap may fail though the value is the expected one */
        read_msg(t, l, ts, is_acq(mo));
        trace("T%d cas %s %s failed spuriously: read %u\n", me, mo_name(mo), locname(l), *e);
        return 0;
    }
    read_msg(t, l, ts, is_acq(mo)); /* failure: the success order less its release half */
    trace("T%d cas %s %s failed: read %u (%d of %d), wanted %u\n", me, mo_name(mo), locname(l), H[l].val[ts], ts, last, *e);
    *e = H[l].val[ts];
    return 0;
}
static void wmm_fence(int mo) {
    wmm_thread *t;
    if (init_mode) return;
    sched();
    t = &th[me];
    if (mo == WMM_seq_cst) { sc_fence(t); trace("T%d fence seq_cst\n", me); return; }
    if (is_acq(mo)) join(t->cur, t->acq);
    if (is_rel(mo)) memcpy(t->rel, t->cur, NLOC);
    trace("T%d fence %s\n", me, mo_name(mo));
}
/* membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) as the OS layer's sleeper calls it: a full barrier
   in every other thread where it stands, then in the caller. */
static void wmm_membarrier(void) {
    if (starts) die("membarrier in a scenario with start times (no preemption before its loads)");
    sched();
    for (int i = 0; i < nth; i++) if (i != me) sc_fence(&th[i]);
    sc_fence(&th[me]);
    trace("T%d membarrier\n", me);
}

/* payload bytes: plain accesses, checked for data races through the views */
static int payload_loc(const void *p, int write) {
    long off = (const unsigned char *)p - seg - SHMPC_HEADER_SIZE;
    const struct shmpc__seg *s = (const struct shmpc__seg *)(const void *)seg;
    int slot;
    if ((const unsigned char *)p < seg || off < 0 || off >= SEGMAX - SHMPC_HEADER_SIZE) return -1;
    slot = (int)(off / s->slot_stride);
    if (slot > 1) die("payload outside slots 0 and 1");
    return ploc[slot * 2 + (write ? 0 : 1)];
}
static void plain(const void *p, int write) {
    int w = payload_loc(p, 1), r = payload_loc(p, 0), ts;
    wmm_thread *t = &th[me];
    if (w < 0 || init_mode) return;
    if (t->cur[w] != H[w].n - 1) fail("data race: T%d %s a slot's payload without seeing its last write", me, write ? "writes" : "reads");
    if (write && t->cur[r] != H[r].n - 1) fail("data race: T%d writes a slot's payload without seeing its last read", me);
    ts = append(write ? w : r, 0);
    H[write ? w : r].view[ts][write ? w : r] = (uint8_t)ts;
    t->cur[write ? w : r] = (uint8_t)ts;
    trace("T%d %s payload of slot %d\n", me, write ? "writes" : "reads", (int)(((const unsigned char *)p - seg - SHMPC_HEADER_SIZE) / ((const struct shmpc__seg *)(const void *)seg)->slot_stride));
}
static void *wmm_memcpy(void *d, const void *s, size_t n) {
    if (n) { plain(s, 0); plain(d, 1); }
    return memcpy(d, s, n);
}

/* ---- scenarios --------------------------------------------------------------------------------- */
#define KMAX 16
static shmpc_ring hp[NT], hc[NT];  /* each thread's producer / consumer handle */
static shmpc_ring idle;            /* starts 2: the idle producer (id 13) */
static int pushed[KMAX], popped[KMAX], last_of[NT][NT];
static int acked[KMAX], held_ok[KMAX], redo_ok[KMAX], holding[NT], popping[NT], lost_ok, att_role[NT], gaveup[NT], succ_seen;
static int ever_p, closed_p; /* threads that were producers, that closed as producers (bit masks) */
static int nextid[NT];
static int sleeping, slept_on_data;
static uint32_t sleep_e;
static size_t msglen(int id) { return (size_t)(1 + id % 5); }
static void make_msg(int id, char *b) { for (size_t j = 0; j < msglen(id); j++) b[j] = (char)(id * 16 + (int)j); }
static int new_id(void) { int id = me * 4 + nextid[me]++; if (id >= KMAX || nextid[me] > 4) die("too many messages"); return id; }

static int eagain_seen; /* a call gave up on its retries: what it would have done (a wake-up) did not happen */
static void expect(int rc, const char *what, int ok_closed) {
    if (rc == SHMPC_EAGAIN) eagain_seen = 1;
    if (rc == SHMPC_OK || rc == SHMPC_EEMPTY || rc == SHMPC_EFULL || rc == SHMPC_EAGAIN) return;
    if (ok_closed && rc == SHMPC_ECLOSED) return;
    fail("T%d: %s returned %s", me, what, shmpc_strerror(rc));
}
/* redo: shmpc_redelivered said the message may have been handed to a consumer that died holding
   it: then it must have been (popped once, by a consumer that crashed before releasing it), and
   else it must be new */
static void got_redo(const char *b, size_t len, int redo) {
    int id = (unsigned char)b[0] / 16, prod = id / 4;
    if (len == 0 || id >= KMAX || !pushed[id]) { fail("T%d popped a message nobody pushed (len %zu)", me, len); return; }
    if (len != msglen(id)) { fail("T%d popped message %d with length %zu, pushed %zu", me, id, len, msglen(id)); return; }
    for (size_t j = 0; j < len; j++)
        if (b[j] != (char)(id * 16 + (int)j)) { fail("T%d popped message %d with wrong bytes", me, id); return; }
    if (redo && (!popped[id] || !redo_ok[id])) { fail("T%d: message %d flagged as delivered again, never held by a dead consumer", me, id); return; }
    if (redo) { redo_ok[id] = 0; last_of[me][prod] = 0; trace("T%d got message %d again (flagged)\n", me, id); return; }
    if (popped[id]++) { fail("T%d popped message %d twice", me, id); return; }
    /* SPSC: a restarted producer (ops W) appends after everything its dead predecessor published */
    if (starts && ((const struct shmpc__seg *)(const void *)seg)->mode == SHMPC_SPSC) {
        if (ops[prod] && ops[prod][0] == 'W') succ_seen = 1;
        else if (ops[prod] && strchr(ops[prod], 'K') && succ_seen) { fail("T%d popped message %d of a dead producer after its successor's", me, id); return; }
    }
    if (id < last_of[me][prod]) { fail("T%d popped message %d after %d of the same producer", me, id, last_of[me][prod]); return; }
    last_of[me][prod] = id;
    trace("T%d got message %d\n", me, id);
}
static void got(const char *b, size_t len) { got_redo(b, len, 0); }
static int push1(void) {
    char b[8]; int id = new_id(), rc;
    pushed[id] = 1; make_msg(id, b);
    rc = shmpc_try_push(&hp[me], b, msglen(id));
    if (rc != SHMPC_OK) pushed[id] = 0;
    else acked[id] = 1;
    expect(rc, "try_push", 1);
    return rc;
}
/* shmpc_redelivered: SPSC, of the message the handle takes next (pre: before the call); MPMC, of
   the last one it took */
static int redo_of(int pre) { return hc[me].mode == SHMPC_SPSC ? pre : shmpc_redelivered(&hc[me]); }
static void pop1(void) {
    char b[8]; size_t len = 0; int pre = shmpc_redelivered(&hc[me]), rc;
    popping[me] = 1; /* a crash inside the call, after it consumed the message: lost with it */
    rc = shmpc_try_pop(&hc[me], b, sizeof b, &len);
    popping[me] = 0;
    expect(rc, "try_pop", 1);
    if (rc == SHMPC_OK) got_redo(b, len, redo_of(pre));
    if (rc == SHMPC_ECLOSED) {
        for (int id = 0; id < KMAX; id++)
            if (pushed[id] && !popped[id]) fail("T%d: ECLOSED while message %d was never popped", me, id);
    }
}
static void reserve1(void) {
    char b[8]; void *buf; size_t room; int id = new_id(), rc = shmpc_try_reserve(&hp[me], &buf, &room);
    expect(rc, "try_reserve", 1);
    if (rc != SHMPC_OK) return;
    make_msg(id, b);
    wmm_memcpy(buf, b, msglen(id));
    pushed[id] = 1;
    rc = shmpc_commit(&hp[me], msglen(id));
    if (rc != SHMPC_OK) { pushed[id] = 0; fail("T%d: commit returned %s", me, shmpc_strerror(rc)); }
    else acked[id] = 1;
}
static void reserve_only(void) { /* a reservation left to close: it becomes a discard */
    void *buf; size_t room; int rc = shmpc_try_reserve(&hp[me], &buf, &room);
    expect(rc, "try_reserve", 1);
}
static void peek1(void) {
    char b[8]; const void *m; size_t len; int pre = shmpc_redelivered(&hc[me]), rc = shmpc_try_peek(&hc[me], &m, &len);
    expect(rc, "try_peek", 1);
    if (rc != SHMPC_OK) return;
    if (len > sizeof b) { fail("T%d: peek length %zu", me, len); return; }
    wmm_memcpy(b, m, len);
    got_redo(b, len, redo_of(pre));
    holding[me] = (unsigned char)b[0] / 16; /* a crash from here to release's return: held */
    rc = shmpc_release(&hc[me]);
    holding[me] = -1;
    if (rc != SHMPC_OK) fail("T%d: release returned %s", me, shmpc_strerror(rc));
}
static void push2(void) {
    char b[2][8]; shmpc_iov v[2]; int id[2], rc;
    for (int i = 0; i < 2; i++) { id[i] = new_id(); make_msg(id[i], b[i]); v[i].base = b[i]; v[i].len = msglen(id[i]); pushed[id[i]] = 1; }
    rc = shmpc_try_push_many(&hp[me], v, 2);
    for (int i = rc < 0 ? 0 : rc; i < 2; i++) pushed[id[i]] = 0;
    for (int i = 0; i < rc; i++) acked[id[i]] = 1;
    if (rc < 0) expect(rc, "try_push_many", 1);
}
static void pop2(void) {
    char b[2][8]; shmpc_iov v[2]; int rc;
    for (int i = 0; i < 2; i++) { v[i].base = b[i]; v[i].len = 8; }
    rc = shmpc_try_pop_many(&hc[me], v, 2);
    if (rc < 0) { expect(rc, "try_pop_many", 1); return; }
    for (int i = 0; i < rc; i++) got(b[i], v[i].len);
}
static int asym_sc;
/* the start time thread t registers with (both halves non-zero, so that a torn read of it is a
   start time of no peer); 0 in the scenarios without crashes: never presumed dead */
static uint64_t start_of(int t) { return starts ? ((uint64_t)(t + 1) << 32 | (uint64_t)(t + 1)) : 0u; }
/* a in SPSC: the role a live peer holds is refused (SHMPC_EROLE), and may be refused while the
   restarted peer does not yet see its dead predecessor's entry (nothing orders it after the crash);
   it is never given while another live peer holds it */
static void attach_as(int role) {
    shmpc_ring *h = role == SHMPC_PRODUCER ? &hp[me] : &hc[me];
    int rc;
    in_attach = 1;
    rc = shmpc_attach_id(h, seg, sizeof seg, role, (role == SHMPC_PRODUCER ? 10u : 20u) + (uint32_t)me, start_of(me));
    in_attach = 0;
    hdr_restore();
    h->asym = asym_sc;
    if (rc == SHMPC_ECLOSED || (starts && ((rc == SHMPC_EROLE && h->mode == SHMPC_SPSC) || rc == SHMPC_EAGAIN))) { gaveup[me] = 1; return; }
    if (rc == SHMPC_EAGAIN && spurious_budget > 0) { gaveup[me] = 1; return; } /* its retries all failed */
    if (rc == SHMPC_ENOTREADY && fmt_by >= 0) { gaveup[me] = 1; return; } /* not formatted yet */
    if (rc != SHMPC_OK) { fail("T%d: attach returned %s", me, shmpc_strerror(rc)); return; }
    if (h->mode == SHMPC_SPSC)
        for (int t = 0; t < nth; t++)
            if (t != me && att_role[t] & role && !th[t].dead) fail("T%d took the SPSC role that live T%d holds", me, t);
    att_role[me] |= role;
    if (role == SHMPC_PRODUCER) ever_p |= 1 << me;
}
static void attach_c(void) { attach_as(SHMPC_CONSUMER); }
static void close_p(void) { shmpc_close(&hp[me]); att_role[me] &= ~SHMPC_PRODUCER; closed_p |= 1 << me; }
/* Thread t's pid, 40 + t: the word of an entry it is busy with (SHMPC__BUSY | 40 + t). */
static uint32_t shmpc__os_self(void) { return 40u + (uint32_t)me; }
/* Under SHMPC__MODEL_ALIVE shmpc.h calls this for the liveness rule (1 alive, 0 dead). The peer
   ids are 10 + t (producer) and 20 + t (consumer) of thread t, its pid 40 + t (a busy entry's
   word, judged with start 0): dead once t crashed, or if the start
   time read is not t's (the pid names another process). A death is reported after the dead
   process's last access (its exit and the reading of /proc pass through the kernel's locks): the
   caller gets the crashed thread's view, as by an acquire of its last release. */
static int shmpc__os_alive(uint32_t pid, uint64_t start) {
    int t = pid >= 40u && pid < 40u + NT ? (int)pid - 40 : pid >= 20u && pid < 20u + NT ? (int)pid - 20 :
            pid >= 10u && pid < 10u + NT ? (int)pid - 10 : -1;
    if (t >= 0 && th[t].dead) { join(th[me].cur, th[t].cur); join(th[me].acq, th[me].cur); }
    if (t < 0 || th[t].dead || (start != 0u && start != start_of(t))) { trace("T%d: peer %u is dead\n", me, pid); return 0; }
    return 1;
}
/* The crash of the current thread (K): what it pushed unacknowledged may or may not arrive; a
   message it held in a peek may be delivered again, flagged. */
static void crash_now(void) {
    trace("T%d crashes\n", me);
    th[me].dead = th[me].done = 1;
    for (int id = me * 4; id < me * 4 + 4; id++) if (pushed[id] == 1 && !acked[id]) pushed[id] = 2;
    if (holding[me] >= 0) redo_ok[holding[me]] = 1;
    if (popping[me]) lost_ok++;
    switch_away();
}
/* the sleeper's steps of shmpc__wait: register (the real shmpc__sleep_arm), membarrier when the
   notifier is asymmetric, look again; nothing there: it would sleep on the event word */
static void sleeper(int data) {
    struct shmpc__seg *s = (struct shmpc__seg *)(void *)seg;
    int rc;
    uint32_t e = shmpc__sleep_arm(data ? &s->data_waiters : &s->space_waiters, data ? &s->data_ev : &s->space_ev);
    if (asym_sc) wmm_membarrier();
    if (data) {
        char b[8]; size_t len;
        rc = shmpc_try_pop(&hc[me], b, sizeof b, &len);
        if (rc == SHMPC_OK) got(b, len);
    } else {
        rc = push1();
    }
    if (rc == SHMPC_EEMPTY || rc == SHMPC_EFULL) { sleeping = 1; sleep_e = e; slept_on_data = data; }
}

/* op strings per thread, run by one body: u push, o pop, U push_many(2), O pop_many(2),
   r reserve/commit, k peek/release, x close (producer), s sleep for data, S sleep for room,
   a attach as the consumer, A as the producer, d reserve and leave it to close; K: from here the
   thread may crash before any atomic access, and crashes at the end if it has not; W (first): the
   thread starts once every thread with a K has crashed (a restarted peer); G (first): it starts
   once every thread before it has finished (neither wait passes a view); F: format the segment
   (SPSC, as the others; in a scenario with F the segment starts unformatted) */
static void run_ops(int t) {
    for (const char *c = ops[t]; *c && !violation && !gaveup[t]; c++) {
        switch (*c) {
        case 'u': push1(); break;
        case 'o': pop1(); break;
        case 'U': push2(); break;
        case 'O': pop2(); break;
        case 'r': reserve1(); break;
        case 'k': peek1(); break;
        case 'x': close_p(); break;
        case 's': sleeper(1); break;
        case 'S': sleeper(0); break;
        case 'a': attach_c(); break;
        case 'A': attach_as(SHMPC_PRODUCER); break;
        case 'K': th[t].mortal = 1; break;
        case 'W': case 'G': break;
        case 'F': {
            shmpc_opts o = SHMPC_OPTS_INIT;
            o.capacity = 2; o.slot_size = 8; o.mode = SHMPC_SPSC; o.start_index = 0xFFFFFFFFu;
            if (shmpc_format(seg, sizeof seg, &o) != SHMPC_OK) fail("T%d: format failed", me);
            break;
        }
        case 'd': reserve_only(); break;
        default: die("bad op");
        }
    }
}
/* pmax: at most this many preemptions, whatever -p says (0: -p); for the scenarios of three
   threads with batches, whose executions multiply by about 25 from 1 preemption to 2. */
/* starts: peers register with start times (start_of), so that the liveness rule judges them:
   the crash and takeover scenarios; 2: besides, an idle producer (id 13, start_of(3)) attached at
   setup holds the producers' side open */
/* spurious: how many compare-and-swaps may fail spuriously in one execution (each a choice) */
typedef struct { const char *name, *what; uint32_t mode; int prefill, asym; const char *t[3]; int pmax, starts, spurious; } wmm_scn;
/* asym 1: the notifier's F1 is a compiler barrier, as in every process the OS layer registered
   for membarrier (Linux). Its full fence (asym 0) only adds ordering, so the data scenarios run
   without it; the wake-up scenarios run both forms. */
static const wmm_scn scenarios[] = {
    {"mpmc-pop-laps", "MPMC: a consumer behind another's two claims (the false ECORRUPT)", SHMPC_MPMC, 0, 1, {"uuoo", "o", 0}},
    {"mpmc-pop-laps2", "MPMC: a consumer whose claim fails two laps on (its failed compare-and-swap is judged)", SHMPC_MPMC, 0, 1, {"uuoouuoo", "o", 0}},
    {"mpmc-push-laps", "MPMC: a producer behind another's claims, two laps on", SHMPC_MPMC, 0, 1, {"uuoouuoo", "u", 0}},
    {"mpmc-1p2c", "MPMC: two consumers race for two messages", SHMPC_MPMC, 0, 1, {"uu", "o", "o"}},
    {"mpmc-2p1c", "MPMC: two producers, one consumer, a full ring", SHMPC_MPMC, 0, 1, {"uu", "u", "oo"}},
    {"mpmc-reuse", "MPMC: slot reuse, payload and length of the next lap", SHMPC_MPMC, 0, 1, {"uuu", "oo", 0}},
    {"mpmc-zc", "MPMC: reserve/commit, peek/release, batches", SHMPC_MPMC, 0, 1, {"rU", "kO", 0}},
    {"mpmc-batch-laps", "MPMC: a consumer behind another's range claims (push_many, pop_many)", SHMPC_MPMC, 0, 1, {"UO", "o", 0}},
    {"mpmc-batch-2p1c", "MPMC: two producers race for ranges of 2, a consumer takes a range", SHMPC_MPMC, 0, 1, {"U", "U", "O"}, 1},
    {"mpmc-batch-1p2c", "MPMC: two consumers race for a range of 2", SHMPC_MPMC, 0, 1, {"U", "O", "O"}, 1},
    {"mpmc-close", "MPMC: end of stream after the last message", SHMPC_MPMC, 0, 1, {"ux", "oo", 0}},
    {"mpmc-discard", "MPMC: a reservation closed uncommitted is skipped, its slot reused", SHMPC_MPMC, 0, 1, {"dx", "uu", "oo"}},
    {"mpmc-discard-laps", "MPMC: a consumer behind another's skip of a discarded reservation", SHMPC_MPMC, 0, 1, {"dx", "uoo", "o"}, 1},
    {"mpmc-discard-stale", "MPMC: a consumer that read a length, while the slot's next lap is taken, reserved and discarded", SHMPC_MPMC, 0, 1, {"uu", "o", "odx"}, 1},
    {"mpmc-close-attach", "MPMC: a producer attaches while the last one closes: the stream goes on or it is refused", SHMPC_MPMC, 0, 1, {"ux", "Au", "ooo"}, 1},
    {"mpmc-close2", "MPMC: two producers close, the stream ends after both's messages", SHMPC_MPMC, 0, 1, {"ux", "ux", "oo"}},
    {"spsc", "SPSC: push, pop, slot reuse", SHMPC_SPSC, 0, 1, {"uuu", "ooo", 0}},
    {"spsc-zc", "SPSC: reserve/commit, peek/release, batches", SHMPC_SPSC, 0, 1, {"rU", "kO", 0}},
    {"spsc-batch-single", "SPSC: a batch push taken by single pops (each slot's seq, R7)", SHMPC_SPSC, 0, 1, {"U", "oo", 0}},
    {"spsc-close", "SPSC: end of stream after the last message", SHMPC_SPSC, 0, 1, {"ux", "oo", 0}},
    {"spsc-attach", "SPSC: a consumer attaches while the producer pushes", SHMPC_SPSC, 0, 1, {"uu", "aoo", 0}},
    {"wake-data", "wake-up: a consumer going to sleep, a producer publishing (F1/F2)", SHMPC_SPSC, 0, 0, {"u", "s", 0}},
    {"wake-space", "wake-up: a producer going to sleep on a full ring, a consumer freeing", SHMPC_MPMC, 2, 0, {"o", "S", 0}},
    {"wake-data-asym", "wake-up, asymmetric: F1 a compiler barrier, the sleeper's membarrier", SHMPC_SPSC, 0, 1, {"u", "s", 0}},
    {"wake-mpmc-asym", "wake-up, asymmetric, MPMC", SHMPC_MPMC, 0, 1, {"u", "s", 0}},
    {"spsc-takeover-p", "SPSC: the producer crashes anywhere, a restarted one takes its role over", SHMPC_SPSC, 0, 1, {"AKuu", "oo", "WAu"}, 1, 1},
    {"spsc-takeover-c", "SPSC: the consumer crashes anywhere (in a peek), a restarted one takes over", SHMPC_SPSC, 0, 1, {"uuu", "aKko", "Wao"}, 1, 1},
    {"spsc-rival", "SPSC: a second producer attaches while the first lives: refused", SHMPC_SPSC, 0, 1, {"Au", "o", "A"}, 1, 1},
    {"mpmc-takeover-c", "MPMC: a consumer crashes anywhere (holding a claim or a peek), a restarted one attaches", SHMPC_MPMC, 0, 1, {"uu", "Kk", "Wao"}, 1, 1},
    {"mpmc-rejoin", "MPMC: a producer leaves the table, another takes its entry, a third attaches and judges it", SHMPC_MPMC, 0, 1, {"x", "GA", "GA"}, 1, 2},
    {"format-attach", "SPSC: a consumer attaches while the segment is formatted", SHMPC_SPSC, 0, 1, {"FAu", "ao", 0}, 1},
    {"mpmc-takeover-p", "MPMC: a producer crashes anywhere (holding a claim), a restarted one attaches", SHMPC_MPMC, 0, 1, {"AKu", "o", "WAu"}, 1, 1},
    {"spsc-close-crash", "SPSC: the producer crashes anywhere in its close, a restarted one attaches or is refused", SHMPC_SPSC, 0, 1, {"uKx", "oo", "WAu"}, 1, 1},
    {"spsc-takeover-c2", "SPSC: the consumer crashes anywhere (in a peek), two restarted ones race to take its role over", SHMPC_SPSC, 2, 1, {"aKk", "Wao", "Wao"}, 1, 2},
    {"spsc-takeover-cc", "SPSC: the consumer crashes anywhere (in a peek), the one that takes over crashes anywhere too, a third takes over", SHMPC_SPSC, 2, 1, {"aKk", "WaKo", "Wao"}, 1, 2},
    {"spsc-takeover-2", "SPSC: the producer crashes anywhere, two restarted ones race to take its role over", SHMPC_SPSC, 0, 1, {"AKu", "WAu", "WAu"}, 1, 1},
    {"mpmc-takeover-2", "MPMC: a producer crashes anywhere, two restarted ones attach side by side", SHMPC_MPMC, 0, 1, {"AK", "WA", "WA"}, 1, 1},
    {"spsc-close-spurious", "SPSC: any SHMPC_RETRIES compare-and-swaps fail spuriously, the close still ends the stream", SHMPC_SPSC, 0, 1, {"ux", "oo", 0}, 0, 0, SHMPC_RETRIES},
    {"spsc-reclaim-spurious", "SPSC: the producer crashes anywhere, any SHMPC_RETRIES compare-and-swaps fail spuriously, a restarted one takes over", SHMPC_SPSC, 0, 1, {"AK", "WA", 0}, 1, 1, SHMPC_RETRIES},
    {"mpmc-reclaim-spurious", "MPMC: a producer crashes anywhere, any SHMPC_RETRIES compare-and-swaps fail spuriously, a restarted one attaches and gives the dead one's count back", SHMPC_MPMC, 0, 1, {"AK", "WA", 0}, 1, 1, SHMPC_RETRIES},
    {"mpmc-close-spurious", "MPMC: any SHMPC_RETRIES compare-and-swaps fail spuriously, two closes still end the stream", SHMPC_MPMC, 0, 1, {"ux", "x", "o"}, 1, 0, SHMPC_RETRIES},
};
#define NSCN (int)(sizeof scenarios / sizeof scenarios[0])

static void entry(void) {
    run_ops(me);
    if (th[me].mortal) crash_now();
    th[me].done = 1;
    switch_away();
}
static char stacks[NT][1 << 16];

/* ---- the drain's checks of the peer table (scenarios with start times) ------------------------- */
static uint32_t now_val(const void *p) { int l = L(p); return H[l].val[H[l].n - 1]; }
/* Every live peer keeps its entry (its pid) and its count; a count holds no more than the live
   and the dead whose entries are still there (a reclaimed one gave its count back, and a closer
   that died after it ended the side gave its count back in the end). No live consumer left: the drain attaches as one (a takeover). */
static void drain_checks(int *cons) {
    struct shmpc__seg *s = (struct shmpc__seg *)(void *)seg;
    for (int role = SHMPC_PRODUCER; role <= SHMPC_CONSUMER && !violation; role++) {
        uint32_t live = 0, dead = 0, n = now_val(role == SHMPC_PRODUCER ? &s->producers : &s->consumers);
        if (n == SHMPC__ENDED) n = 0; /* the side has ended: nobody holds a count */
        for (int t = 0; t < nth; t++) {
            const shmpc_ring *h = role == SHMPC_PRODUCER ? &hp[t] : &hc[t];
            if (!(att_role[t] & role)) continue;
            if (th[t].dead) {
                uint32_t pid = now_val(&s->peers[h->peer].pid);
                dead += (pid & SHMPC__BUSY) || pid == (role == SHMPC_PRODUCER ? 10u : 20u) + (uint32_t)t;
                continue;
            }
            live++;
            if (now_val(&s->peers[h->peer].pid) != (role == SHMPC_PRODUCER ? 10u : 20u) + (uint32_t)t)
                fail("the entry of live T%d (%s) was taken from it", t, role == SHMPC_PRODUCER ? "producer" : "consumer");
        }
        if (role == SHMPC_PRODUCER && starts == 2) live++; /* the idle producer */
        if (n < live || n > live + dead) fail("%s count %u with %u live and %u dead in the table", role == SHMPC_PRODUCER ? "producer" : "consumer", n, live, dead);
    }
    if (*cons < 0 && !violation) {
        int rc = shmpc_attach_id(&hc[3], seg, sizeof seg, SHMPC_CONSUMER, 23u, start_of(3));
        if (rc != SHMPC_OK) fail("drain: attach as the consumer (every other dead) returned %s", shmpc_strerror(rc));
        else *cons = 3;
    }
}
/* MPMC: whether recovery (shmpc__census_of in the OS layer) can find position pos of role's dead
   peer: in the pending range of a dead peer's entry and of no live one's; else a violation. */
static int findable(int role, uint32_t pos, const char *what) {
    struct shmpc__seg *s = (struct shmpc__seg *)(void *)seg;
    uint32_t base = role == SHMPC_PRODUCER ? 10u : 20u, cap = hc[3].capacity;
    int live_at = 0, dead_at = 0;
    for (int i = 0; i < SHMPC_MAX_PEERS; i++) {
        const shmpc__peer *p = &s->peers[i];
        uint32_t pid = now_val(&p->pid), n;
        int t = pid >= base && pid < base + NT ? (int)(pid - base) : -1;
        if (pid == 0u || now_val(&p->role) != (uint32_t)role) continue;
        n = now_val(&p->pend_n);
        if (n == 0u) n = 1u;
        if ((uint32_t)(pos - now_val(&p->pending)) >= (n < cap ? n : cap)) continue;
        if (t < 0 || th[t].dead) dead_at++; else live_at++;
    }
    if (live_at || !dead_at) fail("%s at %u that recovery cannot find (recorded by %d dead, %d live)", what, pos, dead_at, live_at);
    return !violation;
}
/* MPMC: a slot a consumer took (head is past it) and never freed (seq == pos + 1) is a dead
   consumer's (every live one has finished its calls): shmpc__recover delivers it again once a
   producer needs the slot, which it can only if the position is in the pending range of a dead
   consumer's entry and of no live one's. Such a message may stay in the ring undelivered. */
static void held_checks(void) {
    struct shmpc__seg *s = (struct shmpc__seg *)(void *)seg;
    shmpc_ring *r = &hc[3];
    uint32_t hd = now_val(&s->head);
    for (uint32_t pos = hd - r->capacity; pos != hd; pos++) {
        if (now_val(&SHMPC__SLOT(r, pos)->seq) != pos + 1u) continue;
        if (!findable(SHMPC_CONSUMER, pos, "a dead consumer's message")) return;
        held_ok[(unsigned char)((const char *)SHMPC__SLOT(r, pos))[SHMPC__SLOT_HDR] / 16] = 1;
        trace("drain: the message at %u is held by a dead consumer\n", pos);
    }
}
/* MPMC: what shmpc__recover (the OS layer) does for a claim a dead producer left at head, which
   must be findable: claimed (tail past head), not committed (seq == head), recorded in the pending
   range of a dead producer's entry and of no live one's. The drain hands it on (head moves, the
   slot is freed). 1: skipped one. */
static int skip_dead_claim(void) {
    struct shmpc__seg *s = (struct shmpc__seg *)(void *)seg;
    shmpc_ring *r = &hc[3];
    uint32_t hd = now_val(&s->head), tl = now_val(&s->tail);
    if (hd == tl || now_val(&SHMPC__SLOT(r, hd)->seq) != hd) return 0;
    if (!findable(SHMPC_PRODUCER, hd, "a dead producer's claim")) return 0;
    wmm_st(&s->head, hd + 1u, WMM_release);
    wmm_st(&SHMPC__SLOT(r, hd)->seq, hd + r->capacity, WMM_release);
    trace("drain: skips the dead claim at %u\n", hd);
    return 1;
}

static void run_once(const wmm_scn *sc) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    struct shmpc__seg *s = (struct shmpc__seg *)(void *)seg;
    int first;
    memset(seg, 0, sizeof seg);
    memset(locof, -1, sizeof locof);
    memset(G, 0, sizeof G);
    nloc = 0; depth = 0; preempt = 0; tracelen = 0;
    memset(pushed, 0, sizeof pushed); memset(popped, 0, sizeof popped);
    memset(last_of, 0, sizeof last_of); memset(nextid, 0, sizeof nextid);
    memset(acked, 0, sizeof acked); memset(held_ok, 0, sizeof held_ok); memset(redo_ok, 0, sizeof redo_ok); memset(holding, -1, sizeof holding);
    memset(popping, 0, sizeof popping); lost_ok = 0;
    memset(att_role, 0, sizeof att_role); memset(gaveup, 0, sizeof gaveup); succ_seen = 0; starts = sc->starts;
    ever_p = closed_p = eagain_seen = 0;
    spurious_left = spurious_budget = sc->spurious > spurious_min ? sc->spurious : spurious_min;
    sleeping = 0; asym_sc = sc->asym;
    init_mode = 1;
    o.capacity = 2; o.slot_size = 8; o.mode = sc->mode; o.start_index = 0xFFFFFFFFu;
    fmt_by = -1; in_attach = hdr_swapped = 0;
    for (int t = 0; t < 3 && sc->t[t]; t++) if (strchr(sc->t[t], 'F')) fmt_by = t;
    if (fmt_by >= 0) memcpy(seg, shmpc__magic, sizeof shmpc__magic); /* its creator's mark (shmpc__stamp) */
    memcpy(hdr_old, seg, sizeof hdr_old);
    if (fmt_by < 0 && shmpc_format(seg, sizeof seg, &o) != SHMPC_OK) die("format");
    /* every word the code touches atomically, so that views cover them; then the payload words */
    (void)L(&s->head); (void)L(&s->tail); (void)L(&s->ends); (void)L(&s->state);
    (void)L(&s->producers); (void)L(&s->consumers);
    (void)L(&s->data_waiters); (void)L(&s->data_ev); (void)L(&s->space_waiters); (void)L(&s->space_ev);
    nth = 0;
    for (int t = 0; t < 3 && sc->t[t]; t++) nth++;
    if (starts == 2 && shmpc_attach_id(&idle, seg, sizeof seg, SHMPC_PRODUCER, 13u, start_of(3)) != SHMPC_OK)
        die("attach the idle producer");
    for (int t = 0; t < nth; t++) {
        ops[t] = sc->t[t];
        memset(&hp[t], 0, sizeof hp[t]); memset(&hc[t], 0, sizeof hc[t]);
        if (strpbrk(sc->t[t], "uUrxSd") && !strchr(sc->t[t], 'A')) {
            if (shmpc_attach_id(&hp[t], seg, sizeof seg, SHMPC_PRODUCER, 10u + (uint32_t)t, start_of(t)) != SHMPC_OK) die("attach producer");
            att_role[t] |= SHMPC_PRODUCER; ever_p |= 1 << t;
        }
        if (strpbrk(sc->t[t], "oOks") && !strchr(sc->t[t], 'a')) {
            if (shmpc_attach_id(&hc[t], seg, sizeof seg, SHMPC_CONSUMER, 20u + (uint32_t)t, start_of(t)) != SHMPC_OK) die("attach consumer");
            att_role[t] |= SHMPC_CONSUMER;
        }
        hp[t].asym = hc[t].asym = sc->asym;
    }
    for (uint32_t i = 0; i < 2; i++) { /* slot words */
        shmpc__slot *sl = (shmpc__slot *)(void *)(seg + SHMPC_HEADER_SIZE + i * shmpc__stride(8));
        (void)L(&sl->seq); (void)L(&sl->len);
    }
    memset(is_plain, 0, sizeof is_plain);
    for (int i = 0; i < 4; i++) { ploc[i] = newloc(-1 - i); is_plain[ploc[i]] = 1; }
    hloc = newloc(-5); is_plain[hloc] = 1;
    /* a full ring for the room sleeper: its consumer pops one, its producer finds it full; the
       messages a consumer takes over (starts 2: pushed by the idle producer) */
    for (int i = 0; i < sc->prefill; i++) {
        int id = 12 + i; char b[8];
        me = 3; make_msg(id, b); pushed[id] = 1;
        { shmpc_ring pr; memset(&pr, 0, sizeof pr);
          if ((starts != 2 && shmpc_attach_id(&pr, seg, sizeof seg, SHMPC_PRODUCER, 30u, 0) != SHMPC_OK) ||
              shmpc_try_push(starts == 2 ? &idle : &pr, b, msglen(id)) != SHMPC_OK) die("prefill"); }
    }
    for (int l = 0; l < nloc; l++) { H[l].n = 1; memset(H[l].view[0], 0, NLOC); }
    for (int t = 0; t < nth; t++) {
        memset(th[t].cur, 0, NLOC); memset(th[t].acq, 0, NLOC); memset(th[t].rel, 0, NLOC);
        th[t].done = th[t].mortal = th[t].dead = 0;
        getcontext(&th[t].ctx);
        th[t].ctx.uc_stack.ss_sp = stacks[t];
        th[t].ctx.uc_stack.ss_size = sizeof stacks[t];
        th[t].ctx.uc_link = &main_ctx;
        makecontext(&th[t].ctx, entry, 0);
    }
    init_mode = 0;
    {
        int can[NT], n = 0;
        for (int t = 0; t < nth; t++) if (runnable(t)) can[n++] = t;
        first = can[choose(n)];
    }
    me = first;
    swapcontext(&main_ctx, &th[first].ctx);
    /* the drain: a thread that has seen everything takes what is left */
    if (!violation) {
        wmm_thread *d = &th[3];
        int cons = -1;
        for (int l = 0; l < nloc; l++) d->cur[l] = d->acq[l] = d->rel[l] = (uint8_t)(H[l].n - 1);
        me = 3; preempt = preempt_bound; spurious_left = 0;
        if (sleeping) {
            uint32_t ev = H[L(slept_on_data ? &s->data_ev : &s->space_ev)].val[H[L(slept_on_data ? &s->data_ev : &s->space_ev)].n - 1];
            if (ev == sleep_e && !eagain_seen) fail("lost wake-up: the sleeper found nothing and nobody moved its event word");
        }
        for (int t = 0; t < nth; t++) if (att_role[t] & SHMPC_CONSUMER && !th[t].dead) cons = t;
        if (starts && !violation) drain_checks(&cons);
        if (cons >= 0 && !violation) {
            if (cons < 3) hc[3] = hc[cons];
            if (starts && s->mode == SHMPC_MPMC) held_checks();
            for (int k = 0; k < 4 && !violation; k++) {
                char b[8]; size_t len; int pre = shmpc_redelivered(&hc[3]), rc;
                if (starts && s->mode == SHMPC_MPMC && skip_dead_claim()) continue;
                rc = shmpc_try_pop(&hc[3], b, sizeof b, &len);
                if (rc == SHMPC_OK) { last_of[3][0] = last_of[3][1] = last_of[3][2] = 0; got_redo(b, len, redo_of(pre)); continue; }
                if (rc != SHMPC_EEMPTY && rc != SHMPC_ECLOSED) fail("drain: try_pop returned %s", shmpc_strerror(rc));
                /* every producer closed (no crash, no idle one): the stream has ended */
                if (rc == SHMPC_EEMPTY && !starts && ever_p && closed_p == ever_p)
                    fail("drain: EEMPTY though every producer closed: the stream never ended");
                break;
            }
            for (int id = 0; id < KMAX && !violation; id++)
                if (pushed[id] == 1 && !popped[id] && !held_ok[id] && lost_ok-- <= 0) fail("message %d was pushed and never popped", id);
        }
    }
    executions++;
}

static int explore(const wmm_scn *sc) {
    int bound = preempt_bound, rc = 0;
    if (sc->pmax && sc->pmax < preempt_bound) preempt_bound = sc->pmax;
    nstk = 0; executions = 0; violation = 0;
    do {
        run_once(sc);
        if (violation) {
            printf("wmm %s: VIOLATION after %ld executions: %s\n", sc->name, executions, why);
            if (!quiet) printf("execution:\n%s", tracebuf);
            rc = 1;
            break;
        }
    } while (next_sequence());
    if (!rc) printf("wmm %s: %ld executions, 0 violations, %d preemption(s) (%s)\n", sc->name, executions, preempt_bound, sc->what);
    preempt_bound = bound;
    return rc;
}

static int reached[4096], nreached;
static void wmm_reach(int line) {
    if (nreached < 4096) reached[nreached++] = line;
}

int main(int argc, char **argv) {
    int rc = 0, any = 0;
    const char *reach_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-p") && i + 1 < argc) { preempt_bound = atoi(argv[++i]); continue; }
        if (!strcmp(argv[i], "-q")) { quiet = 1; continue; }
        if (!strcmp(argv[i], "-s") && i + 1 < argc) { spurious_min = atoi(argv[++i]); continue; }
        if (!strcmp(argv[i], "-r") && i + 1 < argc) { reach_file = argv[++i]; continue; }
        if (!strcmp(argv[i], "-l")) { for (int k = 0; k < NSCN; k++) printf("%s\t%s\n", scenarios[k].name, scenarios[k].what); return 0; }
        for (int k = 0; k < NSCN; k++) {
            if (strcmp(argv[i], scenarios[k].name) && strcmp(argv[i], "all")) continue;
            any = 1;
            if (explore(&scenarios[k])) { rc = 1; if (quiet) return 1; }
        }
    }
    if (!any) { fprintf(stderr, "usage: wmm [-p PREEMPTIONS] [-q] [-s SPURIOUS] [-r FILE] SCENARIO...|all   (wmm -l lists them)\n"); return 2; }
    if (reach_file) { /* the lines of shmpc.h whose atomic accesses ran, one per line */
        FILE *f = fopen(reach_file, "w");
        if (!f) { perror(reach_file); return 2; }
        for (int i = 0; i < nreached; i++) fprintf(f, "%d\n", reached[i]);
        if (fclose(f) != 0) { perror(reach_file); return 2; }
    }
    return rc;
}
