"""Abuse resistance as an attacker meets it: password guessing over SMTP
AUTH and POP3 from one address and from many (loopback aliases
127.0.0.x), locked out through every door before the password is looked
at, with the lockout logged for fail2ban; a slow-loris client holding
connections while another address is served; parallel deliveries against
a quota; a POP3 client that reconnects at once; the authenticated sender
and AUTH's authorization identity."""
import os
import poplib
import shutil
import smtplib
import socket
import subprocess
import threading
import time

import pytest

from conftest import SRC, free_port, prog, wait_port
from smtpdutil import FAKEQ
from vpoputil import adddomain, adduser, deliver, run
from test_run import stack  # noqa: F401 (fixture)

PW = "Right-pw-1"


def store(instance):
    adddomain(instance, "example.com")
    adduser(instance, "alice@example.com", PW)
    adduser(instance, "bob@example.com", "bob-pw-2")


def limits(instance, **kw):
    """control/loginfail-*: no delays (the tests do not time), small
    limits."""
    conf = {"delay": 0, "ipmax": 5, "usermax": 3, "lockout": 900}
    conf.update(kw)
    for k, v in conf.items():
        instance.control("loginfail-" + k, "%d\n" % v)


def maillog(instance):
    path = instance.path("log", "maillog")
    if not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        return f.read()


class Servers:
    """hsmail's tcpserver running qmail-smtpd (AUTH through vchkpwsmtp)
    and qmail-popup (vchkpw, qmail-pop3d) on 127.0.0.1."""

    def __init__(self, instance, procs, env=None):
        self.inst = instance
        instance.control("me", "mx.example.org\n")
        instance.control("rcpthosts", "example.com\n")
        os.makedirs(instance.path("fakeq"), exist_ok=True)
        e = dict(instance.env, VCHKPW_FAIL_DELAY="0", POP3_FAIL_DELAY="0",
                 AUTH_CLEARTEXT="1", QMAILQUEUE=FAKEQ,
                 FAKEQ_DIR=instance.path("fakeq"))
        e.update(env or {})
        self.log = open(instance.path("log", "servers.log"), "ab")
        self.smtp = free_port()
        procs.start([prog("tcpserver"), "-H", "-R", "-l", "mx.example.org",
                     "0.0.0.0", str(self.smtp), prog("qmail-smtpd"),
                     prog("vchkpwsmtp"), "/bin/true"], env=e,
                    stdout=subprocess.DEVNULL, stderr=self.log)
        self.pop3 = free_port()
        procs.start([prog("tcpserver"), "-H", "-R", "-l", "mx.example.org",
                     "0.0.0.0", str(self.pop3), prog("qmail-popup"),
                     "mx.example.org", prog("vchkpw"), prog("qmail-pop3d"),
                     "Maildir"], env=e, stdout=subprocess.DEVNULL,
                    stderr=self.log)
        wait_port(self.smtp)
        wait_port(self.pop3)

    def logtext(self):
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return f.read()

    def auth(self, user, pw, src="127.0.0.1"):
        """AUTH PLAIN from address src: the reply code."""
        with smtplib.SMTP("127.0.0.1", self.smtp, timeout=60,
                          source_address=(src, 0)) as s:
            s.ehlo("client.example")
            code, _ = s.docmd("AUTH", "PLAIN " + _plain("", user, pw))
            return code

    def pop(self, user, pw, src="127.0.0.1"):
        """A POP3 login from src: the error text, or "" when it worked."""
        c = _pop_from(self.pop3, src)
        try:
            c.user(user)
            c.pass_(pw)
            c.quit()
            return ""
        except poplib.error_proto as e:
            return e.args[0].decode()


def _pop_from(port, src):
    s = socket.create_connection(("127.0.0.1", port), timeout=60,
                                 source_address=(src, 0))
    c = poplib.POP3.__new__(poplib.POP3)
    c.host, c.port, c._tls_established = "127.0.0.1", port, False
    c.sock = s
    c.file = s.makefile("rb")
    c._debugging = 0
    c.welcome = c._getresp()
    return c


def _plain(authz, user, pw):
    import base64
    return base64.b64encode(("%s\0%s\0%s" % (authz, user, pw))
                            .encode()).decode()


