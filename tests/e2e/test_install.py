"""make install into a scratch root, then the qmaild init script started,
asked for its status and stopped on unprivileged ports, as an
administrator would on a real box."""
import os
import socket
import stat
import subprocess
import time

import pytest

from conftest import BUILD, SRC, free_port, wait_port


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
              "usr/local/share/man/man8/qmail-queue.8",
              "var/qmail/man/man8/qmail-queue.8",
              "usr/local/share/man/man1/tcpserver.1"):
        assert (d / p).exists(), p
    assert stat.S_ISFIFO(os.stat(d / "var/qmail/queue/lock/trigger").st_mode)
    for sub in ("todo", "intd", "mess/22", "info/0", "local/0", "remote/0"):
        assert (d / "var/qmail/queue" / sub).is_dir(), sub
    assert (d / "hsphere/local/var/vpopmail/domains").is_dir()
    assert (d / "hsphere/local/var/statistic/loaded").is_dir()
    # A second install over the first keeps the administrator's settings.
    (d / "etc/default/qmaild").write_text("TCP_SERVERS=7\n")
    install(d)
    assert (d / "etc/default/qmaild").read_text() == "TCP_SERVERS=7\n"


def greeting(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        return s.recv(200)


def test_qmaild_start_status_stop(tmp_path):
    if not os.path.exists(os.path.join(BUILD, "bin", "qmail-smtpd")) or \
       not os.path.exists(os.path.join(BUILD, "bin", "qmail-popup")):
        pytest.fail("qmail-smtpd / qmail-popup not built")
    d = tmp_path / "dest"
    install(d)
    q = d / "var/qmail"
    v = d / "hsphere/local/var/vpopmail"
    (q / "control/me").write_text("mail.install.test\n")
    (v / "etc/tcp.smtp").write_text(":allow\n")
    subprocess.run([str(d / "hsphere/shared/bin/tcprules"),
                    str(v / "etc/tcp.smtp.cdb"), str(v / "etc/tcp.smtp.tmp")],
                   stdin=open(v / "etc/tcp.smtp"), check=True)
    # The programs keep their compiled-in H-Sphere paths; HSMAIL_ROOT
    # points them at the scratch tree.
    inst = tmp_path / "inst"
    inst.mkdir()
    os.symlink(q, inst / "qmail")
    os.symlink(v, inst / "vpopmail")
    os.symlink(d / "hsphere/local/var/statistic", inst / "statistic")
    (inst / "log").mkdir()
    smtp, pop3 = free_port(), free_port()
    defaults = tmp_path / "qmaild.defaults"
    defaults.write_text(
        "SMTP_RELAY=smtpauth\nTCP_SERVERS=5\n"
        "QMAIL=%s\nVPOPMAIL=%s\nSHARED_BIN=%s\nLISTEN=127.0.0.1\n"
        "SMTP_PORT=%d\nPOP3_PORT=%d\nRUNDIR=%s\n"
        % (q, v, d / "hsphere/shared/bin", smtp, pop3, tmp_path / "run"))
    env = dict(os.environ, QMAILD_DEFAULTS=str(defaults),
               HSMAIL_ROOT=str(inst))
    init = str(d / "etc/init.d/qmaild")

    def qmaild(cmd):
        return subprocess.run([init, cmd], env=env, capture_output=True,
                              text=True, timeout=60)

    try:
        r = qmaild("start")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_port(smtp)
        wait_port(pop3)
        assert greeting(smtp).startswith(b"220 ")
        assert greeting(pop3).startswith(b"+OK")
        r = qmaild("status")
        assert r.returncode == 0, r.stdout
        assert "smtp running" in r.stdout and "pop3 running" in r.stdout
    finally:
        r = qmaild("stop")
    assert r.returncode == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", smtp), timeout=2).close()
    r = qmaild("status")
    assert r.returncode == 3
    assert "smtp not running" in r.stdout


def build_vchkpwsmtp(out, root):
    """vchkpwsmtp compiled with the instance's trees as its fixed layout:
    a set-uid program ignores HSMAIL_ROOT, as the installed one does."""
    lib = [os.path.join(SRC, "src", "lib", f) for f in
           sorted(os.listdir(os.path.join(SRC, "src", "lib")))
           if f.endswith(".c") and not f.endswith("_test.c")]
    defs = ['-DHSMAIL_%s_DIR="%s/%s"' % (k, root, v) for k, v in
            (("QMAIL", "qmail"), ("VPOPMAIL", "vpopmail"),
             ("STATISTIC", "statistic"), ("LOG", "log"))]
    subprocess.run(["gcc", "-std=gnu11", "-D_GNU_SOURCE", "-O0", "-w",
                    "-I" + os.path.join(SRC, "src", "lib")] + defs +
                   ["-o", out] +
                   [os.path.join(SRC, "src", "vpop", f) for f in
                    ("vchkpw.c", "relay.c", "chkcram.c")] + lib +
                   ["-lcdb", "-lcrypt", "-lssl", "-lcrypto", "-lresolv"],
                   check=True)


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
