/*
 * sanitize - the HTML and CSS allow-lists of sqwebmail (sanitize.h).
 * Runs in a request child as the mailbox owner on message text from
 * anyone: trusts nothing in it.  The tree gumbo builds is walked without
 * recursion, so no nesting depth can exhaust the stack.
 */
#include <errno.h>
#include <string.h>

#include <gumbo.h>

#include "cgi.h"
#include "html.h"
#include "sanitize.h"

enum action {
	A_DROP,		/* the element and everything in it */
	A_UNWRAP,	/* the element goes, its content stays */
	A_KEEP,		/* the element, with allowed attributes */
};

/* Elements kept (everything else is unwrapped or dropped). */
static const char *const keep_tags[] = {
	"a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "big",
	"blockquote", "br", "caption", "center", "cite", "code", "col",
	"colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
	"figcaption", "figure", "font", "footer", "h1", "h2", "h3", "h4",
	"h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li", "main",
	"mark", "ol", "p", "pre", "q", "s", "samp", "section", "small",
	"span", "strike", "strong", "sub", "summary", "sup", "table",
	"tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul",
	"var", "wbr", NULL
};

/* Elements dropped with their content. */
static const char *const drop_tags[] = {
	"script", "style", "title", "iframe", "frame", "frameset", "object",
	"embed", "applet", "param", "base", "meta", "link", "svg", "math",
	"template", "noscript", "noembed", "noframes", "input", "button",
	"select", "textarea", "option", "optgroup", "datalist", "keygen",
	"output", "audio", "video", "source", "track", "canvas", "map",
	"area", "portal", "dialog", "head", "xmp", "plaintext", "isindex",
	"image", "menuitem", "slot", NULL
};

/* Attributes kept on any kept element (values escaped on output). */
static const char *const keep_attrs[] = {
	"align", "alt", "bgcolor", "border", "cellpadding", "cellspacing",
	"char", "charoff", "clear", "color", "cols", "colspan", "compact",
	"datetime", "dir", "face", "headers", "height", "hspace", "lang",
	"noshade", "nowrap", "reversed", "rowspan", "rules", "scope", "size",
	"span", "start", "summary", "title", "type", "valign", "value",
	"vspace", "width", "frame", "abbr", "open", NULL
};

/* CSS properties kept in style attributes. */
static const char *const css_props[] = {
	"background-color", "border", "border-bottom", "border-bottom-color",
	"border-bottom-style", "border-bottom-width", "border-collapse",
	"border-color", "border-left", "border-left-color",
	"border-left-style", "border-left-width", "border-radius",
	"border-right", "border-right-color", "border-right-style",
	"border-right-width", "border-spacing", "border-style", "border-top",
	"border-top-color", "border-top-style", "border-top-width",
	"border-width", "caption-side", "clear", "color", "direction",
	"display", "empty-cells", "float", "font", "font-family",
	"font-size", "font-style", "font-variant", "font-weight", "height",
	"letter-spacing", "line-height", "list-style", "list-style-position",
	"list-style-type", "margin", "margin-bottom", "margin-left",
	"margin-right", "margin-top", "max-height", "max-width",
	"min-height", "min-width", "padding", "padding-bottom",
	"padding-left", "padding-right", "padding-top", "table-layout",
	"text-align", "text-decoration", "text-indent", "text-transform",
	"vertical-align", "white-space", "width", "word-break",
	"word-spacing", "word-wrap", "overflow-wrap", "background", NULL
};

/* Functions allowed inside a CSS value. */
static const char *const css_funcs[] = { "rgb", "rgba", "hsl", "hsla", NULL };

static int	in_list(const char *const *, const char *, size_t);
static enum action tag_action(const GumboNode *, const char **);
static int	open_tag(struct str *, const GumboNode *, const char *,
		    const struct san_opts *, struct san_result *);
static int	img_src(struct str *, const char *, const struct san_opts *,
		    struct san_result *);
static int	css_value_ok(const char *, size_t);

static int
in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && mem_caseeq(*list, s, n))
			return 1;
	return 0;
}

