/*
 * qmail-remote - send one message to a remote host over SMTP.
 * Usage: qmail-remote host sender recip...  The message is on fd 0.
 * Run by qmail-rspawn as qmailr.  Reads control/ (trusted); trusts
 * nothing from DNS or the remote server.  Writes its report to fd 1 in
 * the format qmail-rspawn reads (qmail-remote(8)) and always exits 0,
 * as qmail's does: the report says what happened.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <errno.h>
#include <ifaddrs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "dns.h"
#include "file.h"
#include "log.h"
#include "num.h"
#include "remote_route.h"
#include "remote_smtp.h"
#include "str.h"
#include "tls.h"

static struct str out = STR_INIT(STR_UNBOUNDED);
static struct str cafile = STR_INIT(4096);
static int tlsverify, tlstried;
static SSL_CTX *tlsctx;
static struct ifaddrs *ifs;

static void	finish(void) __attribute__((__noreturn__));
static void	die(const char *) __attribute__((__noreturn__));
static void	die_nomem(void) __attribute__((__noreturn__));
static void	die_control(void) __attribute__((__noreturn__));
static int	ipme(const struct dns_addr *);
static int	tcp_connect(const struct dns_addr *, unsigned long, unsigned);
static int	unsafe(const char *);
static SSL_CTX	*tls_ctx(void);

/* The TLS context, made once, when a server first offers STARTTLS. */
static SSL_CTX *
tls_ctx(void)
{
	if (!tlstried) {
		tlstried = 1;
		tlsctx = tls_client_ctx(cafile.len ? str_c(&cafile) : NULL,
		    tlsverify, NULL);
	}
	return tlsctx;
}

/* Write the report and leave: qmail-remote always exits 0. */
static void
finish(void)
{
	(void)file_writeall(1, out.s, out.len);
	_exit(0);
}

/* One final record (letter and text, ending in a newline). */
static void
die(const char *rec)
{
	if (str_cats(&out, rec) == -1 || str_catc(&out, '\0') == -1)
		_exit(111);
	finish();
}

static void
die_nomem(void)
{
	str_clear(&out);
	die("ZOut of memory. (#4.3.0)\n");
}

static void
die_control(void)
{
	die("ZUnable to read control files. (#4.3.0)\n");
}

/* 1 if a is one of this host's addresses (qmail's ipme). */
static int
ipme(const struct dns_addr *a)
{
	struct ifaddrs *i;

	if (ifs == NULL && getifaddrs(&ifs) == -1)
		return 0;
	for (i = ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != a->af)
			continue;
		if (a->af == AF_INET && memcmp(&((struct sockaddr_in *)
		    (void *)i->ifa_addr)->sin_addr, a->a, 4) == 0)
			return 1;
		if (a->af == AF_INET6 && memcmp(&((struct sockaddr_in6 *)
		    (void *)i->ifa_addr)->sin6_addr, a->a, 16) == 0)
			return 1;
	}
	return 0;
}

