/*
 * smtpd_auth - holding, filtering and the msgauthd exchange for
 * qmail-smtpd (see smtpd_auth.h).  Runs in qmail-smtpd as qmaild; loads
 * no crypto and holds no key.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "root.h"
#include "smtpd_auth.h"
#include "srs.h"

/* Seconds a msgauthd exchange may wait per read or write. */
#define AUTH_IO_TIMEOUT	1200

static int	auth_judge(void *, const char *, size_t, int);
static int	auth_out(void *, const char *, size_t);
static int	auth_qwrite(void *, const char *, size_t);

int
smtpd_auth_init(struct smtpd_auth *a, const char *remoteip, long pid,
    int (*qwrite)(void *, const char *, size_t), void *qarg)
{
	struct str pol = STR_INIT(64), me = STR_INIT(1024),
	    sock = STR_INIT(4096), received = STR_INIT(4096), dir =
	    STR_INIT(4096);
	struct stat st;
	const char *v;
	long	 t;

	memset(a, 0, sizeof(*a));
	a->me = me;
	a->sock = sock;
	a->received = received;
	a->remoteip = remoteip;
	a->pid = pid;
	a->qwrite = qwrite;
	a->qarg = qarg;
	a->policy = AUTHP_MARK;
	if (ctl_readline("mailauth", &pol, "mark") == -1)
		return -1;
	if ((v = getenv("MAILAUTH")) != NULL && *v != '\0' &&
	    str_copys(&pol, v) == -1)
		return -1;
	if (strcasecmp(str_c(&pol), "off") == 0)
		a->policy = AUTHP_OFF;
	else if (strcasecmp(str_c(&pol), "reject") == 0)
		a->policy = AUTHP_REJECT;
	str_free(&pol);
	if (ctl_readint("mailauthtimeout", 20, &t) == -1 || t <= 0 ||
	    t > 600)
		return -1;
	a->dns_ms = t * 1000;
	if (ctl_readline("me", &a->me, "localhost") == -1 ||
	    root_path(&a->sock, ROOT_QMAIL, MAUTHP_SOCK) == -1 ||
	    root_path(&dir, ROOT_QMAIL, "control/dkim") == -1)
		return -1;
	a->sign = stat(str_c(&dir), &st) == 0;
	str_free(&dir);
	/* The secret may be kept from qmaild: then no reversal. */
	if (srs_secrets(&a->srs) == -1 && errno != EACCES)
		return -1;
	return 0;
}

/* mhdr: drop Authentication-Results fields that name us (forgeries). */
static int
auth_judge(void *arg, const char *f, size_t n, int flags)
{
	struct smtpd_auth *a = arg;

	(void)flags;
	return !mhdr_forged(f, n, str_c(&a->me));
}

/* mhdr's output: held (and copied to msgauthd), or straight on. */
static int
auth_out(void *arg, const char *b, size_t n)
{
	struct smtpd_auth *a = arg;

	if (!a->holding)
		return auth_qwrite(a, b, n);
	if (mhold_write(&a->hold, b, n) == -1)
		return -1;
	if (a->conn_ok && mauthp_client_data(&a->conn, b, n) == -1) {
		log_line("smtpd %ld msgauthd lost: %s", a->pid,
		    strerror(errno));
		a->conn_ok = 0;
		mauthp_close(&a->conn);
	}
	return 0;
}

static int
auth_qwrite(void *arg, const char *b, size_t n)
{
	struct smtpd_auth *a = arg;

	if (a->qwrite(a->qarg, b, n) == -1) {
		a->failed = 1;
		return -1;
	}
	return 0;
}

void
smtpd_auth_reset(struct smtpd_auth *a)
{
	if (a->filtering)
		mhdr_free(&a->split);
	if (a->holding)
		mhold_free(&a->hold);
	if (a->conn_ok)
		mauthp_close(&a->conn);
	a->filtering = a->holding = a->conn_ok = a->signing = a->failed = 0;
}

