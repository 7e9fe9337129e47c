#!/usr/bin/env python3
"""asyncio_consumer: one asyncio loop consumes a ring (from the C producer) and serves a socket.

    ./build/producer --name demo --capacity 64 --items 100000 --quiet &
    python3 examples/asyncio_consumer.py --name demo --wait 10 --port 0

The ring is awaited through its descriptor (Ring.fileno(), shmpc_fd): `async for msg in ring`
never blocks the loop, so the same thread answers TCP clients on 127.0.0.1:PORT (or a UNIX socket
with --unix PATH) with a line "items N sum S" of what it consumed so far. With --probe it also
queries its own server every few milliseconds while it consumes, to show both being served.
At the end of the stream it prints "asyncio_consumer: N items, sum S[, K queries answered while
consuming]". Exit status 1 if --items was given and the count differs.
"""
import argparse
import asyncio
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import shmpc  # noqa: E402


class Stats:
    def __init__(self):
        self.count = 0
        self.total = 0
        self.done = False


async def serve(stats, reader, writer):
    await reader.readline()                       # one request line, any content
    writer.write(b"items %d sum %d\n" % (stats.count, stats.total))
    await writer.drain()
    writer.close()


async def consume(ring, stats):
    item = struct.Struct("=i")
    async for msg in ring:                        # waits on ring.fileno() in this loop
        (v,) = item.unpack(msg)
        stats.count += 1
        stats.total += v
    stats.done = True


async def probe(connect, stats):
    answered = 0
    while not stats.done:
        reader, writer = await connect()
        writer.write(b"status\n")
        line = await reader.readline()
        writer.close()
        if line.startswith(b"items ") and not stats.done:
            answered += 1
        await asyncio.sleep(0.005)
    return answered


async def run(a):
    stats = Stats()
    ring = shmpc.Ring.open(a.name, shmpc.CONSUMER, timeout=a.wait)
    handler = lambda r, w: serve(stats, r, w)   # noqa: E731
    if a.unix:
        server = await asyncio.start_unix_server(handler, path=a.unix)
        connect = lambda: asyncio.open_unix_connection(a.unix)   # noqa: E731
        where = a.unix
    else:
        server = await asyncio.start_server(handler, "127.0.0.1", a.port)
        port = server.sockets[0].getsockname()[1]
        connect = lambda: asyncio.open_connection("127.0.0.1", port)   # noqa: E731
        where = "127.0.0.1:%d" % port
    if not a.quiet:
        print("asyncio_consumer: serving %s" % where, flush=True)
    with ring:
        tasks = [asyncio.ensure_future(consume(ring, stats))]
        if a.probe:
            tasks.append(asyncio.ensure_future(probe(connect, stats)))
        results = await asyncio.gather(*tasks)
    server.close()
    await server.wait_closed()
    if a.unix:
        os.unlink(a.unix)
    if a.unlink:
        shmpc.unlink(a.name)
    return stats, (results[1] if a.probe else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--name", default="shmpc-demo", help="ring name (default shmpc-demo)")
    ap.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the ring to appear")
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free one)")
    ap.add_argument("--unix", default=None, help="serve a UNIX socket at this path instead")
    ap.add_argument("--probe", action="store_true", help="query the own server while consuming")
    ap.add_argument("--items", type=int, default=None, help="expected item count (checked)")
    ap.add_argument("--quiet", action="store_true", help="only the final line")
    ap.add_argument("--unlink", action="store_true", help="remove the ring at the end")
    a = ap.parse_args()
    try:
        stats, answered = asyncio.run(run(a))
    except shmpc.ShmpcError as e:
        print("asyncio_consumer: %s" % e, file=sys.stderr)
        return 1
    line = "asyncio_consumer: %d items, sum %d" % (stats.count, stats.total)
    if answered is not None:
        line += ", %d queries answered while consuming" % answered
    print(line)
    if a.items is not None and stats.count != a.items:
        print("asyncio_consumer: got %d items, expected %d" % (stats.count, a.items), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
