/*
 * hsmail-mime - show what the MIME layer makes of message files: the
 * IMAP FETCH answers (ENVELOPE, BODYSTRUCTURE, BODY[...], BINARY[...]),
 * the part tree and decoded text the webmail shows, the SORT/THREAD keys,
 * the cache summary, SEARCH matches; and measure parse speed.  Run by an
 * administrator or the tests, as any user, on files that user can read;
 * trusts nothing in them.  Exit 0, 100 usage, 111 a file that could not
 * be read.  See hsmail-mime(1).
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mime.h"
#include "str.h"

static const char *prog = "hsmail-mime";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s fetch ITEMS file...\n"
	    "       %s parts file...\n"
	    "       %s text [-h] [-r] file\n"
	    "       %s sortkeys file...\n"
	    "       %s summary file...\n"
	    "       %s search [-t] [-H field] needle file...\n"
	    "       %s bench [-n rounds] [-e|-s] file|dir...\n", prog, prog, prog,
	    prog, prog, prog, prog);
	exit(100);
}

static void
die_nomem(void)
{
	fprintf(stderr, "%s: out of memory\n", prog);
	exit(111);
}

/* Append to an answer; out of memory ends the program. */
static void	say(struct str *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));

static void
say(struct str *o, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = str_vprintf(o, fmt, ap);
	va_end(ap);
	if (r == -1)
		die_nomem();
}

static struct mime_msg *
open_msg(const char *path)
{
	struct mime_msg *m;

	if (mime_open_path(path, &m) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		exit(111);
	}
	return m;
}

static void
out(const void *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, stdout) != n) {
		fprintf(stderr, "%s: write: %s\n", prog, strerror(errno));
		exit(111);
	}
}

/*
 * fetch: a small FETCH item parser, enough for what the tests ask.
 */
struct item {
	char	 name[32];	/* ENVELOPE, BODY, BODY[], BINARY[]... */
	char	 sect[512];	/* inside the brackets */
	int	 has_sect;
	int	 partial;
	uint64_t origin, count;
};

static const char *
next_item(const char *p, struct item *it)
{
	size_t	 n = 0;

	memset(it, 0, sizeof(*it));
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return NULL;
	while (*p != '\0' && *p != ' ' && *p != '[' && n < sizeof(it->name) - 1)
		it->name[n++] = *p++;
	it->name[n] = '\0';
	if (*p == '[') {
		int	 depth = 0;

		p++;
		n = 0;
		while (*p != '\0' && (*p != ']' || depth > 0)) {
			if (*p == '(')
				depth++;
			else if (*p == ')')
				depth--;
			if (n < sizeof(it->sect) - 1)
				it->sect[n++] = *p;
			p++;
		}
		it->sect[n] = '\0';
		it->has_sect = 1;
		if (*p == ']')
			p++;
		if (*p == '<') {
			char	*e;

			it->partial = 1;
			it->origin = strtoull(p + 1, &e, 10);
			it->count = *e == '.' ? strtoull(e + 1, &e, 10) :
			    UINT64_MAX;
			p = *e == '>' ? e + 1 : e;
		}
	}
	return p;
}

/* Split "1.HEADER.FIELDS (A B)" into the spec and field names. */
static int
section_of(char *sect, struct mime_section *s, char *pbuf, size_t psize,
    const char **fields, size_t maxf, int binary)
{
	char	*list = strchr(sect, '('), *f;
	size_t	 n = 0;

	if (list != NULL) {
		char	*e = list;

		while (e > sect && e[-1] == ' ')
			e--;
		*e = '\0';
		for (f = strtok(list + 1, " )"); f != NULL && n < maxf;
		    f = strtok(NULL, " )"))
			fields[n++] = f;
	}
	if (mime_section_parse(sect, s, pbuf, psize) == -1)
		return -1;
	s->fields = fields;
	s->nfields = n;
	s->binary = binary;
	return 0;
}

