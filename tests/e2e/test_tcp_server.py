"""tcpserver end to end: real TCP connections to the built tcpserver; each
test checks what a client or the served program sees (environment, rules,
banner, limits, IPv6, descriptors, signals)."""
import os
import re
import select
import signal
import socket
import subprocess
import threading

import pytest

from conftest import WAIT, prog, wait_for
from tcputil import Server, fd_count, parse_env, read_all, reset_connect, \
    tcprules


# The ways tcpserver starts a program: a forked child that does the
# lookups (always with -h), the fast path where the server applies the
# rules and clone(CLONE_VM)s the child (-H -R -l), and -H -R without -l,
# where the first connection to a local address forks and reports the
# local name, and the next ones take the fast path with it.
PATHS = {"fork": ["-h", "-R"], "fast": ["-H", "-R", "-l", "mx.test"],
         "cache": ["-H", "-R"]}


@pytest.fixture(params=sorted(PATHS))
def quick(request):
    return PATHS[request.param]


def test_environment_every_variable(procs, tmp_path):
    srv = Server(procs, ["-R", "-v"], ["env"], logdir=str(tmp_path))
    with srv.connect() as s:
        myport = s.getsockname()[1]
        s.shutdown(socket.SHUT_WR)
        env = parse_env(read_all(s))
    assert env["PROTO"] == "TCP"
    assert env["TCPLOCALIP"] == "127.0.0.1"
    assert env["TCPLOCALPORT"] == str(srv.port)
    assert env["TCPREMOTEIP"] == "127.0.0.1"
    assert env["TCPREMOTEPORT"] == str(myport)
    # -h is the default: 127.0.0.1 is "localhost" in /etc/hosts.
    assert env["TCPREMOTEHOST"] == "localhost"
    assert env["TCPLOCALHOST"] == "localhost"
    assert "TCPREMOTEINFO" not in env        # -R
    log = srv.logtext()
    assert re.search(r"^tcpserver: ok \d+ localhost:127\.0\.0\.1:%d "
                     r"localhost:127\.0\.0\.1::%d$" % (srv.port, myport),
                     log, re.M), log


def test_no_names_and_fixed_local_name(procs, tmp_path):
    env0 = dict(os.environ, TCPREMOTEHOST="stale", TCPREMOTEINFO="stale")
    srv = Server(procs, ["-H", "-R", "-l", "0"], ["env"],
                 logdir=str(tmp_path), env=env0)
    env = srv.env()
    assert env["TCPLOCALHOST"] == "0"
    assert "TCPREMOTEHOST" not in env
    assert "TCPREMOTEINFO" not in env


class IdentServer:
    """An RFC 1413 server on 127.0.0.1:113 answering USERID joe."""

    def __init__(self):
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", 113))
        self.s.listen(5)
        self.queries = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            with c:
                q = c.makefile("rb").readline().decode().strip()
                self.queries.append(q)
                c.sendall(("%s : USERID : UNIX : joe\r\n" % q).encode())


