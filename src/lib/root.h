/*
 * root - where an hsmail instance lives.
 *
 * Compile-time defaults are the H-Sphere layout; at run time HSMAIL_ROOT
 * relocates the whole instance under one directory (qmail/, vpopmail/,
 * statistic/, log/).  A program running set-uid or set-gid ignores
 * HSMAIL_ROOT (secure_getenv), so it can never be pointed elsewhere.
 */
#ifndef HSMAIL_ROOT_H
#define HSMAIL_ROOT_H

#include "str.h"

#ifndef HSMAIL_QMAIL_DIR
#define HSMAIL_QMAIL_DIR	"/var/qmail"
#endif
#ifndef HSMAIL_VPOPMAIL_DIR
#define HSMAIL_VPOPMAIL_DIR	"/hsphere/local/var/vpopmail"
#endif
#ifndef HSMAIL_STATISTIC_DIR
#define HSMAIL_STATISTIC_DIR	"/hsphere/local/var/statistic"
#endif
#ifndef HSMAIL_LOG_DIR
#define HSMAIL_LOG_DIR		"/var/log"
#endif

enum root_tree {
	ROOT_QMAIL,
	ROOT_VPOPMAIL,
	ROOT_STATISTIC,
	ROOT_LOG,
};

/* The directory of a tree, without a trailing slash.  Valid for the life
 * of the process. */
const char *root_dir(enum root_tree);

/* 1 if HSMAIL_ROOT is in force for this process, else 0. */
int	root_is_instance(void);

/*
 * Set *out to <tree dir>/<rel> (rel may be "" for the tree itself).
 * 0, or -1 with errno (ENOMEM, E2BIG: out->max).
 */
int	root_path(struct str *out, enum root_tree, const char *rel);

/*
 * *out = the absolute path p (n bytes; relative to base, an absolute
 * directory, unless it starts with '/') without "." and empty components
 * and with each ".." taking away the component before it (never above
 * "/").  0, or -1 with errno.
 */
int	root_clean(struct str *out, const char *base, const char *p, size_t n);

/* Forget the cached directories (tests change HSMAIL_ROOT). */
void	root_reset(void);

#endif
