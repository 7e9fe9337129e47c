# Tools, the shared library, the Python module, the remaining examples, install/uninstall.
#   make tools        build/shmpcctl, build/libshmpc.so, build/shmpc.pc, the Python extension
#                     build/_shmpc<EXT_SUFFIX> (python/_shmpc.c, for python/shmpc.py) and the examples below
#   make tools-test   shmpcctl end to end, the Python unittest (with C <-> Python across processes),
#                     the memory-options test, a smoke run of every example below
#   make bench-python Python module throughput beside a pipe used from Python
#   make install / make uninstall   PREFIX=/usr/local DESTDIR=
PYTHON      ?= python3
PYVER       := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
# The Python extension is built for $(PYTHON) as build/_shmpc<its EXT_SUFFIX>; the stamp stands for
# it in make's rules, so that make needs no Python before the recipe has installed one.
PYEXT       := $(BUILD)/_shmpc.stamp
PYQUERY      = $(PYTHON) -c 'import sysconfig as s; print(s.get_config_var("EXT_SUFFIX"), s.get_paths()["include"])'
PYTHONDIR   ?= $(PREFIX)/lib/python$(PYVER)/dist-packages
LIBDIR      ?= $(PREFIX)/lib
TOOL_EXAMPLES := large_blocks request_response sysv_demo
TOOL_BINS   := $(BUILD)/shmpcctl $(BUILD)/libshmpc.so $(PYEXT) $(BUILD)/shmpc.pc $(TOOL_EXAMPLES:%=$(BUILD)/%) $(BUILD)/memopts_test
VERSION_STR := 1.0

ALL_STEPS  += tools
TOOLS_PKGS := python3 python3-dev pkg-config python3-pip python3-setuptools python3-wheel cmake mandoc python3-mypy
TEST_LAST += tools-test
TEST_LAST_NEED += $(TOOLS_PKGS)
HELP_LINES += "  make tools      build shmpcctl, libshmpc.so, the Python extension _shmpc, shmpc.pc, large_blocks, request_response, sysv_demo" \
              "  make tools-test shmpcctl end to end, Python unittest (C <-> Python), memory options, example smoke runs," \
              "                  install, the pip package, CMake (find_package, add_subdirectory, FetchContent), man pages" \
              "  make bench-python  Python module throughput against a pipe used from Python; zero-copy against copy, 1-8 MiB" \
              "  make install     install shmpc.h, shmpc.hpp, libshmpc.so, shmpcctl, shmpc.pc, the CMake package, man pages," \
              "                   and the Python package through pip (PREFIX=$(PREFIX) DESTDIR=)" \
              "  make uninstall   remove what make install put there"

.PHONY: tools tools-deps tools-test tools-e2e python-test memopts-test examples-smoke install-test bench-python install uninstall \
        package-test cmake-test man-test

tools: $(TOOL_BINS)

$(BUILD)/shmpcctl: tools/shmpcctl.c shmpc.h | $(BUILD)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $< -o $@ $(LDLIBS)

$(BUILD)/libshmpc.so: tools/libshmpc.c shmpc.h | $(BUILD)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) -fPIC -shared $< -o $@ $(LDLIBS)

# The Python extension: shmpc.h compiled into it (SHMPC_STATIC), only PyInit__shmpc exported.
# Needs $(PYTHON) and its headers (Debian: python3, python3-dev, installed through mk/need.sh).
$(PYEXT): python/_shmpc.c shmpc.h | $(BUILD)/.dir
	$(Q)$(NEED) python3 python3-dev
	$(Q)set -- $$($(PYQUERY)) && [ -f "$$2/Python.h" ] || \
	  { echo "shmpc: no Python.h for $(PYTHON): install the headers of that Python" >&2; exit 1; }; \
	  $(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) -fPIC -shared -fvisibility=hidden -I"$$2" $< -o $(BUILD)/_shmpc$$1 $(LDLIBS) && \
	  touch $@

$(BUILD)/memopts_test: tests/tools/memopts_test.c shmpc.h | $(BUILD)/.dir
	$(Q)$(CC) $(CSTD) $(WARN) $(OPT) $(CFLAGS) $< -o $@ $(LDLIBS)

