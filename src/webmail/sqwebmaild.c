/*
 * sqwebmaild - the webmail daemon behind the sqwebmail CGI (SqWebMail's
 * own split: an unprivileged CGI in front of a daemon).  Started as root
 * by the init system (as the current user under `make run`); listens on
 * a Unix socket only the web server's group can reach.  For each request
 * it forks a monitor, which receives the CGI's descriptors and variable
 * record, reads the session cookie (the only browser input it looks at
 * with privileges), and runs a worker:
 *   - with a valid session: as the mailbox owner (the session's ids, the
 *     user's directory as cwd), serving the page;
 *   - without one: as the unprivileged user (-u), serving the login page;
 *     a login form's credentials come back to the monitor on a pipe, and
 *     the monitor checks them through vchkpw (a webmail login, logged as
 *     POP3 logins are; vchkpw counts the failures, loginfail(5)), refuses
 *     an address the limiter locked out before running it, and creates
 *     the session.
 * Logout is carried out by the monitor, which alone can remove sessions.
 * Trusts: the socket's peers as far as the CGI variables go (only the
 * web server's group can connect); nothing of the request itself.
 * Also "sqwebmaild -I": the program vchkpw runs after a good login
 * (when the sqwebmail CGI, which does the same, is not beside it).
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "err.h"
#include "fdpass.h"
#include "file.h"
#include "io.h"
#include "log.h"
#include "loginfail.h"
#include "num.h"
#include "priv.h"
#include "root.h"
#include "vpop.h"
#include "wm.h"

#ifndef SQWEBMAIL_SOCKET
#define SQWEBMAIL_SOCKET	"/run/sqwebmail/sqwebmaild.sock"
#endif
#ifndef SQWEBMAIL_STATEDIR
#define SQWEBMAIL_STATEDIR	"/var/lib/sqwebmail"
#endif
#ifndef SQWEBMAIL_LANGDIR
#define SQWEBMAIL_LANGDIR	"/usr/local/share/sqwebmail"
#endif
#define CHILDREN_MAX	128	/* requests served at once */
#define REQ_TIMEOUT	30	/* seconds for the CGI's record */
#define STATUS_MAX	1024	/* a worker's message to its monitor */

struct wm_conf wm_conf;
static uid_t anon_uid;
static gid_t anon_gid;
static int have_anon;
static int stats;		/* -S: a log line per request */
static char sessdir[PATH_MAX];

static void	usage(void) __attribute__((__noreturn__));
static int	listen_on(const char *, const char *);
static void	monitor(int) __attribute__((__noreturn__));
static pid_t	worker(struct wm *, struct session *, int *);
static void	login(struct wm *, const char *, size_t);
static void	raw_reply(int, const char *, const char *, const char *);
static ssize_t	recv_status(int, char *, size_t, int *);
static int	monitor_inject(int, const char *);

static void
usage(void)
{
	log_die(EXIT_PERM, "usage: sqwebmaild [-s socket] [-d statedir] "
	    "[-u user] [-g group] [-L langdir] [-l lang] [-t idle] "
	    "[-T hard] [-p imap,imaps,pop3,pop3s,smtp,submission] [-S]");
}

