"""qmail-smtpd end to end: a real client (Python smtplib, curl) sends
through tcpserver; replies, the queued message, its Received header and
envelope; the size limit, NUL bytes, long lines, timeouts, qmail-queue
failures."""
import re
import smtplib
import subprocess

from conftest import WAIT
from smtpdutil import Raw, Smtpd, envelope


def test_smtplib_send(instance, procs):
    s = Smtpd(instance, procs)
    with smtplib.SMTP("127.0.0.1", s.port) as c:
        code, msg = c.ehlo("client.example")
        assert code == 250
        for ext in ("pipelining", "8bitmime", "size", "enhancedstatuscodes",
                    "starttls"):
            assert c.has_extn(ext), ext
        assert not c.has_extn("auth")
        c.sendmail("bob@remote.example", ["u1@example.com", "u2@EXAMPLE.com"],
                   b"Subject: hi\r\n\r\nhello\r\n.leading dot\r\n")
        code, msg = c.noop()
        assert code == 250
    msgs = s.messages()
    assert len(msgs) == 1
    env, msg = msgs[0]
    assert env == envelope("bob@remote.example",
                           ["u1@example.com", "u2@example.com"])
    head, body = msg.split(b"\n", 2)[:2], msg.split(b"\n", 2)[2]
    assert re.match(rb"Received: from unknown \(HELO client\.example\) "
                    rb"\(127\.0\.0\.1\)$", head[0]), head[0]
    assert re.match(rb"  by mx\.example\.org with SMTP; \d+ \w{3} \d{4} "
                    rb"\d\d:\d\d:\d\d -0000$", head[1]), head[1]
    assert body == b"Subject: hi\n\nhello\n.leading dot\n"
    assert "accept ip 127.0.0.1 mail bob@remote.example rcpts 2" in s.logtext()


def test_replies(instance, procs):
    s = Smtpd(instance, procs, cert=False)
    r = Raw(s.port)
    assert r.reply() == "220 mx.example.org ESMTP"
    assert r.cmd("HELO x") == "250 mx.example.org"
    assert r.cmd("NOOP") == "250 2.0.0 ok"
    assert r.cmd("VRFY root") == "252 2.5.2 send some mail, i'll try my best"
    assert r.cmd("HELP").startswith("214 ")
    assert r.cmd("EXPN list") == "502 5.5.1 unimplemented (#5.5.1)"
    assert r.cmd("STARTTLS") == "502 5.5.1 unimplemented (#5.5.1)"
    assert r.cmd("RCPT TO:<u@example.com>") == "503 5.5.1 MAIL first (#5.5.1)"
    assert r.cmd("MAIL FROM:<a@b.c") == "555 5.5.4 syntax error (#5.5.4)"
    assert r.cmd("MAIL FROM:<a@b.c> FOO=1") == \
        "555 5.5.4 unsupported parameter (#5.5.4)"
    assert r.cmd("MAIL FROM:<a@b.c> BODY=8BITMIME") == "250 2.1.0 ok"
    assert r.cmd("MAIL FROM:<a@b.c>") == \
        "503 5.5.1 nested MAIL command (#5.5.1)"
    assert r.cmd("DATA") == "503 5.5.1 RCPT first (#5.5.1)"
    assert r.cmd("RSET") == "250 2.0.0 flushed"
    assert r.cmd("MAIL FROM:<>") == "250 2.1.0 ok"
    assert r.cmd("RCPT TO:<postmaster>") == "250 2.1.5 ok"
    assert r.cmd("X" * 600) == "500 5.5.2 line too long (#5.5.2)"
    assert r.cmd("NOOP\0") == "501 5.5.2 bad characters in command (#5.5.2)"
    assert r.cmd("QUIT") == "221 2.0.0 mx.example.org"
    assert r.closed()


def test_curl_smtp(instance, procs, tmp_path):
    s = Smtpd(instance, procs)
    f = tmp_path / "m.txt"
    f.write_bytes(b"Subject: curl\r\n\r\n" + "8-bit: \u00e9t\u00e9\r\n".encode())
    subprocess.run(["curl", "-sS", "smtp://127.0.0.1:%d" % s.port,
                    "--mail-from", "c@curl.example",
                    "--mail-rcpt", "u@example.com", "-T", str(f)],
                   check=True, timeout=WAIT)
    msgs = s.messages()
    assert len(msgs) == 1
    assert msgs[0][1].endswith("8-bit: \u00e9t\u00e9\n".encode())


