"""Nothing accepted is ever lost: a few thousand messages are injected
while qmail-send, qmail-todo, qmail-lspawn and its delivery workers are
killed with SIGKILL at random moments and the daemons restarted.  Every
message must end up in a Maildir; duplicates (qmail's at-least-once
window: a delivery done but not yet marked) are counted and reported."""
import collections
import os
import random
import signal
import time

import pytest

import sendutil as su
import queueutil as qu

# A load test: thousands of messages and processes; alone, it neither
# slows the others nor is slowed by them.
pytestmark = pytest.mark.serial

N = int(os.environ.get("QUEUE_SEND_CRASH_N", "2000"))
VICTIMS = ("qmail-send", "qmail-todo", "qmail-lspawn", "qmail-local",
           "qmail-lworker")


def group_pids(pgid, daemons_only=False):
    """{pid: comm} of the processes in process group pgid; with
    daemons_only, only qmail-send and its direct children (a delivery
    forked by qmail-lspawn has its name until it runs qmail-local)."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        comm = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            if daemons_only and int(d) != pgid and int(fields[1]) != pgid:
                continue
            out[int(d)] = comm
    return out


def test_nothing_lost_under_sigkill(instance, procs, tmp_path, capsys):
    rnd = random.Random(4242)
    m = su.Mail(instance, procs, tmp_path, concurrency=10)
    joe, pm, dom = su.setup_users(m)
    m.start()
    flood = su.SeqFlood(instance, N, b"crash")
    done = flood.done
    kills = collections.Counter()
    restarts = 0
    while not done.is_set():
        time.sleep(rnd.uniform(0.05, 0.6))
        if m.proc.poll() is not None:
            m.proc.wait()
            m.start()
            restarts += 1
            continue
        want = rnd.choice(VICTIMS)
        pids = group_pids(m.proc.pid,
                          want not in ("qmail-local", "qmail-lworker"))
        cands = [p for p, c in pids.items() if c == want]
        if not cands:
            continue
        try:
            os.kill(rnd.choice(cands), signal.SIGKILL)
            kills[want] += 1
        except ProcessLookupError:
            continue            # it had just exited
        if want not in ("qmail-local", "qmail-lworker"):
            # the others notice and exit; start a fresh set
            try:
                m.proc.wait(60)
            except Exception:
                info = {p: (c, open("/proc/%d/wchan" % p).read())
                        for p, c in group_pids(m.proc.pid).items()}
                raise AssertionError("still running after killing %s: %s\n%s"
                                     % (want, info, m.logtext()[-2000:]))
            m.start()
            restarts += 1
    flood.join()
    assert flood.errors == []
    if m.proc.poll() is not None:
        m.start()
    m.wait_empty(timeout=240, alarm=True, mess=False)
    orphans = len(qu.files(m.queue, "mess"))
    missing, dups = flood.count((joe, dom))
    with capsys.disabled():
        print("\nnothing-lost: %d messages, kills %s, %d restarts, %d extra "
              "copies delivered, %d missing, %d message files left for the "
              "36-hour cleanup" % (N, dict(kills), restarts, dups, len(missing),
                                   orphans))
    assert missing == []
    assert sum(kills.values()) > 0
    m.stop()
