#!/usr/bin/env python3
"""bench/run.py - runs the shmpc benchmarks, prints the tables, writes CSV and PNG plots.

    python3 bench/run.py [--quick] [--reps N] [--out DIR] [--bin B] [--boost B]
                         [--variant LABEL=BINARY]... [--only SCENARIO,...]

Scenarios: tput (throughput against message size), lat (ping-pong round trips), wake (a sleeping
consumer woken), mpmc (producers x consumers). Each figure is the median of --reps runs (default 5)
with min and max; the runs of one figure are interleaved with the other transports' (rep 1 of every
transport, then rep 2, ...) so that a burst of load on a shared machine hits all of them alike.
--variant runs every shmpc transport a second time with another build of bench.c (compiled against
a modified shmpc.h), labelled transport@LABEL, for side-by-side comparisons in one run.
Python standard library only.
"""
import argparse
import csv
import datetime
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time

KiB, MiB = 1024, 1024 * 1024
SIZES_FULL = [8, 64, 256, KiB, 4 * KiB, 64 * KiB, MiB, 8 * MiB]
SIZES_QUICK = [8, 64, 4 * KiB, MiB, 8 * MiB]

# Throughput against size: every transport, one producer process -> one consumer process.
# A name ending in AGAIN is the same transport measured a second time, interleaved with the rest: an
# A/A control, whose ratio to the first measurement is what the machine alone moves a ratio by.
AGAIN = "~again"
TPUT = ["pipe", "unix", "posix_mq", "boost", "ck_spsc", "ck_mpmc", "bare_ring", "bare_seq", "bare_zc", "bare_mpmc",
        "shmpc", "shmpc_batch", "shmpc_zc", "shmpc_mpmc", "shmpc_block", "shmpc_poll", "bare_ring" + AGAIN]
LAT = ["cacheline", "bare_ring", "shmpc", "shmpc_mpmc", "shmpc_block", "ck_spsc", "pipe", "unix",
       "posix_mq", "boost"]
WAKE = ["futex", "pipe", "unix", "posix_mq", "boost", "shmpc_block", "shmpc_poll"]
MPMC = ["shmpc_mpmc_block", "shmpc_mpmc", "shmpc_mpmc_batch", "bare_mpmc", "ck_mpmc", "boost", "posix_mq",
        "bare_mpmc" + AGAIN]
MPMC_CONFIGS_FULL = [(1, 1), (1, 2), (2, 1), (2, 2)]
MPMC_CONFIGS_QUICK = [(2, 2)]
# Instructions per message (callgrind, one process): every path of every transport that has one.
ICOUNT = ["pipe", "unix", "posix_mq", "ck_spsc", "ck_mpmc", "bare_ring", "bare_seq", "bare_zc", "bare_mpmc",
          "shmpc", "shmpc_batch", "shmpc_zc", "shmpc_mpmc", "shmpc_mpmc_batch"]
ICOUNT_SIZES = [8, 64]
ICOUNT_FLOORS = ["bare_ring", "bare_seq"]
# One core's time per message, each side (bench side): the rings, whose rounds fit without blocking.
SIDE = ["ck_spsc", "bare_ring", "bare_seq", "shmpc", "shmpc_batch", "ck_mpmc", "bare_mpmc", "shmpc_mpmc",
        "shmpc_mpmc_batch"]
SIDE_SIZES = [8, 64]


def scaling_configs(ncpu):
    """MPMC P x C for P = C = 1, 2, 4, ... while P + C <= the cores, then P = C = the cores (2x the
    cores in processes: oversubscribed, where spinning collapses and the blocking path must hold)."""
    out, k = [], 1
    while 2 * k <= ncpu:
        out.append((k, k))
        k *= 2
    if (ncpu, ncpu) not in out:
        out.append((ncpu, ncpu))
    return out


