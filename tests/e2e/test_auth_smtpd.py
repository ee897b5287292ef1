"""qmail-smtpd with msgauthd: mail from authenticated and relay clients
signed before it is queued (verified by dkimpy), mail from strangers
checked and marked with one Authentication-Results at the top, forged
ones with our name removed, the 550 only where control/mailauth or
tcp.smtp's MAILAUTH asks for it, large messages held on disk and queued
intact, msgauthd down (mail still flows), and bounces to SRS addresses
routed back to the original sender."""
import base64
import os
import smtplib
import subprocess

import pytest

from authutil import (dkimpy_verify_all, resinfo, start_dns, start_msgauthd,
                      unfold)
from smtpdutil import FAKECP, PASS, USER, Raw, Smtpd
from vpoputil import adddomain

RECORDS = [
    'd-rej.test. 300 IN TXT "v=spf1 ip4:192.0.2.1 -all"',
    '_dmarc.d-rej.test. 300 IN TXT "v=DMARC1; p=reject"',
    'ok.test. 300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    '_dmarc.ok.test. 300 IN TXT "v=DMARC1; p=reject"',
]


def key_records(instance):
    out = []
    p = subprocess.run(["vdkim", "show", "example.com"], env=instance.env,
                       capture_output=True, text=True, check=True)
    for ln in p.stdout.splitlines():
        if "._domainkey." in ln:
            name, txt = ln.split(" IN TXT ", 1)
            out.append("%s 300 IN TXT %s" % (name, txt))
    return out


@pytest.fixture
def world(instance, procs, tmp_path):
    adddomain(instance, "example.com")
    port = start_dns(procs, tmp_path, RECORDS + key_records(instance))
    start_msgauthd(procs, instance, port)
    return port


def smtpd(instance, procs, **kw):
    env = {"AUTH_CLEARTEXT": "1"}
    env.update(kw.pop("env", {}))
    return Smtpd(instance, procs, args=[FAKECP], env=env, **kw)


MSG = ("From: Alice <alice@example.com>\r\nTo: bob@far.test\r\n"
       "Subject: from the box\r\nMessage-ID: <m1@example.com>\r\n"
       "\r\nHello.\r\n")


def send(port, sender, rcpts, msg, login=False):
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as c:
        c.ehlo("client.test")
        if login:
            c.login(USER, PASS)
        return c.sendmail(sender, rcpts, msg)


def wire(stored):
    return stored.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def test_authenticated_mail_signed_before_queue(instance, procs, world):
    s = smtpd(instance, procs)
    send(s.port, USER, ["bob@far.test"], MSG, login=True)
    (env, msg), = s.messages()
    lines = msg.decode().split("\n")
    assert lines[0].startswith("DKIM-Signature: v=1; a=rsa-sha256")
    text = unfold(msg.decode())
    assert text.count("DKIM-Signature:") == 2
    assert "a=ed25519-sha256" in text
    # Signatures on top, then our Received, then the message.
    hdr = [ln for ln in text.split("\n") if ln and ln[0] not in " \t"]
    assert hdr[2].startswith("Received: from ")
    assert "Authentication-Results" not in text
    assert dkimpy_verify_all(wire(msg), world) == [True, True]


def test_relayclient_signed(instance, procs, world):
    s = smtpd(instance, procs, env={"RELAYCLIENT": ""})
    send(s.port, "alice@example.com", ["bob@far.test"], MSG)
    (env, msg), = s.messages()
    assert msg.startswith(b"DKIM-Signature:")
    assert dkimpy_verify_all(wire(msg), world) == [True, True]


def test_stranger_marked_forgery_removed(instance, procs, world):
    s = smtpd(instance, procs)
    m = ("Authentication-Results: mx.example.org; dkim=pass; dmarc=pass\r\n"
         "Authentication-Results: other.example; spf=pass\r\n"
         "From: ceo@d-rej.test\r\nSubject: pay this\r\n\r\nNow.\r\n")
    send(s.port, "ceo@d-rej.test", ["postmaster@example.com"], m)
    (env, msg), = s.messages()
    text = msg.decode()
    assert text.startswith("Authentication-Results: mx.example.org;")
    h = text.split("\nReceived: ")[0] + "\n"
    assert resinfo(h, "spf")[0].startswith("spf=fail")
    assert resinfo(h, "dmarc")[0].startswith("dmarc=fail (p=reject dis=none)")
    assert text.count("Authentication-Results: mx.example.org") == 1
    assert "Authentication-Results: other.example; spf=pass" in text
    assert "DKIM-Signature" not in text


