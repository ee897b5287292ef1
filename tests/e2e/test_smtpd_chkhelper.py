"""chkuser on an installed box: the store belongs to vpopmail (here: the
user nobody), qmail-smtpd runs under tcpserver -u/-g as another user
(here: daemon, for qmaild) and may not read it, so it asks vchkuser,
installed set-uid to the store's owner.  Existing users, aliases and
catch-alls get 250, missing or bounce-flagged users 550; a helper that
is missing or cannot read the store either gives 451, never 250.  Run
as the store's owner, qmail-smtpd reads the store itself and needs no
helper.  Needs root (two users, a set-uid copy)."""
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile
import types

import pytest

from chkhelperutil import build_vchkuser, make_store, smtpd_as
from conftest import WAIT, prog, wait_for
from pop3util import make_cert
from smtpdutil import Raw

NOMBX = "550 5.1.1 sorry, no mailbox here by that name (#5.1.1 - chkusr)"
TEMP = ("451 4.3.0 system temporary unavailable, try again later "
        "(#4.3.0 - chkuser)")
OK = "250 2.1.5 ok"
FULL = "552 5.2.2 sorry, recipient mailbox is full (#5.2.2 - chkuser)"
EXISTING = ("joe@example.com", "Joe@Example.COM", "sales@example.com",
            "joe-ext@example.com", "anyone@catch.net", "x@other.example",
            "a..b@catch.net")
MISSING = ("nobody@example.com", "joe2@example.com", "a..b@example.com")


def helpers(path):
    """How many processes run the program at path."""
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True,
                         text=True).stdout.splitlines()
    return sum(1 for ln in out if ln.split()[:1] == [path])


def rcpts(port, addrs, before_quit=None):
    """The RCPT replies of one session."""
    r = Raw(port)
    r.reply()
    r.cmd("HELO client")
    assert r.cmd("MAIL FROM:<a@b.example>").startswith("250")
    out = [r.cmd("RCPT TO:<%s>" % a) for a in addrs]
    if before_quit:
        before_quit()
    r.cmd("QUIT")
    r.close()
    return out


@pytest.fixture
def box():
    """An instance in a directory every user may enter: the store owned
    by nobody, a set-uid vchkuser for it, qmail-smtpd's environment."""
    if os.geteuid() != 0:
        pytest.skip("needs root: two users and a set-uid program")
    owner, caller = pwd.getpwnam("nobody"), pwd.getpwnam("daemon")
    base = tempfile.mkdtemp(prefix="hsmail-chkhelper-")
    os.chmod(base, 0o755)
    root = os.path.join(base, "root")
    env = dict(os.environ, HSMAIL_ROOT=root, CHKUSER_START="ALWAYS",
               CHKUSER_MBXQUOTA="90", QMAILQUEUE="/bin/false")
    subprocess.run([prog("hsmail-setup"), "-m", "mx.example.org"],
                   env=env, check=True, capture_output=True)
    with open(os.path.join(root, "qmail", "control", "rcpthosts"), "w") as f:
        f.write("example.com\ncatch.net\nother.example\n")
    make_store(root, env, owner)
    helper = os.path.join(root, "vpopmail", "bin", "vchkuser")
    build_vchkuser(helper, root)
    os.chown(helper, owner.pw_uid, owner.pw_gid)
    os.chmod(helper, 0o4711)
    log = os.path.join(base, "smtpd.log")
    yield {"root": root, "env": env, "owner": owner, "caller": caller,
           "helper": helper, "log": log}
    shutil.rmtree(base, ignore_errors=True)


def logtext(box):
    with open(box["log"], "rb") as f:
        return f.read().decode("latin-1")


def test_setuid_helper_answers_for_qmaild(box, procs):
    port = smtpd_as(procs, box["env"], box["caller"], box["log"])
    got = rcpts(port, EXISTING + MISSING + ("full@example.com",))
    assert got == [OK] * len(EXISTING) + [NOMBX] * len(MISSING) + [FULL]
    log = logtext(box)
    assert "rcpt <joe@example.com> : found existing recipient" in log
    assert "rcpt <nobody@example.com> : not existing recipient" in log
    assert "warning" not in log
    # One helper per session, for all its recipients, gone at its end.
    seen = []
    assert rcpts(port, ["joe@example.com", "ann@example.com"],
                 lambda: seen.append(helpers(box["helper"]))) == [OK, NOMBX]
    assert seen == [1]
    wait_for(lambda: helpers(box["helper"]) == 0, what="the helper to end")


def test_missing_helper_is_temporary(box, procs):
    os.unlink(box["helper"])
    port = smtpd_as(procs, box["env"], box["caller"], box["log"])
    assert rcpts(port, ["joe@example.com", "nobody@example.com",
                        "x@other.example"]) == [TEMP, TEMP, OK]
    log = logtext(box)
    assert "qmail-smtpd: warning: cannot start %s: No such file" % \
        box["helper"] in log
    assert "CHKUSER no auth resource: " in log


