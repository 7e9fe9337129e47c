/* shmpc.hpp - C++17/C++20 interface to shmpc.h. Header-only, same licence as shmpc.h.

   A thin layer over the C API: every call below is one shmpc_* call (a batch call takes at most 64
   messages and, like the C call, returns how many went).
   The ring, its layout and its guarantees are shmpc.h's; read its doc block for them.

   HOW TO USE
     In exactly one C++ file:  #define SHMPC_IMPLEMENTATION  then  #include "shmpc.hpp"
     Everywhere else:           #include "shmpc.hpp"

       using namespace std::chrono_literals;
       auto tx = shmpc::channel::create("jobs", {1024, 256}, shmpc::producer);   // throws shmpc::error
       tx.push("hello");                              // std::string_view or span<const std::byte>
       tx.close();                                    // (or the destructor): end of stream

       auto rx = shmpc::channel::open("jobs", shmpc::consumer, 5s);
       for (shmpc::bytes m : rx.messages()) use(m);   // zero-copy, until the producer closed and all drained

       auto q = shmpc::ring<sample>::create("samples", 4096);   // typed: slot_size = sizeof(sample)
       q.push(sample{...});  std::optional<sample> s = q.pop(10ms);

   OBJECTS
     channel         a move-only handle in one role (closed by its destructor). Factories: create,
                     open, create_sysv, open_sysv, attach (memory you mapped, e.g. anon_memory).
     ring<T>         a channel whose messages are one T each (T trivially copyable: static_assert).
     reservation     channel::reserve(): a slot to fill in place; commit(n) publishes n bytes. Left
                     uncommitted, its destructor commits length() bytes (0 unless resize() was
                     called): the C API cannot give a reserved MPMC position back, so a reservation
                     is always published (see README "C++").
     peeked          channel::peek(): the oldest message in place; its destructor releases it.
                     A reservation or peeked refers to its channel: it must not outlive it, nor
                     be used after the channel was moved or closed (commit then reports EINVAL).
     anon_memory     shmpc_create_anon/shmpc_free_anon: a ring to share with fork()ed children.

   TIMEOUTS
     Every call that may wait takes a shmpc::timeout last: any std::chrono::duration (<= 0: do not
     wait, the try form), or shmpc::forever (the default). Results:
       push / push_many / reserve  -> false / 0 / an empty reservation when it would have to wait longer
       pop / pop_many / peek       -> std::nullopt / 0 / an empty peeked, likewise
     Every other failure is an error (SHMPC_ECLOSED at the end of the stream among them).

   ERRORS
     The SHMPC_E* codes form shmpc::category() ("shmpc"), so they are std::error_codes:
       ec == shmpc::errc{SHMPC_ECLOSED};   ec == std::errc::timed_out   (mapped where one fits)
     Each call has two forms, as std::filesystem does:
       f(args...)                        throws shmpc::error (a std::system_error) on an error
       f(args..., std::error_code &ec)   noexcept: sets ec (also to SHMPC_EFULL/EEMPTY/ETIMEDOUT
                                         when it returns false/nullopt/0), clears it on success
     Built with -fno-exceptions (no __cpp_exceptions), only the second form exists.

   BYTES
     shmpc::bytes = span<const std::byte>, shmpc::mutable_bytes = span<std::byte>: std::span under
     C++20, a minimal span of the same shape under C++17. as_bytes(std::string_view), as_string(bytes).
*/
#ifndef SHMPC_HPP_INCLUDED
#define SHMPC_HPP_INCLUDED

#include "shmpc.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#if __cplusplus >= 202002L && defined(__has_include)
#  if __has_include(<span>)
#    include <span>
#    define SHMPC_HPP_STD_SPAN 1
#  endif
#endif
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#  define SHMPC_HPP_EXCEPTIONS 1
#else
#  define SHMPC_HPP_EXCEPTIONS 0
#endif

