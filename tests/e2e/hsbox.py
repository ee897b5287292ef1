#!/usr/bin/python3
"""hsbox - lay out an H-Sphere mail box as the reference notes describe it
(shared/reference: qmail.md, vpopmail.md, pop3-imap-webmail.md, imap.md),
written here independently of hsmail's code: the qmail and vpopmail users
with ids of their own, /var/qmail with its control files, users/assign and
a cdb in qmail-newu's format, a queue in qmail's layout holding a message
not yet preprocessed and one preprocessed, /hsphere/local/var/qmail as a
link, vpopmail's domains (vpasswd with MD5-crypt and DES hashes, the clear
column, vpasswd.cdb, .qmail-default, a valias file, a user's .qmail, a
hashed bucket directory, .dir-control), Maildirs with old mail and
Courier-IMAP's files, tcp.smtp and its cdb (ucspi-tcp's tcprules when
there), the old programs (stand-ins that say what they are), the init
script, the traffic job in root's crontab, the statistics and maillog.

Run as root inside the chroot of a throw-away overlay (test_migrate.py):
  hsbox.py build       the tree; prints a JSON summary on stdout
"""
import crypt
import hashlib
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import time

IDS = {"alias": 7701, "qmaild": 7702, "qmaill": 7703, "qmailp": 7704,
       "qmailq": 7705, "qmailr": 7706, "qmails": 7707, "vpopmail": 7789}
GIDS = {"nofiles": 7780, "qmail": 7781, "vchkpw": 7789}
Q = "/var/qmail"
V = "/hsphere/local/var/vpopmail"
STAT = "/hsphere/local/var/statistic"
ME = "mail.hsbox.test"
OLDPROGS = {
    Q + "/bin": ["qmail-send", "qmail-start", "qmail-queue", "qmail-smtpd",
                 "qmail-popup", "qmail-pop3d", "qmail-local", "qmail-lspawn",
                 "qmail-rspawn", "qmail-remote", "qmail-clean", "qmail-todo",
                 "qmail-newu", "qmail-inject", "qmail-showctl",
                 "qmail-qread", "splogger", "sendmail", "qmail-getpw",
                 "maildir2mbox"],
    V + "/bin": ["vadddomain", "vdeldomain", "vadduser", "vdeluser",
                 "vpasswd", "vchkpw", "vchkpwsmtp", "vdelivermail",
                 "clearopensmtp", "vconvert"],
}
# Passwords of the box's users, and how vpopmail 5.2 hashed them.
USERS = {
    "hsbox.test": [("postmaster", "pm-old-pw", "md5", None),
                   ("joe", "joe-old-pw", "md5", None),
                   ("ann", "ann-old-pw", "des", "ann-old-pw")],
    "other.test": [("postmaster", "pm2-old-pw", "md5", None),
                   ("deep", "deep-old-pw", "md5", None)],
}


def cdb_write(path, records):
    """D. J. Bernstein's cdb, as tinycdb and qmail's cdbmake write it."""
    tables = [[] for _ in range(256)]
    body = b""
    pos = 2048
    for k, v in records:
        h = 5381
        for c in k:
            h = ((h << 5) + h) & 0xffffffff ^ c
        tables[h & 255].append((h, pos))
        rec = struct.pack("<II", len(k), len(v)) + k + v
        body += rec
        pos += len(rec)
    header = tail = b""
    for t in tables:
        n = len(t) * 2
        slots = [(0, 0)] * n
        for h, p in t:
            i = (h >> 8) % n
            while slots[i][1] != 0:
                i = (i + 1) % n
            slots[i] = (h, p)
        header += struct.pack("<II", pos + len(tail), n)
        for h, p in slots:
            tail += struct.pack("<II", h, p)
    with open(path, "wb") as f:
        f.write(header + body + tail)


