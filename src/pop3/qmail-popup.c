/*
 * qmail-popup - the POP3 AUTHORIZATION state: greet with the APOP
 * timestamp, take USER/PASS or APOP, run the checkpassword program with
 * the login on fd 3, and let it start qmail-pop3d for the session.
 * Started by tcpserver with the client on fds 0/1 and the log on fd 2:
 *	qmail-popup HOST vchkpw qmail-pop3d Maildir
 * Runs as tcpserver's user; reads control/servercert.pem for STLS and
 * implicit TLS (POP3S=1), which qmail-popup-tls (this file linked with
 * tlsfront_tls.c) speaks.  Trusts nothing the client sends; never logs a
 * password.  Under TLS it stays between the client and the children as
 * a TLS proxy over a socketpair (qmail-popup(8), relay.h).
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpw.h"
#include "child.h"
#include "ctl.h"
#include "err.h"
#include "forksrv.h"
#include "io.h"
#include "log.h"
#include "loginfail.h"
#include "num.h"
#include "pop3_cmd.h"
#include "popup_proto.h"
#include "tlsfront.h"
#include "rbuf.h"
#include "relay.h"
#include "root.h"
#include "str.h"
#include "wbuf.h"

#define POPUP_TIMEOUT		1200	/* idle timeout (control/timeoutpop3d) */
#define POPUP_GREET_TIMEOUT	20	/* control/timeoutgreeting */
#define POPUP_FAIL_DELAY	2	/* s before answering a failed login */
#define POPUP_FAIL_MAX		3	/* failed logins per connection */

/* TLS: qmail-popup-tls after STLS (handing on the APOP timestamp of the
 * greeting the client already has) or for POP3S=1; the handshake waits
 * as long as the client's greeting timeout allows. */
static const struct tlsfront tf = {
	"pop3", "qmail-popup-tls", "HSMAIL_POPUP_STLS", 0
};
static struct io io;
static struct rbuf rb;
static struct wbuf wb;
static struct str ip = STR_INIT(128);
static char **subprog;		/* checkpassword program and what it runs */

static void	die_write(void) __attribute__((__noreturn__));
static void	say(const struct str *);
static void	says(const char *);
static int	run_login(struct str *, int, size_t *);
static long	ctlnum(const char *, long);
static int	apop_possible(const char *);

static int	 early_check = 1;	/* ask the limiter before the program */
static unsigned	 idle_timeout = POPUP_TIMEOUT;	/* s */
static unsigned	 greet_timeout = POPUP_GREET_TIMEOUT;

/* die_write - the client is gone: nothing left to do. */
static void
die_write(void)
{
	exit(EXIT_DONE);
}

static void
say(const struct str *s)
{
	if (wbuf_put(&wb, s->s, s->len) == -1 || wbuf_flush(&wb) == -1)
		die_write();
}

static void
says(const char *s)
{
	if (wbuf_puts(&wb, s) == -1 || wbuf_flush(&wb) == -1)
		die_write();
}

/*
 * apop_possible - 0 when APOP cannot succeed: vchkpw checks it against
 * the clear-text password column, kept only when <vpopmail>/etc/
 * clear-passwd exists.  Another checkpassword program may support it.
 */
static int
apop_possible(const char *prog)
{
	struct str p = STR_INIT(4096);
	const char *base = strrchr(prog, '/');
	int	 r = 1;

	base = base != NULL ? base + 1 : prog;
	if (strcmp(base, "vchkpw") != 0)
		return 1;
	if (root_path(&p, ROOT_VPOPMAIL, "etc/clear-passwd") == 0 &&
	    access(p.s, F_OK) == -1 && errno == ENOENT)
		r = 0;
	str_free(&p);
	return r;
}

/* ctlnum - a positive number from control/<name>, or def. */
static long
ctlnum(const char *name, long def)
{
	long	 v;

	if (ctl_readint(name, def, &v) == -1 || v < 0 || v > 86400) {
		log_warn("bad control/%s: using %ld", name, def);
		return def;
	}
	return v;
}

/*
 * run_login - run checkpassword with auth on fd 3 and the client on fds
 * 0/1 (directly, or through the TLS proxy: *fwd_r then counts the client
 * bytes the children were given).  Wipes auth.  Returns the wait status,
 * or -1 if it could not run (errno).
 */
