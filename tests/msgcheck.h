/* Checksummed test messages, shared by the third-party peer check and the bridge test. Message i has
   a length drawn from i (16 .. max bytes), i itself in its first 8 bytes, bytes drawn from i after
   that, and the FNV-1a 64 hash of everything before them in its last 8 bytes: a receiver checks the
   order (i), the boundary (length), and the content (hash) without knowing the sender's state.
   Plain C, no shmpc.h: the third-party peer uses it too. */
#ifndef SHMPC_TESTS_MSGCHECK_H
#define SHMPC_TESTS_MSGCHECK_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static uint64_t msgcheck_fnv(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    size_t k;
    for (k = 0; k < n; k++) h = (h ^ p[k]) * 0x100000001b3ull;
    return h;
}

/* Writes message i (max >= 16 bytes fit in buf) and returns its length. */
static size_t msgcheck_make(unsigned char *buf, size_t max, uint64_t i) {
    size_t len = 16u + (size_t)((i * 2654435761ull) % (uint64_t)(max - 15u)), k;
    uint64_t x = i * 0x9E3779B97F4A7C15ull + 1u, h;
    memcpy(buf, &i, 8);
    for (k = 8; k < len - 8u; k++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        buf[k] = (unsigned char)x;
    }
    h = msgcheck_fnv(buf, len - 8u);
    memcpy(buf + len - 8u, &h, 8);
    return len;
}

/* 0 if buf[0..len) is message `want`, else a short reason. */
static const char *msgcheck_bad(const unsigned char *buf, size_t len, uint64_t want) {
    uint64_t i, h;
    if (len < 16u) return "too short";
    memcpy(&i, buf, 8);
    if (i != want) return "out of order";
    memcpy(&h, buf + len - 8u, 8);
    if (h != msgcheck_fnv(buf, len - 8u)) return "bad checksum";
    return 0;
}
#endif
