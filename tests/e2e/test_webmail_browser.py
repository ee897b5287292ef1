"""The webmail in headless Chromium (Debian's chromium, driven by
playwright-core from tests/webmail/setup): the whole flow on a desktop and
a 360-pixel phone with screenshots kept in the test's directory
(webmail-shots/), the sent reply found delivered, a draft saved, resumed
and sent with its attachment, what was moved and deleted found in the
Maildir and seen the same through the IMAP server (folders, UIDs, flags,
the flags set in the browser), and a corpus of hostile
messages each opened with a check that no script ran and nothing was
fetched from outside the page's origin, and what the server sent for each
checked for event handlers, script URLs and active tags."""
import base64
import email
import email.policy
import html
import imaplib
import json
import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import SRC
from imaputil import Imap
from webmailutil import PASSWORD, USER, Client, Webmail

NODE = shutil.which("node")
JS = os.path.join(SRC, "tests", "webmail", "browser.js")


def setup_playwright():
    if NODE is None or not os.path.exists("/usr/bin/chromium"):
        pytest.skip("node or chromium missing")
    subprocess.run([os.path.join(SRC, "tests", "webmail", "setup")],
                   check=True, timeout=600)


def run_browser(wm, out, mode, uids=()):
    p = subprocess.run([NODE, JS, "http://127.0.0.1:%d" % wm.port, USER, PASSWORD, out,
                        mode] + [str(u) for u in uids],
                       capture_output=True, text=True, timeout=900)
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    assert lines, p.stdout + p.stderr
    return json.loads(lines[-1])


@pytest.fixture
def wm(instance, procs, tmp_path):
    return Webmail(instance, procs, tmp_path)


def shots_dir(tmp_path):
    d = os.environ.get("HSMAIL_WEBMAIL_SHOTS") or os.path.join(
        str(tmp_path), "webmail-shots")
    os.makedirs(d, exist_ok=True)
    return d


