# Check suites (tests/) and compile tests (tests/compile/). `make tests` installs Check and
# pkg-config if missing, runs the compile tests, builds the suites with -Werror and runs them.
# `make asan|ubsan|tsan` run the suites under a sanitizer (smaller stress runs).
TEST_STEPS += tests
HELP_LINES += "  make tests      compile tests (gcc, clang, C++, SHMPC_STATIC, twice, freestanding, include order) and the Check suites" \
              "  make hpp-tests  shmpc.hpp: g++ and clang++, C++17 and C++20, -fno-exceptions, C++ <-> C across processes" \
              "  make asan       the Check suites under AddressSanitizer" \
              "  make ubsan      the Check suites under UndefinedBehaviorSanitizer" \
              "  make tsan       the Check suites under ThreadSanitizer"

TB        := $(BUILD)/tests
CLANG     ?= clang
CLANGXX   ?= clang++
T_OBJS    = $(patsubst %,$(TB)/$(1)/%.o,test_core test_errors test_layout test_threads test_process test_hostile test_restart test_poll main impl retries)
T_HDRS    := shmpc.h tests/common.h tests/pair.h tests/stress.h
CHECK_FLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS  = $(shell pkg-config --libs check 2>/dev/null)
# Sanitizer runs: 10^6 messages per stress case instead of 10^7.
SAN_STRESS ?= 1000000

.PHONY: tests test-deps compile-tests hpp-tests suites asan ubsan tsan

# The builds run two at a time (-j2); every test runs alone, in the recipe that follows its builds.
tests: test-deps
	@$(MAKE) --no-print-directory -j2 compile-tests
	@$(MAKE) --no-print-directory -j2 hpp-tests
	@$(MAKE) --no-print-directory -j2 suites

test-deps:
	$(Q)$(NEED) check pkg-config clang libclang-rt-14-dev g++

# --- compile tests ----------------------------------------------------------------------------
CT := $(TB)/compile
compile-tests: $(CT)/twice-gcc $(CT)/twice-clang $(CT)/twice-gxx $(CT)/twice-clangxx $(CT)/twice-decl-first \
               $(CT)/static $(CT)/freestanding-gcc.o $(CT)/freestanding-clang.o \
               $(CT)/freestanding-gcc $(CT)/freestanding-clang \
               $(CT)/ergonomics-gcc $(CT)/ergonomics-clang $(CT)/ergonomics-gxx
	$(Q)for t in twice-gcc twice-clang twice-gxx twice-clangxx twice-decl-first static freestanding-gcc freestanding-clang \
	             ergonomics-gcc ergonomics-clang ergonomics-gxx; do \
	    ./$(CT)/$$t || { echo "compile test $$t FAILED"; exit 1; }; done
	$(Q)sh tests/compile/only_memcpy.sh $(CT)/freestanding-gcc.o
	$(Q)sh tests/compile/only_memcpy.sh $(CT)/freestanding-clang.o
	$(Q)if nm --defined-only $(CT)/static.o | awk '$$2 ~ /^[A-Z]$$/ && $$3 ~ /^shmpc_/' | grep . ; then \
	    echo "compile test static FAILED: SHMPC_STATIC exports the symbols above"; exit 1; fi
	$(Q)sh tests/compile/must_fail.sh ergonomics-strict '#error "shmpc.h: a system header included before the implementation' \
	    $(CC) $(CSTD) $(WARN) -fsyntax-only tests/compile/ergonomics.c
	@echo "compile tests: all passed"

$(CT)/.dir:
	$(Q)mkdir -p $(CT) && touch $@
$(CT)/twice-gcc: tests/compile/twice.c shmpc.h | $(CT)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $< -o $@ $(LDLIBS)
$(CT)/twice-decl-first: tests/compile/twice.c shmpc.h | $(CT)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) -DDECL_FIRST -D_GNU_SOURCE $< -o $@ $(LDLIBS)
$(CT)/twice-clang: tests/compile/twice.c shmpc.h | $(CT)/.dir
	$(Q)$(CLANG) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $< -o $@ $(LDLIBS)
