#!/bin/sh
# Smoke runs of the examples of the tools issue (make tools-test): each must exit 0 and print the
# line that says it did its work; the failure paths (a timeout, a refused option) must fail as
# documented. Usage: sh tests/tools/examples_smoke.sh BUILD_DIR
B=${1:-build}
PY=${PYTHON:-python3}
fail=0
tag="smoke-$$"
out=$(mktemp)
trap 'rm -f "$out"; rm -f /dev/shm/shmpc-$tag-*' EXIT
ok() { echo "  ok   $1"; }
bad() { echo "  FAIL $1"; sed 's/^/       | /' "$out"; fail=1; }
expect() { # expect NAME PATTERN: the last command's output (in $out) matches the pattern
    if grep -Eq "$2" "$out"; then ok "$1"; else bad "$1 (no line matching: $2)"; fi
}

# large_blocks: 1 and 8 MiB blocks through reserve/commit, peek/release, with the memory options.
if $B/large_blocks --block-mib 1 --total-mib 64 --pretouch --mlock --sequential >"$out" 2>&1; then
    expect "large_blocks 1 MiB, mlock+pretouch+sequential" '^large_blocks: [0-9]+ MiB/s through the ring .* ratio [0-9.]+$'
else bad "large_blocks 1 MiB exited $?"; fi
if $B/large_blocks --block-mib 8 --total-mib 128 --capacity 2 --sysv --pretouch >"$out" 2>&1; then
    expect "large_blocks 8 MiB, SysV" 'ring of 2 slots \(SysV\)'
else bad "large_blocks 8 MiB SysV exited $?"; fi
# --hugepages: used where the system has them, else refused with SHMPC_ENOMEM and dropped
if $B/large_blocks --block-mib 2 --total-mib 32 --hugepages >"$out" 2>&1; then
    expect "large_blocks --hugepages (used or dropped with a reason)" 'flags: hugepages|--hugepages refused: the system refused memory'
else bad "large_blocks --hugepages exited $?"; fi
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${free:-0}" -lt 4 ]; then
    if $B/large_blocks --block-mib 2 --total-mib 32 --hugepages --strict >"$out" 2>&1; then
        bad "large_blocks --hugepages --strict succeeded without huge pages"
    else expect "large_blocks --hugepages --strict fails without huge pages" 'cannot create the ring: the system refused memory .*\(-23\)$'; fi
fi

# request_response: client and server processes, every answer checked.
if $B/request_response --requests 20000 >"$out" 2>&1; then
    expect "request_response: 20000 answers" '^client: 20000 requests, 0 wrong answers'
    expect "request_response: server served them" '^server: 20000 requests answered'
else bad "request_response exited $?"; fi
# a server that stops answering: the client times out, says so, exits 1
n="shmpc-$tag-rr"
$B/request_response server --name "$n" --idle 5 >/dev/null 2>&1 &
spid=$!
i=0; while [ ! -e /dev/shm/$n-req ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
kill -STOP $spid
if $B/request_response client --name "$n" --requests 3 --timeout 200 >"$out" 2>&1; then
    bad "request_response client did not time out"
else expect "request_response client times out on a stopped server" 'request 0: no answer within 200 ms'; fi
kill -CONT $spid; wait $spid
[ ! -e /dev/shm/$n-req ] && [ ! -e /dev/shm/$n-resp ] && ok "request_response server removed its rings" || bad "rings left behind"
if $B/request_response client --name "shmpc-$tag-none" --wait 0.2 >"$out" 2>&1; then
    bad "request_response client found a server that does not exist"
else expect "request_response client without a server" 'no server on'; fi

# sysv_demo: a ring under a SysV key, seen by ipcs and shmpcctl, removed by shmpcctl rm.
key=$(printf '0x5e%06x' $(($$ & 0xFFFFFF)))
if $B/sysv_demo --key $key --items 50000 --keep >"$out" 2>&1; then
    expect "sysv_demo: child consumed every item" '^sysv_demo: child consumed 50000 items, sum 1249975000$'
else bad "sysv_demo exited $?"; fi
if command -v ipcs >/dev/null 2>&1; then
    ipcs -m >"$out" 2>&1
    expect "ipcs -m lists key $key with mode 600" "^$key +[0-9]+ +[a-z0-9_]+ +600 "
fi
$B/shmpcctl info key:$key >"$out" 2>&1 && expect "shmpcctl info key:$key" '^  state +2 closed$' || bad "shmpcctl info key:$key"
$B/shmpcctl rm key:$key >"$out" 2>&1 && expect "shmpcctl rm key:$key" "^removed key:$key$" || bad "shmpcctl rm key:$key"
if $B/shmpcctl info key:$key >"$out" 2>&1; then bad "key $key still there"; else ok "key $key gone"; fi
$B/sysv_demo --path / --proj Q --items 1000 >"$out" 2>&1 && expect "sysv_demo with ftok" '^sysv_demo: key 0x[0-9a-f]{8} = ftok\("/", .Q.\)$' || bad "sysv_demo ftok"

# Consumers of the C producer's ring (30000 items); the sums must agree, and the ring is removed.
#   py_reader.py: a Python reader.
#   epoll_server and asyncio_consumer.py: one event loop consumes the ring through its descriptor
#   (shmpc_fd) and answers socket clients meanwhile.
for ex in py_reader epoll_server asyncio_consumer; do
    n="shmpc-$tag-$ex"
    items=30000
    case $ex in
        py_reader) $PY examples/py_reader.py --name "$n" --wait 10 --items 30000 --quiet --unlink >"$out.c" 2>&1 &
                   what="py_reader read what the C producer wrote"; tailpat="" ;;
        epoll_server) items=300000 # the loop drains 30000 in a few ms, before its client's first query
                   $B/epoll_server --name "$n" --wait 10 --items $items >"$out.c" 2>&1 &
                   what="epoll_server consumed the C producer's ring and served its socket"
                   tailpat=", [1-9][0-9]* queries answered while consuming" ;;
        *) $PY examples/asyncio_consumer.py --name "$n" --wait 10 --items 30000 --probe --quiet --unlink >"$out.c" 2>&1 &
                   what="asyncio_consumer consumed the C producer's ring and served its socket"
                   tailpat=", [1-9][0-9]* queries answered while consuming" ;;
    esac
    cpid=$!
    $B/producer --name "$n" --capacity 64 --items $items --quiet >"$out" 2>&1
    wait $cpid; crc=$?
    psum=$(sed -n "s/^producer: $items items, sum \([0-9]*\)\$/\1/p" "$out")
    cat "$out.c" >>"$out"; rm -f "$out.c"
    if [ $crc -eq 0 ] && [ -n "$psum" ]; then
        expect "$what (sum $psum)" "^$ex: $items items, sum $psum$tailpat$"
    else bad "$ex exited $crc"; fi
    [ ! -e /dev/shm/$n ] && ok "$ex removed the ring" || bad "$ex left /dev/shm/$n"
done

[ $fail -eq 0 ] && echo "examples smoke: all passed" || echo "examples smoke: FAILED"
exit $fail
