# fuzz/smtpd.mk - libFuzzer targets of qmail-smtpd: the MAIL/RCPT path
# parser, the DATA reader, and whole sessions (commands, AUTH, DATA).
FUZZERS += fuzz_smtpd_path fuzz_smtpd_data fuzz_smtpd_session
fuzz_smtpd_path_SRCS := src/smtp/smtpd_addr.c
fuzz_smtpd_data_SRCS := src/smtp/smtpd_data.c
fuzz_smtpd_session_SRCS := src/smtp/smtpd_proto.c src/smtp/smtpd_addr.c \
	src/smtp/smtpd_data.c
