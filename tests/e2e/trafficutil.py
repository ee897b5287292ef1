"""Helpers for the traffic tests and benchmark: a synthetic maillog in
qmail's format (qmail-send lines through splogger, POP3/IMAP logout lines,
other programs' lines, garbage) with the per-day, per-domain totals that
mail-traffic(8) must find, computed here independently; and a real
PostgreSQL server started in a temporary directory.
"""
import os
import random
import shutil
import subprocess
import tempfile
import time

from conftest import WAIT, free_port

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
HOSTED = ["example.com", "shop.example.net", "alias.org"]
REAL = {"alias.org": "example.com"}        # alias domain -> real domain
FOREIGN = ["far.example", "gmail.example", "corp.example"]


def setup_domains(inst):
    """control/locals, virtualdomains and users/assign for HOSTED."""
    inst.control("locals", "localhost\n")
    inst.control("virtualdomains",
                 "".join("%s:%s\n" % (d, d) for d in HOSTED))
    with open(inst.path("qmail", "users", "assign"), "w") as f:
        for d in HOSTED:
            f.write("+%s-:%s:89:89:/vpop/domains/%s:-::\n"
                    % (d, REAL.get(d, d), REAL.get(d, d)))
        f.write(".\n")


def syslog_line(t, tag, text, stamp=True, header=True):
    tm = time.gmtime(int(t))
    hdr = "%s %2d %02d:%02d:%02d mail %s: " % (
        MONTHS[tm.tm_mon - 1], tm.tm_mday, tm.tm_hour, tm.tm_min,
        tm.tm_sec, tag)
    st = "%d.%06d " % (int(t), int((t - int(t)) * 1e6)) if stamp else ""
    return (hdr if header else "") + st + text + "\n"


class Model:
    """Expected totals: {(yyyymmdd, domain): [in, out, retr, hits]}."""

    def __init__(self):
        self.tot = {}

    def add(self, t, dom, kind, nbytes, hits):
        tm = time.gmtime(int(t))
        key = ("%04d%02d%02d" % (tm.tm_year, tm.tm_mon, tm.tm_mday),
               REAL.get(dom, dom))
        v = self.tot.setdefault(key, [0, 0, 0, 0])
        v[{"in": 0, "out": 1, "retr": 2}[kind]] += nbytes
        v[3] += hits

    def days(self):
        return sorted(set(k[0] for k in self.tot))

    def day_file(self, ymd):
        """The statistics file text mail-traffic must write for ymd."""
        out = []
        for (d, dom) in sorted(self.tot):
            if d != ymd:
                continue
            i, o, r, h = self.tot[(d, dom)]
            out.append("|%s|%s|%d|0|%s|%s|\n" % (dom, kb(i + o + r), h,
                                                 kb(i), kb(o + r)))
        return "".join(out)

    def file_name(self, ymd):
        return "%s.%s.%s.qml.txt" % (ymd[6:8], ymd[4:6], ymd[0:4])

    def sums(self, lo="00000000", hi="99999999"):
        """Per domain (in, out, retr, hits) over days lo..hi."""
        s = {}
        for (d, dom), v in self.tot.items():
            if lo <= d <= hi:
                a = s.setdefault(dom, [0, 0, 0, 0])
                for i in range(4):
                    a[i] += v[i]
        return s


