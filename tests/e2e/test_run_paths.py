"""Every path a message can take on the instance make run starts, run as
root as an administrator runs it first (then the mailboxes belong to
nobody and the queue to root): forwards by valias and by a user's .qmail,
a catch-all, an alias domain, bounces and double bounces, an auto-reply
sent by a .qmail program, and a message injected by the mailbox user
with sendmail.  Each first line of the queue names who queued it."""
import os
import pwd
import re
import smtplib
import ssl
import subprocess

from conftest import BUILD
from test_run import pop_messages, stack, wait_for  # noqa: F401 (fixture)


def bin_(name):
    return os.path.join(BUILD, "bin", name)


def admin(root, *argv):
    env = dict(os.environ, HSMAIL_ROOT=root)
    r = subprocess.run([bin_(argv[0])] + list(argv[1:]), env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def mailbox_user(root):
    st = os.stat(os.path.join(root, "vpopmail", "domains"))
    return pwd.getpwuid(st.st_uid).pw_name


def as_mailbox_user(root, argv, **kw):
    """argv run as the mailbox owner (nobody when make run runs as root),
    as a delivery or a customer's shell would run it."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", mailbox_user(root), "--"] + argv
    return subprocess.run(argv, **kw)


def write_owned(root, path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    st = os.stat(os.path.dirname(path))
    os.chown(path, st.st_uid, st.st_gid)


def first_received(msg):
    m = re.search(rb"^Received: \(qmail \d+ invoked ([^)]*)\)", msg, re.M)
    assert m, msg[:600]
    return m.group(1).decode()


def find(port, user, pw, needle):
    return wait_for(lambda: [m for m in pop_messages(port, user, pw)
                             if needle in m], timeout=90)[0]


def test_every_path_on_the_run_instance(stack):
    root, ports, user, pw, procs, out, outf = stack
    pop = ports["POP3_PORT"]
    dom = os.path.join(root, "vpopmail", "domains", "example.test")
    q = os.path.join(root, "qmail")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    mu = pwd.getpwnam(mailbox_user(root)).pw_uid

    # Forwards: a valias alias, and a mailbox whose own .qmail forwards.
    admin(root, "valias", "-i", "&" + user, "fw-alias@example.test")
    admin(root, "vadduser", "fwd@example.test", "fwdpw")
    write_owned(root, os.path.join(dom, "fwd", ".qmail"), "&%s\n" % user)
    # A catch-all domain: every address of it goes to the example user
    # (vdelivermail forwards it itself).
    admin(root, "vadddomain", "-e", user, "catch.test", "pmpw")
    # An auto-reply: a .qmail program that answers the sender through
    # qmail-inject, as a vacation program does, then the mailbox.
    admin(root, "vadduser", "away@example.test", "awaypw")
    awaydir = os.path.join(dom, "away")
    write_owned(root, os.path.join(awaydir, ".qmail"),
                "|printf 'To: %%s\\nSubject: away\\n\\nauto reply\\n' "
                "\"$SENDER\" | %s -f '' \"$SENDER\"\n%s/Maildir/\n"
                % (os.path.join(q, "bin", "qmail-inject"), awaydir))

    with smtplib.SMTP("127.0.0.1", ports["SMTP_PORT"], timeout=30) as s:
        s.sendmail("friend@elsewhere.test", ["fw-alias@example.test"],
                   "Subject: via valias\r\n\r\nforwarded by valias\r\n")
        s.sendmail("friend@elsewhere.test", ["fwd@example.test"],
                   "Subject: via dotqmail\r\n\r\nforwarded by .qmail\r\n")
        s.sendmail("friend@elsewhere.test", ["anyone@catch.test"],
                   "Subject: catch\r\n\r\ncaught by the catch-all\r\n")
        s.sendmail("friend@elsewhere.test", ["demo@mail.example.test"],
                   "Subject: alias\r\n\r\nthrough the alias domain\r\n")
        # chkuser (on in make run) refuses an unknown local recipient
        # from a client that may not relay: no bounce is made.
        s.mail("ghost@example.test")
        assert s.rcpt("nobody-here@example.test")[0] == 550
        s.rset()
    # A local sender that does not exist, injected on the box: its bounce
    # bounces, and the double bounce goes to the postmaster of the host
    # name.
    r = as_mailbox_user(root, [os.path.join(q, "bin", "sendmail"), "-f",
                               "ghost@example.test",
                               "nobody-here@example.test"],
                        input="Subject: double\n\ndouble bounce me\n",
                        env=dict(os.environ, HSMAIL_ROOT=root),
                        capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    with smtplib.SMTP("127.0.0.1", ports["SUBMISSION_PORT"],
                      timeout=30) as s:
        s.starttls(context=ctx)
        s.login(user, pw)
        s.sendmail(user, ["no-such-user@example.test"],
                   "Subject: lost\r\n\r\nbounce me back\r\n")
        s.sendmail(user, ["away@example.test"],
                   "Subject: hello away\r\n\r\nare you there\r\n")

    m = find(pop, user, pw, b"forwarded by valias")
    assert first_received(m) == "by uid %d" % mu
    assert b"Delivered-To: example.test-fw-alias@example.test" in m
    m = find(pop, user, pw, b"forwarded by .qmail")
    assert first_received(m) == "by uid %d" % mu
    m = find(pop, user, pw, b"caught by the catch-all")
    assert first_received(m) == "by uid %d" % mu
    m = find(pop, user, pw, b"through the alias domain")
    # Mail from the network says so, whoever runs the instance.
    assert first_received(m) == "from network"
    m = find(pop, user, pw, b"bounce me back")
    assert b"Subject: failure notice" in m
    assert b"no-such-user@example.test" in m
    assert first_received(m) == "for bounce"
    m = find(pop, "postmaster@example.test", pw, b"double bounce me")
    assert b"Subject: failure notice" in m
    assert first_received(m) == "for bounce"
    m = find(pop, user, pw, b"auto reply")
    assert first_received(m) == "by uid %d" % mu
    find(pop, "away@example.test", "awaypw", b"are you there")

    # A message the mailbox user injects with sendmail, as a customer's
    # script would.
    env = dict(os.environ, HSMAIL_ROOT=root)
    r = as_mailbox_user(root, [os.path.join(q, "bin", "sendmail"), "-t"],
                        input="To: %s\nSubject: local\n\ninjected "
                        "locally\n" % user, env=env, capture_output=True,
                        text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    m = find(pop, user, pw, b"injected locally")
    assert first_received(m) == "by uid %d" % mu
    # Nothing waits in the queue: every path ended in a mailbox.
    r = subprocess.run([bin_("qmail-qstat")], env=env, capture_output=True,
                       text=True, timeout=60)
    assert "messages in queue: 0" in r.stdout, r.stdout
    with open(os.path.join(root, "log", "maillog")) as f:
        log = f.read()
    assert "deferral" not in log, [l for l in log.splitlines()
                                   if "deferral" in l]
