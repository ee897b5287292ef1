/*
 * pop3d_proto - the POP3 TRANSACTION and UPDATE states of qmail-pop3d:
 * one client line in, the replies out through a wbuf.  Replies are those
 * of qmail-pop3d ("+OK " with the space, its error words), plus CAPA.
 * Input is untrusted client text; the maildrop is the user's own.
 */
#ifndef HSMAIL_POP3D_PROTO_H
#define HSMAIL_POP3D_PROTO_H

#include <sys/types.h>

#include "maildrop.h"
#include "wbuf.h"

struct pop3d {
	struct maildrop *md;
	struct wbuf *out;
	size_t	 last;		/* LAST: highest message number DELEted */
	int	 stat_rfc;	/* STAT counts only undeleted messages */
	unsigned long retr;	/* RETR and TOP answered */
	unsigned long long bytes; /* message octets sent for them */
	size_t	 deleted;	/* messages removed at QUIT */
};

void	pop3d_init(struct pop3d *, struct maildrop *, struct wbuf *);

/*
 * One client line (CRLF stripped).  Returns 0 go on, 1 the session is
 * over (QUIT answered), -1 the client can no longer be written to.
 */
int	pop3d_line(struct pop3d *, const char *line, size_t n);

/*
 * Send fd's message the POP3 way: byte-stuffed, LF -> CRLF, ended by
 * ".".  toplines < 0: all of it; else the header, the blank line and that
 * many body lines.  Octets read from the file in *bytes_r.  0, or -1 on a
 * write error (a read error ends the message early; the reply is still
 * well-formed).
 */
int	pop3d_send_msg(struct wbuf *, int fd, long toplines,
	    unsigned long long *bytes_r);

#endif