def kb(b):
    c = b // 1024 * 100 + ((b % 1024) * 100 + 512) // 1024
    return "%d.%02d" % (c // 100, c % 100)


def addr(rnd, doms):
    return "u%d@%s" % (rnd.randrange(50), rnd.choice(doms))


def generate(start, nmsgs, seed=1, garbage=True, step=20.0):
    """Lines of a maillog from unix time start, and the Model."""
    rnd = random.Random(seed)
    m = Model()
    lines = []
    t = float(start)
    msg = 1000
    dlv = 0
    for n in range(nmsgs):
        t += rnd.random() * step
        msg += 1
        size = rnd.randrange(300, 200000)
        outgoing = rnd.random() < 0.4
        if outgoing:
            sdom = rnd.choice(HOSTED)
            sender = addr(rnd, [sdom])
        elif rnd.random() < 0.1:
            sender = ""
        else:
            sender = addr(rnd, FOREIGN)
        lines.append(syslog_line(t, "qmail", "new msg %d" % msg))
        lines.append(syslog_line(t, "qmail",
                     "info msg %d: bytes %d from <%s> qp %d uid 89"
                     % (msg, size, sender, 30000 + n)))
        rcpts = []
        for _ in range(rnd.randrange(1, 4)):
            if rnd.random() < 0.5:
                d = rnd.choice(HOSTED)
                rcpts.append(("local", "%s-u%d@%s" % (d, rnd.randrange(9),
                                                      d.upper() if rnd.random() < 0.1 else d), d))
            else:
                rcpts.append(("remote", addr(rnd, FOREIGN), None))
        for kind, a, d in rcpts:
            dlv += 1
            lines.append(syslog_line(t, "qmail", "starting delivery %d: msg %d to %s %s" % (dlv, msg, kind, a)))
            lines.append(syslog_line(t, "qmail", "status: local 1/10 remote 1/20"))
            r = rnd.random()
            t += rnd.random()
            if r < 0.8:
                rep = "did_0+0+1/" if kind == "local" else "192.0.2.7_accepted_message./Remote_host_said:_250_ok/"
                lines.append(syslog_line(t, "qmail", "delivery %d: success: %s" % (dlv, rep)))
                if kind == "local":
                    m.add(t, d, "in", size, 1)
                elif outgoing:
                    m.add(t, sdom, "out", size, 1)
            elif r < 0.9:
                lines.append(syslog_line(t, "qmail", "delivery %d: deferral: Sorry,_I_couldn't_find_any_host_by_that_name._(#4.1.2)/" % dlv))
            else:
                lines.append(syslog_line(t, "qmail", "delivery %d: failure: No_such_user/" % dlv))
        lines.append(syslog_line(t, "qmail", "end msg %d" % msg))
        if rnd.random() < 0.2:
            d = rnd.choice(HOSTED)
            nr = rnd.randrange(0, 5)
            nb = nr * rnd.randrange(1000, 50000)
            tag = rnd.choice(["pop3d", "imapd"])
            lines.append(syslog_line(t, tag, "logout %s u1@%s ip 192.0.2.%d retr %d bytes %d dele 0" % (tag[:4], d, n % 250, nr, nb)))
            if nr or nb:
                m.add(t, d, "retr", nb, nr)
        if garbage and rnd.random() < 0.05:
            lines.append(rnd.choice([
                syslog_line(t, "sshd[42]", "Accepted publickey for root"),
                syslog_line(t, "qmail", "delivery 99999: succ"),
                syslog_line(t, "qmail", "info msg 5: bytes"),
                "garbage \x01\x02 line\n",
                syslog_line(t, "qmail", "starting delivery 77777: msg 1 to local x@example.com")[:40] + "\n",
                syslog_line(t, "qmail", "alert: oh no! lost msg"),
            ]))
    return lines, m


def read_stats(inst):
    d = inst.statistic
    return {f: open(os.path.join(d, f)).read() for f in os.listdir(d)
            if f.endswith(".qml.txt")}


class Postgres:
    """A PostgreSQL server of its own: initdb in a temporary directory,
    its own port on 127.0.0.1, run as the postgres user when we are root.
    """

    def __init__(self):
        self.bindir = None
        for v in sorted(os.listdir("/usr/lib/postgresql"), reverse=True) \
                if os.path.isdir("/usr/lib/postgresql") else []:
            b = "/usr/lib/postgresql/%s/bin" % v
            if os.path.exists(b + "/initdb"):
                self.bindir = b
                break
        self.dir = None
        self.proc = None

    def available(self):
        return self.bindir is not None

    def _as(self, argv):
        if os.getuid() == 0:
            return ["runuser", "-u", "postgres", "--"] + argv
        return argv

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="hsmail-pg-")
        os.chmod(self.dir, 0o755)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = os.path.join(self.dir, "data")
        subprocess.run(self._as([self.bindir + "/initdb", "-D", data, "-A",
                                 "trust", "-U", "postgres", "-E", "UTF8"]),
                       check=True, capture_output=True)
        self.port = free_port()
        self.proc = subprocess.Popen(
            self._as([self.bindir + "/postgres", "-D", data, "-p",
                      str(self.port), "-h", "127.0.0.1", "-k", self.dir,
                      "-F"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        end = time.time() + WAIT
        while time.time() < end:
            r = subprocess.run(self._as([self.bindir + "/pg_isready", "-h",
                                         "127.0.0.1", "-p", str(self.port)]),
                               capture_output=True)
            if r.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("postgres did not start")

    def conninfo(self):
        return "host=127.0.0.1 port=%d user=postgres dbname=postgres" \
            % self.port

    def psql(self, sql):
        r = subprocess.run([self.bindir + "/psql", "-At", "-d",
                            self.conninfo(), "-c", sql],
                           capture_output=True, text=True, check=True)
        return r.stdout

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
