"""The webmail over HTTP, through the real Apache and sqwebmaild: login
through vchkpw, sessions (fresh id, cookie flags, logout that ends the
session on the server), CSRF refusals, failed-login limits, security
headers, the mail-client set-up documents, reading, sending through
qmail-inject as the user (and the copy in Sent), drafts saved as they are
written, the list's order kept (SqWebMail's sqwebmail-config), settings
in .qmail."""
import email
import email.policy
import json
import os
import re
import time
import urllib.parse

import pytest

from webmailutil import PASSWORD, USER, Client, Webmail, hidden, multipart


@pytest.fixture
def wm(instance, procs, tmp_path):
    return Webmail(instance, procs, tmp_path)


def test_login_page_headers(wm):
    c = Client(wm)
    r, page = c.get("/webmail/")
    assert r.status == 200
    csp = r.getheader("Content-Security-Policy")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.getheader("X-Frame-Options") == "DENY"
    assert r.getheader("X-Content-Type-Options") == "nosniff"
    assert r.getheader("Referrer-Policy") == "no-referrer"
    assert "no-store" in r.getheader("Cache-Control")
    assert 'name="pass"' in page
    cookie = r.getheader("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_login_session_logout(wm):
    c = Client(wm)
    r, _ = c.login()
    assert r.status == 303
    sid = c.cookies["sqwebmail"]
    assert len(sid) == 43
    setc = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
    assert any("sqwebmail=" + sid in v and "HttpOnly" in v and
               "SameSite=Strict" in v for v in setc)
    r, page = c.get("/webmail/list?f=INBOX")
    assert r.status == 200 and USER in page
    # A second login gets another id.
    c2 = Client(wm)
    c2.login()
    assert c2.cookies["sqwebmail"] != sid
    # Logout ends the session on the server: the old cookie is dead.
    tok = hidden(page, "csrf")
    r, _ = c.post("/webmail/logout", {"csrf": tok})
    assert r.status == 303
    stale = Client(wm)
    stale.cookies["sqwebmail"] = sid
    r, page = stale.get("/webmail/list?f=INBOX")
    assert 'name="pass"' in page and USER not in page
    # The login is in the log as a webmail login.
    with open(os.path.join(wm.i.log, "maillog")) as f:
        assert "login success webmail demo@example.test" in f.read()


def test_bad_password_and_limit(wm):
    # The failed-login limiter every door shares (loginfail(5)): no delay
    # (the test does not time), five failures lock an address out.
    for k, v in (("delay", 0), ("ipmax", 5), ("usermax", 3)):
        wm.i.control("loginfail-" + k, "%d\n" % v)
    c = Client(wm)
    r, _ = c.login(password="wrong")
    assert r.status == 303 and "e=bad" in r.getheader("Location")
    assert "sqwebmail" not in c.cookies
    # Different wrong passwords (one repeated is counted once: a phone
    # with an old password).
    for i in range(5):
        c.login(password="wrong-%d" % i)
    r, _ = c.login()		# right password, but the address is locked
    assert "e=many" in r.getheader("Location")
    assert "sqwebmail" not in c.cookies
    r, page = c.get(r.getheader("Location").replace("./", "/webmail/"))
    assert r.status == 200 and 'name="pass"' in page


def test_csrf_refused(wm):
    c = Client(wm)
    c.login()
    # No token, a wrong token, a foreign origin: all refused.
    r, _ = c.post("/webmail/folder", {"a": "create", "to": "Evil"})
    assert r.status == 403
    tok = c.csrf()
    r, _ = c.post("/webmail/folder", {"a": "create", "to": "Evil",
                                      "csrf": tok[:-1] + "x"})
    assert r.status == 403
    r, _ = c.post("/webmail/folder", {"a": "create", "to": "Evil",
                                      "csrf": tok},
                  headers={"Origin": "http://evil.test",
                           "Sec-Fetch-Site": "cross-site"})
    assert r.status == 403
    assert not os.path.isdir(os.path.join(wm.maildir(), ".Evil"))
    r, _ = c.post("/webmail/folder", {"a": "create", "to": "Good",
                                      "csrf": tok})
    assert r.status == 303
    assert os.path.isdir(os.path.join(wm.maildir(), ".Good"))
    # Login CSRF: a login form without its cookie is refused.
    d = Client(wm)
    r, _ = d.post("/webmail/login", {"user": USER, "pass": PASSWORD,
                                     "csrf": "x" * 43})
    assert "e=csrf" in r.getheader("Location")
    assert "sqwebmail" not in d.cookies


def test_read_and_escape(wm):
    wm.deliver(b"From: Eve <eve@example.org>\nTo: demo@example.test\n"
               b"Subject: <script>alert(1)</script> hello\n\n"
               b"Body with <b>tags</b> & a link https://example.org/x\n")
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/list?f=INBOX")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hello" in page
    assert "<script>alert" not in page
    uid = re.search(r'msg\?f=INBOX&amp;u=(\d+)', page).group(1)
    # Text is shown in the page itself, escaped; HTML would be in the
    # sandboxed frame.
    r, page = c.get("/webmail/msg?f=INBOX&u=" + uid)
    assert r.status == 200 and "&lt;b&gt;tags&lt;/b&gt; &amp; a link" in page
    assert "<b>tags" not in page and "<iframe" not in page
    r, body = c.get("/webmail/body?f=INBOX&u=" + uid)
    assert "script-src" not in r.getheader("Content-Security-Policy") or \
        "default-src 'none'" in r.getheader("Content-Security-Policy")
    assert "&lt;b&gt;tags&lt;/b&gt; &amp; a link" in body
    assert 'rel="noopener noreferrer"' in body
    # Paths outside the Maildir are not folders.
    for bad in ("../../etc", "INBOX/../..", ".."):
        r, _ = c.get("/webmail/list?f=" + bad)
        assert r.status == 404


def test_send_and_sent_copy(wm):
    c = Client(wm)
    c.login()
    tok = c.csrf("/webmail/compose")
    boundary = "XyZ"
    parts = [("csrf", tok), ("to", "other@example.test"),
             ("subject", "Hello from webmail"), ("text", "hi there"),
             ("do", "send")]
    body = b""
    for k, v in parts:
        body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n"
                 "\r\n%s\r\n" % (boundary, k, v)).encode()
    body += ("--%s\r\nContent-Disposition: form-data; name=\"att\"; "
             "filename=\"note.txt\"\r\nContent-Type: text/plain\r\n\r\n"
             "attached text\r\n--%s--\r\n" % (boundary, boundary)).encode()
    r, _ = c.request("POST", "/webmail/send", body=body,
                     ctype="multipart/form-data; boundary=" + boundary)
    assert r.status == 303, _
    # Delivered to the other user, with the sender's own address.
    md = wm.maildir("other")
    end = time.time() + 60
    got = None
    while time.time() < end and got is None:
        for d in ("new", "cur"):
            p = os.path.join(md, d)
            for n in os.listdir(p) if os.path.isdir(p) else []:
                got = open(os.path.join(p, n), "rb").read()
        time.sleep(0.2)
    assert got is not None, "the message was not delivered"
    assert b"From: demo@example.test" in got
    assert b"Return-Path: <demo@example.test>" in got
    assert b"note.txt" in got
    # The copy in Sent.
    sent = os.path.join(wm.maildir(), ".Sent", "cur")
    assert any(b"Hello from webmail" in open(os.path.join(sent, n), "rb").read()
               for n in os.listdir(sent))


