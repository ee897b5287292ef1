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
#include <sys/stat.h>
#include <sys/wait.h>

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
#include "forksrv.h"
#include "log.h"
#include "num.h"
#include "queue.h"
#include "rbuf.h"
#include "root.h"
#include "smtpd_auth.h"
#include "smtpd_proto.h"
#include "smtpd_queue.h"
#include "smtpd_sender.h"
#include "smtpd_tls.h"
#include "wbuf.h"

/* Longest a checkpassword program may take (vchkpw sleeps 2 s on a
 * failure). */
#define SMTPD_AUTH_TIMEOUT	60
/* vchkpw(8): refused by the failed-login limiter. */
/* Defaults of control/timeoutgreeting, maxrcpt and maxrcptsession. */
#define SMTPD_GREET_TIMEOUT	20
#define SMTPD_RCPT_DEFAULT	100
#define SMTPD_RCPT_SESSION	1000
#define SMTPD_DATABYTES		(50L * 1024 * 1024)

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
	unsigned greet;		/* control/timeoutgreeting */
	struct chkuser chk;
	/* The authenticated sender check (smtpd_sender.h). */
	int	 sendercheck;	/* on: AUTH_ANYSENDER not set */
	struct strlist anysender;	/* control/anysender */
	struct str authlogin;	/* the login AUTH accepted */
	int	 fromcheck;	/* this message's From: is being collected */
	int	 fromerr;	/* ... and memory ran out doing it */
	struct sender_from from;
	struct smtpd_auth auth;	/* sender authentication (msgauthd) */
};

static void	die_controls(struct io *);
static int	h_rcpthosts(void *, const char *);
static int	h_starttls(void *, struct str *);
static int	h_tlsinfo(void *, struct str *);
static int	h_auth(void *, const char *, const char *, const char *);
static int	h_mailcheck(void *, const char *, const char *, struct str *);
static int	from_check(struct ctx *, struct str *);
static int	h_qopen(void *);
static int	h_qwrite(void *, const char *, size_t);
static int	h_qclose(void *, const struct str *, struct str *);
static long long h_now(void *);
static int	h_qwrite_raw(void *, const char *, size_t);
static int	h_msg_start(void *, const struct str *, int, const char *,
		    const char *);
static int	h_msg_end(void *, struct str *);
static int	h_rcptsrs(void *, struct smtpd_path *, struct str *);
static int	h_rcptcheck(void *, const struct smtpd_path *, const char *,
		    const char *, struct str *);
static const char *env_or(const char *, const char *);
static int	cram_possible(const char *);

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

/*
 * 1 unless CRAM-MD5 cannot succeed: vchkpwsmtp checks it against the
 * clear-text password column, which the store keeps only when
 * <vpopmail>/etc/clear-passwd exists.  Another checkpassword program, or
 * a store we may not look into, may well support it.
 */
