/*
 * pop3_cmd - split a POP3 command line into verb and argument, and parse
 * message numbers, as qmail-popup and qmail-pop3d both read them.
 * Input is untrusted client text; nothing here allocates.
 */
#ifndef HSMAIL_POP3_CMD_H
#define HSMAIL_POP3_CMD_H

#include <stddef.h>

/* RFC 2449 section 4 allows 255 octets per command; we take a little
 * more for long passwords.  Checkpassword data is at most 512 bytes. */
#define POP3_LINE_MAX	512

enum pop3_verb {
	POP3_UNKNOWN = 0,
	POP3_USER, POP3_PASS, POP3_APOP, POP3_QUIT, POP3_NOOP, POP3_CAPA,
	POP3_STLS, POP3_STAT, POP3_LIST, POP3_UIDL, POP3_TOP, POP3_RETR,
	POP3_DELE, POP3_RSET, POP3_LAST, POP3_AUTH,
};

struct pop3_cmd {
	enum pop3_verb verb;
	const char *arg;	/* points into the line; not NUL-terminated */
	size_t	 arglen;	/* 0: no argument */
};

/*
 * Split line[0..n) the way qmail does: the verb is everything before the
 * first space, matched case-insensitively; the argument is the rest after
 * the spaces that follow it.  A trailing CR is dropped.  Always fills
 * *cmd (POP3_UNKNOWN for anything not known).
 */
void	pop3_cmd_parse(const char *line, size_t n, struct pop3_cmd *cmd);

/* 1 if b[0..n) holds a NUL byte (never passed to checkpassword), else 0. */
int	pop3_has_nul(const char *b, size_t n);

/*
 * Split "a b" into two words at the first run of spaces.  *w2 is NULL
 * (and *n2 0) when there is no second word.
 */
void	pop3_split2(const char *b, size_t n, const char **w1, size_t *n1,
	    const char **w2, size_t *n2);

enum pop3_num_err {
	POP3_NUM_OK = 0,
	POP3_NUM_SYNTAX,	/* "-ERR syntax error" */
	POP3_NUM_ZERO,		/* "-ERR messages are counted from 1" */
	POP3_NUM_BIG,		/* "-ERR not that many messages" */
};

/* Parse a message number 1..count.  0-based index into *idx_r. */
enum pop3_num_err pop3_msgnum(const char *b, size_t n, size_t count,
	    size_t *idx_r);

/* The reply text (without "-ERR ") for a message-number error. */
const char *pop3_num_errtext(enum pop3_num_err);

#endif
