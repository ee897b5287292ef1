# src/remote - remote delivery: qmail-rspawn runs qmail-remote per delivery.
dns_test_LIBS := -lresolv -lssl -lcrypto -lcrypt

PROGS += qmail-remote qmail-rspawn
qmail-remote_SRCS := src/remote/qmail-remote.c src/remote/remote_smtp.c \
	src/remote/remote_reply.c src/remote/remote_route.c
qmail-remote_LIBS := -lssl -lcrypto -lresolv
qmail-rspawn_SRCS := src/remote/qmail-rspawn.c src/remote/spawn_proto.c

TESTS += spawn_proto_test remote_reply_test
spawn_proto_test_SRCS := src/remote/spawn_proto_test.c src/remote/spawn_proto.c
remote_reply_test_SRCS := src/remote/remote_reply_test.c \
	src/remote/remote_reply.c src/remote/remote_route.c
