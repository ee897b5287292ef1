"""A box moving onto hsmail keeps every UID: Courier-IMAP trees (folder
names in modified UTF-7 before Courier 5, UTF-8 since) and Dovecot trees
(dovecot-uidlist v3, keyword letters) are served with the same
UIDVALIDITY, UIDs, keywords and subscriptions, and imapd's answers are
compared with Dovecot's own imap binary, run pre-authenticated on a copy
of the same Maildir."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import SRC
from imaputil import prog, script

DOVECOT_IMAP = "/usr/lib/dovecot/imap"


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def msg(i, extra=""):
    return ("From: Sender %d <s%d@example.org>\nTo: r@example.com\n"
            "Subject: migrated %d\nDate: Mon, %d Jan 2024 10:00:00 +0000\n"
            "Message-ID: <m%d@example.org>\n%s\nbody of %d\nword%d\n"
            % (i, i, i, i + 1, i, extra, i, i))


def courier_tree(root, utf8):
    md = os.path.join(root, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, d))
    names = []
    for i in range(3):
        n = "17000000%02d.M%dP1.old,S=%d" % (i, i, len(msg(i)))
        names.append(n)
        write(os.path.join(md, "cur", n + ":2," + ("S" if i == 0 else "")),
              msg(i))
    write(os.path.join(md, "courierimapuiddb"),
          "1 796604852 42\n17 %s\n23 %s\n40 %s\n" % tuple(names))
    write(os.path.join(md, "courierimapkeywords", ":list"),
          "$Label1\nproject-x\n\n%s:0 1\n%s:1\n" % (names[0], names[2]))
    folder = ".Entw\u00fcrfe" if utf8 else ".Entw&APw-rfe"
    fd = os.path.join(md, folder)
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(fd, d))
    write(os.path.join(fd, "maildirfolder"), "")
    n = "1700000100.M9P1.old,S=%d" % len(msg(9))
    write(os.path.join(fd, "cur", n + ":2,S"), msg(9))
    write(os.path.join(fd, "courierimapuiddb"), "1 796605000 8\n7 %s\n" % n)
    write(os.path.join(md, "courierimapsubscribed"),
          "INBOX.Entw\u00fcrfe\n" if utf8 else "INBOX.Entw&APw-rfe\n")
    return md


@pytest.mark.parametrize("utf8", [False, True])
def test_courier_tree(tmp_path, utf8):
    md = courier_tree(str(tmp_path), utf8)
    out, err = script(md, [
        "a SELECT INBOX",
        "b UID FETCH 1:* (UID FLAGS)",
        "c LIST \"\" \"*\"",
        "d LSUB \"\" \"*\"",
        "e SELECT \"INBOX.Entw&APw-rfe\"",
        "f UID FETCH 1:* (UID)",
        "g CREATE \"INBOX.&AOk-t&AOk-\"",
        "h LOGOUT"])
    assert "* OK [UIDVALIDITY 796604852]" in out, out + err
    assert "* OK [UIDNEXT 42]" in out
    assert re.search(r"\* 1 FETCH \(UID 17 FLAGS \(\\Seen \$Label1 "
                     r"project-x\)\)", out), out
    assert "* 2 FETCH (UID 23 FLAGS ())" in out
    assert "* 3 FETCH (UID 40 FLAGS (project-x))" in out
    assert '"INBOX.Entw&APw-rfe"' in out
    assert re.search(r'\* LSUB \(\) "\." "INBOX\.Entw&APw-rfe"', out), out
    assert "* OK [UIDVALIDITY 796605000]" in out
    assert "* 1 FETCH (UID 7)" in out
    assert "g OK" in out
    # the new folder is written in the tree's encoding
    want = ".\u00e9t\u00e9" if utf8 else ".&AOk-t&AOk-"
    assert want in os.listdir(md)
    # the old server's files still say the same; a delivery gets UID 42
    with open(os.path.join(md, "courierimapuiddb")) as f:
        assert f.read().startswith("1 796604852 42\n17 ")
    write(os.path.join(md, "new", "1700009999.M1P1.new,S=10"), msg(5))
    out, err = script(md, ["a EXAMINE INBOX", "b FETCH 4 UID",
                           "c LOGOUT"])
    assert "* 4 FETCH (UID 42)" in out, out


def dovecot_tree(root):
    md = os.path.join(root, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, d))
    lines = []
    for i in range(4):
        n = "17966047%02d.M%dP10911.vm,S=%d" % (i, i, len(msg(i)))
        flags = ["S", "Sa", "", "FRb"][i]
        write(os.path.join(md, "cur", n + ":2," + flags), msg(i))
        lines.append("%d :%s" % (5 + i * 3, n))
    write(os.path.join(md, "dovecot-uidlist"),
          "3 V1796604781 N30 G8046d3296d03166b9429000083ecc375\n" +
          "\n".join(lines) + "\n")
    write(os.path.join(md, "dovecot-keywords"), "0 $Forwarded\n1 work\n")
    return md


def test_dovecot_tree(tmp_path):
    md = dovecot_tree(str(tmp_path))
    out, err = script(md, ["a SELECT INBOX", "b UID FETCH 1:* (UID FLAGS)",
                           "c LOGOUT"])
    assert "* OK [UIDVALIDITY 1796604781]" in out, out + err
    assert "* OK [UIDNEXT 30]" in out
    assert "* 1 FETCH (UID 5 FLAGS (\\Seen))" in out
    assert "* 2 FETCH (UID 8 FLAGS (\\Seen $Forwarded))" in out
    assert "* 4 FETCH (UID 14 FLAGS (\\Answered \\Flagged work))" in out
    with open(os.path.join(md, "dovecot-uidlist")) as f:
        assert f.read().startswith("3 V1796604781 N30 ")


def converse(argv, commands, cwd=None):
    """Send commands one at a time, each after the last one's answer
    (Dovecot runs pipelined commands at once); the whole output."""
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, cwd=cwd)
    out = p.stdout.readline()
    for c in commands:
        tag = c.split(" ", 1)[0].encode()
        p.stdin.write(c.encode() + b"\r\n")
        p.stdin.flush()
        while True:
            l = p.stdout.readline()
            if not l:
                break
            out += l
            m = re.search(rb"\{(\d+)\}\r\n$", l)
            if m:
                out += p.stdout.read(int(m.group(1)))
                continue
            if l.startswith(tag + b" "):
                break
    p.stdin.close()
    p.wait(30)
    return out.decode("utf-8", "replace")


def dovecot(maildir_home, commands):
    """Dovecot's imap, pre-authenticated, as nobody on its own copy."""
    if not os.path.exists(DOVECOT_IMAP):
        pytest.fail("dovecot-imapd is not installed (deps/imap.test.apt)")
    conf = os.path.join(maildir_home, "dovecot.conf")
    write(conf, "mail_location = maildir:~/Maildir\nnamespace inbox {\n"
          "  inbox = yes\n  separator = .\n  prefix = INBOX.\n}\n"
          "protocols = imap\nssl = no\nlog_path = /dev/stderr\n")
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "nobody:nogroup", maildir_home],
                       check=True)
        os.chmod(maildir_home, 0o755)
        p = os.path.dirname(maildir_home)
        while p != "/":
            os.chmod(p, os.stat(p).st_mode | 0o005)
            p = os.path.dirname(p)
        argv = ["runuser", "-u", "nobody", "--"]
    else:
        argv = []
    argv += ["env", "-i", "USER=nobody", "HOME=" + maildir_home,
             "PATH=/usr/bin:/bin", DOVECOT_IMAP, "-c", conf]
    return converse(argv, commands)


