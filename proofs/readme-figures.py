#!/usr/bin/env python3
"""readme-figures.py --check|--write SUMMARY... : the goal counts in README.md, "What is proven",
from what `make prove` printed (proofs/wp-summary.sh output, one file per WP run).
readme-figures.py --check-more NAME=SUMMARY... : the goal count of each WP run of `make prove-more`,
in README.md after the marker "figure:NAME".
readme-figures.py --check-bmc LOG... : every exhaustive search of proofs/bmc/bmc.c as `make bmc`
printed it ("bmc B-bit MODE cap C Pp x Qc: S states T transitions"), in README.md's table as the
row "| B | MODE | C | P×Q | S | T |".
readme-figures.py --check-spin LOG... : every SPIN model's states, transitions and depth as
`make bmc` printed them ("spin NAME: S states, T transitions, depth D, 0 errors"), in README.md as
a table row "S | T | D" or as "S states, depth D" (numbers with thousands separators).
readme-figures.py --check-wmm DIR MUTANTS CAUGHT ARGUED UNREACHED : the weak-memory figures of
`make bmc` (proofs/wmm/run.sh: DIR/base.SCENARIO.out, and its mutant counts), in README.md as
"the N scenarios", "E executions" and "M order mutants: **C caught, A argued**, U of the argued".

Each row of the README tables whose Function(s) cell names functions ends in a Goals cell: the sum
of those functions' goals in the first summary that has them (the LP64 run for the core and the
shell, the FIFO run for proofs/fifo.c). A row headed **Total** (or **Total, ...**) holds the
sum of the rows above it in the same table, and "N/N goals" after "figure:NAME" markers holds the
totals of the summary files in order. --check exits 1 and names every figure that drifted;
--write rewrites them in place. Nothing else in README.md is touched.
"""
import re
import sys

README = "README.md"


def summaries(paths):
    per, totals = [], []
    for arg in paths:  # one run; A,B,...: one run's functions over several WP invocations
        counts = {}
        for path in arg.split(","):
            part = None
            for line in open(path):
                m = re.match(r"\s+(\S+)\s+(\d+)/(\d+)\s+goals proved", line)
                if m:
                    counts[m.group(1)] = (int(m.group(2)), int(m.group(3)))
                m = re.match(r"total: (\d+)/(\d+) goals proved", line)
                if m:
                    part = (int(m.group(1)), int(m.group(2)))
            if part is None and "," not in arg:
                sys.exit("readme-figures: no total in %s (run make prove first)" % path)
        if "," in arg:  # a function proven again in a later file counts once, from that file
            total = (sum(p for p, _ in counts.values()), sum(t for _, t in counts.values()))
        else:
            total = part
        per.append(counts)
        totals.append(total)
    return per, totals


def readme_text():
    return re.sub(r"\s+", " ", open(README).read())


def drifted(what, missing):
    if missing:
        print("readme-figures: README.md drifted from the %s run (it does not say):" % what)
        for m in missing:
            print("  " + m)
        sys.exit(1)
    print("readme-figures: README.md's %s figures match the run" % what)


def check_lines(what, logs, pattern, forms):
    """Every line of the logs that matches pattern must appear in README.md in one of the forms
    (format strings over the match's groups, numbers with thousands separators)."""
    text, missing = readme_text(), []
    for path in logs:
        for line in open(path):
            m = re.match(pattern, line)
            if m:
                g = [format(int(v), ",") if v.isdigit() else v.upper() for v in m.groups()]
                want = [f.format(*g) for f in forms]
                if not any(w in text for w in want):
                    missing.append("%s: README.md has no %s" % (line.strip(), " or ".join(want)))
    drifted(what, missing)


def check_bmc(logs):
    check_lines("exhaustive search", logs,
                r"bmc\s+(\d+)-bit (spsc|mpmc) cap\s+(\d+) (\d+)p x (\d+)c:\s+(\d+) states\s+(\d+) transitions",
                ["| {0} | {1} | {2} | {3}×{4} | {5} | {6} |"])


def check_spin(logs):
    check_lines("SPIN", logs, r"spin (\S+): (\d+) states, (\d+) transitions, depth (\d+), 0 errors",
                ["{1} | {2} | {3}", "{1} states, depth {3}"])


