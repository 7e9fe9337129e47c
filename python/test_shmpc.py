"""unittest for python/shmpc.py (run by make tools-test: cd python && python3 -m unittest test_shmpc).

Needs build/libshmpc.so, and build/producer and build/consumer for the cross-language cases
($SHMPC_BUILD names the build directory; default ../build next to this file)."""
import array
import ctypes
import errno
import os
import resource
import signal
import struct
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import shmpc  # noqa: E402

BUILD = os.path.abspath(os.environ.get("SHMPC_BUILD", os.path.join(HERE, "..", "build")))
_seq = [0]


def unique(tag):
    _seq[0] += 1
    return "shmpc-pytest-%d-%s-%d" % (os.getpid(), tag, _seq[0])


def exists(name):
    return os.path.exists("/dev/shm/" + name)


class RingCase(unittest.TestCase):
    def setUp(self):
        self.names = []

    def tearDown(self):
        for n in self.names:
            try:
                shmpc.unlink(n)
            except shmpc.NotFound:
                pass
            except shmpc.ShmpcError as e:  # a foreign file a test made: shmpc_unlink refuses it
                if e.code != shmpc.ENOTSHMPC:
                    raise
                os.unlink("/dev/shm/" + n)

    def name(self, tag):
        n = unique(tag)
        self.names.append(n)
        return n


