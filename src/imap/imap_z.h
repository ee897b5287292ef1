/*
 * imap_z - COMPRESS=DEFLATE (RFC 4978) as io.h transport hooks: raw
 * DEFLATE both ways over the session's descriptors, every write ending
 * in a sync flush so the client's inflater never waits for more (the
 * stall mox hit).  Runs in imapd; the compressed input is untrusted
 * (zlib bounds it; a broken stream is a read error).
 */
#ifndef HSMAIL_IMAP_Z_H
#define HSMAIL_IMAP_Z_H

#include "io.h"
#include "rbuf.h"

/* Switch io to DEFLATE; what rb holds unread is compressed input. */
int	imap_z_start(struct io *, struct rbuf *);
/* Free the streams (io back to plain). */
void	imap_z_end(struct io *);

#endif
