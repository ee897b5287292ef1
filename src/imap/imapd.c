/*
 * imapd - serve one IMAP session on the user's Maildir++, after login.
 * Started by the checkpassword program (vchkpw) as the mailbox owner, in
 * the user's home directory, with the client on fds 0/1 (directly, or
 * through imaplogin-tls's TLS relay) and the log on fd 2:
 *	imaplogin HOST vchkpw imapd Maildir
 * IMAPLOGIN_TAG (set by imaplogin) is the tag of the LOGIN or
 * AUTHENTICATE to answer; without it the session starts pre-authenticated
 * (PREAUTH), as Dovecot's and Courier's imapd do when run directly.
 * Trusts its environment and the Maildir's owner; trusts nothing the
 * client sends.  Reads commands whole (literals bounded), watches the
 * selected folder with inotify during IDLE, and ends an idle session
 * after 30 minutes (RFC 9051 5.4).
 */
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "imap_parse.h"
#include "imap_z.h"
#include "imapd_proto.h"
#include "io.h"
#include "log.h"
#include "mstore.h"
#include "num.h"
#include "rbuf.h"
#include "str.h"
#include "wbuf.h"

#define IMAPD_TIMEOUT	1800	/* autologout: 30 minutes (RFC 9051 5.4) */
#define IMAPD_KEEPALIVE	(4 * 60) /* "* OK Still here" while idling */
#define IMAPD_STACK_RELEASE (128 * 1024) /* stack given back before IDLE */
#define IMAPD_STACK_MARGIN 1024	/* ... below this much under its frame */

static unsigned long timeout = IMAPD_TIMEOUT;	/* IMAP_TIMEOUT, shorter */

static struct io io;
static struct rbuf rb;
static struct wbuf wb;
static struct imapd sess;

static void	say_exit(const char *) __attribute__((__noreturn__));
static int	read_command(struct str *, size_t);
static int	line_waiting(void);
static int	do_idle(void);
static void	stack_release(void) __attribute__((__noinline__));
static void	log_logout(void);

/* say_exit - a last untagged BYE, then the end. */
static void
say_exit(const char *text)
{
	(void)wbuf_puts(&wb, text);
	(void)wbuf_flush(&wb);
	log_logout();
	exit(EXIT_DONE);
}

static int
line_waiting(void)
{
	return (rb.len > rb.pos && memchr(rb.buf + rb.pos, '\n',
	    rb.len - rb.pos) != NULL);
}

/* is_append - the command being read is an APPEND (its literal may be
 * as large as APPENDLIMIT; any other command's are small). */
static int
is_append(const struct str *cmd)
{
	const char *sp = memchr(cmd->s, ' ', cmd->len), *e = cmd->s + cmd->len;

	if (sp == NULL)
		return 0;
	sp++;
	if (e - sp >= 4 && strncasecmp(sp, "UID ", 4) == 0)
		return 0;
	return e - sp >= 7 && strncasecmp(sp, "APPEND ", 7) == 0;
}

/* tag_of - the tag at the start of cmd, for a refusal. */
static void
tag_of(const struct str *cmd, char *out, size_t n)
{
	size_t	 i;

	for (i = 0; i < cmd->len && i + 1 < n && cmd->s[i] != ' ' &&
	    (unsigned char)cmd->s[i] > 0x20 && (unsigned char)cmd->s[i] < 0x7f;
	    i++)
		out[i] = cmd->s[i];
	out[i] = '\0';
	if (i == 0)
		snprintf(out, n, "*");
}

/*
 * read_command - one whole command into cmd, its literals inline
 * ("{n}\r\n" + n octets).  1 a command, 0 end of input, -1 the session
 * must end (BYE sent), 2 the command was refused (answered; read on).
 */
