/* Compile test: the ring core alone, -ffreestanding -nostdlib -DSHMPC_NO_OS. Its only undefined
   symbol may be memcpy (checked with nm by tests/compile/only_memcpy.sh). */
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.h"
