/*
 * inject - header work of qmail-inject and sendmail: addresses out of
 * address-list headers (To, Cc, Bcc...) and qualification of bare names
 * with control/defaulthost, defaultdomain and plusdomain.  Pure
 * functions over untrusted message text: fuzzed.
 */
#ifndef HSMAIL_INJECT_H
#define HSMAIL_INJECT_H

#include <stddef.h>

#include "str.h"

/*
 * Add the addresses of an address-list header value (RFC 5322, leniently:
 * display names, comments, groups, quoted strings) to out, each the bare
 * addr-spec.  Addresses longer than 1002 bytes are skipped.  0 or -1
 * (ENOMEM).
 */
int	inject_addrlist(const char *v, size_t n, struct strlist *out);

/*
 * Qualify an address in place as qmail-inject does: no '@' -> append
 * "@defaulthost"; a host ending in '+' -> the '+' becomes ".plusdomain";
 * a host without a '.' (and not a [literal]) -> append ".defaultdomain".
 * 0 or -1 (errno).  The empty address is left alone.
 */
int	inject_qualify(struct str *addr, const char *defaulthost,
	    const char *defaultdomain, const char *plusdomain);

/* 1 if the header line (name up to ':') is name, case-insensitively. */
int	inject_hdr_is(const char *line, size_t n, const char *name);

#endif
