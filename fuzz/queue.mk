# fuzz/queue.mk - libFuzzer targets of the queue-in area.
FUZZERS += fuzz_queue_env
fuzz_queue_env_SRCS :=
FUZZERS += fuzz_dotqmail
fuzz_dotqmail_SRCS := src/local/dotqmail.c
FUZZERS += fuzz_inject_addr
fuzz_inject_addr_SRCS := src/queue/inject.c
FUZZERS += fuzz_assign
fuzz_assign_SRCS :=
