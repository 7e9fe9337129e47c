#!/bin/sh
# The bridge end to end (make bridge-test): two network namespaces joined by a veth pair stand for two
# hosts (loopback, with a message, where netns is not permitted). On host A a producer
# (tests/ringcheck.c) fills ring A and `shmpc-bridge send` forwards it; on host B `shmpc-bridge recv`
# fills ring B and a consumer checks every message (order, boundary, checksum) and the end of the
# stream. Then back-pressure (a consumer that holds back slows the remote producer, nothing lost), the
# consumer side closing first, the producer dying, and a broken link (both bridges exit 3; the
# consumer gets SHMPC_EPEERDEAD, not a false end of stream).
# Usage: sh tests/bridge/run.sh BUILD_DIR (BRIDGE_LOOPBACK=1: loopback even where netns works)
B=${1:-build}
N=${BRIDGE_MESSAGES:-20000}
tag="shmpc-br-$$"
ns_a="shmpcA$$"; ns_b="shmpcB$$"
port=$((20000 + $$ % 20000))
fail=0
out=$(mktemp -d)
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    [ -n "$netns" ] && { ip netns del "$ns_a"; ip netns del "$ns_b"; } 2>/dev/null
    rm -f /dev/shm/$tag-*; rm -rf "$out"
}
trap cleanup EXIT
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; for f in "$out"/*.log; do sed "s#^#       | $(basename "$f" .log): #" "$f"; done; fail=1; }
netns=
if [ -z "$BRIDGE_LOOPBACK" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1 && ip netns add "$ns_a" 2>/dev/null; then
    netns=1
    if ip netns add "$ns_b" && ip link add "va$$" type veth peer name "vb$$" &&
       ip link set "va$$" netns "$ns_a" && ip link set "vb$$" netns "$ns_b" &&
       ip -n "$ns_a" addr add 10.231.0.1/24 dev "va$$" && ip -n "$ns_b" addr add 10.231.0.2/24 dev "vb$$" &&
       ip -n "$ns_a" link set "va$$" up && ip -n "$ns_b" link set "vb$$" up &&
       ip -n "$ns_a" link set lo up && ip -n "$ns_b" link set lo up; then
        A="ip netns exec $ns_a"; Bx="ip netns exec $ns_b"; addr=10.231.0.2
        echo "  two network namespaces joined by a veth pair ($ns_a 10.231.0.1, $ns_b 10.231.0.2)"
    else
        echo "  FAIL setting up the network namespaces"; exit 1
    fi
else
    A=; Bx=; addr=127.0.0.1
    echo "  network namespaces not permitted here (needs root and ip(8)) or BRIDGE_LOOPBACK set: loopback instead"
fi

# the manual and the usage errors
if $B/shmpc-bridge --help | grep -q "^EXIT STATUS" && { $B/shmpc-bridge send 2>/dev/null; [ $? = 2 ]; } &&
   { $B/shmpc-bridge send a tcp://127.0.0.1:1 --window 0 2>/dev/null; [ $? = 2 ]; } &&
   { $B/shmpc-bridge recv tcp://127.0.0.1:1 "$tag-x" --mpmc 2>/dev/null; [ $? = 2 ]; }; then
    ok "--help prints the manual; bad arguments exit 2"
else bad "--help or the usage errors"; fi
# a ring that does not exist: exit 1 within the timeout
$B/shmpc-bridge send "$tag-none" tcp://127.0.0.1:1 --timeout 0.2 >"$out/send.log" 2>&1
st=$?
if [ $st = 1 ] && grep -q "no segment of that name" "$out/send.log"; then ok "a ring that does not exist: exit 1, said so"
else bad "missing ring (exit $st, want 1)"; fi

# run NAME N CAP WINDOW DELAY_MS TIMEOUT [CONSUME]: the four processes of one stream, in the
# background; the consumer expects N messages (CONSUME if given)
run() {
    rm -f "$out"/*.log
    $Bx $B/shmpc-bridge recv "tcp://$addr:$port" "$tag-$1-b" --create "$3:256" --window "$4" --timeout "$6" \
        >"$out/recv.log" 2>&1 & r=$!
    $Bx $B/ringcheck consume "$tag-$1-b" "${7:-$2}" 0 "$5" >"$out/consumer.log" 2>&1 & c=$!
    $A $B/ringcheck produce "$tag-$1-a" "$3" 256 "$2" >"$out/producer.log" 2>&1 & p=$!
    $A $B/shmpc-bridge send "$tag-$1-a" "tcp://$addr:$port" --timeout "$6" >"$out/send.log" 2>&1 & s=$!
    pids="$r $c $p $s"
    port=$((port + 1))
}

# 1. a stream: every message, in order, checksummed, then SHMPC_ECLOSED on host B
t0=$(date +%s.%N)
run stream "$N" 64 1024 0 5
wait $p; ps=$?; wait $s; ss=$?; wait $r; rs=$?; wait $c; cs=$?
if [ "$ps$ss$rs$cs" = 0000 ] && grep -q "consumed $N messages, then SHMPC_ECLOSED" "$out/consumer.log"; then
    ok "$N checksummed messages A -> B in order, producer's close -> consumer's SHMPC_ECLOSED ($(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }") s)"
else bad "stream (exit statuses producer $ps send $ss recv $rs consumer $cs)"; fi

# 2. back-pressure: the consumer holds back 1.5 s; rings of 16, a window of 32: the producer waits
run pressure 3000 16 32 1500 5
wait $p; ps=$?; wait $s; ss=$?; wait $r; rs=$?; wait $c; cs=$?
longest=$(sed -n 's/.*longest push \([0-9]*\).*/\1/p' "$out/producer.log")
if [ "$ps$ss$rs$cs" = 0000 ] && [ "${longest:-0}" -ge 700 ]; then
    ok "back-pressure: a consumer on B holding back 1.5 s stalled the producer on A (longest push ${longest} ms), nothing lost"
