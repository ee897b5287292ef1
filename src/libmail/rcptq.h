/*
 * rcptq - the request and answer lines between qmail-smtpd's chkuser and
 * vchkuser(8), the set-uid vpopmail helper that answers "does this
 * recipient exist" for a qmail-smtpd that may not read the store itself.
 * Used by both sides; the helper trusts no request it reads, qmail-smtpd
 * no answer.  Neither line ever carries a password or file contents.
 *
 *   request:  <user> SP <domain> SP <percent> LF
 *   answer:   nodomain | nouser | user | alias | ext | catchall | full
 *             | temp | invalid, then LF
 *
 user and domain are lower case.  domain: 1..VPOP_DOMAIN_MAX bytes of
 * 33..126 without '/' or "..".  user: 1..RCPTQ_USER_MAX bytes other than
 * controls, space, DEL and '/' ("..", 8-bit bytes allowed: a user name
 * only ever follows ".qmail-" or is a key, and a catch-all or a
 * .qmail-x-default accepts such names).  Nothing that could leave the
 * domain directory.  percent is CHKUSER_MBXQUOTA, 0..100 (0: no quota
 * check).
 */
#ifndef HSMAIL_RCPTQ_H
#define HSMAIL_RCPTQ_H

#include <stddef.h>

#include "str.h"
#include "vpop.h"
#include "vpop_rcpt.h"

/* Every local part an SMTP path can carry (RFC 5321 4.5.3.1.3: 256). */
#define RCPTQ_USER_MAX		255
/* A request or answer line, without LF: the fields and two spaces. */
#define RCPTQ_LINE_MAX		(RCPTQ_USER_MAX + VPOP_DOMAIN_MAX + 8)
/* vchkuser exits after this long without a request. */
#define RCPTQ_IDLE_SEC		3600
/* qmail-smtpd waits this long for one answer (a read of the store). */
#define RCPTQ_ANSWER_SEC	60

/* A parsed request; the strings are NUL-terminated. */
struct rcptq_req {
	char	 user[RCPTQ_USER_MAX + 1];
	char	 domain[VPOP_DOMAIN_MAX + 1];
	int	 percent;
};

/* 1 if b[0..n) may be sent as a domain field (max VPOP_DOMAIN_MAX),
 * else 0. */
int	rcptq_name_valid(const char *b, size_t n, size_t max);

/* 1 if b[0..n) may be sent as the user field (see above), else 0. */
int	rcptq_user_valid(const char *b, size_t n);

/*
 * Append the request line (with its LF) to *out.  0, or -1 with errno
 * EINVAL (a field rcptq_user_valid or rcptq_name_valid refuses,
 * percent out of 0..100),
 * ENOMEM or E2BIG.
 */
int	rcptq_req_format(struct str *out, const char *user,
	    const char *domain, int percent);

/*
 * Parse one request line (n bytes, LF already stripped) into *req,
 * user and domain lowercased.  0, or -1 with errno EINVAL.
 */
int	rcptq_req_parse(const char *line, size_t n, struct rcptq_req *req);

/* The answer kinds besides an enum vpop_rcpt result. */
#define RCPTQ_TEMP	(-1)	/* the store could not be read: 451 */
#define RCPTQ_INVALID	(-2)	/* the request was refused */

/*
 * The answer word (no LF) for r: an enum vpop_rcpt value, RCPTQ_TEMP or
 * RCPTQ_INVALID.  Never NULL (anything unknown is "temp").
 */
const char *rcptq_ans_word(int r);

/*
 * Parse one answer line (n bytes, LF stripped).  0 with *res set, or -1
 * with errno EAGAIN ("temp"), EINVAL ("invalid", or not an answer).
 */
int	rcptq_ans_parse(const char *line, size_t n, enum vpop_rcpt *res);

#endif