/* What to do with an element; *name_r its lower-case name. */
static enum action
tag_action(const GumboNode *node, const char **name_r)
{
	const GumboElement *el = &node->v.element;
	const char *name;

	if (el->tag_namespace != GUMBO_NAMESPACE_HTML)
		return A_DROP;		/* SVG and MathML: feImage, script */
	if (el->tag == GUMBO_TAG_UNKNOWN)
		return A_UNWRAP;
	name = gumbo_normalized_tagname(el->tag);
	*name_r = name;
	if (in_list(drop_tags, name, strlen(name)))
		return A_DROP;
	if (in_list(keep_tags, name, strlen(name)))
		return A_KEEP;
	return A_UNWRAP;	/* html, body, form, label, fieldset, ... */
}

int
san_url_ok(const char *url, struct str *out)
{
	const char *p = url;

	str_clear(out);
	/* Browsers strip leading C0 controls and spaces, and every tab and
	 * newline anywhere ("java\tscript:"): do the same before checking. */
	while (*p != '\0' && (unsigned char)*p <= 0x20)
		p++;
	for (; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
		if (str_catc(out, *p) == -1)
			return 0;
		if (out->len > SAN_URL_MAX)
			return 0;
	}
	if ((out->len > 7 && mem_caseeq(out->s, "http://", 7)) ||
	    (out->len > 8 && mem_caseeq(out->s, "https://", 8)) ||
	    (out->len > 7 && mem_caseeq(out->s, "mailto:", 7)))
		return 1;
	return 0;
}

/* The src of an img: inline data, cid: parts, remote when allowed. */
static int
img_src(struct str *out, const char *src, const struct san_opts *o,
    struct san_result *res)
{
	static const char *const data_types[] = { "data:image/png;base64,",
	    "data:image/gif;base64,", "data:image/jpeg;base64,",
	    "data:image/jpg;base64,", "data:image/webp;base64,", NULL };
	struct str u = STR_INIT(SAN_URL_MAX + 1);
	const char *const *d;
	const char *p;
	int	 r = 0;

	while ((unsigned char)*src <= 0x20 && *src != '\0')
		src++;
	for (d = data_types; *d != NULL; d++)
		if (strncasecmp(src, *d, strlen(*d)) == 0) {
			for (p = src + strlen(*d); *p != '\0'; p++)
				if (!((*p >= 'A' && *p <= 'Z') ||
				    (*p >= 'a' && *p <= 'z') ||
				    (*p >= '0' && *p <= '9') || *p == '+' ||
				    *p == '/' || *p == '=' || *p == ' ' ||
				    *p == '\n' || *p == '\r'))
					return 0;
			if (str_cats(out, " src=\"") == -1 ||
			    html_escs(out, src) == -1 ||
			    str_catc(out, '"') == -1)
				return -1;
			return 0;
		}
	if (strncasecmp(src, "cid:", 4) == 0) {
		if (o->cid_url == NULL || strlen(src + 4) > 998)
			return 0;
		if (str_cats(out, " src=\"") == -1 ||
		    html_escs(out, o->cid_url) == -1 ||
		    cgi_url_escape(out, src + 4, strlen(src + 4)) == -1 ||
		    str_catc(out, '"') == -1)
			return -1;
		return 0;
	}
	if (san_url_ok(src, &u) && !mem_caseeq(u.s, "mailto:", 7)) {
		if (!o->remote_images)
			res->remote_blocked = 1;
		else if (str_cats(out, " src=\"") == -1 ||
		    html_esc(out, u.s, u.len) == -1 ||
		    str_catc(out, '"') == -1)
			r = -1;
	}
	str_free(&u);
	return r;
}

