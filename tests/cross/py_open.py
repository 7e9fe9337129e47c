"""py_open.py NAME same|other: the Python module on a ring written by another machine (make cross).
same: reads the image tool's messages; other: expects a refusal with SHMPC_EABI (other byte order)."""
import sys

import shmpc

name, rel = sys.argv[1], sys.argv[2]
try:
    ring = shmpc.Ring.open(name, role=shmpc.CONSUMER)
except shmpc.ShmpcError as e:
    print("python: %s" % e)
    sys.exit(0 if rel == "other" and e.code == -9 else 1)
if rel == "other":
    print("python: opened a ring of the other byte order")
    sys.exit(1)
msgs = [bytes(ring.try_pop()) for _ in range(5)]
ring.close()
ok = all(m.startswith(b"message %d of 5" % k) for k, m in enumerate(msgs))
print("python: %d messages read%s" % (len(msgs), "" if ok else ", WRONG CONTENT"))
sys.exit(0 if ok else 1)
