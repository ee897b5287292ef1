/*
 * root - the instance root: compile-time H-Sphere paths or $HSMAIL_ROOT.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "root.h"

static int	 loaded;
static struct str dirs[4] = {
	STR_INIT(4096), STR_INIT(4096), STR_INIT(4096), STR_INIT(4096)
};
static const char *defaults[4] = {
	HSMAIL_QMAIL_DIR, HSMAIL_VPOPMAIL_DIR, HSMAIL_STATISTIC_DIR,
	HSMAIL_LOG_DIR
};
static const char *subdirs[4] = { "qmail", "vpopmail", "statistic", "log" };
static int	 instance;

static void	root_load(void);

int
root_clean(struct str *out, const char *base, const char *p, size_t n)
{
	size_t	 i, j, k;

	if (str_copys(out, *p == '/' ? "/" : base) == -1)
		return -1;
	for (i = 0; i < n; i = j + 1) {
		for (j = i; j < n && p[j] != '/'; j++)
			;
		if (j == i || (j - i == 1 && p[i] == '.'))
			continue;
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') {
			for (k = out->len; k > 0 && out->s[k - 1] != '/'; k--)
				;
			str_truncate(out, k > 1 ? k - 1 : 1);
			continue;
		}
		if ((out->len == 0 || out->s[out->len - 1] != '/') &&
		    str_catc(out, '/') == -1)
			return -1;
		if (str_catb(out, p + i, j - i) == -1)
			return -1;
	}
	return 0;
}

/* Work the directories out once; on any failure use the defaults. */
static void
root_load(void)
{
	struct str top = STR_INIT(4096);
	char	 cwd[PATH_MAX];
	const char *r;
	int	 i;

	loaded = 1;
	instance = 0;
	/* secure_getenv returns NULL in set-uid/set-gid programs. */
	r = secure_getenv("HSMAIL_ROOT");
	if (r == NULL || *r == '\0')
		return;
	/* A relative root (HSMAIL_ROOT=./var) is taken from the directory
	 * the program started in, so a later chdir does not move it; and
	 * written out without "." or ".." (it ends up in users/assign,
	 * vpasswd and .qmail-default). */
	if (r[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL)
		return;
	if (root_clean(&top, r[0] == '/' ? "/" : cwd, r, strlen(r)) == -1)
		goto out;
	for (i = 0; i < 4; i++) {
		str_clear(&dirs[i]);
		if (str_cat(&dirs[i], &top) == -1 ||
		    (top.len > 1 && str_catc(&dirs[i], '/') == -1) ||
		    str_cats(&dirs[i], subdirs[i]) == -1)
			goto out;
	}
	instance = 1;
out:
	str_free(&top);
}

const char *
root_dir(enum root_tree t)
{
	if (!loaded)
		root_load();
	if ((int)t < 0 || (int)t > 3)
		t = ROOT_QMAIL;
	return instance ? str_c(&dirs[t]) : defaults[t];
}

int
root_is_instance(void)
{
	if (!loaded)
		root_load();
	return instance;
}

int
root_path(struct str *out, enum root_tree t, const char *rel)
{
	if (str_copys(out, root_dir(t)) == -1)
		return -1;
	if (*rel == '\0')
		return 0;
	if (str_catc(out, '/') == -1 || str_cats(out, rel) == -1)
		return -1;
	return 0;
}

void
root_reset(void)
{
	loaded = 0;
}
