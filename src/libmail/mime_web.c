/*
 * mime_web - the part tree as the webmail walks it: node kinds, content
 * type and parameters (RFC 2231 continuations and charsets, RFC 2047
 * names, through GMime), disposition, file names made safe, Content-ID,
 * IMAP part numbers, the body part to show (alternative, related,
 * mixed), inline parts by cid:, and header fields decoded for display.
 * The message is untrusted; names handed out never hold '/' or control
 * characters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime_int.h"

static int	 info_fill(struct mime_msg *, const struct mime_part *,
		    struct mime_part_info *);

const struct mime_part *
mime_root(struct mime_msg *m)
{
	if (mime_parse(m) == -1)
		return NULL;
	return m->root;
}

const struct mime_part *
mime_part_child(const struct mime_part *p)
{
	return p->child;
}

const struct mime_part *
mime_part_next(const struct mime_part *p)
{
	return p->next;
}

const struct mime_part *
mime_part_parent(const struct mime_part *p)
{
	return p->parent;
}

unsigned int
mime_part_id(const struct mime_part *p)
{
	return p->id;
}

const struct mime_part *
mime_part_by_id(struct mime_msg *m, unsigned int id)
{
	if (mime_parse(m) == -1)
		return NULL;
	if (id >= m->nparts) {
		errno = ENOENT;
		return NULL;
	}
	return m->byid[id];
}

/* Lower-case ASCII copy into the arena. */
static char *
lowdup(struct mime_msg *m, const char *s, size_t n)
{
	char	*p = arena_strndup(&m->arena, s, n);
	size_t	 i;

	if (p != NULL)
		for (i = 0; i < n; i++)
			if (p[i] >= 'A' && p[i] <= 'Z')
				p[i] += 32;
	return p;
}

/* A header value with folding CRs dropped and NUL cut (C string). */
static char *
value_cstr(struct mime_msg *m, const struct fv *v)
{
	struct str t = STR_INIT(STR_UNBOUNDED);
	size_t	 i, n = cstrlen(v->p, v->n);
	char	*r;

	for (i = 0; i < n; i++)
		if (v->p[i] != '\r' && v->p[i] != '\n' &&
		    str_catc(&t, v->p[i]) == -1) {
			str_free(&t);
			return NULL;
		}
	r = arena_strndup(&m->arena, t.s != NULL ? t.s : "", t.len);
	str_free(&t);
	return r;
}

/*
 * The parameters of Content-Type (disp 0) or Content-Disposition (disp 1),
 * decoded once by GMime's parameter parser (RFC 2231 continuations and
 * charsets, and RFC 2047 words as mailers put them in names) and kept.
 */
struct pcache {
	size_t		 n;
	char		**name;
	char		**value;
};

