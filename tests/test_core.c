/* Suite "core": single process, both modes - FIFO order, wrap-around over many laps, fill level,
   the zero-copy and batch APIs, every placement, close/drain, role refusal, timeouts. */
#include "pair.h"
#include <sys/stat.h>

/* Messages of every length 0..slot_size come out in the order they went in, bytes intact. */
START_TEST(fifo_order_and_content_survive_the_wrap) {
    t_pair t;
    unsigned char in[64], out[64];
    uint64_t k, next = 0;
    size_t n;
    t_pair_open(&t, 8, 40, t_mode(_i));
    for (k = 0; k < 200; k++) {
        n = t_fill(in, k, 40);
        ck_assert_rc(shmpc_try_push(&t.p, in, n), SHMPC_OK);
        if (k % 3 == 2) { /* drain in bursts so the fill level varies */
            while (shmpc_try_pop(&t.c, out, sizeof out, &n) == SHMPC_OK) {
                ck_assert_msg(t_check(out, n, next, 40), "message %llu corrupted or out of order", (unsigned long long)next);
                next++;
            }
        }
    }
    while (shmpc_try_pop(&t.c, out, sizeof out, &n) == SHMPC_OK) { ck_assert(t_check(out, n, next, 40)); next++; }
    ck_assert_uint_eq(next, 200);
    t_pair_close(&t);
}
END_TEST

/* Every length 0..130 comes out intact through the copy and the batch calls, and no byte of the
   receiving buffer past the message is written (small sizes are copied without memcpy). */
START_TEST(every_length_is_copied_exactly) {
    t_pair t;
    unsigned char in[130], out[160];
    size_t n, len, i;
    t_pair_open(&t, 4, 130, t_mode(_i));
    for (n = 0; n <= sizeof in; n++) {
        shmpc_iov v;
        for (i = 0; i < n; i++) in[i] = (unsigned char)(n * 7u + i + 1u);
        memset(out, 0xEE, sizeof out);
        ck_assert_rc(shmpc_try_push(&t.p, in, n), SHMPC_OK);
        ck_assert_rc(shmpc_try_pop(&t.c, out, sizeof out, &len), SHMPC_OK);
        ck_assert_uint_eq(len, n);
        ck_assert_msg(memcmp(out, in, n) == 0, "length %zu: bytes differ", n);
        for (i = n; i < sizeof out; i++) ck_assert_msg(out[i] == 0xEE, "length %zu: byte %zu written", n, i);
        memset(out, 0xEE, sizeof out);
        v.base = in;
        v.len = n;
        ck_assert_int_eq(shmpc_try_push_many(&t.p, &v, 1), 1);
        v.base = out;
        v.len = sizeof out;
        ck_assert_int_eq(shmpc_try_pop_many(&t.c, &v, 1), 1);
        ck_assert_uint_eq(v.len, n);
        ck_assert_msg(memcmp(out, in, n) == 0, "batch, length %zu: bytes differ", n);
        for (i = n; i < sizeof out; i++) ck_assert_msg(out[i] == 0xEE, "batch, length %zu: byte %zu written", n, i);
    }
    t_pair_close(&t);
}
END_TEST

/* Thousands of full laps of a small ring: the indices wrap at 2^32 and every lap stays FIFO. */
START_TEST(many_full_laps_cross_the_index_wrap) {
    t_pair t;
    shmpc_status st;
    uint32_t lap, i, v, got;
    size_t n;
    t_pair_open(&t, 4, 8, t_mode(_i));
    ck_assert_rc(shmpc_stat(&t.c, &st), SHMPC_OK);
    ck_assert_uint_eq(st.head, T_START);
    for (lap = 0; lap < 5000; lap++) {
        for (i = 0; i < 4; i++) { v = lap * 4 + i; ck_assert_rc(shmpc_try_push(&t.p, &v, sizeof v), SHMPC_OK); }
        ck_assert_rc(shmpc_try_push(&t.p, &v, sizeof v), SHMPC_EFULL);
        for (i = 0; i < 4; i++) {
            ck_assert_rc(shmpc_try_pop(&t.c, &got, sizeof got, &n), SHMPC_OK);
            ck_assert_uint_eq(n, 4); ck_assert_uint_eq(got, lap * 4 + i);
        }
        ck_assert_rc(shmpc_try_pop(&t.c, &got, sizeof got, &n), SHMPC_EEMPTY);
    }
    ck_assert_rc(shmpc_stat(&t.c, &st), SHMPC_OK);
    ck_assert_uint_eq(st.head, (uint32_t)(T_START + 20000u)); /* wrapped: now a small number */
    ck_assert_uint_lt(st.head, T_START);
    ck_assert_uint_eq(st.fill, 0);
    t_pair_close(&t);
}
END_TEST

