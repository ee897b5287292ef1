"""The log an install leaves behind, for real: the rsyslog rule make
install puts in /etc/rsyslog.d routes qmail's lines (facility mail, and
the SMTP line's facility daemon) into maillog in the format mail-traffic
reads, the logrotate rules rotate it the way mail-traffic follows, and
the counts come out exactly as from one unrotated log.  rsyslogd and
logrotate run in a private mount namespace with a /dev of their own, so
that the machine's /dev/log is never touched.  And on a box without
rsyslog, splogger writes the file itself (MAILLOG)."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import prog
from test_install import install
from trafficutil import generate, read_stats, setup_domains

START = 1798747200
LINE = re.compile(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d mail ([^:]+): (.*)$")

# The namespace: /dev a tmpfs with the few nodes programs need, rsyslogd
# on its /dev/log, then the steps ($STEPS, a shell script), then rsyslogd
# stopped.
NS = r'''
set -eu
mount --make-rprivate /
mkdir -p "$T/hostdev"
mount --rbind /dev "$T/hostdev"
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero urandom random full tty; do
	touch /dev/$n
	mount --bind "$T/hostdev/$n" /dev/$n
done
rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslogd.pid" &
rs=$!
i=0
while [ ! -S /dev/log ] || [ ! -s "$T/rsyslogd.pid" ]; do
	i=$((i + 1)); [ $i -lt 300 ] || exit 1; sleep 0.1
done
rc=0
sh -eu "$STEPS" || rc=$?
kill $rs; wait $rs || true
exit $rc
'''

# Lines "tag<TAB>text" to /dev/log as syslog(3) sends them, facility mail
# (the SMTP lines: daemon, as "splogger smtpd 3").
FEED = r'''
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect("/dev/log")
for l in open(sys.argv[1]):
    tag, text = l.rstrip("\n").split("\t", 1)
    pri = 3 * 8 + 6 if tag in ("smtpd", "ntpd") else 2 * 8 + 6
    s.send(("<%d>%s: %s" % (pri, tag, text)).encode())
'''


def need(*progs):
    for p in progs:
        if shutil.which(p) is None and not os.path.exists("/usr/sbin/" + p):
            pytest.skip("%s is not installed (deps/admin.test.apt)" % p)
    if os.geteuid() != 0:
        pytest.skip("a private mount namespace needs root")


def test_rsyslog_logrotate_and_mail_traffic(instance, tmp_path):
    need("rsyslogd", "logrotate")
    setup_domains(instance)
    d = tmp_path / "dest"
    install(d)
    t = tmp_path / "ns"
    t.mkdir()
    log = os.path.join(instance.log, "maillog")
    # The installed rule and rotation, pointed at this instance's log and
    # this rsyslogd (its pid file; no systemd here).
    rule = (d / "etc/rsyslog.d/hsmail.conf").read_text()
    assert "/var/log/maillog" in rule
    (t / "hsmail.conf").write_text(rule.replace("/var/log/maillog", log))
    # What Debian's rsyslog.conf has before its rsyslog.d (the socket
    # module, no rate limit given), then the rule.
    (t / "rsyslog.conf").write_text(
        'module(load="imuxsock")\n$WorkDirectory %s\n'
        'include(file="%s/hsmail.conf")\n' % (t, t))
    rot = (d / "etc/logrotate.d/hsmail").read_text()
    assert "@OWNER@" not in rot and "nodateext" in rot
    rot = re.sub(r"create 0640 \S+ \S+", "create 0640 root root", rot)
    rot = rot.replace("/var/log/maillog", log).replace(
        "/run/rsyslogd.pid", str(t / "rsyslogd.pid")).replace(
        "/run/systemd/system", str(t / "no-systemd"))
    (t / "logrotate.conf").write_text(rot)
    (t / "feed.py").write_text(FEED)
    lines, model = generate(START, 1500, seed=53, garbage=False)
    recs = []
    for l in lines:
        m = LINE.match(l.rstrip("\n"))
        assert m, l
        recs.append("%s\t%s\n" % m.groups())
    # The SMTP server's line (facility daemon) belongs in maillog; another
    # daemon's does not.
    recs[10:10] = ["smtpd\t1798747300.000001 smtpd 4242 accept ip 1.2.3.4\n",
                   "ntpd\tclock synchronized\n"]
    n = len(recs)
    parts = [recs[:n // 3], recs[n // 3:2 * n // 3], recs[2 * n // 3:]]
    steps = []
    for i, p in enumerate(parts):
        (t / ("part%d" % i)).write_text("".join(p))
        steps.append('python3 "$T/feed.py" "$T/part%d"' % i)
        want = len(p) - sum(1 for x in p if x.startswith("ntpd\t"))
        steps.append('i=0; while [ "$(wc -l < "%s" 2>/dev/null || echo 0)"'
                     ' -lt %d ]; do i=$((i + 1)); [ $i -lt 600 ]; '
                     'sleep 0.1; done' % (log, want))
        steps.append('"%s"' % prog("mail-traffic"))
        if i < 2:
            steps.append('logrotate -f -s "$T/lr.state" "$T/logrotate.conf"')
    (t / "steps").write_text("\n".join(steps) + "\n")
    env = dict(instance.env, T=str(t), STEPS=str(t / "steps"), TZ="UTC")
    r = subprocess.run(["unshare", "-m", "sh", "-c", NS], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    # Rotated twice: maillog.2.gz (compressed a day late), maillog.1, and
    # the new maillog, each line once, in the traditional format.
    assert sorted(f for f in os.listdir(instance.log)
                  if f.startswith("maillog")) == \
        ["maillog", "maillog.1", "maillog.2.gz"]
    with open(log) as f:
        first = f.readline()
    assert re.match(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ qmail: \d+\.\d{6} ",
                    first), first
    with open(log + ".1") as f:
        text = f.read()
    with subprocess.Popen(["zcat", log + ".2.gz"], stdout=subprocess.PIPE,
                          text=True) as z:
        text += z.stdout.read()
    assert " smtpd: 1798747300.000001 smtpd 4242 accept" in text
    assert "ntpd" not in text
    want = {model.file_name(day): model.day_file(day)
            for day in model.days()}
    assert want and read_stats(instance) == want


def test_splogger_writes_the_file_without_rsyslog(tmp_path):
    """MAILLOG names the file (the init script's choice on a box without
    rsyslog): every splogger appends there, in the same format."""
    log = tmp_path / "maillog"
    env = {k: v for k, v in os.environ.items() if k != "HSMAIL_ROOT"}
    env["MAILLOG"] = str(log)
    for tag, fac in (("qmail", []), ("smtpd", ["3"])):
        r = subprocess.run([prog("splogger"), tag] + fac, env=env,
                           input="new msg 1\n", text=True, timeout=60)
        assert r.returncode == 0
    got = log.read_text().splitlines()
    assert len(got) == 2
    assert re.match(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ qmail: \d+\.\d{6} "
                    r"new msg 1$", got[0])
    assert " smtpd: " in got[1]
