"""Remote delivery through the whole queue: qmail-queue, qmail-send (via
qmail-start) spawning qmail-rspawn, qmail-remote, a real DNS server and a
real SMTP server on loopback.  What the user sees: the message arrives, a
4xx is a deferral in the log and the message stays queued, a 5xx bounces
to the sender with the remote's text.
"""
import re

import pytest

import sendutil as su
from remoteutil import received, start_peer, start_unbound

ZONE = ["ok.test. 300 IN MX 10 mx.ok.test.",
        "mx.ok.test. 300 IN A 127.0.0.2"] + [
        "ok.test. 300 IN MX %d filler-%04d-abcdefghijklmnopqrstuvwxyz0123."
        "ok.test." % (20 + i, i) for i in range(120)]


def mail(instance, procs, tmp_path, mode):
    dns = start_unbound(procs, tmp_path, ZONE)
    port, out = start_peer(procs, tmp_path, mode)
    m = su.Mail(instance, procs, tmp_path)
    instance.env["HSMAIL_DNSSERVERS"] = "127.0.0.1:%d" % dns
    instance.env["HSMAIL_SMTPPORT"] = str(port)
    joe, _, _ = su.setup_users(m)
    m.start()
    return m, joe, out


def test_queue_remote_success(instance, procs, tmp_path):
    m, joe, out = mail(instance, procs, tmp_path, "accept")
    body = b"Subject: through the queue\n\nhello remote\n"
    m.inject("joe@" + su.ME, ["far@ok.test"], body)
    log = m.wait_log(r"delivery \d+: success: 127\.0\.0\.2_accepted_message")
    assert "to remote far@ok.test" in log
    m.wait_empty()
    got = received(out)
    assert len(got) == 1
    assert got[0]["from"] == "joe@" + su.ME
    assert got[0]["rcpt"] == ["far@ok.test"]
    assert got[0]["data"].replace("\r\n", "\n").encode().endswith(body)


def test_queue_remote_5xx_bounces(instance, procs, tmp_path):
    m, joe, out = mail(instance, procs, tmp_path, "rcpt550")
    m.inject("joe@" + su.ME, ["nobody@ok.test"])
    m.wait_log(r"delivery \d+: failure: 127\.0\.0\.2_does_not_like_"
               r"recipient\./Remote_host_said:_550_5\.1\.1_no_such_user")
    m.wait_empty()
    bounce = b"".join(su.maildir(joe)).decode(errors="replace")
    assert "nobody@ok.test" in bounce
    assert "550 5.1.1 no such user here" in bounce


def test_queue_remote_4xx_defers(instance, procs, tmp_path):
    m, joe, out = mail(instance, procs, tmp_path, "rcpt451")
    m.inject("joe@" + su.ME, ["later@ok.test"])
    m.wait_log(r"delivery \d+: deferral: 127\.0\.0\.2_does_not_like_"
               r"recipient\./Remote_host_said:_451_4\.3\.0")
    assert not m.queue_empty()
    assert su.maildir(joe) == []
