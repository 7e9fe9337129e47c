#!/usr/bin/env python3
"""lemmas2smt.py LEMMAS.C: writes to stdout the SMT-LIB check of every ACSL axiom in LEMMAS.C.

The axioms of proofs/lemmas.c are the trusted base of `make prove`; this script generates their
independent check from the very text that WP reads, so the two cannot drift apart. It accepts one
small fragment of ACSL, and refuses anything else (exit 1):

    axiom NAME: \\forall integer V, ...; HYP ==> CONCL;

where HYP and CONCL are conjunctions (&&) of comparisons (==, !=, <, <=, >, >=, chained as in
`a <= x < b`) between terms built from the variables, decimal literals, unary -, +, -, & and the
cast (uint32_t). The linear conjuncts of HYP (no &, no cast) must bound every variable. For each
axiom three queries follow:

  1. HYP, over mathematical integers (QF_LIA), or over the vectors     z3 must answer sat
     of query 3 when HYP has a conjunct with & or a cast
     (the axiom is not vacuous);
  2. the linear conjuncts of HYP and some variable outside             z3 must answer unsat
     [-2^40, 2^40), over integers (HYP bounds every variable: dropping
     conjuncts only widens what they allow);
  3. HYP and not CONCL, over 72-bit two's-complement vectors, each     z3 must answer unsat
     variable a 41-bit vector sign-extended (so exactly [-2^40, 2^40))
     (the axiom holds).

Queries 1 and 3 represent the integers exactly: the script computes a bound on the bits of every
subterm and refuses a formula that could overflow 72 bits; on integers in range ACSL's & is the
bitwise and of the two's-complement forms, and (uint32_t)x keeps the low 32 bits of x (C11
6.3.1.3p2), which is bvextract then zero-extension. Query 2 makes the restriction of query 3 to
the range lossless. The script prints, as its last line, the answers z3 must give, in order.
"""
import re
import sys

VBITS, WIDTH = 41, 72
LIMIT = 1 << (VBITS - 1)


def fail(msg):
    sys.stderr.write("lemmas2smt: " + msg + "\n")
    sys.exit(1)


TOKEN = re.compile(r"\s*(==>|==|!=|<=|>=|&&|\(uint32_t\)|[<>()+\-&]|[A-Za-z_]\w*|\d+)")


def tokens(text):
    text = text.replace("( uint32_t )", "(uint32_t)")
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            fail("cannot read the axiom at: " + text[pos:pos + 30])
        out.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class Parser:
    """Terms become (kind, ...) tuples; formulas are lists of comparison triples."""

    def __init__(self, toks, names):
        self.t, self.i, self.names = toks, 0, names

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, want=None):
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            fail("expected %s, found %s" % (want or "a token", tok))
        self.i += 1
        return tok

    def implication(self):
        hyp = self.conj()
        self.take("==>")
        concl = self.conj()
        if self.peek() is not None:
            fail("unexpected " + self.peek())
        return hyp, concl

    def conj(self):
        out = self.chain()
        while self.peek() == "&&":
            self.take()
            out += self.chain()
        return out

    def chain(self):
        terms, ops = [self.band()], []
        while self.peek() in ("==", "!=", "<", "<=", ">", ">="):
            ops.append(self.take())
            terms.append(self.band())
        if not ops:
            fail("a conjunct without a comparison")
        return [(ops[k], terms[k], terms[k + 1]) for k in range(len(ops))]

    def band(self):
        t = self.additive()
        while self.peek() == "&":
            self.take()
            t = ("&", t, self.additive())
        return t

    def additive(self):
        t = self.unary()
        while self.peek() in ("+", "-"):
            op = self.take()
            t = (op, t, self.unary())
        return t

    def unary(self):
        tok = self.peek()
        if tok == "-":
            self.take()
            return ("neg", self.unary())
        if tok == "(uint32_t)":
            self.take()
            return ("u32", self.unary())
        if tok == "(":
            self.take()
            t = self.band()
            self.take(")")
            return t
        self.take()
        if tok.isdigit():
            if int(tok) >= LIMIT:
                fail("literal %s is too large for the exact encoding" % tok)
            return ("lit", int(tok))
        if tok not in self.names:
            fail("unknown name " + tok)
        return ("var", tok)


def bits(t):
    """An upper bound on the bits (sign included) that the two's-complement value of t needs."""
    k = t[0]
    if k == "lit" or k == "var":
        return VBITS
    if k == "u32":
        return 33
    if k == "neg":
        return bits(t[1]) + 1
    if k == "&":
        return max(bits(t[1]), bits(t[2]))
    return max(bits(t[1]), bits(t[2])) + 1


