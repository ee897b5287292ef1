"""qmail-queue end to end: what lands in the queue, the exit codes of the
reference for bad input, and that no failure (injected I/O errors, a full
filesystem, the suicide timer) leaves a half message in todo/."""
import os
import shutil
import signal
import stat
import subprocess

import pytest

from conftest import WAIT, prog, wait_for
import queueutil as qu

MSG = b"Subject: hello\n\nbody line\n"
TEMP_CODES = {53, 54, 63, 64, 65, 66}


def test_queue_one_message(instance):
    queue = qu.setup(instance)
    trig = os.open(os.path.join(queue, "lock/trigger"),
                   os.O_RDONLY | os.O_NONBLOCK)
    try:
        rc, err = qu.qq(instance, MSG, qu.envelope("a@b.example",
                                                   ["c@d.example", "e@f"]))
        assert rc == 0, err
        assert os.read(trig, 10) == b"\0"          # the trigger was pulled
    finally:
        os.close(trig)
    todo = qu.files(queue, "todo")
    assert len(todo) == 1
    ino = int(todo[0].split("/")[1])
    mess = "mess/%d/%d" % (ino % 23, ino)
    assert qu.files(queue) == sorted([mess, "intd/%d" % ino, todo[0]])
    assert os.stat(os.path.join(queue, mess)).st_ino == ino
    body = qu.read(queue, mess)
    first, rest = body.split(b"\n", 1)
    assert first.startswith(b"Received: (qmail ")
    assert b" invoked by uid %d); " % os.getuid() in first
    assert first.endswith(b" -0000")
    assert rest == MSG
    env = qu.read(queue, todo[0])
    recs = env.split(b"\0")
    assert recs[0] == b"u%d" % os.getuid()
    assert recs[1].startswith(b"p") and int(recs[1][1:]) > 0
    assert recs[2:] == [b"Fa@b.example", b"Tc@d.example", b"Te@f", b""]
    # Mode of the queued files: 0644 (umask 033).
    assert stat.S_IMODE(os.stat(os.path.join(queue, mess)).st_mode) == 0o644


def test_message_bytes_verbatim(instance):
    queue = qu.setup(instance)
    msg = b"X: \0nul\r\n\n" + bytes(range(256)) * 300   # NULs, CRs, 8-bit
    rc, err = qu.qq(instance, msg, qu.envelope("", ["x@y"]))
    assert rc == 0, err
    mess = qu.files(queue, "mess")[0]
    assert qu.read(queue, mess).split(b"\n", 1)[1] == msg
    assert qu.read(queue, qu.files(queue, "todo")[0]).endswith(b"\0F\0Tx@y\0")


def _long(n):
    return "a" * n


ENDS = "qmail-queue: warning: bad envelope: it ends early\n"
FORMAT = "qmail-queue: warning: bad envelope: format error\n"
LONG = "qmail-queue: warning: bad envelope: address too long\n"


@pytest.mark.parametrize("env_bytes,code,line", [
    (b"", 54, ENDS),                        # no envelope at all
    (b"Fa@b\0Tc@d\0", 54, ENDS),            # EOF before the final NUL
    (b"Fa@b\0Tc@d", 54, ENDS),              # EOF inside a record
    (b"Fa@b", 54, ENDS),
    (b"Ta@b\0\0", 91, FORMAT),              # no sender record
    (b"\0", 91, FORMAT),
    (b"Fa@b\0Xc@d\0\0", 91, FORMAT),        # unknown record
    (b"Fa@b\0Fc@d\0\0", 91, FORMAT),
    (b"F" + _long(1003).encode() + b"\0\0", 11, LONG),     # sender too long
    (b"F\0T" + _long(1003).encode() + b"\0\0", 11, LONG),  # recipient
    (b"F\0T" + _long(100000).encode() + b"\0\0", 11, LONG),
])
def test_bad_envelope(instance, env_bytes, code, line):
    queue = qu.setup(instance)
    rc, err = qu.qq(instance, MSG, env_bytes)
    assert rc == code
    assert err == line                      # one clear line in the log
    assert qu.files(queue) == []            # nothing queued, nothing left


def test_address_at_limit(instance):
    queue = qu.setup(instance)
    rc, err = qu.qq(instance, MSG, qu.envelope(_long(1002), [_long(1002)]))
    assert rc == 0, err
    assert len(qu.files(queue, "todo")) == 1


def test_no_queue_dir(instance):
    # No queue directory: 62; no qmail directory: 61.
    rc, _ = qu.qq(instance, MSG, qu.envelope("a", ["b"]))
    assert rc == 62
    env = dict(instance.env, HSMAIL_ROOT=instance.path("nonexistent"))
    rc, _ = qu.qq(instance, MSG, qu.envelope("a", ["b"]), env=env)
    assert rc == 61


@pytest.mark.parametrize("op,most", [
    ("write", 4), ("fsync", 5), ("link", 3), ("open", 5), ("rename", 2)])
