"""qmail-lspawn's long-lived delivery workers: deliveries run in a few
workers (programs in .qmail files see the worker as their parent) that
have the mailbox owner's ids and were executed afresh as "qmail-lworker";
a worker is replaced after 100 deliveries; a worker killed during a
delivery makes it a temporary failure, delivered on the next try; and
workers killed with SIGKILL again and again during a flood lose no
message."""
import os
import random
import re
import signal
import time

import sendutil as su

N = int(os.environ.get("QUEUE_LWORKER_FLOOD_N", "800"))


def proc(pid):
    """(uid, argv[0], parent pid) of a running process, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            st = dict(l.split(":", 1) for l in f if ":" in l)
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv0 = f.read().split(b"\0")[0].decode()
    except OSError:
        return None
    return int(st["Uid"].split()[1]), argv0, int(st["PPid"].split()[0])


def lspawn_pid(m):
    for d in os.listdir("/proc"):
        if d.isdigit():
            p = proc(int(d))
            if p and p[2] == m.proc.pid and \
                    os.path.basename(p[1]) == "qmail-lspawn":
                return int(d)
    return None


def workers(m):
    """pids of the delivery workers of m's qmail-lspawn."""
    ls = lspawn_pid(m)
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            p = proc(int(d))
            if p and p[2] == ls and p[1] == "qmail-lworker":
                out.append(int(d))
    return out


def recorder_home(m, name):
    """A home whose .qmail records the pid of the process running the
    delivery (the parent of the program line's shell), then delivers."""
    rec = os.path.join(m.homes, name + ".ppids")
    h = su.home(m.homes, name, {".qmail": "|echo $PPID >> %s\n./Maildir/\n"
                                % rec})
    with open(rec, "w"):
        pass
    os.chmod(rec, 0o666)
    return h, rec


def test_workers_reused_as_the_user(instance, procs, tmp_path):
    m = su.Mail(instance, procs, tmp_path, concurrency=1)
    joe, pm, dom = su.setup_users(m)
    h, rec = recorder_home(m, "rec")
    su.users_cdb(m.i, [("=", "rec", "rec", su.UID, su.GID, h, "", ""),
                       ("=", "joe", "joe", su.UID, su.GID, joe, "", "")])
    m.start()
    for i in range(30):
        m.inject("s@remote.example", ["rec@" + su.ME],
                 b"Subject: n%d\n\nx\n" % i)
    m.wait_empty()
    assert len(su.maildir(h)) == 30
    pids = [int(x) for x in open(rec).read().split()]
    assert len(pids) == 30
    # One delivery at a time: one worker did them all, and it is still
    # there, waiting for the next, as the user and not root.
    assert len(set(pids)) == 1
    info = proc(pids[0])
    assert info is not None
    assert info[0] == su.UID and info[1] == "qmail-lworker"
    assert info[2] == lspawn_pid(m)
    assert workers(m) == [pids[0]]
    m.stop()


def test_worker_replaced_after_100(instance, procs, tmp_path):
    m = su.Mail(instance, procs, tmp_path, concurrency=1)
    joe, pm, dom = su.setup_users(m)
    h, rec = recorder_home(m, "rec")
    su.users_cdb(m.i, [("=", "rec", "rec", su.UID, su.GID, h, "", "")])
    for i in range(150):
        m.inject("s@remote.example", ["rec@" + su.ME],
                 b"Subject: n%d\n\nx\n" % i)
    m.start()
    m.wait_empty(timeout=120)
    pids = [int(x) for x in open(rec).read().split()]
    assert len(pids) == 150
    runs = [len(list(g)) for _, g in __import__("itertools").groupby(pids)]
    assert runs == [100, 50]
    m.stop()


def test_worker_killed_mid_delivery(instance, procs, tmp_path):
    """The worker dies (SIGKILL from the program it runs): a temporary
    failure, logged as qmail logs a crashed qmail-local; a new worker
    delivers it on the next try."""
    m = su.Mail(instance, procs, tmp_path)
    joe, pm, dom = su.setup_users(m)
    flag = os.path.join(m.homes, "killed")
    dq = os.path.join(joe, ".qmail")
    with open(dq, "w") as f:
        f.write("|test -e %s || { touch %s; kill -9 $PPID; sleep 1; }\n"
                "./Maildir/\n" % (flag, flag))
    os.chmod(dq, 0o644)
    os.chmod(m.homes, 0o777)
    m.start()
    m.inject("s@remote.example", ["joe@" + su.ME])
    m.wait_log(r"^delivery \d+: deferral: qmail-local_crashed./$")
    m.alarm()
    m.wait_empty()
    assert len(su.maildir(joe)) == 1
    assert re.search(r"^delivery \d+: success: did_1\+0\+1/$", m.logtext(),
                     re.M)
    m.stop()


def test_workers_killed_during_flood(instance, procs, tmp_path, capsys):
    rnd = random.Random(1919)
    m = su.Mail(instance, procs, tmp_path, concurrency=10)
    joe, pm, dom = su.setup_users(m)
    m.start()
    flood = su.SeqFlood(instance, N)
    kills = 0
    while not flood.done.is_set():
        time.sleep(rnd.uniform(0.01, 0.2))
        ws = workers(m)
        if not ws:
            continue
        try:
            os.kill(rnd.choice(ws), signal.SIGKILL)
            kills += 1
        except ProcessLookupError:
            pass
    flood.join()
    assert flood.errors == []
    m.wait_empty(timeout=240, alarm=True)
    missing, dups = flood.count((joe, dom))
    crashed = len(re.findall(r"deferral: qmail-local_crashed", m.logtext()))
    with capsys.disabled():
        print("\nworkers killed: %d messages, %d workers killed, %d "
              "deliveries deferred by it, %d extra copies, %d missing"
              % (N, kills, crashed, dups, len(missing)))
    assert missing == []
    assert kills > 0
    m.stop()
