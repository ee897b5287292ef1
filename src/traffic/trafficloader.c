/*
 * trafficloader - load the daily statistics files written by mail-traffic
 * into the system database's trans_log table (H-Sphere's TrafficLoader),
 * then archive each file to loaded/ as dd.mm.YYYY.qml.txt.gz.
 * Run from cron as the statistics owner; reads the statistics directory
 * and control/trafficdb, control/trafficserver; writes the database and
 * loaded/.  Trusts the configuration; the files are parsed strictly.
 * One transaction per file, and the file record (name + content hash) is
 * written in it: a crash at any point neither loses nor doubles a day.
 * Exit codes: 0 done, 100 usage, 111 database unreachable or any other
 * error (what was not committed stays in place for the next run).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "file.h"
#include "log.h"
#include "qml.h"
#include "root.h"
#include "str.h"
#include "tdb.h"

static void	usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	fprintf(stderr, "usage: trafficloader [-v] [-d statdir] "
	    "[-s sqlite-file | -p pg-conninfo] [-i server-id]\n");
	exit(EXIT_PERM);
}

/* Insert every line of one file; bad lines are logged and skipped. */
static int
load_rows(struct tdb *db, const char *server, const char *cdate,
    const char *fname, const struct str *text)
{
	const char *p = text->s, *e = text->s + text->len, *nl;
	struct qml_row r;
	struct str name = STR_INIT(QML_NAME_MAX);
	char	 xf[32], hi[32], ht[32], in[32], out[32];
	unsigned long line = 0;
	int	 rc = 0;

	for (; p < e && rc == 0; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		line++;
		if (nl == p)
			continue;
		if (!qml_parse_line(p, (size_t)(nl - p), &r)) {
			log_warn("%s line %lu: bad traffic line, skipped",
			    fname, line);
			continue;
		}
		if (str_copyb(&name, r.name, r.namelen) == -1)
			return -1;
		snprintf(xf, sizeof(xf), "%.2f", r.xfer);
		snprintf(hi, sizeof(hi), "%ld", r.hits);
		snprintf(ht, sizeof(ht), "%ld", r.html);
		snprintf(in, sizeof(in), "%.2f", r.in);
		snprintf(out, sizeof(out), "%.2f", r.out);
		rc = tdb_insert(db, server, cdate, str_c(&name), xf, hi, ht,
		    in, out);
	}
	str_free(&name);
	return rc;
}

/* Load one file in one transaction: 1 loaded, 0 already loaded. */
static int
load_file(struct tdb *db, const char *server, const char *statdir,
    const char *fname, const struct str *text)
{
	struct str old = STR_INIT(64);
	char	 hash[17], cdate[32];
	int	 ymd = 0, r;

	(void)statdir;
	(void)qml_name_date(fname, &ymd);
	snprintf(cdate, sizeof(cdate), "%04d-%02d-%02d", ymd / 10000,
	    ymd / 100 % 100, ymd % 100);
	qml_hash(text->s, text->len, hash);
	if (tdb_begin(db) == -1)
		goto fail;
	if ((r = tdb_file_hash(db, server, fname, &old)) == -1)
		goto fail;
	if (r == 1 && str_equals(&old, hash)) {
		tdb_rollback(db);	/* loaded before: only archive it */
		str_free(&old);
		return 0;
	}
	if (tdb_clear_day(db, server, cdate) == -1 ||
	    load_rows(db, server, cdate, fname, text) == -1 ||
	    tdb_file_done(db, server, fname, hash, cdate) == -1 ||
	    tdb_commit(db) == -1)
		goto fail;
	str_free(&old);
	return 1;
fail:
	tdb_rollback(db);
	log_die(EXIT_TEMP, "database: %s: %s", fname, tdb_error(db));
}

int
main(int argc, char **argv)
{
	struct str statdir = STR_INIT(4096), path = STR_INIT(8192);
	struct str text = STR_INIT(QML_FILE_MAX), err = STR_INIT(4096);
	struct str server = STR_INIT(32);
	struct strlist files = STRLIST_INIT;
	const char *lite = NULL, *pg = NULL, *sid = NULL;
	struct tdb *db;
	size_t	 i;
	int	 c, lfd, verbose = 0, loaded;

	log_init("trafficloader");
	while ((c = getopt(argc, argv, "vd:s:p:i:")) != -1) {
		switch (c) {
		case 'v':
			verbose = 1;
			break;
		case 'd':
			if (str_copys(&statdir, optarg) == -1)
				usage();
			break;
		case 's':
			lite = optarg;
			break;
		case 'p':
			pg = optarg;
			break;
		case 'i':
			sid = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (lite != NULL && pg != NULL))
		usage();
	if (tdb_server_conf(sid, &server) == -1) {
		if (errno == EINVAL)
			log_die(EXIT_PERM, "bad server id");
		log_die(EXIT_TEMP, "unable to read control/trafficserver: %s",
		    strerror(errno));
	}
	if (statdir.len == 0 && root_path(&statdir, ROOT_STATISTIC, "") == -1)
		log_die(EXIT_TEMP, "out of memory");
	if ((lfd = qml_lock(str_c(&statdir), &path)) == -1)
		log_die(EXIT_TEMP, "unable to lock %s: %s", str_c(&path),
		    strerror(errno));
	if (qml_list(str_c(&statdir), &files) == -1)
		log_die(EXIT_TEMP, "unable to list %s: %s", str_c(&statdir),
		    strerror(errno));
	if ((db = tdb_open_conf(lite, pg, str_c(&statdir), &err)) == NULL)
		log_die(EXIT_TEMP, "database unreachable: %s", str_c(&err));
	for (i = 0; i < files.n; i++) {
		str_clear(&path);
		if (str_printf(&path, "%s/%s", str_c(&statdir),
		    files.v[i]) == -1)
			log_die(EXIT_TEMP, "out of memory");
		if (file_read(str_c(&path), &text) != 1)
			log_die(EXIT_TEMP, "unable to read %s: %s",
			    str_c(&path), strerror(errno));
		loaded = load_file(db, str_c(&server), str_c(&statdir),
		    files.v[i], &text);
		if (qml_archive(str_c(&statdir), files.v[i], text.s,
		    text.len) == -1)
			log_die(EXIT_TEMP, "unable to archive %s: %s",
			    str_c(&path), strerror(errno));
		if (verbose)
			log_line("trafficloader: %s %s", files.v[i],
			    loaded ? "loaded" : "was loaded before; archived");
	}
	tdb_close(db);
	strlist_free(&files);
	str_free(&statdir);
	str_free(&path);
	str_free(&text);
	str_free(&err);
	str_free(&server);
	close(lfd);
	return EXIT_DONE;
}
