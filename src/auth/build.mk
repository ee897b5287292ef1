# src/auth/build.mk - sender authentication: msgauthd (DKIM signing, SPF,
# DKIM and DMARC checks for qmail-smtpd and qmail-inject) and vdkim (the
# domains' DKIM keys).
PROGS += msgauthd vdkim
msgauthd_SRCS := src/auth/msgauthd.c
msgauthd_LIBS := -lopendkim -lpsl -lresolv -lmd -lcrypto
vdkim_SRCS := src/auth/vdkim.c
vdkim_LIBS := -lcrypto
