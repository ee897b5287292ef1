"""qmail-start, qmail-send, qmail-todo, qmail-lspawn and qmail-clean end to
end: local deliveries through users/cdb (plain and wildcard entries) and
.qmail files into Maildirs, the maillog lines in qmail's format, and a
clean stop on TERM."""
import os
import re

import pytest

from conftest import WAIT, wait_for
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


def test_replaced_qmail_local_is_run(instance, procs, tmp_path):
    """qmail-lspawn runs hsmail's qmail-local code in its own child; a
    bin/qmail-local that was replaced by another program (a wrapper) is
    executed instead, with qmail-local's arguments."""
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    ql = os.path.join(instance.qmail, "bin", "qmail-local")
    os.unlink(ql)
    rec = str(tmp_path / "wrapper.args")
    with open(ql, "w") as f:
        f.write("#!/bin/sh\necho \"$*\" >> %s\necho did 0+0+0\nexit 0\n"
                % rec)
    os.chmod(ql, 0o755)
    os.chmod(str(tmp_path), 0o777)
    m.start()
    m.inject("sender@remote.example", ["joe@" + su.ME],
             b"Subject: one\n\nbody one\n")
    m.wait_empty()
    assert su.maildir(joe) == []
    with open(rec) as f:
        args = f.read().split()
    assert args[:2] == ["--", "joe"] and args[-1] == "./Maildir/"
    assert re.search(r"^delivery \d+: success: did_0\+0\+0/$", m.logtext(),
                     re.M)
    m.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="uid 0 refusal needs root")
def test_lspawn_refuses_uid_0(instance, procs, tmp_path):
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    rooth = su.home(m.homes, "rooty")
    su.users_cdb(instance, [
        ("=", "joe", "joe", su.UID, su.GID, joe, "", ""),
        ("=", "rooty", "root", 0, 0, rooth, "", ""),
    ])
    m.start()
    m.inject("joe@" + su.ME, ["rooty@" + su.ME])
    m.wait_log(r"^delivery \d+: deferral: Not_allowed_to_perform_deliveries"
               r"_as_root./$")
    assert su.maildir(rooth) == []
    m.stop()


def test_logger_argument(instance, procs, tmp_path):
    """qmail-start defaultdelivery logger args: the activity log goes to
    the logger's standard input (as with splogger qmail)."""
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    out = str(tmp_path / "logger.out")
    p = procs.start([su.prog("qmail-start"), "./Maildir/", "/bin/sh", "-c",
                     "exec cat > " + out], env=instance.env)
    m.inject("s@remote.example", ["joe@" + su.ME])
    m.wait_empty()
    os.kill(p.pid, 15)
    p.wait(WAIT)
    def logged():
        text = open(out).read()
        return text if "status: exiting" in text else None
    text = wait_for(logged, what="the logger's last line")
    assert re.search(r"^delivery \d+: success: did_1\+0\+0/$", text, re.M)
    assert text.rstrip().endswith("status: exiting")


def test_term_lets_inflight_delivery_finish(instance, procs, tmp_path):
    """TERM while a delivery runs: qmail-send waits for it, logs its
    result, then exits; the message is delivered once, and a restart
    delivers it no second time."""
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    flag = os.path.join(dom, "started")
    with open(os.path.join(dom, ".qmail-slow"), "w") as f:
        f.write("|touch %s; sleep 1\n./Maildir/\n" % flag)
    m.start()
    m.inject("s@remote.example", ["slow@example.com"])
    wait_for(lambda: os.path.exists(flag), what="the delivery to start")
    m.stop()
    log = m.logtext()
    assert re.search(r"^status: local 1/10 remote 0/\d+ exitasap$", log, re.M)
    done = log.index("status: exiting")
    assert re.search(r"^delivery \d+: success: did_1\+0\+1/$", log[:done],
                     re.M)
    assert len(su.maildir(dom)) == 1
    m.start()
    m.wait_empty()
    m.stop()
    assert len(su.maildir(dom)) == 1


def test_queue_files_recycled(instance, procs, tmp_path):
    """Delivered messages leave their message and envelope files in
    queue/pool (qmail-clean), and their info/ and local/ files in
    queue/ipool (qmail-send), instead of freeing the inodes; the next
    message qmail-queue writes is one of them, named by its inode as
    always, and qmail-todo's files are too; everything is delivered."""
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    for i in range(5):
        m.inject("s@remote.example", ["joe@" + su.ME],
                 b"Subject: first %d\n\n%s\n" % (i, b"x" * (1000 * i)))
    m.start()
    m.wait_empty()
    pool = os.path.join(m.queue, "pool")
    ipool = os.path.join(m.queue, "ipool")
    spare = set(int(n) for n in os.listdir(pool))
    assert len(spare) == 10         # 5 message files, 5 envelopes
    ispare = set(os.listdir(ipool))
    assert len(ispare) == 10        # 5 info/ files, 5 local/ files
    m.inject("s@remote.example", ["joe@" + su.ME], b"Subject: second\n\nshort\n")
    m.wait_empty()
    log = m.logtext()
    ids = [int(x) for x in re.findall(r"^new msg (\d+)$", log, re.M)]
    assert ids[-1] in spare
    # qmail-todo's info/ and local/ files were spare ones, back again.
    assert len(os.listdir(ipool)) == 10
    assert len(os.listdir(pool)) == 10
    got = su.maildir(joe)
    assert len(got) == 6
    assert sum(1 for g in got if g.endswith(b"Subject: second\n\nshort\n")) \
        == 1
    m.stop()
