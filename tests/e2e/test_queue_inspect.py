"""qmail-qstat, qmail-qread and qmail-showctl against a real queue and
control directory."""
import os
import subprocess

from conftest import prog
import queueutil as qu


def run(instance, name):
    p = subprocess.run([prog(name)], capture_output=True, env=instance.env)
    return p.returncode, p.stdout.decode()


def test_qstat(instance):
    qu.setup(instance)
    assert run(instance, "qmail-qstat") == (0, (
        "messages in queue: 0\n"
        "messages in queue but not yet preprocessed: 0\n"))
    for i in range(3):
        assert qu.qq(instance, b"x\n", qu.envelope("a", ["b"]))[0] == 0
    assert run(instance, "qmail-qstat") == (0, (
        "messages in queue: 3\n"
        "messages in queue but not yet preprocessed: 3\n"))


def test_qread(instance):
    queue = qu.setup(instance)

    def put(rel, data, mtime=None):
        p = os.path.join(queue, rel)
        with open(p, "wb") as f:
            f.write(data)
        if mtime:
            os.utime(p, (mtime, mtime))

    put("mess/1/24", b"x" * 123)
    put("info/1/24", b"Fsender@x.example\0", 1186048801)
    put("local/1/24", b"Ta@b.example\0Dc@d\x01\0")
    put("remote/1/24", b"Te@f.example\0")
    put("mess/2/2", b"y" * 5)
    put("info/2/2", b"F\0", 86400)
    put("bounce/2", b"r:\nreport\n\n")
    rc, out = run(instance, "qmail-qread")
    assert rc == 0
    assert out == (
        "2 Jan 1970 00:00:00 GMT  #2  5  <>  bouncing\n"
        "2 Aug 2007 10:00:01 GMT  #24  123  <sender@x.example> \n"
        "\tlocal\ta@b.example\n"
        "  done\tlocal\tc@d_\n"
        "\tremote\te@f.example\n")


def test_showctl(instance):
    qu.setup(instance, me="box.example.org")
    instance.control("rcpthosts", "example.com\n.example.net\n")
    instance.control("concurrencyremote", "55\n")
    instance.control("mystery", "x\n")
    rc, out = run(instance, "qmail-showctl")
    assert rc == 0
    assert "subdirectory split: 23.\n" in out
    assert "silent concurrency limit: 255.\n" in out
    assert "\nme: My name is box.example.org.\n" in out
    assert ("\nrcpthosts: \nSMTP clients may send messages to recipients "
            "at:\nexample.com\n.example.net\n") in out
    assert "\nconcurrencyremote: Remote concurrency is 55.\n" in out
    assert "\nconcurrencylocal: (Default.) Local concurrency is 10.\n" in out
    assert ("\nbadmailfrom: (Default.) Any MAIL FROM is allowed.\n") in out
    assert "\nmystery: I have no idea what this file does.\n" in out
    # qmail-remote's own settings are known too.
    assert "\nsmtpport: (Default.) SMTP client connects to port 25.\n" in out
    assert "\ntlsclientverify: (Default.) SMTP client STARTTLS mode is " \
        "none.\n" in out
    instance.control("dnsservers", "[::1]:5353\n")
    instance.control("tlsclientverify", "verify\n")
    rc, out = run(instance, "qmail-showctl")
    assert "\ndnsservers: \nSMTP client DNS servers:\n[::1]:5353\n" in out
    assert "\ntlsclientverify: SMTP client STARTTLS mode is verify.\n" in out
    assert "I have no idea" not in out.replace("mystery: I have no idea", "")
