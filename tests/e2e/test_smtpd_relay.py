"""qmail-smtpd relay control: a battery of relay tricks from a client that
may not relay, none accepted and nothing queued; RELAYCLIENT and
morercpthosts.cdb; badmailfrom."""
import subprocess


from conftest import WAIT
from smtpdutil import Raw, Smtpd, cdb_write, envelope

TRICKS = [
    "<u@evil.example>",
    "<u@EVIL.example>",
    "<u%evil.example@example.com>",
    "<evil.example!u@example.com>",
    "<@example.com:u@evil.example>",
    "<@example.com,@x.example:u@evil.example>",
    "<\"u@evil.example\"@example.com>",
    "<\"u%evil.example\"@example.com>",
    "<u@evil.example@example.com>",
    "<u@[127.0.0.1]>",
    "<u@[IPv6:::1]>",
    "<u@example.com.>",
    "<u@example.com.evil.example>",
    "<u@sub.example.net>",
    "<u@xexample.com>",
    "<u@example..com>",
    "<u>",
    "<u@evil.example> ",
    "u@evil.example",
    "<u@evil.example>\tX",
    "<u\\@evil.example@example.com>",
    "<u@example.com\revil.example>",
]


def test_relay_battery(instance, procs):
    s = Smtpd(instance, procs, cert=False)
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO attacker")
    assert r.cmd("MAIL FROM:<spam@evil.example>").startswith("250")
    for t in TRICKS:
        rep = r.cmd("RCPT TO:" + t)
        assert rep[0] in "45", (t, rep)
    # Nothing was accepted, so there is nothing to send.
    assert r.cmd("DATA") == "503 5.5.1 RCPT first (#5.5.1)"
    assert s.messages() == []


def test_swaks_pipelined_relay(instance, procs):
    s = Smtpd(instance, procs, cert=False)
    p = subprocess.run(["swaks", "--server", "127.0.0.1", "--port",
                        str(s.port), "--pipeline", "--from", "a@evil.example",
                        "--to", "victim@evil.example"],
                       capture_output=True, text=True, timeout=WAIT)
    assert p.returncode != 0
    assert "553 5.7.1 sorry, that domain isn't in my list of allowed " \
        "rcpthosts" in p.stdout
    assert s.messages() == []


def test_local_domains(instance, procs):
    s = Smtpd(instance, procs, cert=False)
    r = Raw(s.port)
    r.reply()
    r.cmd("MAIL FROM:<a@b.c>")
    for ok in ("<u@example.com>", "<U@Example.COM>", "<u@a.sub.example.net>",
               "<Postmaster>", " <u@example.com>"):
        assert r.cmd("RCPT TO:" + ok) == "250 2.1.5 ok", ok
    assert r.cmd("DATA").startswith("354")
    r.send(b"\r\n.\r\n")
    assert r.reply().startswith("250")
    assert s.messages()[0][0] == envelope(
        "a@b.c", ["u@example.com", "U@example.com", "u@a.sub.example.net",
                  "Postmaster", "u@example.com"])


def test_relayclient(instance, procs):
    s = Smtpd(instance, procs, cert=False, env={"RELAYCLIENT": ""})
    p = subprocess.run(["swaks", "--server", "127.0.0.1", "--port",
                        str(s.port), "--from", "a@b.example",
                        "--to", "someone@far.example"],
                       capture_output=True, text=True, timeout=WAIT)
    assert p.returncode == 0, p.stdout
    assert s.messages()[0][0] == envelope("a@b.example",
                                          ["someone@far.example"])


def test_no_rcpthosts_is_not_open(instance, procs):
    s = Smtpd(instance, procs, cert=False, rcpthosts=None)
    r = Raw(s.port)
    r.reply()
    r.cmd("MAIL FROM:<a@b.c>")
    assert r.cmd("RCPT TO:<u@evil.example>").startswith("553 5.7.1 ")


def test_morercpthosts_cdb(instance, procs):
    cdb = instance.path("qmail", "control", "morercpthosts.cdb")
    cdb_write(cdb, [(b"more.example", b""), (b".wild.example", b"")])
    s = Smtpd(instance, procs, cert=False)
    r = Raw(s.port)
    r.reply()
    r.cmd("MAIL FROM:<a@b.c>")
    assert r.cmd("RCPT TO:<u@more.example>") == "250 2.1.5 ok"
    assert r.cmd("RCPT TO:<u@x.wild.example>") == "250 2.1.5 ok"
    assert r.cmd("RCPT TO:<u@wild.example>").startswith("553")
    assert r.cmd("RCPT TO:<u@more.example.evil>").startswith("553")


def test_badmailfrom(instance, procs):
    s = Smtpd(instance, procs, cert=False,
              controls={"badmailfrom": "spam@x.example\n@bad.example\n"})
    r = Raw(s.port)
    r.reply()
    for sender in ("<SPAM@x.example>", "<any@bad.example>"):
        assert r.cmd("MAIL FROM:" + sender).startswith("250")
        assert r.cmd("RCPT TO:<u@example.com>") == (
            "553 5.7.1 sorry, your envelope sender is in my badmailfrom "
            "list (#5.7.1)")
        r.cmd("RSET")
    assert r.cmd("MAIL FROM:<ok@x.example>").startswith("250")
    assert r.cmd("RCPT TO:<u@example.com>").startswith("250")


def test_tcp_smtp_rules(instance, procs):
    """The seed's first line: RELAYCLIENT comes from tcp.smtp.cdb (what
    POP-before-SMTP writes); a client without it may not relay."""
    s = Smtpd(instance, procs, cert=False,
              rules='127.0.0.1:allow,RELAYCLIENT=""\n:allow\n')
    r = Raw(s.port)
    r.reply()
    r.cmd("MAIL FROM:<a@b.example>")
    assert r.cmd("RCPT TO:<far@remote.example>") == "250 2.1.5 ok"
    s2 = Smtpd(instance, procs, cert=False,
               rules='127.0.0.2:allow,RELAYCLIENT=""\n:allow\n')
    r = Raw(s2.port)
    r.reply()
    r.cmd("MAIL FROM:<a@b.example>")
    assert r.cmd("RCPT TO:<far@remote.example>").startswith("553 5.7.1 ")
