"""Python zero-copy against copy for large blocks (1-8 MiB), one process, one ring.

    python3 python/bench_zerocopy.py [--reps N] [--sizes 1,2,4,8] [--out DIR]

For each block size (MiB), the time of one consumer call, the producer's push done outside the clock:
  copy       b = ring.pop(); struct.unpack_from("<QQ", b)        (the block copied into a new bytes)
  zero-copy  with ring.peek() as v: struct.unpack_from("<QQ", v)  (read in place, released at the end)
and of one producer call, the consumer's pop outside the clock:
  copy       ring.push(src)                                       (src: a bytes of the block's size)
  in place   with ring.reserve(n) as v: struct.pack_into("<QQ", v, 0, ...)   (the block written in
             the slot by whoever produces it; only the header written here)
Medians of N calls, in microseconds per block and GiB/s. Timings depend on the machine's load; the
ratio of the two columns is the figure to read.
"""
import argparse
import csv
import os
import statistics
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shmpc  # noqa: E402

MIB = 1 << 20


def median_us(samples):
    return statistics.median(samples) * 1e6


def measure(size, reps):
    name = "shmpc-bench-zc-%d" % os.getpid()
    src = os.urandom(size)
    out = {}
    with shmpc.Ring.create(name, capacity=2, slot_size=size) as p, shmpc.Ring.open(name) as c:
        shmpc.unlink(name)
        clock = time.perf_counter
        for label, consume in (("copy", lambda: struct.unpack_from("<QQ", c.pop())), ("zero-copy", None)):
            t = []
            for _ in range(reps):
                p.push(src)
                t0 = clock()
                if consume:
                    consume()
                else:
                    with c.peek() as v:
                        struct.unpack_from("<QQ", v)
                t.append(clock() - t0)
            out["consume " + label] = median_us(t)
        for label in ("copy", "in place"):
            t = []
            for i in range(reps):
                t0 = clock()
                if label == "copy":
                    p.push(src)
                else:
                    with p.reserve(size) as v:
                        struct.pack_into("<QQ", v, 0, i, size)
                t.append(clock() - t0)
                c.pop()
            out["produce " + label] = median_us(t)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--sizes", default="1,2,4,8")
    ap.add_argument("--out")
    a = ap.parse_args()
    rows = []
    print("Python zero-copy against copy (median us per block; GiB/s; %d calls each)" % a.reps)
    print("%-6s %14s %14s %7s   %14s %14s %7s" % ("MiB", "pop (copy)", "peek (in place)", "ratio",
                                                   "push (copy)", "reserve (in place)", "ratio"))
    for mib in [int(x) for x in a.sizes.split(",")]:
        m = measure(mib * MIB, a.reps)
        gib = lambda us: mib / 1024 / (us / 1e6)  # noqa: E731
        cc, cz, pc, pz = (m["consume copy"], m["consume zero-copy"], m["produce copy"], m["produce in place"])
        rows.append((mib,) + tuple(round(x, 2) for x in (cc, cz, pc, pz)))
        print("%-6d %8.1f (%4.1f) %8.1f (%5.0f) %6.0fx   %8.1f (%4.1f) %8.1f (%5.0f) %6.0fx"
              % (mib, cc, gib(cc), cz, gib(cz), cc / cz, pc, gib(pc), pz, gib(pz), pc / pz))
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "python_zerocopy.csv"), "w", newline="") as f:
            csv.writer(f).writerows([("mib", "pop_copy_us", "peek_us", "push_copy_us", "reserve_us")] + rows)


if __name__ == "__main__":
    main()
