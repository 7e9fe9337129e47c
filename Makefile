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
# TEST_BESIDE: steps of make test that keep at most one core busy (sanitized runs, peers that
# mostly wait, end-to-end tools): they run one after the other in the background from the start of
# step TEST_BESIDE_AT on, beside the steps from there on, which also keep about one of the two cores
# busy (the proofs and model checks before it use both); their output follows the last step's.
# TEST_BESIDE_NEED: the Debian packages they need, installed before they start (so that no apt-get
# of theirs runs beside a step's).
TEST_STEPS :=
TEST_BESIDE :=
TEST_BESIDE_NEED :=
TEST_BESIDE_AT := fault
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
	@pass=0; fail=0; failed=""; start=$$(date +%s); bg=""; blog=$(BUILD)/test-beside.log; \
	rm -f $$blog $$blog.failed; \
	beside() { for b in $(TEST_BESIDE); do \
	    echo "== make $$b (beside the steps)"; t0=$$(date +%s); \
	    if $(MAKE) --no-print-directory $$b; then r=passed; else r=FAILED; echo $$b >> $$blog.failed; fi; \
	    echo "== make $$b: $$r in $$(( $$(date +%s) - t0 )) s"; \
	done > $$blog 2>&1; }; \
	for s in $(TEST_STEPS); do \
	    if [ "$$s" = "$(TEST_BESIDE_AT)" ] && [ -n "$(TEST_BESIDE)" ]; then $(NEED) $(TEST_BESIDE_NEED) && { beside & bg=$$!; }; fi; \
	    echo "== make $$s"; t0=$$(date +%s); \
	    if $(MAKE) --no-print-directory $$s; then pass=$$((pass+1)); r=passed; else fail=$$((fail+1)); failed="$$failed $$s"; r=FAILED; fi; \
	    echo "== make $$s: $$r in $$(( $$(date +%s) - t0 )) s"; \
	done; \
	if [ -n "$(TEST_BESIDE)" ]; then \
	    if [ -n "$$bg" ]; then wait $$bg; else beside; fi; cat $$blog; \
	    for b in $(TEST_BESIDE); do \
	        if grep -qx "$$b" $$blog.failed 2>/dev/null; then fail=$$((fail+1)); failed="$$failed $$b"; else pass=$$((pass+1)); fi; \
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
