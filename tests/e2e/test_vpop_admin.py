"""vpop admin commands end to end: the files vpopmail's commands write
(users/assign + users/cdb as qmail-newu, rcpthosts/morercpthosts(.cdb),
virtualdomains, vpasswd + vpasswd.cdb, .qmail-default, bucket dirs), their
exit codes and error sentences, bad names, and concurrent vadduser."""
import concurrent.futures
import os
import subprocess

from conftest import prog

from vpoputil import (adddomain, adduser, cdb_read, domain_ids, domdir, run,
                      vpasswd)


def test_vadddomain_files(instance):
    adddomain(instance, "Example.COM")
    d = domdir(instance, "example.com")
    with open(os.path.join(instance.qmail, "users", "assign")) as f:
        assign = f.read()
    uid, gid = domain_ids()
    line = "+example.com-:example.com:%d:%d:%s:-::\n" % (uid, gid, d)
    assert assign == line + ".\n"
    recs = dict(cdb_read(os.path.join(instance.qmail, "users", "cdb")))
    # qmail-newu's record: no NUL after the last (empty) field.
    assert recs[b"!example.com-"] == ("example.com\0%d\0%d\0%s\0-\0" % (
        uid, gid, d)).encode()
    assert recs[b""] == b"-"
    ctl = os.path.join(instance.qmail, "control")
    assert open(os.path.join(ctl, "rcpthosts")).read() == "example.com\n"
    assert open(os.path.join(ctl, "virtualdomains")).read() == \
        "example.com:example.com\n"
    assert open(os.path.join(d, ".qmail-default")).read() == \
        "| %s/bin/vdelivermail '' bounce-no-mailbox\n" % instance.vpopmail
    pw = vpasswd(instance, "example.com")
    assert [p[0] for p in pw] == ["postmaster"]
    assert pw[0][4] == "Postmaster" and pw[0][6] == "NOQUOTA"
    assert pw[0][1].startswith(("$y$", "$6$"))
    assert os.path.isdir(os.path.join(d, "postmaster", "Maildir", "new"))
    keys = [k for k, v in cdb_read(os.path.join(d, "vpasswd.cdb"))]
    assert keys == [b"postmaster"]


def test_vadddomain_twice_and_bad_names(instance):
    adddomain(instance, "example.com")
    p = run(instance, "vadddomain", "example.com", "x")
    assert p.returncode == 243
    assert b"Error: domain example.com already exists" in p.stderr
    for bad in ["a/b.com", "..", "ex ample.com", "a.-x.com", "x..com",
                "d\xc3\xa9.com", "a" * 70 + ".com", "x_y.com"]:
        p = run(instance, "vadddomain", bad, "x")
        assert p.returncode in (243, 244, 230, 255), (bad, p.returncode)
        assert p.stderr.startswith(b"Error: ")
    assert sorted(os.listdir(os.path.join(instance.vpopmail, "domains"))) \
        == [".dir-control", "example.com"]


def test_morercpthosts_after_50(instance):
    for i in range(52):
        run(instance, "vadddomain", "-O", "d%02d.example" % i, "pw", check=0)
    ctl = os.path.join(instance.qmail, "control")
    rh = open(os.path.join(ctl, "rcpthosts")).read().split()
    more = open(os.path.join(ctl, "morercpthosts")).read().split()
    assert len(rh) == 50 and more == ["d50.example", "d51.example"]
    # -O skipped users/cdb and morercpthosts.cdb; a plain run rebuilds both
    adddomain(instance, "last.example")
    keys = sorted(k for k, v in cdb_read(os.path.join(
        ctl, "morercpthosts.cdb")))
    assert keys == [b"d50.example", b"d51.example", b"last.example"]
    recs = dict(cdb_read(os.path.join(instance.qmail, "users", "cdb")))
    assert b"!d00.example-" in recs and b"!last.example-" in recs
    run(instance, "vdeldomain", "d51.example", check=0)
    run(instance, "vdeldomain", "d50.example", check=0)
    run(instance, "vdeldomain", "last.example", check=0)
    assert not os.path.exists(os.path.join(ctl, "morercpthosts"))
    assert not os.path.exists(os.path.join(ctl, "morercpthosts.cdb"))


