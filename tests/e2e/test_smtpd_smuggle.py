"""SMTP smuggling (2023): a message whose end is hidden behind a bare LF or
a bare CR must never make a second message appear.  qmail-smtpd answers
any bare CR or LF in DATA with 451 and closes the connection, so nothing
after it is read as a command; only CRLF.CRLF ends a message."""
import pytest

from smtpdutil import Raw, Smtpd

SMUGGLED = (b"MAIL FROM:<admin@example.com>\r\n"
            b"RCPT TO:<victim@example.com>\r\n"
            b"DATA\r\n"
            b"From: admin@example.com\r\n\r\nsmuggled\r\n"
            b".\r\n")

ENDINGS = [b"\n.\n", b"\n.\r\n", b"\r.\r\n", b"\r\n.\r", b"\r\n.\n",
           b"\r.\r", b"\r.\n", b"\n.\r", b"\r\n.\r\r\n", b"\r\r\n.\r\r\n",
           b"\r\n\x00.\r\n", b"\n\n.\n\n"]


@pytest.mark.parametrize("end", ENDINGS, ids=[repr(e) for e in ENDINGS])
def test_smuggling(instance, procs, end):
    s = Smtpd(instance, procs, cert=False)
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO x")
    assert r.cmd("MAIL FROM:<a@b.example>").startswith("250")
    assert r.cmd("RCPT TO:<u@example.com>").startswith("250")
    assert r.cmd("DATA").startswith("354")
    r.send(b"Subject: first\r\n\r\nfirst" + end + SMUGGLED +
           b"QUIT\r\n")
    replies = []
    while True:
        ln = r.line()
        if ln is None:
            break
        replies.append(ln)
    msgs = s.messages()
    assert all(b"smuggled" not in m for _, m in msgs) or len(msgs) <= 1
    # Never two messages, never the smuggled envelope.
    assert len(msgs) <= 1
    assert all(b"victim" not in e for e, _ in msgs)
    if b"\x00" not in end:
        assert replies and replies[0] == \
            "451 4.5.0 See http://pobox.com/~djb/docs/smtplf.html."
        assert msgs == []


def test_crlf_dot_crlf_ends_and_pipelines(instance, procs):
    """The proper ending works, also with the next message pipelined."""
    s = Smtpd(instance, procs, cert=False)
    r = Raw(s.port)
    r.reply()
    r.cmd("EHLO x")
    r.send(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<u@example.com>\r\nDATA\r\n"
           b"Subject: one\r\n\r\none\r\n.\r\n" + SMUGGLED + b"QUIT\r\n")
    replies = [r.line() for _ in range(9)]
    assert [x[:3] for x in replies] == ["250", "250", "354", "250", "250",
                                        "250", "354", "250", "221"]
    msgs = s.messages()
    assert len(msgs) == 2
    assert msgs[0][1].endswith(b"\n\none\n")
    assert msgs[1][1].endswith(b"smuggled\n")
