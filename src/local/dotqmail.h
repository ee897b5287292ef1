/*
 * dotqmail - the .qmail file rules of qmail-local (dot-qmail(5)): which
 * file to read for an extension, what each line is, and whether a program
 * line can run without /bin/sh.  Pure functions: qmail-local, its tests
 * and the fuzzer link them.  Input is the user's file: trusted to say
 * what the user wants, never to be well formed.
 */
#ifndef HSMAIL_DOTQMAIL_H
#define HSMAIL_DOTQMAIL_H

#include <stddef.h>

#include "str.h"

enum dq_type {
	DQ_BLANK,	/* empty line (the first one is a temporary error) */
	DQ_COMMENT,	/* # ... */
	DQ_MBOX,	/* /path or ./path: append to an mbox file */
	DQ_MAILDIR,	/* /path/ or ./path/: deliver to a Maildir */
	DQ_PROGRAM,	/* |command */
	DQ_FORWARD,	/* &address, or any other line */
	DQ_LIST,	/* +list: forwards only */
	DQ_PLUS,	/* any other +line: ignored */
};

/* Length of line[0..n) without trailing spaces and tabs. */
size_t	dq_trim(const char *line, size_t n);

/*
 * What a (trimmed) line is.  *arg_r / *argn_r get the part that matters:
 * the command after '|', the address after '&', the path, else the line.
 */
enum dq_type dq_line(const char *line, size_t n, const char **arg_r,
	    size_t *argn_r);

/* ext made safe for a file name: lower case, every '.' becomes ':'. */
int	dq_safeext(struct str *out, const char *ext);

/*
 * The .qmail names to try for dash and ext, in order: ".qmail<dash><ext>",
 * then for every '-' boundary from the longest, "...<prefix>default".
 * names gets the names; defpos[k] is the offset in ext that $DEFAULT
 * starts at for names[k], or -1 when the name sets no DEFAULT.  defpos
 * must have room for dq_names_max(ext) entries.  0 or -1 (errno).
 */
size_t	dq_names_max(const char *ext);
int	dq_names(const char *dash, const char *ext, struct strlist *names,
	    long *defpos);

/*
 * Split a program line for direct execution (no shell): words separated
 * by blanks, '...' quoting allowed, only characters with no meaning to
 * the shell, and a first word that is not a shell keyword or builtin.
 * 1 argv was filled, 0 the line needs /bin/sh, -1 error (errno).
 */
int	dq_argv(const char *cmd, size_t n, struct strlist *argv);

/* 1 if the header line (with its newline) begins "From " after any '>':
 * mbox quoting adds one '>' (qmail's gfrom). */
int	dq_gfrom(const char *line, size_t n);

#endif
