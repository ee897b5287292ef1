"""The webmail's mail pages over HTTP through Apache and sqwebmaild, on
the real MIME layer: reading (charsets and RFC 2047 decoded to UTF-8,
format=flowed, the HTML or text alternative, attachments downloaded as
they were sent, inline cid: images, HTML attachments never rendered), the
list (sender's name with the address in its title, sizes, every sort
order both ways, conversations, pages, search in the text), the actions
on several messages at once and the folders as the IMAP server then sees
them, reply to all without the user's own address, forward inline and as
an attachment, drafts saved and resumed with their attachments, uploads
bounded by the quota, the address book."""
import email
import email.policy
import html
import http.client
import imaplib
import os
import re
import time
import urllib.parse

import pytest

from imaputil import Imap
from webmailutil import PASSWORD, USER, Client, Webmail, hidden, multipart


@pytest.fixture
def wm(instance, procs, tmp_path):
    return Webmail(instance, procs, tmp_path)


def uid_of(page, subject):
    """The UID of the list row whose subject is subject."""
    for m in re.finditer(r'<li class="msg[^"]*">.*?</li>', page, re.S):
        if ">%s</span>" % subject in m.group(0):
            return re.search(r'[?&]amp;[ud]=(\d+)', m.group(0)).group(1)
    raise AssertionError("no row for %r" % subject)


def subjects(page):
    return re.findall(r'<span class="subj">([^<]*)</span>', page)


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00"
       b"\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc"
       b"\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00"
       b"\x00IEND\xaeB`\x82")


def test_reading_decoded(wm):
    import base64
    b64png = base64.encodebytes(PNG).decode()
    wm.deliver(("From: =?ISO-8859-1?Q?Andr=E9_M=FCller?= <andre@example.org>\n"
                "To: demo@example.test\n"
                "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\n"
                "Date: Mon, 7 Dec 2026 10:00:00 +0100\n"
                "MIME-Version: 1.0\n"
                "Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
                "--outer\n"
                "Content-Type: multipart/alternative; boundary=\"alt\"\n\n"
                "--alt\n"
                "Content-Type: text/plain; charset=iso-8859-1\n"
                "Content-Transfer-Encoding: quoted-printable\n\n"
                "Caf=E9 cr=E8me, the text version.\n"
                "--alt\n"
                "Content-Type: multipart/related; boundary=\"rel\"\n\n"
                "--rel\n"
                "Content-Type: text/html; charset=utf-8\n\n"
                "<p>Caf\u00e9 <b>html</b> version</p>"
                "<img src=\"cid:logo@x\" alt=\"logo\">\n"
                "--rel\n"
                "Content-Type: image/png\n"
                "Content-ID: <logo@x>\n"
                "Content-Transfer-Encoding: base64\n\n%s"
                "--rel--\n"
                "--alt--\n"
                "--outer\n"
                "Content-Type: application/pdf; name=\"report.pdf\"\n"
                "Content-Disposition: attachment; "
                "filename*=UTF-8''r%%C3%%A9sum%%C3%%A9.pdf\n"
                "Content-Transfer-Encoding: base64\n\n"
                "JVBERi0xLjQKJcOkw7zDtsOfCg==\n"
                "--outer\n"
                "Content-Type: text/html; name=\"page.html\"\n"
                "Content-Disposition: attachment; filename=\"page.html\"\n\n"
                "<script>alert(1)</script>\n"
                "--outer--\n" % b64png).encode("utf-8"))
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/list?f=INBOX")
    # RFC 2047 in the list: the subject and the sender's name decoded.
    assert "Gr\u00fc\u00dfe aus K\u00f6ln" in page
    assert 'title="andre@example.org">Andr\u00e9 M\u00fcller</span>' in page
    uid = uid_of(page, "Gr\u00fc\u00dfe aus K\u00f6ln")
    r, page = c.get("/webmail/msg?f=INBOX&u=" + uid)
    assert "<b>Andr\u00e9 M\u00fcller</b>" in page
    assert "&lt;andre@example.org&gt;" in page
    # The HTML alternative in its frame; the attachments listed (the
    # inline image is not one), with decoded names.
    assert 'id="body"' in page and 'id="astext"' in page
    assert "r\u00e9sum\u00e9.pdf" in page and "page.html" in page
    assert "logo" not in re.search(r'<ul class="atts">.*?</ul>', page,
                                   re.S).group(0)
    r, body = c.get("/webmail/body?f=INBOX&u=" + uid)
    assert "Caf\u00e9 <b>html</b> version" in body
    cid = re.search(r'src="(/webmail/part\?[^"]*cid=[^"]*)"', body)
    assert cid, body
    r, img = c.get(cid.group(1).replace("&amp;", "&"))
    assert r.status == 200 and r.getheader("Content-Type") == "image/png"
    assert "inline" in r.getheader("Content-Disposition")
    # The text alternative, from iso-8859-1 quoted-printable.
    r, page = c.get("/webmail/msg?f=INBOX&u=%s&text=1" % uid)
    assert "Caf\u00e9 cr\u00e8me, the text version." in page
    assert 'id="ashtml"' in page
    # Attachments downloaded as they were sent; HTML never rendered.
    links = re.findall(r'href="(/webmail/part\?[^"]*dl=1)"', page)
    assert len(links) == 2
    c2 = http_bytes(wm, c, links[0].replace("&amp;", "&"))
    assert c2[0].getheader("Content-Type") == "application/octet-stream"
    assert "attachment" in c2[0].getheader("Content-Disposition")
    assert c2[1] == b"%PDF-1.4\n%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f\n"
    r, data = http_bytes(wm, c, links[1].replace("&amp;", "&"))
    assert r.getheader("Content-Type") == "application/octet-stream"
    assert "attachment" in r.getheader("Content-Disposition")
    assert "sandbox" in r.getheader("Content-Security-Policy")