def test_browser_flow(wm, tmp_path):
    setup_playwright()
    wm.deliver(b"From: Ann Example <ann@example.test>\n"
               b"To: demo@example.test\nSubject: Welcome to your webmail\n"
               b"Message-ID: <w1@example.test>\n\n"
               b"Hello,\n\nthis is your new mailbox.\n> quoted line\n"
               b"Visit https://example.test/help for help.\n")
    for i in range(12):
        wm.deliver(b"From: News %d <news%d@example.test>\nTo: demo@example"
                   b".test\nSubject: Newsletter number %d\n\nText %d\n" %
                   (i, i, i, i))
    res = run_browser(wm, shots_dir(tmp_path), "flow")
    assert not res["fail"], res["fail"]
    # The replies and the draft went out through qmail-inject: all three
    # end in Sent; the draft (saved by hand, then by itself as it was
    # written) left Drafts and arrived with its attachment; the message
    # left unsaved is the one draft there.
    sent = os.path.join(wm.maildir(), ".Sent", "cur")
    assert len(os.listdir(sent)) == 3
    drafts = os.path.join(wm.maildir(), ".Drafts", "cur")
    left = os.listdir(drafts)
    assert len(left) == 1, left
    draft = email.message_from_bytes(
        open(os.path.join(drafts, left[0]), "rb").read(),
        policy=email.policy.default)
    assert draft["Subject"] == "Left behind"
    assert draft.get_body(("plain",)).get_content().strip() == \
        "Not sent, not lost"
    md = wm.maildir("other")
    got = None
    end = time.time() + 60
    while got is None and time.time() < end:
        for d in ("new", "cur"):
            p = os.path.join(md, d)
            for n in os.listdir(p) if os.path.isdir(p) else []:
                got = open(os.path.join(p, n), "rb").read()
        time.sleep(0.2)
    assert got is not None, "the draft was not delivered"
    msg = email.message_from_bytes(got, policy=email.policy.default)
    assert msg["Subject"] == "Draft from desktop"
    assert msg.get_body(("plain",)).get_content().strip() == "Final words"
    assert [a.get_filename() for a in msg.iter_attachments()] == \
        ["plan.txt"]
    # What was moved and deleted in the browser, in the Maildir.
    def subjects(folder):
        d = os.path.join(wm.maildir(), folder, "cur")
        out = []
        for n in os.listdir(d) if os.path.isdir(d) else []:
            for line in open(os.path.join(d, n), "rb"):
                if line.startswith(b"Subject: "):
                    out.append(line[9:].strip().decode())
                    break
        return sorted(out)
    assert subjects(".Archive") == ["Newsletter number 1",
                                    "Newsletter number 3"]
    assert subjects(".Trash") == ["Newsletter number 2",
                                  "Newsletter number 4"]
    assert not any(s in subjects("") for s in
                   ("Newsletter number %d" % i for i in range(1, 5)))
    # The same mailbox through IMAP: the folders, and in each the same
    # messages with the same UIDs and flags as the webmail shows.
    imap = Imap(wm.i, wm.procs)
    c = imaplib.IMAP4("127.0.0.1", imap.start(), timeout=60)
    c.login(USER, PASSWORD)
    typ, boxes = c.list()
    names = {b.decode().rsplit(' "." ', 1)[-1].strip('"') for b in boxes}
    assert {"INBOX", "INBOX.Archive", "INBOX.Trash", "INBOX.Sent",
            "INBOX.Drafts", "INBOX.Junk"} <= names, names
    web = Client(wm)
    web.login()
    flagged = set()
    for folder in ("INBOX", "INBOX.Archive", "INBOX.Trash", "INBOX.Sent"):
        c.select(folder, readonly=True)
        typ, data = c.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[HEADER."
                          "FIELDS (SUBJECT)])")
        by_imap = set()
        for item in data:
            if not isinstance(item, tuple):
                continue
            meta = item[0].decode()
            uid = re.search(r"UID (\d+)", meta).group(1)
            flags = re.search(r"FLAGS \(([^)]*)\)", meta).group(1).split()
            subj = item[1].decode().split(":", 1)[1].strip()
            by_imap.add((uid, subj, "\\Seen" in flags,
                         "\\Answered" in flags, "\\Flagged" in flags))
        r, page = web.get("/webmail/list?f=" + folder)
        by_web = set()
        for m in re.finditer(r'<li class="msg([^"]*)">(.*?)</li>', page,
                             re.S):
            cls, row = m.group(1), m.group(2)
            uid = re.search(r"[?&](?:amp;)?[ud]=(\d+)", row).group(1)
            subj = html.unescape(re.search(r'<span class="subj">([^<]*)'
                                           r'</span>', row).group(1))
            by_web.add((uid, subj, "unread" not in cls, "answered" in cls,
                        "flagged" in cls))
        assert by_web == by_imap, (folder, by_web ^ by_imap)
        assert by_web, folder
        flagged |= {(folder, x[1], x[2]) for x in by_imap if x[4]}
    # What was flagged in the browser (by keyboard, and two at once with
    # "read"), flagged in IMAP.
    assert flagged == {("INBOX", "Welcome to your webmail", True),
                       ("INBOX", "Newsletter number 5", True),
                       ("INBOX", "Newsletter number 6", True)}, flagged
    c.logout()


