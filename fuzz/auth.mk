# fuzz/auth.mk - libFuzzer targets of sender authentication: header
# fields, From and Authentication-Results (mhdr), SPF records and macros,
# DMARC records, SRS addresses, the msgauthd protocol, and whole
# messages through the checks (libopendkim included, DNS answering
# nothing) and through the DKIM signer.
FUZZERS += fuzz_mhdr fuzz_spf_record fuzz_dmarc_record fuzz_srs_reverse \
	fuzz_mauthp fuzz_mauth_msg fuzz_dkimsign
fuzz_mhdr_SRCS :=
fuzz_spf_record_SRCS :=
fuzz_spf_record_LIBS := -lresolv
fuzz_dmarc_record_SRCS :=
fuzz_dmarc_record_LIBS := -lpsl -lresolv
fuzz_srs_reverse_SRCS :=
fuzz_srs_reverse_LIBS := -lmd
fuzz_mauthp_SRCS :=
fuzz_mauth_msg_SRCS :=
fuzz_mauth_msg_LIBS := -lopendkim -lpsl -lresolv -lmd -lcrypto
fuzz_dkimsign_SRCS :=
fuzz_dkimsign_LIBS := -lcrypto
