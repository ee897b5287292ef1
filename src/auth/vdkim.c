/*
 * vdkim - the DKIM keys of the box's domains (dkimkey.h): show the DNS
 * records to publish, make, rotate, activate and retire keys.
 * vadddomain makes a domain's first keys and vdeldomain removes them;
 * this is for the rest.  Run by root or the hosting panel (reading the
 * published halves needs no privilege; making keys needs the right to
 * write control/dkim).  Trusts its arguments only as far as dkimkey's
 * name checks let them.  Exit 0, 100 bad usage or unknown domain, 111
 * temporary failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "dkimkey.h"
#include "err.h"
#include "log.h"
#include "root.h"
#include "vpop.h"

#define TXT_PIECE	255	/* RFC 1035 3.3.14 character-string */

static void	usage(void) __attribute__((__noreturn__));
static void	die_temp(const char *, const struct str *)
		    __attribute__((__noreturn__));
static const char *domain_arg(const char *, struct str *);
static void	print_txt(const char *, const char *);
static int	cmd_show(const char *);

static void
usage(void)
{
	fprintf(stderr, "usage: vdkim show domain\n"
	    "       vdkim add domain\n"
	    "       vdkim rotate [-n] domain\n"
	    "       vdkim activate domain selector ...\n"
	    "       vdkim retire domain selector\n"
	    "       vdkim delete domain\n"
	    "       vdkim list\n");
	exit(EXIT_PERM);
}

static void
die_temp(const char *what, const struct str *why)
{
	log_die(EXIT_TEMP, "%s: %s", what, why != NULL && why->len > 0 ?
	    str_c(why) : strerror(errno));
}

/* The domain argument, lowercased and checked. */
static const char *
domain_arg(const char *arg, struct str *d)
{
	struct str dir = STR_INIT(4096);

	if (str_copys(d, arg) == -1)
		log_die(EXIT_PERM, "domain too long");
	str_lower(d);
	if (d->len > 0 && d->s[d->len - 1] == '.')
		str_truncate(d, d->len - 1);
	if (dkimkey_dir(str_c(d), &dir) == -1)
		log_die(EXIT_PERM, "bad domain %s", arg);
	str_free(&dir);
	return str_c(d);
}

/* NAME. IN TXT "..." "...", the value cut in 255-byte strings. */
static void
print_txt(const char *name, const char *v)
{
	size_t	 n = strlen(v), i, k;

	printf("%s. IN TXT", name);
	for (i = 0; i < n || i == 0; i += k) {
		k = n - i > TXT_PIECE ? TXT_PIECE : n - i;
		printf(" \"%.*s\"", (int)k, v + i);
		if (n == 0)
			break;
	}
	printf("\n");
}

static int
cmd_show(const char *domain)
{
	struct strlist all = STRLIST_INIT, on = STRLIST_INIT;
	struct str keydom = STR_INIT(1024), txt = STR_INIT(4096);
	struct str name = STR_INIT(1024), me = STR_INIT(1024);
	size_t	 i;
	int	 r;

	r = dkimkey_find(domain, &keydom);
	if (r == -1)
		die_temp("cannot read the keys", NULL);
	/* Keys, none of them signing. */
	if (r == 0 && dkimkey_list(domain, &all) == 1 &&
	    str_copys(&keydom, domain) == -1)
		die_temp("out of memory", NULL);
	if (keydom.len == 0)
		log_die(EXIT_PERM, "%s has no DKIM keys (vdkim add %s)",
		    domain, domain);
	if (dkimkey_list(str_c(&keydom), &all) == -1 ||
	    dkimkey_signing(str_c(&keydom), &on) == -1)
		die_temp("cannot read the keys", NULL);
	printf("; DKIM keys of %s", domain);
	if (strcmp(str_c(&keydom), domain) != 0)
		printf(" (the keys of %s)", str_c(&keydom));
	printf(", signing with");
	for (i = 0; i < on.n; i++)
		printf(" %s", on.v[i]);
	printf("%s\n", on.n ? "" : " none");
	for (i = 0; i < all.n; i++) {
		if (dkimkey_txt(str_c(&keydom), all.v[i], &txt) != 1)
			continue;
		str_clear(&name);
		str_notef(&name, "%s._domainkey.%s", all.v[i], domain);
		print_txt(str_c(&name), str_c(&txt));
	}
	if (ctl_readline("me", &me, "") == -1)
		die_temp("cannot read control/me", NULL);
	printf("; suggested SPF and DMARC records\n");
	str_clear(&txt);
	str_notef(&txt, "v=spf1 mx%s%s ~all", me.len ? " a:" : "",
	    str_c(&me));
	print_txt(domain, str_c(&txt));
	str_clear(&txt);
	str_clear(&name);
	str_notef(&txt, "v=DMARC1; p=none; rua=mailto:postmaster@%s",
	    domain);
	str_notef(&name, "_dmarc.%s", domain);
	print_txt(str_c(&name), str_c(&txt));
	strlist_free(&all);
	strlist_free(&on);
	str_free(&keydom);
	str_free(&txt);
	str_free(&name);
	str_free(&me);
	return 0;
}

