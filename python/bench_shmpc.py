"""Throughput of the Python module, process to process, beside a pipe used from Python.

    python3 python/bench_shmpc.py [--count N] [--reps R] [--sizes 8,64] [--out DIR]

A child process produces N messages of S bytes, the parent consumes them; the clock runs in the
parent from the first message to the last. Transports:
  pipe           os.write / os.read of S bytes each (the Python baseline)
  shmpc copy     Ring.push / Ring.pop, one message per call
  shmpc batch    Ring.push_many / Ring.pop_many, 64 messages per call
Prints medians of R runs (Mmsg/s, min..max) and the ratio to the pipe; with --out, writes
DIR/python.csv and DIR/python.md (make bench puts them in bench/results/ beside the C figures).
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shmpc  # noqa: E402

BATCH = 64


def run_pipe(n, size):
    r, w = os.pipe()
    msg = b"x" * size
    pid = os.fork()
    if pid == 0:
        os.close(r)
        wr = os.write
        for _ in range(n):
            wr(w, msg)
        os._exit(0)
    os.close(w)
    rd = os.read
    first = rd(r, size)
    t = time.perf_counter()
    got = 1
    assert len(first) == size
    while got < n:
        m = rd(r, size)
        if len(m) != size:   # a message is written at once (<= PIPE_BUF): read in whole units
            raise RuntimeError("short read %d" % len(m))
        got += 1
    dt = time.perf_counter() - t
    os.close(r)
    os.waitpid(pid, 0)
    return (n - 1) / dt


def run_shmpc(n, size, batch):
    name = "shmpc-pybench-%d" % os.getpid()
    prod = shmpc.Ring.create(name, capacity=4096, slot_size=max(size, 8))
    cons = shmpc.Ring.open(name, shmpc.CONSUMER)
    msg = b"x" * size
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            cons._open = False           # the parent's consumer handle: not this process's to close
            if batch:
                msgs = [msg] * BATCH
                left = n
                while left:
                    k = prod.push_many(msgs if left >= BATCH else msgs[:left])
                    left -= k
            else:
                for _ in range(n):          # as a user writes it: a method call per message
                    prod.push(msg)
            prod.close()
            code = 0
        finally:
            os._exit(code)
    prod._open = False                   # the child's producer: the parent leaves it alone
    got = 0
    if batch:
        got = len(cons.pop_many(BATCH))
        t = time.perf_counter()
        pm = cons.pop_many
        while got < n:
            got += len(pm(BATCH))
    else:
        cons.pop()
        got = 1
        t = time.perf_counter()
        while got < n:
            cons.pop()
            got += 1
    dt = time.perf_counter() - t
    os.waitpid(pid, 0)
    cons.close()
    shmpc.unlink(name)
    return (n - (BATCH if batch else 1)) / dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=300000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--sizes", default="8,64")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    rows = []
    print("Python module throughput, 1 producer process -> 1 consumer process (%d messages, median of %d runs)"
          % (a.count, a.reps))
    print("%-14s %5s %24s %10s" % ("transport", "size", "Mmsg/s median [min..max]", "vs pipe"))
    for size in [int(s) for s in a.sizes.split(",")]:
        base = None
        for label, fn in (("pipe", lambda: run_pipe(a.count, size)),
                          ("shmpc copy", lambda: run_shmpc(a.count, size, False)),
                          ("shmpc batch", lambda: run_shmpc(a.count, size, True))):
            v = [fn() / 1e6 for _ in range(a.reps)]
            med = statistics.median(v)
            base = base or med
            rows.append((label, size, med, min(v), max(v), med / base))
            print("%-14s %5d %8.3f [%.3f..%.3f] %9.1fx" % (label, size, med, min(v), max(v), med / base))
            sys.stdout.flush()
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "python.csv"), "w") as f:
            f.write("transport,size,mmsg_median,mmsg_min,mmsg_max,ratio_to_pipe\n")
            for r in rows:
                f.write("python %s,%d,%.4f,%.4f,%.4f,%.2f\n" % r)
        with open(os.path.join(a.out, "python.md"), "w") as f:
            f.write("### Python module (shmpc.py over its C extension _shmpc), process to process, Mmsg/s\n\n")
            f.write("| transport | size | median [min..max] | vs Python pipe |\n| --- | --- | --- | --- |\n")
            for r in rows:
                f.write("| python %s | %d B | %.3f [%.3f..%.3f] | %.1fx |\n" % r)
        print("bench-python: %s/python.csv, %s/python.md" % (a.out, a.out))


if __name__ == "__main__":
    main()