def icount(binary, t, size, n):
    """Instructions per message inside icount_loop (user space only: the kernel's share of a system
    call is not counted), or a string saying why there is no figure."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--toggle-collect=icount_loop",
           binary, "icount", t, str(size), str(n)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.stdout.startswith("n/a"):
        return "n/a"
    msgs = next((int(w.split("=")[1]) for w in p.stdout.split() if w.startswith("msgs=")), None)
    got = [l.split(":")[1].strip() for l in p.stderr.splitlines() if "Collected :" in l]
    if p.returncode != 0 or not msgs or not got:
        return "FAIL"
    return int(got[-1]) / msgs

LABEL = {
    "pipe": "pipe", "unix": "UNIX stream socket", "posix_mq": "POSIX mq", "boost": "Boost message_queue",
    "ck_spsc": "ck_ring SPSC", "ck_mpmc": "ck_ring MPMC", "bare_ring": "bare SPSC ring (floor)",
    "bare_seq": "bare sequence ring (floor, no shared index)",
    "bare_zc": "bare sequence ring in place (zero-copy floor)",
    "bare_mpmc": "bare MPMC ring (floor, Vyukov, spinning)",
    "shmpc": "shmpc SPSC copy", "shmpc_batch": "shmpc SPSC batch", "shmpc_zc": "shmpc SPSC zero-copy",
    "shmpc_mpmc": "shmpc MPMC (spin)", "shmpc_mpmc_batch": "shmpc MPMC batches of 64 (spin)", "shmpc_block": "shmpc SPSC blocking API",
    "shmpc_mpmc_block": "shmpc MPMC blocking API",
    "shmpc_poll": "shmpc SPSC, consumer polling shmpc_fd (event loop)", "cacheline": "bare cache-line ping-pong",
    "futex": "bare futex wake", "memcpy": "memcpy (1 core)",
    "memcpy_ring": "memcpy (1 core, into as many buffers as ring slots)",
}


def human(n):
    if n >= MiB and n % MiB == 0:
        return "%d MiB" % (n // MiB)
    if n >= KiB and n % KiB == 0:
        return "%d KiB" % (n // KiB)
    return "%d B" % n


def label(t):
    base, _, var = t.partition("@")
    if base.endswith(AGAIN):
        return LABEL.get(base[:-len(AGAIN)], base) + ", again (A/A control)"
    return LABEL.get(base, base) + (" [%s]" % var if var else "")


class Runner:
    def __init__(self, args):
        self.a = args
        self.raw = []
        self.variants = dict(v.split("=", 1) for v in args.variant)

    def binary(self, transport):
        base, _, var = transport.partition("@")
        if base.endswith(AGAIN):
            base = base[:-len(AGAIN)]
        if var:
            return self.variants[var], base
        return (self.a.boost if base == "boost" else self.a.bin), base

    def once(self, transport, argv, timeout):
        exe, base = self.binary(transport)
        cmd = [exe] + [str(x) for x in argv]
        cmd = [c if c != "@T" else base for c in cmd]
        t0 = time.time()
        try:
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 start_new_session=True)
            try:
                out, _ = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)  # our own child's process group
                p.communicate()
                out = "FAIL timeout after %ds" % timeout
        except OSError as e:
            out = "FAIL %s" % e
        line = (out.strip().splitlines() or ["FAIL no output"])[-1]
        self.raw.append({"cmd": " ".join(cmd), "transport": transport, "result": line,
                         "seconds": "%.3f" % (time.time() - t0)})
        return line

    @staticmethod
    def parse(line):
        if not line.startswith("ok "):
            return None
        return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}

    def figures(self, jobs, timeout):
        """jobs: list of (key, transport, argv). Runs reps interleaved; returns key -> list of dicts,
        or key -> str (na / FAIL reason)."""
        res = {k: [] for k, _, _ in jobs}
        status = {}
        for rep in range(self.a.reps):
            for key, t, argv in jobs:
                if key in status:
                    continue
                line = self.once(t, argv, timeout)
                d = self.parse(line)
                if d is None:
                    status[key] = line
                    if line.startswith("FAIL"):
                        print("  %s: %s" % (" ".join(str(x) for x in key), line), flush=True)
                    continue
                res[key].append(d)
            print("  rep %d/%d done" % (rep + 1, self.a.reps), flush=True)
        return {k: (status[k] if k in status else v) for k, v in res.items()}


def stat3(vals):
    return statistics.median(vals), min(vals), max(vals)


def fmt(x, nd=2):
    if x is None:
        return "-"
    if x >= 1000:
        return "%.0f" % x
    if x >= 100:
        return "%.1f" % x
    return "%.*f" % (nd, x)


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt_ratio(r):
    return "-" if r is None else ("%.2fx" % r if r < 100 else "%.0fx" % r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default="bench/results")
    ap.add_argument("--bin", default="build/bench/bench")
    ap.add_argument("--boost", default="build/bench/bench_boost")
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("--only", default="tput,lat,wake,mpmc,scale,icount,side")
    ap.add_argument("--python-csv", default=None,
                    help="the Python module's figures (default OUT/python.csv, written by make bench-python, "
                         "which make bench runs first); used for the Python target if less than 1 hour old")
    a = ap.parse_args()
    if a.reps < 1:
        sys.exit("--reps must be >= 1")
    os.makedirs(a.out, exist_ok=True)
    R = Runner(a)
    only = set(a.only.split(","))
    quick = a.quick
    sizes = SIZES_QUICK if quick else SIZES_FULL
    small_n = 50000 if quick else 1000000
    budget = (32 if quick else 1024) * MiB
    lat_n = 3000 if quick else 50000
    wake_n, wake_gap_us = (30, 1000) if quick else (400, 1000)
    mpmc_n = 50000 if quick else 300000
    configs = MPMC_CONFIGS_QUICK if quick else MPMC_CONFIGS_FULL
    variants = list(R.variants)

    def with_variants(ts):
        out = list(ts)
        for v in variants:
            out += [t + "@" + v for t in ts if t.startswith("shmpc")]
        return out

    ncpu = subprocess.run([a.bin, "cpus"], capture_output=True, text=True).stdout.strip()
    started = time.time()
    env = {
        "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if quick else "full", "reps": a.reps, "cpus": ncpu,
        "pinned": "yes (producer and consumer on different cores)" if ncpu not in ("", "0", "1") else "no (1 core)",
        "kernel": platform.release(), "machine": platform.machine(),
        "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
        "load": open("/proc/loadavg").read().split()[0],
    }
    print("shmpc bench (%s): %s cpus, %d reps per figure, median [min..max]" % (env["mode"], ncpu, a.reps), flush=True)

    tput, lat, wake, mpmc, memcpy, ic, side = {}, {}, {}, {}, {}, {}, {}
    scale_cfg = scaling_configs(int(ncpu) if ncpu.isdigit() else 1)
    if "icount" in only:
        if shutil.which("valgrind") is None:
            print("== instructions per message: valgrind not found (sh mk/need.sh valgrind)", flush=True)
        else:
            print("== instructions per message: callgrind, one process, push then pop", flush=True)
            for s in ICOUNT_SIZES:
                for t in with_variants(ICOUNT):
                    ic[(t, s)] = icount(R.binary(t)[0], t.split("@")[0], s, 20000 if quick else 200000)
    if "side" in only:
        print("== one core's time per message, each side: one process, rounds of 512 sent then received", flush=True)
        jobs = [((t, s), t, ["side", "@T", s, 500000 if quick else 2000000]) for s in SIDE_SIZES for t in with_variants(SIDE)]
        for k, v in R.figures(jobs, 120).items():
            side[k] = v if isinstance(v, str) else {x: stat3([d[x + "_ns"] for d in v]) for x in ("push", "pop")}
    if "tput" in only:
        print("== throughput: one producer process -> one consumer process", flush=True)
        jobs = []
        for s in sizes:
            n = small_n if s <= KiB else max(16, budget // s)
            jobs.append((("memcpy", s), "memcpy", ["memcpy", s, n * 4]))
            if s >= 64 * KiB:  # the same copy over the working set of a ring of that size
                jobs.append((("memcpy_ring", s), "memcpy", ["memcpy", s, n * 4, "ring"]))
            for t in with_variants(TPUT):
                jobs.append(((t, s), t, ["tput", "@T", s, n]))
        res = R.figures(jobs, 120)
        for (t, s), v in res.items():
            anchor = t.startswith("memcpy")
            if isinstance(v, str):
                (memcpy if anchor else tput)[(t, s)] = v
                continue
            mm = [d["msgs"] / d["ns"] * 1e3 for d in v]
            mb = [d["bytes"] / d["ns"] * 1e3 for d in v]
            (memcpy if anchor else tput)[(t, s)] = {"mmsg": stat3(mm), "mbs": stat3(mb), "n": int(v[0]["msgs"])}
    if "lat" in only:
        print("== latency: 8-byte ping-pong round trips", flush=True)
        res = R.figures([((t,), t, ["lat", "@T", lat_n]) for t in with_variants(LAT)], 300)
        for (t,), v in res.items():
            lat[t] = v if isinstance(v, str) else {k: stat3([d[k] for d in v]) for k in ("p50", "p99", "p999", "mean")}
    if "wake" in only:
        print("== wake-up: consumer asleep, producer wakes it (%d us gaps)" % wake_gap_us, flush=True)
        res = R.figures([((t,), t, ["wake", "@T", wake_n, wake_gap_us]) for t in with_variants(WAKE)], 300)
        for (t,), v in res.items():
            wake[t] = v if isinstance(v, str) else {k: stat3([d[k] for d in v]) for k in ("p50", "p99", "p999", "mean")}
    if "mpmc" in only:
        print("== MPMC: producers x consumers, 64-byte messages", flush=True)
        if "scale" in only:  # P x C up to the cores found, plus the oversubscribed point
            configs = configs + [pc for pc in scale_cfg if pc not in configs]
        jobs = [((t, p, c), t, ["mpmc", "@T", p, c, 64, mpmc_n]) for (p, c) in configs for t in with_variants(MPMC)]
        res = R.figures(jobs, 300)
        for k, v in res.items():
            mpmc[k] = v if isinstance(v, str) else {"mmsg": stat3([d["msgs"] / d["ns"] * 1e3 for d in v])}
    py = None  # hook for the Python module's own benchmark (python/bench_shmpc.py, another make target)
    pycsv = a.python_csv or os.path.join(a.out, "python.csv")
    if os.path.exists(pycsv) and time.time() - os.path.getmtime(pycsv) < 3600:
        rows = list(csv.DictReader(open(pycsv)))
        py = {}
        for r in rows:
            py[(r["transport"], int(r["size"]))] = float(r["mmsg_median"])
    env["seconds"] = "%.0f" % (time.time() - started)

    md = report(a, env, sizes, with_variants(TPUT), tput, memcpy, with_variants(LAT), lat,
                with_variants(WAKE), wake, with_variants(MPMC), mpmc, configs, py, variants,
                with_variants(ICOUNT), ic, scale_cfg, with_variants(SIDE), side)
    print(md)
    with open(os.path.join(a.out, "summary.md"), "w") as f:
        f.write(md)
    write_csv(a.out, R, sizes, tput, memcpy, lat, wake, mpmc)
    plots(a.out, sizes, with_variants(TPUT), tput, memcpy, with_variants(LAT), lat, with_variants(WAKE), wake,
          with_variants(MPMC), mpmc, configs)
    fails = [r for r in R.raw if r["result"].startswith("FAIL")]
    if fails:
        print("bench: %d run(s) FAILED (see %s/raw.csv)" % (len(fails), a.out))
        sys.exit(1)


def report(a, env, sizes, tts, tput, memcpy, lts, lat, wts, wake, mts, mpmc, configs, py, variants,
           its=(), ic=None, scale_cfg=(), sts=(), side=None):
    L = []
    L.append("Run: %(date)s, %(mode)s mode, %(reps)s repetitions per figure (median [min..max]), %(cpus)s CPUs, "
             "pinned: %(pinned)s; %(cpu)s; Linux %(kernel)s; load average at start %(load)s; "
             "%(seconds)s s." % env)
    L.append("")
    targets = []
    if tput:
        L.append("### Throughput, one producer process -> one consumer process")
        L.append("")
        L.append("Ratio column: shmpc (SPSC copy API; zero-copy API from 64 KiB) divided by that transport.")
        for s in sizes:
            L.append("")
            L.append("**%s** (%s messages)" % (human(s), next((v["n"] for (t, z), v in tput.items() if z == s and isinstance(v, dict)), "?")))
            L.append("")
            L.append("| transport | Mmsg/s median [min..max] | MB/s median | shmpc / this |")
            L.append("| --- | --- | --- | --- |")
            ref_t = "shmpc_zc" if s >= 64 * KiB else "shmpc"
            ref = tput.get((ref_t, s))
            refv = ref["mmsg"][0] if isinstance(ref, dict) else None
            rows = [(t, memcpy.get((t, s))) for t in ("memcpy", "memcpy_ring")] + [(t, tput.get((t, s))) for t in tts]
            for t, v in rows:
                if v is None:
                    continue
                if isinstance(v, str):
                    L.append("| %s | %s | | |" % (label(t), v))
                    continue
                m = v["mmsg"]
                r = ratio(refv, m[0]) if t != ref_t else None
                L.append("| %s | %s [%s..%s] | %s | %s |" % (label(t), fmt(m[0], 3), fmt(m[1], 3), fmt(m[2], 3),
                                                         fmt(v["mbs"][0], 0), fmt_ratio(r)))
    if lat:
        L.append("")
        L.append("### Round trip: 8-byte ping-pong over two channels (ns; median of the runs' percentiles)")
        L.append("")
        L.append("| transport | p50 | p99 | p99.9 | mean | p50 / cache-line p50 |")
        L.append("| --- | --- | --- | --- | --- | --- |")
        base = lat.get("cacheline")
        for t in lts:
            v = lat.get(t)
            if isinstance(v, str) or v is None:
                L.append("| %s | %s | | | | |" % (label(t), v))
                continue
            r = ratio(v["p50"][0], base["p50"][0]) if isinstance(base, dict) else None
            L.append("| %s | %s [%s..%s] | %s | %s | %s | %s |" % (label(t), fmt(v["p50"][0], 0), fmt(v["p50"][1], 0),
                     fmt(v["p50"][2], 0), fmt(v["p99"][0], 0), fmt(v["p999"][0], 0), fmt(v["mean"][0], 0), fmt_ratio(r)))
    if wake:
        L.append("")
        L.append("### Wake-up: the consumer is asleep (gaps of 1 ms), the producer sends one message (ns, send to receive)")
        L.append("")
        L.append("| transport | p50 | p99 | p99.9 | p50 / pipe p50 |")
        L.append("| --- | --- | --- | --- | --- |")
        base = wake.get("pipe")
        for t in wts:
            v = wake.get(t)
            if isinstance(v, str) or v is None:
                L.append("| %s | %s | | | |" % (label(t), v))
                continue
            r = ratio(v["p50"][0], base["p50"][0]) if isinstance(base, dict) else None
            L.append("| %s | %s [%s..%s] | %s | %s | %s |" % (label(t), fmt(v["p50"][0], 0), fmt(v["p50"][1], 0),
                     fmt(v["p50"][2], 0), fmt(v["p99"][0], 0), fmt(v["p999"][0], 0), fmt_ratio(r)))
    def mpmc_table(title, cfgs):
        L.append("")
        L.append(title)
        L.append("")
        L.append("| transport | " + " | ".join("%dx%d" % pc for pc in cfgs) + " |")
        L.append("| --- |" + " --- |" * len(cfgs))
        for t in mts:
            cells = []
            for (p, c) in cfgs:
                v = mpmc.get((t, p, c))
                cells.append("-" if v is None else v if isinstance(v, str) else "%s [%s..%s]" % tuple(fmt(x, 3) for x in v["mmsg"]))
            L.append("| %s | %s |" % (label(t), " | ".join(cells)))

    if mpmc:
        mpmc_table("### MPMC: P producer processes x C consumer processes, 64-byte messages (Mmsg/s)", configs)
    if mpmc and len(scale_cfg) > 1:
        mpmc_table("### MPMC scaling: P x C up to the %s cores found; the last column runs 2x the cores in processes "
                   "(oversubscribed); Mmsg/s" % env["cpus"], scale_cfg)
    if ic:
        L.append("")
        L.append("### Instructions per message, push + pop (callgrind, one process; user space only: a system call's "
                 "kernel work is not counted, so the kernel transports' figures are a floor)")
        L.append("")
        L.append("| transport | " + " | ".join("%s" % human(s) for s in ICOUNT_SIZES) +
                 " | " + " | ".join("/ faster bare floor, %s" % human(s) for s in ICOUNT_SIZES) + " |")
        L.append("| --- |" + " --- |" * (2 * len(ICOUNT_SIZES)))
        for t in its:
            cells, rel = [], []
            for s in ICOUNT_SIZES:
                v = ic.get((t, s))
                cells.append(v if isinstance(v, str) or v is None else "%.1f" % v)
                fl = [ic.get((f, s)) for f in ICOUNT_FLOORS if isinstance(ic.get((f, s)), float)]
                rel.append(fmt_ratio(ratio(v, min(fl))) if isinstance(v, float) and fl else "")
            L.append("| %s | %s | %s |" % (label(t), " | ".join(cells), " | ".join(rel)))
    def slower_side(t, s):  # ns per message of a transport's slower side on one core, or None
        v = (side or {}).get((t, s))
        return max(v["push"][0], v["pop"][0]) if isinstance(v, dict) else None

    if side:
        L.append("")
        L.append("### One core's time per message, each side (one process on one core: rounds of 512 messages sent, "
                 "then received; ns per message, median [min..max]); ceiling: 1000 / the slower side, the Mmsg/s "
                 "two cores could reach if nothing but each side's own work cost")
        L.append("")
        L.append("| transport | " + " | ".join("%s push | %s pop | %s ceiling" % ((human(s),) * 3) for s in SIDE_SIZES) + " |")
        L.append("| --- |" + " --- | --- | --- |" * len(SIDE_SIZES))
        for t in sts:
            cells = []
            for s in SIDE_SIZES:
                v = side.get((t, s))
                if not isinstance(v, dict):
                    cells += [v or "-", "", ""]
                    continue
                cells += ["%.2f [%.2f..%.2f]" % v["push"], "%.2f [%.2f..%.2f]" % v["pop"], fmt(1000.0 / slower_side(t, s), 1)]
            L.append("| %s | %s |" % (label(t), " | ".join(cells)))
    # ---- targets (PRODUCT.md section 5) --------------------------------------------------------------
    def tp(t, s):
        v = tput.get((t, s))
        return v["mmsg"][0] if isinstance(v, dict) else None

    def row(what, r, op, goal):
        met = None if r is None else (r >= goal if op == ">=" else r <= goal)
        targets.append((what, r, "%s %s" % (op, ("%gx" % goal)), met))

    for suffix in [""] + ["@" + v for v in variants]:
        tag = (" [%s]" % suffix[1:]) if suffix else ""
        S = lambda t: t + suffix
        for s in (8, 64):
            if (S("shmpc"), s) in tput:
                row("%s copy: shmpc%s / pipe" % (human(s), tag), ratio(tp(S("shmpc"), s), tp("pipe", s)), ">=", 20)
                row("%s copy: shmpc%s / UNIX socket" % (human(s), tag), ratio(tp(S("shmpc"), s), tp("unix", s)), ">=", 20)
                row("%s copy: shmpc%s / ck_ring SPSC" % (human(s), tag), ratio(tp(S("shmpc"), s), tp("ck_spsc", s)), ">=", 1)
                row("%s copy: shmpc%s / bare SPSC ring" % (human(s), tag), ratio(tp(S("shmpc"), s), tp("bare_ring", s)), ">=", 0.8)
                floors = [x for x in (tp("bare_ring", s), tp("bare_seq", s)) if x is not None]
                if len(floors) == 2:  # a next target: both floors, the faster one in this run
                    row("%s copy: shmpc%s / faster bare floor (next target)" % (human(s), tag),
                        ratio(tp(S("shmpc"), s), max(floors)), ">=", 1.0)
                if not suffix:  # context for the pipe target: the faster of the two bare rings, not a target
                    targets.append(("%s copy: faster bare ring / pipe" % human(s),
                                    ratio(max(floors), tp("pipe", s)) if floors else None, "(reference)", "-"))
        if (S("shmpc_batch"), 8) in tput:
            row("8 B batch: shmpc batch%s / bare per-message ring" % tag, ratio(tp(S("shmpc_batch"), 8), tp("bare_ring", 8)), ">=", 1.5)
            floors = [x for x in (tp("bare_ring", 8), tp("bare_seq", 8)) if x is not None]
            if len(floors) == 2:
                row("8 B batch: shmpc batch%s / faster bare floor (next target)" % tag,
                    ratio(tp(S("shmpc_batch"), 8), max(floors)), ">=", 1.5)
        if isinstance(lat.get(S("shmpc")), dict) and isinstance(lat.get("cacheline"), dict):
            row("round trip p50: shmpc%s / cache-line ping-pong" % tag, ratio(lat[S("shmpc")]["p50"][0], lat["cacheline"]["p50"][0]), "<=", 1.5)
        for s in (MiB, 8 * MiB):
            if (S("shmpc_zc"), s) in tput and isinstance(memcpy.get(("memcpy", s)), dict):
                row("%s zero-copy: shmpc%s / memcpy bandwidth" % (human(s), tag),
                    ratio(tp(S("shmpc_zc"), s), memcpy[("memcpy", s)]["mmsg"][0]), ">=", 0.8)
                if isinstance(memcpy.get(("memcpy_ring", s)), dict):  # context, not a target
                    r = ratio(tp(S("shmpc_zc"), s), memcpy[("memcpy_ring", s)]["mmsg"][0])
                    targets.append(("%s zero-copy: shmpc%s / memcpy into as many buffers as ring slots" % (human(s), tag),
                                    r, "(reference)", "-"))
                if not suffix and ("bare_zc", s) in tput:  # the floor against the target, not a target
                    targets.append(("%s zero-copy: bare ring in place / memcpy bandwidth" % human(s),
                                    ratio(tp("bare_zc", s), memcpy[("memcpy", s)]["mmsg"][0]), "(reference)", "-"))
        if isinstance(lat.get(S("shmpc_block")), dict) and isinstance(lat.get("pipe"), dict):
            row("blocking ping-pong p50: shmpc%s / pipe ping-pong" % tag, ratio(lat[S("shmpc_block")]["p50"][0], lat["pipe"]["p50"][0]), "<=", 0.1)
        if isinstance(wake.get(S("shmpc_block")), dict) and isinstance(wake.get("pipe"), dict):
            row("wake-up of a sleeper p50: shmpc%s / pipe" % tag, ratio(wake[S("shmpc_block")]["p50"][0], wake["pipe"]["p50"][0]), "<=", 1.0)
        if isinstance(wake.get(S("shmpc_poll")), dict):  # the pollable descriptor: context, not targets
            for base in ("pipe", S("shmpc_block")):
                if isinstance(wake.get(base), dict):
                    targets.append(("wake-up through shmpc_fd p50: shmpc%s poll / %s" % (tag, LABEL.get(base, base)),
                                    ratio(wake[S("shmpc_poll")]["p50"][0], wake[base]["p50"][0]), "(reference)", "-"))
        for s in (8, 64):
            if (S("shmpc_poll"), s) in tput and (S("shmpc_block"), s) in tput:
                row("%s copy, data flowing: polling consumer%s / blocking consumer" % (human(s), tag),
                    ratio(tp(S("shmpc_poll"), s), tp(S("shmpc_block"), s)), ">=", 0.9)
        m = lambda t: mpmc[(t, 2, 2)]["mmsg"][0] if isinstance(mpmc.get((t, 2, 2)), dict) else None
        if (S("shmpc_mpmc_block"), 2, 2) in mpmc:
            row("MPMC 2x2 64 B: shmpc%s / Boost message_queue" % tag, ratio(m(S("shmpc_mpmc_block")), m("boost")), ">=", 10)
            row("MPMC 2x2 64 B: shmpc%s / ck_ring MPMC" % tag, ratio(m(S("shmpc_mpmc_block")), m("ck_mpmc")), ">=", 1)
        if (S("shmpc_mpmc"), 2, 2) in mpmc:
            row("MPMC 2x2 64 B: shmpc MPMC%s (spin) / bare MPMC ring" % tag, ratio(m(S("shmpc_mpmc")), m("bare_mpmc")), ">=", 0.9)
        if (S("shmpc_mpmc_batch"), 2, 2) in mpmc:
            row("MPMC 2x2 64 B: shmpc MPMC batches of 64%s / bare MPMC ring" % tag,
                ratio(m(S("shmpc_mpmc_batch")), m("bare_mpmc")), ">=", 2)
            one = mpmc.get(("bare_mpmc", 1, 1))
            if not suffix and isinstance(one, dict):  # context for the Boost target, not a target
                targets.append(("MPMC 64 B: bare MPMC ring 1x1 (a core per side, no contention) / Boost 2x2",
                                ratio(one["mmsg"][0], m("boost")), "(reference)", "-"))
    # A/A controls, not targets: a floor against itself measured again in the same run. Where this
    # ratio leaves [0.9, 1.11], the machine alone moved a ratio past a 10 % margin in that run.
    for s in (8, 64):
        if (("bare_ring" + AGAIN), s) in tput:
            targets.append(("%s copy: bare SPSC ring / the same, again (A/A control)" % human(s),
                            ratio(tp("bare_ring", s), tp("bare_ring" + AGAIN, s)), "(reference)", "-"))
    for p in (1, 2):
        a1, a2 = mpmc.get(("bare_mpmc", p, p)), mpmc.get(("bare_mpmc" + AGAIN, p, p))
        if isinstance(a1, dict) and isinstance(a2, dict):
            targets.append(("MPMC %dx%d 64 B: bare MPMC ring / the same, again (A/A control)" % (p, p),
                            ratio(a1["mmsg"][0], a2["mmsg"][0]), "(reference)", "-"))
    # One core's ceilings, not targets: each target's ratio if both sides ran at their one-core pace.
    if side:
        for suffix in [""] + ["@" + v for v in variants]:
            tag = (" [%s]" % suffix[1:]) if suffix else ""
            for t, s, fls, what in (("shmpc", 8, ("bare_ring", "bare_seq"), "8 B copy"),
                                    ("shmpc", 64, ("bare_ring", "bare_seq"), "64 B copy"),
                                    ("shmpc_batch", 8, ("bare_ring", "bare_seq"), "8 B batch"),
                                    ("shmpc_mpmc", 64, ("bare_mpmc",), "MPMC 64 B"),
                                    ("shmpc_mpmc_batch", 64, ("bare_mpmc",), "MPMC 64 B batches of 64")):
                mine = slower_side(t + suffix, s)
                fl = [x for x in (slower_side(f, s) for f in fls) if x is not None]
                if mine is not None and fl:
                    targets.append(("%s: one core's ceiling, shmpc%s / the %s" %
                                    (what, tag, "faster bare floor's" if len(fls) > 1 else "bare floor's"),
                                    ratio(min(fl), mine), "(reference)", "-"))
    if ic:
        for suffix in [""] + ["@" + v for v in variants]:
            for s in ICOUNT_SIZES:
                v = ic.get(("shmpc" + suffix, s))
                fl = [ic.get((f, s)) for f in ICOUNT_FLOORS if isinstance(ic.get((f, s)), float)]
                if isinstance(v, float) and fl:
                    row("%s copy: instructions per message, shmpc%s / fewer of the bare floors" %
                        (human(s), (" [%s]" % suffix[1:]) if suffix else ""), ratio(v, min(fl)), "<=", 2)
    if py:
        for s in sorted({z for (_, z) in py}):
            row("Python module %s copy push/pop / pipe used from Python (python.csv)" % human(s),
                ratio(py.get(("python shmpc copy", s)), py.get(("python pipe", s))), ">=", 3)
    else:
        targets.append(("Python module push/pop / pipe used from Python", None, ">= 3x",
                        "not measured here (make bench-python writes python.csv)"))
    L.append("")
    L.append("### Targets (PRODUCT.md section 5), medians of this run")
    L.append("")
    L.append("| target | measured | goal | |")
    L.append("| --- | --- | --- | --- |")
    for what, r, goal, met in targets:
        L.append("| %s | %s | %s | %s |" % (what, fmt_ratio(r), goal,
                                          met if isinstance(met, str) else ("-" if met is None else ("met" if met else "NOT MET"))))
    report.targets = targets
    return "\n".join(L) + "\n"


def write_csv(out, R, sizes, tput, memcpy, lat, wake, mpmc):
    with open(os.path.join(out, "throughput.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["transport", "size", "messages", "mmsg_median", "mmsg_min", "mmsg_max", "mbs_median", "mbs_min", "mbs_max", "status"])
        for (t, s), v in list(memcpy.items()) + list(tput.items()):
            if isinstance(v, str):
                w.writerow([t, s, "", "", "", "", "", "", "", v])
            else:
                w.writerow([t, s, v["n"]] + ["%.4f" % x for x in v["mmsg"]] + ["%.1f" % x for x in v["mbs"]] + ["ok"])
    for name, d in (("latency.csv", lat), ("wake.csv", wake)):
        with open(os.path.join(out, name), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["transport"] + ["%s_%s" % (k, q) for k in ("p50", "p99", "p999", "mean") for q in ("median", "min", "max")] + ["status"])
            for t, v in d.items():
                if isinstance(v, str):
                    w.writerow([t] + [""] * 12 + [v])
                else:
                    w.writerow([t] + ["%.0f" % x for k in ("p50", "p99", "p999", "mean") for x in v[k]] + ["ok"])
    with open(os.path.join(out, "mpmc.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["transport", "producers", "consumers", "mmsg_median", "mmsg_min", "mmsg_max", "status"])
        for (t, p, c), v in mpmc.items():
            w.writerow([t, p, c] + (["", "", "", v] if isinstance(v, str) else ["%.4f" % x for x in v["mmsg"]] + ["ok"]))
    with open(os.path.join(out, "targets.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["target", "measured_ratio", "goal", "met"])
        for what, r, goal, met in getattr(report, "targets", []):
            w.writerow([what, "" if r is None else "%.3f" % r, goal, met if isinstance(met, str) else ("" if met is None else ("met" if met else "not met"))])
    with open(os.path.join(out, "raw.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["transport", "cmd", "result", "seconds"])
        w.writeheader()
        w.writerows(R.raw)


def plots(out, sizes, tts, tput, memcpy, lts, lat, wts, wake, mts, mpmc, configs):
    tts, mts = [t for t in tts if AGAIN not in t], [t for t in mts if AGAIN not in t]  # controls: tables only
    gp = shutil.which("gnuplot")
    here = os.path.dirname(os.path.abspath(__file__))
    if not gp:
        print("bench: gnuplot not found, no PNG plots")
        return
    dat = os.path.join(out, "plotdata")
    os.makedirs(dat, exist_ok=True)
    names = []
    for t in ["memcpy", "memcpy_ring"] + tts:
        src = memcpy if t.startswith("memcpy") else tput
        pts = [(s, src[(t, s)]) for s in sizes if isinstance(src.get((t, s)), dict)]
        if not pts:
            continue
        fn = "tput_%s.dat" % t.replace("@", "-")
        with open(os.path.join(dat, fn), "w") as f:
            f.write("# size mmsg_med mmsg_min mmsg_max mbs_med mbs_min mbs_max\n")
            for s, v in pts:
                f.write("%d %g %g %g %g %g %g\n" % ((s,) + v["mmsg"] + v["mbs"]))
        names.append((fn, label(t)))
    with open(os.path.join(dat, "tput.list"), "w") as f:
        for fn, lab in names:
            f.write("%s\t%s\n" % (fn, lab))
    for name, d, ts in (("latency", lat, lts), ("wake", wake, wts)):
        with open(os.path.join(dat, name + ".dat"), "w") as f:
            f.write("# label p50 p50min p50max p99 p999\n")
            for t in ts:
                v = d.get(t)
                if isinstance(v, dict):
                    f.write('"%s" %g %g %g %g %g\n' % (label(t), v["p50"][0], v["p50"][1], v["p50"][2], v["p99"][0], v["p999"][0]))
    with open(os.path.join(dat, "mpmc.dat"), "w") as f:
        f.write("# config " + " ".join('"%s"' % label(t) for t in mts) + "\n")
        f.write('"config" ' + " ".join('"%s"' % label(t) for t in mts) + "\n")
        for (p, c) in configs:
            vals = []
            for t in mts:
                v = mpmc.get((t, p, c))
                vals.append("%g" % v["mmsg"][0] if isinstance(v, dict) else "NaN")
            f.write('"%dx%d" %s\n' % (p, c, " ".join(vals)))
    ok = True
    scripts = [g for g, d in (("throughput.gp", tput), ("latency.gp", lat or wake), ("mpmc.gp", mpmc)) if d]
    for script in scripts:  # only the scenarios this run measured (--only)
        r = subprocess.run([gp, "-e", "dat='%s'; out='%s'; ntr=%d" % (dat, out, len(mts)), os.path.join(here, script)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            ok = False
            print("bench: gnuplot %s failed:\n%s" % (script, r.stderr))
    if ok:
        print("plots: %s" % ", ".join(sorted(f for f in os.listdir(out) if f.endswith(".png"))))


if __name__ == "__main__":
    main()