def linear(t):
    return t[0] in ("lit", "var") or (t[0] in ("+", "-", "neg") and all(linear(s) for s in t[1:]))


def lia(t):
    k = t[0]
    if k == "lit":
        return str(t[1])
    if k == "var":
        return t[1]
    if k == "neg":
        return "(- %s)" % lia(t[1])
    return "(%s %s %s)" % (k, lia(t[1]), lia(t[2]))


def bv(t):
    k = t[0]
    if k == "lit":
        return "(_ bv%d %d)" % (t[1], WIDTH)
    if k == "var":
        return "((_ sign_extend %d) %s)" % (WIDTH - VBITS, t[1])
    if k == "neg":
        return "(bvneg %s)" % bv(t[1])
    if k == "u32":
        return "((_ zero_extend %d) ((_ extract 31 0) %s))" % (WIDTH - 32, bv(t[1]))
    return "(%s %s %s)" % ({"+": "bvadd", "-": "bvsub", "&": "bvand"}[k], bv(t[1]), bv(t[2]))


LIA_OP = {"==": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
BV_OP = {"==": "=", "<": "bvslt", "<=": "bvsle", ">": "bvsgt", ">=": "bvsge"}


def formula(cmps, term, ops):
    parts = []
    for op, a, b in cmps:
        if op == "!=":
            parts.append("(not (= %s %s))" % (term(a), term(b)))
        else:
            parts.append("(%s %s %s)" % (ops[op], term(a), term(b)))
    return parts[0] if len(parts) == 1 else "(and %s)" % " ".join(parts)


def main():
    if len(sys.argv) != 2:
        fail("usage: lemmas2smt.py LEMMAS.C")
    src = open(sys.argv[1]).read()
    # the ACSL comments only, their line comments dropped
    acsl = "\n".join(re.findall(r"/\*@(.*?)\*/", src, re.S))
    acsl = re.sub(r"//[^\n]*", "", acsl)
    axioms = re.findall(r"axiom\s+(\w+)\s*:\s*\\forall\s+integer\s+([\w\s,]+);(.*?);", acsl, re.S)
    if len(axioms) != len(re.findall(r"\baxiom\b", acsl)) or re.search(r"\b(lemma|admit)\b", acsl):
        fail("an axiom (or lemma) outside the accepted fragment")
    if not axioms:
        fail("no axiom found")
    out, answers = ["; Generated by proofs/lemmas2smt.py from %s: do not edit." % sys.argv[1]], []
    for name, names, body in axioms:
        vs = [v.strip() for v in names.split(",")]
        hyp, concl = Parser(tokens(body), set(vs)).implication()
        lin = [c for c in hyp if linear(c[1]) and linear(c[2])]
        if not lin:
            fail(name + ": the hypothesis has no linear conjunct to bound the variables")
        if any(bits(a) > WIDTH - 1 or bits(b) > WIDTH - 1 for _, a, b in hyp + concl):
            fail(name + ": a term could overflow the exact encoding")
        out.append("\n; %s: %s" % (name, " ".join(body.split())))
        if len(lin) < len(hyp):  # not vacuous, over the exact vectors of query 3
            out.append("(push)")
            out += ["(declare-const %s (_ BitVec %d))" % (v, VBITS) for v in vs]
            out.append("(assert %s)" % formula(hyp, bv, BV_OP))
            out.append("(check-sat)")
            out.append("(pop)")
        out.append("(push)")
        out += ["(declare-const %s Int)" % v for v in vs]
        out.append("(assert %s)" % formula(lin, lia, LIA_OP))
        if len(lin) == len(hyp):
            out.append("(check-sat)")
        out.append("(assert (not (and %s)))" % " ".join(
            "(<= (- %d) %s) (< %s %d)" % (LIMIT, v, v, LIMIT) for v in vs))
        out.append("(check-sat)")
        out.append("(pop)")
        out.append("(push)")
        out += ["(declare-const %s (_ BitVec %d))" % (v, VBITS) for v in vs]
        out.append("(assert %s)" % formula(hyp, bv, BV_OP))
        out.append("(assert (not %s))" % formula(concl, bv, BV_OP))
        out.append("(check-sat)")
        out.append("(pop)")
        answers += ["sat", "unsat", "unsat"]
    out.append("; z3 must answer: " + " ".join(answers))
    print("\n".join(out))


main()
