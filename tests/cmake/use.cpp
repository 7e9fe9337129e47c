// A C++ program built through the CMake target shmpc::shmpc: shmpc.hpp, one typed message.
#define SHMPC_IMPLEMENTATION
#include <shmpc.hpp>
#include <cstdio>

int main() {
    shmpc::anon_memory mem(shmpc::ring<long>::opts(4, SHMPC_SPSC));
    auto tx = shmpc::ring<long>::attach(mem.data(), mem.size(), shmpc::producer);
    auto rx = shmpc::ring<long>::attach(mem.data(), mem.size(), shmpc::consumer);
    tx.push(42);
    auto v = rx.pop(std::chrono::seconds(1));
    std::printf("cmake %ld c++\n", v ? *v : -1L);
    return v && *v == 42 ? 0 : 1;
}
