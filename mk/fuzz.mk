# Crash handling, hostile peers and fuzzing (tests/crash/, tests/fuzz/).
#   make fault       misc crash/signal/security checks, a hostile writer at every read of a call
#                    (race_points), kill -9 rounds (SPSC and MPMC), kill -9 and restart rounds
#                    (RESTART_ROUNDS per mode, and a kill inside close), a soak of
#                    SOAK_MSGS messages (default 10^8: half SPSC 1x1, half MPMC 2x2), checksummed
#   make fault-san   the same programs, smaller, under ASan+UBSan and under TSan
#   make fuzz-short  each libFuzzer harness for FUZZ_SHORT_SECONDS (default 10), in make test
#   make fuzz        each libFuzzer harness for FUZZ_SECONDS (default 60), ASan+UBSan
#   make soak        10^9 messages (SOAK_LONG_MSGS), half SPSC, half MPMC
TEST_LAST += fault fuzz-short
TEST_LAST += fault-san
TEST_LAST_NEED += clang libclang-rt-14-dev
HELP_LINES += "  make fault      kill -9 rounds, dead-peer/stale/signal/owner checks, a hostile writer at every read" \
              "                  of a call (race_points), 10^8-message soak" \
              "  make fault-san  the fault programs under ASan+UBSan and TSan" \
              "  make fuzz       libFuzzer harnesses, FUZZ_SECONDS=60 each (ASan+UBSan); fuzz-short: 10 s" \
              "  make soak       10^9 messages across processes, SPSC and MPMC, checksummed"

CLANG              ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SHORT_SECONDS ?= 10
KILL_ROUNDS        ?= 200
RESTART_ROUNDS     ?= 1000
SOAK_MSGS          ?= 100000000
SOAK_LONG_MSGS     ?= 1000000000
FB := $(BUILD)/fuzz
CB := $(BUILD)/crash
FUZZERS := fuzz_ops fuzz_race
# Blocking calls check the peers once per half sleep slice: 10 ms slices keep a kill round short.
CRASH_DEFS := -DSHMPC_SLEEP_SLICE_NS=10000000
FUZZ_FLAGS := -std=c11 -Wall -Wextra -Wpedantic -Werror -g -O1 -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined
SAN_ASAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SAN_TSAN := -fsanitize=thread

.PHONY: fault fault-san fuzz fuzz-short soak fuzz-deps $(FUZZERS:%=fuzz-run-%)

$(CB)/.dir $(FB)/.dir:
	$(Q)mkdir -p $(@D) && touch $@

# --- fault tests (gcc by default) ---------------------------------------------------------------
$(CB)/%: tests/crash/%.c shmpc.h | $(CB)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $(CRASH_DEFS) -I. $< -o $@ $(LDLIBS) -lrt
$(CB)/asan-%: tests/crash/%.c shmpc.h | $(CB)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) -O1 -g $(SAN_ASAN) $(CRASH_DEFS) -I. $< -o $@ $(LDLIBS) -lrt
$(CB)/tsan-%: tests/crash/%.c shmpc.h | $(CB)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) -O1 -g $(SAN_TSAN) $(CRASH_DEFS) -I. $< -o $@ $(LDLIBS) -lrt

# $(call LOGRUN,log-name,command): runs it with its output in $(CB)/log-name.log, prints the summary
# line (its last), and on failure the whole log; the exit status is the command's.
define LOGRUN
	$(Q)$(2) > $(CB)/$(1).log 2>&1; rc=$$?; \
	if [ $$rc -ne 0 ]; then cat $(CB)/$(1).log; echo "$(1): FAILED (exit $$rc, log $(CB)/$(1).log)"; exit 1; fi; \
	tail -1 $(CB)/$(1).log | sed 's/^/$(1): /'
endef

# A hostile writer at every read of a call (tests/fuzz/race_points.c, header hook SHMPC__LOAD_HOOK):
# built with ASan+UBSan, run by make fault (about a second).
$(CB)/race_points: tests/fuzz/race_points.c shmpc.h | $(CB)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) -O1 -g $(SAN_ASAN) -I. $< -o $@

fault: $(CB)/misc $(CB)/kill $(CB)/restart $(CB)/soak $(CB)/race_points
	$(call LOGRUN,misc,$(CB)/misc)
	$(call LOGRUN,race-points,$(ASAN_ENV) $(CB)/race_points)
	$(call LOGRUN,kill-spsc,$(CB)/kill --mode spsc --rounds $(KILL_ROUNDS))
	$(call LOGRUN,kill-mpmc,$(CB)/kill --mode mpmc --rounds $(KILL_ROUNDS))
	$(call LOGRUN,restart-spsc,$(CB)/restart --mode spsc --rounds $(RESTART_ROUNDS))
	$(call LOGRUN,restart-mpmc,$(CB)/restart --mode mpmc --rounds $(RESTART_ROUNDS))
	$(call LOGRUN,soak-spsc,$(CB)/soak --mode spsc --capacity 256 --msgs $$(($(SOAK_MSGS) / 2)))
	$(call LOGRUN,soak-mpmc,$(CB)/soak --mode mpmc --producers 2 --consumers 2 --capacity 256 --msgs $$(($(SOAK_MSGS) - $(SOAK_MSGS) / 2)))

