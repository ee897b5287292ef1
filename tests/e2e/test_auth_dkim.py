"""DKIM end to end: keys made by vadddomain, their records printed by
`vdkim show` and served by a real unbound; mail signed by msgauthd
(RSA-2048 and Ed25519, relaxed/relaxed, From oversigned) verified by
dkimpy's dkimverify and by OpenDKIM's own verifier; mail signed by dkimpy
verified by msgauthd; rotation, alias domains, vdeldomain."""
import os
import re
import subprocess

import pytest

from authutil import (crlf, dkimpy_verify_all, dkimverify, mauth,
                      opendkim_verify, resinfo, start_dns, start_msgauthd,
                      unfold, vdkim_records)
from vpoputil import adddomain, run

MSG = ("From: Alice <alice@box.test>\n"
       "To: Bob <bob@elsewhere.test>\n"
       "Subject: a signed message\n"
       "Date: Mon, 07 Dec 2026 10:00:00 +0000\n"
       "Message-ID: <signed-1@box.test>\n"
       "MIME-Version: 1.0\n"
       "Content-Type: text/plain\n"
       "\n"
       "Hello Bob,\n"
       "\n"
       "  a line with   spaces   \n"
       ".a line starting with a dot\n"
       "\n\n")


def zone_lines(instance, domain):
    """The TXT records of `vdkim show`, as unbound local-data."""
    out = []
    for ln in vdkim_records(instance, domain):
        name, txt = ln.split(" IN TXT ", 1)
        out.append("%s 300 IN TXT %s" % (name, txt))
    return out


@pytest.fixture
def box(instance, procs, tmp_path):
    """box.test with keys, its records in unbound, msgauthd running."""
    instance.control("me", "mx.hsmail.test\n")
    adddomain(instance, "box.test")
    recs = zone_lines(instance, "box.test")
    assert len(recs) == 2
    port = start_dns(procs, tmp_path, recs + [
        'box.test. 300 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"',
        '_dmarc.box.test. 300 IN TXT "v=DMARC1; p=reject"'])
    start_msgauthd(procs, instance, port)
    return port


def bad_copy(wire):
    return wire.replace(b"Hello Bob", b"Hello Eve")


def sign(instance, msg=MSG):
    v, reply, log, headers = mauth(instance, True, msg)
    assert v == "A", (reply, log)
    return headers, log


def test_vadddomain_keys_and_show(instance):
    adddomain(instance, "box.test")
    d = os.path.join(instance.qmail, "control", "dkim", "box.test")
    names = sorted(os.listdir(d))
    keys = [n for n in names if n.endswith(".key")]
    assert len(keys) == 2
    for k in keys:
        assert os.stat(os.path.join(d, k)).st_mode & 0o777 == 0o400
        assert open(os.path.join(d, k)).read().startswith(
            "-----BEGIN PRIVATE KEY-----")
    sels = open(os.path.join(d, "sign")).read().split()
    assert sorted(sels) == sorted(k[:-4] for k in keys)
    out = run(instance, "vdkim", "show", "box.test", check=0).stdout.decode()
    rsa = [ln for ln in out.splitlines() if "k=rsa" in ln]
    ed = [ln for ln in out.splitlines() if "k=ed25519" in ln]
    assert len(rsa) == 1 and len(ed) == 1
    assert re.match(r'^\w+\._domainkey\.box\.test\. IN TXT "v=DKIM1; k=rsa; '
                    r'p=MII[A-Za-z0-9+/=]+"( "[A-Za-z0-9+/=]+")+$', rsa[0])
    assert all(len(s) <= 255 for s in re.findall(r'"([^"]*)"', rsa[0]))
    assert re.match(r'^\w+\._domainkey\.box\.test\. IN TXT "v=DKIM1; '
                    r'k=ed25519; p=[A-Za-z0-9+/]{43}="$', ed[0])
    assert 'box.test. IN TXT "v=spf1 ' in out
    assert '_dmarc.box.test. IN TXT "v=DMARC1; p=' in out
    run(instance, "vdeldomain", "box.test", check=0)
    assert not os.path.exists(d)
    p = run(instance, "vdkim", "show", "box.test")
    assert p.returncode == 100