def http_bytes(wm, c, path):
    import http.client
    h = http.client.HTTPConnection("127.0.0.1", wm.port, timeout=60)
    h.request("GET", path, headers={
        "Host": "127.0.0.1:%d" % wm.port,
        "Cookie": "; ".join("%s=%s" % kv for kv in c.cookies.items())})
    r = h.getresponse()
    data = r.read()
    h.close()
    return r, data


def test_reading_charsets_and_flowed(wm):
    wm.deliver("From: ivan@example.org\nTo: demo@example.test\n"
               "Subject: koi8\nContent-Type: text/plain; charset=koi8-r\n\n"
               .encode() + "\u041f\u0440\u0438\u0432\u0435\u0442, "
               "\u043c\u0438\u0440\n".encode("koi8-r"))
    wm.deliver(b"From: ann@example.org\nTo: demo@example.test\n"
               b"Subject: flowed\nContent-Type: text/plain; charset=utf-8; "
               b"format=flowed\n\nThis paragraph was wrapped \nby the "
               b"sender's client \nand joins again.\n> quoted \n> "
               b"also joined\n")
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/list?f=INBOX")
    r, page = c.get("/webmail/msg?f=INBOX&u=" + uid_of(page, "koi8"))
    assert "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440" in page
    r, page = c.get("/webmail/list?f=INBOX")
    r, page = c.get("/webmail/msg?f=INBOX&u=" + uid_of(page, "flowed"))
    assert "This paragraph was wrapped by the sender&#39;s client and " \
        "joins again." in page or "This paragraph was wrapped by the " \
        "sender&#x27;s client and joins again." in page
    assert "quoted also joined" in page


def test_list_sorts_and_threads(wm):
    msgs = [("Zed <zed@example.org>", "apples", b"x" * 10, "<a1@x>", ""),
            ("amy@example.org", "Re: apples", b"y" * 5000, "<a2@x>",
             "<a1@x>"),
            ("Bob <bob@example.org>", "melons", b"z" * 300, "<b1@x>", ""),
            ("Carl <carl@example.org>", "Re: apples", b"w" * 20, "<a3@x>",
             "<a1@x> <a2@x>")]
    for i, (frm, subj, body, mid, refs) in enumerate(msgs):
        wm.deliver(("From: %s\nTo: demo@example.test\nSubject: %s\n"
                    "Message-ID: %s\n%s\n" % (frm, subj, mid,
                    "References: %s\n" % refs if refs else "")).encode() +
                   body + b"\n")
        time.sleep(1.1)         # arrival order by file time
    c = Client(wm)
    c.login()

    def order(s):
        r, page = c.get("/webmail/list?f=INBOX&s=" + s)
        assert r.status == 200
        return [re.sub(r'.*title="([^"]*)".*', r"\1", m) for m in
                re.findall(r'<span class="from" title="[^"]*">', page)], \
            page

    assert order("date.d")[0] == ["carl@example.org", "bob@example.org",
                                  "amy@example.org", "zed@example.org"]
    assert order("date.a")[0][0] == "zed@example.org"
    # Sender: the name shown, else the address.
    assert order("from.a")[0] == ["amy@example.org", "bob@example.org",
                                  "carl@example.org", "zed@example.org"]
    assert order("from.d")[0][0] == "zed@example.org"
    # Subject without Re: (apples x3 by date, then melons).
    assert order("subject.a")[0] == ["zed@example.org", "amy@example.org",
                                     "carl@example.org", "bob@example.org"]
    assert order("subject.d")[0][0] == "bob@example.org"
    assert order("size.d")[0][0] == "amy@example.org"
    assert order("size.a")[0][0] == "zed@example.org"
    # Conversations: the apples thread (newest activity) first, replies
    # under their parent, deeper each level.
    got, page = order("thread.d")
    assert got == ["zed@example.org", "amy@example.org", "carl@example.org",
                   "bob@example.org"]
    assert re.search(r'class="msg[^"]* d1"[^>]*>.*?amy@', page, re.S)
    assert re.search(r'class="msg[^"]* d2"[^>]*>.*?carl@', page, re.S)
    # Oldest conversation first: melons, then apples with its replies.
    assert order("thread.a")[0] == ["bob@example.org", "zed@example.org",
                                    "amy@example.org", "carl@example.org"]
    # Sizes are real; an unknown order is the default one.
    assert ">4 KB<" in page or ">5 KB<" in page
    assert " 0 B<" not in page
    assert order("nonsense")[0] == order("date.d")[0]
    # The sort survives paging links.
    r, page = c.get("/webmail/list?f=INBOX&s=from.a")
    assert '<option value="from.a" selected>' in page
    # ... and goes along to the other folders.
    assert 'href="/webmail/list?f=INBOX.Sent&amp;s=from.a"' in page
    # ... and is kept: the next list without one has it (test_sort_kept
    # has the new session); the default again, and the links say none.
    r, page = c.get("/webmail/list?f=INBOX")
    assert '<option value="from.a" selected>' in page
    assert 'href="/webmail/list?f=INBOX.Sent&amp;s=from.a"' in page
    r, page = c.get("/webmail/list?f=INBOX&s=date.d")
    r, page = c.get("/webmail/list?f=INBOX")
    assert 'href="/webmail/list?f=INBOX.Sent"' in page


