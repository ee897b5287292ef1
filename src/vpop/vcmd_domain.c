/*
 * vcmd_domain - vadddomain, vdeldomain, vaddaliasdomain, vdominfo: add,
 * remove and show virtual domains, editing qmail's users/assign,
 * rcpthosts/morercpthosts and virtualdomains as vpopmail 5.2.2 does
 * (vpopmail.md §4).  Run by root or the hosting panel; every change under
 * the store lock, each file replaced atomically.  Order: the files that
 * are safe to repeat first, users/assign (which makes the domain exist)
 * last, both when adding and when deleting, so a crash at any point
 * leaves a state the same command can be run again on.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "assign.h"
#include "file.h"
#include "num.h"
#include "root.h"
#include "vadmin.h"
#include "vcmd.h"

static void	vcmd_random_pass(struct str *);
static void	vcmd_hup(int);
static int	vcmd_dominfo_one(const char *, int);
static int	vcmd_leftover(const char *, const char *);

/*
 * 1 if dir (a domain directory not in users/assign) is what a vadddomain
 * stopped half way leaves: a vpasswd naming only postmaster, and no mail.
 * Anything more may be someone's old mailboxes: never taken over.
 */
static int
vcmd_leftover(const char *dir, const char *vpasswd)
{
	struct str text = STR_INIT(64 * 1024);
	const char *p, *end, *nl;
	int	 ok;

	ok = file_read(vpasswd, &text) == 1;
	for (p = str_c(&text), end = p + text.len; ok && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl > p && ((size_t)(nl - p) < 11 ||
		    memcmp(p, "postmaster:", 11) != 0))
			ok = 0;
	}
	str_free(&text);
	return ok && vadmin_count_mail(dir) == 0;
}

/* vadddomain -r: 8 random characters, printed to the user. */
static void
vcmd_random_pass(struct str *out)
{
	static const char set[] = "abcdefghijkmnpqrstuvwxyz"
	    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char b[8];
	size_t	 i;

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		vadmin_die(VA_CRYPT_FAILED, "no random bytes: %s",
		    strerror(errno));
	str_clear(out);
	for (i = 0; i < sizeof(b); i++)
		vadmin_str(str_catc(out, set[b[i] % (sizeof(set) - 1)]));
}

static void
vcmd_hup(int skip)
{
	if (!skip)
		(void)vadmin_hup_qmail_send();
}

