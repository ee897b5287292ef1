"""Helpers for the vchkuser end-to-end tests: a store that belongs to one
user while qmail-smtpd runs as another (as root only), and a vchkuser
built with the instance's trees as its fixed layout, since a set-uid
program ignores HSMAIL_ROOT as the installed one does."""
import os
import subprocess

from conftest import TCPSERVER, build_fixed_layout, free_port, prog, \
    wait_port



def build_vchkuser(out, root):
    """vchkuser compiled with root's qmail/ and vpopmail/ as its paths."""
    build_fixed_layout(out, root, ["vpop/vchkuser.c"])


def make_store(root, env, owner):
    """example.com (joe, locked joe2, full at 90% of its quota, alias
    sales, bounce-no-mailbox) and
    catch.net (catch-all), made by the admin commands, then handed to
    owner with private directories, as vpopmail keeps them."""
    for cmd in (["vadddomain", "example.com", "pmpw"],
                ["vadduser", "joe@example.com", "joepw"],
                ["vadduser", "joe2@example.com", "joepw"],
                ["vmoduser", "-b", "joe2@example.com"],
                ["vadduser", "full@example.com", "fullpw"],
                ["vsetuserquota", "full@example.com", "1000"],
                ["vadddomain", "catch.net", "pmpw"]):
        subprocess.run([prog(cmd[0])] + cmd[1:], env=env, check=True,
                       capture_output=True)
    dom = os.path.join(root, "vpopmail", "domains")
    with open(os.path.join(dom, "example.com", ".qmail-sales"), "w") as f:
        f.write("&joe@example.com\n")
    # full@ at 90% of its quota (CHKUSER_MBXQUOTA=90 refuses it).
    with open(os.path.join(dom, "example.com", "full", "Maildir",
                           "maildirsize"), "w") as f:
        f.write("1000S\n900 1\n")
    with open(os.path.join(dom, "catch.net", ".qmail-default"), "w") as f:
        f.write("| vdelivermail '' postmaster@catch.net\n")
    for d, subdirs, files in os.walk(dom):
        os.chown(d, owner.pw_uid, owner.pw_gid)
        os.chmod(d, 0o700 if d != dom else 0o755)
        for f in files:
            os.chown(os.path.join(d, f), owner.pw_uid, owner.pw_gid)
            os.chmod(os.path.join(d, f), 0o600)


def smtpd_as(procs, env, user, logpath):
    """qmail-smtpd under tcpserver -u/-g user; the port."""
    port = free_port()
    logf = open(logpath, "ab")
    procs.start([TCPSERVER, "-H", "-R", "-l", "mx.example.org",
                 "-u", str(user.pw_uid), "-g", str(user.pw_gid),
                 "127.0.0.1", str(port), prog("qmail-smtpd")],
                env=env, stdout=subprocess.DEVNULL, stderr=logf)
    logf.close()
    wait_port(port)
    return port
