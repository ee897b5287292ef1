/*
 * msgauthd - sign and check messages for qmail-smtpd and qmail-inject:
 * DKIM signatures for mail the box sends, SPF, DKIM and DMARC with one
 * Authentication-Results field for mail it receives (mauth.h, the
 * protocol in mauthp.h).
 *
 * Started once (scripts/run, the qmaild init script) as the user that
 * owns control/dkim (qmaild), or as root with -u that user: it binds
 * <qmail>/msgauthd.sock (mode 0666: local injections come from any
 * user), loads libopendkim, the public suffix list and the resolver
 * once, then forks a child per connection, so that the processes that
 * speak SMTP never load libcrypto nor hold a private key, and one
 * message's state dies with its child.  A child reads one request and
 * one message, answers, and exits.  Reads control/dkim (keys) and
 * users/cdb (alias domains); trusts them, and nothing a client sends.
 * Log lines on fd 2: hsmail-log(5).  TERM: stop accepting, exit.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dkimsig.h"
#include "dmarc.h"
#include "dns.h"
#include "err.h"
#include "log.h"
#include "mauth.h"
#include "mauthp.h"
#include "priv.h"
#include "root.h"

/* Children at once; a client over this goes on without us. */
#define KIDS_MAX	100
/* Seconds a client may take per read (qmail-smtpd's DATA pace). */
#define CLIENT_TIMEOUT	1200

static volatile sig_atomic_t gotterm;
static int	nkids;

static void	sigterm(int);
static void	reap(void);
static int	listen_on(const char *);
static void	serve(int) __attribute__((__noreturn__));

static void
sigterm(int sig)
{
	(void)sig;
	gotterm = 1;
}

static void
reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		nkids--;
}

/* Bind the socket (a stale one is replaced), 0666, listening. */
static int
listen_on(const char *path)
{
	struct sockaddr_un sun;
	int	 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0666) == -1 || listen(fd, 128) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One client: request, message, result.  Exits. */
static void
serve(int fd)
{
	struct mauthp_conn c;
	struct mauthp_req req;
	struct mauth_req mr;
	struct mauth_res res;
	struct mauth *m;
	struct ucred cred;
	struct str in = STR_INIT(MAUTHP_CHUNK + 1), out = STR_INIT(STR_UNBOUNDED);
	struct str safe = STR_INIT(4096), rq = STR_INIT(MAUTHP_REQ_MAX);
	socklen_t clen = sizeof(cred);
	unsigned long long bytes = 0;
	int	 r;

	mauthp_accept(&c, fd, CLIENT_TIMEOUT);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1)
		cred.uid = (uid_t)-1;
	/* The request stays in rq: req points into it. */
	if (mauthp_read(&c, MAUTHP_REQ_MAX, &rq) != 1 ||
	    mauthp_req_parse(rq.s, rq.len, &req) == -1) {
		log_line("msgauthd %ld bad request from uid %ld",
		    (long)getpid(), (long)cred.uid);
		_exit(EXIT_PERM);
	}
	memset(&mr, 0, sizeof(mr));
	mr.sign = req.sign;
	mr.ip = req.ip;
	mr.helo = req.helo;
	mr.mailfrom = req.mailfrom;
	mr.authservid = req.authservid;
	mr.reject = req.reject;
	mr.dns_ms = req.dns_ms;
	if ((m = mauth_new(&mr)) == NULL)
		goto fail;
	for (;;) {
		r = mauthp_read(&c, MAUTHP_CHUNK + 1, &in);
		if (r != 1) {
			log_line("msgauthd %ld client went away uid %ld",
			    (long)getpid(), (long)cred.uid);
			_exit(EXIT_TEMP);
		}
		if (in.len == 1 && in.s[0] == 'E')
			break;
		if (in.len == 0 || in.s[0] != 'D')
			goto fail;
		bytes += in.len - 1;
		if (mauth_feed(m, in.s + 1, in.len - 1) == -1)
			goto fail;
	}
	if (mauth_finish(m, &res) == -1)
		goto fail;
	if (mauthp_res_make(res.verdict == MAUTH_REJECT ? 'R' : 'A',
	    str_c(&res.reply), str_c(&res.log), &res.headers, &out) == -1)
		goto fail;
	str_clear(&in);
	if (mauthp_ns_put(&in, out.s, out.len) == -1 ||
	    io_writeall(&c.io, in.s, in.len) == -1)
		_exit(EXIT_TEMP);
	(void)log_safe_cat(&safe, req.mailfrom, strlen(req.mailfrom));
	log_line("msgauthd %ld %s uid %ld ip %s mail %s bytes %llu: %s%s",
	    (long)getpid(), req.sign ? "sign" : "verify", (long)cred.uid,
	    req.sign ? "-" : req.ip, safe.len ? str_c(&safe) : "<>", bytes,
	    str_c(&res.log), res.verdict == MAUTH_REJECT ? " (rejected)" :
	    "");
	_exit(EXIT_DONE);
