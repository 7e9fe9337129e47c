# Other programs speaking shmpc: a peer written from PROTOCOL.md alone, and the ZeroMQ bridge.
#   make thirdparty-test  tests/thirdparty/peer.c (no shmpc.h: its own offsets, C11 atomics, raw
#                         futex calls) against the library, both directions, wake-ups included
#   make bridge           build/shmpc-bridge (tools/shmpc-bridge.c, libzmq from Debian's libzmq3-dev)
#   make bridge-test      the bridge end to end between two network namespaces (loopback if netns
#                         is not permitted): checksums, end of stream, back-pressure, a broken link
#   make bench-bridge     bridge throughput beside plain ZeroMQ PUSH/PULL of the same messages
TEST_LAST += thirdparty-test bridge-test
TEST_LAST_NEED += iproute2 libzmq3-dev pkg-config
ALL_STEPS  += bridge-if-possible
HELP_LINES += "  make thirdparty-test  a peer written from PROTOCOL.md (no shmpc.h) against the library, both directions" \
              "  make bridge      build/shmpc-bridge: a ring to a ZeroMQ socket and back (libzmq3-dev)" \
              "  make bridge-test the bridge end to end between two network namespaces, checksummed" \
              "  make bench-bridge  bridge throughput beside plain ZeroMQ PUSH/PULL (bench/results/bridge.md)"

.PHONY: thirdparty-test bridge bridge-if-possible bridge-deps bridge-test bench-bridge

$(BUILD)/tp_peer: tests/thirdparty/peer.c tests/msgcheck.h | $(BUILD)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $< -o $@

$(BUILD)/ringcheck: tests/ringcheck.c tests/msgcheck.h shmpc.h | $(BUILD)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $< -o $@ $(LDLIBS)

thirdparty-test: $(BUILD)/tp_peer $(BUILD)/ringcheck
	@echo "-- a peer written from PROTOCOL.md against the library (tests/thirdparty/run.sh)"
	@sh tests/thirdparty/run.sh $(BUILD)

bridge-deps:
	$(Q)$(NEED) libzmq3-dev pkg-config

bridge: $(BUILD)/shmpc-bridge

# `make` builds the bridge where libzmq is installed or can be (root); elsewhere it says why not
# and goes on (make bridge, make bridge-test and make test still require it).
bridge-if-possible:
	$(Q)if [ "$$(id -u)" = 0 ] || pkg-config --exists libzmq 2>/dev/null; then $(MAKE) --no-print-directory bridge; \
	else echo "shmpc: shmpc-bridge not built: libzmq3-dev is not installed (make bridge says how)"; fi

$(BUILD)/shmpc-bridge: tools/shmpc-bridge.c shmpc.h | bridge-deps $(BUILD)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $$(pkg-config --cflags libzmq) $< -o $@ $$(pkg-config --libs libzmq) $(LDLIBS)

bridge-test: $(BUILD)/shmpc-bridge $(BUILD)/ringcheck
	$(Q)$(NEED) iproute2
	@echo "-- shmpc-bridge end to end (tests/bridge/run.sh)"
	@sh tests/bridge/run.sh $(BUILD)

# Not part of make test: make bench and make bench-quick run it beside the other benchmarks.
# Built like the other benchmarks (bench/common.h's clock; its other helpers go unused here).
$(BUILD)/bench_bridge: bench/bench_bridge.c bench/common.h shmpc.h | bridge-deps $(BUILD)/.dir
	$(Q)$(CC) $(BENCH_CFLAGS) -Wno-unused-function $$(pkg-config --cflags libzmq) $< -o $@ $$(pkg-config --libs libzmq) $(BENCH_LIBS)

bench-bridge: $(BUILD)/bench_bridge $(BUILD)/shmpc-bridge
	$(Q)mkdir -p bench/results
	$(Q)$(BUILD)/bench_bridge $(BUILD)/shmpc-bridge bench/results $(BENCH_BRIDGE_ARGS)
bench: bench-bridge
bench-quick: BENCH_BRIDGE_ARGS = --quick
bench-quick: bench-bridge
