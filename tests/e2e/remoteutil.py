"""remoteutil.py - helpers for the remote-delivery tests: a real DNS server
(unbound) on loopback serving test zones, receiving SMTP servers
(remote_peer.py), a self-signed certificate, and ways to run qmail-remote
and qmail-rspawn and read their reports.
"""
import json
import os
import subprocess
import time

from conftest import WAIT, free_port, prog, wait_for, wait_port

HERE = os.path.dirname(os.path.abspath(__file__))


def start_unbound(procs, tmpdir, records, host="127.0.0.1", refuse=()):
    """Start unbound on host (127.0.0.1 or ::1) serving records (zone-file
    lines under the static zone "test."), answering REFUSED (a temporary
    DNS failure for the resolver) for the zones in refuse; returns its
    port."""
    port = free_port()
    six = ":" in host
    d = os.path.join(str(tmpdir), "unbound-" + ("6" if six else "4"))
    os.makedirs(d, exist_ok=True)
    lines = ["server:",
             "  interface: %s" % host, "  port: %d" % port,
             "  do-daemonize: no", '  username: ""', '  chroot: ""',
             '  directory: "%s"' % d, '  pidfile: ""', "  use-syslog: no",
             "  verbosity: 0", "  do-ip6: %s" % ("yes" if six else "no"),
             "  num-threads: 1",
             "  access-control: 127.0.0.0/8 allow",
             "  access-control: ::1 allow",
             '  module-config: "iterator"',
             '  local-zone: "test." static']
    for z in refuse:
        lines.append('  local-zone: "%s" refuse' % z)
    for r in records:
        lines.append('  local-data: "%s"' % r)
    lines += ["remote-control:", "  control-enable: no"]
    conf = os.path.join(d, "unbound.conf")
    with open(conf, "w") as f:
        f.write("\n".join(lines) + "\n")
    log = open(os.path.join(d, "log"), "w")
    procs.start(["/usr/sbin/unbound", "-d", "-c", conf], stdout=log,
                stderr=subprocess.STDOUT)
    wait_port(port, host=host)
    return port


def filler_mx(domain, n, start_pref=10):
    """n MX records of long names that do not resolve (answer padding)."""
    return ["%s. 300 IN MX %d filler-%04d-abcdefghijklmnopqrstuvwxyz0123."
            "%s." % (domain, start_pref + i, i, domain) for i in range(n)]


def start_peer(procs, tmpdir, mode, host="127.0.0.2", cert=None, port=None):
    """Start remote_peer.py (on port, else a free one); returns (port,
    outfile)."""
    port = port or free_port()
    out = os.path.join(str(tmpdir), "peer-%s-%d.jsonl" % (mode, port))
    argv = ["/usr/bin/python3", os.path.join(HERE, "remote_peer.py"), mode,
            host, str(port), out]
    if cert:
        argv += list(cert)
    procs.start(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if mode == "blackhole":
        wait_for(lambda: os.path.exists(out), what="the blackhole peer")
        return port, out
    wait_port(port, host=host)
    return port, out


def received(outfile):
    """Messages a peer accepted, as dicts."""
    if not os.path.exists(outfile):
        return []
    with open(outfile) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def make_cert(tmpdir, cn):
    """A self-signed certificate for cn; returns (certfile, keyfile)."""
    cert = os.path.join(str(tmpdir), "cert-%s.pem" % cn)
    key = os.path.join(str(tmpdir), "key-%s.pem" % cn)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=" + cn, "-addext",
                    "subjectAltName=DNS:" + cn],
                   check=True, capture_output=True)
    return cert, key


def remote_env(instance, dnsport=None, smtpport=None):
    env = dict(instance.env)
    if dnsport:
        env["HSMAIL_DNSSERVERS"] = "127.0.0.1:%d" % dnsport
    if smtpport:
        env["HSMAIL_SMTPPORT"] = str(smtpport)
    return env


def run_remote(instance, host, sender, rcpts, message, env, timeout=None):
    """Run qmail-remote with message (bytes) on stdin from a file; returns
    (list of report records, exit code)."""
    path = os.path.join(instance.root, "msg-%d" % time.monotonic_ns())
    with open(path, "wb") as f:
        f.write(message)
    with open(path, "rb") as f:
        p = subprocess.run([prog("qmail-remote"), host, sender] + rcpts,
                           stdin=f, capture_output=True, env=env,
                           timeout=timeout or WAIT)
    os.unlink(path)
    assert p.stderr == b"", p.stderr
    out = p.stdout.decode("latin-1")
    assert out.endswith("\0"), repr(out)
    return out[:-1].split("\0"), p.returncode


def queue_message(instance, split, msgid, message):
    """Put a message where qmail-rspawn reads it: queue/mess/<split>/<id>."""
    d = os.path.join(instance.qmail, "queue", "mess", str(split))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, str(msgid)), "wb") as f:
        f.write(message)
    return "%d/%d" % (split, msgid)


class Rspawn:
    """qmail-rspawn driven over its spawn protocol."""

    def __init__(self, instance, env):
        self.p = subprocess.Popen([prog("qmail-rspawn")], env=env,
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.slots = self.p.stdout.read(1)[0]

    def send(self, slot, messid, sender, recip):
        self.p.stdin.write(bytes([slot]) + messid.encode() + b"\0" +
                           sender.encode() + b"\0" + recip.encode() + b"\0")
        self.p.stdin.flush()

    def answer(self):
        """(slot, report text) of the next answer."""
        slot = self.p.stdout.read(1)
        assert slot, "qmail-rspawn closed its output"
        buf = b""
        while True:
            c = self.p.stdout.read(1)
            assert c, "answer not terminated"
            if c == b"\0":
                break
            buf += c
        return slot[0], buf.decode("latin-1")

    def close(self):
        self.p.stdin.close()
        rc = self.p.wait(WAIT)
        err = self.p.stderr.read()
        return rc, err
