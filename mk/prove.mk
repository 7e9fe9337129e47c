# Proofs: Frama-C WP proves the contracts of the ring core (the >>core section of shmpc.h itself).
# README.md, "What is proven", says what is proven and what is not.
TEST_STEPS += prove prove-mutants
HELP_LINES += "  make prove      Frama-C WP proves every ring-core contract of shmpc.h (N/N goals, or fail)" \
              "  make prove-mutants  planted bugs in a copy of shmpc.h: WP must reject each one"
.PHONY: prove prove-mutants prove-deps

PROVE_DIR   := $(BUILD)/prove
PROVE_PKGS  := frama-c-base why3 z3 cvc4
# Every function of the >>core section; each must show N/N goals proved.
PROVE_FCTS  := shmpc__used,shmpc__slot_of,shmpc__slot_off,shmpc__free_slots,shmpc__ready_slots,shmpc__can_put,shmpc__can_get,shmpc__payload,shmpc__bytes,shmpc__copy_in,shmpc__copy_out,shmpc__put,shmpc__get,shmpc__put_many,shmpc__get_many,shmpc__commit_at,shmpc__advance,shmpc__seq_class,shmpc__mpmc_published,shmpc__mpmc_freed,shmpc__stride,shmpc__total,shmpc__geometry_ok,shmpc__validate
PROVE_TIMEOUT ?= 20
# Parsing: shmpc.h with the implementation, ring core only (SHMPC_NO_OS), plus the one file of
# axioms (proofs/lemmas.c, checked by z3 in proofs/lemmas.smt2). __FRAMAC__ makes the atomic
# shell plain accesses (see >>atomics).
FRAMAC_PARSE = -c11 -machdep gcc_x86_64 -cpp-extra-args=-DSHMPC_IMPLEMENTATION,-DSHMPC_NO_OS
FRAMAC_WP    = -wp -wp-rte -wp-prover z3,cvc4 -wp-par 2 -wp-timeout $(PROVE_TIMEOUT)
# Mutants only need one goal to fail: a shorter timeout keeps prove-mutants quick.
MUTANT_TIMEOUT ?= 8

prove-deps:
	$(Q)$(NEED) $(PROVE_PKGS)

$(PROVE_DIR)/why3.conf: | $(BUILD)/.dir
	$(Q)$(NEED) $(PROVE_PKGS)
	$(Q)mkdir -p $(PROVE_DIR)
	$(Q)WHY3CONFIG=$@.tmp why3 config detect >$(PROVE_DIR)/why3-detect.log 2>&1 && \
	  grep -q '"Z3"' $@.tmp && grep -q '"CVC4"' $@.tmp && mv $@.tmp $@ || \
	  { echo "prove: why3 did not detect z3 and cvc4 (see $(PROVE_DIR)/why3-detect.log)"; exit 1; }

prove: $(PROVE_DIR)/why3.conf
	$(Q)$(NEED) $(PROVE_PKGS)
	@echo "prove: axioms of proofs/lemmas.c, checked by z3 (proofs/lemmas.smt2)"
	$(Q)got=$$(z3 proofs/lemmas.smt2 | tr '\n' ' '); \
	  if [ "$$got" != "sat unsat sat unsat sat unsat " ]; then \
	    echo "prove: lemma check failed: z3 answered: $$got(wanted: sat unsat sat unsat sat unsat)"; exit 1; fi; \
	  echo "  W1 shmpc_wrap_below, W2 shmpc_wrap_above, B1 shmpc_and_bound: valid (3/3)"
	@echo "prove: Frama-C WP on shmpc.h >>core (-wp-rte; provers z3, cvc4; timeout $(PROVE_TIMEOUT) s)"
	$(Q)start=$$(date +%s); \
	  WHY3CONFIG=$(abspath $(PROVE_DIR))/why3.conf frama-c $(FRAMAC_PARSE) shmpc.h proofs/lemmas.c \
	    $(FRAMAC_WP) -wp-fct $(PROVE_FCTS) -wp-session $(PROVE_DIR)/session \
	    -wp-report-json $(PROVE_DIR)/wp.json >$(PROVE_DIR)/wp.log 2>&1; rc=$$?; \
	  end=$$(date +%s); \
	  sh proofs/wp-summary.sh $(PROVE_DIR)/wp.log $(PROVE_FCTS) >$(PROVE_DIR)/summary.txt; ok=$$?; \
	  cat $(PROVE_DIR)/summary.txt; \
	  echo "prove: WP took $$((end - start)) s; log $(PROVE_DIR)/wp.log"; \
	  if [ $$rc -ne 0 ] || [ $$ok -ne 0 ] || grep -q 'NOT PROVED\|no goals\|incomplete run' $(PROVE_DIR)/summary.txt; then \
	    echo "prove: FAILED (frama-c exit $$rc)"; exit 1; fi

# Each mutant: NAME|FUNCTIONS|text in shmpc.h|replacement. The copy is proven with the same flags;
# the mutant is rejected when at least one goal stays unproved.
prove-mutants: $(PROVE_DIR)/why3.conf
	$(Q)$(NEED) $(PROVE_PKGS)
	$(Q)WHY3CONFIG=$(abspath $(PROVE_DIR))/why3.conf sh proofs/mutants.sh $(PROVE_DIR)/mutants \
	  "$(FRAMAC_PARSE)" "$(subst -wp-timeout $(PROVE_TIMEOUT),-wp-timeout $(MUTANT_TIMEOUT),$(FRAMAC_WP))"
