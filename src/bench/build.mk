# src/bench - load generators used by bench/bench_* (not installed programs
# of the mail system; built with the rest so `make bench` has them).
PROGS += bench-tcpconnect
bench-tcpconnect_SRCS := src/bench/tcpconnect.c
bench-tcpconnect_LIBS := -lpthread
# The smallest fork-server program (forksrv.h): bench_tcpserver's
# program, and what the tcpserver tests look at a session through.
PROGS += bench-tcpprobe
bench-tcpprobe_SRCS := src/bench/tcpprobe.c
