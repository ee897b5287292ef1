"""The install option that puts Debian's Roundcube on the box's Apache
against the box's own IMAP server (scripts/roundcube-setup, as `make
install ROUNDCUBE=1` runs it): the files it writes into a scratch tree,
then Roundcube served from exactly those files by an Apache and PHP-FPM of
the test's own, logging in to hsmail's imaplogin/imapd (through vchkpw),
listing the INBOX and reading a message, whose \\Seen flag the store then
holds (as IMAP shows it)."""
import html
import http.client
import os
import re
import shutil
import subprocess
import time
import urllib.parse

import pytest

from conftest import SRC, free_port, wait_port
from imaputil import Imap, deliver
from sendutil import open_path

RC = "/var/lib/roundcube/public_html"
FPM = "/usr/sbin/php-fpm8.2"
M = "/usr/lib/apache2/modules"


def needs_roundcube():
    if not os.path.isdir(RC) or not os.path.exists(FPM) or \
       shutil.which("sqlite3") is None:
        pytest.skip("Debian's roundcube, php8.2-fpm or sqlite3 missing "
                    "(deps/webmail.test.apt)")
    if os.geteuid() != 0:
        pytest.skip("PHP-FPM and Apache run as www-data: needs root")


def run_setup(dest, env):
    r = subprocess.run([os.path.join(SRC, "scripts", "roundcube-setup"),
                        str(dest)], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_setup_files(tmp_path):
    needs_roundcube()
    d = tmp_path / "dest"
    env = dict(os.environ, RC_DB_DIR="/var/lib/roundcube/hsmail")
    run_setup(d, env)
    inc = (d / "etc/roundcube/hsmail.inc.php").read_text()
    assert "$config['imap_host'] = 'localhost:143';" in inc
    assert "$config['smtp_host'] = 'tls://localhost:587';" in inc
    assert "$config['smtp_user'] = '%u';" in inc
    conf = (d / "etc/apache2/conf-available/roundcube-hsmail.conf") \
        .read_text()
    assert "Alias /roundcube /var/lib/roundcube/public_html" in conf
    # Only that path: no other alias, no global PHP handler.
    assert conf.count("Alias ") == 1
    assert conf.index("<FilesMatch") > conf.index("<Directory")
    assert (d / "var/lib/roundcube/hsmail/roundcube.db").stat().st_size > 0
    # Debian's own configuration gets one include line, once.
    cfg = d / "etc/roundcube/config.inc.php"
    cfg.write_text("<?php\n$config = [];\n$config['des_key'] = 'x';\n")
    run_setup(d, env)
    run_setup(d, env)
    assert cfg.read_text().count("hsmail.inc.php") == 1
    assert cfg.read_text().startswith("<?php\n$config = [];\n$config['des_key']")


class Web:
    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def req(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        h = {"Host": "127.0.0.1:%d" % self.port}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in
                                    self.cookies.items())
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read().decode("utf-8", "replace")
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                val = rest.split(";", 1)[0]
                if val in ("", "deleted"):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = val
        c.close()
        return r, data


def test_roundcube_on_our_imap(instance, procs, tmp_path):
    needs_roundcube()
    imap = Imap(instance, procs)
    mb = imap.user("rc@example.com", "rc-secret-1")
    deliver(os.path.join(mb.home, "Maildir"),
            "From: ann@example.com\nTo: rc@example.com\n"
            "Subject: Hello from hsmail\n\nThis went through imapd.\n")
    port = imap.start()
    # The option's files, pointed at this test's servers.
    d = tmp_path / "dest"
    sock = str(tmp_path / "fpm.sock")
    run_setup(d, dict(os.environ, RC_IMAP_HOST="127.0.0.1:%d" % port,
                  RC_DB_DIR=str(tmp_path / "rcdb"), RC_FPM_SOCKET=sock))
    cfg = d / "etc/roundcube"
    for n in ("defaults.inc.php", "mimetypes.php"):
        shutil.copy(os.path.join("/etc/roundcube", n), cfg)
    with open(cfg / "config.inc.php", "a") as f:
        f.write("$config['des_key'] = 'test-test-test-test-tes';\n"
                "$config['log_dir'] = '%s/';\n$config['temp_dir'] = "
                "'%s/';\n" % (tmp_path / "rclogs", tmp_path / "rctemp"))
    for sub in ("rclogs", "rctemp"):
        os.makedirs(tmp_path / sub)
    # PHP-FPM and Apache run as www-data: the way to their files open,
    # their own directories theirs.
    open_path(str(tmp_path))
    for top in ("dest", "rcdb", "rclogs", "rctemp"):
        for dp, dn, fn in os.walk(tmp_path / top):
            for x in dn + fn + [""]:
                os.lchown(os.path.join(dp, x), 33, 33)
    fpmconf = tmp_path / "php-fpm.conf"
    fpmconf.write_text(
        "[global]\npid = %s/php-fpm.pid\nerror_log = %s/php-fpm.log\n"
        "daemonize = no\n[rc]\nuser = www-data\ngroup = www-data\n"
        "listen = %s\nlisten.owner = www-data\nlisten.group = www-data\n"
        "pm = static\npm.max_children = 2\n"
        "env[ROUNDCUBE_CONFIG_DIR] = %s\n" % (tmp_path, tmp_path, sock, cfg))
    procs.start([FPM, "-F", "-y", str(fpmconf), "-c",
                 "/etc/php/8.2/fpm/php.ini"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
    end = time.time() + 30
    while not os.path.exists(sock) and time.time() < end:
        time.sleep(0.05)
    hp = free_port()
    h = tmp_path / "httpd"
    for sub in ("logs", "run"):
        os.makedirs(h / sub)
        os.chown(h / sub, 33, 33)
    mods = ["mpm_event", "authz_core", "alias", "mime", "dir", "proxy",
            "proxy_fcgi", "setenvif"]
    (h / "httpd.conf").write_text(
        "ServerRoot \"%s\"\nPidFile \"%s/run/httpd.pid\"\n"
        "Listen 127.0.0.1:%d\nServerName 127.0.0.1\n" % (h, h, hp) +
        "".join("LoadModule %s_module %s/mod_%s.so\n" % (m, M, m)
                for m in mods) +
        "User www-data\nGroup www-data\nErrorLog \"%s/logs/error.log\"\n"
        "TypesConfig /etc/mime.types\nDirectoryIndex index.php\n"
        "<Directory />\n  AllowOverride None\n  Require all denied\n"
        "</Directory>\nInclude %s\n" % (
            h, d / "etc/apache2/conf-available/roundcube-hsmail.conf"))
    procs.start(["/usr/sbin/apache2", "-f", str(h / "httpd.conf"),
                 "-DFOREGROUND"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
    wait_port(hp)
    w = Web(hp)
    r, page = w.req("GET", "/roundcube/?_task=login")
    assert r.status == 200, page[:500]
    tok = html.unescape(re.search(r'name="_token" value="([^"]*)"',
                                  page).group(1))
    r, page = w.req("POST", "/roundcube/?_task=login",
                    body=urllib.parse.urlencode({
                        "_token": tok, "_task": "login",
                        "_action": "login", "_timezone": "UTC", "_url": "",
                        "_user": "rc@example.com", "_pass": "rc-secret-1"}))
    assert r.status in (301, 302), page[:500]
    r, page = w.req("GET", "/roundcube/?_task=mail&_mbox=INBOX")
    rtok = re.search(r'"request_token":"([^"]+)"', page).group(1)
    hdr = {"X-Roundcube-Request": rtok, "X-Requested-With": "XMLHttpRequest"}
    r, lst = w.req("GET", "/roundcube/?_task=mail&_action=list&_mbox=INBOX"
                   "&_remote=1", headers=hdr)
    assert "Hello from hsmail" in lst, lst[:1000]
    uid = re.search(r"add_message_row\((\d+)", lst).group(1)
    r, page = w.req("GET", "/roundcube/?_task=mail&_action=show&_uid=%s"
                    "&_mbox=INBOX" % uid)
    assert "This went through imapd." in page
    # The login went through vchkpw, as an IMAP login.
    with open(instance.path("log", "maillog"), errors="replace") as f:
        assert "login success imap rc@example.com" in f.read()
    # Reading it set \Seen in the store: IMAP sees it.
    c = imap.login(port, mb)
    c.select("INBOX", readonly=True)
    typ, data = c.uid("FETCH", uid, "(FLAGS)")
    assert b"\\Seen" in data[0], data
    c.logout()