# Under ASan+UBSan and TSan: every check of misc, 40 kill rounds and 40 restart rounds per mode,
# 10^6-message soaks.
# A sanitizer report ends the process with an error (halt_on_error), which fails the step.
ASAN_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
TSAN_ENV := TSAN_OPTIONS=halt_on_error=1:exitcode=66
fault-san: $(CB)/asan-misc $(CB)/asan-kill $(CB)/asan-restart $(CB)/asan-soak $(CB)/tsan-misc $(CB)/tsan-soak
	$(call LOGRUN,asan-misc,$(ASAN_ENV) $(CB)/asan-misc)
	$(call LOGRUN,asan-kill-spsc,$(ASAN_ENV) $(CB)/asan-kill --mode spsc --rounds 40)
	$(call LOGRUN,asan-kill-mpmc,$(ASAN_ENV) $(CB)/asan-kill --mode mpmc --rounds 40)
	$(call LOGRUN,asan-restart-spsc,$(ASAN_ENV) $(CB)/asan-restart --mode spsc --rounds 40)
	$(call LOGRUN,asan-restart-mpmc,$(ASAN_ENV) $(CB)/asan-restart --mode mpmc --rounds 40)
	$(call LOGRUN,asan-soak-mpmc,$(ASAN_ENV) $(CB)/asan-soak --mode mpmc --producers 2 --consumers 2 --capacity 64 --msgs 1000000)
	$(call LOGRUN,tsan-misc,$(TSAN_ENV) $(CB)/tsan-misc)
	$(call LOGRUN,tsan-soak-spsc,$(TSAN_ENV) $(CB)/tsan-soak --mode spsc --capacity 64 --msgs 1000000)
	$(call LOGRUN,tsan-soak-mpmc,$(TSAN_ENV) $(CB)/tsan-soak --mode mpmc --producers 2 --consumers 2 --capacity 64 --msgs 1000000)

soak: $(CB)/soak
	$(call LOGRUN,soak-long-spsc,$(CB)/soak --mode spsc --capacity 256 --msgs $$(($(SOAK_LONG_MSGS) / 2)))
	$(call LOGRUN,soak-long-mpmc,$(CB)/soak --mode mpmc --producers 2 --consumers 2 --capacity 256 --msgs $$(($(SOAK_LONG_MSGS) - $(SOAK_LONG_MSGS) / 2)))

# --- libFuzzer (clang, ASan+UBSan) ------------------------------------------------------------------
fuzz-deps:
	$(Q)$(NEED) clang libclang-rt-14-dev

$(FB)/%: tests/fuzz/%.c tests/fuzz/fuzz_common.h shmpc.h | $(FB)/.dir
	$(Q)$(CLANG) $(FUZZ_FLAGS) $< -o $@ -lpthread

# Runs one harness for $(2) seconds over the committed seed corpus (new inputs go to build/, never
# into tests/); a crash, a sanitizer report, a leak or an input running over 10 s fails the target
# and leaves the input in $(FB)/crash-* (or leak-, timeout-) for reproduction: $(FB)/fuzz_ops FILE.
define FUZZ_RUN
	$(Q)mkdir -p $(FB)/corpus-$(1) && \
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	$(FB)/$(1) -max_total_time=$(2) -timeout=10 -max_len=1024 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(FB)/ $(FB)/corpus-$(1) tests/fuzz/corpus/$(1) > $(FB)/$(1).log 2>&1; \
	rc=$$?; \
	runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FB)/$(1).log); \
	if [ $$rc -ne 0 ]; then tail -40 $(FB)/$(1).log; echo "fuzz $(1): FAILED after $${runs:-?} runs (log $(FB)/$(1).log)"; exit 1; fi; \
	echo "fuzz $(1): $${runs} runs in $(2) s, 0 crashes, corpus $$(ls $(FB)/corpus-$(1) | wc -l) + $$(ls tests/fuzz/corpus/$(1) | wc -l) seeds"
endef

# The harnesses side by side (each runs on one core), each one's lines printed when it ends.
fuzz-short: fuzz-deps
	@$(MAKE) --no-print-directory -j2 $(FUZZERS:%=$(FB)/%)
	@$(MAKE) --no-print-directory -j2 --output-sync=target $(FUZZERS:%=fuzz-run-%) FUZZ_RUN_SECONDS=$(FUZZ_SHORT_SECONDS)

fuzz: fuzz-deps
	@$(MAKE) --no-print-directory -j2 $(FUZZERS:%=$(FB)/%)
	@$(MAKE) --no-print-directory -j2 --output-sync=target $(FUZZERS:%=fuzz-run-%) FUZZ_RUN_SECONDS=$(FUZZ_SECONDS)

$(FUZZERS:%=fuzz-run-%): fuzz-run-%:
	$(call FUZZ_RUN,$*,$(FUZZ_RUN_SECONDS))
