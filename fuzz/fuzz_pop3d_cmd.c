/*
 * fuzz_pop3d_cmd - client lines through qmail-pop3d's TRANSACTION state
 * on a small scratch Maildir (made once).  QUIT is left out so that the
 * maildrop stays the same from one input to the next.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "wbuf.h"
#include "../src/pop3/maildrop.h"
#include "../src/pop3/pop3_cmd.h"
#include "../src/pop3/pop3d_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char md_path[256], top[64];
static int null = -1;

/* cleanup - remove the scratch Maildir when the fuzzer exits. */
static void
cleanup(void)
{
	static const char *names[] = {
		"new/100.A.h,S=19", "cur/200.B.h,S=12:2,S", "new/300.C.h",
		"cur/100.A.h,S=19:2,", "cur/300.C.h:2,", "new", "cur", "tmp",
		"",
	};
	char	 p[512];
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", md_path, names[i]);
		(void)remove(p);
	}
	(void)rmdir(top);
}

static void
setup(void)
{
	static const char *msgs[] = {
		"new/100.A.h,S=19", "Subject: b\n\n.dot\nx\n",
		"cur/200.B.h,S=12:2,S", "Subject: a\n\n",
		"new/300.C.h", "H: 1\n\nl1\nl2\nl3",
	};
	char	 p[512], tmpl[] = "/tmp/fuzz_pop3d.XXXXXX";
	size_t	 i;
	FILE	*f;

	if (mkdtemp(tmpl) == NULL)
		abort();
	snprintf(md_path, sizeof(md_path), "%s/Maildir", tmpl);
	snprintf(top, sizeof(top), "%s", tmpl);
	atexit(cleanup);
	mkdir(md_path, 0700);
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", md_path,
		    (const char *[]){ "new", "cur", "tmp" }[i]);
		mkdir(p, 0700);
	}
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i += 2) {
		snprintf(p, sizeof(p), "%s/%s", md_path, msgs[i]);
		if ((f = fopen(p, "w")) == NULL)
			abort();
		fputs(msgs[i + 1], f);
		fclose(f);
	}
	null = open("/dev/null", O_WRONLY);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct maildrop md;
	struct pop3_cmd c;
	struct pop3d s;
	struct wbuf w;
	struct io io;

	if (null == -1)
		setup();
	if (maildrop_open(&md, md_path) == -1 || maildrop_scan(&md) == -1)
		abort();
	io_init(&io, null, null, 5);
	wbuf_init(&w, &io);
	pop3d_init(&s, &md, &w);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t	 n = (size_t)((nl != NULL ? nl : end) - p);

		if (n > POP3_LINE_MAX)
			n = POP3_LINE_MAX;
		pop3_cmd_parse(p, n, &c);
		if (c.verb != POP3_QUIT)
			(void)pop3d_line(&s, p, n);
		p = nl != NULL ? nl + 1 : end;
	}
	(void)wbuf_flush(&w);
	maildrop_close(&md);
	return 0;
}
