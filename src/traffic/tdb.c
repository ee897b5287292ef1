/*
 * tdb - trans_log in SQLite or PostgreSQL (trafficloader,
 * mail-traffic-report).  The same SQL runs on both: parameters are $1..$n
 * (SQLite takes them as named parameters, PostgreSQL infers their types
 * from the columns), and dates are ISO text, which both compare in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postgresql/libpq-fe.h>
#include <sqlite3.h>

#include "ctl.h"
#include "num.h"
#include "root.h"
#include "tdb.h"

struct tdb {
	sqlite3	*lite;
	PGconn	*pg;
	struct str err;
};

static const char *schema[] = {
	"CREATE TABLE IF NOT EXISTS trans_log ("
	" p_server_id BIGINT, tt_type INTEGER, cdate DATE, name TEXT,"
	" xfer DOUBLE PRECISION, hits INTEGER, html_hits INTEGER,"
	" in_traffic DOUBLE PRECISION, out_traffic DOUBLE PRECISION,"
	" account_id BIGINT, resource_id BIGINT, flag INTEGER DEFAULT 0)",
	"CREATE INDEX IF NOT EXISTS trans_log_ps_flag"
	" ON trans_log (p_server_id, flag)",
	"CREATE INDEX IF NOT EXISTS trans_log_acc_cdate_flag"
	" ON trans_log (account_id, cdate, flag)",
	"CREATE INDEX IF NOT EXISTS trans_log_res_cdate_flag"
	" ON trans_log (resource_id, cdate, flag)",
	"CREATE INDEX IF NOT EXISTS trans_log_cdate_flag"
	" ON trans_log (cdate, flag)",
	"CREATE INDEX IF NOT EXISTS trans_log_name_type"
	" ON trans_log (name, tt_type, p_server_id, flag)",
	"CREATE TABLE IF NOT EXISTS trans_log_files ("
	" p_server_id BIGINT NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL,"
	" cdate DATE NOT NULL, loaded TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
	" PRIMARY KEY (p_server_id, name))",
	NULL
};

/* libpq's messages span lines; a log line does not. */
static void
oneline(struct str *s)
{
	size_t	 i;

	while (s->len > 0 && (s->s[s->len - 1] == '\n' ||
	    s->s[s->len - 1] == ' '))
		str_truncate(s, s->len - 1);
	for (i = 0; i < s->len; i++)
		if (s->s[i] == '\n' || s->s[i] == '\t')
			s->s[i] = ' ';
}

static void
seterr(struct tdb *db, const char *what)
{
	str_clear(&db->err);
	if (db->pg != NULL)
		what = PQerrorMessage(db->pg);
	else if (db->lite != NULL && what == NULL)
		what = sqlite3_errmsg(db->lite);
	str_note(&db->err, what != NULL ? what : "error");
	oneline(&db->err);
}

const char *
tdb_error(struct tdb *db)
{
	return str_c(&db->err);
}

/* Run sql with n text parameters; rows go to fn (may be NULL). */
static int
run(struct tdb *db, const char *sql, int n, const char *const *v,
    int (*fn)(void *, int, const char *const *), void *arg)
{
	const char *row[8];
	int	 i, nc, r = 0;

	if (db->pg != NULL) {
		PGresult *res = PQexecParams(db->pg, sql, n, NULL, v, NULL,
		    NULL, 0);
		ExecStatusType st = PQresultStatus(res);
		int	 j;

		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			seterr(db, NULL);
			PQclear(res);
			return -1;
		}
		nc = PQnfields(res);
		for (j = 0; fn != NULL && j < PQntuples(res) && r == 0; j++) {
			for (i = 0; i < nc && i < 8; i++)
				row[i] = PQgetvalue(res, j, i);
			r = fn(arg, nc, row);
		}
		PQclear(res);
		return 0;
	} else {
		sqlite3_stmt *st;
		char	 pname[8];
		int	 rc, k;

		if (sqlite3_prepare_v2(db->lite, sql, -1, &st, NULL) !=
		    SQLITE_OK) {
			seterr(db, NULL);
			return -1;
		}
		for (i = 0; i < n; i++) {
			snprintf(pname, sizeof(pname), "$%d", i + 1);
			k = sqlite3_bind_parameter_index(st, pname);
			if (k > 0 && sqlite3_bind_text(st, k, v[i], -1,
			    SQLITE_STATIC) != SQLITE_OK) {
				seterr(db, NULL);
				sqlite3_finalize(st);
				return -1;
			}
		}
		nc = sqlite3_column_count(st);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (i = 0; i < nc && i < 8; i++) {
				row[i] = (const char *)sqlite3_column_text(st,
				    i);
				if (row[i] == NULL)
					row[i] = "";
			}
			if (fn != NULL && r == 0)
				r = fn(arg, nc, row);
		}
		if (rc != SQLITE_DONE) {
			seterr(db, NULL);
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_finalize(st);
		return 0;
	}
}