namespace shmpc {

/* ---- bytes ------------------------------------------------------------------------------------- */
#ifdef SHMPC_HPP_STD_SPAN
template <class T> using span = std::span<T>;
#else
/* The part of std::span (dynamic extent) that this header and its users need. */
template <class T> class span {
    T *p_ = nullptr;
    std::size_t n_ = 0;
public:
    using element_type = T;
    using value_type = std::remove_cv_t<T>;
    using iterator = T *;
    constexpr span() noexcept = default;
    constexpr span(T *p, std::size_t n) noexcept : p_(p), n_(n) {}
    template <std::size_t N> constexpr span(T (&a)[N]) noexcept : p_(a), n_(N) {}
    template <class U, class = std::enable_if_t<std::is_convertible_v<U (*)[], T (*)[]>>>
    constexpr span(const span<U> &o) noexcept : p_(o.data()), n_(o.size()) {}
    template <class C, class = std::enable_if_t<!std::is_array_v<std::remove_reference_t<C>> &&
                                                std::is_convertible_v<std::remove_pointer_t<decltype(std::declval<C &>().data())> (*)[], T (*)[]>>>
    constexpr span(C &&c) noexcept : p_(c.data()), n_(c.size()) {}
    constexpr T *data() const noexcept { return p_; }
    constexpr std::size_t size() const noexcept { return n_; }
    constexpr std::size_t size_bytes() const noexcept { return n_ * sizeof(T); }
    constexpr bool empty() const noexcept { return n_ == 0; }
    constexpr T &operator[](std::size_t i) const noexcept { return p_[i]; }
    constexpr T *begin() const noexcept { return p_; }
    constexpr T *end() const noexcept { return p_ + n_; }
    constexpr span first(std::size_t k) const noexcept { return span(p_, k); }
    constexpr span subspan(std::size_t o, std::size_t k) const noexcept { return span(p_ + o, k); }
};
#endif
using bytes = span<const std::byte>;
using mutable_bytes = span<std::byte>;

inline bytes as_bytes(std::string_view s) noexcept {
    return bytes(reinterpret_cast<const std::byte *>(s.data()), s.size());
}
inline std::string_view as_string(bytes b) noexcept {
    return std::string_view(reinterpret_cast<const char *>(b.data()), b.size());
}

/* ---- errors ------------------------------------------------------------------------------------ */
enum class errc : int {}; /* a SHMPC_E* value: shmpc::errc{SHMPC_ETIMEDOUT} */

class error_category_impl : public std::error_category {
public:
    const char *name() const noexcept override { return "shmpc"; }
    std::string message(int c) const override { return shmpc_strerror(c); }
    std::error_condition default_error_condition(int c) const noexcept override {
        switch (c) {
            case SHMPC_EINVAL: return std::errc::invalid_argument;
            case SHMPC_EMSGSIZE: return std::errc::message_size;
            case SHMPC_EAGAIN: return std::errc::resource_unavailable_try_again;
            case SHMPC_ETIMEDOUT: return std::errc::timed_out;
            case SHMPC_EEXIST: return std::errc::file_exists;
            case SHMPC_ENOENT: return std::errc::no_such_file_or_directory;
            case SHMPC_EPERM: return std::errc::permission_denied;
            case SHMPC_ENOMEM: return std::errc::not_enough_memory;
            case SHMPC_ENOTSUP: return std::errc::not_supported;
            case SHMPC_EINTR: return std::errc::interrupted;
            default: return std::error_condition(c, *this);
        }
    }
};
inline const std::error_category &category() noexcept {
    static const error_category_impl c;
    return c;
}
inline std::error_code make_error_code(errc e) noexcept { return std::error_code(static_cast<int>(e), category()); }

} /* namespace shmpc */
namespace std {
template <> struct is_error_code_enum<shmpc::errc> : true_type {};
} /* namespace std */

