# Proofs: Frama-C WP proves the contracts of the ring core (the >>core section of shmpc.h itself)
# and of the SPSC operations of the atomic shell (>>ring) against a hostile concurrent peer, each for
# 64-bit and 32-bit size_t, and an invariant of a FIFO model over the core (proofs/fifo.c). README.md, "What is proven", says what is proven and what is not.
TEST_STEPS += proofs
HELP_LINES += "  make prove      Frama-C WP proves the ring core and the SPSC shell of shmpc.h (N/N goals, or fail)" \
              "  make prove-eva  make prove and make eva side by side (the step of make test)" \
              "  make prove-mutants  planted bugs in a copy of shmpc.h: WP must reject each one" \
              "  make proofs     make prove, make eva and make prove-mutants in one pool (the step of make test)" \
              "  make prove-readme   writes the goal counts of the last make prove into README.md" \
              "  make prove-fifo  only the FIFO run of make prove (proofs/fifo.c)" \
              "  make prove-more  WP on the MPMC batch pop, claims, take and pop, the close, attach's crash recovery, and the FIFO batch push and pop, and the planted bugs in the close and the recovery (about 22 min, not in make test)" \
              "  make eva        Frama-C Eva on the shell (proofs/eva/driver.c): fails unless 0 alarms"
.PHONY: prove prove-mutants prove-deps prove-readme prove-fifo prove-more eva prove-eva proofs

