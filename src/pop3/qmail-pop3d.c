/*
 * qmail-pop3d - serve one POP3 session on a Maildir, after login.
 * Started by the checkpassword program (vchkpw) as the mailbox owner, in
 * the user's home directory, with the client on fds 0/1 and the log on
 * fd 2.  Trusts its environment (set by vchkpw) and the Maildir's owner;
 * trusts nothing the client sends.  Usage: qmail-pop3d Maildir
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "err.h"
#include "io.h"
#include "log.h"
#include "maildrop.h"
#include "pop3_cmd.h"
#include "pop3d_proto.h"
#include "rbuf.h"
#include "str.h"
#include "wbuf.h"

/* qmail-pop3d's idle timeout for reads and writes (control/timeoutpop3d). */
#define POP3D_TIMEOUT	1200
/* How long a session waits for the maildrop's lock: the session holding
 * it may belong to a client that has just gone (or reconnected), which
 * needs a moment to see its connection closed. */
#define POP3D_LOCK_WAIT	10

static struct io io;
static struct rbuf rb;
static struct wbuf wb;

static void	say_exit(const char *) __attribute__((__noreturn__));
static int	line_waiting(const struct rbuf *);
static void	log_logout(const struct pop3d *);

/* say_exit - a last -ERR to the client.  Exit 0: the client has had its
 * answer, so qmail-popup must not add "authorization failed". */
static void
say_exit(const char *text)
{
	(void)wbuf_puts(&wb, text);
	(void)wbuf_flush(&wb);
	exit(EXIT_DONE);
}

/* line_waiting - a whole command is buffered already (pipelining): keep
 * the replies together and write them when the client waits. */
static int
line_waiting(const struct rbuf *r)
{
	return r->len > r->pos &&
	    memchr(r->buf + r->pos, '\n', r->len - r->pos) != NULL;
}

/* log_logout - the retrieval line of hsmail-log(5). */
static void
log_logout(const struct pop3d *s)
{
	struct str user = STR_INIT(1024), ip = STR_INIT(128);
	const char *u = getenv("VPOPUSER"), *a = getenv("TCPREMOTEIP");

	if (u == NULL || *u == '\0')
		u = getenv("USER");
	if (u == NULL || *u == '\0')
		u = "unknown";
	if (a == NULL || *a == '\0')
		a = "unknown";
	if (log_safe_cat(&user, u, strlen(u)) == -1 ||
	    log_safe_cat(&ip, a, strlen(a)) == -1)
		return;
	log_line("logout pop3 %s ip %s retr %lu bytes %llu dele %zu",
	    str_c(&user), str_c(&ip), s->retr, s->bytes, s->deleted);
	str_free(&user);
	str_free(&ip);
}

int
main(int argc, char **argv)
{
	struct str line = STR_INIT(POP3_LINE_MAX);
	struct maildrop md;
	struct pop3d s;
	const char *e;
	long	 t;
	int	 r;

	log_init("qmail-pop3d");
	signal(SIGPIPE, SIG_IGN);
	{
		/* Replies leave in whole buffers already: Nagle's wait for
		 * an ACK would only add a delayed-ACK pause after each one.
		 * Not a socket (a pipe, the TLS proxy): nothing to do. */
		int one = 1;

		(void)setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	}
	if (ctl_readint("timeoutpop3d", POP3D_TIMEOUT, &t) == -1 || t <= 0 ||
	    t > 86400)
		t = POP3D_TIMEOUT;
	io_init(&io, 0, 1, (unsigned)t);
	rbuf_init(&rb, &io);
	wbuf_init(&wb, &io);
	if (argc < 2 || argv[1][0] == '\0') {
		log_warn("usage: qmail-pop3d maildir");
		say_exit("-ERR [SYS/PERM] unable to start the session\r\n");
	}
	if (maildrop_open_wait(&md, argv[1], POP3D_LOCK_WAIT) == -1) {
		if (errno == EWOULDBLOCK)
			say_exit("-ERR [IN-USE] maildrop is locked by "
			    "another session\r\n");
		if (errno == ENOENT || errno == ENOTDIR)
			say_exit("-ERR this user has no $HOME/Maildir\r\n");
		log_warn("unable to open %s: %s", argv[1], strerror(errno));
		say_exit("-ERR [SYS/TEMP] unable to open the maildrop\r\n");
	}
	if (maildrop_scan(&md) == -1) {
		log_warn("unable to scan %s: %s", argv[1], strerror(errno));
		say_exit("-ERR [SYS/TEMP] unable to scan $HOME/Maildir\r\n");
	}
	pop3d_init(&s, &md, &wb);
	e = getenv("POP3_STAT_RFC");
	s.stat_rfc = e != NULL && strcmp(e, "1") == 0;
	if (wbuf_puts(&wb, "+OK \r\n") == -1)
		goto out;
	for (;;) {
		if (!line_waiting(&rb) && wbuf_flush(&wb) == -1)
			break;
		r = rbuf_line(&rb, &line, 0);
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == E2BIG) {
				if (wbuf_puts(&wb, "-ERR line too long\r\n")
				    == -1)
					break;
				continue;
			}
			break;	/* timeout or read error: silent, as qmail */
		}
		r = pop3d_line(&s, line.s, line.len);
		if (r != 0) {
			(void)wbuf_flush(&wb);
			break;
		}
	}
out:
	log_logout(&s);
	maildrop_close(&md);
	str_free(&line);
	return EXIT_DONE;
}