$(BUILD)/shmpc.pc: tools/shmpc.pc.in | $(BUILD)/.dir
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@VERSION@|$(VERSION_STR)|g' $< > $@

# The remaining examples use the pattern rule of mk/examples.mk ($(BUILD)/%: examples/%.c).

tools-deps:
	$(Q)$(NEED) $(TOOLS_PKGS)

tools-test: tools-deps
	@$(MAKE) --no-print-directory tools-e2e python-test memopts-test examples-smoke install-test package-test \
	    cmake-test man-test

tools-e2e: $(BUILD)/shmpcctl $(PYEXT) $(BUILD)/producer $(BUILD)/consumer
	@echo "-- shmpcctl end to end (tests/tools/test_shmpcctl.py)"
	@$(PYTHON) tests/tools/test_shmpcctl.py $(if $(filter 1,$(V)),-v,)

python-test: $(PYEXT) $(BUILD)/producer $(BUILD)/consumer
	@echo "-- Python module (python/test_shmpc.py, python/test_zerocopy.py)"
	@cd python && SHMPC_BUILD=../$(BUILD) $(PYTHON) -m unittest $(if $(filter 1,$(V)),-v,) test_shmpc test_zerocopy

memopts-test: $(BUILD)/memopts_test
	@echo "-- memory options (tests/tools/memopts_test.c)"
	@$(BUILD)/memopts_test

install-test: $(BUILD)/shmpcctl $(BUILD)/libshmpc.so $(PYEXT)
	@echo "-- make install / uninstall into a scratch PREFIX (tests/tools/install_test.sh)"
	@CC="$(CC)" MAKE="$(MAKE)" sh tests/tools/install_test.sh

package-test:
	@echo "-- the Python package through pip, offline (tests/tools/test_package.py)"
	@py=$$($(PYPKG_FIND)) && $(PYTHON) tests/tools/test_package.py $(BUILD) $$py

cmake-test: $(BUILD)/shmpcctl $(BUILD)/libshmpc.so
	@echo "-- CMake: find_package, add_subdirectory, FetchContent (tests/tools/cmake_test.sh)"
	@MAKE="$(MAKE)" sh tests/tools/cmake_test.sh $(BUILD)

man-test:
	@echo "-- man pages (tests/tools/man_test.sh)"
	@sh tests/tools/man_test.sh $(MAN_LINKS)

examples-smoke: $(TOOL_EXAMPLES:%=$(BUILD)/%) $(BUILD)/producer $(BUILD)/epoll_server $(PYEXT) $(BUILD)/shmpcctl
	@echo "-- examples smoke runs (tests/tools/examples_smoke.sh)"
	@sh tests/tools/examples_smoke.sh $(BUILD)

# make bench / bench-quick (mk/bench.mk) also run this, writing bench/results/python.{csv,md}
# beside the C figures: the Python module against a pipe used from Python, same machine, same run.
bench-python: $(PYEXT)
	@$(PYTHON) python/bench_shmpc.py --out bench/results $(BENCH_PY_ARGS)
	@$(PYTHON) python/bench_zerocopy.py --out bench/results $(BENCH_ZC_ARGS)
bench: bench-python
bench-quick: BENCH_PY_ARGS = --reps 1 --count 100000
bench-quick: BENCH_ZC_ARGS = --reps 30
bench-quick: bench-python

# make install: install-c (headers, library, tool, pkg-config, CMake package, man pages) and
# install-python (the package of pyproject.toml, built and installed by pip, offline).
MANDIR      ?= $(PREFIX)/share/man
CMAKEDIR    ?= $(LIBDIR)/cmake/shmpc
# The man page of every public function: a link to shmpc.3 (the names come from the header).
MAN_LINKS    = $(shell tr '\050' ' ' < shmpc.h | awk '$$1 == "SHMPC_API" { for (i = 2; i <= NF; i++) \
                 if ($$i ~ /^[*]*shmpc_/) { sub(/^[*]+/, "", $$i); print $$i; break } }' | sort -u)
