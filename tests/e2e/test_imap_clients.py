"""Real IMAP clients against imaplogin + vchkpw + imapd under tcpserver:
curl imap:// and imaps://, mbsync (isync), offlineimap3, interimap
(QRESYNC, with a second imapd as its local side), neomutt driven through
tmux, and fetchmail over IMAP."""
import os
import re
import shutil
import subprocess
import time

import pytest

from imaputil import Imap, deliver, make_cert, message, prog


@pytest.fixture
def imap(instance, procs):
    return Imap(instance, procs)


def have(p):
    if shutil.which(p) is None:
        pytest.fail("%s is not installed (deps/imap.test.apt)" % p)


def curl(args):
    return subprocess.run(["curl", "-sS", "--max-time", "30"] + args,
                          capture_output=True)


def test_curl_imap_and_imaps(imap, instance):
    have("curl")
    make_cert(instance)
    mb = imap.user("cu@example.com", "pw")
    texts = [message(i) for i in range(2)]
    for i, t in enumerate(texts):
        deliver(mb.maildir, t, when=1700000000 + i)
    port = imap.start()
    r = curl(["imap://127.0.0.1:%d/INBOX;UID=2" % port, "-u",
              "cu@example.com:pw"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.replace(b"\r\n", b"\n") == texts[1].encode()
    r = curl(["imap://127.0.0.1:%d/" % port, "-u", "cu@example.com:pw"])
    assert r.returncode == 0 and b"INBOX.Sent" in r.stdout
    r = curl(["imap://127.0.0.1:%d/INBOX" % port, "-X", "SEARCH UNSEEN",
              "-u", "cu@example.com:pw"])
    assert r.returncode == 0 and b"* SEARCH 1" in r.stdout
    r = curl(["imap://127.0.0.1:%d/INBOX;UID=1" % port, "--ssl-reqd", "-k",
              "-u", "cu@example.com:pw"])
    assert r.returncode == 0, r.stderr
    sport = imap.start(env={"IMAPS": "1"})
    r = curl(["imaps://127.0.0.1:%d/INBOX;UID=1" % sport, "-k",
              "-u", "cu@example.com:pw"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.replace(b"\r\n", b"\n") == texts[0].encode()
    r = curl(["imap://127.0.0.1:%d/INBOX;UID=1" % port,
              "-u", "cu@example.com:bad"])
    assert r.returncode != 0
    # CRAM-MD5, offered where the store keeps clear-text passwords
    open(instance.path("vpopmail", "etc", "clear-passwd"), "w").close()
    imap.vpop("vpasswd", "cu@example.com", "pw2")
    cport = imap.start()
    r = curl(["imap://127.0.0.1:%d/INBOX;UID=1" % cport, "-v",
              "-u", "cu@example.com:pw2"])
    assert r.returncode == 0, r.stderr
    assert b"AUTHENTICATE CRAM-MD5" in r.stderr
    with open(instance.path("log", "maillog")) as f:
        assert "login success imap cu@example.com:127.0.0.1" in f.read()


def test_mbsync(imap, tmp_path):
    have("mbsync")
    mb = imap.user("mbs@example.com", "pw")
    texts = [message(i) for i in range(5)]
    for i, t in enumerate(texts):
        deliver(mb.maildir, t, when=1700000000 + i)
    port = imap.start()
    local = tmp_path / "local"
    local.mkdir()
    rc = tmp_path / "mbsyncrc"
    rc.write_text(
        "IMAPAccount a\nHost 127.0.0.1\nPort %d\nUser mbs@example.com\n"
        "Pass pw\nSSLType None\nAuthMechs LOGIN\n\n"
        "IMAPStore remote\nAccount a\n\n"
        "MaildirStore local\nPath %s/\nInbox %s/INBOX\nSubFolders Verbatim\n\n"
        "Channel c\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\n"
        "Expunge Both\nSyncState *\n" % (port, local, local))
    def sync():
        r = subprocess.run(["mbsync", "-c", str(rc), "-a"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
    sync()
    got = sorted(os.listdir(local / "INBOX" / "cur") +
                 os.listdir(local / "INBOX" / "new"))
    assert len(got) == 5
    # flag one locally, sync: the server's file name carries it
    name = sorted(os.listdir(local / "INBOX" / "new") or
                  os.listdir(local / "INBOX" / "cur"))[0]
    src = local / "INBOX" / ("new" if (local / "INBOX" / "new" / name).exists()
                             else "cur") / name
    base = name.split(":")[0]
    os.rename(src, local / "INBOX" / "cur" / (base + ":2,FS"))
    sync()
    assert any(n.endswith(":2,FS") for n in mb.names("cur"))
    # a new delivery comes down; a second sync changes nothing else
    deliver(mb.maildir, message(9))
    sync()
    got = os.listdir(local / "INBOX" / "cur") + \
        os.listdir(local / "INBOX" / "new")
    assert len(got) == 6
    assert (local / "Sent").is_dir() or (local / "INBOX.Sent").is_dir()


def test_offlineimap(imap, tmp_path):
    have("offlineimap")
    mb = imap.user("oi@example.com", "pw")
    for i in range(4):
        deliver(mb.maildir, message(i), when=1700000000 + i)
    port = imap.start()
    rc = tmp_path / "oirc"
    rc.write_text(
        "[general]\naccounts = t\nmetadata = %s/meta\n\n"
        "[Account t]\nlocalrepository = L\nremoterepository = R\n\n"
        "[Repository L]\ntype = Maildir\nlocalfolders = %s/mail\n\n"
        "[Repository R]\ntype = IMAP\nremotehost = 127.0.0.1\n"
        "remoteport = %d\nremoteuser = oi@example.com\nremotepass = pw\n"
        "ssl = no\nstarttls = no\n" % (tmp_path, tmp_path, port))
    r = subprocess.run(["offlineimap", "-c", str(rc), "-o", "-u", "basic"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    inbox = tmp_path / "mail" / "INBOX"
    files = os.listdir(inbox / "cur") + os.listdir(inbox / "new")
    assert len(files) == 4
    r = subprocess.run(["offlineimap", "-c", str(rc), "-o", "-u", "basic"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr


def test_interimap_qresync(imap, tmp_path):
    have("interimap")
    mb = imap.user("ii@example.com", "pw")
    for i in range(3):
        deliver(mb.maildir, message(i), when=1700000000 + i)
    port = imap.start()
    local = tmp_path / "home" / "Maildir"
    for d in ("cur", "new", "tmp"):
        os.makedirs(local / d)
    cfgdir = tmp_path / "cfg" / "interimap"
    cfgdir.mkdir(parents=True)
    (cfgdir / "config").write_text(
        "database = %s/ii.db\n\n[local]\ntype = tunnel\ncommand = %s %s\n"
        "null-stderr = YES\n\n[remote]\ntype = imap\nhost = 127.0.0.1\n"
        "port = %d\nSTARTTLS = NO\nusername = ii@example.com\n"
        "password = pw\n" % (tmp_path, prog("imapd"), local, port))
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               XDG_DATA_HOME=str(tmp_path / "data"))

    def run():
        r = subprocess.run(["interimap"], env=env, capture_output=True,
                           text=True, timeout=180)
        assert r.returncode == 0, r.stdout + r.stderr
        return r
    run()
    files = os.listdir(local / "cur") + os.listdir(local / "new")
    assert len(files) == 3
    # a change on the server is carried over by QRESYNC's CHANGEDSINCE
    import imaplib
    c = imap.login(port, mb)
    c.select("INBOX")
    c.store("1", "+FLAGS", "(\\Flagged)")
    c.logout()
    run()
    assert any(":2,F" in n for n in os.listdir(local / "cur"))


def test_neomutt_through_tmux(imap, tmp_path):
    have("neomutt")
    have("tmux")
    mb = imap.user("nm@example.com", "pw")
    deliver(mb.maildir, "From: Alice <alice@example.org>\nSubject: "
            "hello from neomutt test\n\nthe body line\n")
    port = imap.start()
    rc = tmp_path / "muttrc"
    rc.write_text(
        "set imap_user = 'nm@example.com'\nset imap_pass = 'pw'\n"
        "set folder = 'imap://127.0.0.1:%d/'\nset spoolfile = '+INBOX'\n"
        "set ssl_starttls = no\nset ssl_force_tls = no\n"
        "set header_cache = ''\nset message_cachedir = ''\n"
        "set mail_check = 1\nset timeout = 1\nset imap_idle = yes\n"
        "set pager_stop = yes\n" % port)
    sock = str(tmp_path / "tmux.sock")
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm")
    subprocess.run(["tmux", "-S", sock, "new-session", "-d", "-x", "120",
                    "-y", "40", "neomutt", "-n", "-F", str(rc)], env=env,
                   check=True)

    def screen():
        return subprocess.run(["tmux", "-S", sock, "capture-pane", "-p"],
                              capture_output=True, text=True, env=env).stdout

    def wait(text, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            s = screen()
            if text in s:
                return s
            time.sleep(0.3)
        raise AssertionError("not on screen: %r\n%s" % (text, screen()))
    try:
        wait("hello from neomutt test")
        subprocess.run(["tmux", "-S", sock, "send-keys", "Enter"], env=env)
        wait("the body line")
        subprocess.run(["tmux", "-S", sock, "send-keys", "q"], env=env)
        # a delivery shows up in the open index
        deliver(mb.maildir, "From: Bob <bob@example.org>\nSubject: "
                "second arrival\n\nx\n")
        wait("second arrival")
        subprocess.run(["tmux", "-S", sock, "send-keys", "q"], env=env)
        time.sleep(0.5)
        subprocess.run(["tmux", "-S", sock, "send-keys", "y"], env=env)
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], env=env)
    # reading it marked it seen on the server
    assert any(n.endswith("S") for n in mb.names("cur"))


def test_fetchmail_imap(imap, instance, tmp_path):
    have("fetchmail")
    mb = imap.user("fm@example.com", "pw")
    texts = [message(i, body_lines=30) for i in range(10)]
    for i, t in enumerate(texts):
        deliver(mb.maildir, t, when=1700000000 + i)
    port = imap.start()
    out = tmp_path / "mbox"
    rc = tmp_path / "fetchmailrc"
    rc.write_text("set no syslog\npoll 127.0.0.1 with proto IMAP port %d\n"
                  "  user 'fm@example.com' there with password 'pw' is 'x' "
                  "here\n  options fetchall no sslcertck\n  mda '/bin/sh -c "
                  "\"cat >> %s; echo >> %s\"'\n" % (port, out, out))
    rc.chmod(0o600)
    env = dict(os.environ, HOME=str(tmp_path), FETCHMAILHOME=str(tmp_path))
    r = subprocess.run(["fetchmail", "-f", str(rc), "--nodetach",
                        "--nosyslog"], env=env, capture_output=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    got = out.read_text()
    for t in texts:
        assert t.split("\n\n", 1)[1] in got
    # fetchmail deletes what it took (STORE \Deleted, EXPUNGE)
    assert mb.names("new") == [] and mb.names("cur") == []
    assert imap.wait_log("logout imap fm@example.com ip 127.0.0.1 retr 10")
