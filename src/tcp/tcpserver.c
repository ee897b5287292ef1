/*
 * tcpserver - accept TCP connections and run a program for each, ucspi-tcp
 * 0.88 compatible: `tcpserver [opts] host port prog...`.  Started as root
 * by the init script (qmaild) or as any user; binds, drops to -u/-g with
 * priv_drop, then forks one child per connection.  The child looks up
 * names and ident as asked, applies the rules cdb (-x, reopened for every
 * connection), sets the TCP* environment, moves the socket to fds 0 and 1
 * and execs prog.  When no per-connection step can block (-H -R -l, no
 * -B) the server applies the rules itself and starts prog through
 * tcpspawn (clone without copying page tables): the fast path.  Trusts
 * nothing from the network: addresses come from the kernel, names and
 * ident answers are bounded and only passed on.
 * Exit codes: 100 usage, 111 fatal error, 0 on SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <resolv.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cdbx.h"
#include "err.h"
#include "ident.h"
#include "io.h"
#include "num.h"
#include "priv.h"
#include "rules.h"
#include "str.h"
#include "tcpspawn.h"

#define DROP	"warning: dropping connection, "

static int	 verbosity = 1;		/* -q 0, -Q 1, -v 2 */
static unsigned long limit = 40;	/* -c */
static unsigned long backlog = 20;	/* -b */
static unsigned long identtimeout = 26;	/* -t */
static unsigned long dnstimeout;	/* -T; 0: the resolver's own */
static int	 flagremotehost = 1;	/* -h / -H */
static int	 flagremoteinfo = 1;	/* -r / -R */
static int	 flagparanoid;		/* -p / -P */
static int	 flagkillopts = 1;	/* -O / -o */
static int	 flagdelay = 1;		/* -d / -D */
static int	 flagallownorules;	/* -X */
static int	 flag1;			/* -1 */
static const char *fnrules;		/* -x */
static const char *banner = "";		/* -B */
static const char *localhost;		/* -l */

static volatile sig_atomic_t numchildren;

static void	usage(void) __attribute__((__noreturn__));
static void	say(int, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	vsay(int, const char *, va_list)
		    __attribute__((__format__ (printf, 2, 0)));
static void	die(int, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3), __noreturn__));
static void	printstatus(void);
static void	sigchld(int);
static void	sigterm(int);
static void	safecat(struct str *, const char *);
static void	ipfmt(const struct sockaddr_storage *, char *, size_t,
		    unsigned *);
struct cenv;
static int	setvar(void *, const char *);
static int	cenv_add(struct cenv *, const char *, const char *);
static char	*fmtu(char *, unsigned);
static void	cenv_exec(struct cenv *, char **);
static socklen_t unmap(struct sockaddr_storage *, socklen_t);
static void	doit(int, struct sockaddr_storage *, socklen_t, struct cenv *);
static void	dnslimit(void);
static char	*revname(const struct sockaddr_storage *, socklen_t);
static int	paranoid_ok(const char *, const struct sockaddr_storage *);
static void	setup(const char *, const char *, struct sockaddr_storage *,
		    socklen_t *);
