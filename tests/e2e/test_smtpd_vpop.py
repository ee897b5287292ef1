"""qmail-smtpd with the real vpopmail store and tools, as the seed runs it:
`qmail-smtpd vchkpwsmtp /bin/true` authenticates users made by vadddomain
and vadduser, and chkuser checks RCPT against the same store."""
import subprocess

from conftest import WAIT
from smtpdutil import Raw, Smtpd
from vpoputil import adddomain, adduser


def _store(instance):
    adddomain(instance, "example.com")
    adduser(instance, "alice@example.com", "s3cret-pw")


def test_vchkpwsmtp_auth(instance, procs):
    _store(instance)
    s = Smtpd(instance, procs, args=("vchkpwsmtp", "/bin/true"),
              rcpthosts=None, env={"VCHKPW_FAIL_DELAY": "0"})
    base = ["swaks", "--server", "127.0.0.1", "--port", str(s.port),
            "--from", "alice@example.com", "--to", "far@remote.example",
            "--tls", "--auth", "PLAIN", "--auth-user", "alice@example.com"]
    p = subprocess.run(base + ["--auth-password", "s3cret-pw"],
                       capture_output=True, text=True, timeout=WAIT)
    assert p.returncode == 0, p.stdout
    assert "235 2.0.0 ok, go ahead (#2.0.0)" in p.stdout
    p = subprocess.run(base + ["--auth-password", "wrong"],
                       capture_output=True, text=True, timeout=WAIT)
    assert p.returncode != 0
    assert "535 5.7.8 authorization failed" in p.stdout
    msgs = s.messages()
    assert len(msgs) == 1
    assert b"Tfar@remote.example\0" in msgs[0][0]


def test_chkuser_real_store(instance, procs):
    _store(instance)
    s = Smtpd(instance, procs, cert=False, rcpthosts=None,
              env={"CHKUSER_START": "ALWAYS"})
    r = Raw(s.port)
    r.reply()
    r.cmd("HELO x")
    r.cmd("MAIL FROM:<a@b.example>")
    assert r.cmd("RCPT TO:<alice@example.com>") == "250 2.1.5 ok"
    assert r.cmd("RCPT TO:<postmaster@example.com>") == "250 2.1.5 ok"
    assert r.cmd("RCPT TO:<bob@example.com>") == (
        "550 5.1.1 sorry, no mailbox here by that name (#5.1.1 - chkusr)")
    assert r.cmd("RCPT TO:<x@nowhere.example>").startswith("553 5.7.1 ")