/* The fill level is exact after every operation, at 0, in between and at capacity. */
START_TEST(fill_level_tracks_every_push_and_pop) {
    t_pair t;
    uint32_t i, v = 7;
    size_t n;
    t_pair_open(&t, 16, 4, t_mode(_i));
    for (i = 0; i < 16; i++) {
        ck_assert_uint_eq(t_fill_level(&t.p), i);
        ck_assert_rc(shmpc_try_push(&t.p, &v, sizeof v), SHMPC_OK);
    }
    ck_assert_uint_eq(t_fill_level(&t.c), 16);
    ck_assert_rc(shmpc_try_push(&t.p, &v, sizeof v), SHMPC_EFULL);
    ck_assert_uint_eq(t_fill_level(&t.c), 16);
    for (i = 16; i > 0; i--) {
        ck_assert_rc(shmpc_try_pop(&t.c, &v, sizeof v, &n), SHMPC_OK);
        ck_assert_uint_eq(t_fill_level(&t.c), i - 1);
    }
    ck_assert_rc(shmpc_try_pop(&t.c, &v, sizeof v, &n), SHMPC_EEMPTY);
    t_pair_close(&t);
}
END_TEST

/* reserve/commit and peek/release move messages in place, interleaved with copies, in order. */
START_TEST(zero_copy_reserve_commit_peek_release_keep_fifo) {
    t_pair t;
    unsigned char out[32];
    uint64_t k, next = 0;
    size_t n, room;
    void *w;
    const void *m;
    t_pair_open(&t, 4, 32, t_mode(_i));
    for (k = 0; k < 64; k++) {
        unsigned char tmp[32];
        if (k % 2) {
            ck_assert_rc(shmpc_try_reserve(&t.p, &w, &room), SHMPC_OK);
            ck_assert_uint_eq(room, 32);
            n = t_fill((unsigned char *)w, k, 32);
            ck_assert_rc(shmpc_commit(&t.p, n), SHMPC_OK);
        } else {
            n = t_fill(tmp, k, 32);
            ck_assert_rc(shmpc_try_push(&t.p, tmp, n), SHMPC_OK);
        }
        if (k % 4 == 3) {
            while (t_fill_level(&t.c) > 0) {
                if (next % 3 == 0) {
                    ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_OK);
                    ck_assert(t_check((const unsigned char *)m, n, next, 32));
                    ck_assert_rc(shmpc_release(&t.c), SHMPC_OK);
                } else {
                    ck_assert_rc(shmpc_try_pop(&t.c, out, sizeof out, &n), SHMPC_OK);
                    ck_assert(t_check(out, n, next, 32));
                }
                next++;
            }
        }
    }
    ck_assert_uint_eq(next, 64);
    t_pair_close(&t);
}
END_TEST

/* Batches: as many as fit, in order; a batch larger than the free room is cut, not refused. */
START_TEST(batches_move_a_prefix_in_order) {
    t_pair t;
    uint32_t vals[10], outv[10], i, lap, next = 0;
    shmpc_iov iov[10];
    int n;
    t_pair_open(&t, 8, 4, t_mode(_i));
    for (lap = 0; lap < 100; lap++) {
        for (i = 0; i < 10; i++) { vals[i] = lap * 10 + i; iov[i].base = &vals[i]; iov[i].len = 4; }
        n = shmpc_try_push_many(&t.p, iov, 10);
        ck_assert_int_eq(n, 8); /* the ring is empty at each lap start: 8 fit, 2 do not */
        ck_assert_rc(shmpc_try_push_many(&t.p, iov, 10), SHMPC_EFULL);
        for (i = 0; i < 10; i++) { iov[i].base = &outv[i]; iov[i].len = 4; }
        n = shmpc_try_pop_many(&t.c, iov, 3);
        ck_assert_int_eq(n, 3);
        for (i = 0; i < 3; i++) { ck_assert_uint_eq(iov[i].len, 4); ck_assert_uint_eq(outv[i], lap * 10 + i); }
        for (i = 0; i < 10; i++) { iov[i].base = &outv[i]; iov[i].len = 4; }
        n = shmpc_try_pop_many(&t.c, iov, 10);
        ck_assert_int_eq(n, 5);
        for (i = 0; i < 5; i++) ck_assert_uint_eq(outv[i], lap * 10 + 3 + i);
        ck_assert_rc(shmpc_try_pop_many(&t.c, iov, 10), SHMPC_EEMPTY);
        next += 8;
    }
    ck_assert_uint_eq(next, 800);
    t_pair_close(&t);
}
END_TEST

/* One message through each placement: named POSIX, SysV key, anonymous, caller memory. */
static void exchange(shmpc_ring *p, shmpc_ring *c) {
    char buf[16];
    size_t n;
    ck_assert_rc(shmpc_try_push(p, "placement", 9), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(c, buf, sizeof buf, &n), SHMPC_OK);
    ck_assert_uint_eq(n, 9);
    ck_assert_mem_eq(buf, "placement", 9);
}

