"""POP3 with real clients: Python's poplib (plain, STLS, POP3_SSL), curl
pop3:// and pop3s://, and fetchmail retrieving and deleting a mailbox,
against qmail-popup + qmail-pop3d under tcpserver."""
import os
import poplib
import ssl
import subprocess

import pytest

from pop3util import Pop3, deliver, make_cert, message


def tls_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


@pytest.fixture
def pop(instance, procs):
    return Pop3(instance, procs)


def check_session(c, mb, texts):
    """STAT, LIST, UIDL, RETR, TOP, DELE and QUIT as a client sees them."""
    count, octets = c.stat()
    assert count == len(texts)
    # Sizes as sent, with CRLF line ends (RFC 1939, as Dovecot gives
    # them), though the files hold LF line ends.
    assert octets == sum(len(t) + t.count("\n") for t in texts)
    resp, lines, _ = c.list()
    assert [int(l.split()[1]) for l in lines] == \
        [len(t) + t.count("\n") for t in texts]
    resp, lines, _ = c.uidl()
    uids = [l.split()[1].decode() for l in lines]
    assert sorted(uids) == sorted(n.split(":")[0] for n in mb.names("new"))
    for i, t in enumerate(texts, 1):
        resp, lines, _ = c.retr(i)
        assert resp.startswith(b"+OK")
        assert b"\n".join(lines) + b"\n" == t.encode()
    resp, lines, _ = c.top(1, 1)
    assert lines[-1] == b"line 0 of message 0" and lines[-2] == b""
    assert c.dele(1).startswith(b"+OK")
    assert c.quit().startswith(b"+OK")


def test_poplib_plain(pop, instance):
    mb = pop.user("bob@example.com", "s3cret")
    texts = [message(i) for i in range(3)]
    names = [deliver(mb.maildir, t, when=1700000000 + i)
             for i, t in enumerate(texts)]
    quota = os.path.join(mb.maildir, "maildirsize")
    with open(quota, "w") as f:
        f.write("1000000S,100C\n%8d %4d\n" % (sum(map(len, texts)), 3))
    port = pop.start()
    c = poplib.POP3("127.0.0.1", port, timeout=30)
    assert c.getwelcome().startswith(b"+OK <")
    c.user(mb.login)
    c.pass_(mb.password)
    check_session(c, mb, texts)
    # Message 1 is gone, the others moved to cur/ with ":2,".
    assert mb.names("new") == []
    assert mb.names("cur") == sorted(n + ":2," for n in names[1:])
    # Maildir++: the deleted message comes off the quota.
    with open(quota) as f:
        deltas = [l.split() for l in f.read().splitlines()[1:]]
    assert sum(int(d[0]) for d in deltas) == sum(map(len, texts[1:]))
    assert sum(int(d[1]) for d in deltas) == 2
    assert pop.wait_log("logout pop3 bob@example.com ip 127.0.0.1 retr 4 "
                        "bytes %d dele 1" % (sum(map(len, texts)) +
                                             len("From: a@example.com\n"
                                                 "To: b@example.com\n"
                                                 "Subject: test 0\n\n"
                                                 "line 0 of message 0\n")))
    assert "s3cret" not in pop.logtext()


def test_uids_stable_across_sessions(pop):
    mb = pop.user("carol@example.com", "pw")
    for i in range(4):
        deliver(mb.maildir, message(i), when=1700000000 + i)
    port = pop.start()
    seen = []
    for _ in range(2):
        c = poplib.POP3("127.0.0.1", port, timeout=30)
        c.user(mb.login)
        c.pass_(mb.password)
        seen.append(c.uidl()[1])
        c.quit()
    assert seen[0] == seen[1]
    assert len(seen[0]) == 4


