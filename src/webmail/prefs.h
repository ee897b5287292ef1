/*
 * prefs - the user's webmail preferences in the Maildir's
 * sqwebmail-config, SqWebMail's own file, so a box moved off SqWebMail
 * keeps them and a move back finds its file as it left it: one line of
 * blank-separated words, "SORT=<D|F|S>" (date, sender, subject),
 * "OLDEST1ST", "PAGESIZE=<n>" and more that this webmail does not use and
 * keeps as they are.  SqWebMail had fewer orders; the exact one chosen
 * here is kept in a word of ours, "HSORT=<key>.<a|d>", beside the
 * nearest SqWebMail word.  The file is the user's own: read leniently,
 * never trusted beyond the values offered.
 */
#ifndef HSMAIL_PREFS_H
#define HSMAIL_PREFS_H

#include <stddef.h>

#include "str.h"

#define PREFS_FILE	"sqwebmail-config"
#define PREFS_PATH	"Maildir/" PREFS_FILE	/* from the user's home */
#define PREFS_MAX	8192		/* bytes of the file read */
#define PREFS_SORT_MAX	16		/* bytes of a sort, NUL included */

/* The order the line asks for as the list's s= ("date.d", "from.a",
 * ...) into out[PREFS_SORT_MAX]; "" when it says none.  Not checked
 * against the orders offered: the caller does that. */
void	prefs_sort_get(const char *line, size_t n, char *out);

/* The line with the order sort (an s= value) in place of the one it
 * had, every other word kept in its place.  0, -1 ENOMEM or E2BIG. */
int	prefs_sort_set(const char *line, size_t n, const char *sort,
	    struct str *out);

/*
 * The senders whose remote images the user always wants shown: the file
 * hsmail-remote-images in the Maildir, one address a line, lower case,
 * the newest last, at most PREFS_SENDERS_MAX (the oldest go first).
 */
#define PREFS_SENDERS_PATH	"Maildir/hsmail-remote-images"
#define PREFS_SENDERS_MAX	1000
#define PREFS_SENDERS_FILE_MAX	(PREFS_SENDERS_MAX * 322)

/* 1 if addr (any case) is a line of list[0..n), else 0. */
int	prefs_sender_has(const char *list, size_t n, const char *addr);
/* The list with addr added (on) or removed (!on) into out.  0, or -1
 * (ENOMEM; EINVAL for an address with a blank or control character). */
int	prefs_sender_set(const char *list, size_t n, const char *addr, int on,
	    struct str *out);
/* The whole file into text, "" when there is none.  0 or -1 (errno). */
int	prefs_senders_load(struct str *text);

/* The file's first line, "" when there is no file.  0 or -1 (errno). */
int	prefs_load(const char *path, struct str *line);
/* Replace the file with line (and a newline).  0 or -1 (errno). */
int	prefs_save(const char *path, const struct str *line);

#endif
