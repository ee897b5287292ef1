/*
 * fuzz_imap_cmd - client commands through imapd's session on a scratch
 * Maildir with a few messages (made once): one command a line, "\\n" in
 * the input becomes the CRLF a literal needs with "{n}" before it.
 * The responses go to /dev/null.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/imap/imapd_proto.h"
#include "maildir.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char md[256];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 dir[] = "/tmp/fuzz_imap_XXXXXX";
	int	 i;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(md, sizeof(md), "%s/Maildir", dir);
	if (maildir_make(md, 0700) == -1)
		abort();
	for (i = 0; i < 3; i++) {
		char	 p[512];
		FILE	*f;

		snprintf(p, sizeof(p), "%s/cur/17000000%02d.M1P1.f,S=50:2,%s",
		    md, i, i ? "S" : "");
		if ((f = fopen(p, "w")) == NULL)
			abort();
		fprintf(f, "From: a@b.c\nSubject: s%d\nMessage-ID: <%d@x>\n"
		    "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n"
		    "text %d\n--b--\n", i, i, i);
		fclose(f);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imapd s;
	struct mstore *st;
	struct io io;
	struct wbuf wb;
	struct str cmd = STR_INIT(IMAPD_LINE_MAX);
	const char *p = (const char *)data, *end = p + size;
	int	 fd = open("/dev/null", O_WRONLY), n = 0;

	if (fd == -1 || mstore_open(&st, md) == -1)
		abort();
	io_init(&io, -1, fd, 5);
	wbuf_init(&wb, &io);
	imapd_init(&s, st, &wb);
	while (p < end && n++ < 64) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t	 len = (size_t)((nl != NULL ? nl : end) - p), i;
		enum imapd_act a;

		str_clear(&cmd);
		for (i = 0; i < len; i++) {
			/* "\\n" stands for a line break inside a command */
			if (p[i] == '\\' && i + 1 < len && p[i + 1] == 'n') {
				(void)str_catb(&cmd, "\r\n", 2);
				i++;
			} else
				(void)str_catc(&cmd, p[i]);
		}
		a = imapd_command(&s, cmd.s != NULL ? cmd.s : "", cmd.len);
		if (a == IMAPD_IDLE)
			(void)imapd_idle_end(&s, "DONE", 4);
		(void)wbuf_flush(&wb);
		p += len + (nl != NULL);
		if (a == IMAPD_LOGOUT || a == IMAPD_FATAL)
			break;
	}
	imapd_free(&s);
	mstore_close(st);
	str_free(&cmd);
	close(fd);
	return 0;
}
