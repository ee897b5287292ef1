/*
 * vcmd_user - vadduser, vdeluser, vpasswd, vmoduser, vsetuserquota,
 * vuserinfo, valias: mailboxes and aliases of a virtual domain, with
 * vpopmail 5.2.2's options (vpopmail.md §8).  Run by root or the hosting
 * panel; changes under the store lock, files replaced atomically.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "mdquota.h"
#include "vadmin.h"
#include "vcmd.h"

static void	vcmd_pw_get(const struct vpop_domain *, const char *,
		    const char *, struct vpop_pw *);
static void	vcmd_set_pass(const struct vpop_domain *, struct vpop_pw *,
		    const char *);
static void	vcmd_quota_arg(const char *);
static void	vcmd_flag_words(unsigned long);
static void	vcmd_alias_show(const char *, const char *, const char *);

/* The vpasswd entry of user@domain or die. */
static void
vcmd_pw_get(const struct vpop_domain *d, const char *user,
    const char *domain, struct vpop_pw *pw)
{
	int	 r = vpop_pw_get(d, user, pw);

	if (r == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot read vpasswd: %s",
		    strerror(errno));
	if (r == 0)
		vadmin_die(VA_USER_DOES_NOT_EXIST, "user %s@%s does not exist",
		    user, domain);
}

/* Hash a new password into pw (and the clear column if kept). */
static void
vcmd_set_pass(const struct vpop_domain *d, struct vpop_pw *pw,
    const char *pass)
{
	str_clear(&pw->passwd);
	if (vpop_pw_hash(pass, &pw->passwd) == -1)
		vadmin_die(VA_CRYPT_FAILED, "crypt failed: %s", strerror(errno));
	if (pw->has_clear || vpop_clear_wanted(d->dir.s)) {
		pw->has_clear = 1;
		vadmin_str(str_copys(&pw->clear, pass));
	}
}

static void
vcmd_quota_arg(const char *q)
{
	struct str spec = STR_INIT(MDQUOTA_SPEC_MAX);

	if (strlen(q) > VPOP_QUOTA_MAX)
		vadmin_die(VA_QUOTA_TOO_LONG, "quota is longer than %d "
		    "characters", VPOP_QUOTA_MAX);
	if (mdquota_from_vpop(q, &spec) == -1)
		vadmin_die(VA_PARSE_ERROR, "bad quota %s: use NOQUOTA, bytes, "
		    "Nk, NM or a Maildir++ spec like 5000000S,1000C", q);
	str_free(&spec);
}

