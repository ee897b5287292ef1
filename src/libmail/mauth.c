/*
 * mauth - signing or checking one message (see mauth.h).  Runs in
 * msgauthd's child for one client; the message and everything DNS says
 * are untrusted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "authres.h"
#include "dkimcache.h"
#include "dkimkey.h"
#include "dkimsig.h"
#include "dkimsign.h"
#include "dmarc.h"
#include "mauth.h"
#include "mhdr.h"

struct mauth {
	struct mauth_req req;
	const struct spf_dns *dns;
	struct mhdr split;
	struct str fields;	/* sign: the header fields, end to end */
	size_t	 off[MAUTH_FIELDS_MAX + 1];
	size_t	 nfields;
	unsigned long hbytes;
	int	 overflow;	/* the header section is over our limits */
	int	 nfrom;		/* From fields */
	int	 fromr;		/* mhdr_from_domain of the first */
	struct str from;
	struct dkimsig *dk;	/* verify */
	struct dkimsign *ds;	/* sign */
	int	 dkbody;	/* the body goes to dk or ds */
	int	 skipnl;	/* the blank line after the header is next */
	long	 dnsleft;	/* ms of DNS budget left after the header */
	struct str note;	/* why nothing was signed, for the log */
	int	 failed;	/* keys or signing failed */
};

static int	mauth_judge(void *, const char *, size_t, int);
static int	mauth_eoh(void *);
static int	mauth_out(void *, const char *, size_t);
static int	mauth_keytxt(void *, const char *, struct strlist *);

int
mauth_setup(void)
{
	return dkimsig_init();
}

void
mauth_cleanup(void)
{
	dkimcache_clear();
}

struct mauth *
mauth_new(const struct mauth_req *req)
{
	struct mauth *m;
	struct str f = STR_INIT(MAUTH_HDR_MAX), from = STR_INIT(1024);
	struct str note = STR_INIT(1024);

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->req = *req;
	if (m->req.dns_ms <= 0)
		m->req.dns_ms = MAUTH_DNS_MS;
	m->dns = req->dns != NULL ? req->dns : &spf_dns_resolver;
	m->fields = f;
	m->from = from;
	m->note = note;
	m->dnsleft = m->req.dns_ms;
	mhdr_init(&m->split, m, mauth_judge, mauth_eoh, mauth_out);
	if (!req->sign) {
		m->dk = dkimsig_verify(mauth_keytxt, m);
		if (m->dk == NULL) {
			mauth_free(m);
			return NULL;
		}
	}
	return m;
}

void
mauth_free(struct mauth *m)
{
	if (m == NULL)
		return;
	mhdr_free(&m->split);
	dkimsig_free(m->dk);
	dkimsign_free(m->ds);
	str_free(&m->fields);
	str_free(&m->from);
	str_free(&m->note);
	free(m);
}

void
mauth_res_free(struct mauth_res *r)
{
	str_free(&r->headers);
	str_free(&r->reply);
	str_free(&r->log);
}

/* DKIM key records through the message's DNS (and its budget). */
static int
mauth_keytxt(void *arg, const char *name, struct strlist *l)
{
	struct mauth *m = arg;

	return m->dns->txt(m->dns->arg, name, l);
}

/* Too much header: no DKIM for this message. */
static void
mauth_overflow(struct mauth *m)
{
	m->overflow = 1;
	str_free(&m->fields);
	m->nfields = 0;
}

static int
mauth_judge(void *arg, const char *f, size_t n, int flags)
{
	struct mauth *m = arg;
	const char *v;
	size_t	 vl;

	if (!m->req.sign && mhdr_forged(f, n, m->req.authservid))
		return 0;	/* the client drops it too */
	if (mhdr_is(f, n, "From", &v, &vl) && m->nfrom++ == 0) {
		m->fromr = mhdr_from_domain(v, vl, &m->from);
		if (m->fromr == -1)
			return -1;
	}
	m->hbytes += n;
	if (m->overflow)
		return 1;
	if ((flags & MHDR_BIG) || m->nfields == MAUTH_FIELDS_MAX ||
	    m->hbytes > MAUTH_HDR_MAX) {
		mauth_overflow(m);
		return 1;
	}
	if (m->req.sign) {
		m->off[m->nfields++] = m->fields.len;
		if (str_catb(&m->fields, f, n) == -1)
			return -1;
		m->off[m->nfields] = m->fields.len;
		return 1;
	}
	m->nfields++;
	return dkimsig_header(m->dk, f, n) == -1 ? -1 : 1;
}

