"""dovecot_oracle - Dovecot's imap binary, pre-authenticated on a scratch
Maildir, as the oracle of differential tests: the MIME layer's tests now
(ENVELOPE, BODYSTRUCTURE, BODY, BODY[section], BINARY), the IMAP server's
later (same commands to both, same answers where the RFC leaves no choice).

    oracle = DovecotOracle(tmpdir)            # skips the test without Dovecot
    oracle.add_messages([b"From: a@b\\n\\nhi\\n", ...])   # into new/ as Maildir files
    out = oracle.session(["SELECT INBOX", "FETCH 1:* (BODYSTRUCTURE)"])
    resp = oracle.fetch("1:*", "ENVELOPE BODYSTRUCTURE")  # {seq: {item: value}}

Values are parsed IMAP data (parse_imap): lists as Python lists, strings
(quoted or literal) as bytes, NIL as None, atoms and numbers as str, so
that a quoted string and a literal of the same octets compare equal.
Dovecot refuses to run as root: as root the scratch tree is given to
nobody and the binary runs as nobody (setpriv).
"""
import os
import re
import select
import shutil
import subprocess
import threading
import time

DOVECOT_IMAP = "/usr/lib/dovecot/imap"
NOBODY = 65534


def available():
    return os.access(DOVECOT_IMAP, os.X_OK)


class ImapParseError(Exception):
    pass


def _parse_value(buf, i):
    """One IMAP value at buf[i:]: (value, next index)."""
    n = len(buf)
    while i < n and buf[i:i + 1] == b" ":
        i += 1
    if i >= n:
        raise ImapParseError("end of data")
    c = buf[i:i + 1]
    if c == b"(":
        i += 1
        items = []
        while True:
            while i < n and buf[i:i + 1] == b" ":
                i += 1
            if i >= n:
                raise ImapParseError("unterminated list")
            if buf[i:i + 1] == b")":
                return items, i + 1
            v, i = _parse_value(buf, i)
            items.append(v)
    if c == b'"':
        i += 1
        out = bytearray()
        while i < n:
            ch = buf[i:i + 1]
            if ch == b"\\":
                out += buf[i + 1:i + 2]
                i += 2
                continue
            if ch == b'"':
                return bytes(out), i + 1
            out += ch
            i += 1
        raise ImapParseError("unterminated quoted string")
    if c in (b"{", b"~"):
        if c == b"~":
            i += 1
        m = re.match(rb"\{(\d+)\+?\}\r\n", buf[i:i + 40])
        if not m:
            raise ImapParseError("bad literal at %d" % i)
        size = int(m.group(1))
        start = i + m.end()
        return bytes(buf[start:start + size]), start + size
    m = re.match(rb"[^ ()\r\n\[]+(\[[^\]]*\](<\d+>)?)?", buf[i:])
    if not m or m.end() == 0:
        raise ImapParseError("unexpected %r at %d" % (buf[i:i + 20], i))
    tok = buf[i:i + m.end()].decode("latin-1")
    return (None if tok.upper() == "NIL" else tok), i + m.end()


def parse_imap(data):
    """Parse one IMAP value (bytes) as the module documents."""
    v, i = _parse_value(data, 0)
    if data[i:].strip():
        raise ImapParseError("trailing data %r" % data[i:i + 20])
    return v


def parse_fetch_responses(out):
    """{seq: {ITEM: value}} from the untagged FETCH responses in out."""
    res = {}
    i = 0
    n = len(out)
    while i < n:
        m = re.compile(rb"\* (\d+) FETCH ").match(out, i)
        if not m:
            j = out.find(b"\r\n", i)
            if j < 0:
                break
            # skip a line, including literals it announces
            line = out[i:j]
            lm = re.search(rb"\{(\d+)\}$", line)
            i = j + 2 + (int(lm.group(1)) if lm else 0)
            continue
        seq = int(m.group(1))
        try:
            items, i = _parse_value(out, m.end())
        except ImapParseError:
            break       # the server stopped in the middle of a response
        d = res.setdefault(seq, {})
        for k in range(0, len(items) - 1, 2):
            d[items[k].upper()] = items[k + 1]
        j = out.find(b"\r\n", i)
        i = n if j < 0 else j + 2
    return res


