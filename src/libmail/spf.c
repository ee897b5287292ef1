/*
 * spf - RFC 7208 check_host.  Runs in msgauthd for each inbound message
 * (MAIL FROM and HELO).  Records, names and addresses come from DNS and
 * the client: untrusted.  Recursion (include, redirect) is bounded by
 * the 10-lookup limit it shares; every string has a maximum.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "num.h"
#include "spf.h"

/* RFC 7208 7.3: an expanded domain longer than this is cut on the left. */
#define SPF_DOMAIN_MAX	253

/* The state one check_host shares with the checks it starts. */
struct spf_run {
	const struct spf_dns *dns;
	const struct spf_query *q;
	struct spf_out *out;
	int	 depth;
};

static enum spf_result spf_host(struct spf_run *, const char *domain);
static int	spf_count(struct spf_run *);
static int	spf_void(struct spf_run *, int dnsr);
static int	spf_cidr(const char *, size_t, int, int *, int *);
static int	spf_ip_match(const struct dns_addr *, const struct dns_addr *,
		    int bits);

const struct spf_dns spf_dns_resolver;

static int
res_txt(void *arg, const char *name, struct strlist *l)
{
	(void)arg;
	return dns_txt(name, SPF_MAX_RECORD, l);
}

static int
res_addrs(void *arg, const char *name, int af, struct dns_addrlist *l)
{
	(void)arg;
	return dns_addrs_af(name, af, l);
}

static int
res_mx(void *arg, const char *name, struct dns_mxlist *l)
{
	(void)arg;
	return dns_mx(name, l);
}

static int
res_ptr(void *arg, const struct dns_addr *a, struct strlist *l)
{
	(void)arg;
	return dns_ptr(a, l);
}

const struct spf_dns spf_dns_resolver = {
	NULL, res_txt, res_addrs, res_mx, res_ptr,
};

const char *
spf_result_name(enum spf_result r)
{
	switch (r) {
	case SPF_NONE:
		return "none";
	case SPF_NEUTRAL:
		return "neutral";
	case SPF_PASS:
		return "pass";
	case SPF_FAIL:
		return "fail";
	case SPF_SOFTFAIL:
		return "softfail";
	case SPF_TEMPERROR:
		return "temperror";
	default:
		return "permerror";
	}
}

int
spf_domain_ok(const char *s)
{
	size_t	 n = strlen(s), label = 0, labels = 0, i;
	int	 digits = 1;
	char	 c;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > SPF_DOMAIN_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || label > 63)
				return 0;
			labels++;
			label = 0;
			if (i < n)
				digits = 1;
			continue;
		}
		c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (c < '0' || c > '9')
			digits = 0;
		label++;
	}
	/* An all-numeric last label: an address, not a domain. */
	return labels >= 2 && !digits;
}

/* Parse "/n" (ip4, at most max) in s; n digits, no leading zero. */
static int
spf_cidr_num(const char *s, size_t n, unsigned long max, int *bits)
{
	unsigned long v;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0') ||
	    num_parseb(s, n, max, &v) == -1)
		return -1;
	*bits = (int)v;
	return 0;
}

/*
 * A dual-cidr-length (RFC 7208 5.6) in s: "", "/n", "//m" or "/n//m".
 * 0 or -1.  six: the ip6 form alone ("/m" meaning ip6) for ip6 terms.
 */
static int
spf_cidr(const char *s, size_t n, int six, int *b4, int *b6)
{
	const char *dbl;

	*b4 = *b6 = -1;
	if (n == 0)
		return 0;
	if (s[0] != '/')
		return -1;
	if (six)
		return spf_cidr_num(s + 1, n - 1, 128, b6);
	dbl = n >= 2 ? memmem(s, n, "//", 2) : NULL;
	if (dbl == NULL)
		return spf_cidr_num(s + 1, n - 1, 32, b4);
	if (dbl > s && spf_cidr_num(s + 1, (size_t)(dbl - s - 1), 32,
	    b4) == -1)
		return -1;
	return spf_cidr_num(dbl + 2, n - (size_t)(dbl + 2 - s), 128, b6);
}

