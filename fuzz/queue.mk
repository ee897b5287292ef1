# fuzz/queue.mk - libFuzzer targets of the queue-in area.
FUZZERS += fuzz_queue_env
fuzz_queue_env_SRCS :=