struct tdb *
tdb_open(const char *sqlite_path, const char *pgconn, struct str *err)
{
	struct tdb *db;
	int	 i;

	if ((db = calloc(1, sizeof(*db))) == NULL) {
		str_clear(err);
		str_note(err, "out of memory");
		return NULL;
	}
	db->err.max = 4096;
	if (pgconn != NULL) {
		db->pg = PQconnectdb(pgconn);
		if (db->pg == NULL || PQstatus(db->pg) != CONNECTION_OK) {
			str_clear(err);
			str_note(err, db->pg != NULL ?
			    PQerrorMessage(db->pg) : "out of memory");
			oneline(err);
			tdb_close(db);
			return NULL;
		}
		/* Quiet "relation already exists, skipping" notices. */
		(void)run(db, "SET client_min_messages TO warning", 0, NULL,
		    NULL, NULL);
	} else {
		if (sqlite3_open_v2(sqlite_path, &db->lite,
		    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		    SQLITE_OK) {
			str_clear(err);
			str_note(err, db->lite != NULL ?
			    sqlite3_errmsg(db->lite) : "out of memory");
			tdb_close(db);
			return NULL;
		}
		sqlite3_busy_timeout(db->lite, 30000);
		(void)run(db, "PRAGMA journal_mode=WAL", 0, NULL, NULL, NULL);
		(void)run(db, "PRAGMA synchronous=FULL", 0, NULL, NULL, NULL);
	}
	for (i = 0; schema[i] != NULL; i++) {
		/* An H-Sphere database may have trans_log without the
		 * TrafficAccelerator's flag column: its indexes are then
		 * left out, the tables are what matters. */
		if (run(db, schema[i], 0, NULL, NULL, NULL) == -1 &&
		    strncmp(schema[i], "CREATE INDEX", 12) != 0) {
			str_clear(err);
			str_note(err, tdb_error(db));
			tdb_close(db);
			return NULL;
		}
	}
	return db;
}

void
tdb_close(struct tdb *db)
{
	if (db == NULL)
		return;
	if (db->pg != NULL)
		PQfinish(db->pg);
	if (db->lite != NULL)
		sqlite3_close(db->lite);
	str_free(&db->err);
	free(db);
}

int
tdb_begin(struct tdb *db)
{
	return run(db, db->pg != NULL ? "BEGIN" : "BEGIN IMMEDIATE", 0, NULL,
	    NULL, NULL);
}

int
tdb_commit(struct tdb *db)
{
	return run(db, "COMMIT", 0, NULL, NULL, NULL);
}

void
tdb_rollback(struct tdb *db)
{
	(void)run(db, "ROLLBACK", 0, NULL, NULL, NULL);
}

static int
one_text(void *arg, int nc, const char *const *row)
{
	struct str *s = arg;

	if (nc < 1 || str_copys(s, row[0]) == -1)
		return -1;
	return 1;
}

int
tdb_file_hash(struct tdb *db, const char *server, const char *name,
    struct str *hash)
{
	const char *v[2] = { server, name };

	str_clear(hash);
	if (hash->s == NULL && str_copys(hash, "") == -1)
		return -1;
	if (run(db, "SELECT hash FROM trans_log_files"
	    " WHERE p_server_id = $1 AND name = $2", 2, v, one_text,
	    hash) == -1)
		return -1;
	return hash->len > 0;
}

int
tdb_clear_day(struct tdb *db, const char *server, const char *cdate)
{
	const char *v[2] = { server, cdate };

	return run(db, "DELETE FROM trans_log WHERE p_server_id = $1"
	    " AND cdate = $2 AND tt_type = 5", 2, v, NULL, NULL);
}

int
tdb_insert(struct tdb *db, const char *server, const char *cdate,
    const char *name, const char *xfer, const char *hits, const char *html,
    const char *in, const char *out)
{
	const char *v[8] = { server, cdate, name, xfer, hits, html, in, out };

	return run(db, "INSERT INTO trans_log (p_server_id, tt_type, cdate,"
	    " name, xfer, hits, html_hits, in_traffic, out_traffic)"
	    " VALUES ($1, 5, $2, $3, $4, $5, $6, $7, $8)", 8, v, NULL,
	    NULL);
}

int
tdb_file_done(struct tdb *db, const char *server, const char *name,
    const char *hash, const char *cdate)
{
	const char *v[4] = { server, name, hash, cdate };

	return run(db, "INSERT INTO trans_log_files (p_server_id, name, hash,"
	    " cdate) VALUES ($1, $2, $3, $4) ON CONFLICT (p_server_id, name)"
	    " DO UPDATE SET hash = excluded.hash, cdate = excluded.cdate,"
	    " loaded = CURRENT_TIMESTAMP", 4, v, NULL, NULL);
}

struct report_arg {
	int	 perday;
	int	(*fn)(void *, const char *, const char *, double, long, double,
		    double);
	void	*arg;
};

static int
report_row(void *arg, int nc, const char *const *row)
{
	struct report_arg *a = arg;
	int	 o = a->perday;

	if (nc < 5 + o)
		return -1;
	return a->fn(a->arg, o ? row[0] : "", row[o], strtod(row[o + 1], NULL),
	    strtol(row[o + 2], NULL, 10), strtod(row[o + 3], NULL),
	    strtod(row[o + 4], NULL));
}

int
tdb_report(struct tdb *db, const char *from, const char *to,
    const char *domain, int perday,
    int (*fn)(void *, const char *, const char *, double, long, double,
    double), void *arg)
{
	static const char *const sql[2][2] = {
	    { "SELECT name, sum(xfer), sum(hits), sum(in_traffic),"
	      " sum(out_traffic) FROM trans_log WHERE tt_type = 5"
	      " AND cdate >= $1 AND cdate <= $2 GROUP BY name ORDER BY name",
	      "SELECT name, sum(xfer), sum(hits), sum(in_traffic),"
	      " sum(out_traffic) FROM trans_log WHERE tt_type = 5"
	      " AND cdate >= $1 AND cdate <= $2 AND name = $3"
	      " GROUP BY name ORDER BY name" },
	    { "SELECT cdate, name, sum(xfer), sum(hits), sum(in_traffic),"
	      " sum(out_traffic) FROM trans_log WHERE tt_type = 5"
	      " AND cdate >= $1 AND cdate <= $2 GROUP BY cdate, name"
	      " ORDER BY name, cdate",
	      "SELECT cdate, name, sum(xfer), sum(hits), sum(in_traffic),"
	      " sum(out_traffic) FROM trans_log WHERE tt_type = 5"
	      " AND cdate >= $1 AND cdate <= $2 AND name = $3"
	      " GROUP BY cdate, name ORDER BY name, cdate" },
	};
	const char *v[3] = { from, to, domain };
	struct report_arg a = { perday != 0, fn, arg };

	return run(db, sql[a.perday][domain != NULL], domain != NULL ? 3 : 2,
	    v, report_row, &a);
}

struct tdb *
tdb_open_conf(const char *sqlite_path, const char *pgconn,
    const char *statdir, struct str *err)
{
	struct str conn = STR_INIT(4096), path = STR_INIT(4096);
	struct tdb *db = NULL;
	int	 r;

	if (pgconn == NULL && sqlite_path == NULL) {
		if ((r = ctl_readline("trafficdb", &conn, NULL)) == -1) {
			str_notef(err, "unable to read control/trafficdb: %s",
			    strerror(errno));
			goto done;
		}
		if (r == 1 && conn.len > 0)
			pgconn = str_c(&conn);
		else if (statdir != NULL) {
			if (str_printf(&path, "%s/traffic.db", statdir) == -1) {
				str_clear(err);
				str_note(err, "out of memory");
				goto done;
			}
			sqlite_path = str_c(&path);
		} else if (root_path(&path, ROOT_STATISTIC, "traffic.db") == -1) {
			str_clear(err);
			str_note(err, "out of memory");
			goto done;
		} else
			sqlite_path = str_c(&path);
	}
	db = tdb_open(sqlite_path, pgconn, err);
done:
	str_free(&conn);
	str_free(&path);
	return db;
}

int
tdb_server_conf(const char *opt, struct str *out)
{
	long	 v;

	if (opt != NULL) {
		if (num_parse_longs(opt, 2147483647L, &v) == -1 || v < 0)
			return errno = EINVAL, -1;
	} else if (ctl_readint("trafficserver", 1, &v) == -1)
		return -1;
	if (v < 0)
		return errno = EINVAL, -1;
	str_clear(out);
	return str_printf(out, "%ld", v);
}
