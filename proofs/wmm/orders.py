#!/usr/bin/env python3
"""orders.py: the memory-order mutants of shmpc.h, read from the header itself.

  orders.py list HEADER            every atomic access and fence of the >>ring section with its
                                   order, and the mutants made from it (one line each)
  orders.py make HEADER ID OUT     writes to OUT a copy of HEADER with mutant ID applied
  orders.py make-all HEADER DIR    the same for every mutant, into DIR/NAME/shmpc.h (NAME: the ID
                                   with each of : # > - as _), in one run (none where it fails)
  orders.py lines HEADER           each mutant with the first and last line of HEADER that the
                                   access it changes spans
  orders.py reach HEADER DIR SCN.. each mutant and the scenarios whose run reached one of those
                                   lines (DIR/base.SCN.reached: one line number per line); run.sh
                                   runs a mutant only on those, and none that no scenario reached
  orders.py union HEADER OUT ID..  writes to OUT a copy of HEADER with every order mutant ID applied
                                   at once (an access with two of them, acq_rel to release and to
                                   acquire, gets relaxed); fences removed; no :late mutant

Every shmpc__ld/st/add/sub/or/and/cas(..., ORDER) and shmpc__fence/signal_fence(ORDER) between the
>>ring and >>os anchors is an access, named FUNCTION:OP#K (the K-th such OP in that function).
Its mutants: a release weakened to relaxed, an acquire weakened to relaxed, acq_rel weakened to
release and to acquire, seq_cst accesses to acq_rel, each fence removed. Besides these, every
store of a slot length that is followed, in the same block, by a release store (the publication)
gets a mutant that moves it after the publication (FUNCTION:len#K:late). A change in shmpc.h's
orders therefore changes the mutant set: run.sh fails if a survivor is not argued in
survivors.txt, or an argued one is no longer a survivor."""
import re, sys

OPS = "ld|st|add|sub|or|and|cas"
WEAKER = {"release": ["relaxed"], "acquire": ["relaxed"], "acq_rel": ["release", "acquire"],
          "seq_cst": ["acq_rel"]}
FUNC = re.compile(r"^SHMPC_\w+\s+(?:[\w\s\*]+?)\b(\w+)\(")


def ring_bounds(text):
    a = text.index(">>ring */")
    b = text.index(">>os */")
    return a, b


def call_end(text, i):
    """index just past the ')' closing the call whose '(' is at i"""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    raise SystemExit("orders.py: unbalanced call at %d" % i)


def accesses(text):
    a, b = ring_bounds(text)
    out, counts, func = [], {}, "?"
    # a function's header: a line of its own (not across lines: an access in a first statement
    # that spans lines would be taken for part of the header)
    pat = re.compile(r"^SHMPC_\w+.*?\b(\w+)\([^;\n]*$|\bshmpc__(%s|fence|signal_fence)\(" % OPS, re.M)
    for m in pat.finditer(text, a, b):
        if m.group(1):
            func = m.group(1)
            continue
        op = m.group(2)
        start = m.start()
        if text[start - 1] in "_" or text.startswith("define", start - 7):
            continue
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].lstrip().startswith("#"):
            continue  # the macro definitions themselves
        end = call_end(text, m.end() - 1)
        mo = re.search(r"(\w+)\)$", text[start:end]).group(1)
        if mo not in ("relaxed", "acquire", "release", "acq_rel", "seq_cst"):
            continue
        key = (func, op)
        counts[key] = counts.get(key, 0) + 1
        out.append({"id": "%s:%s#%d" % (func, op, counts[key]), "op": op, "mo": mo, "start": start, "end": end})
    return out


def len_sites(text):
    """slot-length stores followed in the same block by a release store: (id, line span, publish span)"""
    a, b = ring_bounds(text)
    lines = text[a:b].split("\n")
    offs, o = [], a
    for ln in lines:
        offs.append(o)
        o += len(ln) + 1
    func, counts, out = "?", {}, []
    for i, ln in enumerate(lines):
        m = FUNC.match(ln)
        if m:
            func = m.group(1)
        if not re.search(r"shmpc__st\(&sl->len,.*relaxed\);", ln):
            continue
        counts[func] = counts.get(func, 0) + 1
        depth, seen = 0, False
        for j in range(i + 1, len(lines)):
            depth += lines[j].count("{") - lines[j].count("}")
            if depth < 0:
                break  # the block ends before any publication (a batch publishes after its loop)
            seen = seen or re.search(r"shmpc__st\([^;]*, release\);", lines[j]) is not None
            if seen and depth == 0:  # after the publication, or after the if/else that holds it
                out.append(("%s:len#%d:late" % (func, counts[func]), i, j, lines, offs))
                break
    return out