START_TEST(every_placement_carries_messages) {
    char nm[96];
    shmpc_ring p, c;
    shmpc_opts o = t_opts(8, 16, t_mode(_i));
    void *mem;
    size_t size;
    long key = 0x5A000000L | (long)(getpid() & 0xFFFFF);
    /* named POSIX */
    t_name(nm, "place");
    ck_assert_rc(shmpc_create(&p, nm, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_open(&c, nm, SHMPC_CONSUMER, 0), SHMPC_OK);
    exchange(&p, &c);
    ck_assert_rc(shmpc_close(&p), SHMPC_OK); ck_assert_rc(shmpc_close(&c), SHMPC_OK);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_OK);
    ck_assert_rc(shmpc_open(&c, nm, SHMPC_CONSUMER, 0), SHMPC_ENOENT);
    /* "/name" is the same segment as "name" */
    ck_assert_rc(shmpc_create(&p, nm, &o, SHMPC_PRODUCER), SHMPC_OK);
    { char slash[100]; snprintf(slash, sizeof slash, "/%s", nm);
      ck_assert_rc(shmpc_open(&c, slash, SHMPC_CONSUMER, 0), SHMPC_OK); }
    exchange(&p, &c);
    shmpc_close(&p); shmpc_close(&c);
    ck_assert_rc(shmpc_unlink(nm), SHMPC_OK);
    /* SysV */
    shmpc_unlink_sysv(key); /* leftover from an earlier crashed run, if any */
    ck_assert_rc(shmpc_create_sysv(&p, key, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_open_sysv(&c, key, SHMPC_CONSUMER, 0), SHMPC_OK);
    exchange(&p, &c);
    shmpc_close(&p); shmpc_close(&c);
    ck_assert_rc(shmpc_unlink_sysv(key), SHMPC_OK);
    ck_assert_rc(shmpc_open_sysv(&c, key, SHMPC_CONSUMER, 0), SHMPC_ENOENT);
    /* anonymous */
    ck_assert_rc(shmpc_create_anon(&o, &mem, &size), SHMPC_OK);
    ck_assert_uint_ge(size, shmpc_footprint(8, 16));
    ck_assert_rc(shmpc_attach(&p, mem, size, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_attach(&c, mem, size, SHMPC_CONSUMER), SHMPC_OK);
    exchange(&p, &c);
    shmpc_close(&p); shmpc_close(&c);
    ck_assert_rc(shmpc_free_anon(mem, size), SHMPC_OK);
    /* caller memory */
    size = shmpc_footprint(8, 16);
    mem = t_mem(size);
    ck_assert_rc(shmpc_format(mem, size, &o), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&p, mem, size, SHMPC_PRODUCER, 7u, 0u), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&c, mem, size, SHMPC_CONSUMER, 8u, 0u), SHMPC_OK);
    exchange(&p, &c);
    shmpc_close(&p); shmpc_close(&c);
    free(mem);
}
END_TEST