else bad "back-pressure (exit statuses $ps $ss $rs $cs, longest push ${longest:-?} ms, want >= 700)"; fi

# 3. the consumer side ends first: B's consumer closes after 2000 messages; recv tells send, send
#    closes ring A (both exit 5), A's producer gets SHMPC_ECLOSED
export RINGCHECK_STOP=1
run quit 100000000 64 1024 0 5 2000
wait $p; ps=$?; wait $s; ss=$?; wait $r; rs=$?; wait $c; cs=$?
unset RINGCHECK_STOP
if [ "$ss$rs$cs" = 550 ] && grep -q "push: .*(-7)" "$out/producer.log"; then
    ok "B's consumer closes first: both bridges exit 5, A's producer gets SHMPC_ECLOSED"
else bad "consumer side closed first (send exit $ss, recv exit $rs, want 5 5; consumer $cs; producer $ps, want SHMPC_ECLOSED)"; fi

# 4. the producer on A dies: send reports it (exit 4), recv leaves ring B open (exit 4), and B's
#    consumer gets SHMPC_EPEERDEAD after what arrived, not a false end of stream
export RINGCHECK_WAIT_MS=1500
run dead 100000000 64 1024 0 5
sleep 1
kill -9 "$p"
wait $s; ss=$?; wait $r; rs=$?; wait $c; cs=$?
if [ "$ss$rs" = 44 ] && grep -q "(-21)" "$out/consumer.log"; then
    ok "A's producer killed: both bridges exit 4, B's consumer gets SHMPC_EPEERDEAD"
else bad "producer killed (send exit $ss, recv exit $rs, want 4 4; consumer exit $cs, want SHMPC_EPEERDEAD)"; fi

# 5. a broken link: the stream runs, then the link goes down (netns) or the receiving bridge is
#    killed (loopback); both bridges (or the survivor) exit 3, the consumer gets SHMPC_EPEERDEAD
run broken 100000000 64 1024 0 1
sleep 1
if [ -n "$netns" ]; then ip -n "$ns_a" link set "va$$" down; else kill -9 "$r"; fi
wait $s; ss=$?; wait $r; rs=$?; wait $c; cs=$?
kill -9 "$p" 2>/dev/null
if [ -n "$netns" ]; then want="3 3"; else want="3 137"; fi
if [ "$ss $rs" = "$want" ] && grep -q "link lost" "$out/send.log" && grep -q "(-21)" "$out/consumer.log"; then
    ok "link broken mid-stream: send exit $ss, recv exit $rs ('link lost'), the consumer on B: SHMPC_EPEERDEAD"
else bad "broken link (send exit $ss, recv exit $rs, want $want; consumer exit $cs, want SHMPC_EPEERDEAD)"; fi
exit $fail
