"""shmpc for Python: the rings of shmpc.h, through a small CPython extension, _shmpc.

Standard library only, besides the extension built from this source tree (python/_shmpc.c, which
compiles shmpc.h into itself): `make` builds build/_shmpc<EXT_SUFFIX>.so (it needs the Python
headers: Debian's python3-dev), `make install` puts it beside this file. It is found next to this
file, else in ../build/ (a source tree after `make`); without it, importing shmpc fails and says
how to build it (there is no slower fallback).

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
Blocking calls release the GIL and wait in slices of at most 0.2 s, so Ctrl-C (KeyboardInterrupt)
is honoured; the calls that need not wait run in C with the GIL held, one C call each.
"""
import importlib.machinery
import importlib.util
import os
import sys

__all__ = [
    "Ring", "Slot", "ShmpcError", "Timeout", "Closed", "Full", "Empty", "NotFound", "Exists",
    "unlink", "unlink_sysv", "strerror", "footprint", "library_path",
    "SPSC", "MPMC", "PRODUCER", "CONSUMER", "OBSERVER",
    "F_HUGEPAGES", "F_MLOCK", "F_PRETOUCH", "F_SEQUENTIAL",
]

SPSC, MPMC = 1, 2
PRODUCER, CONSUMER, OBSERVER = 1, 2, 4
F_HUGEPAGES, F_MLOCK, F_PRETOUCH, F_SEQUENTIAL = 0x1, 0x2, 0x4, 0x8
FOREVER = -1

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


# ---- the extension -------------------------------------------------------------------------------

_EXT_ABI = 2  # python/_shmpc.c's EXT_ABI: the two files change together


