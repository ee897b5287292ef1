"""make install into the live system, as an administrator runs it as root,
without touching this machine: the install runs chrooted in a copy-on-write
overlay of / inside a private mount namespace.  It must create the qmail
and vpopmail users, set the owners and set-uid bits, and the qmaild init
script must then serve mail with the privilege split of the H-Sphere box:
POP-before-SMTP, then SMTP AUTH by a customer through qmail-smtpd running
as qmaild, delivery into the Maildir, POP3 retrieval; submission with AUTH
required, SMTPS and POP3S beside them; /hsphere/local/var/qmail is
/var/qmail."""
import os
import poplib
import re
import smtplib
import ssl
import subprocess
import time

import pytest

from conftest import BUILD, SRC, WAIT, free_port, kill_until_gone, \
    wait_port

# Run by sh in a new mount namespace: an overlay of / whose changes go to
# a tmpfs, /proc /dev /sys and the sanitizer log directory bound in, then
# the command chrooted there.  $T is a scratch directory.
OVERLAY = r'''
set -e
mount --make-rprivate /
mkdir -p "$T/ovl"
mount -t tmpfs tmpfs "$T/ovl"
mkdir -p "$T/ovl/u" "$T/ovl/w" "$T/ovl/m"
mount -t overlay overlay \
    -o "lowerdir=/,upperdir=$T/ovl/u,workdir=$T/ovl/w" "$T/ovl/m"
M=$T/ovl/m
for d in /proc /dev /sys; do
	mount --rbind "$d" "$M$d"
done
if [ -n "${HSMAIL_SANLOG:-}" ]; then
	mkdir -p "$M$HSMAIL_SANLOG"
	mount --bind "$HSMAIL_SANLOG" "$M$HSMAIL_SANLOG"
fi
exec chroot "$M" "$@"
'''

# What the administrator does, in the chroot: make install, a domain and a
# customer, the relay rules, the settings (loopback, test ports; relay by
# POP-before-SMTP, the default), then the init script.
ADMIN = r'''
set -eu
cd "$SRC"
scripts/install "" /usr/local "$BUILD"
V=/hsphere/local/var/vpopmail
$V/bin/vadddomain live.test pmpw
$V/bin/vadduser joe@live.test joepw
echo ':allow,CHKUSER_START="ALWAYS"' > $V/etc/tcp.smtp
/hsphere/shared/bin/tcprules $V/etc/tcp.smtp.cdb $V/etc/tcp.smtp.tmp \
    < $V/etc/tcp.smtp
cat >> /etc/default/qmaild <<EOT
LISTEN=127.0.0.1
SMTP_PORT=$SMTP_PORT
POP3_PORT=$POP3_PORT
SUBMISSION_PORT=$SUBMISSION_PORT
SMTPS_PORT=$SMTPS_PORT
POP3S_PORT=$POP3S_PORT
EOT
/etc/init.d/qmaild start
'''