static void
fetch_section(struct mime_msg *m, struct item *it, struct str *o)
{
	struct mime_section s;
	struct mime_reader *r;
	const char *fields[64];
	char	 pbuf[512], sect[512], buf[65536];
	uint64_t size, left;
	int	 has_nul, binary = strncmp(it->name, "BINARY", 6) == 0;
	int	 size_only = strcmp(it->name, "BINARY.SIZE") == 0;
	ssize_t	 n;

	snprintf(sect, sizeof(sect), "%s", it->sect);
	if (section_of(sect, &s, pbuf, sizeof(pbuf), fields, 64, binary) == -1) {
		say(o, "%s[%s] ERROR-SECTION", it->name, it->sect);
		return;
	}
	if (mime_reader_open(m, &s, &r) == -1) {
		if (errno == ENOTSUP)
			say(o, "%s[%s] UNKNOWN-CTE", it->name, it->sect);
		else
			say(o, "%s[%s] NIL", it->name, it->sect);
		return;
	}
	if (mime_reader_size(r, &size, &has_nul) == -1) {
		say(o, "%s[%s] %s", it->name, it->sect,
		    errno == EBADMSG ? "PARSE" : "ERROR");
		mime_reader_free(r);
		return;
	}
	if (size_only) {
		say(o, "%s[%s] %" PRIu64, it->name, it->sect, size);
		mime_reader_free(r);
		return;
	}
	if (strcmp(it->name, "BODY.PEEK") == 0)
		say(o, "BODY[%s]", it->sect);
	else if (strcmp(it->name, "BINARY.PEEK") == 0)
		say(o, "BINARY[%s]", it->sect);
	else
		say(o, "%s[%s]", it->name, it->sect);
	left = size;
	if (it->partial) {
		say(o, "<%" PRIu64 ">", it->origin);
		left = it->origin >= size ? 0 : size - it->origin;
		if (left > it->count)
			left = it->count;
		(void)mime_reader_seek(r, it->origin);
	}
	say(o, " %s{%" PRIu64 "}\r\n", binary && has_nul ? "~" : "",
	    left);
	while (left > 0 && (n = mime_reader_read(r, buf, left < sizeof(buf) ?
	    (size_t)left : sizeof(buf))) > 0) {
		if (str_catb(o, buf, (size_t)n) == -1)
			die_nomem();
		left -= (uint64_t)n;
	}
	mime_reader_free(r);
}

static int
do_fetch(int argc, char **argv)
{
	struct str o = STR_INIT(STR_UNBOUNDED);
	int	 i;

	if (argc < 2)
		usage();
	for (i = 1; i < argc; i++) {
		struct mime_msg *m = open_msg(argv[i]);
		const char *p = argv[0];
		struct item it;
		int	 first = 1;

		str_clear(&o);
		say(&o, "* %d FETCH (", i);
		while ((p = next_item(p, &it)) != NULL) {
			if (!first)
				say(&o, " ");
			first = 0;
			if (strcmp(it.name, "ENVELOPE") == 0) {
				say(&o, "ENVELOPE ");
				if (mime_envelope(m, &o) == -1)
					die_nomem();
			} else if (strcmp(it.name, "BODYSTRUCTURE") == 0) {
				say(&o, "BODYSTRUCTURE ");
				if (mime_bodystructure(m, &o) == -1)
					die_nomem();
			} else if (strcmp(it.name, "BODY") == 0 && !it.has_sect) {
				say(&o, "BODY ");
				if (mime_body(m, &o) == -1)
					die_nomem();
			} else if (strcmp(it.name, "RFC822.SIZE") == 0) {
				uint64_t v;

				mime_size(m, NULL, &v);
				say(&o, "RFC822.SIZE %" PRIu64, v);
			} else if (it.has_sect)
				fetch_section(m, &it, &o);
			else
				say(&o, "%s UNKNOWN", it.name);
		}
		say(&o, ")\r\n");
		out(o.s, o.len);
		mime_free(m);
	}
	str_free(&o);
	return 0;
}

/*
 * parts: the tree as the webmail walks it.
 */
static void
show_parts(struct mime_msg *m, const struct mime_part *p)
{
	static const char *kinds[] = { "leaf", "multipart", "message" };
	struct mime_part_info in;

	for (; p != NULL; p = mime_part_next(p)) {
		if (mime_part_info(m, p, &in) == -1)
			die_nomem();
		printf("%*s%u [%s] %s %s/%s", (int)in.depth * 2, "",
		    mime_part_id(p), in.number, kinds[in.kind], in.type,
		    in.subtype);
		if (in.charset)
			printf(" charset=%s", in.charset);
		if (in.disposition)
			printf(" disp=%s", in.disposition);
		if (in.filename)
			printf(" file=\"%s\"", in.filename);
		if (in.content_id)
			printf(" cid=<%s>", in.content_id);
		printf(" size=%" PRIu64 " lines=%" PRIu64 " section=%s%s%s\n",
		    in.size, in.lines, in.section, in.attachment ?
		    " attachment" : "", in.flowed ? " flowed" : "");
		show_parts(m, mime_part_child(p));
	}
}

