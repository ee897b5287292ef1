/*
 * qmail-smtpd - receive mail over SMTP and hand it to qmail-queue.
 *
 * Started by tcpserver with the connection on fds 0 and 1, as qmaild
 * (no privileges): `qmail-smtpd` or `qmail-smtpd vchkpwsmtp /bin/true`
 * (SMTP AUTH through a checkpassword program).  Reads control/ files,
 * the tcpserver environment (TCPREMOTEIP, RELAYCLIENT, ...), and runs
 * qmail-queue and the checkpassword program (and vchkuser, when chkuser
 * may not read the vpopmail store).  Trusts the administrator's
 * control files and environment; nothing the client sends.  Log lines on
 * fd 2: hsmail-log(5).  Exit 0 after a session, 111 when it cannot start.
 *
 * Linked twice: qmail-smtpd with smtpd_notls.c, which hands every TLS
 * session to qmail-smtpd-tls by exec, and qmail-smtpd-tls with
 * smtpd_tls.c, which speaks it (smtpd_tls.h), so that a plain session
 * never loads OpenSSL.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cdbx.h"
#include "checkpw.h"
#include "chkuser.h"
#include "ctl.h"
#include "err.h"
#include "log.h"
#include "num.h"
#include "queue.h"
#include "rbuf.h"
#include "root.h"
#include "smtpd_proto.h"
#include "smtpd_queue.h"
#include "smtpd_tls.h"
#include "wbuf.h"

/* Longest a checkpassword program may take (vchkpw sleeps 2 s on a
 * failure). */
#define SMTPD_AUTH_TIMEOUT	60

struct ctx {
	struct io io;
	struct strlist rcpthosts;
	struct cdbx mrh;
	int	 have_mrh;
	struct str certfile;
	struct str qqprog;
	struct str qqsock;	/* qmail-queued's socket, or empty */
	struct str queuedir;
	struct smtpd_qq qq;
	char	**argv;		/* ours, for qmail-smtpd-tls */
	char	**authargv;
	unsigned timeout;
	struct chkuser chk;
};

static void	die_controls(struct io *);
static int	h_rcpthosts(void *, const char *);
static int	h_starttls(void *, struct str *);
static int	h_tlsinfo(void *, struct str *);
static int	h_auth(void *, const char *, const char *, const char *);
static int	h_qopen(void *);
static int	h_qwrite(void *, const char *, size_t);
static int	h_qclose(void *, const struct str *, struct str *);
static long long h_now(void *);
static int	h_rcptcheck(void *, const struct smtpd_path *, const char *,
		    const char *, struct str *);
static const char *env_or(const char *, const char *);

/* qmail: "421 unable to read controls (#4.3.0)", then exit. */
static void
die_controls(struct io *io)
{
	static const char msg[] = "421 4.3.0 unable to read controls "
	    "(#4.3.0)\r\n";

	(void)io_writeall(io, msg, sizeof(msg) - 1);
	log_die(EXIT_TEMP, "unable to read controls: %s", strerror(errno));
}

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

static int
h_rcpthosts(void *arg, const char *key)
{
	struct ctx *c = arg;
	size_t	 i, n = strlen(key);

	for (i = 0; i < c->rcpthosts.n; i++)
		if (strlen(c->rcpthosts.v[i]) == n &&
		    mem_caseeq(c->rcpthosts.v[i], key, n))
			return 1;
	if (!c->have_mrh)
		return 0;
	return cdbx_find(&c->mrh, key, n, NULL);
}

static int
h_starttls(void *arg, struct str *why)
{
	struct ctx *c = arg;

	/* A chkuser helper is not handed over to qmail-smtpd-tls: reap it
	 * now (the new process starts its own when it needs one), or it
	 * stays a zombie. */
	chkuser_free(&c->chk);
	return smtpd_tls_start(&c->io, str_c(&c->certfile), c->timeout,
	    c->argv, 1, why);
}

static int
h_tlsinfo(void *arg, struct str *out)
{
	struct ctx *c = arg;

	return smtpd_tls_info(&c->io, out);
}