# pip needs setuptools and wheel beside the Python it installs for: $(PYTHON) if it has them, else
# Debian's /usr/bin/python3 (python3-pip, python3-setuptools, python3-wheel; same extension ABI
# when it is the same Python version).
PYPKG_FIND   = for p in $(PYTHON) /usr/bin/python3; do $$p -c 'import setuptools, wheel, pip' 2>/dev/null && { echo $$p; exit 0; }; done; \
               echo "shmpc: no Python with pip, setuptools and wheel (Debian: python3-pip python3-setuptools python3-wheel)" >&2; exit 1
PIP_INSTALL  = -m pip install --no-build-isolation --no-index --no-deps --no-compile --disable-pip-version-check -q

.PHONY: install-c install-python uninstall-c uninstall-python package-deps
install: install-c install-python
uninstall: uninstall-c uninstall-python

install-c: $(BUILD)/shmpcctl $(BUILD)/libshmpc.so
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 644 shmpc.h shmpc.hpp $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(BUILD)/libshmpc.so $(DESTDIR)$(LIBDIR)/libshmpc.so
	install -m 755 $(BUILD)/shmpcctl $(DESTDIR)$(PREFIX)/bin/shmpcctl
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@VERSION@|$(VERSION_STR)|g' tools/shmpc.pc.in \
	    > $(DESTDIR)$(LIBDIR)/pkgconfig/shmpc.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/shmpc.pc
	rel=$$(realpath -m --relative-to=$(CMAKEDIR) $(PREFIX)/include) && \
	  sed -e "s|@INCLUDE_FROM_HERE@|$$rel|" cmake/shmpcConfig.cmake.in > $(DESTDIR)$(CMAKEDIR)/shmpcConfig.cmake
	sed -e 's|@VERSION@|$(VERSION_STR)|g' cmake/shmpcConfigVersion.cmake.in > $(DESTDIR)$(CMAKEDIR)/shmpcConfigVersion.cmake
	chmod 644 $(DESTDIR)$(CMAKEDIR)/shmpcConfig.cmake $(DESTDIR)$(CMAKEDIR)/shmpcConfigVersion.cmake
	install -m 644 man/shmpcctl.1 $(DESTDIR)$(MANDIR)/man1/shmpcctl.1
	install -m 644 man/shmpc.3 $(DESTDIR)$(MANDIR)/man3/shmpc.3
	for f in $(MAN_LINKS); do ln -sf shmpc.3 $(DESTDIR)$(MANDIR)/man3/$$f.3; done

package-deps:
	$(Q)$(NEED) python3 python3-dev python3-pip python3-setuptools python3-wheel

# The same path as `pip install .`: pip builds the extension from pyproject.toml and setup.py and
# installs shmpc.py, _shmpc and the type hints (shmpc-stubs) into PYTHONDIR.
install-python: package-deps
	py=$$($(PYPKG_FIND)) && $$py $(PIP_INSTALL) --upgrade --target $(DESTDIR)$(PYTHONDIR) .

uninstall-c:
	rm -f $(DESTDIR)$(PREFIX)/include/shmpc.h $(DESTDIR)$(PREFIX)/include/shmpc.hpp $(DESTDIR)$(LIBDIR)/libshmpc.so \
	      $(DESTDIR)$(PREFIX)/bin/shmpcctl $(DESTDIR)$(LIBDIR)/pkgconfig/shmpc.pc \
	      $(DESTDIR)$(CMAKEDIR)/shmpcConfig.cmake $(DESTDIR)$(CMAKEDIR)/shmpcConfigVersion.cmake \
	      $(DESTDIR)$(MANDIR)/man1/shmpcctl.1 $(DESTDIR)$(MANDIR)/man3/shmpc.3 $(MAN_LINKS:%=$(DESTDIR)$(MANDIR)/man3/%.3)
	-rmdir $(DESTDIR)$(CMAKEDIR) 2>/dev/null
uninstall-python:
	rm -f $(DESTDIR)$(PYTHONDIR)/shmpc.py $(DESTDIR)$(PYTHONDIR)/_shmpc.*.so
	rm -rf $(DESTDIR)$(PYTHONDIR)/shmpc-stubs $(DESTDIR)$(PYTHONDIR)/shmpc-*.dist-info \
	       $(DESTDIR)$(PYTHONDIR)/__pycache__/shmpc.*.pyc