/*
 * The length of a domain-spec at s: up to the first '/' that is not
 * inside a macro ("%{...}").
 */
static size_t
spf_speclen(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 1 < n && s[i + 1] == '{') {
			while (i < n && s[i] != '}')
				i++;
			if (i == n)
				return n;
			continue;
		}
		if (s[i] == '/')
			return i;
	}
	return n;
}

static int
spf_bad(struct str *why, const char *msg, const char *t, size_t n)
{
	str_clear(why);
	str_notef(why, "%s: %.*s", msg, (int)(n > 60 ? 60 : n), t);
	return -1;
}

/* One term of a record (between spaces).  0 or -1. */
static int
spf_term(const char *t, size_t n, struct spf_rec *rec, struct str *why)
{
	static const struct {
		const char *name;
		enum spf_mech mech;
		int	 spec;	/* 0 none, 1 optional, 2 required */
		int	 cidr;
	} mechs[] = {
		{ "all", SPF_M_ALL, 0, 0 },
		{ "include", SPF_M_INCLUDE, 2, 0 },
		{ "a", SPF_M_A, 1, 1 },
		{ "mx", SPF_M_MX, 1, 1 },
		{ "ptr", SPF_M_PTR, 1, 0 },
		{ "ip4", SPF_M_IP4, 0, 0 },
		{ "ip6", SPF_M_IP6, 0, 0 },
		{ "exists", SPF_M_EXISTS, 2, 0 },
	};
	struct spf_term *m;
	char	 ip[INET6_ADDRSTRLEN];
	const char *arg, *slash;
	size_t	 i, nl, rest, sl;

	if (rec->n == SPF_MAX_TERMS)
		return spf_bad(why, "too many terms", t, n);
	m = &rec->t[rec->n];
	memset(m, 0, sizeof(*m));
	m->cidr4 = m->cidr6 = -1;
	/* A modifier: name "=" macro-string, name = ALPHA *(ALNUM / - _ .) */
	for (nl = 0; nl < n && ((t[nl] >= 'a' && t[nl] <= 'z') ||
	    (t[nl] >= 'A' && t[nl] <= 'Z') || (nl > 0 && ((t[nl] >= '0' &&
	    t[nl] <= '9') || t[nl] == '-' || t[nl] == '_' || t[nl] == '.')));
	    nl++)
		;
	if (nl > 0 && nl < n && t[nl] == '=') {
		m->spec = t + nl + 1;
		m->speclen = n - nl - 1;
		if (nl == 8 && strncasecmp(t, "redirect", 8) == 0) {
			if (rec->redirect >= 0 || m->speclen == 0)
				return spf_bad(why, "bad redirect", t, n);
			m->mech = SPF_M_REDIRECT;
			rec->redirect = (int)rec->n;
		} else if (nl == 3 && strncasecmp(t, "exp", 3) == 0) {
			for (i = 0; i < rec->n; i++)
				if (rec->t[i].mech == SPF_M_EXP)
					return spf_bad(why, "two exp", t, n);
			m->mech = SPF_M_EXP;
		} else
			m->mech = SPF_M_UNKNOWN_MOD;
		rec->n++;
		return 0;
	}
	m->qual = '+';
	if (n > 0 && strchr("+-~?", t[0]) != NULL) {
		m->qual = t[0];
		t++;
		n--;
	}
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		nl = strlen(mechs[i].name);
		if (n >= nl && strncasecmp(t, mechs[i].name, nl) == 0 &&
		    (n == nl || t[nl] == ':' || t[nl] == '/'))
			break;
	}
	if (i == sizeof(mechs) / sizeof(mechs[0]))
		return spf_bad(why, "unknown mechanism", t, n);
	m->mech = mechs[i].mech;
	arg = t + nl;
	rest = n - nl;
	if (m->mech == SPF_M_IP4 || m->mech == SPF_M_IP6) {
		if (rest < 2 || arg[0] != ':')
			return spf_bad(why, "missing address", t, n);
		arg++;
		rest--;
		slash = memchr(arg, '/', rest);
		sl = slash != NULL ? (size_t)(slash - arg) : rest;
		if (sl == 0 || sl >= sizeof(ip))
			return spf_bad(why, "bad address", t, n);
		memcpy(ip, arg, sl);
		ip[sl] = '\0';
		m->net.af = m->mech == SPF_M_IP4 ? AF_INET : AF_INET6;
		if (inet_pton(m->net.af, ip, m->net.a) != 1)
			return spf_bad(why, "bad address", t, n);
		if (spf_cidr(arg + sl, rest - sl, m->mech == SPF_M_IP6,
		    &m->cidr4, &m->cidr6) == -1)
			return spf_bad(why, "bad prefix length", t, n);
		rec->n++;
		return 0;
	}
	if (rest > 0 && arg[0] == ':') {
		if (mechs[i].spec == 0)
			return spf_bad(why, "unexpected argument", t, n);
		arg++;
		rest--;
		sl = mechs[i].cidr ? spf_speclen(arg, rest) : rest;
		if (sl == 0)
			return spf_bad(why, "empty domain", t, n);
		m->spec = arg;
		m->speclen = sl;
		arg += sl;
		rest -= sl;
	} else if (mechs[i].spec == 2)
		return spf_bad(why, "missing domain", t, n);
	if (rest > 0 && (!mechs[i].cidr || spf_cidr(arg, rest, 0,
	    &m->cidr4, &m->cidr6) == -1))
		return spf_bad(why, "bad prefix length", t, n);
	rec->n++;
	return 0;
}