/* The socket, mode 0660 with the web server's group when root. */
static int
listen_on(const char *path, const char *group)
{
	struct sockaddr_un sun;
	struct group *gr;
	int	 s;
	mode_t	 old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		log_die(EXIT_PERM, "socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path));
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		log_die(EXIT_TEMP, "socket: %s", strerror(errno));
	(void)unlink(path);
	old = umask(0117);
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		log_die(EXIT_TEMP, "bind %s: %s", path, strerror(errno));
	umask(old);
	if (group != NULL && geteuid() == 0) {
		if ((gr = getgrnam(group)) == NULL)
			log_die(EXIT_PERM, "no group %s", group);
		if (chown(path, 0, gr->gr_gid) == -1)
			log_die(EXIT_TEMP, "chown %s: %s", path,
			    strerror(errno));
	}
	if (listen(s, 128) == -1)
		log_die(EXIT_TEMP, "listen: %s", strerror(errno));
	return s;
}

/* A fixed response written by the monitor itself (no request data). */
static void
raw_reply(int fd, const char *status, const char *extra, const char *text)
{
	struct str r = STR_INIT(8192);

	if (str_printf(&r, "Status: %s\r\nContent-Type: text/html; "
	    "charset=utf-8\r\nCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\nContent-Security-Policy: "
	    "default-src 'none'; frame-ancestors 'none'\r\n%s\r\n%s",
	    status, extra != NULL ? extra : "", text != NULL ? text : "") == 0)
		(void)file_writeall(fd, r.s, r.len);
	str_free(&r);
}

/*
 * Run the worker for the request: as the session's user, or as the
 * anonymous user.  Its status pipe's read end goes to *st_r.
 */
static pid_t
worker(struct wm *w, struct session *s, int *st_r)
{
	int	 p[2];
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		*st_r = p[0];
		return pid;
	}
	close(p[0]);
	w->status_fd = p[1];
	w->via_monitor = geteuid() == 0 && root_is_instance();
	if (s != NULL) {
		if (priv_drop(s->uid, s->gid) == -1)
			log_die(EXIT_TEMP, "cannot become uid %lu: %s",
			    (unsigned long)s->uid, strerror(errno));
		if (chdir(s->home.s) == -1)
			log_die(EXIT_TEMP, "cannot enter %s: %s", s->home.s,
			    strerror(errno));
		w->sess = s;
		wm_serve_user(w);
	} else {
		if (geteuid() == 0 && (!have_anon ||
		    priv_drop(anon_uid, anon_gid) == -1))
			log_die(EXIT_TEMP, "cannot drop privileges");
		if (chdir("/") == -1)
			_exit(EXIT_TEMP);
		wm_serve_anon(w);
	}
	(void)wm_send(w);
	_exit(0);
}

/* Credentials from the login form: check, count, create the session. */
static void
login(struct wm *w, const char *b, size_t n)
{
	struct str user = STR_INIT(256), domain = STR_INIT(256);
	struct str cookie = STR_INIT(512), login_s = STR_INIT(600);
	struct wm_ident id = { 0, 0, STR_INIT(PATH_MAX) };
	struct session s;
	const char *ip = w->env.v[CGI_ADDR].s != NULL ?
	    w->env.v[CGI_ADDR].s : "unknown";
	const char *pass;
	size_t	 l1;
	int	 r, bind_ip;

	/* "login\0password\0bind\0" */
	l1 = strnlen(b, n);
	if (l1 + 1 >= n)
		goto bad;
	pass = b + l1 + 1;
	if (strnlen(pass, n - l1 - 1) + 2 >= n - l1)
		goto bad;
	bind_ip = pass[strlen(pass) + 1] == '1';
	/* An address the limiter locked out (loginfail(5)) is refused
	 * before vchkpw runs; vchkpw counts the failures. */
	if (loginfail_locked(ip, time(NULL)) == 1) {
		log_line("sqwebmaild: login refused for %s: too many failures",
		    ip);
		raw_reply(w->out, "303 See Other", "Location: ./?e=many\r\n",
		    NULL);
		goto out;
	}
	r = vpop_login_split(b, &user, &domain) == -1 ? 0 :
	    wm_checkpw(b, pass, ip, &id);
	if (r != 1) {
		if (r == 2)
			log_line("sqwebmaild: login refused for %s: too many "
			    "failures", ip);
		raw_reply(w->out, "303 See Other", r == 0 ?
		    "Location: ./?e=bad\r\n" : r == 2 ?
		    "Location: ./?e=many\r\n" : "Location: ./?e=temp\r\n",
		    NULL);
		goto out;
	}
	session_init(&s);
	if (str_printf(&login_s, "%s@%s", user.s, domain.s) == -1 ||
	    str_copyb(&s.user, login_s.s, login_s.len) == -1 ||
	    str_copyb(&s.home, id.home.s, id.home.len) == -1 || str_copys(&s.ip, ip) == -1)
		goto temp;
	s.uid = id.uid;
	s.gid = id.gid;
	s.bind_ip = bind_ip;
	if (session_create(sessdir, &s, time(NULL)) == -1) {
		log_warn("cannot create a session in %s: %s", sessdir,
		    strerror(errno));
		goto temp;
	}
	/* A fresh id at every login; the login form's cookie goes. */
	if (str_printf(&cookie, "Set-Cookie: " WM_COOKIE "=%s; Path=%s/; "
	    "HttpOnly; SameSite=Strict%s\r\nSet-Cookie: " WM_PRECOOKIE
	    "=; Path=%s/; Max-Age=0; HttpOnly; SameSite=Strict%s\r\n"
	    "Location: ./\r\n", s.id, w->base, w->https ? "; Secure" : "",
	    w->base, w->https ? "; Secure" : "") == 0)
		raw_reply(w->out, "303 See Other", cookie.s, NULL);
	session_free(&s);
	goto out;
temp:
	session_free(&s);
	raw_reply(w->out, "303 See Other", "Location: ./?e=temp\r\n", NULL);
	goto out;
bad:
	raw_reply(w->out, "400 Bad Request", NULL, "Bad request");
out:
	str_free(&user);
	str_free(&domain);
	str_free(&cookie);
	str_free(&login_s);
	str_free(&id.home);
}

