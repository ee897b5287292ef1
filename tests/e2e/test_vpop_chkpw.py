"""vchkpw and vchkpwsmtp end to end with the checkpassword protocol on
fd 3: login forms, environment and directory of the sub-program, exit
codes, gid flags per service, log lines without the password,
POP-before-SMTP (open-smtp and tcp.smtp.cdb through tcprules, readable by
ucspi-tcp's own tools), clearopensmtp, CRAM-MD5 with the clear column."""
import hashlib
import hmac
import os
import subprocess
import time

from vpoputil import (adddomain, adduser, cdb_read, chkpw, maillog, run,
                      vpasswd)


def make_joe(instance):
    adddomain(instance, "example.com")
    adduser(instance, "joe@example.com", "s3cret")
    return vpasswd(instance, "example.com")[0][5]


def test_login_forms(instance):
    home = make_joe(instance)
    for login in ["joe@example.com", "JOE@Example.Com", "joe%example.com",
                  "joe/example.com"]:
        rc, out, err = chkpw(instance, login, "s3cret")
        assert rc == 0, (login, err)
        assert out == "%s|joe|%s|NOLOGIN|%s\n" % (home, home, login)
    rc, out, err = chkpw(instance, "joe", "s3cret")
    assert rc == 3
    with open(os.path.join(instance.qmail, "control", "defaultdomain"),
              "w") as f:
        f.write("example.com\n")
    rc, out, err = chkpw(instance, "joe", "s3cret")
    assert rc == 0 and out.startswith(home + "|joe|")


def test_failures(instance):
    make_joe(instance)
    assert chkpw(instance, "joe@example.com", "wrong")[0] == 3
    assert chkpw(instance, "nobody@example.com", "s3cret")[0] == 3
    assert chkpw(instance, "joe@nowhere.com", "s3cret")[0] == 3
    assert chkpw(instance, "", "s3cret")[0] == 12
    assert chkpw(instance, "joe@example.com", "")[0] == 13
    assert chkpw(instance, "j oe@example.com", "x")[0] == 20
    log = maillog(instance)
    assert "vchkpw: password fail joe@example.com:192.0.2.7" in log
    assert "vchkpw: vpopmail user not found nobody@example.com:192.0.2.7" \
        in log
    assert "s3cret" not in log and "wrong" not in log
    # no fd 3 at all: 11
    p = subprocess.run([os.path.join(instance.vpopmail, "bin", "vchkpw"),
                        "/bin/true"], env=dict(instance.env,
                                               VCHKPW_FAIL_DELAY="0"),
                       stdin=subprocess.DEVNULL, capture_output=True)
    assert p.returncode == 11


def test_flags_by_service(instance):
    make_joe(instance)
    run(instance, "vmoduser", "-p", "joe@example.com", check=0)
    assert chkpw(instance, "joe@example.com", "s3cret")[0] == 1
    assert "pop3 access denied joe@example.com" in maillog(instance)
    rc, out, err = chkpw(instance, "joe@example.com", "s3cret",
                         env={"TCPLOCALPORT": "143"})
    assert rc == 0
    run(instance, "vmoduser", "-x", "-i", "joe@example.com", check=0)
    assert chkpw(instance, "joe@example.com", "s3cret",
                 env={"TCPLOCALPORT": "993"})[0] == 1
    imapd = instance.path("fake-imapd")
    os.symlink("/bin/true", imapd)
    assert chkpw(instance, "joe@example.com", "s3cret", argv=[imapd])[0] == 1
    assert chkpw(instance, "joe@example.com", "s3cret")[0] == 0
    run(instance, "vmoduser", "-x", "-w", "joe@example.com", check=0)
    assert chkpw(instance, "joe@example.com", "s3cret",
                 env={"VCHKPW_SERVICE": "webmail"})[0] == 1


