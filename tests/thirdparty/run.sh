#!/bin/sh
# The third-party peer check (make thirdparty-test): tests/thirdparty/peer.c, written from PROTOCOL.md
# without shmpc.h, against the library (tests/ringcheck.c), both directions, SPSC and MPMC. Each side pauses now
# and then so that the other sleeps on its futex word and must be woken by its peer's notify; a
# sleep that lasts past 2 s fails the side that slept. Usage: sh tests/thirdparty/run.sh BUILD_DIR
B=${1:-build}
N=${TP_MESSAGES:-3000}
name="shmpc-tp-$$"
fail=0
trap 'rm -f /dev/shm/$name-*' EXIT
both() { # both LABEL: the two background jobs $p1 and $p2 must exit 0
    if wait "$p1" && wait "$p2"; then echo "  ok   $1"; else echo "  FAIL $1"; fail=1; fi
}
# library producer (creates the ring, counters 16 below the wrap) -> third-party consumer
RINGCHECK_START=0xFFFFFFF0 $B/ringcheck produce "$name-a" 8 256 "$N" 500 & p1=$!
$B/tp_peer consume "$name-a" "$N" & p2=$!
both "library producer -> third-party consumer: $N checksummed messages across the index wrap, end of stream, wake-ups both ways"
rm -f "/dev/shm/$name-a"
# third-party producer (creates and formats the ring) -> library consumer
$B/tp_peer create "$name-b" 8 256 "$N" & p1=$!
$B/ringcheck consume "$name-b" "$N" 500 & p2=$!
both "third-party producer (its own format) -> library consumer: $N checksummed messages, SHMPC_ECLOSED, wake-ups both ways"
# takeover (SPSC): the library consumer is killed mid-stream; the third-party consumer takes its dead
# place (taking its entry and count over) and receives the rest, in order, then the end of the stream
$B/ringcheck produce "$name-e" 8 256 "$N" 500 & p1=$!
$B/ringcheck consume "$name-e" "$N" >/dev/null 2>&1 & k=$!
sleep 0.5; kill -9 "$k"; wait "$k" 2>/dev/null
TP_TAKEOVER=1 $B/tp_peer consume "$name-e" "$N" & p2=$!
both "SPSC takeover: the library consumer killed, the third-party consumer takes its place and gets the rest in order"
rm -f "/dev/shm/$name-e"

# the same in MPMC mode (sequence words, claims by compare-and-swap, pending words, the MPMC end of stream)
N=$((N / 2))
RINGCHECK_MPMC=1 RINGCHECK_START=0xFFFFFFF0 $B/ringcheck produce "$name-c" 8 256 "$N" 500 & p1=$!
$B/tp_peer consume "$name-c" "$N" & p2=$!
both "MPMC: library producer -> third-party consumer: $N checksummed messages across the index wrap, end of stream, wake-ups both ways"
rm -f "/dev/shm/$name-c"
$B/tp_peer create "$name-d" 8 256 "$N" mpmc & p1=$!
$B/ringcheck consume "$name-d" "$N" 500 & p2=$!
both "MPMC: third-party producer (its own format) -> library consumer: $N checksummed messages, SHMPC_ECLOSED, wake-ups both ways"
exit $fail
