/* shmpc-bridge: a ring on one host to a ring on another, over ZeroMQ. Public API only.
   `shmpc-bridge --help` is its manual; README.md, "Beyond one machine", says when to use it. */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static const char usage_text[] =
"NAME\n"
"    shmpc-bridge - forward an shmpc ring to another host over ZeroMQ, and back into a ring\n"
"\n"
"SYNOPSIS\n"
"    shmpc-bridge send RING ENDPOINT [OPTIONS]\n"
"    shmpc-bridge recv ENDPOINT RING [OPTIONS]\n"
"\n"
"DESCRIPTION\n"
"    send attaches to RING as its consumer and sends every message to ENDPOINT; recv receives\n"
"    them at ENDPOINT and pushes each into RING as its producer. Run one of each, one on each host:\n"
"    the producers of the first ring and the consumers of the second use the shmpc API as if the\n"
"    two were one ring. ENDPOINT is a ZeroMQ endpoint, e.g. tcp://10.0.0.2:5555 (send connects,\n"
"    recv binds, unless told otherwise). One send talks to one recv.\n"
"\n"
"    Kept: message boundaries (one message is one ZeroMQ frame), the order in which send pops\n"
"    them (so each producer's order), and the end of the stream: when the last producer of the\n"
"    sending ring closes and send has forwarded everything, recv closes its ring, and its\n"
"    consumers get SHMPC_ECLOSED after the last message. When the last consumer of the receiving\n"
"    ring closes, send closes the sending ring: its producers get SHMPC_ECLOSED.\n"
"\n"
"    Back-pressure: recv grants send credit for --window messages and grants more only as it\n"
"    pushes them into its ring. A full remote ring stops the credit, send stops popping, the\n"
"    sending ring fills, and its producers wait (or get SHMPC_EFULL from try calls). Nothing is\n"
"    dropped: every message carries a sequence number, and a gap ends the bridge with an error.\n"
"\n"
"    The link: each side sends a heartbeat when it has sent nothing for a quarter of --timeout,\n"
"    and gives up when it has heard nothing for --timeout seconds. A bridge that gives up (or\n"
"    loses its local peer) exits WITHOUT closing its ring: the processes on that ring get\n"
"    SHMPC_EPEERDEAD from their blocking calls, never a false end of stream. Messages in flight\n"
"    when a link breaks are lost; the bridge is not a durable log (see README.md).\n"
"\n"
"OPTIONS\n"
"    --create CAPACITY:SLOT_SIZE  create RING (SPSC) instead of opening an existing one\n"
"    --mpmc                       with --create: an MPMC ring (several local producers/consumers)\n"
"    --bind, --connect            how this side uses ENDPOINT (default: send connects, recv binds)\n"
"    --window N                   recv: messages in flight at most (default 1024)\n"
"    --timeout SECONDS            link timeout, also the wait for RING and for the other side at\n"
"                                 the start (default 10)\n"
"    --quiet                      no summary line on standard error at the end\n"
"    --help                       this text\n"
"\n"
"EXIT STATUS\n"
"    0  the stream ended and the other side confirmed it (send), or the end was received and the\n"
"       ring closed (recv)\n"
"    1  a local error: the ring could not be opened or created, a ring call failed\n"
"    2  usage error\n"
"    3  the link broke: no word from the other side within --timeout, a gap in the sequence, a\n"
"       frame that is not this protocol, or a remote slot size smaller than the local one\n"
"    4  the peer on one side died: send's producers (SHMPC_EPEERDEAD), recv's consumers, or the\n"
"       remote bridge reported the same\n"
"    5  the receiving ring's consumers closed before the end of the stream (send closed its ring)\n"
"\n"
"EXAMPLE\n"
"    host B:  shmpc-bridge recv tcp://*:5555 jobs --create 1024:256 &  ./consumer --name jobs\n"
"    host A:  ./producer --name jobs &  shmpc-bridge send jobs tcp://hostB:5555\n";

