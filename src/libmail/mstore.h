/*
 * mstore - the Maildir++ store shared by imapd, qmail-pop3d and the
 * webmail: folders, messages, flags, keywords, UIDs, subscriptions,
 * special-use folders and quota, on the Maildir that vdelivermail writes.
 * Runs in the mailbox owner's process (after the checkpassword program);
 * trusts the Maildir's owner, not the contents of any file in it (every
 * file is parsed strictly; a damaged index is rebuilt).
 *
 * On disk (mstore(5)):
 *   INBOX is the Maildir; folder "INBOX.A.B" is the directory ".A.B"
 *   with a maildirfolder file.  Names on disk are UTF-8 (Courier-IMAP 5)
 *   or modified UTF-7 (older trees): the store detects which one a tree
 *   holds and keeps writing it.  The API speaks UTF-8 only.
 *   UIDs live in each folder's courierimapuiddb (Courier-IMAP), or in
 *   dovecot-uidlist when the folder came from Dovecot (kept in that
 *   format so either server can take the box back); keywords in
 *   courierimapkeywords/:list; subscriptions in courierimapsubscribed.
 *   hsmail-index (+ .log) holds flags, MODSEQ and the expunge history,
 *   hsmail-cache sizes, envelopes and body structures: both are caches,
 *   rebuilt from the above when missing or damaged.
 *   Base file names (qmail-pop3d's UIDLs) are never changed.
 *
 * Concurrency: any number of sessions, deliveries and qmail-pop3d at
 * once.  Deliveries never lock (Maildir); sessions take a short flock on
 * the folder's hsmail-lock while they reconcile the index with the
 * directories; nothing waits on a POP3 session.  A message renamed or
 * removed by another process is found again or reported expunged.
 *
 * Memory: all functions return 0 (or a count) on success, -1 with errno
 * on failure (ENOMEM, EINVAL bad name, ENOENT no such folder, EEXIST,
 * EDQUOT over quota, or a system error).  Strings handed out belong to
 * the structure they came from and stay valid until the next call that
 * changes it (mbox_sync, mbox_store, mbox_expunge) or its close.
 */
#ifndef HSMAIL_MSTORE_H
#define HSMAIL_MSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "str.h"

/* Limits (bounded everything): a folder name in UTF-8, its depth. */
#define MSTORE_NAME_MAX		1000
#define MSTORE_DEPTH_MAX	32
#define MSTORE_FOLDERS_MAX	10000	/* folders listed per user */
#define MSTORE_KW_MAX		64	/* keywords per folder */
#define MSTORE_KW_LEN		100	/* bytes per keyword */
#define MSTORE_DELIM		'.'

/* Message flags (bits of mmsg.flags).  Maildir letters: D F R S T. */
#define MF_SEEN		0x01	/* S */
#define MF_ANSWERED	0x02	/* R */
#define MF_FLAGGED	0x04	/* F */
#define MF_DELETED	0x08	/* T */
#define MF_DRAFT	0x10	/* D */
#define MF_SYSMASK	0x1f
#define MF_RECENT	0x20	/* this session moved it from new/ */

/* Special-use folders (RFC 6154). */
enum mstore_special {
	MS_NONE = 0, MS_SENT, MS_DRAFTS, MS_TRASH, MS_JUNK, MS_ARCHIVE,
	MS_NSPECIAL
};

/* mstore_folder.flags */
#define MSF_NOSELECT	0x01	/* a parent that exists only in names */
#define MSF_CHILDREN	0x02	/* has children */
#define MSF_SUBSCRIBED	0x04
#define MSF_NONEXISTENT	0x08	/* subscribed but not there */

struct mstore_folder {
	char	*name;		/* "INBOX", "INBOX.Sent.2007" (UTF-8) */
	unsigned flags;		/* MSF_* */
	enum mstore_special special;
};

struct mstore;

/*
 * Open the Maildir at path (the user's Maildir; relative to the cwd or
 * absolute).  Nothing is created.  *st_r is freed by mstore_close.
 */
