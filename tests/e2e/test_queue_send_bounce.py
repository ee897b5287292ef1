"""Bounces from qmail-send: a permanent failure comes back to the sender
in QSBMF; a bounce that fails goes to the double-bounce address; a failure
of a double bounce is discarded (triple bounce).  Temporary failures are
retried (ALRM retries at once) and turn into a bounce once the message is
older than queuelifetime."""
import os
import re
import time

from conftest import WAIT, wait_for
import queueutil as qu
import sendutil as su

NOBOX = b"Sorry, no mailbox here by that name. (#5.1.1)"


def test_bounce_to_sender(instance, procs, tmp_path):
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    m.start()
    m.inject("joe@" + su.ME, ["nosuch@example.com", "ann@example.com"],
             b"Subject: lost\n\noriginal body\n")
    m.wait_empty()
    assert len(su.maildir(dom)) == 1          # ann got it
    got = su.maildir(joe)
    assert len(got) == 1
    b = got[0]
    assert b.startswith(b"Return-Path: <>\n")
    head, body = b.split(b"\n\n", 1)
    assert b"\nFrom: MAILER-DAEMON@mail.example.org\n" in head + b"\n"
    assert b"\nTo: joe@mail.example.org" in head
    assert b"\nSubject: failure notice" in head
    assert re.search(rb"\nDate: \d+ \w{3} \d{4} \d\d:\d\d:\d\d -0000", head)
    assert body.startswith(
        b"Hi. This is the qmail-send program at mail.example.org.\n"
        b"I'm afraid I wasn't able to deliver your message to the "
        b"following addresses.\nThis is a permanent error; I've given up. "
        b"Sorry it didn't work out.\n\n"
        b"<example.com-nosuch@example.com>:\n")
    assert NOBOX in body
    assert b"\n--- Below this line is a copy of the message.\n\n" \
        b"Return-Path: <joe@mail.example.org>\n" in body
    assert body.endswith(b"Subject: lost\n\noriginal body\n")
    log = m.logtext()
    assert re.search(r"^delivery \d+: failure: Sorry,_no_mailbox_here_by_"
                     r"that_name._\(#5.1.1\)/$", log, re.M)
    assert re.search(r"^bounce msg \d+ qp \d+$", log, re.M)
    m.stop()


def test_double_and_triple_bounce(instance, procs, tmp_path):
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    m.start()
    m.inject("", ["nosuch@example.com"], b"Subject: was a bounce\n\nx\n")
    m.wait_empty()
    got = su.maildir(pm)
    assert len(got) == 1
    assert got[0].startswith(b"Return-Path: <#@[]>\n")
    assert b"\nTo: postmaster@mail.example.org\n" in got[0]
    assert b"I tried to deliver a bounce message to this address, but the " \
        b"bounce bounced!\n\n<example.com-nosuch@example.com>:\n" in got[0]
    assert b"--- Below this line is the original bounce.\n\n" \
        b"Return-Path: <>\n" in got[0]
    m.inject("#@[]", ["nosuch@example.com"], b"Subject: double\n\nx\n")
    m.wait_empty()
    assert re.search(r"^triple bounce: discarding bounce/\d+$", m.logtext(),
                     re.M)
    assert len(su.maildir(pm)) == 1 and su.maildir(joe) == []
    m.stop()


FLAKY = """#!/bin/sh
# fails temporarily until $HOME/ok exists
[ -e "$HOME/ok" ] && exit 0
touch "$HOME/tried"
exit 111
"""


def test_retry_then_success(instance, procs, tmp_path):
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    script = os.path.join(dom, "flaky.sh")
    with open(script, "w") as f:
        f.write(FLAKY)
    os.chmod(script, 0o755)
    with open(os.path.join(dom, ".qmail-flaky"), "w") as f:
        f.write("|%s\n" % script)
    m.start()
    m.inject("joe@" + su.ME, ["flaky@example.com"])
    m.wait_log(r"^delivery \d+: deferral: ")
    assert not m.queue_empty()
    # the next attempt is 100 s away; ALRM makes it now
    open(os.path.join(dom, "ok"), "w").close()
    m.wait_empty(alarm=True)
    log = m.logtext()
    assert re.search(r"^delivery \d+: success: did_0\+0\+1/$", log, re.M)
    assert su.maildir(joe) == []          # no bounce
    m.stop()


def test_queuelifetime_bounces(instance, procs, tmp_path):
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    instance.control("queuelifetime", "0\n")
    script = os.path.join(dom, "flaky.sh")
    with open(script, "w") as f:
        f.write(FLAKY)
    os.chmod(script, 0o755)
    with open(os.path.join(dom, ".qmail-flaky"), "w") as f:
        f.write("|%s\n" % script)
    m.start()
    m.inject("joe@" + su.ME, ["flaky@example.com"])
    m.wait_log(r"^delivery \d+: deferral: ")
    time.sleep(1.1)         # older than birth + 0 on the next pass
    m.wait_empty(alarm=True)
    got = su.maildir(joe)
    assert len(got) == 1
    assert b"<example.com-flaky@example.com>:\n" in got[0]
    assert b"I'm not going to try again; this message has been in the " \
        b"queue too long.\n" in got[0]
    m.stop()


