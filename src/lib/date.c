/*
 * date - month names, RFC 5322 and IMAP dates written and parsed (see
 * date.h).  Used by the MIME layer (Date: headers of untrusted mail,
 * SORT), the IMAP server (INTERNALDATE, APPEND, SEARCH) and the writers
 * of Date: fields.  Parsers read untrusted text and never read past n.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "date.h"

static const char *const months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};
static const char *const months_long[12] = {
	"january", "february", "march", "april", "may", "june",
	"july", "august", "september", "october", "november", "december"
};
static const char *const wdays[7] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

/* A cursor over untrusted text. */
struct scan {
	const char	*p;
	const char	*end;
};

static int	lower(int);
static int	is_alpha(int);
static int	is_digit(int);
static void	skip_cfws(struct scan *);
static int	get_num(struct scan *, int maxdigits, int *val_r);
static int	get_word(struct scan *, const char **w_r, size_t *n_r);
static int	get_zone(struct scan *, int *tzoff_r);
static int	civil_time(long long days, int *y, int *m, int *d);
static int	parse_5322(struct scan *, time_t *, int *);
static int	parse_asctime(struct scan *, time_t *, int *);
static int	parse_iso(struct scan *, time_t *, int *);
static int	parse_hms(struct scan *, int *hh, int *mm, int *ss,
		    int need_sec);

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int
is_alpha(int c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

const char *
date_month_name(int month)
{
	if (month < 1 || month > 12)
		return NULL;
	return months[month - 1];
}

int
date_month_parse(const char *s, size_t n)
{
	size_t	 i, k;

	for (i = 0; i < 12; i++) {
		const char *l = months_long[i];
		size_t	 len = strlen(l);

		if (n != 3 && n != len)
			continue;
		for (k = 0; k < n; k++)
			if (lower((unsigned char)s[k]) != l[k])
				break;
		if (k == n)
			return (int)i + 1;
	}
	return 0;
}

int
date_local_offset(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

/* Days from 1970-01-01 (H. Hinnant's days_from_civil algorithm). */
long long
date_days(int y, int m, int d)
{
	long long yy = (long long)y - (m <= 2);
	long long era = (yy >= 0 ? yy : yy - 399) / 400;
	long long yoe = yy - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static int
civil_time(long long z, int *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	yy += *m <= 2;
	if (yy < 1 || yy > 9999)
		return -1;
	*y = (int)yy;
	return 0;
}

static int
month_days(int y, int m)
{
	static const int md[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return md[m - 1];
}

int
date_mktime(int y, int m, int d, int hh, int mm, int ss, time_t *t_r)
{
	long long t;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > month_days(y, m) || hh < 0 || hh > 23 || mm < 0 ||
	    mm > 59 || ss < 0 || ss > 60) {
		errno = EINVAL;
		return -1;
	}
	if (ss == 60)
		ss = 59;
	t = date_days(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
	if ((long long)(time_t)t != t) {
		errno = EINVAL;
		return -1;
	}
	*t_r = (time_t)t;
	return 0;
}

/* The broken-down local time of t in zone tzoff: 0 or -1. */
static int
breakdown(time_t t, int tzoff, int *y, int *mo, int *d, int *wd,
    int *hh, int *mi, int *ss)
{
	long long lt = (long long)t + (long long)tzoff * 60;
	long long days = lt / 86400, secs = lt % 86400;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	if (civil_time(days, y, mo, d) == -1)
		return -1;
	*wd = (int)(((days % 7) + 11) % 7);	/* 1970-01-01 was a Thursday */
	*hh = (int)(secs / 3600);
	*mi = (int)(secs / 60 % 60);
	*ss = (int)(secs % 60);
	return 0;
}

static size_t
finish(char *buf, size_t size, int n)
{
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

size_t
date_rfc5322(char *buf, size_t size, time_t t, int tzoff)
{
	int	 y, mo, d, wd, hh, mi, ss, a = tzoff < 0 ? -tzoff : tzoff;

	if (tzoff <= -24 * 60 || tzoff >= 24 * 60 ||
	    breakdown(t, tzoff, &y, &mo, &d, &wd, &hh, &mi, &ss) == -1)
		return finish(buf, size, -1);
	return finish(buf, size, snprintf(buf, size,
	    "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d", wdays[wd], d,
	    months[mo - 1], y, hh, mi, ss, tzoff < 0 ? '-' : '+', a / 60,
	    a % 60));
}

size_t
date_imap(char *buf, size_t size, time_t t, int tzoff)
{
	int	 y, mo, d, wd, hh, mi, ss, a = tzoff < 0 ? -tzoff : tzoff;

	if (tzoff <= -24 * 60 || tzoff >= 24 * 60 ||
	    breakdown(t, tzoff, &y, &mo, &d, &wd, &hh, &mi, &ss) == -1)
		return finish(buf, size, -1);
	return finish(buf, size, snprintf(buf, size,
	    "%02d-%s-%04d %02d:%02d:%02d %c%02d%02d", d, months[mo - 1], y,
	    hh, mi, ss, tzoff < 0 ? '-' : '+', a / 60, a % 60));
}

/* Skip white space, folding and (nested) comments. */
static void
skip_cfws(struct scan *sc)
{
	int	 depth = 0;

	while (sc->p < sc->end) {
		int	 c = (unsigned char)*sc->p;

		if (depth > 0) {
			if (c == '\\' && sc->p + 1 < sc->end)
				sc->p++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
		} else if (c == '(')
			depth = 1;
		else if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			return;
		sc->p++;
	}
}

/* 1..maxdigits decimal digits: 0 with the number and *ndig, -1 none. */
static int
get_num(struct scan *sc, int maxdigits, int *val_r)
{
	int	 v = 0, k = 0;

	while (sc->p < sc->end && is_digit(*sc->p)) {
		if (k == maxdigits)
			return -1;
		v = v * 10 + (*sc->p - '0');
		sc->p++;
		k++;
	}
	if (k == 0)
		return -1;
	*val_r = v;
	return k;
}

static int
get_word(struct scan *sc, const char **w_r, size_t *n_r)
{
	const char *s = sc->p;

	while (sc->p < sc->end && is_alpha(*sc->p))
		sc->p++;
	*w_r = s;
	*n_r = (size_t)(sc->p - s);
	return *n_r > 0 ? 0 : -1;
}

/*
 * A zone: +hhmm, -hhmm, +hh:mm, +hh, or a name (RFC 5322 4.3 obs-zone;
 * unknown names and military letters are -0000, i.e. 0).  Missing: 0.
 */
static int
get_zone(struct scan *sc, int *tzoff_r)
{
	static const struct {
		const char *name;
		int	 off;
	} names[] = {
		{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
		{ "est", -300 }, { "edt", -240 }, { "cst", -360 },
		{ "cdt", -300 }, { "mst", -420 }, { "mdt", -360 },
		{ "pst", -480 }, { "pdt", -420 },
	};
	const char *w;
	size_t	 n, i, k;
	int	 sign, v, digits;

	*tzoff_r = 0;
	skip_cfws(sc);
	if (sc->p == sc->end)
		return 0;
	if (*sc->p == '+' || *sc->p == '-') {
		sign = *sc->p == '-' ? -1 : 1;
		sc->p++;
		if ((digits = get_num(sc, 4, &v)) == -1)
			return -1;
		if (digits <= 2) {
			int	 mm = 0;

			v *= 100;
			if (sc->p < sc->end && *sc->p == ':') {
				sc->p++;
				if (get_num(sc, 2, &mm) != 2)
					return -1;
			}
			v += mm;
		} else if (digits == 3)
			return -1;
		if (v / 100 > 23 || v % 100 > 59)
			return -1;
		*tzoff_r = sign * (v / 100 * 60 + v % 100);
		return 0;
	}
	if (get_word(sc, &w, &n) == -1)
		return 0;	/* junk after the time: no zone */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) != n)
			continue;
		for (k = 0; k < n; k++)
			if (lower((unsigned char)w[k]) != names[i].name[k])
				break;
		if (k == n) {
			*tzoff_r = names[i].off;
			return 0;
		}
	}
	return 0;
}

static int
parse_hms(struct scan *sc, int *hh, int *mm, int *ss, int need_sec)
{
	if (get_num(sc, 2, hh) == -1)
		return -1;
	skip_cfws(sc);
	if (sc->p == sc->end || *sc->p != ':')
		return -1;
	sc->p++;
	skip_cfws(sc);
	if (get_num(sc, 2, mm) == -1)
		return -1;
	*ss = 0;
	skip_cfws(sc);
	if (sc->p < sc->end && *sc->p == ':') {
		sc->p++;
		skip_cfws(sc);
		if (get_num(sc, 2, ss) == -1)
			return -1;
	} else if (need_sec)
		return -1;
	return 0;
}

/* obs-year: 2 digits are 19xx from 50, else 20xx; 3 digits + 1900. */
static int
fix_year(int y, int digits)
{
	if (digits == 2)
		return y < 50 ? 2000 + y : 1900 + y;
	if (digits == 3)
		return 1900 + y;
	return y;
}

/* [day-name ","] day month year hh:mm[:ss] [zone] */
static int
parse_5322(struct scan *sc, time_t *t_r, int *tzoff_r)
{
	const char *w;
	size_t	 n;
	int	 d, m, y, yd, hh, mi, ss, tz;
	time_t	 t;

	skip_cfws(sc);
	if (sc->p < sc->end && is_alpha(*sc->p)) {
		if (get_word(sc, &w, &n) == -1)
			return -1;
		skip_cfws(sc);
		if (sc->p < sc->end && *sc->p == ',')
			sc->p++;
		skip_cfws(sc);
	}
	if (get_num(sc, 2, &d) == -1)
		return -1;
	skip_cfws(sc);
	if (sc->p < sc->end && *sc->p == '-')	/* "1-Jul-2003" */
		sc->p++;
	if (get_word(sc, &w, &n) == -1 || (m = date_month_parse(w, n)) == 0)
		return -1;
	skip_cfws(sc);
	if (sc->p < sc->end && *sc->p == '-')
		sc->p++;
	if ((yd = get_num(sc, 4, &y)) == -1)
		return -1;
	y = fix_year(y, yd);
	skip_cfws(sc);
	if (parse_hms(sc, &hh, &mi, &ss, 0) == -1)
		return -1;
	if (get_zone(sc, &tz) == -1)
		return -1;
	if (date_mktime(y, m, d, hh, mi, ss, &t) == -1)
		return -1;
	*t_r = t - (time_t)tz * 60;
	*tzoff_r = tz;
	return 0;
}

/* asctime(3): "Tue Jul  1 10:52:37 2003" */
static int
parse_asctime(struct scan *sc, time_t *t_r, int *tzoff_r)
{
	const char *w;
	size_t	 n;
	int	 d, m, y, yd, hh, mi, ss, tz = 0;
	time_t	 t;

	skip_cfws(sc);
	if (get_word(sc, &w, &n) == -1)
		return -1;
	skip_cfws(sc);
	if (sc->p < sc->end && *sc->p == ',')
		sc->p++;
	skip_cfws(sc);
	if (get_word(sc, &w, &n) == -1 || (m = date_month_parse(w, n)) == 0)
		return -1;
	skip_cfws(sc);
	if (get_num(sc, 2, &d) == -1)
		return -1;
	skip_cfws(sc);
	if (parse_hms(sc, &hh, &mi, &ss, 0) == -1)
		return -1;
	skip_cfws(sc);
	if (sc->p < sc->end && (*sc->p == '+' || *sc->p == '-' ||
	    is_alpha(*sc->p))) {
		if (get_zone(sc, &tz) == -1)
			return -1;
		skip_cfws(sc);
	}
	if ((yd = get_num(sc, 4, &y)) == -1)
		return -1;
	y = fix_year(y, yd);
	if (date_mktime(y, m, d, hh, mi, ss, &t) == -1)
		return -1;
	*t_r = t - (time_t)tz * 60;
	*tzoff_r = tz;
	return 0;
}

/* ISO 8601 / RFC 3339: "2003-07-01 10:52:37", "2003-07-01T10:52:37Z" */
static int
parse_iso(struct scan *sc, time_t *t_r, int *tzoff_r)
{
	int	 d, m, y, hh, mi, ss, tz;
	time_t	 t;

	skip_cfws(sc);
	if (get_num(sc, 4, &y) != 4 || sc->p == sc->end || *sc->p != '-')
		return -1;
	sc->p++;
	if (get_num(sc, 2, &m) == -1 || sc->p == sc->end || *sc->p != '-')
		return -1;
	sc->p++;
	if (get_num(sc, 2, &d) == -1)
		return -1;
	if (sc->p < sc->end && (*sc->p == 'T' || *sc->p == 't'))
		sc->p++;
	skip_cfws(sc);
	if (parse_hms(sc, &hh, &mi, &ss, 0) == -1)
		return -1;
	if (sc->p < sc->end && *sc->p == '.')	/* fraction */
		for (sc->p++; sc->p < sc->end && is_digit(*sc->p); sc->p++)
			;
	if (get_zone(sc, &tz) == -1)
		return -1;
	if (date_mktime(y, m, d, hh, mi, ss, &t) == -1)
		return -1;
	*t_r = t - (time_t)tz * 60;
	*tzoff_r = tz;
	return 0;
}

int
date_rfc5322_parse(const char *s, size_t n, time_t *t_r, int *tzoff_r)
{
	struct scan sc;

	sc.p = s;
	sc.end = s + n;
	if (parse_5322(&sc, t_r, tzoff_r) == 0)
		return 0;
	sc.p = s;
	if (parse_asctime(&sc, t_r, tzoff_r) == 0)
		return 0;
	sc.p = s;
	if (parse_iso(&sc, t_r, tzoff_r) == 0)
		return 0;
	errno = EINVAL;
	return -1;
}

/* d-Mon-yyyy with an optional leading space: the date of date-time. */
static int
imap_day(struct scan *sc, int *y, int *m, int *d)
{
	const char *w;
	size_t	 n;

	if (sc->p < sc->end && *sc->p == ' ')
		sc->p++;
	if (get_num(sc, 2, d) == -1 || sc->p == sc->end || *sc->p != '-')
		return -1;
	sc->p++;
	if (get_word(sc, &w, &n) == -1 || n != 3 ||
	    (*m = date_month_parse(w, n)) == 0)
		return -1;
	if (sc->p == sc->end || *sc->p != '-')
		return -1;
	sc->p++;
	if (get_num(sc, 4, y) != 4)
		return -1;
	if (*d < 1 || *d > month_days(*y == 0 ? 1 : *y, *m) || *y < 1)
		return -1;
	return 0;
}

int
date_imap_parse_day(const char *s, size_t n, int *y_r, int *m_r, int *d_r)
{
	struct scan sc;

	sc.p = s;
	sc.end = s + n;
	if (imap_day(&sc, y_r, m_r, d_r) == -1 || sc.p != sc.end) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
date_imap_parse(const char *s, size_t n, time_t *t_r, int *tzoff_r)
{
	struct scan sc;
	int	 y, m, d, hh, mi, ss, sign, z;
	time_t	 t;

	sc.p = s;
	sc.end = s + n;
	if (imap_day(&sc, &y, &m, &d) == -1 || sc.p == sc.end ||
	    *sc.p++ != ' ')
		goto bad;
	if (get_num(&sc, 2, &hh) != 2 || sc.p == sc.end || *sc.p++ != ':' ||
	    get_num(&sc, 2, &mi) != 2 || sc.p == sc.end || *sc.p++ != ':' ||
	    get_num(&sc, 2, &ss) != 2 || sc.p == sc.end || *sc.p++ != ' ')
		goto bad;
	if (sc.p == sc.end || (*sc.p != '+' && *sc.p != '-'))
		goto bad;
	sign = *sc.p++ == '-' ? -1 : 1;
	if (get_num(&sc, 4, &z) != 4 || sc.p != sc.end || z / 100 > 23 ||
	    z % 100 > 59)
		goto bad;
	z = sign * (z / 100 * 60 + z % 100);
	if (date_mktime(y, m, d, hh, mi, ss, &t) == -1)
		goto bad;
	*t_r = t - (time_t)z * 60;
	*tzoff_r = z;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
