"""End-to-end tests of qmail-remote against a real DNS server (unbound) and
real SMTP servers (aiosmtpd) on loopback: MX lookups including answers over
512 and over 4096 bytes, CNAME chains, smtproutes, STARTTLS, and the
reports qmail-rspawn reads.
"""

import pytest

from conftest import free_port
from remoteutil import (filler_mx, make_cert, received, remote_env,
                        run_remote, start_peer, start_unbound)

MSG = (b"From: a@example.org\nTo: x@ok.test\nSubject: remote test\n\n"
       b"first line\n.a line starting with a dot\n..two dots\n"
       b"8-bit: \xc3\xa9t\xc3\xa9\n\nlast line\n")

ZONE = [
    "ok.test. 300 IN MX 10 mx.ok.test.",
    "mx.ok.test. 300 IN A 127.0.0.2",
    "nomx.test. 300 IN A 127.0.0.2",
    "alias.test. 300 IN CNAME alias2.test.",
    "alias2.test. 300 IN CNAME ok.test.",
    "self.test. 300 IN MX 10 me.self.test.",
    "me.self.test. 300 IN A 127.0.0.1",
    "order.test. 300 IN MX 10 down.order.test.",
    "order.test. 300 IN MX 20 mx.ok.test.",
    "down.order.test. 300 IN A 127.0.0.3",
    "alldown.test. 300 IN MX 10 down.order.test.",
    "big.test. 300 IN MX 0 mx.ok.test.",
    "huge.test. 300 IN MX 0 mx.ok.test.",
    "tls.test. 300 IN MX 10 mx.tls.test.",
    "mx.tls.test. 300 IN A 127.0.0.2",
] + filler_mx("big.test", 12) + filler_mx("huge.test", 120)


@pytest.fixture
def net(instance, procs, tmp_path):
    """unbound with the test zone and an accepting SMTP server."""
    dns = start_unbound(procs, tmp_path, ZONE)
    port, out = start_peer(procs, tmp_path, "accept")
    return dns, port, out


def test_delivery_intact(instance, net):
    dns, port, out = net
    recs, rc = run_remote(instance, "ok.test", "a@example.org",
                          ["x@ok.test"], MSG, remote_env(instance, dns, port))
    assert rc == 0
    assert recs[0] == "r"
    assert recs[1].startswith("K127.0.0.2 accepted message.\n"
                              "Remote host said: 250 2.0.0 ok queued")
    got = received(out)
    assert len(got) == 1
    assert got[0]["from"] == "a@example.org"
    assert got[0]["rcpt"] == ["x@ok.test"]
    assert got[0]["data"].replace("\r\n", "\n").encode("latin-1") == MSG
    assert "BODY=8BITMIME" in got[0]["mail_options"]
    assert any(o.startswith("SIZE=") for o in got[0]["mail_options"])


def test_several_recipients_pipelined(instance, procs, tmp_path):
    dns = start_unbound(procs, tmp_path, ZONE)
    port, out = start_peer(procs, tmp_path, "rcpt550")
    recs, _ = run_remote(instance, "ok.test", "a@example.org",
                         ["ok1@ok.test", "bad@ok.test", "ok2@ok.test"], MSG,
                         remote_env(instance, dns, port))
    assert recs[0] == "r"
    assert recs[1] == ("h127.0.0.2 does not like recipient.\n"
                       "Remote host said: 550 5.1.1 no such user here\n")
    assert recs[2] == "r"
    assert recs[3].startswith("K127.0.0.2 accepted message.")
    assert received(out)[0]["rcpt"] == ["ok1@ok.test", "ok2@ok.test"]


@pytest.mark.parametrize("domain", ["big.test", "huge.test"])
def test_oversize_mx_answer(instance, net, domain):
    """MX answers over 512 and over 4096 bytes: UDP truncates, TCP has it."""
    dns, port, out = net
    recs, _ = run_remote(instance, domain, "a@example.org",
                         ["x@" + domain], MSG, remote_env(instance, dns, port))
    assert recs[-1].startswith("K127.0.0.2 accepted message.")
    assert len(received(out)) == 1


def test_answer_sizes_really_oversize():
    """The zone above does make answers of the sizes the tests claim."""
    def size(domain, n):
        return 12 + len(domain) + 6 + sum(
            len(r.split(" MX ")[1]) + 14 for r in filler_mx(domain, n))
    assert size("big.test", 12) > 512
    assert size("huge.test", 120) > 4096


