"""qmail-smtpd STARTTLS, implicit TLS (SMTPS), SMTP AUTH through a
checkpassword program (PLAIN, LOGIN, CRAM-MD5) and submission mode, with
smtplib, swaks and curl."""
import smtplib
import subprocess

import pytest

from conftest import WAIT
from smtpdutil import FAKECP, PASS, USER, Raw, Smtpd, envelope

AUTH = (FAKECP, "/bin/true")


def test_starttls_smtplib_auth(instance, procs):
    s = Smtpd(instance, procs, args=AUTH)
    with smtplib.SMTP("127.0.0.1", s.port) as c:
        c.ehlo("me")
        # Plain-text mechanisms only under TLS.
        assert set(c.esmtp_features["auth"].split()) == {"CRAM-MD5"}
        c.starttls(context=s.ctx())
        c.ehlo("me")
        assert not c.has_extn("starttls")
        assert set(c.esmtp_features["auth"].split()) == \
            {"LOGIN", "PLAIN", "CRAM-MD5"}
        c.login(USER, PASS)
        c.sendmail(USER, ["far@remote.example"], b"Subject: t\r\n\r\nx\r\n")
    env, msg = s.messages()[0]
    assert env == envelope(USER, ["far@remote.example"])
    first = msg.split(b"\n")[:2]
    assert first[0] == b"Received: from unknown (HELO me) " \
        b"(alice@example.com@127.0.0.1)"
    assert b" with ESMTPSA; " in first[1]
    log = s.logtext()
    assert "auth ok ip 127.0.0.1 mech " in log
    assert PASS not in log


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_swaks_auth(instance, procs, mech):
    s = Smtpd(instance, procs, args=AUTH)
    argv = ["swaks", "--server", "127.0.0.1", "--port", str(s.port),
            "--from", USER, "--to", "x@relay.example", "--auth", mech,
            "--auth-user", USER, "--auth-password", PASS, "--pipeline"]
    if mech != "CRAM-MD5":
        argv += ["--tls"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=WAIT)
    assert p.returncode == 0, p.stdout
    assert "235 2.0.0 ok, go ahead (#2.0.0)" in p.stdout
    assert s.messages()[0][0] == envelope(USER, ["x@relay.example"])
    if mech == "CRAM-MD5":
        with open(s.cplog) as f:
            assert "chal=<" in f.read()


def test_auth_failures(instance, procs):
    s = Smtpd(instance, procs, args=AUTH)
    p = subprocess.run(["swaks", "--server", "127.0.0.1", "--port",
                        str(s.port), "--from", USER, "--to", "x@relay.example",
                        "--auth", "PLAIN", "--auth-user", USER,
                        "--auth-password", "wrong", "--tls"],
                       capture_output=True, text=True, timeout=WAIT)
    assert p.returncode != 0
    assert "535 5.7.8 authorization failed (#5.7.0)" in p.stdout
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO x")
    assert r.cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUuY29tAHNlY3JldA==") == (
        "538 5.7.11 encryption required for requested authentication "
        "mechanism (#5.7.11)")
    assert r.cmd("AUTH FOO") == "504 5.5.1 auth type unimplemented (#5.5.1)"
    assert r.cmd("AUTH CRAM-MD5").startswith("334 ")
    assert r.cmd("*") == "501 5.0.0 auth exchange canceled (#5.0.0)"
    assert r.cmd("AUTH CRAM-MD5").startswith("334 ")
    assert r.cmd("!!!") == "501 5.5.4 malformed auth input (#5.5.4)"
    assert r.cmd("MAIL FROM:<a@b.c>").startswith("250")
    assert r.cmd("AUTH CRAM-MD5") == \
        "503 5.5.0 no auth during mail transaction (#5.5.0)"
    assert r.cmd("RCPT TO:<x@relay.example>").startswith("553")


def test_auth_cleartext_allowed(instance, procs):
    s = Smtpd(instance, procs, args=AUTH, env={"AUTH_CLEARTEXT": "1"})
    with smtplib.SMTP("127.0.0.1", s.port) as c:
        c.ehlo("me")
        assert "PLAIN" in c.esmtp_features["auth"]
        c.login(USER, PASS)
        code, _ = c.noop()
        assert code == 250


def test_submission(instance, procs):
    s = Smtpd(instance, procs, args=AUTH, env={"SUBMISSION": "1"})
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO x")
    assert r.cmd("MAIL FROM:<%s>" % USER) == \
        "530 5.7.0 authentication required (#5.7.0)"
    with smtplib.SMTP("127.0.0.1", s.port) as c:
        c.starttls(context=s.ctx())
        c.login(USER, PASS)
        c.sendmail(USER, ["far@remote.example"], b"Subject: s\r\n\r\nx\r\n")
    assert len(s.messages()) == 1


def test_curl_smtps_and_starttls(instance, procs, tmp_path):
    f = tmp_path / "m.txt"
    f.write_bytes(b"Subject: curl tls\r\n\r\nbody\r\n")
    s = Smtpd(instance, procs, args=AUTH, env={"SMTPS": "1"})
    subprocess.run(["curl", "-sS", "--cacert", s.cert, "--resolve",
                    "localhost:%d:127.0.0.1" % s.port,
                    "smtps://localhost:%d" % s.port,
                    "--user", "%s:%s" % (USER, PASS),
                    "--mail-from", USER, "--mail-rcpt", "far@remote.example",
                    "-T", str(f)], check=True, timeout=WAIT)
    assert s.messages()[0][0] == envelope(USER, ["far@remote.example"])
    s2 = Smtpd(instance, procs)
    subprocess.run(["curl", "-sS", "--ssl-reqd", "--cacert", s2.cert,
                    "--resolve", "localhost:%d:127.0.0.1" % s2.port,
                    "smtp://localhost:%d" % s2.port,
                    "--mail-from", "a@b.example", "--mail-rcpt",
                    "u@example.com", "-T", str(f)], check=True, timeout=WAIT)
    msgs = s2.messages()
    assert len(msgs) == 2       # same queue directory as the first server
    assert b" with ESMTPS; " in msgs[1][1].split(b"\n")[1]


def test_starttls_injection(instance, procs):
    """Commands pipelined behind STARTTLS are discarded (RFC 3207 4.2), and
    the session state is reset after the handshake."""
    s = Smtpd(instance, procs, args=AUTH)
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO x")
    assert r.cmd("MAIL FROM:<a@b.example>").startswith("250")
    r.send("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@x.example>\r\n")
    assert r.line() == "220 2.0.0 ready to start TLS"
    assert r.buf == b""
    r.starttls(s.ctx())
    assert r.cmd("NOOP") == "250 2.0.0 ok"
    # The transaction from before TLS is gone.
    assert r.cmd("RCPT TO:<u@example.com>") == "503 5.5.1 MAIL first (#5.5.1)"
    assert r.cmd("STARTTLS") == "503 5.5.1 TLS already active (#5.5.1)"
    assert r.cmd("QUIT").startswith("221")


def test_tls_handshake_garbage(instance, procs):
    s = Smtpd(instance, procs)
    r = Raw(s.port)
    r.reply()
    assert r.cmd("STARTTLS").startswith("220")
    r.send(b"this is not TLS\r\n" * 10)
    assert r.closed()
    assert "tls failed ip 127.0.0.1" in s.logtext()
