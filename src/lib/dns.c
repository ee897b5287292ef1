/*
 * dns - MX and A/AAAA lookups through libresolv with a 64 KiB answer
 * buffer.  Used by qmail-remote (one delivery per process, so a single
 * resolver state is kept here).  Packets from the network are untrusted:
 * every record is taken apart by libresolv (ns_initparse, ns_parserr,
 * dn_expand) and every length checked before use.
 *
 * Why libresolv and not c-ares: it is part of the C library (no extra
 * dependency), its synchronous res_nquery fits a program that does one
 * lookup at a time, and it already retries over TCP when the TC bit is set
 * (unless RES_IGNTC, which we never set); what qmail lacked was only a
 * buffer big enough for the answer.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ctl.h"
#include "dns.h"
#include "num.h"

static struct __res_state dns_st;
static int	dns_ready;
static long long dns_deadline;	/* CLOCK_MONOTONIC ms, 0: none */
static unsigned long dns_nqueries;
static int	dns_retrans0, dns_retry0;	/* the resolver's own */

static int	dns_server_parse(const char *, size_t, struct sockaddr_in6 *);
static int	dns_servers_set(const struct sockaddr_in6 *, size_t);
static int	dns_query(const char *, int, unsigned char **, size_t *);
static int	dns_chain(ns_msg *, const char *, char *, size_t);
static int	dns_answer_open(const unsigned char *, size_t, const char *,
		    ns_msg *, char *, struct str *);
static int	dns_samename(const char *, const char *);
static long long dns_now_ms(void);
static int	dns_budget_apply(void);
static int	dns_mx_cmp(const void *, const void *);
struct dns_want;
static int	dns_chase(const char *, const struct dns_want *);

/*
 * Parse one server of length n into *ss: "a.b.c.d[:port]", an IPv6
 * address alone, or "[ipv6][:port]".  0 or -1 (EINVAL).
 */
