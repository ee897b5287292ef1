# src/queue/build.mk - the queue-in programs: queue setup, injection, local
# delivery, inspection.
PROGS += hsmail-setup
hsmail-setup_SRCS := src/queue/hsmail-setup.c
PROGS += qmail-queue
qmail-queue_SRCS := src/queue/qmail-queue.c
PROGS += qmail-local
qmail-local_SRCS := src/queue/qmail-local.c src/queue/dotqmail.c
TESTS += dotqmail_test
dotqmail_test_SRCS := src/queue/dotqmail_test.c src/queue/dotqmail.c
