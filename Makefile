# shmpc: `make` builds everything and runs the demo; `make test` runs every check. `make help` lists all.
ifeq ($(origin CC),default)
CC = gcc
endif
ifeq ($(origin CXX),default)
CXX = g++
endif
PREFIX ?= /usr/local
DESTDIR ?=
V ?= 0
ifeq ($(V),1)
Q =
else
Q = @
endif

WARN    := -Wall -Wextra -Wpedantic -Werror
CSTD    := -std=c11
OPT     ?= -O2 -g
CFLAGS  ?=
LDLIBS  += -lpthread
BUILD   := build
NEED    := sh mk/need.sh

# Each area adds its targets: TEST_STEPS run in order by `make test`; ALL_STEPS by `make`.
# TEST_LAST: steps of make test that keep at most about one core busy (kill tests, sanitized runs,
# emulators, peers that mostly wait, end-to-end tools): after the last of TEST_STEPS (the proofs and
# model checks, which keep both cores busy), TEST_LAST_JOBS at a time, in the order listed
# (mk/lanes.sh), their output after the last has ended. Run in two lanes (the steps
# in order, and the sanitized and end-to-end ones beside them), they kept the machine only 0.7
# cores busy for 139 s of a fresh clone's make test (2026-12-06). TEST_LAST_NEED: the Debian
# packages they need, installed before they start (so that no apt-get runs beside a step's).
TEST_STEPS :=
TEST_LAST :=
TEST_LAST_NEED :=
TEST_LAST_JOBS := 4
ALL_STEPS  :=
HELP_LINES :=

.PHONY: all test check help clean deps
all: $(BUILD)/.dir
	@$(MAKE) --no-print-directory $(ALL_STEPS)

include mk/examples.mk
-include mk/tests.mk
-include mk/prove.mk
-include mk/bmc.mk
-include mk/fuzz.mk
-include mk/bench.mk
-include mk/tools.mk
-include mk/cross.mk
-include mk/interop.mk

# Every step runs even after one fails, so one run shows everything that is wrong.
test check: $(BUILD)/.dir
	@pass=0; fail=0; failed=""; start=$$(date +%s); \
	for s in $(TEST_STEPS); do \
	    echo "== make $$s"; t0=$$(date +%s); \
	    if $(MAKE) --no-print-directory $$s; then pass=$$((pass+1)); r=passed; else fail=$$((fail+1)); failed="$$failed $$s"; r=FAILED; fi; \
	    echo "== make $$s: $$r in $$(( $$(date +%s) - t0 )) s"; \
	done; \
	if [ -n "$(TEST_LAST)" ]; then \
	    $(NEED) $(TEST_LAST_NEED); t0=$$(date +%s); \
	    echo "== the last steps, $(TEST_LAST_JOBS) at a time: $(strip $(TEST_LAST)) (each one's output follows once all have ended)"; \
	    sh mk/lanes.sh $(BUILD)/test-last $(TEST_LAST_JOBS) "$(MAKE)" $(TEST_LAST); \
	    echo "== the last $(words $(TEST_LAST)) steps took $$(( $$(date +%s) - t0 )) s"; \
	    for s in $(TEST_LAST); do \
	        if grep -qx "$$s" $(BUILD)/test-last/failed; then fail=$$((fail+1)); failed="$$failed $$s"; else pass=$$((pass+1)); fi; \
	    done; \
	fi; \
	[ $$fail -eq 0 ] || echo "== make test: failed steps:$$failed"; \
	echo "make test steps: $$pass passed, $$fail failed, in $$(( $$(date +%s) - start )) s"; \
	[ $$fail -eq 0 ]

$(BUILD)/.dir:
	$(Q)mkdir -p $(BUILD) && touch $@

clean:
	rm -rf $(BUILD) bench/results

help:
	@echo "shmpc targets:"
	@echo "  make            build the library's examples and tools, run the producer/consumer demo"
	@echo "  make test       install test dependencies (apt-get), run every suite, proof and model check"
	@printf '%s\n' $(HELP_LINES)
	@echo "  make clean      remove build products"
	@echo "Variables: CC=$(CC) CXX=$(CXX) PREFIX=$(PREFIX) DESTDIR= V=1 (verbose)"
