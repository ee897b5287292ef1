"""mail-traffic, trafficloader, xfer-cat and mail-traffic-report end to end:
a synthetic maillog in qmail's format (spanning New Year, with garbage and
other programs' lines) counted once and incrementally across rotations,
loaded into SQLite and into a real PostgreSQL server, reported back.
"""
import csv
import gzip
import io
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import prog
from trafficutil import (HOSTED, Postgres, generate, read_stats,
                         setup_domains, syslog_line)

# 2026-12-31 20:00:00 UTC: the log runs past midnight into 2027.
START = 1798747200


def env_of(inst):
    e = dict(inst.env)
    e["TZ"] = "UTC"
    return e


def run(inst, name, *args, ok=True):
    p = subprocess.run([prog(name)] + list(args), env=env_of(inst),
                       capture_output=True, text=True, timeout=300)
    if ok:
        assert p.returncode == 0, p.stderr
    return p


def write(path, lines, mode="w"):
    with open(path, mode) as f:
        f.write("".join(lines))


def expected_files(model):
    return {model.file_name(d): model.day_file(d) for d in model.days()}


@pytest.fixture
def traffic(instance):
    setup_domains(instance)
    return instance


def test_counts_span_new_year(traffic):
    lines, model = generate(START, 3000, seed=3)
    assert len(model.days()) >= 2          # 2026-12-31 and 2027-01-01
    write(traffic.path("log", "maillog"), lines)
    run(traffic, "mail-traffic")
    got = read_stats(traffic)
    assert got == expected_files(model)
    assert "31.12.2026.qml.txt" in got and "01.01.2027.qml.txt" in got
    # A second run with nothing new changes nothing.
    run(traffic, "mail-traffic")
    assert read_stats(traffic) == got


def test_header_year_without_stamp(traffic):
    """Lines without splogger's stamp: the year comes from the last known
    time, so 'Jan 1' after 'Dec 31' is the next year."""
    t = START + 4 * 3600 - 2     # 2026-12-31 23:59:58
    lines = [
        syslog_line(t, "qmail", "info msg 1: bytes 2048 from <a@far.example> qp 1 uid 2"),
        syslog_line(t, "qmail", "starting delivery 1: msg 1 to local example.com-a@example.com"),
        syslog_line(t, "qmail", "delivery 1: success: did_0+0+1/", stamp=False),
        syslog_line(t, "qmail", "starting delivery 2: msg 1 to local example.com-b@example.com"),
        syslog_line(t + 5, "qmail", "delivery 2: success: did_0+0+1/", stamp=False),
    ]
    write(traffic.path("log", "maillog"), lines)
    run(traffic, "mail-traffic")
    assert read_stats(traffic) == {
        "31.12.2026.qml.txt": "|example.com|2.00|1|0|2.00|0.00|\n",
        "01.01.2027.qml.txt": "|example.com|2.00|1|0|2.00|0.00|\n",
    }


def test_incremental_with_rotation(traffic):
    """Run after every piece, across a cut line, rotations and gzip: the
    files come out exactly as one run over the whole log."""
    lines, model = generate(START, 2000, seed=5)
    log = traffic.path("log", "maillog")
    n = len(lines)
    a, b, c, d = n // 5, 2 * n // 5, 3 * n // 5, 4 * n // 5
    write(log, lines[:a])
    run(traffic, "mail-traffic")
    # half a line at the end: counted when it is complete
    write(log, lines[a:b] + [lines[b][:30]], "a")
    run(traffic, "mail-traffic")
    write(log, [lines[b][30:]] + lines[b + 1:c], "a")
    # rotation: maillog -> maillog.1, a new maillog
    os.rename(log, log + ".1")
    write(log, lines[c:d])
    run(traffic, "mail-traffic")
    run(traffic, "mail-traffic")            # twice: nothing doubles
    # the next rotation compresses the old one
    with open(log + ".1", "rb") as f, gzip.open(log + ".2.gz", "wb") as g:
        shutil.copyfileobj(f, g)
    os.unlink(log + ".1")
    os.rename(log, log + ".1")
    write(log, lines[d:])
    run(traffic, "mail-traffic")
    assert read_stats(traffic) == expected_files(model)