PROVE_DIR   := $(BUILD)/prove
PROVE_PKGS  := frama-c-base why3 z3 cvc4 python3
# Every function of the >>core section, and shmpc_footprint (the public size of a geometry, from
# the core's shmpc__geometry_ok and shmpc__total); each must show N/N goals proved.
PROVE_CORE  := shmpc__used,shmpc__slot_of,shmpc__slot_off,shmpc__payload_inside,shmpc__free_slots,shmpc__ready_slots,shmpc__can_put,shmpc__can_get,shmpc__payload,shmpc__bytes,shmpc__copy_in,shmpc__copy_out,shmpc__put,shmpc__get,shmpc__put_many,shmpc__get_many,shmpc__commit_at,shmpc__advance,shmpc__seq_class,shmpc__mpmc_published,shmpc__mpmc_freed,shmpc__stride,shmpc__total,shmpc__geometry_ok,shmpc__validate,shmpc_footprint
# What an observer reads (shmpc_stat, shmpc_peers: shell functions), in the core's runs, the shortest
# of make prove's lanes: in the shell's runs they made the pool's last pair of lanes (the 64-bit
# batch calls, then the 64-bit shell) end about 25 s after the others (a fresh-clone make prove-eva
# of 517 s, 2026-12-06).
PROVE_OBSERVER := shmpc_stat,shmpc_peers,shmpc__peer_start,shmpc__os_alive,shmpc__entry_alive
PROVE_BASE  := $(PROVE_CORE),$(PROVE_OBSERVER)
# The shell's functions under proof (>>ring; every shared load an arbitrary value, see >>atomics).
PROVE_SHELL := shmpc__spsc_publish,shmpc__notify,shmpc__closed,shmpc__check_slow,shmpc__check,shmpc__regate,shmpc__spsc_ready,shmpc__full_or_closed,shmpc__empty_or_closed,shmpc__slot_len,shmpc__spsc_push,shmpc__spsc_push_any,shmpc_try_push,shmpc_try_pop,shmpc_commit,shmpc_release,shmpc__mpmc_free,shmpc__spsc_room,shmpc__hold,shmpc_try_reserve,shmpc_try_peek
# More of the shell under proof, in WP runs of their own (make prove's lanes then end together):
# MPMC push and the batch calls.
PROVE_BATCH := shmpc__mpmc_fill,shmpc__mpmc_push,shmpc__range_done,shmpc__mpmc_push_many,shmpc__spsc_push_many,shmpc_try_push_many,shmpc__spsc_pop_many,shmpc_try_pop_many
# Proven, but outside make prove (make prove-more, eleven WP runs, three at a time; more than
# make test has to spare): the FIFO model's batch push and pop (below); the MPMC batch pop at a
# 64-bit size_t (alone about 4 minutes, about half of it Qed simplifying the goals of a loop
# whose callees store into sets of slot headers), with a 60 s timeout (a part of its outer
# loop's assigns, on which Qed alone spends 8 s, took 17.7 s of 20 beside one other run,
# 2026-12-06); the same at a 32-bit size_t with -wp-split (unsplit, the outer loop's
# invariants, two parts of its assigns and three preconditions of shmpc__mpmc_free timed out at
# 60 s: there the iovs' lengths are 32-bit words in WP's memory, as the slot headers' and the
# handle's are); the MPMC claims (single and range), take and pop, whose contracts the proofs
# of make prove take as given, at both sizes (about 3 minutes each).
PROVE_MORE  := shmpc__iov_set,shmpc__mpmc_pop_many
PROVE_TIMEOUT_MORE := 60
PROVE_MORE32 := $(PROVE_MORE)
PROVE_FLAGS_MORE32 := -wp-split
# 300 s: one split case of the outer loop's rest (rest_preserved_part02) took CVC4 44 s beside
# other runs; it timed out at 60 s in make prove-more, and at 120 s in a make prove-more beside
# two or three more frama-c processes (Z3 failed on it both times; 2026-12-06). A timeout is
# wall-clock time: under load the same goal takes two to three times longer. No goal of the run
# waits for it: since the step `fits` in shmpc__mpmc_pop_many, CVC4 proves every goal that Qed
# does not (before it, four cases of shmpc__fc_slot's `fits` after a claim: CVC4 ran out the
# 300 s on each, then Z3 took 70 ms; 2026-12-07).
PROVE_TIMEOUT_MORE32 := 300
# The close (shmpc_close, its part for a producer or a consumer, its helpers, and the OS layer's
# part as contracts), in make prove-more, a run of its own at each size. With that part inline
# the goals at the close's end carried every path through it (Qed 6-8 s each; 153 s a run beside
# two others); as a function of its own, 52-56 s a run beside one other. Not in make prove:
# with the close there, make test took 1213 s in a fresh-clone run with that part inline and
# 1264 s with it a function of its own (about 40 s of that installing packages on a fresh
# machine; make prove-eva 649 s, against 506 s in the run without the close the day before),
# over its 20 minutes (2026-12-06). Tried again once Eva's -eva-split-return auto (below) had
# cut make prove-eva to 402 s in a fresh-clone make test (1029 s in all): with the close's two
# runs (98 s and 93 s in the pool) make prove-eva took 519 s here, which would leave make test
# about a minute of its 20 (2026-12-06).
PROVE_CLOSE := shmpc__free_entry,shmpc__leave,shmpc__end,shmpc__closing,shmpc__os_unpoll,shmpc__os_unmap,shmpc__close_side,shmpc_close
# The crash recovery that attach runs (shmpc__reclaim and its helpers: every load of a peer-written
# word an arbitrary value, as in the shell), in make prove-more, a run of its own at each size. In
# make prove's core runs it took a fresh-clone make prove-eva from 402-425 s to 541 s together with
# stat and peers (2026-12-06), too close to make test's 20 minutes: it stays out.
PROVE_RECOVERY := shmpc__os_self,shmpc__uncount_poller,shmpc__still_needed,shmpc__ended,shmpc__reclaim
PROVE_WHAT_RECOVERY := shmpc.h, attach's crash recovery
PROVE_CLAIM := shmpc__mpmc_claim,shmpc__mpmc_claim_range,shmpc__claimed,shmpc__mpmc_take,shmpc__mpmc_pop
# 60 s: the range claim's loop invariant `kept` (the handle stays valid) at a 32-bit size_t, at
# most 10 s beside other runs before, ran out a 20 s timeout in a make prove-more whose 32-bit
# and 64-bit batch pops ran beside it (Z3 then failed at once; 2026-12-07).
PROVE_TIMEOUT_CLAIM := 60
# One try of the MPMC claim and of the MPMC take, at both sizes, with -wp-split and a 60 s
# timeout: unsplit, the take's postcondition that the handle survives the try (its nine exits
# in one goal) timed out at 20 s; split, its 21 cases took up to 10 s alone, and up to 20 s and
# more beside make prove-more's two other runs.
PROVE_TAKE  := shmpc__mpmc_claim_at,shmpc__mpmc_take_at
PROVE_FLAGS_TAKE := -wp-split
PROVE_TIMEOUT_TAKE := 60
PROVE_TIMEOUT ?= 20
# Parsing: shmpc.h with the implementation, ring core only (SHMPC_NO_OS), plus the one file of
# axioms (proofs/lemmas.c; proofs/lemmas2smt.py generates their z3 check from that very file).
# __FRAMAC__ selects the proof's view of the atomic shell (see >>atomics). The machine model comes
# from each run below: gcc_x86_64 (LP64) and gcc_x86_32 (32-bit size_t), each in three runs (the
# core, the shell, the shell's batch calls), so that the pool's lanes end together.
FRAMAC_PARSE = -c11 -machdep gcc_x86_64 -cpp-extra-args=-DSHMPC_IMPLEMENTATION,-DSHMPC_NO_OS
# CVC4 first: it proves most goals in well under a second and gives up quickly where Z3 is needed,
# while Z3 runs into the timeout on the goals only CVC4 proves (21 of them, 20 s each). One prover
# at a time per run: make prove runs several side by side instead (PROVE_JOBS, below).
FRAMAC_WP    = -wp -wp-rte -wp-prover cvc4,z3 -wp-par 1 -wp-timeout $(PROVE_TIMEOUT)
# What each set of functions is called in the titles of its runs' outputs.
PROVE_WHAT_BASE  := shmpc.h
PROVE_WHAT_SHELL := shmpc.h, the shell
PROVE_WHAT_BATCH := shmpc.h, the shell's MPMC push and batch calls
PROVE_WHAT_MORE  := shmpc.h, MPMC batch pop
PROVE_WHAT_MORE32 := shmpc.h, MPMC batch pop
PROVE_WHAT_CLAIM := shmpc.h, MPMC claims, take and pop
PROVE_WHAT_CLOSE := shmpc.h, the close
PROVE_WHAT_TAKE  := shmpc.h, MPMC claim and take, one try
PROVE_TITLE_FIFO = proofs/fifo.c, FIFO across steps (gcc_x86_64; -wp-rte; provers cvc4, z3; timeout $(PROVE_TIMEOUT) s)
# Mutants only need one goal to fail: a shorter timeout keeps prove-mutants quick. Those planted
# in the functions that only make prove-more proves (the close, attach's crash recovery) run there,
# beside the proofs of the originals: in make prove-mutants they took about 65 s of its 155 (two
# runs, Z3 after CVC4, into the timeout each), with the originals unproven in make test.
MUTANT_TIMEOUT ?= 8
MUTANT_WP = $(subst -wp-timeout $(PROVE_TIMEOUT),-wp-timeout $(MUTANT_TIMEOUT),$(FRAMAC_WP))

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
	@echo "prove: axioms of proofs/lemmas.c, checked by z3 (generated by proofs/lemmas2smt.py)"
	$(Q)python3 proofs/lemmas2smt.py proofs/lemmas.c >$(PROVE_DIR)/lemmas.smt2 || exit 1; \
	  want=$$(sed -n 's/^; z3 must answer: //p' $(PROVE_DIR)/lemmas.smt2); \
	  got=$$(z3 $(PROVE_DIR)/lemmas.smt2 | tr '\n' ' ' | sed 's/ $$//'); \
	  names=$$(sed -n 's/^; \([a-z_0-9]*\): .*/\1/p' $(PROVE_DIR)/lemmas.smt2 | tr '\n' ' ' | sed 's/ $$//'); \
	  if [ -z "$$want" ] || [ "$$got" != "$$want" ]; then \
	    echo "prove: lemma check failed: z3 answered: $$got (wanted: $$want)"; exit 1; fi; \
	  echo "  $$names: valid ($$(echo $$names | wc -w)/$$(echo $$names | wc -w))"
	$(Q)start=$$(date +%s); fail=0; \
	  printf '%s\n' $(PROVE_POOL) | xargs -P $(PROVE_JOBS) -I{} $(MAKE) --no-print-directory -s prove-run{} || fail=1; \
	  cat $(PROVE_DIR)/out64.txt $(PROVE_DIR)/out64s.txt $(PROVE_DIR)/out64b.txt $(PROVE_DIR)/out32.txt $(PROVE_DIR)/out32s.txt $(PROVE_DIR)/out32b.txt $(PROVE_DIR)/out-fifo.txt; \
	  echo "prove: the seven WP runs$(if $(filter -eva,$(PROVE_POOL)), and Eva,)$(if $(filter -mutant%,$(PROVE_POOL)), and the WP mutants,) took $$(( $$(date +%s) - start )) s on two cores ($(PROVE_JOBS) at a time, longest first)"; \
	  [ $$fail -eq 0 ] || { echo "prove: FAILED"; exit 1; }
	$(Q)python3 proofs/readme-figures.py --check $(PROVE_SUMMARIES)