def hostile_corpus():
    """At least 40 messages built to run script or fetch something."""
    h = []
    html_bodies = [
        "<script>window.__pwned=1;document.title='pwned'</script>",
        "<img src=x onerror=\"document.title='pwned'\">",
        "<svg onload=\"document.title='pwned'\"></svg>",
        "<svg><script>document.title='pwned'</script></svg>",
        "<body onload=\"document.title='pwned'\">x</body>",
        "<iframe src=\"javascript:parent.document.title='pwned'\"></iframe>",
        "<iframe srcdoc=\"<script>parent.document.title='pwned'</script>\">",
        "<a href=\"javascript:document.title='pwned'\">click</a>",
        "<a href=\"java&#x09;script:alert(1)\">x</a>",
        "<object data=\"data:text/html,<script>alert(1)</script>\"></object>",
        "<embed src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
        "<meta http-equiv=\"refresh\" content=\"0;url=http://evil.test/\">",
        "<base href=\"http://evil.test/\"><img src=\"x.png\">",
        "<img src=\"http://evil.test/pixel.gif\">",
        "<img srcset=\"http://evil.test/a.png 1x\">",
        "<div style=\"background:url(http://evil.test/bg)\">bg</div>",
        "<style>@import url(http://evil.test/x.css);</style>",
        "<style>body{background:url(http://evil.test/b)}</style>",
        "<link rel=stylesheet href=\"http://evil.test/s.css\">",
        "<div style=\"width:expression(alert(1))\">ie</div>",
        "<svg><filter><feImage href=\"http://evil.test/f\"/></filter></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror="
        "alert(1)></style></mglyph></table></mtext></math>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<form action=\"http://evil.test/\"><input name=p>"
        "<button>go</button></form>",
        "<video poster=\"http://evil.test/p.jpg\"></video>",
        "<audio src=\"http://evil.test/a.mp3\" autoplay></audio>",
        "<table background=\"http://evil.test/t.png\"><tr><td>t</td></tr>"
        "</table>",
        "<input type=image src=\"http://evil.test/i\">",
        "<isindex action=javascript:alert(1) type=image>",
        "<details open ontoggle=\"document.title='pwned'\">d</details>",
        "<marquee onstart=\"document.title='pwned'\">m</marquee>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\""
        ">d</a>",
        "<img src=\"cid:../../../../etc/passwd\">",
        "<p style=\"color:red;-moz-binding:url(http://evil.test/x.xml)\">p</p>",
        "<div style=\"background-image:image-set('http://evil.test/i' 1x)\">"
        "</div>",
        "<x-foo onclick=alert(1)>custom</x-foo><template><script>alert(1)"
        "</script></template>",
        "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
        "<p title=\"`\" onmouseover=alert(1)>q</p>",
        # Roundcube CVE-2024-37383: SVG animate setting href.
        "<svg><animate attributeName=\"href\" dur=\"5s\" "
        "repeatCount=\"indefinite\" keytimes=\"0\" values=\"javascript:"
        "document.title='pwned'\"/><a id=\"x\"><text x=\"20\" y=\"20\">X"
        "</text></a></svg>",
        # Roundcube CVE-2023-5631: SVG use with a data: document.
        "<svg><use href=\"data:image/svg+xml;base64,PHN2ZyBpZD0neCcgeG1sbnM9J2h0dHA6Ly93d3cudzMub3JnLzIwMDAvc3ZnJz48aW1hZ2UgaHJlZj0nMScgb25lcnJvcj0ndG9wLmRvY3VtZW50LnRpdGxlPSJwd25lZCInLz48L3N2Zz4=#x\"/></svg>",
        # Roundcube CVE-2024-42009: attributes hidden in another's value.
        "<body title=\"bgcolor=foo\" name=\"bar style=animation-name:"
        "progress-bar-stripes onanimationstart=document.title='pwned' "
        "foo=bar\">x</body>",
        # Roundcube CVE-2020-13965 and friends: mutation through style.
        "<svg><p><style><a title=\"</style><img src onerror="
        "document.title='pwned'>\"></style></p></svg>",
        "<style>@keyframes k{from{color:red}}</style><div style=\""
        "animation-name:k;animation-duration:1s\" onanimationstart=\""
        "document.title='pwned'\">anim</div>",
        # SqWebMail-era patterns: script URLs in images and odd tags.
        "<img src=\"javascript:document.title='pwned'\">"
        "<img dynsrc=\"javascript:alert(1)\"><bgsound src=\"javascript:"
        "alert(1)\">",
        "<a href=\"  &#106;avascript:document.title='pwned'\">e</a>"
        "<svg><a xlink:href=\"javascript:alert(1)\"><text x=\"1\" "
        "y=\"9\">s</text></a></svg><math href=\"javascript:alert(1)\">m"
        "</math>",
    ]
    for i, b in enumerate(html_bodies):
        h.append(("Subject: hostile html %d\nContent-Type: text/html; "
                  "charset=utf-8\n\n<html><body>%s</body></html>\n" %
                  (i, b)).encode())
    # Header and text attacks, broken MIME, charsets, NUL bytes.
    h.append(b"Subject: <script>document.title='pwned'</script>\n"
             b"From: \"<img src=x onerror=alert(1)>\" <x@e.test>\n\nbody\n")
    h.append(b"Subject: =?UTF-8?B?PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==?=\n\n"
             b"encoded subject\n")
    h.append(b"Subject: text with markup\n\n<script>alert(1)</script>\n"
             b"javascript:alert(1)\n")
    h.append(b"Subject: nul\x00bytes\n\nbody \x00 with NUL \x00\n")
    h.append(b"Subject: bad mime\nContent-Type: multipart/mixed; "
             b"boundary=\"b\"\n\n--b\nContent-Type: text/html\n\n"
             b"<script>alert(1)</script>\n--b")
    h.append(b"Subject: nested\nContent-Type: multipart/mixed; boundary=a\n\n"
             + b"".join(b"--a\nContent-Type: multipart/mixed; boundary=a\n\n"
                        for _ in range(10000)) + b"x\n")
    h.append(b"Subject: charset\nContent-Type: text/html; charset="
             b"x-unknown-evil\n\n<img src=x onerror=alert(1)>\xff\xfe\n")
    h.append(b"Subject: utf7\nContent-Type: text/html; charset=utf-7\n\n"
             b"+ADw-script+AD4-alert(1)+ADw-/script+AD4-\n")
    h.append(b"Subject: svg attachment\nContent-Type: multipart/mixed; "
             b"boundary=z\n\n--z\nContent-Type: text/plain\n\nsee\n--z\n"
             b"Content-Type: image/svg+xml\nContent-Disposition: inline; "
             b"filename=\"a\\\"><script>alert(1)</script>.svg\"\n\n"
             b"<svg onload=alert(1)/>\n--z--\n")
    return h


