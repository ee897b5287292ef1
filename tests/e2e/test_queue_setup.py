"""hsmail-setup: the queue tree with qmail's modes, idempotent, repairs
modes, keeps existing files, refuses symlinks inside the tree."""
import os
import stat
import subprocess

from conftest import prog

SPLIT = ("mess", "info", "local", "remote")


def run_setup(root, *args):
    return subprocess.run([prog("hsmail-setup")] + list(args) + [root],
                          capture_output=True)


def mode(p):
    return stat.S_IMODE(os.lstat(p).st_mode)


def test_tree_and_modes(tmp_path):
    root = str(tmp_path / "r")
    assert run_setup(root, "-m", "mx.example").returncode == 0
    q = os.path.join(root, "qmail", "queue")
    want = {"": 0o750, "pid": 0o700, "pool": 0o700, "ipool": 0o700,
            "intd": 0o700, "todo": 0o750,
            "bounce": 0o700, "mess": 0o750, "info": 0o700, "local": 0o700,
            "remote": 0o700, "lock": 0o750}
    for d, m in want.items():
        assert mode(os.path.join(q, d)) == m, d
    for d in SPLIT:
        subs = sorted(os.listdir(os.path.join(q, d)), key=int)
        assert subs == [str(i) for i in range(23)]
        assert mode(os.path.join(q, d, "22")) == want[d]
    assert stat.S_ISFIFO(os.lstat(os.path.join(q, "lock/trigger")).st_mode)
    assert mode(os.path.join(q, "lock/trigger")) == 0o622
    assert open(os.path.join(q, "lock/tcpto"), "rb").read() == b"\0" * 1024
    assert os.path.getsize(os.path.join(q, "lock/sendmutex")) == 0
    assert mode(os.path.join(q, "lock/sendmutex")) == 0o600
    for d in ("qmail/bin", "qmail/control", "qmail/users", "vpopmail/bin",
              "vpopmail/domains", "vpopmail/etc", "statistic/loaded", "log"):
        assert os.path.isdir(os.path.join(root, d)), d
    assert open(os.path.join(root, "qmail/control/me")).read() == \
        "mx.example\n"


def test_idempotent_and_repairs(tmp_path):
    root = str(tmp_path / "r")
    assert run_setup(root, "-m", "first.example").returncode == 0
    q = os.path.join(root, "qmail", "queue")
    with open(os.path.join(q, "lock/tcpto"), "wb") as f:
        f.write(b"x" * 1024)
    os.chmod(os.path.join(q, "todo"), 0o777)
    assert run_setup(root, "-m", "second.example").returncode == 0
    assert mode(os.path.join(q, "todo")) == 0o750
    assert open(os.path.join(q, "lock/tcpto"), "rb").read() == b"x" * 1024
    assert open(os.path.join(root, "qmail/control/me")).read() == \
        "first.example\n"


def test_refuses_symlink_inside(tmp_path):
    root = str(tmp_path / "r")
    os.makedirs(os.path.join(root, "qmail", "queue"))
    os.symlink("/tmp", os.path.join(root, "qmail", "queue", "todo"))
    p = run_setup(root)
    assert p.returncode == 111
    assert b"refusing symlink" in p.stderr


def test_separate_trees(tmp_path):
    q, v = str(tmp_path / "q"), str(tmp_path / "v")
    s, lg = str(tmp_path / "s"), str(tmp_path / "l")
    p = subprocess.run([prog("hsmail-setup"), "-q", q, "-v", v, "-s", s,
                        "-l", lg], capture_output=True)
    assert p.returncode == 0, p.stderr
    assert os.path.isdir(os.path.join(q, "queue", "mess", "0"))
    assert os.path.isdir(os.path.join(v, "domains"))
    assert os.path.isdir(os.path.join(s, "loaded"))
    assert os.path.isdir(lg)
