"""qmail-start, qmail-send, qmail-todo, qmail-lspawn and qmail-clean end to
end: local deliveries through users/cdb (plain and wildcard entries) and
.qmail files into Maildirs, the maillog lines in qmail's format, and a
clean stop on TERM."""
import os
import re

import sendutil as su


def test_local_and_virtual_delivery(instance, procs, tmp_path):
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    m.start()
    m.inject("sender@remote.example", ["joe@" + su.ME, "ann@example.com"],
             b"Subject: one\n\nbody one\n")
    m.wait_empty()
    got = su.maildir(joe)
    assert len(got) == 1
    assert got[0].startswith(b"Return-Path: <sender@remote.example>\n"
                             b"Delivered-To: joe@" + su.ME.encode() + b"\n")
    assert got[0].endswith(b"Subject: one\n\nbody one\n")
    got = su.maildir(dom)
    assert len(got) == 1
    assert b"Delivered-To: example.com-ann@example.com\n" in got[0]
    log = m.logtext()
    mid = re.search(r"^new msg (\d+)$", log, re.M).group(1)
    assert re.search(r"^info msg %s: bytes \d+ from <sender@remote.example> "
                     r"qp \d+ uid \d+$" % mid, log, re.M)
    assert re.search(r"^starting delivery \d+: msg %s to local "
                     r"joe@mail.example.org$" % mid, log, re.M)
    assert re.search(r"^starting delivery \d+: msg %s to local "
                     r"example.com-ann@example.com$" % mid, log, re.M)
    assert len(re.findall(r"^delivery \d+: success: did_1\+0\+0/$", log,
                          re.M)) == 2
    assert re.search(r"^end msg %s$" % mid, log, re.M)
    assert re.search(r"^status: local [0-9]+/10 remote [0-9]+/[0-9]+$", log,
                     re.M)
    m.stop()
    assert m.logtext().rstrip().endswith("status: exiting")


def test_many_messages_and_restart(instance, procs, tmp_path):
    """Messages queued while qmail-send is down are delivered when it
    starts (todo/ scan); the queue ends empty."""
    m = su.Mail(instance, procs, tmp_path, concurrency=3)
    joe, pm, dom = su.setup_users(m)
    for i in range(20):
        m.inject("s@remote.example", ["joe@" + su.ME],
                 b"Subject: n%d\n\nx\n" % i)
    m.start()
    m.wait_empty()
    assert len(su.maildir(joe)) == 20
    log = m.logtext()
    # never more than concurrencylocal at once
    for l, lim in re.findall(r"status: local (\d+)/(\d+)", log):
        assert int(l) <= int(lim) == 3
    m.stop()