static int
do_parts(int argc, char **argv)
{
	int	 i;

	for (i = 0; i < argc; i++) {
		struct mime_msg *m = open_msg(argv[i]);
		const struct mime_part *root = mime_root(m);

		if (root == NULL)
			die_nomem();
		show_parts(m, root);
		mime_free(m);
	}
	return 0;
}

static int
write_out(void *arg, const void *data, size_t len)
{
	(void)arg;
	out(data, len);
	return 0;
}

static int
do_text(int argc, char **argv)
{
	struct mime_msg *m;
	const struct mime_part *p;
	struct str h = STR_INIT(STR_UNBOUNDED);
	static const char *hdrs[] = { "From", "To", "Cc", "Date", "Subject" };
	int	 c, html = 0, raw = 0;
	size_t	 i;

	optind = 0;
	while ((c = getopt(argc, argv, "+hr")) != -1)
		switch (c) {
		case 'h':
			html = 1;
			break;
		case 'r':
			raw = 1;
			break;
		default:
			usage();
		}
	if (optind != argc - 1)
		usage();
	m = open_msg(argv[optind]);
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		str_clear(&h);
		if (mime_display_header(m, NULL, hdrs[i], &h) == 1)
			printf("%s: %s\n", hdrs[i], str_c(&h));
	}
	printf("\n");
	fflush(stdout);
	if ((p = mime_body_part(m, html)) != NULL &&
	    mime_part_decode(m, p, raw ? MIME_DEC_RAW : MIME_DEC_FLOWED,
	    write_out, NULL) == -1) {
		fprintf(stderr, "%s: decode: %s\n", prog, strerror(errno));
		return 111;
	}
	str_free(&h);
	mime_free(m);
	return 0;
}

static int
do_sortkeys(int argc, char **argv)
{
	int	 i;

	for (i = 0; i < argc; i++) {
		struct mime_msg *m = open_msg(argv[i]);
		struct mime_sortkeys k;

		if (mime_sortkeys(m, &k) == -1)
			die_nomem();
		printf("date: %s%lld %d\n", k.have_date ? "" : "(none) ",
		    (long long)k.date, k.date_tz);
		printf("subject: %s%s\n", k.subject, k.subject_reply ?
		    " (reply)" : "");
		printf("from: %s\nto: %s\ncc: %s\n", k.from, k.to, k.cc);
		printf("displayfrom: %s\ndisplayto: %s\n", k.display_from,
		    k.display_to);
		printf("message-id: %s\nin-reply-to: %s\nreferences: %s\n",
		    k.message_id, k.in_reply_to, k.references);
		mime_free(m);
	}
	return 0;
}

static int
do_summary(int argc, char **argv)
{
	struct str s = STR_INIT(STR_UNBOUNDED);
	int	 i;

	for (i = 0; i < argc; i++) {
		struct mime_msg *m = open_msg(argv[i]);
		size_t	 pos = 0;

		str_clear(&s);
		if (mime_summary(m, &s) == -1)
			die_nomem();
		while (pos < s.len) {
			size_t	 l = strlen(s.s + pos);

			printf("%c %s\n", s.s[pos], s.s + pos + 1);
			pos += l + 1;
		}
		mime_free(m);
	}
	str_free(&s);
	return 0;
}

static int
do_search(int argc, char **argv)
{
	struct str needle = STR_INIT(STR_UNBOUNDED);
	const char *field = NULL;
	int	 c, text = 0, i;

	optind = 0;
	while ((c = getopt(argc, argv, "+tH:")) != -1)
		switch (c) {
		case 't':
			text = 1;
			break;
		case 'H':
			field = optarg;
			break;
		default:
			usage();
		}
	if (argc - optind < 2)
		usage();
	if (mime_fold(argv[optind], strlen(argv[optind]), &needle) == -1)
		die_nomem();
	for (i = optind + 1; i < argc; i++) {
		struct mime_msg *m = open_msg(argv[i]);
		int	 r = field != NULL ? mime_search_header(m, field,
		    needle.s, needle.len) : mime_search_body(m, text,
		    needle.s, needle.len);

		if (r == -1)
			fprintf(stderr, "%s: %s: %s\n", prog, argv[i],
			    strerror(errno));
		else if (r == 1)
			printf("%s\n", argv[i]);
		mime_free(m);
	}
	str_free(&needle);
	return 0;
}

