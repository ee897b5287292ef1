"""qmail-remote's choice of hosts, against a real DNS server (unbound) and
real SMTP servers on loopback: every MX is tried in order before a
deferral (a host that greets with 421, defers MAIL, or cannot be reached
within timeoutconnect), the local host's own MX at a lower preference
stops the walk, IPv6 through AAAA records and through DNS servers on IPv6,
and STARTTLS verification that checks the MX's name.
"""
import os

from remoteutil import (make_cert, received, remote_env, run_remote,
                        start_peer, start_unbound)

MSG = b"From: a@example.org\nSubject: mx test\n\nbody\n"

ZONE = [
    "ok.test. 300 IN MX 10 mx.ok.test.",
    "mx.ok.test. 300 IN A 127.0.0.2",
    # 127.0.0.2 first, then 127.0.0.4: the first one misbehaves.
    "two.test. 300 IN MX 10 first.two.test.",
    "two.test. 300 IN MX 20 second.two.test.",
    "first.two.test. 300 IN A 127.0.0.2",
    "second.two.test. 300 IN A 127.0.0.4",
    # The best MX cannot be reached, the next one is this host.
    "lower.test. 300 IN MX 10 down.lower.test.",
    "lower.test. 300 IN MX 20 me.lower.test.",
    "down.lower.test. 300 IN A 127.0.0.3",
    "me.lower.test. 300 IN A 127.0.0.1",
    # A better MX whose name does not exist, or whose lookup fails.
    "nx.test. 300 IN MX 10 nothere.nx.test.",
    "nx.test. 300 IN MX 20 me.lower.test.",
    "soft.test. 300 IN MX 10 host.broken.test.",
    "soft.test. 300 IN MX 20 me.lower.test.",
    # An MX that has only an IPv6 address.
    "v6.test. 300 IN MX 10 mx.v6.test.",
    "mx.v6.test. 300 IN AAAA ::1",
    "tls.test. 300 IN MX 10 mx.tls.test.",
    "mx.tls.test. 300 IN A 127.0.0.2",
]


def test_next_mx_after_421_greeting(instance, procs, tmp_path):
    dns = start_unbound(procs, tmp_path, ZONE)
    port, _ = start_peer(procs, tmp_path, "busy", host="127.0.0.2")
    _, out = start_peer(procs, tmp_path, "accept", host="127.0.0.4",
                        port=port)
    recs, _ = run_remote(instance, "two.test", "a@example.org",
                         ["x@two.test"], MSG, remote_env(instance, dns, port))
    assert recs == ["r", "K127.0.0.4 accepted message.\n"
                    "Remote host said: 250 2.0.0 ok queued as 4711\n"]
    assert len(received(out)) == 1


def test_next_mx_after_mail_4xx(instance, procs, tmp_path):
    dns = start_unbound(procs, tmp_path, ZONE)
    port, first = start_peer(procs, tmp_path, "mail451", host="127.0.0.2")
    _, out = start_peer(procs, tmp_path, "accept", host="127.0.0.4",
                        port=port)
    recs, _ = run_remote(instance, "two.test", "a@example.org",
                         ["x@two.test"], MSG, remote_env(instance, dns, port))
    assert recs[-1].startswith("K127.0.0.4 accepted message.")
    assert received(first) == []
    assert len(received(out)) == 1


def test_next_mx_after_all_rcpt_4xx(instance, procs, tmp_path):
    dns = start_unbound(procs, tmp_path, ZONE)
    port, _ = start_peer(procs, tmp_path, "rcpt451", host="127.0.0.2")
    _, out = start_peer(procs, tmp_path, "accept", host="127.0.0.4",
                        port=port)
    recs, _ = run_remote(instance, "two.test", "a@example.org",
                         ["x@two.test", "y@two.test"], MSG,
                         remote_env(instance, dns, port))
    assert recs[:2] == ["r", "r"]
    assert recs[2].startswith("K127.0.0.4 accepted message.")
    assert received(out)[0]["rcpt"] == ["x@two.test", "y@two.test"]


def test_every_mx_temporary_is_deferral(instance, procs, tmp_path):
    """Both hosts defer: the report is the last host's, a deferral."""
    dns = start_unbound(procs, tmp_path, ZONE)
    port, _ = start_peer(procs, tmp_path, "busy", host="127.0.0.2")
    start_peer(procs, tmp_path, "mail451", host="127.0.0.4", port=port)
    recs, _ = run_remote(instance, "two.test", "a@example.org",
                         ["x@two.test"], MSG, remote_env(instance, dns, port))
    assert recs == ["ZConnected to 127.0.0.4 but sender was rejected.\n"
                    "Remote host said: 451 4.3.2 sender queue full, later\n"]


def test_connect_timeout_then_next_mx(instance, procs, tmp_path):
    """The first MX never answers the SYN: after timeoutconnect seconds
    the second one gets the message."""
    dns = start_unbound(procs, tmp_path, ZONE)
    port, _ = start_peer(procs, tmp_path, "blackhole", host="127.0.0.2")
    _, out = start_peer(procs, tmp_path, "accept", host="127.0.0.4",
                        port=port)
    instance.control("timeoutconnect", "1\n")
    recs, _ = run_remote(instance, "two.test", "a@example.org",
                         ["x@two.test"], MSG, remote_env(instance, dns, port))
    assert recs[-1].startswith("K127.0.0.4 accepted message.")
    assert len(received(out)) == 1