/* Connect within timeout seconds.  The socket (non-blocking), or -1. */
static int
tcp_connect(const struct dns_addr *a, unsigned long port, unsigned timeout)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
	struct pollfd pfd;
	socklen_t len, elen = sizeof(int);
	int	 fd, r, e = 0;

	memset(&ss, 0, sizeof(ss));
	if (a->af == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		memcpy(&s4->sin_addr, a->a, 4);
		len = sizeof(*s4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)port);
		memcpy(&s6->sin6_addr, a->a, 16);
		len = sizeof(*s6);
	}
	fd = socket(a->af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	do
		r = poll(&pfd, 1, (int)(timeout > 2000000 ? 2000000000 :
		    timeout * 1000));
	while (r == -1 && errno == EINTR);
	if (r <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == -1 ||
	    e != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Control characters in an address would end the SMTP command. */
static int
unsafe(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 32 || *s == 127)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct strlist routes = STRLIST_INIT;
	struct str helo = STR_INIT(1024), relay = STR_INIT(1024);
	struct str tlsmode = STR_INIT(64);
	struct str next = STR_INIT(STR_UNBOUNDED);
	struct dns_mxlist mx = { 0 };
	struct dns_addrlist addrs = { 0 };
	struct dns_addr lit;
	SSL_CTX	*(*tlsp)(void) = NULL;
	struct smtp_job job;
	struct stat st;
	unsigned long port = 25, rport;
	long	 tconnect, tremote, lport;
	const char *host, *env;
	char	 ipbuf[64], hn[256], last;
	size_t	 i, j, k, *owner = NULL, nowner = 0;
	int	 r, routed = 0, flagsoft = 0, anyaddr = 0, fd, stop, tlsreq = 0;

	log_init("qmail-remote");
	signal(SIGPIPE, SIG_IGN);
	if (argc < 4)
		die("Dqmail-remote was invoked improperly. (#5.3.5)\n");
	host = argv[1];
	for (i = 2; i < (size_t)argc; i++)
		if (unsafe(argv[i]))
			die("DSorry, that address has control characters in "
			    "it. (#5.1.3)\n");

	/* Control files. */
	r = ctl_readline("helohost", &helo, NULL);
	if (r == 0)
		r = ctl_readline("me", &helo, NULL);
	if (r == -1)
		die_control();
	if (helo.len == 0) {
		if (gethostname(hn, sizeof(hn) - 1) == -1)
			die_control();
		hn[sizeof(hn) - 1] = '\0';
		if (str_copys(&helo, hn) == -1)
			die_nomem();
	}
	if (ctl_readint("timeoutconnect", 60, &tconnect) == -1 ||
	    ctl_readint("timeoutremote", 1200, &tremote) == -1 ||
	    ctl_readint("smtpport", 25, &lport) == -1 ||
	    ctl_readlist("smtproutes", &routes) == -1 ||
	    ctl_readline("tlsclientverify", &tlsmode, "none") == -1 ||
	    ctl_readline("tlsclientca", &cafile, NULL) == -1)
		die_control();
	if (tconnect <= 0 || tremote <= 0 || lport <= 0 || lport > 65535)
		die_control();
	port = (unsigned long)lport;
	if ((env = getenv("HSMAIL_SMTPPORT")) != NULL &&
	    (num_parses(env, 65535, &port) == -1 || port == 0))
		die_control();
	if (dns_setup(NULL) == -1)
		die_control();

	/* The message: its size for SIZE, and qmail's partial-line rule. */
	job.msgsize = -1;
	if (fstat(0, &st) == 0 && S_ISREG(st.st_mode)) {
		job.msgsize = st.st_size;
		if (st.st_size > 0 && (pread(0, &last, 1, st.st_size - 1) != 1 ||
		    last != '\n'))
			die("DSMTP cannot transfer messages with partial "
			    "final lines. (#5.6.2)\n");
	}

	/* TLS: "off", "none" (opportunistic, unverified), "verify". */
	if (!str_equals(&tlsmode, "off")) {
		tlsreq = tlsverify = str_equals(&tlsmode, "verify");
		if (!tlsreq && !str_equals(&tlsmode, "none"))
			die_control();
		tlsp = tls_ctx;
	}

	/* Where to: smtproutes, an address literal, or the MX records. */
	r = route_find(&routes, host, &relay, &rport);
	if (r == -1)
		die_control();
	if (r == 1) {
		routed = 1;
		if (rport != 0)
			port = rport;
		if (dns_mx_add_name(&mx, str_c(&relay), 0) == -1)
			die_nomem();
	} else if (dns_addr_literal(host, &lit)) {
		if (dns_mx_add_name(&mx, host, 0) == -1)
			die_nomem();
	} else {
		switch (dns_mx(host, &mx)) {
		case DNS_HARD:
			if (str_printf(&out, "DSorry, I couldn't find any host "
			    "named %s. (#5.1.2)\n", host) == -1)
				die_nomem();
			die("");
		case DNS_SOFT:
			die("ZSorry, I couldn't find any host by that name. "
			    "(#4.1.2)\n");
		case DNS_NODATA:
			if (dns_mx_add_name(&mx, host, 0) == -1)
				die_nomem();
			break;
		}
	}

	job.helo = str_c(&helo);
	job.sender = argv[2];
	job.rcpt = argv + 3;
	job.nrcpt = (size_t)argc - 3;
	job.timeout = (unsigned)tremote;
	job.tls = tlsp;
	job.tlsrequire = tlsreq;

	/* Each preference in turn: resolve its hosts, then try them. */
	for (i = 0; i < mx.n; i = j) {
		for (j = i; j < mx.n && mx.v[j].pref == mx.v[i].pref; j++)
			;
		addrs.n = 0;
		nowner = 0;
		free(owner);
		owner = NULL;
		for (k = i; k < j; k++) {
			size_t	 before = addrs.n, m;
			const char *name = mx.v[k].name;

			/* A null MX (RFC 7505) names no host. */
			if (*name == '\0' || strcmp(name, ".") == 0)
				continue;
			if (dns_addr_literal(name, &lit)) {
				if (dns_addr_add(&addrs, &lit) == -1)
					die_nomem();
			} else {
				r = dns_addrs(name, 1, &addrs);
				if (r == DNS_SOFT)
					flagsoft = 1;
			}
			owner = reallocarray(owner, addrs.n + 1,
			    sizeof(*owner));
			if (owner == NULL)
				die_nomem();
			for (m = before; m < addrs.n; m++)
				owner[m] = k;
			nowner = addrs.n;
		}
		/* Our own address at this preference: stop here (qmail). */
		stop = 0;
		for (k = 0; !routed && k < addrs.n; k++)
			if (ipme(&addrs.v[k]))
				stop = 1;
		/*
		 * We are among the best: the domain should be local.  A
		 * better MX that had no address ends as qmail's does: a
		 * deferral if its lookup failed temporarily, else 5.4.4.
		 */
		if (stop) {
			if (!anyaddr && i == 0)
				die("DSorry. Although I'm listed as a "
				    "best-preference MX or A for that host,\n"
				    "it isn't in my control/locals file, so I "
				    "don't treat it as local. (#5.4.6)\n");
			break;
		}
		for (k = 0; k < addrs.n && k < nowner; k++) {
			anyaddr = 1;
			fd = tcp_connect(&addrs.v[k], port,
			    (unsigned)tconnect);
			if (fd == -1)
				continue;
			(void)lseek(0, 0, SEEK_SET);
			job.msgfd = 0;
			job.ip = dns_addr_fmt(&addrs.v[k], ipbuf,
			    sizeof(ipbuf));
			job.name = dns_addr_literal(mx.v[owner[k]].name, &lit) ?
			    NULL : mx.v[owner[k]].name;
			r = smtp_session(fd, &job, &next);
			close(fd);
			/*
			 * Opportunistic TLS that fails is tried once more
			 * in plain text, as an MTA without TLS would send.
			 */
			if (r == SMTP_TLSFAIL && !tlsreq && (fd = tcp_connect(
			    &addrs.v[k], port, (unsigned)tconnect)) != -1) {
				(void)lseek(0, 0, SEEK_SET);
				job.tls = NULL;
				r = smtp_session(fd, &job, &next);
				job.tls = tlsp;
				close(fd);
			}
			if (r == -1)
				die_nomem();
			if (r == SMTP_DONE) {
				if (str_cat(&out, &next) == -1)
					die_nomem();
				finish();
			}
		}
	}
	if (next.len > 0) {
		if (str_cat(&out, &next) == -1)
			die_nomem();
		finish();
	}
	if (anyaddr)
		die("ZSorry, I wasn't able to establish an SMTP connection. "
		    "(#4.4.1)\n");
	if (flagsoft || routed)
		die("ZSorry, I couldn't find any host by that name. "
		    "(#4.1.2)\n");
	die("DSorry, I couldn't find a mail exchanger or IP address. "
	    "(#5.4.4)\n");
}
