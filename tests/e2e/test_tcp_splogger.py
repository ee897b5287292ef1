"""splogger end to end: lines piped in land in syslog or the instance's maillog in
the documented format; concurrent sploggers never interleave lines."""
import os
import re
import subprocess

import pytest

from conftest import WAIT, prog

LINE = re.compile(r"^[A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d \S+ "
                  r"(?P<tag>\S+): (?P<sec>\d+)\.(?P<usec>\d{6})"
                  r"(?P<sep>[ +])(?P<text>.*)$")


def maillog(instance):
    with open(os.path.join(instance.log, "maillog"), encoding="latin-1") as f:
        return f.read().splitlines()


def test_format_into_maillog(instance):
    data = (b"new msg 4567\n\n\ncontrol \x01 and \xff bytes\n" +
            b"x" * 1000 + b"\nlast line without newline")
    r = subprocess.run([prog("splogger"), "qmail"], input=data,
                       env=instance.env, capture_output=True)
    assert r.returncode == 0, r.stderr
    lines = maillog(instance)
    m = [LINE.match(l) for l in lines]
    assert all(m), lines
    assert [x.group("tag") for x in m] == ["qmail"] * 5
    assert [(x.group("sep"), x.group("text")) for x in m] == [
        (" ", "new msg 4567"),
        (" ", "control ? and ? bytes"),
        (" ", "x" * 799),
        ("+", "x" * 201),
        (" ", "last line without newline"),
    ]
    # The continuation keeps the stamp of its line.
    assert m[2].group("sec", "usec") == m[3].group("sec", "usec")


def test_option_f_and_facility(tmp_path):
    path = str(tmp_path / "other.log")
    env = dict(os.environ)
    env.pop("HSMAIL_ROOT", None)
    r = subprocess.run([prog("splogger"), "-f", path, "smtpd", "3"],
                       input=b"warning: hello\n", env=env)
    assert r.returncode == 0
    with open(path) as f:
        m = LINE.match(f.read().rstrip("\n"))
    assert m and m.group("tag") == "smtpd"
    assert m.group("text") == "warning: hello"


def test_concurrent_sploggers_do_not_interleave(instance):
    n, lines = 4, 2000
    ps = []
    for i in range(n):
        text = "".join("writer %d line %d %s\n" % (i, j, "y" * 300)
                       for j in range(lines))
        p = subprocess.Popen([prog("splogger"), "w%d" % i],
                             stdin=subprocess.PIPE, env=instance.env)
        ps.append((p, text))
    for p, text in ps:
        p.stdin.write(text.encode())
        p.stdin.close()
    for p, _ in ps:
        assert p.wait(WAIT) == 0
    got = maillog(instance)
    assert len(got) == n * lines
    seen = set()
    for l in got:
        m = LINE.match(l)
        assert m, l
        _, i, _, j, pad = m.group("text").split(" ")
        assert m.group("tag") == "w" + i and pad == "y" * 300
        seen.add((i, j))
    assert len(seen) == n * lines


# Runs in a private mount namespace where /dev is a fresh tmpfs (with the
# few devices a program needs): a socket bound at /dev/log receives what
# splogger sends to syslog, as syslogd would.
SYSLOG_HARNESS = r'''
set -e
mount --make-rprivate /
mkdir -p "$T/olddev"
mount --rbind /dev "$T/olddev"
mount -t tmpfs tmpfs /dev
for n in null zero urandom random; do
	touch /dev/$n
	mount --bind "$T/olddev/$n" /dev/$n
done
exec /usr/bin/python3 -c '
import os, socket, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(30)
p = subprocess.run(sys.argv[1:], input=b"new msg 4567\nwarning: low\nalert: oh no\n")
for _ in range(3):
    sys.stdout.write(s.recv(4096).decode("latin-1").rstrip("\n") + "\n")
sys.exit(p.returncode)
' "$@"
'''

SYSLOG_LINE = re.compile(r"^<(?P<pri>\d+)>[A-Z][a-z]{2} [ 1-3]\d "
                         r"\d\d:\d\d:\d\d (?P<tag>\S+): \d+\.\d{6} "
                         r"(?P<text>.*)$")


def test_syslog_facility_priority_and_tag(tmp_path):
    """Outside an instance each line goes to syslog: facility mail (or
    the numeric one given, 3 = daemon on the SMTP line), priority alert /
    warning / info by the text, the tag, qmail's stamp."""
    if os.geteuid() != 0:
        pytest.skip("needs root for a private /dev/log")
    if subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        pytest.skip("no private mount namespace here")
    env = dict(os.environ, T=str(tmp_path))
    env.pop("HSMAIL_ROOT", None)
    for args, fac in (([], 2), (["3"], 3)):
        r = subprocess.run(["unshare", "-m", "sh", "-c", SYSLOG_HARNESS,
                            "sh", prog("splogger"), "smtpd"] + args,
                           env=env, capture_output=True, text=True,
                           timeout=WAIT)
        assert r.returncode == 0, r.stdout + r.stderr
        got = [SYSLOG_LINE.match(l) for l in r.stdout.splitlines()]
        assert all(got), r.stdout
        assert [(int(m.group("pri")), m.group("tag"), m.group("text"))
                for m in got] == [
            (fac * 8 + 6, "smtpd", "new msg 4567"),
            (fac * 8 + 4, "smtpd", "warning: low"),
            (fac * 8 + 1, "smtpd", "alert: oh no")]