# The summaries README.md's figures come from: 64-bit, 32-bit (core and shell: one figure), FIFO.
PROVE_SUMMARIES = $(PROVE_DIR)/summary64.txt,$(PROVE_DIR)/summary64s.txt,$(PROVE_DIR)/summary64b.txt $(PROVE_DIR)/summary32.txt,$(PROVE_DIR)/summary32s.txt,$(PROVE_DIR)/summary32b.txt $(PROVE_DIR)/summary-fifo.txt

# FIFO across steps (proofs/fifo.c): a ghost-queue model of SPSC operations over the proven core
# (shmpc__put, shmpc__get, ...), with an inductive invariant; its own WP run and goal count.
# Every function of proofs/fifo.c but the batches: the ghost lemma functions, a message into a slot,
# the push and the pop, the zero-copy reserve, a store into it, commit, peek and release, the producer's and the consumer's close.
PROVE_FIFO := fifo_slots_order,fifo_tail_free,fifo_tail_slot,fifo_record,fifo_queue_push,fifo_put_at,fifo_push,fifo_pop,fifo_reserve,fifo_write,fifo_commit,fifo_peek,fifo_release,fifo_close,fifo_cons_close
# The batch push, the batch pop and the batch pop's two steps (the copy, the store of a length):
# proven in a run of their own, in make prove-more (make test has no time to spare for them).
PROVE_FIFO_BATCH := fifo_set_len,fifo_get_at,fifo_push_many,fifo_pop_many
PROVE_TITLE_FIFO_BATCH = proofs/fifo.c, FIFO across steps: the batch push, the batch pop (gcc_x86_64; -wp-rte; provers cvc4, z3; timeout $(PROVE_TIMEOUT_FIFOB) s)
# 60 s: its longest goal took CVC4 17.4 s beside one other WP run (2026-12-07), and make
# prove-more runs three. (The batch pop's assertion got_c_in, before its steps glens, got_c_q and
# got_c_size, took Z3 32.8 s beside another run, after CVC4 had run out the 60 s: 2026-12-06.)
PROVE_TIMEOUT_FIFOB := 60
# The FIFO runs also take axiom S1 of proofs/lemmas.c (SHMPC_PROOF_FIFO).
FRAMAC_PARSE_FIFO = $(subst -DSHMPC_NO_OS,-DSHMPC_NO_OS$(comma)-DSHMPC_PROOF_FIFO,$(FRAMAC_PARSE))
comma := ,
# $(call prove_fifo_cmd,TAG,TITLE,FUNCTIONS): one WP run over proofs/fifo.c.
prove_fifo_cmd = sh proofs/wp-run.sh $(PROVE_DIR) $(1) "$(2)" $(3) $(FRAMAC_PARSE_FIFO) proofs/fifo.c proofs/lemmas.c $(FRAMAC_WP)

