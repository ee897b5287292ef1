# src/smtp/build.mk - qmail-smtpd and its protocol modules.
SMTPD_MODS := src/smtp/smtpd_proto.c src/smtp/smtpd_addr.c \
	src/smtp/smtpd_data.c src/smtp/smtpd_queue.c

# qmail-smtpd speaks plain SMTP and execs qmail-smtpd-tls for STARTTLS
# and SMTPS, so that OpenSSL is loaded only by sessions that use it: the
# same program linked with smtpd_notls.c or smtpd_tls.c (smtpd_tls.h).
PROGS += qmail-smtpd qmail-smtpd-tls
qmail-smtpd_SRCS := src/smtp/qmail-smtpd.c src/smtp/smtpd_notls.c \
	src/smtp/chkuser.c src/smtp/chkhelp.c $(SMTPD_MODS)
qmail-smtpd_LIBS := -lcrypt
qmail-smtpd-tls_SRCS := src/smtp/qmail-smtpd.c src/smtp/smtpd_tls.c \
	src/smtp/chkuser.c src/smtp/chkhelp.c $(SMTPD_MODS)
qmail-smtpd-tls_LIBS := -lssl -lcrypto -lcrypt

TESTS += smtpd_proto_test
smtpd_proto_test_SRCS := src/smtp/smtpd_proto_test.c $(SMTPD_MODS)
# Its out-of-memory case makes one realloc fail.
smtpd_proto_test_LIBS := -Wl,--wrap=realloc

# qmail-smtpd's side of vchkuser, against fake helpers.
TESTS += chkhelp_test
chkhelp_test_SRCS := src/smtp/chkhelp_test.c src/smtp/chkhelp.c