class TestBasics(RingCase):
    def test_create_open_push_pop(self):
        n = self.name("basic")
        with shmpc.Ring.create(n, capacity=8, slot_size=32) as p, shmpc.Ring.open(n, shmpc.CONSUMER) as c:
            self.assertEqual((p.capacity, p.slot_size, p.mode), (8, 32, shmpc.SPSC))
            p.push(b"hello")
            p.push(bytearray(b"world"))
            p.push(b"")
            self.assertEqual(c.pop(), b"hello")
            self.assertEqual(c.pop(), b"world")
            self.assertEqual(c.pop(), b"")
            self.assertIsNone(c.try_pop())

    def test_try_forms_full_and_empty(self):
        n = self.name("try")
        with shmpc.Ring.create(n, capacity=4, slot_size=8) as p, shmpc.Ring.open(n) as c:
            self.assertEqual([p.try_push(b"%d" % i) for i in range(5)], [True] * 4 + [False])
            with self.assertRaises(shmpc.Full) as cm:
                p.push(b"x", timeout=0)
            self.assertEqual(cm.exception.code, shmpc.EFULL)
            self.assertEqual(len(c), 4)
            self.assertEqual([c.try_pop() for i in range(5)], [b"0", b"1", b"2", b"3", None])
            with self.assertRaises(shmpc.Empty):
                c.pop(timeout=0)

    def test_timeouts(self):
        n = self.name("timeout")
        with shmpc.Ring.create(n, capacity=1, slot_size=8) as p, shmpc.Ring.open(n) as c:
            t = time.monotonic()
            with self.assertRaises(shmpc.Timeout) as cm:
                c.pop(timeout=0.3)
            took = time.monotonic() - t
            self.assertGreaterEqual(took, 0.29)
            self.assertLess(took, 2.0)
            self.assertEqual(cm.exception.code, shmpc.ETIMEDOUT)
            self.assertEqual(cm.exception.name, "SHMPC_ETIMEDOUT")
            self.assertEqual(cm.exception.message, "timed out")
            p.push(b"a")
            t = time.monotonic()
            with self.assertRaises(shmpc.Timeout):
                p.push(b"b", timeout=0.2)
            self.assertGreaterEqual(time.monotonic() - t, 0.19)
            self.assertEqual(c.pop(timeout=1), b"a")

    def test_errors_carry_code_and_message(self):
        n = self.name("err")
        with shmpc.Ring.create(n, capacity=2, slot_size=4) as p:
            with self.assertRaises(shmpc.ShmpcError) as cm:
                p.push(b"12345")
            self.assertEqual(cm.exception.code, shmpc.EMSGSIZE)
            self.assertIn("larger than the slot size", str(cm.exception))
            with self.assertRaises(shmpc.ShmpcError) as cm:
                p.pop()
            self.assertEqual(cm.exception.code, shmpc.EROLE)
            with self.assertRaises(shmpc.Exists) as cm:
                shmpc.Ring.create(n)
            self.assertEqual(cm.exception.code, shmpc.EEXIST)
            with self.assertRaises(shmpc.ShmpcError) as cm:   # a second producer on SPSC
                shmpc.Ring.open(n, shmpc.PRODUCER)
            self.assertEqual(cm.exception.code, shmpc.EROLE)
        with self.assertRaises(shmpc.NotFound) as cm:
            shmpc.Ring.open(unique("missing"))
        self.assertEqual(cm.exception.code, shmpc.ENOENT)
        with self.assertRaises(shmpc.ShmpcError) as cm:
            shmpc.Ring.create("a/b")
        self.assertEqual(cm.exception.code, shmpc.ENAME)
        with self.assertRaises(shmpc.ShmpcError) as cm:
            shmpc.Ring.create(self.name("geom"), capacity=3)
        self.assertEqual(cm.exception.code, shmpc.EINVAL)

    def test_error_table_matches_library(self):
        for code, name in shmpc.ERRORS.items():
            self.assertNotEqual(shmpc.strerror(code), "unknown shmpc error code", name)
        self.assertEqual(shmpc.strerror(min(shmpc.ERRORS) - 1), "unknown shmpc error code")

    def test_context_manager_and_close(self):
        n = self.name("ctx")
        with shmpc.Ring.create(n) as p:
            self.assertFalse(p.closed)
        self.assertTrue(p.closed)
        with self.assertRaises(shmpc.ShmpcError) as cm:
            p.push(b"x")
        self.assertEqual(cm.exception.code, shmpc.EINVAL)
        p.close()  # twice: harmless

    def test_iteration_ends_at_end_of_stream(self):
        n = self.name("iter")
        p = shmpc.Ring.create(n, capacity=16, slot_size=8)
        c = shmpc.Ring.open(n)
        for i in range(10):
            p.push(struct.pack("=q", i))
        p.close()  # end of stream
        self.assertEqual([struct.unpack("=q", m)[0] for m in c], list(range(10)))
        with self.assertRaises(shmpc.Closed) as cm:
            c.pop()
        self.assertEqual(cm.exception.code, shmpc.ECLOSED)
        c.close()

    def test_batches(self):
        n = self.name("batch")
        with shmpc.Ring.create(n, capacity=8, slot_size=16) as p, shmpc.Ring.open(n) as c:
            self.assertEqual(p.push_many([b"a", b"bb", b"ccc"]), 3)
            self.assertEqual(p.push_many([b"%d" % i for i in range(10)]), 5)  # only 5 slots left
            self.assertEqual(c.pop_many(4), [b"a", b"bb", b"ccc", b"0"])
            self.assertEqual(c.pop_many(64), [b"1", b"2", b"3", b"4"])
            with self.assertRaises(shmpc.Timeout):
                c.pop_many(4, timeout=0.05)

    def test_mpmc_and_stat_peers(self):
        n = self.name("mpmc")
        with shmpc.Ring.create(n, capacity=16, slot_size=8, mode="mpmc") as p1, \
                shmpc.Ring.open(n, shmpc.PRODUCER) as p2, shmpc.Ring.open(n) as c:
            p1.push(b"1")
            p2.push(b"2")
            self.assertEqual(sorted([c.pop(), c.pop()]), [b"1", b"2"])
            st = c.stat()
            self.assertEqual((st["mode"], st["producers"], st["consumers"], st["fill"]), (shmpc.MPMC, 2, 1, 0))
            peers = c.peers()
            self.assertEqual(len(peers), 3)
            self.assertTrue(all(x["pid"] == os.getpid() and x["alive"] == 1 for x in peers))
            self.assertEqual(sorted(x["role"] for x in peers), [1, 1, 2])

    def test_observer_takes_no_role(self):
        n = self.name("obs")
        with shmpc.Ring.create(n) as p, shmpc.Ring.open(n, shmpc.OBSERVER) as o:
            p.push(b"x")
            self.assertEqual(o.stat()["fill"], 1)
            self.assertEqual(o.stat()["consumers"], 0)
            with self.assertRaises(shmpc.ShmpcError) as cm:
                o.pop()
            self.assertEqual(cm.exception.code, shmpc.EROLE)

    def test_open_waits_for_creation(self):
        n = self.name("wait")
        pid = os.fork()
        if pid == 0:
            time.sleep(0.3)
            r = shmpc.Ring.create(n)
            r.push(b"late")
            r.close()
            os._exit(0)
        t = time.monotonic()
        with shmpc.Ring.open(n, timeout=5) as c:
            self.assertGreater(time.monotonic() - t, 0.2)
            self.assertEqual(c.pop(timeout=5), b"late")
        os.waitpid(pid, 0)

    def test_blocking_pop_honours_ctrl_c(self):
        n = self.name("sigint")
        with shmpc.Ring.create(n) as p, shmpc.Ring.open(n) as c:
            old = signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
            try:
                signal.setitimer(signal.ITIMER_REAL, 0.3)
                t = time.monotonic()
                with self.assertRaises(KeyboardInterrupt):
                    c.pop()   # forever, but in slices: the signal handler runs
                self.assertLess(time.monotonic() - t, 2.0)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old)

    def test_sysv(self):
        key = 0x70000000 | (os.getpid() & 0xFFFFFF)
        try:
            with shmpc.Ring.create_sysv(key, capacity=4, slot_size=8) as p, shmpc.Ring.open_sysv(key) as c:
                p.push(b"sysv")
                self.assertEqual(c.pop(), b"sysv")
        finally:
            shmpc.unlink_sysv(key)
        with self.assertRaises(shmpc.NotFound):
            shmpc.Ring.open_sysv(key)

    def test_memory_options(self):
        n = self.name("mem")
        with shmpc.Ring.create(n, capacity=4, slot_size=4096, flags=shmpc.F_PRETOUCH | shmpc.F_SEQUENTIAL) as p:
            self.assertEqual(p.stat()["flags"], shmpc.F_PRETOUCH | shmpc.F_SEQUENTIAL)
        with self.assertRaises(shmpc.ShmpcError) as cm:
            shmpc.Ring.create(self.name("huge"), flags=shmpc.F_HUGEPAGES)
        self.assertEqual(cm.exception.code, shmpc.ENOTSUP)