int
spf_parse(const char *s, size_t n, struct spf_rec *rec, struct str *why)
{
	size_t	 i, j;

	rec->n = 0;
	rec->redirect = -1;
	if (n < 6 || strncasecmp(s, "v=spf1", 6) != 0 ||
	    (n > 6 && s[6] != ' '))
		return spf_bad(why, "not an SPF record", s, n);
	for (i = 6; i < n; i = j) {
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			break;
		for (j = i; j < n && s[j] != ' '; j++)
			if ((unsigned char)s[j] < 0x21 ||
			    (unsigned char)s[j] > 0x7e)
				return spf_bad(why, "bad character", s + i,
				    n - i);
		if (spf_term(s + i, j - i, rec, why) == -1)
			return -1;
	}
	return 0;
}

/* Append v URL-encoded (RFC 7208 7.3: uppercase macro letters). */
static int
spf_urlcat(struct str *out, const char *v, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	 i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)v[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
			if (str_catc(out, (char)c) == -1)
				return -1;
		} else if (str_catc(out, '%') == -1 ||
		    str_catc(out, hex[c >> 4]) == -1 ||
		    str_catc(out, hex[c & 15]) == -1)
			return -1;
	}
	return 0;
}

/* The value of macro letter c (lowercased) into *v.  0 or -1 (EINVAL). */
static int
spf_macro_value(char c, const struct spf_query *q, const char *domain,
    int exp, struct str *v)
{
	const char *at = strrchr(q->sender, '@');
	char	 buf[INET6_ADDRSTRLEN];
	int	 i;

	str_clear(v);
	switch (c) {
	case 's':
		return str_cats(v, q->sender);
	case 'l':
		if (at == NULL || at == q->sender)
			return str_cats(v, "postmaster");
		return str_catb(v, q->sender, (size_t)(at - q->sender));
	case 'o':
		return str_cats(v, at != NULL ? at + 1 : q->sender);
	case 'd':
		return str_cats(v, domain);
	case 'i':
		if (q->ip.af == AF_INET)
			return str_printf(v, "%u.%u.%u.%u", q->ip.a[0],
			    q->ip.a[1], q->ip.a[2], q->ip.a[3]);
		for (i = 0; i < 16; i++)
			if (str_printf(v, "%s%x.%x", i ? "." : "",
			    q->ip.a[i] >> 4, q->ip.a[i] & 15) == -1)
				return -1;
		return 0;
	case 'p':
		/* RFC 7208 7.3: discouraged; "unknown" spares the lookups. */
		return str_cats(v, "unknown");
	case 'v':
		return str_cats(v, q->ip.af == AF_INET ? "in-addr" : "ip6");
	case 'h':
		return str_cats(v, q->helo != NULL ? q->helo : "");
	case 'c':
		if (!exp)
			break;
		return str_cats(v, dns_addr_fmt(&q->ip, buf, sizeof(buf)));
	case 'r':
		if (!exp)
			break;
		return str_cats(v, q->receiver != NULL ? q->receiver :
		    "unknown");
	case 't':
		if (!exp)
			break;
		return str_printf(v, "%lld", (long long)time(NULL));
	}
	errno = EINVAL;
	return -1;
}