static int
read_command(struct str *cmd, size_t appendmax)
{
	struct str line = STR_INIT(IMAPD_LINE_MAX);
	char	 tag[IMAP_TAG_MAX + 1];
	int	 r, ret = -1;

	str_clear(cmd);
	for (;;) {
		uint64_t n = 0;
		size_t	 i, limit;
		int	 sync = 1, digits = 0;

		r = rbuf_line(&rb, &line, 0);
		if (r == 0) {
			ret = cmd->len > 0 ? -1 : 0;
			goto out;
		}
		if (r == -1) {
			if (errno == ETIMEDOUT)
				say_exit("* BYE Autologout; idle for too "
				    "long\r\n");
			if (errno == E2BIG)
				say_exit("* BYE [TOOBIG] command line too "
				    "long\r\n");
			goto out;
		}
		if (memchr(line.s, '\0', line.len) != NULL) {
			tag_of(&line, tag, sizeof(tag));
			if (wbuf_printf(&wb, "%s BAD NUL octet in command\r\n",
			    tag) == -1)
				goto out;
			ret = 2;
			goto out;
		}
		limit = IMAPD_LINE_MAX;
		if (cmd->len + line.len > limit * 4 && !is_append(cmd))
			say_exit("* BYE [TOOBIG] command too long\r\n");
		if (str_catb(cmd, line.s, line.len) == -1) {
			if (errno == E2BIG || errno == ENOMEM)
				say_exit("* BYE [TOOBIG] command too long\r\n");
			goto out;
		}
		/* a literal at the end of the line: "{n}", "{n+}", "~{n}" */
		i = line.len;
		if (i < 3 || line.s[i - 1] != '}') {
			ret = 1;
			goto out;
		}
		i--;
		if (line.s[i - 1] == '+') {
			sync = 0;
			i--;
		}
		while (i > 0 && line.s[i - 1] >= '0' && line.s[i - 1] <= '9') {
			i--;
			digits++;
		}
		if (digits == 0 || i == 0 || line.s[i - 1] != '{') {
			ret = 1;
			goto out;
		}
		/* more than 19 digits cannot be a size we take anyway */
		for (; digits > 0; digits--, i++)
			n = n > UINT64_MAX / 20 ? UINT64_MAX / 2 :
			    n * 10 + (uint64_t)(line.s[i] - '0');
		limit = is_append(cmd) ? appendmax + IMAPD_LINE_MAX :
		    IMAPD_LINE_MAX * 4;
		if (cmd->len + n > limit) {
			tag_of(cmd, tag, sizeof(tag));
			if (!sync)
				say_exit("* BYE [TOOBIG] literal too large\r\n");
			if (wbuf_printf(&wb, "%s NO [TOOBIG] literal too "
			    "large\r\n", tag) == -1)
				goto out;
			ret = 2;
			goto out;
		}
		if (sync && (wbuf_puts(&wb, "+ Ready for literal data\r\n") ==
		    -1 || wbuf_flush(&wb) == -1))
			goto out;
		if (str_catb(cmd, "\r\n", 2) == -1 || str_ready(cmd, n) == -1)
			say_exit("* BYE [TOOBIG] out of memory\r\n");
		while (n > 0) {
			ssize_t	 k = rbuf_read(&rb, cmd->s + cmd->len,
			    n > 65536 ? 65536 : (size_t)n);

			if (k == -1 && errno == EAGAIN)
				continue;
			if (k <= 0) {
				if (k == -1 && errno == ETIMEDOUT)
					say_exit("* BYE Autologout\r\n");
				goto out;
			}
			cmd->len += (size_t)k;
			n -= (uint64_t)k;
		}
		cmd->s[cmd->len] = '\0';
	}
out:
	str_free(&line);
	return ret;
}

/*
 * stack_release - give back the stack pages below the caller's frame:
 * the commands before an IDLE went deeper than its wait does, and those
 * pages would stay with the session for as long as it idles.  What is
 * within a margin below this frame (the system call's own, a few words)
 * is kept; what lies deeper is dead, and comes back zeroed if the stack
 * grows again.  The range stays within the stack's mapping and the guard
 * gap the kernel keeps below it (a part not mapped is skipped: ENOMEM).
 */
static void
stack_release(void)
{
	/* the frame's own address, not a local's: a local whose address
	 * is taken may live elsewhere (a sanitizer's fake stack) */
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t top = ((uintptr_t)__builtin_frame_address(0) -
	    IMAPD_STACK_MARGIN) & ~(page - 1);

	if (top > IMAPD_STACK_RELEASE)
		(void)syscall(SYS_madvise, top - IMAPD_STACK_RELEASE,
		    (size_t)IMAPD_STACK_RELEASE, MADV_DONTNEED);
}

