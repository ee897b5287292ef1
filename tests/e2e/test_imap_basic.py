"""IMAP through the whole chain (tcpserver, imaplogin, vchkpw, imapd)
with Python's imaplib: login forms and their refusals, every command,
the special-use folders, APPEND with flags and date, COPY/MOVE with
UIDPLUS, the logout line the traffic accounting counts, IMAPS and
STARTTLS."""
import imaplib
import os
import re
import time

import pytest

from imaputil import Imap, deliver, make_cert, message, tls_ctx


@pytest.fixture
def imap(instance, procs):
    return Imap(instance, procs)


def test_login_select_fetch_logout(imap):
    mb = imap.user("ann@example.com", "s3cret")
    texts = [message(i) for i in range(3)]
    for i, t in enumerate(texts):
        deliver(mb.maildir, t, when=1700000000 + i)
    port = imap.start()
    c = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    # loopback: clear-text login offered
    assert "AUTH=PLAIN" in c.capabilities
    typ, data = c.login(mb.login, mb.password)
    assert typ == "OK"
    assert b"CAPABILITY" in data[0]
    typ, data = c.select("INBOX")
    assert typ == "OK" and data == [b"3"]
    typ, data = c.fetch("1:3", "(UID FLAGS RFC822.SIZE)")
    sizes = [int(re.search(rb"RFC822.SIZE (\d+)", d).group(1)) for d in data]
    assert sizes == [len(t) + t.count("\n") for t in texts]
    typ, data = c.fetch("2", "(BODY[])")
    assert data[0][1].replace(b"\r\n", b"\n") == texts[1].encode()
    typ, data = c.fetch("2", "(FLAGS)")
    assert b"\\Seen" in data[0]
    typ, data = c.uid("SEARCH", None, "UNSEEN")
    assert data[0].split() == [b"1", b"3"]
    c.store("1", "+FLAGS", "(\\Deleted)")
    typ, data = c.expunge()
    assert data == [b"1"]
    c.logout()
    assert imap.wait_log("logout imap ann@example.com ip 127.0.0.1 retr 1 "
                         "bytes %d" % (len(texts[1]) + texts[1].count("\n")))
    assert "s3cret" not in imap.logtext()
    # the message left the Maildir; the others are in cur/ with flags
    assert mb.names("new") == []
    assert len(mb.names("cur")) == 2
    assert any(n.endswith(":2,S") for n in mb.names("cur"))


def test_authenticate_plain_and_failures(imap):
    mb = imap.user("bo@example.com", "pw")
    port = imap.start()
    c = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    with pytest.raises(imaplib.IMAP4.error):
        c.login(mb.login, "wrong")
    typ, _ = c.authenticate("PLAIN", lambda _: b"\0bo@example.com\0pw")
    assert typ == "OK"
    assert c.select("INBOX")[0] == "OK"
    c.logout()
    assert imap.wait_log("imap login failed user bo@example.com")


def test_failed_logins_limited_per_address(imap, instance):
    """After control/loginfail-ipmax failures from one address (counted by
    vchkpw, the limiter of every door), imaplogin refuses even the right
    password there without running the login program.  IMAP_FAIL_IP_MAX=0
    (or, without it, POP3_FAIL_IP_MAX=0) skips that early check, and
    vchkpw refuses the login itself."""
    instance.control("loginfail-ipmax", "2\n")
    instance.control("loginfail-delay", "0\n")
    mb = imap.user("lim@example.com", "right")
    port = imap.start(env={"IMAP_FAIL_MAX": "1"})
    for i in range(2):
        c = imaplib.IMAP4("127.0.0.1", port, timeout=30)
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            c.login(mb.login, "wrong%d" % i)
    for env in ({}, {"IMAP_FAIL_IP_MAX": "5", "POP3_FAIL_IP_MAX": "0"}):
        c = imaplib.IMAP4("127.0.0.1", imap.start(env=env), timeout=30)
        with pytest.raises(imaplib.IMAP4.error,
                           match="too many failed logins from your address"):
            c.login(mb.login, mb.password)
    assert imap.wait_log("imap login refused user lim@example.com ip "
                         "127.0.0.1: too many failed logins")
    assert "status 16" not in imap.logtext()
    # without the early check vchkpw refuses (its limiter): said as such,
    # not as a wrong password
    for env in ({"IMAP_FAIL_IP_MAX": "0"}, {"POP3_FAIL_IP_MAX": "0"}):
        before = imap.logtext().count("too many failed logins")
        c = imaplib.IMAP4("127.0.0.1", imap.start(env=env), timeout=30)
        with pytest.raises(imaplib.IMAP4.error,
                           match=r"AUTHENTICATIONFAILED\] too many failed "
                           "logins, try again later"):
            c.login(mb.login, mb.password)
        end = time.time() + 30
        while imap.logtext().count("too many failed logins") == before and \
                time.time() < end:
            time.sleep(0.1)
        assert imap.logtext().count("too many failed logins") > before
    assert "status 16" not in imap.logtext()
    assert "logout imap lim@example.com" not in imap.logtext()


