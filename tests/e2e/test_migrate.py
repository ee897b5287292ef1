"""doc/MIGRATION.md performed as written: on a tree laid out as an
H-Sphere mail box lays it out (hsbox.py: the qmail and vpopmail users with
their own ids, old programs, control files, a queue holding two messages
in qmail's format, vpopmail domains with MD5 and DES passwords, a bucket
directory, valias and .qmail forwards, Maildirs with old mail and
Courier-IMAP's files, the old init script, the traffic job in root's
crontab), every `# migrate:` block of the guide runs in order, in a
chroot over a throw-away overlay of this machine's / (nothing of the
machine changes).  Between the blocks the test checks what the guide
promises: the old queue delivered, old passwords and UIDLs working, the
forwards, the certificate, the traffic hand-over, and after the roll-back
the old programs back and the mail received meanwhile still there."""
import hashlib
import imaplib
import json
import os
import poplib
import re
import smtplib
import subprocess
import time

import pytest

from conftest import BUILD, SRC, free_port, kill_until_gone, wait_port
from test_install_live import OVERLAY, chrooted

GUIDE = os.path.join(SRC, "doc", "MIGRATION.md")
STEP = re.compile(r"^```sh\n(# migrate: (\d+)\.[^\n]*\n.*?)^```$", re.M | re.S)

# Before each block: the guide's `make deps` and `make install` for the
# build under test (this machine has the packages; the install takes the
# built programs instead of building them again).
PREAMBLE = r'''
make() {
	case "$1" in
	deps) scripts/deps check build >/dev/null ;;
	install) scripts/install "" /usr/local "$BUILD" ;;
	*) command make "$@" ;;
	esac
}
'''


def guide_steps():
    with open(GUIDE) as f:
        text = f.read()
    steps = [(int(n), body) for body, n in STEP.findall(text)]
    assert [n for n, _ in steps] == list(range(1, 10)), \
        [n for n, _ in steps]
    return steps


class Box:
    """The chroot: an overlay of / in a private mount namespace, held
    open by a process that sleeps in it."""

    def __init__(self, tmp):
        self.t = str(tmp)
        self.root = os.path.join(self.t, "ovl", "m")
        env = dict(os.environ, T=self.t)
        env.pop("HSMAIL_ROOT", None)
        self.anchor = subprocess.Popen(
            ["unshare", "-m", "sh", "-c", OVERLAY, "sh", "sleep", "3600"],
            env=env, start_new_session=True)
        end = time.time() + 60
        while not self.pids():
            assert time.time() < end and self.anchor.poll() is None, \
                "the overlay did not come up"
            time.sleep(0.1)
        self.pid = self.pids()[0]

    def pids(self):
        return chrooted(self.root)

    def path(self, p):
        return "/proc/%d/root%s" % (self.pid, p)

    def run(self, script, timeout=300):
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
               "/sbin:/bin", "BUILD": BUILD, "HOME": "/root", "LANG": "C"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        return subprocess.run(
            ["nsenter", "-t", str(self.pid), "-m", "-r", "sh", "-c",
             'cd "$1" && exec sh -eu -c "$2"', "sh", SRC,
             PREAMBLE + script], env=env, capture_output=True, text=True,
            timeout=timeout)

    def read(self, p, mode="r"):
        with open(self.path(p), mode) as f:
            return f.read()

    def close(self):
        kill_until_gone(self.pids)
        if self.anchor.poll() is None:
            self.anchor.kill()
        self.anchor.wait()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def pop_all(port, user, pw):
    c = poplib.POP3("127.0.0.1", port, timeout=30)
    c.user(user)
    c.pass_(pw)
    uidls = [l.split()[1].decode() for l in c.uidl()[1]]
    msgs = [b"\n".join(c.retr(i + 1)[1]) for i in range(len(uidls))]
    c.quit()
    return uidls, msgs


def wait_mail(port, user, pw, needle, timeout=90):
    end = time.time() + timeout
    while True:
        uidls, msgs = pop_all(port, user, pw)
        if any(needle in m for m in msgs):
            return uidls, msgs
        assert time.time() < end, "%r never reached %s" % (needle, user)
        time.sleep(0.3)