def test_drafts_resumed_with_attachments(wm):
    c = Client(wm)
    c.login()
    tok = c.csrf("/webmail/compose")
    # "Attach": the upload goes into a draft at once.
    body, ct = multipart([("csrf", tok), ("to", "other@example.test"),
                          ("subject", "Plans"), ("text", "First words"),
                          ("do", "attach")],
                         [("att", "plan.txt", "text/plain", b"the plan\n")])
    r, _ = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 303
    loc = r.getheader("Location")
    m = re.search(r"/compose\?d=(\d+)$", loc)
    assert m, loc
    r, page = c.get(loc.split("127.0.0.1:%d" % wm.port)[-1])
    assert 'value="other@example.test"' in page
    assert 'value="Plans"' in page and ">First words</textarea>" in page
    keep = re.search(r'name="keep" value="(\d+)" checked> plan.txt', page)
    assert keep, page
    # The Drafts list opens it for editing.
    r, lst = c.get("/webmail/list?f=INBOX.Drafts")
    assert "/webmail/compose?f=INBOX.Drafts&amp;d=%s" % m.group(1) in lst
    # Saved again with another upload: one draft, both attachments.
    body, ct = multipart([("csrf", tok), ("to", "other@example.test"),
                          ("subject", "Plans"), ("text", "More words"),
                          ("d", m.group(1)), ("keep", keep.group(1)),
                          ("do", "draft")],
                         [("att", "map.png", "image/png", PNG)])
    r, _ = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 303 and "list?f=INBOX.Drafts" in \
        r.getheader("Location")
    drafts = os.path.join(wm.maildir(), ".Drafts", "cur")
    assert len(os.listdir(drafts)) == 1
    r, lst = c.get("/webmail/list?f=INBOX.Drafts")
    d2 = re.search(r"compose\?f=INBOX.Drafts&amp;d=(\d+)", lst).group(1)
    r, page = c.get("/webmail/compose?f=INBOX.Drafts&d=" + d2)
    kept = re.findall(r'name="keep" value="(\d+)" checked> ([^ ]+)', page)
    assert sorted(k[1] for k in kept) == ["map.png", "plan.txt"]
    # Sent from the draft, keeping only the plan: delivered with it, the
    # draft gone, the copy in Sent.
    fields = [("csrf", tok), ("to", "other@example.test"),
              ("subject", "Plans"), ("text", "Final words"), ("d", d2),
              ("do", "send")] + [("keep", k[0]) for k in kept
                                 if k[1] == "plan.txt"]
    body, ct = multipart(fields)
    r, _ = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 303 and "list?f=INBOX" in r.getheader("Location")
    md = wm.maildir("other")
    end = time.time() + 60
    got = None
    while got is None and time.time() < end:
        for d in ("new", "cur"):
            p = os.path.join(md, d)
            for n in os.listdir(p) if os.path.isdir(p) else []:
                got = open(os.path.join(p, n), "rb").read()
        time.sleep(0.2)
    assert got is not None
    msg = email.message_from_bytes(got, policy=email.policy.default)
    names = [p.get_filename() for p in msg.iter_attachments()]
    assert names == ["plan.txt"]
    assert b"the plan" in [p for p in msg.iter_attachments()][0] \
        .get_content().encode()
    assert msg.get_body(("plain",)).get_content().strip() == "Final words"
    assert os.listdir(drafts) == []
    sent = os.path.join(wm.maildir(), ".Sent", "cur")
    assert len(os.listdir(sent)) == 1


def test_send_problem_keeps_a_draft(wm):
    c = Client(wm)
    c.login()
    tok = c.csrf("/webmail/compose")
    body, ct = multipart([("csrf", tok), ("to", "not an address"),
                          ("subject", "Oops"), ("text", "kept"),
                          ("do", "send")],
                         [("att", "a.txt", "text/plain", b"upload\n")])
    r, _ = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 303
    loc = r.getheader("Location")
    assert "e=address" in loc
    r, page = c.get(loc.split("127.0.0.1:%d" % wm.port)[-1])
    assert 'role="alert"' in page and 'value="not an address"' in page
    assert "> a.txt" in page


def test_upload_bounded_by_quota(wm):
    md = wm.maildir()
    with open(os.path.join(md, "maildirsize"), "w") as f:
        f.write("300000S\n250000 1\n")
    st = os.stat(wm.home)
    os.chown(os.path.join(md, "maildirsize"), st.st_uid, st.st_gid)
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/compose")
    assert 'data-max="50000"' in page and 'id="quotahint"' in page
    tok = hidden(page, "csrf")
    # Over the space left: refused before the body is read, nothing kept.
    body, ct = multipart([("csrf", tok), ("to", "other@example.test"),
                          ("subject", "big"), ("text", "t"), ("do", "send")],
                         [("att", "big.bin", "application/octet-stream",
                           b"\0" * 1200000)])
    r, page = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 413
    # Over it, within the slack for the text: refused after reading.
    body, ct = multipart([("csrf", tok), ("to", "other@example.test"),
                          ("subject", "big"), ("text", "t"), ("do", "draft")],
                         [("att", "big.bin", "application/octet-stream",
                           b"\0" * 60000)])
    r, page = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 413
    drafts = os.path.join(md, ".Drafts", "cur")
    assert not os.path.isdir(drafts) or os.listdir(drafts) == []
    # Within it: kept.
    body, ct = multipart([("csrf", tok), ("to", "other@example.test"),
                          ("subject", "small"), ("text", "t"),
                          ("do", "draft")],
                         [("att", "s.bin", "application/octet-stream",
                           b"\0" * 1000)])
    r, page = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 303


