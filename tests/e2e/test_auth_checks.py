"""Inbound checks end to end, msgauthd against a real unbound: SPF pass,
fail, softfail, neutral, none, temperror and permerror (MAIL FROM and
HELO), DMARC pass and fail under p=none, quarantine and reject with
relaxed and strict alignment, the 550 only when asked for; bad input:
malformed signatures, huge headers, DNS answers too big, loops, and a
server that never answers (a temperror within the message's budget,
never a hang)."""
import time

import pytest

from authutil import (mauth, resinfo, start_dns, start_msgauthd,
                      start_silent_dns, unfold)

IP = "127.0.0.5"
BIG = " ".join('"%s"' % ("x%03d" % i * 64)[:255] for i in range(40))

RECORDS = [
    'spf-pass.test. 300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    'spf-fail.test. 300 IN TXT "v=spf1 ip4:192.0.2.1 -all"',
    'spf-soft.test. 300 IN TXT "v=spf1 ~all"',
    'spf-neutral.test. 300 IN TXT "v=spf1 ?all"',
    'spf-none.test. 300 IN A 192.0.2.9',
    'spf-perm.test. 300 IN TXT "v=spf1 ip4:127.0.0.1 frobnicate -all"',
    'spf-two.test. 300 IN TXT "v=spf1 -all"',
    'spf-two.test. 300 IN TXT "v=spf1 +all"',
    'spf-inc.test. 300 IN TXT "v=spf1 include:spf-pass.test -all"',
    'spf-a.test. 300 IN TXT "v=spf1 a mx -all"',
    'spf-a.test. 300 IN A 127.0.0.5',
    'spf-mx.test. 300 IN TXT "v=spf1 mx -all"',
    'spf-mx.test. 300 IN MX 10 mail.spf-mx.test.',
    'mail.spf-mx.test. 300 IN A 127.0.0.5',
    'spf-loop1.test. 300 IN TXT "v=spf1 include:spf-loop2.test -all"',
    'spf-loop2.test. 300 IN TXT "v=spf1 include:spf-loop1.test -all"',
    'spf-void.test. 300 IN TXT "v=spf1 a:n1.spf-void.test '
    'a:n2.spf-void.test a:n3.spf-void.test +all"',
    'spf-big.test. 300 IN TXT "v=spf1 -all ' + 'a' * 200 + '" ' + BIG,
    'spf-macro.test. 300 IN TXT "v=spf1 exists:%{i}.ok.spf-macro.test -all"',
    '127.0.0.5.ok.spf-macro.test. 300 IN A 127.0.0.2',
    'spf-cname.test. 300 IN CNAME spf-cname2.test.',
    'spf-cname2.test. 300 IN CNAME spf-cname.test.',
    'helo-pass.test. 300 IN TXT "v=spf1 a -all"',
    'helo-pass.test. 300 IN A 127.0.0.5',
    'helo-fail.test. 300 IN TXT "v=spf1 -all"',
    # DMARC
    '_dmarc.spf-pass.test. 300 IN TXT "v=DMARC1; p=reject"',
    'd-none.test. 300 IN TXT "v=spf1 -all"',
    '_dmarc.d-none.test. 300 IN TXT "v=DMARC1; p=none"',
    'd-quar.test. 300 IN TXT "v=spf1 -all"',
    '_dmarc.d-quar.test. 300 IN TXT "v=DMARC1; p=quarantine"',
    'd-rej.test. 300 IN TXT "v=spf1 -all"',
    '_dmarc.d-rej.test. 300 IN TXT "v=DMARC1; p=reject"',
    '_dmarc.relaxed.test. 300 IN TXT "v=DMARC1; p=reject"',
    '_dmarc.strict.test. 300 IN TXT "v=DMARC1; p=reject; aspf=s; adkim=s"',
    'bounce.relaxed.test. 300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    'bounce.strict.test. 300 IN TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    '_dmarc.org.test. 300 IN TXT "v=DMARC1; p=none; sp=reject"',
    'big._domainkey.spf-pass.test. 300 IN TXT "v=DKIM1; k=rsa; p=' +
    'A' * 200 + '" ' + BIG,
    'loop._domainkey.spf-pass.test. 300 IN CNAME loop2._domainkey.'
    'spf-pass.test.',
    'loop2._domainkey.spf-pass.test. 300 IN CNAME loop._domainkey.'
    'spf-pass.test.',
]


@pytest.fixture
def dns(instance, procs, tmp_path):
    silent = start_silent_dns(procs)
    port = start_dns(procs, tmp_path, RECORDS, refuse=["temp.test."],
                     stubs={"slow.test.": silent})
    start_msgauthd(procs, instance, port)
    return port


