/*
 * num - strict decimal number parsing with range and end checks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

int
num_parseb(const char *b, size_t n, unsigned long max, unsigned long *val_r)
{
	unsigned long v = 0;
	size_t	 i;

	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (b[i] < '0' || b[i] > '9') {
			errno = EINVAL;
			return -1;
		}
		if (__builtin_mul_overflow(v, 10UL, &v) ||
		    __builtin_add_overflow(v, (unsigned long)(b[i] - '0'), &v) ||
		    v > max) {
			errno = ERANGE;
			return -1;
		}
	}
	*val_r = v;
	return 0;
}

int
num_parses(const char *s, unsigned long max, unsigned long *val_r)
{
	return num_parseb(s, strlen(s), max, val_r);
}

int
num_parse_longs(const char *s, long max, long *val_r)
{
	unsigned long u;
	int	 neg = 0;

	if (max < 0) {
		errno = EINVAL;
		return -1;
	}
	if (*s == '-') {
		neg = 1;
		s++;
	}
	if (num_parses(s, (unsigned long)max, &u) == -1)
		return -1;
	*val_r = neg ? -(long)u : (long)u;
	return 0;
}

unsigned long
num_env(const char *name, unsigned long def, unsigned long max)
{
	const char *e = getenv(name);
	unsigned long v;

	if (e == NULL || num_parses(e, max, &v) == -1)
		return def;
	return v;
}
