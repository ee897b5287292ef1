# src/queue/build.mk - the queue-in programs: queue setup, injection, local
# delivery, inspection.
PROGS += hsmail-setup
hsmail-setup_SRCS := src/queue/hsmail-setup.c
PROGS += qmail-queue qmail-queued
qmail-queue_SRCS := src/queue/qmail-queue_bin.c src/queue/qmail-queue.c
qmail-queued_SRCS := src/queue/qmail-queued.c src/queue/qmail-queue.c
PROGS += qmail-local
qmail-local_SRCS := src/queue/qmail-local_bin.c src/queue/qmail-local.c \
	src/queue/dotqmail.c src/vpop/vdelivermail.c
qmail-local_LIBS := -lmd
TESTS += dotqmail_test
dotqmail_test_SRCS := src/queue/dotqmail_test.c src/queue/dotqmail.c
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
