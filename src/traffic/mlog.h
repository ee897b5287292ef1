/*
 * mlog - the scanner of maillog lines that mail-traffic counts: qmail-send's
 * message and delivery lines and the POP3/IMAP retrieval line, behind a
 * syslog header and splogger's timestamp (hsmail-log(5)).
 * Input is untrusted (any local program can write to syslog): the scanner
 * never reads outside [b, b+n), never allocates, and refuses anything that
 * is not exactly the documented shape (MLOG_OTHER).
 */
#ifndef HSMAIL_MLOG_H
#define HSMAIL_MLOG_H

#include <stddef.h>
#include <stdint.h>

enum mlog_kind {
	MLOG_OTHER = 0,		/* not a line mail-traffic counts */
	MLOG_INFO,		/* info msg N: bytes B from <S> ... */
	MLOG_START,		/* starting delivery D: msg N to local|remote A */
	MLOG_DONE,		/* delivery D: success|deferral|failure: ... */
	MLOG_END,		/* end msg N */
	MLOG_EXIT,		/* status: exiting (delivery numbers restart) */
	MLOG_LOGOUT,		/* logout pop3|imap <a> ip I retr n bytes B ... */
};

/* MLOG_DONE results */
#define MLOG_SUCCESS	1
#define MLOG_DEFERRAL	2
#define MLOG_FAILURE	3

struct mlog_ev {
	enum mlog_kind kind;
	/* Time: unix seconds from splogger's stamp (has_unix 1), else the
	 * syslog header's fields (has_hdr 1; mon 0-11; read only when
	 * there is no stamp), else neither. */
	int	 has_unix;
	int64_t	 unix_t;
	int	 has_hdr;
	int	 mon, mday, hour, min, sec;
	uint64_t msg;		/* INFO START END */
	uint64_t dlv;		/* START DONE */
	uint64_t bytes;		/* INFO LOGOUT */
	uint64_t retr;		/* LOGOUT */
	int	 remote;	/* START: 1 remote, 0 local */
	int	 result;	/* DONE: MLOG_SUCCESS ... */
	const char *addr;	/* INFO sender, START recipient, LOGOUT user; */
	size_t	 addrlen;	/* points into the line, not NUL-terminated */
};

/* Longest line the scanner looks at; splogger folds at 800. */
#define MLOG_LINE_MAX	4096

/*
 * Scan the line b[0..n) (without its newline) into *ev.  Returns ev->kind;
 * MLOG_OTHER for anything else (another program's line, a garbled or
 * truncated line, a continuation of a folded line).  Time fields are
 * filled whenever the header or stamp parses, whatever the kind.
 */
enum mlog_kind mlog_scan(const char *b, size_t n, struct mlog_ev *ev);

/*
 * The domain of an address as logged (after the last '@'), or NULL and 0
 * if there is none or it is empty.
 */
const char *mlog_domain(const char *a, size_t n, size_t *len_r);

#endif
