// Tests of shmpc.hpp, built by mk/tests.mk with g++ and clang++, as C++17 and C++20, -Werror.
// argv[1]: the C peer (tests/cpp/c_peer.c) for the cases across processes and languages.
#define SHMPC_IMPLEMENTATION
#include "../../shmpc.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;
static int failures;
#define CHECK(c) do { if (!(c)) { std::printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)
#define CHECK_THROWS(expr, want) do { int got_ = 0; \
        try { (void)(expr); } catch (const shmpc::error &e_) { got_ = e_.code() == shmpc::errc{want} ? 1 : 2; } \
        CHECK(got_ == 1 && #expr " throws " #want); } while (0)

static_assert(!std::is_copy_constructible_v<shmpc::channel> && std::is_nothrow_move_constructible_v<shmpc::channel>);
static_assert(!std::is_copy_constructible_v<shmpc::reservation> && !std::is_copy_constructible_v<shmpc::peeked>);
static_assert(!std::is_copy_constructible_v<shmpc::ring<int>> && std::is_nothrow_move_constructible_v<shmpc::ring<int>>);
static_assert(shmpc::timeout(5ms).ns() == 5000000 && shmpc::forever.ns() == SHMPC_FOREVER);
static_assert(shmpc::timeout(-1s).ns() == 0 && shmpc::timeout(0s).ns() == 0);
static_assert(shmpc::timeout(std::chrono::hours::max()).ns() == SHMPC_FOREVER);
static_assert(shmpc::timeout(std::chrono::duration<double, std::milli>(1.5)).ns() == 1500000);

static std::string unique(const char *what) { return std::string("shmpc-hpp-") + what + "-" + std::to_string(getpid()); }
static shmpc::options opts(std::uint32_t capacity, std::uint32_t slot_size, std::uint32_t mode = SHMPC_SPSC) {
    shmpc::options o;
    o.capacity = capacity;
    o.slot_size = slot_size;
    o.mode = mode;
    return o;
}
static std::string str(shmpc::bytes b) { return std::string(shmpc::as_string(b)); }

// A producer and a consumer on one anonymous ring, in this process.
struct pair {
    shmpc::anon_memory mem;
    shmpc::channel tx, rx;
    explicit pair(const shmpc::options &o)
        : mem(o), tx(shmpc::channel::attach(mem.data(), mem.size(), shmpc::producer)),
          rx(shmpc::channel::attach(mem.data(), mem.size(), shmpc::consumer)) {}
    ~pair() { tx.close(), rx.close(); }
};

static void test_errors() {
    std::error_code ec = shmpc::errc{SHMPC_ETIMEDOUT};
    CHECK(std::string(ec.category().name()) == "shmpc");
    CHECK(ec.message() == shmpc_strerror(SHMPC_ETIMEDOUT));
    CHECK(ec == std::errc::timed_out && ec != std::errc::invalid_argument);
    CHECK(std::error_code(shmpc::errc{SHMPC_ECLOSED}).default_error_condition().category() == shmpc::category());
    std::string missing = unique("missing");
    CHECK_THROWS(shmpc::channel::open(missing.c_str()), SHMPC_ENOENT);
    try {
        shmpc::channel::open(missing.c_str());
    } catch (const std::system_error &e) { // shmpc::error is a std::system_error
        CHECK(std::string(e.what()).find("shmpc open") != std::string::npos);
    }
    CHECK_THROWS(shmpc::channel::open(missing.c_str(), shmpc::consumer, 0ms, SHMPC_O_ANY_OWNER), SHMPC_ENOENT);
    CHECK_THROWS(shmpc::channel::create("a/b", opts(4, 8)), SHMPC_ENAME);
    CHECK_THROWS(shmpc::channel::create(unique("badcap").c_str(), opts(3, 8)), SHMPC_EINVAL);
}

static void test_copy_and_timeouts() {
    pair p(opts(2, 8));
    CHECK(p.tx.push("one") && p.tx.try_push(shmpc::as_bytes("two")));
    CHECK(!p.tx.try_push("three"));                       // full: false, not an error
    auto t0 = std::chrono::steady_clock::now();
    CHECK(!p.tx.push("three", 20ms));                     // waits 20 ms, then false
    CHECK(std::chrono::steady_clock::now() - t0 >= 20ms);
    CHECK_THROWS(p.tx.push("a message of more than 8 bytes"), SHMPC_EMSGSIZE);
    CHECK_THROWS(p.rx.push("x"), SHMPC_EROLE);
    std::array<std::byte, 8> b{};
    auto n = p.rx.pop(b);
    CHECK(n && *n == 3 && shmpc::as_string(shmpc::bytes(b.data(), *n)) == "one");
    std::array<std::byte, 2> small{};
    CHECK_THROWS(p.rx.pop(small), SHMPC_EMSGSIZE);        // "two" stays in the ring
    CHECK(p.rx.try_pop(b) == std::optional<std::size_t>(3));
    CHECK(!p.rx.try_pop(b));                              // empty
    t0 = std::chrono::steady_clock::now();
    CHECK(!p.rx.pop(b, 20ms));
    CHECK(std::chrono::steady_clock::now() - t0 >= 20ms);
    p.tx.close();
    CHECK_THROWS(p.rx.pop(b), SHMPC_ECLOSED);
    CHECK_THROWS(p.tx.push("x"), SHMPC_EINVAL);           // a closed handle
}

static void test_move_and_destructor() {
    shmpc::anon_memory mem(opts(4, 8));
    shmpc::channel rx = shmpc::channel::attach(mem.data(), mem.size(), shmpc::consumer);
    {
        shmpc::channel tx = shmpc::channel::attach(mem.data(), mem.size(), shmpc::producer);
        shmpc::channel moved = std::move(tx);
        CHECK(!tx && moved && !tx.native());
        CHECK(moved.push("m"));
        shmpc::channel assigned;
        assigned = std::move(moved);
        CHECK(assigned && !moved);
        CHECK(rx.stat().producers == 1);
        auto peers = rx.peers();
        CHECK(peers.size() == 2 && peers[0].pid == static_cast<std::uint32_t>(getpid()) && peers[0].alive == 1);
    }                                                     // the destructor closes: end of stream
    CHECK(rx.stat().producers == 0 && (rx.stat().ends & 1u));
    std::array<std::byte, 8> b{};
    CHECK(rx.pop(b) == std::optional<std::size_t>(1));
    CHECK_THROWS(rx.pop(b), SHMPC_ECLOSED);
}

static void test_zero_copy() {
    {
        pair q(opts(2, 16));
        shmpc::reservation w = q.tx.reserve();
        shmpc::channel moved = std::move(q.tx);          // the reservation's handle is zeroed by the move
        std::error_code ec;
        w.commit(1, ec);
        CHECK(ec == shmpc::errc{SHMPC_EINVAL});
        w = shmpc::reservation();                         // (its destructor's commit fails alike)
        CHECK(q.rx.stat().fill == 0);
    }
    pair p(opts(2, 16));
    {
        shmpc::reservation w = p.tx.reserve();
        CHECK(w && w.data().size() == 16);
        std::memcpy(w.data().data(), "scoped", 6);
        w.resize(6);
    }                                                     // committed at scope exit
    {
        shmpc::reservation w = p.tx.reserve(0ms);
        std::memcpy(w.data().data(), "explicit", 8);
        w.commit(8);
        std::error_code ec;
        w.commit(1, ec);
        CHECK(ec == shmpc::errc{SHMPC_ESEQ});              // committed once only
    }
    CHECK(!p.tx.reserve(0ms));                            // full: an empty reservation
    CHECK(p.rx.stat().fill == 2);
    {
        shmpc::peeked m = p.rx.peek();
        CHECK(m && m.str() == "scoped");
    }                                                     // released at scope exit
    CHECK(p.rx.stat().fill == 1);
    shmpc::peeked m = p.rx.peek(10ms);
    CHECK(m && str(m.data()) == "explicit");
    shmpc::peeked moved = std::move(m);
    CHECK(!m && moved && moved.str() == "explicit");
    moved.release();
    CHECK(!moved && p.rx.stat().fill == 0);
    CHECK(!p.rx.peek(0ms));                               // empty: an empty peeked
}

static void test_batches_and_iteration() {
    pair p(opts(8, 8));
    const shmpc::bytes msgs[] = {shmpc::as_bytes("a"), shmpc::as_bytes("bb"), shmpc::as_bytes("ccc")};
    CHECK(p.tx.push_many(msgs) == 3);
    std::byte space[4][8];
    shmpc::mutable_bytes bufs[] = {space[0], space[1], space[2], space[3]};
    CHECK(p.rx.pop_many(bufs) == 3);
    CHECK(str(bufs[0]) == "a" && str(bufs[1]) == "bb" && str(bufs[2]) == "ccc" && bufs[3].size() == 8);
    CHECK(p.rx.pop_many(bufs, 0ms) == 0);                 // empty
    for (int i = 0; i < 5; i++) p.tx.push(std::to_string(i));
    p.tx.close();
    std::string seen;
    for (shmpc::bytes m : p.rx.messages()) seen += str(m);
    CHECK(seen == "01234");
    CHECK(p.rx.stat().fill == 0);
}

// A consumer killed while it holds a peek: the consumer that takes its role over gets the message
// again, marked redelivered; recover() on a healthy ring hands nothing on.
static void test_takeover_redelivery() {
    std::string name = unique("takeover");
    auto tx = shmpc::channel::create(name.c_str(), opts(4, 16), shmpc::producer);
    tx.push("held");
    tx.push("next");
    pid_t pid = fork();
    if (pid == 0) {
        auto rx = shmpc::channel::open(name.c_str(), shmpc::consumer);
        shmpc::peeked m = rx.peek();
        _exit(m.str() == "held" ? 0 : 1);                 // dies holding the peek (no destructor runs)
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    auto rx = shmpc::channel::open(name.c_str(), shmpc::consumer);   // takes the dead consumer's role
    CHECK(rx.redelivered());
    {
        shmpc::peeked m = rx.peek(0ms);
        CHECK(m && m.str() == "held");
    }
    CHECK(!rx.redelivered());
    std::array<std::byte, 16> b{};
    CHECK(rx.pop(b, 0ms) == std::optional<std::size_t>(4));
    CHECK(rx.recover() == 0 && tx.recover() == 0);
    shmpc_unlink(name.c_str());
}

struct sample {
    std::uint64_t seq;
    double value;
    char tag[4];
};

// The event-loop descriptor: armed on an empty ring it stays quiet; a push makes it readable.
static void test_event_loop() {
    pair p(opts(4, 8));
    const int fd = p.rx.fd();
    CHECK(fd >= 0);
    p.rx.arm();
    struct pollfd pf = {fd, POLLIN, 0};
    CHECK(poll(&pf, 1, 0) == 0);
    CHECK(p.tx.push("ping"));
    CHECK(poll(&pf, 1, 2000) == 1 && (pf.revents & POLLIN));
    std::array<std::byte, 8> b{};
    CHECK(p.rx.try_pop(b) == std::optional<std::size_t>(4));
    std::error_code ec;
    p.rx.arm(ec);
    CHECK(!ec);
    CHECK(poll(&pf, 1, 0) == 0);              // armed again on an empty ring
    p.tx.close();                             // the producer's close wakes it too
    CHECK(poll(&pf, 1, 2000) == 1 && (pf.revents & POLLIN));
}

static void test_typed() {
    shmpc::anon_memory mem(shmpc::ring<sample>::opts(4, SHMPC_SPSC));
    auto tx = shmpc::ring<sample>::attach(mem.data(), mem.size(), shmpc::producer);
    auto rx = shmpc::ring<sample>::attach(mem.data(), mem.size(), shmpc::consumer);
    CHECK(tx.raw().stat().slot_size == sizeof(sample));
    for (std::uint64_t i = 0; i < 3; i++) CHECK(tx.push(sample{i, i * 0.5, "abc"}));
    auto s = rx.pop();
    CHECK(s && s->seq == 0 && s->value == 0.0 && std::strcmp(s->tag, "abc") == 0);
    tx.raw().push("short");                               // not a sample: reported, and consumed
    tx.close();
    std::uint64_t next = 1;
    for (const sample &v : rx) {
        CHECK(v.seq == next && v.value == static_cast<double>(next) * 0.5);
        if (++next == 3) break;
    }
    CHECK_THROWS(rx.pop(), SHMPC_EMSGSIZE);
    CHECK_THROWS(rx.pop(), SHMPC_ECLOSED);
    // a ring whose slots are smaller than T is refused
    shmpc::anon_memory small(opts(4, 8));
    CHECK_THROWS(shmpc::ring<sample>::attach(small.data(), small.size(), shmpc::consumer), SHMPC_ESIZE);
}

static int run_peer(const char *peer, const char *what, const std::string &name, long n, pid_t *pid) {
    std::string count = std::to_string(n);
    *pid = fork();
    if (*pid == 0) {
        execl(peer, peer, what, name.c_str(), count.c_str(), static_cast<char *>(nullptr));
        _exit(127);
    }
    return *pid > 0;
}
static int wait_peer(pid_t pid) {
    int st = 0;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// A C++ producer (named rings, copy API and ring<T>) with a C consumer in another process.
static void test_cpp_to_c(const char *peer, long n) {
    struct record { std::uint64_t i, triple; };
    std::string name = unique("c-consumer"), typed = name + "-typed";
    auto tx = shmpc::channel::create(name.c_str(), opts(16, 32), shmpc::producer);
    auto rtx = shmpc::ring<record>::create(typed.c_str(), 16);
    pid_t pid;
    CHECK(run_peer(peer, "consume", name, n, &pid));
    for (long i = 0; i < n; i++) tx.push("msg-" + std::to_string(i));
    tx.close();
    for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(n); i++) rtx.push(record{i, i * 3});
    rtx.close();
    CHECK(wait_peer(pid) == 0);
    shmpc_unlink(name.c_str());
    shmpc_unlink(typed.c_str());
}

// A C producer with a C++ consumer iterating in place.
static void test_c_to_cpp(const char *peer, long n) {
    std::string name = unique("c-producer");
    auto rx = shmpc::channel::create(name.c_str(), opts(16, 32), shmpc::consumer);
    pid_t pid;
    CHECK(run_peer(peer, "produce", name, n, &pid));
    long i = 0;
    bool in_order = true;
    for (shmpc::bytes m : rx.messages()) in_order = in_order && str(m) == "c-" + std::to_string(i++);
    CHECK(in_order && i == n);
    CHECK(wait_peer(pid) == 0);
    shmpc_unlink(name.c_str());
}

int main(int argc, char **argv) {
    if (argc != 2) {
        std::printf("usage: %s C_PEER\n", argv[0]);
        return 2;
    }
    test_errors();
    test_copy_and_timeouts();
    test_move_and_destructor();
    test_zero_copy();
    test_batches_and_iteration();
    test_typed();
    test_takeover_redelivery();
    test_event_loop();
    test_cpp_to_c(argv[1], 10000);
    test_c_to_cpp(argv[1], 10000);
    std::printf("shmpc.hpp tests (C++ %ld): %s\n", static_cast<long>(__cplusplus), failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