int
vcmd_vadduser(int argc, char **argv)
{
	struct vpop_domain d;
	struct str user = STR_INIT(256), domain = STR_INIT(256);
	struct str pass = STR_INIT(VPOP_PASS_MAX + 1), email = STR_INIT(512);
	const char *quota = NULL, *gecos = NULL, *hash = NULL;
	int	 c, nocdb = 0, nopass = 0, random = 0, lock, r;
	FILE	*rnd;
	unsigned char b[8];
	size_t	 i;

	vadmin_init("vadduser", "[-v] [-q quota] [-s] [-c comment] "
	    "[-e crypted] [-n] [-r] user@domain [password]");
	while ((c = getopt(argc, argv, "vq:sc:e:nr")) != -1) {
		switch (c) {
		case 'v':
			vcmd_version();
		case 'q':
			vcmd_quota_arg(optarg);
			quota = optarg;
			break;
		case 's':
			nocdb = 1;
			break;
		case 'c':
			gecos = optarg;
			if (strlen(gecos) > VPOP_GECOS_MAX)
				vadmin_die(VA_GECOS_TOO_LONG, "comment is "
				    "longer than %d characters", VPOP_GECOS_MAX);
			if (strpbrk(gecos, ":\n") != NULL)
				vadmin_die(VA_BAD_CHAR, "comment must not hold "
				    "':' or a line break");
			break;
		case 'e':
			hash = optarg;
			if (strpbrk(hash, ":\n") != NULL)
				vadmin_die(VA_BAD_CHAR, "bad crypted password");
			break;
		case 'n':
			nopass = 1;
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
	vadmin_email_arg(argv[optind], &user, &domain, 1);
	vadmin_str(str_printf(&email, "%s@%s", user.s, domain.s));
	if (random) {
		if ((rnd = fopen("/dev/urandom", "r")) == NULL ||
		    fread(b, 1, sizeof(b), rnd) != sizeof(b))
			vadmin_die(VA_CRYPT_FAILED, "no random bytes");
		fclose(rnd);
		for (i = 0; i < sizeof(b); i++)
			vadmin_str(str_catc(&pass,
			    "abcdefghjkmnpqrstuvwxyz23456789"[b[i] % 31]));
		printf("Random password: %s\n", pass.s);
	} else if (!nopass && hash == NULL) {
		vadmin_get_password(argc - optind == 2 ? argv[optind + 1] :
		    NULL, email.s, &pass);
	}
	lock = vadmin_lock();
	vpop_domain_init(&d);
	vadmin_domain_get(domain.s, &d);
	r = vadmin_user_add(&d, user.s, hash != NULL ? hash : nopass ? NULL :
	    pass.s, hash != NULL, gecos, quota, nocdb);
	if (r == 0)
		vadmin_die(VA_USERNAME_EXISTS, "user %s already exists",
		    email.s);
	if (r == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot add %s: %s",
		    email.s, strerror(errno));
	close(lock);
	str_wipe(&pass);
	return 0;
}

int
vcmd_vdeluser(int argc, char **argv)
{
	struct vpop_domain d;
	struct vpop_pw pw;
	struct vpop_dirctl dc;
	struct str user = STR_INIT(256), domain = STR_INIT(256);
	int	 lock;

	vadmin_init("vdeluser", "[-v] user@domain");
	vcmd_args(argc, argv, 1);
	vadmin_email_arg(argv[optind], &user, &domain, 0);
	lock = vadmin_lock();
	vpop_domain_init(&d);
	vpop_pw_init(&pw);
	vadmin_domain_get(domain.s, &d);
	vcmd_pw_get(&d, user.s, domain.s, &pw);
	if (vpop_vpasswd_update(d.dir.s, VPOP_DEL, &pw, 0) != 1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot update vpasswd: %s",
		    strerror(errno));
	/* Only a directory inside the domain is removed. */
	if (strncmp(pw.dir.s, d.dir.s, d.dir.len) == 0 &&
	    pw.dir.s[d.dir.len] == '/' && vadmin_rmtree(pw.dir.s) == -1)
		vadmin_die(VA_BAD_DIR, "user removed, but not its directory %s:"
		    " %s", pw.dir.s, strerror(errno));
	if (vpop_dirctl_read(d.dir.s, &dc) == 0 && dc.cur_users > 0) {
		dc.cur_users--;
		(void)vpop_dirctl_write(d.dir.s, &dc);
	}
	close(lock);
	return 0;
}

int
vcmd_vpasswd(int argc, char **argv)
{
	struct vpop_domain d;
	struct vpop_pw pw;
	struct str user = STR_INIT(256), domain = STR_INIT(256);
	struct str pass = STR_INIT(VPOP_PASS_MAX + 1), email = STR_INIT(512);
	int	 c, lock, apop = 0;

	vadmin_init("vpasswd", "[-v] [-a] user@domain [password]");
	while ((c = getopt(argc, argv, "va")) != -1) {
		if (c == 'v')
			vcmd_version();
		else if (c == 'a')
			apop = 1;
		else
			vadmin_usage();
	}
	if (optind >= argc || argc - optind > 2)
		vadmin_usage();
	vadmin_email_arg(argv[optind], &user, &domain, 0);
	vadmin_str(str_printf(&email, "%s@%s", user.s, domain.s));
	vadmin_get_password(argc - optind == 2 ? argv[optind + 1] : NULL,
	    email.s, &pass);
	lock = vadmin_lock();
	vpop_domain_init(&d);
	vpop_pw_init(&pw);
	vadmin_domain_get(domain.s, &d);
	vcmd_pw_get(&d, user.s, domain.s, &pw);
	vcmd_set_pass(&d, &pw, pass.s);
	if (apop)
		pw.uid = 2;
	if (vpop_vpasswd_update(d.dir.s, VPOP_MOD, &pw, 0) != 1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot update vpasswd: %s",
		    strerror(errno));
	close(lock);
	vpop_pw_free(&pw);
	str_wipe(&pass);
	return 0;
}

int
vcmd_vmoduser(int argc, char **argv)
{
	static const struct { char opt; unsigned long bit; } flags[] = {
		{ 'u', VPOP_NO_DIALUP }, { 'd', VPOP_NO_PASSWD_CHNG },
		{ 'p', VPOP_NO_POP }, { 'w', VPOP_NO_WEBMAIL },
		{ 'i', VPOP_NO_IMAP }, { 'b', VPOP_BOUNCE_MAIL },
		{ 'r', VPOP_NO_RELAY }, { 's', VPOP_NO_SMTP },
		{ 'a', VPOP_QA_ADMIN }, { '0', VPOP_V_USER0 },
		{ '1', VPOP_V_USER1 }, { '2', VPOP_V_USER2 },
		{ '3', VPOP_V_USER3 },
	};
	struct vpop_domain d;
	struct vpop_pw pw;
	struct str user = STR_INIT(256), domain = STR_INIT(256);
	struct str path = STR_INIT(4096), text = STR_INIT(256UL << 20);
	const char *quota = NULL, *gecos = NULL, *hash = NULL, *clear = NULL;
	const char *p, *end, *nl;
	unsigned long set = 0;
	int	 c, nocdb = 0, clearflags = 0, lock, all, changed = 0;
	size_t	 i;

	vadmin_init("vmoduser", "[-v] [-n] [-q quota] [-c comment] "
	    "[-e crypted] [-C clear] [-x] [-udpwibrsa0123] user@domain|domain");
	while ((c = getopt(argc, argv, "vnq:c:e:C:xudpwibrsa0123")) != -1) {
		switch (c) {
		case 'v':
			vcmd_version();
		case 'n':
			nocdb = 1;
			break;
		case 'q':
			vcmd_quota_arg(optarg);
			quota = optarg;
			break;
		case 'c':
			gecos = optarg;
			if (strlen(gecos) > VPOP_GECOS_MAX ||
			    strpbrk(gecos, ":\n") != NULL)
				vadmin_die(VA_GECOS_TOO_LONG, "comment too long"
				    " or holding ':'");
			break;
		case 'e':
			hash = optarg;
			if (strpbrk(hash, ":\n") != NULL)
				vadmin_die(VA_BAD_CHAR, "bad crypted password");
			break;
		case 'C':
			clear = optarg;
			if (!vpop_pass_valid(clear))
				vadmin_die(VA_BAD_CHAR, "bad clear password");
			break;
		case 'x':
			clearflags = 1;
			break;
		default:
			for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
				if (flags[i].opt == c)
					break;
			if (i == sizeof(flags) / sizeof(flags[0]))
				vadmin_usage();
			set |= flags[i].bit;
		}
	}
	if (argc - optind != 1)
		vadmin_usage();
	all = strchr(argv[optind], '@') == NULL;
	if (all) {
		vadmin_str(str_copys(&domain, argv[optind]));
		vadmin_domain_arg(domain.s);
	} else {
		vadmin_email_arg(argv[optind], &user, &domain, 0);
	}
	lock = vadmin_lock();
	vpop_domain_init(&d);
	vpop_pw_init(&pw);
	vadmin_domain_get(domain.s, &d);
	if (all) {
		vadmin_str(str_printf(&path, "%s/vpasswd", d.dir.s));
		if (file_read(path.s, &text) == -1)
			vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot read %s",
			    path.s);
		p = str_c(&text);
		end = p + text.len;
	} else {
		p = end = NULL;
	}
	for (;;) {
		if (all) {
			if (p >= end)
				break;
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			c = vpop_pw_parse(&pw, p, (size_t)(nl - p));
			p = nl + 1;
			if (c == -1)
				continue;
		} else {
			vcmd_pw_get(&d, user.s, domain.s, &pw);
		}
		if (clearflags)
			pw.gid = 0;
		pw.gid |= set;
		if (quota != NULL)
			vadmin_str(str_copys(&pw.quota, quota));
		if (gecos != NULL)
			vadmin_str(str_copys(&pw.gecos, gecos));
		if (hash != NULL)
			vadmin_str(str_copys(&pw.passwd, hash));
		if (clear != NULL) {
			pw.has_clear = 1;
			vadmin_str(str_copys(&pw.clear, clear));
		}
		if (vpop_vpasswd_update(d.dir.s, VPOP_MOD, &pw, 1) != 1)
			vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot update "
			    "vpasswd: %s", strerror(errno));
		changed = 1;
		if (!all)
			break;
	}
	if (changed && !nocdb && vpop_vpasswd_cdb(d.dir.s) == -1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot rebuild "
		    "vpasswd.cdb: %s", strerror(errno));
	close(lock);
	return 0;
}

