# Examples: built by `make`, the producer/consumer demo run by `make`.
EXAMPLES := producer consumer fork_demo epoll_server
EXAMPLE_BINS := $(EXAMPLES:%=$(BUILD)/%)
ALL_STEPS += examples demo
HELP_LINES += "  make examples   build examples/ into build/" "  make demo       producer and consumer as two processes"
.PHONY: examples demo
examples: $(EXAMPLE_BINS)
$(BUILD)/%: examples/%.c examples/common.h shmpc.h | $(BUILD)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) -I. $< -o $@ $(LDLIBS)
demo: $(BUILD)/producer $(BUILD)/consumer $(BUILD)/fork_demo
	@name=shmpc-demo-$$$$; \
	$(BUILD)/consumer --name $$name --wait 10 --items 100000 --quiet & c=$$!; \
	$(BUILD)/producer --name $$name --capacity 64 --items 100000 --quiet && wait $$c
	@$(BUILD)/fork_demo --capacity 16 --items 100000 --quiet
