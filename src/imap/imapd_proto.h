/*
 * imapd_proto - the authenticated and selected states of an IMAP
 * session (RFC 3501, RFC 9051 and the extensions imapd(8) lists): one
 * whole command in (as imap_parse reads it), its responses out through
 * a wbuf.  The Maildir is reached through mstore.h only.  No network
 * I/O of its own: unit-tested and fuzzed.  Runs in imapd as the
 * mailbox owner; trusts nothing the client sends.
 */
#ifndef HSMAIL_IMAPD_PROTO_H
#define HSMAIL_IMAPD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "mstore.h"
#include "str.h"
#include "wbuf.h"

/* Bounds of one command (imapd reads at most this much). */
#define IMAPD_LINE_MAX		(64 * 1024)	/* a command without APPEND */
#define IMAPD_APPEND_MAX	(64L * 1024 * 1024) /* default APPENDLIMIT */
#define IMAPD_SEARCH_NODES	2000	/* keys in one search program */

/* What the session knows each message as (the client's view). */
struct imapd_view {
	uint32_t uid;
	uint8_t	 flags;		/* the flags it was last told */
	uint64_t kw;
	uint64_t modseq;
};

struct imapd {
	struct wbuf *out;
	struct mstore *st;
	struct mbox *mb;	/* the selected folder, or NULL */
	int	 readonly;	/* EXAMINE */
	struct imapd_view *v;	/* sequence number i+1 */
	size_t	 vn, vcap;
	/* ENABLEd (RFC 5161) and implied modes */
	int	 condstore;	/* CONDSTORE in use: MODSEQ in FETCH */
	int	 qresync;
	int	 utf8;		/* UTF8=ACCEPT or IMAP4rev2: names in UTF-8 */
	int	 rev2;		/* IMAP4rev2 enabled */
	uint32_t *sres;		/* SEARCHRES: UIDs saved by SAVE */
	size_t	 nsres;
	/* accounting, for the logout line */
	uint64_t bytes;		/* body octets sent */
	unsigned long nfetch;	/* messages whose body was sent */
	unsigned long nexpunged; /* messages this session expunged */
	size_t	 appendlimit;
	char	 tag[80];	/* the command being answered */
	struct str scratch;	/* a response being built */
	void	*msgcache;	/* the message open for FETCH / SEARCH */
	struct str headbuf;	/* a header being read (FETCH, SORT) */
	int	 idling;
	int	 compress;	/* COMPRESS=DEFLATE active */
	char	 id_name[64];	/* the client's ID "name", for the log */
};

enum imapd_act {
	IMAPD_NEXT,		/* answered: read the next command */
	IMAPD_LOGOUT,		/* answered: end the session */
	IMAPD_IDLE,		/* "+ idling" sent: wait for DONE */
	IMAPD_COMPRESS,		/* tagged OK sent: start DEFLATE now */
	IMAPD_FATAL,		/* out of memory or the store failed: BYE sent */
};

int	imapd_init(struct imapd *, struct mstore *, struct wbuf *);
void	imapd_free(struct imapd *);

/* The CAPABILITY list after login (without "* CAPABILITY "). */
const char *imapd_capability(const struct imapd *);

/*
 * One command: b[0..n) is "tag SP command ..." with literals inline.
 * Every response is written to the session's wbuf (not flushed).
 */
enum imapd_act imapd_command(struct imapd *, const char *b, size_t n);

/* During IDLE: report what changed (new mail, flags, expunges). */
int	imapd_idle_poll(struct imapd *);
/* The line that ends IDLE ("DONE", anything else is BAD). */
enum imapd_act imapd_idle_end(struct imapd *, const char *line, size_t n);

/* Before a wait in IDLE: the parsed message and the folder's cache of
 * per-message strings given back (loaded again when a command needs
 * them). */
void	imapd_idle_release(struct imapd *);
/* The folder directory IDLE watches (for inotify), or -1. */
int	imapd_watch_fd(const struct imapd *);

#endif
