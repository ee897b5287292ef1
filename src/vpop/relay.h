/*
 * relay - POP-before-SMTP as vpopmail's roaming-users code keeps it
 * (vpopmail.md §7): <vpopmail>/etc/open-smtp lists "<ip>:allow,
 * RELAYCLIENT="",RBLSMTPD=""<TAB><time>", and tcp.smtp.cdb is rebuilt
 * from open-smtp plus tcp.smtp by running tcprules.  Used by vchkpw
 * (after a login) and clearopensmtp (cron).  Runs as root or vpopmail.
 */
#ifndef HSMAIL_RELAY_H
#define HSMAIL_RELAY_H

#include <stddef.h>
#include <time.h>

#include "str.h"

/* Default expiry of clearopensmtp (vpopmail's RELAY_CLEAR_MINUTES). */
#define RELAY_CLEAR_MINUTES	180

/*
 * Record a login from ip at now and, if the ip was not listed, rebuild
 * tcp.smtp.cdb.  ip must be a plain IPv4/IPv6 address ("::ffff:a.b.c.d"
 * is reduced to a.b.c.d).  0, or -1 with errno (EINVAL: not an address).
 */
int	relay_open(const char *ip, time_t now);

/* Drop entries older than minutes and always rebuild tcp.smtp.cdb.
 * 0 or -1 (errno). */
int	relay_clear(long minutes, time_t now);

/*
 * The open-smtp text p[0..n) filtered as relay_open (ip set: the
 * client's lines go, *listed_r says it had one) or relay_clear (ip NULL:
 * lines older than minutes at now, or damaged, go) rewrite it; the lines
 * kept are appended to out.  0, or -1 (ENOMEM, E2BIG).  Untrusted text.
 */
int	relay_filter(const char *p, size_t n, const char *ip, long minutes,
	    time_t now, int *listed_r, struct str *out);

/* The rules tcprules gets from open-smtp: each line up to its tab.  0 or -1. */
int	relay_rules(const char *p, size_t n, struct str *out);

#endif
