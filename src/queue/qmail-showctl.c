/*
 * qmail-showctl - print the effective configuration: compiled-in values,
 * then every control file with its value or the default in force, then
 * any control file no program reads.  Run by the administrator; reads
 * <qmail>/control only.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "err.h"
#include "log.h"
#include "queue.h"
#include "root.h"

enum kind { LINE, LIST, NUM };

struct ctl {
	const char *name;
	enum kind kind;
	const char *what;	/* "Bounce user name is" ... */
	const char *def;	/* default value; NULL: me; "" none */
	const char *nodef;	/* text when absent and there is no value */
};

static const struct ctl ctls[] = {
	{ "badmailfrom", LIST, "Refused MAIL FROM addresses:", "",
	  "Any MAIL FROM is allowed." },
	{ "bouncefrom", LINE, "Bounce user name is", "MAILER-DAEMON", NULL },
	{ "bouncehost", LINE, "Bounce host name is", NULL, NULL },
	{ "concurrencylocal", NUM, "Local concurrency is", "10", NULL },
	{ "concurrencyremote", NUM, "Remote concurrency is", "20", NULL },
	{ "databytes", NUM, "SMTP DATA limit is", "52428800", NULL },
	{ "defaultdomain", LINE, "Default domain name is", NULL, NULL },
	{ "defaulthost", LINE, "Default host name is", NULL, NULL },
	{ "dnsservers", LIST, "SMTP client DNS servers:", "",
	  "The system resolver's servers (/etc/resolv.conf)." },
	{ "doublebouncehost", LINE, "2B recipient host:", NULL, NULL },
	{ "doublebounceto", LINE, "2B recipient user:", "postmaster", NULL },
	{ "envnoathost", LINE, "Presumed domain name is", NULL, NULL },
	{ "helohost", LINE, "SMTP client HELO host name is", NULL, NULL },
	{ "idhost", LINE, "Message-ID host name is", NULL, NULL },
	{ "localiphost", LINE, "Local IP address becomes", NULL, NULL },
	{ "locals", LIST, "Messages for these domains are delivered locally:",
	  NULL, NULL },
	{ "loginfail-delay", NUM, "Logins wait after a failure (s, doubling)",
	  "1", NULL },
	{ "loginfail-delaymax", NUM, "Longest wait after a failed login (s)",
	  "30", NULL },
	{ "loginfail-ipmax", NUM, "Failed logins locking out an address:",
	  "20", NULL },
	{ "loginfail-lockout", NUM, "Login lockouts last (s)", "900", NULL },
	{ "loginfail-trust", NUM, "A good login trusts its address for (s)",
	  "2592000", NULL },
	{ "loginfail-usermax", NUM, "Failed logins locking out an account:",
	  "10", NULL },
	{ "maxrcpt", NUM, "SMTP recipients per message:", "100", NULL },
	{ "maxrcptsession", NUM, "SMTP recipients per session:", "1000",
	  NULL },
	{ "me", LINE, "My name is", "", "I have no name. Fix that!" },
	{ "morercpthosts", LIST, "More SMTP clients may send to:", "",
	  "No effect." },
	{ "percenthack", LIST, "The percent hack is allowed for:", "",
	  "The percent hack is not allowed." },
	{ "plusdomain", LINE, "Plus domain name is", NULL, NULL },
	{ "qmqpservers", LIST, "QMQP servers:", "",
	  "No QMQP servers." },
	{ "queuelifetime", NUM, "Message lifetime in the queue is", "604800",
	  NULL },
	{ "rcpthosts", LIST, "SMTP clients may send messages to recipients "
	  "at:", "", "SMTP clients may send messages to any recipient!" },
	{ "smtpgreeting", LINE, "SMTP greeting: 220", NULL, NULL },
	{ "smtpport", NUM, "SMTP client connects to port", "25", NULL },
	{ "smtproutes", LIST, "SMTP routes:", "",
	  "No artificial SMTP routes." },
	{ "timeoutconnect", NUM, "SMTP client connection timeout is", "60",
	  NULL },
	{ "timeoutgreeting", NUM, "SMTP and POP3 first-command and TLS "
	  "handshake timeout is", "20", NULL },
	{ "timeoutpop3d", NUM, "POP3 server idle timeout is", "1200", NULL },
	{ "timeoutremote", NUM, "SMTP client data timeout is", "1200", NULL },
	{ "timeoutsmtpd", NUM, "SMTP server data timeout is", "1200", NULL },
	{ "tlsclientca", LINE, "SMTP client trusts the CAs in", "",
	  "SMTP client trusts the system's CAs." },
	{ "tlsclientverify", LINE, "SMTP client STARTTLS mode is", "none",
	  NULL },
	{ "virtualdomains", LIST, "Virtual domains:", "",
	  "No virtual domains." },
	{ NULL, LINE, NULL, NULL, NULL },
};