/*
 * bench: the single parse the IMAP cache does (the summary: envelope,
 * bodystructure, body, sizes, sort keys) over every file, timed.
 */
struct files {
	char	**v;
	size_t	 n, cap;
};

static void
add_file(struct files *f, const char *path)
{
	if (f->n == f->cap) {
		size_t	 nc = f->cap ? f->cap * 2 : 256;
		char	**t = realloc(f->v, nc * sizeof(*t));

		if (t == NULL)
			die_nomem();
		f->v = t;
		f->cap = nc;
	}
	if ((f->v[f->n++] = strdup(path)) == NULL)
		die_nomem();
}

static void
collect(struct files *f, const char *path, int depth)
{
	struct stat st;
	DIR	*d;
	struct dirent *e;

	if (stat(path, &st) == -1)
		return;
	if (S_ISREG(st.st_mode)) {
		add_file(f, path);
		return;
	}
	if (!S_ISDIR(st.st_mode) || depth > 3 || (d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char	 p[4096];

		if (e->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", path, e->d_name) >=
		    (int)sizeof(p))
			continue;
		collect(f, p, depth + 1);
	}
	closedir(d);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
do_bench(int argc, char **argv)
{
	struct files f = { NULL, 0, 0 };
	struct str s = STR_INIT(STR_UNBOUNDED);
	int	 c, rounds = 1, env_only = 0, i;
	double	 t0, t, cpu;
	struct rusage ru;
	uint64_t bytes = 0, msgs = 0;
	size_t	 k;

	optind = 0;
	while ((c = getopt(argc, argv, "+n:es")) != -1)
		switch (c) {
		case 'n':
			rounds = atoi(optarg);
			break;
		case 'e':
			env_only = 1;
			break;
		case 's':
			env_only = 2;
			break;
		default:
			usage();
		}
	for (i = optind; i < argc; i++)
		collect(&f, argv[i], 0);
	if (f.n == 0 || rounds < 1)
		usage();
	t0 = now();
	for (i = 0; i < rounds; i++)
		for (k = 0; k < f.n; k++) {
			struct mime_msg *m;
			uint64_t v;

			if (mime_open_path(f.v[k], &m) == -1)
				continue;
			str_clear(&s);
			if (env_only == 1) {
				if (mime_size(m, NULL, &v) == -1 ||
				    mime_envelope(m, &s) == -1)
					die_nomem();
			} else if (env_only == 2) {
				if (mime_size(m, NULL, &v) == -1 ||
				    mime_envelope(m, &s) == -1 ||
				    mime_bodystructure(m, &s) == -1)
					die_nomem();
			} else if (mime_summary(m, &s) == -1)
				die_nomem();
			bytes += mime_size(m, &v, NULL) == 0 ? v : 0;
			msgs++;
			mime_free(m);
		}
	t = now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("%s: %" PRIu64 " messages, %.1f MB in %.3f s (%.3f s CPU): "
	    "%.0f messages/s, %.1f MB/s (CPU: %.0f messages/s)\n",
	    env_only == 1 ? "envelope+size" : env_only == 2 ?
	    "envelope+bodystructure+size" : "summary", msgs,
	    (double)bytes / 1e6, t, cpu, (double)msgs / t,
	    (double)bytes / 1e6 / t, (double)msgs / cpu);
	str_free(&s);
	for (k = 0; k < f.n; k++)
		free(f.v[k]);
	free(f.v);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	argc -= 2;
	if (strcmp(argv[1], "fetch") == 0)
		return do_fetch(argc, argv + 2);
	if (strcmp(argv[1], "parts") == 0)
		return do_parts(argc, argv + 2);
	if (strcmp(argv[1], "text") == 0)
		return do_text(argc + 1, argv + 1);
	if (strcmp(argv[1], "sortkeys") == 0)
		return do_sortkeys(argc, argv + 2);
	if (strcmp(argv[1], "summary") == 0)
		return do_summary(argc, argv + 2);
	if (strcmp(argv[1], "search") == 0)
		return do_search(argc + 1, argv + 1);
	if (strcmp(argv[1], "bench") == 0)
		return do_bench(argc + 1, argv + 1);
	usage();
	return 100;
}
