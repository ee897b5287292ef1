"""mimecorpus - a realistic mail corpus, generated (seeded, so every run
sees the same messages): the shapes a hosting customer's INBOX holds
(plain text, multipart/alternative with HTML, attachments in base64,
forwarded messages, mailing-list traffic with many Received lines,
encoded words in several charsets, quoted-printable, RFC 2231 file
names, CRLF and LF line ends) and, with hostile=True, the broken and
exotic ones (missing boundaries, bad base64, NUL bytes, deep nesting,
huge headers).  Used by the MIME differential tests and bench_mime.

    for name, data in corpus(n=300, seed=1): ...
"""
import base64
import random

WORDS = ("the of and to in is that for it with as was on be at by this had "
         "not are but from or have an they which one you were her all she "
         "there would their we him been has when who will more no if out "
         "so said what up its about into than them can only other new some "
         "could time these two may then do first any my now such like our "
         "over man me even most made after also did many before must "
         "through back years where much your way well down should because "
         "each just those people mr how too little state good very make "
         "world still own see men work long get here between both life "
         "being under never day same another know while last might us "
         "great old year off come since against go came right used take "
         "three").split()
NAMES = [("Alice Martin", "alice", "example.com"),
         ("Bob O'Neil", "bob.oneil", "example.org"),
         ("J\u00f6rg M\u00fcller", "joerg", "beispiel.de"),
         ("\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432",
          "ivan", "primer.ru"),
         ("\u5f20\u4f1f", "zhang", "example.cn"),
         ("Fran\u00e7oise Dupont", "f.dupont", "exemple.fr"),
         ("", "noreply", "notify.example.net"),
         ("Support Team", "support", "help.example.com")]
SUBJECTS = ["Meeting tomorrow", "Re: Your invoice", "Fwd: photos",
            "Re: Re: [list] question about the build", "Quarterly report",
            "Caf\u00e9 au lait \u2615", "\u041f\u0440\u0438\u0432\u0435\u0442",
            "Gr\u00fc\u00dfe aus M\u00fcnchen", "[SPAM] cheap stuff",
            "AW: Termin", "Re: [fwd: old thread] (fwd)", "Your order #1234"]
CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "koi8-r", "iso-8859-15",
            "gb2312", "windows-1251"]


def words(rnd, n):
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def text_body(rnd, lines):
    out = []
    for i in range(lines):
        w = words(rnd, rnd.randint(5, 14))
        if i % 23 == 5:
            w = "> " + w
        out.append(w)
    return "\n".join(out) + "\n"


def encode_word(s, charset, rnd):
    try:
        raw = s.encode(charset)
    except (UnicodeEncodeError, LookupError):
        charset, raw = "utf-8", s.encode("utf-8")
    if rnd.random() < 0.5:
        return "=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode())
    q = "".join(chr(b) if (48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122)
                else "=%02X" % b for b in raw)
    return "=?%s?Q?%s?=" % (charset, q)


def header_text(s, rnd):
    if all(ord(c) < 128 for c in s):
        return s
    return encode_word(s, rnd.choice(CHARSETS), rnd)


def address(rnd):
    name, local, dom = rnd.choice(NAMES)
    if not name:
        return "%s@%s" % (local, dom)
    if all(ord(c) < 128 for c in name):
        return '"%s" <%s@%s>' % (name, local, dom)
    return "%s <%s@%s>" % (header_text(name, rnd), local, dom)


def qp(data):
    out, line = [], ""
    for b in data:
        c = chr(b)
        if b == 10:
            out.append(line + "\n")
            line = ""
            continue
        enc = c if (33 <= b <= 126 and c != "=") or c == " " else "=%02X" % b
        if len(line) + len(enc) > 75:
            out.append(line + "=\n")
            line = ""
        line += enc
    return "".join(out) + line