int
smtpd_auth_start(struct smtpd_auth *a, const struct str *received,
    int relay, const char *helo, const char *sender)
{
	struct mauthp_req req;

	smtpd_auth_reset(a);
	mhdr_init(&a->split, a, auth_judge, NULL, auth_out);
	a->filtering = 1;
	if (relay ? !a->sign : a->policy == AUTHP_OFF)
		return 0;
	if (mauthp_connect(&a->conn, str_c(&a->sock), AUTH_IO_TIMEOUT) ==
	    -1) {
		log_line("smtpd %ld msgauthd unavailable: %s; message not %s",
		    a->pid, strerror(errno), relay ? "signed" : "checked");
		return 0;
	}
	memset(&req, 0, sizeof(req));
	req.sign = relay;
	req.ip = a->remoteip;
	req.helo = helo;
	req.mailfrom = sender;
	req.authservid = str_c(&a->me);
	req.reject = a->policy == AUTHP_REJECT;
	req.dns_ms = a->dns_ms;
	if (str_copyb(&a->received, received->s, received->len) == -1 ||
	    mauthp_client_start(&a->conn, &req) == -1) {
		mauthp_close(&a->conn);
		log_line("smtpd %ld msgauthd unavailable: %s; message not %s",
		    a->pid, strerror(errno), relay ? "signed" : "checked");
		return 0;
	}
	a->conn_ok = 1;
	a->signing = relay;
	mhold_init(&a->hold, MHOLD_MEM, NULL);
	a->holding = 1;
	return 1;
}

int
smtpd_auth_write(struct smtpd_auth *a, const char *b, size_t n)
{
	return mhdr_feed(&a->split, b, n);
}

int
smtpd_auth_end(struct smtpd_auth *a, struct str *reply)
{
	struct mauthp_res res;
	int	 r = 0;

	if (!a->filtering)
		return 0;
	if (mhdr_end(&a->split) == -1)
		goto temp;
	if (!a->holding) {
		smtpd_auth_reset(a);
		return 0;
	}
	mauthp_res_init(&res);
	if (a->conn_ok && mauthp_client_end(&a->conn, &res) == -1) {
		log_line("smtpd %ld msgauthd failed: %s; message not %s",
		    a->pid, strerror(errno), a->signing ? "signed" : "checked");
		res.verdict = 'Z';
		str_clear(&res.headers);
	}
	if (res.verdict == 'R') {
		str_clear(reply);
		r = str_copyb(reply, res.reply.s, res.reply.len) == -1 ? -1 : 1;
		mauthp_res_free(&res);
		smtpd_auth_reset(a);
		if (r == -1)
			goto temp;
		return 1;
	}
	if ((res.verdict == 'A' && res.headers.len > 0 &&
	    auth_qwrite(a, res.headers.s, res.headers.len) == -1) ||
	    auth_qwrite(a, a->received.s, a->received.len) == -1 ||
	    mhold_copy(&a->hold, auth_qwrite, a) == -1)
		r = -1;
	mauthp_res_free(&res);
	smtpd_auth_reset(a);
	if (r == -1)
		goto temp;
	return 0;
temp:
	str_clear(reply);
	str_note(reply, "451 4.3.0 qq write error or disk full "
	    "(#4.3.0)");
	return -1;
}

int
smtpd_auth_srs(struct smtpd_auth *a, struct smtpd_path *p, struct str *reply)
{
	struct str orig = STR_INIT(SMTPD_ADDR_MAX);
	const char *at;
	int	 r;

	if (a->srs.n == 0 || p->domain == 0 || !srs_is(p->addr.s, p->domain -
	    1))
		return 0;
	r = srs_reverse(str_c(&p->addr), &a->srs, (long long)time(NULL),
	    &orig);
	if (r == 1 && (at = strrchr(str_c(&orig), '@')) != NULL &&
	    str_copyb(&p->addr, orig.s, orig.len) == 0) {
		p->domain = (size_t)(at - str_c(&orig)) + 1;
		log_line("smtpd %ld srs ip %s rcpt %s", a->pid, a->remoteip,
		    str_c(&p->addr));
		str_free(&orig);
		return 1;
	}
	str_free(&orig);
	str_clear(reply);
	str_note(reply, r == -1 && errno == ETIME ? "550 5.1.1 that "
	    "forwarding address has expired (#5.1.1)" : "550 5.1.1 sorry, "
	    "no mailbox here by that name (#5.1.1)");
	return -1;
}

void
smtpd_auth_free(struct smtpd_auth *a)
{
	smtpd_auth_reset(a);
	str_free(&a->me);
	str_free(&a->sock);
	str_free(&a->received);
	strlist_free(&a->srs);
}