def test_cname_chain(instance, net):
    dns, port, out = net
    recs, _ = run_remote(instance, "alias.test", "a@example.org",
                         ["x@alias.test"], MSG, remote_env(instance, dns, port))
    assert recs[-1].startswith("K127.0.0.2 accepted message.")


def test_no_mx_uses_address(instance, net):
    dns, port, out = net
    recs, _ = run_remote(instance, "nomx.test", "a@example.org",
                         ["x@nomx.test"], MSG, remote_env(instance, dns, port))
    assert recs[-1].startswith("K127.0.0.2 accepted message.")


def test_nxdomain_is_permanent(instance, net):
    dns, port, out = net
    recs, _ = run_remote(instance, "nowhere.test", "a@example.org",
                         ["x@nowhere.test"], MSG,
                         remote_env(instance, dns, port))
    assert recs == ["DSorry, I couldn't find any host named nowhere.test. "
                    "(#5.1.2)\n"]


def test_dns_down_is_temporary(instance, net):
    dns, port, out = net
    recs, _ = run_remote(instance, "ok.test", "a@example.org", ["x@ok.test"],
                         MSG, remote_env(instance, free_port(), port))
    assert recs == ["ZSorry, I couldn't find any host by that name. "
                    "(#4.1.2)\n"]


def test_best_mx_is_me(instance, net):
    dns, port, out = net
    recs, _ = run_remote(instance, "self.test", "a@example.org",
                         ["x@self.test"], MSG, remote_env(instance, dns, port))
    assert len(recs) == 1 and recs[0].startswith(
        "DSorry. Although I'm listed as a best-preference MX or A for that "
        "host,\nit isn't in my control/locals file")
    assert recs[0].endswith("(#5.4.6)\n")


def test_next_mx_after_refused(instance, net):
    dns, port, out = net
    recs, _ = run_remote(instance, "order.test", "a@example.org",
                         ["x@order.test"], MSG,
                         remote_env(instance, dns, port))
    assert recs[-1].startswith("K127.0.0.2 accepted message.")


def test_all_mx_down(instance, net):
    dns, port, out = net
    recs, _ = run_remote(instance, "alldown.test", "a@example.org",
                         ["x@alldown.test"], MSG,
                         remote_env(instance, dns, port))
    assert recs == ["ZSorry, I wasn't able to establish an SMTP connection. "
                    "(#4.4.1)\n"]


def test_smtproutes(instance, net, procs, tmp_path):
    dns, port, out = net
    port2, out2 = start_peer(procs, tmp_path, "accept", host="127.0.0.4")
    instance.control("smtproutes",
                     "# routes\n"
                     "exempt.sub.test:\n"
                     ".sub.test:127.0.0.4:%d\n"
                     ":[127.0.0.2]\n" % port2)
    env = remote_env(instance, dns, port)
    # Wildcard subdomain route with a port.
    recs, _ = run_remote(instance, "a.sub.test", "s@example.org",
                         ["x@a.sub.test"], MSG, env)
    assert recs[-1].startswith("K127.0.0.4 accepted message.")
    assert len(received(out2)) == 1
    # Catch-all relay, default port: a domain DNS does not know.
    recs, _ = run_remote(instance, "nowhere.test", "s@example.org",
                         ["x@nowhere.test"], MSG, env)
    assert recs[-1].startswith("K127.0.0.2 accepted message.")
    # An empty relay means the MX lookup, even under a catch-all.
    recs, _ = run_remote(instance, "exempt.sub.test", "s@example.org",
                         ["x@exempt.sub.test"], MSG, env)
    assert recs == ["DSorry, I couldn't find any host named "
                    "exempt.sub.test. (#5.1.2)\n"]


def test_ipv6_route(instance, procs, tmp_path):
    port, out = start_peer(procs, tmp_path, "accept", host="::1")
    instance.control("smtproutes", "v6.test:[::1]:%d\n" % port)
    recs, _ = run_remote(instance, "v6.test", "s@example.org", ["x@v6.test"],
                         MSG, remote_env(instance))
    assert recs[-1].startswith("K::1 accepted message.")
    assert len(received(out)) == 1


