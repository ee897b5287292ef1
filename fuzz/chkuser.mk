# fuzz/chkuser.mk - the qmail-smtpd <-> vchkuser lines (rcptq.h).
FUZZERS += fuzz_rcptq
fuzz_rcptq_SRCS :=
