# webmail - sqwebmail, the CGI Apache runs (it forwards the request to
# sqwebmaild), and sqwebmaild, the daemon that checks sessions, logs users
# in through vchkpw and serves each request in a child running as the
# mailbox owner.
WM_CORE := src/webmail/cgi.c src/webmail/html.c
PROGS += sqwebmail sqwebmaild
sqwebmail_SRCS := src/webmail/sqwebmail.c src/webmail/fcgi.c \
	src/webmail/wm_ident.c src/webmail/cgi.c
sqwebmaild_SRCS := src/webmail/sqwebmaild.c src/webmail/wm_http.c \
	src/webmail/wm_checkpw.c src/webmail/wm_ident.c src/webmail/pages.c src/webmail/pg_list.c \
	src/webmail/pg_read.c src/webmail/pg_compose.c src/webmail/pg_settings.c \
	src/webmail/pg_abook.c src/webmail/abook.c src/webmail/msglist.c src/webmail/session.c \
	src/webmail/sanitize.c src/webmail/prefs.c $(WM_CORE)
sqwebmaild_LIBS := -lgumbo -lcrypto -lcrypt $(MIME_LIBS)
# autorespond: the vacation reply the webmail's settings write into
# .qmail (installed in vpopmail's bin, where vpopmail's tools expect it).
PROGS += autorespond
autorespond_SRCS := src/webmail/autorespond.c src/webmail/arespond.c \
	$(WM_CORE)
TESTS += arespond_test
arespond_test_SRCS := src/webmail/arespond_test.c src/webmail/arespond.c \
	$(WM_CORE)
TESTS += abook_test
abook_test_SRCS := src/webmail/abook_test.c src/webmail/abook.c $(WM_CORE)
TESTS += prefs_test
prefs_test_SRCS := src/webmail/prefs_test.c src/webmail/prefs.c
TESTS += msglist_test
msglist_test_SRCS := src/webmail/msglist_test.c src/webmail/msglist.c
TESTS += fcgi_test
fcgi_test_SRCS := src/webmail/fcgi_test.c src/webmail/fcgi.c $(WM_CORE)
TESTS += cgi_test
cgi_test_SRCS := src/webmail/cgi_test.c $(WM_CORE)
TESTS += sanitize_test
sanitize_test_SRCS := src/webmail/sanitize_test.c src/webmail/sanitize.c \
	$(WM_CORE)
sanitize_test_LIBS := -lgumbo
TESTS += session_test
session_test_SRCS := src/webmail/session_test.c src/webmail/session.c
session_test_LIBS := -lcrypto
