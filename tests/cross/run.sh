#!/bin/sh
# run.sh ARCH DIR HOSTDIR : one architecture's run under qemu-user (make cross, make cross-quick).
#   DIR     the static binaries built for ARCH (shmpc_tests, image, shmpcctl, the examples)
#   HOSTDIR this machine's image tool; shmpcctl and the Python extension are those of SHMPC_BUILD
# Environment: CROSS_QEMU (qemu-aarch64, ...), CROSS_STRESS (messages per stress case), CROSS_TMO
# (Check's timeout multiplier), PYTHON. Runs every step even after a failure; exit 1 if any failed.
arch=$1 dir=$2 host=$3
qemu=${CROSS_QEMU:?} stress=${CROSS_STRESS:-200000} tmo=${CROSS_TMO:-4} py=${PYTHON:-python3}
t0=$(date +%s)
failed=""
tmp=$(mktemp -d) || exit 1
shm=shmpc-cross-$arch-$$
trap 'rm -rf "$tmp"; rm -f /dev/shm/$shm-a /dev/shm/$shm-h' EXIT
step() { echo "-- $arch: $*"; }
bad() { echo "-- $arch: FAILED: $*"; failed="$failed
   $*"; }

step "the Check suites under $qemu (stress $stress messages per case, timeouts x$tmo; cases tagged start_time or proc_syscall excluded)"
SHMPC_TEST_STRESS=$stress CK_TIMEOUT_MULTIPLIER=$tmo CK_EXCLUDE_TAGS="start_time proc_syscall" timeout 900 "$qemu" "$dir/shmpc_tests" \
    || bad "Check suites"

# The examples whose two processes never sleep long enough to check each other's liveness; the
# others (large_blocks, request_response) would see their live peer as dead under qemu-user (see
# the start_time tag in tests/test_process.c): they are built, not run.
step "examples: fork_demo, producer and consumer as two processes"
timeout 120 "$qemu" "$dir/fork_demo" --capacity 16 --items 20000 --quiet || bad "fork_demo"
timeout 120 "$qemu" "$dir/consumer" --name "$shm-demo" --wait 30 --items 20000 --quiet & c=$!
timeout 120 "$qemu" "$dir/producer" --name "$shm-demo" --capacity 64 --items 20000 --quiet || bad "producer"
wait $c || bad "consumer"

step "a ring as a file: written here and read there, written there and read here"
aout=$("$qemu" "$dir/image" write "$tmp/a.img") || bad "image write on $arch"
hout=$("$host/image" write "$tmp/h.img") || bad "image write on this machine"
echo "   $aout"
aend=$(echo "$aout" | grep -o '[a-z]*-endian') hend=$(echo "$hout" | grep -o '[a-z]*-endian')
if [ "$aend" = "$hend" ]; then rel=same; else rel=other; fi
case "$arch:$aend" in s390x:big-endian|aarch64:little-endian|armhf:little-endian) ;; *) bad "ABI tag of $arch says $aend";; esac
"$host/image" read "$tmp/a.img" $rel || bad "$arch's ring read on this machine ($rel byte order)"
"$qemu" "$dir/image" read "$tmp/h.img" $rel || bad "this machine's ring read on $arch ($rel byte order)"

step "shmpcctl and the Python module on the other machine's ring"
cp "$tmp/a.img" "/dev/shm/$shm-a" && cp "$tmp/h.img" "/dev/shm/$shm-h"
"$SHMPC_BUILD/shmpcctl" info "$shm-a" >"$tmp/ctl-a" 2>&1; rc_a=$?
"$qemu" "$dir/shmpcctl" info "$shm-h" >"$tmp/ctl-h" 2>&1; rc_h=$?
SHMPC_BUILD=$SHMPC_BUILD PYTHONPATH=python "$py" tests/cross/py_open.py "$shm-a" $rel >"$tmp/py-a" 2>&1; rc_p=$?
if [ $rel = same ]; then
    [ $rc_a = 0 ] && grep -q 'capacity      8 slots' "$tmp/ctl-a" || bad "shmpcctl info of $arch's ring here"
    [ $rc_h = 0 ] && grep -q 'capacity      8 slots' "$tmp/ctl-h" || bad "shmpcctl info on $arch of this machine's ring"
else
    grep -q 'written by a .*-endian machine' "$tmp/ctl-a" && grep -q 'capacity      8 slots' "$tmp/ctl-a" && [ $rc_a = 1 ] \
        || bad "shmpcctl info of $arch's ring here: no clear refusal in the creator's byte order"
    grep -q 'written by a .*-endian machine' "$tmp/ctl-h" && grep -q 'capacity      8 slots' "$tmp/ctl-h" && [ $rc_h = 1 ] \
        || bad "shmpcctl info on $arch of this machine's ring: no clear refusal in the creator's byte order"
fi
[ $rc_p = 0 ] || bad "Python module on $arch's ring"
sed 's/^/   /' "$tmp/ctl-a" | grep -e abi -e written -e capacity
sed 's/^/   /' "$tmp/py-a"

echo "cross $arch: $(date +%s | awk -v t0="$t0" '{print $1 - t0}') s, $([ -z "$failed" ] && echo "all passed" || echo "failed:$failed")"
[ -z "$failed" ]
