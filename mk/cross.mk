# Other CPUs, a microcontroller, and the wait path of other systems.
#   make cross        for aarch64, armhf (32-bit) and s390x (big-endian): the Check suites, the
#                     examples, shmpcctl and a ring-image tool built with Debian's cross compilers
#                     (static), run under qemu-user (tests/cross/run.sh); rings carried as files
#                     between each CPU and this machine; then `make nofutex`
#   make cross-quick  the same for one architecture: CROSS_ARCH=aarch64|armhf|s390x, by default one
#                     per run, rotating with the day of the year (make test runs this one)
#   make mcu          examples/mcu: a bare-metal SysTick producer and main-loop consumer on
#                     qemu-system-arm's mps2-an385 (Cortex-M3) and microbit (Cortex-M0), checksum
#                     compared with the host's; also the core's code size for Cortex-M
#   make nofutex      the Check suites with SHMPC_NO_FUTEX (the portable wait path: bounded sleeps);
#                     make nofutex-quick (in make test) the suites of it that wait and wake
# Emulation runs the code generated for these CPUs (instructions, alignment, sizes, byte order); it
# does not reorder memory as the real CPUs do (qemu on x86 keeps x86's order): no weak-memory evidence.
TEST_LAST += cross-quick mcu nofutex-quick
HELP_LINES += "  make cross      aarch64, armhf, s390x: Check suites, examples, ring images under qemu-user; make nofutex" \
              "  make cross-quick  one of them (CROSS_ARCH=aarch64|armhf|s390x; default rotates by day)" \
              "  make mcu        examples/mcu on qemu-system-arm (Cortex-M3 and Cortex-M0), code sizes" \
              "  make nofutex    the Check suites with SHMPC_NO_FUTEX (the wait path of systems without futex)" \
              "  make nofutex-quick  of those, the suites that wait and wake (in make test)"

CROSS_ARCHS  := aarch64 armhf s390x
CROSS_ARCH   ?= $(word $(shell expr $$(date +%j) % 3 + 1),$(CROSS_ARCHS))
CROSS_STRESS ?= 200000
CROSS_TMO    ?= 4
XB           := $(BUILD)/cross
# GNU triplet, Debian architecture and qemu-user program of each architecture.
x_triplet = $(if $(filter aarch64,$(1)),aarch64-linux-gnu,$(if $(filter armhf,$(1)),arm-linux-gnueabihf,s390x-linux-gnu))
x_deb     = $(if $(filter aarch64,$(1)),arm64,$(1))
x_qemu    = qemu-$(if $(filter armhf,$(1)),arm,$(1))
X_EXAMPLES := producer consumer fork_demo large_blocks request_response sysv_demo
TEST_LAST_NEED += gcc-$(call x_triplet,$(CROSS_ARCH)) libc6-dev-$(call x_deb,$(CROSS_ARCH))-cross \
                  check:$(call x_deb,$(CROSS_ARCH)) qemu-user gcc-arm-none-eabi qemu-system-arm

.PHONY: cross cross-quick nofutex nofutex-quick mcu mcu-deps $(CROSS_ARCHS:%=cross-%)

cross:
	@pass=0; fail=0; for a in $(CROSS_ARCHS); do \
	    if $(MAKE) --no-print-directory cross-$$a; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; done; \
	if $(MAKE) --no-print-directory nofutex; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	echo "make cross: $$pass passed, $$fail failed (aarch64 armhf s390x nofutex)"; [ $$fail -eq 0 ]

cross-quick: cross-$(CROSS_ARCH)

# $(1): architecture
define X_ARCH
$(XB)/$(1)/.dir:
	$(Q)mkdir -p $(XB)/$(1) && touch $$@
$(XB)/$(1)/%.o: tests/%.c $(T_HDRS) | $(XB)/$(1)/.dir
	$(Q)$(call x_triplet,$(1))-gcc $(CSTD) $(WARN) $(OPT) -c $$< -o $$@
$(XB)/$(1)/shmpc_tests: $(patsubst $(TB)/@/%,$(XB)/$(1)/%,$(call T_OBJS,@))
	$(Q)$(call x_triplet,$(1))-gcc -static $$^ -o $$@ -L/usr/lib/$(call x_triplet,$(1)) -lcheck -lsubunit $(LDLIBS) -lm -lrt
$(XB)/$(1)/image: tests/cross/image.c shmpc.h | $(XB)/$(1)/.dir
	$(Q)$(call x_triplet,$(1))-gcc -static $(CSTD) $(WARN) $(OPT) $$< -o $$@
$(XB)/$(1)/shmpcctl: tools/shmpcctl.c shmpc.h | $(XB)/$(1)/.dir
	$(Q)$(call x_triplet,$(1))-gcc -static $(CSTD) $(WARN) $(OPT) $$< -o $$@ $(LDLIBS)
$(X_EXAMPLES:%=$(XB)/$(1)/%): $(XB)/$(1)/%: examples/%.c examples/common.h shmpc.h | $(XB)/$(1)/.dir
	$(Q)$(call x_triplet,$(1))-gcc -static $(CSTD) $(WARN) $(OPT) -I. $$< -o $$@ $(LDLIBS)
