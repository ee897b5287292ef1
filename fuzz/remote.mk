# fuzz/remote.mk - fuzz targets of remote delivery.
FUZZERS += fuzz_dns_answer fuzz_remote_reply fuzz_spawn_proto
fuzz_dns_answer_SRCS :=
fuzz_dns_answer_LIBS := -lresolv
fuzz_remote_reply_SRCS := src/remote/remote_reply.c
fuzz_spawn_proto_SRCS := src/remote/spawn_proto.c
