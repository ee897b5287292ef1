"""qmail-queued end to end: qmail-start starts it on <qmail>/qmail-queued.sock;
a client hands it the read ends of qmail-queue's two pipes and gets the
queueing child's pid and wait status back.  The message is queued exactly
as qmail-queue queues it (Received line naming the client's uid); a
refused envelope, a client that disappears, TERM and a daemon killed
mid-message behave as with qmail-queue; qmail-smtpd uses it, falls back
to qmail-queue when it is not there, and never trusts a socket that
somebody else serves."""
import os
import random
import re
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from conftest import prog
import sendutil as su

MSG = b"Subject: via queued\n\nhello\n"


def as_nobody():
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


def sock_path(instance):
    return os.path.join(instance.qmail, "qmail-queued.sock")


def processes():
    """[(pid, parent pid, argv[0])] of every process."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as f:
                argv0 = f.read().split(b"\0")[0]
            with open("/proc/%s/stat" % p) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        out.append((int(p), ppid, argv0))
    return out


def daemon_pid(instance):
    """The qmail-queued parent (not one of its children)."""
    exe = os.path.join(instance.qmail, "bin", "qmail-queued").encode()
    pids = [(p, pp) for p, pp, a in processes() if a == exe]
    mine = set(p for p, _ in pids)
    top = [p for p, pp in pids if pp not in mine]
    return top[0] if top else None


def children(pid):
    return [p for p, pp, _ in processes() if pp == pid]


class Client:
    """The client side of the protocol, as qmail-smtpd speaks it."""

    def __init__(self, instance, who=b"q"):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(sock_path(instance))
        assert self.s.recv(1) == b"g"
        mr, self.mw = os.pipe()
        er, self.ew = os.pipe()
        socket.send_fds(self.s, [who], [mr, er])
        os.close(mr)
        os.close(er)

    def message(self, data, close=True):
        os.write(self.mw, data)
        if close:
            os.close(self.mw)
            self.mw = None

    def envelope(self, data):
        if self.mw is not None:
            os.close(self.mw)
            self.mw = None
        os.write(self.ew, data)
        os.close(self.ew)
        self.ew = None

    def answer(self, timeout=30):
        """(qp, wait status), or None when the connection just ends."""
        self.s.settimeout(timeout)
        b = b""
        while len(b) < 16:
            try:
                r = self.s.recv(16 - len(b))
            except ConnectionResetError:
                return None
            if not r:
                return None
            b += r
        self.s.close()
        return struct.unpack("<qq", b)


@pytest.fixture
def mail(instance, procs, tmp_path):
    m = su.Mail(instance, procs, tmp_path)
    m.joe, m.pm, m.dom = su.setup_users(m)
    m.start()
    for _ in range(100):
        if os.path.exists(sock_path(instance)) and daemon_pid(instance):
            break
        time.sleep(0.05)
    yield m
    m.stop()


def test_queues_like_qmail_queue(instance, mail):
    st = os.stat(sock_path(instance))
    assert st.st_mode & 0o777 == 0o666
    c = Client(instance)
    c.message(MSG)
    c.envelope(su.qu.envelope("s@remote.example", ["joe@" + su.ME]))
    qp, status = c.answer()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    mail.wait_empty()
    got = su.maildir(mail.joe)
    assert len(got) == 1
    assert re.search(rb"^Received: \(qmail %d invoked by uid %d\); " %
                     (qp, os.getuid()), got[0], re.M)
    assert got[0].endswith(MSG)
    # The qp is the message's own number (one child queues many).
    assert re.search(r"^info msg %d: bytes \d+ from <s@remote.example> "
                     r"qp %d uid %d$" % (qp, qp, os.getuid()),
                     mail.logtext(), re.M)


def test_who_the_queue_owner_says_it_is(instance, mail):
    """The queue's owner (one user runs the whole instance) names its
    SMTP mail and its bounces as an install's qmaild and qmails are."""
    seen = []
    for who, said in ((b"n", b"from network"), (b"b", b"for bounce")):
        c = Client(instance, who)
        c.message(MSG)
        c.envelope(su.qu.envelope("s@remote.example", ["joe@" + su.ME]))
        qp, status = c.answer()
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        mail.wait_empty()
        got = [m for m in su.maildir(mail.joe) if m not in seen]
        assert len(got) == 1
        assert re.search(rb"^Received: \(qmail %d invoked %s\); " %
                         (qp, said), got[0], re.M)
        seen += got


