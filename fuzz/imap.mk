# imap - libFuzzer targets: imaplogin's state before login (commands and
# SASL responses), and imapd's command parser and session on a scratch
# Maildir (every command, the grammar, search programs, sequence sets).
FUZZERS += fuzz_imap_login fuzz_imap_cmd
fuzz_imap_login_SRCS := src/imap/login_proto.c src/imap/imap_parse.c
fuzz_imap_cmd_SRCS := $(IMAPD_PROTO)
fuzz_imap_cmd_LIBS = $(MIME_LIBS)
