/*
 * mime_write - compose an outgoing message on GMime 3 (see mime_write.h):
 * the webmail's send, draft and Sent copies.  Its caller is trusted only
 * to be the user; every header value is checked for CR, LF and NUL so
 * that nothing the user types can add a header, and every address must
 * be an addr-spec.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "date.h"
#include "mime.h"
#include "mime_int.h"
#include "mime_write.h"

#define FLOW_WIDTH	72	/* RFC 3676 4.2: lines up to 78, 72 advised */
#define LINE_MAX_OCTETS	998	/* RFC 5322 2.1.1 */

struct hdr {
	char	*name;
	char	*value;
};

struct att {
	char	*type, *subtype;
	char	*filename;
	char	*cid;
	GBytes	*data;		/* or */
	int	 fd;		/* -1 */
	int	 message;	/* message/rfc822 */
};

enum { F_FROM, F_SENDER, F_REPLY_TO, F_TO, F_CC, F_BCC, F_N };
static const char *const addr_fields[F_N] = {
	"From", "Sender", "Reply-To", "To", "Cc", "Bcc"
};

struct mime_writer {
	int		 flags;
	struct hdr	*h;
	size_t		 nh;
	InternetAddressList *addrs[F_N];
	char		*in_reply_to;
	char		*references;
	char		*text, *html;
	size_t		 text_len, html_len;
	struct att	*a;
	size_t		 na;
	char		*msgid;
};

static char *
sdup(const char *s)
{
	char	*p = strdup(s != NULL ? s : "");

	return p;
}

/* No CR, LF or NUL (NUL cannot be in a C string): a value that cannot
 * start a new header field. */
static int
one_line(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

/* An RFC 5322 field name: printable ASCII but ':' and space. */
static int
field_name_ok(const char *n)
{
	const unsigned char *p = (const unsigned char *)n;

	if (*p == '\0' || strlen(n) > 76)
		return 0;
	for (; *p != '\0'; p++)
		if (*p < 33 || *p > 126 || *p == ':')
			return 0;
	return 1;
}

/* An addr-spec as a user gives it: local@domain, no blanks, no control
 * characters, no specials outside a quoted local part. */
static int
addr_ok(const char *a)
{
	const char *at = strrchr(a, '@'), *p;

	if (at == NULL || at == a || at[1] == '\0' || strlen(a) > 254)
		return 0;
	for (p = a; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' ||
		    c == ';' || c == '(' || c == ')' || c == '\\')
			return 0;
		if (c == '"' && p != a && p[-1] != '@' && p + 1 != at)
			return 0;
	}
	for (p = at + 1; *p != '\0'; p++)
		if (*p == '@' || *p == '"' || *p == '[' || *p == ']')
			return 0;
	return 1;
}

struct mime_writer *
mime_writer_new(int flags)
{
	struct mime_writer *w;

	text_init();
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->flags = flags;
	return w;
}

static void
att_free(struct att *a)
{
	free(a->type);
	free(a->subtype);
	free(a->filename);
	free(a->cid);
	if (a->data != NULL)
		g_bytes_unref(a->data);
}

void
mime_writer_free(struct mime_writer *w)
{
	size_t	 i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nh; i++) {
		free(w->h[i].name);
		free(w->h[i].value);
	}
	free(w->h);
	for (i = 0; i < F_N; i++)
		if (w->addrs[i] != NULL)
			g_object_unref(w->addrs[i]);
	free(w->in_reply_to);
	free(w->references);
	free(w->text);
	free(w->html);
	for (i = 0; i < w->na; i++)
		att_free(&w->a[i]);
	free(w->a);
	free(w->msgid);
	free(w);
}

static int
reserved(const char *name)
{
	static const char *const r[] = {
		"date", "message-id", "mime-version", "from", "sender",
		"reply-to", "to", "cc", "bcc", "in-reply-to", "references",
		"return-path", "received"
	};
	size_t	 i;

	if (strncasecmp(name, "content-", 8) == 0)
		return 1;
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (strcasecmp(name, r[i]) == 0)
			return 1;
	return 0;
}

