# fuzz/send.mk - libFuzzer targets of the queue-send area.
FUZZERS += fuzz_send_rewrite
fuzz_send_rewrite_SRCS := src/send/rewrite.c src/send/cmap.c