/*
 * Split v at any of delims, keep the rightmost keep parts (0: all), in
 * reverse order if rev, join with '.', append to out.
 */
static int
spf_transform(const struct str *v, const char *delims, size_t nd,
    unsigned long keep, int rev, struct str *out, int url)
{
	const char *part[128];
	size_t	 plen[128], np = 0, i, start = 0, first;
	const char *s = v->len ? v->s : "";

	for (i = 0; i <= v->len; i++) {
		if (i < v->len && memchr(delims, s[i], nd) == NULL)
			continue;
		if (np == 128) {
			errno = EINVAL;
			return -1;
		}
		part[np] = s + start;
		plen[np++] = i - start;
		start = i + 1;
	}
	if (rev)
		for (i = 0; i < np / 2; i++) {
			const char *tp = part[i];
			size_t	 tl = plen[i];

			part[i] = part[np - 1 - i];
			plen[i] = plen[np - 1 - i];
			part[np - 1 - i] = tp;
			plen[np - 1 - i] = tl;
		}
	first = keep > 0 && keep < np ? np - keep : 0;
	for (i = first; i < np; i++) {
		if (i > first && str_catc(out, '.') == -1)
			return -1;
		if (url ? spf_urlcat(out, part[i], plen[i]) == -1 :
		    str_catb(out, part[i], plen[i]) == -1)
			return -1;
	}
	return 0;
}

int
spf_expand(const char *s, size_t n, const struct spf_query *q,
    const char *domain, int exp, struct str *out)
{
	struct str v = STR_INIT(4096);
	const char *delims;
	size_t	 i, j, nd;
	unsigned long keep;
	char	 c;
	int	 rev, r = -1;

	str_clear(out);
	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			if (str_catc(out, s[i]) == -1)
				goto done;
			continue;
		}
		if (++i == n)
			goto bad;
		if (s[i] == '%' || s[i] == '_' || s[i] == '-') {
			if (str_cats(out, s[i] == '%' ? "%" : s[i] == '_' ?
			    " " : "%20") == -1)
				goto done;
			continue;
		}
		if (s[i] != '{' || ++i == n)
			goto bad;
		c = s[i];
		if (spf_macro_value((char)(c | 0x20), q, domain, exp, &v) == -1)
			goto done;
		i++;
		for (j = i; j < n && s[j] >= '0' && s[j] <= '9'; j++)
			;
		keep = 0;
		if (j > i && (j - i > 3 || num_parseb(s + i, j - i, 128,
		    &keep) == -1 || keep == 0))
			goto bad;
		i = j;
		rev = i < n && (s[i] == 'r' || s[i] == 'R');
		if (rev)
			i++;
		for (j = i; j < n && strchr(".-+,/_=", s[j]) != NULL &&
		    s[j] != '\0'; j++)
			;
		delims = j > i ? s + i : ".";
		nd = j > i ? j - i : 1;
		i = j;
		if (i == n || s[i] != '}')
			goto bad;
		if (spf_transform(&v, delims, nd, keep, rev, out,
		    c >= 'A' && c <= 'Z') == -1)
			goto done;
	}
	/* RFC 7208 7.3: over 253 bytes, labels go from the left. */
	while (!exp && out->len > SPF_DOMAIN_MAX) {
		const char *dot = memchr(out->s, '.', out->len);

		if (dot == NULL)
			goto bad;
		j = (size_t)(dot - out->s) + 1;
		memmove(out->s, out->s + j, out->len - j);
		str_truncate(out, out->len - j);
	}
	r = 0;
	goto done;
