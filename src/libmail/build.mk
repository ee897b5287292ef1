# src/libmail/build.mk - the mail layer's compiler flags and the libraries
# its unit tests link.
# Sender authentication (spf, dmarc, dkimsig, mauth): libresolv for DNS,
# libpsl for organizational domains, libopendkim for DKIM.
spf_test_LIBS := -lresolv
dmarc_test_LIBS := -lpsl -lresolv
srs_test_LIBS := -lmd
mauth_test_LIBS := -lopendkim -lpsl -lresolv -lmd -lssl -lcrypto -lcrypt
