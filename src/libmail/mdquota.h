/*
 * mdquota - Maildir++ quota: the maildirsize file (quota definition line,
 * delta lines), the rules for recalculating it, vpopmail's quota field
 * forms (NOQUOTA, bytes, k, M, a ready Maildir++ spec).  Used by the
 * delivery agent (vdelivermail) and by the POP3/IMAP servers.  Trusts
 * nothing in the maildirsize file: a damaged file is recalculated.
 */
#ifndef HSMAIL_MDQUOTA_H
#define HSMAIL_MDQUOTA_H

#include <stddef.h>
#include <time.h>

#include "str.h"

/* Courier's limits: recalculate when maildirsize reaches this size, or
 * when over quota and the file is this old (qmail.md §13). */
#define MDQUOTA_FILE_MAX	5120
#define MDQUOTA_STALE_SECS	(15 * 60)
/* A quota spec is short ("10000000S,1000C"); vpopmail's field is 20. */
#define MDQUOTA_SPEC_MAX	64

struct mdquota {
	unsigned long long size_max;	/* bytes, 0 = no byte limit */
	unsigned long long count_max;	/* messages, 0 = no count limit */
	long long	 size;		/* bytes in use (sum of deltas) */
	long long	 count;		/* messages in use */
	unsigned	 lines;		/* delta lines in the file */
};

/*
 * Parse a Maildir++ quota definition ("10000000S,1000C", "5000S", "")
 * into q->size_max and q->count_max.  0, or -1 with errno EINVAL.
 */
int	mdquota_spec_parse(const char *spec, struct mdquota *q);

/*
 * Turn vpopmail's quota field into a Maildir++ spec in *out: "NOQUOTA"
 * and "" give "" (no quota), "N" gives "NS", "Nk"/"NK" N*1000 bytes,
 * "Nm"/"NM" N*1000000 bytes, a spec with S or C letters is checked and
 * copied.  0, or -1 with errno EINVAL (not a quota) or ENOMEM/E2BIG.
 */
int	mdquota_from_vpop(const char *field, struct str *out);

/*
 * Parse the text of a maildirsize file: the spec line then "<bytes>
 * <count>" delta lines (summed).  0, or -1 with errno EINVAL (damaged:
 * the caller recalculates).
 */
int	mdquota_parse(const char *b, size_t n, struct mdquota *q);

/* 1 if adding size bytes and count messages would go over quota. */
int	mdquota_over(const struct mdquota *, long long size, long long count);

/* Usage in percent of the tighter limit (0 without limits). */
int	mdquota_percent(const struct mdquota *);

/*
 * The quota state of maildir for the definition spec, read from
 * <maildir>/maildirsize, or recalculated (scan of new/ and cur/ of the
 * maildir and its folders except .Trash, written atomically) when the file
 * is missing, damaged, 5120 bytes or more, has another definition, or
 * says over quota with more than one delta line or 15 minutes of age.
 * now is the current time.  0, or -1 with errno.
 */
int	mdquota_get(const char *maildir, const char *spec, struct mdquota *q,
	    time_t now);

/* Recalculate and rewrite maildirsize unconditionally.  0 or -1. */
int	mdquota_recalc(const char *maildir, const char *spec,
	    struct mdquota *q);

/*
 * Append a delta line "<size> <count>" to <maildir>/maildirsize, in one
 * write (O_APPEND), padded the way Courier pads.  A missing file is left
 * missing (the next reader recalculates).  0 or -1 (errno).
 */
int	mdquota_add(const char *maildir, long long size, long long count);

#endif
