"""Remote delivery through the whole queue: qmail-queue, qmail-send (via
qmail-start) spawning qmail-rspawn, qmail-remote, a real DNS server and a
real SMTP server on loopback.  What the user sees: the message arrives, a
4xx is a deferral in the log and the message stays queued, a 5xx bounces
to the sender with the remote's text; concurrencyremote, the remote retry
schedule and queuelifetime; a server dying in DATA loses nothing.
"""
import os
import re
import time

import queueutil as qu
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


def test_queue_remote_4xx_retried_later(instance, procs, tmp_path):
    """The first attempt gets a 4xx; the retry (made now by ALRM) is
    accepted: delivered once, no bounce."""
    m, joe, out = mail(instance, procs, tmp_path, "rcpt451once")
    m.inject("joe@" + su.ME, ["again@ok.test"])
    m.wait_log(r"delivery \d+: deferral: 127\.0\.0\.2_does_not_like_")
    assert received(out) == []
    m.wait_empty(alarm=True)
    m.wait_log(r"delivery \d+: success: 127\.0\.0\.2_accepted_message")
    assert [g["rcpt"] for g in received(out)] == [["again@ok.test"]]
    assert su.maildir(joe) == []
    m.stop()


def test_concurrencyremote(instance, procs, tmp_path):
    """concurrencyremote = 2: six slow deliveries run two at a time, never
    more, and the status lines say so."""
    instance.control("concurrencyremote", "2\n")
    m, joe, out = mail(instance, procs, tmp_path, "slow")
    for i in range(6):
        m.inject("joe@" + su.ME, ["r%d@ok.test" % i],
                 b"Subject: n%d\n\nx\n" % i)
    m.wait_empty()
    got = received(out)
    assert sorted(g["rcpt"][0] for g in got) == [
        "r%d@ok.test" % i for i in range(6)]
    assert max(g["at_once"] for g in got) == 2
    remote = [(int(r), int(lim)) for r, lim in
              re.findall(r"^status: local \d+/\d+ remote (\d+)/(\d+)",
                         m.logtext(), re.M)]
    assert remote and all(lim == 2 and r <= 2 for r, lim in remote)
    assert (2, 2) in remote
    m.stop()


def test_remote_retry_schedule(instance, procs, tmp_path):
    """After a remote deferral the next attempt is due 400 s after the
    message's birth when the first ended the second it was born (qmail's
    (20k)^2 schedule for remote deliveries, k counting from the square
    root of the seconds since birth); qmail-send keeps it in remote/N's
    mtime when it stops."""
    m, joe, out = mail(instance, procs, tmp_path, "rcpt451")
    m.inject("joe@" + su.ME, ["later@ok.test"])
    m.wait_log(r"delivery \d+: deferral: ")
    seen = time.time()
    m.stop()
    q = os.path.join(instance.qmail, "queue")
    (info,) = qu.files(q, "info")
    (remote,) = qu.files(q, "remote")
    birth = int(os.stat(os.path.join(q, info)).st_mtime)
    due = int(os.stat(os.path.join(q, remote)).st_mtime) - birth
    assert due in su.next_retries(birth, seen, 20)	# 400 when idle


def test_remote_queuelifetime_bounces(instance, procs, tmp_path):
    """A remote 4xx past queuelifetime becomes a bounce with the remote's
    text and qmail's "too long" note."""
    instance.control("queuelifetime", "0\n")
    m, joe, out = mail(instance, procs, tmp_path, "rcpt451")
    m.inject("joe@" + su.ME, ["late@ok.test"])
    time.sleep(1.1)         # older than birth + 0 on the next pass
    m.wait_empty(alarm=True)
    bounce = b"".join(su.maildir(joe)).decode(errors="replace")
    assert "<late@ok.test>:\n" in bounce
    assert "451 4.3.0 try again later" in bounce
    assert "I'm not going to try again; this message has been in the " \
        "queue too long." in bounce
    m.stop()


def test_remote_dies_in_data_keeps_message(instance, procs, tmp_path):
    """A server that drops the connection in the middle of DATA: deferral,
    the message stays queued, nothing bounces."""
    m, joe, out = mail(instance, procs, tmp_path, "dropdata")
    m.inject("joe@" + su.ME, ["far@ok.test"], b"Subject: x\n\n" +
             b"line\n" * 20000)
    m.wait_log(r"delivery \d+: deferral: Connected_to_127\.0\.0\.2_but_"
               r"connection_died")
    assert not m.queue_empty()
    assert su.maildir(joe) == []