def test_hup_rereads_virtualdomains(instance, procs, tmp_path):
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    other = su.home(m.homes, "other.org", {".qmail-bob": "./Maildir/\n"})
    su.users_cdb(instance, [
        ("=", "joe", "joe", su.UID, su.GID, joe, "", ""),
        ("+", "example.com-", "example.com", su.UID, su.GID, dom, "-", ""),
        ("+", "other.org-", "other.org", su.UID, su.GID, other, "-", ""),
    ])
    m.start()
    instance.control("virtualdomains",
                     "example.com:example.com\nother.org:other.org\n")
    # HUP is not logged: the file's access time says it was read again
    # (set to 1970, the next read moves it, relatime or not).
    vd = os.path.join(instance.qmail, "control", "virtualdomains")
    os.utime(vd, (0, os.stat(vd).st_mtime))
    os.kill(m.proc.pid, 1)
    wait_for(lambda: os.stat(vd).st_atime > 0,
             what="qmail-todo to read virtualdomains again (a filesystem "
             "mounted noatime cannot tell)")
    m.inject("joe@" + su.ME, ["bob@other.org"])
    m.wait_empty()
    assert len(su.maildir(other)) == 1
    m.stop()


def test_local_retry_schedule(instance, procs, tmp_path):
    """After a local deferral the next attempt is due 100 s after the
    message's birth when the first ended the second it was born (qmail's
    (10k)^2 schedule for local deliveries, k counting from the square root
    of the seconds since birth); qmail-send keeps it in local/N's mtime
    when it stops."""
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    with open(os.path.join(dom, ".qmail-later"), "w") as f:
        f.write("|exit 111\n")
    m.start()
    m.inject("joe@" + su.ME, ["later@example.com"])
    m.wait_log(r"^delivery \d+: deferral: ")
    seen = time.time()
    m.stop()
    (info,) = qu.files(m.queue, "info")
    (local,) = qu.files(m.queue, "local")
    birth = int(os.stat(os.path.join(m.queue, info)).st_mtime)
    due = int(os.stat(os.path.join(m.queue, local)).st_mtime) - birth
    assert due in su.next_retries(birth, seen, 10)	# 100 when idle


def _strace_joined(lines):
    """strace -f's lines with each call whole: a call another process
    interrupted ("fsync(11 <unfinished ...>", later "<... fsync resumed>)
    = 0") is put back together where it started."""
    out, open_ = [], {}
    for line in lines:
        pid = line.split(" ", 1)[0]
        if line.endswith(" <unfinished ...>"):
            open_[pid] = len(out)
            out.append(line[:-len(" <unfinished ...>")])
            continue
        m = re.match(r"(\S+)\s+<\.\.\. \w+ resumed>(.*)$", line)
        if m and pid in open_:
            i = open_.pop(pid)
            out[i] += m.group(2)
            continue
        out.append(line)
    return out


def _bounce_sync_checked(lines):
    """True when, in qmail-send's trace, an append to a new bounce/<id>
    was followed by fsyncs of that file and of bounce/ before the next
    done mark ("D" written into local/ or remote/); None if not there
    yet."""
    lines = _strace_joined(lines)
    bfd = bdir = None
    for i, line in enumerate(lines):
        pid = line.split()[0]
        o = re.search(r'open(?:at)?\(.*"bounce/\d+", .*O_CREAT.*\) = (\d+)',
                      line)
        if o:
            bfd, start = o.group(1), i
        d = re.search(r'open(?:at)?\(.*"bounce", .*\) = (\d+)', line)
        if d and bfd is not None:
            bdir = d.group(1)
        if bfd is not None and re.search(r'pwrite64\(\d+, "D", 1,', line):
            mine = [ln for ln in lines[start:i] if ln.split()[0] == pid]
            assert any(re.search(r"fsync\(%s\)\s+= 0" % bfd, ln)
                       for ln in mine), "\n".join(mine)
            assert bdir is not None and any(
                re.search(r"fsync\(%s\)\s+= 0" % bdir, ln) for ln in mine), \
                "\n".join(mine)
            return True
    return None


def test_bounce_paragraph_durable_before_done(instance, procs, tmp_path):
    """The failure paragraph in bounce/<id> is fsynced (and, the file
    being new, bounce/ itself) before qmail-send marks the recipient done:
    a crash in between can repeat the failure but never lose the bounce."""
    m = su.Mail(instance, procs, tmp_path)
    su.setup_users(m)
    trace = os.path.join(str(tmp_path), "trace")
    logf = open(m.log, "ab")
    procs.start(["strace", "-f", "-qq", "-e",
                 "trace=openat,open,fsync,pwrite64", "-o", trace,
                 su.prog("qmail-start"), "./Maildir/"],
                stdout=logf, stderr=logf, env=instance.env)
    logf.close()
    m.wait_log(r"status: local \d+/\d+")
    m.inject("joe@" + su.ME, ["nosuch@example.com"], b"Subject: x\n\ny\n")
    m.wait_empty()
    end = time.time() + WAIT
    while time.time() < end:
        with open(trace) as f:
            if _bounce_sync_checked(f.read().splitlines()):
                return
        time.sleep(0.1)
    with open(trace) as f:
        raise AssertionError("no bounce append followed by a done mark:\n"
                             + f.read()[-4000:])
