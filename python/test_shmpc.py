"""unittest for python/shmpc.py (run by make tools-test: cd python && python3 -m unittest test_shmpc).

Needs build/libshmpc.so, and build/producer and build/consumer for the cross-language cases
($SHMPC_BUILD names the build directory; default ../build next to this file)."""
import ctypes
import os
import signal
import struct
import subprocess
import sys
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


if __name__ == "__main__":
    unittest.main()