# The seven WP runs of make prove (the core, the shell and the shell's batch calls at each size,
# FIFO), each alone: three at a time there on two cores, the longest first, Eva (prove-eva)
# among them. A WP run keeps a core only about 70 % busy (it waits for each prover call to start
# and end, about 0.2 s each, several hundred calls), so two runs left a third of the machine
# idle; three runs of five (the shell and its batch calls in one run per size) kept both cores
# busy until the lanes ended one by one, the last (about 500 s) alone for its last 40-100 s.
# Split in seven, four at a time, the lanes ended within 10 s of each other (494 s, 2026-12-05),
# but four provers and four frama-c processes on two cores cost more CPU than three: on a fresh
# clone, make prove-eva took 557-586 s and 1033 s of CPU four at a time, and 535 s and 864 s of
# CPU three at a time (2026-12-07). (Eva is one thread, its mutant another: since
# -eva-split-return auto, below, about 20 s of CPU in all, the last lane to start.)
PROVE_JOBS ?= 3
PROVE_POOL ?= 32b 64b 32s 64s -fifo 64 32
prove-eva:
	$(Q)$(MAKE) --no-print-directory prove PROVE_POOL="32b 64b -fifo 32s 64s 64 32 -eva"
# make test's step: make prove's runs, Eva, then each WP mutant of make prove-mutants, in one pool.
# Three at a time, seven runs of 150-270 s (beside two others) cannot end together: the last
# started ran alone for its last 100 s (make prove-eva 538 s, make prove-mutants after it 112 s,
# 2026-12-07). The mutants (4-36 s each) fill that end. The 64-bit runs start first: a mutant
# reads their reports (mutants.sh) when it starts.
PROOFS_POOL := -fifo 64b 64s 64 32b 32s 32 -eva
proofs: $(PROVE_DIR)/why3.conf
	$(Q)$(NEED) $(PROVE_PKGS)
	$(Q)n=$$(sh proofs/mutants.sh $(PROVE_DIR)/mutants - - --list) || exit 1; \
	  $(MAKE) --no-print-directory prove PROVE_POOL="$(PROOFS_POOL) $$(seq -f -mutant%g 1 $$n | tr '\n' ' ')"; rc=$$?; \
	  echo "prove-mutants: planted bugs in a copy of shmpc.h: WP must reject each one"; \
	  sh proofs/mutants.sh $(PROVE_DIR)/mutants - - --report || rc=1; exit $$rc