int
mime_writer_header(struct mime_writer *w, const char *name,
    const char *value)
{
	struct hdr *h;
	size_t	 i;
	char	*n, *v;
	int	 add;

	if (name == NULL || value == NULL || !field_name_ok(name) ||
	    reserved(name) || !one_line(value) ||
	    !mime_utf8_valid(value, strlen(value))) {
		errno = EINVAL;
		return -1;
	}
	add = strncasecmp(name, "x-", 2) == 0 ||
	    strcasecmp(name, "comments") == 0 ||
	    strcasecmp(name, "keywords") == 0;
	if ((n = sdup(name)) == NULL || (v = sdup(value)) == NULL) {
		free(n);
		return -1;
	}
	for (i = 0; !add && i < w->nh; i++)
		if (strcasecmp(w->h[i].name, name) == 0) {
			free(w->h[i].name);
			free(w->h[i].value);
			w->h[i].name = n;
			w->h[i].value = v;
			return 0;
		}
	if ((h = realloc(w->h, (w->nh + 1) * sizeof(*h))) == NULL) {
		free(n);
		free(v);
		return -1;
	}
	w->h = h;
	w->h[w->nh].name = n;
	w->h[w->nh].value = v;
	w->nh++;
	return 0;
}

static int
field_index(const char *field)
{
	int	 i;

	for (i = 0; i < F_N; i++)
		if (strcasecmp(field, addr_fields[i]) == 0)
			return i;
	return -1;
}

