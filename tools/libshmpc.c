/* libshmpc.so: the whole of shmpc.h as a shared library, for languages that load C libraries
   (ctypes, cffi, FFIs) and for programs that link with -lshmpc instead of compiling the
   implementation themselves. Built by `make` with -fPIC -shared. (python/shmpc.py does not use it:
   its extension, python/_shmpc.c, compiles shmpc.h itself.) */
#define SHMPC_IMPLEMENTATION
#include "../shmpc.h"

/* Sizes of the public structs as this library was compiled, so that a binding that mirrors them
   (through an FFI) can refuse to run against a library whose structs differ from its own copy.
   which: 0 shmpc_ring, 1 shmpc_opts, 2 shmpc_status, 3 shmpc_peer_status, 4 shmpc_iov. */
SHMPC_API size_t shmpc_lib_sizeof(int which);
SHMPC_API size_t shmpc_lib_sizeof(int which) {
    switch (which) {
        case 0: return sizeof(shmpc_ring);
        case 1: return sizeof(shmpc_opts);
        case 2: return sizeof(shmpc_status);
        case 3: return sizeof(shmpc_peer_status);
        case 4: return sizeof(shmpc_iov);
        default: return 0;
    }
}