def test_migration_guide_on_an_hsphere_box(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the overlay and the box's users need root")
    if subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        pytest.skip("no private mount namespace here")
    steps = dict(guide_steps())
    box = Box(tmp_path)
    try:
        r = box.run('exec python3 -W ignore tests/e2e/hsbox.py build')
        assert r.returncode == 0, r.stderr
        old = json.loads(r.stdout)
        ports = {k: free_port() for k in ("SMTP", "POP3", "SUBMISSION",
                                          "SMTPS", "POP3S", "IMAP",
                                          "IMAPS")}
        out = {}
        for n in range(1, 10):
            if n == 6:
                # The test's own settings: loopback and free ports, the
                # log in a file (no syslog daemon runs in the chroot).
                r = box.run("cat >> /etc/default/qmaild <<EOT\n"
                            "LISTEN=127.0.0.1\nTCP_SERVERS=5\n"
                            "MAILLOG=/var/log/maillog\n" +
                            "".join("%s_PORT=%d\n" % kv
                                    for kv in ports.items()) + "EOT\n")
                assert r.returncode == 0, r.stderr
            if n == 9:
                check_running(box, old, ports, out)
            r = box.run(steps[n])
            assert r.returncode == 0, (n, r.stdout, r.stderr)
            out[n] = r.stdout
            if n == 3:
                # The old job ran one last time and left the crontab.
                assert box.read("/hsphere/local/var/statistic/"
                                ".mail_anlz.ran") == "ran\n"
                cron = box.read("/var/spool/cron/crontabs/root")
                assert "#hsphere# 10 0 * * * /hsphere/shared/scripts/" \
                    "cron/mail_anlz.sh" in cron
                assert "\n*/30 * * * * /hsphere" in cron
        check_rolled_back(box, old)
    finally:
        box.close()


def check_running(box, old, ports, out):
    """After steps 1-8: what the guide says hsmail does with the box."""
    # make install kept the box's users and their ids.
    passwd = {l.split(":")[0]: int(l.split(":")[2])
              for l in box.read("/etc/passwd").splitlines()}
    for u, uid in old["ids"].items():
        assert passwd[u] == uid, u
    st = os.stat(box.path("/var/qmail/queue/mess"))
    assert st.st_uid == old["ids"]["qmailq"]
    assert os.readlink(box.path("/hsphere/local/var/qmail")) == "/var/qmail"
    # users/cdb rebuilt by hsmail's qmail-newu: the same bytes.
    assert sha(box.read("/var/qmail/users/cdb", "rb")) == old["users_cdb"]
    # The box's certificate serves STARTTLS and the TLS ports.
    assert box.read("/var/qmail/control/servercert.pem") == \
        box.read("/hsphere/local/var/vpopmail/etc/mail.pem")
    for svc in ("send", "smtp", "submission", "smtps", "pop3", "pop3s",
                "imap", "imaps"):
        assert "%s running" % svc in out[8], out[8]
    for p in ports.values():
        wait_port(p, timeout=60)
    pop = ports["POP3"]
    # The two messages the old qmail left in its queue are delivered.
    wait_mail(pop, "joe@hsbox.test", "joe-old-pw", b"waiting in todo")
    uidls, msgs = wait_mail(pop, "joe@hsbox.test", "joe-old-pw",
                            b"waiting in local")
    # Old passwords (MD5-crypt, DES) and old UIDLs, unchanged.
    for u in old["mail"]["uidls"]:
        assert u in uidls, (u, uidls)
    pop_all(pop, "ann@hsbox.test", "ann-old-pw")
    # Mail in: a forward kept by vpopmail's user .qmail, a valias alias,
    # an alias domain, a domain in morercpthosts with a bucket mailbox.
    with smtplib.SMTP("127.0.0.1", ports["SMTP"], timeout=30) as s:
        s.sendmail("friend@elsewhere.test", ["ann@hsbox.test"],
                   "Subject: to ann\r\n\r\nann forwards to joe\r\n")
        s.sendmail("friend@elsewhere.test", ["sales@hsbox.test"],
                   "Subject: sales\r\n\r\nvalias to joe\r\n")
        s.sendmail("friend@elsewhere.test", ["joe@alias.test"],
                   "Subject: alias\r\n\r\nthrough alias.test\r\n")
        s.sendmail("friend@elsewhere.test", ["deep@other.test"],
                   "Subject: deep\r\n\r\ninto the bucket\r\n")
    for needle in (b"ann forwards to joe", b"valias to joe",
                   b"through alias.test"):
        wait_mail(pop, "joe@hsbox.test", "joe-old-pw", needle)
    wait_mail(pop, "ann@hsbox.test", "ann-old-pw", b"ann forwards to joe")
    wait_mail(pop, "deep@other.test", "deep-old-pw", b"into the bucket")
    # A password set now is MD5-crypt (passwd-scheme), as the old
    # vpopmail would verify it after a roll-back.
    r = box.run("/hsphere/local/var/vpopmail/bin/vpasswd "
                "postmaster@hsbox.test new-pm-pw")
    assert r.returncode == 0, r.stderr
    vp = box.read("/hsphere/local/var/vpopmail/domains/hsbox.test/vpasswd")
    assert re.search(r"^postmaster:\$1\$", vp, re.M), vp
    pop_all(pop, "postmaster@hsbox.test", "new-pm-pw")
    # The maillog grows; the traffic hand-over: the old job's files kept,
    # hsmail's mail-traffic counts today and xfer-cat answers the panel.
    assert "delivery" in box.read("/var/log/maillog")
    assert box.read("/hsphere/local/var/statistic/29.11.2026.qml.txt") == \
        "|hsbox.test|12.50|3|0|\n"
    cron = box.read("/etc/cron.d/hsmail")
    assert re.search(r"\troot\tmail-traffic$", cron, re.M), cron
    assert os.readlink(box.path("/hsphere/shared/scripts/xfer-cat.pl")) == \
        "/usr/local/sbin/xfer-cat"
    r = box.run("mail-traffic && /hsphere/shared/scripts/xfer-cat.pl mail")
    assert r.returncode == 0, r.stderr
    assert re.search(r"^#TYPE=5#DATE=\d\d/\d\d/\d{4}#$", r.stdout, re.M)
    assert re.search(r"^\|hsbox\.test\|", r.stdout, re.M), r.stdout
    # Courier-IMAP's files are kept as they were.
    md = old["mail"]["maildir"]
    for p, text in old["mail"]["courier"].items():
        assert box.read(md + p) == text, p
    # IMAP takes over Courier-IMAP's state: joe logs in with his old
    # password; INBOX keeps its UIDVALIDITY and the old messages their
    # UIDs (courierimapuiddb), new mail comes after them; INBOX.Sent is
    # listed and subscribed (courierimapsubscribed); the second message
    # keeps its keyword (courierimapkeywords) and its \Seen.
    with imaplib.IMAP4("127.0.0.1", ports["IMAP"], timeout=60) as c:
        c.login("joe@hsbox.test", "joe-old-pw")
        typ, _ = c.select("INBOX")
        assert typ == "OK"
        assert c.untagged_responses.get("UIDVALIDITY") == [b"86000000"], \
            c.untagged_responses
        typ, data = c.uid("FETCH", "1:2", "(FLAGS BODY.PEEK[TEXT])")
        assert typ == "OK", data
        got = {}
        for item in data:
            if isinstance(item, tuple):
                m = re.search(rb"UID (\d+)", item[0])
                got[int(m.group(1))] = (item[0], item[1])
        assert got[1][1].startswith(b"from 2004"), got
        assert got[2][1].startswith(b"seen with Courier"), got
        assert b"$Forwarded" in got[2][0] and b"\\Seen" in got[2][0], got
        typ, data = c.uid("SEARCH", "ALL")
        uids = [int(u) for u in data[0].split()]
        assert uids[:2] == [1, 2] and all(u >= 3 for u in uids[2:]), uids
        assert len(uids) > 2, uids	# the mail delivered since
        typ, data = c.lsub()
        assert typ == "OK" and any(b"INBOX.Sent" in d for d in data), data
        typ, data = c.select("INBOX.Sent", readonly=True)
        assert typ == "OK"
        assert c.untagged_responses.get("UIDVALIDITY") == [b"86000001"]


def check_rolled_back(box, old):
    """After step 9: the old programs and scripts as they were, hsmail's
    additions gone, the mail received under hsmail still there."""
    for p, digest in old["sums"].items():
        assert sha(box.read(p, "rb")) == digest, p
    st = os.stat(box.path("/var/qmail/bin/qmail-queue"))
    assert st.st_mode & 0o7777 == 0o4711
    assert st.st_uid == old["ids"]["qmailq"]
    for p in ("/etc/cron.d/hsmail", "/etc/default/qmaild",
              "/etc/rsyslog.d/hsmail.conf", "/etc/logrotate.d/hsmail",
              "/lib/systemd/system/hsmail-smtpd.service"):
        assert not os.path.exists(box.path(p)), p
    cron = box.read("/var/spool/cron/crontabs/root")
    assert "#hsphere#" not in cron
    assert "\n10 0 * * * /hsphere/shared/scripts/cron/mail_anlz.sh" in cron
    # hsmail stopped: only the anchor lives in the chroot.
    end = time.time() + 30
    while any(open("/proc/%d/comm" % p).read().strip() != "sleep"
              for p in box.pids() if os.path.exists("/proc/%d" % p)):
        assert time.time() < end, "hsmail still runs after the roll-back"
        time.sleep(0.2)
    # The mail that came in under hsmail stays for the old programs.
    md = old["users"]["joe@hsbox.test"]["dir"] + "/Maildir/"
    texts = b""
    for sub in ("new", "cur"):
        for f in os.listdir(box.path(md + sub)):
            texts += box.read(md + sub + "/" + f, "rb")
    for needle in (b"waiting in todo", b"valias to joe",
                   b"through alias.test"):
        assert needle in texts
