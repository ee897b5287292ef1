"""authutil.py - helpers for the sender-authentication tests: a real DNS
server (unbound) on loopback serving the TXT records (DKIM keys, SPF,
DMARC), servers that answer badly (never, or with a loop), msgauthd and a
client of its protocol (the netstrings of mauthp.h), dkimpy and OpenDKIM
as independent verifiers and signers.
"""
import os
import re
import socket
import subprocess
import time

from conftest import free_port, prog, wait_port
from vpoputil import run

HERE = os.path.dirname(os.path.abspath(__file__))
AUTHSERV = "mx.hsmail.test"


def start_dns(procs, tmpdir, records, refuse=(), stubs=None):
    """unbound on 127.0.0.1 serving records (zone-file lines; TXT strings
    in double quotes) under the static zone "test.", REFUSED for the zones
    in refuse, and the zones of stubs ({zone: port}) asked of another
    server on 127.0.0.1:port.  Returns its port."""
    port = free_port()
    d = os.path.join(str(tmpdir), "unbound-auth-%d" % port)
    os.makedirs(d, exist_ok=True)
    lines = ["server:",
             "  interface: 127.0.0.1", "  port: %d" % port,
             "  do-daemonize: no", '  username: ""', '  chroot: ""',
             '  directory: "%s"' % d, '  pidfile: ""', "  use-syslog: no",
             "  verbosity: 0", "  do-ip6: no", "  num-threads: 1",
             "  access-control: 127.0.0.0/8 allow",
             '  module-config: "iterator"',
             "  do-not-query-localhost: no",
             "  max-udp-size: 65535", "  msg-buffer-size: 65552",
             '  local-zone: "test." static']
    for z in refuse:
        lines.append('  local-zone: "%s" refuse' % z)
    for z in (stubs or {}):
        lines.append('  local-zone: "%s" transparent' % z)
    for r in records:
        lines.append("  local-data: '%s'" % r)
    for z, p in (stubs or {}).items():
        lines += ["stub-zone:", '  name: "%s"' % z,
                  "  stub-addr: 127.0.0.1@%d" % p]
    lines += ["remote-control:", "  control-enable: no"]
    conf = os.path.join(d, "unbound.conf")
    with open(conf, "w") as f:
        f.write("\n".join(lines) + "\n")
    log = open(os.path.join(d, "log"), "w")
    procs.start(["/usr/sbin/unbound", "-d", "-c", conf], stdout=log,
                stderr=subprocess.STDOUT)
    wait_port(port)
    return port


