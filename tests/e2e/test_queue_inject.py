"""qmail-inject and sendmail end to end: recipients from arguments or
headers, Bcc removed, Date / Message-ID / From added, qualification with
the control files, envelope sender, $QMAILQUEUE."""
import os
import re
import subprocess

from conftest import prog
import queueutil as qu


def inject(instance, args, msg, name="qmail-inject", env=None):
    e = dict(env or instance.env)
    e.update({"USER": "joe", "LOGNAME": "joe"})
    for k in ("QMAILUSER", "QMAILHOST", "MAILUSER", "MAILHOST", "NAME",
              "QMAILNAME", "MAILNAME", "QMAILSUSER", "QMAILSHOST",
              "QMAILQUEUE"):
        e.pop(k, None)
    if env:
        e.update({k: v for k, v in env.items() if k.startswith(("QMAIL",
                                                                  "NAME"))})
    return subprocess.run([prog(name)] + args, input=msg,
                          capture_output=True, env=e)


def queued(queue):
    todo = qu.files(queue, "todo")
    assert len(todo) == 1
    ino = int(todo[0].split("/")[1])
    mess = qu.read(queue, "mess/%d/%d" % (ino % 23, ino))
    env = qu.read(queue, todo[0]).split(b"\0")
    return mess.split(b"\n", 1)[1], env


def mkqueue(instance):
    queue = qu.setup(instance, me="box.example.org")
    instance.control("defaultdomain", "example.org\n")
    instance.control("idhost", "id.example.org\n")
    return queue


def test_args_and_added_headers(instance):
    queue = mkqueue(instance)
    p = inject(instance, ["bob", "carol@mail"], b"Subject: hi\n\nbody\n")
    assert p.returncode == 0, p.stderr
    mess, env = queued(queue)
    assert env[2] == b"Fjoe@box.example.org"
    assert env[3:] == [b"Tbob@box.example.org", b"Tcarol@mail.example.org",
                       b"", b""][:len(env) - 3]
    hdr, body = mess.split(b"\n\n", 1)
    assert body == b"body\n"
    assert hdr.startswith(b"Subject: hi\n")
    assert re.search(rb"^Date: \d{1,2} [A-Z][a-z]{2} \d{4} "
                     rb"\d\d:\d\d:\d\d -0000$", hdr, re.M)
    assert re.search(rb"^Message-ID: <\d+\.\d+\.qmail@id\.example\.org>$",
                     hdr, re.M)
    assert re.search(rb"^From: joe@box\.example\.org$", hdr, re.M)


def test_headers_bcc_removed(instance):
    queue = mkqueue(instance)
    msg = (b"From: Joe <joe@x.example>\nTo: \"A, B\" <a@x.example>,\n"
           b"  c@y (C)\nCc: d\nBcc: secret@z.example\nDate: 1 Jan 2020 "
           b"00:00:00 -0000\nMessage-ID: <m@x>\n\nbody\n")
    p = inject(instance, [], msg)
    assert p.returncode == 0, p.stderr
    mess, env = queued(queue)
    rcpts = [r for r in env[3:] if r]
    assert rcpts == [b"Ta@x.example", b"Tc@y.example.org",
                     b"Td@box.example.org", b"Tsecret@z.example"]
    assert b"secret" not in mess
    assert b"Bcc" not in mess
    assert mess.count(b"Date:") == 1 and mess.count(b"Message-ID:") == 1
    assert mess.count(b"From:") == 1


def test_resent_headers_win(instance):
    queue = mkqueue(instance)
    msg = (b"To: old@x.example\nResent-To: new@x.example\n\nb\n")
    p = inject(instance, [], msg)
    assert p.returncode == 0, p.stderr
    _, env = queued(queue)
    assert [r for r in env[3:] if r] == [b"Tnew@x.example"]


def test_sendmail_t_f_F(instance):
    queue = mkqueue(instance)
    p = inject(instance, ["-t", "-i", "-oi", "-f", "bounce@x.example",
                          "-F", "Joe Q. User", "extra@x.example"],
               b"To: a@x.example\n\nhello\n.\nmore\n", name="sendmail")
    assert p.returncode == 0, p.stderr
    mess, env = queued(queue)
    assert env[2] == b"Fbounce@x.example"
    assert [r for r in env[3:] if r] == [b"Textra@x.example",
                                         b"Ta@x.example"]
    assert b"\nFrom: \"Joe Q. User\" <joe@box.example.org>\n" in mess
    assert mess.endswith(b"\n\nhello\n.\nmore\n")       # dots kept


def test_sendmail_args_only(instance):
    queue = mkqueue(instance)
    p = inject(instance, ["a@x.example"], b"To: b@x.example\n\nhi\n",
               name="sendmail")
    assert p.returncode == 0, p.stderr
    _, env = queued(queue)
    assert [r for r in env[3:] if r] == [b"Ta@x.example"]


def test_no_recipients(instance):
    mkqueue(instance)
    p = inject(instance, [], b"Subject: x\n\nb\n")
    assert p.returncode == 100
    assert b"no recipients" in p.stderr


def test_print_only(instance):
    queue = mkqueue(instance)
    p = inject(instance, ["-n", "a"], b"Subject: x\n\nb\n")
    assert p.returncode == 0
    assert p.stdout.startswith(b"Subject: x\nDate: ")
    assert p.stdout.endswith(b"\n\nb\n")
    assert qu.files(queue) == []