def test_address_book(wm):
    wm.deliver(b"From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@example.org>\n"
               b"To: demo@example.test\nSubject: hello\n\nhi\n")
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/list?f=INBOX")
    r, page = c.get("/webmail/msg?f=INBOX&u=" + uid_of(page, "hello"))
    # Quick-add from the message opens the form filled in.
    qa = re.search(r'class="quickadd" href="([^"]*)"', page).group(1)
    r, page = c.get(qa.replace("&amp;", "&"))
    assert 'value="J\u00fcrgen"' in page
    assert 'value="juergen@example.org"' in page
    tok = hidden(page, "csrf")
    r, _ = c.post("/webmail/abook", {"csrf": tok, "a": "add",
                                     "name": "J\u00fcrgen",
                                     "email": "juergen@example.org"})
    assert r.status == 303
    r, _ = c.post("/webmail/abook", {"csrf": tok, "a": "add",
                                     "name": "Ann, the boss",
                                     "email": "ann@example.org"})
    assert r.status == 303
    # The file: one contact a line, name TAB address.
    with open(os.path.join(wm.home, "sqwebmail-addressbook"),
              encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines() if not l.startswith("#")]
    assert sorted(lines) == ["Ann, the boss\tann@example.org",
                             "J\u00fcrgen\tjuergen@example.org"]
    # Offered in compose; the name with a comma quoted.
    r, page = c.get("/webmail/compose")
    assert '<option value="&quot;Ann, the boss&quot; &lt;ann@example.org' \
        '&gt;">' in page
    assert 'list="contacts"' in page
    # Edit (a new address), delete, bad input refused, CSRF needed.
    r, _ = c.post("/webmail/abook", {"csrf": tok, "a": "edit",
                                     "old": "ann@example.org",
                                     "name": "Ann", "email":
                                     "ann@else.example.org"})
    assert r.status == 303
    r, page = c.get("/webmail/abook")
    assert "ann@else.example.org" in page and "ann@example.org<" not in page
    assert "/webmail/compose?to=Ann%20%3Cann%40else.example.org%3E" in page
    r, _ = c.post("/webmail/abook", {"csrf": tok, "a": "del",
                                     "email": "ann@else.example.org"})
    assert r.status == 303
    r, _ = c.post("/webmail/abook", {"csrf": tok, "a": "add", "name": "x",
                                     "email": "a@b.test\nBcc: c@d.test"})
    assert r.status == 400
    r, _ = c.post("/webmail/abook", {"a": "add", "name": "x",
                                     "email": "x@y.test"})
    assert r.status == 403
    with open(os.path.join(wm.home, "sqwebmail-addressbook"),
              encoding="utf-8") as f:
        assert "ann@" not in f.read()


def test_addressbook_from_sqwebmail(wm):
    """A box moved from SqWebMail: its address book, in the Maildir in
    SqWebMail's form (a nickname per header, its addresses a list, folded
    lines), is shown; the first change saves ours beside the Maildir and
    leaves SqWebMail's file as it was."""
    sq = ('friends: "Old Friend" <friend@example.org>,\n'
          '    "Doe, Jane" <jane@example.org>\n'
          'boss: <boss@example.org>\n')
    path = os.path.join(wm.maildir(), "sqwebmail-addressbook")
    with open(path, "w", encoding="utf-8") as f:
        f.write(sq)
    st = os.stat(wm.maildir())
    os.chown(path, st.st_uid, st.st_gid)
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/abook")
    for text in ("friend@example.org", "Old Friend", "jane@example.org",
                 "Doe, Jane", "boss@example.org"):
        assert text in page, text
    r, page = c.get("/webmail/compose")
    assert "jane@example.org" in page
    tok = hidden(page, "csrf")
    r, _ = c.post("/webmail/abook", {"csrf": tok, "a": "add",
                                     "name": "New", "email": "new@example.org"})
    assert r.status == 303
    ours = os.path.join(wm.home, "sqwebmail-addressbook")
    with open(ours, encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines() if not l.startswith("#")]
    assert sorted(lines) == ["Doe, Jane\tjane@example.org",
                             "New\tnew@example.org",
                             "Old Friend\tfriend@example.org",
                             "boss\tboss@example.org"]
    assert open(path, encoding="utf-8").read() == sq


def test_reply_all_and_forward(wm):
    wm.deliver(b"From: \"Doe, John\" <john@example.org>\n"
               b"To: demo@example.test, Amy <amy@example.org>\n"
               b"Cc: DEMO@Example.Test, other@example.test, amy@example.org\n"
               b"Subject: team lunch\nMessage-ID: <lunch@example.org>\n\n"
               b"Where shall we go?\n")
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/list?f=INBOX")
    u = uid_of(page, "team lunch")

    def field(page, name):
        return html.unescape(re.search(r'name="%s" value="([^"]*)"' % name,
                                       page).group(1))

    # Reply: the sender only, the name with its comma quoted.
    r, page = c.get("/webmail/compose?r=reply&f=INBOX&u=" + u)
    assert field(page, "to") == '"Doe, John" <john@example.org>'
    assert field(page, "cc") == ""
    assert field(page, "subject") == "Re: team lunch"
    assert "&gt; Where shall we go?" in page
    # Reply to all: everyone else once, never the user.
    r, page = c.get("/webmail/compose?r=all&f=INBOX&u=" + u)
    assert field(page, "to") == ('"Doe, John" <john@example.org>, '
                                 'Amy <amy@example.org>')
    assert field(page, "cc") == "other@example.test"
    tok = hidden(page, "csrf")
    body, ct = multipart([("csrf", tok), ("to", field(page, "to")),
                          ("cc", field(page, "cc")), ("subject", "Re: team "
                          "lunch"), ("text", "The usual place."),
                          ("r", "all"), ("f", "INBOX"), ("u", u),
                          ("do", "send")])
    r, _ = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 303 and "e=" not in r.getheader("Location")
    got = wait_delivered(wm, "other", "The usual place")
    msg = email.message_from_bytes(got, policy=email.policy.default)
    assert msg["In-Reply-To"] == "<lunch@example.org>"
    assert "demo@" not in (msg["To"] or "").lower()
    r, page = c.get("/webmail/list?f=INBOX")
    assert re.search(r'class="msg[^"]* answered[^"]*">(?:(?!</li>).)*team '
                     r'lunch', page, re.S)
    # Forward inline: no one addressed, the text and its headers in it.
    r, page = c.get("/webmail/compose?r=fwd&f=INBOX&u=" + u)
    assert field(page, "to") == "" and field(page, "subject") == \
        "Fwd: team lunch"
    assert "Where shall we go?" in page and "&gt; Where" not in page
    # Forward as an attachment: the message goes whole.
    r, page = c.get("/webmail/compose?r=fwdatt&f=INBOX&u=" + u)
    assert field(page, "subject") == "Fwd: team lunch"
    body, ct = multipart([("csrf", tok), ("to", "other@example.test"),
                          ("subject", "Fwd: team lunch"), ("text", "FYI"),
                          ("r", "fwdatt"), ("f", "INBOX"), ("u", u),
                          ("do", "send")])
    r, _ = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 303 and "e=" not in r.getheader("Location")
    got = wait_delivered(wm, "other", "FYI")
    msg = email.message_from_bytes(got, policy=email.policy.default)
    att = [p for p in msg.iter_attachments()]
    assert [p.get_content_type() for p in att] == ["message/rfc822"]
    assert b"Where shall we go?" in att[0].as_bytes()