/* The wire protocol: every frame starts with one type byte; integers in little-endian order. */
enum {
    F_HELLO = 'S',   /* send -> recv: u32 protocol version, u32 slot size of the sending ring */
    F_WELCOME = 'W', /* recv -> send: u32 slot size of the receiving ring, u32 initial credit */
    F_DATA = 'D',    /* send -> recv: u64 sequence number, then the message */
    F_CREDIT = 'C',  /* recv -> send: u32 more messages may be sent */
    F_END = 'E',     /* send -> recv: u64 messages sent; the sending ring's producers closed */
    F_ACK = 'A',     /* recv -> send: the end arrived, every message is in the ring, ring closed */
    F_QUIT = 'Q',    /* recv -> send: the receiving ring's consumers closed */
    F_DEAD = 'P',    /* either way: the peer on my ring died */
    F_BEAT = 'H'     /* either way: I am here */
};
#define PROTO_VERSION 1u
enum { EXIT_DONE = 0, EXIT_LOCAL = 1, EXIT_USAGE = 2, EXIT_LINK = 3, EXIT_PEERDEAD = 4, EXIT_QUIT = 5 };
#define SLICE_NS 20000000ll /* ring waits are cut into slices to keep the link alive */
#define BATCH_MAX 64u       /* messages per batch, and at most BATCH_BYTES of them */
#define BATCH_BYTES (4u << 20)

typedef struct bridge {
    const char *ring, *endpoint;
    int sending, bind, mpmc, quiet;
    uint32_t capacity, slot_size, window;
    int64_t timeout_ns, last_rx, last_tx;
    void *ctx, *sock;
    shmpc_ring r;
    unsigned char *buf;  /* send: `batch` frames of `frame` bytes: type, sequence number, message */
    size_t frame;
    uint32_t batch;      /* messages moved per ring call (one wake-up of the other side per batch) */
    uint64_t count, bytes;
    zmq_msg_t q[BATCH_MAX], ctl; /* recv: data frames held for one batch; both: the frame in hand */
    int msgs;                    /* q and ctl initialized */
} bridge;

static const char *me = "shmpc-bridge";

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static void put32(unsigned char *p, uint32_t v) { int i; for (i = 0; i < 4; i++) p[i] = (unsigned char)(v >> 8 * i); }
static void put64(unsigned char *p, uint64_t v) { int i; for (i = 0; i < 8; i++) p[i] = (unsigned char)(v >> 8 * i); }
static uint32_t get32(const unsigned char *p) { uint32_t v = 0; int i; for (i = 3; i >= 0; i--) v = v << 8 | p[i]; return v; }
static uint64_t get64(const unsigned char *p) { uint64_t v = 0; int i; for (i = 7; i >= 0; i--) v = v << 8 | p[i]; return v; }

/* Ends the run with status x. A bridge that did not finish its stream keeps its ring open: its
   handle dies with the process, and the ring's other side sees SHMPC_EPEERDEAD. */
static int finish(bridge *b, int x, const char *why, int rc) {
    if (why && rc) fprintf(stderr, "%s %s: %s: %s (%d)\n", me, b->sending ? "send" : "recv", why, shmpc_strerror(rc), rc);
    else if (why) fprintf(stderr, "%s %s: %s\n", me, b->sending ? "send" : "recv", why);
    if (!b->quiet)
        fprintf(stderr, "%s %s: %llu messages, %llu bytes\n", me, b->sending ? "send" : "recv",
                (unsigned long long)b->count, (unsigned long long)b->bytes);
    if (x == EXIT_DONE || x == EXIT_QUIT) shmpc_close(&b->r);
    if (b->msgs) {
        uint32_t i;
        for (i = 0; i < BATCH_MAX; i++) zmq_msg_close(&b->q[i]);
        zmq_msg_close(&b->ctl);
        b->msgs = 0;
    }
    if (b->sock) zmq_close(b->sock);
    if (b->ctx) zmq_ctx_term(b->ctx);
    free(b->buf);
    b->buf = NULL;
    return x;
}