def test_autosave(wm):
    """app.js's autosave: the draft replaced each time (one draft), its
    kept attachments renamed for the form, files not uploaded, no save
    without the form's token."""
    c = Client(wm)
    c.login()
    tok = c.csrf("/webmail/compose")
    drafts = os.path.join(wm.maildir(), ".Drafts", "cur")
    # a draft with two attachments, saved by hand
    body, ct = multipart([("csrf", tok), ("to", "other@example.test"),
                          ("subject", "Long letter"), ("text", "Dear"),
                          ("do", "draft")],
                         [("att", "a.txt", "text/plain", b"first file"),
                          ("att", "b.txt", "text/plain", b"second")])
    r, _ = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 303
    (first,) = os.listdir(drafts)
    loc = urllib.parse.urlsplit(r.getheader("Location"))
    r, page = c.get(loc.path + "?" + loc.query)      # the list of Drafts
    m = re.search(r"/compose\?f=[^&\"]*&amp;d=(\d+)", page)
    assert m, page
    uid = m.group(1)
    r, page = c.get("/webmail/compose?d=" + uid)
    keep = re.findall(r'name="keep" value="(\d+)"', page)
    assert len(keep) == 2
    # written on, the first attachment dropped, a file chosen: saved
    body, ct = multipart([("csrf", tok), ("to", "other@example.test"),
                          ("subject", "Long letter"), ("d", uid),
                          ("text", "Dear friend, more words"),
                          ("keep", keep[1]), ("do", "autosave")],
                         [("att", "c.txt", "text/plain", b"not yet attached")])
    r, data = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 200, data
    assert r.getheader("Content-Type").startswith("application/json")
    j = json.loads(data)
    assert j["d"] != int(uid) and j["n"] == 1 and len(j["keep"]) == 1
    (second,) = os.listdir(drafts)
    assert second != first
    msg = email.message_from_bytes(
        open(os.path.join(drafts, second), "rb").read(),
        policy=email.policy.default)
    assert "more words" in msg.get_body(("plain",)).get_content()
    assert [a.get_filename() for a in msg.iter_attachments()] == ["b.txt"]
    # the ids given are the ones the draft's page shows
    r, page = c.get("/webmail/compose?d=%d" % j["d"])
    assert re.findall(r'name="keep" value="(\d+)"', page) == \
        [str(k) for k in j["keep"]]
    # the next save, by those ids, keeps the attachment
    r, data = c.post("/webmail/send", {"csrf": tok, "d": j["d"],
                                       "subject": "Long letter",
                                       "text": "Dear friend, the end",
                                       "keep": j["keep"][0],
                                       "do": "autosave"})
    assert r.status == 200, data
    j2 = json.loads(data)
    (third,) = os.listdir(drafts)
    msg = email.message_from_bytes(
        open(os.path.join(drafts, third), "rb").read(),
        policy=email.policy.default)
    assert [a.get_filename() for a in msg.iter_attachments()] == ["b.txt"]
    assert j2["keep"] and j2["d"] != j["d"]
    # without the form's token: nothing saved
    r, _ = c.post("/webmail/send", {"csrf": "x" * 43, "d": j2["d"],
                                    "text": "forged", "do": "autosave"})
    assert r.status == 403
    assert os.listdir(drafts) == [third]