def wait_delivered(wm, user, text=None):
    """The first message in user's INBOX (holding text, when given)."""
    md = wm.maildir(user)
    end = time.time() + 60
    while time.time() < end:
        for d in ("new", "cur"):
            p = os.path.join(md, d)
            for n in sorted(os.listdir(p)) if os.path.isdir(p) else []:
                got = open(os.path.join(p, n), "rb").read()
                if text is None or text.encode() in got:
                    return got
        time.sleep(0.2)
    raise AssertionError("nothing delivered to %s" % user)


def test_list_actions_agree_with_imap(wm):
    """Several messages at once marked, flagged, deleted to Trash, moved
    to an own folder that is renamed; Trash emptied; the list paged and
    searched in the text; each step as the IMAP server sees it."""
    for i in range(55):
        wm.deliver(("From: Bulk Sender <bulk@example.org>\nTo: demo@example"
                    ".test\nSubject: Bulk %d\n\nbody %s\n" %
                    (i, "zucchini" if i == 7 else "words")).encode())
    c = Client(wm)
    c.login()
    tok = c.csrf()
    imap = Imap(wm.i, wm.procs)
    m = imaplib.IMAP4("127.0.0.1", imap.start(), timeout=60)
    m.login(USER, PASSWORD)

    def by_imap(folder):
        """subject -> (uid, flags) of folder, through IMAP."""
        typ, _ = m.select(folder, readonly=True)
        assert typ == "OK", folder
        typ, data = m.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER."
                          "FIELDS (SUBJECT)])")
        out = {}
        for item in data:
            if isinstance(item, tuple):
                meta = item[0].decode()
                subj = item[1].decode().split(":", 1)[1].strip()
                out[subj] = (re.search(r"UID (\d+)", meta).group(1),
                             set(re.search(r"FLAGS \(([^)]*)\)", meta)
                                 .group(1).split()))
        return out

    def rows(page):
        """subject -> the row's classes, on a list page."""
        return {html.unescape(re.search(r'<span class="subj">([^<]*)',
                                        r.group(2)).group(1)): r.group(1)
                for r in re.finditer(r'<li class="msg([^"]*)">(.*?)</li>',
                                     page, re.S)}

    inbox = by_imap("INBOX")
    uid = {s: v[0] for s, v in inbox.items()}
    # Paged: 50 a page, the newest first (arrival as IMAP has it, then
    # UID), then the rest.
    typ, data = m.uid("FETCH", "1:*", "(UID INTERNALDATE)")
    arrival = sorted(((time.mktime(imaplib.Internaldate2tuple(d)),
                       int(re.search(rb"UID (\d+)", d).group(1)))
                      for d in data), reverse=True)
    subj_of = {int(v): s for s, v in uid.items()}
    newest = [subj_of[u] for _, u in arrival]
    r, page = c.get("/webmail/list?f=INBOX")
    assert list(rows(page)) == newest[:50] and 'id="next"' in page
    r, page = c.get("/webmail/list?f=INBOX&p=1")
    assert list(rows(page)) == newest[50:]
    assert 'id="prev"' in page and 'id="next"' not in page
    # Quick search finds a word of the text only.
    r, page = c.get("/webmail/list?f=INBOX&q=Zucchini")
    assert list(rows(page)) == ["Bulk 7"]

    def act(a, subjects, folder="INBOX", **kw):
        fields = [("csrf", tok), ("f", folder), ("a", a)] + \
            [("u", uid[s]) for s in subjects] + list(kw.items())
        r, _ = c.post("/webmail/act", fields)
        assert r.status == 303, a
    # Without the token nothing changes.
    r, _ = c.post("/webmail/act", [("f", "INBOX"), ("a", "flag"),
                                   ("u", uid["Bulk 1"])])
    assert r.status == 403
    act("flag", ["Bulk 1", "Bulk 2", "Bulk 3"])
    act("seen", ["Bulk 1", "Bulk 2"])
    act("unseen", ["Bulk 1"])
    # An action brings the list back as it was: order, search, page.
    r, page = c.get("/webmail/list?f=INBOX&s=size.a&q=Bulk&p=1")
    acts = re.search(r'<form id="acts".*?</form>', page, re.S).group(0)
    assert hidden(acts, "s") == "size.a" and hidden(acts, "q") == "Bulk"
    assert hidden(acts, "p") == "1"
    r, _ = c.post("/webmail/act", [("csrf", tok), ("f", "INBOX"),
                                   ("a", "seen"), ("u", uid["Bulk 2"]),
                                   ("s", "size.a"), ("q", "Bulk"),
                                   ("p", "1")])
    assert r.status == 303
    assert r.getheader("Location").endswith(
        "/webmail/list?f=INBOX&s=size.a&q=Bulk&p=1")
    web = {}
    for p in (0, 1):
        r, page = c.get("/webmail/list?f=INBOX&p=%d" % p)
        web.update(rows(page))
    assert "flagged" in web["Bulk 1"] and "unread" in web["Bulk 1"]
    assert "flagged" in web["Bulk 2"] and "unread" not in web["Bulk 2"]
    assert "flagged" not in web["Bulk 0"]
    inbox = by_imap("INBOX")
    assert inbox["Bulk 1"][1] == {"\\Flagged"}
    assert inbox["Bulk 2"][1] == {"\\Flagged", "\\Seen"}
    assert inbox["Bulk 3"][1] == {"\\Flagged"}
    assert inbox["Bulk 0"][1] == set()
    # Unread counts beside the folders: 54 of 55.
    r, page = c.get("/webmail/folders")
    assert re.search(r'f=INBOX">[^<]*</a> <span class="count">54 / 55<',
                     page), page
    # Delete two to Trash; an own folder made, one moved there, renamed.
    act("delete", ["Bulk 4", "Bulk 2"])
    r, _ = c.post("/webmail/folder", {"csrf": tok, "a": "create",
                                      "to": "Projects"})
    assert r.status == 303
    act("move", ["Bulk 6"], to="INBOX.Projects")
    r, _ = c.post("/webmail/folder", {"csrf": tok, "a": "rename",
                                      "f": "INBOX.Projects", "to": "Work"})
    assert r.status == 303
    r, page = c.get("/webmail/list?f=INBOX")
    assert not {"Bulk 2", "Bulk 4", "Bulk 6"} & set(rows(page))
    r, page = c.get("/webmail/list?f=INBOX.Work")
    assert list(rows(page)) == ["Bulk 6"]
    # The folder shown is marked among the folders (with the order kept
    # since the list was sorted by size above).
    assert '<li class="current"><a href="/webmail/list?f=INBOX.Work' \
        '&amp;s=size.a">' in page
    typ, boxes = m.list()
    names = {b.decode().rsplit(' "." ', 1)[-1].strip('"') for b in boxes}
    assert "INBOX.Work" in names and "INBOX.Projects" not in names
    assert list(by_imap("INBOX.Work")) == ["Bulk 6"]
    trash = by_imap("INBOX.Trash")
    assert set(trash) == {"Bulk 2", "Bulk 4"}
    # The flags travel with the message.
    assert trash["Bulk 2"][1] >= {"\\Flagged", "\\Seen"}
    inbox = by_imap("INBOX")
    assert len(inbox) == 52 and not {"Bulk 2", "Bulk 4", "Bulk 6"} & \
        set(inbox)
    # Empty Trash: gone for good, in IMAP too.
    r, page = c.get("/webmail/list?f=INBOX.Trash")
    assert 'id="empty"' in page
    r, _ = c.post("/webmail/act", [("csrf", tok), ("f", "INBOX.Trash"),
                                   ("a", "empty")])
    assert r.status == 303
    r, page = c.get("/webmail/list?f=INBOX.Trash")
    assert rows(page) == {}
    assert by_imap("INBOX.Trash") == {}
    # An own folder deleted.
    r, _ = c.post("/webmail/folder", {"csrf": tok, "a": "delete",
                                      "f": "INBOX.Work"})
    assert r.status == 303
    typ, boxes = m.list()
    assert not any(b"INBOX.Work" in b for b in boxes)
    r, page = c.get("/webmail/folders")
    assert "INBOX.Work" not in page
    m.logout()


