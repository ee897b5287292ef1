# pop3 - libFuzzer targets: the command parser with qmail-popup's
# AUTHORIZATION state, qmail-pop3d's TRANSACTION state, and the message
# writer (stuffing, TOP).
FUZZERS += fuzz_pop3_cmd fuzz_pop3_msg fuzz_pop3d_cmd
fuzz_pop3_cmd_SRCS := src/pop3/popup_proto.c src/pop3/pop3_cmd.c
fuzz_pop3_msg_SRCS := src/pop3/pop3d_proto.c src/pop3/maildrop.c \
	src/pop3/pop3_cmd.c
fuzz_pop3d_cmd_SRCS := src/pop3/pop3d_proto.c src/pop3/maildrop.c \
	src/pop3/pop3_cmd.c
