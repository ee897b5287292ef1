"""qmail-local end to end: .qmail lookup with defaults, Maildir, mbox,
program and forward lines, the safety checks, loop detection and the
"did F+W+P" / "qp N" report."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import prog
import queueutil as qu

MSG = b"Subject: test\nFrom: a@b\n\nFrom me to you\nline two\n"


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    h.mkdir(mode=0o755)
    os.chmod(h, 0o755)
    return h


def run(instance, home, local="joe", dash="", ext="", sender="s@x.example",
        host="example.com", msg=MSG, opts=(), env=None):
    mf = home.parent / "msg"
    mf.write_bytes(msg)
    with open(mf, "rb") as m:
        p = subprocess.run([prog("qmail-local")] + list(opts) +
                           ["--", "joe", str(home), local, dash, ext, host,
                            sender, "./Maildir/"],
                           stdin=m, capture_output=True,
                           env=env or instance.env, cwd="/")
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def dotq(home, name, text, mode=0o644):
    p = home / name
    p.write_text(text)
    os.chmod(p, mode)


def maildir_msgs(d):
    new = os.path.join(str(d), "new")
    return [open(os.path.join(new, f), "rb").read()
            for f in sorted(os.listdir(new))]


def recorder(home, name="rec.py", code=0):
    """A program that saves its arguments, environment and stdin."""
    p = home / name
    p.write_text("#!%s\nimport os, sys, json\n"
                 "d = {'argv': sys.argv[1:], 'env': dict(os.environ),\n"
                 "     'stdin': sys.stdin.buffer.read().decode('latin1'),\n"
                 "     'cwd': os.getcwd()}\n"
                 "open(os.path.join(os.environ['HOME'], 'rec.%s.json'), 'w')"
                 ".write(json.dumps(d))\n"
                 "sys.exit(%d)\n" % (sys.executable, name, code))
    os.chmod(p, 0o755)
    return str(p)


def recorded(home, name="rec.py"):
    import json
    return json.load(open(os.path.join(str(home), "rec.%s.json" % name)))


def test_default_maildir(instance, home):
    os.makedirs(home / "Maildir" / "tmp")
    os.makedirs(home / "Maildir" / "new")
    os.makedirs(home / "Maildir" / "cur")
    rc, out, err = run(instance, home)
    assert rc == 0, err
    assert out == "did 1+0+0\n"
    msgs = maildir_msgs(home / "Maildir")
    assert msgs == [b"Return-Path: <s@x.example>\n"
                    b"Delivered-To: joe@example.com\n" + MSG]


def test_no_mailbox_with_dash(instance, home):
    rc, out, err = run(instance, home, local="joe-foo", dash="-", ext="foo")
    assert rc == 100
    assert "Sorry, no mailbox here by that name. (#5.1.1)" in err


def test_default_files_and_env(instance, home):
    rec = recorder(home)
    dotq(home, ".qmail-foo-default", "|%s one 'two words' ''\n" % rec)
    rc, out, err = run(instance, home, local="joe-foo-Bar.Baz", dash="-",
                       ext="foo-Bar.Baz", sender="")
    assert rc == 0, err
    assert out == "did 0+0+1\n"
    r = recorded(home)
    assert r["argv"] == ["one", "two words", ""]
    assert r["stdin"] == MSG.decode()       # no Return-Path for programs
    assert r["cwd"] == str(home)
    e = r["env"]
    assert e["DEFAULT"] == "Bar.Baz"
    assert e["EXT"] == "foo-Bar.Baz" and e["EXT2"] == "Bar.Baz"
    assert e["EXT3"] == "" and e["EXT4"] == ""
    assert e["LOCAL"] == "joe-foo-Bar.Baz"
    assert e["RECIPIENT"] == "joe-foo-Bar.Baz@example.com"
    assert e["HOST"] == "example.com" and e["HOST2"] == "example"
    assert e["SENDER"] == "" and e["NEWSENDER"] == ""
    assert e["DTLINE"] == "Delivered-To: joe-foo-Bar.Baz@example.com\n"
    assert e["RPLINE"] == "Return-Path: <>\n"
    assert e["UFLINE"].startswith("From MAILER-DAEMON ")
    assert e["USER"] == "joe" and e["HOME"] == str(home)


def test_exact_beats_default(instance, home):
    dotq(home, ".qmail-foo", "./exact/\n")
    dotq(home, ".qmail-default", "./dflt/\n")
    for d in ("exact", "dflt"):
        for s in ("tmp", "new", "cur"):
            os.makedirs(home / d / s)
    rc, out, err = run(instance, home, local="joe-foo", dash="-", ext="FOO")
    assert rc == 0, err
    assert len(maildir_msgs(home / "exact")) == 1
    assert maildir_msgs(home / "dflt") == []
    rc, out, err = run(instance, home, local="joe-zz", dash="-", ext="zz")
    assert rc == 0, err
    assert len(maildir_msgs(home / "dflt")) == 1


@pytest.mark.parametrize("code,want,stops", [
    (0, 0, False), (99, 0, True), (100, 100, True), (111, 111, True),
    (64, 100, True), (77, 100, True), (112, 100, True), (3, 111, True)])
def test_program_exit_codes(instance, home, code, want, stops):
    a = recorder(home, "a.py", code)
    b = recorder(home, "b.py", 0)
    dotq(home, ".qmail", "|%s\n|%s\n" % (a, b))
    rc, out, err = run(instance, home)
    assert rc == want
    assert os.path.exists(home / "rec.a.py.json")
    assert os.path.exists(home / "rec.b.py.json") == (not stops)
    if want == 0:
        assert out == "did 0+0+%d\n" % (1 if stops else 2)


def test_shell_line(instance, home):
    dotq(home, ".qmail", '|echo "$SENDER:$LOCAL" > out.txt; cat >> out.txt\n')
    rc, out, err = run(instance, home)
    assert rc == 0, err
    assert (home / "out.txt").read_bytes() == b"s@x.example:joe\n" + MSG


def test_program_not_found_is_temporary(instance, home):
    dotq(home, ".qmail", "|/nonexistent/prog arg\n")
    rc, out, err = run(instance, home)
    assert rc == 111


def test_mbox(instance, home):
    dotq(home, ".qmail", "./mbox\n")
    (home / "mbox").write_bytes(b"old\n")
    os.chmod(home / "mbox", 0o600)
    msg = b"Subject: x\n\nFrom here\n>From there\nno newline"
    rc, out, err = run(instance, home, msg=msg)
    assert rc == 0, err
    assert out == "did 1+0+0\n"
    data = (home / "mbox").read_bytes()
    assert data.startswith(b"old\nFrom s@x.example ")
    rest = data.split(b"\n", 2)[2]
    assert rest == (b"Return-Path: <s@x.example>\n"
                    b"Delivered-To: joe@example.com\n"
                    b"Subject: x\n\n>From here\n>>From there\nno newline\n\n")


def test_mbox_write_failure_truncates(instance, home):
    dotq(home, ".qmail", "./mbox\n")
    (home / "mbox").write_bytes(b"old content\n")
    os.chmod(home / "mbox", 0o600)
    env = qu.fault_env(instance.env, "write", 1, "ENOSPC")
    rc, out, err = run(instance, home, env=env)
    assert rc == 111
    assert "Unable to write ./mbox" in err
    assert (home / "mbox").read_bytes() == b"old content\n"


def test_loop_detection(instance, home):
    dotq(home, ".qmail", "./Maildir/\n")
    msg = b"Received: x\nDelivered-To: joe@example.com\nSubject: y\n\nb\n"
    rc, out, err = run(instance, home, msg=msg)
    assert rc == 100
    assert "This message is looping: it already has my Delivered-To line. " \
        "(#5.4.6)" in err
    # The same line in the body is no loop.
    for s in ("tmp", "new", "cur"):
        os.makedirs(home / "Maildir" / s)
    msg = b"Subject: y\n\nDelivered-To: joe@example.com\n"
    rc, out, err = run(instance, home, msg=msg)
    assert rc == 0, err


def test_forward(instance, home):
    queue = qu.setup(instance)
    dotq(home, ".qmail", "&fwd@else.example\nother@else.example\n")
    rc, out, err = run(instance, home)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "did 0+2+0"
    assert lines[1].startswith("qp ") and int(lines[1][3:]) > 0
    todo = qu.files(queue, "todo")
    assert len(todo) == 1
    env = qu.read(queue, todo[0])
    assert env.endswith(b"\0Fs@x.example\0Tfwd@else.example\0"
                        b"Tother@else.example\0")
    mess = qu.files(queue, "mess")[0]
    body = qu.read(queue, mess).split(b"\n", 1)[1]
    assert body == b"Delivered-To: joe@example.com\n" + MSG


@pytest.mark.parametrize("files,sender", [
    ((), "s@x.example"),
    ((".qmail-list-owner",), "joe-list-owner@example.com"),
    ((".qmail-list-owner", ".qmail-list-owner-default"),
     "joe-list-owner-@example.com-@[]"),
])
def test_forward_owner(instance, home, files, sender):
    queue = qu.setup(instance)
    dotq(home, ".qmail-list", "&a@else.example\n")
    for f in files:
        dotq(home, f, "&owner@else.example\n")
    rc, out, err = run(instance, home, local="joe-list", dash="-", ext="list")
    assert rc == 0, err
    env = qu.read(queue, qu.files(queue, "todo")[0])
    assert b"\0F" + sender.encode() + b"\0Ta@else.example\0" in env


def test_forward_failure(instance, home):
    # No queue: qmail-queue fails temporarily, so does the delivery.
    dotq(home, ".qmail", "&a@else.example\n")
    rc, out, err = run(instance, home)
    assert rc == 111
    assert "Unable to forward message: qq trouble" in err


@pytest.mark.parametrize("setup,text", [
    ("dotq_writable", "Uh-oh: .qmail file is writable. (#4.7.0)"),
    ("home_writable", "Uh-oh: home directory is writable. (#4.7.0)"),
    ("home_sticky", "Home directory is sticky"),
    ("xbit_file", ".qmail has file delivery but has x bit set"),
    ("list_prog", ".qmail has prog delivery but has x bit set"),
    ("blank_first", "first line of .qmail file is blank"),
])
def test_safety_checks(instance, home, setup, text):
    if setup == "dotq_writable":
        dotq(home, ".qmail", "./Maildir/\n", 0o666)
    elif setup == "home_writable":
        os.chmod(home, 0o757)
    elif setup == "home_sticky":
        os.chmod(home, 0o1755)
    elif setup == "xbit_file":
        dotq(home, ".qmail", "./Maildir/\n", 0o755)
    elif setup == "list_prog":
        dotq(home, ".qmail", "+list\n|true\n")
    elif setup == "blank_first":
        dotq(home, ".qmail", "\n./Maildir/\n")
    rc, out, err = run(instance, home)
    assert rc == 111
    assert text in err


def test_dry_run(instance, home):
    dotq(home, ".qmail", "# c\n./Maildir/\n./mbox\n|prog x\n&f@g\n")
    rc, out, err = run(instance, home, opts=["-n"])
    assert rc == 0, err
    assert out == ("maildir ./Maildir/\nmbox ./mbox\nprogram prog x\n"
                   "forward f@g\ndid 2+1+1\n")
    assert not os.path.exists(home / "mbox")


def test_usage(instance, home):
    p = subprocess.run([prog("qmail-local"), "a"], capture_output=True,
                       env=instance.env)
    assert p.returncode == 100
    rc, out, err = run(instance, home, opts=[])
    p = subprocess.run([prog("qmail-local"), "--", "u", "relative", "l", "",
                        "", "h", "s", "./Maildir/"], capture_output=True,
                       env=instance.env)
    assert p.returncode == 100


@pytest.mark.parametrize("body,want", [
    (b"", b""),
    (b">>", b">>\n"),
    (b"Fro", b"Fro\n"),
    (b"From", b"From\n"),
    (b"From \n", b">From \n"),
    (b"x\n>>>From y\n>From\nFrom\nFromage\n", b"x\n>>>>From y\n>From\nFrom\nFromage\n"),
])
def test_mbox_quoting_edges(instance, home, body, want):
    dotq(home, ".qmail", "./mbox\n")
    rc, out, err = run(instance, home, msg=body)
    assert rc == 0, err
    data = (home / "mbox").read_bytes()
    assert data.split(b"Delivered-To: joe@example.com\n", 1)[1] == want + b"\n"


def test_mbox_from_across_reads(instance, home):
    # "From " lines at every offset around the 8192-byte read size.
    dotq(home, ".qmail", "./mbox\n")
    body = b""
    while len(body) < 20000:
        body += b"a" * (len(body) % 7) + b"\nFrom x\n>From y\n"
    rc, out, err = run(instance, home, msg=body)
    assert rc == 0, err
    got = (home / "mbox").read_bytes().split(
        b"Delivered-To: joe@example.com\n", 1)[1]
    want = body.replace(b"\nFrom x", b"\n>From x").replace(
        b"\n>From y", b"\n>>From y") + b"\n"
    assert got == want


def vdm_run(instance, user, domain="example.com"):
    """qmail-local as qmail-lspawn runs it for a vpopmail domain: home is
    the domain directory, .qmail-default holds the vdelivermail line."""
    from vpoputil import domdir
    d = domdir(instance, domain)
    with open(instance.path("vmsg"), "wb") as f:
        f.write(MSG)
    with open(instance.path("vmsg"), "rb") as m:
        p = subprocess.run([prog("qmail-local"), "--", "vpopmail", d,
                            domain + "-" + user, "-", user, domain,
                            "s@x.example", "./Maildir/"],
                           stdin=m, capture_output=True, env=instance.env,
                           cwd="/")
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_vdelivermail_line_builtin_and_replaced(instance):
    """The .qmail-default line naming the installed vdelivermail delivers
    (its code runs inside qmail-local); the same line behaves the same when
    vdelivermail is a copy that has to be executed; and a vdelivermail that
    was replaced by another program runs that program."""
    from vpoputil import adddomain, adduser, vpasswd, maildir_messages
    adddomain(instance, "example.com")
    adduser(instance, "joe@example.com")
    md = vpasswd(instance, "example.com")[0][5] + "/Maildir"
    want = (b"Return-Path: <s@x.example>\n"
            b"Delivered-To: joe@example.com\n" + MSG)

    rc, out, err = vdm_run(instance, "joe")
    assert (rc, out) == (0, "did 0+0+1\n"), err
    assert maildir_messages(md) == [want]
    rc, out_unknown, err = vdm_run(instance, "nosuch")
    assert rc == 100 and "no mailbox here" in out_unknown + err

    # Not the last line: the same in a child of its own.
    from vpoputil import domdir
    qd = os.path.join(domdir(instance, "example.com"), ".qmail-default")
    with open(qd) as f:
        line = f.read()
    with open(qd, "w") as f:
        f.write(line + "# kept\n")
    rc, out, err = vdm_run(instance, "joe")
    assert (rc, out) == (0, "did 0+0+1\n"), err
    assert maildir_messages(md) == [want, want]
    assert vdm_run(instance, "nosuch")[1] == out_unknown
    with open(qd, "w") as f:
        f.write(line)

    inst = os.path.join(instance.vpopmail, "bin", "vdelivermail")
    real = os.path.realpath(inst)
    os.unlink(inst)
    shutil.copy(real, inst)		# another file: executed
    rc, out, err = vdm_run(instance, "joe")
    assert (rc, out) == (0, "did 0+0+1\n"), err
    assert maildir_messages(md) == [want] * 3
    assert vdm_run(instance, "nosuch")[1] == out_unknown

    os.unlink(inst)
    with open(inst, "w") as f:
        f.write("#!/bin/sh\necho \"$EXT@$HOST $*\" > %s\nexit 0\n"
                % instance.path("replaced"))
    os.chmod(inst, 0o755)
    rc, out, err = vdm_run(instance, "joe")
    assert (rc, out) == (0, "did 0+0+1\n"), err
    with open(instance.path("replaced")) as f:
        assert f.read() == "joe@example.com  bounce-no-mailbox\n"
    assert len(maildir_messages(md)) == 3