def test_remote_images_print_and_headers(wm):
    """Remote images blocked until asked for, for that message; the print
    view without the page's bars; the full headers as plain text."""
    wm.deliver(b"From: shop@example.org\nTo: demo@example.test\n"
               b"Subject: offers\nX-Tracking: abc123\nMIME-Version: 1.0\n"
               b"Content-Type: text/html; charset=utf-8\n\n"
               b"<p>Deals</p><img src=\"http://track.example.org/p.gif\">"
               b"<img src=\"https://cdn.example.org/logo.png\">\n")
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/list?f=INBOX")
    u = uid_of(page, "offers")
    r, page = c.get("/webmail/msg?f=INBOX&u=" + u)
    assert 'id="remote"' in page
    assert "track.example.org" not in page
    r, body = c.get("/webmail/body?f=INBOX&u=" + u)
    csp = r.getheader("Content-Security-Policy")
    assert "img-src 'self' data:;" in csp and "http:" not in csp
    assert "track.example.org" not in body and "cdn.example.org" not in body
    assert 'class="blocked"' in body and "Deals" in body
    # Asked for: this message's frame loads them.
    r, page = c.get("/webmail/msg?f=INBOX&u=%s&remote=1" % u)
    assert 'id="remote"' not in page and "remote=1" in page
    r, body = c.get("/webmail/body?f=INBOX&u=%s&remote=1" % u)
    assert "https:" in r.getheader("Content-Security-Policy")
    assert 'src="http://track.example.org/p.gif"' in body
    assert 'class="blocked"' not in body
    # Print: the message alone (no bars, no actions), printed at once.
    r, page = c.get("/webmail/print?f=INBOX&u=" + u)
    assert r.status == 200 and '<main class="print">' in page
    assert 'class="msgbar"' not in page and 'id="logout"' not in page
    assert 'id="subject">offers<' in page
    # Full headers: the message as stored, as text.
    r, src = c.get("/webmail/src?f=INBOX&u=" + u)
    assert r.getheader("Content-Type").startswith("text/plain")
    assert r.getheader("X-Content-Type-Options") == "nosniff"
    assert "X-Tracking: abc123" in src and "<img src=" in src


