# src/send - the delivery side of the queue: qmail-start, qmail-send,
# qmail-todo, qmail-clean, qmail-lspawn.
PROGS += qmail-start qmail-send qmail-todo qmail-clean qmail-lspawn
qmail-start_SRCS := src/send/qmail-start.c
qmail-send_SRCS := src/send/qmail-send.c src/send/sched.c src/send/sendq.c
qmail-todo_SRCS := src/send/qmail-todo.c src/send/sendq.c src/send/rewrite.c \
	src/send/cmap.c
qmail-clean_SRCS := src/send/qmail-clean.c src/send/sendq.c
qmail-lspawn_LIBS := -lmd
qmail-lspawn_SRCS := src/send/qmail-lspawn.c src/send/sendq.c \
	src/local/lworker.c $(LOCAL_SRCS)
TESTS += send_test
send_test_SRCS := src/send/send_test.c src/send/sendq.c src/send/rewrite.c \
	src/send/cmap.c
TESTS += sched_test
sched_test_SRCS := src/send/sched_test.c src/send/sched.c src/send/sendq.c