def put(path, data, mode=0o644, owner=None, group=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.chmod(path, mode)
    chown(path, owner, group)


def mkdir(path, mode=0o755, owner=None, group=None):
    os.makedirs(path, exist_ok=True)
    os.chmod(path, mode)
    chown(path, owner, group)


def chown(path, owner, group):
    os.lchown(path, IDS[owner] if owner else 0,
              GIDS[group] if group else 0)


def users():
    for g, gid in GIDS.items():
        subprocess.run(["groupadd", "-g", str(gid), g], check=True)
    for u in ("alias", "qmaild", "qmaill", "qmailp"):
        subprocess.run(["useradd", "-u", str(IDS[u]), "-g", "nofiles",
                        "-d", Q, "-s", "/bin/false", u], check=True)
    for u in ("qmailq", "qmailr", "qmails"):
        subprocess.run(["useradd", "-u", str(IDS[u]), "-g", "qmail",
                        "-d", Q, "-s", "/bin/false", u], check=True)
    subprocess.run(["useradd", "-u", str(IDS["vpopmail"]), "-g", "vchkpw",
                    "-d", V, "-s", "/bin/false", "vpopmail"], check=True)


def old_programs():
    """Stand-ins for the old binaries: each says which it is.  Their
    digests let the roll-back be checked."""
    sums = {}
    for d, names in OLDPROGS.items():
        mkdir(d)
        for n in names:
            p = os.path.join(d, n)
            put(p, "#!/bin/sh\necho 'H-Sphere %s'\n" % n, 0o755)
            if n == "qmail-queue":
                chown(p, "qmailq", "qmail")
                os.chmod(p, 0o4711)
            sums[p] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    # qmail-qstat counts the queue as qmail's did.
    p = Q + "/bin/qmail-qstat"
    put(p, "#!/bin/sh\necho \"messages in queue: $(find %s/queue/mess "
        "-type f | wc -l)\"\n" % Q, 0o755)
    sums[p] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    mkdir("/hsphere/shared/bin")
    for n in ("tcpserver", "tcprules", "tcprulescheck"):
        p = "/hsphere/shared/bin/" + n
        if os.path.exists("/usr/bin/" + n):
            shutil.copy("/usr/bin/" + n, p)   # ucspi-tcp 0.88, Debian's
        else:
            put(p, "#!/bin/sh\necho 'ucspi-tcp %s'\n" % n, 0o755)
        sums[p] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    put(Q + "/rc", "#!/bin/sh\nexec env - PATH=\"/var/qmail/bin:$PATH\" "
        "qmail-start ./Maildir/ splogger qmail\n", 0o755)
    mkdir(Q + "/boot")
    put(Q + "/boot/home", open(Q + "/rc").read(), 0o755)
    put("/etc/init.d/qmaild", "#!/bin/sh\n# H-Sphere's qmaild\n"
        "case \"$1\" in start|stop) echo \"H-Sphere qmaild $1\" ;; esac\n",
        0o755)
    for s in ("courier-imap", "courier-authdaemon"):
        put("/etc/init.d/" + s, "#!/bin/sh\necho \"%s $1\"\n" % s, 0o755)
    for n in ("qmaild", "courier-imap", "courier-authdaemon"):
        p = "/etc/init.d/" + n
        sums[p] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return sums


def control(domains, more):
    mkdir(Q + "/control")
    c = Q + "/control/"
    put(c + "me", ME + "\n")
    put(c + "locals", ME + "\n")
    put(c + "rcpthosts", "".join(d + "\n" for d in domains))
    put(c + "morercpthosts", "".join(d + "\n" for d in more))
    cdb_write(c + "morercpthosts.cdb", [(d.encode(), b"") for d in more])
    put(c + "virtualdomains", "".join("%s:%s\n" % (d, d)
                                      for d in domains + more))
    put(c + "concurrencyremote", "20\n")
    put(c + "databytes", "20000000\n")


def assign(lines):
    """users/assign and users/cdb as qmail-newu writes them."""
    mkdir(Q + "/users")
    put(Q + "/users/assign", "".join(l + "\n" for l in lines) + ".\n")
    recs = []
    wild = ""
    for l in lines:
        kind, rest = l[0], l[1:].split(":")
        key = b"!" + rest[0].lower().encode()
        if kind == "=":
            key += b"\0"
        elif rest[0] and rest[0][-1] not in wild:
            wild += rest[0][-1]     # in order of appearance
        # The six fields, NUL between them (not after the last).
        recs.append((key, "\0".join(rest[1:7]).encode()))
    recs.append((b"", wild.encode()))
    cdb_write(Q + "/users/cdb", recs)


def queue():
    """qmail's queue (hier.c owners and modes, split 23) with two
    messages: one queued and not preprocessed (todo), one preprocessed
    (info and local)."""
    qd = Q + "/queue/"
    mkdir(qd, 0o750, "qmailq", "qmail")
    for d, mode, own in (("pid", 0o700, "qmailq"), ("intd", 0o700, "qmailq"),
                         ("todo", 0o750, "qmailq"),
                         ("bounce", 0o700, "qmails"),
                         ("lock", 0o750, "qmailq")):
        mkdir(qd + d, mode, own, "qmail")
    for d, mode, own in (("mess", 0o750, "qmailq"), ("info", 0o700, "qmails"),
                         ("local", 0o700, "qmails"),
                         ("remote", 0o700, "qmails")):
        mkdir(qd + d, mode, own, "qmail")
        for i in range(23):
            mkdir(qd + "%s/%d" % (d, i), mode, own, "qmail")
    put(qd + "lock/tcpto", bytes(1024), 0o644, "qmailr", "qmail")
    put(qd + "lock/sendmutex", b"", 0o600, "qmails", "qmail")
    os.mkfifo(qd + "lock/trigger", 0o622)
    os.chmod(qd + "lock/trigger", 0o622)
    chown(qd + "lock/trigger", "qmails", "qmail")

    def mess(text):
        tmp = qd + "pid/%d.%d.1" % (os.getpid(), time.time())
        put(tmp, text, 0o644, "qmailq", "qmail")
        ino = os.stat(tmp).st_ino
        os.link(tmp, qd + "mess/%d/%d" % (ino % 23, ino))
        os.unlink(tmp)
        return ino
    ino = mess("Received: (qmail 4321 invoked from network); "
               "1 Dec 2026 10:00:00 -0000\nSubject: waiting in todo\n\n"
               "queued by the old qmail, not yet preprocessed\n")
    env = b"u7702\0p4321\0Ffriend@elsewhere.test\0Tjoe@hsbox.test\0"
    put(qd + "intd/%d" % ino, env, 0o644, "qmailq", "qmail")
    os.link(qd + "intd/%d" % ino, qd + "todo/%d" % ino)
    ino2 = mess("Received: (qmail 4322 invoked from network); "
                "1 Dec 2026 10:00:01 -0000\nSubject: waiting in local\n\n"
                "preprocessed by the old qmail, not yet delivered\n")
    put(qd + "info/%d/%d" % (ino2 % 23, ino2), b"Ffriend@elsewhere.test\0",
        0o600, "qmails", "qmail")
    put(qd + "local/%d/%d" % (ino2 % 23, ino2),
        b"Thsbox.test-joe@hsbox.test\0", 0o600, "qmails", "qmail")
    return [ino, ino2]


def pwhash(pw, how):
    if how == "des":
        return crypt.crypt(pw, "ab")
    return crypt.crypt(pw, "$1$Ab3dE$")


def vpopmail():
    """Domains as vpopmail 5.2 (cdb back end) leaves them."""
    mkdir(V, 0o755, "vpopmail", "vchkpw")
    mkdir(V + "/domains", 0o700, "vpopmail", "vchkpw")
    mkdir(V + "/etc", 0o755, "vpopmail", "vchkpw")
    put(V + "/domains/.dir-control", "2\n0\n3\n0 0 0\n61 61 61\n0 2 4\n"
        "0 0 0\n\n", 0o600, "vpopmail", "vchkpw")
    out = {}
    for dom, users_ in USERS.items():
        dd = V + "/domains/" + dom
        mkdir(dd, 0o750, "vpopmail", "vchkpw")
        lines = []
        for name, pw, how, clear in users_:
            bucket = "0/" if name == "deep" else ""
            udir = dd + "/" + bucket + name
            for sub in ("", "/Maildir", "/Maildir/cur", "/Maildir/new",
                        "/Maildir/tmp"):
                if bucket:
                    mkdir(dd + "/0", 0o750, "vpopmail", "vchkpw")
                mkdir(udir + sub, 0o750 if sub == "" else 0o700,
                      "vpopmail", "vchkpw")
            line = "%s:%s:1:0:%s:%s:NOQUOTA" % (
                name, pwhash(pw, how), name.capitalize(), udir)
            if clear:
                line += ":" + clear
            lines.append(line)
            out["%s@%s" % (name, dom)] = {"password": pw, "dir": udir}
        lines.sort()
        put(dd + "/vpasswd", "".join(l + "\n" for l in lines), 0o600,
            "vpopmail", "vchkpw")
        cdb_write(dd + "/vpasswd.cdb", [
            (l.split(":", 1)[0].encode(), l.split(":", 1)[1].encode())
            for l in lines])
        os.chmod(dd + "/vpasswd.cdb", 0o600)
        chown(dd + "/vpasswd.cdb", "vpopmail", "vchkpw")
        put(dd + "/.qmail-default", "| %s/bin/vdelivermail '' "
            "bounce-no-mailbox\n" % V, 0o600, "vpopmail", "vchkpw")
        put(dd + "/.dir-control", "%d\n0\n3\n0 0 0\n61 61 61\n0 2 4\n"
            "0 0 0\n%s\n" % (100 if dom == "other.test" else len(lines),
                             "0" if dom == "other.test" else ""),
            0o600, "vpopmail", "vchkpw")
    hs = V + "/domains/hsbox.test"
    # valias: sales@ forwards to joe; ann keeps a copy and forwards.
    put(hs + "/.qmail-sales", "&joe@hsbox.test\n", 0o600, "vpopmail",
        "vchkpw")
    put(hs + "/ann/.qmail", "%s/ann/Maildir/\n&joe@hsbox.test\n" % hs,
        0o600, "vpopmail", "vchkpw")
    put(V + "/etc/tcp.smtp", "127.0.0.2:allow,RELAYCLIENT=\"\"\n:allow\n",
        0o644, "vpopmail", "vchkpw")
    if os.path.exists("/hsphere/shared/bin/tcprules") and \
            open("/hsphere/shared/bin/tcprules", "rb").read(2) != b"#!":
        subprocess.run(["/hsphere/shared/bin/tcprules",
                        V + "/etc/tcp.smtp.cdb", V + "/etc/tcp.smtp.tmp"],
                       stdin=open(V + "/etc/tcp.smtp"), check=True)
    put(V + "/etc/open-smtp", "", 0o644, "vpopmail", "vchkpw")
    # H-Sphere's certificate for the mail services.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "30", "-subj", "/CN=" + ME,
                    "-keyout", "/tmp/hsbox.key", "-out", "/tmp/hsbox.crt"],
                   check=True, capture_output=True)
    put(V + "/etc/mail.pem", open("/tmp/hsbox.key").read() +
        open("/tmp/hsbox.crt").read(), 0o600, "vpopmail", "vchkpw")
    return out


