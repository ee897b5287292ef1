/*
 * msglist - the order of the message list: sorted by arrival date,
 * sender, subject or size in either direction, or in threads (RFC 5256
 * REFERENCES threading: a message's parent is the last message of its
 * References or In-Reply-To that is in the folder; threads ordered by
 * their newest message, replies under their parent by date).  Pure
 * functions over an array the list page fills from the store: unit-
 * tested.  The strings come from mail (untrusted) but are only compared.
 */
#ifndef HSMAIL_MSGLIST_H
#define HSMAIL_MSGLIST_H

#include <stddef.h>
#include <stdint.h>

#include "str.h"

#define ML_DEPTH_MAX	8	/* thread depth shown (deeper is flattened) */
#define ML_REFS_MAX	64	/* References ids looked at, from the last */

/* One message of the folder. */
struct ml_item {
	size_t	 idx;		/* its index in the open mbox */
	uint32_t uid;
	int64_t	 date;		/* arrival (INTERNALDATE) */
	uint64_t size;
	const char *from;	/* sender as shown, folded for comparing */
	const char *subject;	/* base subject, folded */
	const char *msgid;	/* Message-ID without <>, or "" */
	const char *refs;	/* References (else In-Reply-To), as written */
	unsigned depth;		/* set by ml_thread: 0 for a thread's root */
	size_t	 tag;		/* the caller's, carried along */
};

enum ml_sort { ML_DATE, ML_FROM, ML_SUBJECT, ML_SIZE };

/* Parse a sort name ("date", "from", "subject", "size"); ML_DATE for
 * anything else. */
enum ml_sort ml_sort_parse(const char *);
const char *ml_sort_name(enum ml_sort);

/*
 * Sort v[0..n) by key, descending when desc; equal keys by arrival and
 * UID in the same direction (so the order is total and stable across
 * page loads).  depth is set to 0.
 */
void	ml_sort(struct ml_item *v, size_t n, enum ml_sort key, int desc);

/*
 * Put v[0..n) in thread order: threads by their newest message (newest
 * first when desc), each thread depth-first with replies in date order;
 * depth set (at most ML_DEPTH_MAX).  A reference loop or a message that
 * names itself is broken, never followed.  0, or -1 (ENOMEM; v is then
 * in date order).
 */
int	ml_thread(struct ml_item *v, size_t n, int desc);

/*
 * The base subject of a decoded subject (RFC 5256 2.1, simplified):
 * leading "Re:", "Fwd:", "Fw:", "Aw:", "Sv:", "[tag]" and blanks
 * removed, repeatedly, and trailing "(fwd)" and blanks; ASCII letters
 * lower-cased.  Appended to out.  0 or -1 (str errors).
 */
int	ml_base_subject(const char *s, struct str *out);

#endif