def test_signed_mail_verified_by_dkimpy_and_opendkim(instance, box, tmp_path):
    headers, log = sign(instance)
    assert "dkim signed d=box.test" in log
    h = unfold(headers)
    sigs = [ln for ln in h.splitlines() if ln.startswith("DKIM-Signature:")]
    assert len(sigs) == 2
    assert "a=rsa-sha256" in sigs[0] and "a=ed25519-sha256" in sigs[1]
    for s in sigs:
        assert "c=relaxed/relaxed" in s and "d=box.test" in s
        hl = re.search(r"[; ]h=([^;]+);", s).group(1).replace(" ", "").lower()
        hl = hl.split(":")
        # From oversigned, and the fields that matter signed.
        assert hl.count("from") == 2
        for name in ("to", "subject", "date", "message-id"):
            assert name in hl
    wire = crlf(headers + MSG)
    assert dkimpy_verify_all(wire, box) == [True, True]
    rc, out = dkimverify(wire, box)
    assert rc == 0 and "signature ok" in out, out
    rc, out = opendkim_verify(tmp_path, wire, box)
    assert rc == 0 and "2048-bit key) succeeded" in out, out
    # Each signature alone: OpenDKIM verifies the Ed25519 one too.
    sig1, sig2 = re.split(rb"\r\n(?=DKIM-Signature)", wire.split(
        b"\r\nFrom:")[0])
    rest = wire[len(sig1) + 2 + len(sig2) + 2:]
    rc, out = opendkim_verify(tmp_path, sig2 + b"\r\n" + rest, box)
    assert rc == 0 and "succeeded" in out, out
    rc, out = opendkim_verify(tmp_path, bad_copy(wire), box)
    assert "succeeded" not in out, out
    # Changed in transit: both verifiers say so.
    bad = wire.replace(b"Hello Bob", b"Hello Eve")
    assert dkimpy_verify_all(bad, box) == [False, False]
    rc, out = dkimverify(bad, box)
    assert rc != 0


