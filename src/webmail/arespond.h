/*
 * arespond - the vacation auto-reply's logic (autorespond(8)): reading
 * the incoming message's header, deciding whether a reply may go out
 * (never to bounces, mailing lists, other automatic mail or oneself:
 * RFC 3834), the reply built from the user's message file, and the
 * per-sender record in the responder's directory that keeps a sender
 * from getting more than the allowed replies within the period (the
 * "A<pid>.<time>" files of the original autorespond, which hold the
 * sender's address).  Pure functions over memory and one directory:
 * unit-tested and fuzzed.  The message is untrusted; the message file
 * and the directory are the user's.
 */
#ifndef HSMAIL_ARESPOND_H
#define HSMAIL_ARESPOND_H

#include <stddef.h>
#include <time.h>

#include "str.h"

#define AR_HEADER_MAX	(256 * 1024)	/* header bytes read of a message */
#define AR_QUOTE_IN_MAX	(64 * 1024)	/* body bytes read for the quote */
#define AR_QUOTE_LINES	200		/* lines quoted at most */
#define AR_MSGFILE_MAX	(64 * 1024)	/* the user's message file */
#define AR_ADDR_MAX	900		/* an envelope address we answer */
#define AR_FIELD_MAX	998		/* one header line (RFC 5322 2.1.1) */
#define AR_RECORD_MAX	1024		/* one record file read */

/* Why a message gets no reply (or AR_REPLY: it gets one). */
enum ar_verdict {
	AR_REPLY,
	AR_BOUNCE,	/* null sender, MAILER-DAEMON, no domain */
	AR_LIST,	/* a mailing list (List-*, Precedence, -request) */
	AR_AUTO,	/* automatic mail (Auto-Submitted, no-reply) */
	AR_SELF,	/* from the responder's own address */
	AR_BADADDR,	/* a sender we cannot write a header with */
	AR_DONE,	/* already replied within the period */
};

/* What the responder reads of the incoming header.  The strings are
 * unfolded values (leading and trailing blanks removed), "" when the
 * field is absent. */
struct ar_msg {
	struct str subject;
	struct str message_id;	/* the first <...> of Message-ID */
	struct str references;	/* References, else In-Reply-To */
	struct str ctype;	/* Content-Type */
	struct str cte;		/* Content-Transfer-Encoding */
	enum ar_verdict verdict; /* AR_REPLY, AR_LIST or AR_AUTO */
	const char *why;	/* the field that decided, for the log */
};

void	ar_msg_init(struct ar_msg *);
void	ar_msg_free(struct ar_msg *);

/*
 * Read the header b[0..n) (up to the empty line, or all of b): fill *m
 * and its verdict.  Lines end in LF or CRLF; continuation lines are
 * joined; a line that is neither a field nor a continuation is skipped.
 * 0, or -1 (ENOMEM).
 */
int	ar_header_parse(const char *b, size_t n, struct ar_msg *m);

/*
 * Check the envelope sender (qmail's SENDER) against self, the
 * responder's own address: AR_REPLY, AR_BOUNCE, AR_LIST, AR_AUTO,
 * AR_SELF or AR_BADADDR.
 */
enum ar_verdict ar_sender_check(const char *sender, const char *self);

/* A short text for the log ("mailing list", ...). */
const char *ar_verdict_text(enum ar_verdict);

/*
 * The quoted original: the text of body b[0..n) (a text/plain message,
 * or the first text/plain part of a multipart one; quoted-printable
 * decoded; base64 and other charsets than UTF-8 and ASCII left out) as
 * "> " lines, at most AR_QUOTE_LINES, appended to out.  Nothing is
 * appended when there is no such text.  0 or -1 (ENOMEM).
 */
int	ar_quote(const struct ar_msg *, const char *b, size_t n,
	    struct str *out);

/*
 * The reply, appended to out as a message for qmail-inject: the message
 * file f[0..fn) (an optional header block, whose From, Subject and other
 * fields are used, then the text; or only the text) for the message m
 * from sender, From self unless the file names one, with In-Reply-To,
 * References and "Auto-Submitted: auto-replied", and the quote (may be
 * empty) after the text.  0 or -1 (ENOMEM).
 */
int	ar_build(const struct ar_msg *m, const char *f, size_t fn,
	    const char *sender, const char *self, const char *quote,
	    size_t qn, struct str *out);

/*
 * The record in the directory open on dirfd: how many replies went to
 * sender (compared without case) within period seconds before now;
 * records older than that are removed on the way.  0 with *count_r, or
 * -1 (errno).
 */
int	ar_count(int dirfd, const char *sender, time_t now,
	    unsigned long period, unsigned long *count_r);

/* Note one reply to sender at now: the file "A<pid>.<now>".  0 or -1. */
int	ar_note(int dirfd, const char *sender, time_t now);

#endif
