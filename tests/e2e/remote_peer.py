#!/usr/bin/python3
"""remote_peer.py - the receiving side for the remote-delivery tests: a real
SMTP server (aiosmtpd) that stores what it accepts, or a raw TCP server that
misbehaves on purpose.  Started by remoteutil.py as a background process.

Usage: remote_peer.py MODE HOST PORT OUTFILE [CERT KEY]
Modes: accept, rcpt451, rcpt451once, rcpt550, data554, tls, mail451, slow,
small (aiosmtpd; rcpt451once defers only the first RCPT it sees; small
declares SIZE 1000;
slow takes half a second over each DATA and logs how many sessions it
had at once); garbage, hang, bigreply, dropdata, heloonly, badtls, busy,
blackhole, pipelining (raw; pipelining records whether MAIL, RCPT and
DATA came without waiting for replies; heloonly refuses EHLO, speaks plain SMTP after HELO and
logs the commands it got to OUTFILE; badtls offers STARTTLS and answers
the handshake with garbage; busy greets with 421; blackhole never
accepts, its backlog full, so connecting to it times out).
"""
import asyncio
import json
import socket
import ssl
import sys
import threading
import time


def aiosmtpd_server(mode, host, port, outfile, cert=None, key=None):
    from aiosmtpd.controller import Controller

    active = [0]
    deferred = []

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address,
                              mail_options):
            if mode == "mail451":
                return "451 4.3.2 sender queue full, later"
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
            return "250 2.1.0 ok"

        async def handle_RCPT(self, server, session, envelope, address,
                              rcpt_options):
            if mode == "rcpt451" or (mode == "rcpt451once" and
                                     not deferred):
                deferred.append(address)
                return "451 4.3.0 try again later, " + address
            if mode == "rcpt550" and not address.startswith("ok"):
                return "550 5.1.1 no such user here"
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 ok"

        async def handle_DATA(self, server, session, envelope):
            if mode == "data554":
                return "554 5.6.0 message content rejected"
            active[0] += 1
            if mode == "slow":
                await asyncio.sleep(0.5)
            at_once = active[0]
            active[0] -= 1
            rec = {"from": envelope.mail_from, "rcpt": envelope.rcpt_tos,
                   "at_once": at_once,
                   "mail_options": envelope.mail_options,
                   "data": envelope.original_content.decode("latin-1"),
                   "tls": session.ssl is not None}
            with open(outfile, "a") as f:
                f.write(json.dumps(rec) + "\n")
            return "250 2.0.0 ok queued as 4711"

    kw = {}
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        kw["tls_context"] = ctx
    limit = 1000 if mode == "small" else 50 * 1024 * 1024
    c = Controller(Handler(), hostname=host, port=port,
                   data_size_limit=limit, **kw)
    c.start()
    while True:
        time.sleep(3600)


def take_data(conn, f):
    """Read the message up to its final dot; accept it."""
    while f.readline() not in (b".\r\n", b""):
        pass
    conn.sendall(b"250 ok got it\r\n")


def helo_only(conn, f, outfile, badtls=False):
    """An RFC 821 server: EHLO refused, HELO accepted.  With badtls, EHLO
    is accepted and offers STARTTLS, which then fails."""
    conn.sendall(b"220 old-timer SMTP\r\n")
    cmds = []
    while True:
        ln = f.readline()
        if not ln:
            break
        cmds.append(ln.decode("latin-1").rstrip("\r\n"))
        verb = ln[:4].upper()
        if verb == b"EHLO" and badtls:
            conn.sendall(b"250-badtls\r\n250 STARTTLS\r\n")
        elif verb == b"STAR" and badtls:
            conn.sendall(b"220 go ahead\r\n")
            conn.sendall(b"this is not a TLS server hello\r\n" * 4)
            break
        elif verb == b"EHLO":
            conn.sendall(b"502 unimplemented\r\n")
        elif verb == b"DATA":
            conn.sendall(b"354 go ahead\r\n")
            take_data(conn, f)
        elif verb == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            break
        else:
            conn.sendall(b"250 ok\r\n")
    with open(outfile, "a") as o:
        o.write(json.dumps({"commands": cmds}) + "\n")