/* A named segment is created 0600 unless asked, and with the mode asked otherwise. */
START_TEST(named_segment_permissions_default_0600) {
    char nm[96], path[128];
    shmpc_ring p;
    shmpc_opts o = t_opts(4, 8, SHMPC_SPSC);
    struct stat sb;
    t_name(nm, "perm");
    snprintf(path, sizeof path, "/dev/shm/%s", nm);
    ck_assert_rc(shmpc_create(&p, nm, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777u, 0600u);
    shmpc_close(&p); shmpc_unlink(nm);
    o.perm = 0640;
    ck_assert_rc(shmpc_create(&p, nm, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777u, 0640u);
    shmpc_close(&p); shmpc_unlink(nm);
}
END_TEST

/* End of stream: the producer closes; the consumer drains what is left, then gets ECLOSED (try,
   blocking, timed, peek, batch); a consumer's close makes the producer's pushes ECLOSED. */
START_TEST(close_lets_the_consumer_drain_then_reports_closed) {
    t_pair t;
    uint32_t v, i;
    size_t n;
    const void *m;
    shmpc_iov iov = {&v, sizeof v};
    shmpc_status st;
    t_pair_open(&t, 8, 4, t_mode(_i));
    for (i = 0; i < 5; i++) ck_assert_rc(shmpc_try_push(&t.p, &i, sizeof i), SHMPC_OK);
    ck_assert_rc(shmpc_close(&t.p), SHMPC_OK);
    ck_assert_rc(shmpc_stat(&t.c, &st), SHMPC_OK);
    ck_assert_uint_eq(st.ends, 1); ck_assert_uint_eq(st.producers, 0); ck_assert_uint_eq(st.state, 1);
    for (i = 0; i < 5; i++) {
        ck_assert_rc(shmpc_pop(&t.c, &v, sizeof v, &n), SHMPC_OK);
        ck_assert_uint_eq(v, i);
    }
    ck_assert_rc(shmpc_try_pop(&t.c, &v, sizeof v, &n), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_pop(&t.c, &v, sizeof v, &n), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_pop_timed(&t.c, &v, sizeof v, &n, 1000000000), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_try_pop_many(&t.c, &iov, 1), SHMPC_ECLOSED);
    /* once the producer side has closed, nobody attaches as producer again */
    ck_assert_rc(shmpc_attach_id(&t.p, t.mem, t.size, SHMPC_PRODUCER, 103u, 0u), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_close(&t.c), SHMPC_OK);
    {   /* both sides closed: state 2 */
        shmpc_ring obs;
        ck_assert_rc(shmpc_attach_id(&obs, t.mem, t.size, SHMPC_OBSERVER, 0u, 0u), SHMPC_OK);
        ck_assert_rc(shmpc_stat(&obs, &st), SHMPC_OK);
        ck_assert_uint_eq(st.state, 2); ck_assert_uint_eq(st.ends, 3);
        shmpc_close(&obs);
    }
    free(t.mem);
}
END_TEST

START_TEST(consumer_close_stops_the_producer) {
    t_pair t;
    uint32_t v = 1;
    void *w;
    size_t room;
    shmpc_iov iov = {&v, sizeof v};
    t_pair_open(&t, 4, 4, t_mode(_i));
    ck_assert_rc(shmpc_try_push(&t.p, &v, sizeof v), SHMPC_OK);
    ck_assert_rc(shmpc_close(&t.c), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&t.p, &v, sizeof v), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_push(&t.p, &v, sizeof v), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_push_timed(&t.p, &v, sizeof v, 1000000), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_try_reserve(&t.p, &w, &room), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_try_push_many(&t.p, &iov, 1), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_attach_id(&t.c, t.mem, t.size, SHMPC_CONSUMER, 104u, 0u), SHMPC_ECLOSED);
    t_pair_close(&t);
}
END_TEST

/* Closing with a reservation or a peek outstanding does not wedge the ring. */
START_TEST(close_with_pending_reserve_or_peek_keeps_the_ring_moving) {
    t_pair t;
    void *w;
    const void *m;
    size_t room, n;
    uint32_t v = 5;
    t_pair_open(&t, 4, 4, t_mode(_i));
    ck_assert_rc(shmpc_try_push(&t.p, &v, sizeof v), SHMPC_OK);
    ck_assert_rc(shmpc_try_reserve(&t.p, &w, &room), SHMPC_OK);
    ck_assert_rc(shmpc_close(&t.p), SHMPC_OK);
    ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_OK);
    ck_assert_uint_eq(n, 4); ck_assert_mem_eq(m, &v, 4);
    ck_assert_rc(shmpc_release(&t.c), SHMPC_OK);
    /* the reservation is discarded in both modes: no message of 0 bytes (MPMC once delivered one) */
    ck_assert_rc(shmpc_try_pop(&t.c, &v, sizeof v, &n), SHMPC_ECLOSED);
    t_pair_close(&t);
}
END_TEST

/* Roles: SPSC refuses a second producer or consumer; MPMC takes several; wrong-role calls fail. */
START_TEST(spsc_refuses_a_second_producer_or_consumer) {
    t_pair t;
    shmpc_ring x;
    t_pair_open(&t, 4, 4, SHMPC_SPSC);
    ck_assert_rc(shmpc_attach_id(&x, t.mem, t.size, SHMPC_PRODUCER, 201u, 0u), SHMPC_EROLE);
    ck_assert_rc(shmpc_attach_id(&x, t.mem, t.size, SHMPC_CONSUMER, 202u, 0u), SHMPC_EROLE);
    /* an observer is not a producer or consumer: always admitted */
    ck_assert_rc(shmpc_attach_id(&x, t.mem, t.size, SHMPC_OBSERVER, 0u, 0u), SHMPC_OK);
    shmpc_close(&x);
    t_pair_close(&t);
}
END_TEST

START_TEST(mpmc_accepts_several_producers_and_consumers) {
    t_pair t;
    shmpc_ring p2, c2;
    shmpc_status st;
    uint32_t v;
    size_t n;
    t_pair_open(&t, 4, 4, SHMPC_MPMC);
    ck_assert_rc(shmpc_attach_id(&p2, t.mem, t.size, SHMPC_PRODUCER, 301u, 0u), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&c2, t.mem, t.size, SHMPC_CONSUMER, 302u, 0u), SHMPC_OK);
    ck_assert_rc(shmpc_stat(&t.p, &st), SHMPC_OK);
    ck_assert_uint_eq(st.producers, 2); ck_assert_uint_eq(st.consumers, 2); ck_assert_uint_eq(st.peers, 4);
    v = 1; ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    v = 2; ck_assert_rc(shmpc_try_push(&p2, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&c2, &v, 4, &n), SHMPC_OK); ck_assert_uint_eq(v, 1);
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_OK); ck_assert_uint_eq(v, 2);
    /* one producer closing does not end the stream; the last one does */
    ck_assert_rc(shmpc_close(&p2), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_EEMPTY);
    ck_assert_rc(shmpc_close(&t.p), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_ECLOSED);
    ck_assert_rc(shmpc_try_pop(&c2, &v, 4, &n), SHMPC_ECLOSED);
    shmpc_close(&c2);
    t_pair_close(&t);
}
END_TEST

