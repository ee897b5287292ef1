/*
 * qmail-rspawn - run qmail-remote for each remote delivery qmail-send
 * asks for, and pass the reports back.  Started by qmail-start as qmailr:
 * commands on fd 0, answers on fd 1, in qmail's spawn protocol
 * (spawn_proto.h).  Trusts qmail-send; opens only message files below
 * queue/mess that are owned like queue/mess itself.  qmail-rspawn(8).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "err.h"
#include "io.h"
#include "log.h"
#include "queue.h"
#include "root.h"
#include "spawn_proto.h"
#include "str.h"
#include "wbuf.h"

/* Slots announced to qmail-send: the most one byte can number. */
#define NSLOTS	255
#define TRUNCMESS "\nError report too long, sorry.\n"

struct slot {
	int	 used;
	int	 fd;		/* read end of qmail-remote's output */
	pid_t	 pid;
	int	 full;		/* output cut at SPAWN_REPORT_MAX */
	struct str out;
};

static struct slot slots[NSLOTS];
static struct io outio;
static struct wbuf out;
static struct str prog = STR_INIT(4096);
static uid_t qowner;

static void	answer(unsigned, const char *, size_t);
static void	docmd(void *, const struct spawn_cmd *);
static void	collect(unsigned);

/* Answer slot: the slot byte, the report, a NUL.  Write errors are
 * ignored: qmail-send has gone and will redo the delivery. */
static void
answer(unsigned slot, const char *rep, size_t n)
{
	char	 c = (char)slot;

	(void)wbuf_put(&out, &c, 1);
	(void)wbuf_put(&out, rep, n);
	(void)wbuf_put(&out, "", 1);
	(void)wbuf_flush(&out);
}

static void
docmd(void *arg, const struct spawn_cmd *c)
{
	struct child_spec cs;
	struct stat st;
	const char *bad;
	char	*argv[5];
	char	*host;
	size_t	 at;
	int	 fd, pi[2];
	pid_t	 pid;

	(void)arg;
	bad = spawn_check(c, NSLOTS, c->slot < NSLOTS && slots[c->slot].used,
	    &at);
	if (bad != NULL) {
		answer(c->slot, bad, strlen(bad));
		return;
	}
	fd = open(str_c(&c->messid), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		bad = "Zqmail-spawn unable to open message. (#4.3.0)\n";
		answer(c->slot, bad, strlen(bad));
		return;
	}
	if (fstat(fd, &st) == -1)
		bad = "Zqmail-spawn unable to fstat message. (#4.3.0)\n";
	else if (!S_ISREG(st.st_mode))
		bad = "ZSorry, message has wrong type. (#4.3.5)\n";
	else if (st.st_uid != qowner)
		bad = "ZSorry, message has wrong owner. (#4.3.5)\n";
	else if (pipe2(pi, O_CLOEXEC) == -1)
		bad = "Zqmail-spawn unable to create pipe. (#4.3.0)\n";
	if (bad != NULL) {
		close(fd);
		answer(c->slot, bad, strlen(bad));
		return;
	}
	host = c->recip.s + at + 1;
	argv[0] = prog.s;
	argv[1] = host;
	argv[2] = c->sender.s != NULL ? c->sender.s : (char *)"";
	argv[3] = c->recip.s;
	argv[4] = NULL;
	child_spec_init(&cs, argv);
	cs.fd[0] = fd;
	cs.fd[1] = pi[1];
	cs.fd[2] = pi[1];
	pid = child_start(&cs);
	close(fd);
	close(pi[1]);
	if (pid == -1) {
		close(pi[0]);
		bad = err_is_temp(errno) ? "ZUnable to run qmail-remote.\n" :
		    "DUnable to run qmail-remote.\n";
		answer(c->slot, bad, strlen(bad));
		return;
	}
	slots[c->slot].used = 1;
	slots[c->slot].fd = pi[0];
	slots[c->slot].pid = pid;
	slots[c->slot].full = 0;
	str_clear(&slots[c->slot].out);
}

/* Read what qmail-remote wrote; at its end, wait and answer. */
static void
collect(unsigned i)
{
	struct slot *s = &slots[i];
	struct str rep = STR_INIT(STR_UNBOUNDED);
	char	 buf[4096];
	ssize_t	 r;
	int	 wstat;

	r = read(s->fd, buf, sizeof(buf));
	if (r == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r > 0) {
		if (s->full)
			return;
		if (s->out.len + (size_t)r > SPAWN_REPORT_MAX) {
			str_truncate(&s->out, SPAWN_REPORT_MAX -
			    sizeof(TRUNCMESS) - 3);
			str_note(&s->out, TRUNCMESS);
			s->full = 1;
			return;
		}
		if (str_catb(&s->out, buf, (size_t)r) == -1)
			s->full = 1;
		return;
	}
	/* End of output (or a read error): the child is finishing. */
	close(s->fd);
	if (child_wait(s->pid, &wstat) == -1)
		wstat = 111 << 8;
	if (spawn_fold(wstat, s->out.s, s->out.len, &rep) == -1) {
		static const char nomem[] =
		    "Zqmail-spawn out of memory. (#4.3.0)\n";

		answer(i, nomem, sizeof(nomem) - 1);
	} else
		answer(i, rep.s, rep.len);
	str_free(&rep);
	s->used = 0;
}

int
main(void)
{
	struct pollfd pfd[NSLOTS + 1];
	unsigned idx[NSLOTS + 1];
	struct spawn_dec dec;
	struct str dir = STR_INIT(4096);
	struct stat st;
	const char *qr;
	char	 buf[4096], c;
	ssize_t	 r;
	size_t	 n, i;
	int	 reading = 1, busy;

	log_init("qmail-rspawn");
	signal(SIGPIPE, SIG_IGN);
	if (queue_dir(&dir) == -1 || str_cats(&dir, "/" QUEUE_MESS) == -1 ||
	    chdir(str_c(&dir)) == -1 || stat(".", &st) == -1)
		log_die(111, "unable to switch to %s", str_c(&dir));
	qowner = st.st_uid;
	qr = getenv("QMAILREMOTE");
	if (qr != NULL ? str_copys(&prog, qr) :
	    root_path(&prog, ROOT_QMAIL, "bin/qmail-remote"))
		log_die(111, "out of memory");
	for (i = 0; i < NSLOTS; i++) {
		struct str s = STR_INIT(SPAWN_REPORT_MAX);

		slots[i].out = s;
	}
	io_init(&outio, 1, 1, 0);
	wbuf_init(&out, &outio);
	spawn_dec_init(&dec);
	c = (char)NSLOTS;
	(void)wbuf_put(&out, &c, 1);
	(void)wbuf_flush(&out);

	for (;;) {
		n = 0;
		busy = 0;
		if (reading) {
			pfd[n].fd = 0;
			pfd[n].events = POLLIN;
			idx[n++] = NSLOTS;
		}
		for (i = 0; i < NSLOTS; i++)
			if (slots[i].used) {
				pfd[n].fd = slots[i].fd;
				pfd[n].events = POLLIN;
				idx[n++] = (unsigned)i;
				busy = 1;
			}
		if (!reading && !busy)
			break;
		if (poll(pfd, n, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_die(111, "poll failed");
		}
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (idx[i] < NSLOTS) {
				collect(idx[i]);
				continue;
			}
			r = read(0, buf, sizeof(buf));
			if (r == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				reading = 0;
				continue;
			}
			if (spawn_dec_feed(&dec, buf, (size_t)r, docmd,
			    NULL) == -1)
				log_die(111, "out of memory");
		}
	}
	spawn_dec_free(&dec);
	return 0;
}