class TestExtension(RingCase):
    """The C extension (python/_shmpc.c) under shmpc.Ring: inputs, pop_into, every error path."""

    def test_extension_in_use(self):
        import importlib.machinery
        self.assertTrue(shmpc.library_path.endswith("_shmpc" + importlib.machinery.EXTENSION_SUFFIXES[0]),
                        shmpc.library_path)
        self.assertTrue(issubclass(shmpc.Ring, shmpc._ext.Ring))
        for m in ("push", "try_push", "pop", "try_pop", "pop_into", "push_many", "pop_many", "close"):
            # looked up on the class straight from the C type: one C call, no Python frame
            self.assertEqual(type(getattr(shmpc.Ring, m)).__name__, "method_descriptor", m)
        with shmpc.Ring.create(self.name("ext")) as p:
            self.assertIsInstance(p, shmpc._ext.Ring)
            self.assertEqual(type(p.push).__name__, "builtin_function_or_method")
        with self.assertRaises(TypeError):
            shmpc.Ring()

    def test_bytes_like_inputs(self):
        for mode in (shmpc.SPSC, shmpc.MPMC):
            n = self.name("inputs")
            with shmpc.Ring.create(n, capacity=64, slot_size=16, mode=mode) as p, shmpc.Ring.open(n) as c:
                arr = array.array("B", b"arr")
                ins = [b"bytes", bytearray(b"bytearray"), memoryview(b"memoryview"), memoryview(b"xxsliceyy")[2:7],
                       memoryview(b"a-b-c-d")[::2], arr, b""]
                outs = [b"bytes", b"bytearray", b"memoryview", b"slice", b"abcd", b"arr", b""]
                for m in ins:
                    p.push(m)
                for m in ins:
                    self.assertTrue(p.try_push(m))
                self.assertEqual(p.push_many(ins), len(ins))
                self.assertEqual(p.push_many(tuple(ins)), len(ins))
                self.assertEqual(p.push_many(m for m in ins), len(ins))
                self.assertEqual(p.push_many([]), 0)
                for _ in range(5):
                    self.assertEqual(c.pop_many(len(ins)), outs)
                with self.assertRaises(TypeError):
                    p.push("str")
                with self.assertRaises(TypeError):
                    p.try_push(12)
                with self.assertRaises(TypeError):
                    p.push_many([b"ok", 12])
                with self.assertRaises(TypeError):
                    p.push(b"x", 1, 2)
                with self.assertRaises(TypeError):
                    p.push(b"x", bogus=1)
                p.push(data=b"kw", timeout=1)
                self.assertEqual(c.pop(timeout=1), b"kw")
                self.assertIsNone(c.try_pop())    # nothing of the failed calls went in
                big = [b"%03d" % i for i in range(100)]  # more than the 64 iov entries kept on the stack
                self.assertEqual(p.push_many(big), 64)
                self.assertEqual(c.pop_many(1000), big[:64])   # at most the capacity per call

    def test_pop_into(self):
        n = self.name("into")
        with shmpc.Ring.create(n, capacity=8, slot_size=32) as p, shmpc.Ring.open(n) as c:
            p.push_many([b"first", b"second message", b"third"])
            buf = bytearray(32)
            self.assertEqual(c.pop_into(buf), 5)
            self.assertEqual(bytes(buf[:5]), b"first")
            small = bytearray(4)
            with self.assertRaises(shmpc.ShmpcError) as cm:
                c.pop_into(small)
            self.assertEqual(cm.exception.code, shmpc.EMSGSIZE)
            view = memoryview(buf)[8:24]
            self.assertEqual(c.pop_into(view, timeout=0), 14)     # the message stayed in the ring
            self.assertEqual(bytes(buf[8:22]), b"second message")
            with self.assertRaises(TypeError):
                c.pop_into(b"read-only bytes")
            self.assertEqual(c.pop_into(buffer=buf, timeout=None), 5)
            with self.assertRaises(shmpc.Empty):
                c.pop_into(buf, timeout=0)
            with self.assertRaises(shmpc.Timeout):
                c.pop_into(buf, timeout=0.05)

    def test_error_factory_covers_every_code(self):
        classes = {shmpc.ETIMEDOUT: shmpc.Timeout, shmpc.ECLOSED: shmpc.Closed, shmpc.EFULL: shmpc.Full,
                   shmpc.EEMPTY: shmpc.Empty, shmpc.ENOENT: shmpc.NotFound, shmpc.EEXIST: shmpc.Exists}
        for code, name in shmpc.ERRORS.items():
            if code == 0:
                continue
            e = shmpc._error(code, "op", 0)
            self.assertIs(type(e), classes.get(code, shmpc.ShmpcError), name)
            self.assertEqual((e.code, e.name, e.message, e.errno), (code, "SHMPC_" + name, shmpc.strerror(code), 0))
            self.assertEqual(str(e), "op: SHMPC_%s (%d): %s" % (name, code, shmpc.strerror(code)))

    def check(self, fn, cls, code, errno_=0):
        with self.assertRaises(cls) as cm:
            fn()
        self.assertIs(type(cm.exception), cls)
        self.assertEqual((cm.exception.code, cm.exception.errno), (code, errno_))
        return cm.exception

    def test_errors_of_every_call(self):
        E = shmpc.ShmpcError
        n = self.name("calls")
        p = shmpc.Ring.create(n, capacity=2, slot_size=8)
        c = shmpc.Ring.open(n)
        buf = bytearray(8)
        for fn in (lambda: p.push(b"123456789"), lambda: p.try_push(b"123456789"),
                   lambda: p.push_many([b"123456789"])):
            self.check(fn, E, shmpc.EMSGSIZE)
        for fn in (lambda: c.push(b"x"), lambda: c.try_push(b"x"), lambda: c.push_many([b"x"]),
                   p.pop, p.try_pop, p.pop_many, lambda: p.pop_into(buf)):
            e = self.check(fn, E, shmpc.EROLE)
        self.assertIn("role refused", str(e))
        self.check(lambda: c.pop_many(0), E, shmpc.EINVAL)
        for fn in (lambda: c.pop(timeout=0), lambda: c.pop_many(4, timeout=0), lambda: c.pop_into(buf, timeout=0)):
            self.check(fn, shmpc.Empty, shmpc.EEMPTY)
        for fn in (lambda: c.pop(timeout=0.05), lambda: c.pop_many(timeout=0.05), lambda: c.pop_into(buf, timeout=0.05)):
            self.check(fn, shmpc.Timeout, shmpc.ETIMEDOUT)
        p.push_many([b"a", b"b"])
        self.assertFalse(p.try_push(b"c"))
        for fn in (lambda: p.push(b"c", timeout=0), lambda: p.push_many([b"c"], timeout=0)):
            self.check(fn, shmpc.Full, shmpc.EFULL)
        for fn in (lambda: p.push(b"c", timeout=0.05), lambda: p.push_many([b"c"], timeout=0.05)):
            self.check(fn, shmpc.Timeout, shmpc.ETIMEDOUT)
        p.close()                                   # end of stream: drained first, then Closed
        self.assertEqual(c.pop(), b"a")
        self.assertEqual(c.pop_many(), [b"b"])
        for fn in (c.pop, c.try_pop, c.pop_many, lambda: c.pop_into(buf), lambda: c.pop(timeout=0)):
            self.check(fn, shmpc.Closed, shmpc.ECLOSED)
        c.close()
        for r in (p, c):                            # a closed handle
            for fn in (lambda: r.push(b"x"), lambda: r.try_push(b"x"), r.pop, r.try_pop, lambda: r.pop_into(buf),
                       lambda: r.push_many([b"x"]), r.pop_many, r.stat, r.peers):
                e = self.check(fn, E, shmpc.EINVAL)
                self.assertIn("is closed", str(e))
        n2 = self.name("cons-closed")
        with shmpc.Ring.create(n2) as p2:
            shmpc.Ring.open(n2).close()             # the consumer side closed: producers see Closed
            for fn in (lambda: p2.push(b"x"), lambda: p2.try_push(b"x"), lambda: p2.push_many([b"x"])):
                self.check(fn, shmpc.Closed, shmpc.ECLOSED)

    def test_errors_of_placement(self):
        E = shmpc.ShmpcError
        missing = unique("missing")
        self.check(lambda: shmpc.unlink(missing), shmpc.NotFound, shmpc.ENOENT)
        self.check(lambda: shmpc.unlink("a/b"), E, shmpc.ENAME)
        self.check(lambda: shmpc.Ring.open("a/b"), E, shmpc.ENAME)
        self.check(lambda: shmpc.Ring.open(missing, timeout=0.05), shmpc.NotFound, shmpc.ENOENT)
        self.check(lambda: shmpc.Ring.create(self.name("mode"), mode=3), E, shmpc.EINVAL)
        self.check(lambda: shmpc.Ring.open(self.name("role"), role=3), E, shmpc.EINVAL)
        n = self.name("notshmpc")                   # a foreign file
        with open("/dev/shm/" + n, "wb") as f:
            f.write(b"\x5a" * 4096)
        self.check(lambda: shmpc.Ring.open(n), E, shmpc.ENOTSHMPC)
        self.check(lambda: shmpc.unlink(n), E, shmpc.ENOTSHMPC)  # and not removed
        self.assertTrue(os.path.exists("/dev/shm/" + n))
        n = self.name("zeros")                      # sized, not yet written: still being created
        with open("/dev/shm/" + n, "wb") as f:
            f.write(b"\0" * 4096)
        self.check(lambda: shmpc.Ring.open(n), E, shmpc.ENOTREADY)
        n = self.name("version")                    # another layout version
        shmpc.Ring.create(n, role=shmpc.OBSERVER).close()
        with open("/dev/shm/" + n, "r+b") as f:
            f.seek(8)
            f.write(struct.pack("=I", 1))
        self.check(lambda: shmpc.Ring.open(n), E, shmpc.EVERSION)
        n = self.name("dir")                        # not a regular file: refused at once
        os.mkdir("/dev/shm/" + n)
        try:
            self.check(lambda: shmpc.Ring.open(n), E, shmpc.ENOTSHMPC)
        finally:
            os.rmdir("/dev/shm/" + n)
            self.names.remove(n)
        n = self.name("nofile")                     # a failed system call: its errno is kept
        shmpc.Ring.create(n, role=shmpc.OBSERVER).close()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (3, hard))   # no descriptor left: EMFILE
        try:
            with self.assertRaises(E) as cm:
                shmpc.Ring.open(n)
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        e = cm.exception
        self.assertEqual((e.code, e.errno), (shmpc.ESYS, errno.EMFILE))
        self.assertIn("[%s]" % os.strerror(e.errno), str(e))
        key = 0x71000000 | (os.getpid() & 0xFFFFFF)
        self.check(lambda: shmpc.Ring.open_sysv(key), shmpc.NotFound, shmpc.ENOENT)
        self.check(lambda: shmpc.unlink_sysv(key), shmpc.NotFound, shmpc.ENOENT)
        if os.geteuid() == 0:                       # a segment of another user
            n = self.name("owner")
            shmpc.Ring.create(n, role=shmpc.OBSERVER).close()
            os.chown("/dev/shm/" + n, 65534, 65534)
            self.check(lambda: shmpc.Ring.open(n), E, shmpc.EPERM)

    def test_dead_peers(self):
        n = self.name("dead")
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:                                # a producer that dies holding its role
            os.close(r)
            try:
                keep = shmpc.Ring.open(n, shmpc.PRODUCER, timeout=5)
                keep.push(b"last words")
                os.write(w, b"1")
            finally:
                time.sleep(60)
                os._exit(0)
        os.close(w)
        with shmpc.Ring.create(n, role=shmpc.CONSUMER) as c:
            self.assertEqual(os.read(r, 1), b"1")
            os.close(r)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            self.assertEqual(c.pop(), b"last words")     # delivered first
            t = time.monotonic()
            self.check(c.pop, shmpc.ShmpcError, shmpc.EPEERDEAD)
            self.assertLess(time.monotonic() - t, 2.0)
        # every registered peer gone now and one died: a stale segment, refused by create
        n2 = self.name("stale")
        pid = os.fork()
        if pid == 0:
            try:
                keep = shmpc.Ring.create(n2)        # kept: a dropped handle would close
                os.kill(os.getpid(), signal.SIGKILL)
            finally:
                os._exit(1 if keep else 2)
        self.assertEqual(os.waitpid(pid, 0)[1], signal.SIGKILL)
        self.check(lambda: shmpc.Ring.create(n2), shmpc.ShmpcError, shmpc.ESTALE)

    def test_blocking_calls_release_the_gil(self):
        n = self.name("gil")
        with shmpc.Ring.create(n, capacity=1, slot_size=8) as p, shmpc.Ring.open(n) as c:
            def later(fn, out):
                time.sleep(0.1)
                out.append(fn())
            # a pop waiting on an empty ring, a push waiting on a full one: the other thread runs meanwhile
            for wait, other, want in ((lambda: c.pop(timeout=5), lambda: p.push(b"x"), (b"x", None)),
                                      (lambda: p.push(b"z", timeout=5), c.pop, (None, b"y"))):
                if want[1] == b"y":
                    p.push(b"y")                     # full
                out = []
                th = threading.Thread(target=later, args=(other, out))
                t = time.monotonic()
                th.start()
                got = wait()
                th.join()
                self.assertLess(time.monotonic() - t, 2.0)
                self.assertEqual((got, out[0]), want)
            self.assertEqual(c.pop(timeout=0), b"z")

    def test_handle_in_use_by_another_thread(self):
        n = self.name("busy")
        with shmpc.Ring.create(n) as p, shmpc.Ring.open(n) as c:
            got = []
            th = threading.Thread(target=lambda: got.append(c.pop(timeout=5)))
            th.start()
            time.sleep(0.1)
            for fn in (c.close, c.try_pop, c.pop):
                e = self.check(fn, shmpc.ShmpcError, shmpc.EINVAL)
                self.assertIn("in use by a waiting call", str(e))
            p.push(b"done")
            th.join()
            self.assertEqual(got, [b"done"])
            c.close()
            self.assertTrue(c.closed)

    def test_blocking_push_honours_ctrl_c(self):
        n = self.name("sigint-push")
        with shmpc.Ring.create(n, capacity=1) as p, shmpc.Ring.open(n):
            p.push(b"fills it")
            old = signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
            try:
                signal.setitimer(signal.ITIMER_REAL, 0.3)
                t = time.monotonic()
                with self.assertRaises(KeyboardInterrupt):
                    p.push(b"never")
                self.assertLess(time.monotonic() - t, 2.0)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old)

    def test_pop_many_bounds_and_forgotten_handle(self):
        n = self.name("bounds")
        with shmpc.Ring.create(n, capacity=4, slot_size=1 << 20) as p, shmpc.Ring.open(n) as c:
            p.push_many([b"a" * (1 << 20), b"b", b"c"])
            self.assertEqual(c.pop_many(64), [b"a" * (1 << 20)])   # 1 MiB of buffers per call
            self.assertEqual(c.pop_many(64), [b"b"])
            p._open = False                          # forgotten (a fork()ed copy): not closed
            self.assertTrue(p.closed)
            p.close()
            self.assertEqual(c.stat()["producers"], 1)
            self.assertEqual(c.pop(timeout=0), b"c")
            with self.assertRaises(ValueError):
                p._open = True


