"""qmail-smtpd with the real qmail-queue (an instance made by
hsmail-setup): what smtplib sends is in queue/mess and queue/todo when
the client hears 250, and a refused message leaves nothing behind."""
import os
import smtplib


from smtpdutil import Raw, Smtpd


def queue_files(inst, sub):
    out = []
    for root, _, names in os.walk(inst.path("qmail", "queue", sub)):
        out += [os.path.join(root, n) for n in names]
    return out


def test_real_queue(instance, procs):
    s = Smtpd(instance, procs, realqueue=True)
    with smtplib.SMTP("127.0.0.1", s.port) as c:
        c.ehlo("client.example")
        resp = c.sendmail("bob@remote.example", ["u@example.com"],
                          b"Subject: real\r\n\r\nreal queue\r\n")
        assert resp == {}
    mess = queue_files(instance, "mess")
    todo = queue_files(instance, "todo")
    assert len(mess) == 1 and len(todo) == 1
    with open(mess[0], "rb") as f:
        m = f.read()
    # qmail-queue's own "Received: (qmail N invoked by uid U)" comes first.
    assert m.startswith(b"Received: (qmail ")
    assert b"\nReceived: from unknown (HELO client.example) " \
        b"(127.0.0.1)\n  by mx.example.org with SMTP; " in m
    assert m.endswith(b"Subject: real\n\nreal queue\n")
    with open(todo[0], "rb") as f:
        t = f.read()
    assert b"Fbob@remote.example\0" in t and b"Tu@example.com\0" in t
    assert "qp " in s.logtext()


def test_real_queue_nothing_on_refusal(instance, procs):
    s = Smtpd(instance, procs, realqueue=True, env={"DATABYTES": "100"})
    r = Raw(s.port)
    r.reply()
    r.cmd("MAIL FROM:<a@b.example>")
    r.cmd("RCPT TO:<u@example.com>")
    assert r.cmd("DATA").startswith("354")
    r.send(b"x" * 200 + b"\r\n.\r\n")
    assert r.reply().startswith("552 ")
    r.cmd("MAIL FROM:<a@b.example>")
    r.cmd("RCPT TO:<u@example.com>")
    assert r.cmd("DATA").startswith("354")
    r.send(b"ok\r\nbare\n.\r\n")
    assert r.reply().startswith("451 4.5.0 ")
    assert queue_files(instance, "todo") == []
    assert queue_files(instance, "mess") == []
    assert queue_files(instance, "intd") == []
