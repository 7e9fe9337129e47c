/* startup.c - what a bare-metal Cortex-M program needs below main(): the vector table, the reset
   handler (copies .data, zeroes .bss), memcpy and memset (the compiler may call them even with
   -ffreestanding), and ARM semihosting for output and exit (the debugger's bkpt 0xAB, which
   qemu-system-arm -semihosting-config enable=on serves). No C library. */
#include <stddef.h>
#include <stdint.h>

extern uint32_t _data, _edata, _data_load, _bss, _ebss, _stack_top;
int main(void);
void systick_handler(void);
void reset_handler(void);
void mcu_puts(const char *s);
void mcu_exit(int ok);

void *memcpy(void *d, const void *s, size_t n) {
    unsigned char *dp = (unsigned char *)d;
    const unsigned char *sp = (const unsigned char *)s;
    while (n--) *dp++ = *sp++;
    return d;
}
void *memset(void *d, int c, size_t n) {
    unsigned char *dp = (unsigned char *)d;
    while (n--) *dp++ = (unsigned char)c;
    return d;
}

/* Semihosting call: operation in r0, argument in r1, result in r0. */
static int semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ __volatile__("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
void mcu_puts(const char *s) { semihost(0x04, s); } /* SYS_WRITE0 */
void mcu_exit(int ok) {                             /* SYS_EXIT: qemu exits 0, or 1 on an error */
    for (;;) semihost(0x18, (const void *)(uintptr_t)(ok ? 0x20026u : 0x20024u));
}

static void fault_handler(void) {
    mcu_puts("shmpc mcu: FAILED: fault exception\n");
    mcu_exit(0);
}

void reset_handler(void) {
    uint32_t *d = &_data, *s = &_data_load;
    while (d < &_edata) *d++ = *s++;
    for (d = &_bss; d < &_ebss;) *d++ = 0;
    mcu_exit(main() == 0);
}

/* Initial stack pointer, then the handlers of exceptions 1..15 (15: SysTick). */
__attribute__((section(".vectors"), used)) static const uintptr_t vectors[16] = {
    (uintptr_t)&_stack_top, (uintptr_t)reset_handler,
    (uintptr_t)fault_handler, (uintptr_t)fault_handler, (uintptr_t)fault_handler, /* NMI, HardFault, MemManage */
    (uintptr_t)fault_handler, (uintptr_t)fault_handler, 0, 0, 0, 0,                /* BusFault, UsageFault */
    (uintptr_t)fault_handler, (uintptr_t)fault_handler, 0,                         /* SVCall, DebugMon */
    (uintptr_t)fault_handler, (uintptr_t)systick_handler                           /* PendSV, SysTick */
};
