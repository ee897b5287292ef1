"""Load through the whole stack with Postfix's smtp-source: tcpserver ->
qmail-smtpd (chkuser on the vpopmail store) -> qmail-queue -> qmail-send
-> qmail-local -> vdelivermail -> Maildir++.  Many concurrent sessions to
users of two virtual domains; every message accepted with 250 must be in
its mailbox exactly once and whole, and the log must say so."""
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import free_port, prog, wait_port
from sendutil import open_path
from vpoputil import adddomain, adduser, domdir

TCPSERVER = prog("tcpserver")
SIZE = 4096
# (address, sessions, messages)
LOAD = [("alice@one.example", 4, 120), ("bob@one.example", 3, 90),
        ("carol@two.example", 3, 90)]

pytestmark = [pytest.mark.skipif(shutil.which("smtp-source") is None,
                                 reason="smtp-source (postfix) not installed"),
              pytest.mark.serial]	# a load test


def _maildir(instance, addr):
    user, dom = addr.split("@")
    new = os.path.join(domdir(instance, dom), user, "Maildir", "new")
    out = []
    for n in sorted(os.listdir(new)):
        with open(os.path.join(new, n), "rb") as f:
            out.append(f.read())
    return out


def _queue_files(instance):
    q = instance.path("qmail", "queue")
    n = 0
    for d in ("mess", "todo", "info", "local", "remote", "intd"):
        for _, _, names in os.walk(os.path.join(q, d)):
            n += len(names)
    return n


def test_smtp_source_load(instance, procs, tmp_path):
    subprocess.run([prog("hsmail-setup"), "-m", "mx.example.org",
                    instance.root], check=True, env=instance.env,
                   stdout=subprocess.DEVNULL)
    open_path(instance.root)
    if os.geteuid() == 0:	# mail is never delivered as root
        os.chown(os.path.join(instance.vpopmail, "domains"), 65534, 65534)
    for dom in ("one.example", "two.example"):
        adddomain(instance, dom)
    for addr, _, _ in LOAD:
        adduser(instance, addr)
    log = open(os.path.join(str(tmp_path), "send.log"), "wb")
    procs.start([prog("qmail-start"), "./Maildir/"], stdout=log, stderr=log,
                env=instance.env)
    port = free_port()
    smtpd_log = open(os.path.join(str(tmp_path), "smtpd.log"), "wb")
    procs.start([TCPSERVER, "-H", "-R", "-l", "mx.example.org", "-c", "20",
                 "127.0.0.1", str(port), prog("qmail-smtpd")],
                env=instance.env, stdout=subprocess.DEVNULL,
                stderr=smtpd_log)
    wait_port(port)
    runs = [subprocess.Popen(
        ["smtp-source", "-s", str(s), "-m", str(m), "-l", str(SIZE),
         "-f", "sender@source.example", "-t", addr, "-M", "source.example",
         "127.0.0.1:%d" % port],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for addr, s, m in LOAD]
    for p in runs:
        out, _ = p.communicate(timeout=600)
        assert p.returncode == 0, out
    total = sum(m for _, _, m in LOAD)
    end = time.time() + 300
    while _queue_files(instance) and time.time() < end:
        time.sleep(0.1)
    assert _queue_files(instance) == 0, "queue never emptied"
    bodies = set()
    for addr, _, m in LOAD:
        msgs = _maildir(instance, addr)
        assert len(msgs) == m, (addr, len(msgs))
        for msg in msgs:
            head, _, body = msg.partition(b"\n\n")
            assert head.startswith(b"Return-Path: <sender@source.example>\n")
            assert b"\nDelivered-To: " in head
            got = re.search(rb"\nReceived: \(qmail (\d+) invoked from "
                            rb"network\)", head) or \
                re.search(rb"\nReceived: \(qmail (\d+) invoked ", head)
            assert got, head
            # smtp-source's body: about SIZE bytes of lines of X, most
            # numbered; the same in every message, so none was cut.
            lines = body.split(b"\n")
            assert lines[-1] == b""
            assert all(re.fullmatch(rb"\d?X+", l) for l in lines[:-1])
            assert len(body) + len(lines) > SIZE - 100
            bodies.add(body)
    assert len(bodies) == 1
    with open(os.path.join(str(tmp_path), "send.log"), "rb") as f:
        text = f.read().decode(errors="replace")
    # Each message queued once and delivered once (the counts per
    # address above could not tell a loss from a duplicate).
    assert len(re.findall(r"^new msg \d+", text, re.M)) == total
    assert len(re.findall(r"^delivery \d+: success", text, re.M)) == total
    assert not re.search(r"^delivery \d+: (deferral|failure)", text, re.M)