namespace shmpc {

#if SHMPC_HPP_EXCEPTIONS
/* What the throwing forms throw: code() is in shmpc::category(). */
class error : public std::system_error {
public:
    using std::system_error::system_error;
};
#endif

namespace detail {
inline bool would_wait(int rc) noexcept {
    return rc == SHMPC_EFULL || rc == SHMPC_EEMPTY || rc == SHMPC_EAGAIN || rc == SHMPC_ETIMEDOUT;
}
/* Sets ec from a C result; true if it was a success (rc >= 0). */
inline bool set(std::error_code &ec, int rc) noexcept {
    if (rc >= 0) ec.clear();
    else ec = make_error_code(errc{rc});
    return rc >= 0;
}
#if SHMPC_HPP_EXCEPTIONS
[[noreturn]] inline void raise(int rc, const char *what) { throw error(make_error_code(errc{rc}), what); }
/* Throwing forms: a success or a "would wait" is a result, anything else is thrown. */
inline bool check(int rc, const char *what) {
    if (rc >= 0) return true;
    if (would_wait(rc)) return false;
    raise(rc, what);
}
#endif
} /* namespace detail */

/* ---- timeouts ----------------------------------------------------------------------------------- */
class timeout {
    std::int64_t ns_ = SHMPC_FOREVER;
public:
    constexpr timeout() noexcept = default; /* forever */
    template <class Rep, class Period>
    constexpr timeout(std::chrono::duration<Rep, Period> d) noexcept : ns_(0) {
        /* compared as long double first: a huge duration saturates instead of overflowing */
        const long double ns = std::chrono::duration<long double, std::nano>(d).count();
        if (ns >= 9.0e18L) ns_ = SHMPC_FOREVER;
        else if (ns > 0.0L) ns_ = static_cast<std::int64_t>(ns);
    }
    static constexpr timeout never_wait() noexcept { return timeout(std::chrono::nanoseconds(0)); }
    constexpr std::int64_t ns() const noexcept { return ns_; } /* for the C API: SHMPC_FOREVER or >= 0 */
};
inline constexpr timeout forever{};

/* ---- roles, options ----------------------------------------------------------------------------- */
enum role : int { producer = SHMPC_PRODUCER, consumer = SHMPC_CONSUMER, observer = SHMPC_OBSERVER };
enum mode : std::uint32_t { spsc = SHMPC_SPSC, mpmc = SHMPC_MPMC };

struct options {
    std::uint32_t capacity = 64;   /* slots, a power of two */
    std::uint32_t slot_size = 64;  /* largest message, bytes */
    std::uint32_t mode = SHMPC_SPSC;
    std::uint32_t flags = 0;       /* SHMPC_F_* */
    std::uint32_t perm = 0;        /* 0: 0600 */
    shmpc_opts c() const noexcept {
        shmpc_opts o = SHMPC_OPTS_INIT;
        o.capacity = capacity;
        o.slot_size = slot_size;
        o.mode = mode;
        o.flags = flags;
        o.perm = perm;
        return o;
    }
};

class channel;

/* ---- zero-copy as scoped objects ---------------------------------------------------------------- */
class reservation {
    shmpc_ring *r_ = nullptr;
    std::byte *p_ = nullptr;
    std::size_t room_ = 0, len_ = 0;
    friend class channel;
    reservation(shmpc_ring *r, void *p, std::size_t room) noexcept : r_(r), p_(static_cast<std::byte *>(p)), room_(room) {}
public:
    reservation() noexcept = default;
    reservation(reservation &&o) noexcept : r_(std::exchange(o.r_, nullptr)), p_(o.p_), room_(o.room_), len_(o.len_) {}
    reservation &operator=(reservation &&o) noexcept {
        if (this != &o) {
            finish();
            r_ = std::exchange(o.r_, nullptr);
            p_ = o.p_;
            room_ = o.room_;
            len_ = o.len_;
        }
        return *this;
    }
    reservation(const reservation &) = delete;
    reservation &operator=(const reservation &) = delete;
    ~reservation() { finish(); }
    explicit operator bool() const noexcept { return r_ != nullptr; }
    /* The whole slot (slot_size bytes), writable in place until commit. */
    mutable_bytes data() const noexcept { return mutable_bytes(p_, r_ ? room_ : 0); }
    std::size_t length() const noexcept { return len_; }
    /* How many bytes the destructor commits (at most slot_size; more is clamped). */
    void resize(std::size_t n) noexcept { len_ = n < room_ ? n : room_; }
    void commit(std::size_t n, std::error_code &ec) noexcept {
        if (!r_) return (void)detail::set(ec, SHMPC_ESEQ);
        if (detail::set(ec, shmpc_commit(r_, n))) r_ = nullptr;
    }
#if SHMPC_HPP_EXCEPTIONS
    void commit(std::size_t n) {
        std::error_code ec;
        commit(n, ec);
        if (ec) detail::raise(ec.value(), "shmpc commit");
    }
#endif
    void commit() noexcept { finish(); }
private:
    void finish() noexcept {
        if (r_) shmpc_commit(r_, len_); /* len_ <= slot_size: cannot fail on an open handle */
        r_ = nullptr;
    }
};

class peeked {
    shmpc_ring *r_ = nullptr;
    bytes m_;
    friend class channel;
    peeked(shmpc_ring *r, const void *p, std::size_t n) noexcept : r_(r), m_(static_cast<const std::byte *>(p), n) {}
public:
    peeked() noexcept = default;
    peeked(peeked &&o) noexcept : r_(std::exchange(o.r_, nullptr)), m_(o.m_) {}
    peeked &operator=(peeked &&o) noexcept {
        if (this != &o) {
            release();
            r_ = std::exchange(o.r_, nullptr);
            m_ = o.m_;
        }
        return *this;
    }
    peeked(const peeked &) = delete;
    peeked &operator=(const peeked &) = delete;
    ~peeked() { release(); }
    explicit operator bool() const noexcept { return r_ != nullptr; }
    /* The message in the ring: valid until release() or the destructor. */
    bytes data() const noexcept { return r_ ? m_ : bytes(); }
    std::string_view str() const noexcept { return as_string(data()); }
    void release() noexcept {
        if (r_) shmpc_release(r_);
        r_ = nullptr;
    }
};

/* The end of an iteration (C++17 range-for allows a sentinel of another type). */
struct end_of_stream_t {};

/* Iteration until the end of the stream: see channel::messages(). */
class message_range {
    channel *ch_;
    std::error_code *ec_;
public:
    class iterator;
    message_range(channel &c, std::error_code *ec) noexcept : ch_(&c), ec_(ec) {}
    inline iterator begin();
    end_of_stream_t end() const noexcept { return {}; }
};

/* ---- the handle ---------------------------------------------------------------------------------- */
class channel {
    shmpc_ring r_{};
    bool open_ = false;
    channel(const shmpc_ring &r) noexcept : r_(r), open_(true) {}

