/*
 * clearopensmtp - expire POP-before-SMTP entries: keep the open-smtp lines
 * younger than N minutes (default 180, vpopmail's RELAY_CLEAR_MINUTES;
 * "clearopensmtp [minutes]") and rebuild tcp.smtp.cdb with tcprules.  Run
 * from cron as root or vpopmail.  Exit 0 done, 111 trouble.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "log.h"
#include "num.h"
#include "relay.h"

int
main(int argc, char **argv)
{
	unsigned long m = RELAY_CLEAR_MINUTES;

	log_init("clearopensmtp");
	if (argc > 2 || (argc == 2 && num_parses(argv[1], 10L * 365 * 24 * 60,
	    &m) == -1)) {
		fprintf(stderr, "usage: clearopensmtp [minutes]\n");
		return EXIT_PERM;
	}
	if (relay_clear((long)m, time(NULL)) == -1)
		log_die(EXIT_TEMP, "cannot update open-smtp or tcp.smtp.cdb: %s",
		    strerror(errno));
	return EXIT_DONE;
}