def b64(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\n"


def headers(rnd, i, extra=()):
    h = []
    for k in range(rnd.choice((1, 2, 3, 8))):
        h.append("Received: from mx%d.example.net (mx%d.example.net "
                 "[192.0.2.%d])\n\tby mail.example.com with ESMTPS id "
                 "%08x\n\tfor <u@example.com>; Tue, 1 Jul 2003 10:%02d:37 "
                 "+0200" % (k, k, k, rnd.getrandbits(32), k))
    h.append("Date: %s, %d %s 20%02d %02d:%02d:%02d %s" % (
        rnd.choice(("Mon", "Tue", "Wed")), rnd.randint(1, 28),
        rnd.choice(("Jan", "Feb", "Mar", "Jul", "Dec")), rnd.randint(3, 24),
        rnd.randint(0, 23), rnd.randint(0, 59), rnd.randint(0, 59),
        rnd.choice(("+0200", "-0500", "+0000", "GMT"))))
    h.append("From: " + address(rnd))
    h.append("To: " + ", ".join(address(rnd)
                                for _ in range(rnd.randint(1, 3))))
    if rnd.random() < 0.3:
        h.append("Cc: " + address(rnd))
    h.append("Subject: " + header_text(rnd.choice(SUBJECTS), rnd))
    h.append("Message-ID: <%d.%08x@mail.example.com>" % (
        i, rnd.getrandbits(32)))
    if rnd.random() < 0.4:
        h.append("In-Reply-To: <%d.parent@mail.example.com>" % (i // 2))
        h.append("References: <%d.root@example.com>\n <%d.parent@mail."
                 "example.com>" % (i // 4, i // 2))
    if rnd.random() < 0.2:
        h.append("List-Id: <dev.lists.example.org>\nList-Unsubscribe: "
                 "<mailto:leave@lists.example.org>")
    h.extend(extra)
    return "\n".join(h) + "\n"


def plain(rnd, i):
    cs = rnd.choice(("us-ascii", "utf-8", "iso-8859-1"))
    body = text_body(rnd, rnd.randint(5, 120))
    if cs == "us-ascii":
        return headers(rnd, i) + "\n" + body
    body = body.replace("the", "th\u00e9")
    ext = ["MIME-Version: 1.0", "Content-Type: text/plain; charset=%s" % cs]
    if rnd.random() < 0.5:
        ext.append("Content-Transfer-Encoding: quoted-printable")
        return headers(rnd, i, ext) + "\n" + qp(body.encode(cs))
    ext.append("Content-Transfer-Encoding: 8bit")
    return headers(rnd, i, ext) + "\n" + body.encode(cs).decode("latin-1")


def alternative(rnd, i):
    b = "----=_Part_%d_%08x" % (i, rnd.getrandbits(32))
    text = text_body(rnd, rnd.randint(10, 80))
    html = "<html><body>" + "".join(
        "<p style=\"margin:0\">%s</p>\n" % words(rnd, 12)
        for _ in range(rnd.randint(20, 150))) + "</body></html>\n"
    ext = ["MIME-Version: 1.0",
           "Content-Type: multipart/alternative;\n\tboundary=\"%s\"" % b]
    return (headers(rnd, i, ext) + "\nThis is a multi-part message.\n\n"
            "--%s\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable\n\n%s\n--%s\n"
            "Content-Type: text/html; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable\n\n%s\n--%s--\n" % (
                b, qp(text.encode()), b, qp(html.encode()), b))


def attachments(rnd, i):
    b = "=_mixed_%08x" % rnd.getrandbits(32)
    parts = ["--%s\nContent-Type: text/plain; charset=us-ascii\n\n%s" % (
        b, text_body(rnd, rnd.randint(3, 30)))]
    for k in range(rnd.randint(1, 3)):
        size = rnd.choice((2000, 20000, 60000, 150000))
        data = bytes(rnd.getrandbits(8) for _ in range(size // 8)) * 8
        name = rnd.choice(("report.pdf", "photo %d.jpg" % k,
                           "\u00fcbersicht.xlsx", "\u0444\u0430\u0439\u043b.doc"))
        if all(ord(c) < 128 for c in name):
            disp = 'attachment; filename="%s"' % name
        else:
            enc = "".join(c if c.isalnum() and ord(c) < 128 else
                          "".join("%%%02X" % x for x in c.encode())
                          for c in name)
            disp = "attachment;\n filename*=utf-8''%s" % enc
        parts.append("--%s\nContent-Type: application/octet-stream; "
                     "name=\"%s\"\nContent-Transfer-Encoding: base64\n"
                     "Content-Disposition: %s\n\n%s" % (
                         b, header_text(name, rnd), disp, b64(data)))
    ext = ["MIME-Version: 1.0",
           "Content-Type: multipart/mixed; boundary=\"%s\"" % b]
    return headers(rnd, i, ext) + "\n" + "\n".join(parts) + "--%s--\n" % b


def forwarded(rnd, i):
    b = "fwd%08x" % rnd.getrandbits(32)
    inner = plain(rnd, i + 100000)
    ext = ["MIME-Version: 1.0",
           "Content-Type: multipart/mixed; boundary=%s" % b]
    return (headers(rnd, i, ext) + "\n--%s\nContent-Type: text/plain\n\n"
            "See below.\n\n--%s\nContent-Type: message/rfc822\n"
            "Content-Disposition: inline\n\n%s\n--%s--\n" % (b, b, inner, b))


def realistic(rnd, i):
    r = rnd.random()
    if r < 0.5:
        s = plain(rnd, i)
    elif r < 0.78:
        s = alternative(rnd, i)
    elif r < 0.9:
        s = attachments(rnd, i)
    else:
        s = forwarded(rnd, i)
    data = s.encode("latin-1", "replace") if isinstance(s, str) else s
    if rnd.random() < 0.1:
        data = data.replace(b"\n", b"\r\n")
    return data


def hostile(rnd, i):
    """Broken and exotic shapes, each small."""
    k = i % 12
    if k == 0:
        return (b"Content-Type: multipart/mixed\n\nno boundary at all\n")
    if k == 1:
        return (b"Content-Type: multipart/mixed; boundary=x\n\n--x\n"
                b"Content-Transfer-Encoding: base64\n\n!!!not*base64=\n"
                b"--x\n\nunterminated part")
    if k == 2:
        return b"Subject: nul\x00in header\nFrom: a\x00b@c\n\nbody\x00here\n"
    if k == 3:
        n = rnd.randint(5, 120)
        s = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n"
                     % (j, j) for j in range(n))
        return s + b"\nleaf\n"
    if k == 4:
        return b"Subject: " + b"x" * rnd.randint(2000, 20000) + b"\n" + \
            b"".join(b"X-H%d: v\n" % j for j in range(500)) + b"\nbody\n"
    if k == 5:
        return (b"From: \"unterminated <a@b>, (comment <c@d>, @x:y@z, "
                b"g: h@i, j@k;, <>, \xff\xfe@\xc3\xa9\n\n")
    if k == 6:
        return (b"Content-Type: message/rfc822\n\nContent-Type: message/rfc822"
                b"\n\nSubject: deep\n\n")
    if k == 7:
        return (b"Content-Type: text/plain; charset*0*=utf-8''a; "
                b"name*1=\"b\"; name*0=a; name*3=d; =x; y=\n\nx\n")
    if k == 8:
        return (b"Content-Type: multipart/mixed; boundary=\"a b\"\n\n--a b\n"
                b"\r\n--a b--\r\n--a b\n\nafter\n")
    if k == 9:
        return b"Subject: bare\rcr\rlines\r\rbody\r"
    if k == 10:
        return (b"Content-Type: multipart/digest; boundary=d\n\n--d\n\n"
                b"Subject: in digest\n\nx\n--d\nContent-Type: text/plain\n\n"
                b"y\n--d--\n")
    return (b"Content-Type: text/plain\nContent-Transfer-Encoding: "
            b"quoted-printable\n\nbad=ZZ qp=\nsoft=\n=4")


def corpus(n=300, seed=1, hostile_share=0.0):
    """n messages as (name, bytes)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        if hostile_share and rnd.random() < hostile_share:
            out.append(("h%05d" % i, hostile(rnd, i)))
        else:
            out.append(("r%05d" % i, realistic(rnd, i)))
    return out