int
vcmd_vadddomain(int argc, char **argv)
{
	struct vpop_domain d;
	struct vpop_dirctl dc;
	struct str pass = STR_INIT(VPOP_PASS_MAX + 1), base = STR_INIT(4096);
	struct str doms = STR_INIT(4096), dir = STR_INIT(4096);
	struct str qd = STR_INIT(8192), p = STR_INIT(4096);
	const char *quota = NULL, *fallback = "bounce-no-mailbox";
	uid_t	 uid;
	gid_t	 gid;
	unsigned long v;
	struct passwd *pw;
	int	 c, bulk = 0, random = 0, lock, r;

	vadmin_init("vadddomain", "[-v] [-q quota] [-b] [-e address] "
	    "[-u user] [-d dir] [-i uid] [-g gid] [-a] [-O] [-r] domain "
	    "[password]");
	vadmin_vpopmail_ids(&uid, &gid);
	if (root_path(&base, ROOT_VPOPMAIL, "") == -1)
		vadmin_die(VA_BAD_DIR, "out of memory");
	while ((c = getopt(argc, argv, "vq:be:u:d:i:g:aOr")) != -1) {
		switch (c) {
		case 'v':
			vcmd_version();
		case 'q':
			quota = optarg;
			break;
		case 'b':
			fallback = "bounce-no-mailbox";
			break;
		case 'e':
			fallback = optarg;
			if (strchr(fallback, '@') == NULL || strpbrk(fallback,
			    " \t\n'\"\\") != NULL)
				vadmin_die(VA_PARSE_ERROR, "-e wants an email "
				    "address");
			break;
		case 'u':
			if ((pw = getpwnam(optarg)) == NULL)
				vadmin_die(VA_BAD_DIR, "no such system user "
				    "%s", optarg);
			uid = pw->pw_uid;
			gid = pw->pw_gid;
			vadmin_str(str_copys(&base, pw->pw_dir));
			break;
		case 'd':
			if (optarg[0] != '/')
				vadmin_die(VA_BAD_DIR, "-d wants an absolute "
				    "directory");
			vadmin_str(str_copys(&base, optarg));
			break;
		case 'i':
			if (num_parses(optarg, 65535, &v) == -1)
				vadmin_die(VA_PARSE_ERROR, "bad uid %s", optarg);
			uid = (uid_t)v;
			break;
		case 'g':
			if (num_parses(optarg, 65535, &v) == -1)
				vadmin_die(VA_PARSE_ERROR, "bad gid %s", optarg);
			gid = (gid_t)v;
			break;
		case 'a':
			break;		/* APOP marker: nothing to store */
		case 'O':
			bulk = 1;
			break;
		case 'r':
			random = 1;
			break;
		default:
			vadmin_usage();
		}
	}
	if (optind >= argc || argc - optind > 2)
		vadmin_usage();
	vadmin_domain_arg(argv[optind]);
	if (quota != NULL && (strlen(quota) > VPOP_QUOTA_MAX ||
	    strpbrk(quota, ":\n") != NULL))
		vadmin_die(VA_QUOTA_TOO_LONG, "bad quota %s", quota);
	if (random) {
		vcmd_random_pass(&pass);
		printf("Random password: %s\n", pass.s);
	} else {
		vadmin_get_password(argc - optind == 2 ? argv[optind + 1] :
		    NULL, "postmaster", &pass);
	}

	lock = vadmin_lock();
	vpop_domain_init(&d);
	if ((r = vpop_domain_get(argv[optind], &d)) != 0)
		vadmin_die(r == 1 ? VA_DOMAIN_ALREADY_EXISTS :
		    VA_COULD_NOT_UPDATE_FILE, r == 1 ? "domain %s already "
		    "exists" : "cannot read users/cdb for %s", argv[optind]);
	vadmin_str(str_printf(&doms, "%s/domains", base.s));
	if (file_mkdirs(doms.s, 0755) == -1)
		vadmin_die(VA_COULD_NOT_MAKE_DOMAIN_DIR, "cannot create %s: %s",
		    doms.s, strerror(errno));
	vpop_dirctl_read(doms.s, &dc);
	vpop_dirctl_next(&dc);
	vadmin_str(str_copys(&dir, doms.s));
	if (dc.the_dir[0] != '\0') {
		vadmin_str(str_printf(&dir, "/%s", dc.the_dir));
		if (file_mkdirs(dir.s, 0755) == -1)
			vadmin_die(VA_COULD_NOT_MAKE_DOMAIN_DIR, "cannot "
			    "create %s: %s", dir.s, strerror(errno));
		vadmin_chown(dir.s, uid, gid);
	}
	vadmin_str(str_printf(&dir, "/%s", argv[optind]));
	vadmin_str(str_printf(&p, "%s/vpasswd", dir.s));
	if (mkdir(dir.s, 0750) == -1) {
		int	 e = errno;

		if (e != EEXIST)
			vadmin_die(VA_COULD_NOT_MAKE_DOMAIN_DIR,
			    "cannot create %s: %s", dir.s, strerror(e));
		if (access(p.s, F_OK) == 0 && !vcmd_leftover(dir.s, p.s))
			vadmin_die(VA_COULD_NOT_MAKE_DOMAIN_DIR,
			    "cannot create %s: it exists already, with "
			    "mailboxes or mail; move it away first", dir.s);
	}
	vadmin_chown(dir.s, uid, gid);
	str_clear(&p);
	vadmin_str(str_printf(&p, "%s/.qmail-default", dir.s));
	vadmin_str(str_printf(&qd, "| %s/bin/vdelivermail '' %s\n",
	    root_dir(ROOT_VPOPMAIL), fallback));
	if (file_replace(p.s, qd.s, qd.len, 0600) == -1 ||
	    vadmin_chown(p.s, uid, gid) == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot write %s: %s",
		    p.s, strerror(errno));
	vadmin_str(str_copys(&d.name, argv[optind]));
	vadmin_str(str_copys(&d.dir, dir.s));
	d.uid = uid;
	d.gid = gid;
	if ((r = vadmin_user_add(&d, "postmaster", pass.s, 0, "Postmaster",
	    quota, 0)) == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot create the "
		    "postmaster mailbox: %s", strerror(errno));
	if (r == 0)
		fprintf(stderr, "vadddomain: note: finishing an interrupted "
		    "run: postmaster@%s kept its password (see vpasswd)\n",
		    argv[optind]);
	str_clear(&p);
	vadmin_str(str_printf(&p, "%s/vpasswd", dir.s));
	vadmin_chown(p.s, uid, gid);
	vadmin_str(str_cats(&p, ".cdb"));
	vadmin_chown(p.s, uid, gid);
	if (vadmin_rcpthosts_add(argv[optind], bulk) == -1 ||
	    vadmin_virtualdomains_add(argv[optind]) == -1 ||
	    vadmin_locals_del(argv[optind]) == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot update qmail's "
		    "control files: %s", strerror(errno));
	if (vadmin_assign_add(argv[optind], argv[optind], uid, gid, dir.s,
	    bulk) == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot update "
		    "users/assign: %s", strerror(errno));
	if (vpop_dirctl_write(doms.s, &dc) == -1)
		fprintf(stderr, "vadddomain: warning: cannot write "
		    "%s/.dir-control\n", doms.s);
	vcmd_hup(bulk);
	close(lock);
	str_wipe(&pass);
	return 0;
}