def test_pop_before_smtp(instance):
    make_joe(instance)
    etc = os.path.join(instance.vpopmail, "etc")
    with open(os.path.join(etc, "tcp.smtp"), "w") as f:
        f.write("127.:allow,RELAYCLIENT=\"\"\n:allow\n")
    assert chkpw(instance, "joe@example.com", "s3cret")[0] == 0
    lines = open(os.path.join(etc, "open-smtp")).read().splitlines()
    assert len(lines) == 1
    rule, stamp = lines[0].split("\t")
    assert rule == '192.0.2.7:allow,RELAYCLIENT="",RBLSMTPD=""'
    assert abs(int(stamp) - time.time()) < 600
    recs = dict(cdb_read(os.path.join(etc, "tcp.smtp.cdb")))
    assert recs[b"192.0.2.7"] == b"+RELAYCLIENT=\0+RBLSMTPD=\0"
    assert recs[b"127."] == b"+RELAYCLIENT=\0"
    # ucspi-tcp's tcprulescheck reads our cdb
    p = subprocess.run(["tcprulescheck", os.path.join(etc, "tcp.smtp.cdb")],
                       env={"TCPREMOTEIP": "192.0.2.7"}, capture_output=True,
                       text=True)
    assert "set environment variable RELAYCLIENT" in p.stdout
    # a second login from the same IP keeps one line; another IP adds one
    chkpw(instance, "joe@example.com", "s3cret")
    chkpw(instance, "joe@example.com", "s3cret",
          env={"TCPREMOTEIP": "::ffff:198.51.100.9"})
    lines = open(os.path.join(etc, "open-smtp")).read().splitlines()
    assert [l.split(":")[0] for l in lines] == ["192.0.2.7", "198.51.100.9"]
    # NO_RELAY: login works, nothing recorded
    run(instance, "vmoduser", "-r", "joe@example.com", check=0)
    chkpw(instance, "joe@example.com", "s3cret",
          env={"TCPREMOTEIP": "203.0.113.1"})
    assert "203.0.113.1" not in open(os.path.join(etc, "open-smtp")).read()
    # clearopensmtp: expire the old entry, keep the fresh one
    old = ['192.0.2.7:allow,RELAYCLIENT="",RBLSMTPD=""\t%d' % (
        time.time() - 4 * 3600),
        '198.51.100.9:allow,RELAYCLIENT="",RBLSMTPD=""\t%d' % time.time()]
    with open(os.path.join(etc, "open-smtp"), "w") as f:
        f.write("\n".join(old) + "\n")
    run(instance, "clearopensmtp", check=0)
    assert open(os.path.join(etc, "open-smtp")).read() == old[1] + "\n"
    keys = [k for k, v in cdb_read(os.path.join(etc, "tcp.smtp.cdb"))]
    assert b"192.0.2.7" not in keys and b"198.51.100.9" in keys
    run(instance, "clearopensmtp", "0", check=0)
    assert open(os.path.join(etc, "open-smtp")).read() == ""


def test_vchkpwsmtp(instance):
    home = make_joe(instance)
    rc, out, err = chkpw(instance, "joe@example.com", "s3cret",
                         name="vchkpwsmtp")
    assert rc == 0
    assert not os.path.exists(os.path.join(instance.vpopmail, "etc",
                                           "open-smtp"))
    assert out.split("|")[0] != home     # no chdir for SMTP
    assert chkpw(instance, "joe@example.com", "bad", name="vchkpwsmtp")[0] \
        == 3
    # CRAM-MD5 needs the clear-text column
    chal = b"<1234.5678@mail.example.com>"
    dig = hmac.new(b"s3cret", chal, hashlib.md5).hexdigest()
    assert chkpw(instance, "joe@example.com", dig, name="vchkpwsmtp",
                 stamp=chal)[0] == 3
    open(os.path.join(instance.vpopmail, "etc", "clear-passwd"), "w").close()
    run(instance, "vpasswd", "joe@example.com", "s3cret", check=0)
    assert vpasswd(instance, "example.com")[0][7] == "s3cret"
    assert chkpw(instance, "joe@example.com", dig, name="vchkpwsmtp",
                 stamp=chal)[0] == 0
    assert chkpw(instance, "joe@example.com", "0" * 32, name="vchkpwsmtp",
                 stamp=chal)[0] == 3
    run(instance, "vmoduser", "-s", "joe@example.com", check=0)
    assert chkpw(instance, "joe@example.com", "s3cret",
                 name="vchkpwsmtp")[0] == 1