static int	known(const char *);
static void	show(const struct ctl *, const char *);

static int
known(const char *name)
{
	int	 i;

	for (i = 0; ctls[i].name != NULL; i++)
		if (strcmp(ctls[i].name, name) == 0)
			return 1;
	return strcmp(name, "morercpthosts.cdb") == 0;
}

static void
show(const struct ctl *c, const char *me)
{
	struct strlist l = STRLIST_INIT;
	struct str v = STR_INIT(STR_UNBOUNDED);
	const char *def = c->def != NULL ? c->def : me;
	size_t	 i;
	int	 r;

	printf("\n%s: ", c->name);
	if (c->kind == LIST) {
		r = ctl_readlist(c->name, &l);
		if (r == -1) {
			printf("Oops! Trouble reading this file: %s.\n",
			    strerror(errno));
			return;
		}
		if (r == 0 && c->def != NULL) {
			printf("(Default.) %s\n", c->nodef);
			return;
		}
		if (r == 0) {
			printf("(Default.) %s\n%s\n", c->what, def);
			return;
		}
		printf("\n%s\n", c->what);
		for (i = 0; i < l.n; i++)
			printf("%s\n", l.v[i]);
		strlist_free(&l);
		return;
	}
	r = ctl_readline(c->name, &v, NULL);
	if (r == -1) {
		printf("Oops! Trouble reading this file: %s.\n",
		    strerror(errno));
		return;
	}
	if (r == 0 && *def == '\0' && c->nodef != NULL)
		printf("(Default.) %s\n", c->nodef);
	else if (r == 0)
		printf("(Default.) %s %s.\n", c->what, def);
	else
		printf("%s %s.\n", c->what, str_c(&v));
	str_free(&v);
}

int
main(void)
{
	struct str me = STR_INIT(STR_UNBOUNDED), path = STR_INIT(4096);
	struct dirent *d;
	DIR	*dp;
	int	 i;

	log_init("qmail-showctl");
	printf("qmail home directory: %s.\n", root_dir(ROOT_QMAIL));
	printf("user-ext delimiter: -.\n");
	printf("paternalism (in decimal): 2.\n");
	/* The spawns' slot count (SENDQ_SPAWN_MAX in src/send/sendq.h):
	 * concurrencylocal/remote above it are cut to it. */
	printf("silent concurrency limit: 255.\n");
	printf("subdirectory split: %d.\n", QUEUE_SPLIT);
	if (ctl_readline("me", &me, NULL) == -1)
		str_clear(&me);
	for (i = 0; ctls[i].name != NULL; i++)
		show(&ctls[i], str_c(&me));
	if (root_path(&path, ROOT_QMAIL, "control") == -1)
		log_die(EXIT_TEMP, "out of memory");
	dp = opendir(path.s);
	if (dp == NULL) {
		printf("\nOops! Unable to read %s: %s.\n", path.s,
		    strerror(errno));
		return EXIT_TEMP;
	}
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.' || known(d->d_name))
			continue;
		printf("\n%s: I have no idea what this file does.\n",
		    d->d_name);
	}
	closedir(dp);
	str_free(&me);
	str_free(&path);
	return fflush(stdout) == 0 ? EXIT_DONE : EXIT_TEMP;
}
