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
