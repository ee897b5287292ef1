/*
 * imapd_int - what the modules of imapd's protocol share (imapd_proto.c,
 * imapd_fetch.c, imapd_search.c); not an interface for anything else.
 */
#ifndef HSMAIL_IMAPD_INT_H
#define HSMAIL_IMAPD_INT_H

#include "imap_parse.h"
#include "imapd_proto.h"
#include "mime.h"

/* Results of a command handler. */
#define CR_OK	0	/* answered */
#define CR_BAD	1	/* syntax: the caller says BAD */
#define CR_FATAL	2	/* out of memory, a store failure: BYE */

/* Answer the current command. */
int	tagged(struct imapd *, const char *status, const char *fmt, ...)
	    __attribute__((__format__ (printf, 3, 4)));
int	untagged(struct imapd *, const char *fmt, ...)
	    __attribute__((__format__ (printf, 2, 3)));

/* The flags of a message as an IMAP list "(\Seen kw)". */
int	put_flags(struct imapd *, struct str *, unsigned flags, uint64_t kw);

/* The message at view position i, or -1 when it is gone. */
ssize_t	view_idx(struct imapd *, size_t i);

/*
 * Walk the messages a sequence set names (uid: UID set) in view
 * order; fn(arg, view position) for each.  The set is resolved here.
 */
int	view_each(struct imapd *, struct imap_seq *, int uid,
	    int (*fn)(void *, size_t), void *arg);
/* 1 if the view position is in the set (uid: by UID). */
int	view_in(struct imapd *, const struct imap_seq *, int uid, size_t i);
/* Resolve "$" (SEARCHRES) into the set, and '*' for its kind. */
int	seq_prepare(struct imapd *, struct imap_seq *, int uid);

/* Report changes to the client; expunges only when allowed. */
int	view_update(struct imapd *, int allow_expunge);

/* Read message k's header (its whole file when its size is unknown):
 * its size and Date: for the index, and its ENVELOPE into the folder's
 * cache when want_env.  The buffer is s->headbuf. */
int	head_load(struct imapd *, size_t k, int want_env);

/* The parsed message at mbox index k (kept open for the next call). */
struct mime_msg *msg_get(struct imapd *, size_t k);
void	msg_drop(struct imapd *);

/* FETCH, STORE, SEARCH/SORT/THREAD (uid: the UID form). */
int	cmd_fetch(struct imapd *, struct imap_p *, int uid);
int	cmd_search(struct imapd *, struct imap_p *, int uid);
int	cmd_sort(struct imapd *, struct imap_p *, int uid);
int	cmd_thread(struct imapd *, struct imap_p *, int uid);

/* Read a date "1-Jan-2000" (quoted or not) for SEARCH. */
int	parse_day(struct imap_p *, time_t *day_utc);

#endif
