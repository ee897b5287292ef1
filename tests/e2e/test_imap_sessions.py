"""Many IMAP sessions on one mailbox with deliveries and POP3 at the same
time: each sees the others' EXPUNGE, FETCH FLAGS and EXISTS at its next
command, IDLE reports a delivery as it lands, and nothing is lost or
numbered twice.  Bad input of every kind ends in BAD or BYE and a clean
end, and the server goes on serving."""
import imaplib
import os
import re
import select
import socket
import subprocess
import threading
import time

import pytest

from conftest import prog
from imaputil import Imap, deliver, message
from pop3util import Pop3


@pytest.fixture
def imap(instance, procs):
    return Imap(instance, procs)


def untagged(c, name):
    return c.untagged_responses.pop(name, [])


def test_sessions_see_each_other(imap):
    mb = imap.user("ses@example.com", "pw")
    for i in range(5):
        deliver(mb.maildir, message(i), when=1700000000 + i)
    port = imap.start()
    a, b, c = (imap.login(port, mb) for _ in range(3))
    for x in (a, b, c):
        assert x.select("INBOX")[1] == [b"5"]
    a.store("2", "+FLAGS", "(\\Flagged)")
    b.noop()
    got = untagged(b, "FETCH")
    assert any(re.search(rb"2 \(FLAGS \(.*\\Flagged", g) for g in got), got
    a.store("3", "+FLAGS", "(\\Deleted)")
    a.expunge()
    typ, data = b.noop()
    assert untagged(b, "EXPUNGE") == [b"3"]
    # c was not told anything yet: a FETCH must not shift its numbers
    typ, data = c._simple_command("FETCH", "1:5", "(UID)")
    assert typ == "NO" and b"EXPUNGEISSUED" in data[0]
    assert len([d for d in untagged(c, "FETCH") if b"UID" in d]) == 4
    assert untagged(c, "EXPUNGE") == []
    c.noop()
    assert untagged(c, "EXPUNGE") == [b"3"]
    deliver(mb.maildir, message(99))
    for x in (a, b, c):
        x.noop()
        assert untagged(x, "EXISTS")[-1] == b"5"
    uids = [set(re.findall(rb"UID (\d+)", b"".join(
        d for d in x.fetch("1:*", "(UID)")[1] if isinstance(d, bytes))))
        for x in (a, b, c)]
    assert uids[0] == uids[1] == uids[2] and len(uids[0]) == 5
    for x in (a, b, c):
        x.logout()