    template <class F> static channel make(F &&f, std::error_code &ec) noexcept {
        shmpc_ring r{};
        if (!detail::set(ec, f(&r))) return channel();
        return channel(r);
    }
#if SHMPC_HPP_EXCEPTIONS
    template <class F> static channel make(F &&f, const char *what) {
        std::error_code ec;
        channel c = make(f, ec);
        if (ec) detail::raise(ec.value(), what);
        return c;
    }
#endif

public:
    channel() noexcept = default;
    /* A move leaves the source's handle zeroed: a reservation or peeked of it then gets EINVAL. */
    channel(channel &&o) noexcept : r_(std::exchange(o.r_, shmpc_ring{})), open_(std::exchange(o.open_, false)) {}
    channel &operator=(channel &&o) noexcept {
        if (this != &o) {
            close();
            r_ = std::exchange(o.r_, shmpc_ring{});
            open_ = std::exchange(o.open_, false);
        }
        return *this;
    }
    channel(const channel &) = delete;
    channel &operator=(const channel &) = delete;
    ~channel() { close(); }

    /* ---- factories (each also as f(..., std::error_code &ec) noexcept: a closed channel on failure) */
    static channel create(const char *name, const options &o, role rl, std::error_code &ec) noexcept {
        const shmpc_opts c = o.c();
        return make([&](shmpc_ring *r) { return shmpc_create(r, name, &c, rl); }, ec);
    }
    static channel open(const char *name, role rl, timeout t, std::error_code &ec) noexcept {
        return make([&](shmpc_ring *r) { return shmpc_open(r, name, rl, t.ns()); }, ec);
    }
    /* shmpc_open_ex: oflags SHMPC_O_ANY_OWNER accepts a segment owned by another user */
    static channel open(const char *name, role rl, timeout t, std::uint32_t oflags, std::error_code &ec) noexcept {
        return make([&](shmpc_ring *r) { return shmpc_open_ex(r, name, rl, t.ns(), oflags); }, ec);
    }
    static channel create_sysv(long key, const options &o, role rl, std::error_code &ec) noexcept {
        const shmpc_opts c = o.c();
        return make([&](shmpc_ring *r) { return shmpc_create_sysv(r, key, &c, rl); }, ec);
    }
    static channel open_sysv(long key, role rl, timeout t, std::error_code &ec) noexcept {
        return make([&](shmpc_ring *r) { return shmpc_open_sysv(r, key, rl, t.ns()); }, ec);
    }
    /* memory formatted by shmpc_create_anon or shmpc_format, mapped by the caller */
    static channel attach(void *mem, std::size_t size, role rl, std::error_code &ec) noexcept {
        return make([&](shmpc_ring *r) { return shmpc_attach(r, mem, size, rl); }, ec);
    }
#if SHMPC_HPP_EXCEPTIONS
    static channel create(const char *name, const options &o, role rl = producer) {
        const shmpc_opts c = o.c();
        return make([&](shmpc_ring *r) { return shmpc_create(r, name, &c, rl); }, "shmpc create");
    }
    static channel open(const char *name, role rl = consumer, timeout t = timeout::never_wait()) {
        return make([&](shmpc_ring *r) { return shmpc_open(r, name, rl, t.ns()); }, "shmpc open");
    }
    static channel open(const char *name, role rl, timeout t, std::uint32_t oflags) {
        return make([&](shmpc_ring *r) { return shmpc_open_ex(r, name, rl, t.ns(), oflags); }, "shmpc open_ex");
    }
    static channel create_sysv(long key, const options &o, role rl = producer) {
        const shmpc_opts c = o.c();
        return make([&](shmpc_ring *r) { return shmpc_create_sysv(r, key, &c, rl); }, "shmpc create_sysv");
    }
    static channel open_sysv(long key, role rl = consumer, timeout t = timeout::never_wait()) {
        return make([&](shmpc_ring *r) { return shmpc_open_sysv(r, key, rl, t.ns()); }, "shmpc open_sysv");
    }
    static channel attach(void *mem, std::size_t size, role rl) {
        return make([&](shmpc_ring *r) { return shmpc_attach(r, mem, size, rl); }, "shmpc attach");
    }
#endif