/* Signing: the keys for the From domain, the stored fields through. */
static int
mauth_sign_start(struct mauth *m)
{
	const struct dkimcache_keys *k;
	struct str keydom = STR_INIT(1024);
	size_t	 i;
	int	 r;

	if (m->overflow)
		return str_cats(&m->note, "header too large");
	if (m->nfrom != 1 || m->fromr != 1)
		return str_cats(&m->note, "no single From address");
	r = dkimkey_find(str_c(&m->from), &keydom);
	if (r == 1)
		r = dkimcache_get(str_c(&keydom), &k, &m->note);
	if (r != 1) {
		if (r == 0)
			r = str_printf(&m->note, "no key for %s",
			    str_c(&m->from));
		else {
			m->failed = 1;
			r = m->note.len > 0 ? 0 : str_printf(&m->note,
			    "cannot read keys: %s", strerror(errno));
		}
		str_free(&keydom);
		return r;
	}
	str_free(&keydom);
	if (memchr(m->fields.s, '\0', m->fields.len) != NULL)
		return str_cats(&m->note, "a NUL byte in the header");
	/* d= is the From domain, also when an alias domain's real domain
	 * lends it the keys. */
	m->ds = dkimsign_new(str_c(&m->from), k->sels, k->keys, k->n,
	    (long long)time(NULL));
	if (m->ds == NULL) {
		m->failed = 1;
		return str_cats(&m->note, "signing failed");
	}
	for (i = 0; i < m->nfields; i++)
		if (dkimsign_header(m->ds, m->fields.s + m->off[i],
		    m->off[i + 1] - m->off[i]) == -1)
			return -1;
	m->dkbody = 1;
	str_clear(&m->note);
	if (str_printf(&m->note, "d=%s", str_c(&m->from)) == -1)
		return -1;
	for (i = 0; i < k->n; i++)
		if (str_printf(&m->note, " s=%s", k->sels[i]) == -1)
			return -1;
	return 0;
}

static int
mauth_eoh(void *arg)
{
	struct mauth *m = arg;
	int	 r;

	m->skipnl = 1;
	if (m->req.sign)
		return mauth_sign_start(m);
	if (m->overflow) {
		dkimsig_free(m->dk);
		m->dk = NULL;
		return 0;
	}
	/* Keys are fetched now: the DNS budget counts from here. */
	dns_budget(m->dnsleft);
	r = dkimsig_eoh(m->dk);
	m->dnsleft = dns_budget_left();
	dns_budget(0);
	if (r == -1)
		return -1;
	m->dkbody = r == 1;
	return 0;
}

static int
mauth_out(void *arg, const char *b, size_t n)
{
	struct mauth *m = arg;

	if (!mhdr_inbody(&m->split))
		return 0;
	if (m->skipnl && n > 0) {
		m->skipnl = 0;
		b++;
		n--;
	}
	if (!m->dkbody || n == 0)
		return 0;
	if (m->ds != NULL)
		return dkimsign_body(m->ds, b, n);
	return dkimsig_body(m->dk, b, n);
}

int
mauth_feed(struct mauth *m, const char *b, size_t n)
{
	return mhdr_feed(&m->split, b, n);
}

static int
mauth_res_init(struct mauth_res *res)
{
	struct str h = STR_INIT(64 * 1024), r = STR_INIT(1024),
	    l = STR_INIT(4096);

	memset(res, 0, sizeof(*res));
	res->headers = h;
	res->reply = r;
	res->log = l;
	return 0;
}

static int
mauth_sign_finish(struct mauth *m, struct mauth_res *res)
{
	struct str why = STR_INIT(1024);
	int	 r = 0;

	if (m->ds != NULL && dkimsign_end(m->ds, &res->headers, &why) ==
	    -1) {
		str_clear(&res->headers);
		m->failed = 1;
		r = str_printf(&res->log, "dkim sign failed: %s", str_c(&why));
	} else
		r = str_printf(&res->log, "dkim %s%s", m->ds != NULL ?
		    "signed " : "unsigned: ", str_c(&m->note));
	str_free(&why);
	return r;
}

/* The SPF check of sender (local@domain) for domain. */
static enum spf_result
mauth_spf(struct mauth *m, const char *domain, const char *sender,
    struct str *why)
{
	struct spf_query q;
	struct spf_out out;

	memset(&q, 0, sizeof(q));
	if (!dns_addr_literal(m->req.ip, &q.ip))
		return SPF_NONE;
	q.sender = sender;
	q.helo = m->req.helo;
	q.receiver = m->req.authservid;
	memset(&out, 0, sizeof(out));
	out.why.max = 1024;
	if (spf_check(m->dns, &q, domain, &out) == -1) {
		str_free(&out.why);
		return SPF_TEMPERROR;
	}
	str_clear(why);
	str_note(why, str_c(&out.why));
	str_free(&out.why);
	return out.result;
}

