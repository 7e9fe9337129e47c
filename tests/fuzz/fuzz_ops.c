/* fuzz_ops.c - libFuzzer harness 1: a segment built from the input (a valid ring, then any bytes
   of its header, indices, slots and peer table overwritten), then a sequence of operations decoded
   from the input, through the public API, on up to four handles (producers, consumers, observer),
   with more scribbling between operations. Nothing may read or write outside the mapping (ASan),
   overflow or divide by zero (UBSan), loop without bound (libFuzzer -timeout), return a length
   larger than the buffer or the slot, or a pointer outside the mapping (checked here). */
#include "fuzz_common.h"

#define NH 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz f = {data, size, 0};
    fz_seg s;
    shmpc_ring h[NH];
    unsigned char buf[160];
    int steps = 0, i;
    memset(h, 0, sizeof h);
    for (i = 0; i < NH; i++) h[i].peer = -1;
    if (!fz_build(&f, &s)) return 0;
    while (fz_more(&f) && steps++ < 256) {
        uint8_t op = fz_u8(&f), arg = fz_u8(&f);
        shmpc_ring *r = &h[op >> 6 & (NH - 1)];
        int rc = 0;
        size_t n = 0;
        switch (op & 15u) {
        case 0: { /* attach: role from arg, registered id 1..8, start time 0 or from the input */
            int role = (arg & 3u) == 0u ? SHMPC_OBSERVER : (arg & 1u) ? SHMPC_PRODUCER : SHMPC_CONSUMER;
            if (r->seg) shmpc_close(r);
            rc = shmpc_attach_id(r, s.mem, s.size, role, (uint32_t)(arg >> 2 & 7u) + 1u, (arg & 0x80u) ? fz_u32(&f) : 0u);
            fz_rc(rc, "attach");
            break;
        }
        case 1: /* try_push, length up to 80 (more than any slot) */
            n = arg % 81u;
            memset(buf, arg, n);
            fz_rc(shmpc_try_push(r, buf, n), "try_push");
            break;
        case 2: { /* try_pop into a buffer of `arg` bytes (<= 160) */
            size_t cap = arg % 161u, len = 12345;
            rc = shmpc_try_pop(r, buf, cap, &len);
            fz_rc(rc, "try_pop");
            if (rc == SHMPC_OK && len > cap) FZ_FAIL("pop: length %zu > buffer %zu", len, cap);
            if (rc == SHMPC_OK && len > s.slot_size) FZ_FAIL("pop: length %zu > slot %u", len, s.slot_size);
            break;
        }
        case 3: { /* reserve, fill the whole room, maybe commit */
            void *b = NULL; size_t room = 0;
            rc = shmpc_try_reserve(r, &b, &room);
            fz_rc(rc, "reserve");
            if (rc == SHMPC_OK) {
                fz_inside(&s, b, room, "reserve");
                memset(b, 0xA5, room);
                if (arg & 1u) fz_rc(shmpc_commit(r, arg % 80u), "commit");
            }
            break;
        }
        case 4:
            fz_rc(shmpc_commit(r, arg % 80u), "commit");
            break;
        case 5: { /* peek, read every byte of the message, maybe release */
            const void *m = NULL; size_t len = 0, k; unsigned sum = 0;
            rc = shmpc_try_peek(r, &m, &len);
            fz_rc(rc, "peek");
            if (rc == SHMPC_OK) {
                if (len > s.slot_size) FZ_FAIL("peek: length %zu > slot %u", len, s.slot_size);
                fz_inside(&s, m, len, "peek");
                for (k = 0; k < len; k++) sum += ((const unsigned char *)m)[k];
                (void)sum;
                if (arg & 1u) fz_rc(shmpc_release(r), "release");
            }
            break;
        }
        case 6:
            fz_rc(shmpc_release(r), "release");
            break;
        case 7: { /* push_many: up to 8 messages of decoded lengths */
            shmpc_iov v[8]; size_t k, cnt = (size_t)(arg & 7u) + 1u;
            for (k = 0; k < cnt; k++) { v[k].base = buf; v[k].len = fz_u8(&f) % 81u; }
            rc = shmpc_try_push_many(r, v, cnt);
            fz_rc(rc, "push_many");
            if (rc > (int)cnt) FZ_FAIL("push_many: %d > %zu", rc, cnt);
            break;
        }
        case 8: { /* pop_many into up to 8 buffers of decoded sizes */
            unsigned char bb[8][64]; shmpc_iov v[8]; size_t k, cnt = (size_t)(arg & 7u) + 1u, caps[8];
            for (k = 0; k < cnt; k++) { v[k].base = bb[k]; v[k].len = caps[k] = fz_u8(&f) % 65u; }
            rc = shmpc_try_pop_many(r, v, cnt);
            fz_rc(rc, "pop_many");
            if (rc > (int)cnt) FZ_FAIL("pop_many: %d > %zu", rc, cnt);
            for (k = 0; rc > 0 && k < (size_t)rc; k++)
                if (v[k].len > caps[k]) FZ_FAIL("pop_many: message %zu length %zu > buffer %zu", k, v[k].len, caps[k]);
            break;
        }
        case 9:
            fz_rc(shmpc_close(r), "close");
            break;
        case 10: case 11: { /* scribble: a hostile peer writes anywhere in the segment */
            size_t off = ((size_t)arg << 8 | fz_u8(&f)) % s.size, len = (size_t)(fz_u8(&f) & 15u) + 1u, k;
            for (k = 0; k < len && off + k < s.size; k++) s.mem[off + k] = fz_u8(&f);
            break;
        }
        case 12: { /* stat and peers */
            shmpc_status st; shmpc_peer_status ps[SHMPC_MAX_PEERS];
            fz_rc(shmpc_stat(r, &st), "stat");
            rc = shmpc_peers(r, ps, arg % (SHMPC_MAX_PEERS + 1));
            fz_rc(rc, "peers");
            if (rc > (int)(arg % (SHMPC_MAX_PEERS + 1))) FZ_FAIL("peers: %d entries", rc);
            break;
        }
        case 13: { /* blocking calls with a short timeout: the sleep path over hostile bytes */
            size_t len = 0;
            int64_t t = (int64_t)(arg & 3u) * 30000;
            if (arg & 4u) rc = shmpc_push_timed(r, buf, arg % 81u, t);
            else {
                rc = shmpc_pop_timed(r, buf, sizeof buf, &len, t);
                if (rc == SHMPC_OK && len > s.slot_size) FZ_FAIL("pop_timed: length %zu", len);
            }
            fz_rc(rc, "timed");
            break;
        }
        default: { /* attach through the OS form (this pid, real start time) */
            if (r->seg) shmpc_close(r);
            fz_rc(shmpc_attach(r, s.mem, s.size, (arg & 1u) ? SHMPC_PRODUCER : SHMPC_CONSUMER), "attach");
            break;
        }
        }
    }
    for (i = 0; i < NH; i++) if (h[i].seg) shmpc_close(&h[i]);
    free(s.mem);
    return 0;
}
