"""Helpers for the qmail-smtpd end-to-end tests: an instance with control
files and a certificate, qmail-smtpd under tcpserver, the messages that
reached the queue, and a raw SMTP client for what real clients refuse to
send (smuggling, NUL bytes, pipelined STARTTLS).

The queue is tests/e2e/fake-qmail-queue (set through QMAILQUEUE), which
stores each message and envelope as qmail-queue would receive them; the
checkpassword program is tests/e2e/fake-checkpassword.
"""
import os
import socket
import ssl
import subprocess

from conftest import TCPSERVER, WAIT, free_port, prog, wait_port
from tlsutil import make_cert

HERE = os.path.dirname(os.path.abspath(__file__))
FAKEQ = os.path.join(HERE, "fake-qmail-queue")
FAKECP = os.path.join(HERE, "fake-checkpassword")

USER = "alice@example.com"
PASS = "secret"


class Smtpd:
    """qmail-smtpd under tcpserver on 127.0.0.1:<port>."""

    def __init__(self, instance, procs, args=(), env=None, cert=True,
                 rcpthosts="example.com\n.sub.example.net\n", controls=None,
                 realqueue=False, rules=None):
        self.inst = instance
        if realqueue:
            subprocess.run([prog("hsmail-setup"), "-m", "mx.example.org",
                            instance.root], check=True, env=instance.env)
        self.qdir = instance.path("fakeq")
        os.makedirs(self.qdir, exist_ok=True)
        instance.control("me", "mx.example.org\n")
        if rcpthosts is not None:
            instance.control("rcpthosts", rcpthosts)
        for k, v in (controls or {}).items():
            instance.control(k, v)
        self.cert = None
        if cert:
            self.cert = make_cert(instance.path("qmail", "control",
                                                "servercert.pem"))
        self.log = instance.path("log", "smtpd.log")
        self.cplog = instance.path("log", "checkpassword.log")
        e = dict(instance.env)
        e.update({"QMAILQUEUE": FAKEQ, "FAKEQ_DIR": self.qdir,
                  "FAKECP_LOG": self.cplog})
        if realqueue:
            del e["QMAILQUEUE"]
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        self.port = free_port()
        argv = [TCPSERVER, "-H", "-R", "-l", "mx.example.org"]
        if rules is not None:
            # tcp.smtp rules text, compiled by ucspi-tcp's tcprules.
            cdb = instance.path("tcp.smtp.cdb")
            subprocess.run(["tcprules", cdb, cdb + ".tmp"],
                           input=rules.encode(), check=True)
            argv += ["-x", cdb]
        argv += ["127.0.0.1", str(self.port), prog("qmail-smtpd")]
        argv += list(args)
        self.logf = open(self.log, "ab")
        self.proc = procs.start(argv, env=e, stdout=subprocess.DEVNULL,
                                stderr=self.logf)
        wait_port(self.port)

    def ctx(self):
        """A client TLS context trusting our certificate."""
        c = ssl.create_default_context(cafile=self.cert)
        c.check_hostname = False
        return c

    def messages(self):
        """[(envelope bytes, message bytes)] in the order queued."""
        out = []
        n = 0
        while os.path.exists(os.path.join(self.qdir, "%d.env" % n)):
            with open(os.path.join(self.qdir, "%d.env" % n), "rb") as f:
                env = f.read()
            with open(os.path.join(self.qdir, "%d.msg" % n), "rb") as f:
                msg = f.read()
            out.append((env, msg))
            n += 1
        return out

    def logtext(self):
        self.logf.flush()
        with open(self.log, "rb") as f:
            return f.read().decode("latin-1")


def envelope(sender, rcpts):
    """The qmail-queue envelope for sender and rcpts."""
    e = b"F" + sender.encode() + b"\0"
    for r in rcpts:
        e += b"T" + r.encode() + b"\0"
    return e + b"\0"


class Raw:
    """A byte-level SMTP client."""

    def __init__(self, port, timeout=None):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout or WAIT)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        """One reply line (without CRLF), or None at end of input."""
        while b"\r\n" not in self.buf:
            try:
                b = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                b = b""
            if not b:
                return None
            self.buf += b
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln.decode("latin-1")

    def reply(self):
        """A whole (multi-line) reply: its last line, or None."""
        while True:
            ln = self.line()
            if ln is None or len(ln) < 4 or ln[3] != "-":
                return ln

    def cmd(self, c):
        self.send(c + "\r\n")
        return self.reply()

    def closed(self):
        """True once the server has closed the connection."""
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, ssl.SSLError):
            return True

    def starttls(self, ctx):
        self.sock = ctx.wrap_socket(self.sock)

    def close(self):
        self.sock.close()


def cdb_write(path, records):
    """Write a cdb (D. J. Bernstein's format) of (key, data) byte pairs."""
    import struct

    def h(k):
        v = 5381
        for c in k:
            v = ((v << 5) + v ^ c) & 0xffffffff
        return v

    tables = [[] for _ in range(256)]
    body = b""
    pos = 2048
    for k, d in records:
        tables[h(k) & 255].append((h(k), pos))
        rec = struct.pack("<II", len(k), len(d)) + k + d
        body += rec
        pos += len(rec)
    head = b""
    tail = b""
    for t in tables:
        n = len(t) * 2
        slots = [(0, 0)] * n
        for hv, p in t:
            i = (hv >> 8) % n
            while slots[i][1] != 0:
                i = (i + 1) % n
            slots[i] = (hv, p)
        head += struct.pack("<II", pos + len(tail), n)
        for hv, p in slots:
            tail += struct.pack("<II", hv, p)
    with open(path, "wb") as f:
        f.write(head + body + tail)
