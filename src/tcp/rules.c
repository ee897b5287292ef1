/*
 * rules - the tcprules text parser, range expansion, the cdb lookup order
 * of ucspi-tcp 0.88's rules.c, and the walk over a rule's data.  Runs in
 * tcprules (administrator's text) and in each tcpserver child (client
 * addresses and reverse-DNS names, untrusted).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "num.h"
#include "rules.h"

static size_t	rules_colon(const char *, size_t);
static int	rules_try(struct cdbx *, struct str *, struct str *,
		    struct str *);
static int	rules_range_num(const char *, size_t, unsigned long *);

/*
 * The ':' that ends the address.  The original takes the first one; an
 * IPv6 address has colons of its own, so the first ':' followed by
 * "allow" or "deny" wins when the first ':' is not.
 */
static size_t
rules_colon(const char *x, size_t len)
{
	size_t	 i, first = len;

	for (i = 0; i < len; i++) {
		if (x[i] != ':')
			continue;
		if (first == len)
			first = i;
		if ((len - i - 1 >= 4 && memcmp(x + i + 1, "deny", 4) == 0) ||
		    (len - i - 1 >= 5 && memcmp(x + i + 1, "allow", 5) == 0))
			return i;
	}
	return first;
}

int
rules_parse_line(const char *x, size_t len, struct str *addr,
    struct str *data)
{
	size_t	 colon, i;
	char	 q;

	if (len == 0 || x[0] == '#' || x[0] == '\n')
		return 0;
	while (len > 0 && (x[len - 1] == '\n' || x[len - 1] == ' ' ||
	    x[len - 1] == '\t'))
		len--;
	colon = rules_colon(x, len);
	if (colon == len)
		return 0;
	if (str_copyb(addr, x, colon) == -1 || str_copys(data, "") == -1)
		return -1;
	x += colon + 1;
	len -= colon + 1;
	if (len >= 4 && memcmp(x, "deny", 4) == 0) {
		if (str_catb(data, "D", 2) == -1)
			return -1;
		x += 4;
		len -= 4;
	} else if (len >= 5 && memcmp(x, "allow", 5) == 0) {
		x += 5;
		len -= 5;
	} else
		goto bad;
	while (len > 0) {
		/* ,NAME=<q>value<q> where <q> is any one character. */
		if (x[0] != ',')
			goto bad;
		for (i = 0; i < len && x[i] != '='; i++)
			;
		if (i == len)
			goto bad;
		if (str_catc(data, '+') == -1 || str_catb(data, x + 1, i) == -1)
			return -1;
		x += i + 1;
		len -= i + 1;
		if (len == 0)
			goto bad;
		q = x[0];
		x++;
		len--;
		for (i = 0; i < len && x[i] != q; i++)
			;
		if (i == len)
			goto bad;
		if (str_catb(data, x, i) == -1 || str_catb(data, "", 1) == -1)
			return -1;
		x += i + 1;
		len -= i + 1;
	}
	return 1;
bad:
	errno = EINVAL;
	return -1;
}

/* One end of a range: digits only; empty is 0, as scan_ulong gives. */
static int
rules_range_num(const char *b, size_t n, unsigned long *val_r)
{
	if (n == 0) {
		*val_r = 0;
		return 0;
	}
	if (num_parseb(b, n, ULONG_MAX, val_r) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
rules_keys(const char *a, size_t n,
    int (*add)(void *, const char *, size_t), void *arg)
{
	struct str key = STR_INIT(RULES_LINE_MAX + 8);
	unsigned long bot, top;
	size_t	 dash, left, right;
	const char *d;
	int	 r = 0;

	d = memchr(a, '-', n);
	if (memchr(a, '=', n) != NULL || memchr(a, '@', n) != NULL ||
	    d == NULL)
		return add(arg, a, n);
	dash = (size_t)(d - a);
	for (left = dash; left > 0 && a[left - 1] != '.'; left--)
		;
	for (right = dash + 1; right < n && a[right] != '.'; right++)
		;
	if (rules_range_num(a + left, dash - left, &bot) == -1 ||
	    rules_range_num(a + dash + 1, right - dash - 1, &top) == -1)
		return -1;
	if (top > 255)
		top = 255;
	for (; bot <= top; bot++) {
		if (str_copyb(&key, a, left) == -1 ||
		    str_catulong(&key, bot) == -1 ||
		    str_catb(&key, a + right, n - right) == -1 ||
		    add(arg, key.s, key.len) == -1) {
			r = -1;
			break;
		}
	}
	str_free(&key);
	return r;
}

/* Look the key up; 1 found (data filled), 0 absent, -1 error. */
static int
rules_try(struct cdbx *db, struct str *k, struct str *data, struct str *key)
{
	int	 r;

	r = cdbx_find(db, k->s != NULL ? k->s : "", k->len, data);
	if (r == 1 && key != NULL && str_copyb(key, k->s, k->len) == -1)
		return -1;
	return r;
}

int
rules_find(struct cdbx *db, const char *ip, const char *host,
    const char *info, struct str *data, struct str *key)
{
	struct str k = STR_INIT(STR_UNBOUNDED);
	size_t	 len;
	int	 r, v6 = strchr(ip, ':') != NULL;
	const char *h;

#define TRY()	do {						\
		if ((r = rules_try(db, &k, data, key)) != 0)	\
			goto done;				\
	} while (0)
#define SET(a, b, c)	do {					\
		if (str_copys(&k, a) == -1 || str_cats(&k, b) == -1 || \
		    str_cats(&k, c) == -1) {			\
			r = -1;					\
			goto done;				\
		}						\
	} while (0)

	if (info != NULL) {
		SET(info, "@", ip);
		TRY();
		if (host != NULL) {
			SET(info, "@=", host);
			TRY();
		}
	}
	SET(ip, "", "");
	TRY();
	if (host != NULL) {
		SET("=", host, "");
		TRY();
	}
	for (len = strlen(ip); len > 0; len--) {
		if (ip[len - 1] == '.' || (v6 && ip[len - 1] == ':')) {
			if (str_copyb(&k, ip, len) == -1) {
				r = -1;
				goto done;
			}
			TRY();
		}
	}
	if (host != NULL) {
		for (h = host; *h != '\0'; h++) {
			if (*h == '.') {
				SET("=", h, "");
				TRY();
			}
		}
		SET("=", "", "");
		TRY();
	}
	str_clear(&k);
	TRY();
done:
	str_free(&k);
	return r;
#undef TRY
#undef SET
}

int
rules_apply(const char *data, size_t n, int *deny_r,
    int (*setvar)(void *, const char *), void *arg)
{
	const char *nul;
	size_t	 item;

	while ((nul = memchr(data, '\0', n)) != NULL) {
		item = (size_t)(nul - data);
		if (item > 0 && data[0] == 'D')
			*deny_r = 1;
		else if (item > 0 && data[0] == '+' &&
		    memchr(data + 1, '=', item - 1) != NULL &&
		    setvar(arg, data + 1) == -1)
			return -1;
		data += item + 1;
		n -= item + 1;
	}
	return 0;
}