bad:
	errno = EINVAL;
done:
	str_free(&v);
	return r;
}

/* A DNS-querying term: count it.  0, or -1 over the limit (permerror). */
static int
spf_count(struct spf_run *run)
{
	if (++run->out->lookups > SPF_MAX_LOOKUPS) {
		str_clear(&run->out->why);
		str_note(&run->out->why, "too many DNS lookups");
		return -1;
	}
	return 0;
}

/* Count a lookup that found nothing.  -1 over the void limit. */
static int
spf_void(struct spf_run *run, int dnsr)
{
	if (dnsr != DNS_NODATA && dnsr != DNS_HARD)
		return 0;
	if (++run->out->voids > SPF_MAX_VOIDS) {
		str_clear(&run->out->why);
		str_note(&run->out->why, "too many void lookups");
		return -1;
	}
	return 0;
}

static int
spf_ip_match(const struct dns_addr *ip, const struct dns_addr *net, int bits)
{
	int	 len = ip->af == AF_INET ? 32 : 128, i;
	unsigned char mask;

	if (ip->af != net->af)
		return 0;
	if (bits < 0 || bits > len)
		bits = len;
	for (i = 0; bits > 0; i++, bits -= 8) {
		mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((ip->a[i] & mask) != (net->a[i] & mask))
			return 0;
	}
	return 1;
}

/* Any address of name in the client's family within the prefix?  A
 * match, 0 no, or an SPF result < 0 encoded as -(result + 1). */
static int
spf_addrs_match(struct spf_run *run, const char *name,
    const struct spf_term *m, int count_void)
{
	struct dns_addrlist l = { 0 };
	size_t	 i;
	int	 r, found = 0;

	r = run->dns->addrs(run->dns->arg, name, run->q->ip.af, &l);
	if (r == DNS_SOFT) {
		dns_addrlist_free(&l);
		return -(SPF_TEMPERROR + 1);
	}
	if (count_void && spf_void(run, r) == -1) {
		dns_addrlist_free(&l);
		return -(SPF_PERMERROR + 1);
	}
	for (i = 0; i < l.n && !found; i++)
		found = spf_ip_match(&run->q->ip, &l.v[i],
		    run->q->ip.af == AF_INET ? m->cidr4 : m->cidr6);
	dns_addrlist_free(&l);
	return found;
}

static int
spf_suffix(const char *name, const char *dom)
{
	size_t	 ln = strlen(name), ld = strlen(dom);

	if (ln > 0 && name[ln - 1] == '.')
		ln--;
	if (ld > 0 && dom[ld - 1] == '.')
		ld--;
	if (ln == ld)
		return strncasecmp(name, dom, ln) == 0;
	return ln > ld && name[ln - ld - 1] == '.' &&
	    strncasecmp(name + ln - ld, dom, ld) == 0;
}

/* ptr (RFC 7208 5.5): a validated name of the client under target. */
static int
spf_ptr_match(struct spf_run *run, const char *target)
{
	struct strlist names = STRLIST_INIT;
	struct spf_term any;
	size_t	 i;
	int	 r, found = 0;

	r = run->dns->ptr(run->dns->arg, &run->q->ip, &names);
	if (r == DNS_SOFT) {
		strlist_free(&names);
		return 0;	/* 5.5: a failed PTR lookup is no match */
	}
	if (spf_void(run, r) == -1) {
		strlist_free(&names);
		return -(SPF_PERMERROR + 1);
	}
	memset(&any, 0, sizeof(any));
	any.cidr4 = any.cidr6 = -1;
	for (i = 0; i < names.n && i < SPF_MAX_NAMES && !found; i++) {
		if (!spf_suffix(names.v[i], target))
			continue;
		r = spf_addrs_match(run, names.v[i], &any, 0);
		found = r > 0;
	}
	strlist_free(&names);
	return found;
}