def test_remote_images_per_sender(wm):
    """"Always show remote images from" a sender: that sender's next
    message opens with them, another sender's does not, and "stop" takes
    it back; the address is the message's own (a form cannot name
    another), the change needs the form's token."""
    for n, frm in ((1, b"News <News@Shop.example.org>"),
                   (2, b"news@shop.example.org"),
                   (3, b"other@else.example.org")):
        wm.deliver(b"From: " + frm + b"\nTo: demo@example.test\n"
                   b"Subject: letter %d\nMIME-Version: 1.0\n"
                   b"Content-Type: text/html; charset=utf-8\n\n"
                   b"<p>Hi</p><img src=\"https://cdn.example.org/%d.png\">\n"
                   % (n, n))
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/list?f=INBOX")
    u1, u2, u3 = (uid_of(page, "letter %d" % n) for n in (1, 2, 3))
    r, page = c.get("/webmail/msg?f=INBOX&u=%s&remote=1" % u1)
    assert 'id="trust"' in page
    tok = hidden(page, "csrf")
    r, _ = c.post("/webmail/images", {"f": "INBOX", "u": u1, "on": "1"})
    assert r.status == 403
    r, _ = c.post("/webmail/images", {"csrf": tok, "f": "INBOX", "u": u1,
                                      "on": "1", "addr": "x@evil.test"})
    assert r.status == 303 and "u=" + u1 in r.getheader("Location")
    with open(os.path.join(wm.maildir(), "hsmail-remote-images")) as f:
        assert f.read() == "news@shop.example.org\n"
    # the same sender (any case): images at once; another: blocked
    def frame_remote(page, u):
        return "/body?f=INBOX&amp;u=%s&amp;remote=1" % u in page
    r, page = c.get("/webmail/msg?f=INBOX&u=" + u2)
    assert 'id="remote"' not in page and frame_remote(page, u2)
    assert 'id="untrust"' in page
    r, page = c.get("/webmail/msg?f=INBOX&u=" + u3)
    assert 'id="remote"' in page and not frame_remote(page, u3)
    # the same From, found forged here: not trusted
    wm.deliver(b"Authentication-Results: mail.example.test; spf=fail "
               b"smtp.mailfrom=x.test; dmarc=fail header.from=shop.example.org"
               b"\nFrom: news@shop.example.org\nTo: demo@example.test\n"
               b"Subject: letter 4\nMIME-Version: 1.0\n"
               b"Content-Type: text/html; charset=utf-8\n\n"
               b"<img src=\"https://cdn.example.org/4.png\">\n")
    r, page = c.get("/webmail/list?f=INBOX")
    u4 = uid_of(page, "letter 4")
    r, page = c.get("/webmail/msg?f=INBOX&u=" + u4)
    assert 'id="remote"' in page and not frame_remote(page, u4)
    # no longer
    r, _ = c.post("/webmail/images", {"csrf": tok, "f": "INBOX", "u": u2,
                                      "on": "0"})
    assert r.status == 303
    r, page = c.get("/webmail/msg?f=INBOX&u=" + u2)
    assert 'id="remote"' in page and not frame_remote(page, u2)


def test_several_uploads_own_from_and_quota(wm):
    """Two files chosen at once go out together; a From or Sender slipped
    into the form changes nothing (the login's address is the sender);
    the list shows the mailbox's quota."""
    md = wm.maildir()
    os.makedirs(md, exist_ok=True)
    with open(os.path.join(md, "maildirsize"), "w") as f:
        f.write("10000000S\n2500000 3\n")
    st = os.stat(wm.home)
    os.chown(os.path.join(md, "maildirsize"), st.st_uid, st.st_gid)
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/list?f=INBOX")
    m = re.search(r'<p class="quota">([^<]*)<meter min="0" max="100" '
                  r'value="(\d+)">', page)
    assert m and m.group(2) == "25", page
    assert "/" in m.group(1)
    tok = hidden(page, "csrf")
    body, ct = multipart([("csrf", tok), ("to", "other@example.test"),
                          ("from", "boss@example.test"),
                          ("sender", "boss@example.test"),
                          ("subject", "two files"), ("text", "both"),
                          ("do", "send")],
                         [("att", "a.txt", "text/plain", b"first\n"),
                          ("att", "b.png", "image/png", PNG)])
    r, _ = c.request("POST", "/webmail/send", body=body, ctype=ct)
    assert r.status == 303 and "e=" not in r.getheader("Location")
    got = wait_delivered(wm, "other", "two files")
    msg = email.message_from_bytes(got, policy=email.policy.default)
    assert msg["From"] == "demo@example.test" and msg["Sender"] is None
    assert b"boss@" not in got
    assert [a.get_filename() for a in msg.iter_attachments()] == \
        ["a.txt", "b.png"]
    assert [a for a in msg.iter_attachments()][1].get_content() == PNG