def test_qmailqueue_variable(instance, tmp_path):
    mkqueue(instance)
    fake = tmp_path / "fakeqq"
    out = tmp_path / "out"
    fake.write_text("#!/bin/sh\ncat > %s.msg\ncat <&1 > %s.env\nexit 0\n"
                    % (out, out))
    os.chmod(fake, 0o755)
    p = inject(instance, ["a@x.example"], b"Subject: s\n\nb\n",
               env=dict(instance.env, QMAILQUEUE=str(fake)))
    assert p.returncode == 0, p.stderr
    assert open(str(out) + ".env", "rb").read() == \
        b"Fjoe@box.example.org\0Ta@x.example\0\0"


def test_queue_failure_is_reported(instance):
    # No queue directory: qmail-queue exits 62, a temporary failure.
    instance.control("me", "box.example.org\n")
    p = inject(instance, ["a@x.example"], b"\nb\n")
    assert p.returncode == 111
    assert b"qq trouble creating files in queue" in p.stderr


def test_large_body_streamed(instance):
    queue = mkqueue(instance)
    body = b"".join(b"line %d\n" % i for i in range(400000))   # ~4.5 MB
    p = inject(instance, ["a@x.example"], b"Subject: big\n\n" + body)
    assert p.returncode == 0, p.stderr
    mess, _ = queued(queue)
    assert mess.endswith(b"\n\n" + body)
    assert mess.startswith(b"Subject: big\n")


def test_no_blank_line_and_empty(instance):
    queue = mkqueue(instance)
    p = inject(instance, ["-n", "a"], b"Subject: s\nnot a header line\nmore\n")
    assert p.returncode == 0
    assert p.stdout.startswith(b"Subject: s\nDate: ")
    assert p.stdout.endswith(b"\n\nnot a header line\nmore\n")
    p = inject(instance, ["a@x.example"], b"")
    assert p.returncode == 0, p.stderr
    mess, _ = queued(queue)
    assert mess.startswith(b"Date: ") and mess.endswith(b"\n\n")


def test_header_too_long(instance):
    mkqueue(instance)
    p = inject(instance, ["a@x.example"], b"X-A: b\n" * 1300000)
    assert p.returncode == 100
    assert b"header too long" in p.stderr


def test_header_addresses_qualified(instance):
    queue = mkqueue(instance)
    msg = (b"From: joe (Joe)\nTo: Bob <bob>, carol@mail,\n\tdave@x.example\n"
           b"Cc: team: erin;\nSubject: bob, carol\n\nbody bob\n")
    p = inject(instance, [], msg)
    assert p.returncode == 0, p.stderr
    mess, env = queued(queue)
    hdr = mess.split(b"\n\n", 1)[0] + b"\n"
    assert b"From: joe@box.example.org (Joe)\n" in hdr
    assert (b"To: Bob <bob@box.example.org>, carol@mail.example.org,\n"
            b"\tdave@x.example\n") in hdr
    assert b"Cc: team: erin@box.example.org;\n" in hdr
    assert b"Subject: bob, carol\n" in hdr               # not an address
    assert mess.endswith(b"\n\nbody bob\n")
    assert [r for r in env[3:] if r] == [
        b"Tbob@box.example.org", b"Tcarol@mail.example.org",
        b"Tdave@x.example", b"Terin@box.example.org"]


def test_bad_bytes_kept_not_fatal(instance):
    """NUL bytes, bare CR, 8-bit headers and a 3 MB line are queued as
    they are (qmail-inject is not a content filter); an address over
    qmail's limit is refused with exit 100 and a clear message."""
    queue = mkqueue(instance)
    msg = (b"Subject: a\0b \xc3\xa9t\xc3\xa9\nX-Raw: cr\rhere\n\n"
           b"body\0nul\rbare cr\n" + b"y" * 3000000 + b"\n")
    p = inject(instance, ["a@x.example"], msg)
    assert p.returncode == 0, p.stderr
    mess, env = queued(queue)
    assert b"Subject: a\0b \xc3\xa9t\xc3\xa9\nX-Raw: cr\rhere\n" in mess
    assert mess.endswith(b"\n\nbody\0nul\rbare cr\n" + b"y" * 3000000 +
                         b"\n")
    assert [r for r in env[3:] if r] == [b"Ta@x.example"]
    p = inject(instance, ["a" * 5000 + "@x.example"], b"\nx\n")
    assert p.returncode == 100
    assert p.stderr.startswith(b"qmail-inject: fatal: address too long: ")
    assert len(qu.files(queue, "todo")) == 1          # nothing more queued


def test_sendmail_bp_bs_and_ignored_options(instance):
    """qmail's sendmail: -bp runs qmail-qread, -bs runs qmail-smtpd; the
    options scripts pass (-oi, -oem, -odb, -x, -e, -p ...) are ignored."""
    queue = mkqueue(instance)
    p = inject(instance, ["-oi", "-oem", "-odb", "-x", "-e", "m", "-p",
                          "esmtp", "-t"], b"To: a@x.example\n\nhi\n",
               name="sendmail")
    assert p.returncode == 0, p.stderr
    assert len(qu.files(queue, "todo")) == 1
    p = inject(instance, ["-bp"], b"", name="sendmail")
    q = subprocess.run([prog("qmail-qread")], capture_output=True,
                       env=instance.env)
    assert (p.returncode, p.stdout) == (q.returncode, q.stdout)
    p = inject(instance, ["-bs"], b"QUIT\r\n", name="sendmail")
    assert p.stdout.startswith(b"220 box.example.org ESMTP")
    assert b"\r\n221 " in p.stdout
