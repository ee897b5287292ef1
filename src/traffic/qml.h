/*
 * qml - the daily statistics files dd.mm.YYYY.qml.txt (hsmail-qml(5)):
 * their names, their lines, and archiving a loaded file into loaded/ as
 * dd.mm.YYYY.qml.txt.gz.  Shared by trafficloader and xfer-cat.  The files
 * are written by mail-traffic but read as untrusted text.
 */
#ifndef HSMAIL_QML_H
#define HSMAIL_QML_H

#include <stddef.h>

#include "str.h"

#define QML_FILE_MAX	(256UL * 1024 * 1024)
#define QML_NAME_MAX	255

struct qml_row {
	const char *name;	/* points into the line */
	size_t	 namelen;
	double	 xfer;		/* kB */
	long	 hits;
	long	 html;
	double	 in;		/* kB; 0 when the line has no such field */
	double	 out;
};

/*
 * If name is "dd.mm.YYYY.qml.txt" (a real date), set *ymd_r to YYYYMMDD
 * and return 1; else 0.
 */
int	qml_name_date(const char *name, int *ymd_r);

/*
 * Parse one line (no newline) as H-Sphere's loader does: fields split on
 * '|', empty ones skipped; three fields are name|in|out (xfer = in + out);
 * otherwise name|xFer[|Hits_All|Hits_HTML[|In|Out]].  Numbers must be
 * plain decimals.  1 parsed, 0 a bad line.
 */
int	qml_parse_line(const char *b, size_t n, struct qml_row *);

/*
 * Take the statistics directory's lock (.traffic.lock, flock, waiting):
 * mail-traffic, trafficloader and xfer-cat never work on it at once.  The
 * lock's descriptor (close it to let go), or -1 with errno; the lock
 * file's path in *path either way, for the message.
 */
int	qml_lock(const char *statdir, struct str *path);

/* The names of statdir's statistics files, oldest day first.  0 or -1. */
int	qml_list(const char *statdir, struct strlist *out);

/*
 * Write b[0..n) gzipped to statdir/loaded/<name>.gz (temporary name,
 * fsync, rename, fsync of loaded/), then remove statdir/<name> and fsync
 * statdir.  0, or -1 with errno (the original is then still in place).
 */
int	qml_archive(const char *statdir, const char *name, const void *b,
	    size_t n);

/* 64-bit FNV-1a of the content, as 16 hex digits into out (17 bytes). */
void	qml_hash(const void *b, size_t n, char out[17]);

#endif
