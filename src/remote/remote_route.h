/*
 * remote_route - control/smtproutes (qmail-control(5)): "domain:relay",
 * "domain:relay:port", ".domain:" for subdomains, ":relay" for every
 * domain; an empty relay means the normal MX lookup.  The file is trusted
 * (root's), but a broken port is still refused rather than guessed.
 */
#ifndef HSMAIL_REMOTE_ROUTE_H
#define HSMAIL_REMOTE_ROUTE_H

#include "str.h"

/*
 * Find host's route in the lines of smtproutes: the whole host, then
 * each ".suffix" from the longest, then "" (qmail's order; the first line
 * for a key wins).  On a route with a relay, the relay into *relay and
 * its port into *port_r (0: none given).  1 routed to a relay, 0 normal MX
 * delivery, -1 EINVAL (a bad port) or ENOMEM.
 */
int	route_find(const struct strlist *routes, const char *host,
	    struct str *relay, unsigned long *port_r);

#endif
