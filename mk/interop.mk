# Other programs speaking shmpc: a peer written from PROTOCOL.md alone.
#   make thirdparty-test  tests/thirdparty/peer.c (no shmpc.h: its own offsets, C11 atomics, raw
#                         futex calls) against the library, both directions, wake-ups included
TEST_STEPS += thirdparty-test
HELP_LINES += "  make thirdparty-test  a peer written from PROTOCOL.md (no shmpc.h) against the library, both directions"

.PHONY: thirdparty-test

$(BUILD)/tp_peer: tests/thirdparty/peer.c tests/msgcheck.h | $(BUILD)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $< -o $@

$(BUILD)/ringcheck: tests/ringcheck.c tests/msgcheck.h shmpc.h | $(BUILD)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $< -o $@ $(LDLIBS)

thirdparty-test: $(BUILD)/tp_peer $(BUILD)/ringcheck
	@echo "-- a peer written from PROTOCOL.md against the library (tests/thirdparty/run.sh)"
	@sh tests/thirdparty/run.sh $(BUILD)