/* mx (RFC 7208 5.4): the client is one of target's MX hosts. */
static int
spf_mx_match(struct spf_run *run, const char *target,
    const struct spf_term *m)
{
	struct dns_mxlist mx = { 0 };
	size_t	 i;
	int	 r, found = 0;

	r = run->dns->mx(run->dns->arg, target, &mx);
	if (r == DNS_SOFT) {
		dns_mxlist_free(&mx);
		return -(SPF_TEMPERROR + 1);
	}
	if (spf_void(run, r) == -1 || mx.n > SPF_MAX_NAMES) {
		if (mx.n > SPF_MAX_NAMES) {
			str_clear(&run->out->why);
			str_note(&run->out->why, "too many MX names");
		}
		dns_mxlist_free(&mx);
		return -(SPF_PERMERROR + 1);
	}
	for (i = 0; i < mx.n && !found; i++) {
		r = spf_addrs_match(run, mx.v[i].name, m, 0);
		if (r < 0 && r != -(SPF_PERMERROR + 1)) {
			found = r;
			break;
		}
		found = r > 0;
	}
	dns_mxlist_free(&mx);
	return found;
}

/* The target of a term: its domain-spec expanded, or the domain. */
static int
spf_target(struct spf_run *run, const struct spf_term *m, const char *domain,
    struct str *out)
{
	if (m->spec == NULL)
		return str_copys(out, domain);
	if (spf_expand(m->spec, m->speclen, run->q, domain, 0, out) == -1 ||
	    out->len == 0) {
		str_clear(&run->out->why);
		str_notef(&run->out->why, "bad macro in %.*s",
		    (int)(m->speclen > 60 ? 60 : m->speclen), m->spec);
		return -1;
	}
	return 0;
}

static enum spf_result
spf_qual(char q)
{
	switch (q) {
	case '-':
		return SPF_FAIL;
	case '~':
		return SPF_SOFTFAIL;
	case '?':
		return SPF_NEUTRAL;
	default:
		return SPF_PASS;
	}
}

/* Evaluate one parsed record for domain. */
static enum spf_result
spf_eval(struct spf_run *run, const struct spf_rec *rec, const char *domain)
{
	struct str target = STR_INIT(1024);
	const struct spf_term *m;
	enum spf_result r = SPF_NEUTRAL, sub;
	size_t	 i;
	int	 hit;

	for (i = 0; i < rec->n; i++) {
		m = &rec->t[i];
		hit = 0;
		switch (m->mech) {
		case SPF_M_ALL:
			hit = 1;
			break;
		case SPF_M_IP4:
		case SPF_M_IP6:
			hit = spf_ip_match(&run->q->ip, &m->net,
			    m->mech == SPF_M_IP4 ? m->cidr4 : m->cidr6);
			break;
		case SPF_M_INCLUDE:
			if (spf_count(run) == -1 ||
			    spf_target(run, m, domain, &target) == -1) {
				r = SPF_PERMERROR;
				goto done;
			}
			sub = spf_host(run, str_c(&target));
			if (sub == SPF_TEMPERROR || sub == SPF_PERMERROR ||
			    sub == SPF_NONE) {
				r = sub == SPF_TEMPERROR ? SPF_TEMPERROR :
				    SPF_PERMERROR;
				goto done;
			}
			hit = sub == SPF_PASS;
			break;
		case SPF_M_A:
		case SPF_M_MX:
		case SPF_M_PTR:
		case SPF_M_EXISTS:
			if (spf_count(run) == -1 ||
			    spf_target(run, m, domain, &target) == -1) {
				r = SPF_PERMERROR;
				goto done;
			}
			if (m->mech == SPF_M_A)
				hit = spf_addrs_match(run, str_c(&target), m, 1);
			else if (m->mech == SPF_M_MX)
				hit = spf_mx_match(run, str_c(&target), m);
			else if (m->mech == SPF_M_PTR)
				hit = spf_ptr_match(run, str_c(&target));
			else {
				struct dns_addrlist l = { 0 };
				int	 d;

				/* exists: an A lookup whatever the client. */
				d = run->dns->addrs(run->dns->arg,
				    str_c(&target), AF_INET, &l);
				hit = d == DNS_FOUND ? 1 : d == DNS_SOFT ?
				    -(SPF_TEMPERROR + 1) : spf_void(run, d) ==
				    -1 ? -(SPF_PERMERROR + 1) : 0;
				dns_addrlist_free(&l);
			}
			if (hit < 0) {
				r = (enum spf_result)(-hit - 1);
				goto done;
			}
			break;
		default:
			break;
		}
		if (hit) {
			r = spf_qual(m->qual);
			str_clear(&run->out->why);
			str_notef(&run->out->why, "%s matched %.*s%s",
			    domain, (int)(m->speclen > 60 ? 60 : m->speclen),
			    m->spec != NULL ? m->spec : "", m->spec != NULL ?
			    "" : m->mech == SPF_M_ALL ? "all" : "address");
			goto done;
		}
	}
	if (rec->redirect >= 0) {
		m = &rec->t[rec->redirect];
		if (spf_count(run) == -1 ||
		    spf_target(run, m, domain, &target) == -1) {
			r = SPF_PERMERROR;
			goto done;
		}
		r = spf_host(run, str_c(&target));
		if (r == SPF_NONE)
			r = SPF_PERMERROR;	/* 6.1 */
		goto done;
	}
	str_clear(&run->out->why);
	str_notef(&run->out->why, "%s matched nothing", domain);
done:
	str_free(&target);
	return r;
}