def mutants(text):
    res = []
    for acc in accesses(text):
        if acc["op"] in ("fence", "signal_fence"):
            res.append((acc["id"] + ":" + acc["mo"] + "->none", acc))
        else:
            for w in WEAKER.get(acc["mo"], []):
                res.append((acc["id"] + ":" + acc["mo"] + "->" + w, acc))
    for site in len_sites(text):
        res.append((site[0], site))
    return res


def apply(text, mid):
    for name, acc in mutants(text):
        if name != mid:
            continue
        if isinstance(acc, tuple):  # a length store moved after the publication
            _, i, j, lines, offs = acc
            a, _ = ring_bounds(text)
            new = list(lines)
            moved = new.pop(i)
            new.insert(j, moved)
            b = ring_bounds(text)[1]
            return text[:a] + "\n".join(new) + text[b:]
        call = text[acc["start"]:acc["end"]]
        if acc["op"] in ("fence", "signal_fence"):
            repl = "((void)0)"
        else:
            repl = re.sub(r"\b%s\)$" % acc["mo"], mid.rsplit("->", 1)[1] + ")", call)
        return text[:acc["start"]] + repl + text[acc["end"]:]
    raise SystemExit("orders.py: no mutant %s" % mid)


def union(text, ids):
    """Every order mutant in ids applied at once: each access weakened to the weakest order any of
    them gives it (release and acquire together: relaxed). The :late mutants move code, which is
    not a weakening: refused."""
    rank = {"relaxed": 0, "release": 1, "acquire": 1, "acq_rel": 2, "seq_cst": 3}
    want = {}
    for name, acc in mutants(text):
        if name not in ids:
            continue
        if isinstance(acc, tuple):
            raise SystemExit("orders.py: union: %s moves code, not an order" % name)
        if acc["op"] in ("fence", "signal_fence"):
            want[acc["start"]] = (acc, "none")
            continue
        mo = name.rsplit("->", 1)[1]
        if acc["start"] in want and want[acc["start"]][1] != mo:
            prev = want[acc["start"]][1]
            mo = "relaxed" if rank[prev] == rank[mo] else min(prev, mo, key=lambda m: rank[m])
        want[acc["start"]] = (acc, mo)
    missing = set(ids) - {n for n, _ in mutants(text)}
    if missing:
        raise SystemExit("orders.py: union: no mutant %s" % " ".join(sorted(missing)))
    for start in sorted(want, reverse=True):  # from the end: earlier offsets stay valid
        acc, mo = want[start]
        call = text[acc["start"]:acc["end"]]
        repl = "((void)0)" if mo == "none" else re.sub(r"\b%s\)$" % acc["mo"], mo + ")", call)
        text = text[:acc["start"]] + repl + text[acc["end"]:]
    return text


def spans(text):
    """Each mutant with the first and last line of the header that its access spans."""
    for name, acc in mutants(text):
        if isinstance(acc, tuple):  # the length store's own line
            _, i, _, _, offs = acc
            yield name, text.count("\n", 0, offs[i]) + 1, text.count("\n", 0, offs[i]) + 1
        else:
            yield name, text.count("\n", 0, acc["start"]) + 1, text.count("\n", 0, acc["end"]) + 1


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "list":
        text = open(sys.argv[2]).read()
        for name, _ in mutants(text):
            print(name)
    elif len(sys.argv) == 3 and sys.argv[1] == "lines":
        for name, first, last in spans(open(sys.argv[2]).read()):
            print(name, first, last)
    elif len(sys.argv) >= 4 and sys.argv[1] == "reach":
        reached = {}
        for scn in sys.argv[4:]:
            try:
                reached[scn] = set(open("%s/base.%s.reached" % (sys.argv[3], scn)).read().split())
            except OSError:
                reached[scn] = set()  # a scenario that did not run reached nothing
        for name, first, last in spans(open(sys.argv[2]).read()):
            lines = {str(n) for n in range(first, last + 1)}
            print(" ".join([name] + [scn for scn in sys.argv[4:] if lines & reached[scn]]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "union":
        text = open(sys.argv[2]).read()
        open(sys.argv[3], "w").write(union(text, set(sys.argv[4:])))
    elif len(sys.argv) == 5 and sys.argv[1] == "make":
        text = open(sys.argv[2]).read()
        open(sys.argv[4], "w").write(apply(text, sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "make-all":
        import os
        text = open(sys.argv[2]).read()
        for name, _ in mutants(text):
            d = os.path.join(sys.argv[3], re.sub(r"[:#>-]", "_", name))
            os.makedirs(d, exist_ok=True)
            try:
                out = apply(text, name)
            except Exception as e:  # run.sh reports it BROKEN (no header written)
                print("orders.py: mutant %s: %s" % (name, e), file=sys.stderr)
                continue
            open(os.path.join(d, "shmpc.h"), "w").write(out)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
