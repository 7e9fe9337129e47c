# Type-checked by tests/tools/test_package.py against the installed stubs: mypy --strict finds nothing.
import struct
import shmpc

with shmpc.Ring.create("x", capacity=4, slot_size=64) as r:
    r.push(b"abc", timeout=0.5)
    with r.reserve(8) as v:
        struct.pack_into("<Q", v, 0, 1)
    n: int = r.push_many([b"a", bytearray(b"b")])
with shmpc.Ring.open("x", shmpc.CONSUMER, timeout=1) as c:
    m: bytes = c.pop()
    with c.peek() as v:
        total: int = sum(v)
    maybe = c.try_pop()
    if maybe is not None:
        print(maybe.decode())
    for msg in c:
        print(len(msg))
try:
    shmpc.unlink("x")
except shmpc.NotFound as e:
    print(e.code, e.name)


async def serve(c: shmpc.Ring, p: shmpc.Ring) -> int:
    fd: int = c.fileno()
    c.arm()
    first: bytes = await c.pop_async()
    await p.push_async(first)
    async for msg in c:
        fd += len(msg)
    return fd
