/*
 * rules - ucspi-tcp 0.88 access rules: the tcprules text syntax, the cdb
 * encoding, and tcpserver's lookup order.  Shared by tcpserver, tcprules,
 * tcprulescheck, their unit tests and the fuzzer.  The text comes from the
 * administrator; the addresses looked up come from the network (trusted
 * only as far as the kernel reports them; host names from reverse DNS are
 * untrusted text).
 */
#ifndef HSMAIL_RULES_H
#define HSMAIL_RULES_H

#include <stddef.h>

#include "cdbx.h"
#include "str.h"

/* Longest rules line tcprules accepts (the original has no limit). */
#define RULES_LINE_MAX	(1024 * 1024)
/* Longest rule data tcpserver reads from a cdb. */
#define RULES_DATA_MAX	(1024 * 1024)

/*
 * Parse one line of rules text (without or with its trailing newline).
 * Trailing spaces, tabs and newlines are stripped from the line first, as
 * tcprules does.  Returns 1 a rule (address into *addr, cdb data into
 * *data: "D\0" for deny, then "+NAME=value\0" per variable), 0 a line
 * that is not a rule (empty, '#' comment, no ':'), -1 a syntax error
 * (errno EINVAL) or a string error (ENOMEM, E2BIG).
 */
int	rules_parse_line(const char *line, size_t n, struct str *addr,
	    struct str *data);

/*
 * The cdb keys an address stands for: itself, or for a range in its last
 * given octet ("1.2.3.37-53", "10.2-3.") one key per number, the upper
 * bound capped at 255.  Addresses with '=' or '@' are never ranges.  add
 * is called for each key and may fail (-1 stops).  0, or -1 (EINVAL for a
 * range that is not two numbers, or add's errno).
 */
int	rules_keys(const char *addr, size_t n,
	    int (*add)(void *arg, const char *key, size_t klen), void *arg);

/*
 * Find the rule for a client in the cdb, in ucspi-tcp's order: info@ip,
 * info@=host, ip, =host, ip prefixes ending in '.' (or ':' for IPv6)
 * longest first, =.suffixes of host longest first, '=', the empty key.
 * host and info may be NULL (unknown).  Returns 1 found (the rule's data
 * in *data, its key in *key unless key is NULL), 0 no rule, -1 error.
 */
int	rules_find(struct cdbx *, const char *ip, const char *host,
	    const char *info, struct str *data, struct str *key);

/*
 * Walk rule data: *deny_r set to 1 if a 'D' item is present (else left
 * alone), and setvar called with "NAME=value" for each '+' item that has
 * an '='.  Items not ending in NUL are ignored, as the original does.
 * 0, or -1 if setvar failed.
 */
int	rules_apply(const char *data, size_t n, int *deny_r,
	    int (*setvar)(void *arg, const char *nv), void *arg);

#endif
