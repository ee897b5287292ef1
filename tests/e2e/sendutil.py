"""Helpers for the queue-send end-to-end tests: an instance with a queue
(hsmail-setup), users/cdb written in qmail-newu's format, Maildir homes
owned by an unprivileged user, qmail-start in the background with its log
in a file, injection through qmail-queue, and waiting for deliveries."""
import collections
import math
import os
import re
import signal
import struct
import subprocess
import threading
import time

from conftest import WAIT, prog
import queueutil as qu

ME = "mail.example.org"
# Deliveries run as this user when the tests run as root (qmail-lspawn
# refuses uid 0); otherwise as the current user.
if os.geteuid() == 0:
    UID, GID = 65534, 65534
else:
    UID, GID = os.getuid(), os.getgid()


def cdb_write(path, records):
    """Write a cdb (D. J. Bernstein's format) holding records [(k, v)]."""
    tables = [[] for _ in range(256)]
    body = b""
    pos = 2048
    for k, v in records:
        h = 5381
        for c in k:
            h = ((h << 5) + h) & 0xffffffff ^ c
        tables[h & 255].append((h, pos))
        rec = struct.pack("<II", len(k), len(v)) + k + v
        body += rec
        pos += len(rec)
    header = b""
    tail = b""
    for t in tables:
        n = len(t) * 2
        slots = [(0, 0)] * n
        for h, p in t:
            i = (h >> 8) % n
            while slots[i][1] != 0:
                i = (i + 1) % n
            slots[i] = (h, p)
        header += struct.pack("<II", pos + len(tail), n)
        for h, p in slots:
            tail += struct.pack("<II", h, p)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header + body + tail)
    os.rename(tmp, path)


def users_cdb(instance, entries):
    """entries: list of ("=" or "+", local, user, uid, gid, home, dash, ext)
    written as users/assign lines and compiled with qmail-newu."""
    with open(os.path.join(instance.qmail, "users", "assign"), "w") as f:
        for kind, local, user, uid, gid, home, dash, ext in entries:
            f.write("%s%s:%s:%d:%d:%s:%s:%s:\n" % (kind, local, user, uid,
                                                   gid, home, dash, ext))
        f.write(".\n")
    subprocess.run([prog("qmail-newu")], check=True, env=instance.env)


def open_path(path):
    """Let the delivery user walk down to path (pytest's tmp is 0700)."""
    p = os.path.abspath(path)
    while p != "/":
        st = os.stat(p)
        if not st.st_mode & 0o001:
            os.chmod(p, st.st_mode | 0o001)
        p = os.path.dirname(p)


def home(base, name, dotqmail=None):
    """A home directory with a Maildir, owned by the delivery user."""
    h = os.path.join(base, name)
    for d in ("", "Maildir", "Maildir/tmp", "Maildir/new", "Maildir/cur"):
        os.makedirs(os.path.join(h, d), exist_ok=True)
        os.chown(os.path.join(h, d), UID, GID)
        os.chmod(os.path.join(h, d), 0o755 if d == "" else 0o700)
    for fname, text in (dotqmail or {}).items():
        p = os.path.join(h, fname)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, 0o644)
    return h


def maildir(h):
    """Messages delivered to the Maildir of home h (bytes, sorted)."""
    new = os.path.join(h, "Maildir", "new")
    out = []
    for n in sorted(os.listdir(new)):
        with open(os.path.join(new, n), "rb") as f:
            out.append(f.read())
    return out


