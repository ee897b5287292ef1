"""Shared fixtures for the end-to-end tests: the programs under test, a
fresh instance root per test, free loopback ports, and background servers
that are always stopped.  Each area keeps its own helpers beside its tests.
"""
import os
import signal
import socket
import subprocess
import time

import pytest

SRC = os.environ.get("HSMAIL_SRC") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("HSMAIL_BUILD") or os.path.join(SRC, "build")
BIN = os.path.join(BUILD, "bin")


def prog(name):
    """Absolute path of a built hsmail program."""
    p = os.path.join(BIN, name)
    if not os.path.exists(p):
        pytest.fail("program not built: %s" % p)
    return p


def build_fixed_layout(out, root, sources):
    """Compile a program (sources relative to src/) with root's qmail/,
    vpopmail/, statistic/ and log/ as its compiled-in layout: the copy a
    test installs set-uid, since a set-uid program ignores HSMAIL_ROOT as
    the installed one does."""
    libdirs = [os.path.join(SRC, "src", d) for d in ("lib", "libmail")]
    lib = [os.path.join(d, f) for d in libdirs for f in sorted(os.listdir(d))
           if f.endswith(".c") and not f.endswith("_test.c")]
    defs = ['-DHSMAIL_%s_DIR="%s/%s"' % (k, root, v) for k, v in
            (("QMAIL", "qmail"), ("VPOPMAIL", "vpopmail"),
             ("STATISTIC", "statistic"), ("LOG", "log"))]
    # the mail layer's MIME modules (src/libmail/mime*.c) are on GMime
    gmime = subprocess.run(["pkg-config", "--cflags", "--libs", "gmime-3.0"],
                           capture_output=True, text=True,
                           check=True).stdout.split()
    subprocess.run(["gcc", "-std=gnu11", "-D_GNU_SOURCE", "-O0", "-w",
                    "-I" + libdirs[0], "-I" + libdirs[1]] + defs +
                   ["-o", out] +
                   [os.path.join(SRC, "src", f) for f in sources] + lib +
                   ["-lcdb", "-lcrypt", "-lmd", "-lssl", "-lcrypto",
                    "-lresolv"] + gmime, check=True)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kill_until_gone(list_pids, tries=50):
    """SIGKILL every pid list_pids() returns, again and again (a killed
    supervisor's children may still start something), until it returns
    none or tries run out."""
    for _ in range(tries):
        left = list_pids()
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


def wait_port(port, host="127.0.0.1", timeout=10.0):
    """Wait until something accepts connections on host:port."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError("nothing listening on %s:%d" % (host, port))


class Instance:
    """An hsmail instance root (HSMAIL_ROOT) in a temporary directory."""

    def __init__(self, root):
        self.root = str(root)
        self.qmail = os.path.join(self.root, "qmail")
        self.vpopmail = os.path.join(self.root, "vpopmail")
        self.statistic = os.path.join(self.root, "statistic")
        self.log = os.path.join(self.root, "log")
        for d in ("qmail/control", "qmail/users", "qmail/bin",
                  "vpopmail/domains", "vpopmail/etc", "vpopmail/bin",
                  "statistic", "log"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        for name in os.listdir(BIN) if os.path.isdir(BIN) else []:
            for d in ("qmail/bin", "vpopmail/bin"):
                link = os.path.join(self.root, d, name)
                if not os.path.exists(link):
                    os.symlink(os.path.join(BIN, name), link)
        self.env = dict(os.environ)
        self.env["HSMAIL_ROOT"] = self.root
        self.env["PATH"] = BIN + ":" + os.environ.get("PATH", "/usr/bin:/bin")

    def control(self, name, text):
        """Write control/<name>."""
        with open(os.path.join(self.qmail, "control", name), "w") as f:
            f.write(text)

    def path(self, *parts):
        return os.path.join(self.root, *parts)


@pytest.fixture
def instance(tmp_path):
    return Instance(tmp_path / "root")


class Procs:
    """Background processes started by a test; all killed at teardown."""

    def __init__(self):
        self.procs = []

    def start(self, argv, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(argv, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, sig=15, timeout=10):
        if p.poll() is None:
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                p.wait()

    def stop_all(self):
        for p in reversed(self.procs):
            self.stop(p)


@pytest.fixture
def procs():
    ps = Procs()
    yield ps
    ps.stop_all()
