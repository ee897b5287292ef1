/*
 * maildrop - a Maildir seen as a POP3 maildrop: locked for one session,
 * scanned once (new/ then cur/), numbered in delivery order, changed only
 * by maildrop_commit at QUIT.  Runs in qmail-pop3d as the mailbox owner;
 * trusts the Maildir's owner, not the file names' contents (sizes parsed
 * strictly, symlinks refused on open).
 */
#ifndef HSMAIL_MAILDROP_H
#define HSMAIL_MAILDROP_H

#include <sys/types.h>

struct maildrop_msg {
	char	*name;		/* "new/<base>" or "cur/<base>[:2,flags]" */
	size_t	 uidlen;	/* the UIDL: name + 4, this many bytes */
	off_t	 size;		/* octets as stored (",S=" or stat) */
	off_t	 vsize;		/* octets as sent, CRLF line ends (",W="),
				 * or -1 until maildrop_vsize counts them */
	long long t;		/* delivery time: the name's seconds */
	unsigned char deleted;	/* DELE in this session */
};

struct maildrop {
	int	 dirfd;		/* the Maildir, flock'ed for the session */
	char	*path;		/* its path as given (maildirsize updates) */
	struct maildrop_msg *m;	/* n messages, numbered 1..n */
	size_t	 n;
	size_t	 cap;		/* entries allocated in m */
	size_t	 ndel;		/* messages marked deleted */
	off_t	 total;		/* octets of the messages not deleted */
};

/* tmp/ files untouched this long are removed at start (qmail-pop3d). */
#define MAILDROP_TMP_AGE	(36 * 3600)

/*
 * Open and lock the Maildir at path (relative to the cwd).  0, or -1
 * with errno: EWOULDBLOCK another session holds it, ENOENT/ENOTDIR no
 * such Maildir, anything else.
 */
int	maildrop_open(struct maildrop *, const char *path);

/*
 * Scan new/ and cur/ (names starting with '.' skipped), sort by the
 * delivery time in the name, then by name.  Stale tmp/ files removed.
 * 0, or -1 with errno.
 */
int	maildrop_scan(struct maildrop *);

/* Open message i (0-based) for reading.  fd, or -1 with errno. */
int	maildrop_openmsg(const struct maildrop *, size_t i);

/* Mark / unmark for deletion; totals follow. */
void	maildrop_dele(struct maildrop *, size_t i);
void	maildrop_rset(struct maildrop *);

/*
 * Apply the session (RFC 1939 UPDATE state): unlink every message marked
 * deleted, move every other message still in new/ to cur/<base>:2,,
 * fsync new/ and cur/, and take the deleted octets off maildirsize
 * (Maildir++, mdquota_add) if the Maildir has one.  *deleted_r: messages removed.
 * 0 all done; -1 some deletion failed (errno), the rest was still done.
 */
int	maildrop_commit(struct maildrop *, size_t *deleted_r);

/* Let the next session in (after the commit, before the last +OK, so a
 * client that reconnects at once does not find the maildrop locked). */
void	maildrop_unlock(struct maildrop *);

/* Unlock and free (nothing is changed on disk). */
void	maildrop_close(struct maildrop *);

/* Parse ",S=<n>" in a Maildir base name (up to ':').  1 found, 0 not. */
int	maildrop_namesize(const char *base, size_t n, off_t *size_r);
/* The same for another field: ",<key>=<n>" (",W=" the CRLF size). */
int	maildrop_namefield(const char *base, size_t n, char key,
	    off_t *val_r);

/*
 * The size of message i as RFC 1939 wants it in STAT and LIST: with CRLF
 * line ends, as RETR sends it (before dot-stuffing).  From ",W=" in the
 * name when a delivery put it there, else counted once from the file
 * (then remembered for the session); the size as stored if the file
 * cannot be read.
 */
off_t	maildrop_vsize(struct maildrop *, size_t i);
/* The sum of maildrop_vsize over the messages not marked deleted. */
off_t	maildrop_vtotal(struct maildrop *);

#endif