static unsigned long optnum(const char *, unsigned long);
static int	addvar(void *, const char *);
static int	addf(struct strlist *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static int	fast(int, struct sockaddr_storage *, socklen_t, char **,
		    const sigset_t *);
struct lnc;
static struct lnc *lnc_get(const char *);
static void	lnc_put(const char *, size_t);
static void	lnc_drain(void);
static void	lnc_report(const char *, const char *);

static void
usage(void)
{
	say(1, "usage: tcpserver [ -1UXpPhHrRoOdDqQv ] [ -c limit ] "
	    "[ -x rules.cdb ] [ -B banner ] [ -g gid ] [ -u uid ] "
	    "[ -b backlog ] [ -l localname ] [ -t timeout ] [ -T timeout ] "
	    "host port program");
	_exit(EXIT_PERM);
}

/* One line on fd 2 if verbosity is at least level, in one write(2). */
static void
say(int level, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsay(level, fmt, ap);
	va_end(ap);
}

static void
vsay(int level, const char *fmt, va_list ap)
{
	char	 buf[1024];
	int	 n, saved = errno;

	if (verbosity < level)
		return;
	memcpy(buf, "tcpserver: ", 11);
	n = vsnprintf(buf + 11, sizeof(buf) - 12, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(buf) - 12)
		n = sizeof(buf) - 12;
	buf[11 + n] = '\n';
	(void)!write(2, buf, 12 + (size_t)n);
	errno = saved;
}

static void
die(int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsay(1, fmt, ap);
	va_end(ap);
	_exit(code);
}

static void
printstatus(void)
{
	say(2, "status: %lu/%lu", (unsigned long)numchildren, limit);
}

/*
 * Reap children.  SIGCHLD is blocked except while the main loop waits in
 * accept(2) or sigsuspend(2), so this never interrupts other work.
 */
static void
sigchld(int sig)
{
	int	 wstat, saved = errno;
	pid_t	 pid;

	(void)sig;
	while ((pid = waitpid(-1, &wstat, WNOHANG)) > 0) {
		tcpspawn_reaped(pid);
		say(2, "end %ld status %d", (long)pid, wstat);
		if (numchildren > 0)
			numchildren--;
		printstatus();
	}
	errno = saved;
}

static void
sigterm(int sig)
{
	(void)sig;
	_exit(0);
}

/* A field of the verbose lines: at most 100 bytes, no ':', '%', controls. */
static void
safecat(struct str *s, const char *x)
{
	char	 buf[104], c;
	size_t	 i;

	for (i = 0; x != NULL && x[i] != '\0' && i < 100; i++) {
		c = x[i];
		if ((unsigned char)c < 33 || (unsigned char)c > 126 ||
		    c == ':' || c == '%')
			c = '?';
		buf[i] = c;
	}
	if (x != NULL && x[i] != '\0') {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	str_note(s, buf);
}

/* Text form of an address: IPv4-mapped IPv6 addresses become dotted. */
static void
ipfmt(const struct sockaddr_storage *ss, char *buf, size_t n,
    unsigned *port_r)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;

	if (ss->ss_family == AF_INET6) {
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf,
			    (socklen_t)n);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)n);
		*port_r = ntohs(s6->sin6_port);
	} else {
		inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)n);
		*port_r = ntohs(s4->sin_port);
	}
}

/*
 * An IPv4 client of an IPv6 socket ("::") arrives as ::ffff:a.b.c.d; make
 * it a plain IPv4 address, so that names, ident and rules see what an
 * IPv4 socket would have seen.  Returns the new length.
 */
static socklen_t
unmap(struct sockaddr_storage *ss, socklen_t len)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in *s4 = (void *)ss;

	if (ss->ss_family != AF_INET6 || len < sizeof(s6))
		return len;
	memcpy(&s6, ss, sizeof(s6));
	if (!IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr))
		return len;
	memset(ss, 0, sizeof(*ss));
	s4->sin_family = AF_INET;
	s4->sin_port = s6.sin6_port;
	memcpy(&s4->sin_addr, &s6.sin6_addr.s6_addr[12], 4);
	return sizeof(*s4);
}

/*
 * The variables a forked child sets ("NAME=value") or removes ("NAME"),
 * kept without malloc: a text arena on the child's stack and pointers
 * (rule variables point into the rule's data).  A forked child faults in
 * every page of code and data it touches, so it stays away from stdio and
 * setenv.
 */
#define CENV_MAX	256

struct cenv {
	size_t	 n;
	size_t	 used;
	char	*v[CENV_MAX];
	char	 arena[4096];
};

