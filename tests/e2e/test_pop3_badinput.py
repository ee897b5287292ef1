"""POP3 bad input and session rules: commands out of order, over-long
lines, invalid message numbers, binary junk, failed logins (logged with
the IP, never the password), one session per mailbox, a disconnect
without QUIT, a crashing login program, pipelined commands."""
import os
import socket
import time

import pytest

from conftest import WAIT
from pop3util import Pop3, deliver, message


@pytest.fixture
def pop(instance, procs):
    return Pop3(instance, procs)


class Client:
    """A raw POP3 connection: send bytes, read reply lines."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.f = self.s.makefile("rb")
        self.greeting = self.line()

    def line(self):
        return self.f.readline()

    def cmd(self, text):
        self.s.sendall(text if isinstance(text, bytes) else
                       text.encode() + b"\r\n")
        return self.line()

    def multi(self):
        lines = []
        while True:
            l = self.line()
            if l in (b".\r\n", b""):
                return lines
            lines.append(l)

    def login(self, mb):
        assert self.cmd("USER " + mb.login) == b"+OK \r\n"
        assert self.cmd("PASS " + mb.password) == b"+OK \r\n"

    def close(self):
        self.f.close()
        self.s.close()


def test_out_of_order_and_junk_before_login(pop):
    pop.user("al@example.com", "pw")
    c = Client(pop.start())
    if pop.real:  # vchkpw without the clear-text column: no APOP
        assert c.greeting == b"+OK pop.example.com\r\n"
    else:
        assert c.greeting.startswith(b"+OK <") and c.greeting.endswith(
            b"@pop.example.com>\r\n")
    assert c.cmd("STAT") == b"-ERR authorization first\r\n"
    assert c.cmd("RETR 1") == b"-ERR authorization first\r\n"
    assert c.cmd("PASS pw") == b"-ERR USER first\r\n"
    assert c.cmd("USER") == b"-ERR syntax error\r\n"
    assert c.cmd("APOP al@example.com") == b"-ERR syntax error\r\n"
    assert c.cmd(b"\x00\xff\x01binary\x80junk\r\n") == \
        b"-ERR authorization first\r\n"
    assert c.cmd(b"USER a\x00b\r\n") == b"-ERR syntax error\r\n"
    assert c.cmd("X" * 5000) == b"-ERR line too long\r\n"
    assert c.cmd("NOOP") == b"+OK \r\n"
    assert c.cmd("QUIT") == b"+OK \r\n"
    assert c.line() == b""


def test_failed_logins_delayed_limited_logged(pop):
    pop.user("al@example.com", "right")
    c = Client(pop.start(env={"POP3_FAIL_MAX": "2"}))
    assert c.cmd("USER al@example.com") == b"+OK \r\n"
    assert c.cmd("PASS wrong-one") == b"-ERR [AUTH] authorization failed\r\n"
    assert c.cmd("USER al@example.com") == b"+OK \r\n"
    assert c.cmd("PASS wrong-two") == b"-ERR [AUTH] authorization failed\r\n"
    assert c.line() == b""      # the second failure ends the connection
    log = pop.logtext()
    assert "pop3 login failed user al@example.com ip 127.0.0.1" in log
    assert "too many failed logins ip 127.0.0.1" in log
    assert "wrong-one" not in log and "wrong-two" not in log


def test_failed_login_then_success(pop):
    mb = pop.user("al@example.com", "right")
    deliver(mb.maildir, message(1))
    c = Client(pop.start())
    assert c.cmd("USER al@example.com") == b"+OK \r\n"
    assert c.cmd("PASS nope") == b"-ERR [AUTH] authorization failed\r\n"
    c.login(mb)
    assert c.cmd("STAT").startswith(b"+OK 1 ")


def test_transaction_errors(pop):
    mb = pop.user("al@example.com", "pw")
    for i in range(3):
        deliver(mb.maildir, message(i), when=1700000000 + i)
    c = Client(pop.start())
    c.login(mb)
    assert c.cmd("RETR 0") == b"-ERR messages are counted from 1\r\n"
    assert c.cmd("RETR 4") == b"-ERR not that many messages\r\n"
    assert c.cmd("RETR x") == b"-ERR syntax error\r\n"
    assert c.cmd("RETR") == b"-ERR syntax error\r\n"
    assert c.cmd("DELE 99999999999999999999999") == \
        b"-ERR not that many messages\r\n"
    assert c.cmd("LIST -1") == b"-ERR syntax error\r\n"
    assert c.cmd("USER x") == b"-ERR unimplemented\r\n"
    assert c.cmd("STLS") == b"-ERR unimplemented\r\n"
    assert c.cmd(b"\xff\xfe\x00\x01\r\n") == b"-ERR unimplemented\r\n"
    assert c.cmd("DELE 2") == b"+OK \r\n"
    assert c.cmd("DELE 2") == b"-ERR already deleted\r\n"
    assert c.cmd("TOP 2 1") == b"-ERR already deleted\r\n"
    assert c.cmd("LAST") == b"+OK 2\r\n"
    assert c.cmd("LIST " + "9" * 600) == b"-ERR line too long\r\n"
    assert c.cmd("LIST 1").startswith(b"+OK 1 ")
    assert c.cmd("RSET") == b"+OK \r\n"
    assert c.cmd("LAST") == b"+OK 0\r\n"
    assert c.cmd("CAPA") == b"+OK capability list follows\r\n"
    assert b"UIDL\r\n" in c.multi()
    assert c.cmd("QUIT") == b"+OK \r\n"
    assert c.line() == b""
    assert len(mb.names("cur")) == 3


def test_disconnect_without_quit_deletes_nothing(pop):
    mb = pop.user("al@example.com", "pw")
    for i in range(3):
        deliver(mb.maildir, message(i), when=1700000000 + i)
    before = mb.names("new")
    c = Client(pop.start())
    c.login(mb)
    assert c.cmd("DELE 1") == b"+OK \r\n"
    assert c.cmd("DELE 2") == b"+OK \r\n"
    c.close()
    assert pop.wait_log("logout pop3 al@example.com ip 127.0.0.1 retr 0 "
                        "bytes 0 dele 0")
    assert mb.names("new") == before
    assert mb.names("cur") == []


def test_one_session_per_mailbox(pop):
    mb = pop.user("al@example.com", "pw")
    deliver(mb.maildir, message(1))
    port = pop.start()
    c1 = Client(port)
    c1.login(mb)
    c2 = Client(port)
    assert c2.cmd("USER al@example.com") == b"+OK \r\n"
    assert c2.cmd("PASS pw") == \
        b"-ERR [IN-USE] maildrop is locked by another session\r\n"
    assert c2.line() == b""
    assert c1.cmd("STAT").startswith(b"+OK 1 ")
    assert c1.cmd("QUIT") == b"+OK \r\n"
    c3 = Client(port)
    c3.login(mb)
    assert c3.cmd("QUIT") == b"+OK \r\n"


def test_login_program_crash(instance, procs):
    pop = Pop3(instance, procs, real=False)     # a program that crashes
    pop.user("boom@example.com", "pw", flags="crash")
    c = Client(pop.start())
    assert c.cmd("USER boom@example.com") == b"+OK \r\n"
    assert c.cmd("PASS pw") == b"-ERR aack, child crashed\r\n"
    assert c.line() == b""
    assert "pop3 child crashed user boom@example.com ip 127.0.0.1" in \
        pop.logtext()


def test_pipelined_login_and_commands(pop):
    """Commands sent ahead of the PASS answer reach qmail-pop3d."""
    mb = pop.user("al@example.com", "pw")
    texts = [message(i) for i in range(3)]
    for i, t in enumerate(texts):
        deliver(mb.maildir, t, when=1700000000 + i)
    c = Client(pop.start())
    c.s.sendall(b"USER al@example.com\r\nPASS pw\r\nSTAT\r\nRETR 2\r\n"
                b"DELE 1\r\nQUIT\r\n")
    assert c.line() == b"+OK \r\n"
    assert c.line() == b"+OK \r\n"
    # The size as sent: CRLF line ends (RFC 1939).
    assert c.line() == b"+OK 3 %d\r\n" % sum(len(t) + t.count("\n")
                                             for t in texts)
    assert c.line() == b"+OK \r\n"
    body = b"".join(c.multi())
    assert body == texts[1].replace("\n", "\r\n").encode()
    assert c.line() == b"+OK \r\n"
    assert c.line() == b"+OK \r\n"
    assert c.line() == b""
    assert len(mb.names("cur")) == 2


def test_big_message_and_dot_stuffing(pop):
    mb = pop.user("al@example.com", "pw")
    body = "".join(".%d dotted line\n" % i for i in range(20000))
    text = "Subject: big\n\n" + body + ".\n"
    deliver(mb.maildir, text)
    c = Client(pop.start())
    c.login(mb)
    assert c.cmd("RETR 1") == b"+OK \r\n"
    lines = c.multi()
    assert len(lines) == 20003
    assert lines[2] == b"..0 dotted line\r\n"
    assert lines[-1] == b"..\r\n"


def test_no_maildir(instance, procs):
    # vchkpw re-creates a missing Maildir; qmail-pop3d's own answer is
    # seen with the stand-in.
    pop = Pop3(instance, procs, real=False)
    mb = pop.user("al@example.com", "pw")
    os.rename(mb.maildir, mb.maildir + ".gone")
    c = Client(pop.start())
    assert c.cmd("USER al@example.com") == b"+OK \r\n"
    assert c.cmd("PASS pw") == b"-ERR this user has no $HOME/Maildir\r\n"


def test_pipelined_failed_login_ends_cleanly(pop):
    mb = pop.user("al@example.com", "pw")
    c = Client(pop.start())
    c.s.sendall(b"USER al@example.com\r\nPASS bad\r\nSTAT\r\n")
    assert c.line() == b"+OK \r\n"
    assert c.line() == b"-ERR [AUTH] authorization failed\r\n"
    assert c.line() == b""
    assert mb.names("new") == []


def test_failed_login_is_delayed(pop):
    """The -ERR for a wrong password comes only after the delay (a lower
    bound, so the test cannot be flaky); a good login is not delayed by
    it."""
    mb = pop.user("al@example.com", "right")
    c = Client(pop.start(env={"POP3_FAIL_DELAY": "2"}))
    assert c.cmd("USER al@example.com") == b"+OK \r\n"
    t = time.monotonic()
    assert c.cmd("PASS wrong") == b"-ERR [AUTH] authorization failed\r\n"
    assert time.monotonic() - t >= 2.0
    c.login(mb)
    assert c.cmd("QUIT") == b"+OK \r\n"


def test_failed_logins_limited_per_address(pop, instance):
    """Reconnecting does not get round the limit: after
    control/loginfail-ipmax failures from one address (counted by vchkpw,
    the limiter of every door), even the right password is refused there,
    by qmail-popup itself, without running the login program."""
    if not pop.real:
        pytest.skip("the limiter lives in vchkpw")
    instance.control("loginfail-ipmax", "2\n")
    instance.control("loginfail-delay", "0\n")
    mb = pop.user("al@example.com", "right")
    port = pop.start(env={"POP3_FAIL_MAX": "1"})
    for i in range(2):
        c = Client(port)
        assert c.cmd("USER al@example.com") == b"+OK \r\n"
        assert c.cmd("PASS wrong%d" % i) == \
            b"-ERR [AUTH] authorization failed\r\n"
        assert c.line() == b""
    c = Client(port)
    assert c.cmd("USER al@example.com") == b"+OK \r\n"
    assert c.cmd("PASS right") == (b"-ERR [AUTH] too many failed logins "
                                   b"from your address, try again later\r\n")
    assert c.line() == b""
    assert pop.wait_log("pop3 login refused user al@example.com ip "
                        "127.0.0.1: too many failed logins")
    assert "logout pop3 al@example.com" not in pop.logtext()
    # Without qmail-popup's early check, vchkpw refuses it the same way.
    c = Client(pop.start(env={"POP3_FAIL_IP_MAX": "0"}))
    assert c.cmd("USER al@example.com") == b"+OK \r\n"
    assert c.cmd("PASS right") == (b"-ERR [AUTH] too many failed logins, "
                                   b"try again later\r\n")
    del mb


def test_mailbox_fault_is_not_a_guess(pop, tmp_path):
    """A login program that fails after the password was right (vchkpw's
    5, 6, 7-10, 14: it cannot switch to the domain's ids or enter or make
    the mailbox) is not a guess: it does not count against the client's
    address, so a broken mailbox does not lock out everyone behind it."""
    prog_ = tmp_path / "chk6"
    prog_.write_text("#!/bin/sh\ncat <&3 >/dev/null\nexit 6\n")
    prog_.chmod(0o755)
    port = pop.start(env={"POP3_FAIL_MAX": "1"}, checkpw=str(prog_))
    for i in range(3):
        c = Client(port)
        assert c.cmd("USER al@example.com") == b"+OK \r\n"
        assert c.cmd("PASS right") == b"-ERR [AUTH] authorization failed\r\n"
        assert c.line() == b""
    assert "login refused" not in pop.logtext()