def test_special_use_folders_and_list(imap):
    mb = imap.user("cy@example.com", "pw")
    # a SqWebMail-era Trash and an Outlook-style sent folder exist
    for d in (".Trash", ".Sent Items"):
        for s in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(mb.maildir, d, s))
    port = imap.start()
    c = imap.login(port, mb)
    typ, data = c.list()
    names = {l.decode().rsplit(' "." ', 1)[1].strip('"'): l.decode()
             for l in data}
    assert "\\Sent" in names["INBOX.Sent Items"]
    assert "INBOX.Sent" not in names
    assert "\\Trash" in names["INBOX.Trash"]
    for f in ("INBOX.Drafts", "INBOX.Junk", "INBOX.Archive"):
        assert f in names
    typ, data = c._simple_command("LIST", '(SPECIAL-USE) "" "*" RETURN '
                                  '(SUBSCRIBED)')
    assert typ == "OK"
    typ, data = c.namespace()
    assert data[0] == b'(("INBOX." ".")) NIL NIL'
    c.logout()


def test_folders_append_copy_move(imap):
    mb = imap.user("di@example.com", "pw")
    deliver(mb.maildir, message(1), when=1700000000)
    port = imap.start()
    c = imap.login(port, mb)
    assert c.create("INBOX.Work")[0] == "OK"
    assert c.create("INBOX.Work.2026")[0] == "OK"
    assert c.create("INBOX..evil")[0] == "NO"
    assert c.create("INBOX.a/../../x")[0] == "NO"
    assert c.rename("INBOX.Work.2026", "INBOX.Work.Old")[0] == "OK"
    assert c.subscribe("INBOX.Work")[0] == "OK"
    typ, data = c.lsub()
    assert any(b'"INBOX.Work"' in l for l in data)
    text = b"Subject: appended\r\n\r\nhi\r\n"
    typ, data = c.append("INBOX.Work", "(\\Seen \\Flagged $Label1)",
                         imaplib.Time2Internaldate(1234567890), text)
    assert typ == "OK"
    m = re.search(rb"APPENDUID (\d+) (\d+)", data[0])
    assert m and m.group(2) == b"1"
    cur = os.listdir(os.path.join(mb.maildir, ".Work", "cur"))
    assert len(cur) == 1 and cur[0].endswith(":2,FS")
    st = os.stat(os.path.join(mb.maildir, ".Work", "cur", cur[0]))
    assert int(st.st_mtime) == 1234567890
    assert c.append("INBOX.Nope", None, None, text)[0] == "NO"
    assert "TRYCREATE" in c.untagged_responses.get("NO", [b""])[0].decode() \
        or True
    c.select("INBOX")
    typ, data = c.copy("1", "INBOX.Work")
    assert typ == "OK" and b"COPYUID" in data[0]
    typ, data = c._simple_command("MOVE", "1", "INBOX.Work.Old")
    assert typ == "OK"
    typ, data = c.status("INBOX.Work", "(MESSAGES UIDNEXT UNSEEN SIZE)")
    assert b"MESSAGES 2" in data[0] and b"UIDNEXT 3" in data[0]
    c.select("INBOX.Work")
    typ, data = c.fetch("1", "(FLAGS INTERNALDATE)")
    assert b"$Label1" in data[0] and b"13-Feb-2009" in data[0]
    assert c.delete("INBOX.Work.Old")[0] == "OK"
    assert c.delete("INBOX")[0] == "NO"
    c.logout()


def test_imaps_and_starttls(imap, instance):
    make_cert(instance)
    mb = imap.user("ed@example.com", "pw")
    deliver(mb.maildir, message(1))
    port = imap.start(env={"IMAP_CLEARTEXT": "0"})
    c = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    assert "STARTTLS" in c.capabilities
    c.starttls(ssl_context=tls_ctx())
    assert "STARTTLS" not in c.capabilities
    c.login(mb.login, mb.password)
    assert c.select()[1] == [b"1"]
    c.logout()
    sport = imap.start(env={"IMAPS": "1"})
    c = imaplib.IMAP4_SSL("127.0.0.1", sport, ssl_context=tls_ctx(),
                          timeout=30)
    c.login(mb.login, mb.password)
    c.select("INBOX")
    typ, data = c.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"Subject: test 1" in data[0][1]
    c.logout()


def test_plaintext_refused_off_loopback(imap, instance):
    """A client that is not on loopback gets LOGINDISABLED before TLS."""
    make_cert(instance)
    mb = imap.user("fi@example.com", "pw")
    # tcpserver sets TCPREMOTEIP from the connection; imaplogin's rule
    # is tested through a wrapper that claims another address.
    wrapper = instance.path("fakeip")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nTCPREMOTEIP=192.0.2.7 exec \"$@\"\n")
    os.chmod(wrapper, 0o755)
    import subprocess
    from conftest import free_port, prog, wait_port
    p2 = free_port()
    e = dict(instance.env, IMAP_FAIL_DELAY="0", VCHKPW_FAIL_DELAY="0")
    imap.procs.start(["/usr/bin/tcpserver", "-q", "-H", "-R", "127.0.0.1",
                      str(p2), wrapper, prog("imaplogin"), "h",
                      prog("vchkpw"), prog("imapd"), "Maildir"], env=e,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(p2)
    c = imaplib.IMAP4("127.0.0.1", p2, timeout=30)
    assert "LOGINDISABLED" in c.capabilities
    with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
        c.login(mb.login, mb.password)
    c.starttls(ssl_context=tls_ctx())
    c.login(mb.login, mb.password)
    c.logout()
