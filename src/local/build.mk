# src/local - local delivery: qmail-local's and vdelivermail's delivery
# functions (local.c, vdeliver.c), the .qmail rules (dotqmail.c), and the
# two programs, thin main()s around them.  qmail-lspawn links LOCAL_SRCS.
LOCAL_SRCS := src/local/local.c src/local/vdeliver.c src/local/dotqmail.c \
	src/local/say.c
PROGS += qmail-local vdelivermail
qmail-local_SRCS := src/local/qmail-local.c $(LOCAL_SRCS)
vdelivermail_SRCS := src/local/vdelivermail.c src/local/vdeliver.c \
	src/local/say.c
# srs.c (the forwards' sender rewriting) uses libmd's SHA-1
qmail-local_LIBS := -lmd
vdelivermail_LIBS := -lmd
TESTS += dotqmail_test
dotqmail_test_SRCS := src/local/dotqmail_test.c src/local/dotqmail.c
TESTS += local_test
local_test_SRCS := src/local/local_test.c $(LOCAL_SRCS)
local_test_LIBS := -lmd