def test_bruteforce_one_address_every_door(instance, procs):
    """Guesses over SMTP AUTH from one address lock it out: the right
    password is then refused there over SMTP and over POP3 (without
    being checked), another address still logs in, and the lockout is
    one log line that fail2ban's filter from etc/ matches."""
    store(instance)
    limits(instance, ipmax=5, usermax=100)
    s = Servers(instance, procs)
    for i in range(5):
        assert s.auth("alice@example.com", "guess%d" % i) == 535
    assert s.auth("alice@example.com", PW) == 454
    assert "too many failed logins" in s.pop("alice@example.com", PW)
    assert s.auth("bob@example.com", "bob-pw-2") == 454
    # Another address is not concerned.
    assert s.auth("alice@example.com", PW, src="127.0.0.2") == 235
    assert s.pop("alice@example.com", PW, src="127.0.0.2") == ""
    log = maillog(instance)
    assert log.count("lockout address 127.0.0.1 ") == 1
    assert "login refused, address locked out alice@example.com:127.0.0.1" \
        in log
    # The refusals came before any password check: no "password fail"
    # after the lockout line.
    assert "password fail" not in log[log.index("lockout address"):]
    # fail2ban's own matcher finds the address in the log.
    f2b = "/usr/bin/fail2ban-regex"
    if os.path.exists(f2b) and os.path.exists("/etc/fail2ban/filter.d"):
        conf = instance.path("f2b")
        shutil.copytree("/etc/fail2ban/filter.d", conf + "/filter.d")
        shutil.copy(os.path.join(SRC, "etc", "fail2ban", "filter.d",
                                 "hsmail.conf"), conf + "/filter.d/")
        r = subprocess.run([f2b, "--config", conf,
                            instance.path("log", "maillog"),
                            conf + "/filter.d/hsmail.conf"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "127.0.0.1" in r.stdout and "1 matched" in r.stdout


def test_bruteforce_many_addresses(instance, procs):
    """A botnet guessing one account's password from many addresses: the
    account locks after usermax failures, for POP3 and SMTP alike, while
    the owner's address (a good login before) still gets in and other
    accounts are untouched."""
    store(instance)
    limits(instance, ipmax=100, usermax=3)
    s = Servers(instance, procs)
    assert s.pop("alice@example.com", PW, src="127.0.0.50") == ""
    for i in range(3):
        assert s.auth("alice@example.com", "guess%d" % i,
                      src="127.0.0.%d" % (10 + i)) == 535
    assert s.auth("alice@example.com", PW, src="127.0.0.20") == 454
    assert "too many failed logins" in s.pop("alice@example.com", PW,
                                             src="127.0.0.21")
    assert s.auth("bob@example.com", "bob-pw-2", src="127.0.0.20") == 235
    assert s.pop("alice@example.com", PW, src="127.0.0.50") == ""
    assert s.auth("alice@example.com", PW, src="127.0.0.50") == 235
    assert "lockout user alice@example.com " in maillog(instance)
    # The table is one file of fixed size.
    assert os.path.getsize(instance.path("vpopmail", "etc",
                                         "login-fail.tab")) <= 393280


def test_slowloris_one_address(instance, procs):
    """One address holding connections open gets MAXCONNIP of them, and
    its idle ones are closed after timeoutgreeting; another address is
    served meanwhile."""
    instance.control("me", "mx.example.org\n")
    instance.control("rcpthosts", "example.com\n")
    instance.control("timeoutgreeting", "3\n")
    port = free_port()
    e = dict(instance.env, MAXCONNIP="3",
             DIEMSG="421 too many connections from your address")
    procs.start([prog("tcpserver"), "-H", "-R", "-l", "mx.example.org",
                 "-c", "5", "0.0.0.0", str(port), prog("qmail-smtpd")],
                env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    held = []
    for i in range(3):
        c = socket.create_connection(("127.0.0.1", port), timeout=30,
                                     source_address=("127.0.0.7", 0))
        assert c.recv(512).startswith(b"220 ")
        held.append(c)
    extra = socket.create_connection(("127.0.0.1", port), timeout=30,
                                     source_address=("127.0.0.7", 0))
    assert extra.recv(512).startswith(b"421 too many connections")
    extra.close()
    with smtplib.SMTP("127.0.0.1", port, timeout=30,
                      source_address=("127.0.0.8", 0)) as s:
        assert s.ehlo()[0] == 250
    # The idle ones are cut after seconds, not the idle timeout.
    for c in held:
        c.settimeout(60)
        data = b""
        while True:
            b = c.recv(512)
            if not b:
                break
            data += b
        assert b"451 4.4.2 timeout" in data
        c.close()


def test_parallel_deliveries_quota(instance):
    """Ten deliveries at once into a mailbox with room for five: it ends
    at most one message over its quota, and maildirsize says exactly
    what is there."""
    adddomain(instance, "example.com")
    adduser(instance, "joe@example.com", "joe-pw")
    msg = b"Subject: q\n\n" + b"x" * 1000 + b"\n"
    run(instance, "vsetuserquota", "joe@example.com", "5500", check=0)
    results = []

    def one():
        results.append(deliver(instance, "joe", "example.com", msg)
                       .returncode)
    ts = [threading.Thread(target=one) for _ in range(10)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    home = run(instance, "vuserinfo", "-d", "joe@example.com").stdout \
        .decode().strip()
    md = os.path.join(home, "Maildir")
    files = [os.path.join(md, d, f) for d in ("new", "cur")
             for f in os.listdir(os.path.join(md, d))]
    used = sum(os.path.getsize(f) for f in files)
    assert results.count(0) == len(files)
    assert set(results) <= {0, 100}
    assert used <= 5500 + len(msg) + 200
    with open(os.path.join(md, "maildirsize")) as f:
        lines = f.read().splitlines()
    total = sum(int(l.split()[0]) for l in lines[1:])
    count = sum(int(l.split()[1]) for l in lines[1:])
    assert (total, count) == (used, len(files))


def test_pop3_reconnect_at_once(instance, procs):
    """A client that drops its connection and logs in again at once is
    served: the new session waits for the old one to go."""
    store(instance)
    limits(instance)
    s = Servers(instance, procs)
    for i in range(3):
        c = poplib.POP3("127.0.0.1", s.pop3, timeout=60)
        c.user("alice@example.com")
        c.pass_(PW)
        c.stat()
        c.sock.shutdown(socket.SHUT_RDWR)     # gone, no QUIT
        c.sock.close()
    c = poplib.POP3("127.0.0.1", s.pop3, timeout=60)
    c.user("alice@example.com")
    c.pass_(PW)
    c.quit()
    assert "IN-USE" not in s.logtext()


def test_authenticated_sender_and_authzid(instance, procs):
    """After AUTH a client may send as itself, its alias domain's
    address, an alias and <>, not as another mailbox or domain, in MAIL
    FROM or in From:; an authzid other than the login is refused."""
    store(instance)
    run(instance, "vaddaliasdomain", "alias.example", "example.com", check=0)
    run(instance, "valias", "-i", "&alice@example.com", "sales@example.com",
        check=0)
    limits(instance)
    s = Servers(instance, procs)
    with smtplib.SMTP("127.0.0.1", s.smtp, timeout=60) as c:
        c.ehlo("x")
        code, _ = c.docmd("AUTH", "PLAIN " + _plain("bob@example.com",
                          "alice@example.com", PW))
        assert code == 535
        code, _ = c.docmd("AUTH", "PLAIN " + _plain("alice@example.com",
                          "alice@example.com", PW))
        assert code == 235
        for sender, want in (("alice@example.com", 250),
                             ("Alice@Alias.Example", 250),
                             ("sales@example.com", 250), ("", 250),
                             ("bob@example.com", 553),
                             ("alice@elsewhere.example", 553),
                             ("nobody@example.com", 553)):
            assert c.docmd("MAIL", "FROM:<%s>" % sender)[0] == want, sender
            c.rset()
        c.sendmail("alice@example.com", ["far@remote.example"],
                   "From: Alice <alice@example.com>\r\n\r\nok\r\n")
        with pytest.raises(smtplib.SMTPDataError) as e:
            c.sendmail("alice@example.com", ["far@remote.example"],
                       "From: Bob <bob@example.com>\r\n\r\nforged\r\n")
        assert e.value.smtp_code == 550
    # A domain in control/anysender may send as anyone.
    instance.control("anysender", "example.com\n")
    with smtplib.SMTP("127.0.0.1", s.smtp, timeout=60) as c:
        c.login("alice@example.com", PW)
        assert c.docmd("MAIL", "FROM:<x@elsewhere.example>")[0] == 250


def test_make_run_defaults(stack):
    """Every default of the issue on `make run`: EHLO SIZE 50 MB, chkuser
    on, MAXCONNIP, no clear-text passwords (so no APOP timestamp and no
    CRAM-MD5), authenticated senders held to their addresses,
    POP-before-SMTP grants expiring, qmail-queued restarted, the failed
    logins counted in the table."""
    import signal
    import ssl
    from test_run import pids_named, pop_messages, wait_for
    root, ports, user, pw, procs, out, outf = stack
    smtp, sub, pop3 = (ports["SMTP_PORT"], ports["SUBMISSION_PORT"],
                       ports["POP3_PORT"])
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as s:
        code, text = s.ehlo("client.example")
        assert b"SIZE 52428800" in text and b"CRAM-MD5" not in text
        s.mail("friend@elsewhere.test")
        assert s.rcpt("nobody-here@example.test")[0] == 550
        assert s.rcpt(user)[0] == 250
    # No clear text stored, so no APOP timestamp in the greeting.
    assert not os.path.exists(os.path.join(root, "vpopmail", "etc",
                                           "clear-passwd"))
    dom = os.path.join(root, "vpopmail", "domains", "example.test")
    with open(os.path.join(dom, "vpasswd")) as f:
        assert pw not in f.read()
    c = poplib.POP3("127.0.0.1", pop3, timeout=30)
    assert b"<" not in c.getwelcome()
    c.user(user)
    c.pass_(pw)
    c.quit()
    # Submission: AUTH under TLS; only the user's own addresses.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", sub, timeout=30) as s:
        s.starttls(context=ctx)
        code, text = s.ehlo("client.example")
        assert b"AUTH " in text and b"CRAM-MD5" not in text
        s.login(user, pw)
        assert s.docmd("MAIL", "FROM:<someone@elsewhere.test>")[0] == 553
        assert s.docmd("MAIL", "FROM:<%s>" % user)[0] == 250
    # MAXCONNIP: ten connections from one address, the eleventh refused.
    held = [socket.create_connection(("127.0.0.1", smtp), timeout=30)
            for _ in range(10)]
    for h in held:
        assert h.recv(512).startswith(b"220 ")
    extra = socket.create_connection(("127.0.0.1", smtp), timeout=30)
    assert extra.recv(512).startswith(b"421 too many connections")
    for h in held + [extra]:
        h.close()
    # A failed login is counted in the limiter's table.
    assert "authorization failed" in _pop_error(pop3, user, "wrong",
                                                "127.0.0.9")
    assert os.path.exists(os.path.join(root, "vpopmail", "etc",
                                       "login-fail.tab"))
    # An old POP-before-SMTP grant goes by itself.
    opensmtp = os.path.join(root, "vpopmail", "etc", "open-smtp")
    with open(opensmtp, "a") as f:
        f.write('192.0.2.99:allow,RELAYCLIENT="",RBLSMTPD=""\t%d\n' %
                (int(time.time()) - 7200))
    wait_for(lambda: "192.0.2.99" not in open(opensmtp).read(),
             timeout=180)
    # qmail-queued that dies is started again, and the log says so.
    old = wait_for(lambda: pids_named(root, "qmail-queued"))
    for p in old:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    wait_for(lambda: [p for p in pids_named(root, "qmail-queued")
                      if p not in old], timeout=60)
    wait_for(lambda: "qmail-queued killed by signal 9; restarting" in
             open(os.path.join(root, "log", "maillog"),
                  errors="replace").read(), timeout=60)
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as s:
        s.sendmail("friend@elsewhere.test", [user],
                   "Subject: after queued\r\n\r\nstill queued\r\n")
    wait_for(lambda: any(b"still queued" in m for m in
                         pop_messages(pop3, user, pw)))


def _pop_error(port, user, pw, src):
    c = _pop_from(port, src)
    try:
        c.user(user)
        c.pass_(pw)
        c.quit()
        return ""
    except poplib.error_proto as e:
        return e.args[0].decode()