@unittest.skipUnless(os.access(os.path.join(BUILD, "producer"), os.X_OK) and
                     os.access(os.path.join(BUILD, "consumer"), os.X_OK), "build/producer and build/consumer needed")
class TestAcrossLanguages(RingCase):
    def test_c_producer_python_consumer(self):
        n = self.name("c2py")
        items = 20000
        prod = subprocess.Popen([os.path.join(BUILD, "producer"), "--name", n, "--capacity", "64",
                                 "--items", str(items), "--quiet"], stdout=subprocess.PIPE, text=True)
        total = count = 0
        with shmpc.Ring.open(n, shmpc.CONSUMER, timeout=10) as c:
            for m in c:
                (v,) = struct.unpack("=i", m)
                self.assertTrue(0 <= v <= 3000)
                total += v
                count += 1
        out, _ = prod.communicate(timeout=30)
        self.assertEqual(prod.returncode, 0)
        self.assertEqual(out.strip(), "producer: %d items, sum %d" % (items, total))
        self.assertEqual(count, items)

    def test_python_producer_c_consumer(self):
        n = self.name("py2c")
        items = 20000
        values = [(i * 7919) % 3001 for i in range(items)]
        with shmpc.Ring.create(n, capacity=64, slot_size=4) as p:
            cons = subprocess.Popen([os.path.join(BUILD, "consumer"), "--name", n, "--wait", "10",
                                     "--items", str(items), "--quiet"], stdout=subprocess.PIPE, text=True)
            for v in values:
                p.push(struct.pack("=i", v), timeout=10)
        out, _ = cons.communicate(timeout=30)   # the close above ended the stream
        self.assertEqual(cons.returncode, 0, out)
        self.assertEqual(out.strip(), "consumer: %d items, sum %d" % (items, sum(values)))

    def test_python_processes_mpmc(self):
        n = self.name("pympmc")
        per = 5000
        p = shmpc.Ring.create(n, capacity=128, slot_size=8, mode=shmpc.MPMC)
        kids = []
        for k in range(2):
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    with shmpc.Ring.open(n, shmpc.PRODUCER) as q:
                        for i in range(per):
                            q.push(struct.pack("=q", k * per + i), timeout=10)
                    code = 0
                finally:
                    os._exit(code)
            kids.append(pid)
        got = []
        with shmpc.Ring.open(n) as c:
            deadline = time.monotonic() + 10
            while p.stat()["producers"] < 3 and time.monotonic() < deadline:
                time.sleep(0.001)
            p.close()  # the children (attached now) keep the producer side open until they are done
            for m in c:
                got.append(struct.unpack("=q", m)[0])
        for pid in kids:
            self.assertEqual(os.waitpid(pid, 0)[1], 0)
        self.assertEqual(sorted(got), list(range(2 * per)))