def test_rotation_mid_file(traffic):
    """Rotated between runs while the last run stopped in the middle: the
    rest of the rotated file (now gzipped) is read, then the new one."""
    lines, model = generate(START, 1500, seed=7)
    log = traffic.path("log", "maillog")
    n = len(lines)
    write(log, lines[:n // 3])
    run(traffic, "mail-traffic")
    write(log, lines[n // 3:2 * n // 3], "a")
    with open(log, "rb") as f, gzip.open(log + ".1.gz", "wb") as g:
        shutil.copyfileobj(f, g)
    write(log, lines[2 * n // 3:])
    run(traffic, "mail-traffic")
    assert read_stats(traffic) == expected_files(model)


def report_csv(inst, *args):
    p = run(inst, "mail-traffic-report", "-o", "csv", *args)
    return list(csv.DictReader(io.StringIO(p.stdout)))


def check_report(inst, model, *dbargs):
    rows = report_csv(inst, "-f", "2026-12-01", "-t", "2027-01-31", *dbargs)
    sums = model.sums()
    assert [r["domain"] for r in rows] == sorted(sums)
    for r in rows:
        i, o, rt, h = sums[r["domain"]]
        assert int(r["hits"]) == h
        # kB per day are rounded to 0.01 in the files; sums of a few days
        assert abs(float(r["in_kb"]) - i / 1024) < 0.01 * 3
        assert abs(float(r["out_kb"]) - (o + rt) / 1024) < 0.01 * 3
        assert abs(float(r["xfer_kb"]) - (i + o + rt) / 1024) < 0.01 * 3


def test_loader_sqlite(traffic):
    lines, model = generate(START, 1500, seed=11)
    write(traffic.path("log", "maillog"), lines)
    run(traffic, "mail-traffic")
    files = read_stats(traffic)
    run(traffic, "trafficloader")
    assert read_stats(traffic) == {}
    loaded = traffic.path("statistic", "loaded")
    for name, text in files.items():
        with gzip.open(os.path.join(loaded, name + ".gz"), "rt") as f:
            assert f.read() == text
    check_report(traffic, model)
    # Again: nothing to load, nothing doubles.
    run(traffic, "trafficloader")
    check_report(traffic, model)
    # One domain, per day, JSON.
    p = run(traffic, "mail-traffic-report", "-o", "json", "-D", "-d",
            "example.com", "-f", "2026-12-31", "-t", "2027-01-01")
    rows = json.loads(p.stdout)
    assert {r["date"] for r in rows} == {"2026-12-31", "2027-01-01"}
    assert all(r["domain"] == "example.com" for r in rows)
    p = run(traffic, "mail-traffic-report", "-f", "2026-12-01", "-t",
            "2027-01-31")
    assert "example.com" in p.stdout and "total" in p.stdout


def test_loader_partial_day_then_complete(traffic):
    """A day loaded while in progress is replaced, not added to, when the
    completed file comes."""
    lines, model = generate(START, 1500, seed=13)
    log = traffic.path("log", "maillog")
    write(log, lines[:len(lines) // 2])
    run(traffic, "mail-traffic")
    run(traffic, "trafficloader")
    write(log, lines[len(lines) // 2:], "a")
    run(traffic, "mail-traffic")
    run(traffic, "trafficloader")
    check_report(traffic, model)


def test_loader_crash_after_commit(traffic):
    """Committed but not yet archived (a crash between the two): the next
    run archives the file and loads nothing twice."""
    lines, model = generate(START, 800, seed=17)
    write(traffic.path("log", "maillog"), lines)
    run(traffic, "mail-traffic")
    files = read_stats(traffic)
    run(traffic, "trafficloader")
    for name, text in files.items():        # put them back, as if not moved
        with open(traffic.path("statistic", name), "w") as f:
            f.write(text)
    run(traffic, "trafficloader")
    assert read_stats(traffic) == {}
    check_report(traffic, model)


def test_loader_db_unreachable(traffic):
    lines, model = generate(START, 200, seed=19)
    write(traffic.path("log", "maillog"), lines)
    run(traffic, "mail-traffic")
    before = read_stats(traffic)
    p = run(traffic, "trafficloader", "-p",
            "host=127.0.0.1 port=1 connect_timeout=3", ok=False)
    assert p.returncode == 111
    assert "database unreachable" in p.stderr
    assert read_stats(traffic) == before
    assert not os.path.exists(traffic.path("statistic", "loaded"))
    # The same with a configured connection string.
    traffic.control("trafficdb", "host=127.0.0.1 port=1 connect_timeout=3\n")
    p = run(traffic, "trafficloader", ok=False)
    assert p.returncode == 111
    assert read_stats(traffic) == before


def test_bad_lines_in_statistics_file(traffic):
    with open(traffic.path("statistic", "02.01.2027.qml.txt"), "w") as f:
        f.write("|example.com|12.50|3|0|\n|broken|x|\ngarbage\n"
                "|other.example|1.00|1|0|0.50|0.50|\n|three.example|1|2|\n")
    p = run(traffic, "trafficloader")
    assert "bad traffic line" in p.stderr
    rows = report_csv(traffic, "-f", "2027-01-02", "-t", "2027-01-02")
    got = {r["domain"]: (r["xfer_kb"], r["hits"], r["in_kb"], r["out_kb"])
           for r in rows}
    assert got == {"example.com": ("12.50", "3", "0.00", "0.00"),
                   "other.example": ("1.00", "1", "0.50", "0.50"),
                   "three.example": ("3.00", "0", "1.00", "2.00")}


def test_xfer_cat(traffic):
    lines, model = generate(START, 800, seed=23)
    write(traffic.path("log", "maillog"), lines)
    run(traffic, "mail-traffic")
    files = read_stats(traffic)
    p = run(traffic, "xfer-cat", "mail")
    want = ""
    for name in sorted(files, key=lambda n: (n[6:10], n[3:5], n[0:2])):
        want += "#TYPE=5#DATE=%s/%s/%s#\n" % (name[3:5], name[0:2],
                                             name[6:10]) + files[name]
    assert p.stdout == want
    assert read_stats(traffic) == {}
    assert run(traffic, "xfer-cat", "mail").stdout == ""
    p = run(traffic, "xfer-cat", "web", ok=False)
    assert p.returncode == 100


@pytest.fixture(scope="module")
def postgres():
    pg = Postgres()
    if not pg.available():
        pytest.skip("PostgreSQL server binaries are not installed "
                    "(deps/traffic.apt lists postgresql)")
    pg.start()
    yield pg
    pg.stop()


def test_loader_postgres(traffic, postgres):
    postgres.psql("DROP TABLE IF EXISTS trans_log; "
                  "DROP TABLE IF EXISTS trans_log_files")
    lines, model = generate(START, 1500, seed=29)
    log = traffic.path("log", "maillog")
    write(log, lines[:len(lines) // 2])
    run(traffic, "mail-traffic")
    traffic.control("trafficdb", postgres.conninfo() + "\n")
    traffic.control("trafficserver", "7\n")
    run(traffic, "trafficloader")
    write(log, lines[len(lines) // 2:], "a")
    run(traffic, "mail-traffic")
    run(traffic, "trafficloader")
    run(traffic, "trafficloader")
    check_report(traffic, model)
    # The rows are in H-Sphere's shape, server 7, mail type 5.
    out = postgres.psql("SELECT DISTINCT p_server_id, tt_type FROM trans_log")
    assert out.strip() == "7|5"
    n = postgres.psql("SELECT count(*) FROM trans_log_files")
    assert int(n) == len(model.days())
    hosted = {h for h in HOSTED if h != "alias.org"}
    names = set(postgres.psql("SELECT DISTINCT name FROM trans_log").split())
    assert names == hosted
    assert not os.path.exists(traffic.path("statistic", "traffic.db"))


def test_rotation_to_empty_log(traffic):
    """A run right after rotation, while the new log is still empty, must
    not make the next run read the rotated file again."""
    lines, model = generate(START, 1200, seed=31)
    log = traffic.path("log", "maillog")
    half = len(lines) // 2
    write(log, lines[:half])
    run(traffic, "mail-traffic")
    os.rename(log, log + ".1")
    write(log, [])
    run(traffic, "mail-traffic")
    write(log, lines[half:])
    run(traffic, "mail-traffic")
    run(traffic, "mail-traffic")
    assert read_stats(traffic) == expected_files(model)


def test_first_run_reads_rotated_logs(traffic):
    """No state yet: every rotated log is read, oldest first."""
    lines, model = generate(START, 1200, seed=37)
    log = traffic.path("log", "maillog")
    n = len(lines)
    with gzip.open(log + ".2.gz", "wt") as g:
        g.write("".join(lines[:n // 3]))
    write(log + ".1", lines[n // 3:2 * n // 3])
    write(log, lines[2 * n // 3:])
    run(traffic, "mail-traffic")
    assert read_stats(traffic) == expected_files(model)


def test_damaged_state(traffic):
    lines, model = generate(START, 100, seed=41)
    write(traffic.path("log", "maillog"), lines)
    run(traffic, "mail-traffic")
    st = traffic.path("statistic", ".mail-traffic.state")
    with open(st) as f:
        text = f.read()
    with open(st, "w") as f:
        f.write(text[:len(text) // 2])
    p = run(traffic, "mail-traffic", ok=False)
    assert p.returncode == 111
    assert "damaged" in p.stderr


def test_loader_postgres_hsphere_table(traffic, postgres):
    """An H-Sphere panel's trans_log, without the accelerator's flag
    column and with its own account columns: rows go in as they are."""
    postgres.psql("DROP TABLE IF EXISTS trans_log; "
                  "DROP TABLE IF EXISTS trans_log_files; "
                  "CREATE TABLE trans_log (p_server_id integer, "
                  "tt_type integer, cdate date, name varchar(128), "
                  "xfer float8, hits integer, html_hits integer, "
                  "in_traffic float8, out_traffic float8, "
                  "account_id integer, resource_id integer)")
    lines, model = generate(START, 600, seed=43)
    write(traffic.path("log", "maillog"), lines)
    run(traffic, "mail-traffic")
    run(traffic, "trafficloader", "-p", postgres.conninfo(), "-i", "3")
    check_report(traffic, model, "-p", postgres.conninfo())
    assert read_stats(traffic) == {}
    out = postgres.psql("SELECT count(*) FROM trans_log WHERE "
                        "account_id IS NULL AND p_server_id = 3")
    assert int(out) == sum(1 for _ in model.tot)


def test_missing_log_is_an_error(traffic):
    """No maillog (syslog not writing it): what the rotated logs hold is
    counted, then a warning and exit 111, never a silent nothing."""
    lines, model = generate(START, 300, seed=43)
    log = traffic.path("log", "maillog")
    write(log + ".1", lines)
    p = run(traffic, "mail-traffic", ok=False)
    assert p.returncode == 111
    assert "maillog is missing" in p.stderr
    assert read_stats(traffic) == expected_files(model)
    p = run(traffic, "mail-traffic", "-f", log, ok=False)
    assert p.returncode == 111 and "is missing" in p.stderr
    write(log, [])
    run(traffic, "mail-traffic")


def test_stale_log_while_mail_flows(traffic):
    """maillog not grown for more than a day while the queue took mail
    after its last line: a warning and exit 111; quiet when no mail came
    (a quiet box), when the log is fresh, or for a log named with -f."""
    lines, model = generate(START, 300, seed=47)
    log = traffic.path("log", "maillog")
    write(log, lines)
    todo = traffic.path("qmail", "queue", "todo")
    os.makedirs(todo)
    now = time.time()
    os.utime(log, (now - 3 * 86400, now - 3 * 86400))
    os.utime(todo, (now - 4 * 86400, now - 4 * 86400))
    run(traffic, "mail-traffic")                 # no mail since: fine
    os.utime(todo, (now - 60, now - 60))         # mail a minute ago
    p = run(traffic, "mail-traffic", ok=False)
    assert p.returncode == 111
    assert "has not grown since" in p.stderr and "queue took mail" in p.stderr
    assert read_stats(traffic) == expected_files(model)
    run(traffic, "mail-traffic", "-f", log)      # an archive: no check
    os.utime(log, (now - 3600, now - 3600))      # grew an hour ago
    run(traffic, "mail-traffic")


def test_start_day_for_a_box_taking_over(traffic):
    """-s: the first run on a box whose earlier days another job counted
    writes only the days from the cut-over on, each complete."""
    lines, model = generate(START, 2000, seed=59, step=200.0)
    days = model.days()
    assert len(days) >= 3
    cut = days[1]
    write(traffic.path("log", "maillog"), lines)
    run(traffic, "mail-traffic", "-s",
        "%s-%s-%s" % (cut[:4], cut[4:6], cut[6:]))
    want = {model.file_name(d): model.day_file(d) for d in days
            if d >= cut}
    assert read_stats(traffic) == want