/* Add NAME=value (value NULL: remove NAME).  0, or -1 E2BIG. */
static int
cenv_add(struct cenv *c, const char *name, const char *value)
{
	size_t	 ln = strlen(name), lv = value != NULL ? strlen(value) : 0;
	size_t	 need = ln + (value != NULL ? 1 + lv : 0) + 1;
	char	*p;

	if (c->n == CENV_MAX || need > sizeof(c->arena) - c->used) {
		errno = E2BIG;
		return -1;
	}
	p = c->arena + c->used;
	memcpy(p, name, ln);
	if (value != NULL) {
		p[ln] = '=';
		memcpy(p + ln + 1, value, lv);
	}
	p[need - 1] = '\0';
	c->used += need;
	c->v[c->n++] = p;
	return 0;
}

/* A rule's NAME=value (borrowed from the rule data; empty name ignored). */
static int
setvar(void *arg, const char *nv)
{
	struct cenv *c = arg;

	if (nv[0] == '=')
		return 0;
	if (c->n == CENV_MAX) {
		errno = E2BIG;
		return -1;
	}
	c->v[c->n++] = (char *)(uintptr_t)nv;
	return 0;
}

/* Decimal text of u into buf (at least 11 bytes). */
static char *
fmtu(char *buf, unsigned u)
{
	char	 tmp[16];
	size_t	 n = 0, i;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

/* Exec prog with our environment changed by c; returns only on error. */
static void
cenv_exec(struct cenv *c, char **argv)
{
	static char *small[1024];
	char	**env = small;
	size_t	 n = tcpspawn_envsize(c->n);

	if (n > sizeof(small) / sizeof(small[0]) &&
	    (env = calloc(n, sizeof(*env))) == NULL)
		return;
	tcpspawn_envfill(env, c->v, c->n);
	execvpe(argv[0], argv, env);
}

/* Bound each DNS query to -T seconds, one try per server. */
static void
dnslimit(void)
{
	if (dnstimeout == 0 || res_init() != 0)
		return;
	_res.retrans = (int)dnstimeout;
	_res.retry = 1;
}

/* The reverse-DNS name of an address, or NULL. */
static char *
revname(const struct sockaddr_storage *ss, socklen_t len)
{
	char	 host[NI_MAXHOST];

	if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host),
	    NULL, 0, NI_NAMEREQD) != 0 || host[0] == '\0')
		return NULL;
	return strdup(host);
}

/* 1 if name resolves back to the address (-p), else 0. */
static int
paranoid_ok(const char *name, const struct sockaddr_storage *ss)
{
	struct addrinfo hints, *res, *ai;
	char	 want[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN];
	unsigned port;
	int	 ok = 0;

	ipfmt(ss, want, sizeof(want), &port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL && !ok; ai = ai->ai_next) {
		struct sockaddr_storage a;

		if (ai->ai_addrlen > sizeof(a))
			continue;
		memset(&a, 0, sizeof(a));
		memcpy(&a, ai->ai_addr, ai->ai_addrlen);
		ipfmt(&a, got, sizeof(got), &port);
		ok = strcmp(want, got) == 0;
	}
	freeaddrinfo(res);
	return ok;
}