prove-run-mutant%: $(PROVE_DIR)/why3.conf
	$(Q)WHY3CONFIG=$(abspath $(PROVE_DIR))/why3.conf sh proofs/mutants.sh $(PROVE_DIR)/mutants \
	  "$(FRAMAC_PARSE)" "$(MUTANT_WP)" --one $*
.PHONY: prove-run-fifo prove-run-fifob prove-run-eva
prove-run-eva: eva
prove-run-fifo: $(PROVE_DIR)/why3.conf
	$(Q)WHY3CONFIG=$(abspath $(PROVE_DIR))/why3.conf $(call prove_fifo_cmd,-fifo,$(PROVE_TITLE_FIFO),$(PROVE_FIFO))
prove-run-fifob: $(PROVE_DIR)/why3.conf
	$(Q)WHY3CONFIG=$(abspath $(PROVE_DIR))/why3.conf $(call prove_fifo_cmd,-fifob,$(PROVE_TITLE_FIFO_BATCH),$(PROVE_FIFO_BATCH)) -wp-timeout $(PROVE_TIMEOUT_FIFOB)

prove-fifo: $(PROVE_DIR)/why3.conf
	$(Q)$(NEED) $(PROVE_PKGS)
	$(Q)export WHY3CONFIG=$(abspath $(PROVE_DIR))/why3.conf; $(call prove_fifo_cmd,-fifo,$(PROVE_TITLE_FIFO),$(PROVE_FIFO)); rc=$$?; cat $(PROVE_DIR)/out-fifo.txt; exit $$rc

