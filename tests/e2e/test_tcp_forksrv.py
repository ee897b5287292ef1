"""tcpserver's fork server end to end: with a program of hsmail's
(bench-tcpprobe, qmail-smtpd, qmail-popup) tcpserver keeps a copy of it
and each session is forked from that copy.  What a session sees is what
an exec'd program sees; the copy is replaced (new stack canary, new
address-space layout) after TCPSERVER_MAXUSE sessions and after a session
dies by a signal; a program that is not hsmail's, or stops being, is
exec'd as before; a copy that dies costs no connection."""
import os
import re
import shutil
import signal
import socket
import struct
import time

import pytest

from conftest import prog
from tcputil import DEBIAN_TCPSERVER, Server, read_all, tcprules

QUICK = ["-H", "-R", "-l", "mx.test"]


def crash_env(env=None):
    """An environment in which a sanitizer build dies of a SIGSEGV as a
    normal build does, instead of reporting it and exiting 1."""
    e = dict(env or os.environ)
    if e.get("ASAN_OPTIONS"):
        e["ASAN_OPTIONS"] += ":handle_segv=0"
    return e


def report(srv, hold=False):
    """A bench-tcpprobe session's report as a dict of lists; with hold the
    session is left waiting: (dict, socket)."""
    s = srv.connect()
    data = b""
    while not data.endswith(b"\n") or b"\nlayout " not in data:
        b = s.recv(65536)
        if not b:
            break
        data += b
    if not hold:
        s.shutdown(socket.SHUT_WR)
        data += read_all(s)
        s.close()
    rep = {}
    for line in data.decode("latin-1").splitlines():
        k, _, v = line.replace("\t", " ").partition(" ")
        rep.setdefault(k.rstrip(":"), []).append(v.strip())
    return (rep, s) if hold else rep


def same_session_view(a, b):
    """The parts of two reports that must not differ between sessions:
    everything but the pid, the client's port, canary and layout."""
    def norm(r):
        out = dict(r)
        for k in ("pid", "ppid", "canary", "layout"):
            out.pop(k, None)
        out["env"] = [e for e in r.get("env", [])
                      if not e.startswith(("TCPREMOTEPORT=",
                                           "TCPSERVER_NOFORKSRV=",
                                           "TCPLOCALPORT="))]
        out["fd"] = [f for f in r.get("fd", []) if not f.startswith("2 ")]
        return out
    return norm(a) == norm(b), norm(a), norm(b)


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(x) for x in f.read().split()]


def copies(srv):
    """tcpserver's children that are fork-server copies (no connection on
    fd 0)."""
    out = []
    for c in children(srv.p.pid):
        try:
            if os.readlink("/proc/%d/fd/0" % c) == "/dev/null":
                out.append(c)
        except OSError:
            pass
    return out


def waiting(pid):
    """True when pid sits in recvmsg(2): a copy ready for connections."""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            return f.read().split()[0] == "47"     # x86-64 recvmsg
    except (OSError, IndexError):
        return False


def wait_copy(srv, timeout=30):
    """The pid of the copy once there is exactly one, ready."""
    end = time.time() + timeout
    while time.time() < end:
        c = copies(srv)
        if len(c) == 1 and waiting(c[0]):
            return c[0]
        time.sleep(0.02)
    raise AssertionError("no fork-server copy: %s" % srv.logtext())


