/*
 * tcprulescheck - say what tcpserver would do with a connection from
 * $TCPREMOTEIP / $TCPREMOTEHOST / $TCPREMOTEINFO under the rules in a cdb:
 * `tcprulescheck rules.cdb`.  Run by the administrator; output as
 * ucspi-tcp 0.88's.  Exit 0, 100 usage, 111 the cdb cannot be read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdbx.h"
#include "err.h"
#include "log.h"
#include "rules.h"
#include "str.h"

int
main(int argc, char **argv)
{
	struct str data = STR_INIT(RULES_DATA_MAX), key = STR_INIT(STR_UNBOUNDED);
	struct cdbx db;
	const char *ip;
	const char *p, *nul;
	size_t	 n;
	int	 r;

	log_init("tcprulescheck");
	if (argc < 2)
		log_die(EXIT_PERM, "usage: tcprulescheck rules.cdb");
	if ((ip = getenv("TCPREMOTEIP")) == NULL)
		ip = "0.0.0.0";
	r = cdbx_open(&db, argv[1]);
	if (r == 0)
		errno = ENOENT;
	if (r == 1)
		r = rules_find(&db, ip, getenv("TCPREMOTEHOST"),
		    getenv("TCPREMOTEINFO"), &data, &key);
	if (r == -1 || (r == 0 && db.fd == -1))
		log_die(EXIT_TEMP, "unable to read %s: %s", argv[1],
		    strerror(errno));
	if (r == 0) {
		printf("default:\nallow connection\n");
		goto out;
	}
	printf("rule %s:\n", str_c(&key));
	/* Items in order, as the original: a 'D' item ends the answer. */
	for (p = data.s, n = data.len; (nul = memchr(p, '\0', n)) != NULL;
	    n -= (size_t)(nul - p) + 1, p = nul + 1) {
		if (p[0] == 'D') {
			printf("deny connection\n");
			goto out;
		}
		if (p[0] == '+')
			printf("set environment variable %s\n", p + 1);
	}
	printf("allow connection\n");
out:
	cdbx_close(&db);
	str_free(&data);
	str_free(&key);
	return fflush(stdout) == 0 ? EXIT_DONE : EXIT_TEMP;
}