static int
run_login(struct str *auth, int proxy, size_t *fwd_r)
{
	struct checkpw_spec spec;
	int	 sp[2] = { -1, -1 }, status, e;
	pid_t	 pid;

	*fwd_r = 0;
	checkpw_spec_init(&spec, subprog);
	spec.fd[0] = spec.fd[1] = CHECKPW_KEEP;
	if (proxy) {
		if (relay_pair(sp) == -1) {
			str_wipe(auth);
			return -1;
		}
		spec.fd[0] = spec.fd[1] = sp[1];
	}
	pid = checkpw_start(&spec, auth);
	e = errno;
	if (proxy)
		close(sp[1]);
	if (pid == -1) {
		if (proxy)
			close(sp[0]);
		errno = e;
		return -1;
	}
	if (proxy) {
		(void)relay_run(&rb, sp[0], (int)idle_timeout * 1000,
		    idle_timeout, fwd_r);
		close(sp[0]);
	}
	if (child_wait(pid, &status) == -1)
		return -1;
	return status;
}

int
main(int argc, char **argv)
{
	struct str line = STR_INIT(POP3_LINE_MAX), out = STR_INIT(4096);
	struct str auth = STR_INIT(POP3_LINE_MAX + 256);
	struct str user = STR_INIT(POP3_LINE_MAX), safeuser = STR_INIT(2048);
	struct str ts = STR_INIT(1024), cert = STR_INIT(4096);
	struct popup p;
	unsigned long delay, maxfail, fails = 0;
	const char *e, *resume;
	int	 r, status, implicit, tls_avail, tls_required;

	/* Under hsmail's tcpserver, from here on in a forked session. */
	(void)forksrv_serve();
	log_init("qmail-popup");
	signal(SIGPIPE, SIG_IGN);
	{
		/* Replies and relayed data leave in whole pieces: no Nagle
		 * wait for the client's delayed ACK.  Not a socket: fine. */
		int one = 1;

		(void)setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	}
	if (argc < 3 || argv[1][0] == '\0') {
		log_die(EXIT_PERM, "usage: qmail-popup hostname subprogram");
	}
	subprog = argv + 2;
	e = getenv("TCPREMOTEIP");
	if (log_safe_cat(&ip, e != NULL && *e ? e : "unknown",
	    strlen(e != NULL && *e ? e : "unknown")) == -1)
		log_die(EXIT_TEMP, "out of memory");
	delay = num_env("POP3_FAIL_DELAY", POPUP_FAIL_DELAY, 60);
	maxfail = num_env("POP3_FAIL_MAX", POPUP_FAIL_MAX, 100);
	/* POP3_FAIL_IP_MAX once set a limit of qmail-popup's own; the
	 * limits are the limiter's control files now, and 0 still turns
	 * the early check off, for the run files that say so. */
	early_check = num_env("POP3_FAIL_IP_MAX", 1, 1000000) != 0;
	e = getenv("POP3S");
	implicit = e != NULL && strcmp(e, "1") == 0;
	e = getenv("POP3_REQUIRE_TLS");
	tls_required = e != NULL && strcmp(e, "1") == 0;

	/* Until the first command (and for a TLS handshake) a client has
	 * seconds; then the idle timeout. */
	idle_timeout = (unsigned)ctlnum("timeoutpop3d", POPUP_TIMEOUT);
	greet_timeout = (unsigned)ctlnum("timeoutgreeting",
	    POPUP_GREET_TIMEOUT);
	if (greet_timeout == 0 || greet_timeout > idle_timeout)
		greet_timeout = idle_timeout;
	io_init(&io, 0, 1, greet_timeout);
	rbuf_init(&rb, &io);
	wbuf_init(&wb, &io);

	/* control/servercert.pem, as qmail-smtpd's STARTTLS. */
	e = getenv("POP3_CERT");
	if (e != NULL && *e != '\0')
		r = str_copys(&cert, e);
	else
		r = root_path(&cert, ROOT_QMAIL, "control/servercert.pem");
	if (r == -1)
		log_die(EXIT_TEMP, "out of memory");
	tls_avail = tlsfront_setup(&tf, cert.s);
	if (tls_required && !tls_avail)
		log_warn("POP3_REQUIRE_TLS set but no certificate: ignored");
	resume = tlsfront_resume(&tf);
	if (resume != NULL) {
		/* qmail-popup answered STLS and handed the session over. */
		if (str_copys(&ts, resume) == -1)
			log_die(EXIT_TEMP, "out of memory");
		tlsfront_start(&tf, &io, &rb, argv, str_c(&ts), str_c(&ip));
		popup_init(&p, str_c(&ts), tls_avail);
		p.tls_on = 1;
		p.tls_required = tls_required;
	} else {
		if (implicit) {
			if (!tls_avail) {
				log_warn("POP3S set but no usable %s",
				    cert.s);
				return EXIT_TEMP;
			}
			tlsfront_start(&tf, &io, &rb, argv, NULL, str_c(&ip));
		}
		/* The APOP timestamp only where APOP can succeed, or clients
		 * that prefer it (curl) would never fall back to USER. */
		if (apop_possible(subprog[0]) && str_printf(&ts,
		    "<%ld.%lld@%s>", (long)getpid(), (long long)time(NULL),
		    argv[1]) == -1)
			log_die(EXIT_TEMP, "out of memory");
		popup_init(&p, str_c(&ts), tls_avail);
		p.tls_on = implicit;
		p.tls_required = tls_required;
		if (str_printf(&out, "+OK %s\r\n", ts.len > 0 ? ts.s :
		    argv[1]) == -1)
			log_die(EXIT_TEMP, "out of memory");
		say(&out);
	}

	for (;;) {
		r = rbuf_line(&rb, &line, 0);
		if (r == 1)
			io.timeout = (int)idle_timeout * 1000;
		if (r == 0)
			break;
		if (r == -1) {
			if (errno == E2BIG) {
				says("-ERR line too long\r\n");
				continue;
			}
			break;	/* timeout or read error: silent, as qmail */
		}
		switch (popup_line(&p, line.s, line.len, &out, &auth, &user)) {
		case POPUP_REPLY:
			say(&out);
			continue;
		case POPUP_QUIT:
			say(&out);
			goto done;
		case POPUP_STLS:
			say(&out);
			io.timeout = (int)greet_timeout * 1000;
			tlsfront_start(&tf, &io, &rb, argv, str_c(&ts), str_c(&ip));
			continue;
		case POPUP_ERROR:
			says("-ERR [SYS/TEMP] out of memory\r\n");
			goto done;
		case POPUP_LOGIN:
			break;
		}
		str_wipe(&line);
		str_clear(&safeuser);
		(void)log_safe_cat(&safeuser, user.s, user.len);
		/* An address the limiter locked out (loginfail(5)) is
		 * refused without asking the checkpassword program.  When
		 * the table cannot be read, vchkpw, which reads it next,
		 * says why in the log and decides. */
		if (early_check &&
		    loginfail_locked(str_c(&ip), time(NULL)) == 1) {
			str_wipe(&auth);
			log_line("pop3 login refused user %s ip %s: too many "
			    "failed logins", str_c(&safeuser), str_c(&ip));
			if (delay > 0)
				sleep((unsigned)delay);
			says("-ERR [AUTH] too many failed logins from your "
			    "address, try again later\r\n");
			goto done;
		}
		{
			/* Anything the client sent ahead of our answer must
			 * reach the session: then (and under TLS) we relay. */
			int proxy = tlsfront_active(&io) || rbuf_buffered(&rb) > 0;
			size_t fwd;

			status = run_login(&auth, proxy, &fwd);
			if (status == -1) {
				log_warn("unable to run %s: %s", subprog[0],
				    strerror(errno));
				says("-ERR [SYS/TEMP] unable to run the "
				    "login program\r\n");
				goto done;
			}
			if (WIFSIGNALED(status)) {
				log_line("pop3 child crashed user %s ip %s "
				    "signal %d", str_c(&safeuser), str_c(&ip),
				    WTERMSIG(status));
				says("-ERR aack, child crashed\r\n");
				goto done;
			}
			if (WEXITSTATUS(status) == 0)
				goto done;	/* qmail-pop3d served it */
			if (WEXITSTATUS(status) == EXIT_TEMP) {
				log_line("pop3 login deferred user %s ip %s",
				    str_c(&safeuser), str_c(&ip));
				says("-ERR [SYS/TEMP] temporary failure, "
				    "try again later\r\n");
				goto done;
			}
			if (WEXITSTATUS(status) == CHECKPW_EXIT_LIMIT) {
				/* vchkpw's limiter: this address or account
				 * has failed too often (it counted them). */
				log_line("pop3 login refused user %s ip %s: too "
				    "many failed logins", str_c(&safeuser),
				    str_c(&ip));
				says("-ERR [AUTH] too many failed logins, try "
				    "again later\r\n");
				goto done;
			}
			fails++;
			log_line("pop3 login failed user %s ip %s status %d",
			    str_c(&safeuser), str_c(&ip),
			    WEXITSTATUS(status));
			if (delay > 0)
				sleep((unsigned)delay);
			says("-ERR [AUTH] authorization failed\r\n");
			/* Commands the children swallowed are lost: the
			 * client cannot be answered in order any more. */
			if (fwd > 0 || fails >= maxfail) {
				if (fails >= maxfail)
					log_line("pop3 too many failed logins "
					    "ip %s", str_c(&ip));
				goto done;
			}
		}
	}
done:
	popup_free(&p);
	str_wipe(&auth);
	str_wipe(&line);
	str_free(&out);
	str_free(&user);
	str_free(&safeuser);
	str_free(&ts);
	str_free(&cert);
	str_free(&ip);
	tlsfront_end(&io);
	return EXIT_DONE;
}
