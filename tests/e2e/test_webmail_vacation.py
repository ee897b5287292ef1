"""The vacation reply through the real delivery path: set in the webmail,
the .qmail line runs autorespond under vdelivermail for each message that
qmail-send delivers; one reply per sender within the period, none to a
mailing list, automatic mail or a bounce, every message still delivered;
the reply goes out through qmail-inject with Auto-Submitted."""
import os
import subprocess
import time

import pytest

from conftest import build_fixed_layout, prog
from webmailutil import Client, Webmail


@pytest.fixture
def wm(instance, procs, tmp_path):
    w = Webmail(instance, procs, tmp_path)
    if os.geteuid() == 0:
        # Run by root, the instance's queue is root's and mail is
        # delivered as nobody: as installed (set-uid qmailq), qmail-queue
        # is made set-uid so that autorespond, running as the mailbox
        # owner, can queue its reply.
        exe = os.path.join(instance.qmail, "bin", "qmail-queue")
        build_fixed_layout(exe + ".suid", instance.root,
                           ["queue/qmail-queue_bin.c", "queue/qmail-queue.c"])
        os.chmod(exe + ".suid", 0o4755)
        os.rename(exe + ".suid", exe)
    return w


def inject(wm, sender, raw):
    """A message from sender to demo, queued as a local program would."""
    p = subprocess.run([prog("qmail-inject"), "-f", sender, "-a",
                        "demo@example.test"], input=raw, env=wm.i.env,
                       capture_output=True)
    assert p.returncode == 0, p.stderr


def messages(md):
    out = []
    for d in ("new", "cur"):
        p = os.path.join(md, d)
        for n in sorted(os.listdir(p)) if os.path.isdir(p) else []:
            with open(os.path.join(p, n), "rb") as f:
                out.append(f.read())
    return out


def wait_for(what, cond, timeout=90):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def log_text(wm):
    wm.log.flush()
    with open(os.path.join(wm.tmp, "webmail.log"), "rb") as f:
        return f.read().decode("utf-8", "replace")


def test_vacation_replies_once(wm):
    c = Client(wm)
    c.login()
    tok = c.csrf("/webmail/settings")
    r, _ = c.post("/webmail/settings", {"csrf": tok, "a": "forward",
                                        "keep": "1", "vac": "1",
                                        "vsubj": "Out of office",
                                        "vmsg": "Back on Monday.\n"})
    assert r.status == 303
    mine, other = wm.maildir(), wm.maildir("other")

    inject(wm, "other@example.test",
           b"From: Other <other@example.test>\nTo: demo@example.test\n"
           b"Subject: Lunch?\nMessage-ID: <lunch1@example.test>\n\n"
           b"Shall we?\n")
    reply = wait_for("the vacation reply", lambda: messages(other))[0]
    assert b"Auto-Submitted: auto-replied" in reply
    assert b"Subject: Out of office" in reply
    assert b"In-Reply-To: <lunch1@example.test>" in reply
    assert b"From: demo@example.test" in reply
    assert b"Back on Monday." in reply
    assert b"Shall we?" not in reply        # the original is not quoted
    # The reply's envelope sender is the user (its bounces come back).
    assert b"Return-Path: <demo@example.test>" in reply
    wait_for("the first message", lambda: len(messages(mine)) == 1)

    # The same sender again within the period: delivered, no reply.
    inject(wm, "other@example.test",
           b"From: other@example.test\nTo: demo@example.test\n"
           b"Subject: Lunch, again\n\nHello?\n")
    # A list, automatic mail and a bounce from other senders: no reply.
    inject(wm, "news-bounces@lists.example.test",
           b"From: news@lists.example.test\nList-Id: <news.example.test>\n"
           b"Subject: Weekly news\n\nnews\n")
    inject(wm, "shop@example.test",
           b"From: shop@example.test\nPrecedence: bulk\n"
           b"Subject: Offers\n\noffers\n")
    inject(wm, "robot@example.test",
           b"From: robot@example.test\nAuto-Submitted: auto-generated\n"
           b"Subject: Report\n\nreport\n")
    inject(wm, "", b"From: MAILER-DAEMON@example.test\n"
           b"Subject: failure notice\n\nbounce\n")
    wait_for("every message delivered", lambda: len(messages(mine)) == 6)
    log = wait_for("autorespond's reasons in the log", lambda: (
        lambda t: t if t.count("no_reply_to") >= 5 else None)(log_text(wm)))
    assert "no_reply_to_<other@example.test>:_already_replied" in log
    assert "no_reply_to_<news-bounces@lists.example.test>:_mailing_list" \
        in log
    assert "no_reply_to_<shop@example.test>:_mailing_list" in log
    assert "no_reply_to_<robot@example.test>:_automatic_mail" in log
    assert "no_reply_to_<>:_bounce_or_null_sender" in log
    # Only the one reply went out (each decision above was made before
    # its message reached the Maildir).
    assert len(messages(other)) == 1
    # The record of the reply, in the original autorespond's form.
    recs = [n for n in os.listdir(os.path.join(wm.home, "vacation"))
            if n.startswith("A")]
    assert len(recs) == 1
    with open(os.path.join(wm.home, "vacation", recs[0])) as f:
        assert f.read() == "other@example.test"

    # Vacation off: the line is gone, mail is delivered, no reply.
    r, _ = c.post("/webmail/settings", {"csrf": tok, "a": "forward",
                                        "keep": "1"})
    assert r.status == 303
    assert not os.path.exists(os.path.join(wm.home, ".qmail"))