def test_users(instance):
    adddomain(instance, "example.com")
    adduser(instance, "Zed@example.com")
    adduser(instance, "joe@example.com", "pw", "-q", "5M", "-c", "Joe Doe")
    p = run(instance, "vadduser", "joe@example.com", "x")
    assert p.returncode == 254
    assert b"Error: user joe@example.com already exists" in p.stderr
    p = run(instance, "vadduser", "xy@nowhere.com", "x")
    assert p.returncode == 245 and b"does not exist" in p.stderr
    for bad in ["a b@example.com", "j:x@example.com", "x@example.com",
                ".joe@example.com", "a" * 33 + "@example.com"]:
        p = run(instance, "vadduser", bad, "pw")
        assert p.returncode in (255, 231), (bad, p.returncode, p.stderr)
    p = run(instance, "vadduser", "ann@example.com", "a:b")
    assert p.returncode == 236
    pw = vpasswd(instance, "example.com")
    assert [x[0] for x in pw] == ["joe", "postmaster", "zed"]
    joe = pw[0]
    assert joe[2:5] == ["0", "0", "Joe Doe"] and joe[6] == "5M"
    # vpasswd / vmoduser / vsetuserquota / vuserinfo
    run(instance, "vpasswd", "joe@example.com", "newpw", check=0)
    run(instance, "vmoduser", "-p", "-i", "-b", "joe@example.com", check=0)
    assert vpasswd(instance, "example.com")[0][3] == str(0x02 | 0x08 | 0x10)
    out = run(instance, "vuserinfo", "joe@example.com", check=0).stdout
    assert b"pop access closed" in out and b"imap access closed" in out
    assert b"mail will be bounced back to sender" in out
    run(instance, "vmoduser", "-x", "joe@example.com", check=0)
    assert vpasswd(instance, "example.com")[0][3] == "0"
    run(instance, "vmoduser", "-r", "example.com", check=0)  # whole domain
    assert all(x[3] == "32" for x in vpasswd(instance, "example.com"))
    run(instance, "vsetuserquota", "joe@example.com", "1000000S,10C", check=0)
    assert vpasswd(instance, "example.com")[0][6] == "1000000S,10C"
    p = run(instance, "vsetuserquota", "joe@example.com", "lots")
    assert p.returncode != 0 and b"bad quota" in p.stderr
    assert run(instance, "vuserinfo", "-q", "joe@example.com",
               check=0).stdout == b"1000000S,10C\n"
    # vdeluser removes line, cdb key and directory
    home = vpasswd(instance, "example.com")[0][5]
    run(instance, "vdeluser", "joe@example.com", check=0)
    assert not os.path.exists(home)
    keys = [k for k, v in cdb_read(os.path.join(domdir(
        instance, "example.com"), "vpasswd.cdb"))]
    assert b"joe" not in keys and b"zed" in keys
    p = run(instance, "vdeluser", "joe@example.com")
    assert p.returncode == 246 and b"does not exist" in p.stderr