def test_hundred_megabyte_attachment(wm):
    """A 100 MB message: listed with its size, opened, its attachment
    downloaded whole, the list still answering afterwards."""
    import base64
    import hashlib
    data = hashlib.sha256(b"seed").digest() * (75 * 1024 * 1024 // 32)
    enc = base64.encodebytes(data)
    wm.deliver(b"From: big@example.org\nTo: demo@example.test\n"
               b"Subject: the big one\nMIME-Version: 1.0\n"
               b"Content-Type: multipart/mixed; boundary=zz\n\n--zz\n"
               b"Content-Type: text/plain\n\nsee the file\n--zz\n"
               b"Content-Type: application/octet-stream\n"
               b"Content-Transfer-Encoding: base64\n"
               b"Content-Disposition: attachment; filename=\"big.bin\"\n\n" +
               enc + b"--zz--\n")
    del enc
    c = Client(wm)
    c.login()
    r, page = c.get("/webmail/list?f=INBOX")
    assert r.status == 200
    u = uid_of(page, "the big one")
    assert re.search(r'<span class="size">1\d\d(\.\d)? MB</span>', page)
    r, page = c.get("/webmail/msg?f=INBOX&u=" + u)
    assert r.status == 200 and "see the file" in page
    part = re.search(r'href="(/webmail/part\?[^"]*)"[^>]*>[^<]*big\.bin',
                     page)
    assert part, page
    h = http.client.HTTPConnection("127.0.0.1", wm.port, timeout=600)
    h.request("GET", html.unescape(part.group(1)), headers={
        "Cookie": "; ".join("%s=%s" % kv for kv in c.cookies.items())})
    resp = h.getresponse()
    assert resp.status == 200
    assert "attachment" in resp.getheader("Content-Disposition")
    got = hashlib.sha256()
    n = 0
    while True:
        b = resp.read(1 << 20)
        if not b:
            break
        got.update(b)
        n += len(b)
    h.close()
    assert n == len(data) and got.digest() == hashlib.sha256(data).digest()
    r, page = c.get("/webmail/list?f=INBOX")
    assert r.status == 200 and "the big one" in page


def test_every_charset_label(wm):
    """A message in every charset label Python knows, the common web
    labels, and broken ones, each with markup in its subject (as an
    encoded word) and its text: the list and the message are valid UTF-8
    with the markup escaped."""
    import encodings.aliases
    labels = set(encodings.aliases.aliases.values()) | {
        "utf-8", "UTF8", "us-ascii", "iso-8859-1", "latin1", "windows-1252",
        "cp1251", "koi8-r", "koi8-u", "gb2312", "gbk", "gb18030", "big5",
        "big5-hkscs", "euc-jp", "iso-2022-jp", "shift_jis", "sjis",
        "euc-kr", "ks_c_5601-1987", "iso-2022-kr", "tis-620",
        "windows-874", "viscii", "utf-16", "utf-16le", "utf-16be",
        "utf-32", "utf-7", "x-user-defined", "replacement", "hz-gb-2312",
        "x-mac-cyrillic", "macintosh", "ibm866", "iso-8859-8-i",
        "x-unknown-evil", "", "\"quoted\"", "a b", "../../etc/passwd",
        "x" * 300, "utf-8'en'", "=?utf-8?q?x?=", "%00", "unicode-1-1-utf-7"}
    labels = sorted(labels)
    for i, cs in enumerate(labels):
        wm.deliver(("From: cs%d@example.org\nTo: demo@example.test\n"
                    "Subject: cs%d =?%s?Q?=3Cscript=3Ex=3C/script=3E?=\n"
                    "MIME-Version: 1.0\nContent-Type: text/plain; "
                    "charset=\"%s\"\n\n" % (i, i, cs, cs)).encode() +
                   b"<script>alert(1)</script> caf\xe9 \x1b$B\x00\xff\xfe+ADw-"
                   b"\n")
    c = Client(wm)
    c.login()

    def raw(path):
        h = http.client.HTTPConnection("127.0.0.1", wm.port, timeout=120)
        h.request("GET", path, headers={"Cookie": "; ".join(
            "%s=%s" % kv for kv in c.cookies.items())})
        r = h.getresponse()
        data = r.read()
        h.close()
        assert r.status == 200, path
        return data.decode("utf-8")     # strict: valid UTF-8 or fails

    uids = {}
    p = 0
    while True:
        page = raw("/webmail/list?f=INBOX&p=%d" % p)
        assert "<script>" not in page.split("</head>", 1)[1]
        for m in re.finditer(r'<li class="msg[^"]*">.*?</li>', page, re.S):
            n = re.search(r'cs(\d+)@', m.group(0)).group(1)
            uids[int(n)] = re.search(r'[?&]amp;u=(\d+)', m.group(0)).group(1)
        if 'id="next"' not in page:
            break
        p += 1
    assert sorted(uids) == list(range(len(labels)))
    for i, cs in enumerate(labels):
        page = raw("/webmail/msg?f=INBOX&u=" + uids[i])
        body = page.split("</head>", 1)[1]
        assert "<script" not in body and "alert(1)</" not in body, cs
        assert "<script>x" not in page, cs


def test_no_path_outside_the_maildir(wm):
    """Folder names that climb out of the Maildir, in every place a
    folder is named: refused, and nothing made or moved outside."""
    wm.deliver(b"From: a@example.org\nTo: demo@example.test\n"
               b"Subject: stays\n\nhere\n")
    c = Client(wm)
    c.login()
    tok = c.csrf()
    r, page = c.get("/webmail/list?f=INBOX")
    u = uid_of(page, "stays")
    home = os.path.dirname(wm.maildir())
    before = sorted(os.listdir(home))
    bad = ["../../etc", "INBOX/../..", "..", "INBOX/../../x", "/etc",
           "INBOX.../x", ".", "INBOX/..", "../Maildir"]
    for b in bad:
        for path in ("list", "msg", "print", "body", "src", "part"):
            r, _ = c.get("/webmail/%s?f=%s&u=%s&p=1" %
                         (path, urllib.parse.quote(b, safe=""), u))
            assert r.status == 404, (path, b)
        r, page = c.get("/webmail/compose?r=reply&f=%s&u=%s" %
                        (urllib.parse.quote(b, safe=""), u))
        assert r.status == 200 and "here" not in page, b
        r, _ = c.post("/webmail/act", [("csrf", tok), ("f", "INBOX"),
                                       ("a", "move"), ("u", u), ("to", b)])
        assert r.status in (303, 400), b
        r, _ = c.post("/webmail/act", [("csrf", tok), ("f", b),
                                       ("a", "delete"), ("u", u)])
        assert r.status in (400, 404), b
        for a, f in (("create", ""), ("rename", "INBOX.Sent"),
                     ("delete", b)):
            r, _ = c.post("/webmail/folder", {"csrf": tok, "a": a, "f": f,
                                              "to": b})
            assert r.status == 400, (a, b)
    r, page = c.get("/webmail/list?f=INBOX")
    assert uid_of(page, "stays") == u
    assert sorted(os.listdir(home)) == before
    assert os.path.isdir(os.path.join(wm.maildir(), ".Sent"))
