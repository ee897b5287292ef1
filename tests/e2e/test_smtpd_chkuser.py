"""chkuser in qmail-smtpd: RCPT checked against a vpopmail store (users/cdb
made by qmail-newu, vpasswd, .qmail files) with the CHKUSER_* switches,
chkuser's replies and CHKUSER log lines."""
import os
import subprocess

from conftest import prog
from smtpdutil import Raw, Smtpd

NOMBX = "550 5.1.1 sorry, no mailbox here by that name (#5.1.1 - chkusr)"


def make_store(inst):
    dom = inst.path("vpopmail", "domains")
    ex = os.path.join(dom, "example.com")
    catch = os.path.join(dom, "catch.net")
    for d in (ex, catch):
        os.makedirs(d, exist_ok=True)
    with open(inst.path("qmail", "users", "assign"), "w") as f:
        f.write("+example.com-:example.com:89:89:%s:-::\n"
                "+catch.net-:catch.net:89:89:%s:-::\n.\n" % (ex, catch))
    subprocess.run([prog("qmail-newu")], check=True, env=inst.env)

    def pw(name, gid=0):
        return "%s:xx:1:%d:%s:%s/%s:NOQUOTA\n" % (name, gid, name, ex, name)
    with open(os.path.join(ex, "vpasswd"), "w") as f:
        f.write(pw("joe") + pw("locked", 0x10))
    for name, text in ((".qmail-sales", "&joe@example.com\n"),
                       (".qmail-list-default", "|/bin/true\n"),
                       (".qmail-default",
                        "| vdelivermail '' bounce-no-mailbox\n")):
        with open(os.path.join(ex, name), "w") as f:
            f.write(text)
    with open(os.path.join(catch, ".qmail-default"), "w") as f:
        f.write("| vdelivermail '' postmaster@catch.net\n")
    with open(os.path.join(catch, "vpasswd"), "w") as f:
        f.write("")


def start(instance, procs, env):
    make_store(instance)
    return Smtpd(instance, procs, cert=False, env=env,
                 rcpthosts="example.com\ncatch.net\nother.example\n")


def session(s):
    r = Raw(s.port)
    r.reply()
    r.cmd("HELO client")
    assert r.cmd("MAIL FROM:<a@b.example>").startswith("250")
    return r


def test_chkuser_always(instance, procs):
    s = start(instance, procs, {"CHKUSER_START": "ALWAYS"})
    r = session(s)
    for ok in ("joe@example.com", "JOE@Example.COM", "sales@example.com",
               "list-foo@example.com", "joe-ext@example.com",
               "anyone@catch.net", "x@other.example", "postmaster"):
        assert r.cmd("RCPT TO:<%s>" % ok) == "250 2.1.5 ok", ok
    for bad in ("nobody@example.com", "locked@example.com",
                "joe.x@example.com"):
        assert r.cmd("RCPT TO:<%s>" % bad) == NOMBX, bad
    assert r.cmd("RCPT TO:<x@evil.example>").startswith("553 5.7.1 ")
    log = s.logtext()
    assert ("CHKUSER accepted rcpt: from <a@b.example::> remote "
            "<client:unknown:127.0.0.1> rcpt <joe@example.com> : "
            "found existing recipient") in log
    assert ("CHKUSER rejected rcpt: from <a@b.example::> remote "
            "<client:unknown:127.0.0.1> rcpt <nobody@example.com> : "
            "not existing recipient") in log
    assert "CHKUSER accepted any rcpt: " in log


def test_chkuser_wrong_limit(instance, procs):
    s = start(instance, procs, {"CHKUSER_START": "DOMAIN",
                                "CHKUSER_WRONGRCPTLIMIT": "2",
                                "CHKUSER_IDENTIFY": "mx1"})
    r = session(s)
    assert r.cmd("RCPT TO:<n1@example.com>") == NOMBX
    assert r.cmd("RCPT TO:<n2@example.com>") == (
        "550 5.7.1 sorry, you are violating our security policies "
        "(#5.1.1 - chkuser)")
    assert r.cmd("RCPT TO:<joe@example.com>") == (
        "550 5.7.1 sorry, you are violating our security policies "
        "(#5.7.1 - chkuser)")
    log = s.logtext()
    assert "CHKUSER intrusion threshold: from <a@b.example::mx1>" in log
    assert "CHKUSER rejected intrusion: " in log


def test_chkuser_rcpt_limit(instance, procs):
    s = start(instance, procs, {"CHKUSER_START": "ALWAYS",
                                "CHKUSER_RCPTLIMIT": "3"})
    r = session(s)
    assert r.cmd("RCPT TO:<joe@example.com>").startswith("250")
    assert r.cmd("RCPT TO:<sales@example.com>").startswith("250")
    assert r.cmd("RCPT TO:<joe@example.com>") == (
        "550 5.5.3 sorry, reached maximum number of recipients for one "
        "session (#5.5.3 - chkuser)")


def test_chkuser_off_and_relayclient(instance, procs):
    s = start(instance, procs, {})
    r = session(s)
    assert r.cmd("RCPT TO:<nobody@example.com>") == "250 2.1.5 ok"
    s2 = Smtpd(instance, procs, cert=False,
               env={"CHKUSER_START": "ALWAYS", "RELAYCLIENT": ""})
    r = session(s2)
    assert r.cmd("RCPT TO:<nobody@example.com>") == "250 2.1.5 ok"


def test_chkuser_store_broken(instance, procs):
    s = start(instance, procs, {"CHKUSER_START": "ALWAYS"})
    with open(instance.path("qmail", "users", "cdb"), "wb") as f:
        f.write(b"garbage")
    r = session(s)
    assert r.cmd("RCPT TO:<joe@example.com>") == (
        "451 4.3.0 system temporary unavailable, try again later "
        "(#4.3.0 - chkuser)")