START_TEST(wrong_role_calls_are_refused) {
    t_pair t;
    shmpc_ring obs;
    uint32_t v = 0;
    size_t n;
    void *w;
    const void *m;
    shmpc_iov iov = {&v, 4};
    t_pair_open(&t, 4, 4, t_mode(_i));
    ck_assert_rc(shmpc_try_push(&t.c, &v, 4), SHMPC_EROLE);
    ck_assert_rc(shmpc_try_reserve(&t.c, &w, &n), SHMPC_EROLE);
    ck_assert_rc(shmpc_commit(&t.c, 0), SHMPC_EROLE);
    ck_assert_rc(shmpc_try_push_many(&t.c, &iov, 1), SHMPC_EROLE);
    ck_assert_rc(shmpc_try_pop(&t.p, &v, 4, &n), SHMPC_EROLE);
    ck_assert_rc(shmpc_try_peek(&t.p, &m, &n), SHMPC_EROLE);
    ck_assert_rc(shmpc_release(&t.p), SHMPC_EROLE);
    ck_assert_rc(shmpc_try_pop_many(&t.p, &iov, 1), SHMPC_EROLE);
    ck_assert_rc(shmpc_attach_id(&obs, t.mem, t.size, SHMPC_OBSERVER, 0u, 0u), SHMPC_OK);
    ck_assert_rc(shmpc_try_push(&obs, &v, 4), SHMPC_EROLE);
    ck_assert_rc(shmpc_try_pop(&obs, &v, 4, &n), SHMPC_EROLE);
    ck_assert_rc(shmpc_close(&obs), SHMPC_OK);
    ck_assert_uint_eq(t_fill_level(&t.p), 0);
    t_pair_close(&t);
}
END_TEST

/* Timed calls give up after their timeout (not before), on an empty and on a full ring. */
START_TEST(timed_calls_time_out_after_the_deadline) {
    t_pair t;
    uint32_t v = 3;
    size_t n;
    void *w;
    const void *m;
    shmpc_iov iov = {&v, 4};
    double t0, dt;
    t_pair_open(&t, 2, 4, t_mode(_i));
    t0 = t_now();
    ck_assert_rc(shmpc_pop_timed(&t.c, &v, 4, &n, 60000000), SHMPC_ETIMEDOUT);
    dt = t_now() - t0;
    ck_assert_msg(dt >= 0.059 && dt < 5.0, "pop_timed(60 ms) returned after %.3f s", dt);
    ck_assert_rc(shmpc_peek_timed(&t.c, &m, &n, 20000000), SHMPC_ETIMEDOUT);
    ck_assert_rc(shmpc_pop_many_timed(&t.c, &iov, 1, 20000000), SHMPC_ETIMEDOUT);
    ck_assert_rc(shmpc_pop_timed(&t.c, &v, 4, &n, 0), SHMPC_EEMPTY); /* 0: the try form */
    ck_assert_rc(shmpc_push(&t.p, &v, 4), SHMPC_OK);
    ck_assert_rc(shmpc_push(&t.p, &v, 4), SHMPC_OK);
    t0 = t_now();
    ck_assert_rc(shmpc_push_timed(&t.p, &v, 4, 60000000), SHMPC_ETIMEDOUT);
    dt = t_now() - t0;
    ck_assert_msg(dt >= 0.059 && dt < 5.0, "push_timed(60 ms) returned after %.3f s", dt);
    ck_assert_rc(shmpc_reserve_timed(&t.p, &w, &n, 20000000), SHMPC_ETIMEDOUT);
    ck_assert_rc(shmpc_push_many_timed(&t.p, &iov, 1, 20000000), SHMPC_ETIMEDOUT);
    ck_assert_rc(shmpc_push_timed(&t.p, &v, 4, 0), SHMPC_EFULL);
    ck_assert_uint_eq(t_fill_level(&t.p), 2); /* a timeout changes nothing */
    t_pair_close(&t);
}
END_TEST

START_TEST(open_waits_for_a_missing_segment_until_its_timeout) {
    char nm[96];
    shmpc_ring r;
    double t0 = t_now(), dt;
    ck_assert_rc(shmpc_open(&r, t_name(nm, "late"), SHMPC_CONSUMER, 50000000), SHMPC_ENOENT);
    dt = t_now() - t0;
    ck_assert_msg(dt >= 0.049 && dt < 5.0, "open(50 ms) returned after %.3f s", dt);
    shmpc_close(&r); /* safe on a handle that failed to open */
    ck_assert_ptr_null(r.seg);
}
END_TEST