def pipelining(conn, f, outfile):
    """Offers PIPELINING and answers MAIL only once RCPT and DATA have
    come too: a client that waits for the MAIL reply is not pipelining
    (after 5 s the server answers anyway and notes it)."""
    conn.sendall(b"220 raw ESMTP\r\n")
    cmds = []
    piped = None
    while True:
        ln = f.readline()
        if not ln:
            break
        cmds.append(ln.decode("latin-1").rstrip("\r\n"))
        verb = ln[:4].upper()
        if verb == b"EHLO":
            conn.sendall(b"250-raw\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
        elif verb == b"MAIL":
            group = [verb]
            conn.settimeout(5)
            try:
                while group[-1] != b"DATA":
                    nxt = f.readline()
                    if not nxt:
                        return
                    cmds.append(nxt.decode("latin-1").rstrip("\r\n"))
                    group.append(nxt[:4].upper())
                piped = True
            except OSError:
                piped = False
            conn.settimeout(None)
            for v in group:
                conn.sendall(b"354 go ahead\r\n" if v == b"DATA"
                             else b"250 ok\r\n")
            if group[-1] == b"DATA":
                take_data(conn, f)
        elif verb == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            break
        else:
            conn.sendall(b"250 ok\r\n")
    with open(outfile, "a") as o:
        o.write(json.dumps({"commands": cmds, "pipelined": piped}) + "\n")


def raw_client(mode, conn, outfile=None):
    f = conn.makefile("rb")
    try:
        if mode in ("heloonly", "badtls"):
            helo_only(conn, f, outfile, mode == "badtls")
            return
        if mode == "pipelining":
            pipelining(conn, f, outfile)
            return
        if mode == "garbage":
            conn.sendall(b"\x00\xffHELLO THERE this is not SMTP\r\n")
            time.sleep(5)
            return
        if mode == "busy":
            conn.sendall(b"421 busy, try another MX\r\n")
            f.readline()
            return
        if mode == "hang":
            time.sleep(3600)
            return
        if mode == "bigreply":
            line = b"220-" + b"x" * 996 + b"\r\n"
            try:
                for _ in range(1100):
                    conn.sendall(line)
                conn.sendall(b"220 done\r\n")
            except OSError:
                pass
            time.sleep(5)
            return
        # dropdata: a proper dialogue that dies in the middle of DATA.
        conn.sendall(b"220 raw ESMTP\r\n")
        while True:
            ln = f.readline()
            if not ln:
                return
            cmd = ln[:4].upper()
            if cmd == b"EHLO":
                conn.sendall(b"250-raw\r\n250 8BITMIME\r\n")
            elif cmd == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                f.readline()
                conn.shutdown(socket.SHUT_RDWR)
                return
            elif cmd == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")
    finally:
        conn.close()


def raw_server(mode, host, port, outfile):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    if mode == "blackhole":
        # Fill the backlog and never accept: further SYNs are dropped.
        # The caller knows it is up when OUTFILE exists.
        s.listen(0)
        fill = []
        for _ in range(3):
            c = socket.socket(fam, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect((host, port))
            except BlockingIOError:
                pass
            fill.append(c)
        time.sleep(0.2)
        open(outfile, "w").close()
        while True:
            time.sleep(3600)
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=raw_client, args=(mode, conn, outfile),
                         daemon=True).start()


def main():
    mode, host, port, outfile = sys.argv[1:5]
    port = int(port)
    if mode in ("garbage", "hang", "bigreply", "dropdata", "heloonly",
                "badtls", "busy", "blackhole", "pipelining"):
        raw_server(mode, host, port, outfile)
    else:
        cert = sys.argv[5] if len(sys.argv) > 5 else None
        key = sys.argv[6] if len(sys.argv) > 6 else None
        aiosmtpd_server(mode, host, port, outfile, cert, key)


if __name__ == "__main__":
    main()
