/*
 * spf - the Sender Policy Framework check (RFC 7208 check_host) of one
 * client address against a domain's published policy: record selection,
 * the mechanisms, modifiers, macros, and the limits of section 4.6.4
 * (10 DNS-querying terms, 2 void lookups, 10 MX or PTR names).  DNS goes
 * through struct spf_dns so that unit tests answer from a table.
 *
 * Why our own and not libspf2: libspf2 follows RFC 4408 (no void lookup
 * limit), its last release is from 2012, its macro expander had memory
 * safety holes (CVE-2021-20314, CVE-2021-33912/33913), and its DNS layer
 * cannot be given one time budget per message.  Records come from DNS:
 * untrusted, parsed by spf_parse (fuzzed) with every length checked.
 */
#ifndef HSMAIL_SPF_H
#define HSMAIL_SPF_H

#include <stddef.h>

#include "dns.h"
#include "str.h"

/* RFC 7208 4.6.4 */
#define SPF_MAX_LOOKUPS	10
#define SPF_MAX_VOIDS	2
#define SPF_MAX_NAMES	10
/* A TXT record longer than this is the publisher's permanent error. */
#define SPF_MAX_RECORD	4096
/* Most terms in one record. */
#define SPF_MAX_TERMS	64

enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
};

/* The lookups: DNS_FOUND, DNS_NODATA, DNS_SOFT or DNS_HARD (dns.h). */
struct spf_dns {
	void	*arg;
	int	(*txt)(void *, const char *name, struct strlist *);
	int	(*addrs)(void *, const char *name, int af,
		    struct dns_addrlist *);
	int	(*mx)(void *, const char *name, struct dns_mxlist *);
	int	(*ptr)(void *, const struct dns_addr *, struct strlist *);
};

/* The lookups through dns.c (dns_txt, dns_addrs_af, dns_mx, dns_ptr). */
extern const struct spf_dns spf_dns_resolver;

struct spf_query {
	struct dns_addr ip;	/* the client */
	const char *sender;	/* local@domain (MAIL FROM, or postmaster@helo) */
	const char *helo;	/* the HELO/EHLO name, for %{h} */
	const char *receiver;	/* our own name, for %{r} */
};

struct spf_out {
	enum spf_result result;
	unsigned lookups;	/* DNS-querying terms evaluated */
	unsigned voids;		/* lookups that found nothing */
	struct str why;		/* what decided it, for the log */
};

/* Mechanism kinds of a parsed term. */
enum spf_mech {
	SPF_M_ALL, SPF_M_INCLUDE, SPF_M_A, SPF_M_MX, SPF_M_PTR, SPF_M_IP4,
	SPF_M_IP6, SPF_M_EXISTS, SPF_M_REDIRECT, SPF_M_EXP, SPF_M_UNKNOWN_MOD,
};

struct spf_term {
	enum spf_mech mech;
	char	 qual;		/* '+', '-', '~', '?' */
	const char *spec;	/* domain-spec (NULL if none), in the record */
	size_t	 speclen;
	struct dns_addr net;	/* ip4/ip6 */
	int	 cidr4, cidr6;	/* prefix lengths, -1 when not given */
};

struct spf_rec {
	struct spf_term t[SPF_MAX_TERMS];
	size_t	 n;
	int	 redirect;	/* index of the redirect term, or -1 */
};

/*
 * Parse a record that starts with "v=spf1" (RFC 7208 4.6.1, 12) into
 * *rec; the terms point into text, which must outlive it.  0, or -1 for
 * a syntax error (the caller's permerror) with the reason in *why.
 */
int	spf_parse(const char *text, size_t n, struct spf_rec *,
	    struct str *why);

/*
 * Expand the macros of a domain-spec (RFC 7208 7) for domain (the current
 * %{d}) into *out, truncated from the left to 253 bytes.  exp is 1 in an
 * explanation (c, r, t allowed).  0, or -1 (a syntax error, EINVAL; or
 * ENOMEM).
 */
int	spf_expand(const char *spec, size_t n, const struct spf_query *,
	    const char *domain, int exp, struct str *out);

/*
 * check_host(ip, domain, sender): evaluate domain's policy for the
 * query.  Always gives a result in out->result (errors are temperror or
 * permerror); -1 only for ENOMEM.
 */
int	spf_check(const struct spf_dns *, const struct spf_query *,
	    const char *domain, struct spf_out *);

/* "pass", "fail", ... as RFC 8601 writes them. */
const char *spf_result_name(enum spf_result);

/* 1 if s is a domain SPF can check: two or more labels, each 1-63. */
int	spf_domain_ok(const char *s);

#endif
