"""Helpers for the tcpserver / tcprules / splogger end-to-end tests: start a
tcpserver (ours or Debian's) on a kernel-chosen port, talk to it, read the
environment a connection got."""
import os
import re
import socket
import struct
import subprocess
import time

from conftest import WAIT, prog

DEBIAN_TCPSERVER = "/usr/bin/tcpserver"
DEBIAN_TCPRULES = "/usr/bin/tcprules"


class Server:
    """A running tcpserver; its port from -1, its stderr in a file."""

    def __init__(self, procs, opts, argv, host="127.0.0.1", binary=None,
                 logdir=None, env=None):
        self.log = os.path.join(logdir, "tcpserver.%d.log" % id(self))
        self.errf = open(self.log, "wb")
        cmd = [binary or prog("tcpserver"), "-1"] + list(opts) + \
            [host, "0"] + list(argv)
        self.p = procs.start(cmd, stdout=subprocess.PIPE, stderr=self.errf,
                             env=env)
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("tcpserver did not start: %s" % self.logtext())
        self.port = int(line)
        self.host = host

    def logtext(self):
        with open(self.log, "rb") as f:
            return f.read().decode("latin-1")

    def wait_log(self, regex, timeout=None):
        """Wait until a line of the log matches regex; the match or None."""
        end = time.time() + (WAIT if timeout is None else timeout)
        while True:
            m = re.search(regex, self.logtext(), re.M)
            if m or time.time() > end:
                return m
            time.sleep(0.02)

    def connect(self, host=None):
        # ucspi-tcp's -1 prints the port before listen(2): retry a refusal.
        end = time.time() + WAIT
        while True:
            try:
                return socket.create_connection(
                    (host or self.host, self.port), timeout=WAIT)
            except ConnectionRefusedError:
                if time.time() > end:
                    raise
                time.sleep(0.05)

    def talk(self, data=b"", host=None):
        """Connect, send data, shut down writing, read to EOF."""
        with self.connect(host) as s:
            if data:
                s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            return read_all(s)

    def env(self, host=None):
        """The environment a connection's program printed (prog `env`)."""
        return parse_env(self.talk(host=host))


def read_all(s):
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            return out
        out += b


def parse_env(data):
    env = {}
    for line in data.decode("latin-1").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            env[k] = v
    return env


def reset_connect(host, port):
    """Connect and close at once with a RST (SO_LINGER 0)."""
    s = socket.create_connection((host, port), timeout=WAIT)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                 struct.pack("ii", 1, 0))
    s.close()


def tcprules(cdb, text, binary=None):
    """Run tcprules; returns the CompletedProcess."""
    return subprocess.run([binary or prog("tcprules"), cdb, cdb + ".tmp"],
                          input=text.encode(), capture_output=True)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))
