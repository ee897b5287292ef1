"""tcprules and tcprulescheck end to end, and interoperation with Debian's
ucspi-tcp in both directions: a cdb from Debian's tcprules obeyed by our
tcpserver, a cdb from our tcprules obeyed by Debian's tcpserver, with real
connections."""
import os
import subprocess

import pytest

from conftest import prog
from tcputil import DEBIAN_TCPRULES, DEBIAN_TCPSERVER, Server, tcprules

RULES = ('# relay for the local net\n'
         '127.0.0.1:allow,RELAYCLIENT="",CHKUSER_START=/DOMAIN/\n'
         '10.1.2.3-7:deny\n'
         '192.168.:allow,X="a,b=c"\n'
         '=mail.example.com:allow\n'
         'joe@=h.example:deny\n'
         ':deny\n')

need_debian = pytest.mark.skipif(
    not (os.access(DEBIAN_TCPSERVER, os.X_OK) and
         os.access(DEBIAN_TCPRULES, os.X_OK)),
    reason="Debian's ucspi-tcp is not installed")


def test_syntax_error_keeps_old_cdb(tmp_path):
    cdb = str(tmp_path / "tcp.smtp.cdb")
    assert tcprules(cdb, "127.:allow\n").returncode == 0
    with open(cdb, "rb") as f:
        old = f.read()
    r = tcprules(cdb, "127.:allow\n1.2.3.4:allow,A=\"x\n5.6.7.8:deny\n")
    assert r.returncode == 100
    assert r.stderr == \
        b'tcprules: fatal: unable to parse this line: 1.2.3.4:allow,A="x\n'
    with open(cdb, "rb") as f:
        assert f.read() == old
    assert not os.path.exists(cdb + ".tmp")


def test_usage_and_unwritable_temp(tmp_path):
    r = subprocess.run([prog("tcprules"), "x.cdb"], capture_output=True)
    assert r.returncode == 100
    assert b"usage: tcprules rules.cdb rules.tmp" in r.stderr
    r = subprocess.run([prog("tcprules"), str(tmp_path / "a.cdb"),
                        str(tmp_path / "no" / "dir" / "a.tmp")],
                       input=b":allow\n", capture_output=True)
    assert r.returncode == 111
    assert b"tcprules: fatal: unable to create" in r.stderr
    assert not os.path.exists(tmp_path / "a.cdb")


def check(cdb, ip, host=None, info=None, binary=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TCP")}
    env["TCPREMOTEIP"] = ip
    if host:
        env["TCPREMOTEHOST"] = host
    if info:
        env["TCPREMOTEINFO"] = info
    r = subprocess.run([binary or prog("tcprulescheck"), cdb],
                       env=env, capture_output=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode()


def test_tcprulescheck(tmp_path):
    cdb = str(tmp_path / "r.cdb")
    assert tcprules(cdb, RULES).returncode == 0
    assert check(cdb, "127.0.0.1") == (
        "rule 127.0.0.1:\nset environment variable RELAYCLIENT=\n"
        "set environment variable CHKUSER_START=DOMAIN\nallow connection\n")
    assert check(cdb, "10.1.2.5") == "rule 10.1.2.5:\ndeny connection\n"
    assert check(cdb, "10.1.2.8") == "rule :\ndeny connection\n"
    assert check(cdb, "192.168.9.9") == (
        "rule 192.168.:\nset environment variable X=a,b=c\n"
        "allow connection\n")
    assert check(cdb, "1.1.1.1", host="mail.example.com") == \
        "rule =mail.example.com:\nallow connection\n"
    empty = str(tmp_path / "e.cdb")
    assert tcprules(empty, "").returncode == 0
    assert check(empty, "1.1.1.1") == "default:\nallow connection\n"
    r = subprocess.run([prog("tcprulescheck"), str(tmp_path / "none.cdb")],
                       capture_output=True)
    assert r.returncode == 111


@need_debian
def test_same_cdb_bytes_as_debian(tmp_path):
    ours, theirs = str(tmp_path / "ours.cdb"), str(tmp_path / "theirs.cdb")
    assert tcprules(ours, RULES).returncode == 0
    assert tcprules(theirs, RULES, binary=DEBIAN_TCPRULES).returncode == 0
    with open(ours, "rb") as a, open(theirs, "rb") as b:
        assert a.read() == b.read()
    for ip, host in (("127.0.0.1", None), ("10.1.2.7", None),
                     ("192.168.1.1", None), ("8.8.8.8", "mail.example.com")):
        assert check(ours, ip, host) == \
            check(theirs, ip, host, binary="/usr/bin/tcprulescheck")


@need_debian
def test_debian_cdb_obeyed_by_our_tcpserver(procs, tmp_path):
    cdb = str(tmp_path / "tcp.smtp.cdb")
    r = tcprules(cdb, '127.0.0.1:allow,RELAYCLIENT="",FROM=/debian/\n:deny\n',
                 binary=DEBIAN_TCPRULES)
    assert r.returncode == 0
    srv = Server(procs, ["-H", "-R", "-x", cdb], ["env"],
                 logdir=str(tmp_path))
    env = srv.env()
    assert env["RELAYCLIENT"] == ""
    assert env["FROM"] == "debian"
    tcprules(cdb, "127.0.0.:deny\n:allow\n", binary=DEBIAN_TCPRULES)
    assert srv.talk() == b""


@need_debian
def test_our_cdb_obeyed_by_debian_tcpserver(procs, tmp_path):
    cdb = str(tmp_path / "tcp.smtp.cdb")
    r = tcprules(cdb, '127.0.0.1:allow,RELAYCLIENT="",FROM=/hsmail/\n:deny\n')
    assert r.returncode == 0
    srv = Server(procs, ["-H", "-R", "-l", "0", "-x", cdb], ["env"],
                 binary=DEBIAN_TCPSERVER, logdir=str(tmp_path))
    env = srv.env()
    assert env["RELAYCLIENT"] == ""
    assert env["FROM"] == "hsmail"
    assert env["TCPREMOTEIP"] == "127.0.0.1"
    tcprules(cdb, "127.0-3.:deny\n:allow\n")
    assert srv.talk() == b""