fail:
	log_line("msgauthd %ld failed uid %ld: %s", (long)getpid(),
	    (long)cred.uid, strerror(errno));
	str_clear(&out);
	str_clear(&in);
	if (mauthp_res_make('Z', "", "failed", NULL, &out) == 0 &&
	    mauthp_ns_put(&in, out.s, out.len) == 0)
		(void)io_writeall(&c.io, in.s, in.len);
	_exit(EXIT_TEMP);
}

static void
usage(void)
{
	log_die(EXIT_PERM, "usage: msgauthd [-u user] [-s socket]");
}

int
main(int argc, char **argv)
{
	struct str path = STR_INIT(4096), ok = STR_INIT(1024);
	struct sigaction sa;
	struct passwd *pw = NULL;
	struct pollfd pfd;
	const char *user = NULL;
	pid_t	 pid;
	int	 c, lfd, fd;

	log_init("msgauthd");
	while ((c = getopt(argc, argv, "u:s:")) != -1) {
		switch (c) {
		case 'u':
			user = optarg;
			break;
		case 's':
			if (str_copys(&path, optarg) == -1)
				log_die(EXIT_TEMP, "out of memory");
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (path.len == 0 && root_path(&path, ROOT_QMAIL, MAUTHP_SOCK) == -1)
		log_die(EXIT_TEMP, "out of memory");
	if (user != NULL && (pw = getpwnam(user)) == NULL)
		log_die(EXIT_PERM, "no user %s", user);
	if ((lfd = listen_on(str_c(&path))) == -1)
		log_die(EXIT_TEMP, "cannot listen on %s: %s", str_c(&path),
		    strerror(errno));
	if (pw != NULL && geteuid() == 0) {
		if (chown(str_c(&path), pw->pw_uid, pw->pw_gid) == -1 ||
		    priv_drop(pw->pw_uid, pw->pw_gid) == -1)
			log_die(EXIT_TEMP, "cannot become %s: %s", user,
			    strerror(errno));
	}
	/* What every child needs, loaded once. */
	if (dkimsig_init() == -1)
		log_die(EXIT_TEMP, "cannot start libopendkim");
	(void)dmarc_orgdomain("www.example.com", &ok);
	if (dns_setup(NULL) == -1)
		log_warn("no DNS servers: %s", strerror(errno));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigterm;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_line("msgauthd started on %s", str_c(&path));
	while (!gotterm) {
		reap();
		pfd.fd = lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1)
			continue;
		if (nkids >= KIDS_MAX) {
			/* The client goes on without marks or signature. */
			close(fd);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			close(lfd);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			serve(fd);
		}
		if (pid > 0)
			nkids++;
		close(fd);
	}
	(void)unlink(str_c(&path));
	close(lfd);
	while (nkids > 0 && wait(NULL) > 0)
		nkids--;
	log_line("msgauthd stopped");
	str_free(&path);
	str_free(&ok);
	return EXIT_DONE;
}
