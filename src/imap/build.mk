# imap - imaplogin (pre-authentication: CAPABILITY, STARTTLS, LOGIN,
# AUTHENTICATE; the checkpassword program on fd 3) and imapd (the session
# on the Maildir++ store as the user), with their protocol modules and
# unit tests.  imaplogin-tls is imaplogin with TLS: imaplogin execs it for
# STARTTLS and port 993, so plain sessions do not load OpenSSL.
IMAPD_PROTO := src/imap/imapd_proto.c src/imap/imapd_fetch.c \
	src/imap/imapd_search.c src/imap/imap_parse.c

# imapd itself links forwarders (imap_mimeload.c) and loads the MIME
# layer, with GMime, from imapd-mime.so beside it when a command first
# needs it: a session that only idles never pays for those libraries.
PROGS += imapd
imapd_SRCS := src/imap/imapd.c src/imap/imap_z.c src/imap/imapd_proto.c \
	src/imap/imapd_fetch.c src/imap/imapd_search.c src/imap/imap_parse.c \
	src/imap/imap_mimeload.c
imapd_LIBS = -ldl -Wl,-Bstatic -lz -Wl,-Bdynamic

# imapd-mime.so: the MIME modules with the two generic modules they use
# (str, date), compiled position-independent, their own references bound
# inside the object (-Bsymbolic).
IMAPD_MIME_SO := $(B)/bin/imapd-mime.so
IMAPD_MIME_PIC := $(patsubst src/%.c,$(B)/pic/%.o,\
	$(filter-out %_test.c,$(wildcard src/libmail/mime*.c)) \
	src/lib/str.c src/lib/date.c)
all: $(IMAPD_MIME_SO)
$(B)/pic/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(MIME_CFLAGS) -fPIC -c -o $@ $<
$(IMAPD_MIME_SO): $(IMAPD_MIME_PIC)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -Wl,-Bsymbolic -Wl,-z,defs -o $@ \
	    $(IMAPD_MIME_PIC) $(MIME_LIBS)

TESTS += imap_parse_test
imap_parse_test_SRCS := src/imap/imap_parse_test.c src/imap/imap_parse.c
TESTS += imapd_proto_test
imapd_proto_test_SRCS := src/imap/imapd_proto_test.c $(IMAPD_PROTO)
imapd_proto_test_LIBS = $(MIME_LIBS)

ILOGIN_SRCS := src/imap/imaplogin.c src/imap/login_proto.c \
	src/imap/imap_parse.c
PROGS += imaplogin imaplogin-tls
imaplogin_SRCS := $(ILOGIN_SRCS) src/lib/tlsfront_notls.c
imaplogin-tls_SRCS := $(ILOGIN_SRCS) src/lib/tlsfront_tls.c
imaplogin-tls_LIBS := -lssl -lcrypto

TESTS += login_proto_test
login_proto_test_SRCS := src/imap/login_proto_test.c src/imap/login_proto.c \
	src/imap/imap_parse.c

# imaplogin-wait: a few pages that wait for the session in imaplogin's
# place after a login (see imaplogin_wait.c); no C library on x86-64.
PROGS += imaplogin-wait
imaplogin-wait_SRCS := src/imap/imaplogin_wait.c
ifneq ($(SAN),1)
ifeq ($(shell uname -m),x86_64)
# Position-independent (it has no relocations to apply): the kernel maps
# it beside the vDSO, where its page tables are shared with that, instead
# of at a fixed low address that needs tables of its own.
$(B)/obj/imap/imaplogin_wait.o: CFLAGS += -DHSMAIL_WAIT_TINY \
	-fno-stack-protector -fpie -U_FORTIFY_SOURCE
imaplogin-wait_LIBS := -static-pie -nostdlib -nostartfiles
endif
endif
