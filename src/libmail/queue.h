/*
 * queue - the queue layout every queue program shares (qmail's INTERNALS):
 * directory names, the conf-split hashing of message ids, path building,
 * the NUL-terminated envelope records, and the trigger.  Used by
 * qmail-queue, qmail-todo, qmail-send, qmail-clean and the inspectors.
 * Trusts nothing it reads: every record is bounded and checked.
 */
#ifndef HSMAIL_QUEUE_H
#define HSMAIL_QUEUE_H

#include <stddef.h>
#include <sys/types.h>

#include "esc.h"
#include "str.h"

/* conf-split: a split directory holds <dir>/<id mod 23>/<id>. */
#define QUEUE_SPLIT	23
/* Longest address in an envelope record, without its NUL: qmail-queue's
 * ADDR is 1003 bytes including the NUL; one more byte is exit 11. */
#define QUEUE_ADDR_MAX	1002
/* qmail-queue's suicide timer (DEATH), below qmail-send's OSSIFIED. */
#define QUEUE_DEATH	86400
#define QUEUE_OSSIFIED	129600

/*
 * The queue's subdirectories (relative to <qmail>/queue).  intd/ and
 * todo/ are not split (stock layout).  qmail-queue fsyncs mess/<s>/ and
 * todo/ but not intd/: after a crash todo/N may exist without intd/N, so
 * removing intd/N must treat ENOENT as done.
 */
/* qmail-queued's socket, relative to the qmail home (qmail-start makes it). */
#define QUEUE_SOCK	"qmail-queued.sock"
#define QUEUE_PID	"pid"
#define QUEUE_MESS	"mess"		/* split */
#define QUEUE_INTD	"intd"
#define QUEUE_TODO	"todo"
#define QUEUE_INFO	"info"		/* split */
#define QUEUE_LOCAL	"local"		/* split */
#define QUEUE_REMOTE	"remote"	/* split */
#define QUEUE_BOUNCE	"bounce"
#define QUEUE_LOCK	"lock"
#define QUEUE_TRIGGER	"lock/trigger"
#define QUEUE_SENDMUTEX	"lock/sendmutex"
#define QUEUE_TCPTO	"lock/tcpto"
#define QUEUE_TCPTO_SIZE 1024

/*
 * qmail-queue's exit codes (qmail-queue(8)): 0 queued, 11..40 permanent,
 * anything else temporary.
 */
#define QQ_OK		0
#define QQ_ADDRLONG	11	/* address too long */
#define QQ_PERM		31	/* permanently refused (look-alikes) */
#define QQ_NOMEM	51
#define QQ_TIMEOUT	52
#define QQ_WRITE	53	/* write error or disk full */
#define QQ_READ		54	/* cannot read message or envelope */
#define QQ_CONFIG	55
#define QQ_HOME		61	/* trouble with the qmail home directory */
#define QQ_QUEUEDIR	62
#define QQ_PIDDIR	63
#define QQ_MESSDIR	64
#define QQ_INTDDIR	65
#define QQ_TODODIR	66
#define QQ_BUG		81
#define QQ_FORMAT	91	/* envelope format error */

/* 1 if a qmail-queue exit code is permanent (11..40), else 0. */
int	queue_exit_perm(int code);

/* What a qmail-queue exit code means (qmail.c qmail_close). */
struct queue_exit {
	int	 perm;		/* permanent (the message will never go) */
	enum esc esc;		/* its enhanced status, class from perm */
	const char *text;	/* "qq write error or disk full" */
};
/*
 * The meaning of a qmail-queue exit code; never NULL (unlisted codes
 * are "qq permanent problem" or "qq temporary problem").  Exit 0 reads
 * "qq read error": asked about only when the message did not go whole.
 */
const struct queue_exit *queue_exit_info(int code);
/*
 * The text qmail's callers give for a qmail-queue exit code, starting
 * with 'D' (permanent) or 'Z' (temporary), e.g. "Zqq write error or
 * disk full (#4.3.0)".  Static storage, replaced by the next call.
 */
const char *queue_exit_text(int code);

/* The directories that are split into QUEUE_SPLIT subdirectories. */
int	queue_dir_is_split(const char *dir);

/* <qmail>/queue (root.h).  0 or -1 (errno). */
int	queue_dir(struct str *out);

/*
 * The path of message id in dir, relative to the queue directory:
 * "<dir>/<id mod 23>/<id>" for split directories, else "<dir>/<id>".
 * Replaces *out.  0 or -1 (errno).
 */
int	queue_path(struct str *out, const char *dir, unsigned long id);
/* The subdirectory that holds id: "<dir>/<id mod 23>" or "<dir>". */
int	queue_path_dir(struct str *out, const char *dir, unsigned long id);

/*
 * Reading NUL-terminated records ("F<addr>\0", "T<addr>\0", ...) from a
 * descriptor or from memory (tests, fuzzers).
 */
struct queue_rd {
	int	 fd;		/* -1: read from mem */
	const char *mem;
	size_t	 memlen;
	size_t	 pos;
	size_t	 len;
	char	 buf[4096];
};

void	queue_rd_fd(struct queue_rd *, int fd);
void	queue_rd_mem(struct queue_rd *, const void *, size_t);

/*
 * The next record, NUL excluded, into *rec (replaced): its first byte is
 * the type letter; an empty record (a lone NUL) gives rec->len == 0.
 * The record may hold at most 1 + QUEUE_ADDR_MAX bytes.
 * Returns 1 a record, 0 end of input at a record boundary, -1 with errno:
 * E2BIG (longer: the rest of the record is not read), EPIPE (end of input
 * inside a record), ENOMEM, or the read error.
 */
int	queue_rd_rec(struct queue_rd *, struct str *rec);

/*
 * qmail-queue's envelope input: "F<sender>\0", then "T<rcpt>\0" any
 * number of times, then a lone "\0".  first is 1 for the first call.
 * Returns 1 a record in *rec ("F..." or "T..."), 0 the final NUL was
 * read, -1 with errno: EPROTO (wrong type letter: exit 91), E2BIG
 * (address too long: exit 11), EPIPE (end of input before the final NUL:
 * exit 54), ENOMEM (51), or the read error (54).
 */
int	queue_env_next(struct queue_rd *, struct str *rec, int first);
/* The qmail-queue exit code for an errno from queue_env_next. */
int	queue_env_exitcode(int err);

/*
 * Append one record "<type><addr>\0" to out.  -1 with errno E2BIG (addr
 * longer than QUEUE_ADDR_MAX) or EINVAL (addr holds a NUL), or str errors.
 */
int	queue_rec_cat(struct str *out, char type, const void *addr, size_t n);

/*
 * Pull the trigger: one byte, non-blocking, into the FIFO at path (NULL:
 * QUEUE_TRIGGER relative to the current directory).  A missing reader or
 * a full pipe is not an error: qmail-send rescans anyway.  Never blocks.
 */
void	queue_trigger_pull(const char *path);

#endif
