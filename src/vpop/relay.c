/*
 * relay - POP-before-SMTP: open-smtp and the tcp.smtp.cdb rebuild through
 * tcprules (see relay.h).  Runs inside vchkpw and clearopensmtp; the
 * client IP comes from tcpserver's TCPREMOTEIP and is checked before it
 * is written into a rules file.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "file.h"
#include "num.h"
#include "relay.h"
#include "root.h"

#define RELAY_FILE_MAX	(16UL * 1024 * 1024)
#define RELAY_RULE	":allow,RELAYCLIENT=\"\",RBLSMTPD=\"\""

static int	relay_ip_ok(const char *);
static int	relay_lock(void);
static int	relay_rebuild(const char *);
static int	relay_tcprules(struct str *);
static void	relay_chown(const char *);
struct relay_edit;
static int	relay_keep_other(const char *, size_t, struct relay_edit *);
static int	relay_keep_young(const char *, size_t, struct relay_edit *);
static int	relay_rewrite(int (*)(const char *, size_t,
		    struct relay_edit *), struct relay_edit *);

/* As root, give a file to user vpopmail as vpopmail does. */
static void
relay_chown(const char *rel)
{
	struct str p = STR_INIT(4096);
	struct passwd *pw;

	if (geteuid() == 0 && (pw = getpwnam("vpopmail")) != NULL &&
	    root_path(&p, ROOT_VPOPMAIL, rel) == 0 &&
	    chown(p.s, pw->pw_uid, pw->pw_gid) == -1)
		p.len = 0;	/* best effort: root can still read it */
	str_free(&p);
}

/* Only digits, hex, '.' and ':' (a rule key must not hold ',' or '='). */
static int
relay_ip_ok(const char *ip)
{
	size_t	 n = strlen(ip);

	return n > 0 && n < 64 && strspn(ip, "0123456789abcdefABCDEF.:") == n;
}