/* Sends one frame; waits (keeping to the link timeout) while ZeroMQ's queue is full. 0 or -1. */
static int send_frame(bridge *b, const void *p, size_t n) {
    for (;;) {
        if (zmq_send(b->sock, p, n, ZMQ_DONTWAIT) >= 0) { b->last_tx = now_ns(); return 0; }
        if (errno != EAGAIN && errno != EINTR) return -1;
        if (now_ns() - b->last_rx > b->timeout_ns) return -1;
        { zmq_pollitem_t it = {b->sock, 0, ZMQ_POLLOUT, 0}; zmq_poll(&it, 1, 20); }
    }
}
static int send_small(bridge *b, int type, uint64_t v, size_t vbytes) {
    unsigned char f[16];
    f[0] = (unsigned char)type;
    if (vbytes == 4) put32(f + 1, (uint32_t)v);
    else if (vbytes == 8) put64(f + 1, v);
    return send_frame(b, f, 1 + vbytes);
}
/* A heartbeat if this side has been quiet for a quarter of the timeout. */
static void beat(bridge *b) {
    if (now_ns() - b->last_tx > b->timeout_ns / 4) send_small(b, F_BEAT, 0, 0);
}

/* Receives one frame into msg within ms milliseconds (0: do not wait). 1 got one, 0 none, -1 the
   link is dead (nothing heard for the timeout). */
static int recv_frame(bridge *b, zmq_msg_t *msg, long ms) {
    zmq_pollitem_t it = {b->sock, 0, ZMQ_POLLIN, 0};
    /* what is queued already, without a poll (no system call while frames keep coming) */
    if (zmq_msg_recv(msg, b->sock, ZMQ_DONTWAIT) >= 0 ||
        (ms > 0 && zmq_poll(&it, 1, ms) > 0 && zmq_msg_recv(msg, b->sock, ZMQ_DONTWAIT) >= 0)) {
        b->last_rx = now_ns();
        return 1;
    }
    return now_ns() - b->last_rx > b->timeout_ns ? -1 : 0;
}

