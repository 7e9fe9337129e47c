/* main.c - shmpc on a microcontroller: the SysTick interrupt handler produces, the main loop
   consumes, through an SPSC ring in a static buffer (shmpc.h with SHMPC_NO_OS, -ffreestanding, no C
   library: startup.c has the rest). The consumer checks the length and every byte of each of
   MCU_N messages in order, then prints the checksum line that the host compares (expect.c). It
   also checks that the ring ran full (the handler found no room) and empty (the loop found no
   message), so that both edges and the index wrap were crossed; the counts go to a second line.
   Runs on qemu-system-arm's mps2-an385 (Cortex-M3) and microbit (Cortex-M0: ARMv6-M has no
   LDREX/STREX, so the read-modify-writes of attach and close run inside the critical section
   below; the SPSC data path needs only loads and stores and stays lock-free). */
#include <stdint.h>
#include "critical.h"
#define SHMPC_IMPLEMENTATION
#include "shmpc.h"
#include "msgs.h"

void systick_handler(void);
void mcu_puts(const char *s);

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u) /* SysTick control and status */
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u) /* reload value */
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u) /* current value */

static _Alignas(64) unsigned char ring_mem[SHMPC_HEADER_SIZE + MCU_CAP * ((8u + MCU_SLOT + 7u) / 8u * 8u)];
static shmpc_ring prod, cons;                 /* the handler's and the main loop's handles */
static volatile uint32_t pushed, full_seen, ticks, failed;

void systick_handler(void) {
    unsigned char msg[MCU_SLOT];
    uint32_t i, j, k;
    ticks++;
    for (i = 0; i < MCU_BURST && pushed < MCU_N; i++) {
        k = pushed;
        for (j = 0; j < mcu_len(k); j++) msg[j] = mcu_byte(k, j);
        int rc = shmpc_try_push(&prod, msg, mcu_len(k));
        if (rc == SHMPC_EFULL) { full_seen++; break; }
        if (rc != SHMPC_OK) { failed = 1; break; }
        pushed = k + 1u;
    }
    if (pushed == MCU_N || failed) {
        SYST_CSR = 0;                         /* no more ticks */
        if (shmpc_close(&prod) != SHMPC_OK) failed = 1; /* end of stream: the consumer drains, then ECLOSED */
    }
}

/* "text" + decimal or hexadecimal number, without a C library. */
static char *put_str(char *p, const char *s) { while (*s) *p++ = *s++; return p; }
static char *put_dec(char *p, uint32_t v) {
    char t[10];
    int n = 0;
    do t[n++] = (char)('0' + v % 10u); while ((v /= 10u) != 0u);
    while (n) *p++ = t[--n];
    return p;
}
static char *put_hex8(char *p, uint32_t v) {
    int i;
    for (i = 7; i >= 0; i--) *p++ = "0123456789abcdef"[(v >> (4 * i)) & 0xFu];
    return p;
}
static int fail(const char *why) { mcu_puts("shmpc mcu: FAILED: "); mcu_puts(why); mcu_puts("\n"); return 1; }

int main(void) {
    shmpc_opts o = SHMPC_OPTS_INIT;
    unsigned char buf[MCU_SLOT];
    char line[160], *p;
    uint32_t k = 0, j, h = MCU_FNV_INIT, empty_seen = 0, slow = 0;
    size_t n;
    int rc;
    o.capacity = MCU_CAP; o.slot_size = MCU_SLOT; o.start_index = 0xFFFFFFF0u; /* crosses the wrap */
    if (shmpc_footprint(MCU_CAP, MCU_SLOT) != sizeof ring_mem) return fail("footprint");
    if (shmpc_format(ring_mem, sizeof ring_mem, &o) != SHMPC_OK) return fail("format");
    if (shmpc_attach_id(&prod, ring_mem, sizeof ring_mem, SHMPC_PRODUCER, 1u, 0u) != SHMPC_OK ||
        shmpc_attach_id(&cons, ring_mem, sizeof ring_mem, SHMPC_CONSUMER, 2u, 0u) != SHMPC_OK)
        return fail("attach");
    SYST_RVR = 200u;  SYST_CVR = 0u; SYST_CSR = 7u; /* processor clock, interrupt, enable */
    for (;;) {
        rc = shmpc_try_pop(&cons, buf, sizeof buf, &n);
        if (rc == SHMPC_EEMPTY) { empty_seen++; continue; }
        if (rc == SHMPC_ECLOSED) break;
        if (rc != SHMPC_OK) return fail("pop");
        if (k >= MCU_N || n != mcu_len(k)) return fail("length or order");
        h = mcu_fnv(h, (unsigned char)n);
        for (j = 0; j < n; j++) {
            if (buf[j] != mcu_byte(k, j)) return fail("content");
            h = mcu_fnv(h, buf[j]);
        }
        k++;
        if (k % 97u == 0u) /* now and then a slow consumer: the handler fills the ring */
            for (slow = 0; slow < 40000u; slow++) __asm__ __volatile__("" ::: "memory");
    }
    if (failed) return fail("push or close in the handler");
    if (k != MCU_N) return fail("message count");
    if (full_seen == 0u || empty_seen == 0u) return fail("the ring never ran full or never ran empty");
    if (shmpc_close(&cons) != SHMPC_OK) return fail("close");
    p = put_str(line, "shmpc mcu: "); p = put_dec(p, k); p = put_str(p, " messages in order, checksum 0x");
    p = put_hex8(p, h); p = put_str(p, "\n"); *p = 0;
    mcu_puts(line);
    p = put_str(line, "shmpc mcu: "); p = put_dec(p, ticks); p = put_str(p, " ticks, ring full ");
    p = put_dec(p, full_seen); p = put_str(p, " times, empty "); p = put_dec(p, empty_seen);
    p = put_str(p, " times\n"); *p = 0;
    mcu_puts(line);
    return 0;
}