static int
h_auth(void *arg, const char *user, const char *secret, const char *chal)
{
	struct ctx *c = arg;
	struct checkpw_spec spec;
	struct str rec = STR_INIT(CHECKPW_DATA_MAX);

	checkpw_spec_init(&spec, c->authargv);
	if (checkpw_record(&rec, user, strlen(user), secret, strlen(secret),
	    chal, strlen(chal)) == -1)
		return -1;
	switch (checkpw_run(&spec, &rec, SMTPD_AUTH_TIMEOUT, NULL)) {
	case CHECKPW_OK:
		return 0;
	case CHECKPW_REFUSED:
		return 1;
	default:
		return -1;
	}
}

static int
h_qopen(void *arg)
{
	struct ctx *c = arg;

	if (smtpd_qq_open(&c->qq, str_c(&c->qqprog), c->qqsock.len > 0 ?
	    str_c(&c->qqsock) : NULL, str_c(&c->queuedir), c->timeout) == -1) {
		log_warn("cannot start %s: %s", str_c(&c->qqprog),
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
h_qwrite(void *arg, const char *b, size_t n)
{
	struct ctx *c = arg;

	return smtpd_qq_write(&c->qq, b, n);
}

static int
h_qclose(void *arg, const struct str *env, struct str *reply)
{
	struct ctx *c = arg;

	return smtpd_qq_close(&c->qq, env, (long long)time(NULL), reply);
}

static int
h_rcptcheck(void *arg, const struct smtpd_path *rcpt, const char *sender,
    const char *helo, struct str *reply)
{
	struct ctx *c = arg;
	int	 r;

	r = chkuser_rcpt(&c->chk, rcpt, sender, helo, reply);
	return r == 1 ? RCPT_ACCEPT : r == 0 ? RCPT_REJECT : RCPT_TEMP;
}

static long long
h_now(void *arg)
{
	(void)arg;
	return (long long)time(NULL);
}

int
main(int argc, char **argv)
{
	static struct ctx c;
	static struct rbuf rb;
	static struct wbuf wb;
	struct smtpd_conf conf;
	struct smtpd_hooks hooks;
	struct smtpd s;
	struct str me = STR_INIT(1024), greeting = STR_INIT(1024),
	    why = STR_INIT(1024), mrh = STR_INIT(4096);
	struct strlist bad = STRLIST_INIT;
	const char *v;
	unsigned long ul;
	long	 n;

	log_init("qmail-smtpd");
	signal(SIGPIPE, SIG_IGN);
	memset(&conf, 0, sizeof(conf));
	io_init(&c.io, 0, 1, 1200);

	if (ctl_readint("timeoutsmtpd", 1200, &n) == -1 || n <= 0)
		die_controls(&c.io);
	c.timeout = (unsigned)n;
	io_init(&c.io, 0, 1, c.timeout);
	if (ctl_readline("me", &me, NULL) == -1 || me.len == 0)
		die_controls(&c.io);
	if (ctl_readline("smtpgreeting", &greeting, str_c(&me)) == -1)
		die_controls(&c.io);
	if (ctl_readlist("rcpthosts", &c.rcpthosts) == -1 ||
	    ctl_readlist("badmailfrom", &bad) == -1)
		die_controls(&c.io);
	if (root_path(&mrh, ROOT_QMAIL, "control/morercpthosts.cdb") == -1)
		die_controls(&c.io);
	switch (cdbx_open(&c.mrh, str_c(&mrh))) {
	case 1:
		c.have_mrh = 1;
		break;
	case 0:
		break;
	default:
		die_controls(&c.io);
	}
	if (ctl_readint("databytes", 0, &n) == -1 || n < 0)
		die_controls(&c.io);
	conf.databytes = (unsigned long long)n;
	if ((v = getenv("DATABYTES")) != NULL) {
		if (num_parses(v, (unsigned long)-1 / 2, &ul) == -1)
			die_controls(&c.io);
		conf.databytes = ul;
	}
	c.certfile.max = 4096;
	if (root_path(&c.certfile, ROOT_QMAIL, "control/servercert.pem") == -1)
		die_controls(&c.io);
	conf.starttls = access(str_c(&c.certfile), R_OK) == 0;
	c.qqprog.max = 4096;
	c.qqsock.max = 4096;
	c.queuedir.max = 4096;
	if ((v = getenv("QMAILQUEUE")) != NULL && *v != '\0') {
		if (str_copys(&c.qqprog, v) == -1)
			die_controls(&c.io);
	} else if (root_path(&c.qqprog, ROOT_QMAIL, "bin/qmail-queue") == -1 ||
	    root_path(&c.qqsock, ROOT_QMAIL, QUEUE_SOCK) == -1)
		die_controls(&c.io);
	if (root_path(&c.queuedir, ROOT_QMAIL, "queue") == -1)
		die_controls(&c.io);

	conf.greeting = str_c(&greeting);
	conf.localhost = env_or("TCPLOCALHOST", str_c(&me));
	conf.remoteip = env_or("TCPREMOTEIP", "unknown");
	conf.remotehost = env_or("TCPREMOTEHOST", "unknown");
	conf.remoteinfo = getenv("TCPREMOTEINFO");
	conf.relayclient = getenv("RELAYCLIENT");
	conf.maxrcpt = SMTPD_RCPT_MAX;
	conf.badmailfrom = &bad;
	conf.pid = (long)getpid();
	conf.auth = argc > 1;
	c.authargv = argv + 1;
	conf.auth_cleartext = getenv("AUTH_CLEARTEXT") != NULL;
	conf.submission = getenv("SUBMISSION") != NULL;
	conf.tls = getenv("SMTPS") != NULL;
	c.argv = argv;
	if (smtpd_tls_resume()) {
		/* qmail-smtpd said "220 ready to start TLS" and exec'd us. */
		conf.tls = 1;
		conf.greeted = 1;
	}
	/* SMTPS (port 465) or the rest of STARTTLS: the handshake first,
	 * or (without TLS here) qmail-smtpd-tls does all of it. */
	if (conf.tls && smtpd_tls_start(&c.io, str_c(&c.certfile), c.timeout,
	    argv, 0, &why) == -1) {
		log_line("smtpd %ld tls failed ip %s: %s", conf.pid,
		    conf.remoteip, str_c(&why));
		return EXIT_TEMP;
	}
	if (conf.greeted) {
		str_clear(&why);
		(void)smtpd_tls_info(&c.io, &why);
		log_line("smtpd %ld tls ip %s %s", conf.pid, conf.remoteip,
		    str_c(&why));
	}

	if (chkuser_init(&c.chk, conf.remoteip, conf.remotehost,
	    conf.remoteinfo) == -1)
		die_controls(&c.io);

	memset(&hooks, 0, sizeof(hooks));
	hooks.arg = &c;
	hooks.rcpthosts = h_rcpthosts;
	if (c.chk.start != CHKUSER_OFF)
		hooks.rcptcheck = h_rcptcheck;
	hooks.starttls = h_starttls;
	hooks.tlsinfo = h_tlsinfo;
	hooks.auth = h_auth;
	hooks.queue_open = h_qopen;
	hooks.queue_write = h_qwrite;
	hooks.queue_close = h_qclose;
	hooks.now = h_now;

	rbuf_init(&rb, &c.io);
	wbuf_init(&wb, &c.io);
	if (smtpd_init(&s, &conf, &hooks, &rb, &wb) == -1)
		log_die(EXIT_TEMP, "out of memory");
	(void)smtpd_run(&s);
	smtpd_free(&s);
	chkuser_free(&c.chk);
	smtpd_tls_end(&c.io);
	if (c.have_mrh)
		cdbx_close(&c.mrh);
	strlist_free(&c.rcpthosts);
	strlist_free(&bad);
	str_free(&c.certfile);
	str_free(&c.qqprog);
	str_free(&c.qqsock);
	str_free(&c.queuedir);
	str_free(&me);
	str_free(&greeting);
	str_free(&why);
	str_free(&mrh);
	return EXIT_DONE;
}
