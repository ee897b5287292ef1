# src/queue/build.mk - the queue-in programs: queue setup, injection, local
# delivery, inspection.
PROGS += hsmail-setup
hsmail-setup_SRCS := src/queue/hsmail-setup.c
PROGS += qmail-queue
qmail-queue_SRCS := src/queue/qmail-queue.c