/* The child's work for one connection on t; execs prog or exits. */
static void
doit(int t, struct sockaddr_storage *remote, socklen_t rlen, struct cenv *c)
{
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	struct str data = STR_INIT(RULES_DATA_MAX);
	struct str info = STR_INIT(IDENT_REPLY_MAX), line = STR_INIT(1024);
	struct cdbx db;
	struct io io;
	char	 rip[INET6_ADDRSTRLEN], lip[INET6_ADDRSTRLEN];
	char	 rport[8], lport[8];
	unsigned rp, lp;
	char	*remotehost = NULL;
	const char *lname;
	int	 one = 1, deny = 0, haveinfo = 0, r;

	rlen = unmap(remote, rlen);
	ipfmt(remote, rip, sizeof(rip), &rp);
	fmtu(rport, rp);
	say(2, "pid %ld from %s", (long)getpid(), rip);
	if (flagkillopts && remote->ss_family == AF_INET)
		(void)setsockopt(t, IPPROTO_IP, IP_OPTIONS, NULL, 0);
	if (!flagdelay)
		(void)setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	if (*banner != '\0') {
		io_init(&io, -1, t, identtimeout ? identtimeout : 26);
		if (io_writeall(&io, banner, strlen(banner)) == -1)
			die(EXIT_TEMP, DROP "unable to print banner: %s",
			    strerror(errno));
	}
	if (getsockname(t, (struct sockaddr *)&local, &llen) == -1)
		die(EXIT_TEMP, DROP "unable to get local address: %s",
		    strerror(errno));
	llen = unmap(&local, llen);
	ipfmt(&local, lip, sizeof(lip), &lp);
	fmtu(lport, lp);
	dnslimit();
	lname = localhost;
	if (lname == NULL) {
		lname = revname(&local, llen);
		lnc_report(lip, lname);
	}
	if (cenv_add(c, "PROTO", "TCP") == -1 ||
	    cenv_add(c, "TCPLOCALIP", lip) == -1 ||
	    cenv_add(c, "TCPLOCALPORT", lport) == -1 ||
	    cenv_add(c, "TCPLOCALHOST", lname) == -1)
		die(EXIT_TEMP, DROP "names too long");
	if (flagremotehost) {
		remotehost = revname(remote, rlen);
		if (remotehost != NULL && flagparanoid &&
		    !paranoid_ok(remotehost, remote))
			remotehost = NULL;
	}
	if (cenv_add(c, "TCPREMOTEIP", rip) == -1 ||
	    cenv_add(c, "TCPREMOTEPORT", rport) == -1 ||
	    cenv_add(c, "TCPREMOTEHOST", remotehost) == -1)
		die(EXIT_TEMP, DROP "names too long");
	if (flagremoteinfo) {
		r = ident_query((struct sockaddr *)&local,
		    (const struct sockaddr *)remote, llen,
		    (unsigned)identtimeout, &info);
		if (r == -1)
			die(EXIT_TEMP, DROP "out of memory");
		haveinfo = r == 1 && memchr(info.s, '\0', info.len) == NULL;
	}
	if (cenv_add(c, "TCPREMOTEINFO", haveinfo ? info.s : NULL) == -1)
		die(EXIT_TEMP, DROP "names too long");
	if (fnrules != NULL) {
		r = cdbx_open(&db, fnrules);
		if (r == 0 && !flagallownorules)
			errno = ENOENT;
		if (r == -1 || (r == 0 && !flagallownorules))
			die(EXIT_TEMP, DROP "unable to read %s: %s", fnrules,
			    strerror(errno));
		if (r == 1) {
			r = rules_find(&db, rip, remotehost,
			    haveinfo ? info.s : NULL, &data, NULL);
			if (r == -1)
				die(EXIT_TEMP, DROP "unable to read %s: %s",
				    fnrules, strerror(errno));
			if (r == 1 && rules_apply(data.s, data.len, &deny,
			    setvar, c) == -1)
				die(EXIT_TEMP, DROP "too many variables in "
				    "the rule");
			cdbx_close(&db);
		}
	}
	if (verbosity >= 2) {
		str_notef(&line, "%s %ld ", deny ? "deny" : "ok",
		    (long)getpid());
		safecat(&line, lname);
		str_note(&line, ":");
		safecat(&line, lip);
		str_note(&line, ":");
		safecat(&line, lport);
		str_note(&line, " ");
		safecat(&line, remotehost);
		str_note(&line, ":");
		safecat(&line, rip);
		str_note(&line, ":");
		safecat(&line, haveinfo ? info.s : NULL);
		str_note(&line, ":");
		safecat(&line, rport);
		say(2, "%s", str_c(&line));
	}
	if (deny)
		_exit(EXIT_PERM);
}

/*
 * Names of local addresses for the fast path without -l.  The server
 * itself never waits for the DNS: the first connection to a local address
 * takes the forked way, and that child, having looked the name up, reports
 * it on a pipe ("<ip>\t<name>\n", one write of less than PIPE_BUF, so it
 * arrives whole).  Later connections to the address use the fast path with
 * the name until it is LNC_TTL seconds old.
 */