/*
 * do_idle - IDLE (RFC 2177): wait for DONE, telling the client about
 * deliveries and changes as inotify reports them on the folder's new/
 * and cur/ (no polling loop).  The command's answer follows DONE.
 */
static int
do_idle(void)
{
	struct str line = STR_INIT(IMAPD_LINE_MAX);
	struct pollfd pfd[2];
	char	 path[64];
	/* room for one event with the longest name; read until EAGAIN */
	char	 ev[sizeof(struct inotify_event) + NAME_MAX + 1]
	    __attribute__((__aligned__(__alignof__(struct inotify_event))));
	time_t	 start = time(NULL), last = start;
	int	 ifd = -1, dfd = imapd_watch_fd(&sess), r, ret = -1;
	enum imapd_act act;

	if (dfd != -1 && (ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) != -1) {
		static const char *sub[] = { "new", "cur" };
		int	 k;

		for (k = 0; k < 2; k++) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd,
			    sub[k]);
			(void)inotify_add_watch(ifd, path, IN_CREATE |
			    IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
			    IN_ONLYDIR);
		}
		/* What changed between the command's own look at the
		 * folder and the watches (a delivery then makes no event),
		 * told after its "+ idling". */
		if (imapd_idle_poll(&sess) == -1)
			goto out;
	}
	if (wbuf_flush(&wb) == -1)
		goto out;
	/* An idle session may last for hours: give back what the commands
	 * before it kept for the next ones, and the heap pages left free. */
	imapd_idle_release(&sess);
	(void)malloc_trim(0);
	stack_release();
	for (;;) {
		int	 wait;

		if (rbuf_buffered(&rb) > 0 || (io.pending != NULL &&
		    io.pending(&io) > 0))
			goto client;
		wait = (int)(timeout - (unsigned long)(time(NULL) - start));
		if (wait <= 0)
			say_exit("* BYE Autologout; idle for too long\r\n");
		if (wait > IMAPD_KEEPALIVE - (time(NULL) - last))
			wait = (int)(IMAPD_KEEPALIVE - (time(NULL) - last));
		if (wait < 1)
			wait = 1;
		pfd[0].fd = io.rfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = ifd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		r = poll(pfd, ifd != -1 ? 2 : 1, wait * 1000);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto out;
		if (r == 0) {
			if (time(NULL) - last >= IMAPD_KEEPALIVE) {
				last = time(NULL);
				if (wbuf_puts(&wb, "* OK Still here\r\n") == -1
				    || wbuf_flush(&wb) == -1)
					goto out;
			}
			continue;
		}
		if (ifd != -1 && (pfd[1].revents & POLLIN)) {
			while (read(ifd, ev, sizeof(ev)) > 0)
				;
			if (imapd_idle_poll(&sess) == -1 ||
			    wbuf_flush(&wb) == -1)
				goto out;
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
client:
		r = rbuf_line(&rb, &line, 0);
		if (r == -1 && errno == EAGAIN)
			continue;
		if (r <= 0)
			goto out;
		act = imapd_idle_end(&sess, line.s, line.len);
		if (act == IMAPD_FATAL)
			goto out;
		ret = 0;
		break;
	}
out:
	if (ifd != -1)
		close(ifd);
	str_free(&line);
	return ret;
}

/* log_logout - the retrieval line of hsmail-log(5), as qmail-pop3d's. */
static void
log_logout(void)
{
	struct str user = STR_INIT(1024), ip = STR_INIT(128);
	const char *u = getenv("VPOPUSER"), *a = getenv("TCPREMOTEIP");
	static int done;

	if (done++)
		return;
	if (u == NULL || *u == '\0')
		u = getenv("USER");
	if (u == NULL || *u == '\0')
		u = "unknown";
	if (a == NULL || *a == '\0')
		a = "unknown";
	if (log_safe_cat(&user, u, strlen(u)) == -1 ||
	    log_safe_cat(&ip, a, strlen(a)) == -1)
		return;
	log_line("logout imap %s ip %s retr %lu bytes %llu dele %lu",
	    str_c(&user), str_c(&ip), sess.nfetch,
	    (unsigned long long)sess.bytes, sess.nexpunged);
	str_free(&user);
	str_free(&ip);
}