    explicit operator bool() const noexcept { return open_; }
    bool is_open() const noexcept { return open_; }
    shmpc_ring *native() noexcept { return open_ ? &r_ : nullptr; }
    /* Ends the stream for this role (shmpc_close); the destructor does it too. Closing twice does nothing. */
    void close() noexcept {
        if (open_) shmpc_close(&r_);
        open_ = false;
    }
    shmpc_status stat() const noexcept {
        shmpc_status st{};
        if (open_) shmpc_stat(&r_, &st);
        return st;
    }
    /* Consumer: true if a message was already handed to a consumer that died holding it
       (shmpc_redelivered): SPSC, the one peeked or popped next (or held in a peek now), after
       this handle took that consumer's role over; MPMC, one the last pop, peek or pop_many
       returned. Process it idempotently. */
    bool redelivered() const noexcept { return open_ && shmpc_redelivered(&r_) == 1; }
    /* shmpc_recover: MPMC crash recovery on demand; how many slots dead peers left claimed were
       handed on. SHMPC_EPEERDEAD when none was and the other side has no live peer. */
    std::size_t recover(std::error_code &ec) noexcept {
        const int rc = shmpc_recover(ring());
        return detail::set(ec, rc) ? static_cast<std::size_t>(rc) : 0;
    }
#if SHMPC_HPP_EXCEPTIONS
    std::size_t recover() {
        const int rc = shmpc_recover(ring());
        if (rc < 0) detail::raise(rc, "shmpc recover");
        return static_cast<std::size_t>(rc);
    }
#endif
    /* Event loops (shmpc_fd, shmpc_arm): the descriptor to add to poll/epoll/select, readable when
       the call this handle would block in may proceed, on the other side's close and on its death.
       Drain with the try forms until empty/full, then arm() and poll again. The descriptor belongs
       to the handle (closed with it). */
    int fd(std::error_code &ec) noexcept {
        const int rc = shmpc_fd(ring());
        return detail::set(ec, rc) ? rc : -1;
    }
    void arm(std::error_code &ec) noexcept { detail::set(ec, shmpc_arm(ring())); }
#if SHMPC_HPP_EXCEPTIONS
    int fd() {
        const int rc = shmpc_fd(ring());
        if (rc < 0) detail::raise(rc, "shmpc fd");
        return rc;
    }
    void arm() {
        const int rc = shmpc_arm(ring());
        if (rc < 0) detail::raise(rc, "shmpc arm");
    }
#endif
    /* The registered peers (pid, role, start time, alive), as shmpc_peers reports them. */
    std::vector<shmpc_peer_status> peers() const {
        std::vector<shmpc_peer_status> v(SHMPC_MAX_PEERS);
        const int n = open_ ? shmpc_peers(&r_, v.data(), SHMPC_MAX_PEERS) : 0;
        v.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
        return v;
    }