int
vcmd_vsetuserquota(int argc, char **argv)
{
	struct vpop_domain d;
	struct vpop_pw pw;
	struct str user = STR_INIT(256), domain = STR_INIT(256);
	struct str path = STR_INIT(4096);
	int	 lock;

	vadmin_init("vsetuserquota", "[-v] user@domain quota");
	vcmd_args(argc, argv, 2);
	vadmin_email_arg(argv[optind], &user, &domain, 0);
	vcmd_quota_arg(argv[optind + 1]);
	lock = vadmin_lock();
	vpop_domain_init(&d);
	vpop_pw_init(&pw);
	vadmin_domain_get(domain.s, &d);
	vcmd_pw_get(&d, user.s, domain.s, &pw);
	vadmin_str(str_copys(&pw.quota, argv[optind + 1]));
	if (vpop_vpasswd_update(d.dir.s, VPOP_MOD, &pw, 0) != 1)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot update vpasswd: %s",
		    strerror(errno));
	/* The next delivery recalculates it for the new quota. */
	vadmin_str(str_printf(&path, "%s/Maildir/maildirsize", pw.dir.s));
	if (unlink(path.s) == -1 && errno != ENOENT)
		vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot remove %s: %s",
		    path.s, strerror(errno));
	close(lock);
	return 0;
}