#define LNC_MAX	64
#define LNC_TTL	300

struct lnc {
	char	 ip[INET6_ADDRSTRLEN];
	char	 name[NI_MAXHOST];	/* "" when the address has no name */
	int	 named;
	time_t	 when;
};

static struct lnc lncache[LNC_MAX];
static size_t nlnc;
static int lncpipe[2] = { -1, -1 };

/* The cache entry for ip, or NULL (also when too old). */
static struct lnc *
lnc_get(const char *ip)
{
	time_t	 now = time(NULL);
	size_t	 i;

	for (i = 0; i < nlnc; i++)
		if (strcmp(lncache[i].ip, ip) == 0)
			return now - lncache[i].when < LNC_TTL &&
			    now >= lncache[i].when ? &lncache[i] : NULL;
	return NULL;
}

/* Remember one report "<ip>\t<name>" (name may be empty). */
static void
lnc_put(const char *line, size_t n)
{
	const char *tab = memchr(line, '\t', n);
	struct lnc *e = NULL;
	size_t	 i, lip, lname;

	if (tab == NULL)
		return;
	lip = (size_t)(tab - line);
	lname = n - lip - 1;
	if (lip == 0 || lip >= sizeof(e->ip) || lname >= sizeof(e->name))
		return;
	for (i = 0; i < nlnc; i++)
		if (strncmp(lncache[i].ip, line, lip) == 0 &&
		    lncache[i].ip[lip] == '\0')
			e = &lncache[i];
	if (e == NULL && nlnc < LNC_MAX)
		e = &lncache[nlnc++];
	if (e == NULL) {		/* full: replace the oldest */
		e = &lncache[0];
		for (i = 1; i < nlnc; i++)
			if (lncache[i].when < e->when)
				e = &lncache[i];
	}
	memcpy(e->ip, line, lip);
	e->ip[lip] = '\0';
	memcpy(e->name, tab + 1, lname);
	e->name[lname] = '\0';
	e->named = lname > 0;
	e->when = time(NULL);
}

/* Read what the children reported, without waiting. */
static void
lnc_drain(void)
{
	static char buf[8192];
	static size_t len;
	char	*nl;
	ssize_t	 r;

	if (lncpipe[0] == -1)
		return;
	while ((r = read(lncpipe[0], buf + len, sizeof(buf) - len)) > 0) {
		len += (size_t)r;
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			lnc_put(buf, (size_t)(nl - buf));
			len -= (size_t)(nl - buf) + 1;
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf))	/* cannot happen: one report is short */
			len = 0;
	}
}

/* In the forked child: report the local name found for ip. */
static void
lnc_report(const char *ip, const char *name)
{
	char	 buf[INET6_ADDRSTRLEN + NI_MAXHOST + 2];
	size_t	 li = strlen(ip), ln = name != NULL ? strlen(name) : 0;

	if (lncpipe[1] == -1 || li + ln + 2 > sizeof(buf) ||
	    (name != NULL && strpbrk(name, "\t\n") != NULL))
		return;
	memcpy(buf, ip, li);
	buf[li] = '\t';
	if (ln > 0)
		memcpy(buf + li + 1, name, ln);
	buf[li + 1 + ln] = '\n';
	(void)!write(lncpipe[1], buf, li + ln + 2);
}

/* Add a formatted "NAME=value" (or "NAME": remove) to the list. */
static int
addf(struct strlist *l, const char *fmt, ...)
{
	struct str v = STR_INIT(4096);
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = str_vprintf(&v, fmt, ap);
	va_end(ap);
	if (r == 0)
		r = strlist_adds(l, v.s);
	str_free(&v);
	return r;
}

