/*
 * dmarc - DMARC (RFC 7489): the policy record of the From domain (or of
 * its organizational domain), identifier alignment of the SPF and DKIM
 * results that passed, and the policy to apply.  The organizational
 * domain comes from libpsl (the public suffix list that Debian keeps
 * current); DNS goes through a callback so that tests answer from a table.
 *
 * Why our own and not libopendmarc: its alignment needs its own copy of
 * the public suffix list parsed into a hash table in every process (8.5
 * ms of CPU per qmail-smtpd session measured here, against 0.3 ms for
 * libpsl's compiled form), it does its own DNS that a per-message time
 * budget cannot reach, and its record and header parsers have had memory
 * safety holes (CVE-2021-34555, CVE-2024-25768).  Records come from DNS:
 * untrusted, parsed by dmarc_parse (fuzzed).
 */
#ifndef HSMAIL_DMARC_H
#define HSMAIL_DMARC_H

#include <stddef.h>

#include "spf.h"
#include "str.h"

/* A policy record longer than this is ignored as not DMARC's. */
#define DMARC_MAX_RECORD	4096
/* Passing DKIM domains considered for alignment. */
#define DMARC_MAX_DKIM		16

enum dmarc_result {
	DMARC_NONE,		/* no policy published */
	DMARC_PASS,
	DMARC_FAIL,
	DMARC_TEMPERROR,
	DMARC_PERMERROR,	/* no usable From domain */
};

struct dmarc_rec {
	char	 p;		/* 'n' none, 'q' quarantine, 'r' reject */
	char	 sp;		/* for subdomains: as p when not given */
	char	 adkim;		/* 'r' relaxed (default) or 's' strict */
	char	 aspf;
	int	 pct;		/* 0-100, default 100 */
};

/* TXT lookup: DNS_FOUND, DNS_NODATA, DNS_HARD or DNS_SOFT. */
struct dmarc_dns {
	void	*arg;
	int	(*txt)(void *, const char *name, struct strlist *);
};

/* Through dns_txt. */
extern const struct dmarc_dns dmarc_dns_resolver;

struct dmarc_in {
	const char *from;	/* From domain, lowercase; NULL: none usable */
	const char *spf_domain;	/* MAIL FROM domain (or HELO when null) */
	enum spf_result spf;
	const char *dkim[DMARC_MAX_DKIM];	/* d= of the passing signatures */
	size_t	 ndkim;
};

struct dmarc_out {
	enum dmarc_result result;
	struct dmarc_rec rec;	/* the policy found (result pass or fail) */
	char	 policy;	/* 'n', 'q', 'r': what applies to this From */
	int	 sampled;	/* 1 when pct chose to apply the policy */
	int	 spf_aligned, dkim_aligned;
	struct str why;
};

/*
 * Parse a record (RFC 7489 6.3, 6.4): "v=DMARC1" first, p required
 * (missing with a rua: p=none), bad or unknown tags ignored.  0, or -1
 * when it is not a usable DMARC record.
 */
int	dmarc_parse(const char *text, size_t n, struct dmarc_rec *);

/*
 * The organizational domain of domain (RFC 7489 3.2) into *out: the
 * registrable domain by the public suffix list, the domain itself when
 * it is a public suffix.  0 or -1 (ENOMEM).
 */
int	dmarc_orgdomain(const char *domain, struct str *out);

/* 1 if a and b are aligned: equal (strict) or of one org domain. */
int	dmarc_aligned(const char *a, const char *b, char mode);

/* The DMARC evaluation of one message.  0, or -1 ENOMEM. */
int	dmarc_check(const struct dmarc_dns *, const struct dmarc_in *,
	    struct dmarc_out *);

/* "pass", "fail", ... as RFC 8601 / 7489 11.2 write them. */
const char *dmarc_result_name(enum dmarc_result);
/* "none", "quarantine", "reject" for 'n', 'q', 'r'. */
const char *dmarc_policy_name(char);

#endif
