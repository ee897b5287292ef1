/*
 * root - the instance root: compile-time H-Sphere paths or $HSMAIL_ROOT.
 */
#include <stdlib.h>

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

/* Work the directories out once; on a failure fall back to defaults. */
static void
root_load(void)
{
	const char *r;
	size_t	 n;
	int	 i;

	loaded = 1;
	/* secure_getenv returns NULL in set-uid/set-gid programs. */
	r = secure_getenv("HSMAIL_ROOT");
	instance = r != NULL && *r != '\0';
	for (i = 0; i < 4; i++) {
		str_clear(&dirs[i]);
		if (instance) {
			n = 0;
			while (r[n] != '\0')
				n++;
			while (n > 1 && r[n - 1] == '/')
				n--;
			if (str_copyb(&dirs[i], r, n) == 0 &&
			    str_catc(&dirs[i], '/') == 0 &&
			    str_cats(&dirs[i], subdirs[i]) == 0)
				continue;
			instance = 0;
		}
		str_clear(&dirs[i]);
	}
	if (!instance)
		for (i = 0; i < 4; i++)
			str_clear(&dirs[i]);
}

const char *
root_dir(enum root_tree t)
{
	if (!loaded)
		root_load();
	if (!instance || (int)t < 0 || (int)t > 3)
		return defaults[(int)t >= 0 && (int)t <= 3 ? t : 0];
	return str_c(&dirs[t]);
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
