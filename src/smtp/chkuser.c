/*
 * chkuser - RCPT-time recipient check of qmail-smtpd against the
 * vpopmail store (vpop.h), with chkuser's environment switches, reply
 * texts and log lines (patches.md section 3).  A lookup the store refuses
 * for permissions is asked again of vchkuser (chkhelp.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chkuser.h"
#include "log.h"
#include "num.h"
#include "vpop.h"
#include "vpop_rcpt.h"

#define R_NOMBX	"550 5.1.1 sorry, no mailbox here by that name " \
	"(#5.1.1 - chkusr)"
#define R_TEMP	"451 4.3.0 system temporary unavailable, try again later " \
	"(#4.3.0 - chkuser)"
#define R_FULL	"552 5.2.2 sorry, recipient mailbox is full " \
	"(#5.2.2 - chkuser)"
#define R_MAXRCPT "550 5.5.3 sorry, reached maximum number of recipients " \
	"for one session (#5.5.3 - chkuser)"
#define R_MAXWRONG "550 5.7.1 sorry, you are violating our security " \
	"policies (#5.1.1 - chkuser)"
#define R_INTRUSION "550 5.7.1 sorry, you are violating our security " \
	"policies (#5.7.1 - chkuser)"

static int	env_num(const char *, unsigned long, unsigned long *);
static int	chk_lookup(struct chkuser *, const char *, const char *,
		    enum vpop_rcpt *);
static void	chk_log(struct chkuser *, const char *, const char *,
		    const char *, const char *, const char *);
static int	chk_reply(struct str *, const char *, int);

/* A CHKUSER_* number: unset or empty is 0. */
static int
env_num(const char *name, unsigned long max, unsigned long *val)
{
	const char *v = getenv(name);

	*val = 0;
	if (v == NULL || *v == '\0')
		return 0;
	return num_parses(v, max, val);
}

int
chkuser_init(struct chkuser *c, const char *remoteip, const char *remotehost,
    const char *remoteinfo)
{
	const char *v = getenv("CHKUSER_START");
	unsigned long q;

	memset(c, 0, sizeof(*c));
	c->remoteip = remoteip;
	c->remotehost = remotehost;
	c->remoteinfo = remoteinfo != NULL ? remoteinfo : "";
	c->identify = getenv("CHKUSER_IDENTIFY") != NULL ?
	    getenv("CHKUSER_IDENTIFY") : "";
	c->start = CHKUSER_OFF;
	if (v != NULL && strcmp(v, "ALWAYS") == 0)
		c->start = CHKUSER_ALWAYS;
	else if (v != NULL && strcmp(v, "DOMAIN") == 0)
		c->start = CHKUSER_DOMAIN;
	if (env_num("CHKUSER_RCPTLIMIT", 1000000, &c->rcptlimit) == -1 ||
	    env_num("CHKUSER_WRONGRCPTLIMIT", 1000000, &c->wronglimit) == -1 ||
	    env_num("CHKUSER_MBXQUOTA", 100, &q) == -1) {
		errno = EINVAL;
		return -1;
	}
	c->mbxquota = (int)q;
	chkhelp_init(&c->help, NULL);
	return 0;
}

void
chkuser_free(struct chkuser *c)
{
	chkhelp_close(&c->help);
}

/*
 * The store's answer for user@dom: directly, or from vchkuser once the
 * store has refused us (then for the rest of the session).  0 or -1.
 */
static int
chk_lookup(struct chkuser *c, const char *user, const char *dom,
    enum vpop_rcpt *res)
{
	if (chkhelp_up(&c->help))
		return chkhelp_ask(&c->help, user, dom, c->mbxquota, res);
	if (vpop_rcpt_check(user, dom, c->mbxquota, res) == 0)
		return 0;
	if (errno != EACCES && errno != EPERM)
		return -1;
	return chkhelp_ask(&c->help, user, dom, c->mbxquota, res);
}

/*
 * A refusal: the reply line into *reply, and r.  Short of memory the
 * reply stays empty, and the caller ends the session (chkuser.h).
 */
static int
chk_reply(struct str *reply, const char *text, int r)
{
	if (str_copys(reply, text) == -1)
		str_clear(reply);
	return r;
}