/* check_host for one domain (RFC 7208 4). */
static enum spf_result
spf_host(struct spf_run *run, const char *domain)
{
	struct strlist txt = STRLIST_INIT;
	struct spf_rec rec;
	const char *found = NULL;
	size_t	 i;
	enum spf_result r;
	int	 d;

	if (!spf_domain_ok(domain)) {
		str_clear(&run->out->why);
		str_note(&run->out->why, "not a domain SPF can check");
		return SPF_NONE;
	}
	if (++run->depth > SPF_MAX_LOOKUPS + 1)
		return SPF_PERMERROR;
	d = run->dns->txt(run->dns->arg, domain, &txt);
	if (d == DNS_SOFT) {
		r = errno == E2BIG ? SPF_PERMERROR : SPF_TEMPERROR;
		str_clear(&run->out->why);
		str_notef(&run->out->why, "%s: %s", domain,
		    r == SPF_PERMERROR ? "record too long" : "DNS failure");
		goto done;
	}
	for (i = 0; i < txt.n; i++) {
		if (strncasecmp(txt.v[i], "v=spf1", 6) != 0 ||
		    (txt.v[i][6] != '\0' && txt.v[i][6] != ' '))
			continue;
		if (found != NULL) {
			str_clear(&run->out->why);
			str_notef(&run->out->why, "%s: two SPF records",
			    domain);
			r = SPF_PERMERROR;
			goto done;
		}
		found = txt.v[i];
	}
	if (found == NULL) {
		str_clear(&run->out->why);
		str_notef(&run->out->why, "%s: no SPF record", domain);
		r = SPF_NONE;
		goto done;
	}
	if (spf_parse(found, strlen(found), &rec, &run->out->why) == -1) {
		r = SPF_PERMERROR;
		goto done;
	}
	r = spf_eval(run, &rec, domain);
done:
	run->depth--;
	strlist_free(&txt);
	return r;
}

int
spf_check(const struct spf_dns *dns, const struct spf_query *q,
    const char *domain, struct spf_out *out)
{
	struct spf_run run;

	run.dns = dns;
	run.q = q;
	run.out = out;
	run.depth = 0;
	out->lookups = out->voids = 0;
	str_clear(&out->why);
	out->result = spf_host(&run, domain);
	if (out->why.len == 0 && str_cats(&out->why, "") == -1)
		return -1;
	return 0;
}
