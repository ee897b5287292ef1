"""vdelivermail end to end, run the way qmail-local runs it from
.qmail-default: Maildir++ delivery with Return-Path and Delivered-To,
quota and the over-quota bounce, the user's .qmail (forward, program,
maildir), catch-all fallbacks, loops, locked accounts, exit codes."""
import os
import stat

from vpoputil import (adddomain, adduser, deliver, domdir, maildir_messages,
                      run, vpasswd)

MSG = b"From: a@remote.example\nSubject: hello\n\nbody line\n"


def fake_queue(instance):
    """qmail-queue stand-in that records message and envelope."""
    out = instance.path("queued")
    os.makedirs(out, exist_ok=True)
    q = os.path.join(instance.qmail, "bin", "qmail-queue")
    if os.path.lexists(q):
        os.unlink(q)
    with open(q, "w") as f:
        f.write("#!/bin/sh\nn=$$\ncat > %s/$n.msg\ncat <&1 > %s/$n.env\n"
                "exit 0\n" % (out, out))
    os.chmod(q, 0o755)
    return out


def queued(out):
    res = []
    for f in sorted(os.listdir(out)):
        if f.endswith(".msg"):
            base = os.path.join(out, f[:-4])
            res.append((open(base + ".msg", "rb").read(),
                        open(base + ".env", "rb").read()))
    return res


def make_joe(instance):
    adddomain(instance, "example.com")
    adduser(instance, "joe@example.com")
    return vpasswd(instance, "example.com")[0][5] + "/Maildir"


def test_deliver_to_user(instance):
    md = make_joe(instance)
    p = deliver(instance, "Joe", "EXAMPLE.com", MSG)
    assert p.returncode == 0, p.stdout
    msgs = maildir_messages(md)
    assert msgs == [b"Return-Path: <sender@remote.example>\n"
                    b"Delivered-To: joe@example.com\n" + MSG]
    name = os.listdir(os.path.join(md, "new"))[0]
    # The size on disk, and with CRLF line ends (what POP3 says).
    assert name.endswith(",S=%d,W=%d" % (len(msgs[0]),
                                         len(msgs[0]) + msgs[0].count(b"\n")))
    assert os.listdir(os.path.join(md, "tmp")) == []


def test_unknown_user_fallbacks(instance):
    make_joe(instance)
    p = deliver(instance, "nobody", "example.com", MSG)
    assert p.returncode == 100
    assert p.stdout == b"Sorry, no mailbox here by that name. " \
        b"vpopmail (#5.1.1)\n"
    with open(os.path.join(domdir(instance, "example.com"),
                           ".no-user.msg"), "w") as f:
        f.write("No such user here.\n")
    p = deliver(instance, "nobody", "example.com", MSG)
    assert (p.returncode, p.stdout) == (100, b"No such user here.\n")
    assert deliver(instance, "nobody", "example.com", MSG,
                   fallback="delete").returncode == 0
    pm = os.path.join(domdir(instance, "example.com"), "postmaster")
    p = deliver(instance, "nobody", "example.com", MSG, fallback=pm)
    assert p.returncode == 0
    assert len(maildir_messages(pm + "/Maildir")) == 1
    out = fake_queue(instance)
    p = deliver(instance, "nobody", "example.com", MSG,
                fallback="catch@else.net")
    assert p.returncode == 0, p.stdout
    [(msg, env)] = queued(out)
    assert env == b"Fsender@remote.example\0Tcatch@else.net\0\0"
    assert msg == b"Delivered-To: nobody@example.com\n" + MSG


def test_bad_invocation(instance):
    make_joe(instance)
    p = run(instance, "vdelivermail", "bounce-no-mailbox", stdin=MSG,
            env={"EXT": "joe", "HOST": "example.com"})
    assert p.returncode == 111
    assert b"invalid syntax in .qmail-default file" in p.stdout
    p = deliver(instance, "joe", "notmine.com", MSG)
    assert p.returncode == 111
    p = deliver(instance, "j\x7fo", "example.com", MSG)
    assert p.returncode == 100


def test_quota(instance):
    md = make_joe(instance)
    run(instance, "vsetuserquota", "joe@example.com", "300", check=0)
    p = deliver(instance, "joe", "example.com", MSG)
    assert p.returncode == 0
    with open(os.path.join(md, "maildirsize")) as f:
        lines = f.read().splitlines()
    assert lines[0] == "300S"
    size = len(maildir_messages(md)[0])
    assert sum(int(l.split()[0]) for l in lines[1:]) == size
    p = deliver(instance, "joe", "example.com", MSG + b"x" * 200)
    assert (p.returncode, p.stdout) == (100, b"user is over quota\n")
    assert len(maildir_messages(md)) == 1
    with open(os.path.join(domdir(instance, "example.com"),
                           ".over-quota.msg"), "w") as f:
        f.write("Mailbox full.\n")
    p = deliver(instance, "joe", "example.com", MSG + b"x" * 200)
    assert (p.returncode, p.stdout) == (100, b"Mailbox full.\n")
    # k/M forms and NOQUOTA
    run(instance, "vsetuserquota", "joe@example.com", "1k", check=0)
    assert deliver(instance, "joe", "example.com", MSG).returncode == 0
    run(instance, "vsetuserquota", "joe@example.com", "NOQUOTA", check=0)
    assert deliver(instance, "joe", "example.com",
                   MSG + b"y" * 5000).returncode == 0


