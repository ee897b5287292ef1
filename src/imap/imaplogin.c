/*
 * imaplogin - IMAP before login: greet, answer CAPABILITY, STARTTLS,
 * ID, NOOP, LOGOUT, take LOGIN or AUTHENTICATE PLAIN / LOGIN / CRAM-MD5,
 * run the checkpassword program with the login on fd 3 and let it start
 * imapd for the session; never opens a mailbox.  Started by tcpserver
 * with the client on fds 0/1 and the log on fd 2:
 *	imaplogin HOST vchkpw imapd Maildir
 * Runs as tcpserver's user; reads control/servercert.pem for STARTTLS
 * and implicit TLS (IMAPS=1), which imaplogin-tls (this file linked with
 * tlsfront_tls.c) speaks, staying between the client and the children as a
 * TLS relay (relay.h).  Clear-text logins only under TLS or from the
 * loopback interface unless IMAP_CLEARTEXT=1.  Failed logins are delayed
 * here and counted by the checkpassword program (loginfail(5)); an
 * address locked out is refused before the program runs.  Trusts nothing
 * the client sends; never logs a password.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpw.h"
#include "child.h"
#include "err.h"
#include "file.h"
#include "io.h"
#include "log.h"
#include "loginfail.h"
#include "login_proto.h"
#include "tlsfront.h"
#include "num.h"
#include "rbuf.h"
#include "relay.h"
#include "root.h"
#include "str.h"
#include "wbuf.h"

#define ILOGIN_TIMEOUT		(30 * 60)	/* RFC 9051 5.4: 30 minutes */
#define ILOGIN_FAIL_DELAY	2		/* s before a failed login */
#define ILOGIN_FAIL_MAX		3		/* per connection */
#define ILOGIN_WAIT_PROG	"imaplogin-wait"

/* TLS: imaplogin-tls after STARTTLS or for IMAPS=1, the handshake
 * within 120 s. */
static const struct tlsfront tf = {
	"imap", "imaplogin-tls", "HSMAIL_IMAPLOGIN_STLS", 120
};
static struct io io;
static struct rbuf rb;
static struct wbuf wb;
static struct str ip = STR_INIT(128);
static char **subprog;

static void	say(const struct str *);
static void	says(const char *);
static int	run_login(struct str *, int, size_t *);
static int	read_command(struct str *, int *);

static int	 early_check = 1;	/* ask the limiter before the program */

static void
say(const struct str *s)
{
	if (wbuf_put(&wb, s->s, s->len) == -1 || wbuf_flush(&wb) == -1)
		exit(EXIT_DONE);
}

static void
says(const char *s)
{
	if (wbuf_puts(&wb, s) == -1 || wbuf_flush(&wb) == -1)
		exit(EXIT_DONE);
}

/*
 * become_waiter - the session is imapd's now: nothing of imaplogin is
 * needed but a parent that waits for it, which imaplogin-wait is in a
 * few pages.  Returns only if it cannot be run.
 */
static void
become_waiter(void)
{
	char	 self[PATH_MAX], *slash;
	char	*argv[2];
	ssize_t	 n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || (size_t)n >= sizeof(self) - sizeof(ILOGIN_WAIT_PROG))
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return;
	memcpy(slash + 1, ILOGIN_WAIT_PROG, sizeof(ILOGIN_WAIT_PROG));
	argv[0] = self;
	argv[1] = NULL;
	(void)wbuf_flush(&wb);
	/* the session holds the connection; the waiter needs no part of it */
	(void)dup2(2, 0);
	(void)dup2(2, 1);
	{
		/* no environment: its copy on the stack would be most of
		 * the waiter's memory */
		char	*envp[1] = { NULL };

		execve(self, argv, envp);
	}
}

/*
 * run_login - the checkpassword program (checkpw.h) with auth on fd 3
 * and the client on fds 0/1 (or through the relay).  Wipes auth.  The
 * wait status, or -1 (errno).
 */