def test_hostile_corpus(wm, tmp_path):
    setup_playwright()
    corpus = hostile_corpus()
    assert len(corpus) >= 40
    for raw in corpus:
        wm.deliver(b"From: attacker@evil.test\nTo: demo@example.test\n" +
                   raw if not raw.startswith(b"Subject: <script") else raw)
    uids = list(range(1, len(corpus) + 1))
    # The list page is hostile too: every subject and sender on it.
    res = run_browser(wm, shots_dir(tmp_path), "hostile", uids)
    assert not res["fail"], res["fail"]
    assert sum(1 for x in res["ok"] if x.endswith("no script")) == len(uids)
    # What the server sent: no tag with an event handler, a script or a
    # script URL, whether or not the browser would have run it.
    web = Client(wm)
    web.login()
    for u in uids:
        for path in ("msg", "body"):
            r, page = web.get("/webmail/%s?f=INBOX&u=%d" % (path, u))
            body = page.split("</head>", 1)[-1]
            for tag in re.findall(r"<[^>]*>", body):
                assert not re.search(r"\son[a-z]+\s*=", tag, re.I), (u, tag)
                assert not re.search(r"=\s*[\"']?\s*(javascript|vbscript):",
                                     tag, re.I), (u, tag)
                # The page has its own forms and the body's frame.
                assert not re.match(r"<\s*(script|object|embed|base|meta)\b"
                                    if path == "msg" else
                                    r"<\s*(script|iframe|object|embed|form|"
                                    r"base|meta)\b", tag, re.I), (u, tag)
