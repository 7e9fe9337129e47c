#!/usr/bin/env python3
"""bench/study64.py - what the 64-byte gap between shmpc's SPSC copy and the bare rings is made of.

    python3 bench/study64.py [--reps N] [--n MSGS] BENCH BENCH_STRIDE64

BENCH is build/bench/bench; BENCH_STRIDE64 is the same bench.c built against a shmpc.h whose slot
stride is rounded up to 64 bytes (make bench-study64 builds both). Every configuration below moves
MSGS 64-byte messages producer process -> consumer process; the configurations are interleaved
(rep 1 of each, then rep 2, ...) so that foreign load hits them alike; prints median [min..max]
Mmsg/s and each one's ratio to the first row. Python standard library only.
"""
import os
import statistics
import subprocess
import sys


def main():
    args = sys.argv[1:]
    reps, n = 9, 1000000
    while args and args[0].startswith("--"):
        opt, val = args[0], args[1]
        args = args[2:]
        if opt == "--reps":
            reps = int(val)
        elif opt == "--n":
            n = int(val)
    if len(args) != 2:
        sys.exit(__doc__)
    bench, var = args
    configs = [  # label, binary, transport, extra environment
        ("bare sequence ring, stride 72 (the floor)", bench, "bare_seq", {}),
        ("bare sequence ring, stride 128", bench, "bare_seq", {"BENCH_BARE_ALIGN": "64"}),
        ("bare SPSC ring (shared index lines), stride 72", bench, "bare_ring", {}),
        ("bare SPSC ring (shared index lines), stride 128", bench, "bare_ring", {"BENCH_BARE_ALIGN": "64"}),
        ("shmpc SPSC copy, stride 72", bench, "shmpc", {}),
        ("shmpc SPSC copy, stride 128", var, "shmpc", {}),
        ("shmpc SPSC batch of 64, stride 72", bench, "shmpc_batch", {}),
    ]
    got = {c[0]: [] for c in configs}
    for _ in range(reps):
        for lab, exe, t, env in configs:
            p = subprocess.run([exe, "tput", t, "64", str(n)], capture_output=True, text=True,
                               env=dict(os.environ, **env), timeout=120)
            line = (p.stdout.strip().splitlines() or ["FAIL no output"])[-1]
            if not line.startswith("ok "):
                sys.exit("%s: %s" % (lab, line))
            d = dict(kv.split("=") for kv in line.split()[1:])
            got[lab].append(float(d["msgs"]) / float(d["ns"]) * 1e3)
    base = statistics.median(got[configs[0][0]])
    print("| 64 B, %d messages, %d interleaved runs | Mmsg/s median [min..max] | / first row |" % (n, reps))
    print("| --- | --- | --- |")
    for lab, *_ in configs:
        v = got[lab]
        print("| %s | %.1f [%.1f..%.1f] | %.2fx |" % (lab, statistics.median(v), min(v), max(v),
                                                    statistics.median(v) / base))


if __name__ == "__main__":
    main()