/* CHKUSER <brief>: from <s:info:id> remote <helo:host:ip> rcpt <r> : <d> */
static void
chk_log(struct chkuser *c, const char *brief, const char *sender,
    const char *helo, const char *rcpt, const char *detail)
{
	struct str s = STR_INIT(1024), h = STR_INIT(1024), r = STR_INIT(1024);

	(void)log_safe_cat(&s, sender, strlen(sender));
	(void)log_safe_cat(&h, helo, strlen(helo));
	(void)log_safe_cat(&r, rcpt, strlen(rcpt));
	log_line("CHKUSER %s: from <%s:%s:%s> remote <%s:%s:%s> rcpt <%s> : %s",
	    brief, str_c(&s), c->remoteinfo, c->identify, str_c(&h),
	    c->remotehost, c->remoteip, str_c(&r), detail);
	str_free(&s);
	str_free(&h);
	str_free(&r);
}

int
chkuser_rcpt(struct chkuser *c, const struct smtpd_path *p,
    const char *sender, const char *helo, struct str *reply)
{
	struct str user = STR_INIT(SMTPD_ADDR_MAX),
	    dom = STR_INIT(SMTPD_ADDR_MAX);
	const char *addr = str_c(&p->addr);
	enum vpop_rcpt res;
	int	 ret;

	str_clear(reply);
	if (c->start == CHKUSER_OFF)
		return 1;
	if (c->intrusion) {
		chk_log(c, "rejected intrusion", sender, helo, addr,
		    "rcpt ignored, session over intrusion threshold");
		return chk_reply(reply, R_INTRUSION, 0);
	}
	c->nrcpt++;
	if (c->rcptlimit > 0 && c->nrcpt >= c->rcptlimit) {
		c->intrusion = 1;
		chk_log(c, "rejected rcpt", sender, helo, addr,
		    "max number of recipients");
		chk_log(c, "intrusion threshold", sender, helo, addr,
		    "max number of allowed rcpt");
		return chk_reply(reply, R_MAXRCPT, 0);
	}
	if (p->flags & ADDR_NOAT) {
		/* <postmaster>: qmail-send's envnoathost, not a domain here. */
		chk_log(c, "accepted any rcpt", sender, helo, addr,
		    "accepted any recipient for this domain");
		return 1;
	}
	if (str_copyb(&user, p->addr.s, p->domain - 1) == -1 ||
	    str_copyb(&dom, p->addr.s + p->domain, p->addr.len - p->domain) ==
	    -1) {
		ret = -1;
		goto temp;
	}
	str_lower(&user);
	str_lower(&dom);
	if (chk_lookup(c, str_c(&user), str_c(&dom), &res) == -1) {
		ret = -1;
		goto temp;
	}
	switch (res) {
	case VPOP_RCPT_NODOMAIN:
	case VPOP_RCPT_CATCHALL:
		chk_log(c, "accepted any rcpt", sender, helo, addr,
		    "accepted any recipient for this domain");
		ret = 1;
		break;
	case VPOP_RCPT_USER:
	case VPOP_RCPT_ALIAS:
	case VPOP_RCPT_EXT:
		chk_log(c, "accepted rcpt", sender, helo, addr,
		    "found existing recipient");
		ret = 1;
		break;
	case VPOP_RCPT_FULL:
		chk_log(c, "mbx overquota", sender, helo, addr,
		    "rcpt mailbox is overquota");
		ret = chk_reply(reply, R_FULL, 0);
		break;
	default:
		c->nwrong++;
		chk_log(c, "rejected rcpt", sender, helo, addr,
		    "not existing recipient");
		if (c->wronglimit > 0 && c->nwrong >= c->wronglimit) {
			c->intrusion = 1;
			chk_log(c, "intrusion threshold", sender, helo, addr,
			    "max number of allowed invalid rcpt");
			ret = chk_reply(reply, R_MAXWRONG, 0);
		} else
			ret = chk_reply(reply, R_NOMBX, 0);
		break;
	}
	str_free(&user);
	str_free(&dom);
	return ret;
temp:
	chk_log(c, "no auth resource", sender, helo, addr,
	    "no auth resource available");
	str_free(&user);
	str_free(&dom);
	return chk_reply(reply, R_TEMP, -1);
}