def test_poplib_stls(pop, instance):
    make_cert(instance)
    mb = pop.user("dave@example.com", "pw")
    texts = [message(i) for i in range(2)]
    for i, t in enumerate(texts):
        deliver(mb.maildir, t, when=1700000000 + i)
    port = pop.start()
    c = poplib.POP3("127.0.0.1", port, timeout=30)
    assert "STLS" in c.capa()
    c.stls(context=tls_ctx())
    assert "STLS" not in c.capa()
    c.user(mb.login)
    c.pass_(mb.password)
    check_session(c, mb, texts)
    assert len(mb.names("cur")) == 1


def test_poplib_pop3s(pop, instance):
    make_cert(instance)
    mb = pop.user("erin@example.com", "pw")
    texts = [message(i, body_lines=2000) for i in range(3)]
    for i, t in enumerate(texts):
        deliver(mb.maildir, t, when=1700000000 + i)
    port = pop.start(env={"POP3S": "1"})
    c = poplib.POP3_SSL("127.0.0.1", port, timeout=30, context=tls_ctx())
    assert c.getwelcome().startswith(b"+OK <")
    c.user(mb.login)
    c.pass_(mb.password)
    check_session(c, mb, texts)


def test_stls_without_certificate(pop):
    pop.user("fa@example.com", "pw")
    port = pop.start()
    c = poplib.POP3("127.0.0.1", port, timeout=30)
    assert "STLS" not in c.capa()
    with pytest.raises(poplib.error_proto):
        c.stls(context=tls_ctx())
    c.quit()


def curl(args):
    return subprocess.run(["curl", "-sS", "--max-time", "30"] + args,
                          capture_output=True)


