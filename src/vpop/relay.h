/*
 * relay - POP-before-SMTP as vpopmail's roaming-users code keeps it
 * (vpopmail.md §7): <vpopmail>/etc/open-smtp lists "<ip>:allow,
 * RELAYCLIENT="",RBLSMTPD=""<TAB><time>", and tcp.smtp.cdb is rebuilt
 * from open-smtp plus tcp.smtp by running tcprules.  Used by vchkpw
 * (after a login) and clearopensmtp (cron).  Runs as root or vpopmail.
 */
#ifndef HSMAIL_RELAY_H
#define HSMAIL_RELAY_H

#include <time.h>

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

#endif