def start_silent_dns(procs):
    """A UDP and TCP port on 127.0.0.1 where DNS questions are read and
    never answered.  Returns the port."""
    port = free_port()
    code = ("import socket,time\n"
            "u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            "u.bind(('127.0.0.1',%d))\n"
            "t=socket.socket();t.setsockopt(socket.SOL_SOCKET,"
            "socket.SO_REUSEADDR,1)\n"
            "t.bind(('127.0.0.1',%d));t.listen(16)\n"
            "t.setblocking(False)\nkeep=[]\n"
            "while True:\n"
            "    u.settimeout(0.2)\n"
            "    try: u.recvfrom(65535)\n"
            "    except OSError: pass\n"
            "    try: keep.append(t.accept())\n"
            "    except OSError: pass\n") % (port, port)
    procs.start(["/usr/bin/python3", "-c", code],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return port


def vdkim_records(instance, domain):
    """The zone-file TXT lines `vdkim show DOMAIN` prints for the keys."""
    p = run(instance, "vdkim", "show", domain, check=0)
    out = p.stdout.decode()
    return [ln for ln in out.splitlines()
            if "._domainkey." in ln and " IN TXT " in ln]


def start_msgauthd(procs, instance, dnsport=None):
    """msgauthd for the instance (its DNS at 127.0.0.1:dnsport); returns
    (process, log path)."""
    env = dict(instance.env)
    if dnsport:
        env["HSMAIL_DNSSERVERS"] = "127.0.0.1:%d" % dnsport
    logpath = os.path.join(instance.root, "msgauthd.log")
    log = open(logpath, "ab")
    p = procs.start([prog("msgauthd")], env=env, stdout=log, stderr=log)
    sock = os.path.join(instance.qmail, "msgauthd.sock")
    end = time.time() + 30
    while time.time() < end:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(sock)
                return p, logpath
        except OSError:
            time.sleep(0.05)
    raise AssertionError("msgauthd did not start: %r" %
                         open(logpath, "rb").read())


def ns(b):
    return str(len(b)).encode() + b":" + b + b","


def read_ns(s):
    n = b""
    while True:
        c = s.recv(1)
        if not c:
            raise EOFError("msgauthd closed the connection")
        if c == b":":
            break
        n += c
    want = int(n)
    data = b""
    while len(data) < want + 1:
        c = s.recv(want + 1 - len(data))
        if not c:
            raise EOFError("msgauthd closed the connection")
        data += c
    assert data[-1:] == b",", data[-10:]
    return data[:-1]


def mauth(instance, sign, message, ip="", helo="", mailfrom="",
          authservid=AUTHSERV, reject=False, dns_ms=20000, timeout=120):
    """One message through msgauthd; returns (verdict, reply, log,
    headers) as str (headers in stored form: LF line ends)."""
    if isinstance(message, str):
        message = message.encode()
    req = b"\0".join([b"hsmail-mauth-1", b"S" if sign else b"V",
                      ip.encode(), helo.encode(), mailfrom.encode(),
                      authservid.encode(), b"1" if reject else b"0",
                      str(dns_ms).encode()]) + b"\0"
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(os.path.join(instance.qmail, "msgauthd.sock"))
        s.sendall(ns(req))
        for i in range(0, len(message), 65536):
            s.sendall(ns(b"D" + message[i:i + 65536]))
        s.sendall(ns(b"E"))
        r = read_ns(s)
    v, reply, log, headers = r.split(b"\0", 3)
    return v.decode(), reply.decode(), log.decode(), headers.decode()


def unfold(h):
    return re.sub(r"\n[ \t]+", " ", h)


def authres(headers):
    """The Authentication-Results value, unfolded."""
    for f in re.split(r"\n(?=\S)", unfold(headers)):
        if f.lower().startswith("authentication-results:"):
            return f.split(":", 1)[1].strip()
    return None


def resinfo(headers, method):
    """Every "method=result ..." of the Authentication-Results field."""
    ar = authres(headers) or ""
    parts = [p.strip() for p in ar.split(";")[1:]]
    return [p for p in parts if p.startswith(method + "=")]


def crlf(msg):
    """Stored form (LF) to wire form (CRLF)."""
    if isinstance(msg, str):
        msg = msg.encode()
    return msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def dkimpy_txt_func(dnsport):
    """A dkimpy dnsfunc asking our unbound."""
    import dns.resolver
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = dnsport
    r.lifetime = 10

    def get_txt(name, timeout=5):
        try:
            a = r.resolve(name.decode().rstrip("."), "TXT")
        except Exception:
            return None
        for rr in a:
            return b"".join(rr.strings)
        return None
    return get_txt


def dkimverify(message, dnsport):
    """Debian's dkimverify (dkimpy's command) on message (wire form), its
    DNS pointed at our unbound.  Returns (exit code, output)."""
    code = ("import sys, runpy, dkim, dkim.dnsplug\n"
            "sys.path.insert(0, %r)\n"
            "from authutil import dkimpy_txt_func\n"
            "f = dkimpy_txt_func(%d)\n"
            "dkim.dnsplug._get_txt = lambda n, t=5: f(n.encode(), t)\n"
            "runpy.run_path('/usr/bin/dkimverify', run_name='__main__')\n"
            % (HERE, dnsport))
    p = subprocess.run(["/usr/bin/python3", "-c", code], input=message,
                       capture_output=True, timeout=120)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def dkimpy_verify_all(message, dnsport):
    """dkimpy's verdict on every DKIM-Signature of message (wire form)."""
    import dkim
    f = dkimpy_txt_func(dnsport)
    d = dkim.DKIM(message)
    n = len([ln for ln in message.split(b"\r\n")
             if ln.lower().startswith(b"dkim-signature:")])
    out = []
    for i in range(n):
        try:
            out.append(bool(d.verify(idx=i, dnsfunc=f)))
        except dkim.DKIMException:
            out.append(False)
    return out


def opendkim_verify(tmpdir, message, dnsport):
    """OpenDKIM's own verifier (opendkim -t, its test mode: Debian's
    opendkim-testmsg fails on every message with "dkim_chunk(): Syntax
    error") on message (wire form), its libunbound asking our unbound.
    Returns (exit code, output).  It reports the first good signature."""
    d = os.path.join(str(tmpdir), "opendkim-%d" % time.monotonic_ns())
    os.makedirs(d)
    ub = os.path.join(d, "unbound.conf")
    with open(ub, "w") as f:
        # libunbound answers the special-use "test." itself unless told.
        f.write("server:\n  do-not-query-localhost: no\n"
                "  local-zone: \"test.\" nodefault\n")
    conf = os.path.join(d, "opendkim.conf")
    with open(conf, "w") as f:
        f.write("Mode v\nSyslog no\nNameservers 127.0.0.1@%d\n"
                "ResolverConfiguration %s\n" % (dnsport, ub))
    msg = os.path.join(d, "msg.eml")
    with open(msg, "wb") as f:
        f.write(message)
    p = subprocess.run(["/usr/sbin/opendkim", "-x", conf, "-vvv", "-t",
                        msg], capture_output=True, timeout=120)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")