/* "<name attrs>" for a kept element. */
static int
open_tag(struct str *out, const GumboNode *node, const char *name,
    const struct san_opts *o, struct san_result *res)
{
	const GumboVector *attrs = &node->v.element.attributes;
	struct str tmp = STR_INIT(SAN_STYLE_MAX * 2);
	unsigned int i;
	int	 r = -1, is_a = strcmp(name, "a") == 0;

	if (str_catc(out, '<') == -1 || str_cats(out, name) == -1)
		return -1;
	for (i = 0; i < attrs->length; i++) {
		const GumboAttribute *a = attrs->data[i];
		size_t	 nl = strlen(a->name);

		if (a->attr_namespace != GUMBO_ATTR_NAMESPACE_NONE)
			continue;
		if (in_list(keep_attrs, a->name, nl)) {
			if (str_catc(out, ' ') == -1 ||
			    str_cats(out, a->name) == -1 ||
			    str_cats(out, "=\"") == -1 ||
			    html_escs(out, a->value) == -1 ||
			    str_catc(out, '"') == -1)
				goto out;
		} else if (strcmp(a->name, "style") == 0) {
			str_clear(&tmp);
			if (strlen(a->value) <= SAN_STYLE_MAX &&
			    san_css(a->value, strlen(a->value), &tmp) == 0 &&
			    tmp.len > 0 && (str_cats(out, " style=\"") == -1 ||
			    html_esc(out, tmp.s, tmp.len) == -1 ||
			    str_catc(out, '"') == -1))
				goto out;
		} else if (is_a && strcmp(a->name, "href") == 0) {
			if (san_url_ok(a->value, &tmp) &&
			    (str_cats(out, " href=\"") == -1 ||
			    html_esc(out, tmp.s, tmp.len) == -1 ||
			    str_catc(out, '"') == -1))
				goto out;
		} else if (strcmp(name, "img") == 0 &&
		    strcmp(a->name, "src") == 0) {
			if (img_src(out, a->value, o, res) == -1)
				goto out;
		}
	}
	if (is_a && str_cats(out, " target=\"_blank\" "
	    "rel=\"noopener noreferrer\"") == -1)
		goto out;
	if (strcmp(name, "img") == 0 && str_cats(out, " loading=\"lazy\"") ==
	    -1)
		goto out;
	r = str_catc(out, '>');
out:
	str_free(&tmp);
	return r;
}

static int
is_void(const char *name)
{
	return strcmp(name, "br") == 0 || strcmp(name, "hr") == 0 ||
	    strcmp(name, "img") == 0 || strcmp(name, "wbr") == 0 ||
	    strcmp(name, "col") == 0;
}

int
san_html(const char *html, size_t n, const struct san_opts *o,
    struct str *out, struct san_result *res)
{
	GumboOptions opts = kGumboDefaultOptions;
	GumboOutput *g;
	const GumboNode *node, *parent;
	struct str clean = STR_INIT(SAN_HTML_MAX + 16);
	const char *name;
	unsigned depth = 0;	/* kept elements open */
	enum action act;
	int	 r = -1;
	/* For each open element on the path, whether we wrote its tag. */
	static unsigned char opened[1 << 16];
	unsigned level = 0;

	memset(res, 0, sizeof(*res));
	if (n > SAN_HTML_MAX) {
		n = SAN_HTML_MAX;
		res->truncated = 1;
	}
	if (utf8_clean(&clean, html, n) == -1)
		return -1;
	opts.max_errors = 0;
	g = gumbo_parse_with_options(&opts, clean.s != NULL ? clean.s : "",
	    clean.len);
	if (g == NULL) {
		str_free(&clean);
		errno = ENOMEM;
		return -1;
	}
	node = g->root;
	/* Walk: open on the way down, close on the way up. */
	while (node != NULL) {
		switch (node->type) {
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_WHITESPACE:
		case GUMBO_NODE_CDATA:
			if (html_escs(out, node->v.text.text) == -1)
				goto fail;
			break;
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_TEMPLATE:
			name = "";
			act = node->type == GUMBO_NODE_TEMPLATE ? A_DROP :
			    tag_action(node, &name);
			if (act == A_DROP)
				break;
			if (level >= sizeof(opened))
				break;	/* deeper than any real mail */
			opened[level] = 0;
			if (act == A_KEEP && depth < SAN_DEPTH_MAX) {
				if (open_tag(out, node, name, o, res) == -1)
					goto fail;
				if (!is_void(name)) {
					opened[level] = 1;
					depth++;
				}
			}
			if (node->v.element.children.length > 0) {
				level++;
				node = node->v.element.children.data[0];
				continue;
			}
			if (opened[level]) {
				if (str_printf(out, "</%s>", name) == -1)
					goto fail;
				depth--;
			}
			break;
		default:
			break;	/* comments, the document */
		}
		/* Next sibling, or up and close until there is one. */
		for (;;) {
			if (node == g->root) {
				node = NULL;
				break;
			}
			parent = node->parent;
			if (node->index_within_parent + 1 <
			    parent->v.element.children.length) {
				node = parent->v.element.children.data[
				    node->index_within_parent + 1];
				break;
			}
			node = parent;
			level--;
			if (opened[level]) {
				if (str_printf(out, "</%s>",
				    gumbo_normalized_tagname(
				    node->v.element.tag)) == -1)
					goto fail;
				depth--;
			}
		}
	}
	r = 0;
fail:
	gumbo_destroy_output(&opts, g);
	str_free(&clean);
	return r;
}