int
vcmd_vdeldomain(int argc, char **argv)
{
	struct vpop_domain d;
	struct vpop_dirctl dc;
	struct str doms = STR_INIT(4096);
	long	 n;
	int	 c, force = 0, lock;

	vadmin_init("vdeldomain", "[-v] [-f] domain");
	while ((c = getopt(argc, argv, "vf")) != -1) {
		if (c == 'v')
			vcmd_version();
		else if (c == 'f')
			force = 1;
		else
			vadmin_usage();
	}
	if (argc - optind != 1)
		vadmin_usage();
	vadmin_domain_arg(argv[optind]);
	lock = vadmin_lock();
	vpop_domain_init(&d);
	vadmin_domain_get(argv[optind], &d);
	if (strcmp(d.name.s, argv[optind]) == 0 && !force &&
	    (n = vadmin_count_mail(d.dir.s)) > 0)
		vadmin_die(-156, "domain %s holds %ld message%s; delete "
		    "them first or use vdeldomain -f", argv[optind], n,
		    n == 1 ? "" : "s");
	/* users/assign goes last: until then the domain exists, so a run
	 * stopped half way is finished by running vdeldomain again. */
	if (vadmin_rcpthosts_del(argv[optind]) == -1 ||
	    vadmin_virtualdomains_del(argv[optind]) == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot update qmail's "
		    "files: %s", strerror(errno));
	vcmd_hup(0);
	if (strcmp(d.name.s, argv[optind]) == 0 &&
	    vadmin_rmtree(d.dir.s) == -1)
		vadmin_die(VA_BAD_DIR, "cannot remove %s: %s", d.dir.s,
		    strerror(errno));
	if (vadmin_assign_del(argv[optind], 0) == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot update "
		    "users/assign: %s", strerror(errno));
	if (strcmp(d.name.s, argv[optind]) == 0) {
		if (root_path(&doms, ROOT_VPOPMAIL, "domains") == 0 &&
		    vpop_dirctl_read(doms.s, &dc) == 0 && dc.cur_users > 0) {
			dc.cur_users--;
			(void)vpop_dirctl_write(doms.s, &dc);
		}
	}
	close(lock);
	return 0;
}

