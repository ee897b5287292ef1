/*
 * mail-traffic-report - a domain's or every domain's mail traffic over a
 * date range, from the system database (trans_log, tt_type 5), as a
 * table, CSV or JSON.  Run by an administrator; reads the database
 * configured as for trafficloader(8); writes standard output only.
 * Exit codes: 0 done, 100 usage, 111 database unreachable or error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "str.h"
#include "tdb.h"

enum fmt { TABLE, CSV, JSON };

struct out {
	enum fmt fmt;
	int	 perday;
	unsigned long n;
	double	 xfer, in, out;
	long	 hits;
};

static void	usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	fprintf(stderr, "usage: mail-traffic-report [-s sqlite-file | "
	    "-p pg-conninfo] [-d domain] [-f YYYY-MM-DD] [-t YYYY-MM-DD] "
	    "[-D] [-o table|csv|json]\n");
	exit(EXIT_PERM);
}

/* A real calendar date written YYYY-MM-DD: 1, else 0. */
static int
valid_date(const char *s)
{
	struct tm tm;
	const char *e;

	if (strlen(s) != 10)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((e = strptime(s, "%Y-%m-%d", &tm)) == NULL || *e != '\0')
		return 0;
	return 1;
}

/* Text as a JSON string (names come from the database). */
static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Text as a CSV field: quoted when it holds a comma, quote or newline. */
static void
csv_str(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static int
row(void *arg, const char *cdate, const char *name, double xfer, long hits,
    double in, double out)
{
	struct out *o = arg;

	switch (o->fmt) {
	case TABLE:
		if (o->perday)
			printf("%-10s  ", cdate);
		printf("%-32s %14.2f %10ld %14.2f %14.2f\n", name, xfer, hits,
		    in, out);
		break;
	case CSV:
		if (o->perday)
			printf("%s,", cdate);
		csv_str(name);
		printf(",%.2f,%ld,%.2f,%.2f\n", xfer, hits, in, out);
		break;
	case JSON:
		printf("%s\n  {", o->n ? "," : "");
		if (o->perday)
			printf("\"date\": \"%s\", ", cdate);
		printf("\"domain\": ");
		json_str(name);
		printf(", \"xfer_kb\": %.2f, \"hits\": %ld, \"in_kb\": %.2f, "
		    "\"out_kb\": %.2f}", xfer, hits, in, out);
		break;
	}
	o->n++;
	o->xfer += xfer;
	o->hits += hits;
	o->in += in;
	o->out += out;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *lite = NULL, *pg = NULL, *dom = NULL;
	char	 from[11], to[11];
	struct out o;
	struct str err = STR_INIT(4096);
	struct tdb *db;
	struct tm tm;
	time_t	 now = time(NULL);
	int	 c;

	log_init("mail-traffic-report");
	memset(&o, 0, sizeof(o));
	localtime_r(&now, &tm);
	strftime(to, sizeof(to), "%Y-%m-%d", &tm);
	tm.tm_mday = 1;
	strftime(from, sizeof(from), "%Y-%m-%d", &tm);
	while ((c = getopt(argc, argv, "s:p:d:f:t:Do:")) != -1) {
		switch (c) {
		case 's':
			lite = optarg;
			break;
		case 'p':
			pg = optarg;
			break;
		case 'd':
			dom = optarg;
			break;
		case 'f':
		case 't':
			if (!valid_date(optarg))
				log_die(EXIT_PERM, "bad date %s (want "
				    "YYYY-MM-DD)", optarg);
			memcpy(c == 'f' ? from : to, optarg, 11);
			break;
		case 'D':
			o.perday = 1;
			break;
		case 'o':
			if (strcmp(optarg, "table") == 0)
				o.fmt = TABLE;
			else if (strcmp(optarg, "csv") == 0)
				o.fmt = CSV;
			else if (strcmp(optarg, "json") == 0)
				o.fmt = JSON;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (lite != NULL && pg != NULL))
		usage();
	if ((db = tdb_open_conf(lite, pg, NULL, &err)) == NULL)
		log_die(EXIT_TEMP, "database unreachable: %s", str_c(&err));
	if (o.fmt == TABLE) {
		printf("mail traffic %s to %s (kB)\n", from, to);
		if (o.perday)
			printf("%-10s  ", "date");
		printf("%-32s %14s %10s %14s %14s\n", "domain", "xfer", "hits",
		    "in", "out");
	} else if (o.fmt == CSV)
		printf("%sdomain,xfer_kb,hits,in_kb,out_kb\n",
		    o.perday ? "date," : "");
	else
		printf("[");
	if (tdb_report(db, from, to, dom, o.perday, row, &o) == -1)
		log_die(EXIT_TEMP, "database: %s", tdb_error(db));
	if (o.fmt == TABLE) {
		if (o.perday)
			printf("%-10s  ", "");
		printf("%-32s %14.2f %10ld %14.2f %14.2f\n", "total", o.xfer,
		    o.hits, o.in, o.out);
	} else if (o.fmt == JSON)
		printf("%s]\n", o.n ? "\n" : "");
	if (fflush(stdout) == EOF || ferror(stdout))
		log_die(EXIT_TEMP, "unable to write: %s", strerror(errno));
	tdb_close(db);
	str_free(&err);
	return EXIT_DONE;
}