def check_wmm(out, mutants, caught, argued, unreached):
    import glob
    runs = []
    for path in sorted(glob.glob(out + "/base.*.out")):
        m = re.search(r"^wmm \S+: (\d+) executions", open(path).read(), re.M)
        if not m:
            sys.exit("readme-figures: no execution count in %s" % path)
        runs.append(int(m.group(1)))
    text = readme_text()
    want = ["the %d scenarios" % len(runs), "%s executions" % format(sum(runs), ","),
            "%s order mutants: **%s caught, %s argued**, %s of the argued" % (mutants, caught, argued, unreached)]
    drifted("weak-memory", [w for w in want if w not in text])


def check_more(pairs):
    text = open(README).read()
    bad = 0
    for pair in pairs:
        name, path = pair.split("=", 1)
        p, t = summaries([path])[1][0]
        want = "%d/%d goals" % (p, t)
        found = re.findall(r"<!-- figure:%s -->(\d+/\d+ goals)" % re.escape(name), text)
        if found != [want]:
            print("readme-figures: README.md's figure:%s says %s, make prove-more printed %s"
                  % (name, ", ".join(found) or "nothing", want))
            bad = 1
    if bad:
        sys.exit(1)
    print("readme-figures: README.md's goal counts of make prove-more match the runs")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--check-more":
        return check_more(sys.argv[2:])
    if len(sys.argv) >= 3 and sys.argv[1] == "--check-bmc":
        return check_bmc(sys.argv[2:])
    if len(sys.argv) >= 3 and sys.argv[1] == "--check-spin":
        return check_spin(sys.argv[2:])
    if len(sys.argv) == 7 and sys.argv[1] == "--check-wmm":
        return check_wmm(*sys.argv[2:])
    if len(sys.argv) < 3 or sys.argv[1] not in ("--check", "--write"):
        sys.exit("usage: readme-figures.py --check|--write SUMMARY[,SUMMARY]...")
    write = sys.argv[1] == "--write"
    per, totals = summaries(sys.argv[2:])
    lines = open(README).read().split("\n")
    drift = []
    start = lines.index("## What is proven")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    acc = None
    goals_table = False  # the table's header row ends in a Goals column: only those are checked
    for i in range(start, end):
        line = lines[i]
        if not line.startswith("|"):
            acc = None
            continue
        cells = line.split("|")
        if not lines[i - 1].startswith("|"):
            goals_table = len(cells) >= 4 and cells[-2].strip() == "Goals"
        if not goals_table:
            continue
        if len(cells) < 4 or cells[-2].strip() in ("Goals", "---"):
            if cells[-2].strip() == "Goals":
                acc = 0
            continue
        goals_cell = cells[-2]
        if cells[1].strip().startswith("**Total"):
            want = acc
        else:
            names = re.findall(r"`((?:shmpc|fifo)_\w+)`", cells[-3])
            found = [next(c[n] for c in per if n in c) for n in names if any(n in c for c in per)]
            if not names or len(found) != len(names):
                drift.append("line %d: %s not in the summaries" % (i + 1, ", ".join(names) or "no function"))
                continue
            want = sum(t for _, t in found)
            if any(p != t for p, t in found):
                drift.append("line %d: %s not all proved" % (i + 1, ", ".join(names)))
            acc = (acc or 0) + want
        have = re.sub(r"\*", "", goals_cell).strip()
        if have != str(want):
            drift.append("line %d: %s goals, README says %s" % (i + 1, want, have or "nothing"))
            bold = "**" in goals_cell
            cells[-2] = " %s " % ("**%d**" % want if bold else str(want))
            lines[i] = "|".join(cells)
    # "N/N goals" after each marker <!-- figure:prove-K --> (K: the K-th summary, from 1)
    for i in range(start, end):
        def fix(m):
            k = int(m.group(1)) - 1
            if k >= len(totals):
                drift.append("line %d: figure:prove-%d names no summary given" % (i + 1, k + 1))
                return m.group(0)
            p, t = totals[k]
            text = "%d/%d goals" % (p, t)
            if m.group(2) != text:
                drift.append("line %d: figure:prove-%d says %s, the run %s" % (i + 1, k + 1, m.group(2), text))
            return "<!-- figure:prove-%d -->%s" % (k + 1, text)
        lines[i] = re.sub(r"<!-- figure:prove-(\d+) -->(\d+/\d+ goals)", fix, lines[i])
    if write:
        open(README, "w").write("\n".join(lines))
        print("readme-figures: %d figure(s) rewritten in %s" % (len(drift), README))
        return
    if drift:
        print("readme-figures: README.md drifted from the proof run (make prove-readme rewrites it):")
        for d in drift:
            print("  " + d)
        sys.exit(1)
    print("readme-figures: README.md's goal counts match the run")


main()
