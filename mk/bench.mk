# Benchmarks: shmpc against pipe, UNIX socket, POSIX mq, Boost message_queue, ck_ring and a bare ring.
# Never part of `make test`. Results (CSV, PNG, summary.md) go to bench/results/ (git-ignored).
#   make bench            full reference run (5 repetitions per figure, every size; ~10 min on 2 cores)
#   make bench-quick      a fast look (<= 60 s): fewer sizes, smaller counts, 5 repetitions too
#   make bench-verdict    the full run BENCH_RUNS times (default 5, ~10 min each), then the verdict
#                         table: each target's ratio in every run and "met in k of N" (verdict.md)
#   make bench-study64    the 64 B study: bare rings and shmpc at slot strides 72 and 128, interleaved
#   make bench-static     a static bench binary for a machine without these packages: bench/static.sh runs
#                         the key figures there with a POSIX shell only, bench/medians.py summarizes the log
#   make bench BENCH_VARIANT=path/to/shmpc.h   also measures every shmpc transport built against that
#                         header, side by side in the same run (labelled [variant])
#   make bench BENCH_ARGS="--reps 9 --only tput,lat"   extra arguments for bench/run.py
BENCH_DIR   := $(BUILD)/bench
BENCH_PKGS  := gcc g++ libboost-dev libck-dev gnuplot-nox python3 valgrind
BENCH_CFLAGS := $(CSTD) -Wall -Wextra -Wpedantic $(OPT) $(CFLAGS) -I.
BENCH_CXXFLAGS := -std=c++17 -Wall -Wextra $(OPT) $(CXXFLAGS)
BENCH_LIBS  := -lpthread -lrt
BENCH_RUN   := python3 bench/run.py --bin $(BENCH_DIR)/bench --boost $(BENCH_DIR)/bench_boost --out bench/results
BENCH_VARIANT ?=
BENCH_ARGS  ?=
BENCH_RUNS  ?= 5
ifneq ($(BENCH_VARIANT),)
BENCH_VARIANT_BIN := $(BENCH_DIR)/bench_variant
BENCH_RUN += --variant variant=$(BENCH_VARIANT_BIN)
endif
HELP_LINES += "  make bench      benchmarks against pipe, socket, mq, Boost, ck_ring, bare ring; CSV + PNG in bench/results" \
              "  make bench-quick  a fast look at the same benchmarks (<= 60 s)" \
              "  make bench-verdict  the full bench BENCH_RUNS times (default 5), targets met in k of N"

.PHONY: bench bench-quick bench-verdict bench-study64 bench-static bench-deps bench-build
bench-deps:
	$(Q)$(NEED) $(BENCH_PKGS)

bench-build: $(BENCH_DIR)/bench $(BENCH_DIR)/bench_boost $(BENCH_VARIANT_BIN)

$(BENCH_DIR)/.dir:
	$(Q)mkdir -p $(BENCH_DIR) && touch $@

$(BENCH_DIR)/bench: bench/bench.c bench/common.h shmpc.h | bench-deps $(BENCH_DIR)/.dir
	$(Q)$(CC) $(BENCH_CFLAGS) $< -o $@ $(BENCH_LIBS)

# The variant's path is a prerequisite too, through a file rewritten only when the path changes:
# another header, even one older than the last build, is built again.
$(BENCH_DIR)/variant.path: FORCE | $(BENCH_DIR)/.dir
	$(Q)echo '$(abspath $(BENCH_VARIANT))' | cmp -s - $@ || echo '$(abspath $(BENCH_VARIANT))' > $@
FORCE:
$(BENCH_DIR)/bench_variant: bench/bench.c bench/common.h $(BENCH_VARIANT) $(BENCH_DIR)/variant.path | bench-deps $(BENCH_DIR)/.dir
	$(Q)$(CC) $(BENCH_CFLAGS) -DBENCH_SHMPC_HEADER='"$(abspath $(BENCH_VARIANT))"' $< -o $@ $(BENCH_LIBS)

$(BENCH_DIR)/bench_boost: bench/bench_boost.cpp bench/common.h | bench-deps $(BENCH_DIR)/.dir
	$(Q)$(CXX) $(BENCH_CXXFLAGS) $< -o $@ $(BENCH_LIBS)

bench: bench-build
	$(Q)$(BENCH_RUN) $(BENCH_ARGS)

bench-quick: bench-build
	$(Q)$(BENCH_RUN) --quick $(BENCH_ARGS)

bench-verdict: bench-build
	$(Q)python3 bench/verdict.py --runs $(BENCH_RUNS) --out bench/results -- $(BENCH_RUN) $(BENCH_ARGS)

# The 64 B study: shmpc.h with the slot stride rounded up to 64 bytes instead of 8 (a measurement
# build only; the grep fails the target if shmpc.h's stride line changed and the edit did not apply).
$(BENCH_DIR)/stride64.h: shmpc.h | $(BENCH_DIR)/.dir
	$(Q)sed 's|(SHMPC__SLOT_HDR + (uint64_t)slot_size + 7u) / 8u \* 8u|(SHMPC__SLOT_HDR + (uint64_t)slot_size + 63u) / 64u * 64u|' shmpc.h > $@.tmp
	$(Q)grep -q 'slot_size + 63u) / 64u \* 64u' $@.tmp || { echo "bench-study64: the stride line of shmpc.h changed; update mk/bench.mk"; exit 1; }
	$(Q)mv $@.tmp $@

$(BENCH_DIR)/bench_stride64: bench/bench.c bench/common.h $(BENCH_DIR)/stride64.h | bench-deps
	$(Q)$(CC) $(BENCH_CFLAGS) -DBENCH_SHMPC_HEADER='"$(abspath $(BENCH_DIR)/stride64.h)"' $< -o $@ $(BENCH_LIBS)

bench-study64: $(BENCH_DIR)/bench $(BENCH_DIR)/bench_stride64
	$(Q)python3 bench/study64.py $(BENCH_DIR)/bench $(BENCH_DIR)/bench_stride64

$(BENCH_DIR)/static/bench: bench/bench.c bench/common.h shmpc.h | bench-deps $(BENCH_DIR)/.dir
	$(Q)mkdir -p $(BENCH_DIR)/static && $(CC) $(BENCH_CFLAGS) -static $< -o $@ $(BENCH_LIBS)

bench-static: $(BENCH_DIR)/static/bench
	@echo "bench-static: copy $(BENCH_DIR)/static/bench and bench/static.sh to the machine, run"
	@echo "  sh static.sh ./bench > log   (sections: wake poll spsc mpmc; REPS=5)"
	@echo "and here: python3 bench/medians.py log"