@pytest.mark.parametrize("who", [b"q", b"n", b"b"])
def test_client_uid_is_the_injector(instance, mail, who):
    """The uid in the envelope is the connecting process's, not the
    daemon's (as the real uid of the set-uid qmail-queue), whoever the
    client says it is."""
    if os.geteuid() != 0:
        pytest.skip("needs root to connect as another user")
    code = ("import socket, os, sys\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "s.connect(sys.argv[1]); assert s.recv(1) == b'g'\n"
            "mr, mw = os.pipe(); er, ew = os.pipe()\n"
            "socket.send_fds(s, [%r], [mr, er])\n"
            "os.write(mw, b'Subject: u\\n\\nx\\n'); os.close(mw)\n"
            "os.write(ew, b'Fs@remote.example\\0Tjoe@%s\\0\\0');"
            " os.close(ew)\n"
            "b = s.recv(16)\n"
            "sys.exit(0 if len(b) == 16 and b[8:] == bytes(8) else 1)\n"
            % (who, su.ME))
    su.open_path(instance.qmail)
    p = subprocess.run(["python3", "-c", code, sock_path(instance)],
                       preexec_fn=as_nobody, timeout=30)
    assert p.returncode == 0
    mail.wait_empty()
    got = su.maildir(mail.joe)
    assert re.search(rb"^Received: \(qmail \d+ invoked by uid 65534\); ",
                     got[0], re.M)


def test_bad_envelope_and_vanished_client(instance, mail):
    c = Client(instance)
    c.message(MSG)
    c.envelope(b"Fs@x\0Tjoe@" + su.ME.encode() + b"\0")	# no final NUL
    pid, status = c.answer()
    assert os.WEXITSTATUS(status) == 54	# qq read error: it ends early
    c = Client(instance)
    c.message(b"Subject: half", close=False)
    os.close(c.mw)
    os.close(c.ew)				# gone without an envelope
    pid, status = c.answer()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0
    # A client that connects and sends nothing holds nobody up.
    idle = socket.socket(socket.AF_UNIX)
    idle.connect(sock_path(instance))
    c = Client(instance)
    c.message(MSG)
    c.envelope(su.qu.envelope("s@remote.example", ["joe@" + su.ME]))
    assert os.WEXITSTATUS(c.answer()[1]) == 0
    idle.close()
    mail.wait_empty()
    assert len(su.maildir(mail.joe)) == 1
    assert su.qu.files(mail.queue, "pid", "mess", "intd", "todo") == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stop_finishes_what_runs(instance, mail, sig):
    """TERM to qmail-queued, or its death (its children get TERM): the
    socket stops accepting at once, and the message a child has is
    finished and answered."""
    c = Client(instance)
    c.message(b"Subject: slow\n\n", close=False)
    os.kill(daemon_pid(instance), sig)
    wait_refused(instance)
    c.message(b"rest\n")
    c.envelope(su.qu.envelope("s@remote.example", ["joe@" + su.ME]))
    assert os.WEXITSTATUS(c.answer()[1]) == 0
    mail.wait_empty()
    assert su.maildir(mail.joe)[0].endswith(b"Subject: slow\n\nrest\n")


def wait_refused(instance):
    for _ in range(200):
        try:
            socket.socket(socket.AF_UNIX).connect(sock_path(instance))
        except ConnectionRefusedError:
            return
        time.sleep(0.05)
    raise AssertionError("still accepting")