def test_helper_without_privilege_is_temporary(box, procs):
    """Installed without its set-uid bit, the helper cannot read the
    store either: it says so, and the answer is 451."""
    os.chmod(box["helper"], 0o755)
    port = smtpd_as(procs, box["env"], box["caller"], box["log"])
    assert rcpts(port, ["joe@example.com", "nobody@example.com"]) == \
        [TEMP, TEMP]
    assert ("vchkuser: warning: cannot check joe@example.com: "
            "Permission denied") in logtext(box)


def test_store_owner_reads_directly(box, procs):
    """As the store's owner (make run, the tests) qmail-smtpd never
    starts the helper: the answers are the same without it."""
    os.unlink(box["helper"])
    port = smtpd_as(procs, box["env"], box["owner"], box["log"])
    got = rcpts(port, EXISTING + MISSING + ("full@example.com",))
    assert got == [OK] * len(EXISTING) + [NOMBX] * len(MISSING) + [FULL]
    assert "warning" not in logtext(box)


def test_vchkuser_protocol(instance):
    """The helper itself, run as the store's owner: one answer line per
    request, refusals for anything that could leave the domain
    directory, a too-long line skipped, exit 0 at end of input."""
    env = dict(instance.env)
    for cmd in (["vadddomain", "example.com", "pmpw"],
                ["vadduser", "joe@example.com", "joepw"],
                ["vadduser", "locked@example.com", "pw"],
                ["vmoduser", "-b", "locked@example.com"]):
        subprocess.run([prog(cmd[0])] + cmd[1:], env=env, check=True,
                       capture_output=True)
    with open(os.path.join(instance.vpopmail, "domains", "example.com",
                           ".qmail-sales"), "w") as f:
        f.write("&joe@example.com\n")
    reqs = [b"joe example.com 0", b"JOE Example.COM 0", b"sales example.com 0",
            b"joe-x example.com 0", b"locked example.com 0",
            b"nobody example.com 0", b"joe other.example 0",
            b"../../etc example.com 0", b"joe ../domains 0",
            b"joe example.com 101", b"joe example.com", b"",
            b"x" * 5000, b"joe example.com 100"]
    p = subprocess.run([prog("vchkuser")], input=b"\n".join(reqs) + b"\n",
                       env=env, capture_output=True, timeout=WAIT)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode().split("\n") == [
        "user", "user", "alias", "ext", "nouser", "nouser", "nodomain",
        "invalid", "invalid", "invalid", "invalid", "invalid", "invalid",
        "user", ""]
    assert p.stderr == b""
    p = subprocess.run([prog("vchkuser"), "x"], env=env, capture_output=True,
                       timeout=WAIT)
    assert p.returncode == 100


def zombies(name, sid):
    """How many defunct processes named name are waiting to be reaped in
    session sid (the test's server: other tests run meanwhile)."""
    out = subprocess.run(["ps", "-eo", "stat=,sid=,comm="],
                         capture_output=True, text=True).stdout.splitlines()
    return sum(1 for ln in out if ln.split()[:1] and ln.split()[0][0] == "Z"
               and ln.split()[1:] == [str(sid), name])


def test_helper_reaped_at_starttls(box, procs):
    """A session that asked the helper and then says STARTTLS hands over
    to qmail-smtpd-tls, which does not know the helper: it is reaped
    first, not left a zombie for the rest of the session."""
    cert = make_cert(types.SimpleNamespace(
        qmail=os.path.join(box["root"], "qmail")))
    os.chown(cert, box["caller"].pw_uid, box["caller"].pw_gid)
    bindir = os.path.join(box["root"], "qmail", "bin")
    os.makedirs(bindir, exist_ok=True)
    os.symlink(prog("qmail-smtpd-tls"), os.path.join(bindir,
                                                     "qmail-smtpd-tls"))
    port = smtpd_as(procs, box["env"], box["caller"], box["log"])
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    r = Raw(port)
    r.reply()
    r.cmd("HELO client")
    assert r.cmd("MAIL FROM:<a@b.example>").startswith("250")
    assert r.cmd("RCPT TO:<joe@example.com>") == OK
    assert helpers(box["helper"]) == 1
    assert r.cmd("STARTTLS").startswith("220")
    r.starttls(ctx)
    assert r.cmd("EHLO client").startswith("250")
    # The helper ends (it has its end of file); then it is no zombie.
    wait_for(lambda: helpers(box["helper"]) == 0, what="the helper to end")
    assert zombies("vchkuser", procs.procs[-1].pid) == 0
    r.cmd("QUIT")
    r.close()
