#!/bin/sh
# bench/static.sh BENCH [SECTION...] : the benchmark's key figures with nothing but a bench binary and
# a POSIX shell, for a machine without Debian's packages or Python (build the binary there or carry
# `make bench-static`'s build/bench/static/bench). Prints raw `bench` result lines, repetitions
# interleaved; bench/medians.py turns a saved log into medians. Sections (default: all):
#   wake   a sleeping consumer woken: futex, pipe, UNIX socket, shmpc's futex path, shmpc_fd (400 wakes)
#   poll   throughput with a consumer polling shmpc_fd against a blocking and a spinning one
#   spsc   the SPSC target rows: shmpc copy/batch against both bare floors, 8 B and 64 B; 8 MiB zero-copy
#   mpmc   P x C = 1, 2, 4 ... up to the cores, then 2x the cores (oversubscribed), 64 B messages
#          (MPMC_PC="2" measures 2x2 only)
set -u
B=$1; shift
SECTIONS=${*:-wake poll spsc mpmc}
REPS=${REPS:-5}
T="timeout ${FIG_TIMEOUT:-30}"
fig() { # fig NAME CONFIG ARGS... : one figure, one line
    name=$1; cfg=$2; shift 2
    echo "$name $cfg rep$rep $($T "$B" "$@" 2>&1 | tail -1)"
}
echo "== $(uname -srm), $("$B" cpus) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
grep -m1 'model name' /proc/cpuinfo
NCPU=$("$B" cpus)
PCS=${MPMC_PC:-}   # P = C for the mpmc section: 1 2 4 ... while P + C <= the cores, then the cores
if [ -z "$PCS" ]; then
    p=1; PCS=1
    while [ $((4 * p)) -le "$NCPU" ]; do p=$((2 * p)); PCS="$PCS $p"; done
    [ "$p" -lt "$NCPU" ] && PCS="$PCS $NCPU"
fi
for s in $SECTIONS; do
    echo "== $s"
    rep=1
    while [ "$rep" -le "$REPS" ]; do
        case $s in
        wake) for t in futex pipe unix shmpc_block shmpc_poll; do fig "wake $t" - wake "$t" 400 1000; done ;;
        poll) for sz in 8 64 1024; do for t in shmpc shmpc_block shmpc_poll; do
                  n=5000000; [ "$sz" = 1024 ] && n=1000000
                  fig "tput $t" "$sz" tput "$t" "$sz" "$n"; done; done ;;
        spsc) for sz in 8 64; do for t in bare_ring bare_seq shmpc shmpc_batch; do
                  fig "tput $t" "$sz" tput "$t" "$sz" 5000000; done; done
              fig "tput memcpy" 8388608 memcpy 8388608 512
              for t in bare_zc shmpc_zc; do fig "tput $t" 8388608 tput "$t" 8388608 128; done ;;
        mpmc) for p in $PCS; do
                  for t in bare_mpmc shmpc_mpmc shmpc_mpmc_batch shmpc_mpmc_block; do
                      fig "mpmc $t" "${p}x$p" mpmc "$t" "$p" "$p" 64 300000; done
              done ;;
        *) echo "static.sh: unknown section $s"; exit 2 ;;
        esac
        rep=$((rep + 1))
    done
done
echo "== done, load $(cut -d' ' -f1-3 /proc/loadavg)"