static int
run_login(struct str *auth, int proxy, size_t *fwd_r)
{
	struct checkpw_spec spec;
	int	 sp[2] = { -1, -1 }, nt[2] = { -1, -1 }, status, e;
	char	 num[16];
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
	} else if (pipe2(nt, O_CLOEXEC) == 0) {
		/* Without the relay, imapd tells us through this pipe (its
		 * write end inherited by the checkpassword program and the
		 * session) that the login went through: then a much smaller
		 * waiter takes our place. */
		nt[0] = child_fd_high(nt[0]);
		nt[1] = child_fd_high(nt[1]);
		snprintf(num, sizeof(num), "%d", nt[1]);
		if (nt[0] == -1 || nt[1] == -1 ||
		    fcntl(nt[1], F_SETFD, 0) == -1 ||
		    setenv("IMAPLOGIN_NOTIFY", num, 1) == -1) {
			if (nt[0] != -1)
				close(nt[0]);
			if (nt[1] != -1)
				close(nt[1]);
			nt[0] = nt[1] = -1;
		}
	}
	pid = checkpw_start(&spec, auth);
	e = errno;
	if (proxy)
		close(sp[1]);
	if (nt[1] != -1) {
		close(nt[1]);
		unsetenv("IMAPLOGIN_NOTIFY");
	}
	if (pid == -1) {
		if (proxy)
			close(sp[0]);
		if (nt[0] != -1)
			close(nt[0]);
		errno = e;
		return -1;
	}
	if (proxy) {
		/* no idle bound: the session keeps its own 30-minute clock */
		(void)relay_run(&rb, sp[0], -1, ILOGIN_TIMEOUT, fwd_r);
		close(sp[0]);
	}
	if (nt[0] != -1) {
		char	 c;
		ssize_t	 n;

		while ((n = read(nt[0], &c, 1)) == -1 && errno == EINTR)
			;
		close(nt[0]);
		if (n == 1 && c == 'k')
			become_waiter();	/* on success, no return */
	}
	if (child_wait(pid, &status) == -1)
		return -1;
	return status;
}

/*
 * read_command - one command with its literals inline (each at most
 * ILOGIN_LITERAL_MAX, the whole at most ILOGIN_LINE_MAX).  1 a command,
 * 0 the end, 2 refused (answered).  *sasl: the line is a SASL response
 * (no literals there).
 */
static int
read_command(struct str *cmd, int *sasl)
{
	struct str line = STR_INIT(ILOGIN_LINE_MAX);
	int	 r, ret = 0;

	str_clear(cmd);
	for (;;) {
		size_t	 i, n = 0;
		int	 digits = 0, sync = 1;

		r = rbuf_line(&rb, &line, 0);
		if (r == 0)
			goto out;
		if (r == -1) {
			if (errno == ETIMEDOUT)
				says("* BYE Autologout; idle for too long\r\n");
			else if (errno == E2BIG)
				says("* BYE [TOOBIG] line too long\r\n");
			goto out;
		}
		if (str_catb(cmd, line.s, line.len) == -1) {
			says("* BYE [TOOBIG] command too long\r\n");
			goto out;
		}
		i = line.len;
		if (*sasl || i < 3 || line.s[i - 1] != '}') {
			ret = 1;
			goto out;
		}
		i--;
		if (line.s[i - 1] == '+') {
			sync = 0;
			i--;
		}
		while (i > 0 && line.s[i - 1] >= '0' && line.s[i - 1] <= '9') {
			i--;
			digits++;
		}
		if (digits == 0 || digits > 5 || i == 0 || line.s[i - 1] != '{')
		{
			ret = 1;
			goto out;
		}
		for (; digits > 0; digits--, i++)
			n = n * 10 + (size_t)(line.s[i] - '0');
		if (n > ILOGIN_LITERAL_MAX || cmd->len + n + 2 > cmd->max) {
			if (!sync) {
				says("* BYE [TOOBIG] literal too large\r\n");
				goto out;
			}
			says("* BAD [TOOBIG] literal too large\r\n");
			ret = 2;
			goto out;
		}
		if (sync)
			says("+ Ready for literal data\r\n");
		if (str_catb(cmd, "\r\n", 2) == -1 || str_ready(cmd, n) == -1)
			goto out;
		while (n > 0) {
			ssize_t	 k = rbuf_read(&rb, cmd->s + cmd->len, n);

			if (k == -1 && errno == EAGAIN)
				continue;
			if (k <= 0)
				goto out;
			cmd->len += (size_t)k;
			n -= (size_t)k;
		}
		cmd->s[cmd->len] = '\0';
	}
out:
	str_wipe(&line);
	return ret;
}

/* loopback - the client is on this machine (a webmail beside us). */
static int
loopback(const char *a)
{
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 ||
	    strncmp(a, "::ffff:127.", 11) == 0;
}

