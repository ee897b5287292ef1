/*
 * dmarc - RFC 7489 policy discovery, alignment and disposition.  Runs in
 * msgauthd for inbound messages.  Records come from DNS (untrusted);
 * domains from the message and the envelope (untrusted).
 */
#include <errno.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "dmarc.h"
#include "num.h"

static int
res_txt(void *arg, const char *name, struct strlist *l)
{
	(void)arg;
	return dns_txt(name, DMARC_MAX_RECORD, l);
}

const struct dmarc_dns dmarc_dns_resolver = { NULL, res_txt };

const char *
dmarc_result_name(enum dmarc_result r)
{
	switch (r) {
	case DMARC_NONE:
		return "none";
	case DMARC_PASS:
		return "pass";
	case DMARC_FAIL:
		return "fail";
	case DMARC_TEMPERROR:
		return "temperror";
	default:
		return "permerror";
	}
}

const char *
dmarc_policy_name(char p)
{
	return p == 'r' ? "reject" : p == 'q' ? "quarantine" : "none";
}

/* Trim blanks (SP, HTAB, and folding a TXT record may keep) around v. */
static void
dmarc_trim(const char **v, size_t *n)
{
	while (*n > 0 && strchr(" \t\r\n", **v) != NULL) {
		(*v)++;
		(*n)--;
	}
	while (*n > 0 && strchr(" \t\r\n", (*v)[*n - 1]) != NULL)
		(*n)--;
}

static char
dmarc_pvalue(const char *v, size_t n)
{
	if (n == 4 && strncasecmp(v, "none", 4) == 0)
		return 'n';
	if (n == 10 && strncasecmp(v, "quarantine", 10) == 0)
		return 'q';
	if (n == 6 && strncasecmp(v, "reject", 6) == 0)
		return 'r';
	return 0;
}

int
dmarc_parse(const char *s, size_t n, struct dmarc_rec *rec)
{
	const char *t, *eq, *semi, *v;
	size_t	 tl, vl, nl, first = 1;
	unsigned long pct;
	int	 rua = 0;
	char	 c;

	memset(rec, 0, sizeof(*rec));
	rec->adkim = rec->aspf = 'r';
	rec->pct = 100;
	while (n > 0) {
		semi = memchr(s, ';', n);
		tl = semi != NULL ? (size_t)(semi - s) : n;
		t = s;
		s += tl + (semi != NULL);
		n -= tl + (semi != NULL);
		dmarc_trim(&t, &tl);
		if (tl == 0) {
			if (first)
				return -1;
			continue;
		}
		eq = memchr(t, '=', tl);
		if (eq == NULL) {
			if (first)
				return -1;
			continue;
		}
		nl = (size_t)(eq - t);
		v = eq + 1;
		vl = tl - nl - 1;
		while (nl > 0 && (t[nl - 1] == ' ' || t[nl - 1] == '\t'))
			nl--;
		dmarc_trim(&v, &vl);
		if (first) {
			/* 6.4: "v=DMARC1" is first, exactly (case matters). */
			if (nl != 1 || t[0] != 'v' || vl != 6 ||
			    memcmp(v, "DMARC1", 6) != 0)
				return -1;
			first = 0;
			continue;
		}
		if (nl == 1 && t[0] == 'p')
			rec->p = dmarc_pvalue(v, vl);
		else if (nl == 2 && strncasecmp(t, "sp", 2) == 0)
			rec->sp = dmarc_pvalue(v, vl);
		else if (nl == 5 && strncasecmp(t, "adkim", 5) == 0 &&
		    vl == 1 && (v[0] == 's' || v[0] == 'r'))
			rec->adkim = v[0];
		else if (nl == 4 && strncasecmp(t, "aspf", 4) == 0 &&
		    vl == 1 && (v[0] == 's' || v[0] == 'r'))
			rec->aspf = v[0];
		else if (nl == 3 && strncasecmp(t, "pct", 3) == 0 &&
		    vl > 0 && vl <= 3 && num_parseb(v, vl, 100, &pct) == 0)
			rec->pct = (int)pct;
		else if (nl == 3 && strncasecmp(t, "rua", 3) == 0) {
			/* A syntactically valid URI at least: scheme ':'. */
			c = vl > 0 ? v[0] : 0;
			rua = ((c >= 'a' && c <= 'z') || (c >= 'A' &&
			    c <= 'Z')) && memchr(v, ':', vl) != NULL;
		}
	}
	if (first)
		return -1;
	if (rec->p == 0) {
		/* 6.6.3 step 6: no valid p, a rua: act as p=none. */
		if (!rua)
			return -1;
		rec->p = 'n';
	}
	if (rec->sp == 0)
		rec->sp = rec->p;
	return 0;
}

