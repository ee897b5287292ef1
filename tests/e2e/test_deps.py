"""The package lists: `make run` installs only what the running stack
needs (never a test or benchmark peer), `make test` and `make bench` what
they need besides, and `make` on a machine that lacks a build package says
to run `make deps` instead of failing on a missing header."""
import os
import shutil
import subprocess

from conftest import SRC

PEERS = {"postfix", "dovecot-core", "dovecot-pop3d", "postgresql",
         "unbound", "clang", "python3-pytest", "swaks", "fetchmail",
         "libcmocka-dev"}


def listed(what, src=SRC):
    r = subprocess.run([os.path.join(src, "scripts", "deps"), "list",
                        what], capture_output=True, text=True, check=True)
    return set(r.stdout.split())


def test_run_needs_no_peer():
    run = listed("run")
    assert run and not (run & PEERS), run & PEERS
    assert {"gcc", "make", "libcdb-dev", "libssl-dev"} <= run
    # What make builds besides (the unit tests), then the tests' peers.
    assert run < listed("build") < listed("test")
    assert "libcmocka-dev" in listed("build")
    assert {"postfix", "unbound", "postgresql"} <= listed("test")
    # make bench builds the programs only and runs Python benchmarks.
    bench = listed("bench")
    assert run < bench and "libcmocka-dev" not in bench
    assert {"postfix", "dovecot-core", "python3"} <= bench


def test_make_says_make_deps_first(tmp_path):
    """A copy of the build files with one more package that no machine
    has: `make` stops at once and names it; `make progs` checks only what
    the programs need."""
    d = tmp_path / "src"
    d.mkdir()
    shutil.copy(os.path.join(SRC, "Makefile"), d)
    shutil.copytree(os.path.join(SRC, "scripts"), d / "scripts")
    shutil.copytree(os.path.join(SRC, "deps"), d / "deps")
    (d / "deps" / "zz.build.apt").write_text("hsmail-no-such-package\n")
    # As typed at a shell (make test runs this test inside a make).
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    r = subprocess.run(["make", "-C", str(d)], capture_output=True,
                       text=True, timeout=120, env=env)
    assert r.returncode != 0
    assert "missing packages: hsmail-no-such-package" in r.stderr
    assert "run `make deps` first" in r.stderr
    assert "No such file" not in r.stderr and ".h:" not in r.stderr
    r = subprocess.run(["make", "-C", str(d), "-n", "progs"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert "hsmail-no-such-package" not in r.stderr, r.stderr
    (d / "deps" / "zz.apt").write_text("hsmail-no-such-package\n")
    r = subprocess.run(["make", "-C", str(d), "-n", "progs"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode != 0 and "hsmail-no-such-package" in r.stderr
    assert "hsmail-no-such-package" in listed("run", str(d))


def test_programs_build_without_test_packages():
    """make run on a fresh box builds the programs with the run packages
    only: no program source or library module includes cmocka (the unit
    tests' helpers are linked into the tests alone)."""
    from conftest import BUILD
    bad = []
    for top, _, files in os.walk(os.path.join(SRC, "src")):
        for f in files:
            if not f.endswith(".c") or f.endswith("_test.c") or \
               (f == "test.c" and top.endswith("lib")):
                continue
            with open(os.path.join(top, f), errors="replace") as fh:
                text = fh.read()
            if "cmocka.h" in text or '"test.h"' in text:
                bad.append(os.path.join(top, f))
    assert not bad
    lib = os.path.join(BUILD, "libhsmail.a")
    if os.path.exists(lib):
        r = subprocess.run(["ar", "t", lib], capture_output=True,
                           text=True, check=True)
        assert "test.o" not in r.stdout.split()