def test_reject_policy_control_and_tcp_smtp(instance, procs, world):
    s = smtpd(instance, procs, controls={"mailauth": "reject\n"})
    m = "From: ceo@d-rej.test\r\nSubject: x\r\n\r\nbody\r\n"
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(s.port, "ceo@d-rej.test", ["postmaster@example.com"], m)
    assert e.value.smtp_code == 550 and b"5.7.1" in e.value.smtp_error
    assert s.messages() == []
    assert "reject ip 127.0.0.1 mail ceo@d-rej.test data: 550" in \
        s.logtext()
    # Passing mail under the same policy goes through.
    send(s.port, "a@ok.test", ["postmaster@example.com"],
         "From: a@ok.test\r\n\r\nbody\r\n")
    assert len(s.messages()) == 1


def test_tcp_smtp_mailauth(instance, procs, world):
    s = smtpd(instance, procs, rules='127.0.0.1:allow,MAILAUTH="reject"\n')
    m = "From: ceo@d-rej.test\r\nSubject: x\r\n\r\nbody\r\n"
    with pytest.raises(smtplib.SMTPDataError):
        send(s.port, "ceo@d-rej.test", ["postmaster@example.com"], m)
    s2 = smtpd(instance, procs, rules='127.0.0.1:allow,MAILAUTH="off"\n')
    send(s2.port, "ceo@d-rej.test", ["postmaster@example.com"], m)
    (env, msg), = s2.messages()
    assert msg.startswith(b"Received: ")
    assert b"Authentication-Results" not in msg


def test_large_message_held_on_disk(instance, procs, world):
    s = smtpd(instance, procs)
    body = "".join("line %06d %s\r\n" % (i, "x" * 60) for i in range(40000))
    m = "From: a@ok.test\r\nSubject: big\r\n\r\n" + body
    send(s.port, "a@ok.test", ["postmaster@example.com"], m)
    (env, msg), = s.messages()
    text = msg.decode()
    assert text.startswith("Authentication-Results: mx.example.org;")
    assert text.endswith(body.replace("\r\n", "\n"))
    assert "dmarc=pass" in unfold(text.split("\nReceived:")[0])


def test_msgauthd_down_mail_still_flows(instance, procs, tmp_path):
    adddomain(instance, "example.com")
    s = smtpd(instance, procs)
    m = ("Authentication-Results: mx.example.org; dkim=pass\r\n"
         "From: a@ok.test\r\n\r\nbody\r\n")
    send(s.port, "a@ok.test", ["postmaster@example.com"], m)
    send(s.port, USER, ["bob@far.test"], MSG, login=True)
    (e1, m1), (e2, m2) = s.messages()
    assert m1.startswith(b"Received: ") and b"Authentication-Results" \
        not in m1
    assert m2.startswith(b"Received: ") and b"DKIM-Signature" not in m2
    assert "msgauthd unavailable" in s.logtext()


def perl_srs(secret, sender, alias):
    """The SRS address Perl's Mail::SRS (libmail-srs-perl) writes."""
    code = ("use Mail::SRS; print Mail::SRS->new(Secret => [$ARGV[0]])"
            "->forward($ARGV[1], $ARGV[2]);")
    return subprocess.run(["perl", "-e", code, secret, sender, alias],
                          capture_output=True, text=True,
                          check=True).stdout.strip()


def test_srs_bounce_routed_back(instance, procs, world):
    instance.control("srs_secret", "test-secret\n")
    s = smtpd(instance, procs)
    addr = perl_srs("test-secret", "orig@far.test", "example.com")
    assert addr.startswith("SRS0=") and addr.endswith("@example.com")
    r = Raw(s.port)
    assert r.reply().startswith("220")
    assert r.cmd("HELO bounce.test").startswith("250")
    assert r.cmd("MAIL FROM:<>").startswith("250")
    assert r.cmd("RCPT TO:<%s>" % addr).startswith("250")
    forged = addr.replace("SRS0=", "SRS0=x", 1)
    assert r.cmd("RCPT TO:<%s>" % forged).startswith("550")
    assert r.cmd("DATA").startswith("354")
    r.send("From: MAILER-DAEMON@far.test\r\n\r\nbounce\r\n.\r\n")
    assert r.reply().startswith("250")
    r.cmd("QUIT")
    (env, msg), = s.messages()
    assert env == b"F\0Torig@far.test\0\0"
    assert "srs ip 127.0.0.1 rcpt orig@far.test" in s.logtext()