int
dmarc_orgdomain(const char *domain, struct str *out)
{
	static const psl_ctx_t *psl;
	const char *reg;

	if (psl == NULL)
		psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
	reg = psl != NULL ? psl_registrable_domain(psl, domain) : NULL;
	return str_copys(out, reg != NULL ? reg : domain);
}

int
dmarc_aligned(const char *a, const char *b, char mode)
{
	struct str oa = STR_INIT(1024), ob = STR_INIT(1024);
	int	 r;

	if (strcasecmp(a, b) == 0)
		return 1;
	if (mode == 's')
		return 0;
	r = dmarc_orgdomain(a, &oa) == 0 && dmarc_orgdomain(b, &ob) == 0 &&
	    strcasecmp(str_c(&oa), str_c(&ob)) == 0;
	str_free(&oa);
	str_free(&ob);
	return r;
}

/*
 * Look for the record at _dmarc.domain.  1 found (*rec), 0 none, or
 * DMARC_TEMPERROR as -1.
 */
static int
dmarc_fetch(const struct dmarc_dns *dns, const char *domain,
    struct dmarc_rec *rec)
{
	struct strlist txt = STRLIST_INIT;
	struct str q = STR_INIT(1024);
	struct dmarc_rec r1;
	size_t	 i;
	int	 d, found = 0;

	if (str_printf(&q, "_dmarc.%s", domain) == -1)
		return -1;
	d = dns->txt(dns->arg, str_c(&q), &txt);
	str_free(&q);
	if (d == DNS_SOFT && errno != E2BIG) {
		strlist_free(&txt);
		return -1;
	}
	for (i = 0; d == DNS_FOUND && i < txt.n; i++) {
		if (dmarc_parse(txt.v[i], strlen(txt.v[i]), &r1) == -1)
			continue;
		/* 6.6.3 step 5: more than one record: none at all. */
		if (found++) {
			found = 0;
			break;
		}
		*rec = r1;
	}
	strlist_free(&txt);
	return found > 0;
}

/* A number 0-99 drawn evenly. */
static int
dmarc_draw(void)
{
	unsigned int x;

	if (getrandom(&x, sizeof(x), 0) != (ssize_t)sizeof(x))
		return 0;
	return (int)(x % 100);
}

int
dmarc_check(const struct dmarc_dns *dns, const struct dmarc_in *in,
    struct dmarc_out *out)
{
	struct str org = STR_INIT(1024);
	size_t	 i;
	int	 r, sub;

	out->result = DMARC_NONE;
	out->policy = 0;
	out->sampled = 0;
	out->spf_aligned = out->dkim_aligned = 0;
	str_clear(&out->why);
	if (in->from == NULL || in->from[0] == '\0') {
		out->result = DMARC_PERMERROR;
		return str_cats(&out->why, "no single From domain");
	}
	if (dmarc_orgdomain(in->from, &org) == -1)
		return -1;
	r = dmarc_fetch(dns, in->from, &out->rec);
	sub = 0;
	if (r == 0 && strcasecmp(str_c(&org), in->from) != 0) {
		r = dmarc_fetch(dns, str_c(&org), &out->rec);
		sub = 1;
	}
	if (r == -1) {
		out->result = DMARC_TEMPERROR;
		str_free(&org);
		return str_cats(&out->why, "DNS failure");
	}
	if (r == 0) {
		str_free(&org);
		return str_printf(&out->why, "no policy for %s", in->from);
	}
	out->spf_aligned = in->spf == SPF_PASS && in->spf_domain != NULL &&
	    dmarc_aligned(in->spf_domain, in->from, out->rec.aspf);
	for (i = 0; i < in->ndkim && i < DMARC_MAX_DKIM &&
	    !out->dkim_aligned; i++)
		out->dkim_aligned = dmarc_aligned(in->dkim[i], in->from,
		    out->rec.adkim);
	out->policy = sub ? out->rec.sp : out->rec.p;
	if (out->spf_aligned || out->dkim_aligned) {
		out->result = DMARC_PASS;
		str_free(&org);
		return str_printf(&out->why, "%s aligned",
		    out->dkim_aligned ? "DKIM" : "SPF");
	}
	out->result = DMARC_FAIL;
	/* 6.6.4: pct of the failing messages get the policy; the rest get
	 * the next milder one (we only ever refuse for reject). */
	out->sampled = out->rec.pct >= 100 || dmarc_draw() < out->rec.pct;
	if (!out->sampled && out->policy == 'r')
		out->policy = 'q';
	else if (!out->sampled && out->policy == 'q')
		out->policy = 'n';
	str_free(&org);
	return str_printf(&out->why, "neither SPF nor DKIM aligned with %s",
	    in->from);
}
