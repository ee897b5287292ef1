# pop3 - qmail-popup (AUTHORIZATION, STLS, checkpassword) and qmail-pop3d
# (Maildir sessions), with their protocol modules and unit tests.
# qmail-popup-tls is qmail-popup with TLS: qmail-popup execs it for STLS
# and POP3S, so that plain logins do not load OpenSSL.
PROGS += qmail-popup qmail-popup-tls qmail-pop3d
qmail-popup_SRCS := src/pop3/qmail-popup.c src/pop3/popup_proto.c \
	src/pop3/pop3_cmd.c src/lib/tlsfront_notls.c
qmail-popup-tls_SRCS := src/pop3/qmail-popup.c src/pop3/popup_proto.c \
	src/pop3/pop3_cmd.c src/lib/tlsfront_tls.c
qmail-popup-tls_LIBS := -lssl -lcrypto
qmail-pop3d_SRCS := src/pop3/qmail-pop3d.c src/pop3/pop3d_proto.c \
	src/pop3/maildrop.c src/pop3/pop3_cmd.c

TESTS += pop3_proto_test
pop3_proto_test_SRCS := src/pop3/pop3_proto_test.c src/pop3/popup_proto.c \
	src/pop3/pop3d_proto.c src/pop3/maildrop.c src/pop3/pop3_cmd.c