class DovecotOracle:
    def __init__(self, tmpdir):
        import pytest
        if not available():
            pytest.skip("Dovecot's imap binary is not installed "
                        "(deps/mime.test.apt)")
        # A directory of its own under /tmp, not below tmpdir: as root the
        # tree must be reachable by nobody, and pytest's are mode 0700.
        import tempfile
        self.root = tempfile.mkdtemp(prefix="dovecot-oracle-")
        self.keep = os.path.join(str(tmpdir), "dovecot-oracle.log")
        self.maildir = os.path.join(self.root, "Maildir")
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(self.maildir, d))
        self.as_root = os.getuid() == 0
        uid = NOBODY if self.as_root else os.getuid()
        gid = NOBODY if self.as_root else os.getgid()
        self.conf = os.path.join(self.root, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write("base_dir = %s/run\n" % self.root)
            f.write("state_dir = %s/state\n" % self.root)
            f.write("log_path = %s/log\n" % self.root)
            f.write("info_log_path = %s/log\n" % self.root)
            f.write("mail_location = maildir:%s:INDEX=MEMORY\n"
                    % self.maildir)
            f.write("ssl = no\nprotocols = imap\nlisten =\n")
            f.write("mail_uid = %d\nmail_gid = %d\n" % (uid, gid))
            f.write("first_valid_uid = %d\nfirst_valid_gid = %d\n"
                    % (min(uid, 500), min(gid, 500)))
            f.write("imap_max_line_length = 10M\n")
        self.count = 0

    def add_messages(self, msgs):
        """Add messages (bytes) as Maildir files, in order: sequence
        numbers follow the list."""
        for m in msgs:
            self.count += 1
            name = "%010d.M%dP1.oracle:2," % (1000000000 + self.count,
                                             self.count)
            with open(os.path.join(self.maildir, "cur", name), "wb") as f:
                f.write(m)
        self._own()

    def _own(self):
        if not self.as_root:
            return
        os.chmod(self.root, 0o755)
        for dirpath, dirnames, filenames in os.walk(self.root):
            os.chown(dirpath, NOBODY, NOBODY)
            for f in filenames:
                os.chown(os.path.join(dirpath, f), NOBODY, NOBODY)

    def session(self, commands, timeout=120):
        """Run tagged commands (without tags) in one session; the raw
        output (bytes)."""
        lines = []
        for k, c in enumerate(commands + ["LOGOUT"]):
            if isinstance(c, str):
                c = c.encode()
            lines.append(b"t%d " % k + c + b"\r\n")
        env = {"USER": "nobody" if self.as_root else
               os.environ.get("USER", "user"),
               "HOME": self.root, "PATH": "/usr/bin:/bin"}
        cmd = [DOVECOT_IMAP, "-c", self.conf]
        if self.as_root:
            cmd = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                   "--clear-groups"] + cmd
        # stdin stays open until the LOGOUT answer is in: Dovecot takes an
        # end of input for a client that went away, and stops a long
        # FETCH in the middle
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env)
        # the commands go in from a thread (a long list must not block
        # against the answers filling the other pipe)
        writer = threading.Thread(target=self._feed, args=(p.stdin, lines),
                                  daemon=True)
        writer.start()
        last = b"t%d " % (len(lines) - 1)
        out = bytearray()
        deadline = time.time() + timeout
        fd = p.stdout.fileno()
        while time.time() < deadline:
            r, _, _ = select.select([fd], [], [], 1.0)
            if not r:
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            out += chunk
            tail = bytes(out[-4096:])
            if (b"\r\n" + last) in tail and tail.endswith(b"\r\n"):
                break
        writer.join(timeout=10)
        try:
            p.stdin.close()
        except OSError:
            pass
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        err = p.stderr.read()
        p.stdout.close()
        p.stderr.close()
        if p.returncode != 0:
            raise RuntimeError("dovecot imap exited %d: %r %r" % (
                p.returncode, err[-2000:], self._log()))
        return bytes(out)

    @staticmethod
    def _feed(f, lines):
        try:
            for line in lines:
                f.write(line)
            f.flush()
        except (OSError, ValueError):
            pass     # it went away: its answers say why

    def close(self):
        """Remove the scratch tree (its log is copied beside tmpdir)."""
        try:
            shutil.copyfile(os.path.join(self.root, "log"), self.keep)
        except OSError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)

    def _log(self):
        try:
            with open(os.path.join(self.root, "log"), "rb") as f:
                return f.read()[-2000:]
        except OSError:
            return b""

    def fetch(self, seqset, items):
        out = self.session(["SELECT INBOX",
                            "FETCH %s (%s)" % (seqset, items)])
        return parse_fetch_responses(out)

    def _fetch_batch(self, items, first, last):
        cmds = ["SELECT INBOX"] + ["FETCH %d (%s)" % (i, items)
                                   for i in range(first, last + 1)]
        out = self.session(cmds)
        data = parse_fetch_responses(out)
        tags = {}
        for t, st, rest in re.findall(rb"^t(\d+) (OK|NO|BAD)(.*?)\r?$",
                                      out, re.M):
            tags[int(t)] = (st + rest).decode("latin-1")
        res = {}
        for i in range(first, last + 1):
            st = tags.get(i - first + 1)
            if st is not None:
                res[i] = ("OK" if st.startswith("OK") else st.strip(),
                          data.get(i, {}))
        return res

    def fetch_each(self, items, count=None):
        """FETCH every message alone (one command each, so that one NO
        spoils nothing else): {seq: (status, {ITEM: value})}, status
        "OK", "NO [CODE] ..." or "BYE" (Dovecot gave up with an internal
        error; the message is then fetched alone to tell which one)."""
        count = self.count if count is None else count
        res = {}
        start = 1
        while start <= count:
            got = self._fetch_batch(items, start, count)
            res.update(got)
            missing = [i for i in range(start, count + 1) if i not in got]
            if not missing:
                break
            i = missing[0]
            alone = self._fetch_batch(items, i, i)
            res[i] = alone.get(i, ("BYE", {}))
            start = i + 1
        return res