/* A rule's variable for the fast path (an empty name is ignored). */
static int
addvar(void *arg, const char *nv)
{
	const char *eq = strchr(nv, '=');

	if (eq == NULL || eq == nv)
		return 0;
	return strlist_adds(arg, nv);
}

/*
 * The fast path, used when nothing per connection can block (-H -R -l,
 * no banner): the server applies the rules itself and starts prog with
 * tcpspawn, which copies no page tables.  A denied connection goes the
 * usual way (a forked child that logs and exits 100), so the log lines
 * stay those of the original.  1 done (started or dropped), 0 fork.
 */
static int
fast(int t, struct sockaddr_storage *remote, socklen_t rlen, char **argv,
    const sigset_t *mask)
{
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	struct strlist vars = STRLIST_INIT;
	struct str data = STR_INIT(RULES_DATA_MAX), line = STR_INIT(1024);
	struct cdbx db;
	char	 rip[INET6_ADDRSTRLEN], lip[INET6_ADDRSTRLEN];
	unsigned rp, lp;
	const char *lname = localhost;
	struct lnc *e;
	pid_t	 pid;
	int	 deny = 0, r, one = 1, ret = 1;

	rlen = unmap(remote, rlen);
	ipfmt(remote, rip, sizeof(rip), &rp);
	if (getsockname(t, (struct sockaddr *)&local, &llen) == -1) {
		say(1, DROP "unable to get local address: %s",
		    strerror(errno));
		return 1;
	}
	(void)unmap(&local, llen);
	ipfmt(&local, lip, sizeof(lip), &lp);
	if (lname == NULL) {
		lnc_drain();
		if ((e = lnc_get(lip)) == NULL)
			return 0;	/* a forked child looks it up */
		lname = e->named ? e->name : NULL;
	}
	if (flagkillopts && remote->ss_family == AF_INET)
		(void)setsockopt(t, IPPROTO_IP, IP_OPTIONS, NULL, 0);
	if (!flagdelay)
		(void)setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	if (addf(&vars, "PROTO=TCP") == -1 ||
	    addf(&vars, "TCPLOCALIP=%s", lip) == -1 ||
	    addf(&vars, "TCPLOCALPORT=%u", lp) == -1 ||
	    (lname != NULL ? addf(&vars, "TCPLOCALHOST=%s", lname) :
	    addf(&vars, "TCPLOCALHOST")) == -1 ||
	    addf(&vars, "TCPREMOTEIP=%s", rip) == -1 ||
	    addf(&vars, "TCPREMOTEPORT=%u", rp) == -1 ||
	    addf(&vars, "TCPREMOTEHOST") == -1 ||	/* removed */
	    addf(&vars, "TCPREMOTEINFO") == -1)
		goto nomem;
	if (fnrules != NULL) {
		r = cdbx_open(&db, fnrules);
		if (r == 0 && !flagallownorules) {
			r = -1;
			errno = ENOENT;
		}
		if (r == 1) {
			r = rules_find(&db, rip, NULL, NULL, &data, NULL);
			if (r == 1 && rules_apply(data.s, data.len, &deny,
			    addvar, &vars) == -1)
				r = -1;
			cdbx_close(&db);
		}
		if (r == -1) {
			say(1, DROP "unable to read %s: %s", fnrules,
			    strerror(errno));
			goto out;
		}
		if (deny) {
			ret = 0;
			goto out;
		}
	}
	if ((pid = tcpspawn_start(t, argv, &vars, mask)) == -1) {
		say(1, DROP "unable to fork: %s", strerror(errno));
		goto out;
	}
	numchildren++;
	printstatus();
	if (verbosity >= 2) {
		say(2, "pid %ld from %s", (long)pid, rip);
		str_notef(&line, "ok %ld ", (long)pid);
		safecat(&line, lname);
		str_notef(&line, ":%s:%u :%s::%u", lip, lp, rip, rp);
		say(2, "%s", str_c(&line));
	}
	goto out;
nomem:
	say(1, DROP "out of memory");
out:
	strlist_free(&vars);
	str_free(&data);
	str_free(&line);
	return ret;
}