# Port 113 is everybody's: while it is served, another test's tcpserver
# without -R would get an answer.
@pytest.mark.serial
def test_ident_remoteinfo_and_rule(procs, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("port 113 needs root")
    try:
        ident = IdentServer()
    except OSError:
        pytest.skip("port 113 busy")
    try:
        cdb = str(tmp_path / "rules.cdb")
        assert tcprules(cdb, 'joe@127.0.0.1:allow,WHO="joe"\n'
                        ':deny\n').returncode == 0
        srv = Server(procs, ["-H", "-r", "-t", "5", "-x", cdb], ["env"],
                     logdir=str(tmp_path))
        with srv.connect() as s:
            myport = s.getsockname()[1]
            s.shutdown(socket.SHUT_WR)
            env = parse_env(read_all(s))
        assert env["TCPREMOTEINFO"] == "joe"
        assert env["WHO"] == "joe"
        assert ident.queries == ["%d , %d" % (myport, srv.port)]
    finally:
        ident.s.close()


def test_rules_deny_allow_env_default_prefix_range(procs, tmp_path, quick):
    cdb = str(tmp_path / "tcp.smtp.cdb")
    marker = tmp_path / "ran"
    r = tcprules(cdb, '127.0.0.1:allow,RELAYCLIENT="",CHKUSER_START=/DOMAIN/\n'
                 ':deny\n')
    assert r.returncode == 0, r.stderr
    srv = Server(procs, quick + ["-v", "-x", cdb],
                 ["sh", "-c", "touch %s; env" % marker], logdir=str(tmp_path))
    env = srv.env()
    assert env["RELAYCLIENT"] == ""
    assert env["CHKUSER_START"] == "DOMAIN"
    marker.unlink()

    # The cdb is reopened per connection: deny now applies at once.
    r = tcprules(cdb, "127.0.0.1:deny\n:allow\n")
    assert r.returncode == 0
    assert srv.talk() == b""
    assert not marker.exists()          # the program never ran
    assert re.search(r"^tcpserver: deny \d+ ", srv.logtext(), re.M)
    assert srv.wait_log(r"^tcpserver: end \d+ status 25600$")

    # Default rule when nothing else matches.
    tcprules(cdb, '10.0.0.1:deny\n:allow,DEFAULT="yes"\n')
    assert srv.env()["DEFAULT"] == "yes"
    tcprules(cdb, "10.0.0.1:allow\n:deny\n")
    assert srv.talk() == b""

    # Prefix rules: the longest prefix wins.
    tcprules(cdb, '127.:allow,P="127."\n127.0.:allow,P="127.0."\n:deny\n')
    assert srv.env()["P"] == "127.0."

    # Ranges in the last octet.
    tcprules(cdb, '127.0.0.0-3:allow,R="in"\n:deny\n')
    assert srv.env()["R"] == "in"
    tcprules(cdb, '127.0.0.2-9:allow,R="in"\n:deny\n')
    assert srv.talk() == b""
    tcprules(cdb, '127.0-1.:allow,R="prefix"\n:deny\n')
    assert srv.env()["R"] == "prefix"

    # A rule may override what tcpserver set.
    tcprules(cdb, ':allow,TCPLOCALHOST="mx.example.com"\n')
    assert srv.env()["TCPLOCALHOST"] == "mx.example.com"


def test_host_rules(procs, tmp_path):
    cdb = str(tmp_path / "r.cdb")
    tcprules(cdb, '=localhost:allow,H="exact"\n:deny\n')
    srv = Server(procs, ["-h", "-R", "-x", cdb], ["env"],
                 logdir=str(tmp_path))
    assert srv.env()["H"] == "exact"
    tcprules(cdb, '=:allow,H="anyname"\n:deny\n')
    assert srv.env()["H"] == "anyname"


def test_missing_cdb_dropped_unless_X(procs, tmp_path, quick):
    cdb = str(tmp_path / "none.cdb")
    srv = Server(procs, quick + ["-x", cdb], ["env"],
                 logdir=str(tmp_path))
    assert srv.talk() == b""
    assert "tcpserver: warning: dropping connection, unable to read " + cdb \
        in srv.logtext()
    srv2 = Server(procs, quick + ["-X", "-x", cdb], ["env"],
                  logdir=str(tmp_path))
    assert srv2.env()["PROTO"] == "TCP"


def test_unreadable_cdb_dropped(procs, tmp_path, quick):
    cdb = tmp_path / "bad.cdb"
    cdb.write_bytes(b"not a cdb")
    srv = Server(procs, quick + ["-X", "-x", str(cdb)], ["env"],
                 logdir=str(tmp_path))
    assert srv.talk() == b""


def test_banner(procs, tmp_path):
    srv = Server(procs, ["-H", "-R", "-B", "220 hello\r\n"],
                 ["echo", "after"], logdir=str(tmp_path))
    assert srv.talk() == b"220 hello\r\nafter\n"


def test_concurrency_limit(procs, tmp_path, quick):
    srv = Server(procs, quick + ["-v", "-c", "2"],
                 ["sh", "-c", "echo hi; exec cat >/dev/null"],
                 logdir=str(tmp_path))
    a, b = srv.connect(), srv.connect()
    aport = a.getsockname()[1]
    assert a.recv(3) == b"hi\n"
    assert b.recv(3) == b"hi\n"
    c = srv.connect()               # the kernel queues it; nobody serves it
    assert select.select([c], [], [], 0.5)[0] == []
    # The server logs the count once the child is started (it may have
    # answered already).
    assert srv.wait_log(r"status: 2/2")
    a.close()                       # one child ends: the third is served
    c.settimeout(WAIT)
    assert c.recv(3) == b"hi\n"
    b.close()
    c.close()
    # The log proves the order: the first child ended before the third
    # was accepted, and never were three running.  The server may write
    # the third "pid" line just after the child has answered.
    def three():
        log = srv.logtext().splitlines()
        pids = [l.split()[2] for l in log if re.match(r"tcpserver: pid ", l)]
        return (log, pids) if len(pids) >= 3 else None
    log, pids = wait_for(three, what="three pid lines")
    assert len(pids) == 3
    pid_a = next(l.split()[2] for l in log
                 if re.match(r"tcpserver: ok \d+ .*:%d$" % aport, l))
    end_a = log.index(next(l for l in log
                           if l.startswith("tcpserver: end %s " % pid_a)))
    # Whichever child served the third connection was accepted after.
    from_third = max(log.index("tcpserver: pid %s from 127.0.0.1" % p)
                     for p in pids)
    assert end_a < from_third
    assert not any(re.match(r"tcpserver: status: 3/2", l) for l in log)


def test_ipv6_loopback(procs, tmp_path, quick):
    srv = Server(procs, quick, ["env"], host="::1",
                 logdir=str(tmp_path))
    env = srv.env()
    assert env["TCPREMOTEIP"] == "::1"
    assert env["TCPLOCALIP"] == "::1"


def test_ipv6_any_takes_ipv4_clients_dotted(procs, tmp_path, quick):
    cdb = str(tmp_path / "r.cdb")
    tcprules(cdb, '127.0.0.1:allow,FAMILY="4"\n::1:allow,FAMILY="6"\n')
    srv = Server(procs, quick + ["-x", cdb], ["env"], host="::",
                 logdir=str(tmp_path))
    env4 = srv.env(host="127.0.0.1")
    assert env4["TCPREMOTEIP"] == "127.0.0.1"
    assert env4["TCPLOCALIP"] == "127.0.0.1"
    assert env4["FAMILY"] == "4"
    env6 = srv.env(host="::1")
    assert env6["TCPREMOTEIP"] == "::1"
    assert env6["FAMILY"] == "6"


def test_no_descriptor_leaks(procs, tmp_path, quick):
    srv = Server(procs, quick + ["-c", "20"],
                 ["sh", "-c", "ls /proc/$$/fd"], logdir=str(tmp_path))
    # The program gets 0, 1 and 2 only.
    assert srv.talk().split() == [b"0", b"1", b"2"]
    before = fd_count(srv.p.pid)
    for i in range(300):
        if i % 3 == 0:
            reset_connect("127.0.0.1", srv.port)
        else:
            srv.talk()
    assert srv.talk().split() == [b"0", b"1", b"2"]
    assert fd_count(srv.p.pid) == before
    assert srv.p.poll() is None


def test_privileges_dropped(procs, tmp_path, quick):
    if os.geteuid() != 0:
        pytest.skip("needs root")
    srv = Server(procs, quick + ["-u", "65534", "-g", "65534"],
                 ["sh", "-c", "id -u; id -g; id -G"], logdir=str(tmp_path))
    assert srv.talk().split() == [b"65534", b"65534", b"65534"]
    env = dict(os.environ, UID="65534", GID="65534")
    srv = Server(procs, quick + ["-U"], ["id", "-u"],
                 logdir=str(tmp_path), env=env)
    assert srv.talk() == b"65534\n"


def test_sigterm_exits(procs, tmp_path, quick):
    srv = Server(procs, quick, ["true"], logdir=str(tmp_path))
    srv.talk()
    srv.p.send_signal(signal.SIGTERM)
    assert srv.p.wait(30) == 0


def test_port_by_service_name_and_usage(tmp_path):
    r = subprocess.run([prog("tcpserver"), "127.0.0.1"], capture_output=True)
    assert r.returncode == 100
    assert b"tcpserver: usage: tcpserver" in r.stderr
    r = subprocess.run([prog("tcpserver"), "127.0.0.1", "no-such-service",
                        "true"], capture_output=True)
    assert r.returncode == 111
    assert b"unable to figure out port number for no-such-service" in r.stderr


@pytest.mark.serial		# port 1, a fixed port
def test_port_service_name(procs, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("port 1 needs root")
    p = procs.start([prog("tcpserver"), "-1", "-H", "-R", "127.0.0.1",
                     "tcpmux", "env"], stdout=subprocess.PIPE)
    assert p.stdout.readline() == b"1\n"
    with socket.create_connection(("127.0.0.1", 1), timeout=WAIT) as s:
        s.shutdown(socket.SHUT_WR)
        assert parse_env(read_all(s))["TCPLOCALPORT"] == "1"


def test_program_that_cannot_run(procs, tmp_path, quick):
    srv = Server(procs, quick, ["/nonexistent/prog"], logdir=str(tmp_path))
    assert srv.talk() == b""
    assert srv.wait_log(r"^tcpserver: warning: dropping connection, unable "
                        r"to run /nonexistent/prog: ")
    assert srv.p.poll() is None


def test_paranoid_and_dns_timeout_options(procs, tmp_path):
    # localhost resolves back to 127.0.0.1: -p keeps the name.  -T (not in
    # ucspi-tcp 0.88's tcpserver) is accepted in both of its forms.
    for t in ("3", "2+1"):
        srv = Server(procs, ["-h", "-p", "-R", "-T", t], ["env"],
                     logdir=str(tmp_path))
        assert srv.env()["TCPREMOTEHOST"] == "localhost"
    r = subprocess.run([prog("tcpserver"), "-T", "x", "127.0.0.1", "0",
                        "true"], capture_output=True)
    assert r.returncode == 100


def test_local_name_same_on_both_paths(procs, tmp_path):
    cdb = str(tmp_path / "r.cdb")
    tcprules(cdb, '127.0.0.1:allow,RELAYCLIENT=""\n')
    srv = Server(procs, ["-H", "-R", "-v", "-x", cdb], ["env"],
                 logdir=str(tmp_path))
    envs = [srv.env() for _ in range(5)]
    for e in envs:
        e.pop("TCPREMOTEPORT")
    assert all(e == envs[0] for e in envs)
    assert envs[0]["TCPLOCALHOST"] == "localhost"
    assert envs[0]["RELAYCLIENT"] == ""
    assert "TCPREMOTEHOST" not in envs[0]
    # On the fast path the server logs a connection once the child is
    # started: after it may have answered.
    def five_oks():
        oks = re.findall(r"^tcpserver: ok \d+ (\S+) (\S+)$", srv.logtext(),
                         re.M)
        return oks if len(oks) >= 5 else None
    oks = wait_for(five_oks, what="five ok lines")
    assert len(oks) == 5
    assert all(o[0] == "localhost:127.0.0.1:%d" % srv.port for o in oks)


NODELAY = ["/usr/bin/python3", "-c",
           "import socket; s = socket.socket(fileno=0); "
           "print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)); "
           "s.detach()"]


def test_nodelay_options(procs, tmp_path, quick):
    # ucspi-tcp: -d (the default) may delay sending data, -D sets
    # TCP_NODELAY on the connection the program gets.
    for opts, want in (([], b"0"), (["-D"], b"1"), (["-D", "-d"], b"0")):
        srv = Server(procs, quick + opts, NODELAY, logdir=str(tmp_path))
        assert srv.talk().strip() == want, opts


def test_backlog_option(procs, tmp_path):
    srv = Server(procs, ["-H", "-R", "-b", "7"], ["true"],
                 logdir=str(tmp_path))
    srv.talk()
    # ss shows a listening socket's backlog as its Send-Q.
    out = subprocess.run(["ss", "-Hltn", "sport = :%d" % srv.port],
                         capture_output=True, text=True).stdout.split()
    assert out[0] == "LISTEN" and out[2] == "7", out


def test_quiet_and_verbose_options(procs, tmp_path):
    # -Q (the default) reports errors, -q nothing, -v every connection.
    for opts, warn, verbose in (([], True, False), (["-q"], False, False),
                                (["-v"], True, True)):
        srv = Server(procs, ["-H", "-R"] + opts, ["/nonexistent/prog"],
                     logdir=str(tmp_path))
        srv.talk()
        srv.talk()
        assert srv.talk() == b""
        assert srv.p.poll() is None
        srv.p.terminate()
        srv.p.wait(WAIT)
        log = srv.logtext()
        assert ("unable to run /nonexistent/prog" in log) == warn, opts
        assert ("tcpserver: status: " in log) == verbose, opts
        assert ("tcpserver: pid " in log) == verbose, opts


def test_paranoid_off_is_default(procs, tmp_path):
    # -P undoes -p: without the paranoid check a name is still reported.
    srv = Server(procs, ["-h", "-p", "-P", "-R"], ["env"],
                 logdir=str(tmp_path))
    assert srv.env()["TCPREMOTEHOST"] == "localhost"


def test_host_zero_listens_on_every_address(procs, tmp_path, quick):
    # The seed's lines listen on host 0: IPv4 loopback reaches it.
    srv = Server(procs, quick, ["env"], host="0", logdir=str(tmp_path))
    env = srv.env(host="127.0.0.1")
    assert env["TCPLOCALIP"] == "127.0.0.1"
    assert env["TCPREMOTEIP"] == "127.0.0.1"
