"""make run as the README promises it: a new instance with an example user,
SMTP in, submission with AUTH, POP3 out, a component that dies restarted,
and TERM stopping every process it started."""
import os
import poplib
import shlex
import shutil
import signal
import smtplib
import ssl
import subprocess
import tempfile

import pytest

from conftest import BUILD, SRC, WAIT, free_port, kill_until_gone, \
    wait_for, wait_port


def instance_pids(root):
    """Processes whose environment names this instance: by its absolute
    path, or as ./var from the directory above it (how it is started)."""
    want = ("HSMAIL_ROOT=" + root).encode()
    base = os.path.dirname(root)
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read().split(b"\0")
            if want in env or (b"HSMAIL_ROOT=./var" in env and
                               os.readlink("/proc/%s/cwd" % d) == base):
                pids.append(int(d))
        except OSError:
            pass
    return pids


def pids_named(root, name):
    out = []
    for p in instance_pids(root):
        try:
            with open("/proc/%d/comm" % p) as f:
                if f.read().strip() == name:
                    out.append(p)
        except OSError:
            pass
    return out


def start(root, ports, out):
    """scripts/run as a user starts it from a terminal, with
    HSMAIL_ROOT=./var: its own process group, HUP, INT, QUIT and TERM at
    their defaults (Ctrl-C reaches the group; make test may have been
    started with some of them ignored)."""
    assert os.path.basename(root) == "var"
    env = dict(os.environ, HSMAIL_ROOT="./var", HSMAIL_BUILD=BUILD,
               **{k: str(v) for k, v in ports.items()})

    def terminal():
        os.setpgid(0, 0)
        for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT,
                    signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
    p = subprocess.Popen([os.path.join(SRC, "scripts", "run")], env=env,
                         stdout=out, stderr=subprocess.STDOUT,
                         cwd=os.path.dirname(root), preexec_fn=terminal)
    for k in ("SMTP_PORT", "SUBMISSION_PORT", "SMTPS_PORT", "POP3_PORT",
              "POP3S_PORT", "IMAP_PORT", "IMAPS_PORT"):
        wait_port(ports[k])
    return p


@pytest.fixture
def stack(tmp_path):
    # Run by root, the mailboxes belong to nobody, who must be able to
    # reach them: pytest's own temporary tree is private to root.
    base = tempfile.mkdtemp(prefix="hsmail-run-")
    os.chmod(base, 0o755)
    root = os.path.join(base, "var")
    ports = {k: free_port() for k in ("SMTP_PORT", "SUBMISSION_PORT",
             "SMTPS_PORT", "POP3_PORT", "POP3S_PORT", "IMAP_PORT",
             "IMAPS_PORT", "WEBMAIL_PORT")}
    log = open(tmp_path / "run.out", "w")
    procs = []
    try:
        procs.append(start(root, ports, log))
        with open(os.path.join(root, ".example-user")) as f:
            user, pw = f.read().split()
        yield root, ports, user, pw, procs, tmp_path / "run.out", log
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(WAIT)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
        # Anything left (a test that failed half-way) is killed, until
        # nothing is started again.
        kill_until_gone(lambda: instance_pids(root))
        log.close()
        shutil.rmtree(base, ignore_errors=True)


def printed_commands(out):
    """The swaks and curl lines scripts/run printed, continuation lines
    joined, split as a shell would."""
    with open(out) as f:
        text = f.read().replace("\\\n", " ")
    return [shlex.split(l) for l in text.splitlines()
            if l.strip().startswith(("swaks ", "curl "))]


def pop_messages(port, user, pw):
    c = poplib.POP3("127.0.0.1", port, timeout=WAIT)
    c.user(user)
    c.pass_(pw)
    msgs = [b"\n".join(c.retr(i + 1)[1]) for i in range(c.stat()[0])]
    c.quit()
    return msgs


