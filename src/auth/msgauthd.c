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
 * once, and forks children that accept the connections, so that the
 * processes that speak SMTP never load libcrypto nor hold a private key.
 * A connection carries one request and one message.  A child serves
 * USES_MAX of them and ends (a new one takes its place), and ends after
 * any message that failed, so that nothing a failure left behind meets
 * the next message; the keys it has read stay parsed meanwhile (mauth.h)
 * and are read again when their files change.  The parent keeps at
 * least one child waiting in accept() and starts another when all are
 * busy (up to KIDS_MAX; over that a client is closed at once and goes
 * on without us); an extra child that waits IDLE_WAIT seconds in vain
 * ends (the pool is prefork.h's, shared with qmail-queued).  Reads
 * control/dkim (keys) and users/cdb (alias domains); trusts them, and
 * nothing a client sends.  Log lines on fd 2: hsmail-log(5).  TERM (or
 * INT): stop accepting, finish the messages begun, exit.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
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
#include "prefork.h"
#include "priv.h"
#include "root.h"

/* Children at once; a client over this goes on without us. */
#define KIDS_MAX	100
/* Messages one child serves before it ends. */
#define USES_MAX	1000
/* Seconds an extra child waits for a client before it ends. */
#define IDLE_WAIT	30
/* Seconds a client may take per read (qmail-smtpd's DATA pace). */
#define CLIENT_TIMEOUT	1200

static int	listen_on(const char *);
static void	serve_fail(struct mauthp_conn *);
static int	serve(int, void *);
static void	kid_start(void *);
static void	kid_end(void *);
static void	shed(int, void *);

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

/* Tell the client we could not do it ('Z'), as far as it listens. */
static void
serve_fail(struct mauthp_conn *c)
{
	struct str out = STR_INIT(STR_UNBOUNDED), ns = STR_INIT(STR_UNBOUNDED);

	if (mauthp_res_make('Z', "", "failed", NULL, &out) == 0 &&
	    mauthp_ns_put(&ns, out.s, out.len) == 0)
		(void)io_writeall(&c->io, ns.s, ns.len);
	str_free(&out);
	str_free(&ns);
}

/*
 * One client on fd, from the pool: request, message, result; fd is
 * closed.  0, or -1 when anything failed (the child then ends).
 */
static int
serve(int fd, void *arg)
{
	struct mauthp_conn c;
	struct mauthp_req req;
	struct mauth_req mr;
	struct mauth_res res;
	struct mauth *m = NULL;
	struct ucred cred;
	struct str in = STR_INIT(MAUTHP_CHUNK + 1), out = STR_INIT(STR_UNBOUNDED);
	struct str safe = STR_INIT(4096), rq = STR_INIT(MAUTHP_REQ_MAX);
	socklen_t clen = sizeof(cred);
	unsigned long long bytes = 0;
	int	 r, ret = -1, gotres = 0;

	(void)arg;
	mauthp_accept(&c, fd, CLIENT_TIMEOUT);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1)
		cred.uid = (uid_t)-1;
	/* The request stays in rq: req points into it. */
	if (mauthp_read(&c, MAUTHP_REQ_MAX, &rq) != 1 ||
	    mauthp_req_parse(rq.s, rq.len, &req) == -1) {
		log_line("msgauthd %ld bad request from uid %ld",
		    (long)getpid(), (long)cred.uid);
		goto done;
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
			goto done;
		}
		if (in.len == 1 && in.s[0] == 'E')
			break;
		if (in.len == 0 || in.s[0] != 'D')
			goto fail;
		bytes += in.len - 1;
		if (mauth_feed(m, in.s + 1, in.len - 1) == -1)
			goto fail;
	}
	gotres = 1;
	if (mauth_finish(m, &res) == -1 ||
	    mauthp_res_make(res.verdict == MAUTH_REJECT ? 'R' : 'A',
	    str_c(&res.reply), str_c(&res.log), &res.headers, &out) == -1)
		goto fail;
	str_clear(&in);
	if (mauthp_ns_put(&in, out.s, out.len) == -1 ||
	    io_writeall(&c.io, in.s, in.len) == -1)
		goto done;
	(void)log_safe_cat(&safe, req.mailfrom, strlen(req.mailfrom));
	log_line("msgauthd %ld %s uid %ld ip %s mail %s bytes %llu: %s%s",
	    (long)getpid(), req.sign ? "sign" : "verify", (long)cred.uid,
	    req.sign ? "-" : req.ip, safe.len ? str_c(&safe) : "<>", bytes,
	    str_c(&res.log), res.verdict == MAUTH_REJECT ? " (rejected)" :
	    "");
	/* Answered; still, a child whose keys or signing failed ends. */
	ret = res.failed ? -1 : 0;
	goto done;