static int
dns_server_parse(const char *s, size_t n, struct sockaddr_in6 *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;
	char	 ip[INET6_ADDRSTRLEN];
	const char *colon = NULL, *ipstart = s;
	unsigned long port = NS_DEFAULTPORT;
	size_t	 iplen = n;
	int	 six = 0;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL || (close + 1 < s + n && close[1] != ':'))
			goto bad;
		ipstart = s + 1;
		iplen = (size_t)(close - ipstart);
		if (close + 1 < s + n)
			colon = close + 1;
		six = 1;
	} else {
		colon = memchr(s, ':', n);
		/* Two colons or more: an IPv6 address without a port. */
		if (colon != NULL && memchr(colon + 1, ':',
		    n - (size_t)(colon - s) - 1) != NULL) {
			colon = NULL;
			six = 1;
		} else if (colon != NULL)
			iplen = (size_t)(colon - s);
	}
	if (colon != NULL && (num_parseb(colon + 1,
	    n - (size_t)(colon + 1 - s), 65535, &port) == -1 || port == 0))
		goto bad;
	if (iplen == 0 || iplen >= sizeof(ip))
		goto bad;
	memcpy(ip, ipstart, iplen);
	ip[iplen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (six) {
		ss->sin6_family = AF_INET6;
		ss->sin6_port = htons((unsigned short)port);
		if (inet_pton(AF_INET6, ip, &ss->sin6_addr) != 1)
			goto bad;
		return 0;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/*
 * Put the servers into the resolver state.  An IPv4 server goes into
 * nsaddr_list; an IPv6 one the way res_ninit stores those it reads from
 * resolv.conf: nsaddr_list[i] zeroed (family 0) and a malloc'd copy in
 * _u._ext.nsaddrs[i], which res_nclose frees.  0 or -1 (ENOMEM).
 */
static int
dns_servers_set(const struct sockaddr_in6 *sin, size_t n)
{
	struct sockaddr_in6 *p;
	size_t	 i;

	for (i = 0; i < MAXNS; i++) {
		free(dns_st._u._ext.nsaddrs[i]);
		dns_st._u._ext.nsaddrs[i] = NULL;
	}
	dns_st._u._ext.nscount = 0;
	for (i = 0; i < MAXNS; i++)
		dns_st._u._ext.nssocks[i] = -1;
	for (i = 0; i < n; i++) {
		memset(&dns_st.nsaddr_list[i], 0, sizeof(dns_st.nsaddr_list[i]));
		if (sin[i].sin6_family == AF_INET) {
			memcpy(&dns_st.nsaddr_list[i], &sin[i],
			    sizeof(struct sockaddr_in));
			continue;
		}
		p = malloc(sizeof(*p));
		if (p == NULL)
			return -1;
		*p = sin[i];
		dns_st._u._ext.nsaddrs[i] = p;
	}
	dns_st.nscount = (int)n;
	return 0;
}

int
dns_setup(const char *servers)
{
	struct sockaddr_in6 sin[MAXNS];
	struct strlist list = STRLIST_INIT;
	struct str text = STR_INIT(64 * 1024);
	const char *p, *e;
	size_t	 i, n = 0;
	int	 r;

	if (servers == NULL)
		servers = getenv("HSMAIL_DNSSERVERS");
	if (servers == NULL) {
		r = ctl_readlist("dnsservers", &list);
		if (r == -1)
			return -1;
		for (i = 0; i < list.n; i++)
			if (str_cats(&text, list.v[i]) == -1 ||
			    str_catc(&text, '\n') == -1) {
				strlist_free(&list);
				str_free(&text);
				return -1;
			}
		strlist_free(&list);
		servers = str_c(&text);
	}
	for (p = servers; *p != '\0'; p = e) {
		p += strspn(p, " \t\r\n,");
		e = p + strcspn(p, " \t\r\n,");
		if (e == p)
			break;
		if (n == MAXNS || dns_server_parse(p, (size_t)(e - p),
		    &sin[n]) == -1) {
			str_free(&text);
			errno = EINVAL;
			return -1;
		}
		n++;
	}
	str_free(&text);
	if (dns_ready)
		res_nclose(&dns_st);
	memset(&dns_st, 0, sizeof(dns_st));
	if (res_ninit(&dns_st) == -1) {
		errno = EAGAIN;
		return -1;
	}
	dns_st.options |= RES_USE_EDNS0;
	dns_st.options &= ~(unsigned long)RES_IGNTC;
	if (n > 0 && dns_servers_set(sin, n) == -1) {
		res_nclose(&dns_st);
		errno = ENOMEM;
		return -1;
	}
	dns_retrans0 = dns_st.retrans;
	dns_retry0 = dns_st.retry;
	dns_ready = 1;
	return 0;
}

static long long
dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
dns_budget(long ms)
{
	dns_deadline = ms > 0 ? dns_now_ms() + ms : 0;
}

long
dns_budget_left(void)
{
	long long left;

	if (dns_deadline == 0)
		return 1L << 30;
	left = dns_deadline - dns_now_ms();
	return left > 0 ? (long)left : 0;
}

unsigned long
dns_queries(void)
{
	return dns_nqueries;
}

/*
 * Fit the resolver's timeouts into what is left of the budget: one try
 * per server, each waiting at most the time left (glibc's res_send waits
 * retrans seconds for the first try).  0, or -1 (ETIMEDOUT) when it is
 * spent.
 */
static int
dns_budget_apply(void)
{
	long	 left;

	if (dns_deadline == 0) {
		dns_st.retrans = dns_retrans0;
		dns_st.retry = dns_retry0;
		return 0;
	}
	left = dns_budget_left();
	if (left <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	left = (left + 999) / 1000;
	dns_st.retrans = left < dns_retrans0 ? (int)left : dns_retrans0;
	if (dns_st.nscount > 1)
		dns_st.retrans = dns_st.retrans / dns_st.nscount > 0 ?
		    dns_st.retrans / dns_st.nscount : 1;
	dns_st.retry = 1;
	return 0;
}

/*
 * Ask for (name, type).  On DNS_FOUND *pkt_r (malloc'd, caller frees) and
 * *len_r hold the answer.
 */
static int
dns_query(const char *name, int type, unsigned char **pkt_r, size_t *len_r)
{
	unsigned char *buf;
	int	 n;

	*pkt_r = NULL;
	if (!dns_ready && dns_setup(NULL) == -1)
		return DNS_SOFT;
	if (dns_budget_apply() == -1)
		return DNS_SOFT;
	buf = malloc(DNS_MAXANSWER);
	if (buf == NULL)
		return DNS_SOFT;
	dns_nqueries++;
	n = res_nquery(&dns_st, name, ns_c_in, type, buf, DNS_MAXANSWER);
	if (n < 0) {
		free(buf);
		switch (dns_st.res_h_errno) {
		case HOST_NOT_FOUND:
			return DNS_HARD;
		case NO_DATA:
			return DNS_NODATA;
		default:
			return DNS_SOFT;
		}
	}
	if (n > DNS_MAXANSWER) {	/* cannot be: TCP lengths are 16 bits */
		free(buf);
		return DNS_SOFT;
	}
	*pkt_r = buf;
	*len_r = (size_t)n;
	return DNS_FOUND;
}

/* Owner names compare without case and without a trailing dot. */
static int
dns_samename(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/*
 * Follow CNAMEs from qname through the answer section; the end of the
 * chain into end (NS_MAXDNAME bytes).  0, or -1 for a malformed packet
 * or a chain too long.
 */
static int
dns_chain(ns_msg *msg, const char *qname, char *end, size_t endsz)
{
	char	 next[NS_MAXDNAME];
	ns_rr	 rr;
	int	 i, hops, moved, count = ns_msg_count(*msg, ns_s_an);

	if (strlen(qname) >= endsz)
		return -1;
	memcpy(end, qname, strlen(qname) + 1);
	for (hops = 0; hops <= DNS_MAXCNAME; hops++) {
		moved = 0;
		for (i = 0; i < count; i++) {
			if (ns_parserr(msg, ns_s_an, i, &rr) == -1)
				return -1;
			if (ns_rr_type(rr) != ns_t_cname ||
			    ns_rr_class(rr) != ns_c_in ||
			    !dns_samename(ns_rr_name(rr), end))
				continue;
			if (dn_expand(ns_msg_base(*msg), ns_msg_end(*msg),
			    ns_rr_rdata(rr), next, sizeof(next)) < 0)
				return -1;
			if (strlen(next) >= endsz)
				return -1;
			memcpy(end, next, strlen(next) + 1);
			moved = 1;
			break;
		}
		if (!moved)
			return 0;
	}
	return -1;
}

int
dns_mx_add_name(struct dns_mxlist *l, const char *name, unsigned pref)
{
	struct dns_mx *v;
	size_t	 cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 8;
		v = reallocarray(l->v, cap, sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].name = strdup(name);
	if (l->v[l->n].name == NULL)
		return -1;
	l->v[l->n].pref = pref;
	l->n++;
	return 0;
}

int
dns_addr_add(struct dns_addrlist *l, const struct dns_addr *a)
{
	struct dns_addr *v;
	size_t	 cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 8;
		v = reallocarray(l->v, cap, sizeof(*v));
		if (v == NULL) {
			errno = ENOMEM;
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *a;
	return 0;
}

/*
 * Open an answer to a question for qname and follow its CNAME chain:
 * the name the records must carry into end (NS_MAXDNAME bytes), and into
 * *final_r if not NULL.  0 or -1 (a malformed or oversize answer).
 */
static int
dns_answer_open(const unsigned char *pkt, size_t len, const char *qname,
    ns_msg *msg, char *end, struct str *final_r)
{
	if (len > DNS_MAXANSWER || ns_initparse(pkt, (int)len, msg) == -1)
		return -1;
	if (dns_chain(msg, qname, end, NS_MAXDNAME) == -1)
		return -1;
	if (final_r != NULL && str_copys(final_r, end) == -1)
		return -1;
	return 0;
}

int
dns_parse_mx(const unsigned char *pkt, size_t len, const char *qname,
    struct dns_mxlist *l, struct str *final_r)
{
	char	 end[NS_MAXDNAME], host[NS_MAXDNAME];
	ns_msg	 msg;
	ns_rr	 rr;
	int	 i, n, found = 0;

	if (dns_answer_open(pkt, len, qname, &msg, end, final_r) == -1)
		return DNS_SOFT;
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			return DNS_SOFT;
		if (ns_rr_type(rr) != ns_t_mx || ns_rr_class(rr) != ns_c_in ||
		    !dns_samename(ns_rr_name(rr), end))
			continue;
		if (ns_rr_rdlen(rr) < 3)
			return DNS_SOFT;
		n = dn_expand(ns_msg_base(msg), ns_msg_end(msg),
		    ns_rr_rdata(rr) + 2, host, sizeof(host));
		if (n < 0 || (size_t)n + 2 > ns_rr_rdlen(rr))
			return DNS_SOFT;
		if (dns_mx_add_name(l, host, ns_get16(ns_rr_rdata(rr))) == -1)
			return DNS_SOFT;
		found = 1;
	}
	return found ? DNS_FOUND : DNS_NODATA;
}

int
dns_parse_addr(const unsigned char *pkt, size_t len, const char *qname,
    int type, struct dns_addrlist *l, struct str *final_r)
{
	char	 end[NS_MAXDNAME];
	struct dns_addr a;
	ns_msg	 msg;
	ns_rr	 rr;
	size_t	 want = type == ns_t_aaaa ? 16 : 4;
	int	 i, found = 0;

	if (dns_answer_open(pkt, len, qname, &msg, end, final_r) == -1)
		return DNS_SOFT;
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			return DNS_SOFT;
		if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in ||
		    !dns_samename(ns_rr_name(rr), end))
			continue;
		if (ns_rr_rdlen(rr) != want)
			return DNS_SOFT;
		memset(&a, 0, sizeof(a));
		a.af = type == ns_t_aaaa ? AF_INET6 : AF_INET;
		memcpy(a.a, ns_rr_rdata(rr), want);
		if (dns_addr_add(l, &a) == -1)
			return DNS_SOFT;
		found = 1;
	}
	return found ? DNS_FOUND : DNS_NODATA;
}

static int
dns_mx_cmp(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	return x->pref < y->pref ? -1 : x->pref > y->pref;
}

void
dns_mx_sort(struct dns_mxlist *l)
{
	struct dns_mx t;
	size_t	 i, j;

	/* Shuffle, then a stable insertion sort keeps equals shuffled. */
	for (i = l->n; i > 1; i--) {
		j = arc4random_uniform((uint32_t)i);
		t = l->v[i - 1];
		l->v[i - 1] = l->v[j];
		l->v[j] = t;
	}
	for (i = 1; i < l->n; i++) {
		t = l->v[i];
		for (j = i; j > 0 && dns_mx_cmp(&l->v[j - 1], &t) > 0; j--)
			l->v[j] = l->v[j - 1];
		l->v[j] = t;
	}
}

/* What dns_chase does with one answer: a dns_parse_* call. */
struct dns_want {
	int	 type;
	struct dns_mxlist *mx;
	struct dns_addrlist *addr;
	struct strlist *names;	/* TXT strings or PTR names */
	size_t	 maxrec;	/* TXT */
};

/*
 * Ask for name's records of w->type and parse them into w's list,
 * following a CNAME chain the server left unfinished (at most
 * DNS_MAXCNAME links).  A DNS_* result.
 */
static int
dns_chase(const char *name, const struct dns_want *w)
{
	struct str final = STR_INIT(NS_MAXDNAME);
	struct str cur = STR_INIT(NS_MAXDNAME);
	unsigned char *pkt;
	size_t	 len;
	int	 r = DNS_SOFT, hops;

	if (str_copys(&cur, name) == -1)
		return DNS_SOFT;
	for (hops = 0; hops < DNS_MAXCNAME; hops++) {
		r = dns_query(str_c(&cur), w->type, &pkt, &len);
		if (r != DNS_FOUND)
			break;
		if (w->mx != NULL)
			r = dns_parse_mx(pkt, len, str_c(&cur), w->mx, &final);
		else if (w->type == ns_t_txt)
			r = dns_parse_txt(pkt, len, str_c(&cur), w->maxrec,
			    w->names, &final);
		else if (w->type == ns_t_ptr)
			r = dns_parse_ptr(pkt, len, str_c(&cur), w->names,
			    &final);
		else
			r = dns_parse_addr(pkt, len, str_c(&cur), w->type,
			    w->addr, &final);
		free(pkt);
		/* A chain the server did not finish: ask for its end. */
		if (r == DNS_NODATA && !dns_samename(str_c(&final),
		    str_c(&cur))) {
			r = DNS_SOFT;
			if (str_copyb(&cur, final.s, final.len) == -1)
				break;
			continue;
		}
		break;
	}
	str_free(&final);
	str_free(&cur);
	return r;
}

int
dns_mx(const char *name, struct dns_mxlist *l)
{
	struct dns_want w = { ns_t_mx, l, NULL, NULL, 0 };
	int	 r;

	r = dns_chase(name, &w);
	if (r == DNS_FOUND)
		dns_mx_sort(l);
	return r;
}

/* One address type with the same CNAME handling as dns_mx. */
static int
dns_addrs_type(const char *name, int type, struct dns_addrlist *l)
{
	struct dns_want w = { type, NULL, l, NULL, 0 };

	return dns_chase(name, &w);
}

int
dns_addrs(const char *name, int want6, struct dns_addrlist *l)
{
	int	 r4, r6;

	r4 = dns_addrs_type(name, ns_t_a, l);
	if (!want6 || r4 == DNS_HARD)
		return r4;
	r6 = dns_addrs_type(name, ns_t_aaaa, l);
	if (r4 == DNS_FOUND || r6 == DNS_FOUND)
		return DNS_FOUND;
	if (r4 == DNS_SOFT || r6 == DNS_SOFT)
		return DNS_SOFT;
	return r6 == DNS_HARD ? DNS_HARD : DNS_NODATA;
}

int
dns_addr_literal(const char *s, struct dns_addr *a)
{
	char	 buf[64];
	size_t	 n = strlen(s);

	memset(a, 0, sizeof(*a));
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
		if (n > 5 && strncasecmp(s, "IPv6:", 5) == 0) {
			s += 5;
			n -= 5;
			if (n >= sizeof(buf))
				return 0;
			memcpy(buf, s, n);
			buf[n] = '\0';
			a->af = AF_INET6;
			return inet_pton(AF_INET6, buf, a->a) == 1;
		}
	}
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, a->a) == 1) {
		a->af = AF_INET;
		return 1;
	}
	if (inet_pton(AF_INET6, buf, a->a) == 1) {
		a->af = AF_INET6;
		return 1;
	}
	return 0;
}