def test_make_run(stack):
    root, ports, user, pw, procs, out, outf = stack
    proc = procs[0]
    assert "@example.test" in user
    # Before any POP3 login (POP-before-SMTP opens relay for the
    # client's address), a stranger's message for the example user is
    # accepted and delivered...
    with smtplib.SMTP("127.0.0.1", ports["SMTP_PORT"], timeout=WAIT) as s:
        s.sendmail("friend@elsewhere.test", [user],
                   "Subject: first\r\n\r\nhello from outside\r\n")
        # ...but it may not relay.
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            s.sendmail("spam@elsewhere.test", ["victim@elsewhere.test"],
                       "Subject: relay\r\n\r\nno\r\n")
    # The password is printed, with the commands to send and read mail:
    # they work as printed.
    # (The ports answer a moment before the text is out.)
    def printed():
        with open(out) as f:
            return pw in f.read() and len(printed_commands(out)) >= 4
    wait_for(printed, what="make run's text")
    cmds = printed_commands(out)
    assert [c[0] for c in cmds] == ["swaks", "swaks", "curl", "curl"]
    for c in cmds[:2]:
        r = subprocess.run(c, capture_output=True, text=True, timeout=WAIT)
        assert r.returncode == 0, r.stdout + r.stderr
    wait_for(lambda: len([m for m in pop_messages(ports["POP3_PORT"], user,
                          pw) if b"This is a test mailing" in m]) == 2)
    r = subprocess.run(cmds[2], capture_output=True, text=True, timeout=WAIT)
    assert r.returncode == 0 and "Delivered-To: " + user in r.stdout
    msgs = wait_for(lambda: [m for m in pop_messages(ports["POP3_PORT"],
                    user, pw) if b"hello from outside" in m])
    assert b"Subject: first" in msgs[0]
    # The printed IMAP line reads the first message (UID 1) over IMAP.
    r = subprocess.run(cmds[3], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "Delivered-To: " + user in r.stdout, \
        r.stdout + r.stderr
    # Submission: AUTH over STARTTLS, then the queue delivers it.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", ports["SUBMISSION_PORT"],
                      timeout=WAIT) as s:
        s.starttls(context=ctx)
        s.login(user, pw)
        s.sendmail(user, [user], "Subject: second\r\n\r\nsubmitted\r\n")
    wait_for(lambda: any(b"submitted" in m for m in
                         pop_messages(ports["POP3_PORT"], user, pw)))
    # The admin commands work on the running instance (HSMAIL_ROOT=./var).
    env = dict(os.environ, HSMAIL_ROOT="./var")
    r = subprocess.run([os.path.join(BUILD, "bin", "vadduser"),
                        "joe@example.test", "joepw"], env=env,
                       cwd=os.path.dirname(root), capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    with smtplib.SMTP("127.0.0.1", ports["SMTP_PORT"], timeout=WAIT) as s:
        s.sendmail("friend@elsewhere.test", ["joe@example.test"],
                   "Subject: joe\r\n\r\nfor joe\r\n")
    wait_for(lambda: any(b"for joe" in m for m in
                         pop_messages(ports["POP3_PORT"], "joe@example.test",
                                      "joepw")))
    # A component that dies is started again.
    old = wait_for(lambda: pids_named(root, "qmail-send"))
    os.kill(old[0], signal.SIGKILL)
    new = wait_for(lambda: [p for p in pids_named(root, "qmail-send")
                            if p not in old])
    assert new
    with smtplib.SMTP("127.0.0.1", ports["SMTP_PORT"], timeout=WAIT) as s:
        s.sendmail("friend@elsewhere.test", [user],
                   "Subject: third\r\n\r\nafter the restart\r\n")
    wait_for(lambda: any(b"after the restart" in m for m in
                         pop_messages(ports["POP3_PORT"], user, pw)))
    with open(os.path.join(root, "log", "maillog")) as f:
        log = f.read()
    assert "exited with status" in log and "restarting" in log
    # SMTPS and POP3S, implicit TLS.
    with smtplib.SMTP_SSL("127.0.0.1", ports["SMTPS_PORT"], timeout=WAIT,
                          context=ctx) as s:
        s.login(user, pw)
        s.sendmail(user, [user], "Subject: fourth\r\n\r\nover smtps\r\n")
    wait_for(lambda: any(b"over smtps" in m for m in
                         pop_messages(ports["POP3_PORT"], user, pw)))
    c = poplib.POP3_SSL("127.0.0.1", ports["POP3S_PORT"], timeout=WAIT,
                        context=ctx)
    c.user(user)
    c.pass_(pw)
    # The message list is in the mailbox's order, not arrival order.
    assert any(b"over smtps" in b"\n".join(c.retr(i)[1])
               for i in range(1, c.stat()[0] + 1))
    c.quit()
    # Mail for the host itself reaches the example domain's postmaster.
    with smtplib.SMTP("127.0.0.1", ports["SUBMISSION_PORT"],
                      timeout=WAIT) as s:
        s.starttls(context=ctx)
        s.login(user, pw)
        s.sendmail(user, ["postmaster@mail.example.test"],
                   "Subject: pm\r\n\r\nfor the postmaster\r\n")
    wait_for(lambda: any(b"for the postmaster" in m for m in
                         pop_messages(ports["POP3_PORT"],
                                      "postmaster@example.test", pw)))
    # Ctrl-C (SIGINT to the terminal's process group) stops everything.
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(WAIT) == 0
    wait_for(lambda: not instance_pids(root))
    # Run again: the same instance, user and mail; TERM to the script
    # alone stops everything too.
    proc = start(root, dict(ports), outf)
    procs.append(proc)
    with open(os.path.join(root, ".example-user")) as f:
        assert f.read().split() == [user, pw]
    assert any(b"after the restart" in m for m in
               pop_messages(ports["POP3_PORT"], user, pw))
    # A second make run beside it says why it cannot start.
    r = subprocess.run([os.path.join(SRC, "scripts", "run")],
                       env=dict(os.environ, HSMAIL_BUILD=BUILD,
                                HSMAIL_ROOT=root,
                                **{k: str(v) for k, v in ports.items()}),
                       capture_output=True, text=True, timeout=WAIT)
    assert r.returncode == 1
    assert "is in use (another make run?)" in r.stdout
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(WAIT) == 0
    wait_for(lambda: not instance_pids(root))
    # Closing the terminal (HUP to its process group) stops it too.
    proc = start(root, dict(ports), outf)
    procs.append(proc)
    os.killpg(proc.pid, signal.SIGHUP)
    assert proc.wait(WAIT) == 0
    wait_for(lambda: not instance_pids(root))


def test_run_as_root_in_a_private_directory_then_resumed(tmp_path):
    """Run by root where nobody cannot reach the mailboxes (a clone in
    /root), make run says what to do and stops; once done, the next make
    run takes the instance up where it stopped and serves mail."""
    if os.geteuid() != 0:
        pytest.skip("the mailbox owner only matters when run as root")
    base = tempfile.mkdtemp(prefix="hsmail-run-")
    os.chmod(base, 0o700)
    root = os.path.join(base, "var")
    ports = {k: free_port() for k in ("SMTP_PORT", "SUBMISSION_PORT",
             "SMTPS_PORT", "POP3_PORT", "POP3S_PORT", "IMAP_PORT",
             "IMAPS_PORT", "WEBMAIL_PORT")}
    env = dict(os.environ, HSMAIL_ROOT=root, HSMAIL_BUILD=BUILD,
               **{k: str(v) for k, v in ports.items()})
    procs = []
    log = open(tmp_path / "run.out", "w")
    try:
        r = subprocess.run([os.path.join(SRC, "scripts", "run")], env=env,
                           capture_output=True, text=True, timeout=WAIT)
        assert r.returncode == 1
        assert "nobody cannot reach" in r.stdout and "chmod o+x" in r.stdout
        assert not os.path.exists(os.path.join(root, ".example-user"))
        os.chmod(base, 0o755)
        procs.append(start(root, ports, log))
        with open(os.path.join(root, ".example-user")) as f:
            user, pw = f.read().split()
        with smtplib.SMTP("127.0.0.1", ports["SMTP_PORT"], timeout=WAIT) as s:
            s.sendmail("friend@elsewhere.test", [user],
                       "Subject: resumed\r\n\r\nafter chmod\r\n")
        wait_for(lambda: any(b"after chmod" in m for m in
                             pop_messages(ports["POP3_PORT"], user, pw)))
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(WAIT)
        kill_until_gone(lambda: instance_pids(root))
        log.close()
        shutil.rmtree(base, ignore_errors=True)