/* A CSS value without url(), escapes, comments, at-rules or functions
 * other than the colour ones. */
static int
css_value_ok(const char *v, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\\' || c == '@' || c == '<' || c == '>' ||
		    c == '{' || c == '}' || c == '`' || c < 0x20 || c == 0x7f)
			return 0;
		if (c == '/' && i + 1 < n && v[i + 1] == '*')
			return 0;
		if (c == '(') {
			/* The identifier before it must be an allowed one. */
			j = i;
			while (j > 0 && ((v[j - 1] >= 'a' && v[j - 1] <= 'z') ||
			    (v[j - 1] >= 'A' && v[j - 1] <= 'Z') ||
			    v[j - 1] == '-'))
				j--;
			if (!in_list(css_funcs, v + j, i - j))
				return 0;
		}
		if (c == '&' || c == ';')
			return 0;
	}
	return 1;
}

int
san_css(const char *css, size_t n, struct str *out)
{
	const char *p = css, *end = css + n, *semi, *colon, *a, *b;
	int	 q;

	while (p < end) {
		/* A declaration ends at a ';' outside quotes and brackets. */
		q = 0;
		for (semi = p; semi < end; semi++) {
			if (q == 0 && (*semi == '"' || *semi == '\''))
				q = *semi;
			else if (q != 0 && *semi == q)
				q = 0;
			else if (q == 0 && *semi == ';')
				break;
		}
		colon = memchr(p, ':', (size_t)(semi - p));
		if (colon != NULL) {
			for (a = p; a < colon && (*a == ' ' || *a == '\t' ||
			    *a == '\n' || *a == '\r'); a++)
				;
			for (b = colon; b > a && (b[-1] == ' ' ||
			    b[-1] == '\t' || b[-1] == '\n' || b[-1] == '\r');
			    b--)
				;
			if (in_list(css_props, a, (size_t)(b - a))) {
				const char *v = colon + 1, *ve = semi;

				while (v < ve && (*v == ' ' || *v == '\t' ||
				    *v == '\n' || *v == '\r'))
					v++;
				while (ve > v && (ve[-1] == ' ' ||
				    ve[-1] == '\t' || ve[-1] == '\n' ||
				    ve[-1] == '\r'))
					ve--;
				if (ve > v && css_value_ok(v, (size_t)(ve - v))) {
					size_t	 k;

					for (k = 0; k < (size_t)(b - a); k++)
						if (str_catc(out, (char)(a[k] |
						    0x20)) == -1)
							return -1;
					if (str_cats(out, ": ") == -1 ||
					    str_catb(out, v, (size_t)(ve - v)) ==
					    -1 || str_cats(out, "; ") == -1)
						return -1;
				}
			}
		}
		p = semi < end ? semi + 1 : end;
	}
	if (out->len >= 2 && out->s[out->len - 1] == ' ')
		str_truncate(out, out->len - 1);
	return 0;
}
