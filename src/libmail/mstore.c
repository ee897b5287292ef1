/*
 * mstore - the user's Maildir++ as a set of folders (see mstore.h):
 * names and their encodings on disk, listing, create / delete / rename,
 * subscriptions, special-use folders, quota, status.  Runs as the
 * mailbox owner; trusts no name it reads from the directory or a file.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "file.h"
#include "mdquota.h"
#include "mstore_int.h"

#define SUBSCRIBED_FILE	"courierimapsubscribed"
#define SPECIAL_FILE	"hsmail-specialuse"
#define LIST_FILE_MAX	(1024 * 1024)

static const char *special_attr[MS_NSPECIAL] = {
	NULL, "\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"
};
/* The name created for each use, and the names taken as that use when
 * they exist (Courier, SqWebMail, Outlook, Apple Mail, Thunderbird). */
static const char *special_names[MS_NSPECIAL][6] = {
	{ NULL },
	{ "Sent", "Sent Items", "Sent Messages", "Sent Mail", NULL },
	{ "Drafts", "Draft", NULL },
	{ "Trash", "Deleted Items", "Deleted Messages", "Bin", NULL },
	{ "Junk", "Spam", "Junk E-mail", "Junk Email", "Bulk Mail", NULL },
	{ "Archive", "Archives", NULL },
};

static int	detect_mutf7(struct mstore *);
static int	disk_to_name(const struct mstore *, const char *, struct str *);
static int	folder_cmp(const void *, const void *);
static int	list_add(struct mstore_folder **, size_t *, size_t *,
		    const char *, unsigned);
static int	read_lines(struct mstore *, const char *, struct strlist *);
static int	write_lines(struct mstore *, const char *,
		    const struct strlist *);
static int	rmtree_at(int, const char *, int);
static void	special_free(struct mstore *);
static int	special_compute(struct mstore *, struct mstore_folder *,
		    size_t);

int
mstore_open(struct mstore **st_r, const char *path)
{
	struct mstore *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -1;
	if ((st->path = strdup(path)) == NULL) {
		free(st);
		return -1;
	}
	st->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dirfd == -1) {
		int e = errno;

		free(st->path);
		free(st);
		errno = e;
		return -1;
	}
	st->mutf7 = detect_mutf7(st);
	*st_r = st;
	return 0;
}

void
mstore_close(struct mstore *st)
{
	if (st == NULL)
		return;
	special_free(st);
	if (st->dirfd != -1)
		close(st->dirfd);
	free(st->path);
	free(st);
}

const char *
mstore_path(const struct mstore *st)
{
	return st->path;
}

int
mstore_is_mutf7(const struct mstore *st)
{
	return st->mutf7;
}

/*
 * detect_mutf7 - which encoding the tree's folder names are in.  A name
 * with 8-bit bytes is UTF-8 (Courier 5); one with a valid "&...-" run
 * and no 8-bit names elsewhere is modified UTF-7 (Courier before 5,
 * Dovecot's default).  A tree with neither is written in UTF-8.
 */
static int
detect_mutf7(struct mstore *st)
{
	struct str tmp = STR_INIT(4096);
	struct dirent *e;
	DIR	*d;
	int	 fd, u8 = 0, m7 = 0;
	const char *p;

	if ((fd = dup(st->dirfd)) == -1)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		for (p = e->d_name; *p != '\0'; p++)
			if ((unsigned char)*p >= 0x80)
				break;
		if (*p != '\0') {
			u8++;
			continue;
		}
		if (strchr(e->d_name, '&') != NULL) {
			str_clear(&tmp);
			if (mutf7_decode(&tmp, e->d_name, strlen(e->d_name))
			    == 0 && strcmp(tmp.s, e->d_name) != 0)
				m7++;
		}
	}
	closedir(d);
	str_free(&tmp);
	return m7 > 0 && u8 == 0;
}

