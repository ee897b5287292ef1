/*
 * vcmd - main() of the vpopmail admin commands (vadddomain, vdeldomain,
 * vaddaliasdomain, vdominfo, vadduser, vdeluser, vpasswd, vmoduser,
 * vsetuserquota, vuserinfo, valias): the program's name picks the command.
 * Run by root or the hosting panel; see the man page of each command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vadmin.h"
#include "vcmd.h"

static const struct {
	const char *name;
	int	(*fn)(int, char **);
} vcmd_table[] = {
	{ "vadddomain", vcmd_vadddomain },
	{ "vdeldomain", vcmd_vdeldomain },
	{ "vaddaliasdomain", vcmd_vaddaliasdomain },
	{ "vdominfo", vcmd_vdominfo },
	{ "vadduser", vcmd_vadduser },
	{ "vdeluser", vcmd_vdeluser },
	{ "vpasswd", vcmd_vpasswd },
	{ "vmoduser", vcmd_vmoduser },
	{ "vsetuserquota", vcmd_vsetuserquota },
	{ "vuserinfo", vcmd_vuserinfo },
	{ "valias", vcmd_valias },
};

void
vcmd_args(int argc, char **argv, int n)
{
	int	 c;

	while ((c = getopt(argc, argv, "v")) != -1) {
		if (c == 'v')
			vcmd_version();
		vadmin_usage();
	}
	if (argc - optind != n)
		vadmin_usage();
}

void
vcmd_version(void)
{
	printf("hsmail vpopmail-compatible tools (vpopmail 5.2.2 formats)\n");
	exit(0);
}

int
main(int argc, char **argv)
{
	const char *name = argc > 0 ? strrchr(argv[0], '/') : NULL;
	size_t	 i;

	name = name != NULL ? name + 1 : argc > 0 ? argv[0] : "";
	for (i = 0; i < sizeof(vcmd_table) / sizeof(vcmd_table[0]); i++)
		if (strcmp(name, vcmd_table[i].name) == 0)
			return vcmd_table[i].fn(argc, argv);
	fprintf(stderr, "%s: unknown command name\n", name);
	return 100;
}