cross-$(1): test-deps tools-deps
	$(Q)$(NEED) gcc-$(call x_triplet,$(1)) libc6-dev-$(call x_deb,$(1))-cross check:$(call x_deb,$(1)) qemu-user
	@$(MAKE) --no-print-directory -j2 $(XB)/$(1)/shmpc_tests $(XB)/$(1)/image $(XB)/$(1)/shmpcctl \
	    $(X_EXAMPLES:%=$(XB)/$(1)/%) $(XB)/host/image $(BUILD)/shmpcctl $(PYEXT)
	@CROSS_QEMU=$(call x_qemu,$(1)) CROSS_STRESS=$(CROSS_STRESS) CROSS_TMO=$(CROSS_TMO) PYTHON=$(PYTHON) \
	    SHMPC_BUILD=$(CURDIR)/$(BUILD) sh tests/cross/run.sh $(1) $(XB)/$(1) $(XB)/host
endef
$(foreach a,$(CROSS_ARCHS),$(eval $(call X_ARCH,$(a))))

$(XB)/host/image: tests/cross/image.c shmpc.h
	$(Q)mkdir -p $(XB)/host && $(CC) $(CSTD) $(WARN) $(OPT) $< -o $@

# The Check suites built with SHMPC_NO_FUTEX (the wait path of systems without futex) and run here:
# all of them (make nofutex, in make cross), or those that wait and wake (make nofutex-quick, in make
# test: the threads suite and the cross_process case).
$(eval $(call T_BUILD,nofutex,$(CC),-DSHMPC_NO_FUTEX))
# Also the code macOS and FreeBSD compile: every Linux branch off (-U__linux__: no futex, no /proc,
# no membarrier), tests/compile/twice.c built with -Werror and its smoke run.
# The shrink cases (tag proc_syscall) truncate the ring once /proc shows the sleeper in a futex
# call, which this path never makes: excluded.
NOFUTEX_RUN = SHMPC_TEST_STRESS=$(CROSS_STRESS) CK_EXCLUDE_TAGS=proc_syscall ./$(TB)/nofutex/shmpc_tests
NOLINUX     = -U__linux__ -U__linux -Ulinux -U__gnu_linux__
$(XB)/host/twice-nolinux: tests/compile/twice.c shmpc.h
	$(Q)mkdir -p $(XB)/host && $(CC) $(CSTD) $(WARN) $(OPT) $(NOLINUX) $< -o $@ $(LDLIBS)
	$(Q)./$@ >/dev/null || { echo "the non-Linux OS layer (-U__linux__): smoke run FAILED"; rm -f $@; exit 1; }
	@echo "-- the non-Linux OS layer (-U__linux__) compiles with -Werror and its smoke run passes"
nofutex: test-deps $(XB)/host/twice-nolinux
	@$(MAKE) --no-print-directory -j2 $(TB)/nofutex/shmpc_tests
	@echo "-- the Check suites with SHMPC_NO_FUTEX (stress $(CROSS_STRESS) messages per case)"
	$(Q)$(NOFUTEX_RUN)
nofutex-quick: test-deps $(XB)/host/twice-nolinux
	@$(MAKE) --no-print-directory -j2 $(TB)/nofutex/shmpc_tests
	@echo "-- with SHMPC_NO_FUTEX: the threads and poll suites and the cross_process case (stress $(CROSS_STRESS) messages per case)"
	$(Q)CK_RUN_SUITE=threads $(NOFUTEX_RUN) && CK_RUN_SUITE=poll $(NOFUTEX_RUN) && CK_RUN_CASE=cross_process $(NOFUTEX_RUN)

# --- the microcontroller -----------------------------------------------------------------------
MB      := $(BUILD)/mcu
MCU_SRC := examples/mcu/startup.c examples/mcu/main.c
MCU_CC  := arm-none-eabi-gcc -mthumb $(CSTD) $(WARN) -Os -g -ffreestanding -nostdlib -DSHMPC_NO_OS
QEMU_MCU = qemu-system-arm -display none -monitor none -serial none -semihosting-config enable=on,target=native -icount shift=0

mcu-deps:
	$(Q)$(NEED) gcc-arm-none-eabi qemu-system-arm

$(MB)/.dir:
	$(Q)mkdir -p $(MB) && touch $@
$(MB)/mcu-%.elf: $(MCU_SRC) examples/mcu/msgs.h examples/mcu/critical.h examples/mcu/mcu.ld shmpc.h | $(MB)/.dir
	$(Q)$(MCU_CC) -mcpu=$* -I. -T examples/mcu/mcu.ld $(MCU_SRC) -lgcc -o $@
$(MB)/core-%.o: tests/compile/freestanding_core.c shmpc.h examples/mcu/critical.h | $(MB)/.dir
	$(Q)$(MCU_CC) -mcpu=$* -include examples/mcu/critical.h -c $< -o $@
$(MB)/expect: examples/mcu/expect.c examples/mcu/msgs.h | $(MB)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $< -o $@

mcu: mcu-deps
	@$(MAKE) --no-print-directory $(MB)/mcu-cortex-m3.elf $(MB)/mcu-cortex-m0.elf $(MB)/core-cortex-m3.o \
	    $(MB)/core-cortex-m0.o $(MB)/expect
	@MCU_CC="$(MCU_CC)" QEMU_MCU="$(QEMU_MCU)" sh examples/mcu/run.sh $(MB)