def _send(r, body, rcpt="u@example.com"):
    assert r.cmd("MAIL FROM:<a@b.c>").startswith("250")
    assert r.cmd("RCPT TO:<%s>" % rcpt).startswith("250")
    assert r.cmd("DATA").startswith("354")
    r.send(body)
    return r.reply()


def test_databytes(instance, procs):
    s = Smtpd(instance, procs, env={"DATABYTES": "1000"})
    r = Raw(s.port)
    r.reply()
    assert r.cmd("EHLO x") == "250 HELP"
    assert r.cmd("MAIL FROM:<a@b.c> SIZE=1001").startswith("552 5.3.4 ")
    # Exactly 1000 bytes as stored (CRLF counts as one).
    line = b"x" * 98 + b"\r\n"            # 99 bytes stored
    exact = line * 10 + b"y" * 9 + b"\r\n"  # 990 + 10 = 1000
    assert _send(r, exact + b".\r\n").startswith("250 2.0.0 ok ")
    over = line * 10 + b"y" * 10 + b"\r\n"
    assert _send(r, over + b".\r\n") == \
        "552 5.3.4 sorry, that message size exceeds my databytes limit (#5.3.4)"
    big = b"z" * 998 + b"\r\n"
    assert _send(r, big * 5000 + b".\r\n").startswith("552 5.3.4 ")
    assert r.cmd("NOOP") == "250 2.0.0 ok"
    assert len(s.messages()) == 1


def test_nul_and_long_lines(instance, procs):
    s = Smtpd(instance, procs)
    r = Raw(s.port)
    r.reply()
    r.cmd("HELO x")
    assert _send(r, b"Subject: nul\r\n\r\na\0b\r\n.\r\n") == \
        "554 5.6.0 sorry, this message contains NUL characters (#5.6.0)"
    long = b"L" * 200000
    assert _send(r, b"Subject: long\r\n\r\n" + long + b"\r\n.\r\n") \
        .startswith("250 ")
    assert r.cmd("QUIT").startswith("221")
    msgs = s.messages()
    assert len(msgs) == 1
    assert msgs[0][1].endswith(b"\n" + long + b"\n")


def test_hops(instance, procs):
    s = Smtpd(instance, procs)
    r = Raw(s.port)
    r.reply()
    hops = b"Received: from x\r\n" * 99 + b"Delivered-To: y\r\n"
    assert _send(r, hops + b"\r\nbody\r\n.\r\n") == \
        "554 5.4.6 too many hops, this message is looping (#5.4.6)"
    assert _send(r, b"Received: x\r\n" * 99 + b"\r\n.\r\n").startswith("250")
    assert len(s.messages()) == 1


def test_timeout(instance, procs):
    s = Smtpd(instance, procs, controls={"timeoutsmtpd": "1\n"})
    r = Raw(s.port)
    assert r.reply().startswith("220")
    # Say nothing: the server gives up.
    assert r.line() == "451 4.4.2 timeout (#4.4.2)"
    assert r.closed()
    r = Raw(s.port)
    r.reply()
    assert r.cmd("MAIL FROM:<a@b.c>").startswith("250")
    assert r.cmd("RCPT TO:<u@example.com>").startswith("250")
    assert r.cmd("DATA").startswith("354")
    r.send(b"Subject: half\r\n")
    assert r.line() == "451 4.4.2 timeout (#4.4.2)"
    assert r.closed()
    assert s.messages() == []


def test_qmail_queue_failures(instance, procs):
    for code, want in ((53, "451 4.3.0 qq write error or disk full (#4.3.0)"),
                       (31, "554 5.3.0 mail server permanently rejected "
                            "message (#5.3.0)"),
                       (11, "554 5.1.3 envelope address too long for qq "
                            "(#5.1.3)"),
                       (99, "451 4.3.0 qq temporary problem (#4.3.0)")):
        s = Smtpd(instance, procs, env={"FAKEQ_EXIT": str(code)})
        r = Raw(s.port)
        r.reply()
        assert _send(r, b"Subject: q\r\n\r\nx\r\n.\r\n") == want
        assert s.messages() == []
    s = Smtpd(instance, procs, env={"QMAILQUEUE": "/nonexistent/qq"})
    r = Raw(s.port)
    r.reply()
    r.cmd("MAIL FROM:<a@b.c>")
    r.cmd("RCPT TO:<u@example.com>")
    assert r.cmd("DATA") == "451 4.3.0 qqt failure (#4.3.0)"


def test_controls_missing(instance, procs):
    s = Smtpd(instance, procs, cert=False)
    import os
    os.unlink(instance.path("qmail", "control", "me"))
    r = Raw(s.port)
    assert r.reply() == "421 4.3.0 unable to read controls (#4.3.0)"