def test_alias_domain_and_valias(instance):
    adddomain(instance, "example.com")
    run(instance, "vaddaliasdomain", "alias.org", "example.com", check=0)
    out = run(instance, "vdominfo", "alias.org", check=0).stdout
    assert out.startswith(b"domain: alias.org aliased to example.com\n")
    p = run(instance, "vaddaliasdomain", "alias.org", "example.com")
    assert p.returncode == 243
    p = run(instance, "vaddaliasdomain", "x.org", "nothere.com")
    assert p.returncode == 245
    run(instance, "valias", "-i", "&joe@else.net", "sales@example.com",
        check=0)
    run(instance, "valias", "-i", "|/bin/true", "sales@example.com", check=0)
    out = run(instance, "valias", "-s", "example.com", check=0).stdout
    assert out == (b"sales@example.com -> &joe@else.net\n"
                   b"sales@example.com -> |/bin/true\n")
    run(instance, "valias", "-d", "sales@example.com", check=0)
    assert run(instance, "valias", "-s", "example.com", check=0).stdout == b""
    out = run(instance, "vdominfo", check=0).stdout.decode()
    assert "domain: example.com\n" in out and "aliased to" in out
    run(instance, "vdeldomain", "alias.org", check=0)
    assert "alias.org" not in open(os.path.join(
        instance.qmail, "users", "assign")).read()
    assert os.path.isdir(domdir(instance, "example.com"))


def test_vdeldomain_with_mail(instance):
    """As vpopmail's: a domain holding mail is deleted with it; -s (safe)
    refuses it and changes nothing; -f (earlier hsmail) is accepted."""
    for opts in ([], ["-f"]):
        adddomain(instance, "example.com")
        new = os.path.join(domdir(instance, "example.com"), "postmaster",
                           "Maildir", "new")
        with open(os.path.join(new, "1.2.host"), "w") as f:
            f.write("x")
        p = run(instance, "vdeldomain", "-s", "example.com")
        assert p.returncode == 100
        assert b"holds 1 message" in p.stderr
        assert os.path.exists(os.path.join(new, "1.2.host"))
        assert "example.com" in open(os.path.join(
            instance.qmail, "users", "assign")).read()
        run(instance, "vdeldomain", *opts, "example.com", check=0)
        assert not os.path.exists(domdir(instance, "example.com"))
    assert not os.path.exists(domdir(instance, "example.com"))
    assert open(os.path.join(instance.qmail, "users", "assign")).read() \
        == ".\n"
    assert open(os.path.join(instance.qmail, "control",
                             "virtualdomains")).read() == ""
    p = run(instance, "vdeldomain", "example.com")
    assert p.returncode == 245


def test_buckets_when_domain_grows(instance):
    adddomain(instance, "big.example")
    for i in range(1, 101):
        run(instance, "vadduser", "-s", "u%03d@big.example" % i, "-e",
            "ab01FAX.bQRSU", check=0)
    pw = {x[0]: x[5] for x in vpasswd(instance, "big.example")}
    d = domdir(instance, "big.example")
    # postmaster was entry 1, u099 entry 100: the first bucket "0"
    assert pw["u098"] == d + "/u098"
    assert pw["u099"] == d + "/0/u099"
    assert os.path.isdir(d + "/0/u100/Maildir/cur")
    with open(d + "/.dir-control") as f:
        assert f.read() == "101\n0\n3\n0 0 0\n61 61 61\n0 2 4\n0 0 0\n0\n"


def test_domain_buckets_when_the_system_grows(instance):
    """The 100th domain goes into the first bucket, domains/0/, as
    vpopmail's domain-level .dir-control says; users/assign points there
    and the domain works like any other."""
    doms = os.path.join(instance.vpopmail, "domains")
    os.makedirs(doms, exist_ok=True)
    with open(os.path.join(doms, ".dir-control"), "w") as f:
        f.write("98\n0\n3\n0 0 0\n61 61 61\n0 2 4\n0 0 0\n\n")
    adddomain(instance, "flat.example")
    adddomain(instance, "bucket.example")
    assert os.path.isdir(os.path.join(doms, "flat.example"))
    d = os.path.join(doms, "0", "bucket.example")
    assert os.path.isdir(os.path.join(d, "postmaster", "Maildir", "new"))
    out = run(instance, "vdominfo", "-d", "bucket.example", check=0).stdout
    assert out == (d + "\n").encode()
    assert "+bucket.example-:bucket.example:%d:%d:%s:-::" % (
        domain_ids() + (d,)) in open(os.path.join(
            instance.qmail, "users", "assign")).read()
    with open(os.path.join(doms, ".dir-control")) as f:
        assert f.read().startswith("100\n")
    run(instance, "vdeldomain", "bucket.example", check=0)
    assert not os.path.exists(d)