def old_mail(users_):
    """joe's Maildir as qmail-local and vpopmail wrote it, with the files
    Courier-IMAP keeps; the names are the POP3 UIDLs."""
    md = users_["joe@hsbox.test"]["dir"] + "/Maildir/"
    a = "1086000000.1234.oldbox"
    b_text = "Subject: read before\n\nseen with Courier\n"
    b = "1086000100.1235.oldbox,S=%d" % len(b_text)
    put(md + "new/" + a, "Subject: old one\n\nfrom 2004\n", 0o600,
        "vpopmail", "vchkpw")
    put(md + "cur/" + b + ":2,S", b_text, 0o600, "vpopmail", "vchkpw")
    for sub in ("", "/cur", "/new", "/tmp"):
        mkdir(md + ".Sent" + sub, 0o700, "vpopmail", "vchkpw")
    put(md + ".Sent/maildirfolder", "", 0o600, "vpopmail", "vchkpw")
    courier = {
        "courierimapuiddb": "1 86000000 3\n1 %s\n2 %s\n" % (a, b),
        "courierimapsubscribed": "INBOX.Sent\n",
        ".Sent/courierimapuiddb": "1 86000001 1\n",
        "courierimapkeywords/:list": "$Forwarded\n\n%s:0\n" % b,
    }
    for p, t in courier.items():
        put(md + p, t, 0o600, "vpopmail", "vchkpw")
    chown(md + "courierimapkeywords", "vpopmail", "vchkpw")
    return {"uidls": [a, b], "courier": courier, "maildir": md}