const char *
dns_addr_fmt(const struct dns_addr *a, char *buf, size_t n)
{
	if (inet_ntop(a->af, a->a, buf, (socklen_t)n) == NULL)
		return "?";
	return buf;
}

int
dns_addrs_af(const char *name, int af, struct dns_addrlist *l)
{
	return dns_addrs_type(name, af == AF_INET6 ? ns_t_aaaa : ns_t_a, l);
}

int
dns_parse_txt(const unsigned char *pkt, size_t len, const char *qname,
    size_t maxrec, struct strlist *l, struct str *final_r)
{
	char	 end[NS_MAXDNAME];
	struct str rec = STR_INIT(STR_UNBOUNDED);
	const unsigned char *rd;
	ns_msg	 msg;
	ns_rr	 rr;
	size_t	 off, n;
	int	 i, found = 0, r = DNS_SOFT, big = 0;

	rec.max = maxrec;
	if (dns_answer_open(pkt, len, qname, &msg, end, final_r) == -1)
		return DNS_SOFT;
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			goto done;
		if (ns_rr_type(rr) != ns_t_txt || ns_rr_class(rr) != ns_c_in ||
		    !dns_samename(ns_rr_name(rr), end))
			continue;
		/* RFC 1035 3.3.14: one or more <character-string>s. */
		rd = ns_rr_rdata(rr);
		str_clear(&rec);
		if (str_catb(&rec, "", 0) == -1)
			goto done;
		for (off = 0; off < ns_rr_rdlen(rr); off += n) {
			n = rd[off++];
			if (n > ns_rr_rdlen(rr) - off)
				goto done;
			if (str_catb(&rec, rd + off, n) == -1) {
				big = errno == E2BIG;
				goto done;
			}
		}
		if (strlist_addb(l, rec.s, rec.len) == -1)
			goto done;
		found = 1;
	}
	r = found ? DNS_FOUND : DNS_NODATA;
