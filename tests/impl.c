/* The implementation, compiled once for the suites. */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"