static int
mauth_verify_finish(struct mauth *m, struct mauth_res *res)
{
	struct dkimsig_out sig[DKIMSIG_MAX_SIGS];
	struct dmarc_dns dd;
	struct dmarc_in din;
	struct dmarc_out dout;
	struct str sender = STR_INIT(1024), hsender = STR_INIT(1024);
	struct str why = STR_INIT(1024), c = STR_INIT(256);
	const char *mfdom, *helo = m->req.helo;
	enum spf_result spf_mf, spf_helo = SPF_NONE;
	size_t	 nsig = 0, i;
	int	 helo_ok, r = -1;

	memset(&dout, 0, sizeof(dout));
	dout.why.max = 1024;
	dns_budget(m->dnsleft);
	if (m->dk != NULL && dkimsig_verify_end(m->dk, sig,
	    DKIMSIG_MAX_SIGS, &nsig) == -1)
		goto done;
	/* SPF: MAIL FROM, or postmaster@HELO for the null sender (RFC 7208
	 * 2.4), and HELO on its own (2.3). */
	helo_ok = helo != NULL && spf_domain_ok(helo);
	if (helo_ok && str_printf(&hsender, "postmaster@%s", helo) == -1)
		goto done;
	if (m->req.mailfrom[0] != '\0') {
		mfdom = strrchr(m->req.mailfrom, '@');
		mfdom = mfdom != NULL ? mfdom + 1 : m->req.mailfrom;
		spf_mf = mauth_spf(m, mfdom, m->req.mailfrom, &why);
		if (helo_ok)
			spf_helo = mauth_spf(m, helo, str_c(&hsender), &c);
	} else {
		mfdom = helo_ok ? helo : NULL;
		spf_mf = helo_ok ? mauth_spf(m, helo, str_c(&hsender), &why) :
		    SPF_NONE;
		spf_helo = spf_mf;
	}
	memset(&din, 0, sizeof(din));
	din.from = m->nfrom == 1 && m->fromr == 1 ? str_c(&m->from) : NULL;
	din.spf_domain = mfdom;
	din.spf = spf_mf;
	for (i = 0; i < nsig; i++)
		if (sig[i].result == DKIMSIG_PASS && din.ndkim < DMARC_MAX_DKIM)
			din.dkim[din.ndkim++] = sig[i].domain;
	dd.arg = m->dns->arg;
	dd.txt = m->dns->txt;
	if (dmarc_check(&dd, &din, &dout) == -1)
		goto done;

	if (authres_begin(&res->headers, m->req.authservid) == -1)
		goto done;
	if (m->req.mailfrom[0] != '\0') {
		if (authres_add(&res->headers, "spf", spf_result_name(spf_mf),
		    NULL, "smtp.mailfrom", m->req.mailfrom, NULL) == -1)
			goto done;
	}
	if (helo_ok && authres_add(&res->headers, "spf",
	    spf_result_name(spf_helo), NULL, "smtp.helo", helo, NULL) == -1)
		goto done;
	for (i = 0; i < nsig; i++)
		if (authres_add(&res->headers, "dkim",
		    dkimsig_result_name(sig[i].result), sig[i].why,
		    "header.d", sig[i].domain, "header.s", sig[i].selector,
		    "header.a", sig[i].alg, "header.b", sig[i].b, NULL) == -1)
			goto done;
	if (nsig == 0 && authres_add(&res->headers, "dkim", m->overflow ||
	    (m->dk != NULL && dkimsig_skipped(m->dk) > 0) ? "permerror" :
	    "none", m->overflow ? "header too large" : NULL, NULL) == -1)
		goto done;
	str_clear(&c);
	if ((dout.result == DMARC_PASS || dout.result == DMARC_FAIL) &&
	    str_printf(&c, "p=%s dis=%s", dmarc_policy_name(dout.policy),
	    dout.result == DMARC_FAIL && dout.policy == 'r' &&
	    m->req.reject ? "reject" : "none") == -1)
		goto done;
	if (authres_add(&res->headers, "dmarc",
	    dmarc_result_name(dout.result), c.len ? str_c(&c) : NULL,
	    "header.from", din.from, NULL) == -1 ||
	    authres_end(&res->headers) == -1)
		goto done;

	if (dout.result == DMARC_FAIL && dout.policy == 'r' && m->req.reject) {
		res->verdict = MAUTH_REJECT;
		if (str_printf(&res->reply, "550 5.7.1 the DMARC policy of "
		    "%s rejects this message (#5.7.1)", din.from) == -1)
			goto done;
	}
	if (str_printf(&res->log, "spf %s helo %s dkim", spf_result_name(spf_mf),
	    spf_result_name(spf_helo)) == -1)
		goto done;
	for (i = 0; i < nsig; i++)
		if (str_printf(&res->log, " %s:%s", dkimsig_result_name(
		    sig[i].result), sig[i].domain) == -1)
			goto done;
	if (str_printf(&res->log, "%s dmarc %s from %s", nsig ? "" : " none",
	    dmarc_result_name(dout.result), din.from ? din.from : "-") == -1)
		goto done;
	r = 0;
done:
	dns_budget(0);
	str_free(&sender);
	str_free(&hsender);
	str_free(&why);
	str_free(&c);
	str_free(&dout.why);
	return r;
}

int
mauth_finish(struct mauth *m, struct mauth_res *res)
{
	int	 r;

	if (mauth_res_init(res) == -1 || mhdr_end(&m->split) == -1)
		return -1;
	if (m->req.sign) {
		r = mauth_sign_finish(m, res);
		res->failed = m->failed;
		return r;
	}
	return mauth_verify_finish(m, res);
}
