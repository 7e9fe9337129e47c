#!/bin/sh
# run.sh DIR : make mcu. Runs the firmware on the Cortex-M3 board (mps2-an385) and the Cortex-M0 board
# (microbit) of qemu-system-arm, compares its checksum line with the host's (DIR/expect), checks that
# an ARMv6-M build without a critical section is refused at compile time, prints the code sizes.
# Environment: QEMU_MCU (qemu-system-arm and its options), MCU_CC (the cross compiler and flags).
dir=$1 failed=0
want=$("$dir/expect")
for b in mps2-an385:cortex-m3 microbit:cortex-m0; do
    board=${b%%:*} cpu=${b#*:}
    out=$(timeout 60 $QEMU_MCU -M "$board" -kernel "$dir/mcu-$cpu.elf" 2>&1); rc=$?
    echo "$out" | sed "s/^/   $cpu on $board: /"
    if [ $rc -ne 0 ] || [ "$(echo "$out" | head -n 1)" != "$want" ]; then
        echo "mcu: FAILED on $board ($cpu): exit $rc, expected: $want"; failed=1
    fi
done
# ARMv6-M without SHMPC_CRITICAL_BEGIN/END: a compile-time error, never a call to a missing __atomic_*.
if $MCU_CC -mcpu=cortex-m0 -c tests/compile/freestanding_core.c -o "$dir/refused.o" 2>"$dir/refused.txt"; then
    echo "mcu: FAILED: the ARMv6-M core compiled without a critical section"; failed=1
elif ! grep -q 'no lock-free 32-bit read-modify-write' "$dir/refused.txt"; then
    echo "mcu: FAILED: the ARMv6-M refusal does not say why:"; cat "$dir/refused.txt"; failed=1
else
    echo "   cortex-m0 without SHMPC_CRITICAL_BEGIN/END: refused at compile time (#error)"
fi
for cpu in cortex-m0 cortex-m3; do
    if arm-none-eabi-nm -u "$dir/core-$cpu.o" | grep -q '__atomic\|__sync'; then
        echo "mcu: FAILED: the $cpu core calls a libatomic function:"; arm-none-eabi-nm -u "$dir/core-$cpu.o"; failed=1
    fi
done
echo "   ring core (tests/compile/freestanding_core.c, -Os), arm-none-eabi-size:"
arm-none-eabi-size "$dir/core-cortex-m3.o" "$dir/core-cortex-m0.o" | sed 's/^/   /'
[ $failed -eq 0 ] && echo "mcu: passed: $want"
exit $failed