int
mime_writer_addr(struct mime_writer *w, const char *field, const char *name,
    const char *addr)
{
	int	 i;
	InternetAddress *ia;

	if (field == NULL || addr == NULL || (i = field_index(field)) < 0 ||
	    !addr_ok(addr) || !one_line(name) || !mime_utf8_valid(addr,
	    strlen(addr)) || (name != NULL && !mime_utf8_valid(name,
	    strlen(name)))) {
		errno = EINVAL;
		return -1;
	}
	if (w->addrs[i] == NULL &&
	    (w->addrs[i] = internet_address_list_new()) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	ia = internet_address_mailbox_new(name != NULL && *name != '\0' ?
	    name : NULL, addr);
	if (ia == NULL) {
		errno = ENOMEM;
		return -1;
	}
	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(w->addrs[i], ia);
	g_object_unref(ia);
	return 0;
}

int
mime_writer_addrs(struct mime_writer *w, const char *field,
    const char *list)
{
	struct mime_addrlist l = MIME_ADDRLIST_INIT;
	size_t	 i;
	int	 r = 0;

	if (field == NULL || list == NULL || field_index(field) < 0 ||
	    !one_line(list)) {
		errno = EINVAL;
		return -1;
	}
	if (mime_addr_parse(list, strlen(list), &l) == -1)
		return -1;
	for (i = 0; i < l.n; i++)
		if (!addr_ok(l.v[i].addr)) {
			mime_addrlist_free(&l);
			errno = EINVAL;
			return -1;
		}
	for (i = 0; i < l.n && r == 0; i++)
		r = mime_writer_addr(w, field, l.v[i].name, l.v[i].addr);
	mime_addrlist_free(&l);
	return r;
}

/* "<id>" from "id" or "<id>"; NULL if it is not one token. */
static char *
bracket(const char *id)
{
	size_t	 n;
	char	*r;

	while (*id == ' ' || *id == '\t')
		id++;
	n = strlen(id);
	while (n > 0 && (id[n - 1] == ' ' || id[n - 1] == '\t'))
		n--;
	if (n >= 2 && id[0] == '<' && id[n - 1] == '>') {
		id++;
		n -= 2;
	}
	if (n == 0 || n > 250 || memchr(id, ' ', n) != NULL ||
	    memchr(id, '<', n) != NULL || memchr(id, '>', n) != NULL)
		return NULL;
	if ((r = malloc(n + 3)) == NULL)
		return NULL;
	r[0] = '<';
	memcpy(r + 1, id, n);
	r[n + 1] = '>';
	r[n + 2] = '\0';
	return r;
}

int
mime_writer_reply(struct mime_writer *w, const char *parent_id,
    const char *parent_refs)
{
	struct str refs = STR_INIT(STR_UNBOUNDED);
	char	*pid = NULL, *copy, *tok, *save = NULL;

	if (!one_line(parent_id) || !one_line(parent_refs)) {
		errno = EINVAL;
		return -1;
	}
	if (parent_id != NULL && *parent_id != '\0' &&
	    (pid = bracket(parent_id)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (parent_refs != NULL && *parent_refs != '\0') {
		if ((copy = strdup(parent_refs)) == NULL) {
			free(pid);
			return -1;
		}
		for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t,", &save)) {
			char	*b = bracket(tok);

			if (b == NULL)
				continue;
			if ((refs.len > 0 && str_catc(&refs, ' ') == -1) ||
			    str_cats(&refs, b) == -1) {
				free(b);
				free(copy);
				free(pid);
				str_free(&refs);
				return -1;
			}
			free(b);
		}
		free(copy);
	}
	if (pid != NULL && ((refs.len > 0 && str_catc(&refs, ' ') == -1) ||
	    str_cats(&refs, pid) == -1)) {
		free(pid);
		str_free(&refs);
		return -1;
	}
	free(w->in_reply_to);
	free(w->references);
	w->in_reply_to = pid;
	w->references = refs.s;
	return 0;
}

static int
set_text(char **dst, size_t *len, const char *s, size_t n)
{
	char	*p;

	if (s == NULL || memchr(s, '\0', n) != NULL || !mime_utf8_valid(s, n)) {
		errno = EILSEQ;
		return -1;
	}
	if ((p = malloc(n + 1)) == NULL)
		return -1;
	memcpy(p, s, n);
	p[n] = '\0';
	free(*dst);
	*dst = p;
	*len = n;
	return 0;
}

int
mime_writer_text(struct mime_writer *w, const char *utf8, size_t n)
{
	return set_text(&w->text, &w->text_len, utf8, n);
}

int
mime_writer_html(struct mime_writer *w, const char *utf8, size_t n)
{
	return set_text(&w->html, &w->html_len, utf8, n);
}

static int
new_att(struct mime_writer *w, const char *type, const char *filename,
    const char *cid, struct att **a_r)
{
	struct att *a, *v;
	const char *sl;

	if (type == NULL)
		type = "application/octet-stream";
	if ((sl = strchr(type, '/')) == NULL || sl == type || sl[1] == '\0' ||
	    !field_name_ok(type) || !one_line(filename) || !one_line(cid) ||
	    (filename != NULL && !mime_utf8_valid(filename, strlen(filename))) ||
	    (cid != NULL && (strpbrk(cid, " <>\t\"") != NULL || *cid == '\0'))) {
		errno = EINVAL;
		return -1;
	}
	if ((v = realloc(w->a, (w->na + 1) * sizeof(*v))) == NULL)
		return -1;
	w->a = v;
	a = &v[w->na];
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->type = strndup(type, (size_t)(sl - type));
	a->subtype = strdup(sl + 1);
	a->filename = filename != NULL && *filename != '\0' ?
	    strdup(filename) : NULL;
	a->cid = cid != NULL ? strdup(cid) : NULL;
	if (a->type == NULL || a->subtype == NULL ||
	    (filename != NULL && *filename != '\0' && a->filename == NULL) ||
	    (cid != NULL && a->cid == NULL)) {
		att_free(a);
		errno = ENOMEM;
		return -1;
	}
	*a_r = a;
	return 0;
}

int
mime_writer_attach(struct mime_writer *w, const char *type,
    const char *filename, const void *data, size_t n, const char *cid)
{
	struct att *a;

	if (new_att(w, type, filename, cid, &a) == -1)
		return -1;
	if ((a->data = g_bytes_new(data, n)) == NULL) {
		att_free(a);
		errno = ENOMEM;
		return -1;
	}
	w->na++;
	return 0;
}

int
mime_writer_attach_fd(struct mime_writer *w, const char *type,
    const char *filename, int fd, const char *cid)
{
	struct att *a;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	if (new_att(w, type, filename, cid, &a) == -1)
		return -1;
	a->fd = fd;
	w->na++;
	return 0;
}

int
mime_writer_attach_message(struct mime_writer *w, const void *msg, size_t n,
    const char *filename)
{
	struct att *a;
	struct str t = STR_INIT(STR_UNBOUNDED);
	const char *p = msg;
	size_t	 i;
	int	 crlf = (w->flags & MIME_W_CRLF) != 0;

	if (new_att(w, "message/rfc822", filename, NULL, &a) == -1)
		return -1;
	/* line ends made the output's: GMime writes the part as it is */
	if (str_ready(&t, n + n / 40) == -1) {
		att_free(a);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;
		if (p[i] == '\n' && crlf && str_catc(&t, '\r') == -1)
			break;
		if (str_catc(&t, p[i]) == -1)
			break;
	}
	if (i < n || (a->data = g_bytes_new(t.s ? t.s : "", t.len)) ==
	    NULL) {
		str_free(&t);
		att_free(a);
		errno = ENOMEM;
		return -1;
	}
	str_free(&t);
	a->message = 1;
	w->na++;
	return 0;
}

/*
 * format=flowed (RFC 3676 4): long lines broken after a space, the
 * space left at the end of each piece (a soft break); hard line ends
 * keep no trailing space; lines starting with space, ">" or "From " are
 * space-stuffed.  Quoted lines keep their ">" prefix on every piece.
 */
static int
flow(const char *s, size_t n, struct str *o)
{
	size_t	 i = 0;

	while (i <= n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t	 end = nl != NULL ? (size_t)(nl - s) : n, q = i, len;
		const char *line;

		if (end > i && s[end - 1] == '\r')
			end--;
		while (q < end && s[q] == '>')
			q++;
		line = s + q;
		len = end - q;
		if (q > i && len > 0 && line[0] == ' ')
			line++, len--;
		/* a hard break has no trailing space, but for the
		 * signature separator "-- " (RFC 3676 4.3) */
		if (!(len == 3 && memcmp(line, "-- ", 3) == 0))
			while (len > 0 && line[len - 1] == ' ')
				len--;
		do {
			size_t	 take = len, k;

			if (len > FLOW_WIDTH) {
				/* break after the last space within width */
				for (k = FLOW_WIDTH; k > 0 && line[k - 1] != ' ';
				    k--)
					;
				if (k == 0)	/* one long word: after it */
					for (k = FLOW_WIDTH; k < len &&
					    line[k - 1] != ' '; k++)
						;
				take = k;
			}
			if (str_catb(o, s + i, q - i) == -1)
				return -1;
			if (q > i && str_catc(o, ' ') == -1)
				return -1;
			else if (q == i && take > 0 && (line[0] == ' ' ||
			    line[0] == '>' || (take >= 5 &&
			    memcmp(line, "From ", 5) == 0)) &&
			    str_catc(o, ' ') == -1)
				return -1;
			if (str_catb(o, line, take) == -1 ||
			    str_catc(o, '\n') == -1)
				return -1;
			line += take;
			len -= take;
		} while (len > 0);
		if (nl == NULL)
			break;
		i = (size_t)(nl - s) + 1;
		if (i == n)
			break;
	}
	return 0;
}

static int
long_lines(const char *s, size_t n)
{
	size_t	 i, run = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\n')
			run = 0;
		else if (++run > LINE_MAX_OCTETS)
			return 1;
	}
	return 0;
}

static GMimeObject *
text_part(struct mime_writer *w, const char *text, size_t n,
    const char *subtype, int flowed)
{
	GMimeTextPart *tp = g_mime_text_part_new_with_subtype(subtype);
	GMimeContentEncoding enc;
	struct str t = STR_INIT(STR_UNBOUNDED);

	if (tp == NULL)
		return NULL;
	if (flowed && flow(text, n, &t) == 0) {
		text = t.s != NULL ? t.s : "";
		n = t.len;
	}
	{
		/* the UTF-8 octets as they are: set_text() would pick a
		 * "best" charset of its own and convert */
		GMimeStream *st = g_mime_stream_mem_new_with_buffer(text, n);
		GMimeDataWrapper *dw;

		if (st == NULL) {
			g_object_unref(tp);
			str_free(&t);
			return NULL;
		}
		dw = g_mime_data_wrapper_new_with_stream(st,
		    GMIME_CONTENT_ENCODING_DEFAULT);
		g_object_unref(st);
		g_mime_part_set_content(GMIME_PART(tp), dw);
		g_object_unref(dw);
	}
	g_mime_text_part_set_charset(tp, "utf-8");
	if (flowed)
		g_mime_object_set_content_type_parameter(GMIME_OBJECT(tp),
		    "format", "flowed");
	if ((w->flags & MIME_W_QP) || long_lines(text, n))
		enc = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	else if (mime_utf8_valid(text, n) && !g_mime_utils_text_is_8bit(
	    (const unsigned char *)text, n))
		enc = GMIME_CONTENT_ENCODING_7BIT;
	else
		enc = GMIME_CONTENT_ENCODING_8BIT;
	g_mime_part_set_content_encoding(GMIME_PART(tp), enc);
	str_free(&t);
	return GMIME_OBJECT(tp);
}

static GMimeObject *
att_part(struct att *a)
{
	GMimePart *p = g_mime_part_new_with_type(a->type, a->subtype);
	GMimeStream *st;
	GMimeDataWrapper *dw;

	if (p == NULL)
		return NULL;
	if (a->data != NULL) {
		gsize	 n;
		const guint8 *d = g_bytes_get_data(a->data, &n);

		st = g_mime_stream_mem_new_with_buffer((const char *)d, n);
	} else {
		int	 fd = dup(a->fd);

		st = fd == -1 ? NULL : g_mime_stream_fs_new(fd);
	}
	if (st == NULL) {
		g_object_unref(p);
		return NULL;
	}
	dw = g_mime_data_wrapper_new_with_stream(st,
	    GMIME_CONTENT_ENCODING_DEFAULT);
	g_object_unref(st);
	g_mime_part_set_content(p, dw);
	g_object_unref(dw);
	if (a->message)
		g_mime_part_set_content_encoding(p,
		    GMIME_CONTENT_ENCODING_8BIT);
	else
		g_mime_part_set_content_encoding(p,
		    GMIME_CONTENT_ENCODING_BASE64);
	if (a->filename != NULL) {
		GMimeParamList *pl;
		GMimeParam *pm;

		g_mime_part_set_filename(p, a->filename);
		/* name= the RFC 2047 way for old readers; filename= RFC 2231 */
		pl = g_mime_content_type_get_parameters(
		    g_mime_object_get_content_type(GMIME_OBJECT(p)));
		if ((pm = g_mime_param_list_get_parameter(pl, "name")) != NULL)
			g_mime_param_set_encoding_method(pm,
			    GMIME_PARAM_ENCODING_METHOD_RFC2047);
	}
	if (a->cid != NULL) {
		g_mime_part_set_content_id(p, a->cid);
		g_mime_object_set_disposition(GMIME_OBJECT(p), "inline");
	} else if (a->filename == NULL)
		g_mime_object_set_disposition(GMIME_OBJECT(p),
		    a->message ? "inline" : "attachment");
	return GMIME_OBJECT(p);
}

static GMimeObject *
multipart(const char *sub, GMimeObject *first)
{
	GMimeMultipart *mp = g_mime_multipart_new_with_subtype(sub);

	if (mp == NULL) {
		if (first != NULL)
			g_object_unref(first);
		return NULL;
	}
	if (first != NULL) {
		g_mime_multipart_add(mp, first);
		g_object_unref(first);
	}
	return GMIME_OBJECT(mp);
}

/* The body: text, or text + HTML alternative, related inline parts,
 * then the attachments in a multipart/mixed. */
static GMimeObject *
build_body(struct mime_writer *w)
{
	GMimeObject *body, *x;
	size_t	 i, inl = 0, att = 0;
	int	 flowed = (w->flags & MIME_W_FLOWED) != 0;

	body = text_part(w, w->text != NULL ? w->text : "", w->text_len,
	    "plain", flowed);
	if (body == NULL)
		return NULL;
	for (i = 0; i < w->na; i++) {
		if (w->a[i].cid != NULL)
			inl++;
		else
			att++;
	}
	if (w->html != NULL) {
		GMimeObject *html = text_part(w, w->html, w->html_len, "html", 0);

		if (html == NULL || (body = multipart("alternative", body)) ==
		    NULL) {
			if (html != NULL)
				g_object_unref(html);
			return NULL;
		}
		if (inl > 0) {
			if ((x = multipart("related", html)) == NULL) {
				g_object_unref(body);
				return NULL;
			}
			for (i = 0; i < w->na; i++) {
				GMimeObject *p;

				if (w->a[i].cid == NULL)
					continue;
				if ((p = att_part(&w->a[i])) == NULL) {
					g_object_unref(x);
					g_object_unref(body);
					return NULL;
				}
				g_mime_multipart_add(GMIME_MULTIPART(x), p);
				g_object_unref(p);
			}
			html = x;
		}
		g_mime_multipart_add(GMIME_MULTIPART(body), html);
		g_object_unref(html);
	} else
		att += inl;		/* no HTML to refer to them */
	if (att == 0)
		return body;
	if ((x = multipart("mixed", body)) == NULL)
		return NULL;
	for (i = 0; i < w->na; i++) {
		GMimeObject *p;

		if (w->a[i].cid != NULL && w->html != NULL)
			continue;
		if ((p = att_part(&w->a[i])) == NULL) {
			g_object_unref(x);
			return NULL;
		}
		g_mime_multipart_add(GMIME_MULTIPART(x), p);
		g_object_unref(p);
	}
	return x;
}

static GMimeMessage *
build(struct mime_writer *w, const char *domain, time_t now, int tzoff)
{
	static const GMimeAddressType types[F_N] = {
		GMIME_ADDRESS_TYPE_FROM, GMIME_ADDRESS_TYPE_SENDER,
		GMIME_ADDRESS_TYPE_REPLY_TO, GMIME_ADDRESS_TYPE_TO,
		GMIME_ADDRESS_TYPE_CC, GMIME_ADDRESS_TYPE_BCC
	};
	GMimeMessage *msg;
	GMimeObject *body;
	char	 date[DATE_MAX], *id;
	size_t	 i;

	if (domain == NULL || *domain == '\0' || !one_line(domain) ||
	    strpbrk(domain, " <>@\t") != NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((msg = g_mime_message_new(TRUE)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < F_N; i++)
		if (w->addrs[i] != NULL)
			internet_address_list_append(
			    g_mime_message_get_addresses(msg, types[i]),
			    w->addrs[i]);
	for (i = 0; i < w->nh; i++) {
		if (strcasecmp(w->h[i].name, "subject") == 0)
			g_mime_message_set_subject(msg, w->h[i].value, "utf-8");
		else
			g_mime_object_append_header(GMIME_OBJECT(msg),
			    w->h[i].name, w->h[i].value, "utf-8");
	}
	if (w->in_reply_to != NULL)
		g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To",
		    w->in_reply_to, NULL);
	if (w->references != NULL && *w->references != '\0')
		g_mime_object_set_header(GMIME_OBJECT(msg), "References",
		    w->references, NULL);
	if (date_rfc5322(date, sizeof(date), now, tzoff) == 0) {
		g_object_unref(msg);
		errno = EINVAL;
		return NULL;
	}
	g_mime_object_set_header(GMIME_OBJECT(msg), "Date", date, NULL);
	if ((id = g_mime_utils_generate_message_id(domain)) == NULL) {
		g_object_unref(msg);
		errno = ENOMEM;
		return NULL;
	}
	g_mime_message_set_message_id(msg, id);
	free(w->msgid);
	w->msgid = malloc(strlen(id) + 3);
	if (w->msgid != NULL) {
		w->msgid[0] = '<';
		memcpy(w->msgid + 1, id, strlen(id));
		memcpy(w->msgid + 1 + strlen(id), ">", 2);
	}
	g_free(id);
	if ((body = build_body(w)) == NULL) {
		g_object_unref(msg);
		errno = ENOMEM;
		return NULL;
	}
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
	g_mime_object_set_header(GMIME_OBJECT(msg), "MIME-Version", "1.0",
	    NULL);
	return msg;
}

static GMimeFormatOptions *
format(struct mime_writer *w, int flags)
{
	GMimeFormatOptions *f = g_mime_format_options_new();

	if (f == NULL)
		return NULL;
	g_mime_format_options_set_newline_format(f, (w->flags & MIME_W_CRLF) ?
	    GMIME_NEWLINE_FORMAT_DOS : GMIME_NEWLINE_FORMAT_UNIX);
	g_mime_format_options_set_param_encoding_method(f,
	    GMIME_PARAM_ENCODING_METHOD_RFC2231);
	if (flags & MIME_W_OMIT_BCC)
		g_mime_format_options_add_hidden_header(f, "Bcc");
	return f;
}

static int
write_to(struct mime_writer *w, const char *domain, time_t now, int tzoff,
    int flags, GMimeStream *st)
{
	GMimeMessage *msg;
	GMimeFormatOptions *f;
	ssize_t	 r;

	if ((msg = build(w, domain, now, tzoff)) == NULL)
		return -1;
	if ((f = format(w, flags)) == NULL) {
		g_object_unref(msg);
		errno = ENOMEM;
		return -1;
	}
	errno = 0;
	r = g_mime_object_write_to_stream(GMIME_OBJECT(msg), f, st);
	if (r != -1 && g_mime_stream_flush(st) == -1)
		r = -1;
	g_mime_format_options_free(f);
	g_object_unref(msg);
	if (r == -1) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
mime_writer_finish(struct mime_writer *w, const char *domain, time_t now,
    int tzoff, int flags, struct str *out)
{
	GMimeStream *st = g_mime_stream_mem_new();
	GByteArray *ba;
	int	 r;

	if (st == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if ((r = write_to(w, domain, now, tzoff, flags, st)) == 0) {
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st));
		r = str_catb(out, ba->data, ba->len);
	}
	g_object_unref(st);
	return r;
}

int
mime_writer_finish_fd(struct mime_writer *w, const char *domain, time_t now,
    int tzoff, int flags, int fd)
{
	GMimeStream *st;
	int	 d, r;

	if ((d = dup(fd)) == -1)
		return -1;
	if ((st = g_mime_stream_fs_new(d)) == NULL) {
		close(d);
		errno = ENOMEM;
		return -1;
	}
	r = write_to(w, domain, now, tzoff, flags, st);
	g_object_unref(st);
	return r;
}

const char *
mime_writer_message_id(const struct mime_writer *w)
{
	return w->msgid;
}
