/* msgs.h - the messages of the MCU example and their checksum, shared by the firmware (main.c) and
   the host program that computes the expected checksum (expect.c). Message k has mcu_len(k) bytes,
   byte j of it is mcu_byte(k, j); the checksum is 32-bit FNV-1a over each message's length byte
   and payload, in order. */
#ifndef MCU_MSGS_H
#define MCU_MSGS_H
#include <stdint.h>

#define MCU_N     20000u /* messages */
#define MCU_SLOT  32u    /* slot size */
#define MCU_CAP   16u    /* slots */
#define MCU_BURST 5u     /* messages the interrupt handler pushes per tick, at most */

static inline uint32_t mcu_len(uint32_t k) { return (k * 7u + k / 3u) % (MCU_SLOT + 1u); }
static inline unsigned char mcu_byte(uint32_t k, uint32_t j) { return (unsigned char)((k * 2654435761u) >> 13 ^ j * 31u); }
static inline uint32_t mcu_fnv(uint32_t h, unsigned char b) { return (h ^ b) * 16777619u; }
#define MCU_FNV_INIT 2166136261u

/* The checksum line both sides print. */
#define MCU_LINE_FMT "shmpc mcu: %u messages in order, checksum 0x%08x\n"
#endif
