#!/usr/bin/env python3
"""py_reader: a Python consumer of the C producer (examples/producer.c).

    ./build/producer --name demo --capacity 64 --items 1000 --quiet &
    python3 examples/py_reader.py --name demo --wait 10

Reads the 4-byte items (int32, this machine's byte order) until the producer closes the ring
(end of stream), prints each one unless --quiet, then a line like the C consumer's:
"py_reader: N items, sum S". Exit status 1 if --items was given and the count differs.
Finds shmpc.py in ../python (a source tree) or wherever `make install` put it.
"""
import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import shmpc  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--name", default="shmpc-demo", help="ring name (default shmpc-demo)")
    ap.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the ring to appear")
    ap.add_argument("--items", type=int, default=None, help="expected item count (checked)")
    ap.add_argument("--quiet", action="store_true", help="no line per item")
    ap.add_argument("--unlink", action="store_true", help="remove the ring at the end")
    a = ap.parse_args()
    try:
        ring = shmpc.Ring.open(a.name, shmpc.CONSUMER, timeout=a.wait)
    except shmpc.NotFound:
        print("py_reader: no ring %r (start the producer, or give --wait SECONDS)" % a.name, file=sys.stderr)
        return 1
    except shmpc.ShmpcError as e:
        print("py_reader: %s" % e, file=sys.stderr)
        return 1
    count = total = 0
    item = struct.Struct("=i")
    with ring:
        for msg in ring:                 # pops until the producer closed and everything is drained
            (v,) = item.unpack(msg)
            if not a.quiet:
                print("consumed item %d: %d" % (count, v))
            count += 1
            total += v
    if a.unlink:
        shmpc.unlink(a.name)
    print("py_reader: %d items, sum %d" % (count, total))
    if a.items is not None and count != a.items:
        print("py_reader: got %d items, expected %d" % (count, a.items), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