static int
relay_lock(void)
{
	struct str p = STR_INIT(4096);
	int	 fd = -1;

	if (root_path(&p, ROOT_VPOPMAIL, "etc/open-smtp.lock") == 0)
		fd = open(p.s, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	str_free(&p);
	if (fd == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

/* Find tcprules: next to vpopmail's and qmail's programs, else in PATH. */
static int
relay_tcprules(struct str *out)
{
	static const enum root_tree trees[] = { ROOT_VPOPMAIL, ROOT_QMAIL };
	size_t	 i;

	for (i = 0; i < 2; i++) {
		str_clear(out);
		if (root_path(out, trees[i], "bin/tcprules") == -1)
			return -1;
		if (access(out->s, X_OK) == 0)
			return 0;
	}
	return str_copys(out, "tcprules");
}

/* Run "tcprules tcp.smtp.cdb tcp.smtp.tmp.<pid>" on the open-smtp lines
 * (cut at the TAB) followed by tcp.smtp. */
static int
relay_rebuild(const char *opensmtp)
{
	struct child_spec cs;
	struct str prog = STR_INIT(4096), cdb = STR_INIT(4096);
	struct str tmp = STR_INIT(4096), rules = STR_INIT(4096);
	struct str in = STR_INIT(RELAY_FILE_MAX * 2), text = STR_INIT(RELAY_FILE_MAX);
	const char *p, *end, *nl, *tab;
	char	*argv[4];
	int	 pp[2] = { -1, -1 }, status, r = -1;
	pid_t	 pid;
	void	(*old)(int);

	if (relay_tcprules(&prog) == -1 ||
	    root_path(&cdb, ROOT_VPOPMAIL, "etc/tcp.smtp.cdb") == -1 ||
	    root_path(&rules, ROOT_VPOPMAIL, "etc/tcp.smtp") == -1 ||
	    str_printf(&tmp, "%s.tmp.%ld", rules.s, (long)getpid()) == -1 ||
	    str_cats(&in, "") == -1)
		goto out;
	for (p = opensmtp, end = p + strlen(p); p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		tab = memchr(p, '\t', (size_t)(nl - p));
		if (str_catb(&in, p, (size_t)((tab != NULL ? tab : nl) - p)) ==
		    -1 || str_catc(&in, '\n') == -1)
			goto out;
	}
	if (file_read(rules.s, &text) == -1 || str_cat(&in, &text) == -1)
		goto out;
	if (pipe2(pp, O_CLOEXEC) == -1)
		goto out;
	argv[0] = prog.s;
	argv[1] = cdb.s;
	argv[2] = tmp.s;
	argv[3] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = pp[0];
	if ((pid = child_start(&cs)) == -1)
		goto out;
	close(pp[0]);
	pp[0] = -1;
	old = signal(SIGPIPE, SIG_IGN);
	(void)file_writeall(pp[1], in.s, in.len);
	close(pp[1]);
	pp[1] = -1;
	signal(SIGPIPE, old);
	if (child_wait(pid, &status) == 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		relay_chown("etc/tcp.smtp.cdb");
		relay_chown("etc/open-smtp");
		r = 0;
	} else
		errno = EIO;
out:
	if (pp[0] != -1)
		close(pp[0]);
	if (pp[1] != -1)
		close(pp[1]);
	str_free(&prog);
	str_free(&cdb);
	str_free(&tmp);
	str_free(&rules);
	str_free(&in);
	str_free(&text);
	return r;
}

/* What relay_rewrite keeps of open-smtp, and what it adds. */
struct relay_edit {
	const char *ip;		/* relay_open: the client's lines go */
	size_t	 ipl;
	int	 listed;	/* relay_open: it had a line */
	long	 minutes;	/* relay_clear: older lines go */
	time_t	 now;
};

/* 1 if relay_open keeps this open-smtp line (not the client's). */
static int
relay_keep_other(const char *p, size_t n, struct relay_edit *e)
{
	if (n > e->ipl && memcmp(p, e->ip, e->ipl) == 0 && p[e->ipl] == ':') {
		e->listed = 1;
		return 0;
	}
	return 1;
}

/* 1 if relay_clear keeps this open-smtp line (young enough, readable). */
static int
relay_keep_young(const char *p, size_t n, struct relay_edit *e)
{
	struct str num = STR_INIT(32);
	const char *tab = memchr(p, '\t', n);
	unsigned long t;
	int	 ok;

	ok = tab != NULL && str_copyb(&num, tab + 1,
	    (size_t)(p + n - tab - 1)) == 0 &&
	    num_parses(num.s, (unsigned long)-1 / 2, &t) == 0 &&
	    (long long)t + e->minutes * 60 > (long long)e->now;
	str_free(&num);
	return ok;		/* a damaged line is dropped */
}

/*
 * Rewrite open-smtp under the store's relay lock: the non-empty lines
 * keep() accepts, then the line "<ip>RULE\t<now>" when e->ip is set;
 * replaced atomically.  Then tcp.smtp.cdb is rebuilt, unless the client
 * was listed already (its rule is there).  0, or -1 (errno).
 */
static int
relay_rewrite(int (*keep)(const char *, size_t, struct relay_edit *),
    struct relay_edit *e)
{
	struct str path = STR_INIT(4096), text = STR_INIT(RELAY_FILE_MAX);
	struct str out = STR_INIT(RELAY_FILE_MAX);
	const char *p, *end, *nl;
	int	 lock, r = -1;

	if ((lock = relay_lock()) == -1)
		return -1;
	if (root_path(&path, ROOT_VPOPMAIL, "etc/open-smtp") == -1 ||
	    file_read(path.s, &text) == -1 || str_cats(&out, "") == -1)
		goto out;
	for (p = str_c(&text), end = p + text.len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl == p || !keep(p, (size_t)(nl - p), e))
			continue;
		if (str_catb(&out, p, (size_t)(nl - p)) == -1 ||
		    str_catc(&out, '\n') == -1)
			goto out;
	}
	if (e->ip != NULL && str_printf(&out, "%s" RELAY_RULE "\t%lld\n",
	    e->ip, (long long)e->now) == -1)
		goto out;
	if (file_replace(path.s, out.s, out.len, 0644) == -1)
		goto out;
	r = e->listed ? 0 : relay_rebuild(out.s);
out:
	close(lock);
	str_free(&path);
	str_free(&text);
	str_free(&out);
	return r;
}

int
relay_open(const char *ipin, time_t now)
{
	struct relay_edit e = { ipin, 0, 0, 0, now };

	if (strncmp(e.ip, "::ffff:", 7) == 0 && strchr(e.ip + 7, '.') != NULL)
		e.ip += 7;
	if (!relay_ip_ok(e.ip)) {
		errno = EINVAL;
		return -1;
	}
	e.ipl = strlen(e.ip);
	return relay_rewrite(relay_keep_other, &e);
}

int
relay_clear(long minutes, time_t now)
{
	struct relay_edit e = { NULL, 0, 0, minutes, now };

	return relay_rewrite(relay_keep_young, &e);
}
