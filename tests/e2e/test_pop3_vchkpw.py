"""qmail-popup with the real vchkpw in front of qmail-pop3d, users made by
vadddomain/vadduser, and the NO_POP gid flag (vmoduser -p) honoured.
Skipped until the vpop area's programs are built in this tree."""
import os
import poplib

import pytest

from conftest import BIN
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
    c = poplib.POP3("127.0.0.1", port, timeout=30)
    c.user("bob@example.com")
    c.pass_("bobpw")
    assert c.stat()[0] == 1
    c.quit()
    c = poplib.POP3("127.0.0.1", port, timeout=30)
    c.user("nopop@example.com")
    with pytest.raises(poplib.error_proto, match="authorization failed"):
        c.pass_("npw")
    c.quit()
    assert "pop3 login failed user nopop@example.com ip 127.0.0.1" in \
        pop.logtext()
