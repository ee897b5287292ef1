/*
 * tcprules - compile tcpserver access rules: `tcprules rules.cdb rules.tmp
 * < rules.txt`.  Run by the administrator or by vpopmail's POP-before-SMTP
 * code.  Trusts its input only to be the administrator's text: every line
 * is parsed strictly.  The cdb is built in rules.tmp, fsynced, renamed over
 * rules.cdb and the directory fsynced; on any error rules.cdb is left as it
 * was.  Exit codes: 0 done, 100 usage or a line it cannot parse (as
 * ucspi-tcp 0.88), 111 a system error.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cdbx.h"
#include "err.h"
#include "io.h"
#include "log.h"
#include "rbuf.h"
#include "rules.h"
#include "str.h"

static struct cdbx_make mk;
static const char *fntemp;

static int	add_key(void *, const char *, size_t);
static void	die_write(void) __attribute__((__noreturn__));

static struct str data = STR_INIT(RULES_LINE_MAX);

/* The temporary file could not be written: remove it and give up. */
static void
die_write(void)
{
	int	 saved = errno;

	cdbx_make_abort(&mk);
	log_die(EXIT_TEMP, "unable to write to %s: %s", fntemp,
	    strerror(saved));
}

/* Add one cdb record for a key of the current rule. */
static int
add_key(void *arg, const char *key, size_t klen)
{
	(void)arg;
	return cdbx_make_add(&mk, key, klen, data.s, data.len);
}

int
main(int argc, char **argv)
{
	struct str line = STR_INIT(RULES_LINE_MAX + 2);
	struct str addr = STR_INIT(RULES_LINE_MAX);
	struct io in;
	struct rbuf rb;
	int	 r;

	log_init("tcprules");
	if (argc < 3)
		log_die(EXIT_PERM, "usage: tcprules rules.cdb rules.tmp");
	fntemp = argv[2];
	if (cdbx_make_start(&mk, argv[1], fntemp, 0644) == -1)
		log_die(EXIT_TEMP, "unable to create %s: %s", fntemp,
		    strerror(errno));
	io_init(&in, 0, -1, 0);
	rbuf_init(&rb, &in);
	for (;;) {
		r = rbuf_line(&rb, &line, RBUF_KEEP_EOL);
		if (r == 0)
			break;
		if (r == -1) {
			cdbx_make_abort(&mk);
			if (errno == E2BIG)
				log_die(EXIT_PERM, "unable to parse this "
				    "line: line too long");
			log_die(EXIT_TEMP, "unable to read input: %s",
			    strerror(errno));
		}
		r = rules_parse_line(line.s, line.len, &addr, &data);
		if (r == 1)
			r = rules_keys(addr.s, addr.len, add_key, NULL);
		if (r != -1)
			continue;
		if (errno != EINVAL)
			die_write();
		cdbx_make_abort(&mk);
		while (line.len > 0 && strchr("\n \t", line.s[line.len - 1])
		    != NULL && line.s[line.len - 1] != '\0')
			line.len--;
		line.s[line.len] = '\0';
		log_die(EXIT_PERM, "unable to parse this line: %s", line.s);
	}
	if (cdbx_make_finish(&mk) == -1)
		log_die(EXIT_TEMP, "unable to move %s to %s: %s", fntemp,
		    argv[1], strerror(errno));
	str_free(&line);
	str_free(&addr);
	str_free(&data);
	return EXIT_DONE;
}