/* mstore_name_ok - see mstore.h. */
int
mstore_name_ok(const char *name, struct str *canon)
{
	size_t	 n = strlen(name), i, depth = 0, comp = 0;

	if (n == 0 || n > MSTORE_NAME_MAX || !mstore_utf8_ok(name, n))
		return 0;
	if (n >= 5 && strncasecmp(name, "INBOX", 5) == 0 &&
	    (n == 5 || name[5] == MSTORE_DELIM))
		i = 5;
	else
		return 0;
	if (n == 5) {
		if (canon != NULL && str_copys(canon, "INBOX") == -1)
			return 0;
		return 1;
	}
	for (i = 5; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == MSTORE_DELIM) {
			/* an empty component: "INBOX..x", "INBOX.", or a
			 * leading dot in a component on disk */
			if (i + 1 >= n || name[i + 1] == MSTORE_DELIM)
				return 0;
			if (++depth > MSTORE_DEPTH_MAX)
				return 0;
			comp = 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
			return 0;
		comp++;
		if (comp > 255)
			return 0;
	}
	if (canon != NULL) {
		if (str_copys(canon, "INBOX") == -1 ||
		    str_cats(canon, name + 5) == -1)
			return 0;
	}
	return 1;
}

int
mstore_dirname(const struct mstore *st, const char *name, struct str *out)
{
	str_clear(out);
	if (strcmp(name, "INBOX") == 0)
		return str_copys(out, ".");
	if (strncmp(name, "INBOX.", 6) != 0) {
		errno = EINVAL;
		return -1;
	}
	if (str_catc(out, '.') == -1)
		return -1;
	if (st->mutf7)
		return mutf7_encode(out, name + 6, strlen(name + 6));
	return str_cats(out, name + 6);
}

int
mstore_dirpath(const struct mstore *st, const char *name, struct str *out)
{
	struct str d = STR_INIT(4096);
	int	 r;

	if (mstore_dirname(st, name, &d) == -1) {
		str_free(&d);
		return -1;
	}
	str_clear(out);
	r = str_copys(out, st->path) == -1 || str_catc(out, '/') == -1 ||
	    str_cat(out, &d) == -1 ? -1 : 0;
	str_free(&d);
	return r;
}

int
mstore_dirfd(const struct mstore *st, const char *name)
{
	struct str d = STR_INIT(4096);
	int	 fd = -1;

	if (mstore_dirname(st, name, &d) == 0)
		fd = openat(st->dirfd, d.s, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW);
	str_free(&d);
	return fd;
}

/* disk_to_name - ".A.B" to "INBOX.A.B"; -1 EINVAL for a name that is
 * not a folder (bad encoding, empty component). */
