/*
 * ident - RFC 1413 client for tcpserver -r: ask the client's ident server
 * who owns the connection.  The answer is untrusted network text; every
 * read is bounded in size and time.
 */
#ifndef HSMAIL_IDENT_H
#define HSMAIL_IDENT_H

#include <stddef.h>
#include <sys/socket.h>

#include "str.h"

/* Longest ident reply read (RFC 1413 says 1000 bytes at most). */
#define IDENT_REPLY_MAX	1000

/*
 * Parse one reply line ("6191, 23 : USERID : UNIX : joe", CRLF optional)
 * into *user (the text after the third ':', leading blanks removed).
 * 1 a USERID answer, 0 an ERROR answer or anything else, -1 string
 * error (ENOMEM).
 */
int	ident_parse(const char *line, size_t n, struct str *user);

/*
 * Query port 113 of the remote host of a connection from local to remote
 * (both with their ports), within timeout seconds overall.  1 and *user
 * filled, 0 no answer (refused, timed out, error reply), -1 ENOMEM.
 */
int	ident_query(const struct sockaddr *local, const struct sockaddr *remote,
	    socklen_t len, unsigned timeout, struct str *user);

#endif
