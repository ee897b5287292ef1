/*
 * remote_route - look a host up in control/smtproutes.
 */
#include <errno.h>
#include <string.h>

#include "num.h"
#include "remote_route.h"

static const char *route_lookup(const struct strlist *, const char *, size_t);

/* The value of the first line whose key (before ':') is key[0..n). */
static const char *
route_lookup(const struct strlist *routes, const char *key, size_t n)
{
	const char *colon;
	size_t	 i;

	for (i = 0; i < routes->n; i++) {
		colon = strchr(routes->v[i], ':');
		if (colon == NULL)
			continue;
		if ((size_t)(colon - routes->v[i]) == n &&
		    mem_caseeq(routes->v[i], key, n))
			return colon + 1;
	}
	return NULL;
}

int
route_find(const struct strlist *routes, const char *host,
    struct str *relay, unsigned long *port_r)
{
	const char *val = NULL, *colon;
	size_t	 i, n = strlen(host);

	*port_r = 0;
	for (i = 0; i <= n; i++)
		if (i == 0 || i == n || host[i] == '.')
			if ((val = route_lookup(routes, host + i, n - i)) != NULL)
				break;
	if (val == NULL || *val == '\0')
		return 0;
	/* "[IPv6:...]" may hold colons: the port comes after the ']'. */
	colon = val[0] == '[' ? strchr(val, ']') : val;
	if (colon == NULL) {
		errno = EINVAL;
		return -1;
	}
	colon = strchr(colon, ':');
	if (colon != NULL) {
		if (num_parses(colon + 1, 65535, port_r) == -1 ||
		    *port_r == 0) {
			errno = EINVAL;
			return -1;
		}
		if (str_copyb(relay, val, (size_t)(colon - val)) == -1)
			return -1;
	} else if (str_copys(relay, val) == -1)
		return -1;
	if (relay->len == 0) {
		errno = EINVAL;
		return -1;
	}
	return 1;
}
