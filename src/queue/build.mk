# src/queue/build.mk - the queue-in programs: queue setup, injection,
# inspection (local delivery is src/local).
PROGS += hsmail-setup
hsmail-setup_SRCS := src/queue/hsmail-setup.c
PROGS += qmail-queue qmail-queued
qmail-queue_SRCS := src/queue/qmail-queue_bin.c src/queue/qmail-queue.c
qmail-queued_SRCS := src/queue/qmail-queued.c src/queue/qmail-queue.c
PROGS += qmail-newu
qmail-newu_SRCS := src/queue/qmail-newu.c
PROGS += qmail-inject sendmail
qmail-inject_SRCS := src/queue/qmail-inject.c src/queue/inject.c
sendmail_SRCS := src/queue/qmail-inject.c src/queue/inject.c
TESTS += inject_test
inject_test_SRCS := src/queue/inject_test.c src/queue/inject.c
PROGS += qmail-qstat qmail-qread qmail-showctl
qmail-qstat_SRCS := src/queue/qmail-qstat.c
qmail-qread_SRCS := src/queue/qmail-qread.c
qmail-showctl_SRCS := src/queue/qmail-showctl.c