done:
	str_free(&rec);
	errno = big ? E2BIG : errno;
	return r;
}

int
dns_txt(const char *name, size_t maxrec, struct strlist *l)
{
	struct dns_want w = { ns_t_txt, NULL, NULL, l, maxrec };

	return dns_chase(name, &w);
}

int
dns_parse_ptr(const unsigned char *pkt, size_t len, const char *qname,
    struct strlist *l, struct str *final_r)
{
	char	 end[NS_MAXDNAME], host[NS_MAXDNAME];
	ns_msg	 msg;
	ns_rr	 rr;
	int	 i, n, found = 0;

	if (dns_answer_open(pkt, len, qname, &msg, end, final_r) == -1)
		return DNS_SOFT;
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) == -1)
			return DNS_SOFT;
		if (ns_rr_type(rr) != ns_t_ptr || ns_rr_class(rr) != ns_c_in ||
		    !dns_samename(ns_rr_name(rr), end))
			continue;
		n = dn_expand(ns_msg_base(msg), ns_msg_end(msg),
		    ns_rr_rdata(rr), host, sizeof(host));
		if (n < 0 || (size_t)n > ns_rr_rdlen(rr))
			return DNS_SOFT;
		if (strlist_adds(l, host) == -1)
			return DNS_SOFT;
		found = 1;
	}
	return found ? DNS_FOUND : DNS_NODATA;
}

int
dns_ptr_name(const struct dns_addr *a, struct str *out)
{
	static const char hex[] = "0123456789abcdef";
	int	 i;

	str_clear(out);
	if (a->af == AF_INET)
		return str_printf(out, "%u.%u.%u.%u.in-addr.arpa", a->a[3],
		    a->a[2], a->a[1], a->a[0]);
	for (i = 15; i >= 0; i--)
		if (str_catc(out, hex[a->a[i] & 15]) == -1 ||
		    str_catc(out, '.') == -1 ||
		    str_catc(out, hex[a->a[i] >> 4]) == -1 ||
		    str_catc(out, '.') == -1)
			return -1;
	return str_cats(out, "ip6.arpa");
}

int
dns_ptr(const struct dns_addr *a, struct strlist *names)
{
	struct dns_want w = { ns_t_ptr, NULL, NULL, names, 0 };
	struct str q = STR_INIT(NS_MAXDNAME);
	int	 r;

	if (dns_ptr_name(a, &q) == -1) {
		str_free(&q);
		return DNS_SOFT;
	}
	r = dns_chase(str_c(&q), &w);
	str_free(&q);
	return r;
}

void
dns_mxlist_free(struct dns_mxlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

void
dns_addrlist_free(struct dns_addrlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