def raw(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    f = s.makefile("rwb", buffering=0)
    greet = f.readline()
    assert greet.startswith(b"* OK")
    return s, f


def send(f, line):
    f.write(line + b"\r\n")


def until(f, tag, deadline=30):
    lines = []
    end = time.time() + deadline
    while time.time() < end:
        l = f.readline()
        if not l:
            break
        lines.append(l)
        if l.startswith(tag + b" "):
            break
    return lines


def test_idle_reports_a_delivery(imap):
    mb = imap.user("idle@example.com", "pw")
    deliver(mb.maildir, message(1))
    port = imap.start()
    s, f = raw(port)
    send(f, b"a LOGIN idle@example.com pw")
    assert until(f, b"a")[-1].startswith(b"a OK")
    send(f, b"b SELECT INBOX")
    assert until(f, b"b")[-1].startswith(b"b OK")
    send(f, b"c IDLE")
    assert f.readline().startswith(b"+ ")
    # a delivery the Maildir way: tmp/, then a link into new/
    tmpn = os.path.join(mb.maildir, "tmp", "x")
    with open(tmpn, "w") as out:
        out.write(message(2))
    os.rename(tmpn, os.path.join(mb.maildir, "new",
                                 "%d.M1P1.idle,S=10" % time.time()))
    s.settimeout(30)
    seen = []
    end = time.time() + 30
    while time.time() < end:
        l = f.readline()
        seen.append(l)
        if l == b"* 2 EXISTS\r\n":
            break
    assert b"* 2 EXISTS\r\n" in seen
    send(f, b"DONE")
    assert until(f, b"c")[-1].startswith(b"c OK")
    send(f, b"d LOGOUT")
    until(f, b"d")
    s.close()



def test_idle_reports_a_delivery_before_its_watch(tmp_path):
    """A delivery between IDLE's "+ idling" and the moment imapd watches
    the folder makes no inotify event: imapd looks at the folder once
    more after it starts watching.  strace holds each inotify_add_watch
    for 0.7 s so that the delivery lands in that gap every time."""
    md = str(tmp_path / "Maildir")
    for d in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(md, d))
    deliver(md, message(1))
    p = subprocess.Popen(["strace", "-f", "-qq", "-o", "/dev/null", "-e",
                          "inject=inotify_add_watch:delay_enter=700000",
                          prog("imapd"), md], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         cwd=str(tmp_path))
    try:
        assert p.stdout.readline().startswith(b"* PREAUTH")
        p.stdin.write(b"a SELECT INBOX\r\n")
        p.stdin.flush()
        while not p.stdout.readline().startswith(b"a "):
            pass
        p.stdin.write(b"b IDLE\r\n")
        p.stdin.flush()
        assert p.stdout.readline() == b"+ idling\r\n"
        deliver(md, message(2))
        seen = []
        end = time.time() + 30
        while time.time() < end and b"* 2 EXISTS\r\n" not in seen:
            r, _, _ = select.select([p.stdout], [], [], end - time.time())
            if not r:
                break
            seen.append(p.stdout.readline())
        assert b"* 2 EXISTS\r\n" in seen, seen
        p.stdin.write(b"DONE\r\nc LOGOUT\r\n")
        p.stdin.flush()
        out = p.stdout.read()
        assert b"b OK" in out and b"c OK" in out
    finally:
        p.kill()
        p.wait()

def test_deliveries_pop3_and_imap_together(imap, instance, procs):
    mb = imap.user("busy@example.com", "pw")
    pop = Pop3(instance, procs)
    pport = pop.start()
    port = imap.start()
    stop = threading.Event()
    delivered = []

    def deliverer():
        i = 0
        while not stop.is_set() and i < 60:
            delivered.append(deliver(mb.maildir, message(i),
                                     when=1700000000 + i))
            i += 1
            time.sleep(0.02)

    t = threading.Thread(target=deliverer)
    t.start()
    sessions = [imap.login(port, mb) for _ in range(3)]
    for x in sessions:
        x.select("INBOX")
    popped = 0
    import poplib
    try:
        for round_ in range(6):
            for x in sessions:
                x.noop()
                x.fetch("1:*", "(UID FLAGS)")
            p = poplib.POP3("127.0.0.1", pport, timeout=30)
            p.user(mb.login)
            p.pass_(mb.password)
            n = p.stat()[0]
            if n > 0:
                p.dele(1)
                popped += 1
            p.quit()
            time.sleep(0.05)
    finally:
        stop.set()
        t.join()
    on_disk = set()
    for sub in ("new", "cur"):
        for n in os.listdir(os.path.join(mb.maildir, sub)):
            on_disk.add(n.split(":")[0])
    assert len(on_disk) == len(delivered) - popped
    for x in sessions:
        x.noop()
        typ, data = x.fetch("1:*", "(UID)")
        uids = [int(u) for u in re.findall(rb"UID (\d+)", b"".join(
            d for d in data if isinstance(d, bytes)))]
        assert len(uids) == len(on_disk)
        assert uids == sorted(set(uids))
        x.logout()


