# src/smtp/build.mk - qmail-smtpd and its protocol modules.
SMTPD_MODS := src/smtp/smtpd_proto.c src/smtp/smtpd_addr.c \
	src/smtp/smtpd_data.c src/smtp/smtpd_queue.c

PROGS += qmail-smtpd
qmail-smtpd_SRCS := src/smtp/qmail-smtpd.c src/smtp/chkuser.c $(SMTPD_MODS)
qmail-smtpd_LIBS := -lssl -lcrypto -lcrypt

TESTS += smtpd_proto_test
smtpd_proto_test_SRCS := src/smtp/smtpd_proto_test.c $(SMTPD_MODS)
