# Type-checked by tests/tools/test_package.py: mypy must report exactly the three misuses below.
import shmpc
r = shmpc.Ring.open("x")
r.push("text")
s: str = r.pop()
r.try_pop().decode()