def blocks(text):
    """{tag: [responses]} of a session's output; a response's literals
    are inlined, so each response is one string."""
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) \
        else text
    out, cur, pos = {}, [], 0
    while pos < len(data):
        nl = data.find(b"\r\n", pos)
        if nl == -1:
            break
        line = data[pos:nl]
        pos = nl + 2
        resp = line
        while True:
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                break
            n = int(m.group(1))
            resp += b"\r\n" + data[pos:pos + n]
            pos += n
            nl = data.find(b"\r\n", pos)
            line = data[pos:nl]
            resp += line
            pos = nl + 2
        r = resp.decode("utf-8", "replace")
        if r.startswith("* ") or r.startswith("+ "):
            cur.append(r)
        else:
            out[r.split(" ", 1)[0]] = cur + [r]
            cur = []
    return out


def items(resp):
    """A FETCH response's items as {name: value}, \\Recent dropped."""
    body = resp[resp.index("(") + 1:resp.rindex(")")]
    got = {}
    for name in ("UID", "RFC822.SIZE"):
        m = re.search(r"\b%s (\d+)" % re.escape(name), body)
        if m:
            got[name] = m.group(1)
    m = re.search(r"FLAGS \(([^)]*)\)", body)
    if m:
        got["FLAGS"] = sorted(f for f in m.group(1).split()
                              if f != "\\Recent")
    m = re.search(r"(BODY\[[^\]]*\]) \{(\d+)\}\r\n", body)
    if m:
        n = int(m.group(2))
        start = m.end()
        got[m.group(1)] = body[start:start + n]
    for name in ("ENVELOPE", "BODYSTRUCTURE"):
        if name + " " in body:
            got[name] = body.split(name + " ", 1)[1]
    return got