fail:
	log_line("msgauthd %ld failed uid %ld: %s", (long)getpid(),
	    (long)cred.uid, strerror(errno));
	serve_fail(&c);
done:
	if (gotres)
		mauth_res_free(&res);
	mauth_free(m);
	mauthp_close(&c);
	str_free(&in);
	str_free(&out);
	str_free(&safe);
	str_free(&rq);
	return ret;
}

/* A new child: a client that went away is an error, not a signal. */
static void
kid_start(void *arg)
{
	(void)arg;
	signal(SIGPIPE, SIG_IGN);
}

/* A child's end: exit(), not _exit(): the sanitizer build checks for
 * leaks here. */
static void
kid_end(void *arg)
{
	(void)arg;
	mauth_cleanup();
	exit(EXIT_DONE);
}

/*
 * Every child busy and no more allowed: a waiting client is closed at
 * once and goes on without signature or marks (its session does not
 * wait for the busy ones).
 */
static void
shed(int fd, void *arg)
{
	(void)arg;
	log_line("msgauthd all %d children busy: a client goes on "
	    "without us", KIDS_MAX);
	close(fd);
}

static void
usage(void)
{
	log_die(EXIT_PERM, "usage: msgauthd [-u user] [-s socket]");
}

int
main(int argc, char **argv)
{
	static const int stopsigs[] = { SIGTERM, SIGINT, 0 };
	struct prefork pf = {
		.max = KIDS_MAX, .uses = USES_MAX, .sigs = stopsigs,
		.start = kid_start, .serve = serve, .shed = shed,
		.end = kid_end,
	};
	struct str path = STR_INIT(4096), ok = STR_INIT(1024);
	struct passwd *pw = NULL;
	struct timeval tv = { IDLE_WAIT, 0 };
	const char *user = NULL, *what;
	int	 c, lfd;

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
	/* Children accept() with a timeout (SO_RCVTIMEO): blocking. */
	if ((lfd = listen_on(str_c(&path))) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		log_die(EXIT_TEMP, "cannot listen on %s: %s", str_c(&path),
		    strerror(errno));
	if (pw != NULL && geteuid() == 0) {
		if (chown(str_c(&path), pw->pw_uid, pw->pw_gid) == -1 ||
		    priv_drop(pw->pw_uid, pw->pw_gid) == -1)
			log_die(EXIT_TEMP, "cannot become %s: %s", user,
			    strerror(errno));
	}
	/* What every child needs, loaded once. */
	if (mauth_setup() == -1)
		log_die(EXIT_TEMP, "cannot start libopendkim or libcrypto");
	(void)dmarc_orgdomain("www.example.com", &ok);
	if (dns_setup(NULL) == -1)
		log_warn("no DNS servers: %s", strerror(errno));
	if (prefork_init(&pf, lfd, &what) == -1)
		log_die(EXIT_TEMP, "%s", what);
	log_line("msgauthd started on %s", str_c(&path));
	prefork_run();
	/* The socket goes first: clients from now on go on without us. */
	(void)unlink(str_c(&path));
	prefork_stop();
	log_line("msgauthd stopped");
	str_free(&path);
	str_free(&ok);
	return EXIT_DONE;
}
