/*
 * tdb - the system database that holds mail traffic, in H-Sphere's
 * trans_log shape: SQLite (a file in the instance) or PostgreSQL (a libpq
 * connection string).  Used by trafficloader and mail-traffic-report.
 * Every statement takes its values as parameters, never spliced into SQL.
 */
#ifndef HSMAIL_TDB_H
#define HSMAIL_TDB_H

#include "str.h"

struct tdb;

/*
 * Open (and create the tables and indexes if missing): PostgreSQL when
 * pgconn is not NULL, else the SQLite file sqlite_path.  NULL on failure
 * with the reason in *err.
 */
struct tdb *tdb_open(const char *sqlite_path, const char *pgconn,
	    struct str *err);
void	tdb_close(struct tdb *);
/* The last error's text (valid until the next call). */
const char *tdb_error(struct tdb *);

/* Transactions.  0 or -1. */
int	tdb_begin(struct tdb *);
int	tdb_commit(struct tdb *);
void	tdb_rollback(struct tdb *);

/* The content hash recorded for a loaded file: 1 and *hash, 0 none, -1. */
int	tdb_file_hash(struct tdb *, const char *server, const char *name,
	    struct str *hash);
/* Delete the mail rows (tt_type 5) of a server's day.  0 or -1. */
int	tdb_clear_day(struct tdb *, const char *server, const char *cdate);
/* One trans_log row; numbers as text ("12.34").  0 or -1. */
int	tdb_insert(struct tdb *, const char *server, const char *cdate,
	    const char *name, const char *xfer, const char *hits,
	    const char *html, const char *in, const char *out);
/* Record (or update) a loaded file.  0 or -1. */
int	tdb_file_done(struct tdb *, const char *server, const char *name,
	    const char *hash, const char *cdate);

/*
 * Mail traffic between the dates from and to (YYYY-MM-DD, inclusive), of
 * one domain (NULL: all), per domain or (perday) per domain and day, in
 * name and date order.  fn gets each row: cdate ("" unless perday), name,
 * xfer, hits, in, out; a nonzero return stops.  0 or -1.
 */
int	tdb_report(struct tdb *, const char *from, const char *to,
	    const char *domain, int perday,
	    int (*fn)(void *, const char *, const char *, double, long,
	    double, double), void *arg);



/*
 * Open the configured database: pgconn if given, else sqlite_path if
 * given, else the connection string in control/trafficdb if that file
 * exists (PostgreSQL), else the SQLite file <statdir>/traffic.db (statdir
 * NULL: the instance's statistic directory).  NULL on failure with the
 * reason in *err.
 */
struct tdb *tdb_open_conf(const char *sqlite_path, const char *pgconn,
	    const char *statdir, struct str *err);

/* The server number for p_server_id: opt if given, else
 * control/trafficserver, else 1.  Into *out as text; 0 or -1 (errno,
 * EINVAL for a bad number). */
int	tdb_server_conf(const char *opt, struct str *out);
#endif
