# src/libmail/build.mk - the mail layer's compiler flags and the libraries
# its unit tests link.
# Sender authentication (spf, dmarc, dkimsig, mauth): libresolv for DNS,
# libpsl for organizational domains, libopendkim for DKIM.
spf_test_LIBS := -lresolv
dmarc_test_LIBS := -lpsl -lresolv
srs_test_LIBS := -lmd
mauth_test_LIBS := -lopendkim -lpsl -lresolv -lmd -lssl -lcrypto -lcrypt
dkimsign_test_LIBS := -lopendkim -lcrypto
# The MIME modules (mime*.c)
# use GMime 3; its headers are system headers here (-isystem), so the
# project's warnings stay on for our code only.  Programs and tests that
# link the MIME modules add $(MIME_LIBS).
MIME_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags gmime-3.0 2>/dev/null))
MIME_LIBS := $(shell pkg-config --libs gmime-3.0 2>/dev/null)
LIBMAIL_CFLAGS += $(MIME_CFLAGS)
mime_test_LIBS = $(MIME_LIBS)
