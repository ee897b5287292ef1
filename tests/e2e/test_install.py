"""make install into a scratch root, then the qmaild init script started,
asked for its status and stopped on unprivileged ports, as an
administrator would on a real box."""
import os
import signal
import socket
import stat
import subprocess
import time

import pytest

from conftest import BUILD, SRC, WAIT, build_fixed_layout, free_port, \
    wait_port


def install(dest):
    r = subprocess.run([os.path.join(SRC, "scripts", "install"), str(dest),
                        "/usr/local", BUILD], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_install_tree(tmp_path):
    d = tmp_path / "dest"
    install(d)
    for p in ("var/qmail/bin/qmail-queue", "var/qmail/bin/qmail-local",
              "var/qmail/bin/splogger", "hsphere/shared/bin/tcpserver",
              "hsphere/shared/bin/tcprules", "etc/init.d/qmaild",
              "etc/default/qmaild", "etc/cron.d/hsmail",
              "lib/systemd/system/hsmail-smtpd.service",
              "etc/rsyslog.d/hsmail.conf", "etc/logrotate.d/hsmail",
              "var/log/maillog",
              "lib/systemd/system/hsmail-webmail.service",
              "etc/apache2/conf-available/sqwebmail.conf",
              "usr/local/share/sqwebmail/en.lang",
              "var/qmail/bin/imaplogin", "var/qmail/bin/imaplogin-tls",
              "var/qmail/bin/imapd", "lib/systemd/system/hsmail-imap.service",
              "var/qmail/bin/imaplogin-wait",
              "usr/local/share/man/man8/imapd.8",
              "usr/local/share/man/man5/mstore.5",
              "usr/local/share/man/man8/qmail-queue.8",
              "var/qmail/man/man8/qmail-queue.8",
              "usr/local/share/man/man1/tcpserver.1"):
        assert (d / p).exists(), p
    if os.path.exists(os.path.join(SRC, "src", "libmail", "mime.c")):
        # the MIME layer imapd loads, in qmail's lib/, not among programs
        assert (d / "var/qmail/lib/imapd-mime.so").exists()
        assert not (d / "var/qmail/bin/imapd-mime.so").exists()
    assert stat.S_ISFIFO(os.stat(d / "var/qmail/queue/lock/trigger").st_mode)
    # H-Sphere's name for the qmail tree, as the seed's lines use it.
    assert os.readlink(d / "hsphere/local/var/qmail") == "/var/qmail"
    for sub in ("todo", "intd", "mess/22", "info/0", "local/0", "remote/0"):
        assert (d / "var/qmail/queue" / sub).is_dir(), sub
    assert (d / "hsphere/local/var/vpopmail/domains").is_dir()
    assert (d / "hsphere/local/var/statistic/loaded").is_dir()
    assert os.access(d / "var/qmail/rc", os.X_OK)
    assert os.access(d / "var/qmail/boot/home", os.X_OK)
    # Programs outside qmail/bin are linked there too, relatively, so the
    # links hold under DESTDIR as after it.
    for n in ("tcpserver", "vchkpw", "mail-traffic"):
        assert os.access(d / "var/qmail/bin" / n, os.X_OK), n
    # A second install over the first keeps the administrator's settings.
    (d / "etc/default/qmaild").write_text("TCP_SERVERS=7\n")
    install(d)
    assert (d / "etc/default/qmaild").read_text() == "TCP_SERVERS=7\n"


def greeting(port):
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
        return s.recv(200)


def ehlo(port):
    """qmail-smtpd's EHLO reply (is AUTH offered?)."""
    import smtplib
    with smtplib.SMTP("127.0.0.1", port, timeout=WAIT) as s:
        s.ehlo("client.test")
        return s.esmtp_features


class Installed:
    """A scratch install with an instance linking its trees (the programs
    keep their compiled-in H-Sphere paths; HSMAIL_ROOT points them at the
    scratch tree) and settings on unprivileged ports."""

    def __init__(self, tmp_path, relay="smtpauth"):
        d = self.d = tmp_path / "dest"
        install(d)
        q, v = d / "var/qmail", d / "hsphere/local/var/vpopmail"
        (q / "control/me").write_text("mail.install.test\n")
        (v / "etc/tcp.smtp").write_text(":allow\n")
        # vpopmail's clear-text column kept: CRAM-MD5, the one mechanism
        # offered without TLS (this tree has no certificate), is then on
        # the EHLO's AUTH line.
        (v / "etc/clear-passwd").write_text("")
        subprocess.run([str(d / "hsphere/shared/bin/tcprules"),
                        str(v / "etc/tcp.smtp.cdb"),
                        str(v / "etc/tcp.smtp.tmp")],
                       stdin=open(v / "etc/tcp.smtp"), check=True)
        inst = tmp_path / "inst"
        inst.mkdir()
        os.symlink(q, inst / "qmail")
        os.symlink(v, inst / "vpopmail")
        os.symlink(d / "hsphere/local/var/statistic", inst / "statistic")
        os.symlink(d / "var/log", inst / "log")
        self.inst = inst
        self.smtp, self.pop3 = free_port(), free_port()
        self.submission, self.smtps = free_port(), free_port()
        self.pop3s = free_port()
        self.imap, self.imaps = free_port(), free_port()
        self.defaults = tmp_path / "qmaild.defaults"
        self.settings = (
            "TCP_SERVERS=5\nQMAIL=%s\nVPOPMAIL=%s\nSHARED_BIN=%s\n"
            "LISTEN=127.0.0.1\nSMTP_PORT=%d\nPOP3_PORT=%d\nRUNDIR=%s\n"
            "SUBMISSION_PORT=%d\nSMTPS_PORT=%d\nPOP3S_PORT=%d\n"
            "IMAP_PORT=%d\nIMAPS_PORT=%d\n"
            % (q, v, d / "hsphere/shared/bin", self.smtp, self.pop3,
               tmp_path / "run", self.submission, self.smtps, self.pop3s,
               self.imap, self.imaps))
        self.relay(relay)
        self.env = dict(os.environ, QMAILD_DEFAULTS=str(self.defaults),
                        HSMAIL_ROOT=str(inst))

    def relay(self, how):
        self.defaults.write_text("SMTP_RELAY=%s\n" % how + self.settings)

    def qmaild(self, *cmd):
        return subprocess.run([str(self.d / "etc/init.d/qmaild")] +
                              list(cmd), env=self.env, capture_output=True,
                              text=True, timeout=WAIT)


def test_qmaild_start_status_restart_stop(tmp_path):
    if not os.path.exists(os.path.join(BUILD, "bin", "qmail-smtpd")) or \
       not os.path.exists(os.path.join(BUILD, "bin", "qmail-popup")):
        pytest.fail("qmail-smtpd / qmail-popup not built")
    t = Installed(tmp_path, "smtpauth")
    try:
        r = t.qmaild("start")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_port(t.smtp)
        wait_port(t.pop3)
        wait_port(t.imap)
        assert greeting(t.smtp).startswith(b"220 ")
        assert greeting(t.pop3).startswith(b"+OK")
        assert greeting(t.imap).startswith(b"* OK")
        assert "auth" in ehlo(t.smtp)          # SMTP AUTH line
        # Submission requires AUTH: offered, and no MAIL without it.
        wait_port(t.submission)
        assert "auth" in ehlo(t.submission)
        import smtplib
        with smtplib.SMTP("127.0.0.1", t.submission, timeout=30) as s:
            s.ehlo("client.test")
            assert s.mail("joe@install.test")[0] == 530
        wait_port(t.smtps)
        wait_port(t.pop3s)
        r = t.qmaild("status")
        assert r.returncode == 0, r.stdout
        for s in ("send", "smtp", "pop3", "submission", "smtps", "pop3s",
                  "imap", "imaps", "auth"):
            assert "%s running" % s in r.stdout
        # MAILLOG (a box without rsyslog): every splogger of every line,
        # qmail-send's too, appends to that file.
        maillog = tmp_path / "file.maillog"
        t.settings += "MAILLOG=%s\n" % maillog
        t.relay("smtpauth")
        r = t.qmaild("restart")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_port(t.smtp)
        greeting(t.smtp)
        end = time.time() + 60
        while not (maillog.exists() and " qmail: " in maillog.read_text()
                   and " smtpd: " in maillog.read_text()):
            assert time.time() < end, "nothing in %s" % maillog
            time.sleep(0.1)
        # A port set empty leaves its service out.
        t.settings += "SMTPS_PORT=\n"
        t.relay("smtpauth")
        r = t.qmaild("restart")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_port(t.smtp)
        r = t.qmaild("status")
        assert r.returncode == 0 and "smtps" not in r.stdout, r.stdout
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", t.smtps),
                                     timeout=2).close()
        # The other setting: POP-before-SMTP, no AUTH offered.
        t.relay("popbeforesmtp")
        r = t.qmaild("restart")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_port(t.smtp)
        assert "auth" not in ehlo(t.smtp)
        assert t.qmaild("status").returncode == 0
    finally:
        r = t.qmaild("stop")
    assert r.returncode == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", t.smtp), timeout=2).close()
    r = t.qmaild("status")
    assert r.returncode == 3
    assert "smtp not running" in r.stdout