int	mstore_open(struct mstore **st_r, const char *path);
void	mstore_close(struct mstore *);
/* The Maildir's path as given. */
const char *mstore_path(const struct mstore *);
/* 1 when names on disk are modified UTF-7, 0 UTF-8. */
int	mstore_is_mutf7(const struct mstore *);

/*
 * 1 if name is a folder name the store accepts (UTF-8, "INBOX" or
 * "INBOX." followed by non-empty components without '/', control
 * characters or a leading '.' (a component of ".." would climb out of
 * the Maildir), at most MSTORE_NAME_MAX bytes and MSTORE_DEPTH_MAX
 * levels), else 0.  "inbox" in any case is INBOX.  The canonical form
 * (INBOX upper-case) goes to *canon when not NULL.
 */
int	mstore_name_ok(const char *name, struct str *canon);

/*
 * Every folder, INBOX first then in name order, with flags and
 * special use; parents that exist only as a prefix are MSF_NOSELECT;
 * subscribed names that do not exist are MSF_NONEXISTENT.  Free with
 * mstore_list_free.
 */
int	mstore_list(struct mstore *, struct mstore_folder **v_r, size_t *n_r);
void	mstore_list_free(struct mstore_folder *, size_t n);

/* 1 if folder name exists (selectable), 0 if not, -1 error. */
int	mstore_exists(struct mstore *, const char *name);

/*
 * Create folder name (and its missing parents) with a maildirfolder
 * file; special (MS_NONE for none) marks it for that use.  EEXIST if it
 * exists, EINVAL for a bad name or INBOX.
 */
int	mstore_create(struct mstore *, const char *name,
	    enum mstore_special special);
/* Delete a folder (its messages with it).  Its children are kept
 * (RFC 3501 6.3.4).  INBOX cannot be deleted (EINVAL). */
int	mstore_delete(struct mstore *, const char *name);
/* Rename a folder and its children (UIDVALIDITY kept).  INBOX: its
 * messages move to the new folder and INBOX stays, empty. */
int	mstore_rename(struct mstore *, const char *from, const char *to);

/* Add or remove name in courierimapsubscribed (on 1 / 0). */
int	mstore_subscribe(struct mstore *, const char *name, int on);

/*
 * Make sure every special-use folder exists: an existing folder with a
 * known name for the use (Courier's and SqWebMail's "Sent", "Drafts",
 * "Trash", and "Sent Items", "Deleted Messages", "Spam", "Junk",
 * "Archives", ...) or one marked by mstore_create is reused; a missing
 * one is created as INBOX.Sent, INBOX.Drafts, INBOX.Trash, INBOX.Junk,
 * INBOX.Archive and subscribed.
 */
int	mstore_ensure_special(struct mstore *);
/* The folder for a use (static storage until the next list), or NULL. */
const char *mstore_special_folder(struct mstore *, enum mstore_special);
/* The RFC 6154 attribute of a use ("\\Sent"), or NULL for MS_NONE. */
const char *mstore_special_attr(enum mstore_special);
/* The use named by an attribute (case-insensitive), or MS_NONE. */
enum mstore_special mstore_special_parse(const char *attr, size_t n);

/*
 * Quota from the Maildir's maildirsize (Maildir++): *limit_r bytes (0 =
 * none), *used_r bytes, *count_r and *count_limit_r messages.  0 with
 * limits 0 when there is no maildirsize.
 */
int	mstore_quota(struct mstore *, unsigned long long *used_r,
	    unsigned long long *limit_r, unsigned long long *count_r,
	    unsigned long long *count_limit_r);

/* ---- one open folder ---- */

struct mmsg {
	uint32_t uid;
	uint8_t	 flags;		/* MF_* */
	uint8_t	 gone;		/* the file vanished; not yet expunged */
	uint16_t baselen;	/* bytes of the base name in name + 4 */
	uint64_t kw;		/* bit i: keyword mbox.kw[i] */
	uint64_t modseq;
	int64_t	 idate;		/* INTERNALDATE (file mtime), unix s, or
				   MSTORE_IDATE_UNKNOWN: mbox_msg_idate() */
	uint64_t size;		/* RFC822.SIZE (CRLF octets); 0 unknown */
	int64_t	 sdate;		/* its Date: as UTC (sdstate MSD_VALID) */
	int16_t	 stz;		/* the Date:'s zone, minutes east */
	uint8_t	 sdstate;	/* MSD_* */
	char	*name;		/* "new/<base>" or "cur/<base>:2,<flags>" */
};

