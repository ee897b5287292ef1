/*
 * xfer-cat - print the statistics files not yet collected, for a control
 * panel that pulls traffic from the mail box (H-Sphere's "xfer-cat.pl
 * mail"): per file a line #TYPE=5#DATE=MM/dd/yyyy# and then its lines;
 * each file is archived to loaded/ only after its block was written to
 * standard output without error.  Run by the panel (over ssh) as the
 * statistics owner; reads and archives the statistics directory.
 * Exit codes: 0 done, 100 usage, 111 any error (later files untouched).
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

static void	usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	fprintf(stderr, "usage: xfer-cat [-d statdir] mail\n");
	exit(EXIT_PERM);
}

int
main(int argc, char **argv)
{
	struct str statdir = STR_INIT(4096), path = STR_INIT(8192);
	struct str text = STR_INIT(QML_FILE_MAX), out = STR_INIT(STR_UNBOUNDED);
	struct strlist files = STRLIST_INIT;
	size_t	 i;
	int	 c, lfd, ymd;

	log_init("xfer-cat");
	while ((c = getopt(argc, argv, "d:")) != -1) {
		if (c != 'd' || str_copys(&statdir, optarg) == -1)
			usage();
	}
	if (optind + 1 != argc)
		usage();
	if (strcmp(argv[optind], "mail") != 0)
		log_die(EXIT_PERM, "only the mail traffic is kept here");
	if (statdir.len == 0 && root_path(&statdir, ROOT_STATISTIC, "") == -1)
		log_die(EXIT_TEMP, "out of memory");
	if ((lfd = qml_lock(str_c(&statdir), &path)) == -1)
		log_die(EXIT_TEMP, "unable to lock %s: %s", str_c(&path),
		    strerror(errno));
	if (qml_list(str_c(&statdir), &files) == -1)
		log_die(EXIT_TEMP, "unable to list %s: %s", str_c(&statdir),
		    strerror(errno));
	for (i = 0; i < files.n; i++) {
		str_clear(&path);
		str_clear(&out);
		if (str_printf(&path, "%s/%s", str_c(&statdir),
		    files.v[i]) == -1)
			log_die(EXIT_TEMP, "out of memory");
		if (file_read(str_c(&path), &text) != 1)
			log_die(EXIT_TEMP, "unable to read %s: %s",
			    str_c(&path), strerror(errno));
		(void)qml_name_date(files.v[i], &ymd);
		if (str_printf(&out, "#TYPE=5#DATE=%02d/%02d/%04d#\n",
		    ymd / 100 % 100, ymd % 100, ymd / 10000) == -1 ||
		    str_cat(&out, &text) == -1 ||
		    (text.len > 0 && text.s[text.len - 1] != '\n' &&
		    str_catc(&out, '\n') == -1))
			log_die(EXIT_TEMP, "out of memory");
		if (file_writeall(1, out.s, out.len) == -1)
			log_die(EXIT_TEMP, "unable to write: %s",
			    strerror(errno));
		if (qml_archive(str_c(&statdir), files.v[i], text.s,
		    text.len) == -1)
			log_die(EXIT_TEMP, "unable to archive %s: %s",
			    str_c(&path), strerror(errno));
	}
	strlist_free(&files);
	str_free(&statdir);
	str_free(&path);
	str_free(&text);
	str_free(&out);
	close(lfd);
	return EXIT_DONE;
}
