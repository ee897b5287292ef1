/*
 * num - strict parsing of decimal numbers (never atoi).
 */
#ifndef HSMAIL_NUM_H
#define HSMAIL_NUM_H

#include <stddef.h>

/*
 * Parse the whole of b[0..n) as an unsigned decimal number no larger than
 * max.  Returns 0, or -1 with errno EINVAL (empty, sign, junk, spaces) or
 * ERANGE (over max).
 */
int	num_parseb(const char *b, size_t n, unsigned long max,
	    unsigned long *val_r);
int	num_parses(const char *s, unsigned long max, unsigned long *val_r);

/*
 * The environment variable name as a number no larger than max; def when
 * it is unset or not such a number (an administrator's setting: a typo
 * falls back to the default rather than stopping the program).
 */
unsigned long num_env(const char *name, unsigned long def, unsigned long max);

/* Signed variant: an optional leading '-'; |value| checked against max. */
int	num_parse_longs(const char *s, long max, long *val_r);

#endif