/* mmsg.idate before the file was looked at (a scan does not stat). */
#define MSTORE_IDATE_UNKNOWN	INT64_MIN

/* mmsg.sdstate: what is known of the message's Date: header. */
#define MSD_UNKNOWN	0	/* not read yet */
#define MSD_NONE	1	/* none, or none that parses */
#define MSD_VALID	2	/* sdate and stz hold it */

struct mbox_cache;

struct mbox {
	struct mstore *st;
	char	*name;		/* the folder's name (UTF-8) */
	int	 dirfd;		/* the folder directory */
	int	 readonly;	/* EXAMINE: no flag changes, no new/ move */
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
	struct mmsg *m;		/* messages in UID order */
	size_t	 n;
	size_t	 cap;
	char	*kw[MSTORE_KW_MAX];	/* keyword names */
	size_t	 nkw;
	size_t	 nrecent;	/* messages this session took from new/ */
	/* expunge history for QRESYNC: (uid, modseq) pairs, oldest first */
	uint32_t *xuid;
	uint64_t *xmod;
	size_t	 nx, xcap;
	uint64_t xfloor;	/* history is complete above this modseq */
	/* private state */
	int	 lockfd;
	int	 fmt;		/* which UID file the folder keeps */
	char	 guid[40];	/* dovecot-uidlist G field */
	struct timespec newmt, curmt;	/* directories as last scanned */
	ino_t	 idxino;
	off_t	 logoff;
	void	*hash;		/* base name -> message */
	struct mbox_cache *cache;
};

#define MBOX_RDONLY	0x01	/* open read-only (EXAMINE, STATUS) */
#define MBOX_NORECENT	0x02	/* leave new/ as it is (STATUS, POP3) */

/*
 * Open folder name and bring its index up to date (importing Courier's
 * or Dovecot's UIDs on first open).  Unless MBOX_RDONLY or
 * MBOX_NORECENT, messages in new/ move to cur/ and are MF_RECENT for
 * this session.  ENOENT if there is no such folder.
 */
int	mbox_open(struct mstore *, const char *name, int flags,
	    struct mbox **mb_r);
void	mbox_close(struct mbox *);

/*
 * Reconcile with the disk and the other sessions: new messages get UIDs
 * and are appended to m; flag changes update flags and modseq; a
 * message whose file is gone is removed from m (its uid and modseq go
 * to the expunge history) unless keep_gone, which leaves it with gone
 * set (for commands that must not report EXPUNGE).  Cheap when nothing
 * changed (two stats).  Returns 1 if anything changed, 0 if not, -1.
 */
int	mbox_sync(struct mbox *, int keep_gone);

/*
 * Hold the folder's lock over many changes (a STORE of many messages):
 * the index is written once, at mbox_end.  Nests; every mbox_begin that
 * returned 0 needs its mbox_end.
 */
int	mbox_begin(struct mbox *);
void	mbox_end(struct mbox *);

/* Index of uid in m, or -1. */
ssize_t	mbox_find(const struct mbox *, uint32_t uid);

/* Index of keyword name (case-insensitive), creating it when create;
 * -1 with ENOSPC when the folder has MSTORE_KW_MAX already. */
int	mbox_keyword(struct mbox *, const char *name, size_t n, int create);

/*
 * Set message i's flags (MF_SYSMASK bits) and keywords; renames the file
 * (its base name unchanged) and gives it a new modseq.  EROFS when
 * read-only; ENOENT when the message is gone.
 */
int	mbox_store(struct mbox *, size_t i, unsigned flags, uint64_t kw);

/* Open message i for reading (a renamed file is found again).  fd. */
int	mbox_msg_open(struct mbox *, size_t i);

/* Message i's RFC822.SIZE, computed and cached on first use: from the
 * ",W=" of the file name when it has one (the deliverer counted it). */
