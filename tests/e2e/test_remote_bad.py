"""qmail-remote against remote servers that misbehave: a garbage greeting,
a server that hangs, a megabyte-long multi-line reply, a connection closed
in the middle of DATA.  Each must end in a deferral report, never a crash.
"""
import pytest

from conftest import wait_for
from remoteutil import received, remote_env, run_remote, start_peer

MSG = b"Subject: bad remote\n\nbody\n"


@pytest.mark.parametrize("mode,want", [
    ("garbage", "ZConnected to 127.0.0.2 but greeting failed.\n"
                "Remote host said: ?\xffHELLO THERE this is not SMTP\n"),
    ("hang", "ZConnected to 127.0.0.2 but connection died. (#4.4.2)\n"),
    ("bigreply", "ZConnected to 127.0.0.2 but its reply was too long. "
                 "(#4.4.2)\n"),
])
def test_bad_greeting(instance, procs, tmp_path, mode, want):
    port, _ = start_peer(procs, tmp_path, mode)
    # Only the hanging server is to be timed out: the others answer at
    # once, but on a busy machine "at once" can take longer than 2 s.
    instance.control("timeoutremote", "2\n" if mode == "hang" else "120\n")
    recs, rc = run_remote(instance, "[127.0.0.2]", "a@example.org",
                          ["x@example.net"], MSG,
                          remote_env(instance, None, port))
    assert rc == 0
    assert recs == [want]


def test_close_in_data(instance, procs, tmp_path):
    port, _ = start_peer(procs, tmp_path, "dropdata")
    recs, rc = run_remote(instance, "[127.0.0.2]", "a@example.org",
                          ["x@example.net"], MSG * 1000,
                          remote_env(instance, None, port))
    assert rc == 0
    assert recs[0] == "r"
    assert recs[1] in (
        "ZConnected to 127.0.0.2 but connection died. (#4.4.2)\n",
        "ZConnected to 127.0.0.2 but connection died. Possible duplicate! "
        "(#4.4.2)\n")


def test_control_chars_in_address(instance):
    recs, rc = run_remote(instance, "[127.0.0.2]", "a@example.org",
                          ["x@example.net>\r\nRCPT TO:<y@example.net"], MSG,
                          remote_env(instance))
    assert rc == 0
    assert recs[0].startswith("D")


def test_helo_fallback(instance, procs, tmp_path):
    """A server that refuses EHLO gets HELO and plain MAIL/RCPT/DATA."""
    port, out = start_peer(procs, tmp_path, "heloonly")
    instance.control("helohost", "relay.example.org\n")
    recs, rc = run_remote(instance, "[127.0.0.2]", "a@example.org",
                          ["x@example.net"], MSG,
                          remote_env(instance, None, port))
    assert recs == ["r", "K127.0.0.2 accepted message.\n"
                    "Remote host said: 250 ok got it\n"]
    # The first session is wait_port's; the server logs ours at its end.
    sessions = wait_for(lambda: [r["commands"] for r in received(out)
                                 if r["commands"]], what="the session")
    cmds = sessions[0]
    assert cmds == ["EHLO relay.example.org", "HELO relay.example.org",
                    "MAIL FROM:<a@example.org>", "RCPT TO:<x@example.net>",
                    "DATA", "QUIT"]


def test_broken_tls_falls_back_to_plain(instance, procs, tmp_path):
    """Opportunistic STARTTLS that fails: the same host again without it."""
    port, out = start_peer(procs, tmp_path, "badtls")
    recs, rc = run_remote(instance, "[127.0.0.2]", "a@example.org",
                          ["x@example.net"], MSG,
                          remote_env(instance, None, port))
    assert recs == ["r", "K127.0.0.2 accepted message.\n"
                    "Remote host said: 250 ok got it\n"]
    # With verification required, a failed handshake is a deferral.
    instance.control("tlsclientverify", "verify\n")
    recs, rc = run_remote(instance, "[127.0.0.2]", "a@example.org",
                          ["x@example.net"], MSG,
                          remote_env(instance, None, port))
    assert len(recs) == 1
    assert recs[0].startswith("ZConnected to 127.0.0.2 but TLS handshake "
                              "failed")


def test_pipelining_really_pipelines(instance, procs, tmp_path):
    """With PIPELINING offered, MAIL, every RCPT and DATA go out together
    (RFC 2920); the server answers only once it has them all."""
    port, out = start_peer(procs, tmp_path, "pipelining")
    recs, rc = run_remote(instance, "[127.0.0.2]", "a@example.org",
                          ["x@example.net", "y@example.net"], MSG,
                          remote_env(instance, None, port))
    assert recs == ["r", "r", "K127.0.0.2 accepted message.\n"
                    "Remote host said: 250 ok got it\n"]
    sessions = wait_for(lambda: [r for r in received(out)
                                 if r["commands"]], what="the session")
    assert sessions[0]["pipelined"] is True
    assert sessions[0]["commands"][1:5] == [
        "MAIL FROM:<a@example.org> BODY=8BITMIME", "RCPT TO:<x@example.net>",
        "RCPT TO:<y@example.net>", "DATA"]