def test_locked_and_loop(instance):
    md = make_joe(instance)
    loop = b"Delivered-To: joe@example.com\n" + MSG
    p = deliver(instance, "joe", "example.com", loop)
    assert p.returncode == 100 and b"looping" in p.stdout
    assert maildir_messages(md) == []
    run(instance, "vmoduser", "-b", "joe@example.com", check=0)
    p = deliver(instance, "joe", "example.com", MSG)
    assert (p.returncode, p.stdout) == (100,
                                        b"account is locked email bounced\n")


def test_user_dotqmail(instance):
    md = make_joe(instance)
    home = os.path.dirname(md)
    out = fake_queue(instance)
    other = instance.path("other-maildir")
    for d in ("", "/new", "/cur", "/tmp"):
        os.makedirs(other + d)
    with open(os.path.join(home, ".qmail"), "w") as f:
        f.write("# keep a copy and forward\n%s/Maildir/\n&boss@else.net\n"
                "joe@example.com\n%s/\n|cat > %s/prog.out\n" % (
                    home, other, instance.root))
    p = deliver(instance, "joe", "example.com", MSG)
    assert p.returncode == 0, p.stdout
    assert len(maildir_messages(md)) == 1
    assert len(maildir_messages(other)) == 1
    [(msg, env)] = queued(out)
    assert env == b"Fsender@remote.example\0Tboss@else.net\0\0"
    assert open(instance.path("prog.out"), "rb").read() == MSG
    # a program that fails permanently bounces, temporarily defers
    with open(os.path.join(home, ".qmail"), "w") as f:
        f.write("|exit 100\n")
    assert deliver(instance, "joe", "example.com", MSG).returncode == 100
    with open(os.path.join(home, ".qmail"), "w") as f:
        f.write("|exit 75\n")
    assert deliver(instance, "joe", "example.com", MSG).returncode == 111


def test_extension_address(instance):
    md = make_joe(instance)
    p = deliver(instance, "joe-lists", "example.com", MSG)
    assert p.returncode == 0
    assert maildir_messages(md)[0].split(b"\n")[1] == \
        b"Delivered-To: joe@example.com"


def test_alias_domain_delivery(instance):
    md = make_joe(instance)
    run(instance, "vaddaliasdomain", "alias.org", "example.com", check=0)
    assert deliver(instance, "joe", "alias.org", MSG).returncode == 0
    assert len(maildir_messages(md)) == 1


def test_maildir_recreated(instance):
    md = make_joe(instance)
    import shutil
    shutil.rmtree(md)
    assert deliver(instance, "joe", "example.com", MSG).returncode == 0
    assert stat.S_ISDIR(os.stat(md + "/new").st_mode)
    assert len(maildir_messages(md)) == 1


def test_forward_loop_deferred(instance):
    md = make_joe(instance)
    fake_queue(instance)
    with open(os.path.join(os.path.dirname(md), ".qmail"), "w") as f:
        f.write("&boss@else.net\n")
    p = deliver(instance, "joe", "example.com",
                b"Delivered-To: joe@example.com\n" + MSG)
    assert p.returncode == 111 and b"looping" in p.stdout
    assert queued(instance.path("queued")) == []


def test_quota_warning_once_a_day(instance):
    """At 90 % of the quota the domain's .quotawarn.msg is put into the
    Maildir once, not again within 24 hours."""
    md = make_joe(instance)
    run(instance, "vsetuserquota", "joe@example.com", "2000", check=0)
    with open(os.path.join(domdir(instance, "example.com"),
                           ".quotawarn.msg"), "w") as f:
        f.write("Subject: your mailbox is almost full\n\nDelete some.\n")
    assert deliver(instance, "joe", "example.com", MSG).returncode == 0
    assert len(maildir_messages(md)) == 1          # 10 %: no warning
    big = MSG + b"x" * 1700 + b"\n"
    assert deliver(instance, "joe", "example.com", big).returncode == 0
    msgs = maildir_messages(md)
    warn = [m for m in msgs if b"almost full" in m]
    assert len(msgs) == 3 and len(warn) == 1
    assert os.path.exists(os.path.join(md, "quotawarn"))
    # Still over 90 % after one more message: no second warning today.
    total = sum(len(m) for m in maildir_messages(md))
    run(instance, "vsetuserquota", "joe@example.com", str(total + 150),
        check=0)
    assert deliver(instance, "joe", "example.com", b"\n").returncode == 0
    assert len(maildir_messages(md)) == 4
    assert len([m for m in maildir_messages(md) if b"almost full" in m]) \
        == 1