def selected_sort(page):
    m = re.search(r'<option value="([a-z]+\.[ad])" selected>', page)
    return m.group(1) if m else None


def test_sort_kept(wm):
    """The list's order is the one chosen last time, in a new session too,
    kept in SqWebMail's sqwebmail-config: a box moved from SqWebMail shows
    its users the order they had, and the file keeps SqWebMail's words."""
    conf = os.path.join(wm.maildir(), "sqwebmail-config")
    with open(conf, "w") as f:
        f.write("SORT=F PAGESIZE=10 AUTOPURGE=7 NOFLOWEDTEXT=0 NOARCHIVE=0 "
                "NOAUTORENAMESENT=0 STARTOFWEEK=0 FULLHEADERS FROM= LDAP=\n")
    uid = os.stat(wm.maildir()).st_uid
    os.chown(conf, uid, os.stat(wm.maildir()).st_gid)
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/list?f=INBOX")
    assert selected_sort(page) == "from.a"
    # a choice of ours, then a new session
    r, page = c.get("/webmail/list?f=INBOX&s=size.d")
    assert selected_sort(page) == "size.d"
    c2 = Client(wm)
    c2.login()
    r, page = c2.get("/webmail/list?f=INBOX")
    assert selected_sort(page) == "size.d"
    words = open(conf).read().split()
    assert words[0] == "SORT=D" and "HSORT=size.d" in words
    for w in ("PAGESIZE=10", "AUTOPURGE=7", "FULLHEADERS", "FROM=", "LDAP="):
        assert w in words
    assert os.stat(conf).st_uid == uid
    # SqWebMail's own orders in its own words
    r, page = c2.get("/webmail/list?f=INBOX&s=date.a")
    words = open(conf).read().split()
    assert "SORT=D" in words and "OLDEST1ST" in words


def test_header_injection_refused(wm):
    c = Client(wm)
    c.login()
    tok = c.csrf("/webmail/compose")
    r, _ = c.post("/webmail/send", {"csrf": tok, "to": "other@example.test",
                                    "subject": "x\r\nBcc: victim@e.test",
                                    "text": "t", "do": "send"})
    assert r.status == 400


