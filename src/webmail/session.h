/*
 * session - webmail sessions kept by sqwebmaild: a 256-bit id from the
 * kernel's random source (getrandom) given to the browser in a cookie,
 * stored on the server only as its SHA-256 (a file per session in a
 * directory only the daemon's user can read), with the mailbox owner's
 * ids and directory, the login address, the client address it is bound
 * to, a CSRF token, and the times that end it: an idle timeout (the
 * file's modification time is the last use) and an absolute one.
 * SqWebMail's defaults: 20 minutes idle, 2 hours in all.
 */
#ifndef HSMAIL_SESSION_H
#define HSMAIL_SESSION_H

#include <sys/types.h>
#include <time.h>

#include "str.h"

#define SESSION_ID_BYTES	32
#define SESSION_ID_LEN		43	/* base64url without padding */
#define SESSION_IDLE_DEFAULT	1200
#define SESSION_HARD_DEFAULT	7200
#define SESSION_FILE_MAX	4096

struct session {
	char	 id[SESSION_ID_LEN + 1];	/* the cookie value */
	char	 csrf[SESSION_ID_LEN + 1];	/* the forms' token */
	struct str user;		/* login address, user@domain */
	struct str home;		/* the user's directory */
	struct str ip;			/* client address at login */
	uid_t	 uid;
	gid_t	 gid;
	time_t	 created;
	time_t	 last;			/* last use (file mtime) */
	int	 bind_ip;		/* refuse another client address */
};

void	session_init(struct session *);
void	session_free(struct session *);

/* n random bytes from getrandom(2) as base64url into out (4n/3+1 bytes
 * of room, NUL added).  0 or -1 (errno). */
int	session_random(char *out, size_t outsz, size_t n);

/* 1 if s is SESSION_ID_LEN base64url characters, else 0. */
int	session_id_valid(const char *s);

/* The file name of a session id: hex SHA-256 (64 characters + NUL). */
void	session_hash(const char *id, char out[65]);

/*
 * Text form of a session (what the file holds), and its parser.  The
 * parser is strict: every line "key value", all keys present once.
 * 0, or -1 with errno EINVAL / str errors.
 */
int	session_format(const struct session *, struct str *out);
int	session_parse(struct session *, const char *b, size_t n);

/*
 * Create a session for the given identity in dir: fresh id and CSRF
 * token, times set to now.  Written with O_EXCL, mode 0600.  0 or -1.
 */
int	session_create(const char *dir, struct session *, time_t now);

/*
 * Load the session id names from dir and check it: 1 valid (the file's
 * time is brought to now, s filled), 0 none (missing, expired: the file
 * is then removed, another client address when bound), -1 error.
 */
int	session_load(const char *dir, const char *id, const char *ip,
	    time_t now, unsigned idle, unsigned hard, struct session *s);

/* Remove the session (logout).  0 or -1 (a missing one is 0). */
int	session_remove(const char *dir, const char *id);

/* Remove expired sessions of dir (run now and then).  The count. */
int	session_sweep(const char *dir, time_t now, unsigned idle,
	    unsigned hard);

/* 1 if the two tokens are equal (constant time in the length), else 0. */
int	session_token_eq(const char *a, const char *b);

#endif