def test_curl_pop3_and_pop3s(instance, procs):
    # curl logs in with APOP whenever the greeting has a timestamp: the
    # real vchkpw checks it against the clear-text column, kept when
    # vpopmail/etc/clear-passwd exists (the stand-in without vchkpw).
    pop = Pop3(instance, procs)
    if pop.real:
        open(instance.path("vpopmail", "etc", "clear-passwd"), "w").close()
    make_cert(instance)
    mb = pop.user("gina@example.com", "pw")
    texts = [message(i) for i in range(2)]
    for i, t in enumerate(texts):
        deliver(mb.maildir, t, when=1700000000 + i)
    port = pop.start()
    r = curl(["pop3://127.0.0.1:%d/" % port, "-u", "gina@example.com:pw"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split() == [
        "1", str(len(texts[0]) + texts[0].count("\n")),
        "2", str(len(texts[1]) + texts[1].count("\n"))]
    r = curl(["pop3://127.0.0.1:%d/2" % port, "-u", "gina@example.com:pw"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.replace(b"\r\n", b"\n") == texts[1].encode()
    # STLS demanded by the client.
    r = curl(["pop3://127.0.0.1:%d/1" % port, "--ssl-reqd", "-k",
              "-u", "gina@example.com:pw"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.replace(b"\r\n", b"\n") == texts[0].encode()
    sport = pop.start(env={"POP3S": "1"})
    r = curl(["pop3s://127.0.0.1:%d/1" % sport, "-k",
              "-u", "gina@example.com:pw"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.replace(b"\r\n", b"\n") == texts[0].encode()
    r = curl(["pop3://127.0.0.1:%d/" % port, "-u", "gina@example.com:bad"])
    assert r.returncode != 0
    if pop.real:
        with open(instance.path("log", "maillog")) as f:
            log = f.read()
        assert "vchkpw: login success pop3 gina@example.com:127.0.0.1" \
            in log
        assert "vchkpw: password fail gina@example.com:127.0.0.1" in log


def test_fetchmail_retrieves_and_deletes(pop, instance, tmp_path):
    make_cert(instance)     # fetchmail insists on STLS when offered
    mb = pop.user("hank@example.com", "pw")
    texts = [message(i, body_lines=50) for i in range(20)]
    texts.append("Subject: dots\n\n.\n..\n.x\nend\n")
    for i, t in enumerate(texts):
        deliver(mb.maildir, t, when=1700000000 + i)
    port = pop.start()
    out = tmp_path / "mbox"
    rc = tmp_path / "fetchmailrc"
    rc.write_text("set no syslog\npoll 127.0.0.1 with proto POP3 port %d "
                  "uidl\n  user 'hank@example.com' there with password 'pw' "
                  "is 'x' here\n  options fetchall no sslcertck\n  mda '/bin/sh -c "
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
    assert mb.names("new") == [] and mb.names("cur") == []
    assert pop.wait_log("logout pop3 hank@example.com ip 127.0.0.1 retr 21")
    assert "dele 21" in pop.logtext()


def test_stls_failed_login_then_success(pop, instance):
    make_cert(instance)
    mb = pop.user("ivy@example.com", "pw")
    deliver(mb.maildir, message(0))
    c = poplib.POP3("127.0.0.1", pop.start(), timeout=30)
    c.stls(context=tls_ctx())
    c.user(mb.login)
    with pytest.raises(poplib.error_proto, match="authorization failed"):
        c.pass_("wrong")
    c.user(mb.login)
    c.pass_(mb.password)
    assert c.stat()[0] == 1
    assert c.quit().startswith(b"+OK")


def test_require_tls(pop, instance):
    make_cert(instance)
    mb = pop.user("jo@example.com", "pw")
    deliver(mb.maildir, message(0))
    port = pop.start(env={"POP3_REQUIRE_TLS": "1"})
    c = poplib.POP3("127.0.0.1", port, timeout=30)
    caps = c.capa()
    assert "STLS" in caps and "USER" not in caps
    with pytest.raises(poplib.error_proto, match="TLS required"):
        c.user(mb.login)
    c.stls(context=tls_ctx())
    assert "USER" in c.capa()
    c.user(mb.login)
    c.pass_(mb.password)
    assert c.stat()[0] == 1
    c.quit()


def test_sizes_are_the_octets_sent(pop, instance):
    """STAT and LIST give each message's size as RETR sends it, CRLF line
    ends and all (RFC 1939), exactly: for mail vdelivermail delivered (the
    size is in its name, ",W="), and for files of a migrated box without
    it (counted), whatever line ends the file holds."""
    if not pop.real:
        pytest.skip("needs vdelivermail and vchkpw")
    from vpoputil import deliver as vdeliver
    mb = pop.user("size@example.com", "pw")
    bodies = [b"Subject: lf\n\n" + b"line\n" * 1000,
              b"Subject: crlf\r\n\r\nalready\r\ncrlf\r\n",
              b"Subject: mixed\n\nlf\r\ncrlf\n.dot\n\n"]
    for b in bodies:
        r = vdeliver(instance, "size", "example.com", b)
        assert r.returncode == 0, r.stderr
    names = mb.names("new")
    assert len(names) == 3 and all(",W=" in n for n in names)
    # A migrated box's files: qmail-local's bare name, vpopmail's ",S=".
    old = [b"Subject: old\n\nfrom 2004\n", b"Subject: old2\n\n" +
           b"x" * 1000 + b"\n" + b"y\n" * 70000]
    with open(os.path.join(mb.maildir, "cur", "1086000000.123.box:2,S"),
              "wb") as f:
        f.write(old[0])
    with open(os.path.join(mb.maildir, "cur", "1086000001.124.box,S=%d:2,"
              % len(old[1])), "wb") as f:
        f.write(old[1])
    c = poplib.POP3("127.0.0.1", pop.start(), timeout=30)
    c.user(mb.login)
    c.pass_(mb.password)
    count, total = c.stat()
    assert count == 5
    resp, lines, _ = c.list()
    sizes = [int(l.split()[1]) for l in lines]
    sent = [c.retr(i)[2] for i in range(1, count + 1)]
    assert sizes == sent and total == sum(sent)
    # The two old files come first (delivery order), counted.
    assert sizes[:2] == [len(b) + b.count(b"\n") for b in old]
    c.quit()
