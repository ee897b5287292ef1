"""qmail-newu: users/assign compiled into users/cdb byte-compatible with
qmail's, atomically, refusing bad files and keeping the old cdb."""
import os
import struct
import subprocess

import pytest

from conftest import prog


def cdb_dump(path):
    """All records of a cdb file, in order (format by D. J. Bernstein)."""
    data = open(path, "rb").read()
    end = struct.unpack("<I", data[0:4])[0]
    for i in range(256):
        pos, n = struct.unpack("<II", data[i * 8:i * 8 + 8])
        end = min(end, pos) if n else end
    recs, p = [], 2048
    while p < end:
        kl, dl = struct.unpack("<II", data[p:p + 8])
        recs.append((data[p + 8:p + 8 + kl], data[p + 8 + kl:p + 8 + kl + dl]))
        p += 8 + kl + dl
    return recs


def newu(instance, text):
    with open(instance.path("qmail", "users", "assign"), "w") as f:
        f.write(text)
    return subprocess.run([prog("qmail-newu")], capture_output=True,
                          env=instance.env)


def test_compile(instance):
    p = newu(instance,
             "=Joe:joe:1000:1000:/home/joe:::\n"
             "+example.com-:example.com:89:89:/vp/domains/example.com:-::\n"
             "+list-:lists:90:90:/home/lists:-:x:\n"
             "+:alias:7790:2108:/var/qmail/alias:-::\n"
             ".\n")
    assert p.returncode == 0, p.stderr
    recs = cdb_dump(instance.path("qmail", "users", "cdb"))
    assert recs == [
        (b"!joe\0", b"joe\x001000\x001000\x00/home/joe\x00\x00"),
        (b"!example.com-", b"example.com\x0089\x0089\x00/vp/domains/"
         b"example.com\x00-\x00"),
        (b"!list-", b"lists\x0090\x0090\x00/home/lists\x00-\x00x"),
        (b"!", b"alias\x007790\x002108\x00/var/qmail/alias\x00-\x00"),
        (b"", b"-"),
    ]
    assert not os.path.exists(instance.path("qmail", "users", "cdb.tmp"))


@pytest.mark.parametrize("text", [
    "=joe:joe:1000:1000:/home/joe:::\n",          # no "." line
    "=joe:joe:1000:1000:/home/joe::\n.\n",         # too few fields
    "nocolon\n.\n",
    ":joe:1:1:/h:::\n.\n",
    "=joe:joe:1:1:/h:::",                          # no newline, no "."
    "=j\0e:joe:1:1:/h:::\n.\n",
])
def test_bad_format_keeps_old(instance, text):
    assert newu(instance, "=a:a:1:1:/a:::\n.\n").returncode == 0
    cdb = instance.path("qmail", "users", "cdb")
    before = open(cdb, "rb").read()
    p = newu(instance, text)
    assert p.returncode == 111
    assert b"bad format in users/assign" in p.stderr
    assert open(cdb, "rb").read() == before
    assert not os.path.exists(cdb + ".tmp")


def test_missing_assign(instance):
    p = subprocess.run([prog("qmail-newu")], capture_output=True,
                       env=instance.env)
    assert p.returncode == 111
    assert b"unable to open users/assign" in p.stderr