/* Blocking calls with a positive timeout succeed when the data is already there. */
START_TEST(blocking_calls_succeed_immediately_when_possible) {
    t_pair t;
    uint32_t v = 9, out = 0;
    size_t n;
    void *w;
    const void *m;
    shmpc_iov iov = {&v, 4}, oiov = {&out, 4};
    t_pair_open(&t, 4, 4, t_mode(_i));
    ck_assert_rc(shmpc_push_timed(&t.p, &v, 4, 1000000000), SHMPC_OK);
    ck_assert_rc(shmpc_reserve_timed(&t.p, &w, &n, 1000000000), SHMPC_OK);
    memcpy(w, &v, 4);
    ck_assert_rc(shmpc_commit(&t.p, 4), SHMPC_OK);
    ck_assert_int_eq(shmpc_push_many_timed(&t.p, &iov, 1, SHMPC_FOREVER), 1);
    ck_assert_rc(shmpc_peek_timed(&t.c, &m, &n, SHMPC_FOREVER), SHMPC_OK);
    ck_assert_mem_eq(m, &v, 4);
    ck_assert_rc(shmpc_release(&t.c), SHMPC_OK);
    ck_assert_int_eq(shmpc_pop_many_timed(&t.c, &oiov, 1, 1000000000), 1);
    ck_assert_uint_eq(out, 9);
    ck_assert_rc(shmpc_pop_timed(&t.c, &out, 4, &n, 1000000000), SHMPC_OK);
    ck_assert_uint_eq(out, 9);
    t_pair_close(&t);
}
END_TEST

/* shmpc_peers lists the attached peers with their role, and this process as alive. */
START_TEST(peers_lists_attached_handles) {
    char nm[96];
    shmpc_ring p, c;
    shmpc_opts o = t_opts(4, 8, SHMPC_MPMC);
    shmpc_peer_status ps[4];
    int n;
    t_name(nm, "peers");
    ck_assert_rc(shmpc_create(&p, nm, &o, SHMPC_PRODUCER), SHMPC_OK);
    ck_assert_rc(shmpc_open(&c, nm, SHMPC_CONSUMER, 0), SHMPC_OK);
    n = shmpc_peers(&p, ps, 4);
    ck_assert_int_eq(n, 2);
    ck_assert_uint_eq(ps[0].pid, (uint32_t)getpid()); ck_assert_int_eq(ps[0].alive, 1);
    ck_assert_uint_eq(ps[0].role + ps[1].role, SHMPC_PRODUCER + SHMPC_CONSUMER);
    ck_assert_uint_ne(ps[0].start, 0);
    ck_assert_int_eq(shmpc_peers(&p, ps, 1), 1);
    shmpc_close(&c);
    ck_assert_int_eq(shmpc_peers(&p, ps, 4), 1);
    ck_assert_uint_eq(ps[0].role, SHMPC_PRODUCER);
    shmpc_close(&p);
    shmpc_unlink(nm);
}
END_TEST

/* footprint = header + capacity * round8(8 + slot_size); 0 for an invalid geometry. */
START_TEST(footprint_matches_the_documented_layout) {
    ck_assert_uint_eq(shmpc_footprint(1, 1), 0xA00 + 16);
    ck_assert_uint_eq(shmpc_footprint(64, 64), 0xA00 + 64 * 72);
    ck_assert_uint_eq(shmpc_footprint(8, 13), 0xA00 + 8 * 24);
    ck_assert_uint_eq(shmpc_footprint(3, 8), 0);
    ck_assert_uint_eq(shmpc_footprint(0, 8), 0);
    ck_assert_uint_eq(shmpc_footprint(8, 0), 0);
    ck_assert_uint_eq(shmpc_footprint(8, SHMPC_MAX_SLOT + 1u), 0);
    /* the largest ring: 32 GiB, more than a 32-bit size_t holds (there it does not fit: 0) */
    ck_assert_uint_eq(shmpc_footprint(0x80000000u, 8),
                      (uint64_t)0xA00 + (uint64_t)0x80000000u * 16u <= SIZE_MAX / 2u ? (size_t)(0xA00 + (uint64_t)0x80000000u * 16u) : 0u);
    ck_assert_uint_eq(shmpc_footprint(0x4000000u, 24), sizeof(size_t) == 4u ? 0u : (size_t)0xA00 + (size_t)0x4000000u * 32u);
    ck_assert_uint_eq(shmpc_footprint(0x2000000u, 24), (size_t)0xA00 + (size_t)0x2000000u * 32u); /* 1 GiB fits both */
    ck_assert_uint_eq(shmpc_footprint(0x80000000u * 2u, 8), 0);
}
END_TEST

/* MPMC needs two slots at least: with one, "free for p + 1" and "holds p" are the same sequence
   word and a second push would overwrite an unread message. Capacity 1 is refused in MPMC
   (found by these tests; SPSC capacity 1 works and is tested). */
