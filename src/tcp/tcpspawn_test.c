/*
 * tcpspawn_test - the environment a program gets: ours minus what is set
 * or removed, the set items appended, the last of each name winning, and
 * a program started through tcpspawn_start seeing exactly that.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tcpspawn.h"
#include "test.h"

extern char **environ;

static void
test_envfill(void **state)
{
	char	*mine[] = { "A=1", "B=2", "AB=3", "C=4", NULL };
	char	*vars[] = { "B=new", "C", "D=x", "D=y", "A", "A=again", NULL };
	char	**saved = environ, *env[16];

	(void)state;
	environ = mine;
	assert_int_equal(tcpspawn_envsize(6), 11);
	tcpspawn_envfill(env, vars, 6);
	environ = saved;
	assert_string_equal(env[0], "AB=3");
	assert_string_equal(env[1], "B=new");
	assert_string_equal(env[2], "D=y");
	assert_string_equal(env[3], "A=again");
	assert_null(env[4]);
}

static void
test_start(void **state)
{
	struct strlist vars = STRLIST_INIT;
	char	*argv[] = { "sh", "-c", "echo \"$TCPX:$HOME\"", NULL };
	char	 buf[64];
	sigset_t none;
	int	 sv[2], st;
	ssize_t	 n;
	pid_t	 pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
	assert_int_equal(strlist_adds(&vars, "TCPX=yes"), 0);
	assert_int_equal(strlist_adds(&vars, "HOME"), 0);
	sigemptyset(&none);
	pid = tcpspawn_start(sv[1], argv, &vars, &none);
	assert_true(pid > 0);
	assert_int_equal(vars.n, 0);		/* taken over */
	close(sv[1]);
	n = read(sv[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "yes:\n");
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(st, 0);
	tcpspawn_reaped(pid);
	close(sv[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envfill),
		cmocka_unit_test(test_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
