# webmail - libFuzzer targets for every parser of browser and mail input
# in sqwebmail: the form parsers (urlencoded, multipart/form-data), the
# Cookie header and the CGI environment record, the HTML sanitizer and
# the CSS filter; autorespond's reading of incoming mail; the address
# book file and the preferences line; the FastCGI records of the front.
FUZZERS += fuzz_webmail_form fuzz_webmail_cookie fuzz_webmail_html \
	fuzz_webmail_css fuzz_webmail_arespond fuzz_webmail_abook \
	fuzz_webmail_fcgi fuzz_webmail_prefs
fuzz_webmail_form_SRCS := src/webmail/cgi.c
fuzz_webmail_cookie_SRCS := src/webmail/cgi.c src/webmail/session.c
fuzz_webmail_cookie_LIBS := -lcrypto
fuzz_webmail_html_SRCS := src/webmail/sanitize.c src/webmail/html.c \
	src/webmail/cgi.c
fuzz_webmail_html_LIBS := -lgumbo
fuzz_webmail_css_SRCS := src/webmail/sanitize.c src/webmail/html.c \
	src/webmail/cgi.c
fuzz_webmail_css_LIBS := -lgumbo
fuzz_webmail_arespond_SRCS := src/webmail/arespond.c src/webmail/html.c \
	src/webmail/cgi.c
fuzz_webmail_abook_SRCS := src/webmail/abook.c src/webmail/html.c \
	src/webmail/cgi.c
fuzz_webmail_fcgi_SRCS := src/webmail/fcgi.c src/webmail/cgi.c \
	src/webmail/html.c
fuzz_webmail_prefs_SRCS := src/webmail/prefs.c
