"""make run as the README promises it: a new instance with an example user,
SMTP in, submission with AUTH, POP3 out, a component that dies restarted,
and TERM stopping every process it started."""
import os
import poplib
import shutil
import signal
import smtplib
import ssl
import subprocess
import tempfile
import time

import pytest

from conftest import BUILD, SRC, free_port, wait_port


def instance_pids(root):
    """Processes whose environment names this instance."""
    want = ("HSMAIL_ROOT=" + root).encode()
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                if want in f.read().split(b"\0"):
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


def wait_for(cond, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise TimeoutError("condition not met in %ds" % timeout)


@pytest.fixture
def stack(tmp_path):
    # Run by root, the mailboxes belong to nobody, who must be able to
    # reach them: pytest's own temporary tree is private to root.
    base = tempfile.mkdtemp(prefix="hsmail-run-")
    os.chmod(base, 0o755)
    root = os.path.join(base, "var")
    ports = {k: free_port() for k in ("SMTP_PORT", "SUBMISSION_PORT",
             "SMTPS_PORT", "POP3_PORT", "POP3S_PORT", "IMAP_PORT",
             "IMAPS_PORT")}
    env = dict(os.environ, HSMAIL_ROOT=root, HSMAIL_BUILD=BUILD,
               **{k: str(v) for k, v in ports.items()})
    log = open(tmp_path / "run.out", "w")
    p = subprocess.Popen([os.path.join(SRC, "scripts", "run")], env=env,
                         stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    try:
        for k in ("SMTP_PORT", "SUBMISSION_PORT", "POP3_PORT"):
            wait_port(ports[k], timeout=120)
        with open(os.path.join(root, ".example-user")) as f:
            user, pw = f.read().split()
        yield root, ports, user, pw, p
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        for pid in instance_pids(root):
            os.kill(pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(base, ignore_errors=True)


def pop_messages(port, user, pw):
    c = poplib.POP3("127.0.0.1", port, timeout=30)
    c.user(user)
    c.pass_(pw)
    msgs = [b"\n".join(c.retr(i + 1)[1]) for i in range(c.stat()[0])]
    c.quit()
    return msgs


def test_make_run(stack):
    root, ports, user, pw, proc = stack
    assert "@example.test" in user
    # A stranger's message for the example user is accepted and delivered.
    with smtplib.SMTP("127.0.0.1", ports["SMTP_PORT"], timeout=30) as s:
        s.sendmail("friend@elsewhere.test", [user],
                   "Subject: first\r\n\r\nhello from outside\r\n")
        # ...but it may not relay.
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            s.sendmail("spam@elsewhere.test", ["victim@elsewhere.test"],
                       "Subject: relay\r\n\r\nno\r\n")
    msgs = wait_for(lambda: [m for m in pop_messages(ports["POP3_PORT"],
                    user, pw) if b"hello from outside" in m])
    assert b"Subject: first" in msgs[0]
    # Submission: AUTH over STARTTLS, then the queue delivers it.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", ports["SUBMISSION_PORT"], timeout=30) as s:
        s.starttls(context=ctx)
        s.login(user, pw)
        s.sendmail(user, [user], "Subject: second\r\n\r\nsubmitted\r\n")
    wait_for(lambda: any(b"submitted" in m for m in
                         pop_messages(ports["POP3_PORT"], user, pw)))
    # The admin commands work on the running instance.
    env = dict(os.environ, HSMAIL_ROOT=root)
    r = subprocess.run([os.path.join(BUILD, "bin", "vadduser"),
                        "joe@example.test", "joepw"], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with smtplib.SMTP("127.0.0.1", ports["SMTP_PORT"], timeout=30) as s:
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
    with smtplib.SMTP("127.0.0.1", ports["SMTP_PORT"], timeout=30) as s:
        s.sendmail("friend@elsewhere.test", [user],
                   "Subject: third\r\n\r\nafter the restart\r\n")
    wait_for(lambda: any(b"after the restart" in m for m in
                         pop_messages(ports["POP3_PORT"], user, pw)))
    with open(os.path.join(root, "log", "maillog")) as f:
        log = f.read()
    assert "exited with status" in log and "restarting" in log
    # TERM stops everything it started.
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(60)
    wait_for(lambda: not instance_pids(root), timeout=30)
