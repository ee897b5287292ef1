# src/bench - load generators used by bench/bench_* (not installed programs
# of the mail system; built with the rest so `make bench` has them).
PROGS += bench-tcpconnect
bench-tcpconnect_SRCS := src/bench/tcpconnect.c
bench-tcpconnect_LIBS := -lpthread