def test_own_mx_at_lower_preference(instance, procs, tmp_path):
    """The better MX is down and the next one is this host: deferral; the
    message is not sent to ourselves (qmail's rule)."""
    dns = start_unbound(procs, tmp_path, ZONE)
    port, out = start_peer(procs, tmp_path, "accept", host="127.0.0.1")
    recs, _ = run_remote(instance, "lower.test", "a@example.org",
                         ["x@lower.test"], MSG,
                         remote_env(instance, dns, port))
    assert recs == ["ZSorry, I wasn't able to establish an SMTP connection. "
                    "(#4.4.1)\n"]
    assert received(out) == []


def test_own_mx_below_unresolvable_mx(instance, procs, tmp_path):
    """This host is the second MX and the first has no address: qmail's
    answers, a bounce when the name does not exist, a deferral when its
    lookup failed temporarily; never "I'm listed as best-preference"."""
    dns = start_unbound(procs, tmp_path, ZONE, refuse=["broken.test."])
    port, out = start_peer(procs, tmp_path, "accept", host="127.0.0.1")
    env = remote_env(instance, dns, port)
    recs, _ = run_remote(instance, "nx.test", "a@example.org",
                         ["x@nx.test"], MSG, env)
    assert recs == ["DSorry, I couldn't find a mail exchanger or IP "
                    "address. (#5.4.4)\n"]
    recs, _ = run_remote(instance, "soft.test", "a@example.org",
                         ["x@soft.test"], MSG, env)
    assert recs == ["ZSorry, I couldn't find any host by that name. "
                    "(#4.1.2)\n"]
    assert received(out) == []


def test_host_with_only_ipv6_address(instance, procs, tmp_path):
    """The relay's name has only an AAAA record.  (An MX would do the
    same lookup, but the one IPv6 address loopback has is ::1, which is
    this host: the own-MX rule above would stop there.)"""
    dns = start_unbound(procs, tmp_path, ZONE)
    port, out = start_peer(procs, tmp_path, "accept", host="::1")
    instance.control("smtproutes", "v6.test:mx.v6.test\n")
    recs, _ = run_remote(instance, "v6.test", "a@example.org",
                         ["x@v6.test"], MSG, remote_env(instance, dns, port))
    assert recs[-1].startswith("K::1 accepted message.")
    assert received(out)[0]["rcpt"] == ["x@v6.test"]
    # Without the route, the MX is ::1, this host: never sent to itself.
    os.unlink(os.path.join(instance.qmail, "control", "smtproutes"))
    recs, _ = run_remote(instance, "v6.test", "a@example.org",
                         ["x@v6.test"], MSG, remote_env(instance, dns, port))
    assert recs[0].startswith("DSorry. Although I'm listed as a "
                              "best-preference MX")
    assert len(received(out)) == 1


def test_dns_server_on_ipv6(instance, procs, tmp_path):
    """control/dnsservers names a server by IPv6 address and port, and
    control/smtpport the port of remote SMTP servers (no environment)."""
    dns6 = start_unbound(procs, tmp_path, ZONE, host="::1")
    port, out = start_peer(procs, tmp_path, "accept")
    instance.control("dnsservers", "# split horizon\n[::1]:%d\n" % dns6)
    instance.control("smtpport", "%d\n" % port)
    env = remote_env(instance)
    env.pop("HSMAIL_DNSSERVERS", None)
    env.pop("HSMAIL_SMTPPORT", None)
    recs, _ = run_remote(instance, "ok.test", "a@example.org",
                         ["x@ok.test"], MSG, env)
    assert recs[-1].startswith("K127.0.0.2 accepted message.")
    assert len(received(out)) == 1
    # A bad entry is a configuration problem: deferral, nothing sent.
    instance.control("dnsservers", "[::1:%d\n" % dns6)
    recs, _ = run_remote(instance, "ok.test", "a@example.org",
                         ["x@ok.test"], MSG, env)
    assert recs == ["ZUnable to read control files. (#4.3.0)\n"]
    assert len(received(out)) == 1


def test_tls_verify_checks_mx_name(instance, procs, tmp_path):
    """A certificate from the trusted CA but for another name: with
    verification a deferral, without it the message goes over TLS."""
    dns = start_unbound(procs, tmp_path, ZONE)
    cert = make_cert(tmp_path, "wrong.test")
    port, out = start_peer(procs, tmp_path, "tls", cert=cert)
    env = remote_env(instance, dns, port)
    instance.control("tlsclientverify", "verify\n")
    instance.control("tlsclientca", cert[0] + "\n")
    recs, _ = run_remote(instance, "tls.test", "a@example.org",
                         ["x@tls.test"], MSG, env)
    assert len(recs) == 1
    assert recs[0].startswith("ZConnected to 127.0.0.2 but TLS handshake "
                              "failed: certificate verification failed:")
    assert received(out) == []
    os.unlink(os.path.join(instance.qmail, "control", "tlsclientverify"))
    recs, _ = run_remote(instance, "tls.test", "a@example.org",
                         ["x@tls.test"], MSG, env)
    assert recs[-1].startswith("K127.0.0.2 accepted message.")
    assert received(out)[0]["tls"] is True