def test_child_killed_mid_message(instance, mail):
    """The client gets no answer (qmail-smtpd says 451); the message is
    then either queued whole or not at all, and the next client is
    served by a new child."""
    c = Client(instance)
    c.message(b"Subject: cut\n\n", close=False)
    for k in children(daemon_pid(instance)):
        os.kill(k, signal.SIGKILL)
    assert c.answer() is None
    try:
        c.message(b"more\n")
        c.envelope(su.qu.envelope("s@remote.example", ["joe@" + su.ME]))
    except BrokenPipeError:
        pass
    c = Client(instance)
    c.message(MSG)
    c.envelope(su.qu.envelope("s@remote.example", ["joe@" + su.ME]))
    assert os.WEXITSTATUS(c.answer()[1]) == 0
    # A message file cut short stays for qmail-send's 36-hour cleanup,
    # as after a killed qmail-queue.
    mail.wait_empty(alarm=True, mess=False)
    got = su.maildir(mail.joe)
    assert got[-1].endswith(MSG)
    for m in got[:-1]:
        assert m.endswith(b"Subject: cut\n\nmore\n")


def test_many_clients_one_child(instance, mail):
    """Message after message in the same children: every one queued,
    no descriptor left behind."""
    qps = set()
    for i in range(30):
        c = Client(instance)
        c.message(b"Subject: n%d\n\nbody\n" % i)
        c.envelope(su.qu.envelope("s@remote.example", ["joe@" + su.ME]))
        qp, status = c.answer()
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        qps.add(qp)
    assert qps and 0 not in qps	# inodes: reused once delivered
    kids = children(daemon_pid(instance))
    assert 1 <= len(kids) <= 3
    for pid in kids:	# fds 0-2, the socket, /dev/null, the pipe
        fds = os.listdir("/proc/%d/fd" % pid)
        assert len(fds) <= 6, fds
    mail.wait_empty()
    got = su.maildir(mail.joe)
    assert sorted(m.split(b"Subject: ")[1].split(b"\n")[0] for m in got) \
        == sorted(b"n%d" % i for i in range(30))


def smtp_session(instance, env=None):
    """One SMTP conversation with qmail-smtpd on pipes; its replies."""
    e = dict(instance.env)
    e.pop("QMAILQUEUE", None)
    e.update(env or {})
    script = (b"HELO client.example\r\nMAIL FROM:<s@remote.example>\r\n"
              b"RCPT TO:<joe@" + su.ME.encode() + b">\r\nDATA\r\n")
    p = subprocess.Popen([prog("qmail-smtpd")], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=e)
    p.stdin.write(script)
    p.stdin.flush()
    out = b""
    while b"354" not in out:
        r = os.read(p.stdout.fileno(), 4096)
        assert r, out
        out += r
    p.stdin.write(b"Subject: smtp\r\n\r\nvia smtpd\r\n.\r\nQUIT\r\n")
    p.stdin.close()
    out += p.stdout.read()
    p.wait(30)
    return out.decode()


def test_smtpd_uses_it_and_falls_back(instance, mail):
    instance.control("rcpthosts", su.ME + "\n")
    out = smtp_session(instance)
    m = re.search(r"^250 2\.0\.0 ok \d+ qp (\d+)", out, re.M)
    assert m, out
    mail.wait_empty()
    assert len(su.maildir(mail.joe)) == 1
    # Queued by qmail-queued: the qp is the message's number.
    assert re.search(r"^info msg %s: .* qp %s uid" % (m.group(1),
                     m.group(1)), mail.logtext(), re.M)
    os.kill(daemon_pid(instance), signal.SIGKILL)
    time.sleep(0.2)
    out = smtp_session(instance)		# connection refused: qmail-queue
    assert re.search(r"^250 2\.0\.0 ok \d+ qp \d+", out, re.M), out
    mail.wait_empty()
    assert len(su.maildir(mail.joe)) == 2


