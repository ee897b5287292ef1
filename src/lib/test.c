/*
 * test - helpers shared by the cmocka unit tests (linked into each test,
 * not into the library: programs build without cmocka).
 */
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

const char *
test_tmpdir(void)
{
	static char path[256];
	const char *t = getenv("TMPDIR");

	snprintf(path, sizeof(path), "%s/hsmail-test-XXXXXX", t ? t : "/tmp");
	if (mkdtemp(path) == NULL)
		abort();
	return path;
}

void
test_rmrf(const char *dir)
{
	char	 cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		abort();
}