/* The words vuserinfo prints for the flag bits. */
static void
vcmd_flag_words(unsigned long gid)
{
	static const struct { unsigned long bit; const char *w; } words[] = {
		{ VPOP_NO_PASSWD_CHNG, "password can not be changed" },
		{ VPOP_NO_POP, "pop access closed" },
		{ VPOP_NO_WEBMAIL, "web mail access closed" },
		{ VPOP_NO_IMAP, "imap access closed" },
		{ VPOP_BOUNCE_MAIL, "mail will be bounced back to sender" },
		{ VPOP_NO_RELAY, "relaying disallowed" },
		{ VPOP_NO_DIALUP, "no dialup flag has been set" },
		{ VPOP_V_USER0, "user flag 0 is set" },
		{ VPOP_V_USER1, "user flag 1 is set" },
		{ VPOP_V_USER2, "user flag 2 is set" },
		{ VPOP_V_USER3, "user flag 3 is set" },
		{ VPOP_NO_SMTP, "smtp access closed" },
		{ VPOP_QA_ADMIN, "has qmailadmin administrator privileges" },
	};
	size_t	 i;

	if (gid == 0)
		printf("\t\tall services available\n");
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (gid & words[i].bit)
			printf("\t\t%s\n", words[i].w);
}

int
vcmd_vuserinfo(int argc, char **argv)
{
	struct vpop_domain d;
	struct vpop_pw pw;
	struct mdquota q;
	struct str user = STR_INIT(256), domain = STR_INIT(256);
	struct str spec = STR_INIT(MDQUOTA_SPEC_MAX), md = STR_INIT(4096);
	const char *want = "";
	int	 c, usage = -1;

	vadmin_init("vuserinfo", "[-v] [-a] [-n] [-p] [-u] [-g] [-c] [-d] "
	    "[-q] [-Q] [-C] user@domain");
	while ((c = getopt(argc, argv, "vanpugcdqQCl")) != -1) {
		if (c == 'v')
			vcmd_version();
		if (c == '?')
			vadmin_usage();
		if (c != 'a' && strlen(want) < 1)
			want = strchr("npugcdqQCl", c);
	}
	if (argc - optind != 1)
		vadmin_usage();
	vadmin_email_arg(argv[optind], &user, &domain, 0);
	vpop_domain_init(&d);
	vpop_pw_init(&pw);
	vadmin_domain_get(domain.s, &d);
	vcmd_pw_get(&d, user.s, domain.s, &pw);
	if (mdquota_from_vpop(pw.quota.s, &spec) == 0 &&
	    str_printf(&md, "%s/Maildir", pw.dir.s) == 0 &&
	    mdquota_get(md.s, spec.s, &q, time(NULL)) == 0)
		usage = spec.len > 0 ? mdquota_percent(&q) : (int)(q.size > 0 ?
		    q.size : 0);
	switch (*want) {
	case 'n': printf("%s\n", pw.name.s); break;
	case 'p': printf("%s\n", pw.passwd.s); break;
	case 'u': printf("%lu\n", pw.uid); break;
	case 'g': printf("%lu\n", pw.gid); vcmd_flag_words(pw.gid); break;
	case 'c': printf("%s\n", pw.gecos.s); break;
	case 'd': printf("%s\n", pw.dir.s); break;
	case 'q': printf("%s\n", pw.quota.s); break;
	case 'Q': printf("%d%s\n", usage, spec.len > 0 ? "%" : ""); break;
	case 'C': printf("%s\n", str_c(&pw.clear)); break;
	case 'l': printf("last auth not recorded\n"); break;
	default:
		printf("name:   %s\npasswd: %s\n", pw.name.s, pw.passwd.s);
		if (pw.has_clear)
			printf("clear passwd: %s\n", str_c(&pw.clear));
		printf("uid:    %lu\ngid:    %lu\n", pw.uid, pw.gid);
		vcmd_flag_words(pw.gid);
		printf("gecos:  %s\ndir:    %s\nquota:  %s\n", pw.gecos.s,
		    pw.dir.s, pw.quota.s);
		if (spec.len > 0)
			printf("usage:  %d%%\n", usage < 0 ? 0 : usage);
		else
			printf("usage:  %d\n", usage < 0 ? 0 : usage);
	}
	vpop_pw_free(&pw);
	return 0;
}

