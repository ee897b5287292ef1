"""mail-traffic on the maillog the project's own servers write: the whole
stack of `make run` (tcpserver, qmail-smtpd, qmail-send, vdelivermail,
qmail-remote, qmail-popup/qmail-pop3d, splogger) takes mail in over SMTP,
sends one message out to a real SMTP peer and serves a POP3 retrieval;
then mail-traffic counts that log, trafficloader loads the day and
mail-traffic-report shows it.  The expected figures come from the same
log, read here with the rule of mail-traffic(8): received = local
deliveries to the domain, sent = remote deliveries from its users,
retrieved = the POP3 logout bytes."""
import csv
import io
import os
import re
import smtplib
import ssl
import subprocess

from conftest import BUILD, WAIT
from remoteutil import received, start_peer
from test_run import pop_messages, stack, wait_for  # noqa: F401 (fixture)


def expected(log, domain):
    """(in, out, retrieved bytes, hits) of domain in a qmail maillog."""
    msgs, dlvs = {}, {}
    got = [0, 0, 0, 0]
    for line in log.splitlines():
        m = re.search(r"qmail: [\d.]+ info msg (\d+): bytes (\d+) from "
                      r"<([^>]*)>", line)
        if m:
            msgs[m.group(1)] = (int(m.group(2)), m.group(3))
            continue
        m = re.search(r"starting delivery (\d+): msg (\d+) to (local|remote)"
                      r" (\S+)", line)
        if m:
            dlvs[m.group(1)] = (m.group(2), m.group(3), m.group(4))
            continue
        m = re.search(r"qmail: [\d.]+ delivery (\d+): success", line)
        if m and m.group(1) in dlvs:
            msg, where, rcpt = dlvs.pop(m.group(1))
            size, sender = msgs[msg]
            if where == "local" and rcpt.endswith("@" + domain):
                got[0] += size
                got[3] += 1
            elif where == "remote" and sender.endswith("@" + domain):
                got[1] += size
                got[3] += 1
            continue
        m = re.search(r"logout pop3 \S+@(\S+) ip \S+ retr (\d+) bytes "
                      r"(\d+)", line)
        if m and m.group(1) == domain:
            got[2] += int(m.group(3))
            got[3] += int(m.group(2))
    return got


def tool(root, name, *args):
    p = subprocess.run([os.path.join(BUILD, "bin", name)] + list(args),
                       env=dict(os.environ, HSMAIL_ROOT=root),
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, (name, p.stderr)
    return p.stdout


def test_traffic_of_the_stacks_own_log(stack, procs, tmp_path):
    root, ports, user, pw = stack[:4]
    domain = user.split("@")[1]
    peer, outfile = start_peer(procs, tmp_path, "accept", host="127.0.0.1")
    with open(os.path.join(root, "qmail", "control", "smtproutes"),
              "w") as f:
        f.write("elsewhere.test:127.0.0.1:%d\n" % peer)
    # Received: three messages from outside.
    with smtplib.SMTP("127.0.0.1", ports["SMTP_PORT"], timeout=WAIT) as s:
        for i in range(3):
            s.sendmail("friend@elsewhere.test", [user],
                       "Subject: in %d\r\n\r\n%s" % (
                           i, ("x" * 70 + "\r\n") * 70 * i))
    # Sent: one message submitted by the user to the remote peer.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", ports["SUBMISSION_PORT"],
                      timeout=WAIT) as s:
        s.starttls(context=ctx)
        s.login(user, pw)
        s.sendmail(user, ["someone@elsewhere.test"],
                   "Subject: out\r\n\r\n%s" % ("y" * 70 + "\r\n") * 40)
    wait_for(lambda: received(outfile))
    # Retrieved: the three messages over POP3 (every session, also those
    # that found fewer, retrieves and is counted).
    sessions = []

    def retrieved():
        sessions.append(1)
        return len(pop_messages(ports["POP3_PORT"], user, pw)) == 3
    wait_for(retrieved)
    maillog = os.path.join(root, "log", "maillog")
    # The log is complete once each session's logout line is in.
    wait_for(lambda: open(maillog).read().count(
        "logout pop3 %s " % user) == len(sessions))
    wait_for(lambda: sum(1 for l in open(maillog) if re.search(
        r"qmail: [\d.]+ delivery \d+: success", l)) >= 4)

    want = expected(open(maillog).read(), domain)
    assert want[0] > 3 * 20 and want[1] > 3000 and want[2] > 5000
    assert want[3] >= 3 + 1 + 3
    tool(root, "mail-traffic")
    stat = os.path.join(root, "statistic")
    lines = []
    for name in sorted(os.listdir(stat)):
        if re.fullmatch(r"\d\d\.\d\d\.\d{4}\.qml\.txt", name):
            with open(os.path.join(stat, name)) as f:
                lines += [l for l in f.read().splitlines()
                          if l.startswith("|%s|" % domain)]
    assert len(lines) == 1, lines       # one day, one line for the domain
    i, o, r, hits = want
    assert lines[0] == "|%s|%.2f|%d|0|%.2f|%.2f|" % (
        domain, (i + o + r) / 1024, hits, i / 1024, (o + r) / 1024)
    # Counted once: a second run changes nothing.
    tool(root, "mail-traffic")
    tool(root, "trafficloader")
    rows = list(csv.DictReader(io.StringIO(tool(
        root, "mail-traffic-report", "-o", "csv", "-d", domain, "-f",
        "2000-01-01", "-t", "2100-01-01"))))
    assert [(x["domain"], int(x["hits"])) for x in rows] == [(domain, hits)]
    assert abs(float(rows[0]["xfer_kb"]) - (i + o + r) / 1024) < 0.006