class Mail:
    """An instance with a queue, homes and a running qmail-start."""

    def __init__(self, instance, procs, tmp_path, concurrency=10):
        self.i = instance
        self.procs = procs
        self.queue = qu.setup(instance, ME)
        open_path(instance.root)
        self.homes = os.path.join(str(tmp_path), "homes")
        os.makedirs(self.homes, exist_ok=True)
        open_path(self.homes)
        self.log = os.path.join(str(tmp_path), "send.log")
        self.proc = None
        instance.control("locals", ME + "\n")
        instance.control("virtualdomains", "example.com:example.com\n")
        instance.control("concurrencylocal", "%d\n" % concurrency)

    def start(self):
        logf = open(self.log, "ab")
        size = logf.tell()
        self.proc = self.procs.start([prog("qmail-start"), "./Maildir/"],
                                     stdout=logf, stderr=logf,
                                     env=self.i.env)
        logf.close()
        self.wait_log(r"status: local \d+/\d+", start=size)
        return self.proc

    def stop(self, sig=signal.SIGTERM, timeout=None):
        """Stop qmail-send (and with it the others); wait for it."""
        if self.proc is None:
            return
        try:
            os.kill(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        self.proc.wait(WAIT if timeout is None else timeout)
        self.proc = None

    def logtext(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_log(self, pattern, count=1, timeout=None, start=0):
        end = time.time() + (WAIT if timeout is None else timeout)
        while time.time() < end:
            with open(self.log, "rb") as f:
                f.seek(start)
                t = f.read().decode(errors="replace")
            if len(re.findall(pattern, t, re.M)) >= count:
                return t
            time.sleep(0.05)
        raise AssertionError("log never showed %r x%d:\n%s" %
                             (pattern, count, self.logtext()[-3000:]))

    def inject(self, sender, rcpts, body=b"Subject: test\n\nhello\n"):
        rc, err = qu.qq(self.i, body, qu.envelope(sender, rcpts))
        assert rc == 0, err
        return rc

    def alarm(self):
        os.kill(self.proc.pid, signal.SIGALRM)

    def queue_empty(self, mess=True):
        """Nothing left to deliver.  With mess=False a message file
        without any envelope is allowed: qmail-send was killed between
        "end msg" and asking qmail-clean to remove it, and such files are
        removed after 36 hours (qmail's OSSIFIED rule)."""
        dirs = ["todo", "info", "local", "remote", "bounce", "intd"]
        if mess:
            dirs.append("mess")
        return qu.files(self.queue, *dirs) == []

    def wait_empty(self, timeout=None, alarm=False, mess=True):
        end = time.time() + (WAIT if timeout is None else timeout)
        while time.time() < end:
            if self.queue_empty(mess):
                return
            if alarm and self.proc is not None:
                self.alarm()
            time.sleep(0.1)
        raise AssertionError("queue never emptied: %s\n%s" % (
            qu.files(self.queue)[:20], self.logtext()[-3000:]))


def next_retries(birth, until, skip):
    """The offsets from birth qmail's schedule can give the next attempt
    after a deferral whose result came in between birth and until (epoch
    seconds): (isqrt(now - birth) + skip) ** 2.  On an idle machine the
    result comes in the second the message was born (skip ** 2); on a busy
    one it may come seconds later."""
    return {(math.isqrt(d) + skip) ** 2
            for d in range(0, max(0, math.ceil(until) - birth) + 1)}


def setup_users(m, extra=()):
    """joe@ME (plain user, .qmail default), postmaster@ME, and the virtual
    domain example.com (wildcard line as vpopmail writes it)."""
    joe = home(m.homes, "joe")
    pm = home(m.homes, "postmaster")
    dom = home(m.homes, "example.com", {".qmail-ann": "./Maildir/\n"})
    users_cdb(m.i, [
        ("=", "joe", "joe", UID, GID, joe, "", ""),
        ("=", "postmaster", "pm", UID, GID, pm, "", ""),
        ("+", "example.com-", "example.com", UID, GID, dom, "-", ""),
    ] + list(extra))
    return joe, pm, dom


class SeqFlood:
    """n messages numbered by an X-Seq header, injected through qmail-queue
    by a thread, every other one to joe@ME and to ann@example.com (the
    users of setup_users); done is set once all were tried, errors holds
    the failed injections."""

    def __init__(self, instance, n, subject=b"flood"):
        self.i = instance
        self.n = n
        self.subject = subject
        self.done = threading.Event()
        self.errors = []
        self.t = threading.Thread(target=self._run)
        self.t.start()

    def _run(self):
        try:
            for i in range(self.n):
                rcpt = "joe@" + ME if i % 2 else "ann@example.com"
                rc, err = qu.qq(self.i, b"Subject: %s\nX-Seq: %d\n\n"
                                b"body %d\n" % (self.subject, i, i),
                                qu.envelope("s@remote.example", [rcpt]))
                if rc != 0:
                    self.errors.append((i, rc, err))
        finally:
            self.done.set()

    def join(self):
        self.t.join()

    def count(self, homes):
        """(missing numbers, extra copies) over the Maildirs of homes."""
        seen = collections.Counter()
        for h in homes:
            for msg in maildir(h):
                seq = re.search(rb"\nX-Seq: (\d+)\n", msg)
                assert seq, msg[:200]
                seen[int(seq.group(1))] += 1
        missing = [i for i in range(self.n) if seen[i] == 0]
        return missing, sum(c - 1 for c in seen.values() if c > 1)
