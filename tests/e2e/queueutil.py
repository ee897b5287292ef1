"""Helpers for the queue-in end-to-end tests: set up an instance queue with
hsmail-setup, run qmail-queue, list what is in the queue, and build the
fault-injection shim (faultshim.c) once per session."""
import os
import subprocess
import tempfile

from conftest import prog

HERE = os.path.dirname(os.path.abspath(__file__))
_shim = None


def setup(instance, me="mail.example.org"):
    """Run hsmail-setup on the instance root; return the queue directory."""
    subprocess.run([prog("hsmail-setup"), "-m", me, instance.root],
                   check=True, env=instance.env)
    return os.path.join(instance.qmail, "queue")


def shim():
    """Path of the built LD_PRELOAD fault shim."""
    global _shim
    if _shim is None:
        d = tempfile.mkdtemp(prefix="faultshim")
        _shim = os.path.join(d, "faultshim.so")
        subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", _shim,
                        os.path.join(HERE, "faultshim.c"), "-ldl"],
                       check=True)
    return _shim


def fault_env(env, op, n, err="EIO"):
    e = dict(env)
    e["LD_PRELOAD"] = shim()
    e["FAULT_OP"] = op
    e["FAULT_N"] = str(n)
    e["FAULT_ERRNO"] = err
    e["ASAN_OPTIONS"] = (e.get("ASAN_OPTIONS", "") +
                         ":verify_asan_link_order=0").lstrip(":")
    return e


def envelope(sender, rcpts):
    b = b"F" + sender.encode() + b"\0"
    for r in rcpts:
        b += b"T" + r.encode() + b"\0"
    return b + b"\0"


def qq(instance, message, env_bytes, env=None, argv=None):
    """Run qmail-queue with message on fd 0 and the envelope on fd 1;
    return (exit code, stderr text)."""
    with tempfile.TemporaryFile() as m, tempfile.TemporaryFile() as e:
        m.write(message)
        m.seek(0)
        e.write(env_bytes)
        e.seek(0)
        p = subprocess.run(argv or [prog("qmail-queue")], stdin=m, stdout=e,
                           stderr=subprocess.PIPE, env=env or instance.env)
    return p.returncode, p.stderr.decode(errors="replace")


def files(queue, *dirs):
    """Regular files under the given queue subdirectories (relative)."""
    out = []
    for d in dirs or ("pid", "mess", "intd", "todo", "info", "local",
                      "remote", "bounce"):
        for root, _, names in os.walk(os.path.join(queue, d)):
            for n in names:
                out.append(os.path.relpath(os.path.join(root, n), queue))
    return sorted(out)


def read(queue, rel):
    with open(os.path.join(queue, rel), "rb") as f:
        return f.read()