$(CT)/twice-gxx: tests/compile/twice.c shmpc.h | $(CT)/.dir
	$(Q)$(CXX) -x c++ -std=c++17 $(WARN) $(OPT) $< -x none -o $@ $(LDLIBS)
$(CT)/twice-clangxx: tests/compile/twice.c shmpc.h | $(CT)/.dir
	$(Q)$(CLANGXX) -x c++ -std=c++17 $(WARN) $(OPT) $< -x none -o $@ $(LDLIBS)
$(CT)/static.o: tests/compile/static.c shmpc.h | $(CT)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) -c $< -o $@
$(CT)/impl.o: tests/impl.c shmpc.h | $(CT)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) -c $< -o $@
$(CT)/static: tests/compile/static_main.c $(CT)/static.o $(CT)/impl.o
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $^ -o $@ $(LDLIBS)
# A system header before the implementation: -std=gnu11, or -std=c11 -D_GNU_SOURCE, or C++ (plain
# -std=c11 must stop at the header's #error: checked in compile-tests above).
$(CT)/ergonomics-gcc: tests/compile/ergonomics.c shmpc.h | $(CT)/.dir
	$(Q)$(CC) -std=gnu11 $(WARN) $(OPT) $(CFLAGS) $< -o $@ $(LDLIBS)
$(CT)/ergonomics-clang: tests/compile/ergonomics.c shmpc.h | $(CT)/.dir
	$(Q)$(CLANG) $(CSTD) -D_GNU_SOURCE $(WARN) $(OPT) $(CFLAGS) $< -o $@ $(LDLIBS)
$(CT)/ergonomics-gxx: tests/compile/ergonomics.c shmpc.h | $(CT)/.dir
	$(Q)$(CXX) -x c++ -std=c++17 $(WARN) $(OPT) $< -x none -o $@ $(LDLIBS)
FREESTANDING := $(CSTD) $(WARN) -O2 -ffreestanding -nostdlib -DSHMPC_NO_OS -c
$(CT)/freestanding-gcc.o: tests/compile/freestanding_core.c shmpc.h | $(CT)/.dir
	$(Q)$(CC) $(FREESTANDING) $< -o $@
$(CT)/freestanding-clang.o: tests/compile/freestanding_core.c shmpc.h | $(CT)/.dir
	$(Q)$(CLANG) $(FREESTANDING) $< -o $@
$(CT)/freestanding-%: tests/compile/freestanding_main.c $(CT)/freestanding-%.o
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) -DSHMPC_NO_OS $^ -o $@

# --- shmpc.hpp: tests/cpp/ -------------------------------------------------------------------
# test_hpp.cpp by g++ and clang++ as C++17 and C++20 (each runs C++ <-> C cases with c_peer in
# another process), no_exceptions.cpp with -fno-exceptions, and not_trivial.cpp, which must stop at
# ring<T>'s static_assert.
HB       := $(TB)/cpp
HPP_CXXFLAGS := $(WARN) -O1
HPP_VARIANTS := gxx17 gxx20 clangxx17 clangxx20
hpp-tests: $(HPP_VARIANTS:%=$(HB)/test_hpp-%) $(HB)/no_exceptions-gxx $(HB)/no_exceptions-clangxx $(HB)/c_peer
	$(Q)for v in $(HPP_VARIANTS); do ./$(HB)/test_hpp-$$v $(HB)/c_peer || { echo "hpp test $$v FAILED"; exit 1; }; done
	$(Q)./$(HB)/no_exceptions-gxx && ./$(HB)/no_exceptions-clangxx
	$(Q)sh tests/compile/must_fail.sh not_trivial 'T must be trivially copyable' $(CXX) -std=c++17 -fsyntax-only tests/cpp/not_trivial.cpp
	@echo "shmpc.hpp tests: all passed"
$(HB)/.dir:
	$(Q)mkdir -p $(HB) && touch $@
$(HB)/c_peer: tests/cpp/c_peer.c shmpc.h | $(HB)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) -O1 $< -o $@ $(LDLIBS)
$(HB)/test_hpp-gxx%: tests/cpp/test_hpp.cpp shmpc.hpp shmpc.h | $(HB)/.dir
	$(Q)$(CXX) -std=c++$* $(HPP_CXXFLAGS) $< -o $@ $(LDLIBS)