static int
cram_possible(const char *prog)
{
	struct str p = STR_INIT(4096);
	const char *base = strrchr(prog, '/');
	struct stat st;
	int	 r = 1;

	base = base != NULL ? base + 1 : prog;
	if (strcmp(base, "vchkpwsmtp") != 0)
		return 1;
	if (root_path(&p, ROOT_VPOPMAIL, "etc/clear-passwd") == 0 &&
	    stat(p.s, &st) == -1 && errno == ENOENT)
		r = 0;
	str_free(&p);
	return r;
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
	return smtpd_tls_start(&c->io, str_c(&c->certfile), c->greet,
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
	int	 status;

	checkpw_spec_init(&spec, c->authargv);
	if (checkpw_record(&rec, user, strlen(user), secret, strlen(secret),
	    chal, strlen(chal)) == -1)
		return -1;
	switch (checkpw_run(&spec, &rec, SMTPD_AUTH_TIMEOUT, &status)) {
	case CHECKPW_OK:
		return str_copys(&c->authlogin, user) == -1 ? -1 : 0;
	case CHECKPW_REFUSED:
		/* vchkpwsmtp's 16: its failed-login limiter refused. */
		return WEXITSTATUS(status) == CHECKPW_EXIT_LIMIT ? 2 : 1;
	default:
		return -1;
	}
}

/* MAIL FROM of an authenticated client: its own addresses only. */
static int
h_mailcheck(void *arg, const char *login, const char *sender,
    struct str *reply)
{
	struct ctx *c = arg;
	int	 r;

	if (!c->sendercheck)
		return 1;
	r = sender_owned(&c->chk, login, sender, &c->anysender);
	if (r == 1)
		return 1;
	if (str_copys(reply, r == 0 ? "553 5.7.1 sorry, that sender address "
	    "is not yours (#5.7.1)" : "451 4.3.0 unable to check the sender "
	    "address (#4.3.0)") == -1)
		str_clear(reply);
	return r;
}

/*
 * The From: fields of an authenticated client's message: every address
 * must be one it may use.  0 fine; -1 refused or temporary, with the
 * whole reply line in *reply.
 */
static int
from_check(struct ctx *c, struct str *reply)
{
	struct strlist addrs = STRLIST_INIT;
	const char *why = NULL;
	size_t	 i;
	int	 r;

	if (c->fromerr)
		why = "451 4.3.0 out of memory (#4.3.0)";
	else if (c->from.toolong)
		why = "550 5.7.1 sorry, that From: field is too long "
		    "(#5.7.1)";
	for (i = 0; why == NULL && i < c->from.fields.n; i++) {
		strlist_free(&addrs);
		if (sender_from_addrs(c->from.fields.v[i], &addrs) == -1) {
			if (errno == ENOMEM)
				why = "451 4.3.0 out of memory (#4.3.0)";
			continue;	/* no address: nothing to check */
		}
		for (size_t j = 0; why == NULL && j < addrs.n; j++) {
			r = sender_owned(&c->chk, str_c(&c->authlogin),
			    addrs.v[j], &c->anysender);
			if (r == 0)
				why = "550 5.7.1 sorry, the From: address is "
				    "not yours (#5.7.1)";
			else if (r == -1)
				why = "451 4.3.0 unable to check the From: "
				    "address (#4.3.0)";
		}
	}
	strlist_free(&addrs);
	if (why == NULL)
		return 0;
	if (str_copys(reply, why) == -1)
		str_clear(reply);
	return -1;
}

static int
h_qopen(void *arg)
{
	struct ctx *c = arg;

	c->fromcheck = c->sendercheck && c->authlogin.len > 0;
	c->fromerr = 0;
	if (c->fromcheck)
		sender_from_init(&c->from);

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

	if (c->fromcheck && !c->fromerr &&
	    sender_from_feed(&c->from, b, n) == -1)
		c->fromerr = 1;
	if (c->auth.filtering)
		return smtpd_auth_write(&c->auth, b, n);
	return smtpd_qq_write(&c->qq, b, n);
}

/* What smtpd_auth writes into the queue. */
static int
h_qwrite_raw(void *arg, const char *b, size_t n)
{
	struct ctx *c = arg;

	return smtpd_qq_write(&c->qq, b, n);
}

static int
h_qclose(void *arg, const struct str *env, struct str *reply)
{
	struct ctx *c = arg;
	int	 r;

	smtpd_auth_reset(&c->auth);
	if (c->fromcheck) {
		r = env != NULL ? from_check(c, reply) : 0;
		sender_from_free(&c->from);
		c->fromcheck = 0;
		if (r == -1) {
			struct str junk = STR_INIT(1024);

			(void)smtpd_qq_close(&c->qq, NULL, 0, &junk);
			str_free(&junk);
			return -1;
		}
	}
	return smtpd_qq_close(&c->qq, env, (long long)time(NULL), reply);
}

static int
h_msg_start(void *arg, const struct str *received, int relay,
    const char *helo, const char *sender)
{
	struct ctx *c = arg;

	return smtpd_auth_start(&c->auth, received, relay, helo, sender);
}

static int
h_msg_end(void *arg, struct str *reply)
{
	struct ctx *c = arg;

	return smtpd_auth_end(&c->auth, reply);
}

static int
h_rcptsrs(void *arg, struct smtpd_path *p, struct str *reply)
{
	struct ctx *c = arg;

	return smtpd_auth_srs(&c->auth, p, reply);
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

	/* Under hsmail's tcpserver, from here on in a forked session. */
	(void)forksrv_serve();
	log_init("qmail-smtpd");
	signal(SIGPIPE, SIG_IGN);
	memset(&conf, 0, sizeof(conf));
	io_init(&c.io, 0, 1, 1200);

	if (ctl_readint("timeoutsmtpd", 1200, &n) == -1 || n <= 0)
		die_controls(&c.io);
	c.timeout = (unsigned)n;
	/* The first command and a TLS handshake: seconds, not minutes. */
	if (ctl_readint("timeoutgreeting", SMTPD_GREET_TIMEOUT, &n) == -1 ||
	    n < 0)
		die_controls(&c.io);
	c.greet = n > 0 && (unsigned)n < c.timeout ? (unsigned)n : c.timeout;
	io_init(&c.io, 0, 1, c.greet);
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
	/* Without control/databytes, 50 MB (qmail had no limit; 0 in the
	 * file still means none). */
	if (ctl_readint("databytes", SMTPD_DATABYTES, &n) == -1 || n < 0)
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
	/* Recipients: control/maxrcpt per message, control/maxrcptsession
	 * per session (chkuser's CHKUSER_RCPTLIMIT adds its own). */
	if (ctl_readint("maxrcpt", SMTPD_RCPT_DEFAULT, &n) == -1 || n < 1 ||
	    n > SMTPD_RCPT_MAX)
		die_controls(&c.io);
	conf.maxrcpt = (unsigned long)n;
	if (ctl_readint("maxrcptsession", SMTPD_RCPT_SESSION, &n) == -1 ||
	    n < 0)
		die_controls(&c.io);
	conf.maxrcpt_session = (unsigned long)n;
	conf.timeout = c.timeout;
	conf.greet_timeout = c.greet;
	conf.badmailfrom = &bad;
	conf.pid = (long)getpid();
	conf.auth = argc > 1;
	c.authargv = argv + 1;
	conf.auth_cleartext = getenv("AUTH_CLEARTEXT") != NULL;
	conf.auth_authzid = getenv("AUTH_AUTHZID") != NULL;
	conf.auth_nocram = conf.auth && !cram_possible(argv[1]);
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
	if (conf.tls && smtpd_tls_start(&c.io, str_c(&c.certfile), c.greet,
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
	c.sendercheck = getenv("AUTH_ANYSENDER") == NULL;
	c.authlogin.max = SMTPD_AUTH_MAX;
	if (ctl_readlist("anysender", &c.anysender) == -1)
		die_controls(&c.io);
	for (size_t i = 0; i < c.anysender.n; i++)
		for (char *p = c.anysender.v[i]; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
	if (smtpd_auth_init(&c.auth, conf.remoteip, conf.pid, h_qwrite_raw,
	    &c) == -1)
		die_controls(&c.io);

	memset(&hooks, 0, sizeof(hooks));
	hooks.arg = &c;
	hooks.rcpthosts = h_rcpthosts;
	if (c.chk.start != CHKUSER_OFF)
		hooks.rcptcheck = h_rcptcheck;
	hooks.starttls = h_starttls;
	hooks.tlsinfo = h_tlsinfo;
	hooks.auth = h_auth;
	hooks.mailcheck = h_mailcheck;
	hooks.queue_open = h_qopen;
	hooks.queue_write = h_qwrite;
	hooks.queue_close = h_qclose;
	hooks.now = h_now;
	hooks.msg_start = h_msg_start;
	hooks.msg_end = h_msg_end;
	hooks.rcptsrs = h_rcptsrs;

	rbuf_init(&rb, &c.io);
	wbuf_init(&wb, &c.io);
	if (smtpd_init(&s, &conf, &hooks, &rb, &wb) == -1)
		log_die(EXIT_TEMP, "out of memory");
	(void)smtpd_run(&s);
	smtpd_free(&s);
	chkuser_free(&c.chk);
	smtpd_auth_free(&c.auth);
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
