"""The ext-todo split at work: while a flood of messages is injected,
qmail-todo preprocesses them and qmail-send keeps starting deliveries, so
deliveries complete during the flood instead of waiting for it to end
(qmail's "silly qmail syndrome").  The numbers are printed; the assertion
is only that deliveries flowed, not how fast."""
import os
import re
import threading
import time

import pytest

import sendutil as su
import queueutil as qu

pytestmark = pytest.mark.serial	# a load test

M = int(os.environ.get("QUEUE_SEND_FLOOD_N", "1200"))
THREADS = 4


def test_deliveries_flow_during_flood(instance, procs, tmp_path, capsys):
    m = su.Mail(instance, procs, tmp_path, concurrency=10)
    joe, pm, dom = su.setup_users(m)
    m.start()

    def inject(k):
        for i in range(k, M, THREADS):
            rc, err = qu.qq(instance, b"Subject: flood %d\n\nx\n" % i,
                            qu.envelope("s@remote.example", ["joe@" + su.ME]))
            assert rc == 0, err

    start = os.path.getsize(m.log)
    t0 = time.time()
    ts = [threading.Thread(target=inject, args=(k,)) for k in range(THREADS)]
    for t in ts:
        t.start()
    backlog = 0
    while any(t.is_alive() for t in ts):
        backlog = max(backlog, len(os.listdir(os.path.join(m.queue, "todo"))))
        time.sleep(0.05)
    for t in ts:
        t.join()
    t1 = time.time()
    with open(m.log, "rb") as f:
        f.seek(start)
        during = f.read().decode(errors="replace")
    ok = len(re.findall(r"^delivery \d+: success: ", during, re.M))
    m.wait_empty(timeout=180)
    assert len(su.maildir(joe)) == M
    with capsys.disabled():
        print("\nflood: %d messages injected by %d writers in %.1f s; %d "
              "deliveries completed during the flood; largest todo/ backlog "
              "seen %d" % (M, THREADS, t1 - t0, ok, backlog))
    assert ok > 0
    m.stop()
