"""An existing vpopmail 5.2 tree, written here by hand in the formats
qmail-newu and vpopmail's vcdb write (users/cdb, vpasswd, vpasswd.cdb,
.dir-control, a hashed domain and a hashed user, an alias domain), with
the old DES and MD5-crypt hashes: read in place by vchkpw and
vdelivermail, then changed by the admin commands without losing what was
there."""
import os
import struct

from vpoputil import (cdb_read, chkpw, deliver,
                      maildir_messages, run, vpasswd)

DES = "xydnWpvv8.6JU"                       # crypt("oldpass", "xy")
MD5 = "$1$Ab3dE$BhPKrHA.6tSfTQhrhb8.I."     # MD5-crypt("md5pass")


def cdb_write(path, records):
    """A cdb in D. J. Bernstein's format (what qmail and vpopmail write)."""
    def h(k):
        x = 5381
        for c in k:
            x = ((x << 5) + x ^ c) & 0xffffffff
        return x
    body = b""
    pos = 2048
    tables = [[] for _ in range(256)]
    for k, v in records:
        tables[h(k) & 255].append((h(k), pos))
        body += struct.pack("<II", len(k), len(v)) + k + v
        pos += 8 + len(k) + len(v)
    head = b""
    tail = b""
    for t in tables:
        n = len(t) * 2
        slots = [(0, 0)] * n
        for hv, p in t:
            i = (hv >> 8) % n
            while slots[i][1] != 0:
                i = (i + 1) % n
            slots[i] = (hv, p)
        head += struct.pack("<II", pos + len(tail), n)
        tail += b"".join(struct.pack("<II", a, b) for a, b in slots)
    with open(path, "wb") as f:
        f.write(head + body + tail)


def make_tree(instance):
    v = instance.vpopmail
    old = os.path.join(v, "domains", "0", "old.example")   # hashed domain
    users = [
        ("ann", DES, "1", "0", "Ann", old + "/ann", "NOQUOTA"),
        ("bob", MD5, "1", "0", "Bob", old + "/0/bob", "5000000"),
        ("postmaster", MD5, "1", "0", "Postmaster", old + "/postmaster",
         "NOQUOTA"),
    ]
    for u in users:
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(u[5], "Maildir", sub))
    lines = [":".join(u) for u in users]
    with open(os.path.join(old, "vpasswd"), "w") as f:
        f.write("\n".join(lines) + "\n")
    cdb_write(os.path.join(old, "vpasswd.cdb"),
              [(l.split(":")[0].encode(), l.split(":", 1)[1].encode())
               for l in lines])
    with open(os.path.join(old, ".dir-control"), "w") as f:
        f.write("102\n0\n3\n0 0 0\n61 61 61\n0 2 4\n0 0 0\n0\n")
    with open(os.path.join(old, ".qmail-default"), "w") as f:
        f.write("| %s/bin/vdelivermail '' bounce-no-mailbox\n" % v)
    with open(os.path.join(old, ".qmail-sales"), "w") as f:
        f.write("&ann@old.example\n")
    uid, gid = os.geteuid(), os.getegid()
    assign = ("+old.example-:old.example:%d:%d:%s:-::\n"
              "+alias.example-:old.example:%d:%d:%s:-::\n.\n" % (
                  uid, gid, old, uid, gid, old))
    with open(os.path.join(instance.qmail, "users", "assign"), "w") as f:
        f.write(assign)
    recs = []
    for l in assign.splitlines()[:-1]:
        f = l[1:].split(":")
        recs.append((b"!" + f[0].encode(), "\0".join(f[1:7]).encode() +
                     b"\0"))
    recs.append((b"", b"-"))
    cdb_write(os.path.join(instance.qmail, "users", "cdb"), recs)
    ctl = os.path.join(instance.qmail, "control")
    with open(os.path.join(ctl, "rcpthosts"), "w") as f:
        f.write("old.example\nalias.example\n")
    with open(os.path.join(ctl, "virtualdomains"), "w") as f:
        f.write("old.example:old.example\nalias.example:alias.example\n")
    return old


def test_existing_tree_read_in_place(instance):
    old = make_tree(instance)
    rc, out, err = chkpw(instance, "ann@old.example", "oldpass")
    assert rc == 0 and out.startswith(old + "/ann|ann|"), err
    rc, out, err = chkpw(instance, "bob@alias.example", "md5pass")
    assert rc == 0 and out.startswith(old + "/0/bob|bob|")
    assert chkpw(instance, "bob@old.example", "oldpass")[0] == 3
    msg = b"Subject: x\n\nhello\n"
    assert deliver(instance, "bob", "old.example", msg).returncode == 0
    assert len(maildir_messages(old + "/0/bob/Maildir")) == 1
    assert os.path.exists(old + "/0/bob/Maildir/maildirsize")
    p = deliver(instance, "carl", "old.example", msg)
    assert p.returncode == 100
    out = run(instance, "vuserinfo", "bob@old.example", check=0).stdout
    assert b"passwd: " + MD5.encode() in out
    assert b"dir:    " + (old + "/0/bob").encode() in out
    out = run(instance, "vdominfo", "old.example", check=0).stdout
    assert out == ("domain: old.example\nuid:    %d\ngid:    %d\n"
                   "dir:    %s\nusers:  102\n" % (
                       os.geteuid(), os.getegid(), old)).encode()


def test_existing_tree_changed(instance):
    old = make_tree(instance)
    run(instance, "vadduser", "cat@old.example", "newpass", check=0)
    pw = {x[0]: x for x in vpasswd(instance, None, old + "/vpasswd")}
    assert pw["ann"][1] == DES and pw["bob"][1] == MD5   # untouched
    assert pw["cat"][5] == old + "/0/cat"          # next entry, bucket 0
    assert pw["cat"][1].startswith(("$y$", "$6$"))
    assert chkpw(instance, "cat@old.example", "newpass")[0] == 0
    run(instance, "vpasswd", "ann@old.example", "fresh", check=0)
    ann = [x for x in vpasswd(instance, None, old + "/vpasswd") if x[0] == "ann"][0]
    assert ann[1] != DES and ann[1].startswith(("$y$", "$6$"))
    assert chkpw(instance, "ann@old.example", "fresh")[0] == 0
    assert chkpw(instance, "ann@old.example", "oldpass")[0] == 3
    keys = sorted(k for k, v in cdb_read(os.path.join(old, "vpasswd.cdb")))
    assert keys == [b"ann", b"bob", b"cat", b"postmaster"]
    run(instance, "vadddomain", "new.example", "pw", check=0)
    with open(os.path.join(instance.qmail, "users", "assign")) as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("+old.example-:") and lines[-1] == "."
    assert lines[2].startswith("+new.example-:")
    rh = open(os.path.join(instance.qmail, "control", "rcpthosts")).read()
    assert rh == "old.example\nalias.example\nnew.example\n"