int
main(int argc, char **argv)
{
	struct strlist sels = STRLIST_INIT;
	struct str d = STR_INIT(1024), why = STR_INIT(1024);
	const char *cmd, *domain;
	size_t	 i;
	int	 c, prepare = 0;

	log_init("vdkim");
	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	if (strcmp(cmd, "rotate") == 0)
		while ((c = getopt(argc, argv, "n")) != -1) {
			if (c != 'n')
				usage();
			prepare = 1;
		}
	if (strcmp(cmd, "list") == 0) {
		struct str dir = STR_INIT(4096);
		struct strlist doms = STRLIST_INIT;

		if (root_path(&dir, ROOT_QMAIL, "control/dkim") == -1)
			die_temp("out of memory", NULL);
		if (ctl_readlist("rcpthosts", &doms) == -1)
			die_temp("cannot read control/rcpthosts", NULL);
		(void)ctl_readlist("morercpthosts", &doms);
		for (i = 0; i < doms.n; i++) {
			strlist_free(&sels);
			if (dkimkey_signing(doms.v[i], &sels) != 1)
				continue;
			printf("%s", doms.v[i]);
			for (size_t j = 0; j < sels.n; j++)
				printf(" %s", sels.v[j]);
			printf("\n");
		}
		return 0;
	}
	if (optind >= argc)
		usage();
	domain = domain_arg(argv[optind++], &d);
	if (strcmp(cmd, "show") == 0) {
		if (optind != argc)
			usage();
		return cmd_show(domain);
	}
	if (strcmp(cmd, "add") == 0 || strcmp(cmd, "rotate") == 0) {
		if (optind != argc)
			usage();
		if (cmd[0] == 'a' && dkimkey_list(domain, &sels) == 1)
			log_die(EXIT_PERM, "%s has keys already (vdkim rotate)",
			    domain);
		strlist_free(&sels);
		if (dkimkey_create(domain, !prepare, (long long)time(NULL),
		    &sels, &why) == -1)
			die_temp("cannot make keys", &why);
		printf("%s: new keys %s %s, %s\n", domain, sels.v[0], sels.v[1],
		    prepare ? "published only: publish them, then "
		    "vdkim activate" : "signing now");
		return cmd_show(domain);
	}
	if (strcmp(cmd, "activate") == 0) {
		if (optind == argc)
			usage();
		for (; optind < argc; optind++)
			if (strlist_adds(&sels, argv[optind]) == -1)
				die_temp("out of memory", NULL);
		if (dkimkey_activate(domain, &sels, &why) == -1)
			log_die(errno == ENOMEM ? EXIT_TEMP : EXIT_PERM, "%s",
			    str_c(&why));
		return 0;
	}
	if (strcmp(cmd, "retire") == 0) {
		if (argc - optind != 1)
			usage();
		if (dkimkey_retire(domain, argv[optind], &why) == -1)
			log_die(errno == EBUSY || errno == ENOENT ||
			    errno == EINVAL ? EXIT_PERM : EXIT_TEMP, "%s",
			    why.len ? str_c(&why) : strerror(errno));
		return 0;
	}
	if (strcmp(cmd, "delete") == 0) {
		if (optind != argc)
			usage();
		if (dkimkey_remove(domain) == -1)
			die_temp("cannot remove the keys", NULL);
		return 0;
	}
	usage();
}