def test_smtpd_refuses_an_impostor(instance, mail, procs, tmp_path):
    """A socket served by another user (who took the path while the
    queue was down) is not the queue: qmail-smtpd queues through
    qmail-queue and the message arrives."""
    if os.geteuid() != 0:
        pytest.skip("needs root to serve as another user")
    instance.control("rcpthosts", su.ME + "\n")
    os.kill(daemon_pid(instance), signal.SIGKILL)
    path = sock_path(instance)
    os.unlink(path)
    # The impostor listens as nobody; its socket is then put in place.
    imp = tmp_path / "imp"
    imp.mkdir()
    os.chmod(imp, 0o777)
    su.open_path(str(imp))
    isock = str(imp / "s")
    code = ("import socket, os, sys, struct\n"
            "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])\n"
            "os.chmod(sys.argv[1], 0o666); s.listen(5)\n"
            "while True:\n"
            "    c, _ = s.accept(); c.send(b'g')\n"
            "    msg, fds, fl, ad = socket.recv_fds(c, 1, 2)\n"
            "    open(sys.argv[1] + '.used', 'w').close()\n"
            "    c.send(struct.pack('<qq', 4242, 0)); c.close()\n")
    procs.start(["python3", "-c", code, isock], preexec_fn=as_nobody)
    for _ in range(100):
        if os.path.exists(isock):
            break
        time.sleep(0.05)
    os.rename(isock, path)
    # It does answer a client that does not check.
    c = Client(instance)
    c.message(b"x")
    c.envelope(b"\0")
    assert c.answer() == (4242, 0)
    out = smtp_session(instance)
    assert "qp 4242" not in out
    assert re.search(r"^250 2\.0\.0 ok \d+ qp \d+", out, re.M), out
    mail.wait_empty()
    assert su.maildir(mail.joe)[0].endswith(b"Subject: smtp\n\nvia smtpd\n")


def smtp_send(instance, subject):
    """One message through qmail-smtpd on pipes: True on 250 after DATA,
    False on any other reply."""
    e = dict(instance.env)
    e.pop("QMAILQUEUE", None)
    p = subprocess.Popen([prog("qmail-smtpd")], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         env=e)
    out, _ = p.communicate(
        b"HELO client.example\r\nMAIL FROM:<s@remote.example>\r\n"
        b"RCPT TO:<joe@" + su.ME.encode() + b">\r\nDATA\r\n"
        b"Subject: " + subject + b"\r\n\r\nbody\r\n.\r\nQUIT\r\n",
        timeout=60)
    replies = out.decode().split("\r\n")
    data = [r for r in replies if r.startswith("354")]
    assert data, replies
    after = replies[replies.index(data[0]) + 1]
    return after.startswith("250 ")


def test_kills_lose_nothing_answered(instance, mail):
    """Children of qmail-queued (and once qmail-queued itself) killed
    with SIGKILL while sessions run: every message that got 250 is
    delivered; the others got a temporary error or were still queued."""
    instance.control("rcpthosts", su.ME + "\n")
    rnd = random.Random(7)
    ok = []
    for i in range(40):
        subject = b"k%d" % i
        if rnd.random() < 0.5:
            dpid = daemon_pid(instance)
            kids = children(dpid) if dpid else []
            if i == 20 and dpid:
                os.kill(dpid, signal.SIGKILL)
            elif kids:
                # Kill whichever child is about to serve, mid-way.
                def later(k=rnd.choice(kids), d=rnd.random() * 0.01):
                    time.sleep(d)
                    try:
                        os.kill(k, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                threading.Thread(target=later).start()
        if smtp_send(instance, subject):
            ok.append(subject)
    assert ok
    # A killed child leaves what a killed qmail-queue leaves (pid/,
    # mess/, intd/ files without todo/): qmail-send's 36-hour cleanup.
    end = time.time() + 60
    while su.qu.files(mail.queue, "todo", "info", "local", "remote",
                      "bounce") and time.time() < end:
        mail.alarm()
        time.sleep(0.1)
    assert not su.qu.files(mail.queue, "todo", "info", "local", "remote",
                           "bounce")
    got = set()
    for m in su.maildir(mail.joe):
        got.add(m.split(b"Subject: ")[1].split(b"\n")[0])
    missing = [s for s in ok if s not in got]
    assert not missing, missing