static int
disk_to_name(const struct mstore *st, const char *d, struct str *out)
{
	str_clear(out);
	if (str_copys(out, "INBOX.") == -1)
		return -1;
	if (st->mutf7) {
		if (mutf7_decode(out, d + 1, strlen(d + 1)) == -1)
			return -1;
	} else if (str_cats(out, d + 1) == -1)
		return -1;
	if (!mstore_name_ok(out->s, NULL)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

unsigned
mstore_flags_parse(const char *info)
{
	unsigned f = 0;

	for (; *info != '\0'; info++) {
		switch (*info) {
		case 'S': f |= MF_SEEN; break;
		case 'R': f |= MF_ANSWERED; break;
		case 'F': f |= MF_FLAGGED; break;
		case 'T': f |= MF_DELETED; break;
		case 'D': f |= MF_DRAFT; break;
		default: break;
		}
	}
	return f;
}

/* The letters in ASCII order, as the Maildir spec asks. */
int
mstore_flags_letters(unsigned flags, char *out, size_t n)
{
	size_t	 i = 0;

	if (n < 6)
		return -1;
	if (flags & MF_DRAFT)
		out[i++] = 'D';
	if (flags & MF_FLAGGED)
		out[i++] = 'F';
	if (flags & MF_ANSWERED)
		out[i++] = 'R';
	if (flags & MF_SEEN)
		out[i++] = 'S';
	if (flags & MF_DELETED)
		out[i++] = 'T';
	out[i] = '\0';
	return (int)i;
}

static int
folder_cmp(const void *a, const void *b)
{
	const struct mstore_folder *x = a, *y = b;

	if (strcmp(x->name, "INBOX") == 0)
		return strcmp(y->name, "INBOX") == 0 ? 0 : -1;
	if (strcmp(y->name, "INBOX") == 0)
		return 1;
	return strcmp(x->name, y->name);
}

static int
list_add(struct mstore_folder **v, size_t *n, size_t *cap, const char *name,
    unsigned flags)
{
	if (*n >= MSTORE_FOLDERS_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct mstore_folder *nv = reallocarray(*v, nc, sizeof(**v));

		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = nc;
	}
	if (((*v)[*n].name = strdup(name)) == NULL)
		return -1;
	(*v)[*n].flags = flags;
	(*v)[*n].special = MS_NONE;
	(*n)++;
	return 0;
}

/* read_lines - a file of the Maildir, one entry a line. */
static int
read_lines(struct mstore *st, const char *file, struct strlist *l)
{
	char	*buf, *p, *e;
	struct stat sb;
	ssize_t	 r;
	int	 fd;

	fd = openat(st->dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > LIST_FILE_MAX) {
		close(fd);
		return 0;	/* not ours to trust: as if empty */
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	r = pread(fd, buf, (size_t)sb.st_size, 0);
	close(fd);
	if (r < 0) {
		free(buf);
		return -1;
	}
	buf[r] = '\0';
	for (p = buf; p < buf + r; p = e + 1) {
		e = memchr(p, '\n', (size_t)(buf + r - p));
		if (e == NULL)
			e = buf + r;
		if (e > p && strlist_addb(l, p, (size_t)(e - p)) == -1) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

/* write_lines - replace a file of the Maildir (temp, fsync, rename). */
static int
write_lines(struct mstore *st, const char *file, const struct strlist *l)
{
	struct str b = STR_INIT(LIST_FILE_MAX), p = STR_INIT(4096);
	size_t	 i;
	int	 r = -1;

	for (i = 0; i < l->n; i++)
		if (str_cats(&b, l->v[i]) == -1 || str_catc(&b, '\n') == -1)
			goto out;
	if (str_printf(&p, "%s/%s", st->path, file) == -1)
		goto out;
	r = file_replace(p.s, b.s != NULL ? b.s : "", b.len, 0600);
out:
	str_free(&b);
	str_free(&p);
	return r;
}

int
mstore_list(struct mstore *st, struct mstore_folder **v_r, size_t *n_r)
{
	struct mstore_folder *v = NULL;
	struct strlist subs = STRLIST_INIT;
	struct str name = STR_INIT(MSTORE_NAME_MAX * 4);
	struct str dec = STR_INIT(MSTORE_NAME_MAX * 4);
	struct dirent *e;
	size_t	 n = 0, cap = 0, i, j, real;
	DIR	*d;
	int	 fd;

	if (list_add(&v, &n, &cap, "INBOX", 0) == -1)
		goto fail;
	if ((fd = dup(st->dirfd)) == -1)
		goto fail;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		goto fail;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		struct stat sb;

		if (e->d_name[0] != '.' || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type != DT_DIR) {
			if (e->d_type != DT_UNKNOWN ||
			    fstatat(st->dirfd, e->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISDIR(sb.st_mode))
				continue;
		}
		if (disk_to_name(st, e->d_name, &name) == -1) {
			if (errno == EINVAL)
				continue;
			closedir(d);
			goto fail;
		}
		if (list_add(&v, &n, &cap, name.s, 0) == -1) {
			closedir(d);
			goto fail;
		}
	}
	closedir(d);
	real = n;
	/* Parents that exist only as a prefix of a folder's name. */
	for (i = 1; i < real; i++) {
		char	*dot;

		if (str_copys(&name, v[i].name) == -1)
			goto fail;
		while ((dot = strrchr(name.s, MSTORE_DELIM)) != NULL &&
		    dot - name.s > 5) {
			*dot = '\0';
			name.len = (size_t)(dot - name.s);
			for (j = 0; j < n; j++)
				if (strcmp(v[j].name, name.s) == 0)
					break;
			if (j < n)
				break;
			if (list_add(&v, &n, &cap, name.s, MSF_NOSELECT) == -1)
				goto fail;
		}
	}
	/* Children and subscriptions. */
	for (i = 0; i < n; i++) {
		size_t	 l = strlen(v[i].name);

		for (j = 0; j < n; j++)
			if (j != i && strncmp(v[j].name, v[i].name, l) == 0 &&
			    v[j].name[l] == MSTORE_DELIM) {
				v[i].flags |= MSF_CHILDREN;
				break;
			}
	}
	if (read_lines(st, SUBSCRIBED_FILE, &subs) == -1)
		goto fail;
	for (i = 0; i < subs.n; i++) {
		const char *s = subs.v[i];

		str_clear(&dec);
		if (st->mutf7 && mutf7_decode(&dec, s, strlen(s)) == 0)
			s = dec.s;
		if (!mstore_name_ok(s, &name))
			continue;
		for (j = 0; j < n; j++)
			if (strcmp(v[j].name, name.s) == 0)
				break;
		if (j < n)
			v[j].flags |= MSF_SUBSCRIBED;
		else if (list_add(&v, &n, &cap, name.s,
		    MSF_SUBSCRIBED | MSF_NONEXISTENT | MSF_NOSELECT) == -1)
			goto fail;
	}
	strlist_free(&subs);
	str_free(&dec);
	qsort(v, n, sizeof(*v), folder_cmp);
	if (special_compute(st, v, n) == -1)
		goto fail2;
	str_free(&name);
	*v_r = v;
	*n_r = n;
	return 0;
fail:
	strlist_free(&subs);
fail2:
	str_free(&dec);
	str_free(&name);
	mstore_list_free(v, n);
	return -1;
}

void
mstore_list_free(struct mstore_folder *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static void
special_free(struct mstore *st)
{
	int	 i;

	for (i = 0; i < MS_NSPECIAL; i++) {
		free(st->special[i]);
		st->special[i] = NULL;
	}
	st->special_known = 0;
}

/*
 * special_compute - which folder serves each use: one marked in
 * hsmail-specialuse (CREATE-SPECIAL-USE), else the first top-level
 * folder whose name is a known one for the use, in the order of
 * special_names (so "Sent" wins over "Sent Items").
 */
static int
special_compute(struct mstore *st, struct mstore_folder *v, size_t n)
{
	struct strlist marks = STRLIST_INIT;
	size_t	 i, j;
	int	 u, k;

	special_free(st);
	if (read_lines(st, SPECIAL_FILE, &marks) == -1)
		return -1;
	for (i = 0; i < marks.n; i++) {
		char	*sp = strchr(marks.v[i], ' ');

		if (sp == NULL)
			continue;
		u = mstore_special_parse(marks.v[i],
		    (size_t)(sp - marks.v[i]));
		if (u == MS_NONE || st->special[u] != NULL)
			continue;
		for (j = 0; j < n; j++)
			if (!(v[j].flags & MSF_NOSELECT) &&
			    strcmp(v[j].name, sp + 1) == 0)
				break;
		if (j < n && (st->special[u] = strdup(v[j].name)) == NULL)
			goto fail;
	}
	for (u = 1; u < MS_NSPECIAL; u++) {
		for (k = 0; st->special[u] == NULL &&
		    special_names[u][k] != NULL; k++) {
			for (j = 0; j < n; j++) {
				const char *nm = v[j].name;

				if ((v[j].flags & MSF_NOSELECT) ||
				    strncmp(nm, "INBOX.", 6) != 0 ||
				    strchr(nm + 6, MSTORE_DELIM) != NULL ||
				    strcasecmp(nm + 6, special_names[u][k])
				    != 0)
					continue;
				for (i = 1; i < MS_NSPECIAL; i++)
					if (st->special[i] != NULL &&
					    strcmp(st->special[i], nm) == 0)
						break;
				if (i < MS_NSPECIAL)
					continue;
				if ((st->special[u] = strdup(nm)) == NULL)
					goto fail;
				break;
			}
		}
	}
	for (j = 0; j < n; j++)
		for (u = 1; u < MS_NSPECIAL; u++)
			if (st->special[u] != NULL &&
			    strcmp(st->special[u], v[j].name) == 0)
				v[j].special = (enum mstore_special)u;
	st->special_known = 1;
	strlist_free(&marks);
	return 0;
fail:
	strlist_free(&marks);
	return -1;
}

const char *
mstore_special_attr(enum mstore_special u)
{
	if (u <= MS_NONE || u >= MS_NSPECIAL)
		return NULL;
	return special_attr[u];
}

enum mstore_special
mstore_special_parse(const char *a, size_t n)
{
	int	 u;

	for (u = 1; u < MS_NSPECIAL; u++)
		if (strlen(special_attr[u]) == n &&
		    strncasecmp(special_attr[u], a, n) == 0)
			return (enum mstore_special)u;
	return MS_NONE;
}

const char *
mstore_special_folder(struct mstore *st, enum mstore_special u)
{
	struct mstore_folder *v;
	size_t	 n;

	if (u <= MS_NONE || u >= MS_NSPECIAL)
		return NULL;
	if (!st->special_known) {
		if (mstore_list(st, &v, &n) == -1)
			return NULL;
		mstore_list_free(v, n);
	}
	return st->special[u];
}

int
mstore_ensure_special(struct mstore *st)
{
	struct mstore_folder *v;
	struct str nm = STR_INIT(MSTORE_NAME_MAX);
	size_t	 n;
	int	 u, r = 0;

	if (mstore_list(st, &v, &n) == -1)
		return -1;
	mstore_list_free(v, n);
	for (u = 1; u < MS_NSPECIAL && r == 0; u++) {
		if (st->special[u] != NULL)
			continue;
		str_clear(&nm);
		if (str_printf(&nm, "INBOX.%s", special_names[u][0]) == -1) {
			r = -1;
			break;
		}
		if (mstore_create(st, nm.s, MS_NONE) == -1 && errno != EEXIST)
			r = -1;
		else
			r = mstore_subscribe(st, nm.s, 1);
	}
	str_free(&nm);
	st->special_known = 0;
	return r;
}

int
mstore_exists(struct mstore *st, const char *name)
{
	struct str c = STR_INIT(MSTORE_NAME_MAX);
	int	 fd;

	if (!mstore_name_ok(name, &c)) {
		str_free(&c);
		return 0;
	}
	fd = mstore_dirfd(st, c.s);
	str_free(&c);
	if (fd == -1)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ?
		    0 : -1;
	close(fd);
	return 1;
}

int
mstore_create(struct mstore *st, const char *name,
    enum mstore_special special)
{
	struct str c = STR_INIT(MSTORE_NAME_MAX), d = STR_INIT(4096);
	int	 fd, r = -1, e;

	if (!mstore_name_ok(name, &c)) {
		errno = EINVAL;
		goto out;
	}
	if (strcmp(c.s, "INBOX") == 0) {
		errno = EEXIST;
		goto out;
	}
	if (mstore_dirname(st, c.s, &d) == -1)
		goto out;
	if (mkdirat(st->dirfd, d.s, 0700) == -1)
		goto out;
	if ((fd = openat(st->dirfd, d.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
	    == -1)
		goto out;
	if ((mkdirat(fd, "tmp", 0700) == -1 && errno != EEXIST) ||
	    (mkdirat(fd, "new", 0700) == -1 && errno != EEXIST) ||
	    (mkdirat(fd, "cur", 0700) == -1 && errno != EEXIST)) {
		e = errno;
		close(fd);
		errno = e;
		goto out;
	}
	e = openat(fd, "maildirfolder", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (e != -1)
		close(e);
	(void)fsync(fd);
	close(fd);
	(void)fsync(st->dirfd);
	if (special != MS_NONE && special < MS_NSPECIAL) {
		struct strlist marks = STRLIST_INIT;
		struct str line = STR_INIT(MSTORE_NAME_MAX + 16);

		if (read_lines(st, SPECIAL_FILE, &marks) == 0 &&
		    str_printf(&line, "%s %s", special_attr[special], c.s)
		    == 0 && strlist_adds(&marks, line.s) == 0)
			(void)write_lines(st, SPECIAL_FILE, &marks);
		strlist_free(&marks);
		str_free(&line);
	}
	st->special_known = 0;
	r = 0;
out:
	str_free(&c);
	str_free(&d);
	return r;
}

/* rmtree_at - remove name below dirfd and everything in it (a folder
 * holds tmp/ new/ cur/ and a few files: depth is small). */
static int
rmtree_at(int dirfd, const char *name, int depth)
{
	struct dirent *e;
	DIR	*d;
	int	 fd, r = 0;

	if (depth > 4) {
		errno = ELOOP;
		return -1;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (fd == -1)
		return unlinkat(dirfd, name, 0);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, e->d_name, 0) == -1 &&
		    (errno == EISDIR || errno == EPERM) &&
		    rmtree_at(fd, e->d_name, depth + 1) == -1)
			r = -1;
	}
	closedir(d);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) == -1)
		r = -1;
	return r;
}

int
mstore_delete(struct mstore *st, const char *name)
{
	struct str c = STR_INIT(MSTORE_NAME_MAX), d = STR_INIT(4096);
	struct stat sb;
	int	 r = -1;

	if (!mstore_name_ok(name, &c) || strcmp(str_c(&c), "INBOX") == 0) {
		errno = EINVAL;
		goto out;
	}
	if (mstore_dirname(st, c.s, &d) == -1)
		goto out;
	if (fstatat(st->dirfd, d.s, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		goto out;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOENT;
		goto out;
	}
	/* Quota follows: the folder's messages leave the count. */
	if (rmtree_at(st->dirfd, d.s, 0) == -1)
		goto out;
	(void)fsync(st->dirfd);
	(void)mstore_subscribe(st, c.s, 0);
	{
		/* maildirsize is recalculated by its next reader */
		unsigned long long u, l, k, kl;

		if (mstore_quota(st, &u, &l, &k, &kl) == 0 && (l || kl)) {
			struct str p = STR_INIT(4096);

			if (str_printf(&p, "%s/maildirsize", st->path) == 0)
				(void)unlink(p.s);
			str_free(&p);
		}
	}
	st->special_known = 0;
	r = 0;
out:
	str_free(&c);
	str_free(&d);
	return r;
}

int
mstore_rename(struct mstore *st, const char *from, const char *to)
{
	struct mstore_folder *v = NULL;
	struct str f = STR_INIT(MSTORE_NAME_MAX), t = STR_INIT(MSTORE_NAME_MAX);
	struct str a = STR_INIT(4096), b = STR_INIT(4096);
	struct str cn = STR_INIT(MSTORE_NAME_MAX * 2);
	struct strlist subs = STRLIST_INIT;
	size_t	 n = 0, i, fl, renamed = 0;
	int	 r = -1, e;

	if (!mstore_name_ok(from, &f) || !mstore_name_ok(to, &t) ||
	    strcmp(str_c(&t), "INBOX") == 0) {
		errno = EINVAL;
		goto out;
	}
	if (mstore_exists(st, t.s) == 1) {
		errno = EEXIST;
		goto out;
	}
	fl = f.len;
	if (strncmp(t.s, f.s, fl) == 0 && t.s[fl] == MSTORE_DELIM) {
		errno = EINVAL;		/* into itself */
		goto out;
	}
	if (strcmp(f.s, "INBOX") == 0) {
		/* RFC 3501 6.3.5: INBOX's messages move, INBOX stays. */
		struct mbox *mb;
		size_t	*idx;
		uint32_t uv, *uids;

		if (mstore_create(st, t.s, MS_NONE) == -1)
			goto out;
		if (mbox_open(st, "INBOX", MBOX_NORECENT, &mb) == -1)
			goto out;
		idx = calloc(mb->n + 1, sizeof(*idx));
		uids = calloc(mb->n + 1, sizeof(*uids));
		if (idx == NULL || uids == NULL) {
			free(idx);
			free(uids);
			mbox_close(mb);
			goto out;
		}
		for (i = 0; i < mb->n; i++)
			idx[i] = i;
		r = mbox_copy(mb, idx, mb->n, t.s, 1, &uv, uids, NULL, NULL);
		free(idx);
		free(uids);
		mbox_close(mb);
		goto out;
	}
	if (mstore_list(st, &v, &n) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (v[i].flags & (MSF_NOSELECT | MSF_NONEXISTENT))
			continue;
		if (strcmp(v[i].name, f.s) != 0 &&
		    !(strncmp(v[i].name, f.s, fl) == 0 &&
		    v[i].name[fl] == MSTORE_DELIM))
			continue;
		str_clear(&cn);
		if (str_cat(&cn, &t) == -1 ||
		    str_cats(&cn, v[i].name + fl) == -1)
			goto out;
		if (!mstore_name_ok(cn.s, NULL)) {
			errno = EINVAL;
			goto out;
		}
		if (mstore_dirname(st, v[i].name, &a) == -1 ||
		    mstore_dirname(st, cn.s, &b) == -1)
			goto out;
		if (renameat2(st->dirfd, a.s, st->dirfd, b.s,
		    RENAME_NOREPLACE) == -1)
			goto out;
		renamed++;
	}
	if (renamed == 0) {
		errno = ENOENT;
		goto out;
	}
	(void)fsync(st->dirfd);
	/* Subscriptions follow the names. */
	if (read_lines(st, SUBSCRIBED_FILE, &subs) == 0) {
		struct strlist nl = STRLIST_INIT;
		struct str dec = STR_INIT(MSTORE_NAME_MAX * 2);
		int	 changed = 0;

		for (i = 0; i < subs.n; i++) {
			const char *s = subs.v[i];

			str_clear(&dec);
			if (st->mutf7 && mutf7_decode(&dec, s, strlen(s)) == 0)
				s = dec.s;
			if (strcmp(s, f.s) == 0 || (strncmp(s, f.s, fl) == 0 &&
			    s[fl] == MSTORE_DELIM)) {
				str_clear(&cn);
				str_clear(&dec);
				if (str_cat(&cn, &t) == -1 ||
				    str_cats(&cn, s + fl) == -1 ||
				    (st->mutf7 ? mutf7_encode(&dec, cn.s, cn.len) :
				    str_copys(&dec, cn.s)) == -1 ||
				    strlist_adds(&nl, dec.s) == -1) {
					changed = 0;	/* keep the old file */
					break;
				}
				changed = 1;
			} else if (strlist_adds(&nl, subs.v[i]) == -1) {
				changed = 0;
				break;
			}
		}
		if (changed)
			(void)write_lines(st, SUBSCRIBED_FILE, &nl);
		strlist_free(&nl);
		str_free(&dec);
	}
	st->special_known = 0;
	r = 0;
out:
	e = errno;
	if (v != NULL)
		mstore_list_free(v, n);
	strlist_free(&subs);
	str_free(&f);
	str_free(&t);
	str_free(&a);
	str_free(&b);
	str_free(&cn);
	errno = e;
	return r;
}

int
mstore_subscribe(struct mstore *st, const char *name, int on)
{
	struct strlist subs = STRLIST_INIT, nl = STRLIST_INIT;
	struct str c = STR_INIT(MSTORE_NAME_MAX), enc = STR_INIT(4096);
	struct str dec = STR_INIT(4096);
	size_t	 i;
	int	 r = -1, found = 0;

	if (!mstore_name_ok(name, &c)) {
		errno = EINVAL;
		goto out;
	}
	if (st->mutf7 ? mutf7_encode(&enc, c.s, c.len) : str_copys(&enc, c.s))
		goto out;
	if (read_lines(st, SUBSCRIBED_FILE, &subs) == -1)
		goto out;
	for (i = 0; i < subs.n; i++) {
		const char *s = subs.v[i];

		str_clear(&dec);
		if (st->mutf7 && mutf7_decode(&dec, s, strlen(s)) == 0)
			s = dec.s;
		if (strcmp(s, c.s) == 0) {
			found = 1;
			if (!on)
				continue;
		}
		if (strlist_adds(&nl, subs.v[i]) == -1)
			goto out;
	}
	if (on && found) {
		r = 0;
		goto out;
	}
	if (!on && !found) {
		r = 0;
		goto out;
	}
	if (on && strlist_adds(&nl, enc.s) == -1)
		goto out;
	r = write_lines(st, SUBSCRIBED_FILE, &nl);
out:
	strlist_free(&subs);
	strlist_free(&nl);
	str_free(&c);
	str_free(&enc);
	str_free(&dec);
	return r;
}

int
mstore_quota(struct mstore *st, unsigned long long *used_r,
    unsigned long long *limit_r, unsigned long long *count_r,
    unsigned long long *count_limit_r)
{
	struct strlist l = STRLIST_INIT;
	struct mdquota q;
	int	 r;

	*used_r = *limit_r = *count_r = *count_limit_r = 0;
	if (read_lines(st, "maildirsize", &l) == -1)
		return -1;
	if (l.n == 0) {
		strlist_free(&l);
		return 0;
	}
	memset(&q, 0, sizeof(q));
	r = mdquota_get(st->path, l.v[0], &q, time(NULL));
	strlist_free(&l);
	if (r == -1)
		return -1;
	*used_r = q.size > 0 ? (unsigned long long)q.size : 0;
	*count_r = q.count > 0 ? (unsigned long long)q.count : 0;
	*limit_r = q.size_max;
	*count_limit_r = q.count_max;
	return 0;
}

int
mstore_status(struct mstore *st, const char *name, struct mstore_status *s)
{
	struct mbox *mb;
	size_t	 i;

	memset(s, 0, sizeof(*s));
	if (mbox_open(st, name, MBOX_RDONLY | MBOX_NORECENT, &mb) == -1)
		return -1;
	s->messages = (uint32_t)mb->n;
	for (i = 0; i < mb->n; i++) {
		uint64_t sz;

		if (!(mb->m[i].flags & MF_SEEN))
			s->unseen++;
		if (mb->m[i].flags & MF_DELETED)
			s->deleted++;
		if (strncmp(mb->m[i].name, "new/", 4) == 0)
			s->recent++;
		if (mbox_msg_size(mb, i, &sz) == 0)
			s->size += sz;
	}
	s->uidnext = mb->uidnext;
	s->uidvalidity = mb->uidvalidity;
	s->highestmodseq = mb->highestmodseq;
	mbox_close(mb);
	return 0;
}