def chrooted(root):
    """Processes running in the overlay (their root is its merged tree)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink("/proc/%s/root" % d) == root:
                    out.append(int(d))
            except OSError:
                pass
    return out


def proc_info(pid):
    with open("/proc/%d/status" % pid) as f:
        st = dict(l.split(":", 1) for l in f if ":" in l)
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        argv = f.read().split(b"\0")
    return int(st["Uid"].split()[1]), os.path.basename(argv[0].decode())


def named(pid, prog):
    """pid still runs and is prog."""
    try:
        return proc_info(pid)[1] == prog
    except OSError:
        return False


def test_live_install_serves_mail_as_the_qmail_users(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("installing users and set-uid programs needs root")
    if subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        pytest.skip("no private mount namespace here")
    t = str(tmp_path)
    root = os.path.join(t, "ovl", "m")
    smtp, pop3 = free_port(), free_port()
    subm, smtps, pop3s = free_port(), free_port(), free_port()
    env = dict(os.environ, T=t, SRC=SRC, BUILD=BUILD, SMTP_PORT=str(smtp),
               POP3_PORT=str(pop3), SUBMISSION_PORT=str(subm),
               SMTPS_PORT=str(smtps), POP3S_PORT=str(pop3s))
    env.pop("HSMAIL_ROOT", None)
    r = subprocess.run(["unshare", "-m", "sh", "-c", OVERLAY, "sh", "sh",
                        "-c", ADMIN], env=env, capture_output=True,
                       text=True, timeout=300)
    try:
        assert r.returncode == 0, r.stdout + r.stderr
        assert "qmaild: started" in r.stdout
        # The tree as the administrator now has it.
        pids = chrooted(root)
        assert pids
        live = "/proc/%d/root" % pids[0]
        passwd = {}
        with open(live + "/etc/passwd") as f:
            for l in f:
                x = l.split(":")
                passwd[x[0]] = int(x[2])
        for u in ("alias", "qmaild", "qmaill", "qmailp", "qmailq", "qmailr",
                  "qmails", "vpopmail"):
            assert u in passwd, u
        name = {v: k for k, v in passwd.items()}
        st = os.stat(live + "/var/qmail/bin/qmail-queue")
        assert name[st.st_uid] == "qmailq" and st.st_mode & 0o7777 == 0o4711
        st = os.stat(live + "/hsphere/local/var/vpopmail/bin/vchkpwsmtp")
        assert name[st.st_uid] == "vpopmail" and \
            st.st_mode & 0o7777 == 0o4711
        st = os.stat(live + "/hsphere/local/var/vpopmail/bin/vchkuser")
        assert name[st.st_uid] == "vpopmail" and \
            st.st_mode & 0o7777 == 0o4711
        for p in ("var/qmail/bin/qmail-send", "var/qmail/bin/qmail-smtpd",
                  "hsphere/local/var/vpopmail/bin/vchkpw"):
            assert os.stat(os.path.join(live, p)).st_mode & 0o6000 == 0, p
        st = os.stat(live + "/var/qmail/queue/lock/sendmutex")
        assert name[st.st_uid] == "qmails"
        st = os.stat(live + "/var/qmail/queue/pid")
        assert name[st.st_uid] == "qmailq"
        # The seed's own paths: /hsphere/local/var/qmail is /var/qmail.
        assert os.readlink(live + "/hsphere/local/var/qmail") == \
            "/var/qmail"
        assert subprocess.run(["nsenter", "-t", str(pids[0]), "-m", "-r",
                               "test", "-x", "/hsphere/local/var/qmail/bin/"
                               "qmail-smtpd"]).returncode == 0
        for port in (smtp, pop3, subm, smtps, pop3s):
            wait_port(port)

        def pop_wait(text):
            end = time.time() + WAIT
            while time.time() < end:
                c = poplib.POP3("127.0.0.1", pop3, timeout=WAIT)
                c.user("joe@live.test")
                c.pass_("joepw")
                msgs = [b"\n".join(c.retr(i + 1)[1])
                        for i in range(c.stat()[0])]
                c.quit()
                for m in msgs:
                    if text in m:
                        return m
                time.sleep(0.2)
            raise TimeoutError(text)

        def may_relay():
            with smtplib.SMTP("127.0.0.1", smtp, timeout=WAIT) as s:
                s.ehlo("client.test")
                s.mail("joe@live.test")
                code = s.rcpt("someone@elsewhere.test")[0]
                s.rset()
                return code == 250
        # POP-before-SMTP: no relay for a stranger, mail for the customer
        # accepted; after the customer's POP3 login, relay from there.
        assert not may_relay()
        # chkuser as qmaild, through vchkuser: no mailbox, no 250.
        with smtplib.SMTP("127.0.0.1", smtp, timeout=WAIT) as s:
            s.ehlo("client.test")
            s.mail("friend@elsewhere.test")
            assert s.rcpt("nobody@live.test")[0] == 550
            assert s.rcpt("joe@live.test")[0] == 250
        with smtplib.SMTP("127.0.0.1", smtp, timeout=WAIT) as s:
            s.sendmail("friend@elsewhere.test", ["joe@live.test"],
                       "Subject: in\r\n\r\nfrom outside\r\n")
        pop_wait(b"from outside")
        assert may_relay()
        # SMTP AUTH over STARTTLS (the certificate the install made),
        # through qmail-smtpd running as qmaild.
        r = subprocess.run(["nsenter", "-t", str(pids[0]), "-m", "-r", "sh",
                            "-c", "echo SMTP_RELAY=smtpauth >> "
                            "/etc/default/qmaild && /etc/init.d/qmaild "
                            "restart"], capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        wait_port(smtp)
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with smtplib.SMTP("127.0.0.1", smtp, timeout=WAIT) as s:
            s.starttls(context=ctx)
            s.login("joe@live.test", "joepw")
            s.sendmail("joe@live.test", ["joe@live.test"],
                       "Subject: live\r\n\r\ninstalled and running\r\n")
        msg = pop_wait(b"installed and running")
        # Submission (AUTH required), SMTPS and POP3S, as production
        # runs them beside the seed's two lines.
        with smtplib.SMTP("127.0.0.1", subm, timeout=WAIT) as s:
            s.starttls(context=ctx)
            s.ehlo("client.test")
            assert s.mail("joe@live.test")[0] == 530
            s.rset()
            s.login("joe@live.test", "joepw")
            s.sendmail("joe@live.test", ["joe@live.test"],
                       "Subject: subm\r\n\r\nvia submission\r\n")
        pop_wait(b"via submission")
        with smtplib.SMTP_SSL("127.0.0.1", smtps, timeout=WAIT,
                              context=ctx) as s:
            s.login("joe@live.test", "joepw")
            s.sendmail("joe@live.test", ["joe@live.test"],
                       "Subject: smtps\r\n\r\nvia smtps\r\n")
        pop_wait(b"via smtps")
        c = poplib.POP3_SSL("127.0.0.1", pop3s, timeout=WAIT, context=ctx)
        c.user("joe@live.test")
        c.pass_("joepw")
        assert c.stat()[0] >= 3
        c.quit()
        send = [p for p in chrooted(root) if named(p, "qmail-send")]
        r = subprocess.run(["nsenter", "-t", str(send[0]), "-m", "-r",
                            "/etc/init.d/qmaild", "status"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        for svc in ("send", "smtp", "submission", "smtps", "pop3",
                    "pop3s"):
            assert "%s running" % svc in r.stdout
        pids = chrooted(root)
        # qmail-queue names qmaild's uid as qmail does.
        assert b"invoked from network" in msg
        users = {}
        for p in chrooted(root):
            try:
                uid, prog = proc_info(p)
            except OSError:
                continue
            users.setdefault(prog, set()).add(name.get(uid, uid))
        assert users["qmail-send"] == {"qmails"}
        assert users["qmail-todo"] == {"qmails"}
        assert users["qmail-rspawn"] == {"qmailr"}
        assert users["qmail-clean"] == {"qmailq"}
        assert users["qmail-queued"] == {"qmailq"}
        assert users["qmail-lspawn"] == {"root"}
        # The delivery ran in a worker of the domain's owner, never root.
        assert users["qmail-lworker"] == {"vpopmail"}
        assert "qmaild" in users["tcpserver"]
        r = subprocess.run(["nsenter", "-t", str(pids[0]), "-m", "-r",
                            "/etc/init.d/qmaild", "stop"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        with pytest.raises(OSError):
            socket_probe(smtp)
    finally:
        kill_until_gone(lambda: chrooted(root))


def socket_probe(port):
    import socket
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