def traffic():
    mkdir(STAT + "/loaded")
    put(STAT + "/29.11.2026.qml.txt", "|hsbox.test|12.50|3|0|\n")
    put(STAT + "/loaded/28.11.2026.qml.txt.gz", b"\x1f\x8b" + bytes(18))
    mkdir("/hsphere/shared/scripts/cron")
    put("/hsphere/shared/scripts/cron/mail_anlz.sh",
        "#!/bin/sh\necho ran >> %s/.mail_anlz.ran\n" % STAT, 0o755)
    put("/hsphere/shared/scripts/xfer-cat.pl", "#!/usr/bin/perl\n"
        "# H-Sphere's xfer-cat.pl\n", 0o755)
    mkdir("/var/spool/cron/crontabs", 0o730)
    put("/var/spool/cron/crontabs/root",
        "# m h dom mon dow command\n"
        "10 0 * * * /hsphere/shared/scripts/cron/mail_anlz.sh\n"
        "*/30 * * * * /hsphere/local/var/vpopmail/bin/clearopensmtp\n",
        0o600)
    mkdir("/var/log")
    put("/var/log/maillog", "Dec  1 10:00:00 oldbox qmail: 1796119200.000001"
        " status: local 0/10 remote 0/20\n", 0o640)


def build():
    users()
    sums = old_programs()
    doms, more = ["hsbox.test", "alias.test"], ["other.test"]
    control(doms, more)
    assign(["+hsbox.test-:hsbox.test:%d:%d:%s/domains/hsbox.test:-::" % (
        IDS["vpopmail"], GIDS["vchkpw"], V),
        "+alias.test-:hsbox.test:%d:%d:%s/domains/hsbox.test:-::" % (
        IDS["vpopmail"], GIDS["vchkpw"], V),
        "+other.test-:other.test:%d:%d:%s/domains/other.test:-::" % (
        IDS["vpopmail"], GIDS["vchkpw"], V)])
    queued = queue()
    # H-Sphere's second name for the qmail tree.
    os.makedirs("/hsphere/local/var", exist_ok=True)
    os.symlink(Q, "/hsphere/local/var/qmail")
    us = vpopmail()
    mail = old_mail(us)
    traffic()
    json.dump({"sums": sums, "users": us, "mail": mail, "queued": queued,
               "ids": IDS, "gids": GIDS,
               "users_cdb": hashlib.sha256(
                   open(Q + "/users/cdb", "rb").read()).hexdigest()},
              sys.stdout)


if __name__ == "__main__":
    if sys.argv[1:] != ["build"]:
        sys.exit("usage: hsbox.py build")
    build()