int
main(int argc, char **argv)
{
	struct str cmd = STR_INIT(STR_UNBOUNDED);
	struct mstore *st;
	const char *tag, *e;
	unsigned long v;
	int	 r;

	log_init("imapd");
	signal(SIGPIPE, SIG_IGN);
	{
		int one = 1;

		(void)setsockopt(1, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	}
	e = getenv("IMAP_TIMEOUT");
	if (e != NULL && num_parses(e, IMAPD_TIMEOUT, &v) == 0 && v > 0)
		timeout = v;
	io_init(&io, 0, 1, (unsigned)timeout);
	rbuf_init(&rb, &io);
	wbuf_init(&wb, &io);
	if (argc < 2 || argv[1][0] == '\0') {
		log_warn("usage: imapd maildir");
		say_exit("* BYE [UNAVAILABLE] unable to start the session\r\n");
	}
	if (mstore_open(&st, argv[1]) == -1) {
		log_warn("unable to open %s: %s", argv[1], strerror(errno));
		say_exit("* BYE [UNAVAILABLE] unable to open the mailbox\r\n");
	}
	if (mstore_ensure_special(st) == -1)
		log_warn("cannot create the special-use folders in %s: %s",
		    argv[1], strerror(errno));
	imapd_init(&sess, st, &wb);
	e = getenv("IMAP_APPENDLIMIT");
	if (e != NULL && num_parses(e, 1UL << 31, &v) == 0 && v > 0)
		sess.appendlimit = v;
	tag = getenv("IMAPLOGIN_TAG");
	if (tag != NULL && *tag != '\0') {
		char	 t[IMAP_TAG_MAX + 1];

		snprintf(t, sizeof(t), "%s", tag);
		unsetenv("IMAPLOGIN_TAG");
		if (wbuf_printf(&wb, "%s OK [CAPABILITY %s] Logged in\r\n", t,
		    imapd_capability(&sess)) == -1)
			goto done;
	} else if (wbuf_printf(&wb, "* PREAUTH [CAPABILITY %s] Logged in\r\n",
	    imapd_capability(&sess)) == -1)
		goto done;
	/* imaplogin waits on this descriptor to hear that the login went
	 * through (then it makes room for a smaller waiter). */
	e = getenv("IMAPLOGIN_NOTIFY");
	if (e != NULL && num_parses(e, 1023, &v) == 0 && v >= 3) {
		unsetenv("IMAPLOGIN_NOTIFY");
		if (wbuf_flush(&wb) == -1)
			goto done;
		if (write((int)v, "k", 1) != 1)
			log_warn("cannot tell imaplogin: %s", strerror(errno));
		close((int)v);
	}
	for (;;) {
		enum imapd_act act;

		if (!line_waiting() && wbuf_flush(&wb) == -1)
			break;
		r = read_command(&cmd, sess.appendlimit);
		if (r == 0 || r == -1)
			break;
		if (r == 2)
			continue;
		act = imapd_command(&sess, cmd.s, cmd.len);
		if (cmd.cap > 1024 * 1024)
			str_free(&cmd);	/* an APPEND's memory goes back */
		if (act == IMAPD_LOGOUT || act == IMAPD_FATAL) {
			(void)wbuf_flush(&wb);
			break;
		}
		if (act == IMAPD_IDLE && do_idle() == -1)
			break;
		if (act == IMAPD_COMPRESS) {
			if (wbuf_flush(&wb) == -1 ||
			    imap_z_start(&io, &rb) == -1)
				break;
			sess.compress = 1;
		}
	}
done:
	(void)wbuf_flush(&wb);
	log_logout();
	imapd_free(&sess);
	mstore_close(st);
	imap_z_end(&io);
	str_free(&cmd);
	return EXIT_DONE;
}
