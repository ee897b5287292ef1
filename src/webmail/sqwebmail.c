/*
 * sqwebmail - the webmail's front program, run by Apache as the web
 * server's user for every request under /webmail/.  It reads nothing of
 * the request itself: it hands the request body and the response's
 * descriptor to sqwebmaild over the daemon's Unix socket, with a record of
 * the CGI variables, and waits until the daemon has answered.
 *   - As a CGI (mod_cgid, mod_cgi): one request; stdin is the body,
 *     stdout the response, the environment the variables.
 *   - Under mod_fcgid (FastCGI; fd 0 is then a listening socket): a
 *     process that stays, taking request after request: the variables
 *     from PARAMS records, the body from STDIN records into a pipe, the
 *     response from a pipe into STDOUT records.
 * Trusts the web server (its environment or records, parsed with
 * limits); holds no privilege and opens no mailbox.  Exit 0, or 111 when
 * the daemon cannot be reached (a 503 page has been written then).
 * Also "sqwebmail -I", the program vchkpw runs after a good webmail login
 * (as sqwebmaild -I; this small program starts faster): it writes the
 * ids and directory it was given on its standard output.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgi.h"
#include "err.h"
#include "fcgi.h"
#include "fdpass.h"
#include "file.h"
#include "wm_ident.h"

#ifndef SQWEBMAIL_SOCKET
#define SQWEBMAIL_SOCKET	"/run/sqwebmail/sqwebmaild.sock"
#endif
#define FCGI_PARAMS_MAX	(CGI_ENV_MAX * 4)	/* one request's PARAMS */
#define FCGI_TIMEOUT	300		/* seconds for the web server */

static const char *sockpath;

static void	answer(const char *, const char *) __attribute__((__noreturn__));
static int	daemon_open(void);
static int	hand_over(int, int, int, const struct cgi_env *);
static int	cgi_main(void);
static int	readn(int, void *, size_t);
static int	fcgi_conn(int);
static int	fcgi_request(int, unsigned, struct str *, int *);
static int	fcgi_answer(int, unsigned, int, int);
static int	fcgi_main(void);

/* A short page of our own, when the daemon cannot answer (CGI). */
static void
answer(const char *status, const char *text)
{
	printf("Status: %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
	    "\r\n%s\n", status, text);
	fflush(stdout);
	exit(status[0] == '5' ? EXIT_TEMP : 0);
}

/* Connect to sqwebmaild.  The socket, or -1. */
static int
daemon_open(void)
{
	struct sockaddr_un sun;
	int	 s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(sockpath) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, sockpath, strlen(sockpath));
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(s);
		return -1;
	}
	return s;
}

/* The request to the daemon: the body and response descriptors, then
 * the length and the record of the variables.  0 or -1. */
static int
hand_over(int s, int in, int out, const struct cgi_env *env)
{
	struct str rec = STR_INIT(CGI_ENV_MAX);
	unsigned char len[4];
	int	 fds[2] = { in, out }, r = -1;

	if (cgi_env_format(env, &rec) == 0) {
		len[0] = (unsigned char)(rec.len >> 24);
		len[1] = (unsigned char)(rec.len >> 16);
		len[2] = (unsigned char)(rec.len >> 8);
		len[3] = (unsigned char)rec.len;
		if (fdpass_send(s, 'R', fds, 2) == 0 &&
		    file_writeall(s, len, sizeof(len)) == 0 &&
		    file_writeall(s, rec.s, rec.len) == 0)
			r = 0;
	}
	str_free(&rec);
	return r;
}

