#!/usr/bin/env python3
"""bench/medians.py LOG - medians of a bench/static.sh log (raw `bench` output lines).

Each figure line is `FIGURE TRANSPORT [CONFIG] repN ok key=value...`; this prints, per figure,
transport and config, the median over the repetitions with min and max: million messages per second
for tput and mpmc, nanoseconds for wake (p50, p99). Python standard library only."""
import collections
import re
import statistics
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    got = collections.defaultdict(list)
    fails = []
    for line in open(sys.argv[1]):
        m = re.match(r"(tput|mpmc|wake) (\S+)(?: (\S+))? rep\d+ ?(.*)$", line.strip())
        if not m:
            continue
        fig, t, cfg, res = m.group(1), m.group(2), m.group(3) or "-", m.group(4)
        if not res.startswith("ok "):
            fails.append("%s %s %s: %s" % (fig, t, cfg, res or "no result (timeout)"))
            continue
        kv = {k: float(v) for k, v in (w.split("=") for w in res.split()[1:])}
        got[(fig, t, cfg)].append(kv)
    print("| figure | transport | config | median | min | max | reps |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for (fig, t, cfg), runs in got.items():
        cols = [("p50 ns", [r["p50"] for r in runs]), ("p99 ns", [r["p99"] for r in runs])] if fig == "wake" \
            else [("M msg/s", [r["msgs"] / r["ns"] * 1e3 for r in runs])]
        for unit, v in cols:
            print("| %s (%s) | %s | %s | %.2f | %.2f | %.2f | %d |" % (fig, unit, t, cfg, statistics.median(v),
                                                                   min(v), max(v), len(v)))
    for f in fails:
        print("FAILED: " + f)


if __name__ == "__main__":
    main()
