"""qmail-rspawn driven through qmail's spawn protocol: it announces its
slots, runs qmail-remote for each command, and answers each slot with one
folded K/Z/D report.
"""

from remoteutil import (Rspawn, queue_message, received, remote_env,
                        start_peer, start_unbound)

ZONE = ["ok.test. 300 IN MX 10 mx.ok.test.",
        "mx.ok.test. 300 IN A 127.0.0.2"]
MSG = b"Subject: via rspawn\n\nhello\n"


def test_rspawn_deliveries(instance, procs, tmp_path):
    dns = start_unbound(procs, tmp_path, ZONE)
    port, out = start_peer(procs, tmp_path, "rcpt550")
    m1 = queue_message(instance, 3, 26, MSG)
    m2 = queue_message(instance, 4, 27, MSG)
    rs = Rspawn(instance, remote_env(instance, dns, port))
    assert rs.slots == 255
    rs.send(0, m1, "s@example.org", "ok@ok.test")
    rs.send(7, m2, "s@example.org", "bad@ok.test")
    answers = dict(rs.answer() for _ in range(2))
    assert answers[0] == ("K127.0.0.2 accepted message.\n"
                          "Remote host said: 250 2.0.0 ok queued as 4711\n")
    assert answers[7] == ("D127.0.0.2 does not like recipient.\n"
                          "Remote host said: 550 5.1.1 no such user here\n"
                          "Giving up on 127.0.0.2.\n")
    rc, err = rs.close()
    assert rc == 0 and err == b""
    got = received(out)
    assert len(got) == 1 and got[0]["rcpt"] == ["ok@ok.test"]
    assert got[0]["data"].replace("\r\n", "\n").encode() == MSG


def test_rspawn_tempfail_folds_to_z(instance, procs, tmp_path):
    dns = start_unbound(procs, tmp_path, ZONE)
    port, out = start_peer(procs, tmp_path, "rcpt451")
    m1 = queue_message(instance, 1, 24, MSG)
    rs = Rspawn(instance, remote_env(instance, dns, port))
    rs.send(1, m1, "s@example.org", "x@ok.test")
    slot, rep = rs.answer()
    assert slot == 1
    assert rep == ("Z127.0.0.2 does not like recipient.\nRemote host said: "
                   "451 4.3.0 try again later, x@ok.test\n"
                   "Giving up on 127.0.0.2.\n")
    rs.close()


def test_rspawn_bad_commands(instance):
    m1 = queue_message(instance, 1, 24, MSG)
    rs = Rspawn(instance, remote_env(instance))
    rs.send(2, "1/x4", "s@example.org", "x@ok.test")
    assert rs.answer() == (2, "DInternal error: messid has nonnumerics. "
                              "(#5.3.5)\n")
    rs.send(3, m1, "s@example.org", "no-host")
    assert rs.answer() == (3, "DSorry, address must include host name. "
                              "(#5.1.3)\n")
    rs.send(4, "9/99", "s@example.org", "x@ok.test")
    assert rs.answer() == (4, "Zqmail-spawn unable to open message. "
                              "(#4.3.0)\n")
    rs.send(255, m1, "s@example.org", "x@ok.test")
    assert rs.answer() == (255, "ZInternal error: delnum too big. "
                                "(#4.3.5)\n")
    rc, err = rs.close()
    assert rc == 0


def test_rspawn_remote_crash(instance, tmp_path):
    m1 = queue_message(instance, 1, 24, MSG)
    env = remote_env(instance)
    script = tmp_path / "crash"
    script.write_text("#!/bin/sh\nkill -SEGV $$\n")
    script.chmod(0o755)
    env["QMAILREMOTE"] = str(script)
    rs = Rspawn(instance, env)
    rs.send(0, m1, "s@example.org", "x@ok.test")
    assert rs.answer() == (0, "Zqmail-remote crashed.\n")
    env["QMAILREMOTE"] = str(tmp_path / "missing")
    rs.close()
    rs = Rspawn(instance, env)
    rs.send(0, m1, "s@example.org", "x@ok.test")
    assert rs.answer() == (0, "DUnable to run qmail-remote.\n")
    rs.close()