START_TEST(mpmc_refuses_capacity_one_and_spsc_capacity_one_works) {
    shmpc_opts o = t_opts(1, 8, SHMPC_MPMC);
    size_t size = shmpc_footprint(2, 8), n;
    void *mem = t_mem(size), *m;
    shmpc_ring r;
    t_pair t;
    uint32_t v;
    ck_assert_rc(shmpc_format(mem, size, &o), SHMPC_EINVAL);
    ck_assert_rc(shmpc_create_anon(&o, &m, &n), SHMPC_EINVAL);
    o.capacity = 2;
    ck_assert_rc(shmpc_format(mem, size, &o), SHMPC_OK);
    ((uint32_t *)mem)[0x14 / 4] = 1u; ((uint32_t *)mem)[0x28 / 4] = 0xA00 + 16; /* a peer's segment claiming MPMC x 1 */
    ck_assert_rc(shmpc_attach_id(&r, mem, size, SHMPC_CONSUMER, 9u, 0u), SHMPC_ECORRUPT);
    free(mem);
    t_pair_open(&t, 1, 4, SHMPC_SPSC);
    v = 1; ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_OK);
    v = 2; ck_assert_rc(shmpc_try_push(&t.p, &v, 4), SHMPC_EFULL);
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_OK); ck_assert_uint_eq(v, 1);
    ck_assert_rc(shmpc_try_pop(&t.c, &v, 4, &n), SHMPC_EEMPTY);
    t_pair_close(&t);
}
END_TEST

/* Zero-length messages are messages: they take a slot and come out with length 0. */
START_TEST(zero_length_messages_are_delivered) {
    t_pair t;
    char b[4];
    size_t n = 99;
    t_pair_open(&t, 4, 4, t_mode(_i));
    ck_assert_rc(shmpc_try_push(&t.p, NULL, 0), SHMPC_OK);
    ck_assert_uint_eq(t_fill_level(&t.p), 1);
    ck_assert_rc(shmpc_try_pop(&t.c, b, sizeof b, &n), SHMPC_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_rc(shmpc_try_push(&t.p, NULL, 0), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&t.c, NULL, 0, &n), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&t.c, NULL, 0, &n), SHMPC_EEMPTY);
    t_pair_close(&t);
}
END_TEST

/* MPMC batches claim a range per compare-and-swap: the range is the prefix of free slots (a slot
   freed out of order by a second consumer ends it) and the prefix of published messages (a
   reservation not committed ends it); the rest follows in order once it is ready. */
START_TEST(mpmc_batches_claim_the_ready_prefix) {
    t_pair t;
    shmpc_ring c2, p2;
    uint32_t v[8], out[8], i, x;
    shmpc_iov iov[8];
    const void *m;
    void *w;
    size_t n, room;
    t_pair_open(&t, 4, 4, SHMPC_MPMC);
    ck_assert_rc(shmpc_attach_id(&c2, t.mem, t.size, SHMPC_CONSUMER, 103u, 0u), SHMPC_OK);
    ck_assert_rc(shmpc_attach_id(&p2, t.mem, t.size, SHMPC_PRODUCER, 104u, 0u), SHMPC_OK);
    /* producer side: slot of position 4 held by a peek, the slot of 5 freed: the batch finds no
       free slot at tail, then exactly one once the slot of 4 is released */
    for (i = 0; i < 8; i++) { v[i] = 100 + i; iov[i].base = &v[i]; iov[i].len = 4; }
    ck_assert_int_eq(shmpc_try_push_many(&t.p, iov, 4), 4);
    ck_assert_rc(shmpc_try_peek(&t.c, &m, &n), SHMPC_OK);
    ck_assert_rc(shmpc_try_pop(&c2, &x, 4, &n), SHMPC_OK);
    ck_assert_uint_eq(x, 101);
    ck_assert_rc(shmpc_try_push_many(&t.p, iov + 4, 4), SHMPC_EFULL);
    ck_assert_rc(shmpc_release(&t.c), SHMPC_OK);
    ck_assert_int_eq(shmpc_try_push_many(&t.p, iov + 4, 4), 2); /* positions 4 and 5 */
    for (i = 0; i < 8; i++) { iov[i].base = &out[i]; iov[i].len = 4; }
    ck_assert_int_eq(shmpc_try_pop_many(&c2, iov, 8), 4);
    for (i = 0; i < 4; i++) ck_assert_uint_eq(out[i], 102 + i);
    /* consumer side: p2's reservation at position 7 is not committed: a batch takes 6 only, then
       nothing, then 7 and 8 once it is */
    v[0] = 200; iov[0].base = &v[0]; iov[0].len = 4;
    ck_assert_int_eq(shmpc_try_push_many(&t.p, iov, 1), 1);
    ck_assert_rc(shmpc_try_reserve(&p2, &w, &room), SHMPC_OK);
    v[1] = 202; iov[0].base = &v[1];
    ck_assert_int_eq(shmpc_try_push_many(&t.p, iov, 1), 1);
    for (i = 0; i < 8; i++) { iov[i].base = &out[i]; iov[i].len = 4; }
    ck_assert_int_eq(shmpc_try_pop_many(&t.c, iov, 8), 1);
    ck_assert_uint_eq(out[0], 200);
    ck_assert_rc(shmpc_try_pop_many(&t.c, iov, 8), SHMPC_EEMPTY);
    x = 201; memcpy(w, &x, 4);
    ck_assert_rc(shmpc_commit(&p2, 4), SHMPC_OK);
    ck_assert_int_eq(shmpc_try_pop_many(&c2, iov, 8), 2);
    ck_assert_uint_eq(out[0], 201); ck_assert_uint_eq(out[1], 202);
    shmpc_close(&p2);
    shmpc_close(&c2);
    t_pair_close(&t);
}
END_TEST