static int
cgi_main(void)
{
	struct cgi_env env;
	int	 s;
	char	 b;

	cgi_env_init(&env);
	if (cgi_env_from_environ(&env) == -1)
		answer("431 Request Header Fields Too Large",
		    "The request is too large.");
	if ((s = daemon_open()) == -1)
		answer("503 Service Unavailable",
		    "Webmail is not running; try again in a moment.");
	if (hand_over(s, 0, 1, &env) == -1)
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

/* Exactly n bytes from fd.  0, or -1 (end of input: errno EPIPE). */
static int
readn(int fd, void *b, size_t n)
{
	char	*p = b;
	ssize_t	 r;

	while (n > 0) {
		if ((r = read(fd, p, n)) == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EPIPE;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * The answer of the daemon for request id: what it writes into the pipe
 * out, as STDOUT records on conn, then the request's end.  When the
 * daemon could not be reached (s -1), a 503 of our own.  0 or -1 (the
 * connection to the web server is gone).
 */
static int
fcgi_answer(int conn, unsigned id, int s, int out)
{
	static const char down[] = "Status: 503 Service Unavailable\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Cache-Control: no-store\r\n\r\n"
	    "Webmail is not running; try again in a moment.\n";
	struct str rec = STR_INIT(FCGI_CONTENT_MAX + 64);
	char	 buf[FCGI_CONTENT_MAX];
	ssize_t	 n;
	int	 r = 0;
	char	 b;

	if (s == -1) {
		r = fcgi_stdout_put(&rec, id, down, sizeof(down) - 1) == 0 &&
		    file_writeall(conn, rec.s, rec.len) == 0 ? 0 : -1;
		str_clear(&rec);
	} else {
		for (;;) {
			n = read(out, buf, sizeof(buf));
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			str_clear(&rec);
			if (fcgi_stdout_put(&rec, id, buf, (size_t)n) == -1 ||
			    file_writeall(conn, rec.s, rec.len) == -1) {
				r = -1;
				break;
			}
		}
		while (read(s, &b, 1) == -1 && errno == EINTR)
			;
	}
	str_clear(&rec);
	if (r == 0 && (fcgi_end_put(&rec, id, 0, FCGI_REQUEST_COMPLETE) ==
	    -1 || file_writeall(conn, rec.s, rec.len) == -1))
		r = -1;
	str_free(&rec);
	return r;
}

/*
 * One request on conn, after its BEGIN_REQUEST: PARAMS records into the
 * variables, the daemon given the request, STDIN records into the body
 * pipe, then the answer.  params is scratch space.  0, or -1 (the
 * connection cannot go on); *abort_r set on ABORT_REQUEST.
 */
static int
fcgi_request(int conn, unsigned id, struct str *params, int *abort_r)
{
	unsigned char hb[FCGI_HEADER_LEN];
	char	 buf[FCGI_CONTENT_MAX + 256];
	struct fcgi_header h;
	struct cgi_env env;
	int	 s = -1, in[2] = { -1, -1 }, out[2] = { -1, -1 }, r = -1;
	int	 body_open = 0;

	str_clear(params);
	cgi_env_init(&env);
	for (;;) {
		if (readn(conn, hb, sizeof(hb)) == -1 ||
		    fcgi_header_parse(hb, &h) == -1 ||
		    readn(conn, buf, h.clen + h.plen) == -1)
			goto out;
		if (h.id != id)
			continue;	/* one request at a time */
		if (h.type == FCGI_ABORT_REQUEST) {
			*abort_r = 1;
			r = 0;
			goto out;
		}
		if (h.type == FCGI_PARAMS && s == -1 && in[1] == -1) {
			if (h.clen > 0) {
				if (str_catb(params, buf, h.clen) == -1)
					goto out;	/* over FCGI_PARAMS_MAX */
				continue;
			}
			/* The end of PARAMS: the request goes to the daemon
			 * (or, unreachable, gets our 503 after its body). */
			if (fcgi_params_parse((unsigned char *)params->s,
			    params->len, &env) == -1)
				goto out;
			if (pipe2(in, O_CLOEXEC) == -1 ||
			    pipe2(out, O_CLOEXEC) == -1)
				goto out;
			if ((s = daemon_open()) != -1 &&
			    hand_over(s, in[0], out[1], &env) == -1) {
				close(s);
				s = -1;
			}
			close(in[0]);
			close(out[1]);
			in[0] = out[1] = -1;
			body_open = s != -1;
			continue;
		}
		if (h.type == FCGI_STDIN && in[1] != -1) {
			/* A daemon that stopped reading the body has answered
			 * already: the rest is taken and dropped. */
			if (h.clen > 0 && body_open &&
			    file_writeall(in[1], buf, h.clen) == -1)
				body_open = 0;
			if (h.clen > 0)
				continue;
			close(in[1]);
			in[1] = -1;
			r = fcgi_answer(conn, id, s, out[0]);
			goto out;
		}
		/* Anything else in a request is out of order. */
		goto out;
	}
out:
	cgi_env_free(&env);
	if (s != -1)
		close(s);
	if (in[0] != -1)
		close(in[0]);
	if (in[1] != -1)
		close(in[1]);
	if (out[0] != -1)
		close(out[0]);
	if (out[1] != -1)
		close(out[1]);
	return r;
}

/* The requests of one connection from the web server, one after the
 * other while it asks to keep the connection. */
static int
fcgi_conn(int conn)
{
	struct str params = STR_INIT(FCGI_PARAMS_MAX);
	struct str rec = STR_INIT(256);
	unsigned char hb[FCGI_HEADER_LEN], c[FCGI_CONTENT_MAX + 256];
	struct fcgi_header h;
	unsigned role, flags;
	int	 abort, r = 0;

	for (;;) {
		if (readn(conn, hb, sizeof(hb)) == -1 ||
		    fcgi_header_parse(hb, &h) == -1 ||
		    readn(conn, c, h.clen + h.plen) == -1)
			break;
		str_clear(&rec);
		if (h.type == FCGI_GET_VALUES) {
			/* One connection, one request at a time. */
			static const unsigned char v[] = "\016\001FCGI_MAX_CONNS1"
			    "\015\001FCGI_MAX_REQS1\017\001FCGI_MPXS_CONNS0";

			if (fcgi_header_put(&rec, FCGI_GET_VALUES_RESULT, 0,
			    sizeof(v) - 1) == -1 || str_catb(&rec, v,
			    sizeof(v) - 1) == -1 ||
			    file_writeall(conn, rec.s, rec.len) == -1)
				break;
			continue;
		}
		if (h.type != FCGI_BEGIN_REQUEST) {
			if (h.id != 0)
				continue;	/* the rest of an old request */
			if (fcgi_header_put(&rec, FCGI_UNKNOWN_TYPE, 0, 8) ==
			    -1 || str_catc(&rec, (char)h.type) == -1 ||
			    str_catb(&rec, "\0\0\0\0\0\0\0", 7) == -1 ||
			    file_writeall(conn, rec.s, rec.len) == -1)
				break;
			continue;
		}
		if (fcgi_begin_parse(c, h.clen, &role, &flags) == -1)
			break;
		if (role != FCGI_RESPONDER) {
			if (fcgi_end_put(&rec, h.id, 0, FCGI_UNKNOWN_ROLE) == -1 ||
			    file_writeall(conn, rec.s, rec.len) == -1)
				break;
			continue;
		}
		abort = 0;
		if (fcgi_request(conn, h.id, &params, &abort) == -1) {
			r = -1;
			break;
		}
		if (abort && (fcgi_end_put(&rec, h.id, 0, FCGI_REQUEST_COMPLETE)
		    == -1 || file_writeall(conn, rec.s, rec.len) == -1))
			break;
		if (!(flags & FCGI_KEEP_CONN))
			break;
	}
	str_free(&params);
	str_free(&rec);
	return r;
}

/* mod_fcgid's process: connections on the listening socket, fd 0. */
static int
fcgi_main(void)
{
	struct timeval tv = { FCGI_TIMEOUT, 0 };
	int	 c;

	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if ((c = accept4(0, NULL, NULL, SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return EXIT_TEMP;
		}
		(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)fcgi_conn(c);
		close(c);
	}
}

int
main(int argc, char **argv)
{
	int	 listening = 0;
	socklen_t l = sizeof(listening);

	if (argc == 2 && strcmp(argv[1], "-I") == 0)
		return wm_ident_main();
	sockpath = getenv("SQWEBMAIL_SOCKET");
	if (sockpath == NULL || *sockpath == '\0')
		sockpath = SQWEBMAIL_SOCKET;
	/* A listening socket on fd 0: FastCGI (mod_fcgid). */
	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l) == 0 &&
	    listening)
		return fcgi_main();
	return cgi_main();
}
