#!/usr/bin/env python3
"""bench/verdict.py - runs the whole benchmark N times and says, per target, in how many runs it was met.

    python3 bench/verdict.py --runs N --out DIR -- RUN.PY-COMMAND...
    python3 bench/verdict.py --collect RUNDIR... --out DIR   (the table over runs already made)

Each run is a complete, separate `bench/run.py` (its own processes, its own medians) writing into
DIR/runK; the verdict table (DIR/verdict.md and DIR/verdict.csv) lists each target's measured ratio
in every run and "met in k of N". A target counts as held only when k == N: on a noisy machine one
good run is not evidence. Python standard library only.
"""
import argparse
import csv
import os
import subprocess
import sys

# The floors beside the targets, per run (medians, Mmsg/s; wake-up p50 in us): what the machine gave
# each run, so that a ratio that moved can be read against the floors that moved with it.
SPSC_COLS = [("pipe", "8"), ("bare_ring", "8"), ("bare_seq", "8"), ("shmpc", "8"), ("shmpc_batch", "8"),
             ("bare_ring", "64"), ("bare_seq", "64"), ("shmpc", "64")]
MPMC_COLS = [("bare_mpmc", "1"), ("shmpc_mpmc", "1"), ("shmpc_mpmc_batch", "1"),
             ("bare_mpmc", "2"), ("shmpc_mpmc", "2"), ("shmpc_mpmc_batch", "2"), ("shmpc_mpmc_block", "2"),
             ("bare_mpmc~again", "2")]
WAKE_COLS = ["pipe", "futex", "shmpc_block", "shmpc_poll"]


def medians(path, key):
    """{key(row): (median, min, max)} of a run's CSV; {} if the file is missing."""
    if not os.path.exists(path):
        return {}
    m = {}
    for r in csv.DictReader(open(path)):
        med = r.get("mmsg_median") or r.get("p50_median")
        if med:
            lo = r.get("mmsg_min") or r.get("p50_min")
            hi = r.get("mmsg_max") or r.get("p50_max")
            m[key(r)] = (float(med), float(lo), float(hi))
    return m


def floors(dirs):
    L = ["", "### The floors of each run (medians: throughput in Mmsg/s, wake-up p50 in us)", "",
         "| run | " + " | ".join("%s, %s B" % c for c in SPSC_COLS) + " |",
         "| --- |" + " --- |" * len(SPSC_COLS)]
    for k, d in enumerate(dirs, 1):
        m = medians(os.path.join(d, "throughput.csv"), lambda r: (r["transport"], r["size"]))
        L.append("| %d | %s |" % (k, " | ".join("%.1f" % m[c][0] if c in m else "-" for c in SPSC_COLS)))
    L += ["", "| run | " + " | ".join("%s %sx%s" % (t, p, p) for t, p in MPMC_COLS) + " |",
          "| --- |" + " --- |" * len(MPMC_COLS)]
    for k, d in enumerate(dirs, 1):
        m = medians(os.path.join(d, "mpmc.csv"), lambda r: (r["transport"], r["producers"], r["consumers"]))
        L.append("| %d | %s |" % (k, " | ".join("%.2f [%.2f..%.2f]" % m[(t, p, p)] if (t, p, p) in m else "-"
                                               for t, p in MPMC_COLS)))
    L += ["", "| run | " + " | ".join("wake-up p50, %s" % t for t in WAKE_COLS) + " |",
          "| --- |" + " --- |" * len(WAKE_COLS)]
    for k, d in enumerate(dirs, 1):
        m = medians(os.path.join(d, "wake.csv"), lambda r: r["transport"])
        L.append("| %d | %s |" % (k, " | ".join("%.1f" % (m[t][0] / 1000.0) if t in m else "-" for t in WAKE_COLS)))
    return L


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default="bench/results")
    ap.add_argument("--collect", nargs="+", metavar="RUNDIR",
                    help="make no run: the table over these run directories (each with its targets.csv)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="the run.py command line, after --")
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if a.collect:
        a.runs = len(a.collect)
    elif a.runs < 1 or not cmd:
        sys.exit("usage: verdict.py --runs N --out DIR -- python3 bench/run.py ...")
    results, order, failed, dirs = [], [], 0, []
    for k in range(1, a.runs + 1):
        if a.collect:
            out = a.collect[k - 1]
            if not os.path.exists(os.path.join(out, "targets.csv")):
                sys.exit("verdict.py: %s has no targets.csv" % out)
        else:
            out = os.path.join(a.out, "run%d" % k)
            print("== verdict: run %d of %d -> %s" % (k, a.runs, out), flush=True)
            rc = subprocess.run(cmd + ["--out", out]).returncode
            failed += rc != 0
        got = {}
        dirs.append(out)
        path = os.path.join(out, "targets.csv")
        if os.path.exists(path):
            for r in csv.DictReader(open(path)):
                if r["target"] not in order:
                    order.append(r["target"])
                got[r["target"]] = r
        results.append(got)
    L = ["### Verdict over %d full runs (each target's ratio in every run; held only if met in all)" % a.runs, "",
         "| target | goal | " + " | ".join("run %d" % (k + 1) for k in range(a.runs)) + " | met |",
         "| --- | --- |" + " --- |" * a.runs + " --- |"]
    rows = []
    for t in order:
        rs = [r.get(t) for r in results]
        goal = next((r["goal"] for r in rs if r), "")
        cells = ["-" if not r or not r["measured_ratio"] else "%.2fx" % float(r["measured_ratio"]) for r in rs]
        judged = [r["met"] for r in rs if r and r["met"] in ("met", "not met")]
        met = sum(1 for m in judged if m == "met")
        verdict = "not judged" if not judged else "%d of %d" % (met, a.runs)
        rows.append([t, goal] + cells + [verdict])
        L.append("| %s | %s | %s | %s |" % (t, goal, " | ".join(cells), verdict))
    L += floors(dirs)
    if failed:
        L += ["", "%d of %d runs reported a FAIL (see runK/raw.csv)." % (failed, a.runs)]
    md = "\n".join(L) + "\n"
    print(md)
    with open(os.path.join(a.out, "verdict.md"), "w") as f:
        f.write(md)
    with open(os.path.join(a.out, "verdict.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["target", "goal"] + ["run%d" % (k + 1) for k in range(a.runs)] + ["met"])
        w.writerows(rows)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
