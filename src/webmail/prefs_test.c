/*
 * prefs_test - SqWebMail's preferences line: its orders read (SORT=,
 * OLDEST1ST, our HSORT=), a new order written in place with every other
 * word kept, and the file loaded and saved; the list of senders whose
 * remote images are shown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "../webmail/prefs.h"

/* What SqWebMail 6 writes for a user who never changed a thing. */
#define SQ	"SORT=D PAGESIZE=10 AUTOPURGE=7 NOFLOWEDTEXT=0 NOARCHIVE=0 " \
		"NOAUTORENAMESENT=0 STARTOFWEEK=0 FROM= LDAP="

static const char *
get(const char *line)
{
	static char out[PREFS_SORT_MAX];

	prefs_sort_get(line, strlen(line), out);
	return out;
}

static void
test_get(void **state)
{
	(void)state;
	assert_string_equal(get(""), "");
	assert_string_equal(get("PAGESIZE=10"), "");
	assert_string_equal(get(SQ), "date.d");
	assert_string_equal(get(SQ " OLDEST1ST"), "date.a");
	assert_string_equal(get("SORT=F PAGESIZE=50"), "from.a");
	assert_string_equal(get("SORT=S"), "subject.a");
	assert_string_equal(get("SORT=F HSORT=size.d"), "size.d");
	/* too long for any order: not ours, the SqWebMail word counts */
	assert_string_equal(get("SORT=S HSORT=aaaaaaaaaaaaaaaaaaaaaaaa"),
	    "subject.a");
	assert_string_equal(get("SORT=Dx"), "");
}

static const char *
set(const char *line, const char *sort)
{
	static struct str out = STR_INIT(PREFS_MAX);

	assert_int_equal(prefs_sort_set(line, strlen(line), sort, &out), 0);
	return str_c(&out);
}

static void
test_set(void **state)
{
	(void)state;
	assert_string_equal(set("", "date.d"), "SORT=D HSORT=date.d");
	assert_string_equal(set(SQ, "from.d"), "SORT=F PAGESIZE=10 "
	    "AUTOPURGE=7 NOFLOWEDTEXT=0 NOARCHIVE=0 NOAUTORENAMESENT=0 "
	    "STARTOFWEEK=0 FROM= LDAP= HSORT=from.d");
	assert_string_equal(set(SQ " OLDEST1ST FULLHEADERS HSORT=size.a",
	    "date.a"), "SORT=D PAGESIZE=10 AUTOPURGE=7 NOFLOWEDTEXT=0 "
	    "NOARCHIVE=0 NOAUTORENAMESENT=0 STARTOFWEEK=0 FROM= LDAP= "
	    "FULLHEADERS OLDEST1ST HSORT=date.a");
	assert_string_equal(set("  SORT=S\tNOHTML  ", "thread.d"),
	    "SORT=D NOHTML HSORT=thread.d");
	/* each written line reads back as the order written */
	assert_string_equal(get(set(SQ, "subject.d")), "subject.d");
	assert_string_equal(get(set(SQ " OLDEST1ST", "date.d")), "date.d");
}

static void
test_file(void **state)
{
	char	 dir[] = "/tmp/prefs_test.XXXXXX", path[64];
	struct str line = STR_INIT(PREFS_MAX), t = STR_INIT(PREFS_MAX);
	FILE	*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, PREFS_FILE);
	assert_int_equal(prefs_load(path, &line), 0);
	assert_int_equal(line.len, 0);
	assert_non_null(f = fopen(path, "w"));
	fputs(SQ "\nsecond line\n", f);
	fclose(f);
	assert_int_equal(prefs_load(path, &line), 0);
	assert_string_equal(str_c(&line), SQ);
	assert_int_equal(prefs_sort_set(line.s, line.len, "size.d", &t), 0);
	assert_int_equal(prefs_save(path, &t), 0);
	assert_int_equal(prefs_load(path, &line), 0);
	assert_string_equal(get(str_c(&line)), "size.d");
	/* a file of another program (too long): as if none */
	assert_non_null(f = fopen(path, "w"));
	for (int i = 0; i < PREFS_MAX; i++)
		fputc('x', f);
	fputs("\n", f);
	fclose(f);
	assert_int_equal(prefs_load(path, &line), 0);
	assert_int_equal(line.len, 0);
	unlink(path);
	rmdir(dir);
	str_free(&line);
	str_free(&t);
}

static void
test_senders(void **state)
{
	struct str a = STR_INIT(PREFS_SENDERS_FILE_MAX);
	struct str b = STR_INIT(PREFS_SENDERS_FILE_MAX);
	char	 addr[64];
	int	 i;

	(void)state;
	assert_int_equal(prefs_sender_set("", 0, "Ann@Example.ORG", 1, &a), 0);
	assert_string_equal(str_c(&a), "ann@example.org\n");
	assert_int_equal(prefs_sender_has(a.s, a.len, "ANN@example.org"), 1);
	assert_int_equal(prefs_sender_has(a.s, a.len, "ann@example.or"), 0);
	assert_int_equal(prefs_sender_has(a.s, a.len, ""), 0);
	/* twice: once; another; the first taken back */
	assert_int_equal(prefs_sender_set(a.s, a.len, "ann@example.org", 1,
	    &b), 0);
	assert_string_equal(str_c(&b), "ann@example.org\n");
	assert_int_equal(prefs_sender_set(b.s, b.len, "bob@example.org", 1,
	    &a), 0);
	assert_int_equal(prefs_sender_set(a.s, a.len, "Ann@example.org", 0,
	    &b), 0);
	assert_string_equal(str_c(&b), "bob@example.org\n");
	/* an address that would make two lines: refused */
	assert_int_equal(prefs_sender_set("", 0, "a@b\nc@d", 1, &a), -1);
	assert_int_equal(prefs_sender_set("", 0, "", 1, &a), -1);
	/* full: the oldest goes */
	str_clear(&a);
	for (i = 0; i < PREFS_SENDERS_MAX; i++) {
		snprintf(addr, sizeof(addr), "u%d@example.org", i);
		assert_int_equal(prefs_sender_set(a.s, a.len, addr, 1, &b), 0);
		assert_int_equal(str_copyb(&a, b.s, b.len), 0);
	}
	assert_int_equal(prefs_sender_set(a.s, a.len, "new@example.org", 1,
	    &b), 0);
	assert_int_equal(prefs_sender_has(b.s, b.len, "u0@example.org"), 0);
	assert_int_equal(prefs_sender_has(b.s, b.len, "u1@example.org"), 1);
	assert_int_equal(prefs_sender_has(b.s, b.len, "new@example.org"), 1);
	str_free(&a);
	str_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_senders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
