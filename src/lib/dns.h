/*
 * dns - MX and address lookups for mail routing, through libresolv
 * (res_nquery) with a 64 KiB answer buffer, EDNS0, and the resolver's own
 * retry over TCP when a UDP answer comes back truncated: answers of any
 * size work (the qmail "big DNS" problem does not exist here).
 *
 * The system resolver (/etc/resolv.conf) is used unless servers are named
 * by $HSMAIL_DNSSERVERS or control/dnsservers ("ip[:port]" per line,
 * "[ipv6]:port" for IPv6 with a port).
 * Answers are untrusted: parsed with libresolv's ns_parserr/dn_expand,
 * and the parse functions below are what the fuzz target calls.
 */
#ifndef HSMAIL_DNS_H
#define HSMAIL_DNS_H

#include <stddef.h>

#include "str.h"

/* Lookup results. */
#define DNS_FOUND	1	/* records found */
#define DNS_NODATA	0	/* the name exists, no record of that type */
#define DNS_SOFT	(-1)	/* temporary failure: try again later */
#define DNS_HARD	(-2)	/* the name does not exist (NXDOMAIN) */

/* Most CNAME links followed for one lookup. */
#define DNS_MAXCNAME	16
/* Largest answer: the limit of DNS over TCP (RFC 1035 4.2.2). */
#define DNS_MAXANSWER	65536

struct dns_addr {
	int	 af;		/* AF_INET or AF_INET6 */
	unsigned char a[16];	/* 4 or 16 bytes, network order */
};

struct dns_addrlist {
	struct dns_addr *v;
	size_t	 n;
	size_t	 cap;
};

struct dns_mx {
	char	*name;		/* owned by the list */
	unsigned pref;
};

struct dns_mxlist {
	struct dns_mx *v;
	size_t	 n;
	size_t	 cap;
};

/*
 * Choose the servers: servers is a list of "ipv4[:port]", "ipv6" or
 * "[ipv6][:port]" separated by newlines, spaces or commas (NULL:
 * $HSMAIL_DNSSERVERS if set, else control/dnsservers if it exists, else
 * the system resolver); at most 3 (MAXNS).  0, or -1 with errno (EINVAL
 * for a bad entry, or the resolver could not be initialised).
 */
int	dns_setup(const char *servers);

/*
 * MX records of name, sorted by preference with a random order among
 * equal preferences; CNAME chains are followed.  Returns DNS_FOUND (the
 * list has at least one entry), DNS_NODATA, DNS_SOFT or DNS_HARD.
 */
int	dns_mx(const char *name, struct dns_mxlist *);

/*
 * The addresses of name (A, then AAAA when want6), CNAME chains
 * followed, appended to *list.  DNS_FOUND, DNS_NODATA, DNS_SOFT or
 * DNS_HARD (the name does not exist).
 */
int	dns_addrs(const char *name, int want6, struct dns_addrlist *);

/*
 * Parse an answer packet to a query for qname: follow the CNAME chain
 * that starts at qname inside the answer section and collect the MX
 * (dns_parse_mx) or A/AAAA (dns_parse_addr, type ns_t_a or ns_t_aaaa)
 * records owned by its end.  The name the chain ends at goes into
 * *final_r when not NULL.  DNS_FOUND, DNS_NODATA (nothing of the type at
 * the end of the chain), DNS_SOFT (a malformed packet or no memory).
 */
int	dns_parse_mx(const unsigned char *pkt, size_t len, const char *qname,
	    struct dns_mxlist *, struct str *final_r);
int	dns_parse_addr(const unsigned char *pkt, size_t len, const char *qname,
	    int type, struct dns_addrlist *, struct str *final_r);

/* Sort by preference, shuffling equal preferences (random order). */
void	dns_mx_sort(struct dns_mxlist *);

/* Append a host name with a preference.  0 or -1 (ENOMEM). */
int	dns_mx_add_name(struct dns_mxlist *, const char *, unsigned);
/* Append an address.  0 or -1 (ENOMEM). */
int	dns_addr_add(struct dns_addrlist *, const struct dns_addr *);
/*
 * Parse a literal IPv4 or IPv6 address (a "[...]" domain literal too,
 * with "IPv6:" for IPv6, RFC 5321 4.1.3).  1 it was one, 0 not.
 */
int	dns_addr_literal(const char *, struct dns_addr *);
/* Text form of an address into buf (INET6_ADDRSTRLEN bytes at least). */
const char *dns_addr_fmt(const struct dns_addr *, char *buf, size_t n);

/*
 * TXT records of name (CNAME chains followed), each record's strings
 * joined, appended to *list.  A record longer than maxrec bytes makes the
 * lookup fail with DNS_SOFT and errno E2BIG (the caller decides whether
 * published data that big is its permanent error).  DNS_FOUND,
 * DNS_NODATA, DNS_SOFT or DNS_HARD.
 */
int	dns_txt(const char *name, size_t maxrec, struct strlist *list);
int	dns_parse_txt(const unsigned char *pkt, size_t len, const char *qname,
	    size_t maxrec, struct strlist *, struct str *final_r);

/*
 * Addresses of one family only (AF_INET: A, AF_INET6: AAAA) of name,
 * appended to *list.  A DNS_* result.
 */
int	dns_addrs_af(const char *name, int af, struct dns_addrlist *);

/*
 * The PTR names of an address (in-addr.arpa or ip6.arpa), each without
 * the trailing dot, appended to *names.  A DNS_* result.
 */
int	dns_ptr(const struct dns_addr *, struct strlist *names);
int	dns_parse_ptr(const unsigned char *pkt, size_t len, const char *qname,
	    struct strlist *, struct str *final_r);
/* The reverse-lookup name of an address into *out (no trailing dot). */
int	dns_ptr_name(const struct dns_addr *, struct str *out);

/*
 * A time budget for every query that follows: ms milliseconds from now
 * (0: none, the resolver's own timeouts alone).  Each query waits at
 * most what is left (rounded up to a second, the resolver's unit), and
 * once it is spent every lookup fails at once with DNS_SOFT and errno
 * ETIMEDOUT.  The message authentication checks give all the DNS of one
 * message one budget, so a server that never answers cannot hold the
 * SMTP session.
 */
void	dns_budget(long ms);
/* Milliseconds left of the budget (a large number when none is set). */
long	dns_budget_left(void);
/* Queries sent since the process started (tests and limits read it). */
unsigned long dns_queries(void);

void	dns_mxlist_free(struct dns_mxlist *);
void	dns_addrlist_free(struct dns_addrlist *);

#endif