def test_settings_forward_vacation(wm):
    c = Client(wm)
    c.login()
    tok = c.csrf("/webmail/settings")
    r, _ = c.post("/webmail/settings", {"csrf": tok, "a": "forward",
                                        "fwd": "friend@example.org",
                                        "keep": "1", "vac": "1",
                                        "vsubj": "Away",
                                        "vmsg": "Away until Monday."})
    assert r.status == 303
    q = open(os.path.join(wm.home, ".qmail")).read()
    assert "&friend@example.org\n" in q
    assert "/Maildir/\n" in q
    assert "/vpopmail/bin/autorespond 86400 1 %s/vacation/message " \
        "%s/vacation 0\n" % (wm.home, wm.home) in q
    # qmailadmin's message file: From and Subject, then the text.
    assert open(os.path.join(wm.home, "vacation", "message")).read() == \
        "From: demo@example.test\nSubject: Away\n\nAway until Monday."
    r, page = c.get("/webmail/settings")
    assert 'value="Away"' in page and ">Away until Monday.</textarea>" in page
    r, _ = c.post("/webmail/settings", {"csrf": tok, "a": "forward",
                                        "vac": "1", "vsubj": "x\r\nBcc: y",
                                        "vmsg": "t"})
    assert r.status == 400
    r, _ = c.post("/webmail/settings", {"csrf": tok, "a": "forward",
                                        "fwd": "x@y.test; |/bin/sh"})
    assert r.status == 400


def test_password_change(wm):
    c = Client(wm)
    c.login()
    tok = c.csrf("/webmail/settings")
    r, _ = c.post("/webmail/settings", {"csrf": tok, "a": "password",
                                        "old": "nope", "new": "n3w-pass-word",
                                        "new2": "n3w-pass-word"})
    assert r.status == 403
    r, _ = c.post("/webmail/settings", {"csrf": tok, "a": "password",
                                        "old": PASSWORD,
                                        "new": "n3w-pass-word",
                                        "new2": "n3w-pass-word"})
    assert r.status == 303
    d = Client(wm)
    r, _ = d.login(password="n3w-pass-word")
    assert "sqwebmail" in d.cookies


def test_client_setup(wm):
    c = Client(wm)
    r, x = c.get("/.well-known/autoconfig/mail/config-v1.1.xml"
                 "?emailaddress=demo@example.test")
    assert r.status == 200 and "<hostname>mail.example.test</hostname>" in x
    assert "<port>993</port>" in x and "<port>587</port>" in x
    r, x = c.get("/mail/config-v1.1.xml")
    assert r.status == 200 and "clientConfig" in x
    r, x = c.request("POST", "/autodiscover/autodiscover.xml",
                     body="<Autodiscover/>", ctype="text/xml")
    assert r.status == 200 and "<Type>IMAP</Type>" in x
    r, x = c.get("/webmail/mobileconfig?email=demo@example.test")
    assert r.status == 200 and "com.apple.mail.managed" in x
    assert "attachment" in r.getheader("Content-Disposition")


def test_fastcgi_front(instance, procs, tmp_path):
    """The same pages with sqwebmail under mod_fcgid (kept processes):
    login, a list, a form with a body, an upload, logout."""
    w = Webmail(instance, procs, tmp_path, fastcgi=True)
    w.deliver(b"From: ann@example.org\nSubject: over FastCGI\n\nhi\n")
    c = Client(w)
    r, _ = c.login()
    assert r.status == 303 and "sqwebmail" in c.cookies
    for _ in range(3):      # the same kept process, request after request
        r, page = c.get("/webmail/list?f=INBOX")
        assert r.status == 200 and "over FastCGI" in page
    tok = hidden(page, "csrf")
    r, _ = c.post("/webmail/folder", {"a": "create", "to": "Fast",
                                      "csrf": tok})
    assert r.status == 303
    assert os.path.isdir(os.path.join(w.maildir(), ".Fast"))
    big = "x" * 300000
    body = ("--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n"
            "%s\r\n--B\r\nContent-Disposition: form-data; name=\"subject\""
            "\r\n\r\nbig\r\n--B\r\nContent-Disposition: form-data; "
            "name=\"do\"\r\n\r\ndraft\r\n--B\r\nContent-Disposition: "
            "form-data; name=\"att\"; filename=\"big.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n%s\r\n--B--\r\n" %
            (tok, big))
    r, _ = c.request("POST", "/webmail/send", body=body.encode(),
                     ctype="multipart/form-data; boundary=B")
    assert r.status == 303
    drafts = os.path.join(w.maildir(), ".Drafts", "cur")
    assert len(os.listdir(drafts)) == 1
    r, _ = c.post("/webmail/logout", {"csrf": tok})
    assert r.status == 303
    r, page = c.get("/webmail/list?f=INBOX")
    assert 'name="pass"' in page