def _load():
    here = os.path.dirname(os.path.abspath(__file__))
    name = "_shmpc" + importlib.machinery.EXTENSION_SUFFIXES[0]
    tried = []
    for path in (os.path.join(here, name), os.path.normpath(os.path.join(here, "..", "build", name))):
        if not os.path.exists(path):
            tried.append(path)
            continue
        spec = importlib.util.spec_from_file_location("_shmpc", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        if getattr(mod, "ABI", None) != _EXT_ABI:
            raise ImportError("shmpc: %s is out of date (ABI %s, this shmpc.py needs %d): rebuild it with `make`"
                              % (path, getattr(mod, "ABI", None), _EXT_ABI))
        return mod, path
    raise ImportError("shmpc: the extension %s is not built for this Python (%s): run `make` in the shmpc "
                      "source tree (it needs the Python headers, Debian: python3-dev), or `make install`; "
                      "looked for %s" % (name, sys.executable, ", ".join(tried)))


_ext, library_path = _load()   # library_path: the extension file in use


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


def _error(code, what="", err=0):
    """The exception for a result code (the extension raises what this returns)."""
    return _CLASSES.get(code, ShmpcError)(code, what, err)


_ext.set_error_factory(_error)

Slot = _ext.Slot  # what Ring.reserve() and Ring.peek() return: a with-block giving a memoryview


def strerror(code):
    """The library's message for an error code."""
    return _ext.strerror(int(code))


def footprint(capacity, slot_size):
    """Bytes a ring of this geometry occupies (0 if the geometry is invalid)."""
    return _ext.footprint(capacity, slot_size)


def _name(name):
    return name.encode() if isinstance(name, str) else bytes(name)


def unlink(name):
    """Removes a named segment (processes that have it mapped keep it until they close)."""
    _ext.unlink("unlink %r" % (name,), _name(name), 0)


def unlink_sysv(key):
    _ext.unlink("unlink_sysv 0x%x" % key, None, key)


def _mode(mode):
    if isinstance(mode, str):
        return {"spsc": SPSC, "mpmc": MPMC}[mode.lower()]
    return mode


class Ring(_ext.Ring):
    """A handle on a ring, in one role. Not for sharing between threads: give each its own.

    The data path is the extension's (_shmpc.Ring), one C call per method call:
      push(data, timeout=None)            pushes one message (bytes-like, at most slot_size bytes);
                                          waits while the ring is full
      try_push(data) -> bool              False if the ring is full
      pop(timeout=None) -> bytes          waits while the ring is empty; Closed at the end of the stream
      try_pop() -> bytes | None           None if the ring is empty
      pop_into(buffer, timeout=None) -> int   pops into a writable buffer (bytearray, memoryview, ...),
                                          returns the length; EMSGSIZE (kept in the ring) if it is too small
      push_many(messages, timeout=None) -> int   up to len(messages) in one call, returns how many (>= 1)
      pop_many(max_messages=64, timeout=None) -> [bytes]   at least one, at most max_messages (and at
                                          most the capacity, and 1 MiB of messages)
      reserve(size=slot_size, timeout=None)   with-block: a writable memoryview of size bytes of a
                                          free slot; the block's end commits them
      peek(timeout=None)                  with-block: a read-only memoryview of the oldest message in
                                          place; the block's end releases it
        (zero-copy: struct.unpack_from / numpy.frombuffer read the slot itself. The with-target is
        released at the block's end: using it then raises ValueError. A view made from it that
        outlives the block keeps the slot: BufferError at the block's end, SHMPC_ESEQ from the
        ring and close() refused until it is deleted.)
      redelivered() -> bool               a consumer that died held the message (SPSC: the next one, after a
                                          takeover; MPMC: one the last pop or peek returned)
      recover() -> int                    MPMC crash recovery on demand: slots handed on
      close(), stat() -> dict, peers() -> [dict]
    Event loops (shmpc_fd): fileno() for select/selectors, arm() after try_pop() gave None (or
    try_push() False); pop_async() / push_async(data) and `async for` wait in asyncio's loop.
    Attributes: what (the name or key), role, capacity, slot_size, mode, closed.
    """

    def __init__(self, *args, **kwargs):
        raise TypeError("use Ring.create(...), Ring.open(...), Ring.create_sysv(...) or Ring.open_sysv(...)")

    @classmethod
    def create(cls, name, capacity=64, slot_size=64, mode=SPSC, flags=0, perm=0, role=PRODUCER):
        """Creates a named ring (exclusively: Exists if the name is taken) and attaches in `role`."""
        self = _ext.Ring.__new__(cls)
        self._create(name, "create %r" % (name,), _name(name), capacity, slot_size, _mode(mode), flags, perm, role)
        return self

    @classmethod
    def open(cls, name, role=CONSUMER, timeout=0):
        """Opens a named ring, waiting up to `timeout` seconds for it to exist and be ready."""
        self = _ext.Ring.__new__(cls)
        self._attach(name, "open %r" % (name,), _name(name), 0, role, timeout)
        return self

    @classmethod
    def create_sysv(cls, key, capacity=64, slot_size=64, mode=SPSC, flags=0, perm=0, role=PRODUCER):
        self = _ext.Ring.__new__(cls)
        self._create_sysv("key:0x%x" % key, "create_sysv 0x%x" % key, key, capacity, slot_size, _mode(mode),
                          flags, perm, role)
        return self

    @classmethod
    def open_sysv(cls, key, role=CONSUMER, timeout=0):
        self = _ext.Ring.__new__(cls)
        self._attach("key:0x%x" % key, "open_sysv 0x%x" % key, None, key, role, timeout)
        return self

    @property
    def closed(self):
        return not self._open

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return "<shmpc.Ring %s %s %s>" % (self.what, {1: "producer", 2: "consumer", 4: "observer"}.get(self.role),
                                         "closed" if not self._open else "open")

    # ---- iteration: pops until the end of the stream ----
    def __iter__(self):
        pop = self.pop
        while True:
            try:
                yield pop()
            except Closed:
                return

    def __len__(self):
        return self.stat()["fill"]

    # ---- asyncio: waits on fileno() in the running loop (drain, arm, wait: README "Event loops") ----
    async def _readable(self) -> None:
        import asyncio
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        fd = self.fileno()

        def ready() -> None:
            if not fut.done():
                fut.set_result(None)

        loop.add_reader(fd, ready)
        try:
            await fut
        finally:
            loop.remove_reader(fd)

    # While data flows, the async calls never wait: every _ASYNC_YIELD_EVERY-th call that did not
    # wait still yields to the loop once (asyncio.sleep(0)), so that a ring that never runs dry
    # cannot starve the loop's other tasks (sockets, timers).
    _ASYNC_YIELD_EVERY = 64

    async def _fair(self) -> None:
        import asyncio
        n = getattr(self, "_streak", 0) + 1
        self._streak = 0 if n >= self._ASYNC_YIELD_EVERY else n
        if n >= self._ASYNC_YIELD_EVERY:
            await asyncio.sleep(0)

    async def pop_async(self) -> bytes:
        """The next message, waiting in the running asyncio loop (not in a thread); Closed at the end."""
        while True:
            m = self.try_pop()
            if m is not None:
                await self._fair()
                return m
            self._streak = 0
            self.arm()
            await self._readable()

    async def push_async(self, data) -> None:
        """Pushes one message, waiting for room in the running asyncio loop; Closed if the consumers left."""
        while not self.try_push(data):
            self._streak = 0
            self.arm()
            await self._readable()
        await self._fair()

    def __aiter__(self):
        return self._aiter()

    async def _aiter(self):
        while True:
            try:
                yield await self.pop_async()
            except Closed:
                return