    /* ---- copy ---- */
    bool push(bytes m, timeout t, std::error_code &ec) noexcept {
        return detail::set(ec, shmpc_push_timed(ring(), m.data(), m.size(), t.ns()));
    }
    bool push(std::string_view s, timeout t, std::error_code &ec) noexcept { return push(as_bytes(s), t, ec); }
    std::optional<std::size_t> pop(mutable_bytes buf, timeout t, std::error_code &ec) noexcept {
        std::size_t n = 0;
        if (!detail::set(ec, shmpc_pop_timed(ring(), buf.data(), buf.size(), &n, t.ns()))) return std::nullopt;
        return n;
    }
    /* ---- zero-copy ---- */
    reservation reserve(timeout t, std::error_code &ec) noexcept {
        void *p = nullptr;
        std::size_t room = 0;
        if (!detail::set(ec, shmpc_reserve_timed(ring(), &p, &room, t.ns()))) return reservation();
        return reservation(&r_, p, room);
    }
    peeked peek(timeout t, std::error_code &ec) noexcept {
        const void *p = nullptr;
        std::size_t n = 0;
        if (!detail::set(ec, shmpc_peek_timed(ring(), &p, &n, t.ns()))) return peeked();
        return peeked(&r_, p, n);
    }
    /* ---- batches: how many went (>= 1), or 0 when it would have to wait longer ---- */
    std::size_t push_many(span<const bytes> msgs, timeout t, std::error_code &ec) noexcept {
        shmpc_iov iov[64];
        const std::size_t n = msgs.size() < 64 ? msgs.size() : 64;
        for (std::size_t i = 0; i < n; i++) {
            iov[i].base = const_cast<std::byte *>(msgs[i].data()); /* read only: shmpc_iov is shared with pop */
            iov[i].len = msgs[i].size();
        }
        const int rc = shmpc_push_many_timed(ring(), iov, n, t.ns());
        return detail::set(ec, rc) ? static_cast<std::size_t>(rc) : 0;
    }
    /* bufs[i] are the buffers; on return the first k (the result) are cut to their message's length. */
    std::size_t pop_many(span<mutable_bytes> bufs, timeout t, std::error_code &ec) noexcept {
        shmpc_iov iov[64];
        const std::size_t n = bufs.size() < 64 ? bufs.size() : 64;
        for (std::size_t i = 0; i < n; i++) {
            iov[i].base = bufs[i].data();
            iov[i].len = bufs[i].size();
        }
        const int rc = shmpc_pop_many_timed(ring(), iov, n, t.ns());
        if (!detail::set(ec, rc)) return 0;
        for (std::size_t i = 0; i < static_cast<std::size_t>(rc); i++) bufs[i] = bufs[i].first(iov[i].len);
        return static_cast<std::size_t>(rc);
    }

#if SHMPC_HPP_EXCEPTIONS
    /* Throwing forms: false / nullopt / empty / 0 only when the call would have to wait longer. */
    bool push(bytes m, timeout t = forever) {
        return detail::check(shmpc_push_timed(ring(), m.data(), m.size(), t.ns()), "shmpc push");
    }
    bool push(std::string_view s, timeout t = forever) { return push(as_bytes(s), t); }
    bool try_push(bytes m) { return push(m, timeout::never_wait()); }
    bool try_push(std::string_view s) { return push(as_bytes(s), timeout::never_wait()); }
    std::optional<std::size_t> pop(mutable_bytes buf, timeout t = forever) {
        std::error_code ec;
        auto n = pop(buf, t, ec);
        return again(ec, "shmpc pop") ? std::nullopt : n;
    }
    std::optional<std::size_t> try_pop(mutable_bytes buf) { return pop(buf, timeout::never_wait()); }
    reservation reserve(timeout t = forever) {
        std::error_code ec;
        reservation w = reserve(t, ec);
        again(ec, "shmpc reserve");
        return w;
    }
    peeked peek(timeout t = forever) {
        std::error_code ec;
        peeked m = peek(t, ec);
        again(ec, "shmpc peek");
        return m;
    }
    std::size_t push_many(span<const bytes> msgs, timeout t = forever) {
        std::error_code ec;
        std::size_t n = push_many(msgs, t, ec);
        again(ec, "shmpc push_many");
        return n;
    }
    std::size_t pop_many(span<mutable_bytes> bufs, timeout t = forever) {
        std::error_code ec;
        std::size_t n = pop_many(bufs, t, ec);
        again(ec, "shmpc pop_many");
        return n;
    }
    /* Each message in place (peek/release), blocking, until the end of the stream; errors throw. */
    message_range messages() noexcept { return message_range(*this, nullptr); }
#endif
    /* The same, without exceptions: iteration also stops at an error, which ec then holds (it is
       clear after a normal end of stream). */
    message_range messages(std::error_code &ec) noexcept { return message_range(*this, &ec); }

private:
    shmpc_ring *ring() noexcept { return open_ ? &r_ : nullptr; }
#if SHMPC_HPP_EXCEPTIONS
    /* true: a "would wait" result (not an error); throws any other error */
    static bool again(const std::error_code &ec, const char *what) {
        if (!ec) return false;
        if (detail::would_wait(ec.value())) return true;
        detail::raise(ec.value(), what);
    }
#endif
};

class message_range::iterator {
    channel *ch_ = nullptr;
    std::error_code *ec_ = nullptr;
    peeked cur_;
    void next() {
        cur_.release();
        std::error_code ec;
        cur_ = ch_->peek(forever, ec);
        if (!ec) return;
        if (ec == errc{SHMPC_ECLOSED}) ec.clear();
        if (ec_) *ec_ = ec;
#if SHMPC_HPP_EXCEPTIONS
        else if (ec) detail::raise(ec.value(), "shmpc messages");
#endif
        ch_ = nullptr;
    }
public:
    using value_type = bytes;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::input_iterator_tag;
    iterator() noexcept = default;
    iterator(channel *c, std::error_code *ec) : ch_(c), ec_(ec) {
        if (ec_) ec_->clear();
        next();
    }
    bytes operator*() const noexcept { return cur_.data(); }
    iterator &operator++() {
        next();
        return *this;
    }
    void operator++(int) { next(); }
    bool operator==(end_of_stream_t) const noexcept { return ch_ == nullptr; }
    bool operator!=(end_of_stream_t s) const noexcept { return !(*this == s); }
};
inline message_range::iterator message_range::begin() { return iterator(ch_, ec_); }

/* ---- typed ring ---------------------------------------------------------------------------------- */
/* One T per message, copied by bytes. The ring's slot_size is sizeof(T) when created here; a ring
   opened with a smaller slot_size is refused (SHMPC_ESIZE), and a message that is not sizeof(T)
   bytes long is reported as SHMPC_EMSGSIZE (it is consumed). */
template <class T> class ring {
    static_assert(std::is_trivially_copyable_v<T>, "shmpc::ring<T> copies T byte for byte: T must be trivially copyable");
    static_assert(std::is_default_constructible_v<T>, "shmpc::ring<T>::pop makes a T to copy into: T must be default constructible");
    channel ch_;
    explicit ring(channel &&c) noexcept : ch_(std::move(c)) {}
    static ring checked(channel &&c, std::error_code &ec) noexcept {
        if (c && c.stat().slot_size < sizeof(T)) {
            detail::set(ec, SHMPC_ESIZE);
            return ring();
        }
        return ring(std::move(c));
    }
public:
    ring() noexcept = default;
    static options opts(std::uint32_t capacity, std::uint32_t mode) noexcept {
        options o;
        o.capacity = capacity;
        o.slot_size = static_cast<std::uint32_t>(sizeof(T));
        o.mode = mode;
        return o;
    }
    static ring create(const char *name, std::uint32_t capacity, role rl, std::uint32_t mode, std::error_code &ec) noexcept {
        return ring(channel::create(name, opts(capacity, mode), rl, ec));
    }
    static ring open(const char *name, role rl, timeout t, std::error_code &ec) noexcept {
        return checked(channel::open(name, rl, t, ec), ec);
    }
    static ring attach(void *mem, std::size_t size, role rl, std::error_code &ec) noexcept {
        return checked(channel::attach(mem, size, rl, ec), ec);
    }
    explicit operator bool() const noexcept { return bool(ch_); }
    channel &raw() noexcept { return ch_; }
    void close() noexcept { ch_.close(); }

    bool push(const T &v, timeout t, std::error_code &ec) noexcept {
        return ch_.push(bytes(reinterpret_cast<const std::byte *>(&v), sizeof(T)), t, ec);
    }
    std::optional<T> pop(timeout t, std::error_code &ec) noexcept {
        T v;
        auto n = ch_.pop(mutable_bytes(reinterpret_cast<std::byte *>(&v), sizeof(T)), t, ec);
        if (!n) return std::nullopt;
        if (*n != sizeof(T)) {
            detail::set(ec, SHMPC_EMSGSIZE);
            return std::nullopt;
        }
        return v;
    }
#if SHMPC_HPP_EXCEPTIONS
    static ring create(const char *name, std::uint32_t capacity, role rl = producer, std::uint32_t mode = SHMPC_SPSC) {
        return ring(channel::create(name, opts(capacity, mode), rl));
    }
    static ring open(const char *name, role rl = consumer, timeout t = timeout::never_wait()) {
        std::error_code ec;
        ring q = open(name, rl, t, ec);
        if (ec) detail::raise(ec.value(), "shmpc open");
        return q;
    }
    static ring attach(void *mem, std::size_t size, role rl) {
        std::error_code ec;
        ring q = attach(mem, size, rl, ec);
        if (ec) detail::raise(ec.value(), "shmpc attach");
        return q;
    }
    bool push(const T &v, timeout t = forever) {
        return ch_.push(bytes(reinterpret_cast<const std::byte *>(&v), sizeof(T)), t);
    }
    bool try_push(const T &v) { return push(v, timeout::never_wait()); }
    std::optional<T> pop(timeout t = forever) {
        std::error_code ec;
        std::optional<T> v = pop(t, ec);
        if (ec && !detail::would_wait(ec.value())) detail::raise(ec.value(), "shmpc pop");
        return v;
    }
    std::optional<T> try_pop() { return pop(timeout::never_wait()); }

    /* Pops until the end of the stream (SHMPC_ECLOSED); other errors throw. */
    class iterator {
        ring *q_ = nullptr;
        std::optional<T> v_;
        void next() {
            std::error_code ec;
            v_ = q_->pop(forever, ec);
            if (ec == errc{SHMPC_ECLOSED}) q_ = nullptr;
            else if (ec) detail::raise(ec.value(), "shmpc ring iteration");
        }
    public:
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using iterator_category = std::input_iterator_tag;
        explicit iterator(ring *q) : q_(q) { next(); }
        const T &operator*() const noexcept { return *v_; }
        iterator &operator++() {
            next();
            return *this;
        }
        void operator++(int) { next(); }
        bool operator==(end_of_stream_t) const noexcept { return q_ == nullptr; }
        bool operator!=(end_of_stream_t s) const noexcept { return !(*this == s); }
    };
    iterator begin() { return iterator(this); }
    end_of_stream_t end() const noexcept { return {}; }
#endif
};

/* ---- anonymous shared memory (fork) ---------------------------------------------------------------- */
class anon_memory {
    void *mem_ = nullptr;
    std::size_t size_ = 0;
public:
    anon_memory() noexcept = default;
    anon_memory(const options &o, std::error_code &ec) noexcept {
        const shmpc_opts c = o.c();
        if (!detail::set(ec, shmpc_create_anon(&c, &mem_, &size_))) mem_ = nullptr;
    }
#if SHMPC_HPP_EXCEPTIONS
    explicit anon_memory(const options &o) {
        std::error_code ec;
        const shmpc_opts c = o.c();
        if (!detail::set(ec, shmpc_create_anon(&c, &mem_, &size_))) detail::raise(ec.value(), "shmpc create_anon");
    }
#endif
    anon_memory(anon_memory &&o) noexcept : mem_(std::exchange(o.mem_, nullptr)), size_(o.size_) {}
    anon_memory &operator=(anon_memory &&o) noexcept {
        if (this != &o) {
            if (mem_) shmpc_free_anon(mem_, size_);
            mem_ = std::exchange(o.mem_, nullptr);
            size_ = o.size_;
        }
        return *this;
    }
    anon_memory(const anon_memory &) = delete;
    anon_memory &operator=(const anon_memory &) = delete;
    /* Unmaps this process's mapping: close the channels attached to it first. */
    ~anon_memory() {
        if (mem_) shmpc_free_anon(mem_, size_);
    }
    void *data() const noexcept { return mem_; }
    std::size_t size() const noexcept { return size_; }
};

} /* namespace shmpc */
#endif /* SHMPC_HPP_INCLUDED */
