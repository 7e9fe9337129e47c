/* expect.c - host side of `make mcu`: prints the line the firmware must print (MCU_LINE_FMT). */
#include "msgs.h"
#include <stdio.h>

int main(void) {
    uint32_t k, j, h = MCU_FNV_INIT;
    for (k = 0; k < MCU_N; k++) {
        h = mcu_fnv(h, (unsigned char)mcu_len(k));
        for (j = 0; j < mcu_len(k); j++) h = mcu_fnv(h, mcu_byte(k, j));
    }
    printf(MCU_LINE_FMT, (unsigned)MCU_N, (unsigned)h);
    return 0;
}
