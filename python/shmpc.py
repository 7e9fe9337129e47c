"""shmpc for Python: the rings of shmpc.h, through ctypes over libshmpc.so.

Standard library only. The library is found through $SHMPC_LIB, else next to this file, else in
../build/ (a source tree after `make`), else where `make install` put it, else by the loader.

    import shmpc
    with shmpc.Ring.create("jobs", capacity=1024, slot_size=256) as r:   # producer
        r.push(b"hello")
    # end of stream when the producer's handle closes

    with shmpc.Ring.open("jobs", shmpc.CONSUMER, timeout=5) as r:      # another process
        for msg in r:                    # pops until the producer closed and all is drained
            print(msg)
    shmpc.unlink("jobs")

Timeouts are in seconds: None waits without limit, 0 never blocks. Every failure raises
ShmpcError (or a subclass) carrying .code (the negative SHMPC_E* value), .name ("SHMPC_ETIMEDOUT")
and .message (shmpc_strerror); .errno holds the system's errno for system failures.
Blocking calls wait in slices of at most 0.2 s, so Ctrl-C (KeyboardInterrupt) is honoured.
"""
import array
import ctypes
import os
import time

__all__ = [
    "Ring", "ShmpcError", "Timeout", "Closed", "Full", "Empty", "NotFound", "Exists",
    "unlink", "unlink_sysv", "strerror", "footprint", "library_path",
    "SPSC", "MPMC", "PRODUCER", "CONSUMER", "OBSERVER",
    "F_HUGEPAGES", "F_MLOCK", "F_PRETOUCH", "F_SEQUENTIAL",
]

SPSC, MPMC = 1, 2
PRODUCER, CONSUMER, OBSERVER = 1, 2, 4
F_HUGEPAGES, F_MLOCK, F_PRETOUCH, F_SEQUENTIAL = 0x1, 0x2, 0x4, 0x8
FOREVER = -1
_SLICE = 0.2  # longest single wait inside the library, so that signals reach Python

# The error list of shmpc.h (SHMPC_ERRORS); the messages come from the library itself.
ERRORS = {
    0: "OK", -1: "EINVAL", -2: "EMSGSIZE", -3: "EFULL", -4: "EEMPTY", -5: "EAGAIN",
    -6: "ETIMEDOUT", -7: "ECLOSED", -8: "EVERSION", -9: "EABI", -10: "ECORRUPT", -11: "EROLE",
    -12: "EEXIST", -13: "ENOENT", -14: "ESYS", -15: "ESIZE", -16: "ENOTSHMPC", -17: "ENOTREADY",
    -18: "ENAME", -19: "ESEQ", -20: "EPEERS", -21: "EPEERDEAD", -22: "EPERM", -23: "ENOMEM",
    -24: "ENOTSUP", -25: "EINTR", -26: "ESTALE",
}
for _code, _name in ERRORS.items():
    globals()[_name] = _code
    __all__.append(_name)

_INSTALLED_LIB = None  # `make install` writes the installed library's path here


class ShmpcError(Exception):
    """A failed shmpc call: .code (negative), .name, .message, .errno (0 unless a system failure)."""

    def __init__(self, code, what="", err=0):
        self.code = code
        self.name = "SHMPC_" + ERRORS.get(code, "E?")
        self.message = strerror(code)
        self.errno = err
        text = "%s (%d): %s" % (self.name, code, self.message)
        if what:
            text = "%s: %s" % (what, text)
        if err:
            text += " [%s]" % os.strerror(err)
        super().__init__(text)


class Timeout(ShmpcError):
    """SHMPC_ETIMEDOUT"""


class Closed(ShmpcError):
    """SHMPC_ECLOSED: the other side closed (for a consumer: and everything was drained)."""


class Full(ShmpcError):
    """SHMPC_EFULL"""


class Empty(ShmpcError):
    """SHMPC_EEMPTY"""


class NotFound(ShmpcError):
    """SHMPC_ENOENT"""


class Exists(ShmpcError):
    """SHMPC_EEXIST"""


_CLASSES = {-6: Timeout, -7: Closed, -3: Full, -4: Empty, -13: NotFound, -12: Exists}


def _error(code, what=""):
    err = ctypes.get_errno() if code in (-14, -22, -23, -1, -24) else 0
    return _CLASSES.get(code, ShmpcError)(code, what, err)


# ---- the library ---------------------------------------------------------------------------------

class _Opts(ctypes.Structure):
    _fields_ = [("capacity", ctypes.c_uint32), ("slot_size", ctypes.c_uint32), ("mode", ctypes.c_uint32),
                ("flags", ctypes.c_uint32), ("perm", ctypes.c_uint32), ("start_index", ctypes.c_uint32)]


