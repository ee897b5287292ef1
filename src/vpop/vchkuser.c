/*
 * vchkuser - answer qmail-smtpd's chkuser "does this recipient exist"
 * for a qmail-smtpd that may not read the vpopmail store (it runs as
 * qmaild; domain directories and vpasswd.cdb belong to vpopmail and hold
 * password hashes).  Installed set-uid vpopmail; started by qmail-smtpd
 * at most once per session, only when its own lookup was refused.
 * Reads one request line per recipient on fd 0 and writes one answer
 * line on fd 1 (rcptq.h): only the kind of the address (user, alias,
 * nouser, ...), never a hash or a file's contents.  Trusts nothing it
 * reads: every field is checked (length, no '/', no "..") before it
 * names a file.  Set-uid it ignores HSMAIL_ROOT (root.h).  Exits 0 at
 * end of input or after RCPTQ_IDLE_SEC without a request, 100 on bad
 * usage, 111 when it cannot write its answers.  Log lines: hsmail-log(5).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "rbuf.h"
#include "priv.h"
#include "rcptq.h"
#include "vpop.h"
#include "vpop_rcpt.h"
#include "wbuf.h"

static const char *vchk_answer(const struct str *);

/* The answer to one request line. */
static const char *
vchk_answer(const struct str *line)
{
	struct rcptq_req q;
	struct str who = STR_INIT(RCPTQ_LINE_MAX);
	enum vpop_rcpt res;
	int	 r;

	if (rcptq_req_parse(line->s, line->len, &q) == -1)
		return rcptq_ans_word(RCPTQ_INVALID);
	if (vpop_rcpt_check(q.user, q.domain, q.percent, &res) == -1) {
		r = errno;
		(void)log_safe_cat(&who, q.user, strlen(q.user));
		str_note(&who, "@");
		(void)log_safe_cat(&who, q.domain, strlen(q.domain));
		log_warn("cannot check %s: %s", str_c(&who), strerror(r));
		str_free(&who);
		return rcptq_ans_word(RCPTQ_TEMP);
	}
	return rcptq_ans_word((int)res);
}

int
main(int argc, char **argv)
{
	static struct rbuf rb;
	static struct wbuf wb;
	struct io io;
	struct str line = STR_INIT(RCPTQ_LINE_MAX);
	const char *ans;
	int	 r;

	(void)argv;
	if (priv_fds_sane() == -1)	/* set-uid: the caller's descriptors */
		return 111;
	log_init("vchkuser");
	if (argc > 1) {
		log_line("usage: vchkuser (started by qmail-smtpd)");
		return EXIT_PERM;
	}
	signal(SIGPIPE, SIG_IGN);
	/* No relative path is ever used; do not keep the caller's cwd. */
	if (chdir("/") == -1)
		log_warn("cannot change to /: %s", strerror(errno));
	io_init(&io, 0, 1, RCPTQ_IDLE_SEC);
	rbuf_init(&rb, &io);
	wbuf_init(&wb, &io);
	for (;;) {
		r = rbuf_line(&rb, &line, 0);
		if (r == 0 || (r == -1 && errno == ETIMEDOUT))
			break;
		if (r == -1 && errno != E2BIG) {
			log_warn("cannot read requests: %s", strerror(errno));
			str_free(&line);
			return EXIT_TEMP;
		}
		ans = r == -1 ? rcptq_ans_word(RCPTQ_INVALID) :
		    vchk_answer(&line);
		if (wbuf_puts(&wb, ans) == -1 || wbuf_puts(&wb, "\n") == -1 ||
		    wbuf_flush(&wb) == -1) {
			log_warn("cannot write answers: %s", strerror(errno));
			str_free(&line);
			return EXIT_TEMP;
		}
	}
	str_free(&line);
	return EXIT_DONE;
}
