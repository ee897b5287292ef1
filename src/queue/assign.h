/*
 * assign - compile users/assign into the records of users/cdb exactly as
 * qmail-newu does (qmail-users(5)).  Pure parser: qmail-newu, its test
 * and the fuzzer call it.  The file is the administrator's, but any
 * malformed line is refused rather than guessed at.
 */
#ifndef HSMAIL_ASSIGN_H
#define HSMAIL_ASSIGN_H

#include <stddef.h>

#include "str.h"

/* Called once per record; returns 0 or -1 (errno) to stop. */
typedef int (*assign_add_fn)(void *ctx, const char *key, size_t klen,
    const char *data, size_t dlen);

/*
 * Parse the text of users/assign and call add for every record: "!local\0"
 * (simple '=' lines) or "!prefix" (wildcard '+' lines) with the data
 * "user\0uid\0gid\0homedir\0dash\0ext" (as qmail-newu writes it: the
 * sixth ':' is dropped, no final NUL), then the "" key whose data is the
 * set of last characters of the wildcard prefixes.
 * 0; -1 with errno EINVAL (bad format; *line_r is the 1-based line) or
 * what add returned.
 */
int	assign_parse(const char *text, size_t n, assign_add_fn add, void *ctx,
	    size_t *line_r);

#endif
