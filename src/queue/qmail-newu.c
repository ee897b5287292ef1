/*
 * qmail-newu - compile <qmail>/users/assign into users/cdb, atomically:
 * users/cdb.tmp is written, fsynced and renamed; on a syntax error the
 * old cdb stays.  Run by the administrator and vpopmail's tools, as root.
 * Trusts the assign file only as far as assign_parse (assign.h) checks it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "assign.h"
#include "cdbx.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "root.h"

static int
add(void *ctx, const char *k, size_t kl, const char *d, size_t dl)
{
	return cdbx_make_add(ctx, k, kl, d, dl);
}

int
main(void)
{
	struct str text = STR_INIT(256UL * 1024 * 1024);
	struct cdbx_make cm;
	unsigned long line;
	int	 r;

	log_init("qmail-newu");
	umask(033);
	if (chdir(root_dir(ROOT_QMAIL)) == -1)
		log_die(EXIT_TEMP, "unable to chdir: %s", strerror(errno));
	r = file_read("users/assign", &text);
	if (r == 0)
		log_die(EXIT_TEMP, "unable to open users/assign");
	if (r == -1)
		log_die(EXIT_TEMP, "unable to read users/assign: %s",
		    strerror(errno));
	if (cdbx_make_start(&cm, "users/cdb", "users/cdb.tmp", 0644) == -1)
		log_die(EXIT_TEMP, "unable to open users/cdb.tmp: %s",
		    strerror(errno));
	if (assign_parse(text.s, text.len, add, &cm, &line) == -1) {
		r = errno;
		cdbx_make_abort(&cm);
		if (r == EINVAL)
			log_die(EXIT_TEMP, "bad format in users/assign "
			    "line %lu", line);
		log_die(EXIT_TEMP, "unable to write users/cdb.tmp: %s",
		    strerror(r));
	}
	if (cdbx_make_finish(&cm) == -1)
		log_die(EXIT_TEMP, "unable to move users/cdb.tmp to "
		    "users/cdb: %s", strerror(errno));
	str_free(&text);
	return 0;
}
