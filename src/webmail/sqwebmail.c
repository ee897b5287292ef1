/*
 * sqwebmail - the webmail CGI.  Run by Apache (mod_cgi or mod_cgid) as
 * the web server's user for every request under /webmail/; it reads
 * nothing of the request itself: it hands its standard input (the
 * request body) and output (the response) to sqwebmaild over the
 * daemon's Unix socket, with a record of the CGI variables, and waits
 * until the daemon has answered.  Trusts its environment (Apache's);
 * holds no privilege and opens no mailbox.  Exit 0, or 111 when the
 * daemon cannot be reached (a 503 page has been written then).
 * Also "sqwebmail -I", the program vchkpw runs after a good webmail login
 * (as sqwebmaild -I; this small program starts faster): it writes the
 * ids and directory it was given on its standard output.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgi.h"
#include "err.h"
#include "fdpass.h"
#include "file.h"
#include "wm_ident.h"

#ifndef SQWEBMAIL_SOCKET
#define SQWEBMAIL_SOCKET	"/run/sqwebmail/sqwebmaild.sock"
#endif

static void	answer(const char *, const char *) __attribute__((__noreturn__));

/* A short page of our own, when the daemon cannot answer. */
static void
answer(const char *status, const char *text)
{
	printf("Status: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
	    "\r\n%s\n", status, text);
	fflush(stdout);
	exit(status[0] == '5' ? EXIT_TEMP : 0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct cgi_env env;
	struct str rec = STR_INIT(CGI_ENV_MAX);
	const char *path = getenv("SQWEBMAIL_SOCKET");
	unsigned char len[4];
	int	 s, fds[2] = { 0, 1 };
	char	 b;

	if (argc == 2 && strcmp(argv[1], "-I") == 0)
		return wm_ident_main();
	if (path == NULL || *path == '\0')
		path = SQWEBMAIL_SOCKET;
	cgi_env_init(&env);
	if (cgi_env_from_environ(&env) == -1 || cgi_env_format(&env, &rec) ==
	    -1)
		answer("431 Request Header Fields Too Large",
		    "The request is too large.");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		answer("503 Service Unavailable", "Webmail is misconfigured.");
	memcpy(sun.sun_path, path, strlen(path));
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		answer("503 Service Unavailable",
		    "Webmail is not running; try again in a moment.");
	len[0] = (unsigned char)(rec.len >> 24);
	len[1] = (unsigned char)(rec.len >> 16);
	len[2] = (unsigned char)(rec.len >> 8);
	len[3] = (unsigned char)rec.len;
	if (fdpass_send(s, 'R', fds, 2) == -1 ||
	    file_writeall(s, len, sizeof(len)) == -1 ||
	    file_writeall(s, rec.s, rec.len) == -1)
		answer("503 Service Unavailable",
		    "Webmail did not take the request; try again.");
	/* The daemon writes the response on our fd 1; we only wait until
	 * it says it is done (or goes away). */
	close(0);
	close(1);
	while (read(s, &b, 1) == -1 && errno == EINTR)
		;
	return 0;
}