static int setup(bridge *b) {
    int hwm = (int)(2u * b->window + 64u), linger = (int)(b->timeout_ns / 1000000);
    shmpc_opts o = SHMPC_OPTS_INIT;
    shmpc_status st;
    int role = b->sending ? SHMPC_CONSUMER : SHMPC_PRODUCER, rc;
    uint32_t i;
    if (b->capacity) {
        o.capacity = b->capacity; o.slot_size = b->slot_size; o.mode = b->mpmc ? SHMPC_MPMC : SHMPC_SPSC;
        rc = shmpc_create(&b->r, b->ring, &o, role);
    } else {
        rc = shmpc_open(&b->r, b->ring, role, b->timeout_ns);
    }
    if (rc != SHMPC_OK) { fprintf(stderr, "%s: ring %s: %s (%d)\n", me, b->ring, shmpc_strerror(rc), rc); return -1; }
    shmpc_stat(&b->r, &st);
    b->slot_size = st.slot_size;
    b->frame = (size_t)st.slot_size + 9u;
    b->batch = b->frame >= BATCH_BYTES ? 1u : (uint32_t)(BATCH_BYTES / b->frame);
    if (b->batch > BATCH_MAX) b->batch = BATCH_MAX;
    if (!(b->buf = malloc(b->frame * (b->sending ? b->batch : 1u)))) return -1;
    b->ctx = zmq_ctx_new();
    b->sock = b->ctx ? zmq_socket(b->ctx, ZMQ_DEALER) : NULL;
    if (!b->sock) { fprintf(stderr, "%s: zmq: %s\n", me, zmq_strerror(errno)); return -1; }
    zmq_setsockopt(b->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(b->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(b->sock, ZMQ_LINGER, &linger, sizeof linger);
    if ((b->bind ? zmq_bind(b->sock, b->endpoint) : zmq_connect(b->sock, b->endpoint)) != 0) {
        fprintf(stderr, "%s: %s %s: %s\n", me, b->bind ? "bind" : "connect", b->endpoint, zmq_strerror(errno));
        return -1;
    }
    for (i = 0; i < BATCH_MAX; i++) zmq_msg_init(&b->q[i]);
    zmq_msg_init(&b->ctl);
    b->msgs = 1;
    b->last_rx = b->last_tx = now_ns();
    return 0;
}

/* send: the sending ring to the socket. */
static int run_send(bridge *b) {
    zmq_msg_t *m = &b->ctl;
    uint32_t credit = 0;
    uint64_t seq = 0;
    int got_welcome = 0, rc;
    unsigned char hello[9];
    hello[0] = F_HELLO; put32(hello + 1, PROTO_VERSION); put32(hello + 5, b->slot_size);
    if (send_frame(b, hello, sizeof hello) != 0) return finish(b, EXIT_LINK, "cannot send the hello", 0);
    for (;;) {
        /* everything the other side said, without waiting unless there is nothing else to do */
        while ((rc = recv_frame(b, m, got_welcome && credit ? 0 : 20)) == 1) {
            const unsigned char *f = zmq_msg_data(m);
            size_t n = zmq_msg_size(m);
            if (n == 9 && f[0] == F_WELCOME && !got_welcome) {
                if (get32(f + 1) < b->slot_size) {
                    fprintf(stderr, "%s send: the remote ring's slot size %u is smaller than this ring's %u\n", me,
                            get32(f + 1), b->slot_size);
                    return finish(b, EXIT_LINK, NULL, 0);
                }
                credit += get32(f + 5);
                got_welcome = 1;
            } else if (n == 5 && f[0] == F_CREDIT && got_welcome) credit += get32(f + 1);
            else if (n == 1 && f[0] == F_BEAT) {}
            else if (n == 1 && f[0] == F_QUIT) return finish(b, EXIT_QUIT, "the remote ring's consumers closed: closing this ring", 0);
            else if (n == 1 && f[0] == F_DEAD) return finish(b, EXIT_PEERDEAD, "the remote ring's consumer died", 0);
            else return finish(b, EXIT_LINK, "a frame that is not this protocol", 0);
            if (credit) break;
        }
        if (rc < 0) return finish(b, EXIT_LINK, got_welcome ? "link lost: nothing from the other side within the timeout"
                                                         : "no answer from the other side within the timeout", 0);
        beat(b);
        if (!got_welcome || !credit) continue;
        {   /* a batch: as many as the credit allows, one wake-up of the producers for all */
            shmpc_iov iov[BATCH_MAX];
            uint32_t i, n = credit < b->batch ? credit : b->batch;
            for (i = 0; i < n; i++) { iov[i].base = b->buf + i * b->frame + 9; iov[i].len = b->slot_size; }
            rc = shmpc_pop_many_timed(&b->r, iov, n, SLICE_NS);
            for (i = 0; rc > 0 && i < (uint32_t)rc; i++) {
                unsigned char *f = b->buf + i * b->frame;
                f[0] = F_DATA;
                put64(f + 1, seq);
                if (send_frame(b, f, iov[i].len + 9u) != 0) return finish(b, EXIT_LINK, "link lost while sending", 0);
                seq++; credit--; b->count++; b->bytes += iov[i].len;
            }
            if (rc == SHMPC_ECLOSED) break;
            if (rc == SHMPC_EPEERDEAD) {
                send_small(b, F_DEAD, 0, 0);
                return finish(b, EXIT_PEERDEAD, "this ring's producers died", rc);
            }
            if (rc < 0 && rc != SHMPC_ETIMEDOUT) return finish(b, EXIT_LOCAL, "pop", rc);
        }
    }
    /* the end of the stream: say how many, wait for the other side to confirm */
    if (send_small(b, F_END, seq, 8) != 0) return finish(b, EXIT_LINK, "link lost while sending the end", 0);
    for (;;) {
        rc = recv_frame(b, m, 20);
        if (rc < 0) return finish(b, EXIT_LINK, "link lost before the end was confirmed", 0);
        beat(b);
        if (rc == 0) continue;
        if (zmq_msg_size(m) == 1 && ((const unsigned char *)zmq_msg_data(m))[0] == F_ACK) break;
    }
    return finish(b, EXIT_DONE, NULL, 0);
}

/* recv: credit back in quarters of the window. One try, never a wait: where the frame cannot go now
   (the sender is gone, its frames not all read yet; or ZeroMQ reconnecting), the credit stays in
   *granted for the next try, and the frames still to read (the sender's last word) or the link's
   timeout decide the exit. */
static void grant(bridge *b, uint32_t *granted) {
    unsigned char f[5];
    if (*granted < (b->window + 3u) / 4u) return;
    f[0] = F_CREDIT; put32(f + 1, *granted);
    if (zmq_send(b->sock, f, sizeof f, ZMQ_DONTWAIT) < 0) return;
    b->last_tx = now_ns();
    *granted = 0;
}

/* recv: pushes the n data frames q[0..n) into the ring (one wake-up of the consumers per batch),
   waiting in slices while it is full and keeping the link alive; grants credit for them. 0, or the
   exit status. */
static int flush(bridge *b, zmq_msg_t *q, uint32_t n, uint32_t *granted) {
    shmpc_iov iov[BATCH_MAX];
    uint32_t i, done = 0;
    for (i = 0; i < n; i++) {
        iov[i].base = (unsigned char *)zmq_msg_data(&q[i]) + 9;
        iov[i].len = zmq_msg_size(&q[i]) - 9u;
    }
    while (done < n) {
        int rc = shmpc_push_many_timed(&b->r, iov + done, n - done, SLICE_NS);
        if (rc == SHMPC_ETIMEDOUT) { beat(b); continue; }
        if (rc == SHMPC_ECLOSED) {
            send_small(b, F_QUIT, 0, 0);
            return finish(b, EXIT_QUIT, "this ring's consumers closed: told the sender", 0);
        }
        if (rc == SHMPC_EPEERDEAD) {
            send_small(b, F_DEAD, 0, 0);
            return finish(b, EXIT_PEERDEAD, "this ring's consumers died", rc);
        }
        if (rc < 0) return finish(b, EXIT_LOCAL, "push", rc);
        for (i = done; i < done + (uint32_t)rc; i++) { b->count++; b->bytes += iov[i].len; }
        done += (uint32_t)rc;
        *granted += (uint32_t)rc;
        grant(b, granted);
    }
    return 0;
}

/* recv: the socket to the receiving ring. */
static int run_recv(bridge *b) {
    zmq_msg_t *q = b->q, *ctl = &b->ctl;
    uint64_t seq = 0;
    uint32_t granted = 0, n = 0; /* granted: pushed since the last credit; n: data frames held */
    int rc, x;
    /* the hello, within the timeout */
    for (;;) {
        rc = recv_frame(b, ctl, 20);
        if (rc < 0) return finish(b, EXIT_LINK, "no sender within the timeout", 0);
        if (rc == 0) continue;
        if (zmq_msg_size(ctl) == 9 && ((unsigned char *)zmq_msg_data(ctl))[0] == F_HELLO &&
            get32((unsigned char *)zmq_msg_data(ctl) + 1) == PROTO_VERSION)
            break;
        return finish(b, EXIT_LINK, "a frame that is not this protocol's hello", 0);
    }
    {
        unsigned char w[9];
        w[0] = F_WELCOME; put32(w + 1, b->slot_size); put32(w + 5, b->window);
        if (send_frame(b, w, sizeof w) != 0) return finish(b, EXIT_LINK, "cannot answer the hello", 0);
    }
    for (;;) {
        const unsigned char *f = NULL;
        size_t len = 0;
        /* gather data frames while they keep coming (up to a batch), wait only with none held */
        rc = recv_frame(b, &q[n], n ? 0 : 20);
        if (rc < 0) return finish(b, EXIT_LINK, "link lost: nothing from the other side within the timeout", 0);
        beat(b);
        if (rc == 1) {
            f = zmq_msg_data(&q[n]);
            len = zmq_msg_size(&q[n]);
            if (len >= 9 && f[0] == F_DATA) {
                if (get64(f + 1) != seq) {
                    fprintf(stderr, "%s recv: message %llu arrived where %llu was due: messages were lost\n", me,
                            (unsigned long long)get64(f + 1), (unsigned long long)seq);
                    return finish(b, EXIT_LINK, NULL, 0);
                }
                if (len - 9u > b->slot_size) return finish(b, EXIT_LINK, "a message larger than this ring's slot size", 0);
                seq++;
                if (++n < b->batch) continue;
                f = NULL;
            } else {
                zmq_msg_move(ctl, &q[n]); /* handled after the data held before it */
                f = zmq_msg_data(ctl);
                len = zmq_msg_size(ctl);
            }
        }
        if (n) {
            if ((x = flush(b, q, n, &granted)) != 0) return x;
            n = 0;
        }
        if (rc == 0) { /* idle: credit that could not go before; the ring's consumers may have ended their side */
            shmpc_status st;
            grant(b, &granted);
            if (shmpc_stat(&b->r, &st) == SHMPC_OK && (st.ends & 2u)) {
                send_small(b, F_QUIT, 0, 0);
                return finish(b, EXIT_QUIT, "this ring's consumers closed: told the sender", 0);
            }
        }
        if (!f) continue;
        if (len == 9 && f[0] == F_END) {
            if (get64(f + 1) != seq) {
                fprintf(stderr, "%s recv: the sender sent %llu messages, %llu arrived\n", me,
                        (unsigned long long)get64(f + 1), (unsigned long long)seq);
                return finish(b, EXIT_LINK, NULL, 0);
            }
            shmpc_close(&b->r); /* this ring's consumers drain it, then get SHMPC_ECLOSED */
            send_small(b, F_ACK, 0, 0);
            return finish(b, EXIT_DONE, NULL, 0);
        }
        if (len == 1 && f[0] == F_DEAD)
            return finish(b, EXIT_PEERDEAD, "the remote ring's producers died: leaving this ring without closing it", 0);
        if (!(len == 1 && f[0] == F_BEAT)) return finish(b, EXIT_LINK, "a frame that is not this protocol", 0);
    }
}

static int usage_error(const char *what) {
    fprintf(stderr, "%s: %s\nusage: %s send RING ENDPOINT [OPTIONS] | recv ENDPOINT RING [OPTIONS]; see --help\n", me, what, me);
    return EXIT_USAGE;
}

int main(int argc, char **argv) {
    bridge b;
    int i, bind = -1;
    memset(&b, 0, sizeof b);
    b.window = 1024;
    b.timeout_ns = 10000000000ll;
    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(usage_text, stdout); return 0; }
    if (argc < 4) return usage_error("missing arguments");
    if (!strcmp(argv[1], "send")) { b.sending = 1; b.ring = argv[2]; b.endpoint = argv[3]; }
    else if (!strcmp(argv[1], "recv")) { b.endpoint = argv[2]; b.ring = argv[3]; }
    else return usage_error("the first argument is send or recv");
    for (i = 4; i < argc; i++) {
        const char *o = argv[i];
        char *end;
        if (!strcmp(o, "--bind")) bind = 1;
        else if (!strcmp(o, "--connect")) bind = 0;
        else if (!strcmp(o, "--mpmc")) b.mpmc = 1;
        else if (!strcmp(o, "--quiet")) b.quiet = 1;
        else if (i + 1 >= argc) return usage_error("an option lacks its value");
        else if (!strcmp(o, "--create")) {
            unsigned long c = strtoul(argv[++i], &end, 10), s;
            if (*end != ':') return usage_error("--create wants CAPACITY:SLOT_SIZE");
            s = strtoul(end + 1, &end, 10);
            if (*end || !c || !s || c > 0x80000000ul || s > SHMPC_MAX_SLOT) return usage_error("--create wants CAPACITY:SLOT_SIZE");
            b.capacity = (uint32_t)c; b.slot_size = (uint32_t)s;
        } else if (!strcmp(o, "--window")) {
            unsigned long w = strtoul(argv[++i], &end, 10);
            if (*end || w == 0 || w > 1000000ul) return usage_error("--window wants 1..1000000");
            b.window = (uint32_t)w;
        } else if (!strcmp(o, "--timeout")) {
            double t = strtod(argv[++i], &end);
            if (*end || !(t > 0.0) || t > 86400.0) return usage_error("--timeout wants seconds, > 0");
            b.timeout_ns = (int64_t)(t * 1e9);
        } else return usage_error("unknown option");
    }
    if (b.mpmc && !b.capacity) return usage_error("--mpmc goes with --create");
    b.bind = bind >= 0 ? bind : !b.sending;
    signal(SIGPIPE, SIG_IGN);
    if (setup(&b) != 0) return finish(&b, EXIT_LOCAL, NULL, 0);
    return b.sending ? run_send(&b) : run_recv(&b);
}
