; Independent check of the axioms in proofs/lemmas.c, the trusted base of `make prove`.
; For each axiom: first its hypotheses alone, which z3 must find satisfiable (`sat`: the check is
; not vacuous), then the hypotheses with the NEGATED conclusion, which z3 must refute (`unsat`).
; make prove requires exactly the answers: sat unsat sat unsat sat unsat.
; Mathematical integers of a bounded range are represented exactly by wide two's-complement
; vectors (36 bits: nothing below overflows), and the C conversion to uint32_t keeps the low 32 bits
; (C11 6.3.1.3p2: add or subtract 2^32 until the value is in range).
(set-logic QF_BV)

; W1 shmpc_wrap_below: -2^32 <= x < 0  ==>  (uint32_t)x == x + 2^32
(push)
(declare-const x (_ BitVec 36))
(assert (bvsle (bvneg (_ bv4294967296 36)) x))
(assert (bvslt x (_ bv0 36)))
(check-sat)
(assert (not (= ((_ zero_extend 4) ((_ extract 31 0) x)) (bvadd x (_ bv4294967296 36)))))
(check-sat)
(pop)

; W2 shmpc_wrap_above: 2^32 <= x < 2^33  ==>  (uint32_t)x == x - 2^32
(push)
(declare-const x (_ BitVec 36))
(assert (bvsle (_ bv4294967296 36) x))
(assert (bvslt x (_ bv8589934592 36)))
(check-sat)
(assert (not (= ((_ zero_extend 4) ((_ extract 31 0) x)) (bvsub x (_ bv4294967296 36)))))
(check-sat)
(pop)

; B1 shmpc_and_bound: 0 <= a, m < 2^32  ==>  0 <= (a & m) <= a  &&  (a & m) <= m
; (on integers in [0, 2^32), ACSL's & is the bitwise and of their 32-bit binary forms; unsigned
; vectors are never negative, so 0 <= (a & m) holds by construction)
(push)
(declare-const a (_ BitVec 32))
(declare-const m (_ BitVec 32))
(check-sat)
(assert (not (and (bvule (bvand a m) a) (bvule (bvand a m) m))))
(check-sat)
(pop)