/* A message too long for its buffer in the middle of an MPMC batch ends it there; the next batch
   reports EMSGSIZE with the length, and the message stays for a larger buffer. */
START_TEST(mpmc_batch_stops_at_a_message_too_long_for_its_buffer) {
    t_pair t;
    char in[4][8], out[8][8];
    shmpc_iov iov[8];
    size_t lens[4] = {3, 4, 8, 2}, n;
    uint32_t i;
    t_pair_open(&t, 8, 8, SHMPC_MPMC);
    for (i = 0; i < 4; i++) { memset(in[i], 'a' + (int)i, 8); iov[i].base = in[i]; iov[i].len = lens[i]; }
    ck_assert_int_eq(shmpc_try_push_many(&t.p, iov, 4), 4);
    for (i = 0; i < 8; i++) { iov[i].base = out[i]; iov[i].len = 4; }
    ck_assert_int_eq(shmpc_try_pop_many(&t.c, iov, 8), 2);
    ck_assert_uint_eq(iov[0].len, 3); ck_assert_mem_eq(out[0], "aaa", 3);
    ck_assert_uint_eq(iov[1].len, 4); ck_assert_mem_eq(out[1], "bbbb", 4);
    for (i = 0; i < 8; i++) { iov[i].base = out[i]; iov[i].len = 4; }
    ck_assert_rc(shmpc_try_pop_many(&t.c, iov, 8), SHMPC_EMSGSIZE);
    ck_assert_uint_eq(iov[0].len, 8);
    ck_assert_rc(shmpc_try_pop(&t.c, out[0], 8, &n), SHMPC_OK);
    ck_assert_uint_eq(n, 8); ck_assert_mem_eq(out[0], "cccccccc", 8);
    iov[0].len = 4;
    ck_assert_int_eq(shmpc_try_pop_many(&t.c, iov, 8), 1);
    ck_assert_uint_eq(iov[0].len, 2); ck_assert_mem_eq(out[0], "dd", 2);
    t_pair_close(&t);
}
END_TEST

Suite *core_suite(void) {
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("single_process");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, fifo_order_and_content_survive_the_wrap, 0, 2);
    tcase_add_loop_test(tc, every_length_is_copied_exactly, 0, 2);
    tcase_add_loop_test(tc, many_full_laps_cross_the_index_wrap, 0, 2);
    tcase_add_loop_test(tc, fill_level_tracks_every_push_and_pop, 0, 2);
    tcase_add_loop_test(tc, zero_copy_reserve_commit_peek_release_keep_fifo, 0, 2);
    tcase_add_loop_test(tc, batches_move_a_prefix_in_order, 0, 2);
    tcase_add_loop_test(tc, zero_length_messages_are_delivered, 0, 2);
    tcase_add_test(tc, footprint_matches_the_documented_layout);
    tcase_add_test(tc, mpmc_refuses_capacity_one_and_spsc_capacity_one_works);
    tcase_add_test(tc, mpmc_batches_claim_the_ready_prefix);
    tcase_add_test(tc, mpmc_batch_stops_at_a_message_too_long_for_its_buffer);
    suite_add_tcase(s, tc);
    tc = tcase_create("placement");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, every_placement_carries_messages, 0, 2);
    tcase_add_test(tc, named_segment_permissions_default_0600);
    tcase_add_test(tc, peers_lists_attached_handles);
    suite_add_tcase(s, tc);
    tc = tcase_create("close_and_roles");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, close_lets_the_consumer_drain_then_reports_closed, 0, 2);
    tcase_add_loop_test(tc, consumer_close_stops_the_producer, 0, 2);
    tcase_add_loop_test(tc, close_with_pending_reserve_or_peek_keeps_the_ring_moving, 0, 2);
    tcase_add_test(tc, spsc_refuses_a_second_producer_or_consumer);
    tcase_add_test(tc, mpmc_accepts_several_producers_and_consumers);
    tcase_add_loop_test(tc, wrong_role_calls_are_refused, 0, 2);
    suite_add_tcase(s, tc);
    tc = tcase_create("timeouts");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, timed_calls_time_out_after_the_deadline, 0, 2);
    tcase_add_test(tc, open_waits_for_a_missing_segment_until_its_timeout);
    tcase_add_loop_test(tc, blocking_calls_succeed_immediately_when_possible, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
