/*
 * spawn_proto - qmail's spawn protocol, spoken between qmail-send and
 * qmail-rspawn (qmail.md section 1).  Commands, qmail-send to spawn:
 * one slot byte, then the message id ("<split>/<inode>"), the sender and
 * the recipient, each NUL-terminated.  Answers, spawn to qmail-send: the
 * slot byte, then a report starting with K, Z or D, NUL-terminated.  At
 * start the spawn writes one byte: how many slots it has.
 * qmail-send is trusted, but every field is still capped.
 */
#ifndef HSMAIL_SPAWN_PROTO_H
#define HSMAIL_SPAWN_PROTO_H

#include <stddef.h>

#include "str.h"

#define SPAWN_MESSID_MAX	100	/* qmail's spawn.c limit */
#define SPAWN_ADDR_MAX		(64 * 1024)
/* Longest report passed on: qmail-remote's is capped well below. */
#define SPAWN_REPORT_MAX	(64 * 1024)

struct spawn_cmd {
	unsigned slot;
	struct str messid;
	struct str sender;
	struct str recip;
	int	 toolong;	/* a field was over its cap */
};

struct spawn_dec {
	int	 stage;		/* 0 slot, 1 messid, 2 sender, 3 recip */
	struct spawn_cmd cmd;
};

void	spawn_dec_init(struct spawn_dec *);
void	spawn_dec_free(struct spawn_dec *);

/*
 * Feed n bytes.  Every complete command is passed to cb with arg.
 * 0, or -1 (ENOMEM: the decoder is unusable).
 */
int	spawn_dec_feed(struct spawn_dec *, const char *, size_t,
	    void (*cb)(void *, const struct spawn_cmd *), void *arg);

/*
 * Check a command as qmail's spawn does.  Returns NULL when it is good
 * (the position of the recipient's last '@' in *at_r), else the report
 * to answer with ("Z..." or "D...", a static string).
 */
const char *spawn_check(const struct spawn_cmd *, unsigned nslots,
    int slot_busy, size_t *at_r);

/*
 * qmail-rspawn's folding of qmail-remote's output s[0..len) (records of
 * r/h/s per recipient, then K/Z/D, each NUL-terminated) and its wait
 * status into one report: a letter K, Z or D and the texts.  0 or -1
 * (ENOMEM).
 */
int	spawn_fold(int wstat, const char *s, size_t len, struct str *report);

#endif