def test_systemd_units_run_the_services(tmp_path):
    """Each unit's ExecStart runs its service in the foreground with the
    same settings; stopping its process group (KillMode=control-group)
    stops it."""
    t = Installed(tmp_path, "smtpauth")
    units = t.d / "lib/systemd/system"
    seen = {}
    for u in sorted(os.listdir(units)):
        with open(units / u) as f:
            ex = [l.split("=", 1)[1].split() for l in f
                  if l.startswith("ExecStart=")]
        assert len(ex) == 1, u
        # Paths of the installed tree are the scratch tree's; run-time
        # and state directories (systemd makes them) are the test's own.
        cmd = [str(t.d) + ex[0][0]] + [
            str(tmp_path / a.lstrip("/")) if a.startswith(("/run/",
                                                            "/var/lib/"))
            else str(t.d) + a if a.startswith("/") and
            os.path.exists(str(t.d) + a) else a for a in ex[0][1:]]
        for a in cmd:
            if a.startswith(str(tmp_path / "run")):
                os.makedirs(os.path.dirname(a), exist_ok=True)
        name = "webmail" if ex[0][0].endswith("/sqwebmaild") else ex[0][-1]
        p = subprocess.Popen(cmd, env=t.env, start_new_session=True,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            if name == "smtp":
                wait_port(t.smtp)
                assert "auth" in ehlo(t.smtp)
            elif name == "submission":
                wait_port(t.submission)
                assert "auth" in ehlo(t.submission)
            elif name in ("smtps", "pop3s"):
                wait_port(getattr(t, name))
            elif name == "pop3":
                wait_port(t.pop3)
                assert greeting(t.pop3).startswith(b"+OK")
            elif name == "auth":
                sock = t.inst / "qmail" / "msgauthd.sock"
                end = time.time() + 30
                while not os.path.exists(sock):
                    assert time.time() < end, "msgauthd did not start"
                    time.sleep(0.1)
            elif name == "webmail":
                # The installed CGI, as Apache runs it, gets the login
                # page through the daemon's socket.
                sock = cmd[cmd.index("-s") + 1]
                end = time.time() + 30
                while not os.path.exists(sock):
                    assert time.time() < end, "sqwebmaild did not start"
                    time.sleep(0.1)
                r = subprocess.run(
                    [str(t.d / "var/qmail/bin/sqwebmail")],
                    env=dict(t.env, SQWEBMAIL_SOCKET=sock,
                             REQUEST_METHOD="GET", PATH_INFO="/",
                             SCRIPT_NAME="/webmail",
                             SERVER_NAME="mail.install.test"),
                    stdin=subprocess.DEVNULL, capture_output=True,
                    timeout=60)
                assert r.stdout.startswith(b"Status: 200"), r.stdout
                assert b'name="pass"' in r.stdout
            elif name == "imap":
                wait_port(t.imap)
                assert greeting(t.imap).startswith(b"* OK")
            elif name == "imaps":
                wait_port(t.imaps)
            else:
                # qmail-send holds the queue's lock: a second one cannot.
                lock = t.d / "var/qmail/queue/lock/sendmutex"
                end = time.time() + WAIT
                while subprocess.run(["flock", "-n", str(lock), "true"]
                                     ).returncode == 0:
                    assert time.time() < end, "qmail-send did not start"
                    time.sleep(0.1)
            assert p.poll() is None
            seen[name] = u
        finally:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(60)
    assert sorted(seen) == ["auth", "imap", "imaps", "pop3", "pop3s", "send",
                            "smtp", "smtps", "submission", "webmail"]


def test_cron_lines_run(tmp_path):
    """Every command of /etc/cron.d/hsmail is found through the file's own
    PATH in the installed tree and succeeds on an empty instance."""
    t = Installed(tmp_path)
    with open(t.d / "etc/cron.d/hsmail") as f:
        lines = [l.strip() for l in f if l.strip() and
                 not l.startswith("#")]
    path = next(l.split("=", 1)[1] for l in lines if l.startswith("PATH="))
    jobs = [l.split(None, 6) for l in lines if "=" not in l.split()[0]]
    assert jobs
    mapped = ":".join(str(t.d) + p if p.startswith(("/var/qmail",
                      "/hsphere")) else p for p in path.split(":"))
    cmds = []
    for j in jobs:
        assert len(j) == 7 and j[5] == "root", j
        cmds.append(j[6])
        r = subprocess.run(["sh", "-c", j[6]], capture_output=True,
                           text=True, timeout=120,
                           env=dict(t.env, PATH=mapped))
        assert r.returncode == 0, (j, r.stdout, r.stderr)
    words = " ".join(cmds)
    for prog_ in ("mail-traffic", "trafficloader", "clearopensmtp"):
        assert prog_ in words


def test_every_program_has_its_man_page_installed(tmp_path):
    d = tmp_path / "dest"
    install(d)
    pages = {}
    for sec in ("1", "5", "8"):
        mdir = d / "usr/local/share/man" / ("man" + sec)
        for m in os.listdir(mdir) if mdir.exists() else []:
            pages[m.rsplit(".", 1)[0]] = mdir / m
    progs = set()
    for b in ("var/qmail/bin", "hsphere/local/var/vpopmail/bin",
              "hsphere/shared/bin", "usr/local/sbin"):
        progs.update(os.listdir(d / b))
    missing = sorted(p for p in progs if p not in pages)
    assert missing == []
    for m in pages.values():
        r = subprocess.run(["mandoc", "-Tlint", "-W", "warning", str(m)],
                           capture_output=True, text=True)
        assert r.returncode == 0 and r.stdout + r.stderr == "", \
            r.stdout + r.stderr
    assert "hsmail-log" in pages
    assert "qmaild" in pages            # the init script


def build_vchkpwsmtp(out, root):
    """vchkpwsmtp compiled with the instance's trees as its fixed layout."""
    build_fixed_layout(out, root, ["vpop/vchkpw.c", "vpop/relay.c",
                                   "vpop/chkcram.c"])


def checkpw(path, login, password, prog, user, env=None, argv0=None):
    """Run a checkpassword program as another user, fd 3 carrying the
    login, as qmail-smtpd running as qmaild does."""
    r, w = os.pipe()
    os.write(w, login + b"\0" + password + b"\0\0")
    os.close(w)

    def become():
        os.dup2(r, 3)
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)
    p = subprocess.run([argv0 or path] + prog, executable=path,
                       preexec_fn=become, pass_fds=(r, 3), cwd="/",
                       env=dict(env or {}, PATH="/usr/bin:/bin",
                                VCHKPW_FAIL_DELAY="0"),
                       capture_output=True, text=True, timeout=60)
    os.close(r)
    return p


