# src/tcp - tcpserver, tcprules, tcprulescheck (ucspi-tcp 0.88 compatible).
PROGS += tcpserver tcprules tcprulescheck
tcpserver_SRCS := src/tcp/tcpserver.c src/tcp/rules.c src/tcp/ident.c src/tcp/tcpspawn.c \
	src/tcp/tcpfsrv.c
tcpserver_LIBS := -Wl,-z,now -Wl,-Bstatic -lcdb -Wl,-Bdynamic
tcprules_SRCS := src/tcp/tcprules.c src/tcp/rules.c
tcprulescheck_SRCS := src/tcp/tcprulescheck.c src/tcp/rules.c
TESTS += rules_test
rules_test_SRCS := src/tcp/rules_test.c src/tcp/rules.c
TESTS += ident_test tcpspawn_test
ident_test_SRCS := src/tcp/ident_test.c src/tcp/ident.c
tcpspawn_test_SRCS := src/tcp/tcpspawn_test.c src/tcp/tcpspawn.c
# The smallest fork-server program (forksrv.h): bench_tcpserver's
# program, and what the tcpserver tests look at a session through; not
# installed (bench-*).
PROGS += bench-tcpprobe
bench-tcpprobe_SRCS := src/tcp/tcpprobe.c
