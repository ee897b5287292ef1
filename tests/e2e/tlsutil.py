"""TLS helpers for the end-to-end tests: a throw-away self-signed
certificate for CN=localhost, in qmail's servercert.pem form (private key
and certificate in one PEM file).  Uses the openssl command.
"""
import os
import subprocess


def make_cert(path, cn="localhost"):
    """Write key + self-signed certificate for cn to path; return path."""
    d = os.path.dirname(os.path.abspath(path))
    key = os.path.join(d, ".tlsutil-key.pem")
    crt = os.path.join(d, ".tlsutil-crt.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-subj", "/CN=" + cn, "-addext", "subjectAltName=DNS:" + cn,
         "-days", "2", "-keyout", key, "-out", crt],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(path, "w") as out:
        for part in (key, crt):
            with open(part) as f:
                out.write(f.read())
            os.unlink(part)
    os.chmod(path, 0o600)
    return path