def test_bad_input(imap, instance):
    mb = imap.user("bad@example.com", "pw")
    deliver(mb.maildir, message(1))
    port = imap.start(env={"IMAP_TIMEOUT": "3"})
    # 8-bit junk and NUL before login
    s, f = raw(port)
    send(f, b"\xff\xfe\x80junk \x00 here")
    assert b"BAD" in f.readline()
    send(f, b"a1 LOGIN \"us\r\ner\" pw")
    assert b"BAD" in f.readline()
    assert b"BAD" in f.readline()
    send(f, b"a2 NOOP")
    assert until(f, b"a2")[-1].startswith(b"a2 OK")
    # a literal far too long for a login
    send(f, b"a3 LOGIN {999999999}")
    l = f.readline()
    assert b"BAD" in l or b"NO" in l or b"BYE" in l
    s.close()
    # a client that lies about a literal's length and goes away
    s, f = raw(port)
    send(f, b"b1 LOGIN {10}")
    assert f.readline().startswith(b"+")
    f.write(b"abc")
    s.close()
    # a command that never ends: BYE when the timeout runs out
    s, f = raw(port)
    f.write(b"c1 LOGIN bad@example.com")
    assert b"BYE" in f.readline()
    assert f.readline() == b""
    s.close()
    # after login: huge literals, nesting, sequence sets, names
    s, f = raw(port)
    send(f, b"d1 LOGIN bad@example.com pw")
    assert until(f, b"d1")[-1].startswith(b"d1 OK")
    send(f, b"d2 SELECT INBOX")
    until(f, b"d2")
    send(f, b"d3 SEARCH " + b"(" * 500 + b"ALL" + b")" * 500)
    assert until(f, b"d3")[-1].startswith(b"d3 BAD")
    send(f, b"d4 FETCH " + b",".join(b"%d" % i for i in range(1, 10000))
         + b" FLAGS")
    l = until(f, b"d4")
    assert l[-1].startswith(b"d4 ") or b"BYE" in l[-1]
    send(f, b"d5 CREATE \"INBOX/../../etc\"")
    assert until(f, b"d5")[-1].startswith(b"d5 NO")
    send(f, b"d6 SELECT \"INBOX.../..\"")
    assert until(f, b"d6")[-1].startswith(b"d6 NO")
    send(f, b"d7 APPEND INBOX {99999999999}")
    l = f.readline()
    assert l.startswith(b"d7 NO [TOOBIG]") or b"BYE" in l
    send(f, b"d8 FETCH 1 (BODY[" + b"1." * 3000 + b"1])")
    l = until(f, b"d8")
    assert l and (l[-1].startswith(b"d8 ") or b"BYE" in l[-1])
    send(f, b"x" * 70000)
    l = f.readline()
    assert b"BYE" in l
    s.close()
    # the server still serves, and no folder left the Maildir
    c = imap.login(port, mb)
    assert c.select("INBOX")[1] == [b"1"]
    c.logout()
    assert not os.path.exists(os.path.join(mb.home, "etc"))
    assert not os.path.exists(os.path.join(os.path.dirname(mb.home), "etc"))


def test_pop3_after_imap_moved_its_messages(imap, instance, procs):
    """A POP3 session that scanned new/ before an IMAP session moved the
    messages to cur/ (and flagged one) still retrieves and deletes them:
    qmail-pop3d finds a file again by its base name, its UIDL."""
    import poplib
    mb = imap.user("mix@example.com", "pw")
    texts = [message(i) for i in range(3)]
    for i, t in enumerate(texts):
        deliver(mb.maildir, t, when=1700000000 + i)
    pop = Pop3(instance, procs)
    pport = pop.start()
    port = imap.start()
    p = poplib.POP3("127.0.0.1", pport, timeout=30)
    p.user(mb.login)
    p.pass_(mb.password)
    uidl = p.uidl()[1]
    c = imap.login(port, mb)
    c.select("INBOX")
    c.store("2", "+FLAGS", "(\\Flagged)")
    assert mb.names("new") == []
    assert b"\n".join(p.retr(2)[1]) + b"\n" == texts[1].encode()
    p.dele(2)
    p.quit()
    assert len(mb.names("cur")) == 2
    c.noop()
    assert c.untagged_responses.pop("EXPUNGE", []) == [b"2"]
    c.logout()
    assert len(uidl) == 3
