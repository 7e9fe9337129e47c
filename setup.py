"""The parts of the Python package that pyproject.toml cannot declare with setuptools < 74: the C
extension (python/_shmpc.c, with shmpc.h compiled in; only PyInit__shmpc exported) and where the
module and its type hints live in this tree. Used by `pip install .` and by `make install`."""
from setuptools import Extension, setup

setup(
    package_dir={"": "python"},
    py_modules=["shmpc"],
    packages=["shmpc-stubs"],
    package_data={"shmpc-stubs": ["__init__.pyi"]},
    ext_modules=[
        Extension(
            "_shmpc",
            sources=["python/_shmpc.c"],
            depends=["shmpc.h"],
            extra_compile_args=["-std=c11", "-fvisibility=hidden"],
            libraries=["pthread"],
        )
    ],
)
