"""pop3util - helpers for the POP3 end-to-end tests: a mailbox with
messages, a TLS certificate, and qmail-popup/qmail-pop3d served by
tcpserver (ours, or HSMAIL_TEST_TCPSERVER's) on a loopback port.

The login program is the real vchkpw with users made by vadddomain and
vadduser when those are built.  The stand-in pop3_checkpw.py serves the
few tests that need what vchkpw does not do: APOP (curl always uses it
when the greeting has a timestamp) and a login program that crashes.
"""
import os
import shutil
import subprocess
import time

from conftest import BIN, TCPSERVER, WAIT, free_port, prog, wait_port

HERE = os.path.dirname(os.path.abspath(__file__))


def make_cert(instance):
    """A self-signed control/servercert.pem (key and chain in one file)."""
    path = os.path.join(instance.qmail, "control", "servercert.pem")
    if not os.path.exists(path):
        key = path + ".key"
        crt = path + ".crt"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-keyout", key, "-out", crt, "-days", "2",
                        "-subj", "/CN=localhost"], check=True,
                       capture_output=True)
        with open(path, "w") as out:
            for p in (crt, key):
                with open(p) as f:
                    out.write(f.read())
    return path


def message(i, body_lines=3, size_pad=0):
    """A small message text (LF line ends, as stored in a Maildir)."""
    body = "".join("line %d of message %d\n" % (j, i)
                   for j in range(body_lines))
    if size_pad:
        body += "x" * size_pad + "\n"
    return ("From: a@example.com\nTo: b@example.com\nSubject: test %d\n"
            "\n%s" % (i, body))


def deliver(maildir, text, when=None, sub="new", flags=""):
    """Put text into maildir/new (or cur) under a qmail-style name."""
    data = text.encode() if isinstance(text, str) else text
    when = int(when or time.time()) - 10
    deliver.seq += 1
    name = "%d.M%dP%d.test,S=%d" % (when, deliver.seq, os.getpid(), len(data))
    if sub == "cur":
        name += ":2," + flags
    with open(os.path.join(maildir, sub, name), "wb") as f:
        f.write(data)
    return name


deliver.seq = 0


class Mailbox:
    """A POP3 user: its login, password and Maildir."""

    def __init__(self, login, password, home):
        self.login = login
        self.password = password
        self.home = home
        self.maildir = os.path.join(home, "Maildir")

    def names(self, sub):
        return sorted(n for n in os.listdir(os.path.join(self.maildir, sub))
                      if not n.startswith("."))


def vpop_built():
    return all(os.path.exists(os.path.join(BIN, p))
               for p in ("vchkpw", "vadddomain", "vadduser", "vuserinfo"))


class Pop3:
    """qmail-popup under tcpserver for one instance.  real: log in
    through vchkpw (default when built), else through the stand-in."""

    def __init__(self, instance, procs, real=None):
        self.instance = instance
        self.procs = procs
        self.real = vpop_built() if real is None else real
        self.passwd = instance.path("pop3-test-passwd")
        self.log = instance.path("log", "pop3.log")
        self.domains = set()
        open(self.passwd, "a").close()
        if self.real:
            self.checkpw = os.path.join(BIN, "vchkpw")
        else:
            self.checkpw = os.path.join(HERE, "pop3_checkpw.py")

    def vpop(self, *argv):
        r = subprocess.run([os.path.join(BIN, argv[0])] + list(argv[1:]),
                           env=self.instance.env, capture_output=True,
                           text=True, timeout=WAIT)
        assert r.returncode == 0, (argv, r.stdout, r.stderr)
        return r.stdout

    def user(self, login, password, flags=""):
        if self.real:
            domain = login.split("@", 1)[1]
            if domain not in self.domains:
                self.vpop("vadddomain", domain, "postmaster-pw")
                self.domains.add(domain)
            self.vpop("vadduser", login, password)
            home = self.vpop("vuserinfo", "-d", login).strip()
            for d in ("tmp", "new", "cur"):
                os.makedirs(os.path.join(home, "Maildir", d), exist_ok=True)
            return Mailbox(login, password, home)
        home = self.instance.path("homes", login)
        md = os.path.join(home, "Maildir")
        for d in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(md, d), exist_ok=True)
        with open(self.passwd, "a") as f:
            f.write("%s:%s:%s:%s\n" % (login, password, home, flags))
        return Mailbox(login, password, home)

    def start(self, env=None, checkpw=None):
        """Start a server; returns its port."""
        port = free_port()
        e = dict(self.instance.env)
        e.update({"POP3_TEST_PASSWD": self.passwd, "POP3_FAIL_DELAY": "0",
                  "VCHKPW_FAIL_DELAY": "0"})
        e.update(env or {})
        logf = open(self.log, "ab")
        self.procs.start([TCPSERVER, "-q", "-H", "-R", "-l", "localhost",
                          "127.0.0.1", str(port), prog("qmail-popup"),
                          "pop.example.com", checkpw or self.checkpw,
                          prog("qmail-pop3d"), "Maildir"],
                         env=e, stdout=subprocess.DEVNULL, stderr=logf)
        wait_port(port)
        return port

    def logtext(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def wait_log(self, needle, timeout=None):
        end = time.time() + (WAIT if timeout is None else timeout)
        while time.time() < end:
            if needle in self.logtext():
                return True
            time.sleep(0.05)
        return False


def have(program):
    return shutil.which(program) is not None or os.path.exists(
        os.path.join(BIN, program))