def test_concurrent_vadduser(instance):
    adddomain(instance, "example.com")
    names = ["user%02d" % i for i in range(40)]
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        rcs = list(ex.map(lambda n: run(instance, "vadduser",
                                        n + "@example.com", "pw").returncode,
                          names))
    assert rcs == [0] * 40
    pw = vpasswd(instance, "example.com")
    assert [x[0] for x in pw] == sorted(names + ["postmaster"])
    keys = sorted(k.decode() for k, v in cdb_read(os.path.join(
        domdir(instance, "example.com"), "vpasswd.cdb")))
    assert keys == sorted(names + ["postmaster"])
    dirs = [x[5] for x in pw]
    assert len(set(dirs)) == len(dirs)
    assert all(os.path.isdir(x + "/Maildir/new") for x in dirs)


def test_concurrent_vadddomain(instance):
    doms = ["c%02d.example" % i for i in range(12)]
    with concurrent.futures.ThreadPoolExecutor(6) as ex:
        rcs = list(ex.map(lambda n: run(instance, "vadddomain", n,
                                        "pw").returncode, doms))
    assert rcs == [0] * 12
    recs = dict(cdb_read(os.path.join(instance.qmail, "users", "cdb")))
    assert all(("!%s-" % d).encode() in recs for d in doms)
    rh = open(os.path.join(instance.qmail, "control", "rcpthosts")).read()
    assert sorted(rh.split()) == doms


def test_hup_to_qmail_send(instance, procs):
    """Domain changes send SIGHUP to the instance's qmail-send (found in
    /proc by name and working directory); -O does not."""
    import time
    queue = os.path.join(instance.qmail, "queue")
    os.makedirs(queue)
    script = instance.path("bin-test", "qmail-send")
    os.makedirs(os.path.dirname(script))
    marks = instance.path("hups")
    with open(script, "w") as f:
        f.write("#!/bin/sh\ntrap 'echo hup >> %s' HUP\necho ready > %s.r\n"
                "while :; do sleep 0.05; done\n" % (marks, marks))
    os.chmod(script, 0o755)
    procs.start([script], cwd=queue)
    while not os.path.exists(marks + ".r"):
        time.sleep(0.05)
    def hups(n):
        # signals sent close together may merge: wait for each one
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(marks) and open(marks).read().count("hup") >= n:
                break
            time.sleep(0.05)
        return open(marks).read() if os.path.exists(marks) else ""

    run(instance, "vadddomain", "-O", "bulk.example", "pw", check=0)
    adddomain(instance, "example.com")
    assert hups(1) == "hup\n"
    run(instance, "vdeldomain", "example.com", check=0)
    assert hups(2) == "hup\nhup\n"


def test_crash_between_vpasswd_and_cdb_heals(instance):
    """vpasswd renamed but vpasswd.cdb not rebuilt (a crash between the two
    steps): running the command again rebuilds the cdb."""
    adddomain(instance, "example.com")
    d = domdir(instance, "example.com")
    with open(os.path.join(d, "vpasswd"), "a") as f:
        f.write("ghost:ab01FAX.bQRSU:0:0:ghost:%s/ghost:NOQUOTA\n" % d)
    keys = [k for k, v in cdb_read(os.path.join(d, "vpasswd.cdb"))]
    assert b"ghost" not in keys
    p = run(instance, "vadduser", "ghost@example.com", "pw")
    assert p.returncode == 254
    keys = [k for k, v in cdb_read(os.path.join(d, "vpasswd.cdb"))]
    assert b"ghost" in keys


def newu(instance):
    run(instance, "qmail-newu", check=0)


