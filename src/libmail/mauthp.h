/*
 * mauthp - how qmail-smtpd and qmail-inject talk to msgauthd over its
 * Unix socket (<qmail>/msgauthd.sock).  Everything is a netstring
 * ("len:bytes,", as qmail's QMTP); a session carries one message:
 *
 *   client  request   "hsmail-mauth-1" NUL mode NUL ip NUL helo NUL
 *                     mailfrom NUL authservid NUL reject NUL dnsms NUL
 *                     (mode "S" sign, "V" verify; reject "0" or "1")
 *           data      "D" and up to MAUTHP_CHUNK message bytes, repeated
 *           end       "E"
 *   server  result    verdict NUL reply NUL log NUL headers
 *                     (verdict "A" accept, "R" reject, "Z" could not)
 *
 * The client side has no crypto and no DNS: a session that cannot reach
 * msgauthd goes on without signing or marks (the caller logs it).  The
 * parsers here read what the other side sent: fuzzed.
 */
#ifndef HSMAIL_MAUTHP_H
#define HSMAIL_MAUTHP_H

#include <stddef.h>

#include "io.h"
#include "str.h"

#define MAUTHP_SOCK	"msgauthd.sock"
#define MAUTHP_MAGIC	"hsmail-mauth-1"
#define MAUTHP_CHUNK	65536
#define MAUTHP_REQ_MAX	4096
#define MAUTHP_RES_MAX	(256UL * 1024)

/* An incremental netstring reader. */
struct mauthp_ns {
	int	 state;
	size_t	 len;		/* announced */
	size_t	 ndig;
	size_t	 max;
	struct str *out;	/* the payload, appended */
};

/* Start reading one netstring of at most max bytes into *out (cleared). */
void	mauthp_ns_init(struct mauthp_ns *, size_t max, struct str *out);
/*
 * Feed n bytes; *used is how many were taken.  1 complete, 0 more
 * wanted, -1 malformed or too long (EPROTO, E2BIG) or ENOMEM.
 */
int	mauthp_ns_feed(struct mauthp_ns *, const char *, size_t n,
	    size_t *used);
/* Append the netstring of b to *out.  0 or -1. */
int	mauthp_ns_put(struct str *out, const char *b, size_t n);

struct mauthp_req {
	int	 sign;
	const char *ip, *helo, *mailfrom, *authservid;
	int	 reject;
	long	 dns_ms;
};

/*
 * Parse a request payload; the strings point into it (NUL-terminated
 * there).  0, or -1 (EPROTO).
 */
int	mauthp_req_parse(char *b, size_t n, struct mauthp_req *);
/* The request payload for req into *out.  0 or -1. */
int	mauthp_req_make(const struct mauthp_req *, struct str *out);

struct mauthp_res {
	char	 verdict;	/* 'A', 'R', 'Z' */
	struct str reply, log, headers;
};

void	mauthp_res_init(struct mauthp_res *);
void	mauthp_res_free(struct mauthp_res *);
/* Parse a result payload.  0 or -1 (EPROTO, ENOMEM). */
int	mauthp_res_parse(const char *b, size_t n, struct mauthp_res *);
/* Make one.  0 or -1. */
int	mauthp_res_make(char verdict, const char *reply, const char *log,
	    const struct str *headers, struct str *out);

/* Reading netstrings from a connection, buffered. */
struct mauthp_conn {
	struct io io;
	int	 fd;
	size_t	 pos, len;
	char	 buf[8192];
	struct str out;		/* data waiting to be sent */
};

/*
 * Connect to msgauthd at path; every read or write waits at most
 * timeout_sec.  0, or -1 (errno: ENOENT, ECONNREFUSED: not running).
 */
int	mauthp_connect(struct mauthp_conn *, const char *path,
	    unsigned timeout_sec);
/* Take over an accepted socket (msgauthd).  */
void	mauthp_accept(struct mauthp_conn *, int fd, unsigned timeout_sec);
/* Read one netstring of at most max bytes.  1, 0 EOF, -1 error. */
int	mauthp_read(struct mauthp_conn *, size_t max, struct str *out);
/* Queue a netstring; sent once MAUTHP_CHUNK bytes wait, or at flush. */
int	mauthp_write(struct mauthp_conn *, const char *, size_t);
int	mauthp_flush(struct mauthp_conn *);
void	mauthp_close(struct mauthp_conn *);

/*
 * The client's whole exchange, for callers that hold the message
 * themselves: mauthp_client_start sends the request, mauthp_client_data
 * the message as it arrives, mauthp_client_end finishes and reads the
 * result.  Each returns 0, or -1 (the session is unusable: the caller
 * goes on without it).
 */
int	mauthp_client_start(struct mauthp_conn *, const struct mauthp_req *);
int	mauthp_client_data(struct mauthp_conn *, const char *, size_t);
int	mauthp_client_end(struct mauthp_conn *, struct mauthp_res *);

#endif
