"""Helpers for the vpop end-to-end tests: run the admin commands, deliver
with vdelivermail as qmail-local would, log in through vchkpw with fd 3,
and read the store's files (vpasswd, cdb) the way other programs do."""
import glob
import os
import subprocess
import struct

from conftest import WAIT, prog


def run(instance, name, *args, stdin=None, env=None, check=None):
    """Run a vpop program in the instance; returns CompletedProcess."""
    e = dict(instance.env)
    e.update(env or {})
    p = subprocess.run([prog(name)] + list(args), env=e, input=stdin,
                       capture_output=True, timeout=120)
    if check is not None:
        assert p.returncode == check, (name, args, p.returncode, p.stdout,
                                       p.stderr)
    return p


def domain_ids():
    """The uid/gid vadddomain gives a new domain: user vpopmail when run as
    root and that user exists, else the caller."""
    import pwd
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("vpopmail")
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            pass
    return os.geteuid(), os.getegid()


def adddomain(instance, domain, password="pm-secret", *opts):
    run(instance, "vadddomain", *opts, domain, password, check=0)


def adduser(instance, email, password="secret", *opts):
    run(instance, "vadduser", *opts, email, password, check=0)


def domdir(instance, domain):
    return os.path.join(instance.vpopmail, "domains", domain)


def vpasswd(instance, domain, path=None):
    """The vpasswd lines of a domain as lists of fields."""
    path = path or os.path.join(domdir(instance, domain), "vpasswd")
    with open(path) as f:
        return [l.rstrip("\n").split(":") for l in f if l.strip()]


def cdb_read(path):
    """Every record of a cdb file (the format of D. J. Bernstein)."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    end = min(struct.unpack("<I", data[i * 8:i * 8 + 4])[0]
              for i in range(256))
    pos = 2048
    while pos < end:
        kl, dl = struct.unpack("<II", data[pos:pos + 8])
        out.append((data[pos + 8:pos + 8 + kl],
                    data[pos + 8 + kl:pos + 8 + kl + dl]))
        pos += 8 + kl + dl
    return out


def deliver(instance, user, domain, message, fallback="bounce-no-mailbox",
            env=None):
    """Run vdelivermail as qmail-local does for user@domain."""
    e = {"EXT": user, "HOST": domain, "SENDER": "sender@remote.example",
         "RPLINE": "Return-Path: <sender@remote.example>\n",
         "DTLINE": "Delivered-To: %s-%s@%s\n" % (domain, user, domain)}
    e.update(env or {})
    return run(instance, "vdelivermail", "", fallback, stdin=message, env=e)


def maildir_messages(path):
    """Contents of new/ and cur/ of a maildir, sorted by name."""
    files = sorted(glob.glob(os.path.join(path, "new", "*")) +
                   glob.glob(os.path.join(path, "cur", "*")))
    out = []
    for f in files:
        with open(f, "rb") as fh:
            out.append(fh.read())
    return out


def chkpw(instance, login, password, name="vchkpw", argv=None, env=None,
          stamp=b""):
    """Log in through vchkpw: data on fd 3, then the sub-program runs."""
    r, w = os.pipe()
    data = login.encode() + b"\0" + password.encode() + b"\0" + stamp + b"\0"
    os.write(w, data)
    os.close(w)
    e = dict(instance.env)
    e.update({"TCPREMOTEIP": "192.0.2.7", "VCHKPW_FAIL_DELAY": "0"})
    e.update(env or {})
    argv = argv or ["/bin/sh", "-c",
                    'echo "$PWD|$USER|$HOME|$SHELL|$VPOPUSER"']
    try:
        p = subprocess.Popen([prog(name)] + argv, env=e, pass_fds=(r, 3),
                             preexec_fn=lambda: os.dup2(r, 3),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(timeout=WAIT)
    finally:
        os.close(r)
    return p.returncode, out.decode(), err.decode()


def maillog(instance):
    path = os.path.join(instance.log, "maillog")
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()