def test_dkimpy_signed_mail_verified(instance, procs, tmp_path):
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    rk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rpem = rk.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    rpub = rk.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    ek = ed25519.Ed25519PrivateKey.generate()
    eraw = ek.private_bytes(serialization.Encoding.Raw,
                            serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    epub = ek.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    import base64
    b64 = lambda b: base64.b64encode(b).decode()
    rtxt = "v=DKIM1; k=rsa; p=" + b64(rpub)
    recs = ['r1._domainkey.peer.test. 300 IN TXT "%s" "%s"' % (
                rtxt[:200], rtxt[200:]),
            'e1._domainkey.peer.test. 300 IN TXT "v=DKIM1; k=ed25519; '
            'p=%s"' % b64(epub),
            'peer.test. 300 IN TXT "v=spf1 ip4:198.51.100.0/24 -all"',
            '_dmarc.peer.test. 300 IN TXT "v=DMARC1; p=reject; adkim=s"']
    port = start_dns(procs, tmp_path, recs)
    instance.control("me", "mx.hsmail.test\n")
    start_msgauthd(procs, instance, port)
    msg = crlf(MSG.replace("box.test", "peer.test"))
    s1 = dkim.sign(msg, b"r1", b"peer.test", rpem,
                   include_headers=[b"from", b"to", b"subject"])
    s2 = dkim.sign(msg, b"e1", b"peer.test", b64(eraw).encode(),
                   signature_algorithm=b"ed25519-sha256",
                   include_headers=[b"from", b"to", b"subject"])
    signed = (s1 + s2 + msg).replace(b"\r\n", b"\n")
    v, reply, log, headers = mauth(instance, False, signed, ip="203.0.113.5",
                                   helo="mail.peer.test",
                                   mailfrom="alice@peer.test", reject=True)
    dk = resinfo(headers, "dkim")
    assert len(dk) == 2, headers
    assert all(r.startswith("dkim=pass header.d=peer.test") for r in dk), dk
    assert "header.s=r1 header.a=rsa-sha256" in dk[0]
    assert "header.s=e1 header.a=ed25519-sha256" in dk[1]
    assert resinfo(headers, "spf")[0].startswith("spf=fail")
    assert resinfo(headers, "dmarc")[0].startswith("dmarc=pass")
    assert v == "A"
    assert unfold(headers).startswith(
        "Authentication-Results: mx.hsmail.test;")


def test_rotation_old_key_still_verifies(instance, box, procs, tmp_path):
    old, _ = sign(instance)
    run(instance, "vdkim", "rotate", "-n", "box.test", check=0)
    # Prepared only: still the old selectors sign.
    again, _ = sign(instance)
    osel = sorted(re.findall(r"s=(\w+);", unfold(old)))
    assert sorted(re.findall(r"s=(\w+);", unfold(again))) == osel
    allsel = sorted(n[:-4] for n in os.listdir(os.path.join(
        instance.qmail, "control", "dkim", "box.test")) if n.endswith(".key"))
    new = [s for s in allsel if s not in osel]
    assert len(new) == 2
    run(instance, "vdkim", "activate", "box.test", *new, check=0)
    fresh, _ = sign(instance)
    assert sorted(re.findall(r"s=(\w+);", unfold(fresh))) == sorted(new)
    # Both the old and the new keys published: both verify.
    port = start_dns(procs, tmp_path, zone_lines(instance, "box.test"))
    assert dkimpy_verify_all(crlf(old + MSG), port) == [True, True]
    assert dkimpy_verify_all(crlf(fresh + MSG), port) == [True, True]
    # The signing key cannot be retired; the old one can.
    assert run(instance, "vdkim", "retire", "box.test", new[0]).returncode \
        == 100
    run(instance, "vdkim", "retire", "box.test", osel[0], check=0)
    run(instance, "vdkim", "retire", "box.test", osel[1], check=0)
    assert len(vdkim_records_all(instance)) == 2


def vdkim_records_all(instance):
    return [ln for ln in run(instance, "vdkim", "show", "box.test",
                             check=0).stdout.decode().splitlines()
            if "._domainkey." in ln]


def test_alias_domain_signs_with_real_keys(instance, box, procs, tmp_path):
    run(instance, "vaddaliasdomain", "alias.test", "box.test", check=0)
    assert not os.path.exists(os.path.join(instance.qmail, "control", "dkim",
                                           "alias.test"))
    msg = MSG.replace("alice@box.test", "alice@alias.test")
    headers, log = sign(instance, msg)
    assert "d=alias.test" in unfold(headers)
    recs = zone_lines(instance, "alias.test")
    assert all("._domainkey.alias.test." in r for r in recs)
    port = start_dns(procs, tmp_path, recs)
    assert dkimpy_verify_all(crlf(headers + msg), port) == [True, True]


def test_no_key_no_signature(instance, box):
    msg = MSG.replace("alice@box.test", "alice@stranger.test")
    v, reply, log, headers = mauth(instance, True, msg)
    assert v == "A" and headers == "" and "no key for stranger.test" in log
    v, reply, log, headers = mauth(instance, True,
                                   "From: a@box.test, b@box.test\n\nx\n")
    assert headers == "" and "no single From" in log


def test_qmail_inject_signs(instance, box, tmp_path):
    """A local injection (qmail-inject, sendmail -t) From a box domain is
    signed before qmail-queue sees it; a stranger's From is not."""
    fake = tmp_path / "fakeqq"
    out = tmp_path / "out"
    fake.write_text("#!/bin/sh\ncat > %s.msg\ncat <&1 > %s.env\nexit 0\n"
                    % (out, out))
    os.chmod(fake, 0o755)
    env = dict(instance.env, QMAILQUEUE=str(fake))
    body = "".join("line %d of a long letter\n" % i for i in range(30000))
    for name, args in (("qmail-inject", ["bob@elsewhere.test"]),
                       ("sendmail", ["-t"])):
        p = subprocess.run([os.path.join(instance.qmail, "bin", name)] +
                           args, input=(MSG + body).encode(), env=env,
                           capture_output=True)
        assert p.returncode == 0, p.stderr
        msg = open(str(out) + ".msg", "rb").read()
        assert msg.startswith(b"DKIM-Signature: v=1; a=rsa-sha256")
        assert msg.endswith(body.encode())
        assert dkimpy_verify_all(crlf(msg), box) == [True, True]
    p = subprocess.run([os.path.join(instance.qmail, "bin", "qmail-inject"),
                        "bob@elsewhere.test"],
                       input=MSG.replace("box.test", "other.test").encode(),
                       env=env, capture_output=True)
    assert p.returncode == 0
    assert open(str(out) + ".msg", "rb").read().startswith(b"From: Alice")
