"""qmail-popup with the real vchkpw in front of qmail-pop3d, users made by
vadddomain/vadduser, and the NO_POP gid flag (vmoduser -p) honoured.
Skipped until the vpop area's programs are built in this tree."""
import os
import poplib

import pytest

from conftest import BIN, WAIT
from pop3util import Pop3, deliver, message

VPOP = ("vchkpw", "vadddomain", "vadduser", "vmoduser")
pytestmark = pytest.mark.skipif(
    not all(os.path.exists(os.path.join(BIN, p)) for p in VPOP),
    reason="vchkpw, vadddomain, vadduser, vmoduser not built yet")


def run(instance, *argv):
    import subprocess
    r = subprocess.run([os.path.join(BIN, argv[0])] + list(argv[1:]),
                       env=instance.env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_vchkpw_login_and_no_pop(instance, procs):
    pop = Pop3(instance, procs)
    run(instance, "vadddomain", "example.com", "postpw")
    run(instance, "vadduser", "bob@example.com", "bobpw")
    run(instance, "vadduser", "nopop@example.com", "npw")
    run(instance, "vmoduser", "-p", "nopop@example.com")
    md = instance.path("vpopmail", "domains", "example.com", "bob",
                       "Maildir")
    deliver(md, message(1))
    port = pop.start(checkpw=os.path.join(BIN, "vchkpw"))
    c = poplib.POP3("127.0.0.1", port, timeout=WAIT)
    c.user("bob@example.com")
    c.pass_("bobpw")
    assert c.stat()[0] == 1
    c.quit()
    c = poplib.POP3("127.0.0.1", port, timeout=WAIT)
    c.user("nopop@example.com")
    with pytest.raises(poplib.error_proto, match="authorization failed"):
        c.pass_("npw")
    c.quit()
    assert "pop3 login failed user nopop@example.com ip 127.0.0.1" in \
        pop.logtext()


def test_apop_with_clear_passwords_curl(instance, procs):
    """APOP (poplib and curl, which always uses it when the greeting has a
    timestamp) through the real vchkpw: it needs the clear-text column,
    kept when vpopmail/etc/clear-passwd exists, as vpopmail does."""
    import subprocess
    pop = Pop3(instance, procs)
    open(instance.path("vpopmail", "etc", "clear-passwd"), "w").close()
    run(instance, "vadddomain", "apop.test", "postpw")
    run(instance, "vadduser", "ann@apop.test", "annpw")
    md = instance.path("vpopmail", "domains", "apop.test", "ann", "Maildir")
    text = message(1)
    deliver(md, text)
    port = pop.start(checkpw=os.path.join(BIN, "vchkpw"))
    c = poplib.POP3("127.0.0.1", port, timeout=WAIT)
    c.apop("ann@apop.test", "annpw")
    assert c.stat()[0] == 1
    c.quit()
    r = subprocess.run(["curl", "-sS", "--max-time", "30",
                        "pop3://127.0.0.1:%d/1" % port,
                        "-u", "ann@apop.test:annpw"], capture_output=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.replace(b"\r\n", b"\n") == text.encode()
    c = poplib.POP3("127.0.0.1", port, timeout=WAIT)
    with pytest.raises(poplib.error_proto, match="authorization failed"):
        c.apop("ann@apop.test", "wrong")
    c.quit()
    # Without the clear-text column APOP cannot succeed: the greeting
    # offers no timestamp (so curl and poplib do not try it), and an
    # APOP command sent all the same is refused.
    os.unlink(instance.path("vpopmail", "etc", "clear-passwd"))
    run(instance, "vadduser", "noclear@apop.test", "ncpw")
    c = poplib.POP3("127.0.0.1", port, timeout=WAIT)
    assert b"<" not in c.getwelcome()
    with pytest.raises(poplib.error_proto, match="APOP not supported"):
        c.apop("noclear@apop.test", "ncpw")
    c.quit()
    c = poplib.POP3("127.0.0.1", port, timeout=WAIT)
    with pytest.raises(poplib.error_proto, match="authorization failed"):
        c._shortcmd("APOP noclear@apop.test " + "0" * 32)
    c.quit()
    r = subprocess.run(["curl", "-sS", "--max-time", "30",
                        "pop3://127.0.0.1:%d/" % port,
                        "-u", "noclear@apop.test:ncpw"], capture_output=True)
    assert r.returncode == 0, r.stderr
    c = poplib.POP3("127.0.0.1", port, timeout=WAIT)
    c.user("noclear@apop.test")
    c.pass_("ncpw")
    c.quit()