/* Print "alias@domain -> line" for each line of one .qmail-<alias>. */
static void
vcmd_alias_show(const char *dir, const char *file, const char *domain)
{
	struct str path = STR_INIT(4096), text = STR_INIT(1 << 20);
	struct str name = STR_INIT(256);
	const char *p, *end, *nl;
	size_t	 i;

	vadmin_str(str_printf(&path, "%s/%s", dir, file));
	if (file_read(path.s, &text) != 1)
		return;
	vadmin_str(str_copys(&name, file + strlen(".qmail-")));
	for (i = 0; i < name.len; i++)
		if (name.s[i] == ':')
			name.s[i] = '.';
	for (p = str_c(&text), end = p + text.len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl > p)
			printf("%s@%s -> %.*s\n", name.s, domain,
			    (int)(nl - p), p);
	}
	str_free(&path);
	str_free(&text);
	str_free(&name);
}

int
vcmd_valias(int argc, char **argv)
{
	struct vpop_domain d;
	struct str user = STR_INIT(256), domain = STR_INIT(256);
	struct str path = STR_INIT(4096), text = STR_INIT(1 << 20);
	struct str file = STR_INIT(256);
	const char *insert = NULL;
	struct dirent *de;
	DIR	*dd;
	int	 c, show = 0, del = 0, lock;
	size_t	 i;

	vadmin_init("valias", "[-v] [-s] [-d] [-i line] alias@domain|domain");
	while ((c = getopt(argc, argv, "vsdi:")) != -1) {
		switch (c) {
		case 'v':
			vcmd_version();
		case 's':
			show = 1;
			break;
		case 'd':
			del = 1;
			break;
		case 'i':
			insert = optarg;
			if (strlen(insert) > 160 || strchr(insert, '\n') ||
			    *insert == '\0')
				vadmin_die(VA_ALIAS_LINE_TOO_LONG, "alias line "
				    "empty, too long or holding a line break");
			break;
		default:
			vadmin_usage();
		}
	}
	if (argc - optind != 1 || (show + del + (insert != NULL)) > 1)
		vadmin_usage();
	vpop_domain_init(&d);
	if (strchr(argv[optind], '@') == NULL) {
		if (!show)
			vadmin_usage();
		vadmin_str(str_copys(&domain, argv[optind]));
		vadmin_domain_arg(domain.s);
		vadmin_domain_get(domain.s, &d);
		if ((dd = opendir(d.dir.s)) == NULL)
			vadmin_die(VA_BAD_DIR, "cannot read %s", d.dir.s);
		while ((de = readdir(dd)) != NULL)
			if (strncmp(de->d_name, ".qmail-", 7) == 0 &&
			    strcmp(de->d_name, ".qmail-default") != 0)
				vcmd_alias_show(d.dir.s, de->d_name, domain.s);
		closedir(dd);
		return 0;
	}
	vadmin_email_arg(argv[optind], &user, &domain, 0);
	vadmin_domain_get(domain.s, &d);
	vadmin_str(str_printf(&file, ".qmail-%s", user.s));
	for (i = 7; i < file.len; i++)
		if (file.s[i] == '.')
			file.s[i] = ':';
	if (strcmp(file.s, ".qmail-default") == 0)
		vadmin_die(VA_ILLEGAL_USERNAME, "\"default\" is the catch-all, "
		    "not an alias");
	vadmin_str(str_printf(&path, "%s/%s", d.dir.s, file.s));
	if (show || (!del && insert == NULL)) {
		if (access(path.s, F_OK) == -1)
			vadmin_die(VA_USER_DOES_NOT_EXIST, "alias %s@%s does "
			    "not exist", user.s, domain.s);
		vcmd_alias_show(d.dir.s, file.s, domain.s);
		return 0;
	}
	lock = vadmin_lock();
	if (del) {
		if (unlink(path.s) == -1)
			vadmin_die(VA_USER_DOES_NOT_EXIST, "alias %s@%s does "
			    "not exist", user.s, domain.s);
		(void)file_fsync_parent(path.s);
	} else {
		if (file_read(path.s, &text) == -1)
			vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot read %s",
			    path.s);
		vadmin_str(str_cats(&text, insert));
		vadmin_str(str_catc(&text, '\n'));
		if (file_replace(path.s, text.s, text.len, 0600) == -1 ||
		    vadmin_chown(path.s, d.uid, d.gid) == -1)
			vadmin_die(VA_COULD_NOT_UPDATE_FILE, "cannot write %s: "
			    "%s", path.s, strerror(errno));
	}
	close(lock);
	return 0;
}
