#!/usr/bin/python3
"""pop3_checkpw - a stand-in checkpassword program for the few POP3 tests
that need what vchkpw does not do: APOP (curl uses it whenever the
greeting has a timestamp) and a login program that crashes.  Reads
"login\\0password\\0timestamp\\0" from fd 3, looks the login up in the file
named by $POP3_TEST_PASSWD (lines "login:password:home:flags"), and on a
match sets USER and HOME, changes to home and execs the rest of its
arguments.  APOP digests (md5 of timestamp and password) are accepted.
Exit 1: bad login; 1 too for the "nopop" flag (as vchkpw).
"""
import hashlib
import os
import sys


def main():
    data = b""
    while len(data) < 512:
        b = os.read(3, 512 - len(data))
        if not b:
            break
        data += b
    os.close(3)
    parts = data.split(b"\0")
    if len(parts) < 3:
        sys.exit(2)
    login, password = parts[0].decode("utf-8", "replace").lower(), parts[1]
    with open(os.environ["POP3_TEST_PASSWD"]) as f:
        for line in f:
            f_login, f_pw, home, flags = line.rstrip("\n").split(":", 3)
            apop = hashlib.md5(parts[2] + f_pw.encode()).hexdigest()
            if f_login == login and (f_pw.encode() == password or
                                     apop.encode() == password.lower()):
                if "nopop" in flags:
                    sys.exit(1)
                if "crash" in flags:
                    os.kill(os.getpid(), 9)
                os.environ["USER"] = login.split("@")[0]
                os.environ["VPOPUSER"] = login
                os.environ["HOME"] = home
                os.chdir(home)
                os.execvp(sys.argv[1], sys.argv[1:])
    sys.exit(1)


main()
