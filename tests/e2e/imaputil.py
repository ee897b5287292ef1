"""imaputil - helpers for the IMAP end-to-end tests: users made by
vadddomain/vadduser, messages dropped into their Maildirs, and
imaplogin + vchkpw + imapd served by tcpserver (Debian's ucspi-tcp) on a
loopback port, plain and IMAPS."""
import imaplib
import os
import ssl
import subprocess
import time

from conftest import BIN, free_port, prog, wait_port
from pop3util import Mailbox, deliver, make_cert, message  # noqa: F401

TCPSERVER = "/usr/bin/tcpserver"


def tls_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Imap:
    """imaplogin under tcpserver for one instance."""

    def __init__(self, instance, procs):
        self.instance = instance
        self.procs = procs
        self.log = instance.path("log", "imap.log")
        self.domains = set()

    def vpop(self, *argv):
        r = subprocess.run([os.path.join(BIN, argv[0])] + list(argv[1:]),
                           env=self.instance.env, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, (argv, r.stdout, r.stderr)
        return r.stdout

    def user(self, login, password):
        domain = login.split("@", 1)[1]
        if domain not in self.domains:
            self.vpop("vadddomain", domain, "postmaster-pw")
            self.domains.add(domain)
        self.vpop("vadduser", login, password)
        home = self.vpop("vuserinfo", "-d", login).strip()
        for d in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(home, "Maildir", d), exist_ok=True)
        return Mailbox(login, password, home)

    def start(self, env=None, ip="127.0.0.1"):
        """Start a server; returns its port."""
        port = free_port()
        e = dict(self.instance.env)
        e.update({"IMAP_FAIL_DELAY": "0", "VCHKPW_FAIL_DELAY": "0"})
        e.update(env or {})
        logf = open(self.log, "ab")
        self.procs.start([TCPSERVER, "-q", "-H", "-R", "-l", "localhost",
                          ip, str(port), prog("imaplogin"),
                          "imap.example.com", prog("vchkpw"), prog("imapd"),
                          "Maildir"], env=e, stdout=subprocess.DEVNULL,
                         stderr=logf)
        wait_port(port, host=ip)
        return port

    def logtext(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def wait_log(self, needle, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if needle in self.logtext():
                return True
            time.sleep(0.05)
        return False

    def login(self, port, mb):
        c = imaplib.IMAP4("127.0.0.1", port, timeout=30)
        c.login(mb.login, mb.password)
        return c


def preauth(maildir, args=None, env=None):
    """imapd run directly (pre-authenticated) on a Maildir: a pipe."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.Popen([prog("imapd"), maildir] + (args or []),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=e,
                            cwd=os.path.dirname(maildir))


def script(maildir, commands, env=None, timeout=60):
    """Run command lines through a pre-authenticated imapd; its output."""
    p = preauth(maildir, env=env)
    data = "".join(c + "\r\n" for c in commands).encode()
    out, err = p.communicate(data, timeout=timeout)
    return out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