int
main(int argc, char **argv)
{
	struct str cmd = STR_INIT(ILOGIN_LINE_MAX), out = STR_INIT(4096);
	struct str auth = STR_INIT(ILOGIN_AUTH_MAX), user = STR_INIT(1024);
	struct str safeuser = STR_INIT(2048), cert = STR_INIT(4096);
	struct str clear = STR_INIT(4096);
	struct ilogin l;
	unsigned long delay, maxfail, fails = 0;
	const char *e, *rip;
	int	 r, status, implicit, tls_avail, plain_ok, cram_ok, sasl = 0;

	log_init("imaplogin");
	signal(SIGPIPE, SIG_IGN);
	{
		int one = 1;

		(void)setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	}
	if (argc < 3 || argv[1][0] == '\0')
		log_die(EXIT_PERM, "usage: imaplogin hostname subprogram");
	subprog = argv + 2;
	rip = getenv("TCPREMOTEIP");
	if (rip == NULL || *rip == '\0')
		rip = "unknown";
	if (log_safe_cat(&ip, rip, strlen(rip)) == -1)
		log_die(EXIT_TEMP, "out of memory");
	delay = num_env("IMAP_FAIL_DELAY", ILOGIN_FAIL_DELAY, 60);
	maxfail = num_env("IMAP_FAIL_MAX", ILOGIN_FAIL_MAX, 100);
	/* IMAP_FAIL_IP_MAX (or, unset, POP3_FAIL_IP_MAX) once set a limit
	 * of our own; the limits are the limiter's control files now, and
	 * 0 still turns the early check off, for the run files that say so. */
	early_check = num_env("IMAP_FAIL_IP_MAX", num_env("POP3_FAIL_IP_MAX", 1,
	    1000000), 1000000) != 0;
	e = getenv("IMAPS");
	implicit = e != NULL && strcmp(e, "1") == 0;
	e = getenv("IMAP_CLEARTEXT");
	plain_ok = (e != NULL && strcmp(e, "1") == 0) || loopback(rip);
	/* CRAM-MD5 needs the clear-text password column (vpopmail's
	 * clear-passwd); offered where the store keeps it. */
	e = getenv("IMAP_CRAM");
	if (e != NULL && *e != '\0')
		cram_ok = strcmp(e, "1") == 0;
	else
		cram_ok = root_path(&clear, ROOT_VPOPMAIL,
		    "etc/clear-passwd") == 0 && access(clear.s, F_OK) == 0;
	str_free(&clear);
	if (getenv("VCHKPW_SERVICE") == NULL)
		(void)setenv("VCHKPW_SERVICE", "imap", 1);

	io_init(&io, 0, 1, (unsigned)num_env("IMAP_TIMEOUT", ILOGIN_TIMEOUT,
	    ILOGIN_TIMEOUT));
	rbuf_init(&rb, &io);
	wbuf_init(&wb, &io);
	e = getenv("IMAP_CERT");
	if (e != NULL && *e != '\0')
		r = str_copys(&cert, e);
	else
		r = root_path(&cert, ROOT_QMAIL, "control/servercert.pem");
	if (r == -1)
		log_die(EXIT_TEMP, "out of memory");
	tls_avail = tlsfront_setup(&tf, cert.s);
	ilogin_init(&l, argv[1], tls_avail, plain_ok, cram_ok);
	if (tlsfront_resume(&tf) != NULL) {
		/* imaplogin said OK to STARTTLS and handed the session on */
		tlsfront_start(&tf, &io, &rb, argv, "1", str_c(&ip));
		l.tls_on = 1;
	} else {
		if (implicit) {
			if (!tls_avail) {
				log_warn("IMAPS set but no usable %s", cert.s);
				return EXIT_TEMP;
			}
			tlsfront_start(&tf, &io, &rb, argv, NULL, str_c(&ip));
			l.tls_on = 1;
		}
		if (str_cats(&out, "* OK [CAPABILITY ") == -1 ||
		    ilogin_capability(&l, &out) == -1 ||
		    str_printf(&out, "] %s IMAP server ready\r\n", argv[1]) ==
		    -1)
			log_die(EXIT_TEMP, "out of memory");
		say(&out);
	}
	for (;;) {
		enum ilogin_act act;

		str_clear(&out);
		r = read_command(&cmd, &sasl);
		if (r == 0)
			break;
		if (r == 2)
			continue;
		if (sasl) {
			sasl = 0;
			act = ilogin_sasl(&l, cmd.s, cmd.len, &out, &auth,
			    &user);
		} else
			act = ilogin_command(&l, cmd.s, cmd.len, &out, &auth,
			    &user);
		str_wipe(&cmd);
		switch (act) {
		case IL_REPLY:
			say(&out);
			continue;
		case IL_LOGOUT:
			say(&out);
			goto done;
		case IL_SASL:
			say(&out);
			sasl = 1;
			continue;
		case IL_STARTTLS:
			say(&out);
			tlsfront_start(&tf, &io, &rb, argv, "1", str_c(&ip));
			l.tls_on = 1;
			continue;
		case IL_ERROR:
			says("* BYE [UNAVAILABLE] out of memory\r\n");
			goto done;
		case IL_LOGIN:
			break;
		}
		str_clear(&safeuser);
		(void)log_safe_cat(&safeuser, user.s, user.len);
		str_clear(&out);
		/* An address the limiter locked out (loginfail(5)) is
		 * refused without asking the checkpassword program.  When
		 * the table cannot be read, vchkpw, which reads it next,
		 * says why in the log and decides. */
		if (early_check &&
		    loginfail_locked(str_c(&ip), time(NULL)) == 1) {
			str_wipe(&auth);
			log_line("imap login refused user %s ip %s: too many "
			    "failed logins", str_c(&safeuser), str_c(&ip));
			if (delay > 0)
				sleep((unsigned)delay);
			if (str_printf(&out, "%s NO [UNAVAILABLE] too many "
			    "failed logins from your address, try again "
			    "later\r\n* BYE closing\r\n", l.tag) == 0)
				say(&out);
			goto done;
		}
		if (setenv("IMAPLOGIN_TAG", l.tag, 1) == -1) {
			str_wipe(&auth);
			says("* BYE [UNAVAILABLE] out of memory\r\n");
			goto done;
		}
		{
			int	 proxy = tlsfront_active(&io) ||
			    rbuf_buffered(&rb) > 0;
			size_t	 fwd;

			if (wbuf_flush(&wb) == -1)
				goto done;
			status = run_login(&auth, proxy, &fwd);
			unsetenv("IMAPLOGIN_TAG");
			if (status == -1) {
				log_warn("unable to run %s: %s", subprog[0],
				    strerror(errno));
				if (str_printf(&out, "%s NO [UNAVAILABLE] unable "
				    "to run the login program\r\n", l.tag) == 0)
					say(&out);
				goto done;
			}
			if (WIFSIGNALED(status)) {
				log_line("imap child crashed user %s ip %s "
				    "signal %d", str_c(&safeuser), str_c(&ip),
				    WTERMSIG(status));
				says("* BYE [SERVERBUG] internal error\r\n");
				goto done;
			}
			if (WEXITSTATUS(status) == 0)
				goto done;	/* imapd served it */
			if (WEXITSTATUS(status) == EXIT_TEMP) {
				log_line("imap login deferred user %s ip %s",
				    str_c(&safeuser), str_c(&ip));
				if (str_printf(&out, "%s NO [UNAVAILABLE] "
				    "temporary failure, try again later\r\n",
				    l.tag) == 0)
					say(&out);
				if (fwd > 0)
					goto done;
				continue;
			}
			if (WEXITSTATUS(status) == CHECKPW_EXIT_LIMIT) {
				/* vchkpw's limiter: this address or account
				 * has failed too often (it counted them). */
				log_line("imap login refused user %s ip %s: too "
				    "many failed logins", str_c(&safeuser),
				    str_c(&ip));
				if (str_printf(&out, "%s NO [AUTHENTICATIONFAILED] "
				    "too many failed logins, try again later\r\n"
				    "* BYE too many failures\r\n", l.tag) == 0)
					say(&out);
				goto done;
			}
			fails++;
			log_line("imap login failed user %s ip %s status %d",
			    str_c(&safeuser), str_c(&ip), WEXITSTATUS(status));
			if (delay > 0)
				sleep((unsigned)delay);
			if (str_printf(&out, "%s NO [AUTHENTICATIONFAILED] "
			    "Authentication failed.\r\n", l.tag) == -1) {
				says("* BYE [UNAVAILABLE] out of memory\r\n");
				goto done;
			}
			if (fwd > 0 || fails >= maxfail) {
				if (fails >= maxfail)
					log_line("imap too many failed logins "
					    "ip %s", str_c(&ip));
				if (str_cats(&out, "* BYE too many "
				    "failures\r\n") == 0)
					say(&out);
				goto done;
			}
			say(&out);
		}
	}
done:
	ilogin_free(&l);
	str_wipe(&auth);
	str_wipe(&cmd);
	str_free(&out);
	str_free(&user);
	str_free(&safeuser);
	str_free(&cert);
	str_free(&ip);
	tlsfront_end(&io);
	return EXIT_DONE;
}
