/*
 * vpop_name - the names of the vpopmail store: which user and domain
 * names it accepts, lowercasing, and how a login name splits into user
 * and domain (with the default domain for a bare user name).  Input is
 * whatever a client typed: checked byte by byte.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "root.h"
#include "vpop.h"

int
vpop_lower(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126)
			return -1;
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
	}
	return 0;
}

int
vpop_user_valid(const char *u, int new_user)
{
	static const char ok[] = "!#$&'*+-.=?^_`{|}~";
	size_t	 n = strlen(u), i;

	if (n == 0 || n > VPOP_USER_MAX || (new_user && n < 2))
		return 0;
	if (u[0] == '.' || strstr(u, "..") != NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' &&
		    u[i] <= '9'))
			continue;
		if (strchr(ok, u[i]) == NULL)
			return 0;
	}
	return 1;
}

int
vpop_domain_valid(const char *d)
{
	size_t	 n = strlen(d), i;

	if (n == 0 || n > VPOP_DOMAIN_MAX)
		return 0;
	if (d[0] == '-' || d[0] == '.' || d[n - 1] == '-' || d[n - 1] == '.' ||
	    strstr(d, "..") != NULL || strstr(d, "-.") != NULL ||
	    strstr(d, ".-") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!((d[i] >= 'a' && d[i] <= 'z') || (d[i] >= '0' &&
		    d[i] <= '9') || d[i] == '-' || d[i] == '.'))
			return 0;
	return 1;
}

int
vpop_pass_valid(const char *pass)
{
	size_t	 n = strlen(pass);

	return n > 0 && n <= VPOP_PASS_MAX && strpbrk(pass, ":\n\r") == NULL;
}

int
vpop_default_domain(struct str *out)
{
	struct str path = STR_INIT(4096);
	const char *e = getenv("VPOPMAIL_DOMAIN");
	int	 r;

	str_clear(out);
	if (e != NULL && *e != '\0') {
		r = str_copys(out, e) == 0 ? 1 : -1;
	} else {
		r = root_path(&path, ROOT_VPOPMAIL, "etc/defaultdomain");
		if (r == 0)
			r = ctl_readline_path(path.s, out, NULL);
		if (r == 0 || (r == 1 && out->len == 0))
			r = ctl_readline("defaultdomain", out, NULL);
		if (r == 1 && out->len == 0)
			r = 0;
	}
	str_free(&path);
	if (r == 1 && vpop_lower(out->s) == -1)
		r = 0;
	return r;
}

int
vpop_login_split(const char *login, struct str *user, struct str *domain)
{
	size_t	 n = strcspn(login, "@%/");
	int	 r;

	str_clear(user);
	str_clear(domain);
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (str_copyb(user, login, n) == -1)
		return -1;
	if (login[n] != '\0') {
		if (str_copys(domain, login + n + 1) == -1)
			return -1;
	} else if ((r = vpop_default_domain(domain)) == -1) {
		return -1;
	}
	if (vpop_lower(user->s) == -1 || (domain->len > 0 &&
	    vpop_lower(domain->s) == -1)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