@pytest.mark.parametrize("err", ["EIO", "ENOSPC"])
def test_fault_injection(instance, op, most, err):
    """Fail the Nth call of op: either the message is whole in the queue
    (the failed call was retried or not needed) or qmail-queue exits with a
    temporary code and leaves nothing behind."""
    queue = qu.setup(instance)
    big = MSG + b"x" * 200000               # several writes
    for n in range(1, most + 1):
        env = qu.fault_env(instance.env, op, n, err)
        rc, stderr = qu.qq(instance, big, qu.envelope("a@b", ["c@d"]),
                           env=env)
        left = qu.files(queue)
        if rc == 0:
            todo = qu.files(queue, "todo")
            assert len(todo) == 1
            ino = int(todo[0].split("/")[1])
            mess = "mess/%d/%d" % (ino % 23, ino)
            assert qu.read(queue, mess).split(b"\n", 1)[1] == big
            assert qu.read(queue, todo[0]).endswith(b"Fa@b\0Tc@d\0")
            for f in left:
                os.unlink(os.path.join(queue, f))
        else:
            assert rc in TEMP_CODES, (op, n, rc, stderr)
            assert left == [], (op, n, rc)
            assert "qmail-queue: warning: trouble" in stderr


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                        str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % r.stderr.decode().strip())
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)])


def test_full_filesystem(instance, small_fs):
    qdir = os.path.join(str(small_fs), "qmail")
    # Put the instance's qmail tree on the small filesystem.
    shutil.copytree(instance.qmail, qdir, symlinks=True)
    shutil.rmtree(instance.qmail)
    os.symlink(qdir, instance.qmail)
    queue = qu.setup(instance)
    rc, err = qu.qq(instance, b"x" * 400000, qu.envelope("a", ["b"]))
    assert rc == 53, err
    assert qu.files(queue) == []
    rc, err = qu.qq(instance, MSG, qu.envelope("a", ["b"]))
    assert rc == 0, err
    assert len(qu.files(queue, "todo")) == 1


def test_alarm_exits_52(instance):
    queue = qu.setup(instance)
    r, w = os.pipe()
    er, ew = os.pipe()
    p = subprocess.Popen([prog("qmail-queue")], stdin=r, stdout=er,
                         env=instance.env)
    os.close(r)
    os.close(er)
    try:
        wait_for(lambda: qu.files(queue, "mess"), interval=0.01,
                 what="qmail-queue to start")	# and wait for data
        p.send_signal(signal.SIGALRM)
        assert p.wait(WAIT) == 52
        assert qu.files(queue, "todo") == []
    finally:
        os.close(w)
        os.close(ew)


def test_setuid_ignores_root(instance, tmp_path):
    """A set-uid qmail-queue never follows HSMAIL_ROOT."""
    if os.getuid() != 0:
        pytest.skip("needs root to make a set-uid copy")
    qu.setup(instance)
    copy = tmp_path / "qq"
    shutil.copy(prog("qmail-queue"), copy)
    os.chown(copy, 65534, 65534)
    os.chmod(copy, 0o4755)
    rc, _ = qu.qq(instance, MSG, qu.envelope("a", ["b"]), argv=[str(copy)])
    assert qu.files(os.path.join(instance.qmail, "queue")) == []
    if not os.path.isdir("/var/qmail/queue"):
        assert rc in (61, 62)


def test_closed_descriptors(instance):
    """fd 2 closed by the caller: nothing of ours lands in the message;
    fd 1 closed: no envelope, exit 54, nothing queued."""
    queue = qu.setup(instance)
    with open(os.path.join(str(instance.root), "m"), "wb") as f:
        f.write(MSG)
    env_bytes = qu.envelope("a", ["b"])
    r, w = os.pipe()
    os.write(w, env_bytes)
    os.close(w)
    with open(os.path.join(str(instance.root), "m"), "rb") as m:
        p = subprocess.run([prog("qmail-queue")], stdin=m, stdout=r,
                           stderr=subprocess.DEVNULL, env=instance.env,
                           close_fds=True,
                           preexec_fn=lambda: os.close(2))
    os.close(r)
    assert p.returncode == 0
    mess = qu.files(queue, "mess")[0]
    assert qu.read(queue, mess).split(b"\n", 1)[1] == MSG
    for f in qu.files(queue):
        os.unlink(os.path.join(queue, f))
    with open(os.path.join(str(instance.root), "m"), "rb") as m:
        p = subprocess.run([prog("qmail-queue")], stdin=m,
                           env=instance.env,
                           preexec_fn=lambda: os.close(1))
    assert p.returncode == 54
    assert qu.files(queue) == []


def test_file_size_limit(instance):
    import resource
    queue = qu.setup(instance)

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (10000, 10000))
    with open(os.path.join(str(instance.root), "m"), "wb") as f:
        f.write(b"x" * 50000)
    e = os.path.join(str(instance.root), "e")
    with open(e, "wb") as f:
        f.write(qu.envelope("a", ["b"]))
    with open(os.path.join(str(instance.root), "m"), "rb") as m, \
            open(e, "rb") as ef:
        p = subprocess.run([prog("qmail-queue")], stdin=m, stdout=ef,
                           stderr=subprocess.PIPE, env=instance.env,
                           preexec_fn=limit)
    assert p.returncode == 53
    assert qu.files(queue) == []