def test_setuid_vchkpwsmtp_serves_qmaild(tmp_path):
    """Installed set-uid vpopmail, vchkpwsmtp lets qmail-smtpd (another
    unprivileged user) check passwords in the private store; the program
    it runs gets the caller's ids back, and neither argv[0] nor the
    environment turns it into the POP3 login (no relay record, no uid
    switch)."""
    import pwd
    import shutil
    import tempfile
    if os.geteuid() != 0:
        pytest.skip("needs root to make a set-uid program")
    owner, caller = pwd.getpwnam("nobody"), pwd.getpwnam("daemon")
    base = tempfile.mkdtemp(prefix="hsmail-suid-")
    try:
        os.chmod(base, 0o755)
        root = os.path.join(base, "inst")
        env = dict(os.environ, HSMAIL_ROOT=root)
        subprocess.run([os.path.join(BUILD, "bin", "hsmail-setup"), "-m",
                        "mail.suid.test"], env=env, check=True)
        os.chown(os.path.join(root, "vpopmail", "domains"), owner.pw_uid,
                 owner.pw_gid)
        for cmd in (["vadddomain", "suid.test", "pmpw"],
                    ["vadduser", "joe@suid.test", "joepw"]):
            subprocess.run([os.path.join(BUILD, "bin", cmd[0])] + cmd[1:],
                           env=env, check=True, capture_output=True)
        bindir = os.path.join(base, "bin")
        os.mkdir(bindir)
        os.chmod(bindir, 0o755)
        exe = os.path.join(bindir, "vchkpwsmtp")
        build_vchkpwsmtp(exe, root)
        # Python keeps the ids it is given (a shell would drop them).
        ids = ["/usr/bin/python3", "-c",
               "import os; print(os.geteuid(), os.getegid(), os.getcwd())"]
        # Not set-uid, the store is out of qmaild's reach: temporary.
        os.chmod(exe, 0o755)
        p = checkpw(exe, b"joe@suid.test", b"joepw", ids, caller)
        assert p.returncode == 111, p.stdout + p.stderr
        os.chown(exe, owner.pw_uid, owner.pw_gid)
        os.chmod(exe, 0o4711)
        p = checkpw(exe, b"joe@suid.test", b"joepw", ids, caller)
        assert p.returncode == 0, p.stdout + p.stderr
        assert p.stdout.split() == [str(caller.pw_uid), str(caller.pw_gid),
                                    "/"]
        p = checkpw(exe, b"joe@suid.test", b"wrong", ids, caller)
        assert p.returncode == 3 and p.stdout == ""
        p = checkpw(exe, b"joe@suid.test", b"joepw", ids, caller,
                    env={"VCHKPW_SERVICE": "pop3", "TCPREMOTEIP": "192.0.2.9",
                         "TCPLOCALPORT": "110"}, argv0="vchkpw")
        assert p.returncode == 0, p.stdout + p.stderr
        assert p.stdout.split() == [str(caller.pw_uid), str(caller.pw_gid),
                                    "/"]
        assert not os.path.exists(os.path.join(root, "vpopmail", "etc",
                                               "open-smtp"))
    finally:
        shutil.rmtree(base, ignore_errors=True)
