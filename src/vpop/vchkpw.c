/*
 * vchkpw, vchkpwsmtp - the checkpassword programs of the vpopmail store
 * (vpopmail.md §6, ucspi-tcp.md §5).  "vchkpw prog args..." is run by
 * qmail-popup (and the IMAP server and webmail) as root; "vchkpwsmtp
 * prog" by qmail-smtpd for SMTP AUTH.  Reads "login\0password\0[stamp]\0"
 * from fd 3 (at most 512 bytes), checks the password with crypt(3) (or,
 * against the clear-text column, CRAM-MD5 when vchkpwsmtp gets a
 * challenge and APOP when vchkpw's stamp is qmail-popup's greeting), then for POP/IMAP/webmail switches to the domain's uid/gid,
 * changes to the user's directory, sets USER, HOME, SHELL=NOLOGIN,
 * VPOPUSER, records POP-before-SMTP and execs prog; vchkpwsmtp execs prog
 * at once.  The service (which gid flag refuses the login) is chosen by:
 * $VCHKPW_SERVICE (pop3, imap, webmail, smtp), else the program name
 * (vchkpwsmtp = smtp), else $TCPLOCALPORT (110/995 pop3, 143/993 imap,
 * 25/465/587 smtp), else prog's name ("imap" -> imap, "webmail" ->
 * webmail), else pop3.  Trusts nothing on fd 3; logs to syslog (mail) and
 * in an instance to log/maillog, never the password.
 * Every login goes through the failed-login limiter (loginfail.h,
 * control/loginfail-*): a locked-out address or account is refused before
 * the password is looked at, an attempt too soon after a failure waits
 * (at most LIMIT_WAIT seconds, else it is refused), and every refusal
 * with a login name is counted against the client's address and the
 * account; a lockout is logged once ("lockout address ..."), for
 * fail2ban (etc/fail2ban).
 * Exit codes (vpopmail 5.2.2): 1 service refused by a flag, 3 no such
 * user or bad password, 5 cannot switch to the domain's uid/gid
 * (priv_drop), 6 cannot enter the user directory, 11 fd 3 unreadable,
 * 12 empty login, 13 empty password, 15 account without password, 16
 * too many failed logins (the limiter; hsmail's), 20 bad characters, 111
 * temporary trouble (store unreadable).
 */
#include <sys/auxv.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "checkpw.h"
#include "chkcram.h"
#include "err.h"
#include "file.h"
#include "log.h"
#include "loginfail.h"
#include "maildir.h"
#include "num.h"
#include "priv.h"
#include "relay.h"
#include "root.h"
#include "vpop.h"

#define CHKPW_TIMEOUT_MS 10000	/* fd 3 is a local pipe: 10 s is plenty */
#define CHKPW_FAIL_DELAY 2	/* seconds of sleep after a failure */
#define LIMIT_WAIT	20	/* longest wait for the limiter's delay */
#define EXIT_LIMIT	CHECKPW_EXIT_LIMIT	/* refused by the limiter */

enum service { SVC_POP3, SVC_IMAP, SVC_WEBMAIL, SVC_SMTP };
static const char *svc_name[] = { "pop3", "imap", "webmail", "smtp" };

static const char *progname = "vchkpw";
static struct str who = STR_INIT(512);	/* user@domain:ip for the log */
static const char *ip;			/* the client's address */
/* The limiter: its table (-1 none), settings, the account's key and the
 * secret tried (to tell a repeated wrong password). */
static int	 lf_fd = -1;
static struct loginfail_conf lf_conf;
static struct str account = STR_INIT(600);
static char	*secret;
static size_t	 secretlen;
static char	*fd3buf;