/* Read from the worker's channel; a passed descriptor goes to *fd_r. */
static ssize_t
recv_status(int s, char *buf, size_t n, int *fd_r)
{
	union {
		struct cmsghdr hdr;
		char	 b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { buf, n };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t	 r;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	mh.msg_controllen = sizeof(cm.b);
	if ((r = recvmsg(s, &mh, MSG_CMSG_CLOEXEC)) <= 0)
		return r;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int))) {
			int	 fd;

			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
			if (*fd_r != -1)
				close(fd);
			else
				*fd_r = fd;
		}
	return r;
}

/*
 * qmail-inject for the session's user, run by the monitor: only in an
 * instance run by root, whose queue belongs to root (installed, the
 * worker runs it as the mailbox owner and qmail-queue is set-uid).  The
 * envelope sender is the user's own address.  0 or -1.
 */
static int
monitor_inject(int fd, const char *user)
{
	struct str prog = STR_INIT(PATH_MAX);
	struct child_spec cs;
	char	*argv[5];
	int	 status;
	pid_t	 pid;

	if (lseek(fd, 0, SEEK_SET) == -1 ||
	    root_path(&prog, ROOT_QMAIL, "bin/qmail-inject") == -1)
		return -1;
	argv[0] = prog.s;
	argv[1] = (char *)(uintptr_t)"-f";
	argv[2] = (char *)(uintptr_t)user;
	argv[3] = (char *)(uintptr_t)"-H";
	argv[4] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = fd;
	pid = child_start(&cs);
	str_free(&prog);
	if (pid == -1 || child_wait(pid, &status) == -1)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* One connection from the CGI: the whole life of a request. */
static void
monitor(int c)
{
	struct timeval tv = { REQ_TIMEOUT, 0 };
	struct timespec t0;
	struct rusage wru;
	struct session s, *sp = NULL;
	struct wm w;
	struct str rec = STR_INIT(CGI_ENV_MAX), st = STR_INIT(STATUS_MAX);
	unsigned char len4[4];
	char	 sid[SESSION_ID_LEN + 2], buf[512], b;
	int	 fds[2], stfd = -1, status;
	size_t	 len, got;
	ssize_t	 n;
	pid_t	 pid;

	signal(SIGCHLD, SIG_DFL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&wru, 0, sizeof(wru));
	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (fdpass_recv(c, &b, fds, 2) == -1 || b != 'R')
		_exit(EXIT_TEMP);
	for (got = 0; got < 4; got += (size_t)n)
		if ((n = read(c, len4 + got, 4 - got)) <= 0)
			_exit(EXIT_TEMP);
	len = (size_t)len4[0] << 24 | (size_t)len4[1] << 16 |
	    (size_t)len4[2] << 8 | len4[3];
	if (len > CGI_ENV_MAX || str_ready(&rec, len) == -1)
		_exit(EXIT_TEMP);
	for (got = 0; got < len; got += (size_t)n)
		if ((n = read(c, rec.s + got, len - got)) <= 0)
			_exit(EXIT_TEMP);
	rec.len = len;
	memset(&w, 0, sizeof(w));
	cgi_env_init(&w.env);
	if (cgi_env_parse(&w.env, rec.s, rec.len) == -1) {
		raw_reply(fds[1], "400 Bad Request", NULL, "Bad request");
		goto done;
	}
	w.in = fds[0];
	w.out = fds[1];
	w.status_fd = -1;
	w.base = w.env.v[CGI_SCRIPT].len > 0 ? w.env.v[CGI_SCRIPT].s :
	    "/webmail";
	w.path = w.env.v[CGI_PATH_INFO].len > 0 ? w.env.v[CGI_PATH_INFO].s :
	    "/";
	w.https = strcasecmp(str_c(&w.env.v[CGI_HTTPS]), "on") == 0;
	w.post = strcmp(str_c(&w.env.v[CGI_METHOD]), "POST") == 0;
	w.status = 200;
	w.hdr = (struct str)STR_INIT(64 * 1024);
	w.body = (struct str)STR_INIT(WM_PAGE_MAX);
	session_init(&s);
	if (cgi_cookie_get(str_c(&w.env.v[CGI_COOKIE]),
	    w.env.v[CGI_COOKIE].len, WM_COOKIE, sid, sizeof(sid)) == 1 &&
	    session_load(sessdir, sid, str_c(&w.env.v[CGI_ADDR]), time(NULL),
	    wm_conf.idle, wm_conf.hard, &s) == 1)
		sp = &s;
	if ((pid = worker(&w, sp, &stfd)) == -1) {
		raw_reply(fds[1], "503 Service Unavailable", NULL,
		    "Try again in a moment.");
		goto done;
	}
	for (;;) {
		int	 mfd = -1;

		n = recv_status(stfd, buf, sizeof(buf), &mfd);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (mfd != -1) {
			/* 'S': a message to send for the session's user. */
			char	 ok = sp != NULL && buf[0] == WM_MSG_SEND &&
			    monitor_inject(mfd, sp->user.s) == 0 ? '0' : '1';

			close(mfd);
			(void)file_writeall(stfd, &ok, 1);
			continue;
		}
		if (str_catb(&st, buf, (size_t)n) == -1)
			break;
	}
	close(stfd);
	/* The worker's resources (for -S), as wait4 reports them. */
	while (wait4(pid, &status, 0, &wru) == -1 && errno == EINTR)
		;
	if (st.len > 0 && st.s[0] == WM_MSG_LOGOUT && sp != NULL)
		(void)session_remove(sessdir, sp->id);
	else if (st.len > 1 && st.s[0] == WM_MSG_LOGIN && sp == NULL)
		login(&w, st.s + 1, st.len - 1);
	str_wipe(&st);
	if (stats) {
		struct rusage mru;
		struct timespec t1;

		(void)getrusage(RUSAGE_SELF, &mru);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_line("sqwebmaild: stats %s %ld ms, peak memory %ld KB "
		    "(monitor %ld, worker %ld)", str_c(&w.env.v[CGI_PATH_INFO]),
		    (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000), mru.ru_maxrss +
		    wru.ru_maxrss, mru.ru_maxrss, wru.ru_maxrss);
	}
done:
	close(fds[0]);
	close(fds[1]);
	(void)file_writeall(c, "D", 1);
	_exit(0);
}

int
main(int argc, char **argv)
{
	const char *sock = SQWEBMAIL_SOCKET, *group = NULL, *user = NULL;
	const char *ports = NULL, *p;
	struct str vchkpw = STR_INIT(PATH_MAX);
	struct passwd *pw;
	static char self[PATH_MAX], ident[PATH_MAX];
	unsigned long v;
	time_t	 last_sweep = 0;
	int	 ch, s, c, nchildren = 0;
	ssize_t	 n;

	log_init("sqwebmaild");
	if (argc == 2 && strcmp(argv[1], "-I") == 0)
		return wm_ident_main();
	wm_conf.statedir = SQWEBMAIL_STATEDIR;
	wm_conf.langdir = SQWEBMAIL_LANGDIR;
	wm_conf.lang = "en";
	wm_conf.idle = SESSION_IDLE_DEFAULT;
	wm_conf.hard = SESSION_HARD_DEFAULT;
	wm_conf.imap_port = 143;
	wm_conf.imaps_port = 993;
	wm_conf.pop3_port = 110;
	wm_conf.pop3s_port = 995;
	wm_conf.smtp_port = 25;
	wm_conf.submission_port = 587;
	while ((ch = getopt(argc, argv, "s:d:u:g:L:l:t:T:p:h:S")) != -1) {
		switch (ch) {
		case 's': sock = optarg; break;
		case 'd': wm_conf.statedir = optarg; break;
		case 'u': user = optarg; break;
		case 'g': group = optarg; break;
		case 'L': wm_conf.langdir = optarg; break;
		case 'l': wm_conf.lang = optarg; break;
		case 'h': wm_conf.imap_host = optarg; break;
		case 'S': stats = 1; break;
		case 'p': ports = optarg; break;
		case 't':
			if (num_parses(optarg, 86400, &v) == -1 || v == 0)
				usage();
			wm_conf.idle = (unsigned)v;
			break;
		case 'T':
			if (num_parses(optarg, 7 * 86400, &v) == -1 || v == 0)
				usage();
			wm_conf.hard = (unsigned)v;
			break;
		default:
			usage();
		}
	}
	if (ports != NULL) {
		unsigned *dst[6] = { &wm_conf.imap_port, &wm_conf.imaps_port,
		    &wm_conf.pop3_port, &wm_conf.pop3s_port,
		    &wm_conf.smtp_port, &wm_conf.submission_port };
		char	 tmp[16];
		int	 i;

		for (i = 0, p = ports; i < 6 && *p != '\0'; i++) {
			size_t	 l = strcspn(p, ",");

			if (l == 0 || l >= sizeof(tmp))
				usage();
			memcpy(tmp, p, l);
			tmp[l] = '\0';
			if (num_parses(tmp, 65535, &v) == -1)
				usage();
			*dst[i] = (unsigned)v;
			p += l;
			if (*p == ',')
				p++;
		}
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		log_die(EXIT_TEMP, "cannot find my own program");
	self[n] = '\0';
	wm_conf.self = self;
	/* What vchkpw runs to report the login's ids: the small CGI
	 * program beside us ("sqwebmail -I") starts faster than this one,
	 * which loads the MIME and HTML libraries. */
	if ((p = strrchr(self, '/')) != NULL &&
	    snprintf(ident, sizeof(ident), "%.*s/sqwebmail", (int)(p - self),
	    self) < (int)sizeof(ident) && access(ident, X_OK) == 0)
		wm_conf.self = ident;
	if (root_path(&vchkpw, ROOT_VPOPMAIL, "bin/vchkpw") == -1)
		log_die(EXIT_TEMP, "out of memory");
	wm_conf.vchkpw = vchkpw.s;
	if (user != NULL) {
		if ((pw = getpwnam(user)) == NULL)
			log_die(EXIT_PERM, "no user %s", user);
		anon_uid = pw->pw_uid;
		anon_gid = pw->pw_gid;
		have_anon = 1;
	} else if (geteuid() == 0)
		log_die(EXIT_PERM, "run as root, -u names the user that "
		    "serves the login page");
	if (snprintf(sessdir, sizeof(sessdir), "%s/sessions",
	    wm_conf.statedir) >= (int)sizeof(sessdir))
		log_die(EXIT_PERM, "state directory path too long");
	if (file_mkdirs(sessdir, 0700) == -1)
		log_die(EXIT_TEMP, "cannot make %s: %s", sessdir,
		    strerror(errno));
	(void)chmod(wm_conf.statedir, 0700);
	(void)chmod(sessdir, 0700);
	if (lang_load(wm_conf.langdir, wm_conf.lang) == -1)
		log_warn("no text catalog %s/%s.lang: %s", wm_conf.langdir,
		    wm_conf.lang, strerror(errno));
	s = listen_on(sock, group);
	signal(SIGPIPE, SIG_IGN);
	log_line("sqwebmaild: listening on %s", sock);
	for (;;) {
		struct pollfd pfd = { s, POLLIN, 0 };
		pid_t	 pid;
		int	 st;

		while ((pid = waitpid(-1, &st, nchildren >= CHILDREN_MAX ?
		    0 : WNOHANG)) > 0)
			nchildren--;
		if (time(NULL) - last_sweep >= 60) {
			last_sweep = time(NULL);
			(void)session_sweep(sessdir, last_sweep, wm_conf.idle,
			    wm_conf.hard);
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		if ((c = accept4(s, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		if ((pid = fork()) == 0) {
			close(s);
			monitor(c);
		}
		if (pid > 0)
			nchildren++;
		close(c);
	}
}