def forked_pair(srv, timeout=30):
    """Sessions until two in a row come from one copy (same canary):
    that canary and layout."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        r = report(srv)
        if last is not None and r["canary"] == last["canary"]:
            return r["canary"][0], r["layout"][0]
        last = r
        time.sleep(0.05)
    raise AssertionError("no two sessions from one copy")


def test_session_sees_what_an_exec_sees(procs, tmp_path):
    cdb = str(tmp_path / "r.cdb")
    tcprules(cdb, '127.0.0.1:allow,RELAYCLIENT="",GREETING="a b"\n')
    opts = QUICK + ["-v", "-x", cdb]
    srv = Server(procs, opts, [prog("bench-tcpprobe"), "-i"],
                 logdir=str(tmp_path))
    wait_copy(srv)
    one, two = report(srv), report(srv)
    # Forked from one copy: same canary and layout, tcpserver the parent,
    # and the copy is not counted or logged as a session.
    assert one["canary"] == two["canary"]
    assert one["layout"] == two["layout"]
    assert one["ppid"] == [str(srv.p.pid)]
    assert "RELAYCLIENT=" in one["env"] and "GREETING=a b" in one["env"]
    assert "PROTO=TCP" in one["env"]
    assert not any(e.startswith("HSMAIL_FORKSRV") for e in one["env"])
    assert sorted(f.split()[0] for f in one["fd"]) == ["0", "1", "2"]
    log = srv.logtext()
    for r in (one, two):
        assert "tcpserver: ok %s mx.test:" % r["pid"][0] in log
    assert srv.wait_log(r"^tcpserver: end %s status 0$" % two["pid"][0])
    assert srv.wait_log(r"^tcpserver: status: 0/40$")

    env = dict(os.environ, TCPSERVER_NOFORKSRV="1")
    plain = Server(procs, opts, [prog("bench-tcpprobe"), "-i"],
                   logdir=str(tmp_path), env=env)
    three, four = report(plain), report(plain)
    assert three["canary"] != four["canary"]     # exec'd each time
    assert copies(plain) == []
    same, a, b = same_session_view(one, three)
    assert same, (a, b)


def test_ids_and_groups_as_exec(procs, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    opts = QUICK + ["-u", "65534", "-g", "65534"]
    srv = Server(procs, opts, [prog("bench-tcpprobe"), "-i"],
                 logdir=str(tmp_path))
    wait_copy(srv)
    forked = report(srv)
    env = dict(os.environ, TCPSERVER_NOFORKSRV="1")
    plain = Server(procs, opts, [prog("bench-tcpprobe"), "-i"],
                   logdir=str(tmp_path), env=env)
    execd = report(plain)
    assert forked["ids"] == ["65534 65534 65534 65534"]
    assert forked["ids"] == execd["ids"]
    assert forked["Groups"] == execd["Groups"]
    same, a, b = same_session_view(forked, execd)
    assert same, (a, b)


def test_replaced_after_maxuse(procs, tmp_path):
    env = dict(os.environ, TCPSERVER_MAXUSE="3")
    srv = Server(procs, QUICK, [prog("bench-tcpprobe"), "-i"],
                 logdir=str(tmp_path), env=env)
    wait_copy(srv)
    canaries = []
    for _ in range(5):
        for _ in range(3):
            canaries.append(report(srv)["canary"][0])
        wait_copy(srv)          # the next copy is ready
    runs = []
    for c in canaries:
        if runs and runs[-1][0] == c:
            runs[-1][1] += 1
        else:
            runs.append([c, 1])
    # No copy forks more than three sessions; copies that did fork three
    # each had a canary of their own.
    assert max(n for _, n in runs) == 3, runs
    full = [c for c, n in runs if n == 3]
    assert len(full) >= 2 and len(set(full)) == len(full), runs


def test_session_killed_by_signal_replaces_copy(procs, tmp_path):
    srv = Server(procs, QUICK + ["-v"], [prog("bench-tcpprobe"), "-w"],
                 logdir=str(tmp_path), env=crash_env())
    old = wait_copy(srv)
    a, sa = report(srv, hold=True)
    b, sb = report(srv, hold=True)
    assert a["canary"] == b["canary"] and a["layout"] == b["layout"]
    os.kill(int(a["pid"][0]), signal.SIGSEGV)
    assert srv.wait_log(r"^tcpserver: end %s status 11$" % a["pid"][0])
    sa.close()
    # The very next connection never reaches the old copy.
    c, sc = report(srv, hold=True)
    assert c["canary"] != a["canary"]
    assert c["layout"] != a["layout"]
    canary, layout = forked_pair(srv)
    assert canary != a["canary"][0] and layout != a["layout"][0]
    assert old not in copies(srv)
    # The session that was running goes on.
    sb.shutdown(socket.SHUT_WR)
    assert read_all(sb) == b""
    sb.close()
    sc.close()


def at_random(pid):
    """glibc's stack canary of a live process: the first word AT_RANDOM
    points at, low byte zeroed (needs ptrace rights over it)."""
    with open("/proc/%d/auxv" % pid, "rb") as f:
        aux = f.read()
    for i in range(0, len(aux), 16):
        k, v = struct.unpack("QQ", aux[i:i + 16])
        if k == 25:                     # AT_RANDOM
            with open("/proc/%d/mem" % pid, "rb") as m:
                m.seek(v)
                return struct.unpack("Q", m.read(8))[0] & ~0xff
    raise AssertionError("no AT_RANDOM")


def mapping(pid, name):
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            if line.rstrip().endswith(name):
                return line.split("-")[0]
    raise AssertionError("%s not mapped" % name)


def test_qmail_smtpd_crash_gets_new_canary_and_layout(procs, tmp_path,
                                                      instance):
    if os.geteuid() != 0:
        pytest.skip("reads /proc/PID/mem")
    instance.control("me", "mx.test\n")
    smtpd = prog("qmail-smtpd")
    srv = Server(procs, QUICK + ["-v"], [smtpd], logdir=str(tmp_path),
                 env=crash_env(instance.env))
    wait_copy(srv)

    def session():
        s = srv.connect()
        assert s.recv(100).startswith(b"220 mx.test")
        m = srv.wait_log(r"^tcpserver: ok (\d+) .*:%d$" %
                         s.getsockname()[1])
        pid = int(m.group(1))
        return s, pid, at_random(pid), mapping(pid, "qmail-smtpd"), \
            mapping(pid, "[stack]")

    s1, p1, c1, m1, k1 = session()
    s2, p2, c2, m2, k2 = session()
    assert (c1, m1, k1) == (c2, m2, k2)          # one copy
    os.kill(p1, signal.SIGSEGV)
    assert srv.wait_log(r"^tcpserver: end %d status 11$" % p1)
    s1.close()
    for _ in range(3):
        s3, p3, c3, m3, k3 = session()
        assert c3 != c1 and m3 != m1 and k3 != k1
        s3.sendall(b"QUIT\r\n")
        assert s3.recv(100).startswith(b"221")
        s3.close()
    s2.sendall(b"QUIT\r\n")
    assert s2.recv(100).startswith(b"221")
    s2.close()


def test_not_hsmail_program_is_execd(procs, tmp_path):
    # A wrapper script of the same name, and the set-uid file, are run as
    # they are (qmail-lspawn's rule for linked-in programs).
    d = tmp_path / "bin"
    d.mkdir()
    p = str(d / "bench-tcpprobe")
    with open(p, "w") as f:
        f.write("#!/bin/sh\nexec %s -i\n" % prog("bench-tcpprobe"))
    os.chmod(p, 0o755)
    srv = Server(procs, QUICK, [p], logdir=str(tmp_path))
    assert report(srv)["canary"] != report(srv)["canary"]
    assert copies(srv) == []
    q = str(d / "setid")
    shutil.copy(prog("bench-tcpprobe"), q)
    os.chmod(q, 0o4755)
    srv = Server(procs, QUICK, [q, "-i"], logdir=str(tmp_path))
    assert report(srv)["canary"] != report(srv)["canary"]
    assert copies(srv) == []


def test_program_file_replaced(procs, tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    p = str(d / "probe")
    shutil.copy(prog("bench-tcpprobe"), p)
    srv = Server(procs, QUICK, [p, "-i"], logdir=str(tmp_path))
    old = wait_copy(srv)
    forked_pair(srv)
    # An upgrade (rename over it) to something that is not hsmail's: the
    # next connection runs it, and the copy goes.
    with open(p + ".new", "w") as f:
        f.write("#!/bin/sh\necho script\n")
    os.chmod(p + ".new", 0o755)
    os.rename(p + ".new", p)
    assert srv.talk() == b"script\n"
    end = time.time() + 30
    while old in children(srv.p.pid) and time.time() < end:
        time.sleep(0.02)
    assert copies(srv) == []
    # Back to hsmail's program: a copy of the new file serves again.
    shutil.copy(prog("bench-tcpprobe"), p + ".new")
    os.rename(p + ".new", p)
    assert "canary" in report(srv)
    new = wait_copy(srv)
    assert new != old
    forked_pair(srv)


def test_copy_killed_costs_no_connection(procs, tmp_path):
    srv = Server(procs, QUICK, [prog("bench-tcpprobe"), "-i"],
                 logdir=str(tmp_path))
    old = wait_copy(srv)
    os.kill(old, signal.SIGKILL)
    time.sleep(0.2)
    for _ in range(5):
        assert "canary" in report(srv)
    assert srv.wait_log(r"^tcpserver: warning: fork server %d ended, "
                        r"status 9$" % old)
    # A new copy comes after a pause (one second the first time).
    end = time.time() + 30
    while time.time() < end:
        report(srv)
        c = copies(srv)
        if c and c[0] != old:
            break
        time.sleep(0.1)
    assert copies(srv) and copies(srv)[0] != old
    forked_pair(srv)


def test_concurrency_limit_counts_forked_sessions(procs, tmp_path):
    srv = Server(procs, QUICK + ["-v", "-c", "2"],
                 [prog("bench-tcpprobe"), "-w"], logdir=str(tmp_path))
    wait_copy(srv)
    a, sa = report(srv, hold=True)
    b, sb = report(srv, hold=True)
    assert a["canary"] == b["canary"]
    c = srv.connect()               # queued by the kernel, not served
    c.settimeout(0.5)
    with pytest.raises(socket.timeout):
        c.recv(10)
    assert "status: 2/2" in srv.logtext()
    sa.close()                      # one session ends: the third runs
    c.settimeout(30)
    assert c.recv(4) == b"pid "
    assert srv.wait_log(r"^tcpserver: end %s status 0$" % a["pid"][0])
    assert not re.search(r"status: 3/2", srv.logtext())
    sb.close()
    c.close()


def test_sigterm_ends_copy(procs, tmp_path):
    srv = Server(procs, QUICK, [prog("bench-tcpprobe"), "-i"],
                 logdir=str(tmp_path))
    cp = wait_copy(srv)
    report(srv)
    srv.p.send_signal(signal.SIGTERM)
    assert srv.p.wait(30) == 0
    end = time.time() + 30
    while os.path.exists("/proc/%d" % cp) and time.time() < end:
        with open("/proc/%d/stat" % cp) as f:
            if f.read().split(")")[1].split()[0] == "Z":
                break
        time.sleep(0.02)
    assert not os.path.exists("/proc/%d" % cp) or \
        open("/proc/%d/stat" % cp).read().split(")")[1].split()[0] == "Z"


def test_ucspi_tcpserver_runs_it_as_before(procs, tmp_path):
    if not os.access(DEBIAN_TCPSERVER, os.X_OK):
        pytest.skip("ucspi-tcp not installed")
    env = dict(os.environ, HSMAIL_FORKSRV="5")    # leaked: ignored
    srv = Server(procs, QUICK, [prog("bench-tcpprobe"), "-i"],
                 binary=DEBIAN_TCPSERVER, logdir=str(tmp_path), env=env)
    a, b = report(srv), report(srv)
    assert a["canary"] != b["canary"]
    assert "PROTO=TCP" in a["env"]
    assert not any(e.startswith("HSMAIL_FORKSRV") for e in a["env"])