int	mbox_msg_size(struct mbox *, size_t i, uint64_t *size_r);

/* Message i's INTERNALDATE: the file's mtime, looked at on first use
 * (a folder's first scan does not stat every file); the time in its
 * name when the file cannot be looked at. */
int64_t	mbox_msg_idate(struct mbox *, size_t i);

/*
 * What a reader of message i found out that the index keeps, so that
 * the next session need not open the file: its RFC822.SIZE (0: not
 * learned) and its Date: (sdstate MSD_UNKNOWN: not learned).  Written
 * with the index at the next change, after many, or at mbox_close.
 */
void	mbox_msg_learn(struct mbox *, size_t i, uint64_t size, int sdstate,
	    int64_t sdate, int stz);
/* The same for its INTERNALDATE, from an fstat of the open file. */
void	mbox_msg_learn_idate(struct mbox *, size_t i, int64_t mtime);

/*
 * Remove the messages whose uid is in uids[0..n) (or, uids NULL, every
 * message flagged \Deleted); each is removed from m and reported to cb
 * with its index at that moment (so sequence numbers follow IMAP's
 * EXPUNGE rule).  Quota follows.
 */
int	mbox_expunge(struct mbox *, const uint32_t *uids, size_t n,
	    void (*cb)(void *, size_t idx, uint32_t uid), void *arg);

/*
 * Put a message into folder name: data from fd (size bytes), flags and
 * keywords (names), INTERNALDATE idate (0: now).  Lands in cur/ with its
 * flags.  EDQUOT over quota, ENOENT no such folder.  The new UID and the
 * folder's UIDVALIDITY go to *uid_r and *uidv_r.
 */
int	mstore_append(struct mstore *, const char *name, int fd, off_t size,
	    unsigned flags, const char *const *kw, size_t nkw, time_t idate,
	    uint32_t *uidv_r, uint32_t *uid_r);

/*
 * Copy (move 0) or move (move 1) the messages at indexes idx[0..n) of
 * src into folder dst, keeping flags, keywords and INTERNALDATE.  The
 * new UIDs go to uids_r[0..n) and the destination's UIDVALIDITY to
 * *uidv_r.  A move keeps the base names and removes the messages from
 * src (reported through cb as mbox_expunge does).  EDQUOT when a copy
 * would go over quota (nothing copied).
 */
int	mbox_copy(struct mbox *src, const size_t *idx, size_t n,
	    const char *dst, int move, uint32_t *uidv_r, uint32_t *uids_r,
	    void (*cb)(void *, size_t idx, uint32_t uid), void *arg);

/*
 * Status of a folder without selecting it: counts, UIDNEXT,
 * UIDVALIDITY, HIGHESTMODSEQ and the size of its messages.
 */
struct mstore_status {
	uint32_t messages, recent, unseen, deleted;
	uint32_t uidnext, uidvalidity;
	uint64_t highestmodseq, size;
};
int	mstore_status(struct mstore *, const char *name,
	    struct mstore_status *);

/*
 * The folder's cache of per-message strings (ENVELOPE, BODYSTRUCTURE,
 * BODY, sort keys), kept in hsmail-cache: a cache only, rebuilt on
 * demand.  get: 1 found (*b_r, *n_r valid until mbox_close or
 * mbox_cache_release), 0 not.  put: remembered for this session and
 * appended for the next ones.  release: what was put written out and the
 * memory given back (a session about to wait, in IDLE, for hours); the
 * next get or put loads the file again.
 */
int	mbox_cache_get(struct mbox *, uint32_t uid, char field,
	    const char **b_r, size_t *n_r);
int	mbox_cache_put(struct mbox *, uint32_t uid, char field,
	    const char *b, size_t n);
void	mbox_cache_release(struct mbox *);

/* Modified UTF-7 (RFC 3501 5.1.3) to and from UTF-8, appended to *out.
 * -1 EINVAL for input that is not valid. */
int	mutf7_decode(struct str *out, const char *s, size_t n);
int	mutf7_encode(struct str *out, const char *s, size_t n);
/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates), else 0. */
int	mstore_utf8_ok(const char *s, size_t n);

#endif
