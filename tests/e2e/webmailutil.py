"""Helpers for the webmail tests: an instance with a domain and a user, the
queue running, sqwebmaild and a private Apache (scripts/webmail-httpd) on
a free port; an HTTP client that keeps cookies and reads forms."""
import html
import http.client
import itertools
import os
import re
import subprocess
import time
import urllib.parse

from conftest import BIN, SRC, free_port, prog, wait_port
from sendutil import open_path

USER = "demo@example.test"
PASSWORD = "demo-secret-1"
_seq = itertools.count()


class Webmail:
    def __init__(self, instance, procs, tmp_path, owner=None, fastcgi=False):
        self.i = instance
        self.procs = procs
        self.tmp = str(tmp_path)
        self.port = free_port()
        self.root = instance.root
        open_path(self.root)
        env = instance.env
        subprocess.run([prog("hsmail-setup"), "-m", "mail.example.test"],
                       env=env, check=True, capture_output=True)
        # Mail is never delivered as root: as scripts/run does, a root
        # test gives the domains to nobody (the workers then run as it).
        if owner is None and os.geteuid() == 0:
            owner = "nobody:nogroup"
        if owner is not None:
            subprocess.run(["chown", owner, os.path.join(
                instance.vpopmail, "domains")], check=True)
        subprocess.run([prog("vadddomain"), "example.test", "pm-secret-1"],
                       env=env, check=True, capture_output=True)
        for u in (USER, "other@example.test"):
            subprocess.run([prog("vadduser"), u, PASSWORD], env=env,
                           check=True, capture_output=True)
        if owner is not None:
            # As installed: vpopmail/etc (the store lock) belongs to the
            # domains' owner, so a password change can take the lock.
            subprocess.run(["chown", "-R", owner, os.path.join(
                instance.vpopmail, "etc")], check=True)
        self.home = os.path.join(instance.vpopmail, "domains",
                                 "example.test", "demo")
        self.log = open(os.path.join(self.tmp, "webmail.log"), "ab")
        self.queue = procs.start([prog("qmail-start"), "./Maildir/"],
                                 env=env, stdout=self.log, stderr=self.log)
        sock = os.path.join(self.root, "webmail", "sqwebmaild.sock")
        os.makedirs(os.path.dirname(sock), exist_ok=True)
        open_path(os.path.dirname(sock))
        args = [prog("sqwebmaild"), "-s", sock, "-d",
                os.path.join(self.root, "webmail", "state"), "-L",
                os.path.join(SRC, "etc", "sqwebmail"), "-h",
                "mail.example.test"]
        if os.geteuid() == 0:
            args += ["-u", "www-data", "-g", "www-data"]
        denv = dict(env, VCHKPW_FAIL_DELAY="0")
        self.daemon = procs.start(args, env=denv, stdout=self.log,
                                  stderr=self.log)
        self.httpd = procs.start([os.path.join(SRC, "scripts",
                                               "webmail-httpd"),
                                  "127.0.0.1", str(self.port), BIN],
                                 env=dict(env, WEBMAIL_FASTCGI="1" if
                                          fastcgi else "0"),
                                 stdout=self.log, stderr=self.log)
        wait_port(self.port, timeout=30)
        end = time.time() + 30
        while not os.path.exists(sock) and time.time() < end:
            time.sleep(0.05)

    def url(self, path="/webmail/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def maildir(self, user="demo"):
        return os.path.join(self.i.vpopmail, "domains", "example.test",
                            user, "Maildir")

    def deliver(self, raw, user="demo"):
        """A message put into the user's INBOX the way delivery does."""
        md = self.maildir(user)
        for d in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(md, d), exist_ok=True)
        # Unique as delivery makes them: a counter beside the time (two
        # messages with one name would be one message).
        name = "%d.M%dP%dQ%d.test" % (time.time(), time.monotonic_ns() //
                                      1000 % 10**6, os.getpid(),
                                      next(_seq))
        p = os.path.join(md, "tmp", name)
        with open(p, "wb") as f:
            f.write(raw)
        os.rename(p, os.path.join(md, "new", name))
        st = os.stat(self.home)
        for dp, dn, fn in os.walk(self.maildir(user)):
            for x in dn + fn:
                os.chown(os.path.join(dp, x), st.st_uid, st.st_gid)
        return name


class Client:
    """A browser-like HTTP client: cookies, same-origin headers, forms."""

    def __init__(self, wm):
        self.wm = wm
        self.cookies = {}

    def request(self, method, path, body=None, ctype=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.wm.port, timeout=60)
        h = {"Host": "127.0.0.1:%d" % self.wm.port}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in
                                    self.cookies.items())
        if method == "POST":
            h["Origin"] = "http://127.0.0.1:%d" % self.wm.port
            h["Sec-Fetch-Site"] = "same-origin"
        if ctype:
            h["Content-Type"] = ctype
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                val = rest.split(";", 1)[0]
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = val
        c.close()
        return r, data.decode("utf-8", "replace")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields, **kw):
        body = urllib.parse.urlencode(fields)
        return self.request("POST", path, body=body,
                            ctype="application/x-www-form-urlencoded", **kw)

    def login(self, user=USER, password=PASSWORD):
        r, page = self.get("/webmail/")
        tok = hidden(page, "csrf")
        return self.post("/webmail/login", {"csrf": tok, "user": user,
                                            "pass": password})

    def csrf(self, path="/webmail/list?f=INBOX"):
        r, page = self.get(path)
        return hidden(page, "csrf")


def hidden(page, name):
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), page)
    return html.unescape(m.group(1)) if m else None


def multipart(fields, files=()):
    """A multipart/form-data body and its content type: fields (name,
    value), files (field name, file name, content type, bytes)."""
    b = "wmXbound"
    body = b""
    for k, v in fields:
        body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n"
                 "\r\n%s\r\n" % (b, k, v)).encode()
    for name, fn, ctype, data in files:
        body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                 "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n" %
                 (b, name, fn, ctype)).encode() + data + b"\r\n"
    body += ("--%s--\r\n" % b).encode()
    return body, "multipart/form-data; boundary=" + b
