# make bmc: exhaustive model checks of the ring at narrow index widths (proofs/bmc/bmc.c on the real
# shmpc.h), hostile states under ASan+UBSan, planted-bug mutants that must be caught, the SPIN
# models of the SPSC/MPMC protocols (proofs/*.pml), and the weak-memory explorer of the header's
# memory orders with its order mutants (proofs/wmm). README.md, "Model checking", says what is checked and to what bound.
BMC_DIR  := $(BUILD)/bmc
BMC_SRC  := proofs/bmc/bmc.c
BMC_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=all
TEST_STEPS += bmc
HELP_LINES += "  make bmc        exhaustive model checks (8/16-bit indices), hostile states, mutants, SPIN models, weak memory"
.PHONY: bmc bmc-deps
bmc-deps:
	$(Q)$(NEED) spin python3
$(BMC_DIR)/bmc8: $(BMC_SRC) shmpc.h | $(BUILD)/.dir
	$(Q)mkdir -p $(BMC_DIR) && $(CC) $(CSTD) $(WARN) $(OPT) -DSHMPC_NO_OS -DSHMPC_INDEX_BITS=8 -I. $< -o $@
$(BMC_DIR)/bmc16: $(BMC_SRC) shmpc.h | $(BUILD)/.dir
	$(Q)mkdir -p $(BMC_DIR) && $(CC) $(CSTD) $(WARN) $(OPT) -DSHMPC_NO_OS -DSHMPC_INDEX_BITS=16 -I. $< -o $@
$(BMC_DIR)/bmc8-asan: $(BMC_SRC) shmpc.h | $(BUILD)/.dir
	$(Q)mkdir -p $(BMC_DIR) && $(CC) $(CSTD) $(WARN) -O2 -g $(BMC_SAN) -DSHMPC_NO_OS -DSHMPC_INDEX_BITS=8 -I. $< -o $@
bmc: bmc-deps $(BMC_DIR)/bmc8 $(BMC_DIR)/bmc16 $(BMC_DIR)/bmc8-asan
	$(Q)sh proofs/bmc/run.sh $(BMC_DIR) "$(CC)" "$(CSTD) $(WARN) $(OPT)"

# make genmc: the sleep/wake-up handshake of the real shmpc.h under RC11 with GenMC, and its
# ordering mutants (proofs/genmc). GenMC is not packaged: the target says how to build it, and
# takes its path in GENMC. Not in make test.
GENMC ?= genmc
HELP_LINES += "  make genmc      the wake-up handshake under RC11 with GenMC (GENMC=path; not packaged: it says how to build it)"
.PHONY: genmc
genmc:
	$(Q)sh proofs/genmc/run.sh $(GENMC)