def check(instance, mailfrom, frm=None, helo="mx.sender.test",
          reject=False, extra="", dns_ms=20000, ip=IP):
    frm = frm or mailfrom or "x@nowhere.test"
    msg = "%sFrom: <%s>\nSubject: t\n\nbody\n" % (extra, frm)
    return mauth(instance, False, msg, ip=ip, helo=helo, mailfrom=mailfrom,
                 reject=reject, dns_ms=dns_ms)


def spf_of(headers, which="smtp.mailfrom"):
    for r in resinfo(headers, "spf"):
        if which in r:
            return r.split()[0][4:]
    return None


@pytest.mark.parametrize("domain,want", [
    ("spf-pass.test", "pass"), ("spf-fail.test", "fail"),
    ("spf-soft.test", "softfail"), ("spf-neutral.test", "neutral"),
    ("spf-none.test", "none"), ("nxdomain.test", "none"),
    ("temp.test", "temperror"), ("spf-perm.test", "permerror"),
    ("spf-two.test", "permerror"), ("spf-inc.test", "pass"),
    ("spf-a.test", "pass"), ("spf-mx.test", "pass"),
    ("spf-loop1.test", "permerror"), ("spf-void.test", "permerror"),
    ("spf-big.test", "permerror"), ("spf-macro.test", "pass"),
    ("spf-cname.test", "temperror"),
])
def test_spf_mailfrom(instance, dns, domain, want):
    v, reply, log, h = check(instance, "user@" + domain)
    assert v == "A", reply
    assert spf_of(h) == want, h
    assert ("spf %s" % want) in log


def test_spf_helo_and_null_sender(instance, dns):
    v, _, _, h = check(instance, "user@spf-pass.test", helo="helo-pass.test")
    assert spf_of(h, "smtp.helo") == "pass"
    v, _, _, h = check(instance, "user@spf-pass.test", helo="helo-fail.test")
    assert spf_of(h, "smtp.helo") == "fail"
    assert spf_of(h) == "pass"
    # A bounce: the HELO identity alone (RFC 7208 2.4).
    v, _, _, h = check(instance, "", frm="x@spf-pass.test",
                       helo="helo-pass.test")
    assert spf_of(h) is None and spf_of(h, "smtp.helo") == "pass"
    # A HELO that is no domain is not checked.
    v, _, _, h = check(instance, "user@spf-pass.test", helo="[127.0.0.5]")
    assert spf_of(h, "smtp.helo") is None


def dmarc_of(h):
    r = resinfo(h, "dmarc")
    assert len(r) == 1, h
    return r[0]


@pytest.mark.parametrize("mailfrom,frm,reject,verdict,want", [
    ("a@spf-pass.test", "a@spf-pass.test", True, "A",
     "dmarc=pass (p=reject dis=none) header.from=spf-pass.test"),
    ("a@d-none.test", "a@d-none.test", True, "A",
     "dmarc=fail (p=none dis=none) header.from=d-none.test"),
    ("a@d-quar.test", "a@d-quar.test", True, "A",
     "dmarc=fail (p=quarantine dis=none) header.from=d-quar.test"),
    ("a@d-rej.test", "a@d-rej.test", False, "A",
     "dmarc=fail (p=reject dis=none) header.from=d-rej.test"),
    ("a@d-rej.test", "a@d-rej.test", True, "R",
     "dmarc=fail (p=reject dis=reject) header.from=d-rej.test"),
    # Forged From: SPF passes for someone else's domain.
    ("a@spf-pass.test", "ceo@d-rej.test", True, "R",
     "dmarc=fail (p=reject dis=reject) header.from=d-rej.test"),
    # Alignment: relaxed takes a subdomain, strict does not.
    ("a@bounce.relaxed.test", "a@relaxed.test", True, "A",
     "dmarc=pass (p=reject dis=none) header.from=relaxed.test"),
    ("a@bounce.strict.test", "a@strict.test", True, "R",
     "dmarc=fail (p=reject dis=reject) header.from=strict.test"),
    # The organizational domain's policy, sp= for its subdomains.
    ("a@nowhere.test", "a@sub.org.test", True, "R",
     "dmarc=fail (p=reject dis=reject) header.from=sub.org.test"),
    ("a@nowhere.test", "a@org.test", True, "A",
     "dmarc=fail (p=none dis=none) header.from=org.test"),
    ("a@nowhere.test", "a@nopolicy.test", True, "A",
     "dmarc=none header.from=nopolicy.test"),
    ("a@nowhere.test", "a@temp.test", True, "A",
     "dmarc=temperror header.from=temp.test"),
])
def test_dmarc(instance, dns, mailfrom, frm, reject, verdict, want):
    v, reply, log, h = check(instance, mailfrom, frm=frm, reject=reject)
    assert dmarc_of(h) == want, h
    assert v == verdict
    if verdict == "R":
        assert reply.startswith("550 5.7.1 ") and frm.split("@")[1] in reply
    else:
        assert reply == ""