def test_failure_delay(instance):
    """vchkpw waits before it reports a failure (VCHKPW_FAIL_DELAY
    seconds, 2 by default): a lower bound, measured around the run."""
    make_joe(instance)
    for env, least in (({}, 2.0), ({"VCHKPW_FAIL_DELAY": "1"}, 1.0)):
        env = dict(env)
        if not env:
            env["VCHKPW_FAIL_DELAY"] = ""     # unset: the default
        t = time.monotonic()
        assert chkpw(instance, "joe@example.com", "wrong", env=env)[0] == 3
        assert time.monotonic() - t >= least


def test_vchkpwsmtp_behind_qmail_smtpd(instance, procs):
    """`qmail-smtpd vchkpwsmtp /bin/true`, as the seed runs it, with swaks
    logging in by LOGIN and CRAM-MD5 (PLAIN: test_smtpd_vpop.py); CRAM-MD5
    needs the clear-text column (vpopmail/etc/clear-passwd)."""
    from smtpdutil import Smtpd
    open(os.path.join(instance.vpopmail, "etc", "clear-passwd"),
         "w").close()
    make_joe(instance)
    s = Smtpd(instance, procs, args=("vchkpwsmtp", "/bin/true"),
              rcpthosts=None, env={"VCHKPW_FAIL_DELAY": "0"})
    for mech in ("LOGIN", "CRAM-MD5"):
        base = ["swaks", "--server", "127.0.0.1", "--port", str(s.port),
                "--from", "joe@example.com", "--to", "far@remote.example",
                "--tls", "--auth", mech, "--auth-user", "joe@example.com"]
        p = subprocess.run(base + ["--auth-password", "s3cret"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, (mech, p.stdout)
        assert "235 2.0.0 ok, go ahead (#2.0.0)" in p.stdout
        p = subprocess.run(base + ["--auth-password", "wrong"],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode != 0
        assert "535 5.7.8 authorization failed" in p.stdout
    assert len(s.messages()) == 2
    log = maillog(instance)
    assert "vchkpwsmtp: password fail joe@example.com" in log
    assert "s3cret" not in log


def test_password_scheme_file(instance):
    """~vpopmail/etc/passwd-scheme chooses the hash of every new password
    (vadddomain, vadduser, vpasswd), so a box can share vpasswd with an
    older vpopmail; each verifies through vchkpw and vchkpwsmtp.  A word
    it does not know sets no password and changes nothing."""
    scheme = os.path.join(instance.vpopmail, "etc", "passwd-scheme")
    adddomain(instance, "example.com")
    for i, (word, prefix) in enumerate((("md5-crypt", "$1$"),
                                        ("sha512-crypt", "$6$"),
                                        ("sha256-crypt", "$5$"),
                                        ("yescrypt", "$y$"))):
        with open(scheme, "w") as f:
            f.write(word + "\n")
        user = "user%d" % i
        run(instance, "vadduser", user + "@example.com", "pw-" + word,
            check=0)
        hashes = {p[0]: p[1] for p in vpasswd(instance, "example.com")}
        assert hashes[user].startswith(prefix), (word, hashes[user])
        assert chkpw(instance, user + "@example.com", "pw-" + word)[0] == 0
        assert chkpw(instance, user + "@example.com", "pw-x")[0] == 3
        assert chkpw(instance, user + "@example.com", "pw-" + word,
                     name="vchkpwsmtp", argv=["/bin/true"])[0] == 0
    # vpasswd re-hashes in the scheme in force: user0 (MD5) to yescrypt.
    run(instance, "vpasswd", "user0@example.com", "new-pw", check=0)
    hashes = {p[0]: p[1] for p in vpasswd(instance, "example.com")}
    assert hashes["user0"].startswith("$y$")
    assert chkpw(instance, "user0@example.com", "new-pw")[0] == 0
    # The other hashes still verify whatever the file says now.
    assert chkpw(instance, "user1@example.com", "pw-sha512-crypt")[0] == 0
    with open(scheme, "w") as f:
        f.write("des\n")
    before = vpasswd(instance, "example.com")
    p = run(instance, "vadduser", "late@example.com", "pw")
    assert p.returncode == 238
    assert b'unknown password scheme "des"' in p.stderr
    p = run(instance, "vpasswd", "user1@example.com", "pw")
    assert p.returncode == 238
    p = run(instance, "vadddomain", "other.example", "pw")
    assert p.returncode == 238
    assert vpasswd(instance, "example.com") == before
    assert not os.path.exists(os.path.join(instance.vpopmail, "domains",
                                           "other.example"))
