"""unittest for Ring.reserve() and Ring.peek(), the zero-copy with-blocks (run by make tools-test
beside test_shmpc). What happens to a view kept after its block is part of the contract tested here:
the with-target raises ValueError; a view made from it keeps the slot (BufferError at the block's
end, SHMPC_ESEQ from the ring, close() refused) until it is deleted; nothing crashes."""
import gc
import os
import struct
import subprocess
import sys
import unittest
import zlib

from test_shmpc import RingCase, shmpc


class TestZeroCopy(RingCase):
    def pair(self, capacity=4, slot_size=64, mode=shmpc.SPSC):
        n = self.name("zc")
        p = shmpc.Ring.create(n, capacity=capacity, slot_size=slot_size, mode=mode)
        c = shmpc.Ring.open(n)
        self.addCleanup(c.close)
        self.addCleanup(p.close)
        return p, c

    def test_reserve_fills_in_place_and_commits_at_block_end(self):
        p, c = self.pair()
        self.assertIsInstance(p.reserve(0), shmpc.Slot)    # (dropped unentered: commits 0 bytes)
        self.assertEqual(c.pop(), b"")
        with p.reserve(12) as mv:
            self.assertIsInstance(mv, memoryview)
            self.assertEqual((mv.readonly, mv.nbytes), (False, 12))
            struct.pack_into("<QI", mv, 0, 2 ** 40 + 7, 99)
            self.assertEqual(c.stat()["fill"], 0)          # not published before the block ends
        self.assertEqual(struct.unpack("<QI", c.pop()), (2 ** 40 + 7, 99))
        with p.reserve() as mv:                            # the whole slot by default
            self.assertEqual(mv.nbytes, 64)
            mv[:] = bytes(range(64))
        self.assertEqual(c.pop(), bytes(range(64)))

    def test_peek_reads_in_place_and_releases_at_block_end(self):
        p, c = self.pair()
        p.push(struct.pack("<d3s", 2.5, b"abc"))
        with c.peek() as mv:
            self.assertTrue(mv.readonly)
            self.assertEqual(struct.unpack_from("<d3s", mv), (2.5, b"abc"))
            with self.assertRaises(TypeError):
                mv[0] = 1                                 # read-only
            self.assertEqual(c.stat()["fill"], 1)
        self.assertEqual(c.stat()["fill"], 0)

    def test_view_kept_after_the_block_is_released_not_dangling(self):
        p, c = self.pair()
        p.push(b"first")
        with c.peek() as kept:
            pass
        with self.assertRaises(ValueError):               # a released memoryview, not stale bytes
            kept[0]
        with self.assertRaises(ValueError):
            bytes(kept)
        with p.reserve(4) as w:
            w[:] = b"abcd"
        with self.assertRaises(ValueError):
            w[:] = b"late"                                # writing after the commit is refused
        self.assertEqual(c.pop(), b"abcd")

    def test_export_outliving_the_block_defers_the_release(self):
        p, c = self.pair()
        p.push(b"hello")
        p.push(b"next")
        with self.assertRaises(BufferError):
            with c.peek() as mv:
                part = mv[1:3]                            # shares the slot's bytes
        self.assertEqual(bytes(part), b"el")              # still valid: the slot was not released
        with self.assertRaises(shmpc.ShmpcError) as cm:
            c.pop(timeout=0)
        self.assertEqual(cm.exception.code, shmpc.ESEQ)
        with self.assertRaises(BufferError):
            c.close()                                     # the mapping must outlive `part`
        del part, mv
        gc.collect()
        self.assertEqual(c.pop(timeout=0), b"next")       # released when the last view went

    def test_memoryview_of_the_view_defers_the_commit(self):
        p, c = self.pair()
        with self.assertRaises(BufferError):
            with p.reserve(3) as mv:
                mv[:] = b"xyz"
                held = memoryview(mv)                     # as numpy.frombuffer(mv) would hold it
        self.assertEqual(c.stat()["fill"], 0)
        with self.assertRaises(shmpc.ShmpcError) as cm:
            p.push(b"no", timeout=0)
        self.assertEqual(cm.exception.code, shmpc.ESEQ)
        held.release()
        del held, mv
        gc.collect()
        self.assertEqual(c.pop(timeout=1), b"xyz")        # committed when the last view went

    def test_timeouts_and_errors(self):
        p, c = self.pair(capacity=1, slot_size=8)
        with self.assertRaises(shmpc.Empty):
            c.peek(timeout=0)
        with self.assertRaises(shmpc.Timeout):
            c.peek(timeout=0.02)
        with self.assertRaises(shmpc.ShmpcError) as cm:
            p.reserve(9)
        self.assertEqual(cm.exception.code, shmpc.EMSGSIZE)
        with p.reserve(1) as mv:
            mv[0] = 65
        with self.assertRaises(shmpc.Full):
            p.reserve(timeout=0)
        with self.assertRaises(shmpc.ShmpcError) as cm:
            c.reserve()
        self.assertEqual(cm.exception.code, shmpc.EROLE)
        p.close()
        with c.peek() as mv:
            self.assertEqual(bytes(mv), b"A")
        with self.assertRaises(shmpc.Closed):
            c.peek()

    def test_mpmc(self):
        p, c = self.pair(capacity=4, slot_size=16, mode=shmpc.MPMC)
        for i in range(10):
            with p.reserve(4) as mv:
                struct.pack_into("<I", mv, 0, i)
            with c.peek() as mv:
                self.assertEqual(struct.unpack_from("<I", mv)[0], i)

    def test_kept_views_do_not_crash_at_exit(self):
        # a child interpreter that leaves views, a deferred slot and its rings to the interpreter's end
        n = self.name("zc-exit")
        code = ("import sys; sys.path.insert(0, %r); import shmpc\n"
                "p = shmpc.Ring.create(%r, capacity=2, slot_size=8); c = shmpc.Ring.open(%r)\n"
                "p.push(b'abc')\n"
                "try:\n"
                "    with c.peek() as mv: part = mv[1:]\n"
                "except BufferError: pass\n"
                "with p.reserve(2) as w: w[:] = b'zz'\n"
                "print(bytes(part))\n" % (os.path.dirname(shmpc.__file__), n, n))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
        self.assertEqual((out.returncode, out.stdout.strip()), (0, "b'bc'"), out.stderr)

    def test_peek_of_a_dead_consumer_is_redelivered(self):
        n = self.name("zc-redeliver")
        with shmpc.Ring.create(n, capacity=4, slot_size=16) as p:
            p.push(b"held")
            pid = os.fork()
            if pid == 0:
                try:
                    c = shmpc.Ring.open(n)
                    v = c.peek().__enter__()              # dies holding the peek
                    os._exit(0 if bytes(v) == b"held" else 1)
                finally:
                    os._exit(2)
            _, st = os.waitpid(pid, 0)
            self.assertEqual(os.waitstatus_to_exitcode(st), 0)
            with shmpc.Ring.open(n) as c:                 # takes the dead consumer's role over
                self.assertTrue(c.redelivered())
                with c.peek(timeout=0) as v:
                    self.assertEqual(bytes(v), b"held")
                self.assertFalse(c.redelivered())
                self.assertEqual(c.recover(), 0)

    def test_large_block_in_place(self):
        size = 4 << 20
        p, c = self.pair(capacity=2, slot_size=size)
        src = os.urandom(size)
        with p.reserve(size) as mv:
            mv[:] = src
        with c.peek() as mv:
            self.assertEqual(zlib.crc32(mv), zlib.crc32(src))


if __name__ == "__main__":
    unittest.main()
