"""SRS on the forwarding path: a forward (a user's .qmail, a catch-all
that forwards) carries an SRS sender that Perl's Mail::SRS reverses to
the original; a bounce to an SRS address made by our own qmail-send is
sent on to the original sender (one handed over by a peer is rewritten
at RCPT: test_auth_smtpd.py)."""
import os
import subprocess

from vpoputil import adddomain, adduser, deliver, vpasswd

MSG = b"From: a@remote.example\nSubject: hello\n\nbody line\n"


def fake_queue(instance):
    out = instance.path("queued")
    os.makedirs(out, exist_ok=True)
    q = os.path.join(instance.qmail, "bin", "qmail-queue")
    if os.path.lexists(q):
        os.unlink(q)
    with open(q, "w") as f:
        f.write("#!/bin/sh\nn=$$\ncat > %s/$n.msg\ncat <&1 > %s/$n.env\n"
                "exit 0\n" % (out, out))
    os.chmod(q, 0o755)
    return out


def queued(out):
    res = []
    for f in sorted(os.listdir(out)):
        if f.endswith(".env"):
            res.append(open(os.path.join(out, f), "rb").read())
    return res


def perl_reverse(secret, addr):
    code = ("use Mail::SRS; print Mail::SRS->new(Secret => [$ARGV[0]])"
            "->reverse($ARGV[1]);")
    return subprocess.run(["perl", "-e", code, secret, addr],
                          capture_output=True, text=True,
                          check=True).stdout.strip()


def perl_forward(secret, sender, alias):
    code = ("use Mail::SRS; print Mail::SRS->new(Secret => [$ARGV[0]])"
            "->forward($ARGV[1], $ARGV[2]);")
    return subprocess.run(["perl", "-e", code, secret, sender, alias],
                          capture_output=True, text=True,
                          check=True).stdout.strip()


def test_forward_gets_srs_sender(instance):
    adddomain(instance, "example.com")
    adduser(instance, "joe@example.com")
    out = fake_queue(instance)
    home = [u for u in vpasswd(instance, "example.com")
            if u[0] == "joe"][0][5]
    with open(os.path.join(home, ".qmail"), "w") as f:
        f.write("&far@else.test\n")
    # No secret: the sender stays.
    assert deliver(instance, "joe", "example.com", MSG).returncode == 0
    instance.control("srs_secret", "new-secret\nold-secret\n")
    assert deliver(instance, "joe", "example.com", MSG).returncode == 0
    # A catch-all that forwards, and a bounce (null sender) forwarded.
    p = deliver(instance, "nobody", "example.com", MSG,
                fallback="catch@else.test")
    assert p.returncode == 0, p.stdout
    assert deliver(instance, "joe", "example.com", MSG,
                   env={"SENDER": ""}).returncode == 0
    envs = queued(out)
    assert len(envs) == 4
    assert any(e.startswith(b"Fsender@remote.example\0") for e in envs)
    srs = [e for e in envs if e.startswith(b"FSRS0=")]
    assert len(srs) == 2
    for e in srs:
        sender = e[1:e.index(b"\0")].decode()
        assert sender.endswith("@example.com")
        assert perl_reverse("new-secret", sender) == "sender@remote.example"
    assert b"F\0Tfar@else.test\0\0" in envs


def test_local_bounce_to_srs_address(instance):
    adddomain(instance, "example.com")
    out = fake_queue(instance)
    instance.control("srs_secret", "s3\n")
    addr = perl_forward("s3", "orig@far.test", "example.com")
    local = addr.split("@")[0]
    p = deliver(instance, local, "example.com", b"Subject: bounce\n\nx\n",
                env={"SENDER": ""})
    assert p.returncode == 0, p.stdout
    assert queued(out) == [b"F\0Torig@far.test\0\0"]
    bad = local.replace("SRS0=", "SRS0=X", 1)
    p = deliver(instance, bad, "example.com", b"x\n", env={"SENDER": ""})
    assert p.returncode == 100 and b"invalid SRS address" in p.stdout
    # An old secret still reverses; an address of another secret does not.
    instance.control("srs_secret", "s4\ns3\n")
    assert deliver(instance, local, "example.com", b"x\n",
                   env={"SENDER": ""}).returncode == 0
    other = perl_forward("zz", "orig@far.test", "example.com").split("@")[0]
    assert deliver(instance, other, "example.com", b"x\n",
                   env={"SENDER": ""}).returncode == 100