def test_no_from_is_permerror(instance, dns):
    v, _, _, h = mauth(instance, False, "Subject: no from\n\nbody\n", ip=IP,
                       helo="x.test", mailfrom="a@spf-pass.test", reject=True)
    assert dmarc_of(h) == "dmarc=permerror" and v == "A"
    v, _, _, h = mauth(instance, False, "From: a@d-rej.test\nFrom: "
                       "b@d-rej.test\n\nbody\n", ip=IP, helo="x.test",
                       mailfrom="a@spf-pass.test", reject=True)
    assert dmarc_of(h) == "dmarc=permerror" and v == "A"


def test_malformed_signatures(instance, dns):
    sigs = ("DKIM-Signature: garbage\n"
            "DKIM-Signature: v=1; a=rsa-sha256; d=spf-pass.test; s=none;"
            " h=from; bh=AAAA; b=AAAA\n"
            "DKIM-Signature: v=1; a=rsa-sha256; d=spf-pass.test; s=big;"
            " c=relaxed/relaxed; h=from; bh=AAAA; b=AAAA\n"
            "DKIM-Signature: v=1; a=rsa-sha256; d=spf-pass.test; s=loop;"
            " c=relaxed/relaxed; h=from; bh=AAAA; b=AAAA\n"
            "DKIM-Signature: v=1; a=rot13; d=spf-pass.test; s=x; h=from;"
            " bh=AAAA; b=AAAA\n"
            "DKIM-Signature: v=1; a=rsa-sha256; d=spf-pass.test; s=x;"
            " h=from; bh=AAAA; b=" + "A" * 20000 + "\n")
    v, _, log, h = check(instance, "a@spf-pass.test", extra=sigs)
    dk = resinfo(h, "dkim")
    assert len(dk) >= 4, h
    assert not any(r.startswith("dkim=pass") for r in dk)
    assert any("header.s=loop" in r and r.startswith("dkim=temperror")
               for r in dk), dk
    assert any("header.s=big" in r and r.startswith("dkim=permerror")
               for r in dk), dk
    assert dmarc_of(h).startswith("dmarc=pass")
    # Many signatures: only the first ones are tried.
    many = "".join("DKIM-Signature: v=1; a=rsa-sha256; d=spf-pass.test;"
                   " s=none%d; h=from; bh=AAAA; b=AAAA\n" % i
                   for i in range(50))
    v, _, log, h = check(instance, "a@spf-pass.test", extra=many)
    assert 1 <= len(resinfo(h, "dkim")) <= 8


def test_huge_header(instance, dns):
    extra = "".join("X-Filler-%d: %s\n" % (i, "y" * 100) for i in range(3000))
    extra += "DKIM-Signature: v=1; a=rsa-sha256; d=spf-pass.test; s=x;" \
        " h=from; bh=AAAA; b=AAAA\n"
    extra += "X-Long: " + "z" * 200000 + "\n"
    v, _, _, h = check(instance, "a@spf-pass.test", extra=extra)
    assert resinfo(h, "dkim") == ["dkim=permerror (header too large)"]
    assert spf_of(h) == "pass"


def test_dns_that_never_answers(instance, dns):
    start = time.monotonic()
    v, _, log, h = check(instance, "a@slow.test", frm="a@slow.test",
                         extra="DKIM-Signature: v=1; a=rsa-sha256; "
                         "d=slow.test; s=x; c=relaxed/relaxed; h=from; "
                         "bh=AAAA; b=AAAA\n", dns_ms=3000)
    assert v == "A"
    assert spf_of(h) == "temperror"
    assert resinfo(h, "dkim")[0].startswith("dkim=temperror")
    assert dmarc_of(h).startswith("dmarc=temperror")
    # Within a generous bound of the 3 s budget, not unbound's minutes.
    assert time.monotonic() - start < 90


def test_authres_at_top_names_us(instance, dns):
    v, _, _, h = check(instance, "a@spf-pass.test")
    assert unfold(h).startswith("Authentication-Results: mx.hsmail.test; ")
    assert h.endswith("\n") and h.count("Authentication-Results:") == 1
    for ln in h.splitlines()[1:]:
        assert ln.startswith("\t")
        assert len(ln) <= 78