def test_differential_against_dovecot(tmp_path):
    base = str(tmp_path / "orig")
    dovecot_tree(base)
    mine = str(tmp_path / "mine")
    theirs = str(tmp_path / "theirs")
    shutil.copytree(base, mine)
    shutil.copytree(base, theirs)
    cmds = ["a EXAMINE INBOX",
            "b UID FETCH 1:* (UID FLAGS RFC822.SIZE)",
            "c UID FETCH 1:* (UID BODY.PEEK[])",
            "d UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])",
            "e UID SEARCH BODY word2",
            "f UID SEARCH OR SEEN KEYWORD work",
            "g UID SEARCH SUBJECT \"migrated 3\"",
            "h SEARCH UNSEEN",
            "i UID SEARCH LARGER 170 NOT DELETED",
            "j UID SEARCH SENTBEFORE 3-Jan-2024",
            "k STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)",
            "m UID FETCH 1:* (UID BODY.PEEK[TEXT] BODY.PEEK[HEADER])",
            "z LOGOUT"]
    real_mime = os.path.exists(os.path.join(SRC, "src", "libmail",
                                            "mime.c"))
    if real_mime:
        cmds.insert(-1, "l UID FETCH 1:* (UID ENVELOPE BODYSTRUCTURE)")
    ours = converse([prog("imapd"), os.path.join(mine, "Maildir")], cmds)
    ref = dovecot(theirs, cmds)
    a, b = blocks(ours), blocks(ref)
    assert b["a"][-1].startswith("a OK"), ref
    for key in ("UIDVALIDITY", "UIDNEXT"):
        va = [r for r in a["a"] if "[%s " % key in r]
        vb = [r for r in b["a"] if "[%s " % key in r]
        assert va[0].split("]")[0] == vb[0].split("]")[0], (va, vb)
    assert [r for r in a["a"] if r.endswith("EXISTS")] == \
        [r for r in b["a"] if r.endswith("EXISTS")]
    for tag in ("e", "f", "g", "h", "i", "j", "k"):
        # a mailbox name may go quoted or as an atom: the same to a client
        assert [r.replace('"', "") for r in a[tag] if r.startswith("* ")] \
            == [r.replace('"', "") for r in b[tag] if r.startswith("* ")], \
            (tag, a[tag], b[tag])
    for tag in ("b", "c", "d", "m") + (("l",) if real_mime else ()):
        fa = {items(r)["UID"]: items(r) for r in a[tag] if r.startswith("* ") and " FETCH " in r}
        fb = {items(r)["UID"]: items(r) for r in b[tag] if r.startswith("* ") and " FETCH " in r}
        assert fa == fb, (tag, a[tag], b[tag])