# make prove-more's WP runs, three at a time (the six before the 32-bit batch pop and the close:
# 617 s in all here, 2026-12-06; the FIFO batches 190 s; the 32-bit batch pop alone about 15
# minutes of CPU, 19 min 41 s beside another WP run and Eva). All eleven, once no goal waited
# for a timeout: 1270 s, 2335 s of CPU, the 32-bit batch pop the last to end (2026-12-07).
PROVE_MORE_POOL := -more32 -more -claim -claim32 -take -take32 -fifob -close -close32 -recovery -recovery32
prove-more: $(PROVE_DIR)/why3.conf
	$(Q)$(NEED) $(PROVE_PKGS)
	$(Q)start=$$(date +%s); fail=0; \
	  printf '%s\n' $(PROVE_MORE_POOL) | xargs -P 3 -I{} $(MAKE) --no-print-directory -s prove-run{} || fail=1; \
	  for t in $(PROVE_MORE_POOL); do cat $(PROVE_DIR)/out$$t.txt; done; \
	  echo "prove-more: the $(words $(PROVE_MORE_POOL)) WP runs took $$(( $$(date +%s) - start )) s"; [ $$fail -eq 0 ] || exit 1
	$(Q)python3 proofs/readme-figures.py --check-more $(foreach t,$(PROVE_MORE_POOL),prove$(t)=$(PROVE_DIR)/summary$(t).txt)
	@echo "prove-more: planted bugs in the close and attach's crash recovery: WP must reject each one"
	$(Q)WHY3CONFIG=$(abspath $(PROVE_DIR))/why3.conf sh proofs/mutants.sh $(PROVE_DIR)/mutants-more \
	  "$(FRAMAC_PARSE)" "$(MUTANT_WP)" more

# One WP run: $(call prove_run,TAG,SET,BITS) makes the rule prove-runTAG, which proves the functions
# of PROVE_SET (titled PROVE_WHAT_SET; WP flags PROVE_FLAGS_SET besides FRAMAC_WP, and the
# timeout PROVE_TIMEOUT_SET instead of PROVE_TIMEOUT, if any) with a BITS-bit size_t (machdep
# gcc_x86_BITS) and leaves outTAG.txt and summaryTAG.txt in PROVE_DIR (proofs/wp-run.sh).
define prove_run
.PHONY: prove-run$(1)
prove-run$(1): $$(PROVE_DIR)/why3.conf
	$$(Q)WHY3CONFIG=$$(abspath $$(PROVE_DIR))/why3.conf sh proofs/wp-run.sh $$(PROVE_DIR) $(1) \
	  "$$(PROVE_WHAT_$(2)), gcc_x86_$(3) ($(3)-bit size_t; -wp-rte$$(foreach f,$$(PROVE_FLAGS_$(2)),; $$(f)); provers cvc4, z3; timeout $$(or $$(PROVE_TIMEOUT_$(2)),$$(PROVE_TIMEOUT)) s)" \
	  $$(PROVE_$(2)) $$(subst gcc_x86_64,gcc_x86_$(3),$$(FRAMAC_PARSE)) shmpc.h proofs/lemmas.c $$(FRAMAC_WP) $$(PROVE_FLAGS_$(2)) \
	  $$(if $$(PROVE_TIMEOUT_$(2)),-wp-timeout $$(PROVE_TIMEOUT_$(2)))
endef
$(eval $(call prove_run,64,BASE,64))
$(eval $(call prove_run,32,BASE,32))
$(eval $(call prove_run,64s,SHELL,64))
$(eval $(call prove_run,32s,SHELL,32))
$(eval $(call prove_run,64b,BATCH,64))
$(eval $(call prove_run,32b,BATCH,32))
$(eval $(call prove_run,-more,MORE,64))
$(eval $(call prove_run,-more32,MORE32,32))
$(eval $(call prove_run,-claim,CLAIM,64))
$(eval $(call prove_run,-claim32,CLAIM,32))
$(eval $(call prove_run,-take,TAKE,64))
$(eval $(call prove_run,-take32,TAKE,32))
$(eval $(call prove_run,-close,CLOSE,64))
$(eval $(call prove_run,-close32,CLOSE,32))
$(eval $(call prove_run,-recovery,RECOVERY,64))
$(eval $(call prove_run,-recovery32,RECOVERY,32))

