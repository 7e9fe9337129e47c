"""End-to-end test of build/shmpcctl: drives the real binary and checks its output and exit status.

Rings are made by the Python module (python/shmpc.py and its extension) and by the C examples;
peers that die are child processes killed with SIGKILL. Every name carries this process's pid.
Run by make tools-test: python3 tests/tools/test_shmpcctl.py [-v]. $SHMPC_BUILD: build directory."""
import os
import re
import signal
import struct
import subprocess
import sys
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.path.abspath(os.environ.get("SHMPC_BUILD", os.path.join(ROOT, "build")))
CTL = os.path.join(BUILD, "shmpcctl")
sys.path.insert(0, os.path.join(ROOT, "python"))
import shmpc  # noqa: E402

PID = os.getpid()


def ctl(*args, timeout=20):
    p = subprocess.run([CTL] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def list_row(out, name):
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == name:
            return f
    return None


def dead_peer(name, role=shmpc.CONSUMER):
    """A child attaches in `role` and is killed: its peer entry stays, dead."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            keep = shmpc.Ring.open(name, role, timeout=5)  # kept: a dropped handle would close
            os.write(w, b"1")
        finally:
            time.sleep(60)
            os._exit(0 if keep else 1)
    os.close(w)
    ok = os.read(r, 1)
    os.close(r)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert ok == b"1", "child could not attach"
    return pid


class Ctl(unittest.TestCase):
    seq = 0

    def setUp(self):
        self.names = []

    def tearDown(self):
        for n in self.names:
            if os.path.exists("/dev/shm/" + n):
                os.unlink("/dev/shm/" + n)

    def name(self, tag):
        Ctl.seq += 1
        n = "shmpc-ctltest-%d-%s-%d" % (PID, tag, Ctl.seq)
        self.names.append(n)
        return n

    def test_list_shows_ring_with_fill_and_live_peers(self):
        n = self.name("list")
        with shmpc.Ring.create(n, capacity=16, slot_size=100) as p, shmpc.Ring.open(n) as c:
            for i in range(5):
                p.push(b"x" * i)
            c.pop()
            code, out, err = ctl("list")
            self.assertEqual(code, 0, err)
            self.assertTrue(out.splitlines()[0].split()[:4] == ["NAME", "MODE", "CAPACITY", "SLOT"], out)
            row = list_row(out, n)
            self.assertIsNotNone(row, out)
            self.assertEqual(row[1:5], ["SPSC", "16", "100", "4/16"], row)
            self.assertEqual(row[-2:], ["ready", "2/0"], row)
        code, out, err = ctl("list")   # both closed: a finished stream, nobody registered (not stale)
        self.assertEqual(list_row(out, n)[-2:], ["closed", "0/0"])

    def test_list_skips_foreign_files_and_flags_other_versions(self):
        junk = self.name("junk")
        with open("/dev/shm/" + junk, "wb") as f:
            f.write(b"not a ring" * 400)
        v2 = self.name("v2")
        with shmpc.Ring.create(v2, capacity=4, slot_size=8):
            pass
        with open("/dev/shm/" + v2, "r+b") as f:   # the version word at 0x008
            f.seek(6)
            f.write(b"3\0" + struct.pack("=I", 3))   # as layout version 3 wrote it
        code, out, err = ctl("list")
        self.assertEqual(code, 0, err)
        self.assertIsNone(list_row(out, junk), out)
        row = list_row(out, v2)
        self.assertIsNotNone(row, out)
        self.assertIn("unusable", row)
        self.assertIn("layout version 3", " ".join(row))

        code, out, err = ctl("info", junk)
        self.assertEqual(code, 1)
        self.assertIn("not an shmpc segment", err)
        code, out, err = ctl("info", v2)
        self.assertEqual(code, 1)
        self.assertIn("layout version 3 (this shmpcctl reads version 5)", err)
        self.assertIn("SHMPCv3", out)   # the bytes are still shown, for the curious
        code, out, err = ctl("rm", junk)
        self.assertEqual(code, 1)
        self.assertIn("not an shmpc segment; not removed", err)
        self.assertTrue(os.path.exists("/dev/shm/" + junk))
        code, out, err = ctl("rm", v2)
        self.assertEqual(code, 1)
        self.assertIn("--force", err)
        code, out, err = ctl("rm", "--force", v2)
        self.assertEqual(code, 0, err)
        self.assertFalse(os.path.exists("/dev/shm/" + v2))

    def test_a_fifo_in_dev_shm_is_refused_and_never_blocks(self):
        # /dev/shm is writable by every user: a FIFO there must not hold any command (a plain
        # open of a FIFO waits for a writer), nor be listed or removed as a ring.
        n = self.name("fifo")
        os.mkfifo("/dev/shm/" + n, 0o600)
        for args in (("list",), ("rm", "--stale", "--dry-run"), ("rm", "--stale")):
            code, out, err = ctl(*args, timeout=10)
            self.assertEqual(code, 0, err)
            self.assertNotIn(n, out)
        for args in (("info", n), ("rm", n), ("rm", "--force", n), ("watch", n, "--count", "1")):
            code, out, err = ctl(*args, timeout=10)
            self.assertEqual(code, 1, (args, out, err))
            self.assertIn("not an shmpc segment", err)
        code, out, err = ctl("info", n, timeout=10)
        self.assertIn("a FIFO, not a regular file", err)
        self.assertTrue(os.path.exists("/dev/shm/" + n))

    def test_rm_stale_never_removes_files_without_shmpcs_mark(self):
        # Only a segment that carries shmpc's magic can be stale. An empty file, a zero-filled one
        # and one whose creator-pid bytes name a dead process but that lacks the magic are another
        # program's: rm --stale leaves them, and info/rm NAME call them not shmpc's. A marked,
        # initializing segment whose creator died is shmpc's leftover: rm --stale removes it.
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        creator = struct.pack("=IQ", pid, 12345)   # creator_pid at 0x034, creator_start at 0x038
        unmarked = bytearray(4096)
        unmarked[0x34:0x40] = creator
        marked = bytearray(unmarked)
        marked[0:8] = b"SHMPCv5\0"
        files = {self.name("empty"): b"", self.name("zero"): bytes(4096), self.name("unmarked"): bytes(unmarked)}
        mark = self.name("marked")
        for n, data in list(files.items()) + [(mark, bytes(marked))]:
            with open("/dev/shm/" + n, "wb") as f:
                f.write(data)
        code, out, err = ctl("rm", "--stale", "--dry-run")   # dry: other runs' files stay as they are
        self.assertEqual(code, 0, err)
        self.assertIn("would remove %s" % mark, out)
        for n in files:
            self.assertNotIn(n, out)
        code, out, err = ctl("rm", mark)
        self.assertEqual(code, 0, err)
        self.assertFalse(os.path.exists("/dev/shm/" + mark))
        for n in files:
            self.assertTrue(os.path.exists("/dev/shm/" + n), n)
        n = [k for k in files if "unmarked" in k][0]
        code, out, err = ctl("rm", n)
        self.assertEqual(code, 1)
        self.assertTrue(os.path.exists("/dev/shm/" + n))

    def test_list_never_calls_an_impossible_header_ready(self):
        n = self.name("ends")
        with shmpc.Ring.create(n, capacity=4, slot_size=8) as p, shmpc.Ring.open(n):
            for state, ends, want in ((1, 3, "closed"), (1, 0xFFFFFFFF, "corrupt"), (1, 4, "corrupt"),
                                      (2, 0, "unusable"), (1, 0, "ready")):
                with open("/dev/shm/" + n, "r+b") as f:   # state at 0x040, ends at 0x088
                    f.seek(0x40)
                    f.write(struct.pack("=I", state))
                    f.seek(0x88)
                    f.write(struct.pack("=I", ends))
                code, out, err = ctl("list")
                self.assertEqual(code, 0, err)
                self.assertIn(want, list_row(out, n), (state, ends, out))

    def test_missing_and_bad_names(self):
        code, out, err = ctl("info", "shmpc-ctltest-%d-nothing" % PID)
        self.assertEqual(code, 1)
        self.assertIn("no shmpc segment named 'shmpc-ctltest-%d-nothing'" % PID, err)
        code, out, err = ctl("rm", "shmpc-ctltest-%d-nothing" % PID)
        self.assertEqual(code, 1)
        self.assertIn("no shmpc segment named", err)
        code, out, err = ctl("watch", "shmpc-ctltest-%d-nothing" % PID, "--count", "1")
        self.assertEqual(code, 1)
        self.assertIn("no shmpc segment named", err)
        code, out, err = ctl("info", "a/b")
        self.assertEqual(code, 1)
        self.assertIn("not a segment name", err)
        code, out, err = ctl("frobnicate")
        self.assertEqual(code, 2)
        self.assertIn("usage:", err)

    def test_info_decodes_header_counters_and_peers(self):
        n = self.name("info")
        with shmpc.Ring.create(n, capacity=32, slot_size=48, mode=shmpc.MPMC, flags=shmpc.F_PRETOUCH) as p:
            for i in range(7):
                p.push(b"abc")
            dead = dead_peer(n, shmpc.CONSUMER)
            code, out, err = ctl("info", n)
            self.assertEqual(code, 0, err)
            fields = dict(re.findall(r"^  (\w+)\s+(.*)$", out, re.M))
            self.assertEqual(fields["magic"], "SHMPCv5")
            self.assertEqual(fields["version"], "5")
            self.assertTrue(fields["abi"].startswith("0x") and "32-bit indices" in fields["abi"], fields["abi"])
            self.assertEqual(fields["header_size"], "2560 (0xa00)")
            self.assertEqual(fields["capacity"], "32 slots")
            self.assertEqual(fields["slot_size"], "48 bytes (stride 56)")
            self.assertEqual(fields["mode"], "2 MPMC")
            self.assertEqual(fields["flags"], "0x4 pretouch")
            self.assertEqual(fields["total_size"], "%d bytes" % shmpc.footprint(32, 48))
            self.assertEqual(fields["fill"], "7/32 (21.9%)")
            self.assertTrue(fields["pushed"].startswith("7 "), fields["pushed"])
            self.assertTrue(fields["popped"].startswith("0 "), fields["popped"])
            self.assertEqual(fields["producers"], "1 attached")
            self.assertIn("2 registered: 1 live, 1 dead", fields["peers"])
            self.assertRegex(out, r"pid %d\s+producer\s+start \d+\s+live" % PID)
            self.assertRegex(out, r"pid %d\s+consumer\s+start \d+\s+dead" % dead)

    def test_info_shows_takeover_and_recover_hands_on_a_dead_consumers_slot(self):
        n = self.name("recover")
        with shmpc.Ring.create(n, capacity=4, slot_size=8, mode=shmpc.MPMC) as p:
            for i in range(4):
                p.push(b"m%d" % i)
            dead = dead_peer(n, shmpc.CONSUMER)  # attached, took nothing: its entry is reclaimable
            with shmpc.Ring.open(n, shmpc.CONSUMER, timeout=5) as c:  # takes its place
                self.assertEqual(c.pop(), b"m0")
                code, out, err = ctl("info", n)
                self.assertEqual(code, 0, err)
                self.assertRegex(out, r"recovery\s+takeovers 1, skipped 0, freed 0, redelivered 0, reclaimed 1")
                self.assertNotIn("pid %d " % dead, out)  # reclaimed: no longer listed
                code, out, err = ctl("recover", n)
                self.assertEqual(code, 0, err)
                self.assertIn("0 slots handed on", out)
        code, out, err = ctl("recover", "no/such")
        self.assertEqual(code, 1)

    def test_rm_refuses_live_peers_unless_forced(self):
        n = self.name("rmlive")
        prod = subprocess.Popen([os.path.join(BUILD, "producer"), "--name", n, "--capacity", "4",
                                 "--items", "1000", "--quiet"], stdout=subprocess.DEVNULL)
        try:
            deadline = time.time() + 10
            while time.time() < deadline:  # the producer blocks once the ring is full
                code, out, err = ctl("list")
                row = list_row(out, n)
                if row and row[4] == "4/4":
                    break
                time.sleep(0.05)
            self.assertEqual(row[-1], "1/0", out)
            code, out, err = ctl("rm", n)
            self.assertEqual(code, 1)
            self.assertIn("has 1 live peer (producer %d); not removed (use --force" % prod.pid, err)
            self.assertTrue(os.path.exists("/dev/shm/" + n))
            code, out, err = ctl("rm", "--force", n)
            self.assertEqual(code, 0, err)
            self.assertEqual(out.strip(), "removed " + n)
            self.assertFalse(os.path.exists("/dev/shm/" + n))
        finally:
            prod.kill()
            prod.wait()

    def test_rm_stale_removes_only_rings_whose_peers_are_dead(self):
        stale, live, waiting = self.name("stale"), self.name("live"), self.name("waiting")
        prod = subprocess.Popen([os.path.join(BUILD, "producer"), "--name", stale, "--capacity", "4",
                                 "--items", "1000", "--quiet"], stdout=subprocess.DEVNULL)
        with shmpc.Ring.create(live) as keep:
            with shmpc.Ring.create(waiting) as w:   # closed cleanly, messages wait for a consumer
                w.push(b"for later")
            deadline = time.time() + 10
            while time.time() < deadline and not (list_row(ctl("list")[1], stale) or ["0/0"])[-1] == "1/0":
                time.sleep(0.05)
            prod.kill()     # a crashed producer: its peer entry stays
            prod.wait()
            code, out, err = ctl("list")
            self.assertEqual(list_row(out, stale)[-2:], ["stale", "0/1"], out)
            self.assertEqual(list_row(out, waiting)[-2:], ["prod-closed", "0/0"], out)
            code, out, err = ctl("rm", "--stale", "--dry-run")
            self.assertEqual(code, 0, err)
            self.assertIn("would remove %s (1 dead peer)" % stale, out)
            self.assertTrue(os.path.exists("/dev/shm/" + stale))
            code, out, err = ctl("rm", "--stale")
            self.assertEqual(code, 0, err)
            self.assertIn("removed %s (1 dead peer)" % stale, out)
            self.assertFalse(os.path.exists("/dev/shm/" + stale))
            self.assertTrue(os.path.exists("/dev/shm/" + live))
            self.assertTrue(os.path.exists("/dev/shm/" + waiting))
            self.assertNotIn(live, out)
            self.assertNotIn(waiting, out)
            code, out, err = ctl("rm", live)   # our own handle is a live peer
            self.assertEqual(code, 1)
            self.assertIn("has 1 live peer (producer %d)" % PID, err)

    def test_a_busy_entry_under_a_live_worker_keeps_a_ring_from_being_stale(self):
        # A ring whose one registered peer died, and an entry busy (pid word bit 31) under a live
        # process, as while an attach registers or a reclaim frees: shmpc_peers does not report it,
        # yet the library counts it (shmpc__is_stale), and so does shmpcctl: not stale, not removed.
        # Once that worker is dead too, the ring is stale and rm --stale removes it.
        name = self.name("busy")
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                keep = shmpc.Ring.create(name, capacity=4, slot_size=8)  # the producer, killed
                os.write(w, b"1")
            finally:
                time.sleep(60)
                os._exit(0 if keep else 1)
        os.close(w)
        self.assertEqual(os.read(r, 1), b"1")
        os.close(r)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        path = "/dev/shm/" + name
        with open(path, "r+b") as f:
            f.seek(0x200)
            table = f.read(64 * 32)
            pids = [struct.unpack_from("=I", table, 32 * i)[0] for i in range(64)]
            self.assertEqual(sum(1 for p in pids if p), 1, pids)   # the dead producer's entry
            free = pids.index(0)
            f.seek(0x200 + 32 * free)
            f.write(struct.pack("=I", 0x80000000 | PID))           # busy: this (live) process at work
        code, out, err = ctl("list")
        self.assertNotEqual(list_row(out, name)[-2], "stale", out)
        code, out, err = ctl("rm", "--stale", "--dry-run")
        self.assertEqual(code, 0, err)
        self.assertNotIn(name, out)
        code, out, err = ctl("rm", "--stale")
        self.assertNotIn(name, out)
        self.assertTrue(os.path.exists(path))
        with open(path, "r+b") as f:
            f.seek(0x200 + 32 * free)
            f.write(struct.pack("=I", 0x80000000 | pid))           # busy under the dead producer
        code, out, err = ctl("list")
        self.assertEqual(list_row(out, name)[-2], "stale", out)
        code, out, err = ctl("rm", "--stale")
        self.assertEqual(code, 0, err)
        self.assertIn("removed %s (1 dead peer)" % name, out)
        self.assertFalse(os.path.exists(path))

    def test_watch_reports_fill_and_rates_until_interrupted(self):
        n = self.name("watch")
        with shmpc.Ring.create(n, capacity=4096, slot_size=8) as p:
            w = subprocess.Popen([CTL, "watch", n, "--interval", "0.2"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            t = time.monotonic()
            while time.monotonic() - t < 1.2:   # ~2000 pushes/s for 1.2 s
                for i in range(20):
                    p.push(b"12345678", timeout=0)
                time.sleep(0.01)
            w.send_signal(signal.SIGINT)        # Ctrl-C
            out, err = w.communicate(timeout=10)
        self.assertEqual(w.returncode, 0, err)
        self.assertIn("watching %s (SPSC, 4096 slots of 8 bytes)" % n, out)
        rows = [l.split() for l in out.splitlines() if re.match(r"^\s*\d+\.\d\s", l)]
        self.assertGreaterEqual(len(rows), 3, out)
        fills = [int(r[1].split("/")[0]) for r in rows]
        rates = [float(r[3]) for r in rows]
        self.assertEqual(fills, sorted(fills), out)     # only pushes: the fill level only grows
        self.assertGreater(fills[-1], fills[0], out)
        self.assertTrue(any(100 < x < 1e6 for x in rates), out)   # push/s measured
        self.assertTrue(all(float(r[4]) == 0 for r in rows), out)  # nobody pops

    def test_watch_count_and_removal(self):
        n = self.name("watchrm")
        with shmpc.Ring.create(n) as p:
            code, out, err = ctl("watch", n, "--interval", "0.05", "--count", "3")
            self.assertEqual(code, 0, err)
            self.assertEqual(len([l for l in out.splitlines() if re.match(r"^\s*\d+\.\d\s", l)]), 3, out)
            w = subprocess.Popen([CTL, "watch", n, "--interval", "0.1"], stdout=subprocess.PIPE, text=True)
            time.sleep(0.3)
            shmpc.unlink(n)
            out, _ = w.communicate(timeout=10)
            self.assertEqual(w.returncode, 0)
            self.assertIn("%s was removed" % n, out)

    def test_watch_stops_when_the_segment_is_truncated(self):
        n = self.name("watchtrunc")
        shmpc.Ring.create(n, capacity=64, slot_size=256).close()   # no handle of ours left to fault
        w = subprocess.Popen([CTL, "watch", n, "--interval", "0.1"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(0.3)
        os.truncate("/dev/shm/" + n, 0)   # another process shrinks it: a message, not SIGBUS
        out, err = w.communicate(timeout=10)
        self.assertEqual(w.returncode, 0, (out, err, w.returncode))
        self.assertIn("%s was truncated to 0 bytes" % n, out)

    def test_sysv_segments(self):
        key = 0x71000000 | (PID & 0xFFFFFF)
        name = "key:0x%08x" % key
        try:
            with shmpc.Ring.create_sysv(key, capacity=8, slot_size=16) as p:
                p.push(b"hi")
                code, out, err = ctl("list")
                row = list_row(out, name)
                self.assertIsNotNone(row, out)
                self.assertEqual(row[1:5], ["SPSC", "8", "16", "1/8"])
                code, out, err = ctl("info", name)
                self.assertEqual(code, 0, err)
                self.assertIn("SysV 0x%08x" % key, out)
                code, out, err = ctl("rm", name)
                self.assertEqual(code, 1)
            code, out, err = ctl("rm", name)
            self.assertEqual(code, 0, err)
            self.assertEqual(out.strip(), "removed " + name)
            code, out, err = ctl("info", name)
            self.assertEqual(code, 1)
            self.assertIn("no shmpc segment named", err)
        finally:
            try:
                shmpc.unlink_sysv(key)
            except shmpc.ShmpcError:
                pass


    def test_a_ring_of_the_other_byte_order_is_decoded_in_its_creators_order(self):
        other = self.name("swapped")
        with shmpc.Ring.create(other, capacity=4, slot_size=8):
            pass
        with open("/dev/shm/" + other, "r+b") as f:   # the header as the other byte order writes it
            head = bytearray(f.read(0x200))
            abi = struct.unpack_from("=I", head, 0x0C)[0]    # its ABI tag names the other order
            struct.pack_into("=I", head, 0x0C, abi & ~0xFF00 | (3 - (abi >> 8 & 0xFF)) << 8)
            for off in range(0x08, 0x200, 4):
                head[off:off + 4] = head[off:off + 4][::-1]
            for off in (0x28, 0x38):                 # 8-byte fields: the two words trade places too
                head[off:off + 8] = head[off + 4:off + 8] + head[off:off + 4]
            f.seek(0)
            f.write(head)
        mine = "little" if sys.byteorder == "little" else "big"
        theirs = "big" if mine == "little" else "little"
        code, out, err = ctl("info", other)
        self.assertEqual(code, 1)
        self.assertIn("written by a %s-endian machine, this one is %s-endian" % (theirs, mine), err)
        self.assertIn("another ABI", err)
        self.assertIn("%s-endian" % theirs, out)
        self.assertIn("capacity      4 slots", out)
        self.assertIn("slot_size     8 bytes (stride 16)", out)
        self.assertIn("total_size    %d bytes" % shmpc.footprint(4, 8), out)
        code, out, err = ctl("list")
        self.assertIn("written by a %s-endian machine" % theirs, " ".join(list_row(out, other)))
        with self.assertRaises(shmpc.ShmpcError) as e:
            shmpc.Ring.open(other)
        self.assertEqual(e.exception.code, -9)

if __name__ == "__main__":
    if not os.access(CTL, os.X_OK):
        sys.exit("test_shmpcctl: %s not built" % CTL)
    unittest.main()
