/*
 * qq - run qmail-queue for a client program; see qq.h.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "file.h"
#include "qq.h"
#include "queue.h"
#include "root.h"

static void	flush(struct qq *);

int
qq_open(struct qq *q)
{
	struct str path = STR_INIT(4096);
	struct child_spec cs;
	char	*argv[2];
	const char *e;
	int	 m[2], v[2], saved;

	memset(q, 0, sizeof(*q));
	q->env.max = STR_UNBOUNDED;
	q->pid = -1;
	e = getenv("QMAILQUEUE");
	if (e != NULL && *e != '\0') {
		if (str_copys(&path, e) == -1)
			return -1;
	} else if (root_path(&path, ROOT_QMAIL, "bin/qmail-queue") == -1)
		return -1;
	if (pipe2(m, O_CLOEXEC) == -1)
		goto fail0;
	if (pipe2(v, O_CLOEXEC) == -1)
		goto fail1;
	argv[0] = path.s;
	argv[1] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = m[0];
	cs.fd[1] = v[0];
	q->pid = child_start(&cs);
	if (q->pid == -1)
		goto fail2;
	close(m[0]);
	close(v[0]);
	q->msgfd = m[1];
	q->envfd = v[1];
	str_free(&path);
	return 0;
fail2:
	saved = errno;
	close(v[0]);
	close(v[1]);
	errno = saved;
fail1:
	saved = errno;
	close(m[0]);
	close(m[1]);
	errno = saved;
fail0:
	str_free(&path);
	return -1;
}

static void
flush(struct qq *q)
{
	if (q->buflen > 0 && !q->fail &&
	    file_writeall(q->msgfd, q->buf, q->buflen) == -1)
		q->fail = 1;
	q->buflen = 0;
}

void
qq_put(struct qq *q, const void *b, size_t n)
{
	if (q->fail)
		return;
	if (q->buflen + n > sizeof(q->buf))
		flush(q);
	if (n > sizeof(q->buf)) {
		if (!q->fail && file_writeall(q->msgfd, b, n) == -1)
			q->fail = 1;
		return;
	}
	memcpy(q->buf + q->buflen, b, n);
	q->buflen += n;
}

void
qq_puts(struct qq *q, const char *s)
{
	qq_put(q, s, strlen(s));
}

void
qq_fail(struct qq *q)
{
	q->fail = 1;
}

void
qq_from(struct qq *q, const char *s)
{
	if (queue_rec_cat(&q->env, 'F', s, strlen(s)) == -1)
		q->fail = 2;
}

void
qq_to(struct qq *q, const char *s)
{
	if (queue_rec_cat(&q->env, 'T', s, strlen(s)) == -1)
		q->fail = 2;
}

unsigned long
qq_qp(const struct qq *q)
{
	return (unsigned long)q->pid;
}

const char *
qq_close(struct qq *q)
{
	int	 status, code, fail;

	flush(q);
	close(q->msgfd);
	fail = q->fail;
	if (!fail && (str_catc(&q->env, '\0') == -1 ||
	    file_writeall(q->envfd, q->env.s, q->env.len) == -1))
		fail = 1;
	close(q->envfd);
	str_free(&q->env);
	if (child_wait(q->pid, &status) == -1)
		return "Zqq waitpid surprise (#4.3.0)";
	if (!WIFEXITED(status))
		return "Zqq crashed (#4.3.0)";
	code = WEXITSTATUS(status);
	if (fail == 2 && code != 0)
		return queue_exit_text(QQ_ADDRLONG);
	if (code == 0 && fail)
		return "Zqq read error (#4.3.0)";
	if (code == 0)
		return "";
	return queue_exit_text(code);
}
