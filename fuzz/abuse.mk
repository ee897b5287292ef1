# fuzz/abuse.mk - the parsers of the abuse defences and the login path:
# the CRAM-MD5/APOP checks of vchkpw and vchkpwsmtp, the Delivered-To
# loop checks of qmail-local and vdelivermail, qmail-queued's socket
# handshake (fdpass), the open-smtp readers and the failed-login table.
FUZZERS += fuzz_chkcram fuzz_dtscan fuzz_fdpass fuzz_opensmtp fuzz_loginfail
fuzz_chkcram_SRCS := src/vpop/chkcram.c
fuzz_chkcram_LIBS := -lmd
fuzz_dtscan_SRCS :=
fuzz_fdpass_SRCS :=
fuzz_opensmtp_SRCS := src/vpop/relay.c
fuzz_loginfail_SRCS :=