def test_rcpt_4xx_and_5xx(instance, procs, tmp_path):
    dns = start_unbound(procs, tmp_path, ZONE)
    port, out = start_peer(procs, tmp_path, "rcpt451")
    recs, _ = run_remote(instance, "ok.test", "a@example.org", ["x@ok.test"],
                         MSG, remote_env(instance, dns, port))
    assert recs == ["s127.0.0.2 does not like recipient.\nRemote host said: "
                    "451 4.3.0 try again later, x@ok.test\n",
                    "DGiving up on 127.0.0.2.\n"]
    port, out = start_peer(procs, tmp_path, "data554")
    recs, _ = run_remote(instance, "ok.test", "a@example.org", ["x@ok.test"],
                         MSG, remote_env(instance, dns, port))
    assert recs == ["r", "D127.0.0.2 failed after I sent the message.\n"
                    "Remote host said: 554 5.6.0 message content rejected\n"]


def test_partial_final_line(instance, net):
    dns, port, out = net
    recs, _ = run_remote(instance, "ok.test", "a@example.org", ["x@ok.test"],
                         b"Subject: x\n\nno newline at the end",
                         remote_env(instance, dns, port))
    assert recs == ["DSMTP cannot transfer messages with partial final "
                    "lines. (#5.6.2)\n"]
    assert received(out) == []


def test_usage(instance):
    recs, rc = run_remote(instance, "ok.test", "a@example.org", [], MSG,
                          remote_env(instance))
    assert rc == 0
    assert recs == ["Dqmail-remote was invoked improperly. (#5.3.5)\n"]


def test_starttls(instance, procs, tmp_path):
    dns = start_unbound(procs, tmp_path, ZONE)
    cert = make_cert(tmp_path, "mx.tls.test")
    port, out = start_peer(procs, tmp_path, "tls", cert=cert)
    env = remote_env(instance, dns, port)
    recs, _ = run_remote(instance, "tls.test", "a@example.org",
                         ["x@tls.test"], MSG, env)
    assert recs[-1].startswith("K127.0.0.2 accepted message.")
    assert received(out)[-1]["tls"] is True
    # Verified against the right CA: delivered.
    instance.control("tlsclientverify", "verify\n")
    instance.control("tlsclientca", cert[0] + "\n")
    recs, _ = run_remote(instance, "tls.test", "a@example.org",
                         ["x@tls.test"], MSG, env)
    assert recs[-1].startswith("K127.0.0.2 accepted message.")
    # A certificate that does not chain to the CA: deferred, not sent.
    other = make_cert(tmp_path, "other.test")
    instance.control("tlsclientca", other[0] + "\n")
    recs, _ = run_remote(instance, "tls.test", "a@example.org",
                         ["x@tls.test"], MSG, env)
    assert len(recs) == 1
    assert recs[0].startswith("ZConnected to 127.0.0.2 but TLS handshake "
                              "failed: certificate verification failed:")
    assert len(received(out)) == 2


def test_verify_requires_starttls(instance, net):
    dns, port, out = net
    instance.control("tlsclientverify", "verify\n")
    recs, _ = run_remote(instance, "ok.test", "a@example.org", ["x@ok.test"],
                         MSG, remote_env(instance, dns, port))
    assert recs == ["ZConnected to 127.0.0.2 but it does not offer "
                    "STARTTLS. (#4.7.5)\n"]
    assert received(out) == []


def test_size_over_declared_limit(instance, procs, tmp_path):
    """A server that declares SIZE 1000 is not sent a bigger message: a
    permanent failure naming the limit; a small one goes through."""
    dns = start_unbound(procs, tmp_path, ZONE)
    port, out = start_peer(procs, tmp_path, "small")
    env = remote_env(instance, dns, port)
    recs, _ = run_remote(instance, "ok.test", "a@example.org", ["x@ok.test"],
                         MSG + b"x" * 2000 + b"\n", env)
    assert recs == ["DConnected to 127.0.0.2 but the message is larger than "
                    "it accepts (SIZE 1000). (#5.3.4)\n"]
    recs, _ = run_remote(instance, "ok.test", "a@example.org", ["x@ok.test"],
                         MSG, env)
    assert recs[-1].startswith("K127.0.0.2 accepted message.")
    assert len(received(out)) == 1
