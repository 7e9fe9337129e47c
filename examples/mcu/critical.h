/* critical.h - the critical section that shmpc.h asks for on a target without lock-free 32-bit
   read-modify-write (ARMv6-M: Cortex-M0/M0+/M1 have no LDREX/STREX): mask interrupts, then restore
   the previous mask. Enough on one core; a dual-core part (e.g. two Cortex-M0+ sharing SRAM) needs
   a lock both cores see, such as a hardware spinlock, inside these two macros. Unused where the
   compiler has lock-free read-modify-write (Cortex-M3 and later). */
#ifndef MCU_CRITICAL_H
#define MCU_CRITICAL_H
#define SHMPC_CRITICAL_BEGIN(s) __asm__ __volatile__("mrs %0, primask\n\tcpsid i" : "=r"(s) : : "memory")
#define SHMPC_CRITICAL_END(s) __asm__ __volatile__("msr primask, %0" : : "r"(s) : "memory")
#endif