/* Resolve host and port into the address to bind. */
static void
setup(const char *host, const char *port, struct sockaddr_storage *ss,
    socklen_t *len_r)
{
	struct sockaddr_in *s4 = (void *)ss;
	struct sockaddr_in6 *s6 = (void *)ss;
	struct addrinfo hints, *res;
	struct servent *se;
	unsigned long p;

	if (num_parses(port, 65535, &p) == -1) {
		if ((se = getservbyname(port, "tcp")) == NULL)
			die(EXIT_TEMP, "fatal: unable to figure out port "
			    "number for %s", port);
		p = ntohs((uint16_t)se->s_port);
	}
	memset(ss, 0, sizeof(*ss));
	if (strcmp(host, "") == 0 || strcmp(host, "0") == 0)
		host = "0.0.0.0";
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len_r = sizeof(*s4);
		return;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len_r = sizeof(*s6);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 ||
	    res->ai_addrlen > sizeof(*ss))
		die(EXIT_TEMP, "fatal: no IP address for %s", host);
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len_r = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET6)
		s6->sin6_port = htons((uint16_t)p);
	else
		s4->sin_port = htons((uint16_t)p);
}

static unsigned long
optnum(const char *s, unsigned long max)
{
	unsigned long v;

	if (num_parses(s, max, &v) == -1)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss, remote;
	socklen_t len, rlen;
	struct sigaction sa;
	sigset_t chld, old;
	unsigned long uid = 0, gid = 0;
	const char *x;
	int	 s, t, c, one = 1, zero = 0, fd, usefast;
	struct cenv cenv;
	unsigned port;
	char	 ip[INET6_ADDRSTRLEN];

	while ((c = getopt(argc, argv,
	    "+dDvqQhHrR1UXx:t:T:u:g:l:b:B:c:pPoO")) != -1) {
		switch (c) {
		case 'b': backlog = optnum(optarg, 65535); break;
		case 'c': limit = optnum(optarg, 1000000); break;
		case 'X': flagallownorules = 1; break;
		case 'x': fnrules = optarg; break;
		case 'B': banner = optarg; break;
		case 'd': flagdelay = 1; break;
		case 'D': flagdelay = 0; break;
		case 'v': verbosity = 2; break;
		case 'q': verbosity = 0; break;
		case 'Q': verbosity = 1; break;
		case 'P': flagparanoid = 0; break;
		case 'p': flagparanoid = 1; break;
		case 'O': flagkillopts = 1; break;
		case 'o': flagkillopts = 0; break;
		case 'H': flagremotehost = 0; break;
		case 'h': flagremotehost = 1; break;
		case 'R': flagremoteinfo = 0; break;
		case 'r': flagremoteinfo = 1; break;
		case 't': identtimeout = optnum(optarg, 86400); break;
		case 'T':
			/* tcpclient's "x+y" form is taken as x+y seconds. */
			if ((x = strchr(optarg, '+')) != NULL) {
				struct str a = STR_INIT(32);

				if (str_copyb(&a, optarg,
				    (size_t)(x - optarg)) == -1)
					usage();
				dnstimeout = optnum(a.s, 3600) +
				    optnum(x + 1, 3600);
				str_free(&a);
			} else
				dnstimeout = optnum(optarg, 3600);
			break;
		case 'u': uid = optnum(optarg, (uid_t)-2); break;
		case 'g': gid = optnum(optarg, (gid_t)-2); break;
		case 'U':
			if ((x = getenv("UID")) != NULL)
				uid = optnum(x, (uid_t)-2);
			if ((x = getenv("GID")) != NULL)
				gid = optnum(x, (gid_t)-2);
			break;
		case '1': flag1 = 1; break;
		case 'l': localhost = optarg; break;
		default: usage();
		}
	}
	argv += optind;
	if (argc - optind < 3 || limit == 0)
		usage();

	setup(argv[0], argv[1], &ss, &len);
	if ((s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die(EXIT_TEMP, "fatal: unable to create socket: %s",
		    strerror(errno));
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* "::" takes IPv4 clients too; they appear with dotted addresses. */
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
		    sizeof(zero));
	if (bind(s, (struct sockaddr *)&ss, len) == -1)
		die(EXIT_TEMP, "fatal: unable to bind: %s", strerror(errno));
	len = sizeof(ss);
	if (getsockname(s, (struct sockaddr *)&ss, &len) == -1)
		die(EXIT_TEMP, "fatal: unable to get local address: %s",
		    strerror(errno));
	ipfmt(&ss, ip, sizeof(ip), &port);
	if (listen(s, (int)backlog) == -1)
		die(EXIT_TEMP, "fatal: unable to listen: %s", strerror(errno));
	if (flag1) {
		printf("%u\n", port);
		if (fflush(stdout) != 0)
			die(EXIT_TEMP, "fatal: unable to print port: %s",
			    strerror(errno));
	}
	if (gid != 0 || uid != 0) {
		if (priv_drop(uid != 0 ? (uid_t)uid : getuid(),
		    gid != 0 ? (gid_t)gid : getgid()) == -1)
			die(EXIT_TEMP, "fatal: unable to set uid/gid: %s",
			    strerror(errno));
	}
	/* fds 0 and 1 become /dev/null: the caller's stdout sees EOF, and
	 * accept(2) never hands out 0 or 1. */
	if ((fd = open("/dev/null", O_RDWR)) == -1 || dup2(fd, 0) == -1 ||
	    dup2(fd, 1) == -1)
		die(EXIT_TEMP, "fatal: unable to open /dev/null: %s",
		    strerror(errno));
	if (fd > 2)
		close(fd);

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = sigchld;	/* no SA_RESTART: accept is interrupted */
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = sigterm;
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigdelset(&old, SIGCHLD);

	usefast = !flagremotehost && !flagremoteinfo && *banner == '\0' &&
	    getenv("TCPSERVER_NOFAST") == NULL;
	if (usefast && localhost == NULL &&
	    pipe2(lncpipe, O_CLOEXEC | O_NONBLOCK) == -1)
		usefast = 0;
	tcpspawn_quiet = verbosity == 0;
	printstatus();
	for (;;) {
		while ((unsigned long)numchildren >= limit)
			sigsuspend(&old);
		sigprocmask(SIG_UNBLOCK, &chld, NULL);
		rlen = sizeof(remote);
		t = accept4(s, (struct sockaddr *)&remote, &rlen, SOCK_CLOEXEC);
		sigprocmask(SIG_BLOCK, &chld, NULL);
		if (t == -1) {
			/* Out of descriptors or memory: wait, do not spin. */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				(void)poll(NULL, 0, 100);
			continue;
		}
		if (usefast && fast(t, &remote, rlen, argv + 2, &old)) {
			close(t);
			continue;
		}
		numchildren++;
		printstatus();
		switch (fork()) {
		case 0:
			cenv.n = cenv.used = 0;
			close(s);
			doit(t, &remote, rlen, &cenv);
			if (dup2(t, 0) == -1 || dup2(t, 1) == -1)
				die(EXIT_TEMP, DROP "unable to set up "
				    "descriptors: %s", strerror(errno));
			close(t);
			sa.sa_handler = SIG_DFL;
			sigaction(SIGCHLD, &sa, NULL);
			sigaction(SIGTERM, &sa, NULL);
			sigaction(SIGPIPE, &sa, NULL);
			sigprocmask(SIG_SETMASK, &old, NULL);
			sigprocmask(SIG_UNBLOCK, &chld, NULL);
			cenv_exec(&cenv, argv + 2);
			die(EXIT_TEMP, DROP "unable to run %s: %s", argv[2],
			    strerror(errno));
		case -1:
			say(1, DROP "unable to fork: %s", strerror(errno));
			numchildren--;
			printstatus();
		}
		close(t);
	}
}
