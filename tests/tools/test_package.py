"""The Python package as pip builds it (pyproject.toml, setup.py): installed offline into a scratch
directory, imported away from the source tree, and its type hints (shmpc-stubs) checked against
the module. Run by make tools-test: python3 tests/tools/test_package.py BUILD_DIR PIP_PYTHON."""
import ast
import os
import shutil
import subprocess
import sys
import unittest

BUILD, PIP_PYTHON = os.path.abspath(sys.argv[1]), sys.argv[2]
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(BUILD, "package-test", "site")


def run_python(code):
    env = dict(os.environ, PYTHONPATH=SITE)
    return subprocess.run([PIP_PYTHON, "-c", code], cwd="/", env=env, capture_output=True, text=True, timeout=60)


class TestPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shutil.rmtree(os.path.dirname(SITE), ignore_errors=True)
        out = subprocess.run([PIP_PYTHON, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--no-deps",
                              "--disable-pip-version-check", "-q", "--target", SITE, TOP],
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise AssertionError("pip install failed:\n" + out.stdout + out.stderr)

    def test_installed_files(self):
        names = sorted(os.listdir(SITE))
        self.assertIn("shmpc.py", names)
        self.assertTrue(any(n.startswith("_shmpc.") and n.endswith(".so") for n in names), names)
        self.assertIn("shmpc-1.0.dist-info", names)
        self.assertTrue(os.path.isfile(os.path.join(SITE, "shmpc-stubs", "__init__.pyi")))

    def test_imports_and_moves_messages_zero_copy(self):
        out = run_python(
            "import os, struct, shmpc\n"
            "print(shmpc.library_path)\n"
            "n = 'shmpc-package-test-%d' % os.getpid()\n"
            "with shmpc.Ring.create(n, capacity=4, slot_size=16) as p, shmpc.Ring.open(n) as c:\n"
            "    shmpc.unlink(n)\n"
            "    with p.reserve(8) as v: struct.pack_into('<Q', v, 0, 1234567)\n"
            "    with c.peek(timeout=1) as v: print(struct.unpack_from('<Q', v)[0])\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.split()
        self.assertTrue(lines[0].startswith(SITE + "/_shmpc."), lines)
        self.assertEqual(lines[1], "1234567")

    def test_stubs_cover_the_module(self):
        with open(os.path.join(SITE, "shmpc-stubs", "__init__.pyi")) as f:
            tree = ast.parse(f.read())
        top, ring = set(), set()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                top.add(node.name)
            elif isinstance(node, ast.AnnAssign):
                top.add(node.target.id)
            if isinstance(node, ast.ClassDef) and node.name == "Ring":
                ring = {n.name if not isinstance(n, ast.AnnAssign) else n.target.id
                        for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.AnnAssign))}
        out = run_python("import shmpc\nprint(' '.join(shmpc.__all__))\n"
                         "print(' '.join(m for m in dir(shmpc.Ring) if not m.startswith('_')))")
        self.assertEqual(out.returncode, 0, out.stderr)
        public, methods = out.stdout.split("\n")[:2]
        self.assertEqual(sorted(set(public.split()) - top), [], "public names missing from the stubs")
        self.assertEqual(sorted(set(methods.split()) - ring), [], "Ring methods missing from the stubs")

    def test_type_hints_with_mypy(self):
        if subprocess.run([PIP_PYTHON, "-c", "import mypy"], capture_output=True).returncode != 0:
            self.skipTest("mypy not installed for %s (Debian: python3-mypy)" % PIP_PYTHON)
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "typing")
        env = dict(os.environ, PYTHONPATH=SITE, MYPY_CACHE_DIR=os.path.join(BUILD, "package-test", "mypy-cache"))
        mypy = [PIP_PYTHON, "-m", "mypy", "--no-incremental", "--python-executable", PIP_PYTHON]
        good = subprocess.run(mypy + ["--strict", os.path.join(here, "good.py")], env=env, capture_output=True, text=True)
        self.assertEqual(good.returncode, 0, good.stdout + good.stderr)
        bad = subprocess.run(mypy + [os.path.join(here, "bad.py")], env=env, capture_output=True, text=True)
        lines = sorted(int(l.split(":")[1]) for l in bad.stdout.splitlines() if ": error:" in l)
        self.assertEqual(lines, [4, 5, 6], bad.stdout)  # str pushed, pop() as str, try_pop() maybe None


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
