// Built with -fno-exceptions: the std::error_code forms are the whole API.
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.hpp"
#include <cstdio>
#include <cstring>
#include <string>

#define CHECK(c) do { if (!(c)) { std::printf("no_exceptions: FAILED at line %d: %s\n", __LINE__, #c); return 1; } } while (0)

int main() {
    using namespace std::chrono_literals;
    static_assert(SHMPC_HPP_EXCEPTIONS == 0, "built with -fno-exceptions");
    std::error_code ec;
    std::string name = "shmpc-hpp-noexc-" + std::to_string(getpid());
    auto none = shmpc::channel::open(name.c_str(), shmpc::consumer, 0ms, ec);
    CHECK(!none && ec == shmpc::errc{SHMPC_ENOENT} && ec == std::errc::no_such_file_or_directory);
    shmpc::options o;
    o.capacity = 2;
    o.slot_size = 16;
    auto tx = shmpc::channel::create(name.c_str(), o, shmpc::producer, ec);
    CHECK(tx && !ec);
    auto rx = shmpc::channel::open(name.c_str(), shmpc::consumer, 1s, SHMPC_O_ANY_OWNER, ec);
    CHECK(rx && !ec);
    CHECK(tx.push("a", shmpc::forever, ec) && !ec);
    CHECK(tx.push("bb", 0ms, ec) && !ec);
    CHECK(!tx.push("c", 0ms, ec) && ec == shmpc::errc{SHMPC_EFULL});
    CHECK(!tx.push(std::string(17, 'x'), 0ms, ec) && ec == shmpc::errc{SHMPC_EMSGSIZE});
    {
        char b[16];
        auto n = rx.pop(shmpc::mutable_bytes(reinterpret_cast<std::byte *>(b), sizeof b), 0ms, ec);
        CHECK(n && *n == 1 && b[0] == 'a' && !ec);
    }
    tx.close();
    std::size_t seen = 0;
    for (shmpc::bytes m : rx.messages(ec)) seen += m.size();
    CHECK(seen == 2 && !ec);                       // "bb", then the end of the stream (ec clear)
    auto empty = rx.pop(shmpc::mutable_bytes(), 10ms, ec);
    CHECK(!empty && ec == shmpc::errc{SHMPC_ECLOSED});
    rx.close();
    shmpc_unlink(name.c_str());
    std::printf("no_exceptions (C++ %ld): ok\n", static_cast<long>(__cplusplus));
    return 0;
}