int
vcmd_vaddaliasdomain(int argc, char **argv)
{
	struct vpop_domain d, old;
	int	 lock, r;

	vadmin_init("vaddaliasdomain", "[-v] new_domain old_domain");
	vcmd_args(argc, argv, 2);
	vadmin_domain_arg(argv[optind]);
	vadmin_domain_arg(argv[optind + 1]);
	lock = vadmin_lock();
	vpop_domain_init(&d);
	vpop_domain_init(&old);
	if ((r = vpop_domain_get(argv[optind], &d)) != 0)
		vadmin_die(r == 1 ? VA_DOMAIN_ALREADY_EXISTS :
		    VA_COULD_NOT_UPDATE_FILE, "domain %s already exists",
		    argv[optind]);
	vadmin_domain_get(argv[optind + 1], &old);
	if (vadmin_rcpthosts_add(argv[optind], 0) == -1 ||
	    vadmin_virtualdomains_add(argv[optind]) == -1 ||
	    vadmin_assign_add(argv[optind], old.name.s, old.uid, old.gid,
	    old.dir.s, 0) == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot update qmail's "
		    "files: %s", strerror(errno));
	vcmd_hup(0);
	close(lock);
	return 0;
}

/* Print one domain as vdominfo does; what: 0 all, else one field. */
static int
vcmd_dominfo_one(const char *domain, int what)
{
	struct vpop_domain d;
	struct vpop_dirctl dc;

	vpop_domain_init(&d);
	if (vpop_domain_get(domain, &d) != 1)
		return -1;
	vpop_dirctl_read(d.dir.s, &dc);
	switch (what) {
	case 'n':
		printf("%s\n", domain);
		break;
	case 'u':
		printf("%lu\n", d.uid);
		break;
	case 'g':
		printf("%lu\n", d.gid);
		break;
	case 'd':
		printf("%s\n", d.dir.s);
		break;
	case 't':
		printf("%lu\n", dc.cur_users);
		break;
	default:
		if (strcmp(d.name.s, domain) != 0)
			printf("domain: %s aliased to %s\n", domain, d.name.s);
		else
			printf("domain: %s\n", domain);
		printf("uid:    %lu\ngid:    %lu\ndir:    %s\nusers:  %lu\n",
		    d.uid, d.gid, d.dir.s, dc.cur_users);
	}
	vpop_domain_free(&d);
	return 0;
}

int
vcmd_vdominfo(int argc, char **argv)
{
	struct str path = STR_INIT(4096), text = STR_INIT(64UL << 20);
	const char *p, *end, *nl, *colon;
	int	 c, what = 0, first = 1;

	vadmin_init("vdominfo", "[-v] [-a|-n|-u|-g|-d|-t] [domain]");
	while ((c = getopt(argc, argv, "vanugdt")) != -1) {
		if (c == 'v')
			vcmd_version();
		if (strchr("anugdt", c) == NULL)
			vadmin_usage();
		what = c == 'a' ? 0 : c;
	}
	if (argc - optind > 1)
		vadmin_usage();
	if (argc - optind == 1) {
		vadmin_domain_arg(argv[optind]);
		if (vcmd_dominfo_one(argv[optind], what) == -1)
			vadmin_die(VA_DOMAIN_DOES_NOT_EXIST, "domain %s does "
			    "not exist", argv[optind]);
		return 0;
	}
	if (root_path(&path, ROOT_QMAIL, "users/assign") == -1 ||
	    file_read(path.s, &text) == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot read %s", path.s);
	for (p = str_c(&text), end = p + text.len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (*p != '+' || (colon = memchr(p, ':', (size_t)(nl - p))) ==
		    NULL || colon - p < 3 || colon[-1] != '-')
			continue;
		vadmin_str(str_copyb(&path, p + 1, (size_t)(colon - p - 2)));
		if (!first && what == 0)
			printf("\n");
		first = 0;
		(void)vcmd_dominfo_one(path.s, what);
	}
	return 0;
}