prove-readme:
	$(Q)python3 proofs/readme-figures.py --write $(PROVE_SUMMARIES)

# Each mutant: NAME|FUNCTIONS|text in shmpc.h|replacement[|PROPERTY[|BEHAVIORS]]. The copy is proven
# with the same flags (only PROPERTY's or BEHAVIORS' goals if given, which the original proves in make
# prove); the mutant is rejected when at least one goal stays unproved, and a PROPERTY or BEHAVIORS
# that name no goal fail the check.
prove-mutants: $(PROVE_DIR)/why3.conf
	$(Q)$(NEED) $(PROVE_PKGS)
	$(Q)WHY3CONFIG=$(abspath $(PROVE_DIR))/why3.conf sh proofs/mutants.sh $(PROVE_DIR)/mutants \
	  "$(FRAMAC_PARSE)" "$(MUTANT_WP)"

# Eva over the shell: proofs/eva/driver.c runs the operations on formatted SPSC and MPMC rings, every
# shared load arbitrary (>>atomics), the slot headers located by the code itself (SHMPC__EVA). Fails
# unless Eva reports no alarm; unless it decided every precondition of the calls it analysed, but
# for two it cannot evaluate and that are argued (proofs/eva/preconditions.py: where Eva cannot
# decide one, it goes on under it, which would hide a bug behind it); unless it reached at least
# EVA_MIN_COVERAGE % of the statements of the functions it analysed (a driver that stopped early
# would pass too); and unless README.md says what it printed (figure:eva). More states where the
# precision is needed (-eva-slevel-function): after a peek, Eva must keep its OK return apart from
# the others, where the message pointer is not written; in the batch calls, each iov's length apart.
# A function's return states split by the codes its callers compare it with (-eva-split-return
# auto: an out-parameter written only on SHMPC_OK is read only in that state). With every return
# value apart (full), Eva took about 200 s of CPU here, the batch pop alone two thirds of it (18
# states reached the driver's consume, against 4), and its mutant run an estimated 45 s; with auto, 11 s
# and 8 s, the same 0 alarms and argued preconditions, and the mutant still rejected (2026-12-06).
# Full reached two statements more, both in shmpc_try_push_many: the EINVAL of an iov with no
# base and a nonzero length (reached under full, never under auto, with each branch
# marked), which the driver never passes: only a join of its states, which keep no relation
# between a base and its length, lets Eva see one.
EVA_FLAGS := -eva -eva-auto-loop-unroll 16 -eva-slevel 50 \
             -eva-slevel-function consume:100,produce:100,shmpc_try_push_many:1000,shmpc__spsc_push_many:1000,shmpc__mpmc_push_many:1000,shmpc__spsc_pop_many:1000,shmpc__mpmc_pop_many:1000 \
             -eva-split-return auto -eva-no-show-progress
