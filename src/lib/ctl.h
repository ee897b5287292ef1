/*
 * ctl - qmail control files: one value, a list, or a number, with
 * defaults.  Files live in <qmail>/control/ (root.h).
 */
#ifndef HSMAIL_CTL_H
#define HSMAIL_CTL_H

#include "str.h"

/* Longest control file read (a list of thousands of domains fits). */
#define CTL_MAX_BYTES	(64UL * 1024 * 1024)

/*
 * The first line of control/<name>, trailing spaces and tabs removed,
 * into *val.  If the file does not exist *val is def (NULL: empty).
 * Returns 1 the file existed, 0 the default was used, -1 error (errno).
 */
int	ctl_readline(const char *name, struct str *val, const char *def);

/*
 * Every line of control/<name> into *list (appended), trailing spaces and
 * tabs removed; blank lines and lines starting with '#' are skipped.
 * 1 the file existed, 0 it does not (list unchanged), -1 error.
 */
int	ctl_readlist(const char *name, struct strlist *list);

/*
 * The number in the first line of control/<name> into *val_r, or def if
 * the file does not exist.  1 read, 0 default, -1 error (errno EINVAL for
 * a line that is not a number: a broken control file is not guessed at).
 */
int	ctl_readint(const char *name, long def, long *val_r);

/* The same three reading an explicit path instead of control/<name>. */
int	ctl_readline_path(const char *path, struct str *val, const char *def);
int	ctl_readlist_path(const char *path, struct strlist *list);
int	ctl_readint_path(const char *path, long def, long *val_r);

/*
 * Split text into lines the way control files are read (trailing blanks
 * stripped, blank and '#' lines skipped) and add them to *list.  Used by
 * ctl_readlist and by programs that read control text from elsewhere.
 */
int	ctl_parse_list(const char *text, size_t n, struct strlist *list);

#endif
