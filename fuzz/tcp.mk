# fuzz/tcp.mk - libFuzzer targets of src/tcp: the tcprules text parser
# (with range expansion) and the ident reply parser.
FUZZERS += fuzz_tcprules fuzz_ident
fuzz_tcprules_SRCS := src/tcp/rules.c
fuzz_ident_SRCS := src/tcp/ident.c
