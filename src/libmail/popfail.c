/*
 * popfail - the front ends' address check on the shared failed-login
 * table (popfail.h, loginfail.h).  Runs in qmail-popup, the IMAP login
 * stage and the webmail; reads the control files and the table, trusts
 * neither beyond loginfail's checks.
 */
#include <errno.h>

#include "loginfail.h"
#include "popfail.h"

int
popfail_open(const char *path)
{
	(void)path;
	return loginfail_open(NULL);
}

int
popfail_blocked(int fd, const char *ip, time_t now, unsigned long max,
    unsigned long window)
{
	struct loginfail_conf c;
	struct loginfail_state st;

	(void)max;
	(void)window;
	if (loginfail_conf_read(&c) == -1)
		loginfail_conf_default(&c);
	if (loginfail_check(fd, &c, ip, NULL, now, &st) == -1)
		return -1;
	return st.verdict == LOGINFAIL_LOCKED;
}

int
popfail_note(int fd, const char *ip, time_t now, unsigned long window)
{
	(void)fd;
	(void)ip;
	(void)now;
	(void)window;
	return 0;
}
