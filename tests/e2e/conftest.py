"""Shared fixtures for the end-to-end tests: the programs under test, a
fresh instance root per test, free loopback ports, waits with a generous
deadline, and background servers that are always stopped.  Each area keeps
its own helpers beside its tests.

The tests run in parallel (pytest-xdist workers, see tests/run and
doc/INTERNALS.md): nothing here may be shared between two tests but the
built programs.  A test that cannot share the machine is marked serial.
"""
import itertools
import os
import random
import signal
import socket
import subprocess
import time

import pytest

SRC = os.environ.get("HSMAIL_SRC") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("HSMAIL_BUILD") or os.path.join(SRC, "build")
BIN = os.path.join(BUILD, "bin")
# The tcpserver the service tests run under: ours (with its fork server)
# unless HSMAIL_TEST_TCPSERVER names another (ucspi-tcp's /usr/bin/tcpserver).
TCPSERVER = os.environ.get("HSMAIL_TEST_TCPSERVER") or \
    os.path.join(BIN, "tcpserver")
# How long a wait waits before it fails: long enough for a machine busy
# with other builds and tests (a wait returns as soon as its condition
# holds, so a passing test is not slower for it).
WAIT = float(os.environ.get("HSMAIL_TEST_WAIT", "120"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "serial: the test cannot share the machine (a load "
        "test, a fixed port, global state, or it is timing-sensitive): "
        "tests/run runs it after the parallel part, with nothing else")


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
    # The MIME modules need GMime's headers and libraries, and no
    # program built this way uses them; the login front ends' two TLS
    # builds (tlsfront_*.c) define the same functions and are not part
    # of the libraries.
    lib = [os.path.join(d, f) for d in libdirs for f in sorted(os.listdir(d))
           if f.endswith(".c") and not f.endswith("_test.c") and
           f != "test.c" and not f.startswith(("mime", "tlsfront_"))]
    defs = ['-DHSMAIL_%s_DIR="%s/%s"' % (k, root, v) for k, v in
            (("QMAIL", "qmail"), ("VPOPMAIL", "vpopmail"),
             ("STATISTIC", "statistic"), ("LOG", "log"))]
    # The mail layer's MIME modules are built on GMime.
    gmime = subprocess.run(["pkg-config", "--cflags", "--libs",
                            "gmime-3.0"], capture_output=True,
                           text=True).stdout.split()
    subprocess.run(["gcc", "-std=gnu11", "-D_GNU_SOURCE", "-O0", "-w",
                    "-I" + libdirs[0], "-I" + libdirs[1]] + defs +
                   ["-o", out] +
                   [os.path.join(SRC, "src", f) for f in sources] + lib +
                   ["-lcdb", "-lcrypt", "-lmd", "-lssl", "-lcrypto",
                    "-lresolv", "-lopendkim", "-lpsl"] + gmime, check=True)


def _port_block():
    """This process's block of ports: below the kernel's ephemeral range
    (where connecting sockets take their local ports from, so a client
    elsewhere cannot hold the port a server is about to bind), one block
    per pytest-xdist worker (so two tests never pick the same port)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            top = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        top = 32768
    bottom = 10000
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    n = int(worker[2:]) + 1 if worker[2:].isdigit() else 0
    blocks = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0")) + 1
    size = (top - bottom) // max(blocks, n + 1)
    if size < 50:
        return None
    return range(bottom + n * size, bottom + (n + 1) * size)


def _bindable(port):
    """Nothing holds port, TCP or UDP, IPv4 or IPv6."""
    fams = [(socket.AF_INET, "0.0.0.0")]
    if socket.has_ipv6:
        fams.append((socket.AF_INET6, "::"))
    for fam, addr in fams:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            try:
                with socket.socket(fam, kind) as s:
                    if fam == socket.AF_INET6:
                        s.setsockopt(socket.IPPROTO_IPV6,
                                     socket.IPV6_V6ONLY, 1)
                    s.bind((addr, port))
            except OSError as e:
                if fam == socket.AF_INET6 and e.errno in (
                        97, 99):	# EAFNOSUPPORT, EADDRNOTAVAIL: no IPv6
                    continue
                return False
    return True


_ports = None


def _next_ports():
    """This process's ports, one after the other, from a random place of
    its block (another run in the same network namespace starts
    elsewhere); an empty list when there is no room for blocks."""
    block = _port_block()
    if block is None:
        return []
    start = random.randrange(len(block))
    return itertools.cycle(list(block[start:]) + list(block[:start]))


def free_port():
    """A TCP (and UDP) port on loopback that nothing uses right now and
    no other test of this run will be given."""
    global _ports
    if _ports is None:
        _ports = _next_ports()
    block = _port_block()
    for _ in range(len(block) if block else 0):
        p = next(_ports)
        if _bindable(p):
            return p
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


def wait_for(cond, timeout=None, what=None, interval=0.05):
    """Poll cond() until it returns something true, and return that; fail
    when it has not after timeout seconds (WAIT by default)."""
    end = time.time() + (WAIT if timeout is None else timeout)
    while True:
        v = cond()
        if v:
            return v
        if time.time() > end:
            raise AssertionError("waited %ds in vain for %s" % (
                WAIT if timeout is None else timeout,
                what or getattr(cond, "__name__", "a condition")))
        time.sleep(interval)


def wait_port(port, host="127.0.0.1", timeout=None):
    """Wait until something accepts connections on host:port."""
    end = time.time() + (WAIT if timeout is None else timeout)
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


# Signal dispositions as init gives them: make test may run with some
# signals ignored (nohup ignores HUP, a background job of a script INT and
# QUIT), and an ignored signal stays ignored across exec (a shell cannot
# even trap it).  env(1) resets them all between fork and exec.
DEFAULT_SIGNALS = ["/usr/bin/env", "--default-signal"]


class Procs:
    """Background processes started by a test, in sessions of their own
    and with every signal at its default; all killed at teardown."""

    def __init__(self):
        self.procs = []

    def start(self, argv, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(DEFAULT_SIGNALS + list(argv),
                             start_new_session=True, **kw)
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
