"""splogger end to end: lines piped in land in the instance's maillog in
the documented format; concurrent sploggers never interleave lines."""
import os
import re
import subprocess

from conftest import prog

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
        assert p.wait(60) == 0
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