class _Status(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in
                ("version", "capacity", "slot_size", "mode", "flags", "state", "ends",
                 "producers", "consumers", "fill", "peers")] + \
               [("total_size", ctypes.c_uint64), ("head", ctypes.c_uint32), ("tail", ctypes.c_uint32)]


class _Peer(ctypes.Structure):
    _fields_ = [("pid", ctypes.c_uint32), ("role", ctypes.c_uint32), ("start", ctypes.c_uint64),
                ("alive", ctypes.c_int)]


class _Iov(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get("SHMPC_LIB"):
        yield os.environ["SHMPC_LIB"]
    yield os.path.join(here, "libshmpc.so")
    yield os.path.join(here, "..", "build", "libshmpc.so")
    if _INSTALLED_LIB:
        yield _INSTALLED_LIB
    yield "libshmpc.so"


def _load():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            return ctypes.CDLL(path, use_errno=True), path
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("shmpc: libshmpc.so not found (build it with `make`, or set SHMPC_LIB); tried: "
                      + ", ".join(tried))


_lib, library_path = _load()

_P, _I, _U32, _SZ, _I64 = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_size_t, ctypes.c_int64
_PSZ = ctypes.POINTER(ctypes.c_size_t)
for _fn, _args in {
    "shmpc_create": [_P, ctypes.c_char_p, ctypes.POINTER(_Opts), _I],
    "shmpc_open": [_P, ctypes.c_char_p, _I, _I64],
    "shmpc_unlink": [ctypes.c_char_p],
    "shmpc_create_sysv": [_P, ctypes.c_long, ctypes.POINTER(_Opts), _I],
    "shmpc_open_sysv": [_P, ctypes.c_long, _I, _I64],
    "shmpc_unlink_sysv": [ctypes.c_long],
    "shmpc_close": [_P],
    "shmpc_try_push": [_P, ctypes.c_char_p, _SZ],
    "shmpc_push_timed": [_P, ctypes.c_char_p, _SZ, _I64],
    "shmpc_try_pop": [_P, _P, _SZ, _PSZ],
    "shmpc_pop_timed": [_P, _P, _SZ, _PSZ, _I64],
    "shmpc_push_many_timed": [_P, _P, _SZ, _I64],
    "shmpc_pop_many_timed": [_P, _P, _SZ, _I64],
    "shmpc_stat": [_P, ctypes.POINTER(_Status)],
    "shmpc_peers": [_P, _P, _I],
}.items():
    getattr(_lib, _fn).argtypes = _args
    getattr(_lib, _fn).restype = _I
_lib.shmpc_strerror.argtypes = [_I]
_lib.shmpc_strerror.restype = ctypes.c_char_p
_lib.shmpc_footprint.argtypes = [_U32, _U32]
_lib.shmpc_footprint.restype = _SZ
_lib.shmpc_lib_sizeof.argtypes = [_I]
_lib.shmpc_lib_sizeof.restype = _SZ

for _which, _cls in ((1, _Opts), (2, _Status), (3, _Peer), (4, _Iov)):
    if _lib.shmpc_lib_sizeof(_which) != ctypes.sizeof(_cls):
        raise ImportError("shmpc: %s does not match this module (struct %s: %d bytes there, %d here)"
                          % (library_path, _cls.__name__, _lib.shmpc_lib_sizeof(_which), ctypes.sizeof(_cls)))
_RING_WORDS = (_lib.shmpc_lib_sizeof(0) + 7) // 8


def strerror(code):
    """The library's message for an error code."""
    return _lib.shmpc_strerror(int(code)).decode()


def footprint(capacity, slot_size):
    """Bytes a ring of this geometry occupies (0 if the geometry is invalid)."""
    return _lib.shmpc_footprint(capacity, slot_size)


def _name(name):
    return name.encode() if isinstance(name, str) else bytes(name)


def unlink(name):
    """Removes a named segment (processes that have it mapped keep it until they close)."""
    rc = _lib.shmpc_unlink(_name(name))
    if rc < 0:
        raise _error(rc, "unlink %r" % (name,))


def unlink_sysv(key):
    rc = _lib.shmpc_unlink_sysv(key)
    if rc < 0:
        raise _error(rc, "unlink_sysv 0x%x" % key)


def _ns(seconds):
    return FOREVER if seconds is None else max(0, int(seconds * 1e9))


def _mode(mode):
    if isinstance(mode, str):
        return {"spsc": SPSC, "mpmc": MPMC}[mode.lower()]
    return mode


class Ring:
    """A handle on a ring, in one role. Not for sharing between threads: give each its own."""

    def __init__(self):
        raise TypeError("use Ring.create(...), Ring.open(...), Ring.create_sysv(...) or Ring.open_sysv(...)")

    @classmethod
    def _new(cls, role, what):
        self = object.__new__(cls)
        self._mem = (ctypes.c_uint64 * _RING_WORDS)()
        self._r = ctypes.addressof(self._mem)
        self._open = False
        self.role = role
        self.what = what
        return self

    def _attached(self):
        self._open = True
        st = self.stat()
        self.capacity, self.slot_size, self.mode = st["capacity"], st["slot_size"], st["mode"]
        self._buf = ctypes.create_string_buffer(self.slot_size)
        self._bufp = ctypes.addressof(self._buf)
        self._len = ctypes.c_size_t(0)
        self._lenp = ctypes.pointer(self._len)
        self._batch = None
        return self

    @staticmethod
    def _opts(capacity, slot_size, mode, flags, perm):
        return _Opts(capacity, slot_size, _mode(mode), flags, perm, 0)

    @classmethod
    def create(cls, name, capacity=64, slot_size=64, mode=SPSC, flags=0, perm=0, role=PRODUCER):
        """Creates a named ring (exclusively: Exists if the name is taken) and attaches in `role`."""
        self = cls._new(role, name)
        o = cls._opts(capacity, slot_size, mode, flags, perm)
        rc = _lib.shmpc_create(self._r, _name(name), ctypes.byref(o), role)
        if rc < 0:
            raise _error(rc, "create %r" % (name,))
        return self._attached()

    @classmethod
    def open(cls, name, role=CONSUMER, timeout=0):
        """Opens a named ring, waiting up to `timeout` seconds for it to exist and be ready."""
        self = cls._new(role, name)
        deadline = None if timeout is None else _now() + max(0.0, timeout)
        while True:  # in slices, so that Ctrl-C is seen while waiting
            left = _SLICE if deadline is None else min(_SLICE, max(0.0, deadline - _now()))
            rc = _lib.shmpc_open(self._r, _name(name), role, _ns(left))
            if rc not in (-13, -17) or (deadline is not None and _now() >= deadline):
                break
        if rc < 0:
            raise _error(rc, "open %r" % (name,))
        return self._attached()

    @classmethod
    def create_sysv(cls, key, capacity=64, slot_size=64, mode=SPSC, flags=0, perm=0, role=PRODUCER):
        self = cls._new(role, "key:0x%x" % key)
        o = cls._opts(capacity, slot_size, mode, flags, perm)
        rc = _lib.shmpc_create_sysv(self._r, key, ctypes.byref(o), role)
        if rc < 0:
            raise _error(rc, "create_sysv 0x%x" % key)
        return self._attached()

    @classmethod
    def open_sysv(cls, key, role=CONSUMER, timeout=0):
        self = cls._new(role, "key:0x%x" % key)
        rc = _lib.shmpc_open_sysv(self._r, key, role, _ns(timeout))
        if rc < 0:
            raise _error(rc, "open_sysv 0x%x" % key)
        return self._attached()

    # ---- life cycle ----
    def close(self):
        """Ends the stream for this handle's role (see shmpc_close). Closing twice does nothing."""
        if self._open:
            self._open = False
            _lib.shmpc_close(self._r)

    @property
    def closed(self):
        return not self._open

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        return "<shmpc.Ring %s %s %s>" % (self.what, {1: "producer", 2: "consumer", 4: "observer"}.get(self.role),
                                         "closed" if not self._open else "open")

    def _check(self):
        if not self._open:
            raise ShmpcError(-1, "ring %r is closed" % (self.what,))

    def _wait(self, fn, args, timeout, what):
        """Calls a timed C function in slices until it does not time out or the deadline passes."""
        if timeout is not None and timeout <= 0:
            return fn(*args, 0)
        deadline = None if timeout is None else _now() + timeout
        while True:
            left = _SLICE if deadline is None else min(_SLICE, deadline - _now())
            rc = fn(*args, max(0, int(left * 1e9)))
            if rc != -6 or (deadline is not None and _now() >= deadline):
                return rc

    # ---- copy API ----
    def push(self, data, timeout=None):
        """Pushes one message (bytes-like, at most slot_size bytes); blocks while the ring is full."""
        if not self._open:
            self._check()
        if data.__class__ is not bytes:
            data = bytes(data)
        rc = _try_push(self._r, data, len(data))  # fast path: no wait needed
        if rc == 0:
            return
        if rc == -3 and (timeout is None or timeout > 0):
            rc = self._wait(_push_timed, (self._r, data, len(data)), timeout, "push")
        if rc < 0:
            raise _error(rc, "push")

    def try_push(self, data):
        """Pushes without blocking: True if pushed, False if the ring is full."""
        self._check()
        if not isinstance(data, bytes):
            data = bytes(data)
        rc = _try_push(self._r, data, len(data))
        if rc == -3:
            return False
        if rc < 0:
            raise _error(rc, "try_push")
        return True

    def pop(self, timeout=None):
        """Pops one message as bytes; blocks while the ring is empty. Closed at the end of the stream."""
        if not self._open:
            self._check()
        rc = _try_pop(self._r, self._bufp, self.slot_size, self._lenp)  # fast path
        if rc == 0:
            return _string_at(self._bufp, self._len.value)
        if rc == -4 and (timeout is None or timeout > 0):
            rc = self._wait(_pop_timed, (self._r, self._bufp, self.slot_size, self._lenp), timeout, "pop")
        if rc < 0:
            raise _error(rc, "pop")
        return _string_at(self._bufp, self._len.value)

    def try_pop(self):
        """Pops without blocking: the message, or None if the ring is empty."""
        self._check()
        rc = _try_pop(self._r, self._bufp, self.slot_size, self._lenp)
        if rc == -4:
            return None
        if rc < 0:
            raise _error(rc, "try_pop")
        return ctypes.string_at(self._bufp, self._len.value)

    # ---- batches ----
    def push_many(self, messages, timeout=None):
        """Pushes up to len(messages) in one call; returns how many were pushed (>= 1)."""
        self._check()
        msgs = messages if isinstance(messages, list) else list(messages)
        n = len(msgs)
        if n == 0:
            return 0
        blob = b"".join(msgs)                  # one buffer: the iov entries point into it
        base = ctypes.cast(ctypes.c_char_p(blob), ctypes.c_void_p).value or 0
        words = array.array("Q", bytes(16 * n))
        off = 0
        for i, m in enumerate(msgs):
            k = len(m)
            words[2 * i] = base + off
            words[2 * i + 1] = k
            off += k
        iov = (_Iov * n).from_buffer(words)
        rc = _push_many_timed(self._r, ctypes.addressof(iov), n, 0)
        if rc in (-3, -5) and (timeout is None or timeout > 0):
            rc = self._wait(_push_many_timed, (self._r, ctypes.addressof(iov), n), timeout, "push_many")
        del iov
        if rc < 0:
            raise _error(rc, "push_many")
        return rc

    def pop_many(self, max_messages=64, timeout=None):
        """Pops up to max_messages in one call; returns a list of bytes (at least one)."""
        self._check()
        if self._batch is None or self._batch[0] < max_messages:
            n = max(max_messages, 1)
            space = ctypes.create_string_buffer(n * self.slot_size)
            base = ctypes.addressof(space)
            words = array.array("Q", bytes(16 * n))
            for i in range(n):
                words[2 * i] = base + i * self.slot_size
            iov = (_Iov * n).from_buffer(words)
            full = array.array("Q", [self.slot_size]) * n
            self._batch = (n, space, words, iov, full)
        n, space, words, iov, full = self._batch
        words[1:2 * max_messages:2] = full[:max_messages]   # every buffer's room
        addr = ctypes.addressof(iov)
        rc = _pop_many_timed(self._r, addr, max_messages, 0)
        if rc in (-4, -5) and (timeout is None or timeout > 0):
            rc = self._wait(_pop_many_timed, (self._r, addr, max_messages), timeout, "pop_many")
        if rc < 0:
            raise _error(rc, "pop_many")
        ss = self.slot_size
        lens = words[1:2 * rc:2]
        if rc * ss <= 65536:               # small: one copy out, then slices
            raw = ctypes.string_at(ctypes.addressof(space), rc * ss)
            return [raw[i * ss:i * ss + lens[i]] for i in range(rc)]
        base, sa = ctypes.addressof(space), ctypes.string_at
        return [sa(base + i * ss, lens[i]) for i in range(rc)]

    # ---- iteration: pops until the end of the stream ----
    def __iter__(self):
        while True:
            try:
                yield self.pop()
            except Closed:
                return

    # ---- inspection ----
    def stat(self):
        """shmpc_stat as a dict."""
        self._check()
        st = _Status()
        rc = _lib.shmpc_stat(self._r, ctypes.byref(st))
        if rc < 0:
            raise _error(rc, "stat")
        return {f: getattr(st, f) for f, _ in _Status._fields_}

    def peers(self):
        """The registered peers: a list of dicts (pid, role, start, alive)."""
        self._check()
        out = (_Peer * 64)()
        n = _lib.shmpc_peers(self._r, ctypes.addressof(out), 64)
        if n < 0:
            raise _error(n, "peers")
        return [{"pid": p.pid, "role": p.role, "start": p.start, "alive": p.alive} for p in out[:n]]

    def __len__(self):
        return self.stat()["fill"]


_now = time.monotonic
_push_timed = _lib.shmpc_push_timed
_try_push = _lib.shmpc_try_push
_pop_timed = _lib.shmpc_pop_timed
_try_pop = _lib.shmpc_try_pop
_string_at = ctypes.string_at
_push_many_timed = _lib.shmpc_push_many_timed
_pop_many_timed = _lib.shmpc_pop_many_timed