EVA_MIN_COVERAGE := 80
# A planted bug Eva must reject: a batch push that no longer refuses a message longer than the slot.
EVA_MUTANT_OLD := if (msgs[i].len > r->slot_size || (!msgs[i].base && msgs[i].len)) break;
EVA_MUTANT_NEW := if (!msgs[i].base && msgs[i].len) break;
eva:
	$(Q)$(NEED) frama-c-base python3
	$(Q)mkdir -p $(PROVE_DIR)
	@echo "eva: Frama-C Eva on proofs/eva/driver.c (shmpc.h with SHMPC_NO_OS; every shared load arbitrary)"
	$(Q)m=$(abspath $(PROVE_DIR))/eva-mutant; rm -rf $$m; mkdir -p $$m/proofs/eva; cp proofs/eva/driver.c $$m/proofs/eva/; \
	  OLD='$(EVA_MUTANT_OLD)' NEW='$(EVA_MUTANT_NEW)' perl -0pe '$$c = () = /\Q$$ENV{OLD}\E/g; die "count $$c\n" if $$c != 1; s/\Q$$ENV{OLD}\E/$$ENV{NEW}/' \
	    shmpc.h >$$m/shmpc.h || { echo "eva: FAILED: the mutant's text is not in shmpc.h exactly once"; exit 1; }; \
	  (cd $$m/proofs/eva && frama-c -c11 -machdep gcc_x86_64 -cpp-extra-args=-DSHMPC_NO_OS,-DSHMPC__EVA,-DEVA_PRODUCER_ONLY driver.c \
	    $(EVA_FLAGS)) >$$m/eva.log 2>&1 & mp=$$!; \
	  start=$$(date +%s); log=$(abspath $(PROVE_DIR))/eva.log; \
	  (cd proofs/eva && frama-c -c11 -machdep gcc_x86_64 -cpp-extra-args=-DSHMPC_NO_OS,-DSHMPC__EVA driver.c \
	    $(EVA_FLAGS)) >$$log 2>&1; rc=$$?; end=$$(date +%s); wait $$mp; \
	  grep -q 'ANALYSIS SUMMARY' $$log || { echo "eva: FAILED: no analysis summary (frama-c exit $$rc, log $$log)"; exit 1; }; \
	  n=$$(sed -n 's/^ *\([0-9][0-9]*\) alarms\{0,1\} generated.*/\1/p' $$log); n=$${n:-0}; \
	  grep -A1 '^\[eva:alarm\]' $$log | grep -v '^--' | paste - - | grep -v 'got status' | \
	    sed 's/^\[eva:alarm\] [^ ]*\/\([^/]*:[0-9]*\): Warning: */  \1: /; s/^\[eva:alarm\] \([^ ]*\): Warning: */  \1: /' | tr -s '\t ' ' ' | sort | uniq; \
	  cov=$$(sed -n 's/^ *In these functions, \([0-9]*\) statements reached (out of \([0-9]*\)).*/\1 \2/p' $$log); \
	  reached=$${cov%% *}; all=$${cov##* }; \
	  python3 proofs/eva/preconditions.py $$log; pre=$$?; \
	  fig="$$n alarms; $$(grep -o '[0-9]* functions analyzed (out of [0-9]*)' $$log), $$reached of their $$all statements reached"; \
	  echo "eva: $$fig ($$((end - start)) s; log $$log)"; \
	  grep -qF -- "<!-- figure:eva -->$$fig." README.md || { echo "eva: FAILED: README.md, figure:eva, does not say: $$fig."; exit 1; }; \
	  [ -n "$$reached" ] && [ $$((reached * 100)) -ge $$((all * $(EVA_MIN_COVERAGE))) ] || { echo "eva: FAILED: fewer than $(EVA_MIN_COVERAGE) % of the statements reached"; exit 1; }; \
	  [ $$rc -eq 0 ] && [ "$$n" = 0 ] && [ $$pre -eq 0 ] || { echo "eva: FAILED"; exit 1; }; \
	  n=$$(sed -n 's/^ *\([0-9][0-9]*\) alarms\{0,1\} generated.*/\1/p' $$m/eva.log); \
	  if grep -q 'ANALYSIS SUMMARY' $$m/eva.log && { [ "$${n:-0}" != 0 ] || ! python3 proofs/eva/preconditions.py $$m/eva.log >$$m/pre.txt; }; then \
	    echo "eva: mutant batch_length_unchecked (shmpc_try_push_many without its length check, producer only): rejected, $${n:-0} alarms, $$(grep -c 'NOT DECIDED\|INVALID' $$m/pre.txt) preconditions not decided or invalid: $$(grep -m1 'NOT DECIDED\|INVALID' $$m/pre.txt | sed 's/^ *//')"; \
	  else echo "eva: FAILED: mutant batch_length_unchecked not rejected (log $$m/eva.log)"; exit 1; fi