static struct pcache *
params_of(struct mime_msg *m, struct mime_part *p, int disp)
{
	const struct fv *v = &p->ct[disp ? CT_DISP : CT_TYPE];
	GMimeParserOptions *o;
	GMimeParamList *pl;
	struct pcache *pc;
	const char *semi;
	char	*s;
	int	 i, n;

	if (p->pc[disp] != NULL)
		return p->pc[disp];
	if ((pc = arena_alloc(&m->arena, sizeof(*pc))) == NULL)
		return NULL;
	p->pc[disp] = pc;
	if (v->p == NULL || !(p->flags & P_IS_MIME) ||
	    (s = value_cstr(m, v)) == NULL || (semi = strchr(s, ';')) == NULL)
		return pc;
	text_init();
	if ((o = g_mime_parser_options_new()) == NULL)
		return pc;
	g_mime_parser_options_set_parameter_compliance_mode(o,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_rfc2047_compliance_mode(o,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	if ((pl = g_mime_param_list_parse(o, semi + 1)) != NULL) {
		n = g_mime_param_list_length(pl);
		pc->name = arena_alloc(&m->arena, sizeof(char *) *
		    (size_t)(n + 1));
		pc->value = arena_alloc(&m->arena, sizeof(char *) *
		    (size_t)(n + 1));
		for (i = 0; pc->name != NULL && pc->value != NULL && i < n;
		    i++) {
			GMimeParam *pm = g_mime_param_list_get_parameter_at(pl,
			    i);
			const char *nm = g_mime_param_get_name(pm);
			const char *val = g_mime_param_get_value(pm);
			struct str t = STR_INIT(MIME_MAX_DECODED);

			if (nm == NULL || val == NULL)
				continue;
			if (utf8_sanitize(&t, val, strlen(val) <
			    MIME_MAX_DECODED ? strlen(val) : MIME_MAX_DECODED,
			    0) == 0) {
				pc->name[pc->n] = arena_strndup(&m->arena, nm,
				    strlen(nm));
				pc->value[pc->n] = arena_strndup(&m->arena,
				    t.s != NULL ? t.s : "", t.len);
				if (pc->name[pc->n] != NULL &&
				    pc->value[pc->n] != NULL)
					pc->n++;
			}
			str_free(&t);
		}
		g_object_unref(pl);
	}
	g_mime_parser_options_free(o);
	return pc;
}

static char *
param(struct mime_msg *m, const struct mime_part *cp, int disp,
    const char *name)
{
	struct pcache *pc = params_of(m, (struct mime_part *)(uintptr_t)cp,
	    disp);
	size_t	 i;

	if (pc == NULL)
		return NULL;
	for (i = 0; i < pc->n; i++)
		if (strcasecmp(pc->name[i], name) == 0)
			return pc->value[i];
	return NULL;
}

const char *
mime_part_param(struct mime_msg *m, const struct mime_part *p, int disp,
    const char *name)
{
	char	*r = param(m, p, disp, name);

	if (r == NULL)
		errno = ENOENT;
	return r;
}

/* A file name a browser and a file system can take: no path, no
 * control characters, no leading dots; NULL if nothing is left. */
static char *
safe_name(struct mime_msg *m, const char *s)
{
	char	*r;
	size_t	 i, n;

	if (s == NULL)
		return NULL;
	while (*s == '.' || *s == ' ')
		s++;
	if ((n = strlen(s)) == 0 || (r = arena_strndup(&m->arena, s, n)) ==
	    NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)r[i];

		if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
			r[i] = '_';
	}
	return r;
}

/* The IMAP number of a node: the multipart's children are 1..n below
 * it, an encapsulated message has its message/rfc822 part's number. */
static const char *
number(struct mime_msg *m, struct mime_part *p)
{
	struct str t = STR_INIT(STR_UNBOUNDED);
	const struct mime_part *c;
	unsigned int i;
	const char *pn;

	if (p->number != NULL)
		return p->number;
	if (p->parent == NULL)
		p->number = arena_strndup(&m->arena, "", 0);
	else if (p->parent->flags & P_RFC822)
		p->number = (char *)(uintptr_t)number(m, p->parent);
	else {
		for (i = 1, c = p->parent->child; c != NULL && c != p;
		    c = c->next)
			i++;
		pn = number(m, p->parent);
		if (pn == NULL || str_printf(&t, "%s%s%u", pn, *pn ? "." : "",
		    i) == -1) {
			str_free(&t);
			return NULL;
		}
		p->number = arena_strndup(&m->arena, t.s, t.len);
		str_free(&t);
	}
	return p->number;
}

static int
info_fill(struct mime_msg *m, const struct mime_part *cp,
    struct mime_part_info *in)
{
	struct mime_part *p = (struct mime_part *)(uintptr_t)cp;
	struct str ct = STR_INIT(STR_UNBOUNDED), t = STR_INIT(STR_UNBOUNDED);
	struct rfc822 r;
	const char *num, *fmt, *ds;
	char	*sl;
	int	 is_text;

	memset(in, 0, sizeof(*in));
	in->kind = (p->flags & P_MULTIPART) ? MIME_MULTIPART :
	    ((p->flags & P_RFC822) && p->child != NULL) ? MIME_MESSAGE :
	    MIME_LEAF;
	/* type and subtype */
	if (p->flags & P_RFC822) {
		in->type = "message";
		in->subtype = "rfc822";
	} else if ((p->flags & P_IS_MIME) && p->ct[CT_TYPE].p != NULL) {
		char	*v = value_cstr(m, &p->ct[CT_TYPE]);

		rfc822_init(&r, v != NULL ? v : "", v != NULL ? strlen(v) : 0);
		(void)rfc822_skip_lwsp(&r);
		(void)rfc822_content_type(&r, &ct);
		if (ct.len > 0 && (sl = memchr(ct.s, '/', ct.len)) != NULL &&
		    sl > ct.s && sl + 1 < ct.s + ct.len) {
			in->type = lowdup(m, ct.s, (size_t)(sl - ct.s));
			in->subtype = lowdup(m, sl + 1, (size_t)(ct.s +
			    ct.len - sl - 1));
		}
	}
	if (in->type == NULL || in->subtype == NULL) {
		/* absent or invalid: text/plain (RFC 2045 5.2) */
		in->type = "text";
		in->subtype = "plain";
	}
	if ((p->flags & P_LIMIT) && (strcmp(in->type, "multipart") == 0 ||
	    strcmp(in->type, "message") == 0)) {
		in->type = "application";
		in->subtype = "octet-stream";
	}
	if (in->kind == MIME_MULTIPART && strcmp(in->type, "multipart") != 0)
		in->type = "multipart";
	is_text = strcmp(in->type, "text") == 0;
	/* parameters */
	if ((ds = param(m, p, 0, "charset")) != NULL && *ds != '\0')
		in->charset = lowdup(m, ds, strlen(ds));
	else if (is_text)
		in->charset = "us-ascii";
	if ((p->flags & P_IS_MIME) && p->ct[CT_DISP].p != NULL) {
		char	*v = value_cstr(m, &p->ct[CT_DISP]);

		rfc822_init(&r, v != NULL ? v : "", v != NULL ? strlen(v) : 0);
		(void)rfc822_skip_lwsp(&r);
		if (rfc822_mime_token(&r, &t) >= 0 && t.len > 0)
			in->disposition = lowdup(m, t.s, t.len);
	}
	if ((ds = param(m, p, 1, "filename")) == NULL || *ds == '\0')
		ds = param(m, p, 0, "name");
	in->filename = safe_name(m, ds);
	if ((p->flags & P_IS_MIME) && p->ct[CT_ID].p != NULL) {
		char	*v = value_cstr(m, &p->ct[CT_ID]), *e;

		while (v != NULL && (*v == ' ' || *v == '\t' || *v == '<'))
			v++;
		if (v != NULL) {
			for (e = v + strlen(v); e > v && (e[-1] == ' ' ||
			    e[-1] == '\t' || e[-1] == '>'); e--)
				;
			*e = '\0';
			if (*v != '\0')
				in->content_id = v;
		}
	}
	if ((p->flags & P_IS_MIME) && p->ct[CT_DESC].p != NULL) {
		str_clear(&t);
		if (mime_decode_header(p->ct[CT_DESC].p, p->ct[CT_DESC].n,
		    in->charset, &t) == 0)
			in->description = arena_strndup(&m->arena, t.s ?
			    t.s : "", t.len);
	}
	if ((p->flags & P_IS_MIME) && p->ct[CT_LOC].p != NULL)
		in->location = value_cstr(m, &p->ct[CT_LOC]);
	/* numbers */
	num = number(m, p);
	in->number = num != NULL ? num : "";
	if (!(p->flags & P_MESSAGE))
		in->section = in->number;
	else if (p->parent == NULL)
		in->section = in->kind == MIME_MULTIPART ? "" : "1";
	else {
		str_clear(&t);
		in->section = str_printf(&t, "%s.%s", in->number,
		    in->kind == MIME_MULTIPART ? "TEXT" : "1") == -1 ? NULL :
		    arena_strndup(&m->arena, t.s, t.len);
	}
	in->cte = part_cte(p);
	fmt = param(m, p, 0, "format");
	in->flowed = fmt != NULL && strcasecmp(fmt, "flowed") == 0;
	fmt = param(m, p, 0, "delsp");
	in->delsp = fmt != NULL && strcasecmp(fmt, "yes") == 0;
	/* attachment or body? */
	if (in->disposition != NULL && strcmp(in->disposition,
	    "attachment") == 0)
		in->attachment = 1;
	else if (in->kind == MIME_MESSAGE)
		in->attachment = 1;
	else if (in->kind == MIME_LEAF) {
		int	 related = p->parent != NULL &&
		    (p->parent->flags & P_MULTIPART) && in->content_id != NULL;

		if (is_text && (strcmp(in->subtype, "plain") == 0 ||
		    strcmp(in->subtype, "html") == 0) && in->filename == NULL)
			in->attachment = 0;
		else if (related && in->disposition == NULL)
			in->attachment = 0;	/* an inline resource */
		else if (in->disposition != NULL && strcmp(in->disposition,
		    "inline") == 0 && in->filename == NULL)
			in->attachment = 0;
		else
			in->attachment = 1;
	}
	in->depth = p->depth;
	in->size = mime_vsize(p->body_off, p->end, &p->c_body, &p->c_end);
	in->lines = p->c_end.lf - p->c_body.lf;
	str_free(&ct);
	str_free(&t);
	if (in->number == NULL || in->section == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
mime_part_info(struct mime_msg *m, const struct mime_part *cp,
    struct mime_part_info *in)
{
	struct mime_part *p = (struct mime_part *)(uintptr_t)cp;

	if (p->info == NULL) {
		struct mime_part_info *x = arena_alloc(&m->arena, sizeof(*x));

		if (x == NULL || info_fill(m, p, x) == -1)
			return -1;
		p->info = x;
	}
	*in = *p->info;
	return 0;
}

/*
 * The body to show.
 */
static const struct mime_part *choose(struct mime_msg *,
		    const struct mime_part *, int, int);

static int
is_kind(struct mime_msg *m, const struct mime_part *p, const char *sub)
{
	struct mime_part_info in;

	return mime_part_info(m, p, &in) == 0 &&
	    strcmp(in.type, "text") == 0 && strcmp(in.subtype, sub) == 0;
}

/* Bounded by the nesting limit, as the tree is. */
static const struct mime_part *
choose(struct mime_msg *m, const struct mime_part *p, int html, int depth)
{
	struct mime_part_info in;
	const struct mime_part *c, *r, *best = NULL, *other = NULL;

	if (depth > MIME_MAX_DEPTH || mime_part_info(m, p, &in) == -1)
		return NULL;
	if (in.kind == MIME_LEAF)
		return strcmp(in.type, "text") == 0 && !in.attachment &&
		    (strcmp(in.subtype, "plain") == 0 ||
		    strcmp(in.subtype, "html") == 0 ||
		    strcmp(in.subtype, "enriched") == 0) ? p : NULL;
	if (in.kind == MIME_MESSAGE)
		return p->parent == NULL ? choose(m, p->child, html,
		    depth + 1) : NULL;
	if (strcmp(in.subtype, "alternative") == 0) {
		for (c = p->child; c != NULL; c = c->next) {
			if ((r = choose(m, c, html, depth + 1)) == NULL)
				continue;
			if (is_kind(m, r, html ? "html" : "plain"))
				best = r;
			else
				other = r;
		}
		return best != NULL ? best : other;
	}
	if (strcmp(in.subtype, "related") == 0) {
		const char *start = mime_part_param(m, p, 0, "start");

		if (start != NULL) {
			while (*start == '<')
				start++;
			for (c = p->child; c != NULL; c = c->next) {
				struct mime_part_info ci;
				size_t	 l;

				if (mime_part_info(m, c, &ci) == 0 &&
				    ci.content_id != NULL &&
				    (l = strlen(ci.content_id)) > 0 &&
				    strncmp(start, ci.content_id, l) == 0)
					return choose(m, c, html, depth + 1);
			}
		}
		return p->child != NULL ? choose(m, p->child, html, depth + 1) :
		    NULL;
	}
	for (c = p->child; c != NULL; c = c->next) {
		struct mime_part_info ci;

		if (mime_part_info(m, c, &ci) == -1 || ci.attachment)
			continue;
		if ((r = choose(m, c, html, depth + 1)) != NULL)
			return r;
	}
	return NULL;
}

const struct mime_part *
mime_body_part(struct mime_msg *m, int want_html)
{
	const struct mime_part *r;

	if (mime_parse(m) == -1)
		return NULL;
	if (m->root->flags & P_MULTIPART)
		r = choose(m, m->root, want_html, 0);
	else if (m->root->flags & P_RFC822)
		r = m->root->child != NULL ? choose(m, m->root->child,
		    want_html, 1) : NULL;
	else
		r = choose(m, m->root, want_html, 0);
	if (r == NULL)
		errno = ENOENT;
	return r;
}

const struct mime_part *
mime_part_by_cid(struct mime_msg *m, const char *cid)
{
	size_t	 n, i;

	if (mime_parse(m) == -1)
		return NULL;
	while (*cid == '<')
		cid++;
	n = strlen(cid);
	if (n > 0 && cid[n - 1] == '>')
		n--;
	for (i = 0; i < m->nparts; i++) {
		struct mime_part_info in;

		if (mime_part_info(m, m->byid[i], &in) == 0 &&
		    in.content_id != NULL && strlen(in.content_id) == n &&
		    memcmp(in.content_id, cid, n) == 0)
			return m->byid[i];
	}
	errno = ENOENT;
	return NULL;
}

int
mime_display_header(struct mime_msg *m, const struct mime_part *p,
    const char *name, struct str *out)
{
	struct mime_field f;
	int	 r;

	if ((r = mime_header_find(m, p, name, &f)) != 1)
		return r;
	if (mime_decode_header(f.value, f.value_len, NULL, out) == -1)
		return -1;
	return 1;
}