class TestEventLoops(RingCase):
    """fileno() for select/selectors, arm(), and asyncio's pop_async/push_async (shmpc_fd)."""

    def test_selectors_see_data_and_room(self):
        import selectors
        n = self.name("sel")
        with shmpc.Ring.create(n, capacity=2, slot_size=8) as p, shmpc.Ring.open(n, shmpc.CONSUMER) as c:
            sel = selectors.DefaultSelector()
            sel.register(c, selectors.EVENT_READ)         # a ring is accepted like a socket
            self.assertEqual(sel.select(0.02), [])
            self.assertTrue(p.try_push(b"a"))
            self.assertEqual([k.fileobj for k, _ in sel.select(1)], [c])
            self.assertEqual(c.try_pop(), b"a")
            self.assertIsNone(c.try_pop())
            c.arm()
            self.assertEqual(sel.select(0.02), [])
            sel.unregister(c)
            self.assertTrue(p.try_push(b"b") and p.try_push(b"c"))
            self.assertFalse(p.try_push(b"d"))
            p.arm()
            sel.register(p, selectors.EVENT_READ)
            self.assertEqual(sel.select(0.02), [])
            self.assertEqual(c.pop(), b"b")
            self.assertEqual([k.fileobj for k, _ in sel.select(1)], [p])
            sel.close()

    def test_push_async_waits_for_room_without_blocking_the_loop(self):
        import asyncio
        n = self.name("pasync")
        with shmpc.Ring.create(n, capacity=2, slot_size=8) as p, shmpc.Ring.open(n, shmpc.CONSUMER) as c:
            ticks = []

            async def ticker():
                for _ in range(5):
                    ticks.append(time.monotonic())
                    await asyncio.sleep(0.01)

            async def main():
                t = asyncio.ensure_future(ticker())
                threading.Timer(0.1, lambda: c.pop()).start()   # room only after 0.1 s
                for m in (b"1", b"2", b"3"):
                    await p.push_async(m)
                await t

            asyncio.run(main())
            self.assertEqual(len(ticks), 5)   # the loop ran while push_async waited
            self.assertEqual([c.try_pop(), c.try_pop()], [b"2", b"3"])

    @unittest.skipUnless(os.access(os.path.join(BUILD, "producer"), os.X_OK), "build/producer needed")
    def test_c_producer_asyncio_consumer_serving_a_socket(self):
        import asyncio
        import tempfile
        n = self.name("aio")
        items = 20000
        path = os.path.join(tempfile.mkdtemp(), "status.sock")
        prod = subprocess.Popen([os.path.join(BUILD, "producer"), "--name", n, "--capacity", "64",
                                 "--items", str(items), "--quiet"], stdout=subprocess.PIPE, text=True)
        got = []
        answers = []

        async def main():
            async def serve(reader, writer):
                await reader.readline()
                writer.write(b"%d\n" % len(got))
                await writer.drain()
                writer.close()

            server = await asyncio.start_unix_server(serve, path=path)
            with shmpc.Ring.open(n, shmpc.CONSUMER, timeout=10) as c:
                async def client():
                    while len(got) < items:
                        reader, writer = await asyncio.open_unix_connection(path)
                        writer.write(b"?\n")
                        answers.append(int(await reader.readline()))
                        writer.close()
                        await asyncio.sleep(0.002)

                cl = asyncio.ensure_future(client())
                async for m in c:                    # ends with the producer's close
                    got.append(struct.unpack("=i", m)[0])
                await cl
            server.close()
            await server.wait_closed()

        asyncio.run(main())
        os.unlink(path)
        out, _ = prod.communicate(timeout=30)
        self.assertEqual(prod.returncode, 0)
        self.assertEqual(out.strip(), "producer: %d items, sum %d" % (items, sum(got)))
        self.assertEqual(len(got), items)
        self.assertTrue(any(0 < a < items for a in answers), answers[:10])   # served while consuming

    def test_pop_async_reports_a_killed_producer(self):
        import asyncio
        n = self.name("aiodead")
        with shmpc.Ring.create(n, capacity=4, slot_size=8, role=shmpc.CONSUMER) as c:
            pid = os.fork()
            if pid == 0:
                try:
                    q = shmpc.Ring.open(n, shmpc.PRODUCER)
                    q.push(b"last")
                finally:
                    os.kill(os.getpid(), signal.SIGKILL)

            async def main():
                self.assertEqual(await c.pop_async(), b"last")
                with self.assertRaises(shmpc.ShmpcError) as cm:
                    await asyncio.wait_for(c.pop_async(), 10)
                self.assertEqual(cm.exception.code, shmpc.EPEERDEAD)

            asyncio.run(main())
            os.waitpid(pid, 0)


if __name__ == "__main__":
    unittest.main()