$(HB)/test_hpp-clangxx%: tests/cpp/test_hpp.cpp shmpc.hpp shmpc.h | $(HB)/.dir
	$(Q)$(CLANGXX) -std=c++$* $(HPP_CXXFLAGS) $< -o $@ $(LDLIBS)
$(HB)/no_exceptions-gxx: tests/cpp/no_exceptions.cpp shmpc.hpp shmpc.h | $(HB)/.dir
	$(Q)$(CXX) -std=c++17 -fno-exceptions $(HPP_CXXFLAGS) $< -o $@ $(LDLIBS)
$(HB)/no_exceptions-clangxx: tests/cpp/no_exceptions.cpp shmpc.hpp shmpc.h | $(HB)/.dir
	$(Q)$(CLANGXX) -std=c++20 -fno-exceptions $(HPP_CXXFLAGS) $< -o $@ $(LDLIBS)

# --- the Check suites ---------------------------------------------------------------------------
# $(1): variant directory, $(2): compiler, $(3): extra flags
define T_BUILD
$(TB)/$(1)/%.o: tests/%.c $(T_HDRS) | $(TB)/$(1)/.dir
	$(Q)$(2) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $(3) $$(CHECK_FLAGS) -c $$< -o $$@
$(TB)/$(1)/shmpc_tests: $(call T_OBJS,$(1))
	$(Q)$(2) $(3) $$^ -o $$@ $$(CHECK_LIBS) $(LDLIBS)
$(TB)/$(1)/.dir:
	$(Q)mkdir -p $(TB)/$(1) && touch $$@
endef
$(eval $(call T_BUILD,plain,$(CC),))
$(eval $(call T_BUILD,asan,$(CC),-fsanitize=address -fno-omit-frame-pointer))
$(eval $(call T_BUILD,ubsan,$(CC),-fsanitize=undefined -fno-sanitize-recover=all))
# gcc 12 rejects atomic_thread_fence under TSan (-Wtsan with -Werror): clang builds this one.
$(eval $(call T_BUILD,tsan,$(CLANG),-fsanitize=thread))

# The poll suite again with SHMPC_SPIN=0: shmpc_arm then never spins, and its cases that find the
# ring already moved go through the registration and its re-check (with the spin they return from
# the spin's first look). Only the implementation's object differs.
$(TB)/nospin/impl.o: tests/impl.c $(T_HDRS) | $(TB)/nospin/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) -DSHMPC_SPIN=0 $(CHECK_FLAGS) -c $< -o $@
$(TB)/nospin/shmpc_tests: $(filter-out $(TB)/plain/impl.o,$(call T_OBJS,plain)) $(TB)/nospin/impl.o
	$(Q)$(CC) $^ -o $@ $(CHECK_LIBS) $(LDLIBS)
$(TB)/nospin/.dir:
	$(Q)mkdir -p $(TB)/nospin && touch $@

suites: $(TB)/plain/shmpc_tests $(TB)/nospin/shmpc_tests
	$(Q)./$<
	$(Q)CK_RUN_SUITE=poll ./$(TB)/nospin/shmpc_tests

asan: test-deps
	@$(MAKE) --no-print-directory $(TB)/asan/shmpc_tests
	$(Q)ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 SHMPC_TEST_STRESS=$(SAN_STRESS) ./$(TB)/asan/shmpc_tests
ubsan: test-deps
	@$(MAKE) --no-print-directory $(TB)/ubsan/shmpc_tests
	$(Q)UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 SHMPC_TEST_STRESS=$(SAN_STRESS) ./$(TB)/ubsan/shmpc_tests
tsan: test-deps
	@$(MAKE) --no-print-directory $(TB)/tsan/shmpc_tests
	$(Q)TSAN_OPTIONS=halt_on_error=1:exitcode=66 SHMPC_TEST_STRESS=$(SAN_STRESS) ./$(TB)/tsan/shmpc_tests