def drop_assign(instance, prefix):
    """Take the users/assign lines starting with prefix out, as a
    vadddomain stopped before writing them would have left it."""
    assign = os.path.join(instance.qmail, "users", "assign")
    with open(assign) as f:
        text = f.read()
    with open(assign, "w") as f:
        f.write("".join(l for l in text.splitlines(True)
                        if not l.startswith(prefix)))
    newu(instance)


def test_interrupted_domain_commands_finish_on_rerun(instance):
    """A vadddomain or vdeldomain stopped half way (the states a crash
    between two of its file replacements leaves) is finished by running
    the same command again; morercpthosts.cdb always ends up matching
    morercpthosts."""
    ctl = os.path.join(instance.qmail, "control")
    assign = os.path.join(instance.qmail, "users", "assign")
    with open(os.path.join(ctl, "rcpthosts"), "w") as f:
        f.write("".join("r%02d.example\n" % i for i in range(50)))
    # vadddomain stopped after morercpthosts, before qmail-newmrh and
    # users/assign.
    with open(os.path.join(ctl, "morercpthosts"), "w") as f:
        f.write("late.example\n")
    adddomain(instance, "late.example")
    keys = [k for k, v in cdb_read(os.path.join(ctl, "morercpthosts.cdb"))]
    assert keys == [b"late.example"]
    # vadddomain stopped after the postmaster, before users/assign.
    adddomain(instance, "half.example")
    drop_assign(instance, "+half.example-:")
    assert run(instance, "vdominfo", "half.example").returncode == 245
    p = run(instance, "vadddomain", "half.example", "pw")
    assert p.returncode == 0, p.stderr
    assert b"interrupted" in p.stderr
    assert "+half.example-:" in open(assign).read()
    # ...but a directory with someone's mailboxes is never taken over.
    adduser(instance, "kept@half.example")
    drop_assign(instance, "+half.example-:")
    p = run(instance, "vadddomain", "half.example", "pw")
    assert p.returncode == 242
    assert b"Error: cannot create" in p.stderr and b"move it away" in \
        p.stderr
    assert "+half.example-:" not in open(assign).read()
    # vdeldomain stopped after morercpthosts, before qmail-newmrh, the
    # directory and users/assign: run again, it finishes.
    d = domdir(instance, "late.example")
    with open(os.path.join(ctl, "morercpthosts"), "w") as f:
        f.write("")
    p = run(instance, "vdeldomain", "late.example")
    assert p.returncode == 0, p.stderr
    assert not os.path.exists(d)
    assert "late.example" not in open(assign).read()
    assert cdb_read(os.path.join(ctl, "morercpthosts.cdb")) == []
    recs = dict(cdb_read(os.path.join(instance.qmail, "users", "cdb")))
    assert b"!late.example-" not in recs


def test_relative_root_writes_absolute_paths(instance):
    """HSMAIL_ROOT=./var (how make run's admin commands are typed): the
    paths written into users/assign, vpasswd and .qmail-default are
    absolute and clean, so they still work from any directory."""
    base = os.path.dirname(instance.root)
    rel = os.path.join(".", os.path.basename(instance.root)) + "/"
    env = dict(instance.env, HSMAIL_ROOT=rel)
    for argv in (["vadddomain", "rel.example", "pw"],
                 ["vadduser", "joe@rel.example", "pw"]):
        p = subprocess.run([prog(argv[0])] + argv[1:], env=env, cwd=base,
                           capture_output=True, timeout=60)
        assert p.returncode == 0, p.stderr
    d = os.path.join(instance.root, "vpopmail", "domains", "rel.example")
    with open(os.path.join(instance.qmail, "users", "assign")) as f:
        assert ":%s:-::\n" % d in f.read()
    for name, _, _, _, _, udir, _ in vpasswd(instance, "rel.example"):
        assert udir == os.path.join(d, name)
    with open(os.path.join(d, ".qmail-default")) as f:
        assert f.read() == "| %s/bin/vdelivermail '' bounce-no-mailbox\n" \
            % instance.vpopmail