static void	chk_log(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static void	chk_fail(int, const char *);
static void	lf_setup(void);
static void	lf_check(void);
static void	lf_count(void);
static enum service chk_service(int, char **, int);

/* One line to syslog and, in an instance, to log/maillog. */
static void
chk_log(const char *fmt, ...)
{
	struct str line = STR_INIT(2048), path = STR_INIT(4096);
	char	 buf[1024], host[256], stamp[64];
	va_list	 ap;
	time_t	 now = time(NULL);
	struct tm tm;
	int	 fd;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	syslog(LOG_MAIL | LOG_NOTICE, "%s", buf);
	if (!root_is_instance())
		return;
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
	if (str_printf(&line, "%s %s %s[%ld]: ", stamp, host, progname,
	    (long)getpid()) == 0 && log_print_cat(&line, buf, strlen(buf)) ==
	    0 && str_catc(&line, '\n') == 0 &&
	    root_path(&path, ROOT_LOG, "maillog") == 0 &&
	    (fd = open(path.s, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) != -1) {
		(void)file_writeall(fd, line.s, line.len);
		close(fd);
	}
	str_free(&line);
	str_free(&path);
}

/* Log, count the failure (limiter), wait a little, wipe, exit. */
static void
chk_fail(int code, const char *what)
{
	const char *e = secure_getenv("VCHKPW_FAIL_DELAY");
	unsigned long d = CHKPW_FAIL_DELAY;

	chk_log("%s: %s %s", progname, what, str_c(&who));
	lf_count();
	if (fd3buf != NULL)
		explicit_bzero(fd3buf, CHECKPW_DATA_MAX + 1);
	if (e != NULL && num_parses(e, 10, &d) == -1)
		d = CHKPW_FAIL_DELAY;
	if (d > 0)
		sleep((unsigned)d);
	exit(code);
}

/* Open the limiter's table and read its settings; without them the
 * login goes on unlimited (logged). */
static void
lf_setup(void)
{
	if (loginfail_conf_read(&lf_conf) == -1) {
		chk_log("%s: warning: bad control/loginfail-* file: %s; "
		    "using the defaults", progname, strerror(errno));
		loginfail_conf_default(&lf_conf);
	}
	if ((lf_fd = loginfail_open(NULL)) == -1)
		chk_log("%s: warning: no login limiter: cannot open %s: %s",
		    progname, LOGINFAIL_FILE, strerror(errno));
}

/*
 * Refuse a locked-out address or account before the password is looked
 * at; wait out a short delay after a recent failure.
 */
static void
lf_check(void)
{
	struct loginfail_state st;
	time_t	 now, waited = 0;

	if (lf_fd == -1)
		return;
	for (;;) {
		now = time(NULL);
		if (loginfail_check(lf_fd, &lf_conf, ip, str_c(&account), now,
		    &st) == -1) {
			chk_log("%s: warning: cannot read the login limiter's "
			    "table: %s", progname, strerror(errno));
			return;
		}
		if (st.verdict == LOGINFAIL_OK)
			return;
		if (st.verdict == LOGINFAIL_LOCKED ||
		    waited + (st.until - now) > LIMIT_WAIT)
			break;
		sleep((unsigned)(st.until - now));
		waited += st.until - now;
	}
	chk_log("%s: login refused, %s %s %s", progname,
	    st.by_account ? "account" : "address",
	    st.verdict == LOGINFAIL_LOCKED ? "locked out" : "too many failures",
	    str_c(&who));
	if (fd3buf != NULL)
		explicit_bzero(fd3buf, CHECKPW_DATA_MAX + 1);
	exit(EXIT_LIMIT);
}

/* Count the failure just logged; log a lockout it starts. */
static void
lf_count(void)
{
	struct loginfail_event ev;

	if (lf_fd == -1)
		return;
	if (loginfail_failed(lf_fd, &lf_conf, ip, str_c(&account),
	    secret != NULL ? secret : "", secretlen, time(NULL), &ev) == -1) {
		chk_log("%s: warning: cannot count a failed login: %s",
		    progname, strerror(errno));
		return;
	}
	if (ev.addr_locked)
		chk_log("%s: lockout address %s for %lu s after %lu failed "
		    "logins (last user %s)", progname, ip, lf_conf.lockout,
		    ev.addr_count, account.len > 0 ? account.s : "unknown");
	if (ev.user_locked)
		chk_log("%s: lockout user %s for %lu s after %lu failed logins "
		    "(last address %s)", progname, account.s, lf_conf.lockout,
		    ev.user_count, ip);
}

static enum service
chk_service(int smtp_name, char **prog, int nprog)
{
	const char *e = getenv("VCHKPW_SERVICE"), *port = getenv("TCPLOCALPORT");
	const char *p;
	unsigned long n;
	int	 i;

	if (e != NULL)
		for (i = 0; i < 4; i++)
			if (strcmp(e, svc_name[i]) == 0)
				return (enum service)i;
	if (smtp_name)
		return SVC_SMTP;
	if (port != NULL && num_parses(port, 65535, &n) == 0) {
		if (n == 110 || n == 995)
			return SVC_POP3;
		if (n == 143 || n == 993)
			return SVC_IMAP;
		if (n == 25 || n == 465 || n == 587)
			return SVC_SMTP;
	}
	if (nprog > 0) {
		p = strrchr(prog[0], '/');
		p = p != NULL ? p + 1 : prog[0];
		if (strstr(p, "imap") != NULL)
			return SVC_IMAP;
		if (strstr(p, "webmail") != NULL)
			return SVC_WEBMAIL;
	}
	return SVC_POP3;
}

int
main(int argc, char **argv)
{
	static const unsigned long refuse[] = { VPOP_NO_POP, VPOP_NO_IMAP,
	    VPOP_NO_WEBMAIL, VPOP_NO_SMTP };
	struct vpop_domain d;
	struct vpop_pw pw;
	struct str user = STR_INIT(256), domain = STR_INIT(256);
	struct str md = STR_INIT(4096), typed = STR_INIT(CHECKPW_DATA_MAX);
	char	 buf[CHECKPW_DATA_MAX + 1];
	struct checkpw_fields f;
	const char *base, *login, *pass, *stamp;
	size_t	 len;
	enum service svc;
	int	 r, smtp_name, secure, cram;

	base = argc > 0 && strrchr(argv[0], '/') != NULL ?
	    strrchr(argv[0], '/') + 1 : argc > 0 ? argv[0] : "vchkpw";
	smtp_name = strcmp(base, "vchkpwsmtp") == 0;
	/*
	 * Installed set-uid vpopmail (vchkpwsmtp, so that qmail-smtpd running
	 * as qmaild can read the store), it is the SMTP check whatever argv[0]
	 * and the environment say: no relay record, no directory change, and
	 * the caller's own ids back before prog runs.
	 */
	secure = getauxval(AT_SECURE) != 0;
	if (secure)
		smtp_name = 1;
	progname = smtp_name ? "vchkpwsmtp" : "vchkpw";
	if (priv_fds_sane() == -1)	/* set-uid: the caller's descriptors */
		return EXIT_TEMP;
	log_init(progname);
	openlog(progname, LOG_PID, LOG_MAIL);
	ip = getenv("TCPREMOTEIP");
	if (ip == NULL || *ip == '\0' || strlen(ip) > 100)
		ip = "unknown";
	if (argc < 2) {
		fprintf(stderr, "usage: %s prog [args...]\n", progname);
		return 2;
	}
	svc = secure ? SVC_SMTP : chk_service(smtp_name, argv + 1, argc - 1);
	if (checkpw_read(3, buf, CHECKPW_DATA_MAX, &len, CHKPW_TIMEOUT_MS) ==
	    -1)
		chk_fail(11, "cannot read fd 3 from");
	close(3);
	buf[len] = '\0';	/* so that every field is a C string */
	fd3buf = buf;
	(void)checkpw_parse(buf, len, &f);
	login = f.login;
	pass = f.pass;
	stamp = f.stamp;
	secret = buf + (pass - buf);
	secretlen = f.passlen;
	lf_setup();
	if (str_copys(&typed, login) == -1)
		return EXIT_TEMP;	/* out of memory */
	str_notef(&who, "%.100s:%s", login, ip);
	for (len = 0; len < who.len; len++)
		if (who.s[len] == '%')
			who.s[len] = '#';	/* as vpopmail logs it */
	if (*login == '\0') {
		lf_check();
		chk_fail(12, "empty login from");
	}
	if (vpop_login_split(login, &user, &domain) == -1) {
		lf_check();
		chk_fail(20, "invalid characters in login");
	}
	str_clear(&who);
	str_notef(&who, "%s@%s:%s", user.s, domain.s, ip);
	vpop_domain_init(&d);
	vpop_pw_init(&pw);
	r = domain.len == 0 ? 0 : vpop_domain_get(domain.s, &d);
	/* The account counts under its real domain (alias domains too). */
	if (str_printf(&account, "%s@%s", user.s, r == 1 ? d.name.s :
	    domain.s) == -1)
		return EXIT_TEMP;
	lf_check();
	if (*pass == '\0')
		chk_fail(13, "empty password for");
	if (r == 0)
		chk_fail(3, "vpopmail user not found");
	if (r == -1 || (r = vpop_pw_get(&d, user.s, &pw)) == -1) {
		chk_log("%s: cannot read the user database for %s: %s",
		    progname, who.s, strerror(errno));
		return EXIT_TEMP;
	}
	if (r == 0)
		chk_fail(3, "vpopmail user not found");
	/* A stamp from vchkpwsmtp's caller or from imaplogin is a CRAM-MD5
	 * challenge: the "password" is the client's HMAC-MD5 digest. */
	cram = *stamp != '\0' && (smtp_name || svc == SVC_IMAP);
	if (pw.passwd.len == 0 && !cram)
		chk_fail(15, "account without password");
	r = cram ? chkcram_check(&pw, pass, stamp) : vpop_pw_check(&pw, pass);
	/* qmail-popup passes its greeting's timestamp with every login; an
	 * APOP client sent MD5(timestamp password) instead of a password. */
	if (r == 0 && !smtp_name && svc != SVC_IMAP)
		r = chkapop_check(&pw, pass, stamp);
	if (r == 0)
		chk_fail(3, "password fail");
	explicit_bzero(buf, sizeof(buf));
	fd3buf = NULL;
	secret = NULL;
	if (r == -1) {
		chk_log("%s: password check error for %s", progname, who.s);
		return EXIT_TEMP;
	}
	if (lf_fd != -1 && loginfail_success(lf_fd, &lf_conf, ip,
	    str_c(&account), time(NULL)) == -1)
		chk_log("%s: warning: cannot record a good login: %s",
		    progname, strerror(errno));
	if (lf_fd != -1) {
		close(lf_fd);
		lf_fd = -1;
	}
	if (pw.gid & refuse[svc]) {
		chk_log("%s: %s access denied %s", progname, svc_name[svc],
		    who.s);
		return 1;
	}
	chk_log("%s: login success %s %s", progname, svc_name[svc], who.s);
	if (svc == SVC_SMTP) {
		if (secure && (setresgid(getgid(), getgid(), getgid()) == -1 ||
		    setresuid(getuid(), getuid(), getuid()) == -1)) {
			chk_log("%s: cannot drop privileges: %s", progname,
			    strerror(errno));
			return EXIT_TEMP;
		}
		execvp(argv[1], argv + 1);
		chk_log("%s: cannot run %s: %s", progname, argv[1],
		    strerror(errno));
		return EXIT_TEMP;
	}
	if ((svc == SVC_POP3 || svc == SVC_IMAP) &&
	    !(pw.gid & VPOP_NO_RELAY) && strcmp(ip, "unknown") != 0 &&
	    relay_open(ip, time(NULL)) == -1)
		chk_log("%s: warning: cannot open relay for %s: %s", progname,
		    who.s, strerror(errno));
	if (geteuid() == 0 && priv_drop((uid_t)d.uid, (gid_t)d.gid) == -1) {
		chk_log("%s: cannot switch to uid %lu gid %lu for %s: %s",
		    progname, d.uid, d.gid, who.s, strerror(errno));
		return 5;
	}
	if (str_printf(&md, "%s/Maildir", pw.dir.s) == -1)
		return EXIT_TEMP;
	if (access(md.s, F_OK) == -1 && (file_mkdirs(pw.dir.s, 0750) == -1 ||
	    maildir_make(md.s, 0700) == -1))
		return 14;
	if (chdir(pw.dir.s) == -1)
		return 6;
	if (setenv("USER", user.s, 1) == -1)
		return 7;
	if (setenv("HOME", pw.dir.s, 1) == -1)
		return 8;
	if (setenv("SHELL", "NOLOGIN", 1) == -1)
		return 9;
	if (setenv("VPOPUSER", str_c(&typed), 1) == -1)
		return 10;
	execvp(argv[1], argv + 1);
	chk_log("%s: cannot run %s: %s", progname, argv[1], strerror(errno));
	return EXIT_TEMP;
}
