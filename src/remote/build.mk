# src/remote - remote delivery: qmail-rspawn runs qmail-remote per delivery.
dns_test_LIBS := -lresolv -lssl -lcrypto -lcrypt

PROGS += qmail-remote qmail-rspawn
qmail-remote_SRCS := src/remote/qmail-remote.c src/remote/remote_smtp.c \
	src/remote/remote_reply.c src/remote/remote_route.c \
	src/remote/remote_tls.c
qmail-remote_LIBS := -lssl -lcrypto -lresolv
qmail-rspawn_SRCS := src/remote/qmail-rspawn.c src/remote/spawn_proto.c
